//! `sentiment/classify` in the sandbox against the loopback OpenAI-compatible server: a
//! workflow whose step sends numbered texts in batches and gets the model's labels, the
//! lexicon answering for what a partial reply leaves out; and a model that is unreachable,
//! refuses the key, fails or does not exist, where the step still succeeds on the lexicon.

use serde_json::{Value, json};

use super::Harness;
use super::servers::openai::{Answer, OpenAi, Seen, Shape};

const TEXTS: [&str; 5] = [
    "Great, another update that logs me out every hour. Thanks for nothing.",
    "Na toll, schon wieder Totalausfall. Nie wieder!",
    "Which payment methods do you accept?",
    "Die App stürzt seit dem Update ständig ab.",
    "Love the new dashboard, well done!",
];

const WORKFLOW: &str = r#"
name: classify-mentions
inputs:
  texts: { type: array }
  endpoint: { type: string }
steps:
  - id: mood
    uses: sentiment/classify
    with: { texts: "${{ inputs.texts }}", endpoint: "${{ inputs.endpoint }}", model: "qwen3:8b", batch_size: 2 }
outputs:
  negative: "${{ steps.mood.output.summary.negative }}"
  available: "${{ steps.mood.output.model_available }}"
  labelled: "${{ steps.mood.output.model_labelled }}"
"#;

fn labels(entries: &[(u32, &str, &str)]) -> String {
    let items: Vec<Value> =
        entries.iter().map(|(id, label, reason)| json!({"id": id, "label": label, "reason": reason})).collect();
    Value::from(items).to_string()
}

/// The texts of a request's user message, in the order numbered.
fn asked(seen: &Seen) -> Vec<String> {
    let user = seen.message("user");
    let lines = user.lines().skip(1).enumerate();
    lines
        .map(|(i, line)| {
            let text = line.strip_prefix(&format!("{}. ", i + 1)).unwrap_or_else(|| panic!("unnumbered: {line}"));
            serde_json::from_str(text).unwrap()
        })
        .collect()
}

