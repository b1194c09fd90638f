//! The detectors over one window (volume spike, negative spike, negative rise, slow burn),
//! each with its severity, the baseline it used and what would have silenced it.

use serde::{Deserialize, Serialize};

use crate::baseline::{Baseline, Ewma, Severity};
use crate::burn::{self, Burn};
use crate::season::{Basis, Season};
use crate::silence::{Silence, rise_floor, spike_floor, volume_floor};

/// A spike needs at least this many mentions, and a negative one this many negative
/// mentions (no alert on 1 → 2).
pub const MIN_COUNT: u64 = 5;
/// A negative spike is `high` from this many negative mentions on (`medium` below): a
/// handful of complaints in a busy hour is not yet a crisis.
pub const MIN_NEGATIVE_HIGH: u64 = 8;
/// ... and from this multiple of the expected count on, or when most of the window is
/// negative: two or three times the usual volume at a third negative is `medium`, as
/// ordinary busy hours sometimes are.
pub const MIN_RATIO_HIGH: f64 = 3.0;
/// A negative spike: of the mentions above the expected count, at least this share is
/// negative ...
pub const EXCESS_SHARE_MIN: f64 = 0.30;
/// ... and at least this much above the usual negative share.
pub const EXCESS_LIFT: f64 = 0.15;
/// A negative rise without a volume spike: the share this much above the usual one.
pub const RISE_LIFT: f64 = 0.20;
/// A negative spike is critical from this z on ...
pub const CRITICAL_Z: f64 = 5.0;
/// ... or from this many negative-spike windows in a row.
pub const CRITICAL_STREAK: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Detector {
    /// More mentions than expected, not markedly negative.
    Spike,
    /// More mentions than expected, and the extra ones largely negative.
    NegativeSpike,
    /// More negative mentions than expected at the usual volume.
    NegativeRise,
    /// The negative share raised for several windows (CUSUM).
    SlowBurn,
}

/// One detector that fired on a window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub detector: Detector,
    pub severity: Severity,
    pub reason: String,
    pub silence: Silence,
}

/// Everything learned about a key between windows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Model {
    pub window_minutes: u32,
    pub baseline: Baseline,
    pub season: Season,
    pub burn: Burn,
    /// Negative-spike windows in a row up to the last one.
    pub streak: u32,
}

/// The score of one window against the model.
#[derive(Debug, Clone, PartialEq)]
pub struct Assessment {
    pub severity: Severity,
    pub detector: Option<Detector>,
    pub basis: Basis,
    pub expected: Ewma,
    pub z: f64,
    pub expected_negative: f64,
    pub negative_z: f64,
    pub negative_share: f64,
    pub baseline_negative_share: f64,
    pub cusum: f64,
    pub burn_excess: f64,
    pub warming_up: bool,
    pub streak: u32,
    pub findings: Vec<Finding>,
    pub reason: String,
}

/// The window's numbers against the expectation, shared by the detectors.
struct Facts {
    x: f64,
    n: f64,
    e: Ewma,
    p0: f64,
    en: f64,
    nscale: f64,
    k: f64,
}

impl Facts {
    fn z(&self) -> f64 {
        self.e.z(self.x)
    }
    fn negative_z(&self) -> f64 {
        (self.n - self.en) / self.nscale
    }
    fn share(&self) -> f64 {
        if self.x > 0.0 { self.n / self.x } else { 0.0 }
    }
    fn volume(&self) -> bool {
        self.x >= volume_floor(self.e, self.k) as f64
    }
    /// The share of the mentions above the expected count that the excess negatives make.
    fn excess_share(&self) -> f64 {
        (self.n - self.en) / (self.x - self.e.mean).max(1.0)
    }
    fn excess_min(&self) -> f64 {
        EXCESS_SHARE_MIN.max(self.p0 + EXCESS_LIFT)
    }
}

impl Model {
    pub fn new(window_minutes: u32) -> Self {
        Model {
            window_minutes,
            baseline: Baseline::default(),
            season: Season::default(),
            burn: Burn::default(),
            streak: 0,
        }
    }

    /// The expected count for a window: its hour's profile when it has enough history,
    /// else the global baseline.
    pub fn expectation(&self, start_ms: i64) -> (Basis, Ewma) {
        self.season.expected(start_ms, self.window_minutes).unwrap_or((Basis::Global, self.baseline.count))
    }

