//! The web UI: a single-page app over the REST API, its files embedded in the binary.
//!
//! `GET /` answers the page; its scripts and styles are under `/ui/v-VERSION/`, where
//! VERSION is a digest of all the files, so browsers keep them for a year and fetch them
//! again only after an upgrade. Unversioned paths are answered too, revalidated each time.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";

/// Every file the page loads.
const ASSETS: &[Asset] = &[
    Asset { name: "app.css", content_type: "text/css; charset=utf-8", body: include_bytes!("app.css") },
    Asset { name: "approvals.css", content_type: "text/css; charset=utf-8", body: include_bytes!("approvals.css") },
    Asset { name: "calendar.css", content_type: "text/css; charset=utf-8", body: include_bytes!("calendar.css") },
    Asset { name: "app.js", content_type: JS, body: include_bytes!("app.js") },
    Asset { name: "api.js", content_type: JS, body: include_bytes!("api.js") },
    Asset { name: "dom.js", content_type: JS, body: include_bytes!("dom.js") },
    Asset { name: "signin.js", content_type: JS, body: include_bytes!("signin.js") },
    Asset { name: "runs.js", content_type: JS, body: include_bytes!("runs.js") },
    Asset { name: "run.js", content_type: JS, body: include_bytes!("run.js") },
    Asset { name: "rundelete.js", content_type: JS, body: include_bytes!("rundelete.js") },
    Asset { name: "role.js", content_type: JS, body: include_bytes!("role.js") },
    Asset { name: "approvals.js", content_type: JS, body: include_bytes!("approvals.js") },
    Asset { name: "calendar.js", content_type: JS, body: include_bytes!("calendar.js") },
    Asset { name: "publishingstop.js", content_type: JS, body: include_bytes!("publishingstop.js") },
    Asset { name: "calendargrid.js", content_type: JS, body: include_bytes!("calendargrid.js") },
    Asset { name: "workflows.js", content_type: JS, body: include_bytes!("workflows.js") },
    Asset { name: "plugins.js", content_type: JS, body: include_bytes!("plugins.js") },
    Asset { name: "plugininstall.js", content_type: JS, body: include_bytes!("plugininstall.js") },
    Asset { name: "settings.js", content_type: JS, body: include_bytes!("settings.js") },
    Asset { name: "retention.js", content_type: JS, body: include_bytes!("retention.js") },
    Asset { name: "audit.js", content_type: JS, body: include_bytes!("audit.js") },
    Asset { name: "decisions.js", content_type: JS, body: include_bytes!("decisions.js") },
    Asset { name: "members.js", content_type: JS, body: include_bytes!("members.js") },
    Asset { name: "invitation.js", content_type: JS, body: include_bytes!("invitation.js") },
    Asset { name: "client.js", content_type: JS, body: include_bytes!("client.js") },
    Asset { name: "approvalfields.js", content_type: JS, body: include_bytes!("approvalfields.js") },
    Asset { name: "preview.js", content_type: JS, body: include_bytes!("preview.js") },
    Asset { name: "rerun.js", content_type: JS, body: include_bytes!("rerun.js") },
    Asset { name: "steptiming.js", content_type: JS, body: include_bytes!("steptiming.js") },
    Asset { name: "startform.js", content_type: JS, body: include_bytes!("startform.js") },
    Asset { name: "workspaces.js", content_type: JS, body: include_bytes!("workspaces.js") },
];

const INDEX: &str = include_str!("index.html");

/// A digest of every file: changes whenever one does.
static VERSION: LazyLock<String> = LazyLock::new(|| {
    let mut digest = Sha256::new();
    digest.update(INDEX.as_bytes());
    for asset in ASSETS {
        digest.update(asset.name.as_bytes());
        digest.update(asset.body);
    }
    hex::encode(&digest.finalize()[..8])
});

/// The page, pointing at this version's files.
static PAGE: LazyLock<String> = LazyLock::new(|| INDEX.replace("__VERSION__", &VERSION));

