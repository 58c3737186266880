//! JSON text to and from [`serde_json::Value`] without serde's generic machinery.
//!
//! Why it exists: code size. The library keeps `serde_json::Value` and `serde_json::Map` as its
//! data types, but parsing through `serde_json::from_str` and printing through
//! `serde_json::to_string` (or `Value`'s `Display`, or `json!`) instantiate serde's generic
//! `Deserializer`/`Serializer`/`Visitor` code in the WebAssembly component. This module is a
//! direct, non-generic port of `serde_json` 1.0.154's `Value` parser (`StrRead`, default
//! features: no `float_roundtrip`, `arbitrary_precision` or `preserve_order`) and compact
//! printer, with the same results:
//!
//! - [`parse`] accepts exactly what `serde_json::from_str::<Value>` accepts and returns an equal
//!   `Value`: strict JSON grammar (whitespace is space, tab, CR, LF; no trailing characters,
//!   trailing commas, comments, BOM or leading zeros), control characters in strings rejected,
//!   `\uXXXX` surrogate pairs required to be paired, duplicate object keys resolved last one wins,
//!   nesting deeper than 127 arrays/objects rejected ("recursion limit exceeded"). Numbers:
//!   a non-negative integer that fits `u64` is a `u64`, a negative one that fits `i64` is an
//!   `i64`, everything else (including `-0`) is an `f64`; a number whose magnitude overflows `f64`
//!   is "number out of range". Errors carry `serde_json`'s message, line and column, so
//!   [`JsonError`]'s `Display` is the same text as `serde_json::Error`'s.
//! - [`to_string`] is byte-for-byte `serde_json::to_string(&value)` (= `value.to_string()`):
//!   `"`, `\`, `\b`, `\f`, `\n`, `\r`, `\t` and other control characters as `\u00xx`; `/` and
//!   non-ASCII unescaped; floats through `zmij` as `serde_json` does.
//!
//! `serde_json` is the test oracle: `json/tests.rs` compares both on hand-written cases, every
//! JSON document in the conformance vectors and pseudo-random documents, mutations and values.
//!
//! Deliberate differences from `serde_json` 1.0.154 as configured here:
//! - Floats are correctly rounded: a number that is not kept as an integer is
//!   [`crate::float::parse_f64`] of its literal (what JavaScript's `JSON.parse` gives), where
//!   `serde_json` without `float_roundtrip` multiplies or divides the first 19-20 significant
//!   digits by a power of ten and can be an ulp or more off (long mantissas, large negative
//!   exponents, subnormals). Which inputs are accepted is unchanged: "number out of range" is
//!   decided by reproducing `serde_json`'s own product (`serde_json_out_of_range`), which
//!   refuses e.g. the exact decimal expansion of `f64::MAX` and accepts a few literals just
//!   above it; for those, as in `serde_json`, the value is `±f64::MAX`.
//! - Only `&str` input (the library never parses bytes that are not UTF-8 already).
//! - No recursion: `serde_json` recurses once per nesting level (up to the limit of 127); this
//!   parser's native stack use is constant (the nesting is a heap `Vec` of at most 127 frames).

use std::fmt::{self, Write as _};

use serde_json::{Map, Number, Value};

/// Maximum nesting of arrays and objects, as `serde_json`'s default recursion limit (128) allows:
/// opening the 128th nested container is an error.
const MAX_DEPTH: usize = 127;

/// Why a JSON text was refused: `serde_json`'s error code and position.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonError {
    code: Code,
    line: usize,
    column: usize,
}

