//! UTC days: the day of an RFC 3339 time, today by the clock (WASI's in the component), and
//! a day's `YYYY-MM-DD` name for kv keys; the calendar arithmetic is `roost_sdk::time`'s.

use roost_sdk::time;

/// Days since 1970-01-01 (UTC); negative before.
pub type Day = i64;

/// Today in UTC by the system clock.
pub fn today() -> Day {
    time::day_of_ms(time::now_ms())
}

/// The UTC day of an RFC 3339 time (`2026-05-04T23:30:00+02:00` is May 4th at 21:30
/// UTC), or `None` when `text` is not one.
pub fn of_rfc3339(text: &str) -> Option<Day> {
    time::parse_rfc3339_ms(text).map(time::day_of_ms)
}

/// `YYYY-MM-DD` of `day`.
pub fn name(day: Day) -> String {
    time::day_name(day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_of_times() {
        assert_eq!(of_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(of_rfc3339("1970-01-02T00:00:00.123Z"), Some(1));
        assert_eq!(of_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
        let may4 = of_rfc3339("2026-05-04T12:00:00Z").unwrap();
        assert_eq!(name(may4), "2026-05-04");
        assert_eq!(of_rfc3339("2026-05-04T01:30:00+02:00"), Some(may4 - 1), "23:30 UTC the day before");
        assert_eq!(of_rfc3339("2026-05-04T23:30:00-02:00"), Some(may4 + 1));
        assert_eq!(name(of_rfc3339("2024-02-29T10:00:00Z").unwrap()), "2024-02-29");
        for bad in ["2026-02-30T00:00:00Z", "2026-05-04", "yesterday", "2026-05-04T25:00:00Z", "2026-05-04T10:00:00"] {
            assert_eq!(of_rfc3339(bad), None, "{bad}");
        }
        assert!(today() > of_rfc3339("2025-01-01T00:00:00Z").unwrap());
    }
}
