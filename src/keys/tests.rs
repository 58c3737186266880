use rsa::pkcs8::DecodePublicKey;
use rsa::traits::PublicKeyParts;

use super::*;
use crate::util::b64url_encode;

const DEMO: &str = include_str!("../../demo/demo-public.pem");
const DEMO_PKCS1: &str = include_str!("../../tests/keys/demo-public-pkcs1.pem");
const OTHER: &str = include_str!("../../tests/keys/other-public.pem");
const BIG: &str = include_str!("../../tests/keys/big-public.pem");
const SMALL: &str = include_str!("../../tests/keys/small-public.pem");

fn jwk(pem: &str, kid: Option<&str>, alg: Option<&str>) -> serde_json::Value {
    let key = rsa::RsaPublicKey::from_public_key_pem(pem).unwrap();
    let mut v = serde_json::json!({
        "kty": "RSA",
        "n": b64url_encode(&key.n().to_bytes_be()),
        "e": b64url_encode(&key.e().to_bytes_be()),
    });
    if let Some(kid) = kid {
        v["kid"] = kid.into();
    }
    if let Some(alg) = alg {
        v["alg"] = alg.into();
    }
    v
}

#[test]
fn parses_spki_pkcs1_bare_and_escaped_pem() {
    assert_eq!(KeySet::parse(Some(DEMO), None).unwrap().len(), 1);
    assert_eq!(KeySet::parse(Some(DEMO_PKCS1), None).unwrap().len(), 1);
    let bare: String = DEMO.lines().filter(|l| !l.starts_with("-----")).collect();
    assert_eq!(KeySet::parse(Some(&bare), None).unwrap().len(), 1);
    let escaped = DEMO.replace('\n', "\\n");
    assert_eq!(KeySet::parse(Some(&escaped), None).unwrap().len(), 1);
    let two = format!("{DEMO}\n{OTHER}");
    assert_eq!(KeySet::parse(Some(&two), None).unwrap().len(), 2);
    assert_eq!(KeySet::parse(Some(BIG), None).unwrap().len(), 1);
}

#[test]
fn rejects_bad_pem_with_the_problem_named() {
    assert_eq!(KeySet::parse(None, None).unwrap_err(), KeyError::Missing);
    assert_eq!(
        KeySet::parse(Some("  "), None).unwrap_err(),
        KeyError::Missing
    );
    assert_eq!(
        KeySet::parse(Some(SMALL), None).unwrap_err(),
        KeyError::KeySize {
            index: 1,
            bits: 1024
        }
    );
    let cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_eq!(
        KeySet::parse(Some(cert), None).unwrap_err(),
        KeyError::PemLabel {
            index: 1,
            label: "CERTIFICATE".into()
        }
    );
    let broken = DEMO.replace("-----END PUBLIC KEY-----", "");
    assert_eq!(
        KeySet::parse(Some(&broken), None).unwrap_err(),
        KeyError::PemEncoding { index: 1 }
    );
    let garbage = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n";
    assert!(matches!(
        KeySet::parse(Some(garbage), None).unwrap_err(),
        KeyError::NotRsa { index: 1, .. }
    ));
    assert_eq!(
        KeySet::parse(Some("not base64 at all!"), None).unwrap_err(),
        KeyError::PemEncoding { index: 1 }
    );
}

#[test]
fn parses_jwks_and_pins_algorithms() {
    let doc = serde_json::json!({"keys": [jwk(DEMO, Some("a"), None), jwk(OTHER, Some("b"), Some("RS512"))]});
    let set = KeySet::parse(None, Some(&doc.to_string())).unwrap();
    assert_eq!(set.len(), 2);
    assert_eq!(set.kids(), vec!["a", "b"]);
    let Candidates::Keys(k) = set.candidates(Some("b")) else {
        panic!("expected keys")
    };
    assert_eq!(k.len(), 1);
    assert_eq!(k[0].verify(Alg::Rs256, b"x", b"y"), SigCheck::AlgMismatch);
    assert!(matches!(
        set.candidates(Some("zzz")),
        Candidates::KidMismatch
    ));
    assert!(matches!(set.candidates(None), Candidates::KidMismatch));
}

#[test]
fn single_key_ignores_kid_and_unnamed_keys_are_tried() {
    let one = KeySet::parse(Some(DEMO), None).unwrap();
    assert!(matches!(one.candidates(Some("whatever")), Candidates::Keys(k) if k.len() == 1));
    let two = KeySet::parse(Some(&format!("{DEMO}{OTHER}")), None).unwrap();
    assert!(matches!(two.candidates(Some("x")), Candidates::Keys(k) if k.len() == 2));
}

