//! `authenticate`: one request (method, URL, headers; see `src/text.rs` for the format and the
//! `{tN}` token placeholders) → `Verifier::authenticate`, `Verifier::redirect_url` and
//! `gate::handle` under one of several fixed configurations (development, production,
//! satellites, organization sync, proxy + public origin, machine tokens).
//!
//! Invariants (see README.md):
//! 1. never a panic;
//! 2. every response header (core state and gate response) has a token name and a value
//!    without CR, LF or NUL;
//! 3. every `location` (core), `Location`/`x-clerk-redirect-to` (gate) and sign-in/up redirect
//!    parses as an absolute URL whose origin is the Frontend API (or proxy), the request's own
//!    origin (URL, `Host`, `X-Forwarded-*`), `CLERK_PUBLIC_ORIGIN`, a configured sign-in/up
//!    URL, the accounts portal, an authorized party or a `CLERK_REDIRECT_ORIGINS` entry;
//! 4. no forgery: a signed-in state's claims (or machine token payload) are those of a table
//!    token signed by a configured key; every `set-cookie` is the loop counter or a directive
//!    of such a handshake token;
//! 5. state shape: signed-in ⇔ no reason; a handshake carries a `location`;
//! 6. gate: status in {200, 307, 400, 401, 500}; 307 ⇔ one `location`; nginx mode never 307;
//!    identity headers only on a 200 signed-in response, with the verified user id; the log
//!    line is JSON and contains no token that came only as a credential (`authorization` or
//!    `cookie`); the body is JSON (or empty on 307).

#![no_main]

use std::collections::BTreeMap;
use std::sync::OnceLock;

use clerk_edge::config::{AcceptsToken, Options, TokenKind};
use clerk_edge::gate::{self, GateConfig, HttpRequest, LogLevel};
use clerk_edge::orgsync::OrganizationSyncOptions;
use clerk_edge::state::AuthStatus;
use clerk_edge::{RedirectTarget, RequestParts, Verifier};
use clerk_edge_fuzz::fixtures::{
    two_key_jwks, APP_ORIGIN, DEMO_PUBLIC, FAPI_HOST, NOW, PK_LIVE, PK_TEST,
};
use clerk_edge_fuzz::oracle::{header_name_ok, header_value_clean, Origins};
use clerk_edge_fuzz::text::{parse_case, Case};
use clerk_edge_fuzz::tokens::{accepted_payloads, decode_payload, signed_directives, table};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

struct Conf {
    verifier: Verifier,
    other_key: bool,
    gates: Vec<(GateConfig, bool)>,
    /// Origins allowed by configuration alone.
    static_origins: Origins,
    directives: Vec<String>,
}

fn opts(pk: Option<&str>) -> Options {
    Options {
        jwt_key: Some(DEMO_PUBLIC.into()),
        publishable_key: pk.map(str::to_owned),
        ..Options::default()
    }
}

