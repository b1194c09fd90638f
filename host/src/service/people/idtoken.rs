//! Verifying an OpenID Connect `id_token`: its signature by a key of the provider's JWKS
//! (RS256 or ES256), then issuer, audience, expiry and nonce.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::signature::{self, UnparsedPublicKey};
use serde_json::Value;

/// Seconds of clock difference tolerated between Roost and the provider.
const LEEWAY_SECONDS: i64 = 60;
/// The longest `id_token` read: real ones are a few KiB.
pub const MAX_TOKEN_BYTES: usize = 16 * 1024;

/// What must hold for a token to be accepted.
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    /// Now, in seconds since the epoch.
    pub now: i64,
}

/// Checks `token` against `jwks` (`{"keys": [...]}`) and `expected`; answers its claims.
pub fn verify(token: &str, jwks: &Value, expected: &Expected) -> Result<Value, String> {
    if token.len() > MAX_TOKEN_BYTES {
        return Err(format!("the id_token is longer than {MAX_TOKEN_BYTES} bytes"));
    }
    let mut parts = token.split('.');
    let (Some(head), Some(body), Some(sig), None) = (parts.next(), parts.next(), parts.next(), parts.next()) else {
        return Err("the id_token is not a signed JWT (three parts)".into());
    };
    let header = decode_json(head, "header")?;
    let signature = B64.decode(sig).map_err(|_| "the id_token's signature is not base64url".to_string())?;
    let alg = header["alg"].as_str().unwrap_or_default();
    let key = find_key(jwks, alg, header["kid"].as_str())?;
    check_signature(alg, key, format!("{head}.{body}").as_bytes(), &signature)?;
    let claims = decode_json(body, "payload")?;
    check_claims(&claims, expected)?;
    Ok(claims)
}

fn decode_json(part: &str, what: &str) -> Result<Value, String> {
    let bytes = B64.decode(part).map_err(|_| format!("the id_token's {what} is not base64url"))?;
    serde_json::from_slice(&bytes).map_err(|_| format!("the id_token's {what} is not JSON"))
}

/// The JWK for `alg` with id `kid` (or the only one of its type when the token names none).
fn find_key<'a>(jwks: &'a Value, alg: &str, kid: Option<&str>) -> Result<&'a Value, String> {
    let kty = match alg {
        "RS256" => "RSA",
        "ES256" => "EC",
        other => return Err(format!("the id_token is signed with `{other}`; Roost accepts RS256 and ES256")),
    };
    let keys: Vec<&Value> = jwks["keys"]
        .as_array()
        .map(|k| k.iter().filter(|k| k["kty"] == kty && k["use"].as_str().is_none_or(|u| u == "sig")).collect())
        .unwrap_or_default();
    let found = match kid {
        Some(kid) => keys.into_iter().find(|k| k["kid"] == kid),
        None if keys.len() == 1 => keys.into_iter().next(),
        None => None,
    };
    found.ok_or_else(|| format!("the provider's keys hold no {kty} key for the id_token (kid {kid:?})"))
}

fn check_signature(alg: &str, key: &Value, message: &[u8], sig: &[u8]) -> Result<(), String> {
    let field = |name: &str| {
        key[name].as_str().and_then(|v| B64.decode(v).ok()).ok_or_else(|| format!("the provider's key lacks `{name}`"))
    };
    let valid = match alg {
        "RS256" => signature::RsaPublicKeyComponents { n: field("n")?, e: field("e")? }
            .verify(&signature::RSA_PKCS1_2048_8192_SHA256, message, sig)
            .is_ok(),
        _ => {
            if key["crv"] != "P-256" {
                return Err("the provider's EC key is not on P-256".into());
            }
            let point = [vec![4u8], field("x")?, field("y")?].concat();
            UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point).verify(message, sig).is_ok()
        }
    };
    if valid { Ok(()) } else { Err("the id_token's signature does not verify".into()) }
}

