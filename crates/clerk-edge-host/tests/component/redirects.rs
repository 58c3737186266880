//! Redirect and header safety through the HTTP handler and `authenticate`: every `Location`
//! stays on the Frontend API, the sign-in origin, the app itself or an allow-listed origin;
//! hostile URLs only ever travel percent-encoded inside a query parameter; no header carries
//! CR, LF or NUL; client-sent identity headers never come back; logs hold no secrets.

use clerk_edge_host::serve::Collected;
use clerk_edge_host::{request, AuthState, AuthStatus};
use serde_json::{json, Value};

use crate::attacks::{forge, send, wit_config};
use crate::common::*;

const FAPI: &str = "https://clerk.demo-app.example.com";
const ACCOUNTS: &str = "https://accounts.demo-app.example.com";
const APP: &str = "http://localhost:3000";
const PAGE: (&str, &str) = ("sec-fetch-dest", "document");
/// Signed out, dev browser known: protected pages go to sign-in.
const SIGNED_OUT: (&str, &str) = ("cookie", "__client_uat=0; __clerk_db_jwt=dvb");
/// `client_uat` without a session: a handshake with the Frontend API.
const HANDSHAKE: (&str, &str) = ("cookie", "__client_uat=1; __clerk_db_jwt=dvb");

// ---------------------------------------------------------------------------------------------
// URL and header checks.

/// `scheme://host[:port]` of an absolute URL, as a browser computes it (lower-case, userinfo
/// and default port dropped). Panics when `url` is not absolute.
fn origin(url: &str) -> String {
    let uri: http::Uri = url
        .parse()
        .unwrap_or_else(|e| panic!("{url:?} is not a URL: {e}"));
    let scheme = uri.scheme_str().expect("absolute URL").to_ascii_lowercase();
    let host = uri.host().expect("a host").to_ascii_lowercase();
    match uri.port_u16() {
        Some(p) if !matches!((scheme.as_str(), p), ("http", 80) | ("https", 443)) => {
            format!("{scheme}://{host}:{p}")
        }
        _ => format!("{scheme}://{host}"),
    }
}

/// `application/x-www-form-urlencoded` decoding.
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len()
                && bytes[i + 1].is_ascii_hexdigit()
                && bytes[i + 2].is_ascii_hexdigit() =>
            {
                out.push(u8::from_str_radix(&text[i + 1..i + 3], 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The first value of query parameter `name`, decoded.
fn param(url: &str, name: &str) -> Option<String> {
    let query = url.split_once('?')?.1.split('#').next()?;
    query
        .split('&')
        .filter_map(|kv| kv.split_once('='))
        .find(|(k, _)| form_decode(k) == name)
        .map(|(_, v)| form_decode(v))
}

/// Percent-encodes everything but unreserved characters (for building hostile queries).
fn enc(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// No header name or value carries CR, LF or NUL.
fn assert_clean<'a>(headers: impl IntoIterator<Item = (&'a str, &'a str)>) {
    for (n, v) in headers {
        assert!(
            !n.contains(['\r', '\n', '\0']) && !v.contains(['\r', '\n', '\0']),
            "header {n:?}: {v:?}"
        );
    }
}

/// A redirect target: absolute, on an `allowed` origin, no raw URL syntax or backslash in its
/// query (anything user-supplied there is percent-encoded), and any `redirect_url` /
/// `__clerk_redirect_url` it carries points back to one of the `apps`.
fn assert_location(location: &str, allowed: &[&str], apps: &[&str]) {
    let o = origin(location);
    assert!(allowed.contains(&o.as_str()), "{location} leaves for {o}");
    assert!(!location.contains('\\'), "{location}");
    if let Some((_, query)) = location.split_once('?') {
        assert!(
            !query.contains([':', '/', '\\', '@', ' ']),
            "raw URL syntax in {location}"
        );
    }
    for name in ["redirect_url", "__clerk_redirect_url"] {
        if let Some(back) = param(location, name) {
            assert!(
                apps.contains(&origin(&back).as_str()),
                "{name}={back} in {location}"
            );
        }
    }
}

/// Every invariant on one HTTP response; returns its redirect target, if any.
fn check(r: &Collected, allowed: &[&str], apps: &[&str]) -> Option<String> {
    assert_clean(r.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())));
    let mut target = None;
    for (n, v) in &r.headers {
        if n == "location" || n == "x-clerk-redirect-to" {
            assert_location(v, allowed, apps);
            target = Some(v.clone());
        }
    }
    // The log is one JSON line per request, whatever the request contained.
    for line in r.stderr.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("log line {line:?}: {e}"));
    }
    assert!(r.stderr.lines().count() <= 1, "{:?}", r.stderr);
    target
}

/// The same invariants on an `authenticate` result.
fn check_state(s: &AuthState, allowed: &[&str], apps: &[&str]) -> Option<String> {
    assert_clean(
        s.headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str())),
    );
    let location = s.headers.iter().find(|h| h.name == "location")?;
    assert_location(&location.value, allowed, apps);
    Some(location.value.clone())
}

