//! One registry repository over HTTP: the distribution spec's token flow, bounded bodies.
//!
//! A request answered 401 is retried once with what the `WWW-Authenticate` challenge asks
//! for: a bearer token fetched from its realm (anonymously, or with the configured
//! credentials) or the credentials as basic auth. Plain http is used only for loopback
//! registries and those the operator lists as insecure; a redirect may not downgrade to it.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, HeaderValue, WWW_AUTHENTICATE};
use reqwest::{Method, RequestBuilder, Response, StatusCode};

use super::policy::{Credentials, TrustPolicy, may_leave_for, plain_http_allowed};
use super::reference::Reference;
use super::{MAX_ERROR_BODY, MAX_SMALL_BLOB, OciError};

/// A whole request (connect, headers and body): a registry that stalls fails the pull.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(300);
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Redirects followed per request (blob downloads are often redirected to storage).
const MAX_REDIRECTS: usize = 5;

/// What a session may do in the repository, as the token scope names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Pull,
    Push,
}

/// A session with one repository of one registry.
pub struct Session {
    http: reqwest::Client,
    base: String,
    repository: String,
    /// `host[:port]` of the registry, which redirects and token realms may always reach.
    registry: String,
    access: Access,
    credentials: Option<Credentials>,
    insecure: Arc<Vec<String>>,
    auth: Option<HeaderValue>,
}

