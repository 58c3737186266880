//! Integration tests through the real `.wasm` components (`make components` builds them),
//! loaded into the wasmtime host with egress refused.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs,
    unreachable_pub,
    reason = "test harness: a panic is a test failure"
)]

#[path = "../../../../tests/support/conformance_check.rs"]
mod conformance_check;

mod attacks;
mod bench;
mod common;
mod compose;
mod conformance;
mod http;
mod networkless;
mod never_trap;
mod node_host;
mod redirects;
mod rust_host;
mod size;
mod spin_manifest;
mod verify_session;
