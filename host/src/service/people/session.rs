//! Browser sessions: a random value in an `HttpOnly`, `SameSite=Lax` cookie (`Secure`
//! behind https), stored by its hash with an expiry. A request that changes something with
//! the cookie must carry the session's CSRF token in `X-CSRF-Token` and, when the browser
//! sends `Origin`, come from this host. Lax rather than Strict so that the OpenID
//! provider's redirect back (a navigation from another site) carries the cookie; a GET
//! changes nothing, and every other method needs the CSRF token.

use axum::http::header::{COOKIE, HOST, ORIGIN};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode};
use sha2::{Digest, Sha256};

use super::AuthConfig;
use crate::service::AppState;
use crate::service::auth::{Caller, Grants, Person, Role, new_token, token_hash};
use crate::service::error::ApiError;
use crate::store::UserRecord;

/// The cookie's name.
pub const COOKIE_NAME: &str = "roost_session";
/// The header carrying the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";
/// The longest cookie value considered: a session value is 70 characters.
const MAX_COOKIE: usize = 128;

/// The CSRF token of the session whose cookie is `value`: derived, so nothing more is
/// stored, and useless without the cookie, which scripts cannot read.
pub fn csrf_token(value: &str) -> String {
    hex::encode(&Sha256::digest(format!("roost csrf\0{value}").as_bytes())[..20])
}

/// The session cookie's value in `headers`, if any.
pub fn cookie_value(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, value)| value.trim().to_string())
        .filter(|v| !v.is_empty() && v.len() <= MAX_COOKIE)
}

/// `Set-Cookie` for a new session `value`, or (`None`) one that ends the session.
pub fn set_cookie(config: &AuthConfig, value: Option<&str>) -> HeaderValue {
    let secure = if config.secure() { "; Secure" } else { "" };
    let text = match value {
        Some(v) => format!(
            "{COOKIE_NAME}={v}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            config.session_length().as_secs()
        ),
        None => format!("{COOKIE_NAME}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    };
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static("roost_session=; Max-Age=0"))
}

/// Starts a session for `user`: the cookie value, stored by its hash.
pub async fn start(state: &AppState, user: &UserRecord) -> Result<String, ApiError> {
    let value = new_token()?;
    let expires = crate::store::now_ms() + state.people.config.session_length().as_millis() as i64;
    state.store.create_session(&user.id, &token_hash(&value), expires).await?;
    Ok(value)
}

/// The caller signed in by the session cookie of `parts`, if it carries a live one. A
/// request other than GET, HEAD or OPTIONS is refused without the session's CSRF token.
pub async fn caller(parts: &Parts, state: &AppState) -> Result<Option<Caller>, ApiError> {
    let Some(value) = cookie_value(&parts.headers) else { return Ok(None) };
    let Some((id, user)) = state.store.session_user(&token_hash(&value)).await? else {
        return Err(ApiError::unauthorized("the sign-in has expired; sign in again"));
    };
    if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
        check_csrf(&parts.headers, &value)?;
    }
    Ok(Some(person(state, user, id, "browser session".into()).await?))
}

fn check_csrf(headers: &HeaderMap, value: &str) -> Result<(), ApiError> {
    let refuse = |why: &str| ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", why.to_string());
    let sent = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if sent.is_empty() {
        return Err(refuse("a change made with the session cookie needs the `X-CSRF-Token` header"));
    }
    if !constant_time_eq(sent.as_bytes(), csrf_token(value).as_bytes()) {
        return Err(refuse("the `X-CSRF-Token` header does not match this session"));
    }
    let host = headers.get(HOST).and_then(|v| v.to_str().ok());
    let origin = headers.get(ORIGIN).and_then(|v| v.to_str().ok());
    if let (Some(origin), Some(host)) = (origin, host) {
        let origin_host = origin.split_once("://").map(|(_, rest)| rest).unwrap_or(origin);
        if !origin_host.eq_ignore_ascii_case(host) {
            return Err(refuse("the request comes from another site (`Origin` is not this host)"));
        }
    }
    Ok(())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The caller acting as `user` by the session or personal token `id` named `name`: an
/// admin may do everything, anyone else what their memberships allow.
pub async fn person(state: &AppState, user: UserRecord, id: String, name: String) -> Result<Caller, ApiError> {
    let grants = if user.admin {
        Grants::Everything
    } else {
        let roles = state.store.memberships(&user.id).await?;
        Grants::Member(roles.into_iter().filter_map(|(ws, role)| Some((ws, Role::parse(&role)?))).collect())
    };
    let person = Person { id: user.id, email: user.email, admin: user.admin };
    Ok(Caller { token_id: id, token_name: name, grants, person: Some(person) })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(), v.parse().unwrap());
        }
        map
    }

    #[test]
    fn the_cookie_is_found_among_others() {
        let h = headers(&[("cookie", "a=1; roost_session=abc ; b=2")]);
        assert_eq!(cookie_value(&h).as_deref(), Some("abc"));
        assert_eq!(cookie_value(&headers(&[("cookie", "xroost_session=abc")])), None);
        assert_eq!(cookie_value(&headers(&[("cookie", &format!("roost_session={}", "a".repeat(200)))])), None);
    }

    #[test]
    fn cookies_are_http_only_strict_and_secure_behind_https() {
        let plain = set_cookie(&AuthConfig::default(), Some("v"));
        let text = plain.to_str().unwrap();
        assert!(text.contains("HttpOnly") && text.contains("SameSite=Lax") && !text.contains("Secure"), "{text}");
        let https = AuthConfig { public_url: Some("https://roost.example".into()), ..AuthConfig::default() };
        assert!(set_cookie(&https, Some("v")).to_str().unwrap().ends_with("; Secure"));
        assert!(set_cookie(&https, None).to_str().unwrap().contains("Max-Age=0"));
    }

    #[test]
    fn csrf_needs_the_token_and_the_same_origin() {
        let token = csrf_token("v");
        assert!(check_csrf(&headers(&[]), "v").is_err());
        assert!(check_csrf(&headers(&[("x-csrf-token", "nope")]), "v").is_err());
        assert!(check_csrf(&headers(&[("x-csrf-token", &token)]), "v").is_ok());
        let same = [("x-csrf-token", token.as_str()), ("host", "r.example:8080"), ("origin", "https://r.example:8080")];
        assert!(check_csrf(&headers(&same), "v").is_ok());
        let other = [("x-csrf-token", token.as_str()), ("host", "r.example:8080"), ("origin", "https://evil.example")];
        assert_eq!(check_csrf(&headers(&other), "v").unwrap_err().code, "csrf_failed");
        assert!(check_csrf(&headers(&[("x-csrf-token", &token)]), "w").is_err(), "bound to its session");
    }
}
