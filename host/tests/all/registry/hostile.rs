//! A hostile registry on loopback: endless and lying bodies, and the bearer-token flow.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use roost::oci::artifact::{self, MANIFEST_MEDIA_TYPE, Metadata};
use roost::oci::{Credentials, OciError, TrustPolicy, pull};

use super::first_party;
use crate::support::serve_loopback;

/// What the fake serves: blobs and manifests by path tail, and the token scopes asked for.
#[derive(Clone, Default)]
struct Fake {
    blobs: Arc<HashMap<String, Vec<u8>>>,
    manifest: Arc<Vec<u8>>,
    realm: Arc<Mutex<String>>,
    scopes: Arc<Mutex<Vec<String>>>,
}

fn endless() -> Body {
    Body::from_stream(futures::stream::repeat_with(|| Ok::<_, std::io::Error>(Bytes::from(vec![b'{'; 64 * 1024]))))
}

async fn serve(State(fake): State<Fake>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let auth = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
    // "Basic " and base64 of "alice:s3cret".
    let authorized = auth == "Bearer good-token" || auth == "Basic YWxpY2U6czNjcmV0";
    if path == "/token" {
        fake.scopes.lock().unwrap().push(req.uri().query().unwrap_or_default().to_string());
        return ([(header::CONTENT_TYPE, "application/json")], r#"{"token":"good-token"}"#).into_response();
    }
    if path == "/endless-token" {
        return Response::new(endless());
    }
    let Some((repo, rest)) =
        path.strip_prefix("/v2/").and_then(|p| p.split_once("/manifests/").or_else(|| p.split_once("/blobs/")))
    else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match repo {
        "o/endless" => ([(header::CONTENT_TYPE, MANIFEST_MEDIA_TYPE)], endless()).into_response(),
        "o/liar" => {
            let mut resp = ([(header::CONTENT_TYPE, MANIFEST_MEDIA_TYPE)], endless()).into_response();
            resp.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from_static("10000000000"));
            resp
        }
        "o/redirect" => {
            (StatusCode::TEMPORARY_REDIRECT, [(header::LOCATION, "http://registry.invalid/v2/o/p/manifests/1")])
                .into_response()
        }
        "o/basic" if !authorized => {
            (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, r#"Basic realm="fake""#)]).into_response()
        }
        "o/private" | "o/greedy" if !authorized => {
            let realm = if repo == "o/greedy" { "endless-token" } else { "token" };
            let challenge = format!(
                r#"Bearer realm="{}/{realm}",service="fake",scope="repository:{repo}:pull""#,
                fake.realm.lock().unwrap()
            );
            (StatusCode::UNAUTHORIZED, [(header::WWW_AUTHENTICATE, challenge)]).into_response()
        }
        "o/private" | "o/basic" | "o/fat-blob" if path.contains("/manifests/") => {
            ([(header::CONTENT_TYPE, MANIFEST_MEDIA_TYPE)], fake.manifest.to_vec()).into_response()
        }
        "o/fat-blob" => Response::new(endless()),
        _ => match fake.blobs.get(rest) {
            Some(bytes) => bytes.clone().into_response(),
            None => StatusCode::NOT_FOUND.into_response(),
        },
    }
}

/// The fake, serving a real sentiment artifact; its address.
async fn start() -> (Fake, String) {
    let (toml, wasm) = first_party("sentiment");
    let built = artifact::build(
        &wasm,
        &toml,
        &Metadata {
            id: "sentiment".into(),
            version: "0.1.0".into(),
            created: "2026-01-01T00:00:00Z".into(),
            ..Metadata::default()
        },
    );
    let blobs = [built.config.clone(), wasm, toml.into_bytes()]
        .into_iter()
        .map(|b| (roost::oci::sha256_digest(&b), b))
        .collect();
    let fake = Fake { blobs: Arc::new(blobs), manifest: Arc::new(built.manifest.to_bytes()), ..Fake::default() };
    let addr = serve_loopback(Router::new().fallback(serve).with_state(fake.clone())).await;
    *fake.realm.lock().unwrap() = format!("http://{addr}");
    (fake, addr.to_string())
}

#[tokio::test]
async fn endless_and_lying_bodies_are_cut_at_the_limit() {
    let (_, addr) = start().await;
    for repo in ["endless", "liar"] {
        let err = pull(&format!("{addr}/o/{repo}:1"), &TrustPolicy::default()).await.unwrap_err();
        assert!(matches!(err, OciError::TooLarge { limit, .. } if limit == roost::oci::MAX_MANIFEST), "{repo}: {err}");
    }
    // A blob that runs past the size its descriptor announced is cut at that size.
    let err = pull(&format!("{addr}/o/fat-blob:1"), &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::TooLarge { .. }), "{err}");
    assert!(err.to_string().contains("the config"), "{err}");
}

#[tokio::test]
async fn bearer_token_flow_is_followed_and_bounded() {
    let (fake, addr) = start().await;
    let pulled = pull(&format!("{addr}/o/private:1"), &TrustPolicy::default()).await.unwrap();
    assert_eq!(pulled.manifest_text, first_party("sentiment").0);
    let scopes = fake.scopes.lock().unwrap().clone();
    assert!(
        !scopes.is_empty()
            && scopes.iter().all(|q| q.contains("scope=repository%3Ao%2Fprivate%3Apull") && q.contains("service=fake")),
        "{scopes:?}"
    );
    let err = pull(&format!("{addr}/o/greedy:1"), &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::TooLarge { .. }) && err.to_string().contains("the token response"), "{err}");
}

#[tokio::test]
async fn basic_auth_sends_the_credentials_and_names_what_is_missing() {
    let (_, addr) = start().await;
    let reference = format!("{addr}/o/basic:1");
    let err = pull(&reference, &TrustPolicy::default()).await.unwrap_err();
    assert!(matches!(err, OciError::Auth { .. }) && err.to_string().contains("ROOST_REGISTRY_USERNAME"), "{err}");
    let wrong = Credentials { username: "alice".into(), password: "guess".into() };
    let err = pull(&reference, &TrustPolicy { credentials: Some(wrong), ..TrustPolicy::default() }).await.unwrap_err();
    assert!(err.to_string().contains("refused the credentials") && !err.to_string().contains("guess"), "{err}");
    let right = Credentials { username: "alice".into(), password: "s3cret".into() };
    let pulled = pull(&reference, &TrustPolicy { credentials: Some(right), ..TrustPolicy::default() }).await.unwrap();
    assert_eq!(pulled.manifest_text, first_party("sentiment").0);
}

#[tokio::test]
async fn a_redirect_to_plain_http_elsewhere_is_refused() {
    let (_, addr) = start().await;
    let err = pull(&format!("{addr}/o/redirect:1"), &TrustPolicy::default()).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("redirected to registry.invalid, which is neither the registry nor a public https host"),
        "{err}"
    );
}