impl JsonError {
    /// The 1-based line of the error, as `serde_json::Error::line`.
    pub fn line(&self) -> usize {
        self.line
    }
    /// The column of the error (bytes from the start of the line; 1-based for a byte, as
    /// `serde_json::Error::column`).
    pub fn column(&self) -> usize {
        self.column
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    EofWhileParsingList,
    EofWhileParsingObject,
    EofWhileParsingString,
    EofWhileParsingValue,
    ExpectedColon,
    ExpectedListCommaOrEnd,
    ExpectedObjectCommaOrEnd,
    ExpectedSomeIdent,
    ExpectedSomeValue,
    InvalidEscape,
    InvalidNumber,
    NumberOutOfRange,
    InvalidUnicodeCodePoint,
    ControlCharacterWhileParsingString,
    KeyMustBeAString,
    LoneLeadingSurrogateInHexEscape,
    TrailingComma,
    TrailingCharacters,
    UnexpectedEndOfHexEscape,
    RecursionLimitExceeded,
}

impl Code {
    fn message(self) -> &'static str {
        match self {
            Code::EofWhileParsingList => "EOF while parsing a list",
            Code::EofWhileParsingObject => "EOF while parsing an object",
            Code::EofWhileParsingString => "EOF while parsing a string",
            Code::EofWhileParsingValue => "EOF while parsing a value",
            Code::ExpectedColon => "expected `:`",
            Code::ExpectedListCommaOrEnd => "expected `,` or `]`",
            Code::ExpectedObjectCommaOrEnd => "expected `,` or `}`",
            Code::ExpectedSomeIdent => "expected ident",
            Code::ExpectedSomeValue => "expected value",
            Code::InvalidEscape => "invalid escape",
            Code::InvalidNumber => "invalid number",
            Code::NumberOutOfRange => "number out of range",
            Code::InvalidUnicodeCodePoint => "invalid unicode code point",
            Code::ControlCharacterWhileParsingString => {
                "control character (\\u0000-\\u001F) found while parsing a string"
            }
            Code::KeyMustBeAString => "key must be a string",
            Code::LoneLeadingSurrogateInHexEscape => "lone leading surrogate in hex escape",
            Code::TrailingComma => "trailing comma",
            Code::TrailingCharacters => "trailing characters",
            Code::UnexpectedEndOfHexEscape => "unexpected end of hex escape",
            Code::RecursionLimitExceeded => "recursion limit exceeded",
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} at line {} column {}",
            self.code.message(),
            self.line,
            self.column
        )
    }
}

impl std::error::Error for JsonError {}

type Res<T> = Result<T, JsonError>;

