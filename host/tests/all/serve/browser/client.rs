//! Client links in headless Chromium: an editor makes a link on the Approvals page; a
//! client with no account opens it in a fresh browser, sees the post, comments, fixes the
//! text and approves (the post carries the fix), and finds the link used when opening it
//! again. Both pages audited and screenshotted.

use serde_json::json;

use super::super::Service;
use super::webdriver::Browser;
use super::{ONE_AT_A_TIME, audit, sign_in};

const REVIEW: &str = "name: review
steps:
  - id: review
    approval:
      message: \"Post this for ACME on Monday?\"
      preview:
        mastodon: \"Our new shop in Leipzig opens on Monday at 9:00. Come by for coffee! #ACME https://acme.example/leipzig @news@social.example\"
        bluesky: \"Our new shop in Leipzig opens on Monday at 9:00. Come by for coffee! #ACME\"
        media: [{ url: \"https://cdn.acme.example/leipzig.jpg\", alt: \"The shop front in Leipzig at dawn\" }, { url: \"https://cdn.acme.example/logo.png\" }]
        at: \"2030-06-03T07:00:00Z\"
      fields:
        text:
          default: \"Our new shop in Leipzig opens on Monday at 9:00. Come by for coffee! #ACME https://acme.example/leipzig\"
          max_length: 500
          count: mastodon
          description: The post
  - id: post
    needs: [review]
    uses: echo/echo@1
    with: { text: \"${{ steps.review.output.fields.text }}\" }
";

#[tokio::test]
async fn a_client_approves_through_a_link_without_an_account() {
    let _one = ONE_AT_A_TIME.lock().await;
    let service = Service::start().await;
    service.put_workflow("default", REVIEW).await;
    let editor = service.workspace_token("default", "editor").await;
    let id = super::run(&service, "review", json!({}), &["waiting"]).await;

    let browser = Browser::start(1280, 900).await;
    sign_in(&browser, &service, &editor).await;
    browser.goto(&format!("{}/#/approvals", service.url)).await;
    browser.click("article.approval button.client-link").await;
    browser.wait_text("#status", "Client link made").await;
    let link = browser.script("return document.querySelector('.client-link-out input').value", json!([])).await;
    let link = link.as_str().unwrap().to_string();
    assert!(link.starts_with(&format!("{}/#/client/roost_", service.url)), "{link}");
    audit(&browser, "approvals with a client link", "").await;
    browser.screenshot("approvals-client-link").await;
    browser.quit().await;

    // The client: a browser that never signed in.
    let client = Browser::start(1280, 900).await;
    client.goto(&link).await;
    client.wait_text("#client-title", "review").await;
    let preview = client.text("article.client .post-text").await;
    assert!(preview.contains("opens on Monday at 9:00"), "{preview}");
    // One card per network, its text marked up as the network shows it, counted against its
    // limit as the network counts (on Mastodon its link counts 23).
    let cards = "return [...document.querySelectorAll('article.client figure.post')].map((f) => [f.dataset.network, \
                 f.querySelector('.post-count').textContent])";
    assert_eq!(
        client.script(cards, json!([])).await,
        json!([["mastodon", "104 of 500 characters"], ["bluesky", "74 of 300 characters"]])
    );
    let marked = "const m = document.querySelector('article.client figure[data-network=mastodon]'); \
                  return [m.querySelector('.post-tag').textContent, m.querySelector('.post-mention').textContent, \
                  m.querySelector('a.post-link').getAttribute('href'), m.querySelector('a.post-link').rel]";
    assert_eq!(
        client.script(marked, json!([])).await,
        json!(["#ACME", "@news@social.example", "https://acme.example/leipzig", "noopener noreferrer nofollow"])
    );
    // Its images by their alt text (a missing one is called out), and when it goes out.
    let media = client.text("article.client figure[data-network=bluesky] .post-media").await;
    assert!(
        media.contains("Image 1: The shop front in Leipzig at dawn") && media.contains("Image 2: no alt text"),
        "{media}"
    );
    let when =
        client.script("return document.querySelector('article.client .post-when time').dateTime", json!([])).await;
    assert_eq!(when, json!("2030-06-03T07:00:00.000Z"));
    audit(&client, "client approval page", "").await;
    client.screenshot("client-approval").await;
    client.type_into("article.client textarea[name=comment]", "Please keep the coffee line.").await;
    client.click("article.client button[value=comment]").await;
    client.wait_text(".client-comments", "Please keep the coffee line.").await;
    // The client fixes the time in the text before approving; the post carries the fix.
    let counted = client.text("article.client .field-count").await;
    assert_eq!(counted, "98 of 500 characters as Mastodon counts them", "its link counts 23");
    client
        .script(
            "const t = document.querySelector('article.client textarea[data-field=text]'); \
             t.value = t.value.replace('9:00', '10:00'); t.dispatchEvent(new Event('input'));",
            json!([]),
        )
        .await;
    assert_eq!(client.text("article.client .field-count").await, "99 of 500 characters as Mastodon counts them");
    client.click("article.client button[value=approve]").await;
    client.wait_text(".client-done", "Approved").await;
    let run = service.wait_status("default", &id, &["succeeded"]).await;
    let post = run["steps"].as_array().unwrap().iter().find(|s| s["id"] == "post").unwrap();
    assert_eq!(
        post["output"]["text"],
        "Our new shop in Leipzig opens on Monday at 10:00. Come by for coffee! #ACME https://acme.example/leipzig"
    );
    let decided_by = run["approvals"][0]["decided_by"].as_str().unwrap();
    assert!(decided_by.starts_with("link:"), "{decided_by}");

    client.goto(&format!("{}/", service.url)).await;
    client.goto(&link).await;
    let refused = client.wait_text(".client-refused", "this link was used").await;
    assert!(refused.contains("approved"), "{refused}");
    client.quit().await;
    service.running.shutdown().await;
}
