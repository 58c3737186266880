//! Small byte-level helpers shared by the parsers: base64 variants and JS-like JSON text.

use base64::Engine as _;

const B64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Marks a byte outside the base64url alphabet in [`B64URL_VALUES`].
const NOT_B64URL: u8 = 0xFF;

/// Base64url digit values by byte (`NOT_B64URL` outside the alphabet).
#[allow(
    clippy::indexing_slicing,
    reason = "evaluated at compile time: an index out of range is a build error"
)]
const B64URL_VALUES: [u8; 256] = {
    let mut table = [NOT_B64URL; 256];
    let mut i = 0;
    while i < 64 {
        table[B64URL[i] as usize] = i as u8;
        i += 1;
    }
    table
};

fn b64url_value(c: u8) -> u32 {
    u32::from(
        B64URL_VALUES
            .get(usize::from(c))
            .copied()
            .unwrap_or(NOT_B64URL),
    )
}

/// Base64url decoding in Clerk's "loose" mode (`util/rfc4648.ts`): alphabet `A–Z a–z 0–9 - _`
/// only, any trailing `=` tolerated, a dangling character or non-zero leftover bits rejected.
///
/// Four characters at a time: every token is decoded on the request path (a session token
/// is ~1 KB), so this is one table lookup per character and one length check per three bytes.
pub(crate) fn b64url_loose(text: &str) -> Option<Vec<u8>> {
    // A value with bit 7 set (`NOT_B64URL`) anywhere in an OR of digits marks a bad character.
    const BAD: u32 = 0x80;
    let bytes = text.trim_end_matches('=').as_bytes();
    let tail_bytes = match bytes.len() % 4 {
        0 => 0,
        2 => 1,
        3 => 2,
        // One dangling character (6 bits) is not a byte.
        _ => return None,
    };
    let body_len = bytes.len() / 4 * 3;
    // Sized exactly and filled in place: no per-byte length checks or copies.
    let mut out = vec![0u8; body_len + tail_bytes];
    let (body, tail) = out.split_at_mut_checked(body_len)?;
    let mut quads = bytes.chunks_exact(4);
    for (quad, dst) in (&mut quads).zip(body.chunks_exact_mut(3)) {
        let (&[a, b, c, d], [x, y, z]) = (quad, dst) else {
            return None;
        };
        let (a, b, c, d) = (
            b64url_value(a),
            b64url_value(b),
            b64url_value(c),
            b64url_value(d),
        );
        if (a | b | c | d) & BAD != 0 {
            return None;
        }
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        (*x, *y, *z) = ((n >> 16) as u8, (n >> 8) as u8, n as u8);
    }
    match (quads.remainder(), tail) {
        (&[], []) => {}
        (&[a, b], [x]) => {
            let (a, b) = (b64url_value(a), b64url_value(b));
            // 12 bits: one byte, and the 4 leftover bits must be zero.
            if (a | b) & BAD != 0 || b & 0x0F != 0 {
                return None;
            }
            *x = ((a << 2) | (b >> 4)) as u8;
        }
        (&[a, b, c], [x, y]) => {
            let (a, b, c) = (b64url_value(a), b64url_value(b), b64url_value(c));
            // 18 bits: two bytes, and the 2 leftover bits must be zero.
            if (a | b | c) & BAD != 0 || c & 0x03 != 0 {
                return None;
            }
            let n = (a << 12) | (b << 6) | c;
            (*x, *y) = ((n >> 10) as u8, (n >> 2) as u8);
        }
        _ => return None,
    }
    Some(out)
}

/// Whether `b` is in the base64url alphabet.
pub(crate) fn is_b64url_digit(b: u8) -> bool {
    b64url_value(b) != u32::from(NOT_B64URL)
}

/// Base64url without padding, for tokens we mint (demo, tests).
pub fn b64url_encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        let chars = chunk.len() + 1;
        for i in 0..chars {
            let idx = ((n >> (18 - 6 * i)) & 63) as usize;
            out.push(char::from(B64URL.get(idx).copied().unwrap_or(b'A')));
        }
    }
    out
}

/// Standard base64 with whitespace removed and padding optional (PEM bodies, publishable keys).
pub(crate) fn b64_standard_lenient(text: &str) -> Option<Vec<u8>> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    engine.decode(compact.as_bytes()).ok()
}

/// Standard base64 with padding (cookie suffix).
pub(crate) fn b64_standard_encode(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(data)
}

/// `JSON.stringify(value)` for a value that may be absent (`undefined`).
pub(crate) fn js_json(value: Option<&serde_json::Value>) -> String {
    match value {
        None => "undefined".to_owned(),
        Some(v) => crate::json::to_string(v),
    }
}

