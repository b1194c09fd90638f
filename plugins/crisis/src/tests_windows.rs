//! Mentions bucketed by their own timestamps through FakeHost's kv: a backlog seeds the
//! baseline as history, a re-fetch or a retry counts nothing twice, bad mentions are
//! named.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::ACTIONS;
use crate::output::time;

const T0: i64 = 1_748_822_400_000; // 2025-06-02T00:00:00Z

fn mention(id: usize, at_ms: i64, label: &str) -> Value {
    json!({ "network": "mastodon", "id": id.to_string(), "created_at": time(at_ms), "text": "…",
            "sentiment": { "compound": 0.0, "label": label } })
}

fn call(host: &FakeHost, step: &str, mentions: &[Value], at_ms: i64) -> Result<Value, StepError> {
    let host = host.clone().context(|c| c.idempotency_key = step.to_string());
    host.run_action(ACTIONS, "detect", json!({ "key": "acme", "mentions": mentions, "at": time(at_ms) }))
}

/// 80 older mentions, one every ten minutes, the last in the window still open at `at`.
fn backlog() -> (Vec<Value>, i64) {
    let at = T0 + 14 * 3_600_000 + 30_000;
    let mentions = (0..80).map(|i| mention(i, at - 30_000 - (79 - i as i64) * 600_000 + 10_000, "neutral")).collect();
    (mentions, at)
}

#[test]
fn a_backlog_is_history_and_a_refetch_counts_nothing_twice() {
    let host = FakeHost::new();
    let (mentions, at) = backlog();
    let first = call(&host, "run-1", &mentions, at).unwrap();
    assert_eq!(first["windows"], 79, "{first}");
    assert_eq!((first["pending"].clone(), first["warming_up"].clone()), (json!(1), json!(false)));
    assert_eq!(first["severity"], "none");
    assert_eq!(first["expected"], 1.0, "one mention per window learned from the backlog: {first}");
    assert_eq!(call(&host, "run-1", &mentions, at).unwrap(), first, "a retry returns the stored result");
    // The next run fetches everything again plus nine new mentions, two of them twice.
    let mut again = mentions.clone();
    again.extend((0..9).map(|i| mention(100 + i, at + 60_000 * i as i64, "negative")));
    let repeated = again[80..82].to_vec();
    again.extend(repeated);
    let next = call(&host, "run-2", &again, at + 600_000).unwrap();
    eprintln!("{next:#}");
    assert_eq!(next["ignored"], json!({ "duplicate": 3, "late": 79, "future": 0, "too_old": 0 }), "{next}");
    assert_eq!(
        (next["windows"].clone(), next["count"].clone(), next["negative"].clone()),
        (json!(1), json!(10), json!(9))
    );
    assert_eq!(next["baseline"]["samples"], 79);
    assert_eq!(
        (next["severity"].clone(), next["detector"].clone()),
        (json!("critical"), json!("negative_spike")),
        "{next}"
    );
    assert_eq!(next["alerts"].as_array().unwrap().len(), 1);
}

#[test]
fn windows_without_mentions_are_zeros_and_a_call_that_closes_none_is_idle() {
    let host = FakeHost::new();
    let (mentions, at) = backlog();
    call(&host, "a", &mentions, at).unwrap();
    let later = call(&host, "b", &[], at + 3 * 600_000).unwrap();
    assert_eq!((later["windows"].clone(), later["count"].clone()), (json!(3), json!(0)), "{later}");
    let idle =
        call(&host, "c", &[mention(500, at + 3 * 600_000 + 1_000, "neutral")], at + 3 * 600_000 + 5_000).unwrap();
    assert_eq!(
        (idle["windows"].clone(), idle["updated"].clone(), idle["pending"].clone()),
        (json!(0), json!(false), json!(1))
    );
    assert!(idle["reason"].as_str().unwrap().starts_with("no window closed since the last call"), "{idle}");
    let future = call(&host, "d", &[mention(501, at + 86_400_000, "neutral")], at + 3 * 600_000 + 6_000).unwrap();
    assert_eq!(future["ignored"]["future"], 1);
}

#[test]
fn bad_mentions_are_named_by_position_and_field() {
    let host = FakeHost::new();
    let err = |mentions: Vec<Value>| match call(&host, "x", &mentions, T0) {
        Err(StepError::InvalidInput(msg)) => msg,
        other => panic!("{other:?}"),
    };
    let good = mention(1, T0 - 1000, "neutral");
    let mut no_mood = mention(2, T0 - 1000, "neutral");
    no_mood.as_object_mut().unwrap().remove("sentiment");
    assert!(err(vec![good.clone(), no_mood]).contains("`mentions[1]` has no sentiment"));
    let mut bad_time = good.clone();
    bad_time["created_at"] = json!("yesterday");
    assert!(err(vec![bad_time]).contains("`mentions[0].created_at` is `yesterday`"));
    let mut no_id = good.clone();
    no_id["id"] = json!("");
    // The manifest's schema refuses an empty id before the action sees it, as Roost does.
    let e = err(vec![no_id]);
    assert!(e.contains("`/mentions/0/id`"), "{e}");
    let mut label = good.clone();
    label["sentiment"]["label"] = json!("angry");
    let e = err(vec![label]);
    assert!(e.contains("\"angry\" is not one of") && e.contains("`/mentions/0/sentiment/label`"), "{e}");
    let e = err(vec![good; 10_001]);
    assert!(e.contains("has more than 10000 items (at `/mentions`)") && e.len() < 300, "{e}");
}

#[test]
fn a_full_call_of_mentions_in_the_open_window_is_remembered_once() {
    let host = FakeHost::new();
    let at = T0 + 9 * 60_000;
    let mentions: Vec<Value> = (0..10_000).map(|i| mention(i, T0 + (i as i64 % 500) * 1_000, "neutral")).collect();
    let first = call(&host, "a", &mentions, at).unwrap();
    assert_eq!((first["pending"].clone(), first["windows"].clone()), (json!(10_000), json!(0)));
    let again = call(&host, "b", &mentions, at + 1_000).unwrap();
    assert_eq!((again["pending"].clone(), again["ignored"]["duplicate"].clone()), (json!(10_000), json!(10_000)));
    let closed = call(&host, "c", &[], T0 + 600_000).unwrap();
    assert_eq!((closed["windows"].clone(), closed["count"].clone()), (json!(1), json!(10_000)), "{closed}");
}
