//! `json`: the core's JSON reader and writer (`clerk_edge::json`, which replaced serde_json's
//! serde paths in the library) against `serde_json` itself.
//!
//! Input: lossy UTF-8 text.
//!
//! Invariants:
//! 1. never a panic;
//! 2. `json::parse` accepts exactly what `serde_json::from_str::<Value>` accepts, with the same
//!    error text (message, line, column) when both refuse;
//! 3. accepted values are equal, number kinds included, except that a float may differ where
//!    ours is the correctly rounded value (`str::parse::<f64>`) of a number literal of the
//!    input and serde_json's is at most 16 ulps from it (the module's one deliberate
//!    difference: serde_json without `float_roundtrip` is not always correctly rounded);
//! 4. `json::to_string` prints every accepted value byte for byte as `serde_json::to_string`.

#![no_main]

use clerk_edge::json;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// The number literals of `text`, correctly rounded.
fn literals(text: &str) -> Vec<f64> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'-' || bytes[i].is_ascii_digit() {
            let start = i;
            i += 1;
            while i < bytes.len()
                && matches!(bytes[i], b'0'..=b'9' | b'.' | b'e' | b'E' | b'+' | b'-')
            {
                i += 1;
            }
            if let Ok(f) = text[start..i].parse::<f64>() {
                out.push(f);
            }
        } else {
            i += 1;
        }
    }
    out
}

fn same(a: &Value, b: &Value, lits: &[f64]) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => {
            if x.is_u64() || x.is_i64() || y.is_u64() || y.is_i64() {
                return x == y && x.is_u64() == y.is_u64() && x.is_i64() == y.is_i64();
            }
            match (x.as_f64(), y.as_f64()) {
                (Some(p), Some(q)) if p.to_bits() == q.to_bits() => true,
                // Ours is a literal's correctly rounded value; serde_json's is a few ulps away
                // (the same sign, so the bit patterns are ordered like the values).
                (Some(p), Some(q)) => {
                    lits.iter().any(|l| l.to_bits() == p.to_bits())
                        && p.is_sign_negative() == q.is_sign_negative()
                        && p.to_bits().abs_diff(q.to_bits()) <= 16
                }
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same(x, y, lits))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((kx, vx), (ky, vy))| kx == ky && same(vx, vy, lits))
        }
        (x, y) => x == y,
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let ours = json::parse(&text);
    let theirs = serde_json::from_str::<Value>(&text);
    match (&ours, &theirs) {
        (Ok(a), Ok(b)) => {
            assert!(same(a, b, &literals(&text)), "{text:?}: {a} vs {b}");
            assert_eq!(
                json::to_string(a),
                serde_json::to_string(a).unwrap(),
                "{text:?}"
            );
        }
        (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text:?}"),
        (a, b) => panic!("{text:?}: ours {a:?} vs serde_json {b:?}"),
    }
});
