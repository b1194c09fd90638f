//! UTC days: the day of an RFC 3339 time, today by the system clock (WASI's clock in the
//! component), and a day's `YYYY-MM-DD` name for kv keys.

use std::time::{SystemTime, UNIX_EPOCH};

/// Days since 1970-01-01 (UTC); negative before.
pub type Day = i64;

/// Today in UTC by the system clock.
pub fn today() -> Day {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    (secs / 86_400) as Day
}

/// The UTC day of an RFC 3339 time (`2026-05-04T23:30:00+02:00` is May 4th at 21:30
/// UTC), or `None` when `text` is not one.
pub fn of_rfc3339(text: &str) -> Option<Day> {
    let b = text.trim().as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let (year, month, day) = (number(&b[0..4])?, number(&b[5..7])?, number(&b[8..10])?);
    let (hour, minute) = (number(&b[11..13])?, number(&b[14..16])?);
    let valid_time = b[13] == b':' && b[16] == b':' && number(&b[17..19])? <= 60 && hour < 24 && minute < 60;
    if !valid_time || !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    let mut rest = &b[19..];
    if let Some(fraction) = rest.strip_prefix(b".") {
        let digits = fraction.iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset_minutes = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let (h, m) = (number(&[*h1, *h2])?, number(&[*m1, *m2])?);
            if h > 23 || m > 59 {
                return None;
            }
            let minutes = h * 60 + m;
            if *sign == b'-' { -minutes } else { minutes }
        }
        _ => return None,
    };
    let minutes = days_from_civil(year, month, day) * 1440 + hour * 60 + minute - offset_minutes;
    Some(minutes.div_euclid(1440))
}

/// `YYYY-MM-DD` of `day`.
pub fn name(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

fn number(digits: &[u8]) -> Option<i64> {
    digits.iter().try_fold(0_i64, |n, &c| c.is_ascii_digit().then(|| n * 10 + i64::from(c - b'0')))
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Howard Hinnant's `days_from_civil`: proleptic Gregorian date to days since the epoch.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`].
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(month <= 2), month, day)
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
