//! The two line formats the structured targets read. Text rather than `arbitrary` bytes so the
//! seeds are readable, crash artifacts can be read as they are, and a dictionary steers the
//! mutations.
//!
//! Both formats share value processing: placeholders first ([`expand`]), then escapes
//! ([`unescape`]).
//!
//! Placeholders (`{…}`; anything else in braces stays literal):
//! - `{tN}` table token `N` (mod the table size); `{tN.h}`, `{tN.p}`, `{tN.s}` one segment;
//!   `{tN/K}` the first `K` bytes; `{tN^K}` the character at `K` (mod length) changed.
//! - `{sfx}` the cookie suffix of the selected configuration, `{now}` the clock in seconds.
//! - Key texts (config target): `{pem}`, `{pem1}` (PKCS#1), `{pem_esc}` (one line, `\n`
//!   escapes), `{other}`, `{big}`, `{small}`, `{jwks}`, `{jwks2}`, `{pk_test}`, `{pk_live}`.
//!
//! Escapes: `\n`, `\r`, `\t`, `\0`, `\\`, `\xHH` (the code point U+00HH).

use crate::fixtures::{
    demo_jwks, demo_pem_escaped, two_key_jwks, BIG_PUBLIC, DEMO_PUBLIC, DEMO_PUBLIC_PKCS1,
    NOW_SECS, OTHER_PUBLIC, PK_LIVE, PK_TEST, SMALL_PUBLIC,
};
use crate::tokens::table;

/// Longest expansion a single input may produce (keeps a pathological input from building
/// megabytes of tokens; the core's own caps are far below this anyway).
const MAX_EXPANDED: usize = 512 * 1024;

/// Replaces `\n`, `\r`, `\t`, `\0`, `\\` and `\xHH`; other backslashes stay.
pub fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.peek().copied() {
            Some('n') => {
                chars.next();
                out.push('\n');
            }
            Some('r') => {
                chars.next();
                out.push('\r');
            }
            Some('t') => {
                chars.next();
                out.push('\t');
            }
            Some('0') => {
                chars.next();
                out.push('\0');
            }
            Some('\\') => {
                chars.next();
                out.push('\\');
            }
            Some('x') => {
                let mut look = chars.clone();
                look.next();
                let hex: String = look.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) if hex.len() == 2 => {
                        out.push(char::from(b));
                        chars = look;
                    }
                    _ => out.push('\\'),
                }
            }
            _ => out.push('\\'),
        }
    }
    out
}

/// What `{sfx}` stands for.
#[derive(Debug, Clone, Default)]
pub struct ExpandCtx {
    /// Cookie suffix of the selected configuration.
    pub suffix: String,
}

fn token_placeholder(spec: &str) -> Option<String> {
    let rest = spec.strip_prefix('t')?;
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let n: usize = rest.get(..digits_end)?.parse().ok()?;
    let tokens = table();
    let token = &tokens.get(n % tokens.len())?.token;
    let tail = rest.get(digits_end..)?;
    let segment = |i: usize| token.split('.').nth(i).unwrap_or("").to_owned();
    match tail {
        "" => Some(token.clone()),
        ".h" => Some(segment(0)),
        ".p" => Some(segment(1)),
        ".s" => Some(segment(2)),
        _ => {
            let mut chars = tail.chars();
            let op = chars.next()?;
            let k: usize = chars.as_str().parse().ok()?;
            match op {
                '/' => Some(token.get(..k.min(token.len()))?.to_owned()),
                '^' => {
                    let mut bytes = token.as_bytes().to_vec();
                    let len = bytes.len();
                    let b = bytes.get_mut(k % len)?;
                    // Stay inside the base64url alphabet (or flip a dot into a letter).
                    *b = match *b {
                        b'A' => b'B',
                        b'.' => b'x',
                        b'-' => b'_',
                        b'_' => b'-',
                        other if other.is_ascii_alphanumeric() => b'A',
                        other => other ^ 1,
                    };
                    String::from_utf8(bytes).ok()
                }
                _ => None,
            }
        }
    }
}

fn key_placeholder(spec: &str) -> Option<String> {
    Some(match spec {
        "pem" => DEMO_PUBLIC.to_owned(),
        "pem1" => DEMO_PUBLIC_PKCS1.to_owned(),
        "pem_esc" => demo_pem_escaped(),
        "other" => OTHER_PUBLIC.to_owned(),
        "big" => BIG_PUBLIC.to_owned(),
        "small" => SMALL_PUBLIC.to_owned(),
        "jwks" => demo_jwks().to_owned(),
        "jwks2" => two_key_jwks().to_owned(),
        "pk_test" => PK_TEST.to_owned(),
        "pk_live" => PK_LIVE.to_owned(),
        _ => return None,
    })
}

