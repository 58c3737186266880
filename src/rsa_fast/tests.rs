use rsa::pkcs8::DecodePrivateKey;
use rsa::traits::PublicKeyParts;
use rsa::{BigUint, Pkcs1v15Sign, RsaPrivateKey};
use sha2::{Digest, Sha256, Sha384, Sha512};

use super::*;
use crate::der::{rsa_public_key_from_pkcs1, rsa_public_key_from_spki};

const DEMO: &str = include_str!("../../demo/demo-private.pem");
const OTHER: &str = include_str!("../../tests/keys/other-private.pem");
const BIG: &str = include_str!("../../tests/keys/big-private.pem");
/// A throwaway 4096-bit key made for this test with `openssl genpkey` (never used elsewhere).
const HUGE: &str = "-----BEGIN PRIVATE KEY-----
MIIJRAIBADANBgkqhkiG9w0BAQEFAASCCS4wggkqAgEAAoICAQDDUaabDvbt+QAj
5H54crh2hcoNCaaPNo9NHJ8w3CUNIFu7DGG8PRD30jxcC67q9ZnP5X5xRm5p1ETd
Vd/eqaMnTYVVCYM6+aBaQqhmqaQ6Yw9FDxv47JyP2GTUXBmA/xLfZf3ERQQs8Sgb
bo1e1j8feOXzokQnqNRExxVuHAZ7n212cl5RcpOsfhS12GSMeC+cujttTPXESBWg
22dV0wr8d8GBh5HXSvc9GrbnLKkfHjPdvgCGHgLLfIViwQOOTXOBOxWGX48nyEUg
btZ30b9F0xOdgrE6SnU9GzcbTQ1R2qrMEDgfWXup02Hi1K+95SjkFDPTuxVrlTUn
nvMJliWoDL7eAITK4CKrGrRmPeBaCwV4hPaUHn4UbgfJuyh1Y6rawnNSPzSohoXd
6IFcT7esC7VJWij9eOh8y1rIX7kbbxriFUAgGZbfAsuWSPnS9mCasyBU7u7QqUG+
gBEgClvsbjypgooBDv63hvcQ1EDSR5ZyWZCCYNlTAFUeJEJhQDF3tcm5qTdzbiTe
RsO8Bq+KyPzxRKNK3JpCiM70Q0XiTCZSX+KO72MvJaBH/Yw/5xUCnRpbEfhEBQQZ
Z50LP3xSOY26HksgPSonIgWF+f8hmm2hqIotxKI2nLpsff08aJUdCrhpj27ST2+9
RP4kb/R2JNW1mL0JrNGXWHXg7YlFRwIDAQABAoICAF/d6L98tdiR+e6kDStDa6TJ
ACYsEXODnQyFOuF5fDoYIs4JQsNo2bY5m2S2W1F54Nf41Xn1zuXkyTQ2HR6l9q2o
0AOwGphMw9bplsxlAXWi/3Cu/NTOFf5IgRz2Y5I8IGBEKC04jtccOspUFdFxqSPi
bEOL5pXsuNtVOACGguwUkV6svfyOF0t3yuSCZL/Jkd0ET3zTZGHF28/LQMoQPvky
MmlISF36rqVwQkvvUMc0RNLWml05x7dm0/VntT4YZ9QLUwJUTuiA1OUZYe0HpzE3
bA5IgoKQ30Bx5jdhN2Nwx5pHb7R7cEYnuYjjSasUGmDwRYvr7JSUdLWQv8t5xdr7
lB8mCQGeTKiFtQcl9eLBnEfade4HERsmYL6FvACCi4cDREh3vdGy4a8kjY6grP/3
M6Sud3ydKVEYMv+J8g/gGDaUx/XcoAqhvBQGFUHt7ac/P8tGEhdVx576WEOJVf4r
1kiUERdOHMLvdS4IoHkh0GS51lIr5u0u4pLSoDi/FnU/KtziGWYyQahxhOzueUEb
wpfkH3hDIa7A5D/mJVyEXE54pazpK+bHZVjtqTmAXqnBRwOWve8KojPO7dWUb6tk
bhgf63w0AzsIP0UsLcGrFpdT3bNkL1uCNcTU2pi4BBxyAt+fBsIGiFXn2W4uYPJ3
U3n0/g3BEaslLGCOXcshAoIBAQD/FkwaphEGkWYT4N2sNVZ1WgKDhfPHC8PKc5hS
8AbsZ0Qn/Zj6OU1crJ552B4W7itU7sx/HjIoaWup4jqWAl3lkUsZCcgZkUOZvK4e
LGaphkCoUpLcpgyF8H1LOYWmX8uMSuMd5x+GK2TkxW9H24/BumBwJNeFbC7skVYP
LxWNJu77QvJXjRIruuQLk6kFH2BmIkbp0Ejq4D0McjXr7LmB9dSDbkjCQ2Ks4bh9
2Po/Jis0hCxfBHrV6BJIYDdpM8biFKnLAU/K3m3xWyaVZ3tLIk2TBI99D90yGoT3
g3j6U4kUMzwv+E8BBHjjoJM3O0gtKfewF8TY4IAsAzN590OXAoIBAQDEBJiItwYh
HKPE8RWb6xLuvZpCLQPo9UUUVdTMb+6Rp2w9+N+W2zVW2cfi4YgndOAUI6R63ucR
g3tZKdzU9lqUl1ARPgCs1TOeKtnbSYLooqITNyv5zx4mNOiY3L7Fm2/fKc6mtceG
S03jeev+Uy4ddtmSbRuaW2y5PTjePb5CUNgwXdsSfS5yhikpLswb4Vx18OFbpiiX
/tC5e7gzu2jHMMN5ZuZDFUcsRT01TaYt88ZSetidPtHtBTszgLF4YSMoF5+0eOdM
md4Cl2+j+20Y+cRLeN/uDIOhs/WbWOgCyVBc3xxf2ZJQTWM1wBvX+q3RbEVTiSE2
eOBNHwtOxIHRAoIBAQCRxOEqnVm/YhluJKMohLZqi0xCcqrTRTLWn2YdhxK9x2lY
XQAthc9itTY+tLTFL8dNWsU7ozrQgyXGSARosuOLi5LZtRBHJA74bK0niwIDwDd0
uPM56h3f8IT5Ft78K2P7QNQ2w1vtZSDb5sNn0d19vI7dpwAOO7s47vi55pMvPV91
8FTimTgYC03EG9aLmdmRo+bYOHFi30+jrCSKNJXx4VRW4w/rC2z5FGhEalje+2XX
NezRQ5MaZ+sCtxETKkZt7Zb17kL10FQNh6Qt3pvDXM/twr5onkcuGZ+Aff4FNvVv
uLOdSg2DrFWU5q8Z8eOWA5SKaZrQwMId5JpnCVjzAoIBAQCkv2AceAe0yMd0fVQ2
KctN0RnXyNHieFLJFqK1+NXAocC+DXCO8ErSZlQ0Am5XC0pSYuqZQsNe2u1PMXoj
m7Lh9JMdCsmyebbalxVn008ti5NBJzvUyBmE7y8XW2ET4OKT5CWFxH6gBqa+K/kH
Vo4JwZx4DzAF+hVVU3l6gNZqElzBugCod4IUS2JI9MYkILN/hSdDylGP/mEbpDpb
cIZN9FQ2sx+Q/k9FjCQ3qr2jHaJwLEPnVadG2QC69s0yaiIMTl6yZnOw1Bnef70b
S/ST60jqTfuXrfjsbb5eBMlrnhvnErZccRciWwipYn+EdXKl86QI49aAW/PZnd/5
IfwhAoIBAQDveMgd0gxrS+qg14CeKHeXx9Ry1Wf9gAvTakVgfqS5XECvqN5CSCU9
d3/Hgh+/lNjJHqGrMKVEzGH6xQed4N+zKWCwTMDfTgwDGSJ0kSwn0z4Ix0NYoJrc
/x+9lW+ooU5dAEee5FyqDXsOF5TLa0laW+F9gDNYshIQNORO20DAiwXm4BIrCm4k
4on3XYRh+47rZD0xILdHLs9AC37fJ+d4QQyEFJ5D5W2VezCEn0uogI51X+p129Yn
xh49q5hgM79HmlBa93lASGZd0aS3BTGJZfrU3srLCKaWx+ADYu/bHlcJMK3AIWUA
Rwd+8si9w/DpbjFHMD2JEzv1UJKW0xMA
-----END PRIVATE KEY-----
";

