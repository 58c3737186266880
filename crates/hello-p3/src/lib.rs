//! A WASI 0.3 hello component (`wasi:http/service@0.3.0`, built with spin-sdk 7).
//!
//! Answers every request with 200, `content-type: text/plain`, `x-hello: p3` and the body
//! `hello from p3: <METHOD> <path>`, then one `name: value` line per request header named
//! `x-clerk-*` or `x-auth-request-user`: tests see which identity headers reached the app.

use spin_sdk::http::{HeaderMap, HeaderValue, IntoResponse, Request, StatusCode};
use spin_sdk::http_service;

/// The body for a request: the request line, then the identity headers in order.
fn body(method: &str, path: &str, headers: &HeaderMap) -> String {
    let mut out = format!("hello from p3: {method} {path}\n");
    for (name, value) in headers {
        let name = name.as_str();
        if name.starts_with("x-clerk-") || name == "x-auth-request-user" {
            out.push_str(name);
            out.push_str(": ");
            out.push_str(&String::from_utf8_lossy(value.as_bytes()));
            out.push('\n');
        }
    }
    out
}

/// The handler: echoes the request line and identity headers.
#[http_service]
async fn hello(req: Request) -> impl IntoResponse {
    let text = body(req.method().as_str(), req.uri().path(), req.headers());
    let mut headers = HeaderMap::new();
    headers.insert("content-type", HeaderValue::from_static("text/plain"));
    headers.insert("x-hello", HeaderValue::from_static("p3"));
    (StatusCode::OK, headers, text)
}