fn configurations() -> Vec<(Options, bool)> {
    let org = OrganizationSyncOptions {
        organization_patterns: vec![
            "/orgs/:slug".into(),
            "/orgs/:slug/(.*)".into(),
            "/o/:id".into(),
        ],
        personal_account_patterns: vec!["/me".into(), "/me/(.*)".into()],
    };
    vec![
        // 0: development.
        (opts(Some(PK_TEST)), false),
        // 1: production with authorized parties.
        (
            Options {
                authorized_parties: vec![APP_ORIGIN.into()],
                ..opts(Some(PK_LIVE))
            },
            false,
        ),
        // 2: development satellite.
        (
            Options {
                is_satellite: true,
                domain: Some("satellite.example.net".into()),
                sign_in_url: Some("https://app.example.com/sign-in".into()),
                redirect_origins: vec!["https://satellite.example.net".into()],
                ..opts(Some(PK_TEST))
            },
            false,
        ),
        // 3: production satellite (FAPI clerk.satellite.example.net), auto-sync.
        (
            Options {
                is_satellite: true,
                domain: Some("satellite.example.net".into()),
                sign_in_url: Some("https://app.example.com/sign-in".into()),
                satellite_auto_sync: true,
                ..opts(Some(PK_LIVE))
            },
            false,
        ),
        // 4: development with organization sync and a relative sign-in URL.
        (
            Options {
                organization_sync: Some(org.clone()),
                sign_in_url: Some("/sign-in".into()),
                sign_up_url: Some("/sign-up".into()),
                ..opts(Some(PK_TEST))
            },
            false,
        ),
        // 5: production, relative proxy, fixed public origin, two-key JWKS.
        (
            Options {
                jwt_key: None,
                jwks: Some(two_key_jwks().into()),
                proxy_url: Some("/__clerk".into()),
                public_origin: Some(APP_ORIGIN.into()),
                redirect_origins: vec!["https://admin.example.com".into()],
                ..opts(Some(PK_LIVE))
            },
            true,
        ),
        // 6: production accepting any token, issuer and audience checks, org sync.
        (
            Options {
                accepts_token: AcceptsToken::Any,
                issuers: vec!["https://clerk.demo-app.example.com".into()],
                audience: vec!["https://api.example.com".into()],
                organization_sync: Some(org),
                ..opts(Some(PK_LIVE))
            },
            false,
        ),
        // 7: production, absolute proxy, absolute sign-in/up on another origin.
        (
            Options {
                proxy_url: Some("https://proxy.example.org/__clerk".into()),
                sign_in_url: Some("https://accounts.example.com/sign-in".into()),
                sign_up_url: Some("https://accounts.example.com/sign-up".into()),
                ..opts(Some(PK_LIVE))
            },
            false,
        ),
        // 8: header-only M2M, no publishable key.
        (
            Options {
                accepts_token: AcceptsToken::One(TokenKind::M2mToken),
                ..opts(None)
            },
            false,
        ),
        // 9: development accepting session and OAuth tokens, public origin, proxy host form.
        (
            Options {
                accepts_token: AcceptsToken::List(vec![
                    TokenKind::SessionToken,
                    TokenKind::OAuthToken,
                ]),
                public_origin: Some(APP_ORIGIN.into()),
                proxy_url: Some("proxy.example.org/__clerk".into()),
                ..opts(Some(PK_TEST))
            },
            false,
        ),
    ]
}

fn gate_envs() -> Vec<Vec<(&'static str, &'static str)>> {
    vec![
        vec![],
        vec![
            ("CLERK_PUBLIC_ROUTES", "/,/public/**"),
            ("CLERK_PROTECTED_ROUTES", "/dashboard/**,/orgs/**,/o/*"),
            ("CLERK_TRUST_FORWARDED", "true"),
        ],
        vec![
            ("CLERK_FORWARD_AUTH_MODE", "nginx"),
            ("CLERK_TRUST_FORWARDED", "true"),
            ("CLERK_LOG", "debug"),
        ],
        vec![
            ("CLERK_FORWARD_AUTH_MODE", "nginx"),
            ("CLERK_PUBLIC_ROUTES", "/api/public/*"),
            ("CLERK_LOG", "off"),
        ],
    ]
}

fn static_origins(o: &Options) -> Origins {
    let mut s = Origins::default();
    s.add_host_or_url(FAPI_HOST);
    s.add_url("https://accounts.demo-app.example.com");
    if let Some(d) = &o.domain {
        s.add_host_or_url(&format!("clerk.{d}"));
    }
    if let Some(p) = o.proxy_url.as_deref().filter(|p| !p.starts_with('/')) {
        s.add_host_or_url(p);
    }
    for u in [&o.sign_in_url, &o.sign_up_url, &o.public_origin]
        .into_iter()
        .flatten()
    {
        s.add_url(u);
    }
    for u in o.authorized_parties.iter().chain(o.redirect_origins.iter()) {
        s.add_url(u);
    }
    s
}