/// Deterministic test randomness (splitmix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    fn bytes(&mut self, len: usize) -> Vec<u8> {
        (0..len).map(|_| self.next() as u8).collect()
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len() % 2 == 0, "odd hex length");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn digest(hash: Hash, msg: &[u8]) -> Vec<u8> {
    match hash {
        Hash::Sha256 => Sha256::digest(msg).to_vec(),
        Hash::Sha384 => Sha384::digest(msg).to_vec(),
        Hash::Sha512 => Sha512::digest(msg).to_vec(),
    }
}

fn padding(hash: Hash) -> Pkcs1v15Sign {
    match hash {
        Hash::Sha256 => Pkcs1v15Sign::new::<Sha256>(),
        Hash::Sha384 => Pkcs1v15Sign::new::<Sha384>(),
        Hash::Sha512 => Pkcs1v15Sign::new::<Sha512>(),
    }
}

fn fast_key(private: &RsaPrivateKey) -> RsaPublicKey {
    RsaPublicKey::new(&private.n().to_bytes_be(), &private.e().to_bytes_be()).unwrap()
}

/// x^e mod n through `public_op`, as a BigUint; both kernels must agree.
fn fast_pow(key: &RsaPublicKey, x: &BigUint) -> BigUint {
    let len = key.len_bytes();
    let mut sig = x.to_bytes_be();
    assert!(sig.len() <= len);
    sig.splice(0..0, std::iter::repeat_n(0, len - sig.len()));
    let mut out = vec![0u8; len];
    assert!(key.public_op(&sig, &mut out));
    let mut other = vec![0u8; len];
    assert!(key.public_op_with(&sig, &mut other, Kernel::Words32));
    assert_eq!(out, other, "{} bits: kernels disagree", key.bits());
    assert!(key.public_op_with(&sig, &mut other, Kernel::Lanes27));
    assert_eq!(out, other, "{} bits: kernels disagree", key.bits());
    BigUint::from_bytes_be(&out)
}

