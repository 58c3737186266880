//! `authenticate` natively (`cargo bench --bench authenticate`): the whole request decision for
//! a signed-in cookie request, with and without the verified-signature cache (the cached
//! figure is the request decision without the RSA operation). Also `Verifier::from_env` on the
//! DEMO configuration: the per-instance set-up a fresh component instance pays.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "benchmark setup on fixed, committed keys"
)]
#![allow(
    missing_docs,
    reason = "criterion_group! generates an undocumented pub fn"
)]

use std::collections::BTreeMap;
use std::hint::black_box;

use clerk_edge::mint::Minter;
use clerk_edge::request::RequestParts;
use clerk_edge::{UnixMillis, Verifier};
use criterion::{criterion_group, criterion_main, Criterion};
use serde_json::json;

const NOW: i64 = 1_767_225_600; // 2026-01-01T00:00:00Z

fn demo_env() -> BTreeMap<String, String> {
    BTreeMap::from([
        (
            "CLERK_JWT_KEY".to_owned(),
            include_str!("../demo/demo-public.pem").to_owned(),
        ),
        (
            "CLERK_PUBLISHABLE_KEY".to_owned(),
            "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k".to_owned(),
        ),
    ])
}

fn authenticate(c: &mut Criterion) {
    let minter = Minter::from_pem(include_str!("../demo/demo-private.pem")).unwrap();
    let token = minter.mint(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"}),
        &json!({"sub": "user_bench", "sid": "sess_bench", "iss": "https://clerk.demo-app.example.com",
                "azp": "http://localhost:3000", "iat": NOW - 5, "nbf": NOW - 10, "exp": NOW + 3600}),
    );
    let request = RequestParts {
        method: "GET".into(),
        url: "http://localhost:3000/dashboard".into(),
        headers: vec![
            (
                "cookie".into(),
                format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_bench"),
            ),
            ("sec-fetch-dest".into(), "document".into()),
        ],
    };
    let now = UnixMillis(NOW * 1000);
    let env = demo_env();
    let plain = Verifier::from_env(&env).unwrap();
    let cached = Verifier::from_env(&env).unwrap().with_token_cache(16);
    for v in [&plain, &cached] {
        let state = v.authenticate(&request, now).unwrap();
        assert!(state.is_signed_in(), "{state:?}");
    }
    let mut group = c.benchmark_group("authenticate-cookie");
    group.bench_function("uncached", |b| {
        b.iter(|| black_box(plain.authenticate(black_box(&request), now)))
    });
    group.bench_function("cached-signature", |b| {
        b.iter(|| black_box(cached.authenticate(black_box(&request), now)))
    });
    group.finish();
    c.bench_function("verifier-from-env-demo", |b| {
        b.iter(|| black_box(Verifier::from_env(black_box(&env))))
    });
}

criterion_group!(benches, authenticate);
criterion_main!(benches);