fn confs() -> &'static [Conf] {
    static C: OnceLock<Vec<Conf>> = OnceLock::new();
    C.get_or_init(|| {
        configurations()
            .into_iter()
            .map(|(options, other_key)| {
                let verifier = Verifier::new(options.clone()).expect("fixture configuration");
                let gates = gate_envs()
                    .into_iter()
                    .map(|pairs| {
                        let mut env: BTreeMap<String, String> = pairs
                            .iter()
                            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                            .collect();
                        if let Some(u) = &options.sign_in_url {
                            env.insert("CLERK_SIGN_IN_URL".into(), u.clone());
                        }
                        let nginx =
                            env.get("CLERK_FORWARD_AUTH_MODE").map(String::as_str) == Some("nginx");
                        (GateConfig::from_env(&env).expect("fixture gate"), nginx)
                    })
                    .collect();
                Conf {
                    static_origins: static_origins(&options),
                    directives: signed_directives(other_key),
                    verifier,
                    other_key,
                    gates,
                }
            })
            .collect()
    })
}

fn check_headers<'a>(what: &str, headers: impl Iterator<Item = (&'a str, &'a str)>) {
    for (n, v) in headers {
        assert!(header_name_ok(n), "{what}: bad header name {n:?}");
        assert!(
            header_value_clean(v),
            "{what}: header {n} has CR/LF/NUL: {v:?}"
        );
    }
}

fn request_origins(conf: &Conf, urls: &[String], headers: &[(String, String)]) -> Origins {
    let mut o = conf.static_origins.clone();
    // A relative proxy URL is resolved against the request origin: covered here too.
    o.add_request(urls, headers);
    o
}

fn check_location(what: &str, allowed: &Origins, location: &str) {
    if let Err(e) = allowed.allows(location) {
        panic!("{what}: {e}");
    }
}

fn split_url(url: &str) -> (Option<String>, Option<String>, String) {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let (authority, path) = match rest.find(['/', '?']) {
                Some(i) => (&rest[..i], &rest[i..]),
                None => (rest, "/"),
            };
            (
                Some(scheme.to_owned()),
                Some(authority.to_owned()),
                path.to_owned(),
            )
        }
        None => (None, None, url.to_owned()),
    }
}

/// Every URL the gate could have built the core request from (`gate::to_parts` is private):
/// the scheme (runtime's, or a trusted first `X-Forwarded-Proto` item), the authority
/// (runtime's, `Host`, a trusted first `X-Forwarded-Host` item, or `localhost`) and the path
/// (runtime's, or a trusted `X-Forwarded-Uri`/`X-Original-Uri`).
fn gate_urls(url: &str, req: &HttpRequest) -> Vec<String> {
    let host = req
        .headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case("host"))
        .map(|(_, v)| v.clone());
    let mut urls = vec![url.to_owned()];
    let firsts = |name: &str| -> Vec<String> {
        req.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.split(',').next().unwrap_or("").trim().to_owned())
            .collect()
    };
    let mut schemes = vec![req.scheme.clone().unwrap_or_else(|| "http".into())];
    schemes.extend(firsts("x-forwarded-proto"));
    let mut auths = vec![req.authority.clone(), host, Some("localhost".into())];
    auths.extend(firsts("x-forwarded-host").into_iter().map(Some));
    let mut paths = vec![req.path_with_query.clone()];
    for (n, v) in &req.headers {
        if n.eq_ignore_ascii_case("x-forwarded-uri") || n.eq_ignore_ascii_case("x-original-uri") {
            paths.push(v.clone());
        }
    }
    schemes.sort();
    schemes.dedup();
    let mut auths: Vec<String> = auths.into_iter().flatten().collect();
    auths.sort();
    auths.dedup();
    // Only origins are read from these URLs. Once the authority has a character of its own
    // the path (which starts with `/`) cannot change the origin, so one `/` stands for every
    // path: the full product reached thousands of megabyte-sized URLs on inputs with many
    // forwarded headers. An authority of only slashes (tab/CR/LF are removed by the parser)
    // lets a special URL take its host from the path: `http://` + `/` + `/(/` has host `(`.
    let root = ["/".to_owned()];
    for s in &schemes {
        for a in &auths {
            let path_is_host = a
                .chars()
                .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
                .all(|c| c == '/' || c == '\\');
            let paths = if path_is_host { &paths[..] } else { &root[..] };
            for p in paths {
                let p = if p.starts_with('/') {
                    p.clone()
                } else {
                    format!("/{p}")
                };
                urls.push(format!("{s}://{a}{p}"));
            }
        }
    }
    urls
}