#[test]
fn the_checks_themselves_catch_what_they_guard() {
    let fails = |f: fn()| std::panic::catch_unwind(f).is_err();
    assert!(fails(|| assert_location(
        "https://evil.example/",
        &[ACCOUNTS],
        &[APP]
    )));
    assert!(fails(|| assert_location(
        "//evil.example/",
        &[ACCOUNTS],
        &[APP]
    )));
    assert!(fails(|| assert_location(
        "https://accounts.demo-app.example.com/sign-in?redirect_url=https://evil.example/",
        &[ACCOUNTS],
        &[APP]
    )));
    assert!(fails(|| assert_location(
        "https://accounts.demo-app.example.com/sign-in?redirect_url=https%3A%2F%2Fevil.example%2F",
        &[ACCOUNTS],
        &[APP]
    )));
    assert!(fails(|| assert_location(
        "http://localhost:3000@evil.example/",
        &[APP],
        &[APP]
    )));
    assert!(fails(|| assert_clean([(
        "location",
        "/\r\nSet-Cookie: x=1"
    )])));
    assert!(fails(|| assert_clean([("x", "a\0")])));
    assert_location(
        "https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2F%3Fnext%3Dhttps%253A%252F%252Fevil.example",
        &[ACCOUNTS],
        &[APP],
    );
    assert_eq!(
        origin("HTTPS://User:pw@Accounts.Demo-App.Example.com:443/x"),
        ACCOUNTS
    );
}

// ---------------------------------------------------------------------------------------------
// Sign-in and handshake redirects.

/// Paths and queries an attacker can make a victim's browser request.
const HOSTILE: &[&str] = &[
    "/dashboard?redirect_url=https%3A%2F%2Fevil.example%2F",
    "/dashboard?redirect_url=https://evil.example/&next=//evil.example",
    "//evil.example/x",
    "/%2F%2Fevil.example",
    "/\\evil.example",
    "/%5C%5Cevil.example",
    "/%2F%5Cevil.example",
    "/javascript:alert(1)",
    "/?next=javascript:alert(1)",
    "/?d=data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "/%0d%0aSet-Cookie:%20pwned=1",
    "/?x=%0d%0aLocation:%20https://evil.example",
    "/a%00b?c=%00",
    "/caf%C3%A9?q=%E2%82%AC&r=%FF",
    "/@evil.example",
    "/..%2F..%2F%2Fevil.example",
    "/?__clerk_db_jwt=dvb%0d%0aSet-Cookie:%20x=1",
    "/?__clerk_redirect_url=https://evil.example/",
];

#[test]
fn hostile_request_urls_stay_inside_redirect_url() {
    let allowed = [ACCOUNTS, FAPI];
    for path in HOSTILE {
        let url = format!("{APP}{path}");
        for (cookie, mode) in [
            (SIGNED_OUT, "default"),
            (HANDSHAKE, "default"),
            (SIGNED_OUT, "nginx"),
        ] {
            let r = send(
                &[("CLERK_FORWARD_AUTH_MODE", mode)],
                "GET",
                &url,
                &[PAGE, cookie],
            );
            assert_eq!(r.status, if mode == "nginx" { 401 } else { 307 }, "{url}");
            let target = check(&r, &allowed, &[APP]).unwrap_or_else(|| panic!("{url}: no target"));
            // The request URL travels back, on the app's origin, as `redirect_url`.
            let back = param(&target, "redirect_url").unwrap();
            assert_eq!(origin(&back), APP, "{target}");
        }
        let mut v = host().verifier(&env(&[])).unwrap();
        let signin = v.sign_in_url(&request("GET", &url, &[])).unwrap().unwrap();
        assert_location(&signin, &[ACCOUNTS], &[APP]);
    }
    // One case spelled out: the attacker's `redirect_url` is only part of ours, encoded.
    let r = send(
        &[],
        "GET",
        &format!("{APP}/dashboard?redirect_url=https://evil.example/"),
        &[PAGE, SIGNED_OUT],
    );
    assert_eq!(
        r.header("location"),
        Some("https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard%3Fredirect_url%3Dhttps%3A%2F%2Fevil.example%2F&__clerk_db_jwt=dvb")
    );
    let r = send(
        &[],
        "GET",
        &format!("{APP}//evil.example/x"),
        &[PAGE, HANDSHAKE],
    );
    assert!(
        r.header("location").unwrap().starts_with("https://clerk.demo-app.example.com/v1/client/handshake?redirect_url=http%3A%2F%2Flocalhost%3A3000%2F%2Fevil.example%2Fx&"),
        "{r:?}"
    );
}

