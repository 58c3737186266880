use serde_json::json;

use super::*;
use crate::test_support::*;
use crate::time::UnixMillis;

fn verify(token: &str) -> Result<Map<String, Value>, TokenError> {
    verify_session_token(token, &keys(), &TokenRules::default(), NOW)
}

fn err(token: &str) -> (String, String) {
    let e = verify(token).unwrap_err();
    (e.reason().as_str().to_owned(), e.to_string())
}

const FORM3: &str = "Invalid JWT form. A JWT consists of three parts separated by dots.";
const UNDECODABLE: &str =
    "Invalid JWT form. The header, payload, or signature could not be decoded.";

#[test]
fn valid_token_returns_all_claims() {
    let claims = verify(&token()).unwrap();
    assert_eq!(Value::Object(claims), claims_json());
}

fn claims_json() -> Value {
    crate::test_support::claims()
}

#[test]
fn decoding_errors_match_clerk() {
    for t in [
        "",
        "null",
        "undefined",
        "whatever",
        "42",
        "a.b",
        "a.b.c.d",
        "test_header_token",
    ] {
        assert_eq!(err(t), ("token-invalid".into(), FORM3.into()), "{t}");
    }
    for t in ["aaa.bbb.ccc", "YWJj.YWJj.YWJj", "e30.e30.+/", "e30.e30.a"] {
        assert_eq!(err(t), ("token-invalid".into(), UNDECODABLE.into()), "{t}");
    }
    // JSON null payload (D13) and invalid JSON
    assert_eq!(err(&raw("{\"alg\":\"RS256\"}", "null", "")).1, UNDECODABLE);
    assert_eq!(err(&raw("{\"alg\":\"RS256\"}", "{", "")).1, UNDECODABLE);
    let huge = "a".repeat(MAX_TOKEN_BYTES + 1);
    assert_eq!(
        err(&huge),
        (
            "token-invalid".into(),
            format!("Invalid JWT form. The token is longer than {MAX_TOKEN_BYTES} bytes.")
        )
    );
}

#[test]
fn every_prefix_and_corruption_fails_without_panic() {
    let t = token();
    for i in 0..t.len() {
        assert!(verify(&t[..i]).is_err(), "prefix {i}");
    }
    let bytes = t.as_bytes();
    for i in (0..t.len()).step_by(7) {
        let mut b = bytes.to_vec();
        b[i] = if b[i] == b'A' { b'B' } else { b'A' };
        let corrupted = String::from_utf8(b).unwrap();
        if corrupted != t {
            assert!(verify(&corrupted).is_err(), "corrupted at {i}");
        }
    }
}

#[test]
fn header_rules_in_clerk_order() {
    let no_typ = mint(&json!({"alg": "RS256"}), &claims());
    assert!(verify(&no_typ).is_ok());
    let jose = mint(&json!({"alg": "RS256", "typ": "JOSE"}), &claims());
    assert_eq!(
        err(&jose),
        ("token-invalid".into(), "Invalid JWT type \"JOSE\". Expected \"JWT\". Make sure that this is a valid Clerk-generated JWT.".into())
    );
    for alg in ["none", "HS256", "ES256", "PS512", "", "rs256"] {
        let t = raw(
            &format!("{{\"alg\":\"{alg}\",\"typ\":\"JWT\"}}"),
            &claims().to_string(),
            "",
        );
        assert_eq!(
            err(&t),
            ("token-invalid-algorithm".into(), format!("Invalid JWT algorithm \"{alg}\". Supported: RS256,RS384,RS512. Make sure that this is a valid Clerk-generated JWT."))
        );
    }
    let missing_alg = raw("{\"typ\":\"JWT\"}", "{}", "");
    assert_eq!(err(&missing_alg).1, "Invalid JWT algorithm undefined. Supported: RS256,RS384,RS512. Make sure that this is a valid Clerk-generated JWT.");
    // D12: crit
    let crit = mint(&json!({"alg": "RS256", "crit": ["exp"]}), &claims());
    assert_eq!(err(&crit).0, "token-invalid");
    // M2M category before anything else
    let m2m = raw("{\"alg\":\"none\",\"cat\":\"cl_B7d4PD333AAA\"}", "{}", "");
    assert_eq!(
        err(&m2m),
        (
            "token-invalid".into(),
            "Invalid session token category. Make sure that this is a valid Clerk-generated JWT."
                .into()
        )
    );
}

#[test]
fn signature_before_claims_and_key_pins_algorithm() {
    let forged_expired = mint_other(&header(), &json!({"sub": "u", "exp": 1}));
    assert_eq!(
        err(&forged_expired),
        (
            "token-invalid-signature".into(),
            "JWT signature is invalid.".into()
        )
    );
    // RS384 header with the RS256-pinned PEM key
    let t = raw("{\"alg\":\"RS384\"}", "{}", "AAAA");
    assert_eq!(
        err(&t),
        ("token-verification-failed".into(), "Error verifying JWT signature. Error: JWK \"alg\" does not match the requested algorithm Make sure that this is a valid Clerk-generated JWT.".into())
    );
    // HS256 signed with the public key bytes is refused by alg before any key use.
    let hs = raw("{\"alg\":\"HS256\"}", &claims().to_string(), "AAAA");
    assert_eq!(err(&hs).0, "token-invalid-algorithm");
}

