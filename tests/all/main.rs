//! Integration tests: one binary, a module per area.
#![allow(
    clippy::expect_used,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    reason = "test harness: a panic is a test failure"
)]

mod conformance;
#[path = "../support/conformance_check.rs"]
mod conformance_check;