#[test]
fn hostile_request_urls_through_authenticate() {
    // The WIT record takes any string, so raw control bytes and non-ASCII reach the parser.
    let mut v = host().verifier(&env(&[])).unwrap();
    let allowed = [ACCOUNTS, FAPI, APP];
    let raw = [
        "http://localhost:3000/a\r\nSet-Cookie: x=1",
        "http://localhost:3000/a\0b?c=\0",
        "http://localhost:3000/\\evil.example",
        "http://localhost:3000/\t//evil.example",
        "http://localhost:3000/café?q=€&r=\u{2028}",
        "http://localhost:3000/?redirect_url=javascript:alert(1)",
    ];
    for url in raw {
        for cookie in [SIGNED_OUT, HANDSHAKE] {
            let s = v
                .authenticate(&request("GET", url, &[PAGE, cookie]))
                .unwrap();
            let target = check_state(&s, &allowed, &[APP]);
            if cookie == HANDSHAKE {
                let target = target.unwrap();
                assert_eq!(origin(&target), FAPI);
                assert_eq!(origin(&param(&target, "redirect_url").unwrap()), APP);
            }
        }
        let signin = v.sign_in_url(&request("GET", url, &[])).unwrap().unwrap();
        assert_location(&signin, &[ACCOUNTS], &[APP]);
    }
    // Non-ASCII hosts are refused (no Unicode IDNA tables in the component; README
    // "Deliberate differences"), never passed through raw; their punycode form works.
    let s = v
        .authenticate(&request(
            "GET",
            "http://bücher.example/p",
            &[PAGE, HANDSHAKE],
        ))
        .unwrap();
    assert_eq!(s.status, AuthStatus::Error);
    assert_eq!(s.reason.as_deref(), Some("invalid-request"));
    assert!(
        s.headers.iter().all(|h| h.value.is_ascii()),
        "{:?}",
        s.headers
    );
    let s = v
        .authenticate(&request(
            "GET",
            "http://xn--bcher-kva.example/p",
            &[PAGE, HANDSHAKE],
        ))
        .unwrap();
    let target = check_state(&s, &allowed, &["http://xn--bcher-kva.example"]).unwrap();
    assert!(target.contains("xn--bcher-kva.example"), "{target}");
}

// ---------------------------------------------------------------------------------------------
// `__clerk_redirect_url` (D9).

#[test]
fn dev_primary_sync_returns_only_to_allowed_origins() {
    let env_pairs = [
        ("CLERK_AUTHORIZED_PARTIES", "https://sat.example.com"),
        ("CLERK_REDIRECT_ORIGINS", "https://sat2.example.com:8443"),
    ];
    let allowed = [
        ("http://localhost:3000/back", "http://localhost:3000/back?__clerk_db_jwt=dvb&__clerk_synced=true"),
        ("HTTP://LOCALHOST:3000/Up?a=1", "http://localhost:3000/Up?a=1&__clerk_db_jwt=dvb&__clerk_synced=true"),
        ("https://sat.example.com/x?next=https://evil.example", "https://sat.example.com/x?next=https%3A%2F%2Fevil.example&__clerk_db_jwt=dvb&__clerk_synced=true"),
        ("https://sat2.example.com:8443/", "https://sat2.example.com:8443/?__clerk_db_jwt=dvb&__clerk_synced=true"),
    ];
    let origins = [
        APP,
        "https://sat.example.com",
        "https://sat2.example.com:8443",
    ];
    for (target, expected) in allowed {
        let url = format!("{APP}/?__clerk_redirect_url={}", enc(target));
        let r = send(
            &env_pairs,
            "GET",
            &url,
            &[PAGE, ("cookie", "__clerk_db_jwt=dvb")],
        );
        assert_eq!(r.status, 307);
        assert_eq!(
            r.header("x-clerk-auth-reason"),
            Some("primary-responds-to-syncing")
        );
        assert_eq!(check(&r, &origins, &origins).as_deref(), Some(expected));
    }
    let refused = [
        "https://evil.example/",
        "//evil.example",
        "\\\\evil.example",
        "/\\evil.example",
        "https:\\\\evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "javascript://localhost:3000/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "https://localhost:3000@evil.example/",
        "https://evil.example\\@localhost:3000",
        "https://evil.example#@localhost:3000",
        "http://localhost:3000.evil.example/",
        "https://localhost:3000/",
        "http://localhost:3001/",
        "https://sat.example.com.evil.example/",
        "https://sat2.example.com/",
        "https://évil.example/",
        "ftp://localhost:3000/",
        "http://localhost:3000\r\n.evil.example/",
        "https://evil.example/\r\nSet-Cookie: x=1",
        "",
    ];
    for target in refused {
        let url = format!("{APP}/?__clerk_redirect_url={}", enc(target));
        let r = send(
            &env_pairs,
            "GET",
            &url,
            &[PAGE, ("cookie", "__clerk_db_jwt=dvb")],
        );
        assert_eq!(r.status, 307, "{target}");
        assert_eq!(
            r.header("x-clerk-auth-reason"),
            Some("session-token-and-uat-missing"),
            "{target}"
        );
        let location = check(&r, &[ACCOUNTS], &[APP]).unwrap();
        assert!(
            location.starts_with(&format!("{ACCOUNTS}/sign-in?redirect_url=")),
            "{location}"
        );
    }
}

