//! The general-audience prior: how well an hour of the week does for an account with no
//! history, relative to its median hour (1.0).
//!
//! The published methods (Buffer: engagement per reach by weekday and local hour over
//! millions of posts; Hootsuite: when followers are online, then past performance) agree
//! on the shape: quiet at night, peaks on weekday mornings, at lunch and in the early
//! evening, weekends lower and later. They publish no table for the fediverse, so these
//! values are placeholders of that shape, to be replaced by measured data; an account's
//! own history replaces them as it grows (see `model`).

/// Monday to Friday, local hours 0–23.
const WEEKDAY: [f64; 24] = [
    0.35, 0.30, 0.30, 0.30, 0.35, 0.50, // 00–05
    0.70, 0.90, 1.15, 1.25, 1.20, 1.10, // 06–11
    1.20, 1.15, 1.00, 1.00, 1.05, 1.15, // 12–17
    1.20, 1.20, 1.10, 0.90, 0.70, 0.50, // 18–23
];

/// Saturday and Sunday, local hours 0–23.
const WEEKEND: [f64; 24] = [
    0.40, 0.35, 0.30, 0.30, 0.30, 0.35, // 00–05
    0.45, 0.60, 0.80, 1.00, 1.10, 1.10, // 06–11
    1.05, 1.00, 0.95, 0.95, 0.95, 1.00, // 12–17
    1.05, 1.10, 1.05, 0.90, 0.70, 0.50, // 18–23
];

/// The prior of hour-of-week `bin` (0 = Monday 00:00 local, 167 = Sunday 23:00).
pub fn prior(bin: usize) -> f64 {
    let (day, hour) = (bin / 24, bin % 24);
    if day >= 5 { WEEKEND[hour] } else { WEEKDAY[hour] }
}
