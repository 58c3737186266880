//! Direct calls of every `verify-session` function through the component.

use clerk_edge_host::{request, AuthStatus, HasCheck, InstanceOptions, WitConfig};
use serde_json::{json, Value};

use crate::common::*;

fn config(edit: impl FnOnce(&mut WitConfig)) -> WitConfig {
    wit_config(edit)
}

#[test]
fn free_functions_use_the_embedded_demo_configuration() {
    let mut v = host().verifier(&env(&[])).unwrap();
    let token = demo_token();
    let session = v.verify_token(&token).unwrap().unwrap();
    assert_eq!(session.user_id.as_deref(), Some("user_demo123"));
    assert_eq!(session.session_id.as_deref(), Some("sess_demo456"));
    assert_eq!(session.token_type, "session_token");
    assert!(session.is_authenticated);
    let verified: Value = serde_json::from_str(&session.claims).unwrap();
    assert_eq!(verified["iss"], "https://clerk.demo-app.example.com");

    let expired = mint_with(DEMO_PRIVATE, &claims(|c| c["exp"] = json!(now_secs() - 60)));
    let e = v.verify_token(&expired).unwrap().unwrap_err();
    assert_eq!(e.reason, "token-expired");
    assert!(e.message.starts_with("JWT is expired. Expiry date: "));
    let forged = mint_with(OTHER_PRIVATE, &claims(|_| {}));
    let e = v.verify_token(&forged).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-invalid-signature", "JWT signature is invalid.")
    );
    let e = v.verify_token("nope").unwrap().unwrap_err();
    assert_eq!(e.reason, "token-invalid");
}

#[test]
fn authenticate_cookie_header_handshake_and_error() {
    let mut v = host().verifier(&env(&[])).unwrap();
    let token = demo_token();
    let cookie = format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_1");
    let s = v
        .authenticate(&request(
            "GET",
            "http://localhost:3000/dashboard",
            &[("cookie", &cookie), ("sec-fetch-dest", "document")],
        ))
        .unwrap();
    assert_eq!(s.status, AuthStatus::SignedIn);
    assert_eq!(s.token.as_deref(), Some(token.as_str()));
    assert_eq!(s.session.unwrap().user_id.as_deref(), Some("user_demo123"));

    let s = v
        .authenticate(&request(
            "GET",
            "http://localhost:3000/",
            &[("authorization", &format!("Bearer {token}"))],
        ))
        .unwrap();
    assert_eq!(s.status, AuthStatus::SignedIn);

    // Development instance, browser without a dev-browser token: handshake to the FAPI.
    let s = v
        .authenticate(&request(
            "GET",
            "http://localhost:3000/p",
            &[("sec-fetch-dest", "document")],
        ))
        .unwrap();
    assert_eq!(s.status, AuthStatus::Handshake);
    assert_eq!(s.reason.as_deref(), Some("dev-browser-missing"));
    let location = s.headers.iter().find(|h| h.name == "location").unwrap();
    assert_eq!(
        location.value,
        "https://clerk.demo-app.example.com/v1/client/handshake?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fp&__clerk_api_version=2026-05-12&suffixed_cookies=false&__clerk_hs_reason=dev-browser-missing"
    );

    let s = v.authenticate(&request("GET", "not a url", &[])).unwrap();
    assert_eq!(s.status, AuthStatus::Error);
    assert_eq!(s.reason.as_deref(), Some("invalid-request"));
}

#[test]
fn sign_in_url_and_has() {
    let mut v = host().verifier(&env(&[])).unwrap();
    let url = v
        .sign_in_url(&request("GET", "http://localhost:3000/dashboard?x=1", &[]))
        .unwrap();
    assert_eq!(
        url.as_deref(),
        Some("https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3Fx%3D1")
    );
    let token = mint_with(
        DEMO_PRIVATE,
        &claims(|c| {
            c["v"] = json!(2);
            c["fea"] = json!("o:reservations,u:dashboard");
            c["o"] = json!({"id": "org_1", "slg": "acme", "rol": "admin", "per": "read,manage", "fpm": "3"});
        }),
    );
    let session = v.verify_token(&token).unwrap().unwrap();
    let org = session.organization.clone().unwrap();
    assert_eq!(
        (org.id.as_str(), org.role.as_deref(), org.slug.as_deref()),
        ("org_1", Some("org:admin"), Some("acme"))
    );
    assert_eq!(
        org.permissions,
        vec!["org:reservations:read", "org:reservations:manage"]
    );
    let check = |role: Option<&str>, permission: Option<&str>, feature: Option<&str>| HasCheck {
        role: role.map(Into::into),
        permission: permission.map(Into::into),
        feature: feature.map(Into::into),
        plan: None,
        reverification: None,
    };
    assert!(v.has(&session, &check(Some("admin"), None, None)).unwrap());
    assert!(v
        .has(
            &session,
            &check(None, Some("org:reservations:manage"), None)
        )
        .unwrap());
    assert!(v
        .has(&session, &check(None, None, Some("user:dashboard")))
        .unwrap());
    assert!(!v
        .has(&session, &check(Some("org:member"), None, None))
        .unwrap());
    assert!(!v.has(&session, &check(None, None, None)).unwrap());
}

