//! Shared fixtures for unit tests: the demo key pair, a second key and token builders.

use serde_json::{json, Value};

use crate::keys::KeySet;
use crate::mint::Minter;
use crate::time::UnixMillis;

pub(crate) const DEMO_PUBLIC: &str = include_str!("../demo/demo-public.pem");
pub(crate) const DEMO_PRIVATE: &str = include_str!("../demo/demo-private.pem");
pub(crate) const OTHER_PRIVATE: &str = include_str!("../tests/keys/other-private.pem");
/// pk_test for `clerk.demo-app.example.com`.
pub(crate) const PK_TEST: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
/// pk_live for `clerk.demo-app.example.com`.
pub(crate) const PK_LIVE: &str = "pk_live_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
/// 2026-01-01T00:00:00Z
pub(crate) const NOW_SECS: i64 = 1_767_225_600;
pub(crate) const NOW: UnixMillis = UnixMillis(NOW_SECS * 1000);

pub(crate) fn keys() -> KeySet {
    KeySet::parse(Some(DEMO_PUBLIC), None).unwrap()
}

pub(crate) fn header() -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": "ins_test"})
}

pub(crate) fn claims() -> Value {
    json!({
        "sub": "user_1", "sid": "sess_1", "iss": "https://clerk.demo-app.example.com",
        "azp": "https://app.example.com", "iat": NOW_SECS - 10, "nbf": NOW_SECS - 20,
        "exp": NOW_SECS + 60,
    })
}

pub(crate) fn mint(header: &Value, claims: &Value) -> String {
    Minter::from_pem(DEMO_PRIVATE).unwrap().mint(header, claims)
}

pub(crate) fn mint_other(header: &Value, claims: &Value) -> String {
    Minter::from_pem(OTHER_PRIVATE)
        .unwrap()
        .mint(header, claims)
}

pub(crate) fn token() -> String {
    mint(&header(), &claims())
}

/// A token with `edit` applied to the default claims.
pub(crate) fn token_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut c = claims();
    edit(&mut c);
    mint(&header(), &c)
}

/// Raw `header.payload.signature` from JSON texts (no signing): for malformed-token tests.
pub(crate) fn raw(header: &str, payload: &str, sig: &str) -> String {
    use crate::util::b64url_encode;
    format!(
        "{}.{}.{sig}",
        b64url_encode(header.as_bytes()),
        b64url_encode(payload.as_bytes())
    )
}

/// xorshift64: the deterministic pseudo-random inputs of the differential tests (weburl, json).
pub(crate) struct Rng(pub(crate) u64);

impl Rng {
    pub(crate) fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}
