//! Offline captions end to end for what a brand most needs right: crises read as crises
//! and good news as news, the voice's negations and emoji wishes, and text that stays
//! sense within the limit (topics and keywords too long refused, links never cut).

use roost_sdk::testing::FakeHost;
use roost_sdk::{StepError, Value, json};

use super::*;

fn generate(input: Value) -> Result<Value, StepError> {
    FakeHost::new().actions(ACTIONS).run_action(ACTIONS, "generate", input)
}

fn texts(out: &Value) -> Vec<String> {
    out["captions"].as_array().unwrap().iter().map(|c| c["text"].as_str().unwrap().to_string()).collect()
}

#[test]
fn crises_are_not_announcements_and_good_news_is_no_incident() {
    for (topic, language, kind) in [
        ("Gas leak at our Main Street store, everyone evacuated", "en", "sensitive"),
        ("We were hacked. Change your password now.", "en", "sensitive"),
        ("Rückruf: Charge 42 unseres Babybreis", "de", "sensitive"),
        ("Our founder passed away", "en", "sensitive"),
        ("The concert is cancelled", "en", "incident"),
        ("Streik: heute keine Lieferungen", "de", "incident"),
        ("Prices down 50% this weekend only!", "en", "announcement"),
        ("Release 2.0 with 40 bug fixes", "en", "announcement"),
        ("Issue 12 of our newsletter is out", "en", "announcement"),
        ("Wartungsfrei und störungsfrei: die neue Heizung", "de", "announcement"),
    ] {
        let out = generate(json!({"topic": topic, "network": "bluesky", "language": language, "variants": 5,
                                  "voice": "casual, fun, du"}))
        .unwrap();
        assert_eq!(out["kind"], kind, "{topic}");
        for text in texts(&out) {
            let sober = !text.chars().any(emoji::is_emoji) && !text.contains('?');
            assert_eq!(sober, kind != "announcement", "{text}");
            let apologises =
                ["Sorry", "sorry", "Apologies", "apologise", "leid", "entschuldig"].iter().any(|w| text.contains(w));
            assert!(kind == "incident" || !apologises, "{text}");
        }
    }
}

#[test]
fn the_voice_is_read_with_its_negations() {
    let run = |voice: &str, language: &str| {
        let out = generate(json!({"topic": "unser Sommerfest", "network": "mastodon", "language": language,
                                  "voice": voice, "variants": 5}))
        .unwrap();
        (texts(&out), out["explanations"][0].as_str().unwrap().to_string())
    };
    let (formal, why) = run("Formal and serious. Never casual, no emoji.", "en");
    assert!(why.contains("en neutral tone, no emoji"), "{why}");
    assert!(formal.iter().all(|t| emoji::count(t) == 0), "{formal:?}");
    let (siezen, why) = run("Wir siezen, niemals du, keine Emojis", "de");
    assert!(why.contains("de neutral tone, no emoji"), "{why}");
    assert!(siezen.iter().all(|t| emoji::count(t) == 0 && !t.contains(" du") && !t.contains("dich")), "{siezen:?}");
    let (one, why) = run("locker, wir duzen, ein Emoji pro Post", "de");
    assert!(why.contains("de casual tone, at most one emoji"), "{why}");
    assert!(one.iter().all(|t| emoji::count(t) == 1), "{one:?}");
    let templates = json!({"de": {"casual": {"openers": ["🎉 Neu: {topic} 🚀"], "closers": ["Komm vorbei! ☕🥐"]}}});
    let out = generate(json!({"topic": "unser Sommerfest", "network": "mastodon", "language": "de",
                              "voice": "locker, keine Emojis", "templates": templates}))
    .unwrap();
    assert!(texts(&out).iter().all(|t| emoji::count(t) == 0 && t.starts_with("Neu: unser Sommerfest.")), "{out}");
}

fn refused(input: Value) -> String {
    match FakeHost::new().run::<Generate>(input) {
        Err(StepError::InvalidInput(m)) => m,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

#[test]
fn refuses_what_cannot_make_a_sensible_caption() {
    let word = "a".repeat(10_000);
    let m = refused(json!({"topic": word, "network": "bluesky"}));
    assert!(m.starts_with("`topic` is 10000 characters long as bluesky counts them, and bluesky allows 300"), "{m}");
    assert!(m.contains("keep it to 270"), "{m}");
    let family = "👨‍👩‍👧‍👦".repeat(400);
    assert!(refused(json!({"topic": family, "network": "generic"})).contains("is 400 characters long"));
    let keyword = "k".repeat(600);
    let m = refused(json!({"topic": "our shop", "network": "mastodon", "keywords": ["Rust", keyword]}));
    assert_eq!(m, "`keywords[1]` is 600 characters long; a keyword is a word or phrase of at most 100");
    let fits = "x ".repeat(135);
    assert!(generate(json!({"topic": fits.trim(), "network": "bluesky"})).is_ok(), "269 graphemes leave room");
}

#[test]
fn a_cut_never_breaks_a_link() {
    let url = "https://example.com/notes/roost-2";
    let topic = format!("{} {url} and more words to read after the link", "word ".repeat(36).trim());
    let out = generate(json!({"topic": topic, "network": "bluesky", "keywords": ["Rust"], "variants": 5})).unwrap();
    for text in texts(&out) {
        assert!(text.contains(&format!("{url} ")) || text.ends_with(url) || !text.contains("https"), "{text}");
        assert!(!text.contains(&format!("{url}…")), "{text}");
    }
}
