//! Composition modes, end to end through the real artifacts (`make components` builds them):
//! 1. the example Spin app + the verifier (a Spin component dependency), composed with `plug`;
//! 2. the WASI 0.2 `gate` in front of a hello app, composed with `plug`;
//! 3. the WASI 0.3 Spin middleware in front of a p3 hello app, composed with `plug`, run with
//!    wasmtime's p3 support.
//!
//! Every composition is made by the host CLI's `plug` subcommand — the README recipe, with the
//! same arguments as `wac plug` — and then served by the in-process host, egress refused.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use clerk_edge_host::p3::P3Server;
use clerk_edge_host::serve::{Collected, Server};
use clerk_edge_host::{dist_dir, Host, InstanceOptions};
use serde_json::{json, Value};
use wasmtime::component::Component;

use crate::common::{claims, demo_token, env, host, mint_with, now_secs, DEMO_PRIVATE};

const DEMO_PK_LIVE: &str = "pk_live_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
const SIGN_IN: &str = "https://accounts.demo-app.example.com/sign-in?redirect_url=";
const HANDSHAKE: &str = "https://clerk.demo-app.example.com/v1/client/handshake?";

/// `clerk-edge-host plug --plug <plug> <socket> -o <out>` (the README's command), once per
/// output file per test run.
fn plugged(socket: &str, plug: &str, out: &str) -> PathBuf {
    let dist = dist_dir();
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("compose");
    std::fs::create_dir_all(&dir).unwrap();
    let out = dir.join(out);
    for input in [socket, plug] {
        assert!(
            dist.join(input).exists(),
            "dist/{input} missing: run `make components`"
        );
    }
    let status = Command::new(env!("CARGO_BIN_EXE_clerk-edge-host"))
        .arg("plug")
        .arg("--plug")
        .arg(dist.join(plug))
        .arg(dist.join(socket))
        .arg("-o")
        .arg(&out)
        .status()
        .unwrap();
    assert!(status.success(), "plug {plug} into {socket} failed");
    out
}

fn compile(path: &Path) -> Component {
    Component::from_file(host().engine_ref(), path).unwrap()
}

/// Import names of a composed component.
fn imports(c: &Component) -> Vec<String> {
    let engine = host().engine_ref();
    c.component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect()
}

fn assert_networkless_and_closed(c: &Component, satisfied: &str) {
    let names = imports(c);
    assert!(
        !names.iter().any(|n| n.starts_with(satisfied)),
        "{satisfied} should be satisfied inside the composition: {names:?}"
    );
    for n in &names {
        assert!(
            !n.starts_with("wasi:sockets") && !n.starts_with("wasi:http/outgoing-handler"),
            "composition imports network access: {n}"
        );
    }
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn body(r: &Collected) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

/// `__session` + `__client_uat` (+ the dev browser cookie of a development instance).
fn session_cookie(token: &str) -> String {
    format!(
        "__session={token}; __client_uat={}; __clerk_db_jwt=dvb_demo",
        now_secs() - 60
    )
}

fn org_token() -> String {
    mint_with(
        DEMO_PRIVATE,
        &claims(|c| {
            c["v"] = json!(2);
            c["o"] = json!({"id": "org_acme", "slg": "acme", "rol": "admin"});
        }),
    )
}

/// A handshake JWT as Clerk's Frontend API returns it: cookie directives, signed by the
/// instance key.
fn handshake_cookie(session: &str) -> String {
    let payload = json!({"handshake": [
        format!("__session={session}; Path=/; Secure; SameSite=Lax"),
        format!("__client_uat={}; Path=/; Secure; SameSite=Lax", now_secs() - 60),
        "__clerk_handshake=; Path=/; Max-Age=0; Secure; SameSite=None",
    ]});
    let hs = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"}),
            &payload,
        );
    format!("__clerk_handshake={hs}")
}

fn all<'a>(r: &'a Collected, name: &str) -> Vec<&'a str> {
    r.headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// 1. Spin component dependency: app imports clerk-edge:auth/verify-session.