/// JavaScript truthiness of a JSON value (absent = `undefined` = falsy).
pub(crate) fn js_truthy(value: Option<&serde_json::Value>) -> bool {
    use serde_json::Value;
    match value {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(Value::Number(n)) => n.as_f64().is_some_and(|f| f != 0.0 && !f.is_nan()),
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(_) | Value::Object(_)) => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loose_base64url_matches_clerk() {
        assert_eq!(b64url_loose("YWJj").as_deref(), Some(&b"abc"[..]));
        assert_eq!(b64url_loose("YWI").as_deref(), Some(&b"ab"[..]));
        assert_eq!(b64url_loose("YWI=").as_deref(), Some(&b"ab"[..]));
        assert_eq!(b64url_loose("YWI===").as_deref(), Some(&b"ab"[..]));
        assert_eq!(b64url_loose("").as_deref(), Some(&b""[..]));
        // dangling character, non-zero leftover bits, wrong alphabet
        assert_eq!(b64url_loose("aaa"), None);
        assert_eq!(b64url_loose("a"), None);
        assert_eq!(b64url_loose("YWJ+"), None);
        assert_eq!(b64url_loose("YW=I"), None);
        assert_eq!(b64url_loose("YWJ/"), None);
    }

    /// The bit-at-a-time decoder this module used before the four-character one: an
    /// independent oracle for the rules (alphabet, trailing `=`, dangling and leftover bits).
    fn reference_loose(text: &str) -> Option<Vec<u8>> {
        let mut out = Vec::new();
        let (mut buffer, mut bits) = (0u32, 0u32);
        for &c in text.trim_end_matches('=').as_bytes() {
            let value = B64URL.iter().position(|&a| a == c)? as u32;
            buffer = ((buffer << 6) | value) & 0xFFFF;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push(((buffer >> bits) & 0xFF) as u8);
            }
        }
        if bits >= 6 || (buffer << (8 - bits)) & 0xFF != 0 {
            return None;
        }
        Some(out)
    }

    #[test]
    fn loose_base64url_matches_the_reference_decoder() {
        // Every length 0..=13 over an alphabet mixing valid digits, digits with non-zero low
        // bits, `=`, and bytes outside the alphabet, from a fixed pseudo-random sequence.
        let pool: &[u8] = b"AQgw-_Zaz09+/=.\x00\xff";
        let mut seed = 0x9E37_79B9u32;
        for round in 0..20_000 {
            let len = round % 14;
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 17;
                    seed ^= seed << 5;
                    char::from(pool[seed as usize % pool.len()])
                })
                .collect();
            assert_eq!(b64url_loose(&text), reference_loose(&text), "{text:?}");
        }
        for byte in 0..=255u8 {
            let text = format!("QUJD{}", char::from(byte));
            assert_eq!(b64url_loose(&text), reference_loose(&text), "{byte}");
        }
    }

    #[test]
    fn encode_round_trips() {
        for len in 0..40 {
            let data: Vec<u8> = (0..len).map(|i| (i * 37 + 11) as u8).collect();
            let enc = b64url_encode(&data);
            assert!(!enc.contains('='));
            assert_eq!(b64url_loose(&enc), Some(data));
        }
    }

    #[test]
    fn js_json_and_truthiness() {
        assert_eq!(js_json(None), "undefined");
        assert_eq!(js_json(Some(&serde_json::json!("a\"b"))), "\"a\\\"b\"");
        assert!(!js_truthy(Some(&serde_json::json!(""))));
        assert!(!js_truthy(Some(&serde_json::json!(0))));
        assert!(js_truthy(Some(&serde_json::json!([]))));
    }
}

/// JavaScript's `StrWhiteSpaceChar` (what `Number()`/`parseInt` skip).
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\u{9}' | '\u{A}' | '\u{B}' | '\u{C}' | '\u{D}' | ' ' | '\u{A0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200A}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{202F}'
                | '\u{205F}'
                | '\u{3000}'
                | '\u{FEFF}'
    )
}

/// `Number(text)` for a string.
pub(crate) fn js_number_from_str(text: &str) -> f64 {
    let t = text.trim_matches(is_js_space);
    if t.is_empty() {
        return 0.0;
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = t.strip_prefix(prefix) {
            if digits.is_empty() {
                return f64::NAN;
            }
            let mut value = 0.0f64;
            for c in digits.chars() {
                match c.to_digit(radix) {
                    Some(d) => value = value * f64::from(radix) + f64::from(d),
                    None => return f64::NAN,
                }
            }
            return value;
        }
    }
    match t {
        "Infinity" | "+Infinity" => return f64::INFINITY,
        "-Infinity" => return f64::NEG_INFINITY,
        _ => {}
    }
    // Rust accepts "inf"/"nan" spellings that JavaScript does not.
    if !t
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | 'e' | 'E' | '+' | '-'))
    {
        return f64::NAN;
    }
    crate::float::parse_f64(t).unwrap_or(f64::NAN)
}

