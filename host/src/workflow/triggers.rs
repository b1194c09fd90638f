//! `on:` (schedules, webhook, manual) and `concurrency:`: what starts runs and how many
//! may be active at once.

use std::str::FromStr;

use marked_yaml::Node;

use super::diagnostic::{Diagnostic, did_you_mean};
use super::keys::{CATCH_UP, CONCURRENCY, ON_BUSY, SCHEDULE, TRIGGERS, WEBHOOK};
use super::spec::{Text, check_keys, entry, expect_mapping, require, text_field, value_pos};
use super::values;
use super::yaml::{node_pos, scalar_pos};

/// What starts runs of a workflow under `roost serve`.
#[derive(Debug, Clone, PartialEq)]
pub struct Triggers {
    pub schedules: Vec<Schedule>,
    pub webhook: Option<WebhookTrigger>,
    /// Whether runs may be started by hand (default true).
    pub manual: bool,
}

impl Default for Triggers {
    fn default() -> Self {
        Triggers { schedules: Vec::new(), webhook: None, manual: true }
    }
}

/// One cron schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    /// As written in the workflow.
    pub cron: String,
    /// The parsed schedule (with seconds; day-of-week numbers already mapped).
    pub schedule: cron::Schedule,
    pub timezone: chrono_tz::Tz,
    pub catch_up: CatchUp,
    /// Where the cron string is written, for errors about it found later.
    pub pos: super::diagnostic::Pos,
}

/// Which runs missed while Roost was down are made up for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CatchUp {
    None,
    Last,
    All,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookTrigger {
    /// The workspace secret that verifies the request's HMAC-SHA256 signature.
    pub secret: String,
    /// How long the answer waits for the run to end (at most 30 s); `None` answers at once.
    pub wait: Option<std::time::Duration>,
    /// The workspace secret a `GET` verification handshake's token must equal.
    pub verify_token: Option<String>,
}

/// How many runs of the workflow may be active at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Concurrency {
    /// `None`: no limit.
    pub limit: Option<u32>,
    pub on_busy: OnBusy,
}

/// What a new run does when the limit is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OnBusy {
    /// Wait until a run ends.
    #[default]
    Queue,
    /// Do not start.
    Skip,
    /// Cancel the oldest active run, then start.
    CancelRunning,
}

pub fn parse_triggers(node: Option<(&Text, &Node)>, diags: &mut Vec<Diagnostic>) -> Triggers {
    let Some(map) = node.and_then(|(_, n)| expect_mapping(n, "`on`", diags)) else {
        return Triggers::default();
    };
    check_keys(map, &TRIGGERS.names(), diags);
    let schedules = match entry(map, "schedule") {
        Some((_, Node::Sequence(seq))) => seq.iter().filter_map(|n| parse_schedule(n, diags)).collect(),
        Some((key, node)) => {
            let msg = format!("`schedule` must be a list, found {}", super::yaml::kind_name(node));
            let help = "write each schedule as `- cron: \"0 9 * * *\"` below `schedule:`";
            diags.push(Diagnostic::new(value_pos(key, node), msg).with_help(help));
            Vec::new()
        }
        None => Vec::new(),
    };
    let webhook = entry(map, "webhook").and_then(|(key, node)| parse_webhook(key, node, diags));
    let manual = entry(map, "manual").and_then(|(k, v)| values::boolean(k, v, diags)).unwrap_or(true);
    Triggers { schedules, webhook, manual }
}