impl Session {
    pub fn new(reference: &Reference, policy: &TrustPolicy, access: Access) -> Result<Self, OciError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let scheme =
            if plain_http_allowed(&reference.registry, &policy.insecure_registries) { "http" } else { "https" };
        let insecure = Arc::new(policy.insecure_registries.clone());
        let allowed = insecure.clone();
        let registry = reference.registry.clone();
        let redirects = reqwest::redirect::Policy::custom(move |attempt| {
            let to_plain = attempt.url().scheme() == "http";
            let hostport = host_port(attempt.url());
            if attempt.previous().len() >= MAX_REDIRECTS {
                attempt.error(format!("more than {MAX_REDIRECTS} redirects"))
            } else if !may_leave_for(&registry, attempt.url()) {
                attempt.error(format!(
                    "{registry} redirected to {hostport}, which is neither the registry nor a public https host"
                ))
            } else if to_plain && !plain_http_allowed(&hostport, &allowed) {
                attempt.error(OciError::PlainHttp { registry: hostport }.to_string())
            } else {
                attempt.follow()
            }
        });
        let http = reqwest::Client::builder()
            .redirect(redirects)
            .timeout(REQUEST_TIMEOUT)
            .connect_timeout(CONNECT_TIMEOUT)
            .no_proxy()
            .user_agent(concat!("roost/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| OciError::Invalid(format!("cannot build the registry client: {e}")))?;
        Ok(Self {
            http,
            base: format!("{scheme}://{}/v2/{}", reference.registry, reference.repository),
            repository: reference.repository.clone(),
            registry: reference.registry.clone(),
            access,
            credentials: policy.credentials.clone(),
            insecure,
            auth: None,
        })
    }

    /// `{base}/{path}`: the repository's endpoint, e.g. `manifests/<tag>`.
    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.base)
    }

    /// Sends what `build` makes, authenticating and retrying once if the registry asks.
    pub async fn send(
        &mut self,
        method: Method,
        url: &str,
        build: impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, OciError> {
        let resp = self.send_once(method.clone(), url, &build).await?;
        if resp.status() != StatusCode::UNAUTHORIZED {
            return Ok(resp);
        }
        let challenge =
            resp.headers().get(WWW_AUTHENTICATE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_string();
        self.auth = Some(self.authenticate(&challenge).await?);
        let resp = self.send_once(method, url, &build).await?;
        if resp.status() == StatusCode::UNAUTHORIZED {
            return Err(self.auth_error("the registry refused the credentials or token"));
        }
        Ok(resp)
    }

    async fn send_once(
        &self,
        method: Method,
        url: &str,
        build: &impl Fn(RequestBuilder) -> RequestBuilder,
    ) -> Result<Response, OciError> {
        let mut req = build(self.http.request(method, url));
        if let Some(auth) = &self.auth {
            req = req.header(AUTHORIZATION, auth.clone());
        }
        req.send().await.map_err(|e| connection(url, &e))
    }

    /// The `Authorization` value the challenge asks for.
    async fn authenticate(&self, challenge: &str) -> Result<HeaderValue, OciError> {
        let (scheme, params) = challenge.split_once(' ').unwrap_or((challenge, ""));
        let params = parse_challenge(params);
        let param = |k: &str| params.iter().find(|(n, _)| n.eq_ignore_ascii_case(k)).map(|(_, v)| v.as_str());
        if scheme.eq_ignore_ascii_case("basic") {
            let creds = self.credentials.as_ref().ok_or_else(|| {
                self.auth_error(
                    "the registry asks for credentials (set ROOST_REGISTRY_USERNAME and ROOST_REGISTRY_PASSWORD)",
                )
            })?;
            return Ok(creds.basic());
        }
        if !scheme.eq_ignore_ascii_case("bearer") {
            return Err(self.auth_error(&format!("unsupported challenge `{scheme}`")));
        }
        let realm = param("realm").ok_or_else(|| self.auth_error("the bearer challenge names no realm"))?;
        let actions = if self.access == Access::Push { "pull,push" } else { "pull" };
        let scope = param("scope").map_or_else(|| format!("repository:{}:{actions}", self.repository), String::from);
        self.bearer_token(realm, &scope, param("service")).await
    }

    /// A token from the challenge's `realm` for `scope`, as an `Authorization` value.
    async fn bearer_token(&self, realm: &str, scope: &str, service: Option<&str>) -> Result<HeaderValue, OciError> {
        let mut url = url::Url::parse(realm).map_err(|e| self.auth_error(&format!("bad realm: {e}")))?;
        if url.scheme() != "https" && !(url.scheme() == "http" && plain_http_allowed(&host_port(&url), &self.insecure))
        {
            return Err(self.auth_error(&format!("the token realm {realm} is not https")));
        }
        if !may_leave_for(&self.registry, &url) {
            return Err(
                self.auth_error(&format!("the token realm {realm} is neither the registry nor a public https host"))
            );
        }
        url.query_pairs_mut().append_pair("scope", scope);
        if let Some(service) = service {
            url.query_pairs_mut().append_pair("service", service);
        }
        let mut req = self.http.get(url.as_str());
        if let Some(creds) = &self.credentials {
            req = req.header(AUTHORIZATION, creds.basic());
        }
        let resp = req.send().await.map_err(|e| connection(realm, &e))?;
        let resp = expect_ok(resp, realm).await?;
        let body = read_bounded(resp, MAX_SMALL_BLOB, "the token response").await?;
        let token: serde_json::Value = serde_json::from_slice(&body)
            .map_err(|e| self.auth_error(&format!("the token response is not JSON: {e}")))?;
        let token = token
            .get("token")
            .or_else(|| token.get("access_token"))
            .and_then(|t| t.as_str())
            .ok_or_else(|| self.auth_error("the token response holds no token"))?;
        let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
            .map_err(|_| self.auth_error("the token is not a header value"))?;
        value.set_sensitive(true);
        Ok(value)
    }

    fn auth_error(&self, reason: &str) -> OciError {
        OciError::Auth {
            registry: self.base.split("/v2/").next().unwrap_or_default().to_string(),
            reason: reason.to_string(),
        }
    }

    /// GETs a blob of `size` bytes and checks it hashes to `digest`.
    pub async fn get_blob(&mut self, digest: &str, size: u64, limit: usize, what: &str) -> Result<Vec<u8>, OciError> {
        if size > limit as u64 {
            return Err(OciError::too_large(format!("{what} ({size} bytes announced)"), limit));
        }
        let url = self.url(&format!("blobs/{digest}"));
        let resp = self.send(Method::GET, &url, |r| r).await?;
        let resp = expect_ok(resp, &url).await?;
        // The descriptor's size, already under `limit`, bounds the read: a blob that runs
        // longer is refused at its first extra byte.
        let body = read_bounded(resp, size as usize, what).await?;
        verify(what, digest, &body)?;
        if body.len() as u64 != size {
            return Err(OciError::DigestMismatch {
                what: format!("{what} size"),
                expected: size.to_string(),
                actual: body.len().to_string(),
            });
        }
        Ok(body)
    }

    /// Uploads `bytes` unless the repository already holds them: POST, then one PUT.
    pub async fn put_blob(&mut self, bytes: &[u8], what: &str) -> Result<String, OciError> {
        let digest = super::sha256_digest(bytes);
        let head = self.url(&format!("blobs/{digest}"));
        if self.send(Method::HEAD, &head, |r| r).await?.status().is_success() {
            return Ok(digest);
        }
        let start = self.url("blobs/uploads/");
        let resp = self.send(Method::POST, &start, |r| r.header(CONTENT_LENGTH, 0)).await?;
        let resp = expect_status(resp, &start, StatusCode::ACCEPTED).await?;
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| OciError::Invalid(format!("{start}: the upload answer has no Location")))?;
        let mut upload = url::Url::parse(&self.base)
            .and_then(|b| b.join(location))
            .map_err(|e| OciError::Invalid(format!("{start}: bad upload location: {e}")))?;
        upload.query_pairs_mut().append_pair("digest", &digest);
        let body = bytes.to_vec();
        let resp = self
            .send(Method::PUT, upload.as_str(), |r| {
                r.header(CONTENT_TYPE, "application/octet-stream").body(body.clone())
            })
            .await?;
        expect_status(resp, &format!("upload of {what}"), StatusCode::CREATED).await?;
        Ok(digest)
    }
}

