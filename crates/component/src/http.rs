//! `wasi:http/incoming-handler@0.2.0`: converts the request for `clerk_edge::gate`, writes its
//! response, logs one line. Never traps: every fallible call is handled.
//!
//! World `http-verifier` (feature `http`): the forward-auth service, a passing request is
//! answered `200` with the auth state. World `gate` (feature `gate`): a passing request is
//! handed, unchanged, to the imported app handler.

use std::sync::OnceLock;
use std::time::Instant;

#[cfg(feature = "gate")]
use clerk_edge::gate::Verdict;
use clerk_edge::gate::{self, GateConfig, HttpRequest, HttpResponse};

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam, Scheme,
};
use crate::{default_verifier, effective_env, is_demo, now, Component};

fn gate_config() -> &'static Result<GateConfig, String> {
    static GATE: OnceLock<Result<GateConfig, String>> = OnceLock::new();
    GATE.get_or_init(|| {
        let gate = GateConfig::from_env(&effective_env()).map_err(|e| e.to_string())?;
        // The gate world hands passing requests to the app: route on the path it will serve.
        Ok(if cfg!(feature = "gate") {
            gate.for_middleware()
        } else {
            gate
        })
    })
}

/// Header bytes as text: UTF-8 when valid, else one char per byte (Latin-1, like `fetch`).
fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().into_iter().map(char::from).collect())
}

fn method(m: Method) -> String {
    match m {
        Method::Get => "GET".into(),
        Method::Head => "HEAD".into(),
        Method::Post => "POST".into(),
        Method::Put => "PUT".into(),
        Method::Delete => "DELETE".into(),
        Method::Connect => "CONNECT".into(),
        Method::Options => "OPTIONS".into(),
        Method::Trace => "TRACE".into(),
        Method::Patch => "PATCH".into(),
        Method::Other(o) => o,
    }
}

fn convert(req: &IncomingRequest) -> HttpRequest {
    HttpRequest {
        method: method(req.method()),
        scheme: req.scheme().map(|s| match s {
            Scheme::Http => "http".to_owned(),
            Scheme::Https => "https".to_owned(),
            Scheme::Other(o) => o,
        }),
        authority: req.authority(),
        path_with_query: req.path_with_query().unwrap_or_else(|| "/".into()),
        headers: req
            .headers()
            .entries()
            .into_iter()
            .map(|(n, v)| (n, text(v)))
            .collect(),
    }
}

fn send(out: ResponseOutparam, resp: HttpResponse) {
    let entries: Vec<(String, Vec<u8>)> = resp
        .headers
        .into_iter()
        .map(|(name, value)| (name, value.into_bytes()))
        .collect();
    // All headers in one host call; if the host refuses one (the gate already filtered the
    // values), fall back to one call per header and skip the refused ones, never a trap.
    let headers = Fields::from_list(&entries).unwrap_or_else(|_| {
        let headers = Fields::new();
        for (name, value) in &entries {
            let _ = headers.append(name, value);
        }
        headers
    });
    let response = OutgoingResponse::new(headers);
    let _ = response.set_status_code(resp.status);
    let Ok(body) = response.body() else {
        ResponseOutparam::set(out, Ok(response));
        return;
    };
    ResponseOutparam::set(out, Ok(response));
    if let Ok(stream) = body.write() {
        for chunk in resp.body.chunks(4096) {
            if stream.blocking_write_and_flush(chunk).is_err() {
                break;
            }
        }
        drop(stream);
    }
    let _ = OutgoingBody::finish(body, None);
}

impl Guest for Component {
    fn handle(request: IncomingRequest, response_out: ResponseOutparam) {
        let started = Instant::now();
        let req = convert(&request);
        let (verifier, gate) = match (default_verifier(), gate_config()) {
            (Ok(v), Ok(g)) => (v, g),
            (Err(e), _) | (_, Err(e)) => {
                eprintln!("{{\"status\":\"error\",\"reason\":\"config-error\"}}");
                send(response_out, gate::config_error_response(e));
                return;
            }
        };
        let (verdict, decision) = gate::decide(verifier, gate, &req, now());
        let log = |decision: &gate::Decision| {
            if let Some(line) =
                decision.log_line(gate.log, started.elapsed().as_micros(), is_demo())
            {
                eprintln!("{line}");
            }
        };
        #[cfg(feature = "gate")]
        let verdict = match pass_to_app(verdict, &req) {
            Ok(()) => {
                crate::bindings::wasi::http::incoming_handler::handle(request, response_out);
                log(&decision);
                return;
            }
            Err(answer) => answer,
        };
        send(response_out, verdict.into_response());
        log(&decision);
    }
}

/// Gate: whether the app may have the request (`Ok`), or the answer to send instead.
#[cfg(feature = "gate")]
fn pass_to_app(verdict: Verdict, req: &HttpRequest) -> Result<(), Verdict> {
    let Verdict::Pass(pass) = verdict else {
        return Err(verdict);
    };
    // Security: WASI 0.2 cannot remove headers from a request it passes on, so client-sent
    // identity headers are refused rather than left for the app to trust.
    if let Some((name, _)) = req
        .headers
        .iter()
        .find(|(n, _)| gate::is_identity_header(n))
    {
        return Err(Verdict::Respond(gate::refused_identity_header(name)));
    }
    // Nor can it add the handshake's cookies to the app's response: send them with a
    // redirect back to the same URL instead.
    match pass.cookie_redirect(&req.headers) {
        Some(redirect) => Err(Verdict::Respond(redirect)),
        None => Ok(()),
    }
}
