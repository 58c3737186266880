//! Fixed inputs: the demo and test keys, publishable keys and the fuzzing clock.

use std::sync::OnceLock;

use clerk_edge::config::PublishableKey;
use clerk_edge::util::b64url_encode;
use clerk_edge::UnixMillis;
use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;
use rsa::RsaPublicKey;

/// The demo public key (SPKI PEM), `CLERK_JWT_KEY` of every demo configuration.
pub const DEMO_PUBLIC: &str = include_str!("../../demo/demo-public.pem");
/// The demo private key; signs every table token except the `other_key` one.
pub const DEMO_PRIVATE: &str = include_str!("../../demo/demo-private.pem");
/// The demo public key in PKCS#1 form.
pub const DEMO_PUBLIC_PKCS1: &str = include_str!("../../tests/keys/demo-public-pkcs1.pem");
/// A second 2048-bit key pair ("signed by another key").
pub const OTHER_PUBLIC: &str = include_str!("../../tests/keys/other-public.pem");
/// Private half of [`OTHER_PUBLIC`].
pub const OTHER_PRIVATE: &str = include_str!("../../tests/keys/other-private.pem");
/// A 3072-bit public key (accepted).
pub const BIG_PUBLIC: &str = include_str!("../../tests/keys/big-public.pem");
/// A 1024-bit public key (must be refused).
pub const SMALL_PUBLIC: &str = include_str!("../../tests/keys/small-public.pem");

/// Development publishable key of the fictitious `clerk.demo-app.example.com`.
pub const PK_TEST: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
/// Production publishable key of the same instance.
pub const PK_LIVE: &str = "pk_live_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
/// The Frontend API host both publishable keys encode.
pub const FAPI_HOST: &str = "clerk.demo-app.example.com";
/// The issuer of every demo token.
pub const ISSUER: &str = "https://clerk.demo-app.example.com";
/// The app origin the demo tokens are minted for (`azp`).
pub const APP_ORIGIN: &str = "https://app.example.com";

/// The fuzzing clock: 2026-01-01T00:00:00Z, in seconds.
pub const NOW_SECS: i64 = 1_767_225_600;
/// The fuzzing clock as [`UnixMillis`]; every target passes this `now`.
pub const NOW: UnixMillis = UnixMillis(NOW_SECS * 1000);
/// `exp` of the valid table tokens: 2100-01-01, so seeds stay valid under a real clock too.
pub const FAR_EXP: i64 = 4_102_444_800;

/// `kid` of the demo key in JWKS form (and in the demo token header).
pub const DEMO_KID: &str = "ins_test";
/// `kid` of the other key in JWKS form.
pub const OTHER_KID: &str = "other";

/// The cookie suffix (§1.2) of a publishable key.
pub fn cookie_suffix(pk: &str) -> String {
    PublishableKey::parse(pk)
        .expect("fixture publishable key parses")
        .cookie_suffix()
}

/// A JWKS document for `(SPKI PEM, kid)` pairs, RS256, `use: sig`.
pub fn jwks_for(keys: &[(&str, Option<&str>)]) -> String {
    let items: Vec<serde_json::Value> = keys
        .iter()
        .map(|(pem, kid)| {
            let key = RsaPublicKey::from_public_key_pem(pem).expect("fixture SPKI PEM parses");
            let mut jwk = serde_json::json!({
                "kty": "RSA", "use": "sig", "alg": "RS256",
                "n": b64url_encode(&key.n().to_bytes_be()),
                "e": b64url_encode(&key.e().to_bytes_be()),
            });
            if let (Some(kid), Some(obj)) = (kid, jwk.as_object_mut()) {
                obj.insert("kid".into(), serde_json::json!(kid));
            }
            jwk
        })
        .collect();
    serde_json::json!({ "keys": items }).to_string()
}

/// JWKS with the demo key only (`kid` = [`DEMO_KID`]).
pub fn demo_jwks() -> &'static str {
    static J: OnceLock<String> = OnceLock::new();
    J.get_or_init(|| jwks_for(&[(DEMO_PUBLIC, Some(DEMO_KID))]))
}

/// JWKS with the other key (`kid` = [`OTHER_KID`]) then the demo key (`kid` = [`DEMO_KID`]).
pub fn two_key_jwks() -> &'static str {
    static J: OnceLock<String> = OnceLock::new();
    J.get_or_init(|| {
        jwks_for(&[
            (OTHER_PUBLIC, Some(OTHER_KID)),
            (DEMO_PUBLIC, Some(DEMO_KID)),
        ])
    })
}

/// The demo PEM with its newlines written as the two characters `\n` (one-line env form).
pub fn demo_pem_escaped() -> String {
    DEMO_PUBLIC.trim_end().replace('\n', "\\n")
}