fn random_odd_modulus(rng: &mut Rng, bits: usize) -> Vec<u8> {
    let mut n = rng.bytes(bits.div_ceil(8));
    let spare = n.len() * 8 - bits;
    n[0] &= 0xff >> spare;
    n[0] |= 0x80 >> spare;
    *n.last_mut().unwrap() |= 1;
    n
}

fn to_limbs(x: &BigUint, k: usize) -> Vec<u32> {
    let mut limbs = vec![0u32; k];
    limbs_from_be(&mut limbs, &x.to_bytes_be());
    limbs
}

fn from_limbs(limbs: &[u32]) -> BigUint {
    let mut be = vec![0u8; limbs.len() * 4];
    limbs_to_be(&mut be, limbs);
    BigUint::from_bytes_be(&be)
}

#[test]
fn montgomery_arithmetic_matches_biguint() {
    let mut rng = Rng(1);
    for bits in [2048, 2049, 2079, 2080, 2081, 3072, 4000, 4096, 8192] {
        let n_be = random_odd_modulus(&mut rng, bits);
        let key = RsaPublicKey::new(&n_be, &[0x01, 0x00, 0x01]).unwrap();
        assert_eq!(key.bits(), bits);
        let n = BigUint::from_bytes_be(&n_be);
        let k = key.n.len();
        let r = BigUint::from(1u8) << (32 * k);
        assert_eq!(
            from_limbs(key.r_squared().unwrap()),
            (&r * &r) % &n,
            "R² at {bits} bits"
        );
        assert_eq!(
            (BigUint::from(key.n0inv) * BigUint::from(key.n[0])) % (BigUint::from(1u8) << 32),
            (BigUint::from(1u8) << 32) - 1u8,
            "n0inv at {bits} bits"
        );
        // out = a·b·R⁻¹ mod n  ⇔  out·R ≡ a·b (mod n), and out < n.
        let mut wide = vec![0u32; 2 * k];
        let mut out = vec![0u32; k];
        for round in 0..8 {
            let a = BigUint::from_bytes_be(&rng.bytes(bits / 8 + 1)) % &n;
            let b = if round == 0 {
                &n - 1u8
            } else {
                BigUint::from_bytes_be(&rng.bytes(bits / 8 + 1)) % &n
            };
            let (al, bl) = (to_limbs(&a, k), to_limbs(&b, k));
            mont_mul(&mut out, &al, &bl, &key.n, key.n0inv, &mut wide);
            let got = from_limbs(&out);
            assert!(got < n);
            assert_eq!((&got * &r) % &n, (&a * &b) % &n, "mont_mul at {bits} bits");
            mont_sqr(&mut out, &al, &key.n, key.n0inv, &mut wide);
            let got = from_limbs(&out);
            assert!(got < n);
            assert_eq!((&got * &r) % &n, (&a * &a) % &n, "mont_sqr at {bits} bits");
        }
    }
}

