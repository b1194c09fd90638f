//! The `caption` plugin in the sandbox: captions from the loopback OpenAI-compatible server
//! (the request it gets, each error shape mapped to its failure kind, length limits with
//! Bluesky graphemes), offline captions that repeat exactly, and hashtags.

use roost::runtime::StepFailure;
use serde_json::{Value, json};

use super::Harness;
use super::servers::openai::{Answer, OpenAi, Shape};

async fn setup() -> (Harness, OpenAi, String) {
    let (server, addr) = OpenAi::start().await;
    (Harness::new().await, server, format!("http://loopback.test:{}/v1", addr.port()))
}

fn model_input(endpoint: &str, network: &str) -> Value {
    json!({ "topic": "our spring release", "network": network, "endpoint": endpoint, "model": "qwen3:8b",
            "keywords": ["Rust"], "voice": "warm and precise", "language": "de", "variants": 2 })
}

fn texts(out: &Value) -> Vec<String> {
    out["captions"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn asks_the_model_with_the_networks_limit_and_returns_its_captions() {
    let (mut h, server, endpoint) = setup().await;
    let out = h.step("caption", "generate", model_input(&endpoint, "mastodon")).await.unwrap();
    assert_eq!(out["source"], "model");
    assert_eq!(out["model"], "qwen3:8b");
    assert_eq!(
        texts(&out),
        ["Take 1: all about our spring release. #Loopback", "Take 2: all about our spring release. #Loopback"],
        "quotes stripped, one request per variant with its own seed"
    );
    assert_eq!(out["captions"][0]["hashtags"], json!(["#Loopback"]));
    assert_eq!(out["captions"][0]["length"], 47);

    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    let first = &requests[0];
    assert_eq!(first.body["model"], "qwen3:8b");
    assert_eq!(first.body["stream"], false);
    assert_eq!(first.body["seed"], 1);
    assert_eq!(requests[1].body["seed"], 2);
    let system = first.message("system");
    assert!(system.contains("Mastodon") && system.contains("at most 500 characters"), "{system}");
    assert!(system.contains("Write in German") && system.contains("Brand voice: warm and precise"), "{system}");
    assert_eq!(first.message("user"), "Topic: our spring release\nKeywords: Rust");
    assert_eq!(first.header("authorization"), None, "no OPENAI_API_KEY is set");

    h.secret("OPENAI_API_KEY", "sk-loopback", &[]);
    h.step("caption", "generate", model_input(&endpoint, "bluesky")).await.unwrap();
    let last = server.requests().pop().unwrap();
    assert_eq!(last.header("authorization").as_deref(), Some("Bearer sk-loopback"));
    assert!(last.message("system").contains("at most 300 characters"));
}

#[tokio::test]
async fn trims_to_bluesky_graphemes_and_mastodon_characters() {
    let (h, server, endpoint) = setup().await;
    // 375 graphemes of German and emoji with skin tones (more code points, far more bytes),
    // then two hashtags.
    let long = format!("{} #Frühling #Release", "Schöne Grüße 👍🏽 ".repeat(25));
    assert!(long.chars().count() > 410);
    server.push(Answer::Contents(vec![long.clone()]));
    let out = h
        .step(
            "caption",
            "generate",
            json!({ "topic": "t", "network": "bluesky", "endpoint": endpoint,
                                                    "model": "llama3.2", "variants": 1 }),
        )
        .await
        .unwrap();
    let caption = &out["captions"][0];
    let text = caption["text"].as_str().unwrap();
    assert!(caption["length"].as_u64().unwrap() <= 300, "{caption}");
    assert!(text.ends_with(" 👍🏽 Schöne… #Frühling #Release"), "cut at a word, hashtags whole: {text}");
    assert_eq!(caption["length"], 296);
    assert_eq!(caption["hashtags"], json!(["#Frühling", "#Release"]));

    server.push(Answer::Contents(vec![long]));
    let out = h
        .step(
            "caption",
            "generate",
            json!({ "topic": "t", "network": "mastodon", "endpoint": endpoint,
                                                    "model": "llama3.2", "variants": 1 }),
        )
        .await
        .unwrap();
    assert!(!out["explanations"].to_string().contains("trimmed"), "it fits Mastodon's 500");
}

/// The failure for a scripted answer, given to both variants' requests.
async fn failure(answer: Answer) -> StepFailure {
    let (h, server, endpoint) = setup().await;
    server.push(answer.clone());
    server.push(answer);
    h.step("caption", "generate", model_input(&endpoint, "generic")).await.unwrap_err()
}

#[tokio::test]
async fn maps_every_error_shape_to_its_failure_kind() {
    let (h, _server, endpoint) = setup().await;
    let mut input = model_input(&endpoint, "generic");
    input["model"] = json!("mistral:7b");
    match h.step("caption", "generate", input).await.unwrap_err() {
        StepFailure::InvalidInput(m) => {
            assert!(m.contains("`mistral:7b`") && m.contains("not found, try pulling it first"), "{m}")
        }
        other => panic!("an unknown model is invalid input, got {other:?}"),
    }

    let unknown = failure(Answer::error(404, Shape::OllamaNative, "model 'qwen3:8b' not found")).await;
    assert!(matches!(&unknown, StepFailure::InvalidInput(m) if m.contains("`qwen3:8b`")), "{unknown:?}");
    let vllm = failure(Answer::error(400, Shape::VllmFlat, "The model `qwen3:8b` does not exist.")).await;
    assert!(matches!(&vllm, StepFailure::InvalidInput(m) if m.contains("does not exist")), "{vllm:?}");
    let key = failure(Answer::error(401, Shape::LlamaCpp, "Invalid API Key")).await;
    assert!(
        matches!(&key, StepFailure::Fatal(m) if m.contains("OPENAI_API_KEY") && m.contains("Invalid API Key")),
        "{key:?}"
    );

    let loading =
        Answer::Error { status: 503, shape: Shape::LlamaCpp, message: "Loading model".into(), retry_after: Some(3) };
    match failure(loading).await {
        StepFailure::Retryable { message, after_ms } => {
            assert_eq!(after_ms, Some(3000), "Retry-After is honoured");
            assert!(message.contains("Loading model [unavailable_error]"), "{message}");
        }
        other => panic!("503 is retryable, got {other:?}"),
    }
    let limited = Answer::Error {
        status: 429,
        shape: Shape::OpenAi,
        message: "Rate limit reached".into(),
        retry_after: Some(20),
    };
    assert!(matches!(failure(limited).await, StepFailure::Retryable { after_ms: Some(20_000), .. }));
    let plain = failure(Answer::error(502, Shape::Plain, "upstream connect error")).await;
    assert!(
        matches!(&plain, StepFailure::Retryable { message, after_ms: None } if message.contains("upstream connect error"))
    );
    let malformed = failure(Answer::Contents(vec!["   ".into()])).await;
    assert!(matches!(&malformed, StepFailure::Fatal(m) if m.contains("no usable caption")), "{malformed:?}");
}

#[tokio::test]
async fn a_closed_port_is_retryable_and_a_wrong_path_names_the_endpoint() {
    let h = Harness::new().await;
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let input = json!({ "topic": "t", "network": "generic", "endpoint": format!("http://loopback.test:{closed}/v1"),
                        "model": "llama3.2" });
    assert!(matches!(h.step("caption", "generate", input).await.unwrap_err(), StepFailure::Retryable { .. }));

    let (_, server, endpoint) = setup().await;
    let input = json!({ "topic": "t", "network": "generic", "endpoint": endpoint.trim_end_matches("/v1"),
                        "model": "llama3.2" });
    let err = h.step("caption", "generate", input).await.unwrap_err();
    assert!(matches!(&err, StepFailure::InvalidInput(m) if m.contains("`endpoint`") && m.contains("/v1")), "{err:?}");
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn offline_captions_repeat_exactly_and_fit() {
    let h = Harness::new().await;
    let input = json!({ "topic": "the Roost 1.0 release", "network": "bluesky", "keywords": ["open source", "WebAssembly"],
                        "variants": 5 });
    let first = h.step("caption", "generate", input.clone()).await.unwrap();
    assert_eq!(first, h.step("caption", "generate", input).await.unwrap());
    assert_eq!(first["source"], "offline");
    let captions = first["captions"].as_array().unwrap();
    assert_eq!(captions.len(), 5);
    let distinct: std::collections::BTreeSet<&str> = captions.iter().map(|c| c["text"].as_str().unwrap()).collect();
    assert_eq!(distinct.len(), 5);
    for c in captions {
        assert!(
            c["text"].as_str().unwrap().contains("the Roost 1.0 release")
                || c["text"].as_str().unwrap().contains("The Roost")
        );
        assert!(c["length"].as_u64().unwrap() <= 300);
        assert_eq!(c["hashtags"], json!(["#OpenSource", "#WebAssembly"]));
    }
}

#[tokio::test]
async fn hashtags_come_from_the_text_and_from_tags_observed_in_listening() {
    let h = Harness::new().await;
    let text = "Heute startet unser #Sommerfest in Köln: Musik, Kuchen und Musik bis Mitternacht.";
    let out = h.step("caption", "hashtags", json!({ "text": text, "max": 3, "language": "de" })).await.unwrap();
    let own = json!({ "tag": "#Sommerfest", "source": "text", "mentions_7d": 0, "mentions_28d": 0 });
    assert_eq!(out, json!({ "hashtags": ["#Sommerfest"], "suggestions": [own] }), "no tags made of plain words");

    // Listening counts the tags people use, with how negative their mentions were.
    let happy = json!({ "label": "positive", "compound": 0.6 });
    let angry = json!({ "label": "negative", "compound": -0.7 });
    let mut mentions = Vec::new();
    // Three people each: a tag one account repeats is not a tag people use.
    for i in 0..3 {
        let author = json!({ "id": format!("{i}"), "handle": format!("fan{i}@example.social"),
                             "display_name": format!("Fan {i}"), "url": format!("https://example.social/@fan{i}") });
        let mention = |text: &str, sentiment: &Value| json!({ "text": text, "sentiment": sentiment, "author": author });
        mentions.push(mention("Endlich wieder Live-Musik in #Köln #KoelnLiebe", &happy));
        mentions.push(mention("#AcmeAusfall schon wieder, die App ist weg", &angry));
        mentions.push(mention("Musik am Rhein #Musikfestival #News", &happy));
    }
    // One account pushing its tag many times is not enough.
    for _ in 0..6 {
        let author = json!({ "id": "9", "handle": "coins@spam.example", "display_name": "Coins", "url": "https://spam.example/@coins" });
        mentions.push(json!({ "text": "Musik und Gewinne: #MusikCoin", "sentiment": happy, "author": author }));
    }
    let observed = h.step("caption", "observe", json!({ "mentions": mentions })).await.unwrap();
    assert_eq!((observed["mentions"].clone(), observed["negative"].clone()), (json!(15), json!(3)), "{observed}");

    let out = h.step("caption", "hashtags", json!({ "text": text, "max": 5 })).await.unwrap();
    let tags: Vec<&str> = out["hashtags"].as_array().unwrap().iter().map(|t| t.as_str().unwrap()).collect();
    assert_eq!(tags[0], "#Sommerfest", "{out}");
    assert!(tags.contains(&"#Köln") && tags.contains(&"#Musikfestival"), "observed tags that fit the text: {out}");
    assert!(!tags.contains(&"#AcmeAusfall") && !tags.contains(&"#News"), "never a problem or a generic tag: {out}");
    assert!(!tags.contains(&"#MusikCoin"), "a tag of one account: {out}");
    let koeln = out["suggestions"].as_array().unwrap().iter().find(|s| s["tag"] == "#Köln").unwrap();
    assert_eq!((koeln["source"].clone(), koeln["mentions_7d"].clone()), (json!("observed"), json!(3)), "{out}");
}