#[test]
fn verifier_resource_with_its_own_configuration() {
    let mut v = host().verifier(&env(&[])).unwrap();
    let err = v
        .create(&config(|c| c.jwt_key = Some("garbage".into())))
        .unwrap()
        .unwrap_err();
    assert_eq!(err.message, "PEM key 1: invalid PEM framing or base64 body");
    let err = v
        .create(&config(|c| c.publishable_key = Some("pk_live_xxx".into())))
        .unwrap()
        .unwrap_err();
    assert!(err.message.starts_with("Publishable key not valid"));
    let err = v
        .create(&config(|c| {
            c.accepts_token = Some(vec!["cookie".into(), "x".into()])
        }))
        .unwrap()
        .unwrap_err();
    assert_eq!(err.message, "accepts-token: unknown token type \"cookie\"");

    let other = v
        .create(&config(|c| {
            c.jwt_key = Some(OTHER_PUBLIC.into());
            c.authorized_parties = vec!["http://localhost:3000".into()];
            c.sign_in_url = Some("https://accounts.example.com/sign-in".into());
        }))
        .unwrap()
        .unwrap();
    let demo = demo_token();
    let e = v.resource_verify_token(other, &demo).unwrap().unwrap_err();
    assert_eq!(e.reason, "token-invalid-signature");
    let token = mint_with(OTHER_PRIVATE, &claims(|_| {}));
    let s = v.resource_verify_token(other, &token).unwrap().unwrap();
    assert_eq!(s.user_id.as_deref(), Some("user_demo123"));
    let st = v
        .resource_authenticate(
            other,
            &request(
                "GET",
                "http://localhost:3000/",
                &[("authorization", &format!("Bearer {token}"))],
            ),
        )
        .unwrap();
    assert_eq!(st.status, AuthStatus::SignedIn);
    let json: Value = serde_json::from_str(
        &v.resource_clerk_state(
            other,
            &request(
                "GET",
                "http://localhost:3000/",
                &[("authorization", &format!("Bearer {token}"))],
            ),
            true,
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(json["auth"]["userId"], "user_demo123");
    assert_eq!(json["state"]["publishableKey"], DEMO_PK);
    let url = v
        .resource_sign_in_url(other, &request("GET", "http://localhost:3000/a", &[]))
        .unwrap();
    assert_eq!(
        url.as_deref(),
        Some("https://accounts.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fa")
    );
    let no_role = HasCheck {
        role: Some("admin".into()),
        permission: None,
        feature: None,
        plan: None,
        reverification: None,
    };
    assert!(!v.resource_has(other, &s, &no_role).unwrap());
    v.drop_resource(other).unwrap();
}

#[test]
fn run_time_environment_overrides_embedded_configuration() {
    // The embedded (demo) key verifies demo tokens ...
    let token = demo_token();
    let mut v = host().verifier(&env(&[])).unwrap();
    assert!(v.verify_token(&token).unwrap().is_ok());
    // ... a run-time CLERK_JWT_KEY replaces it ...
    let mut v = host()
        .verifier(&env(&[("CLERK_JWT_KEY", OTHER_PUBLIC)]))
        .unwrap();
    assert_eq!(
        v.verify_token(&token).unwrap().unwrap_err().reason,
        "token-invalid-signature"
    );
    // ... and a run-time publishable key moves the handshake to its Frontend API.
    let pk = "pk_live_Y2xlcmsub3RoZXIuZXhhbXBsZS5jb20k"; // clerk.other.example.com
    let mut v = host()
        .verifier(&env(&[("CLERK_PUBLISHABLE_KEY", pk)]))
        .unwrap();
    let s = v
        .authenticate(&request(
            "GET",
            "https://app.example.com/",
            &[("cookie", "__client_uat=1"), ("sec-fetch-dest", "document")],
        ))
        .unwrap();
    let location = &s
        .headers
        .iter()
        .find(|h| h.name == "location")
        .unwrap()
        .value;
    assert!(
        location.starts_with("https://clerk.other.example.com/v1/client/handshake?"),
        "{location}"
    );
    // An invalid run-time value is an explicit error, never a trap.
    let mut v = host()
        .verifier(&env(&[("CLERK_PUBLISHABLE_KEY", "pk_nope")]))
        .unwrap();
    let s = v
        .authenticate(&request("GET", "https://app.example.com/", &[]))
        .unwrap();
    assert_eq!(
        (s.status, s.reason.as_deref()),
        (AuthStatus::Error, Some("config-error"))
    );
    assert_eq!(
        v.verify_token(&token).unwrap().unwrap_err().reason,
        "config-error"
    );
}

#[test]
fn fixed_wall_clock_is_the_components_clock() {
    let token = demo_token();
    let later = (now_secs() + 3600) * 1000;
    let mut v = host()
        .verifier(&InstanceOptions {
            clock_ms: Some(later),
            ..InstanceOptions::default()
        })
        .unwrap();
    assert_eq!(
        v.verify_token(&token).unwrap().unwrap_err().reason,
        "token-expired"
    );
}
