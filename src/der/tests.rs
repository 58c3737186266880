use rsa::pkcs1::EncodeRsaPublicKey;
use rsa::pkcs8::{DecodePublicKey, EncodePublicKey};
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, RsaPublicKey};

use super::*;

const PEMS: [&str; 4] = [
    include_str!("../../demo/demo-public.pem"),
    include_str!("../../tests/keys/other-public.pem"),
    include_str!("../../tests/keys/big-public.pem"),
    include_str!("../../tests/keys/small-public.pem"),
];

/// Deterministic test bytes (splitmix64).
fn bytes(seed: u64, len: usize) -> Vec<u8> {
    let mut state = seed;
    (0..len)
        .map(|_| {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            (z ^ (z >> 31)) as u8
        })
        .collect()
}

/// Keys from the committed PEMs plus synthetic moduli of many sizes and top bytes, with
/// several exponents, all encoded by the `rsa` crate.
fn sample_keys() -> Vec<RsaPublicKey> {
    let mut keys: Vec<RsaPublicKey> = PEMS
        .iter()
        .map(|pem| RsaPublicKey::from_public_key_pem(pem).unwrap())
        .collect();
    for (i, len) in [1usize, 2, 127, 128, 129, 255, 256, 257, 384, 512, 1024]
        .into_iter()
        .enumerate()
    {
        for top in [0x01u8, 0x7f, 0x80, 0xff] {
            let mut n = bytes(i as u64 * 31 + u64::from(top), len);
            n[0] = top;
            *n.last_mut().unwrap() |= 1;
            for e in [3u64, 65537, 0xffff_ffff, 0x1_0000_0001] {
                keys.push(RsaPublicKey::new_unchecked(
                    BigUint::from_bytes_be(&n),
                    BigUint::from(e),
                ));
            }
        }
    }
    keys
}

fn expected(key: &RsaPublicKey) -> (Vec<u8>, Vec<u8>) {
    (key.n().to_bytes_be(), key.e().to_bytes_be())
}

#[test]
fn round_trips_rsa_crate_encodings() {
    let keys = sample_keys();
    assert!(keys.len() > 150);
    for key in &keys {
        let spki = key.to_public_key_der().unwrap();
        let pkcs1 = key.to_pkcs1_der().unwrap();
        assert_eq!(
            rsa_public_key_from_spki(spki.as_bytes()).unwrap(),
            expected(key)
        );
        assert_eq!(
            rsa_public_key_from_pkcs1(pkcs1.as_bytes()).unwrap(),
            expected(key)
        );
        // Each form is refused by the other parser.
        assert!(rsa_public_key_from_pkcs1(spki.as_bytes()).is_err());
        assert!(rsa_public_key_from_spki(pkcs1.as_bytes()).is_err());
    }
}

#[test]
fn every_truncation_and_extension_is_rejected() {
    for pem in PEMS {
        let key = RsaPublicKey::from_public_key_pem(pem).unwrap();
        let spki = key.to_public_key_der().unwrap().as_bytes().to_vec();
        let pkcs1 = key.to_pkcs1_der().unwrap().as_bytes().to_vec();
        for len in 0..spki.len() {
            assert_eq!(
                rsa_public_key_from_spki(&spki[..len]),
                Err(DerError::Truncated),
                "spki prefix {len}"
            );
        }
        for len in 0..pkcs1.len() {
            assert_eq!(
                rsa_public_key_from_pkcs1(&pkcs1[..len]),
                Err(DerError::Truncated),
                "pkcs1 prefix {len}"
            );
        }
        let mut longer = spki.clone();
        longer.push(0);
        assert_eq!(
            rsa_public_key_from_spki(&longer),
            Err(DerError::TrailingData)
        );
        let mut longer = pkcs1.clone();
        longer.extend_from_slice(&[0x05, 0x00]);
        assert_eq!(
            rsa_public_key_from_pkcs1(&longer),
            Err(DerError::TrailingData)
        );
    }
}

#[test]
fn every_single_byte_corruption_is_handled_without_panic() {
    let key = RsaPublicKey::from_public_key_pem(PEMS[3]).unwrap();
    let spki = key.to_public_key_der().unwrap().as_bytes().to_vec();
    for i in 0..spki.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bad = spki.clone();
            bad[i] ^= flip;
            // Either refused, or (corrupting the modulus/exponent value) parsed to other values.
            if let Ok((n, e)) = rsa_public_key_from_spki(&bad) {
                assert_ne!((n, e), expected(&key), "byte {i} ^ {flip:#x}");
            }
        }
    }
}