#[test]
fn public_op_matches_biguint_modpow() {
    let mut rng = Rng(2);
    let exponents = [
        3u32,
        5,
        17,
        257,
        65537,
        0x8000_0001,
        0xffff_ffff,
        0x1234_5679,
    ];
    // 2048 bits is the largest key of the small stack class (`SMALL_LIMBS`, `ps::Work`),
    // 2050 the smallest of the 8192-bit class.
    for bits in [2048, 2050, 2111, 3072, 4096, 8192] {
        let n_be = random_odd_modulus(&mut rng, bits);
        let n = BigUint::from_bytes_be(&n_be);
        for &e in &exponents {
            // BigUint::modpow is slow in debug builds: fewer exponents for the big sizes.
            if (bits >= 4096 && ![3, 65537, 0xffff_ffff].contains(&e))
                || (bits == 8192 && e != 65537)
            {
                continue;
            }
            let key = RsaPublicKey::new(&n_be, &e.to_be_bytes()).unwrap();
            assert_eq!(key.e, e);
            let mut xs = vec![
                BigUint::from(0u8),
                BigUint::from(1u8),
                BigUint::from(2u8),
                &n - 1u8,
                &n - 2u8,
            ];
            for _ in 0..3 {
                xs.push(BigUint::from_bytes_be(&rng.bytes(bits / 8 + 2)) % &n);
            }
            for x in &xs {
                assert_eq!(
                    fast_pow(&key, x),
                    x.modpow(&BigUint::from(e), &n),
                    "{bits} bits, e = {e}"
                );
            }
        }
    }
}

#[test]
fn r_squared_matches_biguint_for_awkward_moduli() {
    let mut rng = Rng(5);
    let one = BigUint::from(1u8);
    let mut moduli: Vec<Vec<u8>> = Vec::new();
    for bits in [
        2048usize, 2049, 2070, 2079, 2080, 2111, 2112, 3072, 4096, 8192,
    ] {
        // Smallest and largest moduli of this size, a top 32 bits of exactly 2³¹ followed by
        // ones (the quotient estimate's worst case), and random ones.
        moduli.push(((&one << (bits - 1)) + 1u8).to_bytes_be());
        moduli.push(((&one << bits) - 1u8).to_bytes_be());
        moduli.push(((&one << (bits - 1)) + (&one << (bits - 33)) - 1u8).to_bytes_be());
        moduli.push(random_odd_modulus(&mut rng, bits));
        moduli.push(random_odd_modulus(&mut rng, bits));
    }
    for n_be in moduli {
        let key = RsaPublicKey::new(&n_be, &[3]).unwrap();
        let n = BigUint::from_bytes_be(&n_be);
        let r = &one << (32 * key.n.len());
        assert_eq!(
            from_limbs(key.r_squared().unwrap()),
            (&r * &r) % &n,
            "{} bits",
            key.bits()
        );
        let x = BigUint::from_bytes_be(&rng.bytes(n_be.len())) % &n;
        assert_eq!(fast_pow(&key, &x), x.modpow(&BigUint::from(3u8), &n));
    }
}

