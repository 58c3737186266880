//! The app behind the WASI 0.2 gate in tests and README recipes: `200 text/plain`,
//! `x-hello: p2`, body `hello from p2: <METHOD> <path>`.
#![cfg(target_arch = "wasm32")]

mod bindings {
    #![allow(
        unsafe_code,
        missing_docs,
        unreachable_pub,
        clippy::all,
        reason = "generated bindings"
    )]
    wit_bindgen::generate!({ path: "wit", world: "clerk-edge:hello/hello", generate_all });
    use super::Hello;
    export!(Hello with_types_in self);
}

use bindings::exports::wasi::http::incoming_handler::Guest;
use bindings::wasi::http::types::{
    Fields, IncomingRequest, Method, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Hello;

impl Guest for Hello {
    fn handle(request: IncomingRequest, out: ResponseOutparam) {
        let method = match request.method() {
            Method::Get => "GET".to_owned(),
            Method::Post => "POST".to_owned(),
            Method::Other(m) => m,
            other => format!("{other:?}").to_ascii_uppercase(),
        };
        let path = request.path_with_query().unwrap_or_default();
        let text = format!("hello from p2: {method} {path}\n");
        let headers = Fields::new();
        let _ = headers.append("content-type", b"text/plain");
        let _ = headers.append("x-hello", b"p2");
        let response = OutgoingResponse::new(headers);
        let _ = response.set_status_code(200);
        let body = response.body();
        ResponseOutparam::set(out, Ok(response));
        if let Ok(body) = body {
            if let Ok(stream) = body.write() {
                let _ = stream.blocking_write_and_flush(text.as_bytes());
                drop(stream);
            }
            let _ = OutgoingBody::finish(body, None);
        }
    }
}
