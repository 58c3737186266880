//! `config`: a `CLERK_*` environment (see `src/text.rs`: `NAME=value` lines, names folded onto
//! `ENV_NAMES` + the handler names, key placeholders `{pem}`, `{jwks}`, …, and `PATH=` probe
//! lines) → `Options::from_env`, `Verifier::from_env`, `GateConfig::from_env`, the
//! organization-sync matcher, and probe requests through whatever was built.
//!
//! Invariants (see README.md):
//! 1. never a panic (errors render with `Display`);
//! 2. `Verifier::from_env` ⇔ `Options::from_env` then `Verifier::new` (same outcome);
//! 3. a built verifier's `Debug` text holds no key material;
//! 4. D3: a built verifier decides every well-formed probe request (`Ok`, never an error), with
//!    clean response headers; a built gate answers with a known status and clean headers;
//! 5. an organization-sync `:id`/`:slug` target is a substring of the probed pathname (each
//!    `,`-joined item for a repeated parameter).

#![no_main]

use std::collections::BTreeMap;

use clerk_edge::config::{Options, ENV_NAMES};
use clerk_edge::gate::{self, GateConfig, HttpRequest};
use clerk_edge::orgsync::{OrgMatcher, OrgTarget, OrganizationSyncOptions};
use clerk_edge::request::{RequestParts, MAX_URL_BYTES};
use clerk_edge::{AuthenticateError, Verifier};
use clerk_edge_fuzz::fixtures::{DEMO_PUBLIC, NOW, NOW_SECS};
use clerk_edge_fuzz::oracle::{header_name_ok, header_value_clean};
use clerk_edge_fuzz::text::parse_env;
use clerk_edge_fuzz::tokens::table;
use libfuzzer_sys::fuzz_target;

const HANDLER_NAMES: &[&str] = &[
    "CLERK_PUBLIC_ROUTES",
    "CLERK_PROTECTED_ROUTES",
    "CLERK_TRUST_FORWARDED",
    "CLERK_FORWARD_AUTH_MODE",
    "CLERK_LOG",
];

fn names() -> Vec<&'static str> {
    ENV_NAMES.iter().chain(HANDLER_NAMES).copied().collect()
}

fn list(env: &BTreeMap<String, String>, name: &str) -> Vec<String> {
    env.get(name)
        .map(|v| {
            v.split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

fn probes(paths: &[String]) -> Vec<RequestParts> {
    let t0 = &table()[0].token;
    let mut urls = vec![
        "https://app.example.com/".to_owned(),
        "https://app.example.com/dashboard?x=1".to_owned(),
    ];
    for p in paths.iter().take(3) {
        urls.push(if p.starts_with('/') {
            format!("https://app.example.com{p}")
        } else {
            p.clone()
        });
    }
    let mut out = Vec::new();
    for url in urls {
        let h = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), v.clone()))
                .collect()
        };
        out.push(RequestParts {
            method: "GET".into(),
            url: url.clone(),
            headers: h(&[
                ("host", "app.example.com".into()),
                ("sec-fetch-dest", "document".into()),
                (
                    "cookie",
                    format!("__session={t0}; __client_uat={}", NOW_SECS - 5),
                ),
            ]),
        });
        out.push(RequestParts {
            method: "GET".into(),
            url: url.clone(),
            headers: h(&[("authorization", format!("Bearer {t0}"))]),
        });
        out.push(RequestParts {
            method: "POST".into(),
            url,
            headers: h(&[("accept", "text/html".into())]),
        });
    }
    out
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

fn key_material_markers() -> Vec<&'static str> {
    // The first body line of the demo PEM: a Debug print of key material would contain it.
    DEMO_PUBLIC
        .lines()
        .filter(|l| !l.starts_with("-----") && l.len() > 40)
        .take(1)
        .collect()
}