fn parse_webhook(key: &Text, node: &Node, diags: &mut Vec<Diagnostic>) -> Option<WebhookTrigger> {
    let hook = expect_mapping(node, "`webhook`", diags)?;
    let typos = check_keys(hook, &WEBHOOK.names(), diags);
    require(hook, scalar_pos(key), &WEBHOOK.required(), &typos, diags);
    let secret = text_field(hook, "secret", diags)?;
    let wait = entry(hook, "wait").and_then(|(k, v)| {
        let wait = values::positive_duration(k, v, diags)?;
        if wait > std::time::Duration::from_secs(30) {
            let msg = format!("`wait` may be at most 30s, found {}s", wait.as_secs());
            diags.push(
                Diagnostic::new(value_pos(k, v), msg)
                    .with_help("a longer run answers 202 with its id; read its result later"),
            );
            return None;
        }
        Some(wait)
    });
    let verify_token = text_field(hook, "verify_token", diags).map(|t| t.as_str().to_string());
    Some(WebhookTrigger { secret: secret.as_str().to_string(), wait, verify_token })
}

fn parse_schedule(node: &Node, diags: &mut Vec<Diagnostic>) -> Option<Schedule> {
    let map = expect_mapping(node, "a schedule", diags)?;
    let typos = check_keys(map, &SCHEDULE.names(), diags);
    require(map, node_pos(node), &SCHEDULE.required(), &typos, diags);
    let timezone = match text_field(map, "timezone", diags) {
        Some(tz) => timezone(&tz, diags)?,
        None => chrono_tz::UTC,
    };
    let catch_up = match entry(map, "catch_up").map(|(k, v)| values::choice(k, v, CATCH_UP, diags)) {
        Some(Some("none")) => CatchUp::None,
        Some(Some("all")) => CatchUp::All,
        Some(None) => return None,
        _ => CatchUp::Last,
    };
    let cron = text_field(map, "cron", diags)?;
    let schedule = parse_cron(cron.as_str()).map_err(|(msg, help)| {
        diags.push(Diagnostic::new(scalar_pos(&cron), msg).with_help(help));
    });
    let pos = scalar_pos(&cron);
    Some(Schedule { cron: cron.as_str().to_string(), schedule: schedule.ok()?, timezone, catch_up, pos })
}

const CRON_HELP: &str = "write 5 fields `minute hour day-of-month month day-of-week` (e.g. `0 9 * * MON-FRI`), \
                         or 6 with seconds first";

/// Parses standard cron (day of week 0-7, 0 and 7 being Sunday) into the `cron` crate's
/// form (seconds first, day of week 1-7 from Sunday).
pub fn parse_cron(text: &str) -> Result<cron::Schedule, (String, String)> {
    let fields: Vec<&str> = text.split_whitespace().collect();
    let mut full: Vec<String> = match fields.len() {
        5 => std::iter::once("0").chain(fields.iter().copied()).map(str::to_string).collect(),
        6 => fields.iter().map(|f| f.to_string()).collect(),
        n => return Err((format!("invalid cron expression `{text}`: expected 5 fields, found {n}"), CRON_HELP.into())),
    };
    full[5] = day_of_week(&full[5]);
    cron::Schedule::from_str(&full.join(" ")).map_err(|err| {
        let reason = err.to_string();
        let reason = reason.lines().last().unwrap_or_default().trim().trim_end_matches('.').to_string();
        let reason = if reason.is_empty() { "not a valid schedule".to_string() } else { lowercase_first(&reason) };
        (format!("invalid cron expression `{text}`: {reason}"), CRON_HELP.into())
    })
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |c| c.to_lowercase().chain(chars).collect())
}

/// Maps numeric days of week (0-7 from Sunday) to the `cron` crate's 1-7 from Sunday.
fn day_of_week(field: &str) -> String {
    let parts: Vec<String> = field.split(',').map(day_of_week_part).collect();
    parts.join(",")
}

fn day_of_week_part(part: &str) -> String {
    let (range, step) = match part.split_once('/') {
        Some((r, s)) => (r, Some(s)),
        None => (part, None),
    };
    let map = |n: &str| n.parse::<u32>().map_or_else(|_| n.to_string(), |d| (d % 7 + 1).to_string());
    let mapped = match range.split_once('-') {
        Some(("0", "7")) if step.is_none() => "1-7".to_string(),
        Some((a, "7")) if step.is_none() && a.parse::<u32>().is_ok() => format!("{}-7,1", map(a)),
        Some((a, b)) => format!("{}-{}", map(a), map(b)),
        None => map(range),
    };
    match step {
        Some(s) => format!("{mapped}/{s}"),
        None => mapped,
    }
}

