//! The token oracle shared by the `token` and `claims` targets: one token verified under
//! several key sets and rule sets, with the invariants listed in `fuzz_targets/token.rs`.

use std::sync::OnceLock;

use clerk_edge::keys::KeySet;
use clerk_edge::token::{verify_session_token, TokenRules};
use clerk_edge::{TokenCarrier, TokenError};
use serde_json::{Map, Value};

use crate::fixtures::{
    two_key_jwks, APP_ORIGIN, DEMO_KID, DEMO_PUBLIC, ISSUER, NOW, OTHER_KID, OTHER_PUBLIC,
};
use crate::tokens::accepted_payloads;

struct Setup {
    demo: KeySet,
    other: KeySet,
    both_pem: KeySet,
    jwks2: KeySet,
    default_rules: TokenRules,
    strict_rules: TokenRules,
}

fn setup() -> &'static Setup {
    static S: OnceLock<Setup> = OnceLock::new();
    S.get_or_init(|| {
        let both = format!("{DEMO_PUBLIC}\n{OTHER_PUBLIC}");
        Setup {
            demo: KeySet::parse(Some(DEMO_PUBLIC), None).expect("demo key"),
            other: KeySet::parse(Some(OTHER_PUBLIC), None).expect("other key"),
            both_pem: KeySet::parse(Some(&both), None).expect("two PEM keys"),
            jwks2: KeySet::parse(None, Some(two_key_jwks())).expect("two-key JWKS"),
            default_rules: TokenRules::default(),
            strict_rules: TokenRules {
                header_types: Some(vec!["JWT".into()]),
                audience: vec![APP_ORIGIN.into()],
                authorized_parties: vec![APP_ORIGIN.into()],
                issuers: vec![ISSUER.into()],
                clock_skew_ms: 5000.0,
            },
        }
    })
}

/// One verification outcome.
pub type Verdict = Result<Map<String, Value>, TokenError>;

fn check_error(token: &str, r: &Verdict) {
    if let Err(e) = r {
        assert!(!e.reason().as_str().is_empty(), "empty reason code");
        let texts = [
            e.to_string(),
            e.full_message(TokenCarrier::Header),
            e.full_message(TokenCarrier::Cookie),
        ];
        if token.len() >= 40 && token.matches('.').count() == 2 {
            for t in &texts {
                assert!(
                    !t.contains(token),
                    "error message contains the token: {t:?}"
                );
            }
        }
    }
}

fn secs(v: Option<&Value>) -> Option<f64> {
    v.and_then(Value::as_f64)
}

fn check_ok_claims(claims: &Map<String, Value>) {
    let now = NOW.as_millis() as f64;
    let slack = 5000.0 + 1000.0;
    assert!(
        matches!(claims.get("sub"), Some(Value::String(_))),
        "accepted token without a string sub: {claims:?}"
    );
    let exp = secs(claims.get("exp")).expect("accepted token without a numeric exp");
    assert!(
        exp * 1000.0 > now - slack,
        "accepted an expired token: exp={exp}"
    );
    if let Some(v) = claims.get("nbf") {
        let nbf = secs(Some(v)).expect("accepted a non-numeric nbf");
        assert!(
            nbf * 1000.0 <= now + slack,
            "accepted nbf in the future: {nbf}"
        );
    }
    if let Some(v) = claims.get("iat") {
        let iat = secs(Some(v)).expect("accepted a non-numeric iat");
        assert!(
            iat * 1000.0 <= now + slack,
            "accepted iat in the future: {iat}"
        );
    }
}

fn header_kid(token: &str) -> Option<String> {
    use base64::Engine as _;
    let seg = token.split('.').next()?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg.trim_end_matches('='))
        .ok()?;
    let h: Value = serde_json::from_str(&String::from_utf8_lossy(&bytes)).ok()?;
    h.get("kid").and_then(Value::as_str).map(str::to_owned)
}

/// Verifies `token` under every key/rule set and asserts the invariants; `minted` = signed at
/// run time by the harness (so "no forgery" does not apply).
pub fn check_token(token: &str, minted: bool) {
    let s = setup();
    let verify = |keys: &KeySet, rules: &TokenRules| -> Verdict {
        verify_session_token(token, keys, rules, NOW)
    };
    let demo = verify(&s.demo, &s.default_rules);
    let other = verify(&s.other, &s.default_rules);
    let both = verify(&s.both_pem, &s.default_rules);
    let jwks2 = verify(&s.jwks2, &s.default_rules);
    let strict = verify(&s.demo, &s.strict_rules);
    for r in [&demo, &other, &both, &jwks2, &strict] {
        check_error(token, r);
        if let Ok(c) = r {
            check_ok_claims(c);
        }
    }
    // 3. A signature cannot verify under two different keys.
    assert!(
        !(demo.is_ok() && other.is_ok()),
        "token verifies under both the demo and the other key"
    );
    // 4. Unnamed keys are tried in turn: the union of the single keys.
    match (&both, &demo, &other) {
        (Ok(b), Ok(d), _) => assert_eq!(b, d, "two-key PEM claims differ from demo key's"),
        (Ok(b), _, Ok(o)) => assert_eq!(b, o, "two-key PEM claims differ from other key's"),
        (Ok(_), Err(_), Err(_)) => panic!("two-key PEM accepts what neither key accepts"),
        (Err(e), Ok(_), _) | (Err(e), _, Ok(_)) => {
            panic!("two-key PEM refuses what one key accepts: {e:?}")
        }
        (Err(_), Err(_), Err(_)) => {}
    }
    // 5. With kids, only the named key is used.
    if let Ok(j) = &jwks2 {
        match header_kid(token).as_deref() {
            Some(k) if k == DEMO_KID => {
                assert_eq!(Some(j), demo.as_ref().ok(), "JWKS(ins_test) vs demo key")
            }
            Some(k) if k == OTHER_KID => {
                assert_eq!(Some(j), other.as_ref().ok(), "JWKS(other) vs other key")
            }
            kid => panic!("two-key JWKS accepted a token with kid {kid:?}"),
        }
    } else if demo.is_ok() && header_kid(token).as_deref() == Some(DEMO_KID) {
        panic!("two-key JWKS refuses a demo token with kid ins_test: {jwks2:?}");
    }
    // 6. Monotonic rules.
    if let Ok(c) = &strict {
        assert_eq!(
            Some(c),
            demo.as_ref().ok(),
            "strict rules accept what default refuses"
        );
    }
    // 7. No forgery: only table payloads verify (MINT mode signs its own).
    if !minted {
        for (r, other_ok) in [
            (&demo, false),
            (&both, true),
            (&jwks2, true),
            (&other, true),
        ] {
            if let Ok(c) = r {
                let v = Value::Object(c.clone());
                assert!(
                    accepted_payloads(other_ok).any(|p| *p == v),
                    "accepted a payload that was never signed: {v}"
                );
            }
        }
    }
}