#[test]
fn forwarded_headers_shape_urls_only_when_trusted() {
    let spoof = [
        ("x-forwarded-host", "evil.example"),
        ("x-forwarded-proto", "https"),
        ("x-forwarded-uri", "//evil.example/x"),
        ("x-original-uri", "/evil"),
    ];
    let mut headers = vec![PAGE, SIGNED_OUT];
    headers.extend(spoof);
    let r = send(&[], "GET", &format!("{APP}/dashboard"), &headers);
    assert_eq!(
        check(&r, &[ACCOUNTS], &[APP]).as_deref(),
        Some("https://accounts.demo-app.example.com/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fdashboard&__clerk_db_jwt=dvb")
    );
    // An attacker's __clerk_redirect_url cannot become "the app's own origin" either.
    let url = format!(
        "{APP}/?__clerk_redirect_url={}",
        enc("https://evil.example/")
    );
    let mut headers = vec![PAGE, ("cookie", "__clerk_db_jwt=dvb")];
    headers.extend(spoof);
    let r = send(&[], "GET", &url, &headers);
    assert_eq!(
        r.header("x-clerk-auth-reason"),
        Some("session-token-and-uat-missing")
    );
    check(&r, &[ACCOUNTS], &[APP]).unwrap();

    // Behind a proxy you control (CLERK_TRUST_FORWARDED=true) they give the public URL.
    let trusted = [("CLERK_TRUST_FORWARDED", "true")];
    let app = "https://app.example.com";
    for (uri, back) in [
        ("/real?x=1", "https://app.example.com/real?x=1"),
        ("https://evil.example/", "https://app.example.com/dashboard"),
        (
            "//evil.example/x",
            "https://app.example.com//evil.example/x",
        ),
    ] {
        let r = send(
            &trusted,
            "GET",
            &format!("{APP}/dashboard"),
            &[
                PAGE,
                SIGNED_OUT,
                ("x-forwarded-host", "app.example.com"),
                ("x-forwarded-proto", "https"),
                ("x-forwarded-uri", uri),
            ],
        );
        let target = check(&r, &[ACCOUNTS], &[app]).unwrap();
        assert_eq!(param(&target, "redirect_url").as_deref(), Some(back));
    }

    // The core keeps Clerk's rule (D10): `authenticate` trusts X-Forwarded-Host, so the host
    // program must pass only headers its proxy set — or fix the origin with `public-origin`.
    let mut v = host().verifier(&env(&[])).unwrap();
    let req = request(
        "GET",
        &format!(
            "{APP}/?__clerk_redirect_url={}",
            enc("https://evil.example/")
        ),
        &[
            PAGE,
            ("cookie", "__clerk_db_jwt=dvb"),
            ("x-forwarded-host", "evil.example"),
            ("x-forwarded-proto", "https"),
        ],
    );
    let s = v.authenticate(&req).unwrap();
    assert_eq!(s.reason.as_deref(), Some("primary-responds-to-syncing"));
    let location = s.headers.iter().find(|h| h.name == "location").unwrap();
    assert_eq!(
        location.value,
        "https://evil.example/?__clerk_db_jwt=dvb&__clerk_synced=true"
    );
    let fixed = v
        .create(&wit_config(|c| c.public_origin = Some(APP.into())))
        .unwrap()
        .unwrap();
    let s = v.resource_authenticate(fixed, &req).unwrap();
    assert_eq!(
        (s.status, s.reason.as_deref()),
        (AuthStatus::SignedOut, Some("session-token-and-uat-missing"))
    );
    assert_eq!(check_state(&s, &[], &[]), None);
    let s = v
        .resource_authenticate(
            fixed,
            &request(
                "GET",
                &format!("{APP}/p"),
                &[PAGE, HANDSHAKE, ("x-forwarded-host", "evil.example")],
            ),
        )
        .unwrap();
    let target = check_state(&s, &[FAPI], &[APP]).unwrap();
    assert_eq!(
        param(&target, "redirect_url").as_deref(),
        Some("http://localhost:3000/p")
    );
    v.drop_resource(fixed).unwrap();
}

// ---------------------------------------------------------------------------------------------
// Header injection through token fields, cookies and handshake directives.