/// `SEQUENCE { INTEGER n, INTEGER e }` from raw INTEGER contents.
fn pkcs1_raw(n: &[u8], e: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, n.len() as u8];
    body.extend_from_slice(n);
    body.extend_from_slice(&[0x02, e.len() as u8]);
    body.extend_from_slice(e);
    let mut out = vec![0x30, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

/// SPKI with the given AlgorithmIdentifier content around `key`.
fn spki_raw(algorithm: &[u8], bit_string: &[u8]) -> Vec<u8> {
    let mut body = vec![0x30, algorithm.len() as u8];
    body.extend_from_slice(algorithm);
    body.extend_from_slice(&[0x03, bit_string.len() as u8]);
    body.extend_from_slice(bit_string);
    let mut out = vec![0x30, body.len() as u8];
    out.extend_from_slice(&body);
    out
}

const RSA_ALG_NULL: &[u8] = &[
    0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05, 0x00,
];

fn with_unused_bits(unused: u8, key: &[u8]) -> Vec<u8> {
    let mut out = vec![unused];
    out.extend_from_slice(key);
    out
}

#[test]
fn small_hand_made_encodings_parse() {
    let key = pkcs1_raw(&[0x00, 0xc5], &[0x03]);
    assert_eq!(
        rsa_public_key_from_pkcs1(&key),
        Ok((vec![0xc5], vec![0x03]))
    );
    let spki = spki_raw(RSA_ALG_NULL, &with_unused_bits(0, &key));
    assert_eq!(
        rsa_public_key_from_spki(&spki),
        Ok((vec![0xc5], vec![0x03]))
    );
    // Absent parameters are accepted.
    let spki = spki_raw(&RSA_ALG_NULL[..11], &with_unused_bits(0, &key));
    assert_eq!(
        rsa_public_key_from_spki(&spki),
        Ok((vec![0xc5], vec![0x03]))
    );
    // Zero is a valid (if useless) INTEGER: an empty magnitude.
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[0x00], &[0x01, 0x00, 0x01])),
        Ok((vec![], vec![0x01, 0x00, 0x01]))
    );
}

#[test]
fn malformed_lengths_are_rejected() {
    // Long form for a short length: 30 81 06 …
    let mut key = pkcs1_raw(&[0x45], &[0x03]);
    let body = key.split_off(2);
    let mut long_form = vec![0x30, 0x81, body.len() as u8];
    long_form.extend_from_slice(&body);
    assert_eq!(
        rsa_public_key_from_pkcs1(&long_form),
        Err(DerError::NonMinimalLength)
    );
    // Long form with a leading zero octet, even for a length ≥ 128.
    let mut padded = vec![0x30, 0x82, 0x00, 0x80];
    padded.extend_from_slice(&[0u8; 0x80]);
    assert_eq!(
        rsa_public_key_from_pkcs1(&padded),
        Err(DerError::NonMinimalLength)
    );
    // Indefinite length.
    let mut indefinite = vec![0x30, 0x80];
    indefinite.extend_from_slice(&body);
    indefinite.extend_from_slice(&[0x00, 0x00]);
    assert_eq!(
        rsa_public_key_from_pkcs1(&indefinite),
        Err(DerError::IndefiniteLength)
    );
    // Reserved and oversized length fields.
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0xff]),
        Err(DerError::LengthTooLarge)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0x84, 0x01, 0x00, 0x00, 0x00]),
        Err(DerError::LengthTooLarge)
    );
    // A length beyond the input.
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0x05, 0x02]),
        Err(DerError::Truncated)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0x82, 0x01]),
        Err(DerError::Truncated)
    );
    // An input over the cap is refused before parsing.
    assert_eq!(
        rsa_public_key_from_spki(&vec![0x30; MAX_DER_BYTES + 1]),
        Err(DerError::InputTooLarge)
    );
}

#[test]
fn malformed_integers_are_rejected() {
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[0xc5], &[0x03])),
        Err(DerError::NegativeInteger)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[0x45], &[0xff])),
        Err(DerError::NegativeInteger)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[0x00, 0x45], &[0x03])),
        Err(DerError::NonMinimalInteger)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[0x00, 0x00, 0xc5], &[0x03])),
        Err(DerError::NonMinimalInteger)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&pkcs1_raw(&[], &[0x03])),
        Err(DerError::EmptyInteger)
    );
    // A third field, or a missing exponent.
    let mut three = pkcs1_raw(&[0x45], &[0x03]);
    three[1] += 3;
    three.extend_from_slice(&[0x02, 0x01, 0x01]);
    assert_eq!(
        rsa_public_key_from_pkcs1(&three),
        Err(DerError::TrailingData)
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0x03, 0x02, 0x01, 0x45]),
        Err(DerError::Truncated)
    );
    // Wrong tags.
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x31, 0x03, 0x02, 0x01, 0x45]),
        Err(DerError::UnexpectedTag {
            expected: 0x30,
            found: 0x31
        })
    );
    assert_eq!(
        rsa_public_key_from_pkcs1(&[0x30, 0x06, 0x04, 0x01, 0x45, 0x02, 0x01, 0x03]),
        Err(DerError::UnexpectedTag {
            expected: 0x02,
            found: 0x04
        })
    );
}

