//! Charts, languages, time zones, brand, comparison, top posts and chat summaries of the
//! digest, checked on its output.

use roost_sdk::StepError;
use roost_sdk::testing::FakeHost;
use serde_json::{Value, json};

use crate::ACTIONS;
use crate::labels::Lang;

const HOSTILE: &str = "</script><svg onload=alert(1)>";

fn digest(input: Value) -> Result<Value, StepError> {
    FakeHost::new().run_action(ACTIONS, "digest", input)
}

fn error(input: Value) -> String {
    match digest(input) {
        Err(StepError::InvalidInput(m)) => m,
        other => panic!("{other:?}"),
    }
}

fn mention(handle: &str, network: &str, at: &str, label: Option<&str>) -> Value {
    let mut m = json!({ "network": network, "url": "https://example.social/1", "text": "hello",
                        "created_at": at, "author": { "handle": handle } });
    if let Some(label) = label {
        let compound = match label {
            "positive" => 0.7,
            "negative" => -0.7,
            _ => 0.0,
        };
        m["sentiment"] = json!({ "compound": compound, "label": label });
    }
    m
}

fn week() -> Value {
    json!({
        "title": "Weekly",
        "period": { "from": "2025-06-01T00:00:00Z", "to": "2025-06-07T21:59:59Z" },
        "mentions": [
            mention("anna", "mastodon", "2025-06-02T10:00:00Z", Some("positive")),
            mention("bob", "mastodon", "2025-06-02T23:30:00Z", Some("negative")),
            mention("cara", "bluesky", "2025-06-03T08:00:00Z", Some("neutral")),
            mention("dan", "bluesky", "2025-06-03T09:00:00Z", Some("negative")),
        ],
        "posts": [
            { "network": "mastodon", "id": "111", "url": "https://example.social/@acme/111", "text": "Our spring launch",
              "created_at": "2025-06-02T08:00:00Z", "likes": 2, "reposts": 0, "replies": 1 },
            { "network": "bluesky", "id": "222", "url": "https://bsky.app/profile/acme/post/222", "text": "Summer | sale <b>now</b>",
              "created_at": "2025-06-04T08:00:00Z", "likes": 40, "reposts": 5, "replies": 3 },
        ],
    })
}

/// The `<svg>` elements of a page, in order.
fn svgs(html: &str) -> Vec<&str> {
    html.match_indices("<svg").map(|(i, _)| &html[i..i + html[i..].find("</svg>").unwrap() + 6]).collect()
}

/// The value of attribute `name` of every `<rect class="{class}"`.
fn rect_attrs(svg: &str, class: &str, name: &str) -> Vec<f64> {
    svg.split(&format!("<rect class=\"{class}\""))
        .skip(1)
        .map(|r| {
            let start = r.find(&format!(" {name}=\"")).unwrap() + name.len() + 3;
            r[start..start + r[start..].find('"').unwrap()].parse().unwrap()
        })
        .collect()
}

/// The `<title>`s inside the bars of a chart.
fn bar_titles(svg: &str) -> Vec<&str> {
    svg.split("<rect class=\"bar\"")
        .skip(1)
        .map(|r| &r[r.find("<title>").unwrap() + 7..r.find("</title>").unwrap()])
        .collect()
}

#[test]
fn numbers_and_dates_are_written_per_language() {
    assert_eq!((Lang::En.int(1234567), Lang::De.int(1234567)), ("1,234,567".into(), "1.234.567".into()));
    assert_eq!((Lang::En.int(999), Lang::De.int(1000)), ("999".into(), "1.000".into()));
    assert_eq!(Lang::De.dec(-0.6, 2, true), "-0,60");
    assert_eq!(Lang::De.percent(1234.5, 1, true), "+1.234,5 %");
    assert_eq!(Lang::En.percent(0.0, 0, true), "0%", "no sign on zero");
    let t = chrono::DateTime::parse_from_rfc3339("2026-12-07T09:05:00Z").unwrap();
    assert_eq!(
        (Lang::De.date_time(&t), Lang::En.date_time(&t)),
        ("07.12.2026 09:05".into(), "2026-12-07 09:05".into())
    );
}