#[test]
fn control_bytes_from_the_request_never_reach_a_header() {
    let mut v = host().verifier(&env(&[])).unwrap();
    let allowed = [ACCOUNTS, FAPI, APP];
    let url = format!("{APP}/p");
    let cases: [Vec<(&str, &str)>; 6] = [
        vec![
            PAGE,
            HANDSHAKE,
            ("x-forwarded-host", "localhost:3000\r\nSet-Cookie: x=1"),
        ],
        vec![PAGE, HANDSHAKE, ("x-forwarded-host", "evil.exa\0mple")],
        vec![
            PAGE,
            HANDSHAKE,
            (
                "x-forwarded-proto",
                "https\r\nLocation: https://evil.example",
            ),
        ],
        vec![
            PAGE,
            (
                "cookie",
                "__client_uat=1; __clerk_db_jwt=dvb\r\nSet-Cookie: x=1",
            ),
        ],
        vec![
            PAGE,
            (
                "cookie",
                "__client_uat=1; __clerk_db_jwt=dvb%0D%0ASet-Cookie:%20x=1",
            ),
        ],
        vec![
            PAGE,
            (
                "cookie",
                "__client_uat=1; __clerk_redirect_count=1\r\n; __clerk_db_jwt=\0",
            ),
        ],
    ];
    for headers in &cases {
        let s = v.authenticate(&request("GET", &url, headers)).unwrap();
        check_state(&s, &allowed, &[APP]);
    }
    let s = v
        .authenticate(&request(
            "GET",
            &format!("{APP}/p?__clerk_db_jwt=a%0D%0ASet-Cookie:%20x"),
            &[PAGE],
        ))
        .unwrap();
    assert_eq!(s.reason.as_deref(), Some("dev-browser-sync"));
    let target = check_state(&s, &[FAPI], &[APP]).unwrap();
    assert_eq!(
        param(&target, "__clerk_db_jwt").as_deref(),
        Some("a\r\nSet-Cookie: x")
    );

    // A token whose `typ` carries CRLF: JSON.stringify escapes it in the message.
    let token = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256", "typ": "JWT\r\nSet-Cookie: pwned=1"}),
            &claims(|_| {}),
        );
    let bearer = format!("Bearer {token}");
    let s = v
        .authenticate(&request("GET", &url, &[("authorization", &bearer)]))
        .unwrap();
    let message = "Invalid JWT type \"JWT\\r\\nSet-Cookie: pwned=1\". Expected \"JWT\". Make sure that this is a valid Clerk-generated JWT. (reason=token-invalid, token-carrier=header)";
    assert_eq!(
        (s.reason.as_deref(), s.message.as_deref()),
        (Some("token-invalid"), Some(message))
    );
    assert_clean(
        s.headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str())),
    );
    let r = send(
        &[],
        "GET",
        &format!("{APP}/api/me"),
        &[("authorization", &bearer)],
    );
    assert_eq!(r.status, 401);
    check(&r, &[], &[]);
    assert_eq!(r.header("x-clerk-auth-message"), Some(message));
    assert_eq!(r.header("set-cookie"), None);
    assert_eq!(r.json().unwrap()["message"], message);

    // A `kid` carrying CRLF in a multi-key configuration: the kid-mismatch message quotes it
    // raw, so `x-clerk-auth-message` is left out (the record keeps the message).
    let jwks =
        json!({"keys": [forge::jwk(DEMO_PUBLIC, Some("a")), forge::jwk(OTHER_PUBLIC, Some("b"))]});
    let multi = v
        .create(&wit_config(|c| {
            c.jwt_key = None;
            c.jwks = Some(jwks.to_string());
        }))
        .unwrap()
        .unwrap();
    let token = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256", "kid": "x\r\nLocation: https://evil.example"}),
            &claims(|_| {}),
        );
    let s = v
        .resource_authenticate(
            multi,
            &request(
                "GET",
                &url,
                &[("authorization", &format!("Bearer {token}"))],
            ),
        )
        .unwrap();
    assert_eq!(s.reason.as_deref(), Some("jwk-kid-mismatch"));
    assert!(s
        .message
        .unwrap()
        .contains("kid='x\r\nLocation: https://evil.example'"));
    assert_clean(
        s.headers
            .iter()
            .map(|h| (h.name.as_str(), h.value.as_str())),
    );
    assert!(s
        .headers
        .iter()
        .all(|h| h.name != "x-clerk-auth-message" && h.name != "location"));
    v.drop_resource(multi).unwrap();
}

#[test]
fn handshake_directives_cannot_inject_headers_or_redirects() {
    let mint = |payload: Value| {
        clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
            .unwrap()
            .mint(&json!({"alg": "RS256", "typ": "JWT"}), &payload)
    };
    let session = demo_token();
    let injected = mint(json!({"handshake": [
        format!("__session={session}; Path=/\r\nLocation: https://evil.example"),
        "__client_uat=1; Path=/",
    ]}));
    let nul = mint(json!({"handshake": [format!("__session={session}; Path=/\0")]}));
    let clean = mint(
        json!({"handshake": [format!("__session={session}; Path=/"), "__client_uat=1; Path=/"]}),
    );
    for hs in [&injected, &nul] {
        let url = format!("{APP}/p?__clerk_handshake={hs}");
        let r = send(&[], "GET", &url, &[PAGE, ("cookie", "__clerk_db_jwt=dvb")]);
        let target = check(&r, &[ACCOUNTS, FAPI], &[APP]);
        assert!(
            r.header("set-cookie")
                .is_none_or(|c| c.starts_with("__clerk_redirect_count=")),
            "{r:?}"
        );
        assert_ne!(r.status, 200, "{target:?}");
    }
    // A clean handshake: signed in, then the development clean-up redirect to the app itself,
    // without the handshake in the URL.
    let url = format!("{APP}/p?x=1&__clerk_handshake={clean}");
    let r = send(&[], "GET", &url, &[PAGE, ("cookie", "__clerk_db_jwt=dvb")]);
    assert_eq!(r.status, 307);
    assert_eq!(
        check(&r, &[APP], &[APP]).as_deref(),
        Some("http://localhost:3000/p?x=1")
    );
    let cookies: Vec<&str> = r
        .headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v.as_str())
        .collect();
    assert_eq!(
        cookies,
        [
            format!("__session={session}; Path=/").as_str(),
            "__client_uat=1; Path=/"
        ]
    );
    // Forged by another key: a development instance refuses the request outright (D8).
    let forged = clerk_edge::mint::Minter::from_pem(OTHER_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256"}),
            &json!({"handshake": ["__session=x; Location: //evil"]}),
        );
    let r = send(
        &[],
        "GET",
        &format!("{APP}/p?__clerk_handshake={forged}"),
        &[PAGE],
    );
    assert_eq!(
        (r.status, r.json().unwrap()["reason"].clone()),
        (500, json!("dev-handshake-failed"))
    );
    check(&r, &[], &[]);
}

