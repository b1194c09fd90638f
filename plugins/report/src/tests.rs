//! Escaping, CSV quoting (read back with an RFC 4180 reader), and the digest's numbers.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::render::{html_escape, linkable, md_escape};
use crate::{ACTIONS, csv};

fn mention(id: &str, handle: &str, at: &str, text: &str, sentiment: Option<(f64, &str)>, likes: u64) -> Value {
    let mut m = json!({
        "network": "mastodon", "id": id, "url": format!("https://example.social/@{handle}/{id}"), "kind": "mention",
        "text": text, "created_at": at,
        "author": { "id": "1", "handle": handle, "display_name": handle, "url": "" },
        "in_reply_to": null, "likes": likes, "reposts": 0, "replies": 0 });
    if let Some((compound, label)) = sentiment {
        m["sentiment"] = json!({ "compound": compound, "label": label });
    }
    m
}

fn digest(input: Value) -> Result<Value, StepError> {
    FakeHost::new().run_action(ACTIONS, "digest", input)
}

fn sample() -> Value {
    json!({
        "title": "Acme <weekly>",
        "period": { "from": "2025-06-01T00:00:00Z", "to": "2025-06-07T23:59:59Z" },
        "mentions": [
            mention("1", "anna", "2025-06-02T10:00:00Z", "Love it!", Some((0.8, "positive")), 5),
            mention("2", "Bob", "2025-06-02T11:00:00Z", "Broken <script>alert('x')</script>", Some((-0.6, "negative")), 12),
            mention("3", "bob", "2025-06-03T09:00:00Z", "meh, \"fine\"\nI guess", Some((0.0, "neutral")), 0),
            mention("4", "cara", "2025-06-03T12:00:00Z", "=HYPERLINK(\"http://evil\")", None, 0),
            mention("5", "dan", "2025-05-20T12:00:00Z", "old", Some((0.5, "positive")), 0),
        ],
        "posts": [{ "network": "bluesky", "id": "p1", "url": "javascript:alert(1)", "created_at": "2025-06-04T08:00:00Z",
                    "scheduled_at": null, "replayed": false, "likes": 3, "reposts": 1, "replies": 2 }],
        "spikes": [{ "key": "acme/mentions", "at": "2025-06-02T11:10:00Z", "severity": "high", "count": 14,
                     "negative_share": 0.714, "reason": "negative spike" },
                   { "severity": "none", "count": 3 }],
        "top": 2
    })
}

#[test]
fn escaping_for_html_and_markdown() {
    assert_eq!(
        html_escape("<script>alert('x') & \"y\"</script>"),
        "&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;"
    );
    assert_eq!(md_escape("a | b *c* [d](e) <i>\nnext"), r"a \| b \*c\* \[d\](e) \<i\> next");
    assert!(linkable("https://example.social/@a/1") && linkable("HTTP://x.test"));
    assert!(!linkable("javascript:alert(1)") && !linkable("data:text/html,x") && !linkable("/relative"));
}

#[test]
fn csv_fields_are_quoted_per_rfc_4180() {
    assert_eq!(csv::field("plain"), "plain");
    assert_eq!(csv::field("a,b"), "\"a,b\"");
    assert_eq!(csv::field("say \"hi\""), "\"say \"\"hi\"\"\"");
    assert_eq!(csv::field("two\r\nlines"), "\"two\r\nlines\"");
    assert_eq!(csv::text("=1+1"), "'=1+1");
    assert_eq!(csv::text("-5,x"), "\"'-5,x\"");
}

/// An RFC 4180 reader, to check that what was written reads back field for field.
fn read_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') if field.is_empty() => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') if chars.peek() == Some(&'\n') => {
                chars.next();
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => {
                assert!(c != '\n' && c != '"', "a bare {c:?} outside quotes");
                field.push(c);
            }
        }
    }
    assert!(!quoted && field.is_empty() && row.is_empty(), "the text ends with CRLF");
    rows
}

#[test]
fn the_csv_reads_back_row_by_row() {
    let out = digest(sample()).unwrap();
    let rows = read_csv(out["csv"].as_str().unwrap());
    assert_eq!(rows.len(), 1 + 4, "header and the period's four mentions");
    assert!(rows.iter().all(|r| r.len() == 13));
    assert_eq!(rows[0].join(","), csv::MENTION_HEADER);
    assert_eq!(rows[3][12], "meh, \"fine\"\nI guess");
    assert_eq!(rows[2][12], "Broken <script>alert('x')</script>");
    assert_eq!((rows[2][6].as_str(), rows[2][7].as_str()), ("negative", "-0.6"));
    assert_eq!(rows[4][12], "'=HYPERLINK(\"http://evil\")", "formula defused");
    let posts = read_csv(out["posts_csv"].as_str().unwrap());
    assert_eq!(posts[1], ["bluesky", "p1", "2025-06-04T08:00:00Z", "", "javascript:alert(1)", "3", "1", "2"]);
}

