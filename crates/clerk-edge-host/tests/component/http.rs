//! HTTP requests through the `http-verifier` component's `wasi:http` handler.

use serde_json::json;

use crate::common::*;

const PAGE: (&str, &str) = ("sec-fetch-dest", "document");

#[test]
fn signed_in_request_gets_200_identity_headers_and_json() {
    let token = mint_with(
        DEMO_PRIVATE,
        &claims(|c| {
            c["v"] = json!(2);
            c["o"] = json!({"id": "org_9", "slg": "acme", "rol": "admin"});
        }),
    );
    let cookie = format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb");
    let r = send(
        &[],
        "GET",
        "http://localhost:3000/dashboard?tab=2",
        &[PAGE, ("cookie", &cookie), ("x-clerk-user-id", "user_evil")],
    );
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.header("x-clerk-auth-status"), Some("signed-in"));
    assert_eq!(r.header("x-clerk-user-id"), Some("user_demo123"));
    assert_eq!(r.header("x-clerk-session-id"), Some("sess_demo456"));
    assert_eq!(r.header("x-clerk-org-id"), Some("org_9"));
    assert_eq!(r.header("x-clerk-org-role"), Some("org:admin"));
    assert_eq!(r.header("x-clerk-org-slug"), Some("acme"));
    assert_eq!(r.header("x-auth-request-user"), Some("user_demo123"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    let body = r.json().unwrap();
    assert_eq!(body["status"], "signed-in");
    assert_eq!(body["auth"]["orgSlug"], "acme");
    // One decision line on stderr: no token, no cookie value; demo config labelled.
    let line: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(line["status"], "signed-in");
    assert_eq!(line["path"], "/dashboard");
    assert_eq!(line["user_id"], "user_demo123");
    assert_eq!(line["config"], "DEMO");
    assert!(line["us"].as_u64().is_some());
    assert!(!r.stderr.contains(&token) && !r.stderr.contains("dvb"));
}

#[test]
fn handshake_is_307_with_clerks_headers() {
    let r = send(
        &[],
        "GET",
        "http://localhost:3000/dashboard",
        &[PAGE, ("cookie", "__client_uat=1; __clerk_db_jwt=dvb")],
    );
    assert_eq!(r.status, 307);
    assert_eq!(r.header("x-clerk-auth-status"), Some("handshake"));
    assert_eq!(
        r.header("x-clerk-auth-reason"),
        Some("client-uat-but-no-session-token")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_eq!(
        r.header("set-cookie"),
        Some("__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
    );
    assert!(r.header("location").unwrap().starts_with("https://clerk.demo-app.example.com/v1/client/handshake?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard&"));
}

#[test]
fn signed_out_page_is_redirected_to_sign_in() {
    let r = send(
        &[("CLERK_SIGN_IN_URL", "https://accounts.example.com/sign-in")],
        "GET",
        "http://localhost:3000/dashboard",
        &[PAGE, ("cookie", "__client_uat=0; __clerk_db_jwt=dvb")],
    );
    assert_eq!(r.status, 307);
    assert_eq!(
        r.header("x-clerk-auth-reason"),
        Some("session-token-and-uat-missing")
    );
    assert_eq!(
        r.header("location"),
        Some("https://accounts.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard&__clerk_db_jwt=dvb")
    );
}

#[test]
fn api_request_gets_401_json_and_www_authenticate_when_a_token_was_sent() {
    let forged = mint_with(OTHER_PRIVATE, &claims(|_| {}));
    let r = send(
        &[],
        "GET",
        "http://localhost:3000/api/me",
        &[("authorization", &format!("Bearer {forged}"))],
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(
        r.json().unwrap(),
        json!({"status": "signed-out", "reason": "token-invalid-signature", "message": "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=header)"})
    );
    let r = send(
        &[],
        "GET",
        "http://localhost:3000/api/me",
        &[("cookie", "__client_uat=0; __clerk_db_jwt=dvb")],
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.header("www-authenticate"), None);
}

#[test]
fn nginx_mode_turns_redirects_into_401_with_redirect_header() {
    let r = send(
        &[("CLERK_FORWARD_AUTH_MODE", "nginx")],
        "GET",
        "http://localhost:3000/dashboard",
        &[PAGE, ("cookie", "__client_uat=0; __clerk_db_jwt=dvb")],
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.header("location"), None);
    assert!(r
        .header("x-clerk-redirect-to")
        .unwrap()
        .starts_with("https://accounts.demo-app.example.com/sign-in?redirect_url="));
}

#[test]
fn public_route_passes_signed_out_requests() {
    let r = send(
        &[("CLERK_PUBLIC_ROUTES", "/, /pricing/**")],
        "GET",
        "http://localhost:3000/pricing/team",
        &[PAGE, ("cookie", "__client_uat=0; __clerk_db_jwt=dvb")],
    );
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-clerk-auth-status"), Some("signed-out"));
    let line: serde_json::Value = serde_json::from_str(r.stderr.trim()).unwrap();
    assert_eq!(line["route"], "public:/pricing/**");
}

#[test]
fn malformed_request_gets_400_not_a_trap() {
    let long = format!("http://localhost:3000/{}", "a".repeat(17 * 1024));
    let r = send(&[], "GET", &long, &[]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["reason"], "invalid-request");
}

#[test]
fn logging_can_be_turned_off_and_bad_settings_are_500() {
    let r = send(
        &[("CLERK_LOG", "off")],
        "GET",
        "http://localhost:3000/",
        &[],
    );
    assert_eq!(r.stderr, "");
    let r = send(
        &[("CLERK_FORWARD_AUTH_MODE", "traefik")],
        "GET",
        "http://localhost:3000/",
        &[],
    );
    assert_eq!(r.status, 500);
    assert_eq!(r.json().unwrap()["reason"], "config-error");
}
