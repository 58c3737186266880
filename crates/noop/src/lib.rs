//! Benchmark baseline: the cheapest possible `wasi:http` handler (200, empty body), built the
//! same way as the clerk-edge component so that their costs can be compared.
#![cfg(target_arch = "wasm32")]

mod bindings {
    #![allow(
        unsafe_code,
        missing_docs,
        unreachable_pub,
        clippy::all,
        reason = "generated bindings"
    )]
    wit_bindgen::generate!({ path: "wit", world: "clerk-edge:noop/noop", generate_all });
    use super::Noop;
    export!(Noop with_types_in self);
}

use bindings::exports::wasi::http::incoming_handler::Guest;
use bindings::wasi::http::types::{
    Fields, IncomingRequest, OutgoingBody, OutgoingResponse, ResponseOutparam,
};

struct Noop;

impl Guest for Noop {
    fn handle(_request: IncomingRequest, out: ResponseOutparam) {
        let response = OutgoingResponse::new(Fields::new());
        let _ = response.set_status_code(200);
        let body = response.body();
        ResponseOutparam::set(out, Ok(response));
        if let Ok(body) = body {
            let _ = OutgoingBody::finish(body, None);
        }
    }
}