/// A manifest's `[component.app.environment]`: what Spin hands to the dependency
/// (`dependencies_inherit_configuration = true`) or the middleware
/// (`inherit_configuration = ["environment"]`).
fn app_env(manifest: &str) -> Vec<(String, String)> {
    let manifest: toml::Value = toml::from_str(manifest).unwrap();
    manifest["component"]["app"]["environment"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect()
}

fn spin_app() -> &'static Server {
    static S: OnceLock<Server> = OnceLock::new();
    S.get_or_init(|| {
        let path = plugged(
            "clerk_edge_spin_app.wasm",
            "clerk_edge_verifier.wasm",
            "spin-app.wasm",
        );
        let c = compile(&path);
        assert_networkless_and_closed(&c, "clerk-edge:auth/verify-session");
        let opts = InstanceOptions {
            env: app_env(include_str!("../../../../examples/spin-app/spin.toml")),
            capture_stderr: true,
            ..InstanceOptions::default()
        };
        Server::with_component(&Host::clone(host()), &c, opts).unwrap()
    })
}

#[test]
fn spin_app_renders_the_signed_in_page() {
    let cookie = session_cookie(&org_token());
    let r = rt()
        .block_on(spin_app().request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("cookie", &cookie), ("sec-fetch-dest", "document")],
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
    let page = body(&r);
    assert!(page.contains("<dd id=\"user\">user_demo123</dd>"), "{page}");
    assert!(
        page.contains("<dd id=\"session\">sess_demo456</dd>"),
        "{page}"
    );
    assert!(page.contains("<dd id=\"org\">org_acme</dd>"), "{page}");
    assert!(page.contains("<dd id=\"org-slug\">acme</dd>"), "{page}");
    assert!(
        page.contains("<dd id=\"org-role\">org:admin</dd>"),
        "{page}"
    );
    // A Bearer token works too (API clients).
    let bearer = format!("Bearer {}", demo_token());
    let r = rt()
        .block_on(spin_app().request(
            "GET",
            "http://127.0.0.1:3000/api/me",
            &[("authorization", &bearer)],
        ))
        .unwrap();
    assert_eq!(r.status, 200);
    assert!(body(&r).contains("<dd id=\"org\">—</dd>"));
}

#[test]
fn spin_app_sends_signed_out_visitors_to_sign_in() {
    let r = rt()
        .block_on(spin_app().request(
            "GET",
            "http://127.0.0.1:3000/dashboard?tab=1",
            &[
                ("cookie", "__clerk_db_jwt=dvb_demo"),
                ("sec-fetch-dest", "document"),
            ],
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert_eq!(
        r.header("location"),
        Some(
            // Development instance: the dev browser token travels to the Account Portal.
            "https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2F127.0.0.1%3A3000%2Fdashboard%3Ftab%3D1&__clerk_db_jwt=dvb_demo"
        )
    );
    assert_eq!(
        r.header("x-clerk-auth-reason"),
        Some("session-token-and-uat-missing")
    );
    assert!(r.body.is_empty());
    // A forged token is signed out too, never rendered.
    let forged = mint_with(
        include_str!("../../../../tests/keys/other-private.pem"),
        &claims(|_| {}),
    );
    let r = rt()
        .block_on(spin_app().request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("authorization", &format!("Bearer {forged}"))],
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert!(r.header("location").unwrap().starts_with(SIGN_IN));
    assert!(!body(&r).contains("user_demo123"));
}

#[test]
fn spin_app_passes_on_clerks_handshake() {
    let uat = format!("__client_uat={}; __clerk_db_jwt=dvb_demo", now_secs() - 60);
    let r = rt()
        .block_on(spin_app().request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("cookie", &uat), ("sec-fetch-dest", "document")],
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    let location = r.header("location").unwrap();
    assert!(location.starts_with(HANDSHAKE), "{location}");
    assert!(location.contains("redirect_url=http%3A%2F%2F127.0.0.1%3A3000%2Fdashboard"));
    assert_eq!(
        r.header("x-clerk-auth-reason"),
        Some("client-uat-but-no-session-token")
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
}

// ---------------------------------------------------------------------------------------------
// 2. WASI 0.2 gate in front of a hello app.

fn gate_env() -> Vec<(&'static str, &'static str)> {
    vec![("CLERK_PUBLIC_ROUTES", "/, /pricing")]
}

fn gated(extra: &[(&str, &str)]) -> Server {
    static C: OnceLock<Component> = OnceLock::new();
    let c = C.get_or_init(|| {
        let path = plugged("clerk_edge_gate.wasm", "hello_p2.wasm", "gated-hello.wasm");
        let c = compile(&path);
        assert_networkless_and_closed(&c, "wasi:http/incoming-handler");
        c
    });
    let mut pairs = gate_env();
    pairs.extend_from_slice(extra);
    Server::with_component(&Host::clone(host()), c, env(&pairs)).unwrap()
}

#[test]
fn gate_hands_signed_in_and_public_requests_to_the_app_unchanged() {
    let s = gated(&[]);
    let cookie = session_cookie(&demo_token());
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard?x=1",
            &[("cookie", &cookie)],
        ))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("x-hello"), Some("p2"));
    assert_eq!(body(&r), "hello from p2: GET /dashboard?x=1\n");
    assert!(
        r.stderr.contains("\"status\":\"signed-in\""),
        "{}",
        r.stderr
    );
    // Signed out on a public route: the app answers.
    let r = rt()
        .block_on(s.request("POST", "http://127.0.0.1:3000/pricing", &[]))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), "hello from p2: POST /pricing\n");
}