/// An array or object being parsed (the explicit stack of [`parse`]).
enum Frame {
    Array(Vec<Value>),
    /// The members so far and the key of the member whose value is being parsed.
    Object(Map<String, Value>, String),
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    /// Index of the next unread byte.
    index: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.index).copied()
    }

    fn next(&mut self) -> Option<u8> {
        let b = self.peek()?;
        self.index += 1;
        Some(b)
    }

    fn eat(&mut self) {
        self.index += 1;
    }

    /// `serde_json`'s `position_of_index`: line of `i`, and bytes since the last newline.
    fn error_at(&self, code: Code, i: usize) -> JsonError {
        let before = self.bytes.get(..i).unwrap_or(self.bytes);
        let start_of_line = before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |p| p + 1);
        let line = 1 + before
            .get(..start_of_line)
            .unwrap_or_default()
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        JsonError {
            code,
            line,
            column: i.saturating_sub(start_of_line),
        }
    }

    /// Error caused by the byte last read (`serde_json`'s `error`).
    fn error(&self, code: Code) -> JsonError {
        self.error_at(code, self.index)
    }

    /// Error caused by the byte peeked at (`serde_json`'s `peek_error`).
    fn peek_error(&self, code: Code) -> JsonError {
        self.error_at(code, self.bytes.len().min(self.index + 1))
    }

    fn whitespace(&mut self) -> Option<u8> {
        while let Some(b) = self.peek() {
            if !matches!(b, b' ' | b'\n' | b'\t' | b'\r') {
                return Some(b);
            }
            self.eat();
        }
        None
    }

    fn ident(&mut self, rest: &[u8]) -> Res<()> {
        for &expected in rest {
            match self.next() {
                None => return Err(self.error(Code::EofWhileParsingValue)),
                Some(b) if b != expected => return Err(self.error(Code::ExpectedSomeIdent)),
                Some(_) => {}
            }
        }
        Ok(())
    }

    /// `{` or `,` then whitespace seen, the next byte is `"`: the key and the colon after it.
    fn key_and_colon(&mut self) -> Res<String> {
        self.eat();
        let key = self.string()?;
        match self.whitespace() {
            Some(b':') => {
                self.eat();
                Ok(key)
            }
            Some(_) => Err(self.peek_error(Code::ExpectedColon)),
            None => Err(self.peek_error(Code::EofWhileParsingObject)),
        }
    }

    /// The opening `"` was consumed. `serde_json`'s `parse_str_bytes` with validation. The text
    /// is a `str`, and every cut is at an ASCII byte, so each piece is a `str` slice; a string
    /// without escapes (the usual case) is one exact-size copy.
    fn string(&mut self) -> Res<String> {
        let mut out = String::new();
        let mut start = self.index;
        loop {
            while self
                .peek()
                .is_some_and(|b| b != b'"' && b != b'\\' && b >= 0x20)
            {
                self.eat();
            }
            let Some(b) = self.peek() else {
                return Err(self.error(Code::EofWhileParsingString));
            };
            let piece = self.text.get(start..self.index).unwrap_or_default();
            self.eat();
            match b {
                b'"' if out.is_empty() => return Ok(piece.to_owned()),
                b'"' => {
                    out.push_str(piece);
                    return Ok(out);
                }
                b'\\' => {
                    out.push_str(piece);
                    self.escape(&mut out)?;
                }
                _ => return Err(self.error(Code::ControlCharacterWhileParsingString)),
            }
            start = self.index;
        }
    }

    fn escape(&mut self, out: &mut String) -> Res<()> {
        let Some(ch) = self.next() else {
            return Err(self.error(Code::EofWhileParsingString));
        };
        let c = match ch {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\x08',
            b'f' => '\x0c',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(out),
            _ => return Err(self.error(Code::InvalidEscape)),
        };
        out.push(c);
        Ok(())
    }

    fn hex4(&mut self) -> Res<u16> {
        let Some(digits) = self.bytes.get(self.index..self.index + 4) else {
            self.index = self.bytes.len();
            return Err(self.error(Code::EofWhileParsingString));
        };
        self.index += 4;
        let mut n: u16 = 0;
        for &d in digits {
            let v = match d {
                b'0'..=b'9' => d - b'0',
                b'a'..=b'f' => d - b'a' + 10,
                b'A'..=b'F' => d - b'A' + 10,
                _ => return Err(self.error(Code::InvalidEscape)),
            };
            n = (n << 4) | u16::from(v);
        }
        Ok(n)
    }

    /// `\u` was consumed: one code unit, or a surrogate pair as two escapes.
    fn unicode_escape(&mut self, out: &mut String) -> Res<()> {
        let n = self.hex4()?;
        let c = match n {
            0xDC00..=0xDFFF => return Err(self.error(Code::LoneLeadingSurrogateInHexEscape)),
            0xD800..=0xDBFF => {
                for expected in [b'\\', b'u'] {
                    match self.peek() {
                        None => return Err(self.error(Code::EofWhileParsingString)),
                        Some(b) => {
                            self.eat();
                            if b != expected {
                                return Err(self.error(Code::UnexpectedEndOfHexEscape));
                            }
                        }
                    }
                }
                let n2 = self.hex4()?;
                if !(0xDC00..=0xDFFF).contains(&n2) {
                    return Err(self.error(Code::LoneLeadingSurrogateInHexEscape));
                }
                0x1_0000 + ((u32::from(n - 0xD800) << 10) | u32::from(n2 - 0xDC00))
            }
            _ => u32::from(n),
        };
        let c = char::from_u32(c).ok_or_else(|| self.error(Code::InvalidUnicodeCodePoint))?;
        out.push(c);
        Ok(())
    }

    /// A number; `start` is the index of its first byte (`-` or a digit), `self.index` is past
    /// the `-` if any. `serde_json`'s `parse_integer` and what it calls, for the same accept/reject
    /// decisions and error positions; the float value is the correctly rounded parse of the
    /// literal.
    fn number(&mut self, start: usize, positive: bool) -> Res<Value> {
        let Some(first) = self.next() else {
            return Err(self.error(Code::EofWhileParsingValue));
        };
        let mut significand: u64 = 0;
        // Whether `significand` holds the whole integer part (serde_json switches to a float,
        // ignoring further digits, when it would overflow `u64`).
        let mut exact = true;
        match first {
            b'0' => {
                if self.peek().is_some_and(|b| b.is_ascii_digit()) {
                    return Err(self.peek_error(Code::InvalidNumber));
                }
            }
            b'1'..=b'9' => {
                significand = u64::from(first - b'0');
                while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                    self.eat();
                    match significand
                        .checked_mul(10)
                        .and_then(|s| s.checked_add(u64::from(d - b'0')))
                    {
                        Some(s) if exact => significand = s,
                        _ => exact = false,
                    }
                }
            }
            _ => return Err(self.error(Code::InvalidNumber)),
        }
        // Whether a significand digit is not zero (serde_json's significand is then not zero).
        let mut nonzero = significand != 0;
        let mut float = !exact;
        if self.peek() == Some(b'.') {
            float = true;
            self.eat();
            let digits_start = self.index;
            while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                self.eat();
                nonzero |= d != b'0';
            }
            if self.index == digits_start {
                return Err(match self.peek() {
                    Some(_) => self.peek_error(Code::InvalidNumber),
                    None => self.peek_error(Code::EofWhileParsingValue),
                });
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            float = true;
            self.eat();
            let positive_exp = match self.peek() {
                Some(b'+') => {
                    self.eat();
                    true
                }
                Some(b'-') => {
                    self.eat();
                    false
                }
                _ => true,
            };
            let mut exp = match self.next() {
                None => return Err(self.error(Code::EofWhileParsingValue)),
                Some(d @ b'0'..=b'9') => Some(i32::from(d - b'0')),
                Some(_) => return Err(self.error(Code::InvalidNumber)),
            };
            while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
                self.eat();
                // serde_json reads the exponent into an `i32`; when it would overflow, a non-zero
                // significand with a positive exponent is "number out of range" (at this digit),
                // anything else is zero (the remaining digits are skipped).
                exp = exp.and_then(|e| e.checked_mul(10)?.checked_add(i32::from(d - b'0')));
                if exp.is_none() && nonzero && positive_exp {
                    return Err(self.error(Code::NumberOutOfRange));
                }
            }
        }
        if !float {
            if positive {
                return Ok(Value::Number(Number::from(significand)));
            }
            if let Some(neg) = 0i64.checked_sub_unsigned(significand).filter(|&n| n < 0) {
                return Ok(Value::Number(Number::from(neg)));
            }
        }
        let literal = self.bytes.get(start..self.index).unwrap_or_default();
        if serde_json_out_of_range(literal) {
            return Err(self.error(Code::NumberOutOfRange));
        }
        let f = std::str::from_utf8(literal)
            .ok()
            .and_then(crate::float::parse_f64)
            .ok_or_else(|| self.error(Code::InvalidNumber))?;
        // serde_json accepts a few literals just above the range (its product is finite); their
        // correctly rounded value is infinite, serde_json's is the largest finite f64.
        let f = if f.is_infinite() {
            f64::MAX.copysign(f)
        } else {
            f
        };
        Number::from_f64(f)
            .map(Value::Number)
            .ok_or_else(|| self.error(Code::NumberOutOfRange))
    }
}

