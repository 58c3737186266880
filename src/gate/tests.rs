use serde_json::json;

use super::*;
use crate::config::Options;
use crate::test_support::*;

fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn verifier() -> Verifier {
    Verifier::new(Options {
        jwt_key: Some(DEMO_PUBLIC.into()),
        publishable_key: Some(PK_LIVE.into()),
        sign_in_url: Some("https://app.example/sign-in".into()),
        ..Options::default()
    })
    .unwrap()
}

fn gate(pairs: &[(&str, &str)]) -> GateConfig {
    let mut e = env(pairs);
    e.insert(
        "CLERK_SIGN_IN_URL".into(),
        "https://app.example/sign-in".into(),
    );
    GateConfig::from_env(&e).unwrap()
}

fn req(path: &str, headers: &[(&str, &str)]) -> HttpRequest {
    HttpRequest {
        method: "GET".into(),
        scheme: Some("https".into()),
        authority: Some("app.example".into()),
        path_with_query: path.into(),
        headers: headers
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

fn h<'a>(r: &'a HttpResponse, name: &str) -> Option<&'a str> {
    r.headers
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

#[test]
fn signed_in_gets_identity_headers_and_json() {
    let t = token_with(|c| {
        c["v"] = json!(2);
        c["o"] = json!({"id": "org_1", "slg": "acme", "rol": "admin"});
    });
    let cookie = format!("__session={t}; __client_uat=1");
    let (r, d) = handle(
        &verifier(),
        &gate(&[]),
        &req("/dashboard?x=1", &[("cookie", &cookie)]),
        NOW,
    );
    assert_eq!(r.status, 200);
    assert_eq!(h(&r, "x-clerk-auth-status"), Some("signed-in"));
    assert_eq!(h(&r, "x-clerk-user-id"), Some("user_1"));
    assert_eq!(h(&r, "x-auth-request-user"), Some("user_1"));
    assert_eq!(h(&r, "x-clerk-session-id"), Some("sess_1"));
    assert_eq!(h(&r, "x-clerk-org-id"), Some("org_1"));
    assert_eq!(h(&r, "x-clerk-org-role"), Some("org:admin"));
    assert_eq!(h(&r, "x-clerk-org-slug"), Some("acme"));
    assert_eq!(h(&r, "cache-control"), Some("private, no-store"));
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(body["status"], "signed-in");
    assert_eq!(body["auth"]["userId"], "user_1");
    assert_eq!(d.path, "/dashboard");
    assert_eq!(d.user_id.as_deref(), Some("user_1"));
    let line = d.log_line(LogLevel::Decisions, 42, false).unwrap();
    assert!(!line.contains(&t), "log must not contain the token");
    assert!(line.contains("\"us\":42"));
}

#[test]
fn handshake_is_a_307_with_clerk_headers() {
    let (r, d) = handle(
        &verifier(),
        &gate(&[]),
        &req(
            "/p",
            &[("cookie", "__client_uat=5"), ("sec-fetch-dest", "document")],
        ),
        NOW,
    );
    assert_eq!(r.status, 307);
    assert!(h(&r, "location")
        .unwrap()
        .starts_with("https://clerk.demo-app.example.com/v1/client/handshake?"));
    assert_eq!(h(&r, "cache-control"), Some("no-store"));
    assert_eq!(
        h(&r, "set-cookie"),
        Some("__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
    );
    assert_eq!(d.status, "handshake");
    // nginx mode: 401 + x-clerk-redirect-to
    let (r, _) = handle(
        &verifier(),
        &gate(&[("CLERK_FORWARD_AUTH_MODE", "nginx")]),
        &req(
            "/p",
            &[("cookie", "__client_uat=5"), ("sec-fetch-dest", "document")],
        ),
        NOW,
    );
    assert_eq!(r.status, 401);
    assert!(h(&r, "location").is_none());
    assert!(h(&r, "x-clerk-redirect-to")
        .unwrap()
        .contains("/v1/client/handshake?"));
}

#[test]
fn signed_out_page_redirects_to_sign_in_and_api_gets_401() {
    let (r, _) = handle(
        &verifier(),
        &gate(&[]),
        &req("/dashboard", &[("sec-fetch-dest", "document")]),
        NOW,
    );
    assert_eq!(r.status, 307);
    assert_eq!(
        h(&r, "location"),
        Some("https://app.example/sign-in?redirect_url=https%3A%2F%2Fapp.example%2Fdashboard")
    );
    let (r, _) = handle(&verifier(), &gate(&[]), &req("/api/me", &[]), NOW);
    assert_eq!(r.status, 401);
    assert!(h(&r, "www-authenticate").is_none());
    let body: Value = serde_json::from_slice(&r.body).unwrap();
    assert_eq!(
        body,
        json!({"status": "signed-out", "reason": "session-token-and-uat-missing", "message": ""})
    );
    let (r, _) = handle(
        &verifier(),
        &gate(&[]),
        &req("/api/me", &[("authorization", "Bearer abc")]),
        NOW,
    );
    assert_eq!(r.status, 401);
    assert_eq!(
        h(&r, "www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(h(&r, "x-clerk-auth-reason"), Some("token-invalid"));
}

#[test]
fn public_routes_and_sign_in_path_pass() {
    let g = gate(&[("CLERK_PUBLIC_ROUTES", "/, /pricing")]);
    for p in ["/", "/pricing", "/sign-in", "/sign-in/sso-callback"] {
        let (r, d) = handle(
            &verifier(),
            &g,
            &req(p, &[("sec-fetch-dest", "document")]),
            NOW,
        );
        assert_eq!(r.status, 200, "{p}");
        assert!(d.route.starts_with("public:"), "{p}: {}", d.route);
    }
}

#[test]
fn forwarded_headers_only_when_trusted_and_identity_headers_stripped() {
    let headers = [
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "http"),
        ("x-forwarded-uri", "/admin"),
        ("x-clerk-user-id", "user_admin"),
        ("sec-fetch-dest", "document"),
    ];
    let (r, d) = handle(&verifier(), &gate(&[]), &req("/dashboard", &headers), NOW);
    assert_eq!(d.path, "/dashboard");
    assert!(!h(&r, "location").unwrap().contains("evil"));
    assert!(h(&r, "x-clerk-user-id").is_none());
    let (r, d) = handle(
        &verifier(),
        &gate(&[("CLERK_TRUST_FORWARDED", "true")]),
        &req("/x", &headers),
        NOW,
    );
    assert_eq!(d.path, "/admin");
    assert_eq!(
        h(&r, "location"),
        Some("https://app.example/sign-in?redirect_url=http%3A%2F%2Fevil.example%2Fadmin")
    );
}

#[test]
fn malformed_request_is_400_and_bad_settings_are_named() {
    let mut r = req("/x", &[]);
    r.method = String::new();
    let (resp, d) = handle(&verifier(), &gate(&[]), &r, NOW);
    assert_eq!(resp.status, 400);
    assert_eq!(d.reason.as_deref(), Some("invalid-request"));
    let e = GateConfig::from_env(&env(&[("CLERK_LOG", "loud")])).unwrap_err();
    assert_eq!(
        e.to_string(),
        "CLERK_LOG: unknown level \"loud\" (off, decisions or debug)"
    );
    assert!(GateConfig::from_env(&env(&[("CLERK_PUBLIC_ROUTES", "nope")])).is_err());
    assert_eq!(config_error_response("x").status, 500);
}

#[test]
fn decide_passes_signed_in_with_identity_to_forward_and_strips_client_copies() {
    let t = token();
    let cookie = format!("__session={t}; __client_uat=1");
    let client = req(
        "/dashboard",
        &[
            ("cookie", &cookie),
            ("X-Clerk-User-Id", "user_forged"),
            ("x-auth-request-user", "user_forged"),
            ("accept", "text/html"),
        ],
    );
    let (v, _) = decide(&verifier(), &gate(&[]), &client, NOW);
    let Verdict::Pass(pass) = v else {
        panic!("signed-in request must pass: {v:?}")
    };
    assert!(pass.set_cookies.is_empty());
    assert_eq!(pass.cookie_redirect(&client.headers), None);
    let fwd = pass.forward_headers(&client.headers);
    let get_all = |name: &str| -> Vec<&str> {
        fwd.iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    assert_eq!(get_all("x-clerk-user-id"), ["user_1"]);
    assert_eq!(get_all("x-auth-request-user"), ["user_1"]);
    assert_eq!(get_all("x-clerk-auth-status"), ["signed-in"]);
    assert_eq!(get_all("accept"), ["text/html"]);
    assert_eq!(get_all("cookie"), [cookie.as_str()]);
}

#[test]
fn decide_passes_public_signed_out_without_identity_and_answers_protected() {
    let g = gate(&[("CLERK_PUBLIC_ROUTES", "/")]);
    let (v, d) = decide(
        &verifier(),
        &g,
        &req("/", &[("x-clerk-user-id", "forged")]),
        NOW,
    );
    let Verdict::Pass(pass) = v else {
        panic!("public route must pass: {v:?}")
    };
    assert!(pass.identity.is_empty());
    assert_eq!(d.status, "signed-out");
    let fwd = pass.forward_headers(&[("x-clerk-user-id".into(), "forged".into())]);
    assert!(
        fwd.is_empty(),
        "client identity headers are never forwarded"
    );
    let (v, _) = decide(&verifier(), &g, &req("/private", &[]), NOW);
    let Verdict::Respond(r) = v else {
        panic!("protected route must be answered: {v:?}")
    };
    assert_eq!(r.status, 401);
}

#[test]
fn resolved_production_handshake_passes_with_cookies_and_a_redirect_to_store_them() {
    let session = token();
    let directives = json!({"handshake": [format!("__session={session}; Path=/"), "__clerk_handshake=; Max-Age=0"]});
    let hs = mint(&json!({"alg": "RS256", "typ": "JWT"}), &directives);
    let cookie = format!("__clerk_handshake={hs}");
    let (v, _) = decide(
        &verifier(),
        &gate(&[]),
        &req("/p?a=1&__clerk_help=1", &[("cookie", &cookie)]),
        NOW,
    );
    let Verdict::Pass(pass) = v else {
        panic!("resolved handshake must pass: {v:?}")
    };
    assert_eq!(
        pass.set_cookies,
        [
            format!("__session={session}; Path=/"),
            "__clerk_handshake=; Max-Age=0".to_owned()
        ]
    );
    let r = pass
        .cookie_redirect(&[("cookie".into(), cookie.clone())])
        .unwrap();
    assert_eq!(r.status, 307);
    assert_eq!(
        h(&r, "location"),
        Some("/p?a=1"),
        "relative: never another host"
    );
    assert_eq!(h(&r, "cache-control"), Some("no-store"));
    let n = r.headers.iter().filter(|(n, _)| n == "set-cookie").count();
    assert_eq!(n, 2);
    // Already stored (the handshake cookie failed to clear): no second redirect, no loop.
    let again = format!("{cookie}; __session={session}");
    assert_eq!(pass.cookie_redirect(&[("cookie".into(), again)]), None);
}

#[test]
fn middleware_routes_on_the_normalized_path_and_refuses_ambiguous_ones() {
    let g = gate(&[("CLERK_PUBLIC_ROUTES", "/, /pricing")]).for_middleware();
    // `/sign-in/../admin` is `/admin` to every URL parser: protected, answered here.
    for path in [
        "/sign-in/../admin",
        "/sign-in/%2e%2e/admin",
        "/pricing/..%2fadmin",
    ] {
        let (v, d) = decide(&verifier(), &g, &req(path, &[]), NOW);
        let Verdict::Respond(r) = v else {
            panic!("{path} must not pass: {v:?}")
        };
        assert!(r.status == 400 || r.status == 401, "{path}: {}", r.status);
        assert_ne!(d.route, "public", "{path}");
    }
    for path in ["//admin", "/%61dmin", "/a\\b", "/x/./y", "/%zz"] {
        let (v, _) = decide(&verifier(), &g, &req(path, &[]), NOW);
        let Verdict::Respond(r) = v else {
            panic!("{path} must be refused: {v:?}")
        };
        assert_eq!(r.status, 400, "{path}");
    }
    // Normal paths, trailing slashes and encoded reserved characters are fine.
    for path in ["/", "/pricing", "/pricing/", "/pricing?a=%2F"] {
        let (v, _) = decide(&verifier(), &g, &req(path, &[]), NOW);
        assert!(matches!(v, Verdict::Pass(_)), "{path}: {v:?}");
    }
    // X-Forwarded-Uri never picks the route of a request the app will serve.
    let trusting = gate(&[
        ("CLERK_PUBLIC_ROUTES", "/"),
        ("CLERK_TRUST_FORWARDED", "true"),
    ])
    .for_middleware();
    let (v, _) = decide(
        &verifier(),
        &trusting,
        &req("/admin", &[("x-forwarded-uri", "/")]),
        NOW,
    );
    assert!(matches!(v, Verdict::Respond(_)), "{v:?}");
    // The forward-auth service keeps reading it (nginx passes the original URI that way).
    let forward_auth = gate(&[
        ("CLERK_PUBLIC_ROUTES", "/"),
        ("CLERK_TRUST_FORWARDED", "true"),
    ]);
    let (v, _) = decide(
        &verifier(),
        &forward_auth,
        &req("/auth", &[("x-forwarded-uri", "/")]),
        NOW,
    );
    assert!(matches!(v, Verdict::Pass(_)), "{v:?}");
}

#[test]
fn identity_headers_match_with_underscores_and_any_case() {
    assert!(is_identity_header("X-Clerk-User-Id"));
    assert!(is_identity_header("x_clerk_user_id"));
    assert!(is_identity_header("X_AUTH_REQUEST_USER"));
    assert!(!is_identity_header("x-clerk-user-idx"));
    assert!(!is_identity_header("x-clerk-user"));
}
