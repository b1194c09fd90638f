//! A deterministic, seeded mention series for testing and benchmarking the detectors: a
//! daily rhythm with a night lull, quieter weekends and noise, with scenarios on top.

use crate::windows::Mention;

pub const MINUTE_MS: i64 = 60_000;
pub const DAY_MS: i64 = 1440 * MINUTE_MS;
/// Monday 2025-06-02T00:00:00Z: week 0 of every series starts here.
pub const MONDAY_MS: i64 = 1_748_822_400_000;

/// splitmix64: small, seedable and the same on every platform.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed ^ 0x9e37_79b9_7f4a_7c15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn normal(&mut self) -> f64 {
        let (u, v) = (self.unit().max(1e-12), self.unit());
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    /// Poisson by inversion for small means, normal approximation above 50.
    pub fn poisson(&mut self, mean: f64) -> u64 {
        if mean > 50.0 {
            return (mean + mean.sqrt() * self.normal()).round().max(0.0) as u64;
        }
        let (limit, mut p, mut n) = ((-mean).exp(), 1.0, 0);
        loop {
            p *= self.unit();
            if p <= limit {
                return n;
            }
            n += 1;
        }
    }
}

/// What happens on top of the usual traffic.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Event {
    /// Nothing: a quiet stretch.
    Quiet,
    /// Five times the usual volume on top, 85 % negative, for an hour.
    AngrySpike,
    /// Eight times the usual volume on top (9x in all; half of it in the first ten
    /// minutes), for 90 minutes, of complaints a lexicon labels only 40-60 % negative.
    ComplaintSpike,
    /// Two hours at the usual volume with 75 % of the mentions negative.
    SlowBurn,
    /// Eight times the usual volume on top, 5 % negative, for 90 minutes.
    ViralPositive,
}

impl Event {
    pub fn minutes(self) -> i64 {
        match self {
            Event::Quiet => 0,
            Event::AngrySpike => 60,
            Event::SlowBurn => 120,
            Event::ComplaintSpike | Event::ViralPositive => 90,
        }
    }
}

/// The usual traffic of one account.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Traffic {
    /// Mentions per hour at the weekday afternoon peak.
    pub peak_per_hour: f64,
    /// The usual negative share.
    pub negative: f64,
    /// Local time minus UTC, hours.
    pub utc_offset_hours: i64,
}

impl Default for Traffic {
    fn default() -> Self {
        Traffic { peak_per_hour: 60.0, negative: 0.15, utc_offset_hours: 1 }
    }
}

/// The daily rhythm: a night lull at 8 % of the peak, rising from 6:00 to a plateau in the
/// afternoon, falling into the evening; weekends at 60 %.
pub fn rhythm(local_ms: i64) -> f64 {
    let hour = local_ms.rem_euclid(DAY_MS) as f64 / 3_600_000.0;
    let weekday = (local_ms - MONDAY_MS).div_euclid(DAY_MS).rem_euclid(7); // 0 = Monday
    let day =
        if (6.0..23.0).contains(&hour) { (std::f64::consts::PI * (hour - 6.0) / 17.0).sin().powf(1.5) } else { 0.0 };
    let level = 0.08 + 0.92 * day;
    if weekday >= 5 { 0.6 * level } else { level }
}

/// One generated mention.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Synthetic {
    pub at_ms: i64,
    pub id: u64,
    pub negative: bool,
    /// Part of the event rather than the usual traffic.
    pub event: bool,
}

impl Synthetic {
    pub fn mention(&self) -> Mention {
        Mention { at_ms: self.at_ms, id: self.id, negative: self.negative }
    }
}

/// Generates `[from_ms, to_ms)` minute by minute, with `event` starting at `onset_ms`.
pub fn series(seed: u64, traffic: Traffic, from_ms: i64, to_ms: i64, event: Event, onset_ms: i64) -> Vec<Synthetic> {
    let mut rng = Rng::new(seed);
    let complaint_negative = 0.4 + 0.2 * Rng::new(seed ^ 0x00c0_ffee).unit();
    let mut out = Vec::new();
    let (mut noise, mut share) = (1.0, traffic.negative);
    let mut t = from_ms;
    while t < to_ms {
        if t.rem_euclid(3_600_000) == 0 || t == from_ms {
            noise = (0.3 * rng.normal() - 0.045).exp();
            share = (traffic.negative * (0.25 * rng.normal()).exp()).min(0.5);
        }
        let usual = traffic.peak_per_hour / 60.0 * rhythm(t + traffic.utc_offset_hours * 3_600_000) * noise;
        let since = t - onset_ms;
        let active = event != Event::Quiet && since >= 0 && since < event.minutes() * MINUTE_MS;
        let (extra, extra_negative, usual_negative) = match (active, event) {
            (false, _) | (true, Event::Quiet) => (0.0, 0.0, share),
            (true, Event::AngrySpike) => (5.0, 0.85, share),
            (true, Event::ComplaintSpike) => {
                (if since < 10 * MINUTE_MS { 4.0 } else { 8.0 }, complaint_negative, share)
            }
            (true, Event::SlowBurn) => (0.0, 0.0, 0.75),
            (true, Event::ViralPositive) => (8.0, 0.05, share),
        };
        for (mean, negative, event) in [(usual, usual_negative, false), (usual * extra, extra_negative, true)] {
            for _ in 0..rng.poisson(mean) {
                let at_ms = t + (rng.unit() * MINUTE_MS as f64) as i64;
                let id = rng.next_u64();
                out.push(Synthetic { at_ms, id, negative: rng.unit() < negative, event });
            }
        }
        t += MINUTE_MS;
    }
    out.sort_by_key(|m| m.at_ms);
    out
}