/// Whether `serde_json` (without `float_roundtrip`) refuses a float literal (grammar already
/// checked; the exponent does not overflow `i32` with a non-zero significand) as "number out of
/// range". It does not test the correctly rounded value but its own product: the first 19 or
/// 20 significant digits (as many as fit a `u64`) converted to `f64`, times the `f64` nearest
/// `10^exponent`. That refuses e.g. the exact decimal expansion of `f64::MAX` and accepts a few
/// literals just above it; this reproduces the decision, not the (inexact) value.
fn serde_json_out_of_range(literal: &[u8]) -> bool {
    let mut bytes = literal
        .strip_prefix(b"-")
        .unwrap_or(literal)
        .iter()
        .peekable();
    let mut significand: u64 = 0;
    let mut exponent: i32 = 0;
    let mut overflowed = false;
    // Integer digits: after the significand is full, each digit adds one to the exponent.
    while let Some(&&d) = bytes.peek().filter(|b| b.is_ascii_digit()) {
        bytes.next();
        match significand
            .checked_mul(10)
            .and_then(|s| s.checked_add(u64::from(d - b'0')))
        {
            Some(s) if !overflowed => significand = s,
            _ => {
                overflowed = true;
                exponent = exponent.saturating_add(1);
            }
        }
    }
    // Fraction digits: accumulated (even after an integer-part overflow) until one would
    // overflow, then the rest are ignored.
    if bytes.peek() == Some(&&b'.') {
        bytes.next();
        let mut full = false;
        while let Some(&&d) = bytes.peek().filter(|b| b.is_ascii_digit()) {
            bytes.next();
            if full {
                continue;
            }
            match significand
                .checked_mul(10)
                .and_then(|s| s.checked_add(u64::from(d - b'0')))
            {
                Some(s) => {
                    significand = s;
                    exponent = exponent.saturating_sub(1);
                }
                None => full = true,
            }
        }
    }
    if matches!(bytes.next(), Some(b'e' | b'E')) {
        let negative = bytes.peek() == Some(&&b'-');
        let digits = bytes
            .filter(|b| b.is_ascii_digit())
            .try_fold(0i32, |e, &d| {
                e.checked_mul(10)?.checked_add(i32::from(d - b'0'))
            });
        let Some(e) = digits else {
            // Overflowing exponent: zero, or refused by the caller already.
            return false;
        };
        exponent = if negative {
            exponent.saturating_sub(e)
        } else {
            exponent.saturating_add(e)
        };
    }
    if exponent < 0 || significand == 0 {
        return false;
    }
    if exponent > 308 {
        return true;
    }
    // serde_json's table of powers of ten holds the f64 literals `1e0` to `1e308`.
    let pow = crate::float::parse_f64(&format!("1e{exponent}")).unwrap_or(f64::INFINITY);
    (significand as f64 * pow).is_infinite()
}