#[test]
fn claim_checks_in_order_with_exact_messages() {
    let no_sub = token_with(|c| {
        c.as_object_mut().unwrap().remove("sub");
    });
    assert_eq!(err(&no_sub).1, "Subject claim (sub) is required and must be a string. Received undefined. Make sure that this is a valid Clerk-generated JWT.");
    let num_sub = token_with(|c| c["sub"] = json!(5));
    assert_eq!(err(&num_sub).1, "Subject claim (sub) is required and must be a string. Received 5. Make sure that this is a valid Clerk-generated JWT.");
    let exp_str = token_with(|c| c["exp"] = json!("123"));
    assert_eq!(err(&exp_str).1, "Invalid JWT expiry date claim (exp) \"123\". Expected number. Make sure that this is a valid Clerk-generated JWT.");
    let expired = token_with(|c| c["exp"] = json!(NOW_SECS - 6));
    assert_eq!(
        err(&expired),
        ("token-expired".into(), "JWT is expired. Expiry date: Wed, 31 Dec 2025 23:59:54 GMT, Current date: Thu, 01 Jan 2026 00:00:00 GMT.".into())
    );
    let nbf = token_with(|c| c["nbf"] = json!(NOW_SECS + 6));
    assert_eq!(
        err(&nbf),
        ("token-not-active-yet".into(), "JWT cannot be used prior to not before date claim (nbf). Not before date: Thu, 01 Jan 2026 00:00:06 GMT; Current date: Thu, 01 Jan 2026 00:00:00 GMT;".into())
    );
    let iat = token_with(|c| c["iat"] = json!(NOW_SECS + 6));
    assert_eq!(err(&iat).0, "token-iat-in-the-future");
    let nbf_null = token_with(|c| c["nbf"] = json!(null));
    assert_eq!(err(&nbf_null).1, "Invalid JWT not before date claim (nbf) null. Expected number. Make sure that this is a valid Clerk-generated JWT.");
    // huge values never panic; far future nbf is not active (D13)
    let far = token_with(|c| {
        c["exp"] = json!(1e300);
        c["nbf"] = json!(1e300);
    });
    assert_eq!(err(&far).0, "token-not-active-yet");
}

#[test]
fn skew_boundaries() {
    let rules = |skew: f64| TokenRules {
        clock_skew_ms: skew,
        ..TokenRules::default()
    };
    let at = |exp: i64| token_with(|c| c["exp"] = json!(exp));
    let check = |t: &str, skew: f64| {
        verify_session_token(t, &keys(), &rules(skew), NOW)
            .map(|_| ())
            .map_err(|e| e.reason())
    };
    assert_eq!(check(&at(NOW_SECS), 0.0), Err(TokenReason::TokenExpired));
    assert_eq!(check(&at(NOW_SECS), 1000.0), Ok(()));
    assert_eq!(check(&at(NOW_SECS - 5), 6000.0), Ok(()));
    assert_eq!(
        check(&at(NOW_SECS - 5), 5000.0),
        Err(TokenReason::TokenExpired)
    );
    let nbf_now = token_with(|c| c["nbf"] = json!(NOW_SECS));
    assert_eq!(check(&nbf_now, 0.0), Ok(()));
    let later = UnixMillis(NOW.as_millis() + 999);
    assert!(verify_session_token(&at(NOW_SECS + 1), &keys(), &rules(0.0), later).is_ok());
}