#[test]
fn malformed_spki_wrappers_are_rejected() {
    let key = pkcs1_raw(&[0x00, 0xc5], &[0x03]);
    let good_bits = with_unused_bits(0, &key);
    // EC public key (id-ecPublicKey 1.2.840.10045.2.1, prime256v1 parameters).
    let ec = [
        0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
        0x3d, 0x03, 0x01, 0x07,
    ];
    let err = rsa_public_key_from_spki(&spki_raw(&ec, &good_bits)).unwrap_err();
    assert_eq!(
        err,
        DerError::UnsupportedAlgorithm("1.2.840.10045.2.1".into())
    );
    assert_eq!(
        err.to_string(),
        "key algorithm 1.2.840.10045.2.1 is not rsaEncryption (1.2.840.113549.1.1.1)"
    );
    // Ed25519 (1.3.101.112), RSASSA-PSS (1.2.840.113549.1.1.10).
    let ed = [0x06, 0x03, 0x2b, 0x65, 0x70];
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(&ed, &good_bits)),
        Err(DerError::UnsupportedAlgorithm("1.3.101.112".into()))
    );
    let pss = [
        0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x0a,
    ];
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(&pss, &good_bits)),
        Err(DerError::UnsupportedAlgorithm(
            "1.2.840.113549.1.1.10".into()
        ))
    );
    // Malformed OIDs (non-minimal sub-identifier, unterminated, empty).
    for oid in [
        &[0x06, 0x02, 0x80, 0x01][..],
        &[0x06, 0x01, 0x81],
        &[0x06, 0x00],
    ] {
        assert_eq!(
            rsa_public_key_from_spki(&spki_raw(oid, &good_bits)),
            Err(DerError::BadOid)
        );
    }
    // Parameters other than NULL; NULL with content; extra parameters.
    let mut params = RSA_ALG_NULL[..11].to_vec();
    params.extend_from_slice(&[0x04, 0x00]);
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(&params, &good_bits)),
        Err(DerError::BadAlgorithmParameters)
    );
    let mut params = RSA_ALG_NULL[..11].to_vec();
    params.extend_from_slice(&[0x05, 0x01, 0x00]);
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(&params, &good_bits)),
        Err(DerError::BadNull)
    );
    let mut params = RSA_ALG_NULL.to_vec();
    params.extend_from_slice(&[0x05, 0x00]);
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(&params, &good_bits)),
        Err(DerError::TrailingData)
    );
    // BIT STRING with unused bits, or empty.
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(RSA_ALG_NULL, &with_unused_bits(1, &key))),
        Err(DerError::BadBitString)
    );
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(RSA_ALG_NULL, &[])),
        Err(DerError::BadBitString)
    );
    // Trailing bytes inside the BIT STRING, after the BIT STRING, after the SPKI.
    let mut inner = good_bits.clone();
    inner.push(0x00);
    assert_eq!(
        rsa_public_key_from_spki(&spki_raw(RSA_ALG_NULL, &inner)),
        Err(DerError::TrailingData)
    );
    let mut spki = spki_raw(RSA_ALG_NULL, &good_bits);
    spki[1] += 2;
    spki.extend_from_slice(&[0x05, 0x00]);
    assert_eq!(rsa_public_key_from_spki(&spki), Err(DerError::TrailingData));
    let mut spki = spki_raw(RSA_ALG_NULL, &good_bits);
    spki.extend_from_slice(&[0x00]);
    assert_eq!(rsa_public_key_from_spki(&spki), Err(DerError::TrailingData));
}

#[test]
fn display_names_the_problem() {
    assert_eq!(
        DerError::IndefiniteLength.to_string(),
        "indefinite length (not DER)"
    );
    assert_eq!(
        DerError::UnexpectedTag {
            expected: 0x30,
            found: 0x02
        }
        .to_string(),
        "expected tag 0x30, found 0x02"
    );
    assert_eq!(DerError::NegativeInteger.to_string(), "negative INTEGER");
}
