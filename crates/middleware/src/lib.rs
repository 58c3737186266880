//! clerk-edge as Spin HTTP middleware (WASI 0.3: imports and exports `wasi:http/handler@0.3.0`).
//!
//! Listed in a trigger's `dependencies.middleware` (Spin 4.1 or newer), it decides every request
//! before the app component sees it, with the same decision as the `http-verifier` handler:
//! - signed in: the request goes on with the verified identity in `x-clerk-*` headers;
//! - signed out on a public route: the request goes on without identity headers;
//! - otherwise: the handshake `307`, the sign-in `307` or the `401` is answered here.
//!
//! Identity headers a client sent are always removed before the app sees the request, and the
//! `Set-Cookie` headers of a resolved handshake are appended to the app's response.
#![cfg(target_arch = "wasm32")]

mod embedded {
    #![allow(
        dead_code,
        reason = "the generated file also serves the component crate"
    )]
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}

use std::sync::OnceLock;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use clerk_edge::gate::{self, GateConfig, HttpRequest, HttpResponse, Verdict};
use clerk_edge::{UnixMillis, Verifier};
use http::{HeaderMap, HeaderName, HeaderValue};
use http_body_util::{BodyExt as _, Full};
use spin_sdk::http::{self as spin_http, IntoResponse, Request};
use spin_sdk::http_service;
use spin_sdk::wasip3::http::types::{ErrorCode, Response as WasiResponse};

/// The verifier and handler settings of the effective configuration, built once per instance.
struct Setup {
    verifier: Verifier,
    gate: GateConfig,
    demo: bool,
}

fn setup() -> &'static Result<Setup, String> {
    static SETUP: OnceLock<Result<Setup, String>> = OnceLock::new();
    SETUP.get_or_init(|| {
        let env = clerk_edge::config::overlay_env(embedded::EMBEDDED, std::env::vars());
        let embedded_key = |name: &str| {
            embedded::EMBEDDED
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| *v)
        };
        let demo = embedded::EMBEDDED_IS_DEMO
            && env.get("CLERK_JWT_KEY").map(String::as_str) == embedded_key("CLERK_JWT_KEY")
            && !env.contains_key("CLERK_JWKS");
        Ok(Setup {
            verifier: Verifier::from_env(&env).map_err(|e| e.to_string())?,
            gate: GateConfig::from_env(&env)
                .map_err(|e| e.to_string())?
                .for_middleware(),
            demo,
        })
    })
}

fn now() -> UnixMillis {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    UnixMillis(ms)
}

/// Header bytes as text: UTF-8 when valid, else one char per byte (Latin-1, like `fetch`).
fn text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => bytes.iter().copied().map(char::from).collect(),
    }
}

fn to_http_request(req: &Request) -> HttpRequest {
    let uri = req.uri();
    HttpRequest {
        method: req.method().as_str().to_owned(),
        scheme: uri.scheme_str().map(str::to_owned),
        authority: uri.authority().map(|a| a.as_str().to_owned()),
        path_with_query: uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()),
        headers: req
            .headers()
            .iter()
            .map(|(n, v)| (n.as_str().to_owned(), text(v.as_bytes())))
            .collect(),
    }
}

/// Headers for the `http` types; a pair they refuse is skipped (the core already dropped
/// values with CR/LF/NUL).
fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::with_capacity(pairs.len());
    for (name, value) in pairs {
        if let (Ok(n), Ok(v)) = (
            HeaderName::from_bytes(name.as_bytes()),
            HeaderValue::from_bytes(value.as_bytes()),
        ) {
            map.append(n, v);
        }
    }
    map
}

fn answer(resp: HttpResponse) -> Result<WasiResponse, ErrorCode> {
    let mut out = http::Response::new(Full::new(Bytes::from(resp.body)));
    *out.status_mut() =
        http::StatusCode::from_u16(resp.status).unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    *out.headers_mut() = header_map(&resp.headers);
    out.into_response()
}

/// The middleware entry point.
#[http_service]
async fn clerk_edge_middleware(req: Request) -> Result<WasiResponse, ErrorCode> {
    let started = Instant::now();
    let setup = match setup() {
        Ok(s) => s,
        Err(e) => {
            eprintln!("{{\"status\":\"error\",\"reason\":\"config-error\"}}");
            return answer(gate::config_error_response(e));
        }
    };
    let http_req = to_http_request(&req);
    let (verdict, decision) = gate::decide(&setup.verifier, &setup.gate, &http_req, now());
    if let Some(line) = decision.log_line(setup.gate.log, started.elapsed().as_micros(), setup.demo)
    {
        eprintln!("{line}");
    }
    let pass = match verdict {
        Verdict::Respond(resp) => return answer(resp),
        Verdict::Pass(pass) => pass,
    };
    let rewrite = !pass.identity.is_empty()
        || http_req
            .headers
            .iter()
            .any(|(n, _)| gate::is_identity_header(n));
    let resp = if rewrite {
        let (mut parts, body) = req.into_parts();
        // Edited in place: every other header reaches the app byte for byte.
        let names: Vec<HeaderName> = parts
            .headers
            .keys()
            .filter(|n| gate::is_identity_header(n.as_str()))
            .cloned()
            .collect();
        for name in names {
            parts.headers.remove(name);
        }
        for (name, value) in header_map(&pass.identity) {
            if let Some(name) = name {
                parts.headers.append(name, value);
            }
        }
        // A distinct body type: wasip3's conversion is written to forward an unstarted incoming
        // body's original request as is, headers included (in 0.7 that downcast never
        // matches; this keeps the new headers whatever a later version does).
        let body = body.map_err(|e| e);
        spin_http::next(http::Request::from_parts(parts, body)).await?
    } else {
        spin_http::next(req).await?
    };
    if pass.set_cookies.is_empty() {
        return resp.into_response();
    }
    let (mut parts, body) = resp.into_parts();
    for cookie in &pass.set_cookies {
        if let Ok(v) = HeaderValue::from_bytes(cookie.as_bytes()) {
            parts.headers.append(http::header::SET_COOKIE, v);
        }
    }
    // A response that sets session cookies must never be stored by a shared cache.
    parts.headers.insert(
        http::header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    // As above: a distinct body type, so the cookies can never be dropped with the original.
    http::Response::from_parts(parts, body.map_err(|e| e)).into_response()
}