fn check_claims(claims: &Value, expected: &Expected) -> Result<(), String> {
    if claims["iss"].as_str().map(|i| i.trim_end_matches('/')) != Some(expected.issuer.trim_end_matches('/')) {
        return Err(format!("the id_token's issuer {} is not {}", claims["iss"], expected.issuer));
    }
    let audience_ok = match &claims["aud"] {
        Value::String(aud) => aud == expected.client_id,
        Value::Array(auds) => {
            auds.iter().any(|a| a == expected.client_id)
                && (auds.len() == 1 || claims["azp"].as_str() == Some(expected.client_id))
        }
        _ => false,
    };
    if !audience_ok {
        return Err(format!("the id_token is not for this client (aud {})", claims["aud"]));
    }
    let exp = claims["exp"].as_i64().ok_or("the id_token has no `exp`")?;
    if exp + LEEWAY_SECONDS < expected.now {
        return Err("the id_token has expired".into());
    }
    if claims["iat"].as_i64().is_some_and(|iat| iat > expected.now + LEEWAY_SECONDS) {
        return Err("the id_token was issued in the future".into());
    }
    if claims["nonce"].as_str() != Some(expected.nonce) {
        return Err("the id_token's nonce is not this sign-in's".into());
    }
    if claims["sub"].as_str().is_none_or(str::is_empty) {
        return Err("the id_token has no `sub`".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ring::rand::SystemRandom;
    use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
    use serde_json::json;

    use super::*;

    /// A P-256 key, its JWKS, and a signer of claims.
    fn provider() -> (EcdsaKeyPair, Value) {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng).unwrap();
        let point = pair.public_key().as_ref();
        let jwk = json!({ "kty": "EC", "crv": "P-256", "kid": "k1", "x": B64.encode(&point[1..33]), "y": B64.encode(&point[33..]) });
        (pair, json!({ "keys": [jwk] }))
    }

    fn sign(pair: &EcdsaKeyPair, claims: &Value) -> String {
        let head = B64.encode(json!({ "alg": "ES256", "kid": "k1" }).to_string());
        let body = B64.encode(claims.to_string());
        let sig = pair.sign(&SystemRandom::new(), format!("{head}.{body}").as_bytes()).unwrap();
        format!("{head}.{body}.{}", B64.encode(sig.as_ref()))
    }

    fn good() -> Value {
        json!({ "iss": "https://id.example", "aud": "roost", "sub": "u1", "nonce": "n1", "exp": 2_000, "iat": 1_000 })
    }

    const EXPECTED: Expected<'static> =
        Expected { issuer: "https://id.example", client_id: "roost", nonce: "n1", now: 1_500 };

    #[test]
    fn a_good_token_verifies_and_each_broken_claim_is_refused() {
        let (pair, jwks) = provider();
        assert_eq!(verify(&sign(&pair, &good()), &jwks, &EXPECTED).unwrap()["sub"], "u1");
        let broken = [
            ("iss", json!("https://evil.example"), "issuer"),
            ("aud", json!("other"), "not for this client"),
            ("aud", json!(["roost", "other"]), "not for this client"),
            ("exp", json!(1_000), "expired"),
            ("nonce", json!("n2"), "nonce"),
            ("iat", json!(9_000), "future"),
        ];
        for (claim, value, why) in broken {
            let mut claims = good();
            claims[claim] = value;
            let error = verify(&sign(&pair, &claims), &jwks, &EXPECTED).unwrap_err();
            assert!(error.contains(why), "{claim}: {error}");
        }
    }

    #[test]
    fn a_forged_or_unsigned_token_is_refused() {
        let (pair, jwks) = provider();
        let (other, _) = provider();
        assert!(verify(&sign(&other, &good()), &jwks, &EXPECTED).unwrap_err().contains("signature"));
        let token = sign(&pair, &good());
        let (head_body, _) = token.rsplit_once('.').unwrap();
        let tampered = format!(
            "{}.{}",
            head_body.replace(&B64.encode(good().to_string()), &B64.encode(json!({"sub": "x"}).to_string())),
            token.rsplit('.').next().unwrap()
        );
        assert!(verify(&tampered, &jwks, &EXPECTED).is_err());
        let none = format!("{}.{}.", B64.encode(r#"{"alg":"none"}"#), B64.encode(good().to_string()));
        assert!(verify(&none, &jwks, &EXPECTED).unwrap_err().contains("RS256 and ES256"));
        assert!(verify("a.b", &jwks, &EXPECTED).is_err());
        assert!(verify(&"a".repeat(MAX_TOKEN_BYTES + 1), &jwks, &EXPECTED).unwrap_err().contains("longer"));
    }
}