#[test]
fn rejects_bad_jwks() {
    let cases = [
        ("[]", "CLERK_JWKS: expected an object with a \"keys\" array"),
        ("{\"keys\":[]}", "CLERK_JWKS: the \"keys\" array is empty"),
        (
            "{\"keys\":[{\"kty\":\"EC\"}]}",
            "CLERK_JWKS key 1: unsupported kty \"EC\" (RSA only)",
        ),
        (
            "{\"keys\":[{\"kty\":\"RSA\",\"n\":\"AQAB\"}]}",
            "CLERK_JWKS key 1: missing or invalid \"e\"",
        ),
    ];
    for (text, msg) in cases {
        assert_eq!(
            KeySet::parse(None, Some(text)).unwrap_err().to_string(),
            msg,
            "{text}"
        );
    }
    let enc = serde_json::json!({"keys": [{"use": "enc", "kty": "RSA"}]});
    assert_eq!(
        KeySet::parse(None, Some(&enc.to_string()))
            .unwrap_err()
            .to_string(),
        "CLERK_JWKS key 1: use \"enc\" is not \"sig\""
    );
    let dup =
        serde_json::json!({"keys": [jwk(DEMO, Some("a"), None), jwk(OTHER, Some("a"), None)]});
    assert_eq!(
        KeySet::parse(None, Some(&dup.to_string())).unwrap_err(),
        KeyError::DuplicateKid("a".into())
    );
    let hs = serde_json::json!({"keys": [jwk(DEMO, None, Some("HS256"))]});
    assert!(KeySet::parse(None, Some(&hs.to_string()))
        .unwrap_err()
        .to_string()
        .contains("unsupported alg \"HS256\""));
}

#[test]
fn debug_output_has_no_key_material() {
    let set = KeySet::parse(Some(DEMO), None).unwrap();
    let text = format!("{set:?}");
    assert!(text.contains("bits: 2048"));
    let modulus_start: String = DEMO.lines().nth(1).unwrap().chars().take(20).collect();
    assert!(!text.contains(&modulus_start));
}

#[test]
fn prepared_keys_round_trip_and_verify_the_same_tokens() {
    use crate::test_support::{claims, header, DEMO_PRIVATE, NOW, OTHER_PRIVATE};
    use crate::token::{verify_session_token, TokenRules};
    let jwks = serde_json::json!({"keys": [
        jwk(DEMO, Some("ins_demo"), None),
        jwk(OTHER, Some("ins_other"), Some("RS384")),
        jwk(BIG, None, Some("RS512")),
    ]})
    .to_string();
    for set in [
        KeySet::parse(Some(DEMO), None).unwrap(),
        KeySet::parse(None, Some(&jwks)).unwrap(),
    ] {
        let prepared = KeySet::from_prepared(&set.to_prepared().unwrap()).unwrap();
        assert_eq!(format!("{prepared:?}"), format!("{set:?}"));
        assert_eq!(prepared.kids(), set.kids());
        for (private, kid, alg) in [
            (DEMO_PRIVATE, "ins_demo", "RS256"),
            (OTHER_PRIVATE, "ins_other", "RS384"),
            (OTHER_PRIVATE, "ins_other", "RS256"),
            (DEMO_PRIVATE, "nobody", "RS256"),
        ] {
            let mut h = header();
            h["kid"] = kid.into();
            h["alg"] = alg.into();
            let token = crate::mint::Minter::from_pem(private)
                .unwrap()
                .mint(&h, &claims());
            let rules = TokenRules::default();
            let expected = verify_session_token(&token, &set, &rules, NOW);
            let got = verify_session_token(&token, &prepared, &rules, NOW);
            assert_eq!(got, expected, "{kid} {alg}");
        }
    }
}

#[test]
fn a_kid_too_long_for_the_prepared_form_is_left_to_the_text_form() {
    let long = "k".repeat(usize::from(u16::MAX));
    let jwks = serde_json::json!({"keys": [jwk(DEMO, Some(&long), None)]}).to_string();
    let set = KeySet::parse(None, Some(&jwks)).unwrap();
    assert_eq!(set.to_prepared(), None);
    let shorter = serde_json::json!({"keys": [jwk(DEMO, Some(&long[1..]), None)]}).to_string();
    let set = KeySet::parse(None, Some(&shorter)).unwrap();
    let prepared = KeySet::from_prepared(&set.to_prepared().unwrap()).unwrap();
    assert_eq!(prepared.kids(), set.kids());
}

#[test]
fn damaged_prepared_keys_are_refused_without_panicking() {
    let bytes = KeySet::parse(Some(&format!("{DEMO}\n{OTHER}")), None)
        .unwrap()
        .to_prepared()
        .unwrap();
    for len in 0..bytes.len() {
        assert_eq!(
            KeySet::from_prepared(&bytes[..len]).unwrap_err(),
            KeyError::Prepared,
            "truncated to {len}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert_eq!(
        KeySet::from_prepared(&longer).unwrap_err(),
        KeyError::Prepared
    );
    // Any single-byte change either is refused or loads a key set (never a panic); changes
    // to the magic, the count, the algorithm, the exponent's parity, the modulus' parity or
    // the Montgomery constant are always refused.
    for i in 0..bytes.len() {
        let mut damaged = bytes.clone();
        damaged[i] ^= 0x01;
        let _ = KeySet::from_prepared(&damaged);
    }
    let first_key = 5; // magic + count
    let e_at = first_key + 1 + 2; // alg, kid length (none)
    let n_at = e_at + 4 + 2;
    let n0inv_at = n_at + 64 * 4;
    for i in [0, 4, first_key, e_at, n_at, n0inv_at] {
        let mut damaged = bytes.clone();
        damaged[i] ^= if i == first_key { 0x07 } else { 0x01 };
        assert!(KeySet::from_prepared(&damaged).is_err(), "byte {i}");
    }
}