/// Parses a JSON text as `serde_json::from_str::<Value>` does (see the module documentation for
/// the one deliberate difference, float rounding).
pub fn parse(text: &str) -> Result<Value, JsonError> {
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        index: 0,
    };
    let mut stack: Vec<Frame> = Vec::new();
    'value: loop {
        let Some(b) = p.whitespace() else {
            return Err(p.peek_error(Code::EofWhileParsingValue));
        };
        let mut value = match b {
            b'n' => {
                p.eat();
                p.ident(b"ull")?;
                Value::Null
            }
            b't' => {
                p.eat();
                p.ident(b"rue")?;
                Value::Bool(true)
            }
            b'f' => {
                p.eat();
                p.ident(b"alse")?;
                Value::Bool(false)
            }
            b'-' => {
                let start = p.index;
                p.eat();
                p.number(start, false)?
            }
            b'0'..=b'9' => p.number(p.index, true)?,
            b'"' => {
                p.eat();
                Value::String(p.string()?)
            }
            b'[' | b'{' => {
                if stack.len() >= MAX_DEPTH {
                    return Err(p.peek_error(Code::RecursionLimitExceeded));
                }
                p.eat();
                let next = p.whitespace();
                if b == b'[' {
                    match next {
                        None => return Err(p.peek_error(Code::EofWhileParsingList)),
                        Some(b']') => {
                            p.eat();
                            Value::Array(Vec::new())
                        }
                        Some(_) => {
                            stack.push(Frame::Array(Vec::new()));
                            continue 'value;
                        }
                    }
                } else {
                    match next {
                        None => return Err(p.peek_error(Code::EofWhileParsingObject)),
                        Some(b'}') => {
                            p.eat();
                            Value::Object(Map::new())
                        }
                        Some(b'"') => {
                            let key = p.key_and_colon()?;
                            stack.push(Frame::Object(Map::new(), key));
                            continue 'value;
                        }
                        Some(_) => return Err(p.peek_error(Code::KeyMustBeAString)),
                    }
                }
            }
            _ => return Err(p.peek_error(Code::ExpectedSomeValue)),
        };
        // A value is complete: add it to the enclosing container, closing containers as they end.
        loop {
            match stack.last_mut() {
                None => {
                    return match p.whitespace() {
                        None => Ok(value),
                        Some(_) => Err(p.peek_error(Code::TrailingCharacters)),
                    };
                }
                Some(Frame::Array(items)) => {
                    items.push(value);
                    match p.whitespace() {
                        None => return Err(p.peek_error(Code::EofWhileParsingList)),
                        Some(b']') => p.eat(),
                        Some(b',') => {
                            p.eat();
                            match p.whitespace() {
                                Some(b']') => return Err(p.peek_error(Code::TrailingComma)),
                                Some(_) => continue 'value,
                                None => return Err(p.peek_error(Code::EofWhileParsingValue)),
                            }
                        }
                        Some(_) => return Err(p.peek_error(Code::ExpectedListCommaOrEnd)),
                    }
                }
                Some(Frame::Object(members, key)) => {
                    members.insert(std::mem::take(key), value);
                    match p.whitespace() {
                        None => return Err(p.peek_error(Code::EofWhileParsingObject)),
                        Some(b'}') => p.eat(),
                        Some(b',') => {
                            p.eat();
                            match p.whitespace() {
                                Some(b'"') => {
                                    *key = p.key_and_colon()?;
                                    continue 'value;
                                }
                                Some(b'}') => return Err(p.peek_error(Code::TrailingComma)),
                                Some(_) => return Err(p.peek_error(Code::KeyMustBeAString)),
                                None => return Err(p.peek_error(Code::EofWhileParsingValue)),
                            }
                        }
                        Some(_) => return Err(p.peek_error(Code::ExpectedObjectCommaOrEnd)),
                    }
                }
            }
            // The container on top of the stack just ended.
            value = match stack.pop() {
                Some(Frame::Array(items)) => Value::Array(items),
                Some(Frame::Object(members, _)) => Value::Object(members),
                None => Value::Null,
            };
        }
    }
}

