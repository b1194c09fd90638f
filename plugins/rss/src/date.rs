//! Feed dates to UTC: RSS's RFC 822 (`Tue, 10 Jun 2003 04:00:00 GMT`, zone names and
//! all), Atom's and Dublin Core's RFC 3339, and bare `YYYY-MM-DD` dates.

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

/// The instant `text` names, or `None` when it is no date we know.
pub fn parse(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    if let Ok(t) = DateTime::parse_from_rfc2822(text) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Some(t.with_timezone(&Utc));
    }
    // Some feeds write `2024-05-01T10:00:00` with no zone: read it as UTC.
    if let Ok(t) = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S") {
        return Some(t.and_utc());
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok().and_then(|d| d.and_hms_opt(0, 0, 0)).map(|t| t.and_utc())
}

/// `t` as RFC 3339 in UTC with whole seconds: `2003-06-10T04:00:00Z`.
pub fn rfc3339(t: &DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn iso(text: &str) -> Option<String> {
        parse(text).map(|t| rfc3339(&t))
    }

    #[test]
    fn reads_rss_atom_and_loose_dates() {
        assert_eq!(iso("Tue, 10 Jun 2003 04:00:00 GMT").as_deref(), Some("2003-06-10T04:00:00Z"));
        assert_eq!(iso("Tue, 10 Jun 2003 04:00:00 +0200").as_deref(), Some("2003-06-10T02:00:00Z"));
        assert_eq!(iso("10 Jun 2003 04:00 EST").as_deref(), Some("2003-06-10T09:00:00Z"));
        assert_eq!(iso("2024-05-01T10:00:00.123+02:00").as_deref(), Some("2024-05-01T08:00:00Z"));
        assert_eq!(iso(" 2024-05-01T10:00:00Z ").as_deref(), Some("2024-05-01T10:00:00Z"));
        assert_eq!(iso("2024-05-01T10:00:00").as_deref(), Some("2024-05-01T10:00:00Z"));
        assert_eq!(iso("2024-05-01").as_deref(), Some("2024-05-01T00:00:00Z"));
        assert_eq!(iso("yesterday"), None);
    }
}