/// `Number.parseInt(text)` (radix 10, or 16 after `0x`); NaN when no digit.
pub(crate) fn js_parse_int(text: &str) -> f64 {
    let t = text.trim_start_matches(is_js_space);
    let (negative, t) = match t.as_bytes().first() {
        Some(b'-') => (true, t.get(1..).unwrap_or("")),
        Some(b'+') => (false, t.get(1..).unwrap_or("")),
        _ => (false, t),
    };
    let (radix, digits) = match t.get(..2) {
        Some("0x" | "0X") => (16, t.get(2..).unwrap_or("")),
        _ => (10, t),
    };
    let mut value = 0.0f64;
    let mut any = false;
    for c in digits.chars() {
        match c.to_digit(radix) {
            Some(d) => {
                value = value * f64::from(radix) + f64::from(d);
                any = true;
            }
            None => break,
        }
    }
    if !any {
        return f64::NAN;
    }
    if negative {
        -value
    } else {
        value
    }
}

/// `ToNumber(value)` for a JSON value (`undefined` → NaN).
pub(crate) fn js_to_number(value: Option<&serde_json::Value>) -> f64 {
    use serde_json::Value;
    match value {
        None => f64::NAN,
        Some(Value::Null) => 0.0,
        Some(Value::Bool(b)) => f64::from(u8::from(*b)),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        Some(Value::String(s)) => js_number_from_str(s),
        Some(Value::Array(items)) => match items.as_slice() {
            [] => 0.0,
            [one] => match one {
                Value::Array(_) | Value::Object(_) => js_to_number(Some(one)),
                Value::Null => 0.0,
                Value::String(s) => js_number_from_str(s),
                other => js_to_number(Some(other)),
            },
            _ => f64::NAN,
        },
        Some(Value::Object(_)) => f64::NAN,
    }
}

/// JavaScript `Number.prototype.toString()` (radix 10), i.e. `String(number)`.
///
/// The shortest round-trip digits come from `zmij` (what `serde_json` already uses to print
/// floats), then are laid out by ECMAScript's Number::toString rules. Not `format!("{x:e}")`:
/// core's float formatting is ~14 KB of the component that nothing else needs.
pub(crate) fn js_number_to_string(x: f64) -> String {
    if x.is_nan() {
        return "NaN".to_owned();
    }
    if x == 0.0 {
        return "0".to_owned();
    }
    if x.is_infinite() {
        return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
    }
    let mut out = String::new();
    if x < 0.0 {
        out.push('-');
    }
    let mut buffer = zmij::Buffer::new();
    let (digits, n) = decimal_digits(buffer.format_finite(x.abs()));
    // value = 0.d1d2…dk × 10^n
    let k = i64::try_from(digits.len()).unwrap_or(i64::MAX);
    let zeros = |count: i64| "0".repeat(usize::try_from(count).unwrap_or(0));
    if k <= n && n <= 21 {
        out.push_str(&digits);
        out.push_str(&zeros(n - k));
    } else if 0 < n && n <= 21 {
        let (int, frac) = digits.split_at(usize::try_from(n).unwrap_or(0).min(digits.len()));
        out.push_str(int);
        out.push('.');
        out.push_str(frac);
    } else if -6 < n && n <= 0 {
        out.push_str("0.");
        out.push_str(&zeros(-n));
        out.push_str(&digits);
    } else {
        let e = n - 1;
        let (first, rest) = digits.split_at(1.min(digits.len()));
        out.push_str(first);
        if !rest.is_empty() {
            out.push('.');
            out.push_str(rest);
        }
        out.push('e');
        out.push(if e < 0 { '-' } else { '+' });
        out.push_str(&e.unsigned_abs().to_string());
    }
    out
}

/// A positive decimal numeral (`123.45`, `1e21`, `1.5e-7`, `0.001`) as its significant digits
/// `d1…dk` (no leading or trailing zeros) and `n` with value = 0.d1…dk × 10^n.
fn decimal_digits(text: &str) -> (String, i64) {
    let (mantissa, exp) = text.split_once(['e', 'E']).unwrap_or((text, "0"));
    let exp: i64 = exp.trim_start_matches('+').parse().unwrap_or(0);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: String = int.chars().chain(frac.chars()).collect();
    let lead = all.len() - all.trim_start_matches('0').len();
    let digits = all.trim_matches('0').to_owned();
    let point = i64::try_from(int.len()).unwrap_or(0) - i64::try_from(lead).unwrap_or(0);
    (digits, point + exp)
}

#[cfg(test)]
mod js_number_tests {
    use super::*;