// ---------------------------------------------------------------------------------------------
// Client-sent identity headers.

const SPOOFED: &[(&str, &str)] = &[
    ("x-clerk-auth-status", "signed-in"),
    ("X-Clerk-User-Id", "user_evil"),
    ("x-clerk-session-id", "sess_evil"),
    ("X-CLERK-ORG-ID", "org_evil"),
    ("x-clerk-org-role", "org:evil"),
    ("x-clerk-org-slug", "evil-slug"),
    ("X-Auth-Request-User", "user_evil"),
    ("x-clerk-auth-reason", "evil-reason"),
    ("x-clerk-auth-message", "evil-message"),
    ("x-clerk-auth-token", "evil-token"),
    ("x-clerk-redirect-to", "https://evil.example/"),
];

const IDENTITY: &[&str] = &[
    "x-clerk-user-id",
    "x-clerk-session-id",
    "x-clerk-org-id",
    "x-clerk-org-role",
    "x-clerk-org-slug",
    "x-auth-request-user",
];

/// Every spoofed value but the status contains "evil".
fn assert_no_spoofed_value(headers: &[(String, String)]) {
    for (n, v) in headers {
        assert!(!v.contains("evil"), "{n}: {v}");
    }
}

/// Environment, path, request headers, expected status.
type Case<'a> = (
    &'a [(&'a str, &'a str)],
    &'a str,
    Vec<(&'a str, &'a str)>,
    u16,
);

#[test]
fn client_identity_headers_never_come_back_when_signed_out() {
    let forged = forge::rs256_token(
        OTHER_PRIVATE,
        r#"{"alg":"RS256"}"#,
        &claims(|_| {}).to_string(),
    );
    let pending = {
        let t = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE).unwrap();
        t.mint(
            &json!({"alg": "RS256"}),
            &claims(|c| c["sts"] = json!("pending")),
        )
    };
    let public = [("CLERK_PUBLIC_ROUTES", "/pricing")];
    let nginx = [("CLERK_FORWARD_AUTH_MODE", "nginx")];
    let forged_auth = format!("Bearer {forged}");
    let pending_auth = format!("Bearer {pending}");
    let cases: [Case<'_>; 6] = [
        (&public, "/pricing", vec![PAGE, SIGNED_OUT], 200),
        (&[], "/api/me", vec![], 401),
        (&[], "/dashboard", vec![PAGE, SIGNED_OUT], 307),
        (&nginx, "/dashboard", vec![PAGE, SIGNED_OUT], 401),
        (
            &[],
            "/api/me",
            vec![("authorization", forged_auth.as_str())],
            401,
        ),
        (
            &[],
            "/api/me",
            vec![("authorization", pending_auth.as_str())],
            401,
        ),
    ];
    for (env_pairs, path, mut headers, status) in cases {
        headers.extend_from_slice(SPOOFED);
        let r = send(env_pairs, "GET", &format!("{APP}{path}"), &headers);
        assert_eq!(r.status, status, "{path}: {r:?}");
        check(&r, &[ACCOUNTS, FAPI], &[APP]);
        for name in IDENTITY {
            assert_eq!(r.header(name), None, "{path}: {name}");
        }
        assert_ne!(r.header("x-clerk-auth-status"), Some("signed-in"));
        assert_no_spoofed_value(&r.headers);
        if let Ok(body) = r.json() {
            assert!(
                body.get("auth").is_none_or(|a| a["userId"].is_null()),
                "{body}"
            );
        }
    }
}

#[test]
fn signed_in_responses_carry_only_verified_identity() {
    let with_org = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256", "typ": "JWT"}),
            &claims(|c| {
                c["v"] = json!(2);
                c["o"] = json!({"id": "org_9", "slg": "acme", "rol": "admin"});
            }),
        );
    let plain = demo_token();
    let cookie = format!("__session={plain}; __client_uat=1; __clerk_db_jwt=dvb");
    let org_auth = format!("Bearer {with_org}");
    for (headers, org) in [
        (vec![("authorization", org_auth.as_str())], true),
        (vec![PAGE, ("cookie", cookie.as_str())], false),
    ] {
        let mut headers = headers;
        headers.extend_from_slice(SPOOFED);
        let r = send(&[], "GET", &format!("{APP}/dashboard"), &headers);
        assert_eq!(r.status, 200);
        check(&r, &[], &[]);
        assert_no_spoofed_value(&r.headers);
        let mut expected = vec![
            ("x-clerk-auth-status", "signed-in"),
            ("x-clerk-user-id", "user_demo123"),
            ("x-clerk-session-id", "sess_demo456"),
        ];
        if org {
            expected.extend([
                ("x-clerk-org-id", "org_9"),
                ("x-clerk-org-role", "org:admin"),
                ("x-clerk-org-slug", "acme"),
            ]);
        }
        expected.push(("x-auth-request-user", "user_demo123"));
        let got: Vec<(&str, &str)> = r
            .headers
            .iter()
            .filter(|(n, _)| n.starts_with("x-clerk-") || n == "x-auth-request-user")
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        assert_eq!(got, expected);
        assert_eq!(r.json().unwrap()["auth"]["userId"], "user_demo123");
    }
    // The core never reads them either.
    let mut v = host().verifier(&env(&[])).unwrap();
    let mut headers = vec![("authorization", org_auth.as_str())];
    headers.extend_from_slice(SPOOFED);
    let s = v
        .authenticate(&request("GET", &format!("{APP}/"), &headers))
        .unwrap();
    assert_eq!(s.status, AuthStatus::SignedIn);
    let session = s.session.unwrap();
    assert_eq!(
        (
            session.user_id.as_deref(),
            session.organization.unwrap().id.as_str()
        ),
        (Some("user_demo123"), "org_9")
    );
    assert!(s.headers.iter().all(|h| !h.value.contains("evil")));
}

