//! `wasi:http/incoming-handler@0.2.0`: converts the request for `clerk_edge::gate`, writes its
//! response, logs one line. Never traps: every fallible call is handled.

use std::sync::OnceLock;
use std::time::Instant;

use clerk_edge::gate::{self, GateConfig, HttpRequest, HttpResponse};

use crate::bindings::exports::wasi::http::incoming_handler::Guest;
use crate::bindings::wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam, Scheme,
};
use crate::{default_verifier, effective_env, is_demo, now, Component};

fn gate_config() -> &'static Result<GateConfig, String> {
    static GATE: OnceLock<Result<GateConfig, String>> = OnceLock::new();
    GATE.get_or_init(|| GateConfig::from_env(&effective_env()).map_err(|e| e.to_string()))
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
    let headers = Fields::new();
    for (name, value) in &resp.headers {
        // Refused values (already filtered by the gate) are skipped, never a trap.
        let _ = headers.append(name, &value.clone().into_bytes());
    }
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
        let (resp, decision) = gate::handle(verifier, gate, &req, now());
        send(response_out, resp);
        if let Some(line) = decision.log_line(gate.log, started.elapsed().as_micros(), is_demo()) {
            eprintln!("{line}");
        }
    }
}
