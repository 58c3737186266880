//! `clerk-edge demo`: authenticates a handful of requests against the embedded demo
//! configuration (demo/ — throwaway keys for a fictitious instance) and prints each decision.

use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use clerk_edge::mint::Minter;
use clerk_edge::{Options, RequestParts, UnixMillis, Verifier};
use serde_json::json;

/// Demo publishable key (fictitious instance `clerk.demo-app.example.com`).
pub(crate) const DEMO_PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
const DEMO_PUBLIC_PEM: &str = include_str!("../../../demo/demo-public.pem");
const DEMO_PRIVATE_PEM: &str = include_str!("../../../demo/demo-private.pem");

/// Runs the demo.
pub(crate) fn run() -> ExitCode {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    let now = UnixMillis(now_ms);
    let secs = now.as_secs_floor();
    let verifier = match Verifier::new(Options {
        jwt_key: Some(DEMO_PUBLIC_PEM.to_owned()),
        publishable_key: Some(DEMO_PUBLISHABLE_KEY.to_owned()),
        authorized_parties: vec!["https://app.example.com".to_owned()],
        ..Options::default()
    }) {
        Ok(v) => v,
        Err(e) => {
            eprintln!("demo configuration rejected: {e}");
            return ExitCode::FAILURE;
        }
    };
    let minter = match Minter::from_pem(DEMO_PRIVATE_PEM) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("demo private key unreadable: {e}");
            return ExitCode::FAILURE;
        }
    };
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"});
    let claims = |iat: i64, exp: i64| {
        json!({"sub": "user_demo123", "sid": "sess_demo456", "iss": "https://clerk.demo-app.example.com",
               "azp": "https://app.example.com", "iat": iat, "nbf": iat - 10, "exp": exp,
               "v": 2, "fea": "o:dashboard", "o": {"id": "org_demo", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"}})
    };
    let valid = minter.mint(&header, &claims(secs - 5, secs + 60));
    let expired = minter.mint(&header, &claims(secs - 600, secs - 300));
    // The valid token's header and payload with the expired token's signature.
    let forged = format!(
        "{}{}",
        valid.rsplit_once('.').map_or("", |(head, _)| head),
        expired
            .rsplit_once('.')
            .map_or(String::new(), |(_, sig)| format!(".{sig}"))
    );
    let page = |cookie: String| RequestParts {
        method: "GET".into(),
        url: "https://app.example.com/dashboard".into(),
        headers: vec![
            ("sec-fetch-dest".into(), "document".into()),
            ("cookie".into(), cookie),
        ],
    };
    let uat = secs - 10;
    let cases: Vec<(&str, RequestParts)> = vec![
        (
            "valid session cookie",
            page(format!(
                "__session={valid}; __client_uat={uat}; __clerk_db_jwt=dvb_demo"
            )),
        ),
        (
            "expired session cookie",
            page(format!(
                "__session={expired}; __client_uat={}; __clerk_db_jwt=dvb_demo",
                secs - 700
            )),
        ),
        ("no cookies (new visitor)", page(String::new())),
        (
            "signed-out browser",
            page("__client_uat=0; __clerk_db_jwt=dvb_demo".into()),
        ),
        (
            "bearer token (API call)",
            RequestParts {
                method: "GET".into(),
                url: "https://app.example.com/api/me".into(),
                headers: vec![("authorization".into(), format!("Bearer {valid}"))],
            },
        ),
        (
            "forged bearer token",
            RequestParts {
                method: "GET".into(),
                url: "https://app.example.com/api/me".into(),
                headers: vec![("authorization".into(), format!("Bearer {forged}"))],
            },
        ),
    ];
    println!("clerk-edge demo — DEMO configuration (throwaway keys, fictitious instance)\n");
    for (label, request) in cases {
        match verifier.authenticate(&request, now) {
            Ok(state) => {
                print!("{label:<28} {:<11}", state.status.as_str());
                if let Some(reason) = state.reason {
                    print!(" reason={}", reason.as_str());
                }
                if let Some(claims) = state.claims() {
                    print!(
                        " user={}",
                        claims.get("sub").and_then(|v| v.as_str()).unwrap_or("?")
                    );
                }
                if let Some(loc) = state.location() {
                    print!("\n{:<40} location={loc}", "");
                }
                println!();
            }
            Err(e) => println!("{label:<28} error: {e}"),
        }
    }
    println!("\nDemo session token (valid 60 s):\n{valid}");
    ExitCode::SUCCESS
}