/// Replaces every known `{…}` placeholder.
pub fn expand(s: &str, ctx: &ExpandCtx) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(open) = rest.find('{') {
        out.push_str(rest.get(..open).unwrap_or(""));
        let after = rest.get(open + 1..).unwrap_or("");
        let Some(close) = after.find('}') else {
            out.push_str(rest.get(open..).unwrap_or(""));
            return out;
        };
        let spec = after.get(..close).unwrap_or("");
        let replacement = match spec {
            "sfx" => Some(ctx.suffix.clone()),
            "now" => Some(NOW_SECS.to_string()),
            _ => token_placeholder(spec).or_else(|| key_placeholder(spec)),
        };
        match replacement {
            Some(r) if out.len() + r.len() <= MAX_EXPANDED => out.push_str(&r),
            _ => {
                out.push('{');
                out.push_str(spec);
                out.push('}');
            }
        }
        rest = after.get(close + 1..).unwrap_or("");
    }
    out.push_str(rest);
    out
}

/// Expands then unescapes one value.
pub fn value(s: &str, ctx: &ExpandCtx) -> String {
    unescape(&expand(s, ctx))
}

/// One request for the `authenticate` target.
#[derive(Debug, Clone, Default)]
pub struct Case {
    /// Configuration index (mod the number of configurations).
    pub config: usize,
    /// Handler (gate) configuration index.
    pub gate: usize,
    /// Method.
    pub method: String,
    /// Request URL.
    pub url: String,
    /// Headers, in order.
    pub headers: Vec<(String, String)>,
}

/// Reads a request:
///
/// ```text
/// @<config> <gate>            optional; both default to 0
/// <METHOD> <URL>
/// <name>: <value>             any number of headers
/// ```
///
/// Lines end at `\n`; empty lines are skipped; a header line without `:` is a header with an
/// empty value; one space after the colon is dropped. `suffix_of(config)` gives `{sfx}`.
pub fn parse_case(data: &[u8], suffix_of: impl Fn(usize) -> String) -> Case {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n').filter(|l| !l.is_empty()).peekable();
    let mut case = Case::default();
    if let Some(first) = lines.peek() {
        if let Some(sel) = first.strip_prefix('@') {
            let mut nums = sel
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse::<usize>().unwrap_or(0));
            case.config = nums.next().unwrap_or(0);
            case.gate = nums.next().unwrap_or(0);
            lines.next();
        }
    }
    let ctx = ExpandCtx {
        suffix: suffix_of(case.config),
    };
    if let Some(request_line) = lines.next() {
        let (m, u) = request_line.split_once(' ').unwrap_or((request_line, ""));
        case.method = value(m, &ctx);
        case.url = value(u, &ctx);
    }
    for line in lines {
        let (name, v) = line.split_once(':').unwrap_or((line, ""));
        let v = v.strip_prefix(' ').unwrap_or(v);
        case.headers.push((value(name, &ctx), value(v, &ctx)));
    }
    case
}

/// One environment for the `config` target: `NAME=value` lines (a name that is not one of
/// `names` picks `names[sum of its bytes % len]`), plus `PATH=<path>` lines, which are not
/// variables but request paths to probe the built verifier with.
#[derive(Debug, Clone, Default)]
pub struct EnvCase {
    /// The variables.
    pub env: std::collections::BTreeMap<String, String>,
    /// Probe paths.
    pub paths: Vec<String>,
}

/// Reads an [`EnvCase`].
pub fn parse_env(data: &[u8], names: &[&str]) -> EnvCase {
    let text = String::from_utf8_lossy(data);
    let ctx = ExpandCtx::default();
    let mut case = EnvCase::default();
    for line in text.split('\n').filter(|l| !l.is_empty()) {
        let (name, v) = line.split_once('=').unwrap_or((line, ""));
        let v = value(v, &ctx);
        if name == "PATH" {
            case.paths.push(v);
            continue;
        }
        let name = if names.contains(&name) || names.is_empty() {
            name.to_owned()
        } else {
            let sum: usize = name.bytes().map(usize::from).sum();
            names
                .get(sum % names.len())
                .map_or_else(String::new, |n| (*n).to_owned())
        };
        case.env.insert(name, v);
    }
    case
}