#[test]
fn the_summary_counts_the_period() {
    let out = digest(sample()).unwrap();
    let s = &out["summary"];
    assert_eq!((s["mentions"].clone(), s["outside_period"].clone()), (json!(4), json!(1)));
    assert_eq!((s["positive"].clone(), s["negative"].clone(), s["neutral"].clone()), (json!(1), json!(1), json!(1)));
    assert_eq!(s["unscored"], 1);
    // (0.8 − 0.6 + 0.0) / 3
    assert_eq!(s["mean_compound"], 0.0667);
    assert_eq!(s["top_authors"], json!([{ "handle": "Bob", "mentions": 2 }, { "handle": "anna", "mentions": 1 }]));
    assert_eq!((s["spikes"].clone(), s["posts"].clone()), (json!(1), json!(1)));
}

#[test]
fn html_escapes_every_input_text_and_links_only_http() {
    let out = digest(sample()).unwrap();
    let html = out["html"].as_str().unwrap();
    assert!(!html.contains("<script") && !html.contains("<weekly>"), "{html}");
    assert!(html.contains("Broken &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
    assert!(html.contains("<title>Acme &lt;weekly&gt;</title>"));
    assert!(!html.contains("javascript:"), "an unsafe URL is not linked");
    assert!(
        html.contains("<a href=\"https://example.social/@Bob/2\" rel=\"noopener noreferrer\">2025-06-02 11:00</a>")
    );
    assert_eq!(html.matches("<table>").count(), 8);
}

#[test]
fn markdown_has_the_sections_and_escaped_cells() {
    let out = digest(sample()).unwrap();
    let md = out["markdown"].as_str().unwrap();
    assert!(md.starts_with("# Acme \\<weekly\\>\n\n2025-06-01 00:00 to 2025-06-07 23:59 (UTC)\n"), "{md}");
    for title in ["Summary", "Mentions by day (UTC)", "By network", "Top authors", "Most engaged mentions"] {
        assert!(md.contains(&format!("\n## {title}\n")), "{title}");
    }
    assert!(md.contains("| Negative | 1 (25.0%) |"));
    assert!(md.contains("| [2025-06-02 11:00](https://example.social/@Bob/2) | Bob | negative -0.60 | 12 | Broken \\<script\\>alert('x')\\</script\\> |"), "{md}");
    assert!(md.contains("| 2025-06-03 | 2 | 0 | 1 | 0 |"), "{md}");
    assert!(md.contains("| 2025-06-01 | 0 | 0 | 0 | 0 |"), "days without mentions have rows");
    assert!(
        md.contains("| 2025-06-02 11:10 | acme/mentions | high | 14 | 71% | negative spike |"),
        "alert times in the time zone"
    );
    assert!(!md.contains("javascript:"));
    assert!(md.contains("|---|---:|"), "numbers align right");
}

#[test]
fn an_empty_period_says_so() {
    let out = digest(json!({ "period": { "from": "2025-06-01T00:00:00Z", "to": "2025-06-02T00:00:00Z" } })).unwrap();
    assert_eq!(out["summary"]["mentions"], 0);
    assert_eq!(out["summary"]["mean_compound"], Value::Null);
    let md = out["markdown"].as_str().unwrap();
    assert!(md.starts_with("# Social media report\n"));
    assert!(md.contains("_No mentions in this period._") && md.contains("_No alerts._"));
    assert_eq!(out["csv"], format!("{}\r\n", csv::MENTION_HEADER));
}

#[test]
fn a_missing_label_comes_from_the_compound() {
    let mut input = sample();
    input["mentions"] = json!([{ "created_at": "2025-06-02T10:00:00Z", "author": { "handle": "x" },
                                 "sentiment": { "compound": -0.3 } }]);
    assert_eq!(digest(input).unwrap()["summary"]["negative"], 1);
}

#[test]
fn bad_input_names_the_field() {
    let msg = |input: Value| match digest(input) {
        Err(StepError::InvalidInput(m)) => m,
        other => panic!("{other:?}"),
    };
    let mut input = sample();
    input["period"]["from"] = json!("2025-07-01T00:00:00Z");
    assert!(msg(input).contains("`period.from`"));
    let mut input = sample();
    input["mentions"][2]["created_at"] = json!("June 3rd");
    assert!(msg(input).contains("`mentions[2].created_at` is `June 3rd`"));
    let mut input = sample();
    input["top"] = json!(0);
    // The manifest's schema refuses it before the action runs, as Roost does.
    assert!(msg(input).contains("(at `/top`)"));
}