/// Scripts and styles only from this origin; no inline code, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
    connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// `GET /`: the app's page.
pub async fn index(headers: HeaderMap) -> Response {
    respond(&headers, "text/html; charset=utf-8", PAGE.as_bytes(), false)
}

/// `GET /ui/{path}`: `v-VERSION/NAME` (kept a year) or `NAME` (revalidated).
pub async fn asset(Path(path): Path<String>, headers: HeaderMap) -> Response {
    let (versioned, name) = match path.split_once('/') {
        Some((version, name)) if version.strip_prefix("v-") == Some(VERSION.as_str()) => (true, name),
        // A page of another version asks for its files: answer the current ones, uncached.
        Some((version, name)) if version.starts_with("v-") => (false, name),
        _ => (false, path.as_str()),
    };
    match ASSETS.iter().find(|a| a.name == name) {
        Some(asset) => respond(&headers, asset.content_type, asset.body, versioned),
        None => (StatusCode::NOT_FOUND, [(header::CACHE_CONTROL, "no-store")], "not found").into_response(),
    }
}

fn respond(request: &HeaderMap, content_type: &'static str, body: &'static [u8], immutable: bool) -> Response {
    let etag = format!("\"{}\"", *VERSION);
    let cache = if immutable { "public, max-age=31536000, immutable" } else { "no-cache" };
    let fresh = request
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|tag| tag.trim().trim_start_matches("W/") == etag));
    let mut response = if fresh { StatusCode::NOT_MODIFIED.into_response() } else { body.into_response() };
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(etag) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, etag);
    }
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn files_have_their_types_and_cache_rules() {
        let page = index(HeaderMap::new()).await;
        assert_eq!(page.headers()[header::CONTENT_TYPE], "text/html; charset=utf-8");
        assert_eq!(page.headers()[header::CACHE_CONTROL], "no-cache");
        assert!(PAGE.contains(&format!("/ui/v-{}/app.js", *VERSION)) && !PAGE.contains("__VERSION__"));
        let versioned = asset(Path(format!("v-{}/app.css", *VERSION)), HeaderMap::new()).await;
        assert_eq!(versioned.headers()[header::CONTENT_TYPE], "text/css; charset=utf-8");
        assert!(versioned.headers()[header::CACHE_CONTROL].to_str().unwrap().contains("immutable"));
        let old = asset(Path("v-0000/app.js".into()), HeaderMap::new()).await;
        assert_eq!(
            (old.status(), &old.headers()[header::CACHE_CONTROL]),
            (StatusCode::OK, &"no-cache".parse().unwrap())
        );
        let mut conditional = HeaderMap::new();
        conditional.insert(header::IF_NONE_MATCH, format!("\"{}\"", *VERSION).parse().unwrap());
        assert_eq!(asset(Path("dom.js".into()), conditional).await.status(), StatusCode::NOT_MODIFIED);
        assert_eq!(asset(Path("../mod.rs".into()), HeaderMap::new()).await.status(), StatusCode::NOT_FOUND);
    }

    #[test]
    fn scripts_import_only_served_modules_and_never_parse_html() {
        for asset in ASSETS.iter().filter(|a| a.name.ends_with(".js")) {
            let text = std::str::from_utf8(asset.body).unwrap();
            let url = format!("/ui/v-__VERSION__/{}", asset.name);
            assert!(INDEX.contains(&url), "index.html does not load or preload {url}");
            for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                assert!(!text.contains(sink), "{} uses {sink}; build elements with dom.js instead", asset.name);
            }
            for line in text.lines().filter(|l| l.starts_with("import ")) {
                let module = line.rsplit("'./").next().and_then(|rest| rest.split('\'').next()).unwrap();
                assert!(
                    ASSETS.iter().any(|a| a.name == module),
                    "{} imports {module}, which is not served",
                    asset.name
                );
            }
        }
    }
}
