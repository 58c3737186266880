//! Shared pieces of the clerk-edge fuzz targets: fixed keys and clock, a table of tokens minted
//! once per process, the small text formats the `authenticate` and `config` targets read, and
//! the oracles their invariants use.
//!
//! Everything here is test scaffolding: `unwrap`/`expect` on fixtures is deliberate (a broken
//! fixture must stop the fuzzer at start-up, not hide as a finding).

pub mod fixtures;
pub mod oracle;
pub mod text;
pub mod token_oracle;
pub mod tokens;