/// Table tokens the request carries only as credentials: in `authorization` or `cookie` values
/// and nowhere else (not in the method, URL or another header, whose text the log may echo).
fn credential_tokens(case: &Case) -> Vec<&'static str> {
    let is_carrier =
        |n: &str| n.eq_ignore_ascii_case("authorization") || n.eq_ignore_ascii_case("cookie");
    table()
        .iter()
        .map(|t| t.token.as_str())
        .filter(|t| {
            case.headers
                .iter()
                .any(|(n, v)| is_carrier(n) && v.contains(t))
                && !case.url.contains(t)
                && !case.method.contains(t)
                && !case
                    .headers
                    .iter()
                    .any(|(n, v)| !is_carrier(n) && (v.contains(t) || n.contains(t)))
        })
        .collect()
}

/// `FUZZ_IGNORE_KNOWN=1`: skip inputs that only re-find the known, reported finding (a request
/// path starting with `//` is rebased as a network-path reference; see README "Known findings"),
/// so a run can look for other problems until it is fixed.
fn ignore_known() -> bool {
    static I: OnceLock<bool> = OnceLock::new();
    *I.get_or_init(|| std::env::var_os("FUZZ_IGNORE_KNOWN").is_some_and(|v| v == "1"))
}

fn hits_known_finding(case: &Case) -> bool {
    // A path that is not a single-`/` path (`//host/…`, or the opaque path of a non-special
    // URL such as `x:https://host/`) is re-read as a network-path or absolute reference.
    let bad_path = |u: &str| {
        url::Url::parse(u).is_ok_and(|u| u.path().starts_with("//") || !u.path().starts_with('/'))
    };
    let (scheme, authority, path) = split_url(&case.url);
    let req = HttpRequest {
        method: String::new(),
        scheme,
        authority,
        path_with_query: path,
        headers: case.headers.clone(),
    };
    gate_urls(&case.url, &req).iter().any(|u| bad_path(u))
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    let confs = confs();
    let case = parse_case(data, |i| {
        confs[i % confs.len()]
            .verifier
            .config()
            .cookie_suffix()
            .to_owned()
    });
    if ignore_known() && hits_known_finding(&case) {
        return;
    }
    let conf = &confs[case.config % confs.len()];
    let parts = RequestParts {
        method: case.method.clone(),
        url: case.url.clone(),
        headers: case.headers.clone(),
    };

    // --- Core decision ---------------------------------------------------------------------
    if let Ok(state) = conf.verifier.authenticate(&parts, NOW) {
        check_headers("core", state.headers.iter());
        match state.status {
            AuthStatus::SignedIn => assert!(state.reason.is_none(), "signed in with a reason"),
            _ => assert!(
                state.reason.is_some(),
                "{:?} without a reason",
                state.status
            ),
        }
        if state.status == AuthStatus::Handshake {
            assert!(state.location().is_some(), "handshake without location");
        }
        if let Some(loc) = state.location() {
            let allowed = request_origins(conf, std::slice::from_ref(&case.url), &case.headers);
            check_location("core location", &allowed, loc);
        }
        // 4. No forgery.
        if state.status == AuthStatus::SignedIn {
            let payload = match state.claims() {
                Some(c) => Some(Value::Object(c.clone())),
                None => state.token.as_deref().and_then(decode_payload),
            };
            let payload = payload.expect("signed in without claims or decodable token");
            assert!(
                accepted_payloads(conf.other_key).any(|p| *p == payload),
                "signed in with a payload no configured key signed: {payload}"
            );
        }
        for cookie in state.headers.get_all("set-cookie") {
            let ok = cookie.starts_with("__clerk_redirect_count=")
                && cookie.ends_with("; SameSite=Lax; HttpOnly; Max-Age=2")
                || conf.directives.iter().any(|d| d.trim() == cookie);
            assert!(ok, "set-cookie not from a signed handshake: {cookie:?}");
        }
        let _ = state.to_clerk_json(true);
        let _ = state.to_clerk_json(false);
    }
    for (target, pending) in [
        (RedirectTarget::SignIn, false),
        (RedirectTarget::SignUp, true),
    ] {
        if let Ok(Some(loc)) = conf.verifier.redirect_url(&parts, target, pending, NOW) {
            let allowed = request_origins(conf, std::slice::from_ref(&case.url), &case.headers);
            check_location("redirect_url", &allowed, &loc);
        }
    }

    // --- Gate ------------------------------------------------------------------------------
    let (gate_config, nginx) = &conf.gates[case.gate % conf.gates.len()];
    let (scheme, authority, path) = split_url(&case.url);
    let req = HttpRequest {
        method: case.method.clone(),
        scheme,
        authority,
        path_with_query: path,
        headers: case.headers.clone(),
    };
    let (resp, decision) = gate::handle(&conf.verifier, gate_config, &req, NOW);
    check_headers(
        "gate",
        resp.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
    );
    assert!(
        matches!(resp.status, 200 | 307 | 400 | 401 | 500),
        "gate status {}",
        resp.status
    );
    let get_all = |name: &str| -> Vec<&str> {
        resp.headers
            .iter()
            .filter(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
            .collect()
    };
    let locations = get_all("location");
    if resp.status == 307 {
        assert!(!nginx, "nginx mode answered 307");
        assert_eq!(
            locations.len(),
            1,
            "307 with {} location headers",
            locations.len()
        );
        assert!(resp.body.is_empty(), "307 with a body");
    } else {
        assert!(
            locations.is_empty(),
            "location on a {} response",
            resp.status
        );
        serde_json::from_slice::<Value>(&resp.body).expect("gate body is not JSON");
    }
    let redirect_to = get_all("x-clerk-redirect-to");
    if !locations.is_empty() || !redirect_to.is_empty() {
        let urls = gate_urls(&case.url, &req);
        let allowed = request_origins(conf, &urls, &req.headers);
        for l in locations.iter().chain(redirect_to.iter()) {
            check_location("gate redirect", &allowed, l);
        }
    }
    // Identity headers only for a verified signed-in decision.
    let user_ids = get_all("x-clerk-user-id");
    if !user_ids.is_empty() {
        assert_eq!(
            resp.status, 200,
            "identity headers on a {} response",
            resp.status
        );
        assert_eq!(
            decision.status, "signed-in",
            "identity headers without signed-in"
        );
        assert_eq!(user_ids.len(), 1, "several x-clerk-user-id headers");
        assert_eq!(
            decision.user_id.as_deref(),
            Some(user_ids[0]),
            "user id differs"
        );
        let known = table()
            .iter()
            .any(|t| t.payload.get("sub").and_then(Value::as_str) == Some(user_ids[0]));
        assert!(known, "identity {:?} from no table token", user_ids[0]);
    }
    // Log line: JSON, and no token that came only as a credential (header or cookie).
    let carried = credential_tokens(&case);
    for level in [LogLevel::Decisions, LogLevel::Debug] {
        if let Some(line) = decision.log_line(level, 1, false) {
            serde_json::from_str::<Value>(&line).expect("log line is not JSON");
            for t in &carried {
                assert!(
                    !line.contains(t),
                    "log line contains a credential token: {line}"
                );
            }
        }
    }
});