#[test]
fn gate_answers_signed_out_and_handshake_itself() {
    let s = gated(&[]);
    // Page navigation: sign-in redirect.
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[
                ("cookie", "__clerk_db_jwt=dvb_demo"),
                ("sec-fetch-dest", "document"),
            ],
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert!(r.header("location").unwrap().starts_with(SIGN_IN));
    assert_eq!(r.header("x-hello"), None, "the app must not be reached");
    // API call: 401 JSON.
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/api/me",
            &[("authorization", "Bearer not.a.token")],
        ))
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some("Bearer error=\"invalid_token\"")
    );
    assert_eq!(r.json().unwrap()["status"], "signed-out");
    assert_eq!(r.header("x-hello"), None);
    // Handshake.
    let uat = format!("__client_uat={}; __clerk_db_jwt=dvb_demo", now_secs() - 60);
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("cookie", &uat), ("sec-fetch-dest", "document")],
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert!(r.header("location").unwrap().starts_with(HANDSHAKE));
    assert_eq!(r.header("x-hello"), None);
}

#[test]
fn gate_refuses_client_identity_headers_it_cannot_strip() {
    let s = gated(&[]);
    let bearer = format!("Bearer {}", demo_token());
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[
                ("authorization", &bearer),
                ("X-Clerk-User-Id", "user_admin"),
            ],
        ))
        .unwrap();
    assert_eq!(r.status, 400);
    assert_eq!(r.header("x-hello"), None);
    let v: Value = r.json().unwrap();
    assert_eq!(v["reason"], "invalid-request");
    assert!(v["message"].as_str().unwrap().contains("x-clerk-user-id"));
}

/// Every identity header the gate and the middleware own, as a client might spell it
/// (any case; CGI-style servers map `_` and `-` to the same variable).
const FORGED_IDENTITY: &[(&str, &str)] = &[
    ("x-clerk-auth-status", "signed-in"),
    ("X-Clerk-User-Id", "user_forged"),
    ("x-clerk-session-id", "sess_forged"),
    ("X-CLERK-ORG-ID", "org_forged"),
    ("x-clerk-org-role", "org:forged"),
    ("x-clerk-org-slug", "forged-slug"),
    ("X-Auth-Request-User", "user_forged"),
    ("x_clerk_user_id", "user_forged"),
    ("X_AUTH_REQUEST_USER", "user_forged"),
];

