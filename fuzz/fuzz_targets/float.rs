//! `float`: `clerk_edge::float::parse_f64` (the component's decimal-to-double conversion,
//! without core's tables) against core's `str::parse::<f64>`.
//!
//! Input: lossy UTF-8 text; when it is not already a number, its bytes are mapped onto the
//! characters of number literals, so most runs reach the conversion itself.
//!
//! Invariants:
//! 1. never a panic;
//! 2. the same texts are accepted;
//! 3. accepted texts give the same double, bit for bit (any NaN for NaN).

#![no_main]

use clerk_edge::float::parse_f64;
use libfuzzer_sys::fuzz_target;

fn check(text: &str) {
    let ours = parse_f64(text);
    let core = text.parse::<f64>().ok();
    match (ours, core) {
        (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
        (Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{text:?}"),
        (a, b) => assert_eq!(a.is_some(), b.is_some(), "{text:?}: {a:?} vs {b:?}"),
    }
}

fuzz_target!(|data: &[u8]| {
    check(&String::from_utf8_lossy(data));
    const ALPHABET: &[u8] = b"0123456789000000000.eE+-95";
    let mapped: String = data
        .iter()
        .map(|&b| char::from(ALPHABET[usize::from(b) % ALPHABET.len()]))
        .collect();
    check(&mapped);
});