// ---------------------------------------------------------------------------------------------
// Logs.

/// Strings that must never be logged for `token`: the whole token and its payload and
/// signature segments (the header segment is the same for every DEMO token).
fn token_secrets(token: &str) -> Vec<String> {
    let mut out = vec![token.to_owned()];
    out.extend(
        token
            .split('.')
            .skip(1)
            .filter(|s| s.len() > 8)
            .map(str::to_owned),
    );
    out
}

fn key_secrets() -> Vec<String> {
    let mut out = vec!["BEGIN".to_owned(), "PRIVATE".to_owned()];
    for pem in [DEMO_PUBLIC, DEMO_PRIVATE, OTHER_PUBLIC, OTHER_PRIVATE] {
        out.extend(
            pem.lines()
                .filter(|l| !l.starts_with("-----") && l.len() >= 16)
                .map(|l| l[..16].to_owned()),
        );
    }
    let k = forge::public_key(DEMO_PUBLIC);
    out.push(clerk_edge::util::b64url_encode(&k.n)[..24].to_owned());
    out
}

fn assert_no_secret(text: &str, secrets: &[String], what: &str) {
    for s in secrets {
        assert!(!text.contains(s.as_str()), "{what} leaks {s:?}: {text}");
    }
}

/// A DEMO-signed token that expired 10 minutes ago, and a valid-looking one signed by
/// another key.
fn expired_and_forged() -> (String, String) {
    let expired = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256", "typ": "JWT"}),
            &claims(|c| c["exp"] = json!(now_secs() - 600)),
        );
    let forged = clerk_edge::mint::Minter::from_pem(OTHER_PRIVATE)
        .unwrap()
        .mint(&json!({"alg": "RS256"}), &claims(|_| {}));
    (expired, forged)
}

#[test]
fn logs_never_contain_tokens_cookies_or_keys() {
    let valid = demo_token();
    let (expired, forged) = expired_and_forged();
    let handshake = clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE)
        .unwrap()
        .mint(
            &json!({"alg": "RS256"}),
            &json!({"handshake": [format!("__session={valid}; Path=/")]}),
        );
    let dvb = "dvb_SECRET_0123456789";
    let refresh = "refresh_SECRET_0123456789";
    let nonce = "nonce_SECRET_0123456789";
    let mut secrets = key_secrets();
    for t in [&valid, &expired, &forged, &handshake] {
        secrets.extend(token_secrets(t));
    }
    secrets.extend([dvb, refresh, nonce].map(str::to_owned));

    let session_cookie = |t: &str| {
        format!("__session={t}; __client_uat=1; __clerk_db_jwt={dvb}; __refresh_abc={refresh}")
    };
    let requests: Vec<(String, Vec<(&str, String)>)> = vec![
        (
            "/api/me".into(),
            vec![("authorization", format!("Bearer {valid}"))],
        ),
        (
            "/api/me".into(),
            vec![("authorization", format!("Bearer {forged}"))],
        ),
        (
            "/api/me".into(),
            vec![("authorization", format!("Bearer {expired}"))],
        ),
        (
            "/api/me".into(),
            vec![("authorization", format!("Basic {valid}"))],
        ),
        (
            "/dashboard".into(),
            vec![("cookie", session_cookie(&valid))],
        ),
        (
            "/dashboard".into(),
            vec![
                ("cookie", session_cookie(&expired)),
                ("sec-fetch-dest", "document".into()),
            ],
        ),
        (
            "/dashboard".into(),
            vec![("cookie", session_cookie(&forged))],
        ),
        (
            format!("/p?__clerk_handshake={handshake}&__clerk_db_jwt={dvb}"),
            vec![("sec-fetch-dest", "document".into())],
        ),
        (
            format!("/p?__clerk_handshake_nonce={nonce}"),
            vec![("cookie", format!("__clerk_db_jwt={dvb}"))],
        ),
        (
            format!("/p?__clerk_handshake={forged}"),
            vec![("sec-fetch-dest", "document".into())],
        ),
    ];
    let mut any_log = false;
    for env_pairs in [
        vec![("CLERK_LOG", "debug")],
        vec![("CLERK_LOG", "debug"), ("CLERK_JWT_KEY", OTHER_PUBLIC)],
    ] {
        for (path, headers) in &requests {
            let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
            let r = send(&env_pairs, "GET", &format!("{APP}{path}"), &h);
            check(&r, &[ACCOUNTS, FAPI, APP], &[APP]);
            any_log |= !r.stderr.is_empty();
            assert_no_secret(&r.stderr, &secrets, &format!("log of {path}"));
        }
    }
    assert!(any_log, "CLERK_LOG=debug logged nothing");
    // A configuration error names the variable, never the key text.
    let broken = OTHER_PUBLIC.replacen("MIIB", "MIIC", 1);
    for (name, value) in [
        ("CLERK_JWT_KEY", broken.as_str()),
        ("CLERK_JWKS", &broken[..200]),
    ] {
        let r = send(
            &[("CLERK_LOG", "debug"), (name, value)],
            "GET",
            &format!("{APP}/"),
            &[],
        );
        assert_eq!(r.status, 500);
        assert_no_secret(&r.stderr, &secrets, "config-error log");
        assert_no_secret(
            &String::from_utf8_lossy(&r.body),
            &secrets,
            "config-error body",
        );
    }

    // The verifier world writes nothing, whatever it is given.
    let mut v = host().verifier(&env(&[("CLERK_LOG", "debug")])).unwrap();
    for t in [&valid, &expired, &forged] {
        let _ = v.verify_token(t).unwrap();
        let cookie = session_cookie(t);
        let _ = v
            .authenticate(&request("GET", &format!("{APP}/"), &[("cookie", &cookie)]))
            .unwrap();
    }
    let err = v
        .create(&wit_config(|c| c.jwt_key = Some(broken.clone())))
        .unwrap()
        .unwrap_err();
    assert_no_secret(&err.message, &secrets, "config error");
    assert_no_secret(&v.stderr(), &secrets, "verifier stderr");
    assert_eq!(v.stderr(), "");
}