impl Session {
    /// The manifest at `target` (tag or digest): its bytes, digest and served media type.
    /// `None` if the repository has no such manifest.
    pub async fn get_manifest(&mut self, target: &str) -> Result<Option<FetchedManifest>, OciError> {
        let url = self.url(&format!("manifests/{target}"));
        let accept = super::artifact::MANIFEST_MEDIA_TYPE;
        let resp = self.send(Method::GET, &url, |r| r.header(reqwest::header::ACCEPT, accept)).await?;
        if resp.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let resp = expect_ok(resp, &url).await?;
        let content_type = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).map(String::from);
        let bytes = read_bounded(resp, super::MAX_MANIFEST, &format!("the manifest at {url}")).await?;
        let digest = super::sha256_digest(&bytes);
        if target.starts_with("sha256:") && target != digest {
            return Err(OciError::DigestMismatch {
                what: format!("the manifest at {url}"),
                expected: target.into(),
                actual: digest,
            });
        }
        Ok(Some(FetchedManifest { bytes, digest, content_type }))
    }

    /// PUTs `manifest` at `target` and returns its digest.
    pub async fn put_manifest(
        &mut self,
        target: &str,
        manifest: &super::artifact::ImageManifest,
    ) -> Result<String, OciError> {
        let bytes = manifest.to_bytes();
        if bytes.len() > super::MAX_MANIFEST {
            return Err(OciError::too_large("the manifest", super::MAX_MANIFEST));
        }
        let digest = super::sha256_digest(&bytes);
        let url = self.url(&format!("manifests/{target}"));
        let media = super::artifact::MANIFEST_MEDIA_TYPE;
        let resp = self.send(Method::PUT, &url, |r| r.header(CONTENT_TYPE, media).body(bytes.clone())).await?;
        let resp = expect_status(resp, &url, StatusCode::CREATED).await?;
        let echoed = resp.headers().get("docker-content-digest").and_then(|v| v.to_str().ok());
        if let Some(echoed) = echoed.filter(|e| *e != digest) {
            return Err(OciError::DigestMismatch {
                what: format!("the manifest stored at {url}"),
                expected: digest,
                actual: echoed.into(),
            });
        }
        Ok(digest)
    }
}