    /// Scores a window of `count` mentions, `negative` of them negative, starting at
    /// `start_ms`, with the z threshold `k`.
    pub fn assess(&self, start_ms: i64, count: u64, negative: u64, k: f64) -> Assessment {
        let (basis, e) = self.expectation(start_ms);
        let p0 = self.burn.share();
        let en = e.mean * p0;
        let nscale = en.sqrt().max(p0 * e.scale()).max(1.0);
        let f = Facts { x: count as f64, n: negative as f64, e, p0, en, nscale, k };
        let warming_up = self.baseline.warming_up();
        let cusum = self.burn.next(count, negative, k);
        let burn_excess = self.burn.next_excess(count, negative, cusum);
        let findings = if warming_up { Vec::new() } else { self.findings(&f, count, negative, (cusum, burn_excess)) };
        let negative_spike =
            findings.iter().any(|x| x.detector == Detector::NegativeSpike && x.severity >= Severity::High);
        let streak = if negative_spike { self.streak + 1 } else { 0 };
        let mut findings = findings;
        for x in findings.iter_mut().filter(|x| x.detector == Detector::NegativeSpike && x.severity >= Severity::High) {
            if f.z() >= CRITICAL_Z || streak >= CRITICAL_STREAK {
                x.severity = Severity::Critical;
                let why = if f.z() >= CRITICAL_Z { format!("z >= {CRITICAL_Z}") } else { format!("{streak} in a row") };
                x.reason = x.reason.replacen("negative_spike", &format!("negative_spike ({why})"), 1);
            }
        }
        // On a tie the first finding (the spike detectors before the slow burn) is the primary.
        let primary = findings.iter().rev().max_by_key(|x| x.severity).cloned();
        let context = format!(
            "{count} mentions vs {:.1} expected ({}, z {:.1}), {:.0}% negative vs {:.0}% expected",
            e.mean,
            basis.name(),
            f.z(),
            f.share() * 100.0,
            p0 * 100.0
        );
        let reason = match (&primary, warming_up) {
            (_, true) => format!(
                "learning the baseline: window {} of {}, alerts start after that; {context}",
                self.baseline.samples + 1,
                crate::baseline::WARMUP
            ),
            (Some(p), _) => p.reason.clone(),
            (None, _) => format!("no alert: {context}"),
        };
        Assessment {
            severity: primary.as_ref().map_or(Severity::None, |p| p.severity),
            detector: primary.map(|p| p.detector),
            basis,
            expected: e,
            z: f.z(),
            expected_negative: en,
            negative_z: f.negative_z(),
            negative_share: f.share(),
            baseline_negative_share: p0,
            cusum,
            burn_excess,
            warming_up,
            streak,
            findings,
            reason,
        }
    }

    fn findings(&self, f: &Facts, count: u64, negative: u64, (cusum, excess): (f64, f64)) -> Vec<Finding> {
        let mut out = Vec::new();
        let volume_text = format!("{count} mentions vs {:.1} expected (z {:.1})", f.e.mean, f.z());
        let share_text = format!("{:.0}% negative vs {:.0}% expected", f.share() * 100.0, f.p0 * 100.0);
        let negative_count = negative >= MIN_COUNT && f.negative_z() >= f.k;
        // Still burning: at least one negative mention more than the usual share gives.
        let lifted = f.n >= f.p0 * f.x + 1.0 && excess >= burn::MIN_EXCESS;
        if f.volume() {
            let floor = spike_floor(f.e, f.en, f.nscale, f.excess_min(), count, f.k);
            if negative_count && f.excess_share() >= f.excess_min() {
                let silence = Silence::new(Some(volume_floor(f.e, f.k)), Some(floor), count);
                let reason = format!("negative_spike: {volume_text}, {share_text}; {}", silence.text);
                let marked = f.x >= MIN_RATIO_HIGH * f.e.mean || f.share() > 0.5;
                let high = negative >= MIN_NEGATIVE_HIGH && marked;
                let severity = if high { Severity::High } else { Severity::Medium };
                out.push(Finding { detector: Detector::NegativeSpike, severity, reason, silence });
            } else {
                let silence = Silence::new(Some(volume_floor(f.e, f.k)), None, count);
                let above = (floor <= count).then(|| format!("; negative_spike from {floor} negative"));
                let reason = format!(
                    "spike, not negative: {volume_text}, {share_text}; {}{}",
                    silence.text,
                    above.unwrap_or_default()
                );
                out.push(Finding { detector: Detector::Spike, severity: Severity::Low, reason, silence });
            }
        } else if negative_count && f.share() >= f.p0 + RISE_LIFT {
            let floor = rise_floor(f.en, f.nscale, f.p0 + RISE_LIFT, count, f.k);
            let silence = Silence::new(None, Some(floor), count);
            let reason = format!(
                "negative_rise: {negative} negative vs {:.1} expected (z {:.1}) at the usual volume, {volume_text}; {}",
                f.en,
                f.negative_z(),
                silence.text
            );
            out.push(Finding { detector: Detector::NegativeRise, severity: Severity::Medium, reason, silence });
        }
        if cusum >= burn::threshold(f.k) {
            let severity = if lifted { Severity::High } else { Severity::Low };
            let share = self.burn.share_to_alert(count, f.k).map(|s| s.max(f.p0));
            let silence = Silence::burn(share, count);
            let state = if lifted {
                "raised"
            } else if excess < burn::MIN_EXCESS {
                "raised, by too few negative mentions yet"
            } else {
                "easing this window"
            };
            let reason = format!(
                "slow_burn: negative share {state} (cusum {cusum:.1} of {:.1}, {excess:.0} negative mentions above the usual share since it rose), {share_text}, {count} mentions vs {:.1} expected; {}",
                burn::threshold(f.k),
                f.e.mean,
                silence.text
            );
            out.push(Finding { detector: Detector::SlowBurn, severity, reason, silence });
        }
        out
    }

    /// Folds a scored window into the baselines.
    pub fn fold(&mut self, start_ms: i64, count: u64, negative: u64, a: &Assessment) {
        self.baseline.update(count);
        self.season.update(start_ms, self.window_minutes, count);
        // A volume spike enters the share baseline as if it had the capped count, so an
        // hour of angry spike does not raise the usual share for days.
        let cap = a.expected.mean + crate::baseline::WINSOR * a.expected.scale();
        let weight = if count as f64 > cap { cap / count as f64 } else { 1.0 };
        self.burn.fold(count as f64 * weight, negative as f64 * weight, (a.cusum, a.burn_excess), self.window_minutes);
        self.streak = a.streak;
    }
}