fn timezone(text: &Text, diags: &mut Vec<Diagnostic>) -> Option<chrono_tz::Tz> {
    let name = text.as_str().trim();
    if let Ok(tz) = name.parse::<chrono_tz::Tz>() {
        return Some(tz);
    }
    let msg = format!("unknown time zone `{name}`");
    diags.push(Diagnostic::new(scalar_pos(text), msg).with_help(zone_hint(name)));
    None
}

/// The nearest IANA zone name, or examples.
pub fn zone_hint(name: &str) -> String {
    let names = chrono_tz::TZ_VARIANTS.iter().map(|tz| tz.name());
    let exact = chrono_tz::TZ_VARIANTS.iter().find(|tz| tz.name().eq_ignore_ascii_case(name));
    exact
        .map(|tz| format!("did you mean `{}`?", tz.name()))
        .or_else(|| did_you_mean(name, names))
        .unwrap_or_else(|| "use an IANA time zone name such as `Europe/Berlin`, `America/New_York` or `UTC`".into())
}

pub fn parse_concurrency(node: Option<(&Text, &Node)>, diags: &mut Vec<Diagnostic>) -> Concurrency {
    let Some(map) = node.and_then(|(_, n)| expect_mapping(n, "`concurrency`", diags)) else {
        return Concurrency::default();
    };
    check_keys(map, &CONCURRENCY.names(), diags);
    let limit = entry(map, "limit").and_then(|(k, v)| values::integer(k, v, 1, diags));
    let on_busy = entry(map, "on_busy").and_then(|(k, v)| values::choice(k, v, ON_BUSY, diags));
    let on_busy = match on_busy {
        Some("skip") => OnBusy::Skip,
        Some("cancel_running") => OnBusy::CancelRunning,
        _ => OnBusy::Queue,
    };
    // `on_busy` alone means one run at a time: it only matters at a limit.
    let limit = limit.or(entry(map, "on_busy").map(|_| 1));
    Concurrency { limit, on_busy }
}

#[cfg(test)]
mod tests {
    use chrono::{Datelike, TimeZone, Utc, Weekday};

    use super::*;

    fn weekdays(text: &str) -> Vec<Weekday> {
        let schedule = parse_cron(text).unwrap_or_else(|e| panic!("{e:?}"));
        let start = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).single().expect("time");
        schedule.after(&start).take(7).map(|t| t.weekday()).collect()
    }

    #[test]
    fn day_of_week_numbers_follow_standard_cron() {
        use Weekday::*;
        assert_eq!(weekdays("0 9 * * 1-5"), [Mon, Tue, Wed, Thu, Fri, Mon, Tue]);
        assert_eq!(weekdays("0 9 * * MON-FRI"), [Mon, Tue, Wed, Thu, Fri, Mon, Tue]);
        assert_eq!(weekdays("0 9 * * 0"), [Sun; 7]);
        assert_eq!(weekdays("0 9 * * 7"), [Sun; 7]);
        assert_eq!(weekdays("30 0 9 * * 5-7"), [Fri, Sat, Sun, Fri, Sat, Sun, Fri]);
    }

    #[test]
    fn bad_cron_is_explained() {
        let (msg, _) = parse_cron("0 9 * *").expect_err("4 fields");
        assert_eq!(msg, "invalid cron expression `0 9 * *`: expected 5 fields, found 4");
        let (msg, _) = parse_cron("0 25 * * *").expect_err("hour");
        assert!(msg.starts_with("invalid cron expression `0 25 * * *`: hours must be"), "{msg}");
    }
}