#[test]
fn german_labels_everywhere() {
    let mut input = week();
    input["language"] = json!("de");
    input["timezone"] = json!("Europe/Berlin");
    input["spikes"] = json!([{ "key": "acme/mentions", "at": "2025-06-02T11:10:00Z", "severity": "critical", "count": 14,
                               "negative_share": 0.8, "reason": "14 mentions" }]);
    let out = digest(input).unwrap();
    let md = out["markdown"].as_str().unwrap();
    assert!(md.contains("| acme/mentions | kritisch | 14 | 80 % |"), "the severity in German: {md}");
    assert!(md.starts_with("# Weekly\n\n01.06.2025 02:00 bis 07.06.2025 23:59 (Europe/Berlin)\n"), "{md}");
    for heading in ["Überblick", "Erwähnungen pro Tag (Europe/Berlin)", "Nach Netzwerk", "Beiträge nach Interaktionen"]
    {
        assert!(md.contains(&format!("\n## {heading}\n")), "{heading}: {md}");
    }
    assert!(md.contains("| Negativ | 2 (50,0 %) |"), "{md}");
    assert!(md.contains("| 03.06.2025 | 3 | 0 | 1 | 2 |"), "{md}");
    for english in ["Mentions", "Summary", "Positive", " to "] {
        assert!(!md.contains(english), "{english} in {md}");
    }
    let html = out["html"].as_str().unwrap();
    assert!(html.contains("<html lang=\"de\">") && html.contains("<th>Kennzahl</th>"));
    assert!(out["slack"].as_str().unwrap().contains("*Erwähnungen:* 4"));
}

#[test]
fn days_are_counted_in_the_time_zone() {
    // 23:30 UTC on the 2nd is 01:30 on the 3rd in Berlin.
    let utc = digest(week()).unwrap();
    let mut input = week();
    input["timezone"] = json!("Europe/Berlin");
    let berlin = digest(input).unwrap();
    let md = utc["markdown"].as_str().unwrap();
    assert!(md.contains("| 2025-06-02 | 2 | 1 | 0 | 1 |") && md.contains("| 2025-06-03 | 2 | 0 | 1 | 1 |"), "{md}");
    let md = berlin["markdown"].as_str().unwrap();
    assert!(md.contains("| 2025-06-02 | 1 | 1 | 0 | 0 |") && md.contains("| 2025-06-03 | 3 | 0 | 1 | 2 |"), "{md}");
    assert!(md.contains("[2025-06-03 01:30](https://example.social/1) | bob"), "times shown in the zone: {md}");
    let html = berlin["html"].as_str().unwrap();
    let days = bar_titles(svgs(html)[0]);
    assert_eq!(days, ["06-01: 0", "06-02: 1", "06-03: 3", "06-04: 0", "06-05: 0", "06-06: 0", "06-07: 0"]);
    assert!(
        error(json!({ "period": week()["period"], "timezone": "Mars/Olympus" }))
            .contains("`timezone` is `Mars/Olympus`")
    );
}

#[test]
fn charts_are_inline_svg_with_titles_and_numbers() {
    let mut input = week();
    input["brand"] = json!({ "name": "Agentur Nord", "colour": "#FF6600" });
    let out = digest(input).unwrap();
    let html = out["html"].as_str().unwrap();
    let charts = svgs(html);
    assert_eq!(charts.len(), 3);
    assert!(!html.contains("<script") && !html.contains("src=") && !html.contains("@import"), "nothing external");
    let titles = ["Mentions by day (UTC)", "Sentiment share (UTC)", "By network"];
    for (svg, title) in charts.iter().zip(titles) {
        assert!(
            svg.contains(&format!("aria-label=\"{title}\"")) && svg.contains(&format!(">{title}</title>")),
            "{svg}"
        );
        assert!(svg.contains("role=\"img\"") && svg.contains("<desc id="));
    }
    // Bars: 7 days, heights in proportion to the counts, the brand's colour.
    let heights = rect_attrs(charts[0], "bar", "height");
    assert_eq!(heights, [0.0, 172.0, 172.0, 0.0, 0.0, 0.0, 0.0]);
    assert!(charts[0].contains("fill=\"#ff6600\"") && html.contains("background:#ff6600"));
    assert!(charts[0].contains("<desc id=\"chart1-d\">06-01: 0; 06-02: 2; 06-03: 2; 06-04: 0"));
    // Stacked shares: on the 2nd half positive, half negative; on the 3rd half neutral, half negative.
    assert_eq!(rect_attrs(charts[1], "seg0", "height"), [86.0]);
    assert_eq!(rect_attrs(charts[1], "seg1", "height"), [86.0]);
    assert_eq!(rect_attrs(charts[1], "seg2", "height"), [86.0, 86.0]);
    assert!(charts[1].contains("06-02: Positive 50%, Neutral 0%, Negative 50%"));
    // Networks: most first, widths in proportion.
    assert_eq!(bar_titles(charts[2]), ["bluesky: 2", "mastodon: 2"]);
    assert_eq!(rect_attrs(charts[2], "bar", "width"), [480.0, 480.0]);
    assert_eq!(html, digest(week_branded()).unwrap()["html"].as_str().unwrap(), "the same input gives the same page");
}

