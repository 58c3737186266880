//! `cookies`: `Cookie` header parsing (`CookieJar::parse`), checked against an independent
//! model of npm `cookie` 1.1 `parse` as the core documents it.
//!
//! (The `Set-Cookie` directive helpers, `directive_name`/`directive_value`, are crate-private;
//! they are exercised through the `authenticate` target's handshake tokens.)
//!
//! Input: the header text (lossy UTF-8).
//!
//! Invariants (see README.md):
//! 1. never a panic;
//! 2. at most `MAX_COOKIES` cookies; nothing from a header shorter than 2 bytes;
//! 3. `get(name)` equals the model for every name in the header (first occurrence wins, trim
//!    of spaces/tabs only, `decodeURIComponent` only when the value has `%`, raw on failure,
//!    empty values are "absent");
//! 4. `get_suffixed(n, s)` is `get("n_s")`;
//! 5. parsing is deterministic.

#![no_main]

use clerk_edge::cookies::{CookieJar, MAX_COOKIES};
use libfuzzer_sys::fuzz_target;

/// The reference model: returns the `(name, value)` pairs kept, in order.
fn model(header: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if header.len() < 2 {
        return out;
    }
    for segment in header.split(';') {
        if out.len() >= MAX_COOKIES {
            break;
        }
        let Some(eq) = segment.find('=') else {
            continue;
        };
        let trim = |s: &str| s.trim_matches(|c| c == ' ' || c == '\t').to_owned();
        let name = trim(&segment[..eq]);
        if out.iter().any(|(n, _)| *n == name) {
            continue;
        }
        let raw = trim(&segment[eq + 1..]);
        let value = if raw.contains('%') {
            decode_uri_component(&raw).unwrap_or(raw)
        } else {
            raw
        };
        out.push((name, value));
    }
    out
}

/// `decodeURIComponent`: every `%` must start `%XX`; the bytes must be UTF-8.
fn decode_uri_component(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
            if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                return None;
            }
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fuzz_target!(|data: &[u8]| {
    let header = String::from_utf8_lossy(data);
    let jar = CookieJar::parse(&header);
    assert!(jar.len() <= MAX_COOKIES, "{} cookies kept", jar.len());
    if header.len() < 2 {
        assert!(
            jar.is_empty(),
            "cookies read from a header shorter than 2 bytes"
        );
    }
    let expected = model(&header);
    assert_eq!(
        jar.len(),
        expected.len(),
        "cookie count differs from the model"
    );
    for (name, value) in &expected {
        let want = Some(value.as_str()).filter(|v| !v.is_empty());
        assert_eq!(
            jar.get(name),
            want,
            "value of {name:?} differs from the model"
        );
        if let Some((n, s)) = name.split_once('_') {
            assert_eq!(jar.get_suffixed(n, s), jar.get(&format!("{n}_{s}")));
        }
    }
    // Names the header does not contain are absent.
    for probe in [
        "__session",
        "__client_uat",
        "__clerk_db_jwt",
        "__clerk_handshake",
    ] {
        if !expected.iter().any(|(n, _)| n == probe) {
            assert_eq!(
                jar.get(probe),
                None,
                "{probe} present but not in the header"
            );
        }
    }
    assert_eq!(CookieJar::parse(&header), jar, "parse is not deterministic");
});