#[tokio::test]
async fn a_workflow_step_classifies_in_batches_and_the_lexicon_fills_the_gaps() {
    let (server, addr) = OpenAi::start().await;
    let endpoint = format!("http://loopback.test:{}/v1", addr.port());
    let mut h = Harness::new().await;
    h.secret("OPENAI_API_KEY", "sk-loopback", &[]);
    server.push(Answer::Contents(vec![labels(&[(1, "negative", "sarcasm"), (2, "negative", "outage, never again")])]));
    // The second reply leaves out text 3 and breaks off.
    let partial = labels(&[(2, "negative", "crashes")]);
    server.push(Answer::Contents(vec![format!("{}, {{\"id\": 1, \"la", partial.trim_end_matches(']'))]));
    server.push(Answer::Contents(vec![format!("```json\n{}\n```", labels(&[(1, "positive", "praise")]))]));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("classify-mentions.yaml");
    std::fs::write(&file, WORKFLOW).unwrap();
    let (_, report, _) = h.run_workflow(&file, json!({ "texts": TEXTS, "endpoint": endpoint })).await;
    assert_eq!(report.status, "succeeded", "{report:?}");
    let out = &report.steps["mood"].output;
    eprintln!("classify: {out:#}");

    let results = out["results"].as_array().unwrap();
    let sources: Vec<&str> = results.iter().map(|r| r["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["model", "model", "lexicon", "model", "model"]);
    let model_labels: Vec<&Value> = results.iter().map(|r| &r["model_label"]).collect();
    assert_eq!(
        model_labels,
        [&json!("negative"), &json!("negative"), &Value::Null, &json!("negative"), &json!("positive")]
    );
    assert_eq!(results[1]["model_reason"], "outage, never again");
    assert_eq!(results[1]["label"], "negative");
    assert_eq!(results[1]["language"], "de", "the lexicon's scores stay beside the model's label");
    assert_eq!(results[2]["label"], results[2]["lexicon_label"]);
    assert!(results.iter().all(|r| r["compound"].as_f64().unwrap().abs() <= 1.0));
    assert_eq!((out["model_available"].clone(), out["model_labelled"].clone()), (json!(true), json!(4)));
    assert_eq!(out["requests"], 3);
    let notes = out["notes"].as_array().unwrap();
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(notes[0].as_str().unwrap().starts_with("request 2 of 3 (2 texts): the reply labelled 1 of 2 texts"));
    let negative = results.iter().filter(|r| r["label"] == "negative").count();
    assert_eq!(report.outputs["negative"], negative);
    assert!(negative >= 3);
    assert_eq!((report.outputs["available"].clone(), report.outputs["labelled"].clone()), (json!(true), json!(4)));

    let requests = server.requests();
    let batches: Vec<Vec<String>> = requests.iter().map(asked).collect();
    assert_eq!(batches, [&TEXTS[..2], &TEXTS[2..4], &TEXTS[4..]]);
    for seen in &requests {
        assert_eq!((seen.body["model"].as_str(), seen.body["temperature"].as_f64()), (Some("qwen3:8b"), Some(0.0)));
        assert!(seen.message("system").contains("JSON array"));
        assert_eq!(seen.header("authorization").as_deref(), Some("Bearer sk-loopback"));
    }
}

/// The step's output when every request gets `answer` (or the server's own answer for
/// `model`), with the key set.
async fn fallback(answer: Option<Answer>, model: &str) -> (Value, usize) {
    let (server, addr) = OpenAi::start().await;
    let mut h = Harness::new().await;
    h.secret("OPENAI_API_KEY", "sk-loopback", &[]);
    if let Some(answer) = answer {
        server.push(answer.clone());
        server.push(answer);
    }
    let input = json!({ "texts": TEXTS, "endpoint": format!("http://loopback.test:{}/v1", addr.port()),
                        "model": model, "batch_size": 3 });
    let out = h.step("sentiment", "classify", input).await.unwrap();
    (out, server.requests().len())
}

fn assert_lexicon_answered(out: &Value) {
    assert_eq!((out["model_available"].clone(), out["model_labelled"].clone()), (json!(false), json!(0)));
    for r in out["results"].as_array().unwrap() {
        assert_eq!((r["source"].as_str(), &r["model_label"]), (Some("lexicon"), &Value::Null));
        assert_eq!(r["label"], r["lexicon_label"]);
    }
    assert_eq!(out["summary"]["count"], 5);
    assert!(!out.to_string().contains("sk-loopback"));
}

#[tokio::test]
async fn a_failing_model_leaves_every_text_to_the_lexicon() {
    let (out, sent) =
        fallback(Some(Answer::error(401, Shape::OpenAi, "Incorrect API key provided: sk-lo***ack")), "qwen3:8b").await;
    assert_lexicon_answered(&out);
    let reason = out["fallback_reason"].as_str().unwrap();
    assert!(reason.contains("HTTP 401") && reason.contains("OPENAI_API_KEY"), "{reason}");
    assert_eq!(sent, 1, "no second request after a failure");

    let busy =
        Answer::Error { status: 503, shape: Shape::LlamaCpp, message: "Loading model".into(), retry_after: Some(5) };
    let (out, _) = fallback(Some(busy), "qwen3:8b").await;
    assert_lexicon_answered(&out);
    assert!(out["fallback_reason"].as_str().unwrap().contains("HTTP 503: Loading model"), "{out}");

    let (out, _) = fallback(None, "mistral:7b").await;
    assert_lexicon_answered(&out);
    assert!(out["fallback_reason"].as_str().unwrap().contains("`mistral:7b`"), "{out}");
}

#[tokio::test]
async fn an_unreachable_model_leaves_every_text_to_the_lexicon() {
    let h = Harness::new().await;
    // The listener is dropped at once, so the port refuses connections.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let input = json!({ "texts": TEXTS, "endpoint": format!("http://loopback.test:{closed}/v1"), "model": "qwen3:8b" });
    let out = h.step("sentiment", "classify", input).await.unwrap();
    assert_lexicon_answered(&out);
    assert!(out["fallback_reason"].as_str().unwrap().starts_with("calling the model server at"), "{out}");
    assert_eq!(out["requests"], 1);
}