#[test]
fn key_preparation_rejects_bad_parameters() {
    let mut rng = Rng(3);
    let n2048 = random_odd_modulus(&mut rng, 2048);
    let e = [0x01, 0x00, 0x01];
    assert!(RsaPublicKey::new(&n2048, &e).is_some());
    // Leading zeros are ignored.
    let mut padded = vec![0, 0];
    padded.extend_from_slice(&n2048);
    let key = RsaPublicKey::new(&padded, &[0, 0, 0, 0, 1, 0, 1]).unwrap();
    assert_eq!((key.bits(), key.len_bytes(), key.e), (2048, 256, 65537));
    // Even modulus.
    let mut even = n2048.clone();
    *even.last_mut().unwrap() &= 0xfe;
    assert!(RsaPublicKey::new(&even, &e).is_none());
    // Sizes: 2047 bits refused, 8192 accepted, 8193 refused, empty refused.
    assert!(RsaPublicKey::new(&random_odd_modulus(&mut rng, 2047), &e).is_none());
    assert!(RsaPublicKey::new(&random_odd_modulus(&mut rng, 1024), &e).is_none());
    assert!(RsaPublicKey::new(&random_odd_modulus(&mut rng, 8192), &e).is_some());
    assert!(RsaPublicKey::new(&random_odd_modulus(&mut rng, 8193), &e).is_none());
    assert!(RsaPublicKey::new(&[], &e).is_none());
    assert!(RsaPublicKey::new(&[0; 300], &e).is_none());
    // Exponents: even, 1, 0, empty, above 2³² − 1 refused; 3 and 2³² − 1 accepted.
    for bad in [
        &[2u8][..],
        &[1],
        &[0],
        &[],
        &[0x01, 0x00, 0x00, 0x00, 0x01],
        &[0x01, 0x00, 0x00],
    ] {
        assert!(RsaPublicKey::new(&n2048, bad).is_none(), "e = {bad:?}");
    }
    assert!(RsaPublicKey::new(&n2048, &[3]).is_some());
    assert!(RsaPublicKey::new(&n2048, &[0xff, 0xff, 0xff, 0xff]).is_some());
    // R² is computed once, on first use or on request; clones keep working.
    key.precompute();
    let clone = key.clone();
    assert_eq!(clone.r_squared(), key.r_squared());
    // Debug shows the shape, not the modulus.
    let shown = format!("{key:?}");
    assert_eq!(shown, "RsaPublicKey { bits: 2048, e: 65537, .. }");
}