/// Compact JSON text of `value`, byte for byte what `serde_json::to_string(value)` and
/// `value.to_string()` give.
pub fn to_string(value: &Value) -> String {
    let mut out = String::new();
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut String, value: &Value) {
    // Recursion is bounded by the depth of `value`: parsed values are at most 128 deep, and the
    // values the library builds are a few levels deep.
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_str(out, s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_value(out, item);
            }
            out.push(']');
        }
        Value::Object(members) => {
            out.push('{');
            for (i, (k, v)) in members.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_str(out, k);
                out.push(':');
                write_value(out, v);
            }
            out.push('}');
        }
    }
}

fn write_number(out: &mut String, n: &Number) {
    if let Some(u) = n.as_u64() {
        let _ = write!(out, "{u}");
    } else if let Some(i) = n.as_i64() {
        let _ = write!(out, "{i}");
    } else {
        match n.as_f64() {
            Some(f) if f.is_finite() => out.push_str(zmij::Buffer::new().format_finite(f)),
            _ => out.push_str("null"),
        }
    }
}

/// A JSON string literal, escaped as `serde_json` does.
fn write_str(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// A JSON object from `(key, value)` pairs, in place of `serde_json::json!({...})`; a later
/// duplicate key replaces the earlier value, as in `json!`. (Inserting one by one: collecting
/// into the map would instantiate a sort for every call site's array size.)
pub fn object<const N: usize>(pairs: [(&str, Value); N]) -> Value {
    let mut members = Map::new();
    for (k, v) in pairs {
        members.insert(k.to_owned(), v);
    }
    Value::Object(members)
}

#[cfg(test)]
mod tests;