/// Sends one HTTP/1.1 request over a fresh connection and returns the raw response text.
fn raw_http(addr: &str, path: &str, headers: &[(&str, &str)]) -> String {
    use std::io::{Read as _, Write as _};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut req = format!("GET {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (n, v) in headers {
        req.push_str(&format!("{n}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).unwrap();
    String::from_utf8_lossy(&out).into_owned()
}

/// The host process's own output (`serve`'s stderr, where the component's decision log goes,
/// and `verify`'s stdout and stderr) holds no token, cookie value or key.
#[test]
fn the_host_process_logs_no_secrets() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let bin = env!("CARGO_BIN_EXE_clerk-edge-host");
    let valid = demo_token();
    let (expired, forged) = expired_and_forged();
    let dvb = "dvb_SECRET_0123456789";
    let refresh = "refresh_SECRET_0123456789";
    let mut secrets = key_secrets();
    for t in [&valid, &expired, &forged] {
        secrets.extend(token_secrets(t));
    }
    secrets.extend([dvb, refresh].map(str::to_owned));

    let mut child = Command::new(bin)
        .args(["serve", "--addr", "127.0.0.1:0", "--env", "CLERK_LOG=debug"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(120))
        .unwrap();
    let addr = first
        .rsplit("http://")
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    assert!(first.starts_with("clerk-edge: serving"), "{first}");

    let cookie = |t: &str| {
        format!("__session={t}; __client_uat=1; __clerk_db_jwt={dvb}; __refresh_abc={refresh}")
    };
    let mut answers = Vec::new();
    for (path, headers) in [
        (
            "/api/me",
            vec![("authorization", format!("Bearer {valid}"))],
        ),
        (
            "/api/me",
            vec![("authorization", format!("Bearer {forged}"))],
        ),
        (
            "/api/me",
            vec![("authorization", format!("Bearer {expired}"))],
        ),
        ("/dashboard", vec![("cookie", cookie(&valid))]),
        (
            "/dashboard",
            vec![
                ("cookie", cookie(&expired)),
                ("sec-fetch-dest", "document".into()),
            ],
        ),
        ("/dashboard", vec![("cookie", cookie(&forged))]),
        (
            "/p?__clerk_db_jwt=dvb_SECRET_0123456789",
            vec![("sec-fetch-dest", "document".into())],
        ),
    ] {
        let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        answers.push(raw_http(&addr, path, &h));
    }
    assert!(answers[0].starts_with("HTTP/1.1 200"), "{}", answers[0]);
    assert!(answers[1].starts_with("HTTP/1.1 401"), "{}", answers[1]);
    // The decision log lines are written after each response body: wait for all seven.
    let mut lines = vec![first];
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while lines.iter().filter(|l| l.contains("\"status\"")).count() < answers.len()
        && std::time::Instant::now() < deadline
    {
        if let Ok(l) = rx.recv_timeout(std::time::Duration::from_millis(200)) {
            lines.push(l);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    let _ = reader.join();
    lines.extend(rx.try_iter());
    let log = lines.join("\n");
    assert_eq!(
        log.lines().filter(|l| l.contains("\"status\"")).count(),
        answers.len(),
        "one decision line per request: {log}"
    );
    assert!(log.contains("\"status\":\"signed-in\""), "{log}");
    assert_no_secret(&log, &secrets, "serve stderr");

    // `verify` says why a token fails, never what the token was.
    for t in [&expired, &forged] {
        let out = Command::new(bin)
            .args(["verify", t.as_str()])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(1));
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("\"reason\":\"token-"), "{text}");
        assert_no_secret(&text, &secrets, "verify output");
    }
}