fn week_branded() -> Value {
    let mut input = week();
    input["brand"] = json!({ "name": "Agentur Nord", "colour": "#FF6600" });
    input
}

#[test]
fn hostile_strings_are_escaped_in_html_svg_and_chat() {
    let mut input = week();
    input["title"] = json!(HOSTILE);
    input["brand"] = json!({ "name": HOSTILE });
    input["mentions"][0]["author"]["handle"] = json!(HOSTILE);
    input["mentions"][0]["network"] = json!(HOSTILE);
    input["posts"][1]["text"] = json!(HOSTILE);
    input["report_url"] = json!("https://r.example/x?a=1&b=2");
    let out = digest(input).unwrap();
    let html = out["html"].as_str().unwrap();
    assert!(!html.contains("</script>") && !html.contains("<svg onload"), "{html}");
    assert_eq!(html.matches("<svg").count(), 3);
    let escaped = "&lt;/script&gt;&lt;svg onload=alert(1)&gt;";
    assert!(html.contains(&format!("<p class=\"brand\">Prepared by: {escaped}</p>")));
    assert!(svgs(html)[2].contains(&format!("<title>{escaped}: 1</title>")), "the network in the chart");
    let slack = out["slack"].as_str().unwrap();
    assert!(!slack.contains("<svg") && slack.contains("&lt;/script&gt;&lt;svg onload=alert(1)&gt;"), "{slack}");
    let matrix = out["matrix"]["formatted_body"].as_str().unwrap();
    assert!(!matrix.contains("<svg") && matrix.contains(escaped), "{matrix}");
    assert!(matrix.contains("<a href=\"https://r.example/x?a=1&amp;b=2\">Full report</a>"));
}

#[test]
fn the_previous_period_gives_changes() {
    let mut input = week();
    input["previous"] = json!({ "mentions": 2, "negative_share": 0.25, "posts": 0, "engagement": 40 });
    let out = digest(input.clone()).unwrap();
    assert_eq!(out["summary"]["negative_share"], 0.5);
    assert_eq!(out["summary"]["engagement"], 51);
    assert_eq!(
        out["comparison"],
        json!([
            { "metric": "mentions", "current": 4.0, "previous": 2.0, "change": 100.0, "unit": "percent" },
            { "metric": "negative_share", "current": 0.5, "previous": 0.25, "change": 25.0, "unit": "points" },
            { "metric": "posts", "current": 2.0, "previous": 0.0, "change": null, "unit": "percent" },
            { "metric": "engagement", "current": 51.0, "previous": 40.0, "change": 27.5, "unit": "percent" },
        ])
    );
    let md = out["markdown"].as_str().unwrap();
    assert!(md.contains("| Mentions | 4 | +100% vs. previous period |"), "{md}");
    assert!(md.contains("| Negative share | 50.0% | +25.0 pts vs. previous period |"), "{md}");
    assert!(md.contains("| Posts published | 2 | — |"), "{md}");
    input["language"] = json!("de");
    let slack = digest(input).unwrap()["slack"].as_str().unwrap().to_string();
    assert!(slack.contains("*Interaktionen der Beiträge:* 51 (+28 % ggü. Vorperiode)"), "{slack}");
    assert!(!digest(week()).unwrap()["markdown"].as_str().unwrap().contains("| Change |"), "no column without it");
}

#[test]
fn top_posts_show_their_text_best_first() {
    let out = digest(week()).unwrap();
    let md = out["markdown"].as_str().unwrap();
    let best =
        md.find("[Summer \\| sale \\<b\\>now\\</b\\>](https://bsky.app/profile/acme/post/222) | bluesky").unwrap();
    let second = md.find("[Our spring launch](https://example.social/@acme/111) | mastodon").unwrap();
    assert!(best < second, "{md}");
    assert!(md.contains("| 48 |") && !md.contains("| 111 |"), "{md}");
}