/// A manifest as served, its digest computed from its bytes.
pub struct FetchedManifest {
    pub bytes: Vec<u8>,
    pub digest: String,
    pub content_type: Option<String>,
}

/// `key="value", key2=value2` pairs of a challenge, commas inside quotes kept.
fn parse_challenge(text: &str) -> Vec<(String, String)> {
    let mut pairs = Vec::new();
    let mut rest = text.trim();
    while let Some((key, after)) = rest.split_once('=') {
        let key = key.trim().trim_start_matches(',').trim().to_string();
        let (value, next) = match after.strip_prefix('"') {
            Some(quoted) => quoted.split_once('"').unwrap_or((quoted, "")),
            None => after.split_once(',').unwrap_or((after, "")),
        };
        pairs.push((key, value.to_string()));
        rest = next.trim_start_matches([',', ' ']);
    }
    pairs
}

/// `host` or `host:port` of `url`, as registries are named.
fn host_port(url: &url::Url) -> String {
    let host = url.host_str().unwrap_or_default();
    url.port().map_or_else(|| host.to_string(), |p| format!("{host}:{p}"))
}

fn connection(url: &str, e: &reqwest::Error) -> OciError {
    let mut message = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        message = format!("{message}: {s}");
        source = s.source();
    }
    if e.is_timeout() {
        message = format!("no answer within {}s", REQUEST_TIMEOUT.as_secs());
    }
    OciError::Connection { url: url.to_string(), message }
}

/// `resp` if it is 200, else a status error quoting the start of its body.
pub async fn expect_ok(resp: Response, url: &str) -> Result<Response, OciError> {
    expect_status(resp, url, StatusCode::OK).await
}

pub async fn expect_status(resp: Response, url: &str, want: StatusCode) -> Result<Response, OciError> {
    if resp.status() == want {
        return Ok(resp);
    }
    let status = resp.status().as_u16();
    // Only the host asked is quoted: a redirect's target may be a service that must not be
    // read back through the registry's error.
    let same_host = url::Url::parse(url).is_ok_and(|asked| asked.host_str() == resp.url().host_str());
    let body =
        if same_host { read_bounded(resp, MAX_ERROR_BODY, "error").await.unwrap_or_default() } else { Vec::new() };
    let text: String = String::from_utf8_lossy(&body).chars().filter(|c| !c.is_control()).take(300).collect();
    let detail = if text.trim().is_empty() { String::new() } else { format!(": {}", text.trim()) };
    Err(OciError::Status { url: url.to_string(), status, detail })
}

/// The body of `resp`, refused as soon as it passes `limit` bytes.
pub async fn read_bounded(mut resp: Response, limit: usize, what: &str) -> Result<Vec<u8>, OciError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(OciError::too_large(what, limit));
    }
    let url = resp.url().to_string();
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| connection(&url, &e))? {
        if body.len() + chunk.len() > limit {
            return Err(OciError::too_large(what, limit));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Checks `bytes` hash to `digest` (`sha256:<hex>`).
pub fn verify(what: &str, digest: &str, bytes: &[u8]) -> Result<(), OciError> {
    let actual = super::sha256_digest(bytes);
    if actual != digest {
        return Err(OciError::DigestMismatch { what: what.to_string(), expected: digest.to_string(), actual });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn challenges_parse_with_quoted_commas() {
        let p = parse_challenge(r#"realm="https://auth.io/token",service="reg",scope="repository:a/b:pull,push""#);
        assert_eq!(p[0], ("realm".into(), "https://auth.io/token".into()));
        assert_eq!(p[2], ("scope".into(), "repository:a/b:pull,push".into()));
        assert_eq!(parse_challenge(r#"realm="x""#).len(), 1);
    }
}
