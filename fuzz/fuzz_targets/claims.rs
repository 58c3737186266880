//! `claims`: `<header JSON>\n<payload JSON>` (raw bytes, anything goes) → signed with the demo
//! key at run time → the `token` target's oracle. This is how the claim checks (`sub`, `aud`,
//! `azp`, `iss`, `exp`, `nbf`, `iat`), `typ`/`alg`/`crit`/`cat` rules and kid selection are
//! fuzzed *behind a valid signature*.
//!
//! Signing costs about a millisecond under instrumentation, so an input is first verified with
//! a dummy signature: only when that fails *at the signature* is it signed for real (inputs
//! refused earlier take the same path either way).
//!
//! Invariants: those of `token` (1–6, 8); 7 ("no forgery") is checked on the dummy-signed
//! token instead: it must never verify.

#![no_main]

use std::sync::OnceLock;

use base64::Engine as _;
use clerk_edge::keys::KeySet;
use clerk_edge::token::{verify_session_token, TokenRules};
use clerk_edge::TokenReason;
use clerk_edge_fuzz::fixtures::{DEMO_PUBLIC, NOW};
use clerk_edge_fuzz::token_oracle::check_token;
use clerk_edge_fuzz::tokens::sign_raw;
use libfuzzer_sys::fuzz_target;

fn demo_keys() -> &'static KeySet {
    static K: OnceLock<KeySet> = OnceLock::new();
    K.get_or_init(|| KeySet::parse(Some(DEMO_PUBLIC), None).expect("demo key"))
}

fuzz_target!(|data: &[u8]| {
    let (h, p) = match data.iter().position(|&b| b == b'\n') {
        Some(i) => (&data[..i], &data[i + 1..]),
        None => (data, &b""[..]),
    };
    if h.len() + p.len() > 4096 {
        return;
    }
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let unsigned = format!("{}.{}.AAAA", b64.encode(h), b64.encode(p));
    let at_signature =
        match verify_session_token(&unsigned, demo_keys(), &TokenRules::default(), NOW) {
            Ok(_) => panic!("a dummy signature verified"),
            Err(e) => {
                e.reason() == TokenReason::TokenInvalidSignature
                    || e.message().starts_with("Error verifying JWT signature")
            }
        };
    // The dummy-signed token exercises the pre-signature checks under every key set.
    check_token(&unsigned, false);
    if at_signature {
        check_token(&sign_raw(h, p), true);
    }
});
