//! Hour-of-week binning, the shrunk scores by hand, and slot picking through FakeHost.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::model::{Post, build, relative, usable};
use crate::prior::prior;
use crate::{ACTIONS, bin_of};

const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn t(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

fn post(at: &str, engagement: u64) -> Post {
    Post { at: t(at), engagement, followers: None }
}

#[test]
fn hours_of_the_week_are_local() {
    // 2025-06-02 is a Monday; Berlin is UTC+2 in summer.
    assert_eq!(bin_of(t("2025-06-02T07:30:00Z"), BERLIN), 9);
    assert_eq!(bin_of(t("2025-06-02T07:30:00Z"), chrono_tz::UTC), 7);
    assert_eq!(bin_of(t("2025-06-02T07:30:00Z"), chrono_tz::America::New_York), 3);
    assert_eq!(bin_of(t("2025-06-01T23:30:00Z"), BERLIN), 1, "Sunday night UTC is Monday in Berlin");
    assert_eq!(bin_of(t("2025-06-01T21:59:00Z"), BERLIN), 167);
    // New York skips 02:00 on 2025-03-09: 07:30 UTC is 03:30 EDT on a Sunday.
    assert_eq!(bin_of(t("2025-03-09T07:30:00Z"), chrono_tz::America::New_York), 6 * 24 + 3);
}

#[test]
fn the_prior_peaks_on_weekday_mornings() {
    assert_eq!(prior(9), 1.25, "Monday 09:00");
    assert_eq!(prior(3), 0.30);
    assert_eq!(prior(5 * 24 + 10), 1.10, "Saturday 10:00");
    let best = (0..168).max_by(|a, b| prior(*a).total_cmp(&prior(*b)).then(b.cmp(a))).unwrap();
    assert_eq!(best, 9);
}

#[test]
fn engagement_is_relative_to_the_median() {
    let mut posts =
        vec![post("2025-06-02T07:00:00Z", 10), post("2025-06-03T07:00:00Z", 20), post("2025-06-04T07:00:00Z", 40)];
    assert_eq!(relative(&posts), [0.5, 1.0, 2.0]);
    // Per follower when every post has followers: 10/100, 20/400, 40/100 → median 0.1.
    for (p, f) in posts.iter_mut().zip([100, 400, 100]) {
        p.followers = Some(f);
    }
    assert_eq!(relative(&posts), [1.0, 0.5, 4.0]);
    // A median of 0 falls back to the mean (5/3).
    let zeros = [post("2025-06-02T07:00:00Z", 0), post("2025-06-03T07:00:00Z", 0), post("2025-06-04T07:00:00Z", 5)];
    assert_eq!(relative(&zeros), [0.0, 0.0, 3.0]);
    assert!(relative(&zeros[..2]).is_empty(), "no engagement at all: no signal");
}

#[test]
fn posts_count_when_48_hours_old_and_within_90_days_of_the_newest() {
    let posts = [post("2025-01-01T10:00:00Z", 1), post("2025-05-01T10:00:00Z", 1), post("2025-06-09T10:00:00Z", 1)];
    let used = usable(&posts, t("2025-06-10T10:00:00Z"));
    assert_eq!(used, [posts[1]], "the January post is 120 days older; the June 9 post is a day old");
}

#[test]
fn cold_start_is_the_prior() {
    let m = build(&[], BERLIN);
    assert_eq!(m.prior_weight, 1.0);
    assert!((0..168).all(|h| close(m.score[h], prior(h))));
}

#[test]
fn few_posts_blend_the_prior_by_hand() {
    // Monday 09:00, Wednesday 14:00, Friday 20:00 Berlin, engagement 10, 20, 40 → q 0.5, 1, 2.
    let posts = [post("2025-06-02T07:00:00Z", 10), post("2025-06-04T12:00:00Z", 20), post("2025-06-06T18:00:00Z", 40)];
    let m = build(&posts, BERLIN);
    assert!(close(m.prior_weight, 0.8));
    let fri20 = 4 * 24 + 20;
    // (2 + 3·(0.2 + 0.8·1.10)) / (1 + 3) = 1.31
    assert!(close(m.score[fri20], (2.0 + 3.0 * (0.2 + 0.8 * 1.10)) / 4.0), "{}", m.score[fri20]);
    // The hour after gets the post at half weight: (1 + 3·(0.2 + 0.8·0.90)) / 3.5.
    assert!(close(m.score[fri20 + 1], (1.0 + 3.0 * (0.2 + 0.8 * 0.90)) / 3.5), "{}", m.score[fri20 + 1]);
    assert_eq!((m.samples[fri20], m.samples[fri20 + 1], m.samples[9]), (1, 0, 1));
}

/// 15 posts (April to June, summer time): five on Tuesdays 18:00 Berlin with 3× the
/// engagement of ten on Thursdays 10:00.
fn history() -> Vec<Value> {
    let mut out = Vec::new();
    for week in 0..10 {
        let thu = t("2025-04-03T08:00:00Z") + Duration::weeks(week);
        out.push(json!({ "created_at": thu.to_rfc3339(), "likes": 8, "reposts": 1, "replies": 1 }));
        if week < 5 {
            let tue = t("2025-04-01T16:00:00Z") + Duration::weeks(week);
            out.push(json!({ "created_at": tue.to_rfc3339(), "likes": 20, "reposts": 5, "replies": 5 }));
        }
    }
    out
}

#[test]
fn enough_history_shrinks_toward_the_median_by_hand() {
    let posts: Vec<Post> = history()
        .iter()
        .map(|v| Post { at: t(v["created_at"].as_str().unwrap()), engagement: 10, followers: None })
        .collect();
    let mut posts = posts;
    for p in posts.iter_mut().filter(|p| bin_of(p.at, BERLIN) == 24 + 18) {
        p.engagement = 30;
    }
    let m = build(&posts, BERLIN);
    assert_eq!(m.prior_weight, 0.25);
    // Tuesday 18:00: five posts at q = 3: (15 + 3·(0.75 + 0.25·1.20)) / (5 + 3) = 2.26875.
    assert!(close(m.score[24 + 18], (15.0 + 3.0 * 1.05) / 8.0), "{}", m.score[24 + 18]);
}

fn next(input: Value) -> Result<Value, StepError> {
    FakeHost::new().run_action(ACTIONS, "next-slot", input)
}

fn ats(out: &Value) -> Vec<&str> {
    out["slots"].as_array().unwrap().iter().map(|s| s["at"].as_str().unwrap()).collect()
}

#[test]
fn cold_start_and_history_pick_different_hours() {
    let base = json!({ "timezone": "Europe/Berlin", "after": "2025-06-10T00:00:00+02:00", "count": 3 });
    let cold = next(base.clone()).unwrap();
    assert_eq!(ats(&cold), ["2025-06-10T09:00:00+02:00", "2025-06-11T09:00:00+02:00", "2025-06-12T09:00:00+02:00"]);
    assert_eq!(cold["prior_weight"], 1.0);
    assert!(cold["slots"][0]["reason"].as_str().unwrap().contains("general-audience prior 1.25"), "{cold}");

    let mut warm = base;
    warm["history"] = Value::Array(history());
    let out = next(warm).unwrap();
    assert_eq!(ats(&out)[0], "2025-06-10T18:00:00+02:00", "{out}");
    assert_eq!(out["slots"][0]["score"], 2.269);
    assert_eq!(out["posts_used"], 15);
    let reason = out["slots"][0]["reason"].as_str().unwrap();
    let expected = "Tue 18:00 Europe/Berlin: score 2.27: 5 post(s) at this hour (weight 5.0 with the neighbouring \
                    hours at half weight) at 3.00× your median engagement, shrunk toward 75% your median, 25% the \
                    general-audience prior 1.20 (15 posts of history); best free hour in the 24 h from Tue 00:00";
    assert_eq!(reason, expected);
}

#[test]
fn slots_keep_the_gap_and_two_a_day() {
    let input = json!({ "timezone": "Europe/Berlin", "after": "2025-06-03T00:00:00+02:00",
                        "scheduled": ["2025-06-03T09:00:00+02:00"] });
    // 07:00–11:00 are within 3 h of 09:00; 12:00 ties 18:00 and 19:00 at 1.20 and is earlier.
    assert_eq!(ats(&next(input.clone()).unwrap()), ["2025-06-03T12:00:00+02:00"]);
    let mut wide = input.clone();
    wide["min_gap_hours"] = json!(10);
    assert_eq!(ats(&next(wide).unwrap()), ["2025-06-03T19:00:00+02:00"]);
    let mut full = input;
    full["scheduled"] = json!(["2025-06-03T06:00:00+02:00", "2025-06-03T22:00:00+02:00"]);
    assert_eq!(ats(&next(full).unwrap()), ["2025-06-04T09:00:00+02:00"], "Tuesday has two posts already");
}

#[test]
fn slots_cross_daylight_saving_time() {
    let input = json!({ "timezone": "America/New_York", "after": "2025-03-08T20:00:00-05:00", "count": 2 });
    // From Saturday 20:00 EST the best of the next 24 h is Sunday 10:00 (weekend prior 1.10
    // against 1.05 at 20:00), after DST began at 02:00; then Monday 09:00.
    assert_eq!(ats(&next(input).unwrap()), ["2025-03-09T10:00:00-04:00", "2025-03-10T09:00:00-04:00"]);
}

#[test]
fn heatmap_is_seven_by_twenty_four() {
    let out = FakeHost::new()
        .run_action(
            ACTIONS,
            "heatmap",
            json!({ "history": history(), "timezone": "Europe/Berlin", "after": "2025-06-10T00:00:00Z" }),
        )
        .unwrap();
    let cells = out["cells"].as_array().unwrap();
    assert_eq!(cells.len(), 7);
    assert!(cells.iter().all(|row| row.as_array().unwrap().len() == 24));
    assert_eq!(out["samples"][1][18], 5);
    assert_eq!(out["samples"][3][10], 10);
    assert_eq!(out["cells"][1][18], 2.269);
    assert_eq!(out["timezone"], "Europe/Berlin");
}

#[test]
fn bad_input_names_the_field() {
    let msg = |input: Value| match next(input) {
        Err(StepError::InvalidInput(m)) => m,
        other => panic!("{other:?}"),
    };
    assert!(msg(json!({ "timezone": "Mars/Olympus" })).contains("`timezone` is `Mars/Olympus`"));
    assert!(msg(json!({ "history": [{ "created_at": "2025-13-01" }] })).contains("`history[0].created_at`"));
    assert!(msg(json!({ "scheduled": ["soon"] })).contains("`scheduled[0]`"));
    // The manifest's schema refuses it before the plugin sees it, as Roost does.
    assert!(msg(json!({ "count": 0 })).contains("(at `/count`)"));
}
