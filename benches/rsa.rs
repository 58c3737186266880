//! RS256 verification: the `rsa` crate against `rsa_fast`, natively (`cargo bench --bench rsa`).
//! Both verify a precomputed SHA-256 digest, so only the RSA public operation and the
//! padding check are timed. `key-setup` times key preparation from SPKI DER (for `rsa_fast`
//! including R² mod n, which it otherwise computes on the key's first verification).
//! `der` and `rsa_fast` are crate-private, so they are compiled in from `src/` by path.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup on fixed, committed keys"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use rsa::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePublicKey};
use rsa::{Pkcs1v15Sign, RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

#[allow(
    dead_code,
    unused_imports,
    reason = "the bench uses part of the module; under `cfg(test)` its tests module is inert here"
)]
#[path = "../src/der.rs"]
mod der;
#[allow(
    dead_code,
    unused_imports,
    reason = "the bench uses part of the module; under `cfg(test)` its tests module is inert here"
)]
#[path = "../src/rsa_fast.rs"]
mod rsa_fast;

const KEYS: [(&str, &str); 2] = [
    ("2048", include_str!("../demo/demo-private.pem")),
    ("3072", include_str!("../tests/keys/big-private.pem")),
];

fn verify(c: &mut Criterion) {
    for (bits, pem) in KEYS {
        let private = RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
        let public = private.to_public_key();
        let spki = public.to_public_key_der().unwrap().into_vec();
        let digest = Sha256::digest(b"header.payload");
        let sig = private
            .sign(Pkcs1v15Sign::new::<Sha256>(), &digest)
            .unwrap();
        let (n, e) = der::rsa_public_key_from_spki(&spki).unwrap();
        let fast = rsa_fast::RsaPublicKey::new(&n, &e).expect("key");
        assert!(fast.verify_pkcs1v15(rsa_fast::Hash::Sha256, &digest, &sig));

        let mut group = c.benchmark_group(format!("rs256-verify-{bits}"));
        group.bench_function("rsa-crate", |b| {
            b.iter(|| {
                public
                    .verify(
                        Pkcs1v15Sign::new::<Sha256>(),
                        black_box(&digest),
                        black_box(&sig),
                    )
                    .is_ok()
            })
        });
        group.bench_function("rsa_fast", |b| {
            b.iter(|| {
                fast.verify_pkcs1v15(rsa_fast::Hash::Sha256, black_box(&digest), black_box(&sig))
            })
        });
        group.finish();

        let mut group = c.benchmark_group(format!("key-setup-{bits}"));
        group.bench_function("rsa-crate", |b| {
            b.iter(|| RsaPublicKey::from_public_key_der(black_box(&spki)).is_ok())
        });
        group.bench_function("rsa_fast", |b| {
            b.iter(|| {
                der::rsa_public_key_from_spki(black_box(&spki))
                    .ok()
                    .and_then(|(n, e)| rsa_fast::RsaPublicKey::new(&n, &e))
                    .map(|key| key.precompute())
                    .is_some()
            })
        });
        group.finish();
    }
}

criterion_group!(benches, verify);
criterion_main!(benches);