#[test]
fn gate_refuses_every_client_identity_header_signed_in_or_not() {
    let s = gated(&[]);
    let cookie = session_cookie(&demo_token());
    for &(name, value) in FORGED_IDENTITY {
        // Signed in, signed out on a public route, signed out on a protected API route.
        for (method, path, credentials) in [
            ("GET", "/dashboard", Some(("cookie", cookie.as_str()))),
            ("POST", "/pricing", None),
            ("GET", "/api/me", None),
        ] {
            let mut headers: Vec<(&str, &str)> = credentials.into_iter().collect();
            headers.push((name, value));
            let r = rt()
                .block_on(s.request(method, &format!("http://127.0.0.1:3000{path}"), &headers))
                .unwrap();
            assert_eq!(
                r.header("x-hello"),
                None,
                "{name} on {path}: the app was reached"
            );
            if path == "/api/me" {
                // Signed out: the gate answers 401 itself; nothing reaches the app either way.
                assert_eq!(r.status, 401, "{name} on {path}");
            } else {
                assert_eq!(r.status, 400, "{name} on {path}");
                assert_eq!(r.json().unwrap()["reason"], "invalid-request", "{name}");
            }
            for (n, v) in &r.headers {
                assert!(!v.contains("forged"), "{name} on {path}: {n}: {v}");
            }
        }
    }
}

#[test]
fn middleware_drops_every_forged_identity_header() {
    let s = middleware(&[]);
    let cookie = session_cookie(&org_token());
    let mut headers: Vec<(&str, &str)> = vec![("cookie", &cookie)];
    headers.extend_from_slice(FORGED_IDENTITY);
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &headers,
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(body(&r), SIGNED_IN_ORG_APP_VIEW);
    // Signed out on a public route: no identity header reaches the app, in any spelling.
    let r = rt()
        .block_on(s.request(
            "POST",
            "http://127.0.0.1:3000/pricing",
            FORGED_IDENTITY,
            b"{}".to_vec(),
        ))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), "hello from p3: POST /pricing\n");
    // Signed out on a protected route: the middleware answers; nothing forged comes back.
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/api/me",
            FORGED_IDENTITY,
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.header("x-hello"), None);
    for (n, v) in &r.headers {
        assert!(!v.contains("forged"), "{n}: {v}");
    }
}

#[test]
fn gate_stores_a_resolved_production_handshake_with_a_redirect() {
    let s = gated(&[("CLERK_PUBLISHABLE_KEY", DEMO_PK_LIVE)]);
    let cookie = handshake_cookie(&demo_token());
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard?tab=2",
            &[("cookie", &cookie)],
        ))
        .unwrap();
    assert_eq!(r.status, 307, "{}", body(&r));
    assert_eq!(r.header("location"), Some("/dashboard?tab=2"));
    let cookies = all(&r, "set-cookie");
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    assert!(cookies[0].starts_with("__session=ey"));
    assert!(cookies[2].starts_with("__clerk_handshake=;"));
    assert_eq!(r.header("x-hello"), None);
    // The browser comes back with the stored session: the app answers.
    let session = cookies[0].split(';').next().unwrap();
    let back = format!("{session}; __client_uat={}", now_secs() - 60);
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard?tab=2",
            &[("cookie", &back)],
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(r.header("x-hello"), Some("p2"));
}

#[test]
fn gate_routes_on_the_path_the_app_will_serve() {
    let s = gated(&[]);
    // `/pricing` is public, but `/pricing/../dashboard` is `/dashboard` to the app.
    for path in [
        "/pricing/../dashboard",
        "/pricing/%2e%2e/dashboard",
        "//dashboard",
    ] {
        let r = rt()
            .block_on(s.request("GET", &format!("http://127.0.0.1:3000{path}"), &[]))
            .unwrap();
        assert!(r.status == 400 || r.status == 401, "{path}: {}", r.status);
        assert_eq!(r.header("x-hello"), None, "{path} reached the app");
    }
}

// ---------------------------------------------------------------------------------------------
// 3. WASI 0.3 Spin middleware in front of a p3 hello app.

