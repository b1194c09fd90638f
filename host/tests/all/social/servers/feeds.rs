//! A loopback feed server: the same items as RSS 2.0 at `/rss.xml` and as Atom at
//! `/atom.xml`, newest first, each answer with a strong `ETag` and `Last-Modified` that
//! change whenever an item is added. A matching `If-None-Match` (or, without it, an
//! `If-Modified-Since` not before the last change) gets 304. `/broken.xml` is not
//! well-formed. The server counts its 200 and 304 answers.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeZone, Utc};

/// A document that breaks off inside an item: line 6, where `</channel>` closes `<item>`.
pub const BROKEN: &str = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<title>Broken</title>\n\
                          <item><title>Half</title>\n</channel>\n</rss>\n";

/// One item of the feed.
#[derive(Debug, Clone)]
pub struct FeedItem {
    pub id: String,
    pub title: String,
    pub link: String,
    /// HTML.
    pub summary: String,
    pub published: DateTime<Utc>,
    pub author: String,
}

impl FeedItem {
    /// Item `n`, published on day `n` of October 2024.
    pub fn numbered(n: u32) -> Self {
        Self {
            id: format!("https://feeds.loopback.test/posts/{n}"),
            title: format!("Post {n} & more"),
            link: format!("https://feeds.loopback.test/posts/{n}.html"),
            summary: format!("<p>Summary of <b>post {n}</b></p>"),
            published: Utc.with_ymd_and_hms(2024, 10, n, 9, 0, 0).unwrap(),
            author: "Jane Doe".into(),
        }
    }
}

#[derive(Default)]
struct ServerState {
    /// Oldest first.
    items: Vec<FeedItem>,
    version: u32,
    ok: usize,
    not_modified: usize,
    requests: Vec<HeaderMap>,
}

/// A loopback feed server; clones share state.
#[derive(Clone, Default)]
pub struct Feeds {
    state: Arc<Mutex<ServerState>>,
}

impl Feeds {
    pub async fn start() -> (Self, SocketAddr) {
        let server = Feeds::default();
        let app = Router::new().fallback(handle).with_state(server.clone());
        let addr = crate::support::serve_loopback(app).await;
        (server, addr)
    }

    fn lock(&self) -> MutexGuard<'_, ServerState> {
        self.state.lock().unwrap()
    }

    /// Publishes `item`: the documents, their ETag and Last-Modified change.
    pub fn add(&self, item: FeedItem) {
        let mut state = self.lock();
        state.items.push(item);
        state.version += 1;
    }

    /// How many 200 and how many 304 answers the server gave.
    pub fn counts(&self) -> (usize, usize) {
        let state = self.lock();
        (state.ok, state.not_modified)
    }

    /// The headers of every request, in order.
    pub fn requests(&self) -> Vec<HeaderMap> {
        self.lock().requests.clone()
    }

    /// The current ETag.
    pub fn etag(&self) -> String {
        etag(self.lock().version)
    }
}

fn etag(version: u32) -> String {
    format!("\"v{version}\"")
}

/// Whole seconds that grow with each version, so `If-Modified-Since` is exact.
fn last_modified(version: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 11, 1, 0, 0, 0).unwrap() + chrono::Duration::minutes(i64::from(version))
}

fn http_date(t: DateTime<Utc>) -> String {
    t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
}

async fn handle(State(server): State<Feeds>, uri: Uri, headers: HeaderMap) -> Response {
    let mut state = server.lock();
    state.requests.push(headers.clone());
    let render = match uri.path() {
        "/rss.xml" => rss,
        "/atom.xml" => atom,
        "/broken.xml" => {
            state.ok += 1;
            return (StatusCode::OK, [(header::CONTENT_TYPE, "application/rss+xml")], BROKEN).into_response();
        }
        _ => return (StatusCode::NOT_FOUND, "no such feed").into_response(),
    };
    let (tag, modified) = (etag(state.version), last_modified(state.version));
    let header = |name| headers.get(name).and_then(|v| v.to_str().ok());
    let unchanged = match (header(header::IF_NONE_MATCH), header(header::IF_MODIFIED_SINCE)) {
        (Some(candidates), _) => candidates.split(',').any(|c| c.trim() == tag || c.trim() == "*"),
        (None, Some(since)) => DateTime::parse_from_rfc2822(since).is_ok_and(|since| since >= modified),
        (None, None) => false,
    };
    let validators = [(header::ETAG, tag), (header::LAST_MODIFIED, http_date(modified))];
    if unchanged {
        state.not_modified += 1;
        return (StatusCode::NOT_MODIFIED, validators).into_response();
    }
    state.ok += 1;
    let content_type = if uri.path() == "/rss.xml" { "application/rss+xml" } else { "application/atom+xml" };
    (StatusCode::OK, validators, [(header::CONTENT_TYPE, content_type)], render(&state.items)).into_response()
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

fn rss(items: &[FeedItem]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" \
         xmlns:dc=\"http://purl.org/dc/elements/1.1/\">\n<channel>\n<title>Loopback News</title>\n\
         <link>https://feeds.loopback.test/</link>\n<description>Test feed</description>\n",
    );
    for item in items.iter().rev() {
        out.push_str(&format!(
            "<item>\n  <title>{}</title>\n  <link>{}</link>\n  <guid isPermaLink=\"true\">{}</guid>\n  \
             <description>{}</description>\n  <pubDate>{}</pubDate>\n  <dc:creator>{}</dc:creator>\n</item>\n",
            escape(&item.title),
            escape(&item.link),
            escape(&item.id),
            escape(&item.summary),
            item.published.to_rfc2822(),
            escape(&item.author),
        ));
    }
    out.push_str("</channel>\n</rss>\n");
    out
}

fn atom(items: &[FeedItem]) -> String {
    let updated = items.last().map_or_else(|| last_modified(0), |i| i.published).to_rfc3339();
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n\
         <title>Loopback News</title>\n<id>urn:loopback:feed</id>\n<updated>{updated}</updated>\n"
    );
    for item in items.iter().rev() {
        out.push_str(&format!(
            "<entry>\n  <title>{}</title>\n  <link rel=\"alternate\" href=\"{}\"/>\n  <id>{}</id>\n  \
             <published>{}</published>\n  <updated>{}</updated>\n  <author><name>{}</name></author>\n  \
             <summary type=\"html\">{}</summary>\n</entry>\n",
            escape(&item.title),
            escape(&item.link),
            escape(&item.id),
            item.published.to_rfc3339(),
            item.published.to_rfc3339(),
            escape(&item.author),
            escape(&item.summary),
        ));
    }
    out.push_str("</feed>\n");
    out
}
