//! The actions end to end against the in-memory host: offline determinism, the request a
//! model server receives, how each answer becomes captions or a step error, workspace
//! templates, and observed tags from `observe` to `hashtags` and `generate`.

use roost_sdk::testing::{FakeHost, Reply};
use roost_sdk::{StepError, Value, json};

use super::*;

fn completion(contents: &[&str]) -> Value {
    let choices: Vec<Value> = contents
        .iter()
        .enumerate()
        .map(|(i, c)| json!({"index": i, "message": {"role": "assistant", "content": c}, "finish_reason": "stop"}))
        .collect();
    json!({"id": "chatcmpl-1", "object": "chat.completion", "model": "m", "choices": choices})
}

fn observe(host: &FakeHost, mentions: Value) -> Value {
    host.run_action(ACTIONS, "observe", json!({ "mentions": mentions })).unwrap()
}

fn model_input(network: &str) -> Value {
    json!({"topic": "our spring release", "network": network, "endpoint": "https://llm.test/v1", "model": "qwen3:8b"})
}

#[test]
fn offline_is_deterministic_and_fits_the_network() {
    let host = FakeHost::new().actions(ACTIONS);
    let input = json!({"topic": "the Roost 1.0 release", "network": "bluesky", "keywords": ["open source", "Rust"]});
    let first = host.run_action(ACTIONS, "generate", input.clone()).unwrap();
    assert_eq!(first, host.run_action(ACTIONS, "generate", input).unwrap());
    assert_eq!(first["source"], "offline");
    assert!(first.get("model").is_none());
    let captions = first["captions"].as_array().unwrap();
    assert_eq!(captions.len(), 3);
    for c in captions {
        let text = c["text"].as_str().unwrap();
        assert_eq!(c["length"], Network::Bluesky.length(text));
        assert!(c["length"].as_u64().unwrap() <= 300);
        assert_eq!(c["hashtags"], json!(["#OpenSource", "#Rust"]), "{text}");
    }
    assert!(host.requests().is_empty());
}