fuzz_target!(|data: &[u8]| {
    if data.len() > 64 * 1024 {
        return;
    }
    let names = names();
    let case = parse_env(data, &names);
    let env = &case.env;

    // 1–2. Build everything; outcomes agree.
    let verifier = Verifier::from_env(env);
    let options = Options::from_env(env);
    match (&verifier, &options) {
        (Ok(_), Ok(o)) => assert!(
            Verifier::new(o.clone()).is_ok(),
            "new() refuses from_env() options"
        ),
        (Ok(_), Err(e)) => panic!("verifier built but options refused: {e}"),
        (Err(e), Ok(o)) => {
            let again = Verifier::new(o.clone()).err();
            assert_eq!(again.as_ref(), Some(e), "from_env and new disagree");
        }
        (Err(a), Err(b)) => assert_eq!(a, b, "options and verifier errors differ"),
    }
    if let Err(e) = &verifier {
        let _ = e.to_string();
    }
    let gate_config = GateConfig::from_env(env);
    if let Err(e) = &gate_config {
        let _ = e.to_string();
    }

    // 5. Organization sync matcher on the probe paths.
    let org = OrganizationSyncOptions {
        organization_patterns: list(env, "CLERK_ORGANIZATION_PATTERNS"),
        personal_account_patterns: list(env, "CLERK_PERSONAL_ACCOUNT_PATTERNS"),
    };
    match OrgMatcher::new(&org) {
        Ok(m) => {
            for p in case.paths.iter().take(3) {
                match m.find_target(p) {
                    Some(OrgTarget::OrganizationId(v)) | Some(OrgTarget::OrganizationSlug(v)) => {
                        // A repeated parameter (`:slug+`) is a JS array: its items joined
                        // with `,`, each one taken from the path.
                        for item in v.split(',') {
                            assert!(p.contains(item), "org target {v:?} not in path {p:?}");
                        }
                    }
                    _ => {}
                }
            }
        }
        Err(e) => {
            let _ = (e.to_string(), e.kind(), e.pattern(), e.detail());
        }
    }

    let Ok(verifier) = verifier else { return };
    // 3. No key material in Debug output.
    let debug = format!("{verifier:?}");
    // (A key text pasted into a non-key variable is echoed like any value: not a finding.)
    let elsewhere = |m: &str| {
        env.iter()
            .any(|(k, v)| k != "CLERK_JWT_KEY" && k != "CLERK_JWKS" && v.contains(m))
    };
    for marker in key_material_markers() {
        if !elsewhere(marker) {
            assert!(
                !debug.contains(marker),
                "Debug output contains key material"
            );
        }
    }
    if let Some(jwks) = env.get("CLERK_JWKS") {
        if let Ok(doc) = serde_json::from_str::<serde_json::Value>(jwks) {
            for k in doc
                .get("keys")
                .and_then(|k| k.as_array())
                .into_iter()
                .flatten()
            {
                let n = k.get("n").and_then(|n| n.as_str());
                if let Some(n) = n.filter(|n| n.len() > 40 && !elsewhere(n)) {
                    assert!(!debug.contains(n), "Debug output contains a JWKS modulus");
                }
            }
        }
    }

    // 4. D3: a built verifier decides every well-formed request.
    for parts in probes(&case.paths) {
        // Well-formed: what `url` parses, except `file:` URLs, which the core refuses on purpose
        // (README, "Deliberate differences"; src/weburl.rs).
        let well_formed = parts.url.len() <= MAX_URL_BYTES
            && url::Url::parse(&parts.url).is_ok_and(|u| u.scheme() != "file");
        match verifier.authenticate(&parts, NOW) {
            Ok(state) => check_headers("core", state.headers.iter()),
            // D8: a development handshake JWT that does not verify is an explicit error of
            // the request (Clerk throws), not of the configuration.
            Err(AuthenticateError::DevHandshake(_)) => {}
            Err(e) => assert!(!well_formed, "D3: built verifier failed a request: {e}"),
        }
        if let Ok(g) = &gate_config {
            let (scheme, rest) = parts
                .url
                .split_once("://")
                .unwrap_or(("https", "app.example.com/"));
            let (authority, path) = rest
                .find('/')
                .map_or((rest, "/"), |i| (&rest[..i], &rest[i..]));
            let req = HttpRequest {
                method: parts.method.clone(),
                scheme: Some(scheme.to_owned()),
                authority: Some(authority.to_owned()),
                path_with_query: path.to_owned(),
                headers: parts.headers.clone(),
            };
            let (resp, _) = gate::handle(&verifier, g, &req, NOW);
            assert!(
                matches!(resp.status, 200 | 307 | 400 | 401 | 500),
                "gate status {}",
                resp.status
            );
            check_headers(
                "gate",
                resp.headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
            );
        }
    }
});
