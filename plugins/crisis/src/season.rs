//! Expected volume by hour of week, learned from past weeks, with hour of day as the
//! fallback while there are fewer than two weeks and the global baseline before that.

use serde::{Deserialize, Serialize};

use crate::baseline::Ewma;

const HOUR_MS: i64 = 3_600_000;
/// 1970-01-01 was a Thursday: hour 0 of the epoch is hour 72 of a week starting Monday.
const EPOCH_WEEK_HOUR: i64 = 72;
/// Weeks of one hour-of-week slot before it is trusted.
pub const WEEKS_MIN: u64 = 2;
/// Days of one hour-of-day slot before it is trusted.
pub const DAYS_MIN: u64 = 3;
/// How many past weeks (days) a slot roughly remembers.
const WEEKS_SPAN: f64 = 4.0;
const DAYS_SPAN: f64 = 7.0;

/// Which baseline a window was scored against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    HourOfWeek,
    HourOfDay,
    Global,
}

impl Basis {
    pub fn name(self) -> &'static str {
        match self {
            Basis::HourOfWeek => "hour of week",
            Basis::HourOfDay => "hour of day",
            Basis::Global => "global",
        }
    }
}

/// One hour's windows across days or weeks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Slot {
    #[serde(rename = "m")]
    pub count: Ewma,
    #[serde(rename = "n")]
    pub samples: u64,
}

/// The hour-of-week and hour-of-day profiles of the count per window (UTC hours: a fixed
/// local rhythm is as periodic in UTC).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Season {
    week: Vec<Slot>,
    day: Vec<Slot>,
}

impl Default for Season {
    fn default() -> Self {
        Season { week: vec![Slot::default(); 168], day: vec![Slot::default(); 24] }
    }
}

/// Windows of `window_minutes` that start in one hour (at least 1).
pub fn per_hour(window_minutes: u32) -> u64 {
    u64::from((60 / window_minutes).max(1))
}

fn hours(start_ms: i64) -> (usize, usize) {
    let hour = start_ms.div_euclid(HOUR_MS);
    ((hour + EPOCH_WEEK_HOUR).rem_euclid(168) as usize, hour.rem_euclid(24) as usize)
}

impl Season {
    /// The expected count for the window starting at `start_ms`, when its hour has enough
    /// history: hour of week after two weeks, else hour of day after three days.
    pub fn expected(&self, start_ms: i64, window_minutes: u32) -> Option<(Basis, Ewma)> {
        let (w, d) = hours(start_ms);
        let per = per_hour(window_minutes);
        if self.week.get(w)?.samples >= WEEKS_MIN * per {
            Some((Basis::HourOfWeek, self.week[w].count))
        } else if self.day.get(d)?.samples >= DAYS_MIN * per {
            Some((Basis::HourOfDay, self.day[d].count))
        } else {
            None
        }
    }

    /// Folds a window's count into its two slots; a trusted slot caps the count like the
    /// global baseline does, so a spike barely moves next week's expectation.
    pub fn update(&mut self, start_ms: i64, window_minutes: u32, count: u64) {
        if self.week.len() != 168 || self.day.len() != 24 {
            *self = Season::default();
        }
        let (w, d) = hours(start_ms);
        let per = per_hour(window_minutes);
        fold(&mut self.week[w], count, WEEKS_MIN * per, WEEKS_SPAN * per as f64);
        fold(&mut self.day[d], count, DAYS_MIN * per, DAYS_SPAN * per as f64);
    }
}

fn fold(slot: &mut Slot, count: u64, trusted: u64, span: f64) {
    let capped = slot.samples >= trusted;
    slot.samples += 1;
    slot.count.fold(count as f64, slot.samples, 2.0 / (span + 1.0), capped);
}