#[test]
fn audience_azp_and_issuer() {
    let r = |f: &dyn Fn(&mut TokenRules)| {
        let mut rules = TokenRules::default();
        f(&mut rules);
        rules
    };
    let t = token_with(|c| c["aud"] = json!("x"));
    let e =
        verify_session_token(&t, &keys(), &r(&|r| r.audience = vec!["y".into()]), NOW).unwrap_err();
    assert_eq!(e.to_string(), "Invalid JWT audience claim (aud) \"x\". Is not included in \"[\"y\"]\". Make sure that this is a valid Clerk-generated JWT.");
    let t = token_with(|c| c["aud"] = json!(["a", "b"]));
    assert!(verify_session_token(&t, &keys(), &r(&|r| r.audience = vec!["b".into()]), NOW).is_ok());
    let e =
        verify_session_token(&t, &keys(), &r(&|r| r.audience = vec!["c".into()]), NOW).unwrap_err();
    assert_eq!(
        e.message(),
        "Invalid JWT audience claim array (aud) [\"a\",\"b\"]. Is not included in \"[\"c\"]\"."
    );
    // Type confusion (deliberate difference; Clerk lets these through unchecked).
    let want_b = r(&|r| r.audience = vec!["b".into()]);
    for (aud, message) in [
        (
            json!({"aud": "b"}),
            "Invalid JWT audience claim (aud) {\"aud\":\"b\"}. Is not included in \"[\"b\"]\".",
        ),
        (
            json!(7),
            "Invalid JWT audience claim (aud) 7. Is not included in \"[\"b\"]\".",
        ),
        (
            json!(true),
            "Invalid JWT audience claim (aud) true. Is not included in \"[\"b\"]\".",
        ),
        (
            json!(["b", 1]),
            "Invalid JWT audience claim array (aud) [\"b\",1]. Is not included in \"[\"b\"]\".",
        ),
        (
            json!([["b"]]),
            "Invalid JWT audience claim array (aud) [[\"b\"]]. Is not included in \"[\"b\"]\".",
        ),
    ] {
        let t = token_with(|c| c["aud"] = aud.clone());
        let e = verify_session_token(&t, &keys(), &want_b, NOW).unwrap_err();
        assert_eq!(e.reason(), TokenReason::TokenVerificationFailed, "{aud}");
        assert_eq!(e.message(), message);
    }
    // Falsy `aud` shapes are "no audience" (Clerk's rule): no check.
    for aud in [
        json!(""),
        json!([]),
        json!(["", null, 0]),
        json!(0),
        json!(false),
        Value::Null,
    ] {
        let t = token_with(|c| c["aud"] = aud.clone());
        assert!(
            verify_session_token(&t, &keys(), &want_b, NOW).is_ok(),
            "{aud}"
        );
    }
    let no_azp = token_with(|c| {
        c.as_object_mut().unwrap().remove("azp");
    });
    let e = verify_session_token(
        &no_azp,
        &keys(),
        &r(&|r| r.authorized_parties = vec!["https://a.example".into()]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "Invalid JWT Authorized party claim (azp) undefined. Expected \"https://a.example\"."
    );
    assert_eq!(e.full_message(TokenCarrier::Header), "Invalid JWT Authorized party claim (azp) undefined. Expected \"https://a.example\". (reason=token-invalid-authorized-parties, token-carrier=header)");
    let e = verify_session_token(
        &token(),
        &keys(),
        &r(&|r| r.issuers = vec!["https://other".into()]),
        NOW,
    )
    .unwrap_err();
    assert_eq!(e.reason(), TokenReason::TokenInvalidIssuer);
    assert!(verify_session_token(
        &token(),
        &keys(),
        &r(&|r| r.issuers = vec!["https://clerk.demo-app.example.com".into()]),
        NOW
    )
    .is_ok());
}

#[test]
fn handshake_tokens() {
    let payload = json!({"handshake": ["__session=abc; Path=/"]});
    let t = mint(&json!({"alg": "RS256", "typ": "JWT"}), &payload);
    assert_eq!(verify_handshake_token(&t, &keys()).unwrap(), payload);
    let tpl = mint(&json!({"alg": "RS256", "cat": "cl_B7d4PD222AAA"}), &payload);
    assert_eq!(
        verify_handshake_token(&tpl, &keys()).unwrap_err().message(),
        "Invalid handshake token category."
    );
    let forged = mint_other(&json!({"alg": "RS256"}), &payload);
    assert_eq!(
        verify_handshake_token(&forged, &keys())
            .unwrap_err()
            .message(),
        "Handshake signature is invalid."
    );
}

#[test]
fn cached_verifier_skips_only_the_signature_and_still_checks_time_and_claims() {
    use crate::config::Options;
    use crate::Verifier;
    let v = Verifier::new(Options {
        jwt_key: Some(DEMO_PUBLIC.into()),
        publishable_key: Some(PK_LIVE.into()),
        ..Options::default()
    })
    .unwrap()
    .with_token_cache(8);
    let t = token();
    assert!(v.verify_token(&t, NOW).is_ok());
    assert!(v.verify_token(&t, NOW).is_ok());
    let s = v.token_cache_stats().unwrap();
    assert_eq!((s.hits, s.misses, s.len), (1, 1, 1), "second call is a hit");
    // Time checks run on every call: the same cached token later is expired.
    let exp = claims()["exp"].as_i64().unwrap();
    let later = UnixMillis((exp + 3600) * 1000);
    assert_eq!(
        v.verify_token(&t, later).unwrap_err().reason(),
        TokenReason::TokenExpired
    );
    // A different signature over the same claims is not a hit (and does not verify).
    let forged = mint_other(&header(), &claims());
    assert_eq!(
        v.verify_token(&forged, NOW).unwrap_err().reason(),
        TokenReason::TokenInvalidSignature
    );
    // A cached signature does not help a token with a changed header.
    let (_, rest) = t.split_once('.').unwrap();
    let retyped = format!("eyJhbGciOiJSUzI1NiIsInR5cCI6ImZvbyJ9.{rest}");
    assert!(v.verify_token(&retyped, NOW).is_err());
    // Without a cache nothing is counted.
    let plain = Verifier::new(Options {
        jwt_key: Some(DEMO_PUBLIC.into()),
        publishable_key: Some(PK_LIVE.into()),
        ..Options::default()
    })
    .unwrap();
    assert!(plain.token_cache_stats().is_none());
}