#[test]
fn offline_german_casual() {
    let input = json!({"topic": "unser Sommerfest", "network": "mastodon", "language": "de", "voice": "locker, wir duzen",
                       "variants": 5});
    let out = FakeHost::new().actions(ACTIONS).run::<Generate>(input).unwrap();
    let texts: Vec<&str> = out["captions"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(texts.len(), 5);
    assert!(texts.iter().all(|t| t.contains("nser Sommerfest") && !t.contains('#')), "no tag from words: {texts:?}");
    assert!(texts.iter().any(|t| t.contains("du") || t.contains("dich") || t.contains("Schreib")), "{texts:?}");
    assert_eq!(out["kind"], "announcement");
    assert_eq!(out["explanations"][0], "offline templates: announcement, de casual tone; no model configured");
    let reason = out["captions"][0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with("announcement, de casual: opener ") && reason.ends_with("(built-in templates)"),
        "{reason}"
    );
}

#[test]
fn an_incident_is_sober_in_a_casual_voice() {
    let input = json!({"topic": "Leider ist unser Online-Shop gerade nicht erreichbar", "network": "bluesky",
                       "language": "de", "voice": "locker, wir duzen", "keywords": ["Störung", "Shop"], "variants": 5});
    let out = FakeHost::new().actions(ACTIONS).run::<Generate>(input).unwrap();
    assert_eq!(out["kind"], "incident");
    for caption in out["captions"].as_array().unwrap() {
        let text = caption["text"].as_str().unwrap();
        assert!(!text.chars().any(emoji::is_emoji) && !text.contains('?'), "{text}");
        assert_eq!(caption["hashtags"], json!(["#Shop"]), "no tag from the problem: {text}");
        assert!(caption["reason"].as_str().unwrap().starts_with("incident, de casual: "));
    }
    assert!(out["explanations"].to_string().contains("an incident gets no observed tags"));
}

#[test]
fn workspace_templates_replace_their_lists_and_the_rest_falls_back() {
    let templates = json!({"en": {"neutral": {"openers": ["Fresh: {topic}."], "closers": ["Bye."]},
                                   "casual": {"incident_closers": ["Ugh, sorry."]}}});
    let input = json!({"topic": "the new app", "network": "generic", "templates": templates, "keywords": ["Rust"],
                       "variants": 2});
    let out = FakeHost::new().actions(ACTIONS).run::<Generate>(input).unwrap();
    let captions = out["captions"].as_array().unwrap();
    assert_eq!(captions.len(), 2, "the built-in keyword sentences still differ");
    assert!(captions[0]["text"].as_str().unwrap().starts_with("Fresh: the new app. "));
    assert!(captions[0]["text"].as_str().unwrap().contains("Bye.\n\n#Rust"));
    let reason = captions[0]["reason"].as_str().unwrap();
    assert!(reason.ends_with("(workspace opener and closer, built-in for the rest)"), "{reason}");
    let only = json!({"topic": "x", "network": "generic", "variants": 3,
                      "templates": {"en": {"neutral": {"openers": ["A: {topic}."], "closers": ["B."]}}}});
    let out = FakeHost::new().actions(ACTIONS).run::<Generate>(only).unwrap();
    assert_eq!(out["captions"].as_array().unwrap().len(), 1, "identical variants count once");
    assert!(out["explanations"].to_string().contains("gave 1 distinct captions of 3"));
    let null = FakeHost::new()
        .actions(ACTIONS)
        .run::<Generate>(json!({"topic": "x", "network": "generic", "templates": null}));
    assert_eq!(null.unwrap()["source"], "offline", "an unset variable is no templates");
    let bad = json!({"topic": "x", "network": "generic", "templates": {"de": {"casual": {"openers": ["Neu: {foo}"]}}}});
    let err = FakeHost::new().actions(ACTIONS).run::<Generate>(bad).unwrap_err();
    assert!(
        matches!(&err, StepError::InvalidInput(m) if m.starts_with("templates.de.casual.openers[0]: unknown placeholder {foo}")),
        "{err:?}"
    );
    let schema = json!({"topic": "x", "network": "generic", "templates": {"fr": {}}});
    let err = FakeHost::new().actions(ACTIONS).run::<Generate>(schema).unwrap_err();
    assert!(matches!(&err, StepError::InvalidInput(m) if m.contains("/templates")), "{err:?}");
}

#[test]
fn refuses_bad_input() {
    // Without the action table the host checks no schema: the action's own checks answer.
    let host = FakeHost::new();
    let run = |input: Value| host.run::<Generate>(input).unwrap_err();
    assert!(
        matches!(run(json!({"topic": " ", "network": "mastodon"})), StepError::InvalidInput(m) if m.contains("`topic`"))
    );
    let many = run(json!({"topic": "x", "network": "mastodon", "variants": 6}));
    assert!(matches!(many, StepError::InvalidInput(m) if m.contains("`variants` is 6")));
    let no_model = run(json!({"topic": "x", "network": "mastodon", "endpoint": "https://llm.test/v1"}));
    assert!(matches!(no_model, StepError::InvalidInput(m) if m.contains("`model` is required")));
    let bad_url = run(json!({"topic": "x", "network": "mastodon", "endpoint": "localhost:11434", "model": "m"}));
    assert!(matches!(bad_url, StepError::InvalidInput(m) if m.contains("`endpoint`")));
    let network = host.run::<Generate>(json!({"topic": "x", "network": "myspace"})).unwrap_err();
    assert!(matches!(network, StepError::InvalidInput(m) if m.contains("myspace")));
}

#[test]
fn an_empty_endpoint_means_offline() {
    let out = FakeHost::new()
        .actions(ACTIONS)
        .run::<Generate>(json!({"topic": "x", "network": "generic", "endpoint": ""}))
        .unwrap();
    assert_eq!(out["source"], "offline");
}

#[test]
fn asks_the_model_once_per_variant_and_cleans_replies() {
    let host = FakeHost::new().actions(ACTIONS).on_http(|req| {
        let body: Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        let reply = format!("\"Spring release, take {} #Spring\"", body["seed"]);
        Reply::json(200, &completion(&[&reply]))
    });
    let out = host.run::<Generate>(model_input("mastodon")).unwrap();
    assert_eq!(out["source"], "model");
    assert_eq!(out["model"], "qwen3:8b");
    let texts: Vec<&str> = out["captions"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        ["Spring release, take 1 #Spring", "Spring release, take 2 #Spring", "Spring release, take 3 #Spring"]
    );
    assert_eq!(out["captions"][0]["hashtags"], json!(["#Spring"]));
    assert_eq!(out["captions"][1]["reason"], "model qwen3:8b, seed 2");
    let requests = host.requests();
    assert_eq!(requests.len(), 3);
    assert_eq!(requests[0].url, "https://llm.test/v1/chat/completions");
    assert_eq!(requests[0].header_value("authorization"), None, "no key is set, so none is sent");
    let body: Value = serde_json::from_slice(requests[0].body.as_deref().unwrap()).unwrap();
    assert_eq!(body["model"], "qwen3:8b");
    assert_eq!(body["stream"], false);
    assert!(body["messages"][0]["content"].as_str().unwrap().contains("500 characters"));
}

#[test]
fn takes_the_models_reason_apart() {
    let host = FakeHost::new().actions(ACTIONS).on_http(|req| {
        let body: Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        let reply = json!({"caption": format!("Spring, take {}", body["seed"]), "reason": "Leads with the season."});
        Reply::json(200, &completion(&[&reply.to_string()]))
    });
    let out = host.run::<Generate>(model_input("mastodon")).unwrap();
    assert_eq!(out["captions"][0]["text"], "Spring, take 1");
    assert_eq!(out["captions"][0]["reason"], "model qwen3:8b, seed 1: Leads with the season.");
    assert_eq!(out["kind"], "announcement");
}

#[test]
fn sends_the_key_when_set_and_trims_to_bluesky() {
    let long = format!("{} #Spring #Release", "word ".repeat(100));
    let host = FakeHost::new()
        .actions(ACTIONS)
        .secret("OPENAI_API_KEY", "sk-test")
        .on_http(move |_| Reply::json(200, &completion(&[&long, "", "<think>only thinking</think>"])));
    let out = host
        .run::<Generate>(json!({"topic": "t", "network": "bluesky", "endpoint": "https://llm.test/v1",
                                          "model": "m", "variants": 2}))
        .unwrap();
    assert_eq!(host.requests()[0].header_value("authorization"), Some("Bearer sk-test"));
    let captions = out["captions"].as_array().unwrap();
    assert_eq!(captions.len(), 1, "identical and empty replies count once");
    assert!(captions[0]["length"].as_u64().unwrap() <= 300);
    assert!(captions[0]["text"].as_str().unwrap().ends_with(" word word… #Spring #Release"), "{}", captions[0]["text"]);
    assert!(out["explanations"].to_string().contains("repeated itself"));
}

fn failure(status: u16, body: &'static str, retry_after: Option<&'static str>) -> StepError {
    let host = FakeHost::new().actions(ACTIONS).on_http(move |_| {
        let mut response = Reply::text(status, body)?;
        if let Some(after) = retry_after {
            response.headers.push(("Retry-After".into(), after.into()));
        }
        Ok(response)
    });
    host.run::<Generate>(model_input("generic")).unwrap_err()
}

#[test]
fn maps_each_status_to_a_step_error() {
    let openai_404 = r#"{"error":{"message":"model \"qwen3:8b\" not found, try pulling it first","type":"not_found_error","param":null,"code":null}}"#;
    assert!(
        matches!(failure(404, openai_404, None), StepError::InvalidInput(m) if m.contains("`qwen3:8b`") && m.contains("try pulling"))
    );
    let vllm_400 = r#"{"object":"error","message":"The model `qwen3:8b` does not exist.","type":"NotFoundError","param":null,"code":404}"#;
    assert!(matches!(failure(400, vllm_400, None), StepError::InvalidInput(m) if m.contains("does not exist")));
    let plain_404 = failure(404, "404 page not found", None);
    assert!(matches!(plain_404, StepError::InvalidInput(m) if m.contains("`endpoint`") && m.contains("/v1")));
    assert!(
        matches!(failure(401, r#"{"error":"unauthorized"}"#, None), StepError::Fatal(m) if m.contains("OPENAI_API_KEY"))
    );
    let loading = r#"{"error":{"code":503,"message":"Loading model","type":"unavailable_error"}}"#;
    assert_eq!(
        failure(503, loading, Some("2")),
        StepError::Retryable {
            message:
                "https://llm.test/v1/chat/completions is busy or failing (HTTP 503: Loading model [unavailable_error])"
                    .into(),
            after_ms: Some(2000)
        }
    );
    assert!(matches!(failure(429, "slow down", None), StepError::Retryable { after_ms: None, .. }));
    assert!(matches!(failure(502, "<html>Bad Gateway</html>", None), StepError::Retryable { .. }));
}

#[test]
fn connection_failures_are_retryable_and_junk_is_fatal() {
    let host = FakeHost::new().actions(ACTIONS);
    assert!(matches!(host.run::<Generate>(model_input("mastodon")).unwrap_err(), StepError::Retryable { .. }));
    let junk = FakeHost::new().actions(ACTIONS).on_http(|_| Reply::text(200, "<html>hello</html>"));
    let err = junk.run::<Generate>(model_input("mastodon")).unwrap_err();
    assert!(matches!(err, StepError::Fatal(m) if m.contains("did not answer with a chat completion")));
    let errored = FakeHost::new()
        .actions(ACTIONS)
        .on_http(|_| Reply::json(200, &json!({"error": {"message": "overloaded", "type": "api_error"}})));
    assert!(
        matches!(errored.run::<Generate>(model_input("mastodon")).unwrap_err(), StepError::Fatal(m) if m.contains("overloaded"))
    );
}

#[test]
fn hashtags_action() {
    let host = FakeHost::new().actions(ACTIONS);
    let text = "Our #Roost launch: WebAssembly plugins, plugins! Letzten Tag, five days.";
    let out = host.run_action(ACTIONS, "hashtags", json!({"text": text, "max": 3})).unwrap();
    assert_eq!(out["hashtags"], json!(["#Roost"]), "no tags from the text's other words");
    assert_eq!(out["suggestions"], json!([{"tag": "#Roost", "source": "text", "mentions_7d": 0, "mentions_28d": 0}]));
    let err = host.run_action(ACTIONS, "hashtags", json!({"text": "x", "max": 0})).unwrap_err();
    // The manifest's schema refuses it before the action runs, as Roost does.
    assert!(matches!(err, StepError::InvalidInput(m) if m.contains("(at `/max`)")));
}

#[test]
fn observed_tags_feed_hashtags_and_generate() {
    let host = FakeHost::new().actions(ACTIONS);
    let happy = json!({"label": "positive", "compound": 0.6});
    let angry = json!({"label": "negative", "compound": -0.7});
    let mut mentions = Vec::new();
    for i in 0..4 {
        let author = json!({"id": format!("{i}"), "handle": format!("@user{i}@example.social")});
        mentions.push(json!({"id": format!("m{i}"), "text": format!("Loving #WebAssembly with #RustLang {i}"),
                             "sentiment": happy, "author": author, "network": "mastodon"}));
        mentions.push(json!({"id": format!("n{i}"), "text": "#AcmeDown again #WebAssemblyFail #Plugins",
                             "sentiment": angry, "author": author}));
    }
    mentions.push(json!({"text": "#news #Plugins", "sentiment": {"compound": 0.1}}));
    let out = observe(&host, json!(mentions));
    assert_eq!(
        out,
        json!({"mentions": 9, "negative": 4, "tags_seen": 22, "skipped": 0, "days_kept": 1, "already_counted": false})
    );

    let text = "Our WebAssembly plugins are out";
    let out = host.run_action(ACTIONS, "hashtags", json!({"text": text, "max": 5})).unwrap();
    assert_eq!(out["hashtags"], json!(["#WebAssembly"]), "#Plugins is mostly negative, #AcmeDown a problem: {out}");
    assert_eq!(
        out["suggestions"][0],
        json!({"tag": "#WebAssembly", "source": "observed", "mentions_7d": 4, "mentions_28d": 4})
    );

    let draft =
        json!({"topic": "Our WebAssembly plugins are out", "network": "bluesky", "keywords": ["Roost"], "variants": 1});
    let out = host.run::<Generate>(draft).unwrap();
    assert_eq!(out["captions"][0]["hashtags"], json!(["#Roost", "#WebAssembly"]), "keyword first, budget 2");
    assert!(out["explanations"][1].as_str().unwrap().contains("#WebAssembly (observed: 4 in 7 days, 4 in 28)"));
}

#[test]
fn a_retried_observe_step_counts_once() {
    let host = FakeHost::new().actions(ACTIONS);
    let mentions =
        json!([{"text": "#Sommerfest in #Köln", "created_at": "2020-01-01T10:00:00Z"}, {"text": "#Sommerfest"}]);
    let first = observe(&host, mentions.clone());
    assert_eq!(
        (first["mentions"].as_u64(), first["skipped"].as_u64()),
        (Some(1), Some(1)),
        "a mention too old is skipped"
    );
    let key = observed::key(day::today());
    let stored = host.kv_get(&key).unwrap();
    let again = observe(&host.clone().context(|c| c.attempt = 2), mentions.clone());
    assert_eq!(again["already_counted"], true);
    assert_eq!(host.kv_get(&key).unwrap(), stored, "a retry keeps its idempotency key and changes nothing");
    let next = observe(&host.clone().context(|c| c.idempotency_key = "run-2/step-1".into()), mentions);
    assert_eq!(next["already_counted"], false);
    let day: observed::DayCounts = serde_json::from_slice(&host.kv_get(&key).unwrap()).unwrap();
    assert_eq!(day.tags["sommerfest"].n, 2, "the next run counts again");
    let bad = host.run_action(ACTIONS, "observe", json!({"mentions": [], "at": "yesterday"})).unwrap_err();
    assert!(matches!(bad, StepError::InvalidInput(m) if m.contains("`at`")));
}