#[test]
fn chat_summaries_are_short_and_in_their_formats() {
    let mut input = week();
    input["report_url"] = json!("https://reports.example/acme/2025-23");
    let out = digest(input).unwrap();
    let slack = out["slack"].as_str().unwrap();
    assert!(slack.starts_with("*Weekly*\n"), "{slack}");
    assert!(!slack.contains("|---") && !slack.contains("**"), "no Markdown: {slack}");
    assert!(slack.contains("• *Mentions:* 4\n"));
    assert!(slack.contains("• *Top authors:* anna (1), bob (1), cara (1)\n"), "{slack}");
    assert!(slack.contains("• *Top post:* <https://bsky.app/profile/acme/post/222|Summer | sale &lt;b&gt;now&lt;/b&gt;> (bluesky, 48 engagement)"), "{slack}");
    assert!(slack.ends_with("<https://reports.example/acme/2025-23|Full report>\n"));
    assert!(slack.lines().count() <= 12 && slack.len() < 1000);
    let m = &out["matrix"];
    assert_eq!(m["format"], "org.matrix.custom.html");
    assert!(m["body"].as_str().unwrap().contains("Full report: https://reports.example/acme/2025-23"));
    let html = m["formatted_body"].as_str().unwrap();
    let allowed = ["p", "strong", "br", "ul", "li", "a"];
    for tag in html.split('<').skip(1) {
        let name: String = tag.trim_start_matches('/').chars().take_while(char::is_ascii_alphanumeric).collect();
        assert!(allowed.contains(&name.as_str()), "<{name}> in {html}");
    }
    assert!(!digest(week()).unwrap()["slack"].as_str().unwrap().contains("Full report"), "no link without a URL");
}

#[test]
fn long_periods_are_charted_by_week_or_month() {
    let mut input = week();
    input["period"] = json!({ "from": "2025-01-01T00:00:00Z", "to": "2025-06-30T00:00:00Z" });
    let html = digest(input.clone()).unwrap()["html"].as_str().unwrap().to_string();
    let bars = bar_titles(svgs(&html)[0]).len();
    assert_eq!(bars, 27, "weeks from Monday 2024-12-30 to Monday 2025-06-30");
    assert!(html.contains("<h2>Mentions by week (UTC)</h2>"));
    input["period"] = json!({ "from": "2020-01-01T00:00:00Z", "to": "2025-06-30T00:00:00Z" });
    let html = digest(input.clone()).unwrap()["html"].as_str().unwrap().to_string();
    assert_eq!(bar_titles(svgs(&html)[0]).len(), 66, "months");
    input["period"] = json!({ "from": "2010-01-01T00:00:00Z", "to": "2025-06-30T00:00:00Z" });
    assert!(error(input).contains("`period` spans"));
}

#[test]
fn bad_settings_name_the_field() {
    let base = || week();
    let mut input = base();
    input["language"] = json!("fr");
    assert!(error(input).contains("`language` is `fr`; give one of: en, de"));
    let mut input = base();
    input["brand"] = json!({ "colour": "red" });
    assert!(error(input).contains("/brand/colour"));
    let mut input = base();
    input["report_url"] = json!("javascript:alert(1)");
    assert!(error(input).contains("`report_url`"));
    let mut input = base();
    input["previous"] = json!({ "negative_share": 1.5 });
    assert!(error(input).contains("/previous/negative_share"));
    let mut input = base();
    input["mentions"] = Value::Array(vec![mention("a", "m", "2025-06-02T10:00:00Z", None); 10_001]);
    assert!(error(input).contains("/mentions"));
}

#[test]
fn settings_checks_name_the_field_without_the_schema() {
    use crate::settings;
    let colour = settings::brand(Some(settings::BrandIn { name: None, colour: Some("#12345g".into()) }));
    assert!(colour.unwrap_err().contains("`brand.colour` is `#12345g`"));
    let long = settings::brand(Some(settings::BrandIn { name: Some("x".repeat(101)), colour: None }));
    assert!(long.unwrap_err().contains("`brand.name` is 101 characters"));
    let share = settings::previous(Some(settings::Previous { negative_share: Some(-0.1), ..Default::default() }));
    assert!(share.unwrap_err().contains("`previous.negative_share`"));
    assert_eq!(settings::text_on("#ffff00"), "#000000");
    assert_eq!(settings::text_on("#1f6feb"), "#ffffff");
}
