//! Runs the detectors over generated scenarios as a workflow would: a call every window,
//! 30 seconds after it ends, with the mentions created since the previous call.

use chrono::DateTime;

use crate::baseline::Severity;
use crate::detect::Detector;
use crate::feed::{Feed, State};
use crate::synth::{DAY_MS, Event, MINUTE_MS, MONDAY_MS, Synthetic, Traffic, series};

pub const WINDOW_MINUTES: u32 = 10;
const WINDOW_MS: i64 = WINDOW_MINUTES as i64 * MINUTE_MS;
/// Weeks of usual traffic before the event week.
pub const HISTORY_WEEKS: i64 = 3;
/// The first fetch of a new client returns this many older mentions.
pub const BACKLOG: usize = 80;
/// High alerts this long after an event ends still count as the event's.
const TAIL_MS: i64 = 30 * MINUTE_MS;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scenario {
    QuietWeek,
    AngrySpike,
    ComplaintSpike,
    SlowBurn,
    ViralPositive,
    /// Onboarding with a backlog of older mentions, then an angry spike three hours later.
    NewClient,
}

impl Scenario {
    pub const ALL: [Scenario; 6] = [
        Scenario::QuietWeek,
        Scenario::AngrySpike,
        Scenario::ComplaintSpike,
        Scenario::SlowBurn,
        Scenario::ViralPositive,
        Scenario::NewClient,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Scenario::QuietWeek => "quiet week",
            Scenario::AngrySpike => "angry spike",
            Scenario::ComplaintSpike => "complaint spike",
            Scenario::SlowBurn => "slow burn",
            Scenario::ViralPositive => "viral positive",
            Scenario::NewClient => "new client",
        }
    }

    fn event(self) -> Event {
        match self {
            Scenario::QuietWeek => Event::Quiet,
            Scenario::AngrySpike | Scenario::NewClient => Event::AngrySpike,
            Scenario::ComplaintSpike => Event::ComplaintSpike,
            Scenario::SlowBurn => Event::SlowBurn,
            Scenario::ViralPositive => Event::ViralPositive,
        }
    }
}

/// One call's result, as far as the scenarios look at it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Call {
    pub at_ms: i64,
    /// The start of the window the call reported.
    pub window_ms: i64,
    pub severity: Severity,
    pub detector: Option<Detector>,
    pub count: u64,
    pub negative: u64,
    pub expected: f64,
    pub expected_share: f64,
}

/// The calls of one run and where its event lies.
#[derive(Debug, Clone)]
pub struct Run {
    pub calls: Vec<Call>,
    pub onset_ms: i64,
    pub event_ms: i64,
    /// Where detection started (a new client's onboarding), else the series' start.
    pub start_ms: i64,
}

/// The first high alert of an event.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Alert {
    /// 0 for the window the event starts in.
    pub window: i64,
    pub minutes: i64,
    pub severity: Severity,
    pub detector: Option<Detector>,
}

impl Run {
    fn during(&self, c: &Call) -> bool {
        c.window_ms + WINDOW_MS > self.onset_ms && c.window_ms < self.onset_ms + self.event_ms + TAIL_MS
    }

    pub fn first_alert(&self) -> Option<Alert> {
        let onset_window = self.onset_ms.div_euclid(WINDOW_MS) * WINDOW_MS;
        let c = self.calls.iter().find(|c| self.during(c) && c.severity >= Severity::High)?;
        Some(Alert {
            window: (c.window_ms - onset_window) / WINDOW_MS,
            minutes: (c.at_ms - self.onset_ms) / MINUTE_MS,
            severity: c.severity,
            detector: c.detector,
        })
    }

    /// The highest severity while the event lasts (and shortly after).
    pub fn max_during(&self) -> Severity {
        self.calls.iter().filter(|c| self.during(c)).map(|c| c.severity).max().unwrap_or(Severity::None)
    }

    /// High or critical calls outside the event, between `from_ms` and `to_ms`.
    pub fn false_highs(&self, from_ms: i64, to_ms: i64) -> usize {
        let outside = |c: &&Call| self.event_ms == 0 || !self.during(c);
        let inside = |c: &&Call| c.at_ms >= from_ms && c.at_ms < to_ms;
        self.calls.iter().filter(outside).filter(inside).filter(|c| c.severity >= Severity::High).count()
    }

    /// Event windows that were reported high or critical, of all event windows.
    pub fn alerting_windows(&self) -> (usize, usize) {
        let inside = |c: &&Call| c.window_ms + WINDOW_MS > self.onset_ms && c.window_ms < self.onset_ms + self.event_ms;
        let all: Vec<_> = self.calls.iter().filter(inside).collect();
        (all.iter().filter(|c| c.severity >= Severity::High).count(), all.len())
    }
}

/// Wednesday of the event week, 14:03 local.
fn onset(traffic: Traffic) -> i64 {
    MONDAY_MS + HISTORY_WEEKS * 7 * DAY_MS + 2 * DAY_MS + (14 - traffic.utc_offset_hours) * 3_600_000 + 3 * MINUTE_MS
}

/// Runs one scenario for one seed: the history weeks and the event week, or for a new
/// client the first day after onboarding.
pub fn run(scenario: Scenario, seed: u64, traffic: Traffic) -> Run {
    let event = scenario.event();
    let week_end = MONDAY_MS + (HISTORY_WEEKS + 1) * 7 * DAY_MS;
    let (start, onset_ms, end) = match scenario {
        Scenario::NewClient => {
            let start = onset(traffic) - 5 * 3_600_000;
            (start, start + 3 * 3_600_000, start + DAY_MS)
        }
        _ => (MONDAY_MS, onset(traffic), week_end),
    };
    let mentions = series(seed, traffic, MONDAY_MS, end, event, onset_ms);
    let first = match scenario {
        Scenario::NewClient => mentions.partition_point(|m| m.at_ms < start).saturating_sub(BACKLOG),
        _ => 0,
    };
    Run {
        calls: drive(&mentions[first..], start, end),
        onset_ms,
        event_ms: event.minutes() * MINUTE_MS,
        start_ms: start,
    }
}

/// Calls the detector every window from `start` to `end` with the mentions created since
/// the previous call (all earlier ones on the first call).
fn drive(mentions: &[Synthetic], start: i64, end: i64) -> Vec<Call> {
    let mut state = State::new(WINDOW_MINUTES, Feed::Mentions);
    let mut calls = Vec::new();
    let mut next = 0;
    let mut at = start + 30_000;
    while at < end {
        let upto = next + mentions[next..].partition_point(|m| m.at_ms <= at);
        let batch: Vec<_> = mentions[next..upto].iter().map(Synthetic::mention).collect();
        next = upto;
        let out = state.mentions("sim", &batch, at, 3.0);
        let end_ms = DateTime::parse_from_rfc3339(&out.at).map_or(at, |t| t.timestamp_millis());
        calls.push(Call {
            at_ms: at,
            window_ms: end_ms - WINDOW_MS,
            severity: out.severity,
            detector: out.detector,
            count: out.count,
            negative: out.negative,
            expected: out.expected,
            expected_share: out.baseline_negative_share,
        });
        at += WINDOW_MS;
    }
    calls
}