#[test]
fn verifies_what_the_rsa_crate_signs_and_rejects_tampering() {
    let mut rng = Rng(4);
    let cases: [(&str, usize, usize); 4] = [
        (DEMO, 2048, 12),
        (OTHER, 2048, 6),
        (BIG, 3072, 6),
        (HUGE, 4096, 3),
    ];
    let hashes = [Hash::Sha256, Hash::Sha384, Hash::Sha512];
    let mut checked = 0;
    for (pem, bits, rounds) in cases {
        let private = RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
        let key = fast_key(&private);
        assert_eq!(key.bits(), bits);
        let n = private.n().clone();
        let len = key.len_bytes();
        for round in 0..rounds {
            let hash = hashes[round % 3];
            let msg_len = rng.below(200);
            let msg = rng.bytes(msg_len);
            let d = digest(hash, &msg);
            let sig = private.sign(padding(hash), &d).unwrap();
            assert_eq!(sig.len(), len);
            assert!(
                key.verify_both(hash, &d, &sig),
                "{bits} bits, round {round}"
            );
            checked += 1;

            // Another hash's digest of the same message, or this one under another label.
            for other in hashes.into_iter().filter(|&h| h != hash) {
                assert!(!key.verify_both(other, &digest(other, &msg), &sig));
                let mut resized = d.clone();
                resized.resize(other.output_len(), 0);
                assert!(!key.verify_both(other, &resized, &sig));
            }
            // Tampered message digest: first, middle, last and two random bytes.
            for i in [
                0,
                d.len() / 2,
                d.len() - 1,
                rng.below(d.len()),
                rng.below(d.len()),
            ] {
                let mut bad = d.clone();
                bad[i] ^= 1 << (i % 8);
                assert!(!key.verify_both(hash, &bad, &sig));
            }
            // Tampered signature: a few random bits.
            for _ in 0..4 {
                let mut bad = sig.clone();
                let i = rng.below(len);
                bad[i] ^= 1 << rng.below(8);
                assert!(!key.verify_both(hash, &d, &bad));
            }
            // Wrong lengths: one byte short, a leading zero added, truncated digests.
            assert!(!key.verify_both(hash, &d, &sig[1..]));
            assert!(!key.verify_both(hash, &d, &sig[..len - 1]));
            let mut longer = vec![0u8];
            longer.extend_from_slice(&sig);
            assert!(!key.verify_both(hash, &d, &longer));
            assert!(!key.verify_both(hash, &d[..d.len() - 1], &sig));
            assert!(!key.verify_both(hash, &[], &sig));
            // s + n ≡ s (mod n) but is not the canonical representative.
            let s_plus_n = BigUint::from_bytes_be(&sig) + &n;
            let bytes = s_plus_n.to_bytes_be();
            if bytes.len() == len {
                assert!(!key.verify_both(hash, &d, &bytes));
            }
        }
        // Edge signatures: 0, 1, n − 1, n, n + 1, all-FF.
        let d = digest(Hash::Sha256, b"edge");
        let pad = |x: &BigUint| {
            let mut b = x.to_bytes_be();
            b.splice(0..0, std::iter::repeat_n(0, len - b.len()));
            b
        };
        for s in [
            BigUint::from(0u8),
            BigUint::from(1u8),
            &n - 1u8,
            n.clone(),
            &n + 1u8,
        ] {
            assert!(!key.verify_both(Hash::Sha256, &d, &pad(&s)));
        }
        assert!(!key.verify_both(Hash::Sha256, &d, &vec![0u8; len]));
        assert!(!key.verify_both(Hash::Sha256, &d, &vec![0xffu8; len]));
        assert!(!key.verify_both(Hash::Sha256, &d, &[]));
    }
    assert_eq!(checked, 27);
}

#[test]
fn a_signature_by_another_key_is_rejected() {
    let demo = RsaPrivateKey::from_pkcs8_pem(DEMO).unwrap();
    let other = RsaPrivateKey::from_pkcs8_pem(OTHER).unwrap();
    let d = digest(Hash::Sha256, b"payload");
    let sig = other.sign(padding(Hash::Sha256), &d).unwrap();
    assert!(fast_key(&other).verify_both(Hash::Sha256, &d, &sig));
    assert!(!fast_key(&demo).verify_both(Hash::Sha256, &d, &sig));
}

#[test]
fn encoded_message_check_is_exact() {
    let prefix = Hash::Sha256.digest_info_prefix();
    let digest = [0xabu8; 32];
    let build = |len: usize, pad_len: usize| {
        let mut em = vec![0x00, 0x01];
        em.extend(std::iter::repeat_n(0xff, pad_len));
        em.push(0x00);
        em.extend_from_slice(prefix);
        em.extend_from_slice(&digest);
        assert_eq!(em.len(), len);
        em
    };
    let good = build(256, 256 - 3 - 51);
    assert!(encoded_message_matches(&good, prefix, &digest));
    // Eight FF octets is the floor.
    assert!(encoded_message_matches(&build(62, 8), prefix, &digest));
    assert!(!encoded_message_matches(&build(61, 7), prefix, &digest));
    // Any single changed byte fails.
    for i in 0..good.len() {
        let mut bad = good.clone();
        bad[i] ^= 0x01;
        assert!(!encoded_message_matches(&bad, prefix, &digest), "byte {i}");
    }
    assert!(!encoded_message_matches(&[], prefix, &digest));
}

/// One Wycheproof file's totals.
#[derive(Debug, Default, PartialEq, Eq)]
struct Tally {
    valid: usize,
    invalid: usize,
    acceptable_accepted: Vec<u64>,
    acceptable_rejected: Vec<u64>,
}