fn middleware(extra: &[(&str, &str)]) -> P3Server {
    static C: OnceLock<Component> = OnceLock::new();
    let c = C.get_or_init(|| {
        let path = plugged(
            "clerk_edge_middleware.wasm",
            "hello_p3.wasm",
            "middleware-hello.wasm",
        );
        let c = compile(&path);
        assert_networkless_and_closed(&c, "wasi:http/handler");
        c
    });
    // The configuration of examples/spin-middleware/spin.toml, as Spin would pass it.
    let mut opts = InstanceOptions {
        env: app_env(include_str!(
            "../../../../examples/spin-middleware/spin.toml"
        )),
        capture_stderr: true,
        ..InstanceOptions::default()
    };
    opts.env.extend(
        extra
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    P3Server::with_component(&Host::clone(host()), c, opts).unwrap()
}

/// What the p3 hello app echoes for a signed-in `GET /dashboard` with [`org_token`]: the
/// verified identity the middleware adds, and nothing a client sent.
const SIGNED_IN_ORG_APP_VIEW: &str = "hello from p3: GET /dashboard\n\
     x-clerk-auth-status: signed-in\n\
     x-clerk-user-id: user_demo123\n\
     x-clerk-session-id: sess_demo456\n\
     x-clerk-org-id: org_acme\n\
     x-clerk-org-role: org:admin\n\
     x-clerk-org-slug: acme\n\
     x-auth-request-user: user_demo123\n";

#[test]
fn middleware_forwards_the_verified_identity_and_drops_forged_copies() {
    let s = middleware(&[]);
    let cookie = session_cookie(&org_token());
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[
                ("cookie", &cookie),
                ("x-clerk-user-id", "user_forged"),
                ("X-Auth-Request-User", "user_forged"),
            ],
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(r.header("x-hello"), Some("p3"));
    assert_eq!(body(&r), SIGNED_IN_ORG_APP_VIEW);
    // Public route, signed out: forwarded with no identity at all (forged copies removed).
    let r = rt()
        .block_on(s.request(
            "POST",
            "http://127.0.0.1:3000/pricing",
            &[("x-clerk-user-id", "user_forged")],
            b"{}".to_vec(),
        ))
        .unwrap();
    assert_eq!(r.status, 200);
    assert_eq!(body(&r), "hello from p3: POST /pricing\n");
}

#[test]
fn middleware_answers_signed_out_and_handshake_itself() {
    let s = middleware(&[]);
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[
                ("cookie", "__clerk_db_jwt=dvb_demo"),
                ("sec-fetch-dest", "document"),
            ],
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert!(r.header("location").unwrap().starts_with(SIGN_IN));
    assert_eq!(r.header("x-hello"), None);
    let r = rt()
        .block_on(s.request("GET", "http://127.0.0.1:3000/api/me", &[], Vec::new()))
        .unwrap();
    assert_eq!(r.status, 401);
    assert_eq!(r.json().unwrap()["reason"], "dev-browser-missing");
    let uat = format!("__client_uat={}; __clerk_db_jwt=dvb_demo", now_secs() - 60);
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("cookie", &uat), ("sec-fetch-dest", "document")],
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 307);
    assert!(r.header("location").unwrap().starts_with(HANDSHAKE));
    assert_eq!(r.header("x-hello"), None);
}

#[test]
fn middleware_appends_the_handshake_cookies_to_the_app_response() {
    let s = middleware(&[("CLERK_PUBLISHABLE_KEY", DEMO_PK_LIVE)]);
    let cookie = handshake_cookie(&demo_token());
    let r = rt()
        .block_on(s.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[("cookie", &cookie)],
            Vec::new(),
        ))
        .unwrap();
    assert_eq!(r.status, 200, "{}", body(&r));
    assert_eq!(r.header("x-hello"), Some("p3"));
    assert!(body(&r).contains("x-clerk-user-id: user_demo123\n"));
    let cookies = all(&r, "set-cookie");
    assert_eq!(cookies.len(), 3, "{cookies:?}");
    assert!(cookies[0].starts_with("__session=ey"));
    assert!(cookies[2].starts_with("__clerk_handshake=;"));
    assert_eq!(r.header("cache-control"), Some("private, no-store"));
}