    #[test]
    fn number_and_parse_int() {
        assert_eq!(js_number_from_str(" 3 "), 3.0);
        assert_eq!(js_number_from_str(""), 0.0);
        assert_eq!(js_number_from_str("0x10"), 16.0);
        assert!(js_number_from_str("abc").is_nan());
        assert!(js_number_from_str("inf").is_nan());
        assert_eq!(js_number_from_str("3.5"), 3.5);
        assert_eq!(js_parse_int("12abc"), 12.0);
        assert_eq!(js_parse_int("  -7"), -7.0);
        assert_eq!(js_parse_int("0x1f"), 31.0);
        assert!(js_parse_int("abc").is_nan());
        assert_eq!(js_number_to_string(4.0), "4");
        assert_eq!(js_number_to_string(4.5), "4.5");
        assert_eq!(js_number_to_string(-0.0), "0");
        assert_eq!(js_number_to_string(1e-7), "1e-7");
        assert_eq!(js_number_to_string(1e21), "1e+21");
        assert_eq!(js_number_to_string(-1.5e300), "-1.5e+300");
    }

    /// The layout of ECMAScript Number::toString over core's shortest digits (`{:e}`), the
    /// implementation before the zmij one. The two differ only where the exact value lies
    /// halfway between two shortest candidates: ECMAScript (and zmij) take the even one, core
    /// rounds half up (0x42a026495308eca0 is 8878312490102.3125: Node prints …312, core …313).
    fn reference(x: f64) -> String {
        if x.is_nan() {
            return "NaN".to_owned();
        }
        if x == 0.0 {
            return "0".to_owned();
        }
        if x.is_infinite() {
            return if x > 0.0 { "Infinity" } else { "-Infinity" }.to_owned();
        }
        if x < 0.0 {
            return format!("-{}", reference(-x));
        }
        let sci = format!("{x:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap();
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let k = digits.len() as i64;
        let n = exp.parse::<i64>().unwrap() + 1;
        if k <= n && n <= 21 {
            return format!("{digits}{}", "0".repeat((n - k) as usize));
        }
        if 0 < n && n <= 21 {
            let (int, frac) = digits.split_at(n as usize);
            return format!("{int}.{frac}");
        }
        if -6 < n && n <= 0 {
            return format!("0.{}{digits}", "0".repeat(-n as usize));
        }
        let e = n - 1;
        let sign = if e < 0 { '-' } else { '+' };
        let (first, rest) = digits.split_at(1);
        if rest.is_empty() {
            format!("{first}e{sign}{}", e.unsigned_abs())
        } else {
            format!("{first}.{rest}e{sign}{}", e.unsigned_abs())
        }
    }

    #[test]
    fn number_to_string_matches_the_shortest_digits_layout() {
        let mut fixed = vec![
            0.1,
            0.2,
            0.3,
            1.0,
            10.0,
            1e21,
            1e20,
            1e-6,
            1e-7,
            123.456,
            5e-324,
            f64::MAX,
            f64::MIN_POSITIVE,
            2f64.powi(53),
            2f64.powi(53) + 2.0,
            1.5e-7,
            0.000001,
            9.5,
            1e300,
            -0.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
            4.35,
            0.1 + 0.2,
            1700000000.0,
        ];
        // Every power of ten and its neighbours, then pseudo-random bit patterns (xorshift).
        for e in -325..=309 {
            let p = 10f64.powi(e).to_bits();
            fixed.extend([p, p + 1, p.saturating_sub(1)].map(f64::from_bits));
        }
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        for _ in 0..200_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            fixed.push(f64::from_bits(state));
            fixed.push((state >> 11) as f64 / 1000.0);
        }
        // Ties as Node 20 prints them (`String(x)`).
        for (bits, node) in [
            (0x42a0_2649_5308_eca0, "8878312490102.312"),
            (0x42a0_45fd_8bae_9b20, "8946396288845.562"),
            (0x4317_9085_685d_83c9, "1658206780088562.2"),
        ] {
            assert_eq!(js_number_to_string(f64::from_bits(bits)), node);
        }
        for x in fixed {
            let (ours, core) = (js_number_to_string(x), reference(x));
            if ours == core {
                continue;
            }
            // A tie: same length, both read back as `x`, ours ends on the even digit.
            assert_eq!(ours.len(), core.len(), "{ours} vs {core}");
            assert_eq!(
                ours.parse::<f64>().unwrap().to_bits(),
                x.to_bits(),
                "{ours}"
            );
            assert_eq!(
                core.parse::<f64>().unwrap().to_bits(),
                x.to_bits(),
                "{core}"
            );
            let digit = ours.split(['e']).next().unwrap().bytes().last().unwrap();
            assert!(digit % 2 == 0, "{ours} vs {core}");
        }
    }
}