fn run_wycheproof(file: &str, hash: Hash) -> Tally {
    let path = format!(
        "{}/tests/vectors/wycheproof/{file}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(doc["algorithm"], "RSASSA-PKCS1-v1_5");
    let mut tally = Tally::default();
    let mut count = 0;
    for group in doc["testGroups"].as_array().unwrap() {
        assert_eq!(group["type"], "RsassaPkcs1Verify");
        let sha = group["sha"].as_str().unwrap();
        assert_eq!(sha, format!("SHA-{}", hash.output_len() * 8));
        // The key three ways: SPKI DER, PKCS#1 DER and the raw fields must agree.
        let (n, e) =
            rsa_public_key_from_spki(&hex(group["publicKeyDer"].as_str().unwrap())).unwrap();
        let pkcs1 =
            rsa_public_key_from_pkcs1(&hex(group["publicKeyAsn"].as_str().unwrap())).unwrap();
        assert_eq!((n.clone(), e.clone()), pkcs1);
        let raw_n = hex(group["publicKey"]["modulus"].as_str().unwrap());
        assert_eq!(strip_leading_zeros(&raw_n), n.as_slice());
        assert_eq!(
            hex(group["publicKey"]["publicExponent"].as_str().unwrap()),
            e
        );
        let key = RsaPublicKey::new(&n, &e).unwrap();
        assert_eq!(key.bits() as u64, group["keySize"].as_u64().unwrap());
        for test in group["tests"].as_array().unwrap() {
            count += 1;
            let id = test["tcId"].as_u64().unwrap();
            let msg = hex(test["msg"].as_str().unwrap());
            let sig = hex(test["sig"].as_str().unwrap());
            let ok = key.verify_both(hash, &digest(hash, &msg), &sig);
            match test["result"].as_str().unwrap() {
                "valid" => {
                    assert!(ok, "{file} tcId {id} must verify: {}", test["comment"]);
                    tally.valid += 1;
                }
                "invalid" => {
                    assert!(!ok, "{file} tcId {id} must not verify: {}", test["comment"]);
                    tally.invalid += 1;
                }
                "acceptable" => {
                    if ok {
                        tally.acceptable_accepted.push(id);
                    } else {
                        tally.acceptable_rejected.push(id);
                    }
                }
                other => panic!("{file} tcId {id}: unknown result {other}"),
            }
        }
    }
    assert_eq!(
        count,
        doc["numberOfTests"].as_u64().unwrap() as usize,
        "{file}"
    );
    tally
}

fn tally(valid: usize, invalid: usize, acceptable_rejected: &[u64]) -> Tally {
    Tally {
        valid,
        invalid,
        acceptable_accepted: vec![],
        acceptable_rejected: acceptable_rejected.to_vec(),
    }
}

// The one "acceptable" vector per file is "MissingNull" (DigestInfo without the NULL
// parameters, a legacy encoding): we compare the full DER DigestInfo, so we reject it.
#[test]
fn wycheproof_2048_sha256() {
    assert_eq!(
        run_wycheproof("rsa_signature_2048_sha256_test.json", Hash::Sha256),
        tally(9, 249, &[8])
    );
}

#[test]
fn wycheproof_2048_sha384() {
    assert_eq!(
        run_wycheproof("rsa_signature_2048_sha384_test.json", Hash::Sha384),
        tally(7, 250, &[8])
    );
}

#[test]
fn wycheproof_2048_sha512() {
    assert_eq!(
        run_wycheproof("rsa_signature_2048_sha512_test.json", Hash::Sha512),
        tally(8, 250, &[8])
    );
}

#[test]
fn wycheproof_3072_sha256() {
    assert_eq!(
        run_wycheproof("rsa_signature_3072_sha256_test.json", Hash::Sha256),
        tally(8, 250, &[8])
    );
}

#[test]
fn wycheproof_4096_sha256() {
    assert_eq!(
        run_wycheproof("rsa_signature_4096_sha256_test.json", Hash::Sha256),
        tally(7, 250, &[8])
    );
}

#[test]
fn wycheproof_8192_sha256() {
    assert_eq!(
        run_wycheproof("rsa_signature_8192_sha256_test.json", Hash::Sha256),
        tally(7, 250, &[8])
    );
}
