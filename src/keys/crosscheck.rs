//! The RSA fast path against two independent implementations — the `rsa` crate and
//! jwt-simple (pure-Rust back end) — on every token of the conformance corpus
//! (`tests/vectors/conformance.jsonl`: session, handshake, machine, forged, re-signed and
//! malformed tokens) under every key the corpus and the test keys hold.

use std::collections::BTreeSet;

use jwt_simple::prelude::{
    Duration, NoCustomClaims, RS256PublicKey, RS384PublicKey, RS512PublicKey, RSAPublicKeyLike,
    VerificationOptions,
};
use jwt_simple::JWTError;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::{KeySet, VerifyKey};
use crate::rsa_fast::Hash;
use crate::util::b64url_loose;

const CORPUS: &str = include_str!("../../tests/vectors/conformance.jsonl");
const TEST_KEYS: [&str; 3] = [
    include_str!("../../demo/demo-public.pem"),
    include_str!("../../tests/keys/other-public.pem"),
    include_str!("../../tests/keys/big-public.pem"),
];

/// Every JWT-shaped substring (three base64url segments, the first a JSON object) of every
/// string in `value`: tokens sit in `token`, `Authorization`, `Cookie` and URL query values.
fn collect_tokens(value: &Value, out: &mut BTreeSet<String>) {
    match value {
        Value::String(s) => {
            let pieces = s.split(|c: char| !(c.is_ascii_alphanumeric() || "-_.".contains(c)));
            for piece in pieces {
                if piece.starts_with("eyJ") && piece.matches('.').count() == 2 {
                    out.insert(piece.to_owned());
                }
            }
        }
        Value::Array(items) => items.iter().for_each(|v| collect_tokens(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_tokens(v, out)),
        _ => {}
    }
}

/// The corpus tokens and every distinct RSA key of the corpus and the test keys.
fn corpus() -> (BTreeSet<String>, Vec<VerifyKey>) {
    let mut tokens = BTreeSet::new();
    let mut pems: BTreeSet<String> = TEST_KEYS.iter().map(|p| (*p).to_owned()).collect();
    for line in CORPUS.lines() {
        let case: Value = serde_json::from_str(line).unwrap();
        collect_tokens(&case, &mut tokens);
        if let Some(pem) = case["options"]["jwtKey"].as_str() {
            pems.insert(pem.to_owned());
        }
    }
    let mut keys: Vec<VerifyKey> = Vec::new();
    for pem in &pems {
        // Keys the corpus uses to test refusals (too small, malformed) are not keys here.
        let Ok(set) = KeySet::parse(Some(pem), None) else {
            continue;
        };
        for key in set.keys {
            if !keys.iter().any(|k| k.key.to_parts() == key.key.to_parts()) {
                keys.push(key);
            }
        }
    }
    (tokens, keys)
}

fn big_endian(limbs: &[u32]) -> Vec<u8> {
    BigUint::from_slice(limbs).to_bytes_be()
}

/// jwt-simple's verdict on the signature: `None` when it stops before or without deciding
/// (header rules of its own, unparseable claims after a valid signature are `Some(true)`).
fn jwt_simple_verdict(token: &str, alg: &str, n: &[u8], e: &[u8]) -> Option<bool> {
    let options = VerificationOptions {
        // Signature only: the corpus clocks are not today's.
        time_tolerance: Some(Duration::from_days(365 * 100)),
        accept_future: true,
        ..VerificationOptions::default()
    };
    let result = match alg {
        "RS256" => RS256PublicKey::from_components(n, e)
            .ok()?
            .verify_token::<NoCustomClaims>(token, Some(options)),
        "RS384" => RS384PublicKey::from_components(n, e)
            .ok()?
            .verify_token::<NoCustomClaims>(token, Some(options)),
        "RS512" => RS512PublicKey::from_components(n, e)
            .ok()?
            .verify_token::<NoCustomClaims>(token, Some(options)),
        _ => return None,
    };
    match result {
        Ok(_) => Some(true),
        Err(err) => match err.downcast_ref::<JWTError>() {
            Some(JWTError::InvalidSignature) => Some(false),
            _ => None,
        },
    }
}

#[test]
fn fast_path_agrees_with_the_rsa_crate_and_jwt_simple_on_every_corpus_token() {
    let (tokens, keys) = corpus();
    assert!(tokens.len() >= 150, "only {} tokens found", tokens.len());
    assert!(keys.len() >= 4, "only {} keys found", keys.len());
    let (mut pairs, mut valid, mut with_jwt_simple) = (0, 0, 0);
    for token in &tokens {
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s)) = (parts.next(), parts.next(), parts.next()) else {
            continue;
        };
        let header: Option<Value> = b64url_loose(h).and_then(|b| serde_json::from_slice(&b).ok());
        let Some(alg) = header.as_ref().and_then(|h| h["alg"].as_str()) else {
            continue;
        };
        let signing_input = format!("{h}.{p}");
        let (hash, digest, scheme) = match alg {
            "RS256" => (
                Hash::Sha256,
                Sha256::digest(&signing_input).to_vec(),
                Pkcs1v15Sign::new::<Sha256>(),
            ),
            "RS384" => (
                Hash::Sha384,
                Sha384::digest(&signing_input).to_vec(),
                Pkcs1v15Sign::new::<Sha384>(),
            ),
            "RS512" => (
                Hash::Sha512,
                Sha512::digest(&signing_input).to_vec(),
                Pkcs1v15Sign::new::<Sha512>(),
            ),
            _ => continue,
        };
        let Some(signature) = b64url_loose(s) else {
            continue;
        };
        for key in &keys {
            let (n, _, _, e) = key.key.to_parts().unwrap();
            let (n_be, e_be) = (big_endian(n), e.to_be_bytes());
            let ours = key.key.verify_both(hash, &digest, &signature);
            let reference = rsa::RsaPublicKey::new(
                BigUint::from_bytes_be(&n_be),
                BigUint::from_bytes_be(&e_be),
            )
            .unwrap();
            assert_eq!(reference.n().to_bytes_be(), n_be);
            let theirs = reference
                .verify(scheme.clone(), &digest, &signature)
                .is_ok();
            assert_eq!(ours, theirs, "rsa crate disagrees on {token} ({alg})");
            if let Some(verdict) = jwt_simple_verdict(token, alg, &n_be, &e_be) {
                assert_eq!(ours, verdict, "jwt-simple disagrees on {token} ({alg})");
                with_jwt_simple += 1;
            }
            pairs += 1;
            valid += usize::from(ours);
            if ours {
                // The same token with one signature bit flipped: refused by all three.
                let mut bad = signature.clone();
                let i = bad.len() / 2 + pairs % 7;
                bad[i] ^= 0x10;
                let tampered = format!("{signing_input}.{}", crate::util::b64url_encode(&bad));
                assert!(!key.key.verify_both(hash, &digest, &bad), "{tampered}");
                assert!(reference.verify(scheme.clone(), &digest, &bad).is_err());
                assert_ne!(
                    jwt_simple_verdict(&tampered, alg, &n_be, &e_be),
                    Some(true),
                    "{tampered}"
                );
            }
        }
    }
    eprintln!(
        "tokens {} keys {} pairs {pairs} valid {valid} jwt-simple {with_jwt_simple}",
        tokens.len(),
        keys.len()
    );
    // The check must have teeth: many pairs, both verdicts, most also seen by jwt-simple.
    assert!(pairs >= 700, "{pairs} pairs");
    assert!(valid >= 150, "{valid} valid signatures");
    assert!(pairs - valid >= 500, "{} invalid", pairs - valid);
    assert!(
        with_jwt_simple * 2 >= pairs,
        "jwt-simple decided {with_jwt_simple}/{pairs}"
    );
}
