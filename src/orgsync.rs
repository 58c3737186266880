//! Organization sync target matching (spec §2.7, conformance §7.1 items 1–14).
//!
//! Parity: `OrganizationMatcher` in `@clerk/backend` (`tokens/organizationMatcher.ts`) hands each
//! pattern list to `match(list)` from `@clerk/shared/pathToRegexp`, a bundled path-to-regexp
//! 6.x with default options: case-insensitive, non-strict (one optional trailing `/`, `#` or
//! `?`), anchored at both ends, prefixes `./`, delimiters `/#?`, and **no** decoding of
//! parameter values (they stay percent-encoded, as the WHATWG `pathname` gives them). A list
//! compiles to one regular expression `(?:re1|re2|…)`, so the first pattern of the list that
//! matches the whole pathname decides; within it, a non-empty `id` parameter wins over `slug`.
//! An organization pattern that matches without an `id` or `slug` falls through to the
//! personal-account patterns.
//!
//! No regex crate is used: path-to-regexp's tokenizer, parser and regex builder are reproduced
//! exactly (same error texts), and the regular expression it builds is parsed and run by the
//! small backtracking engine below, which implements the subset of ECMAScript regular
//! expressions (non-Unicode mode, `i` flag) that such patterns use. Anything outside that
//! subset is refused when the matcher is built ([`PatternErrorKind::Unsupported`]).
//!
//! Security: the pathname is untrusted. Matching is bounded: pathnames longer than
//! [`MAX_PATHNAME_LEN`] bytes never match, every (instruction, position) state is explored at
//! most once per run (memoised backtracking, as in RE2's "bit state" engine), and a step
//! budget caps the total work of one [`OrgMatcher::find_target`] call; when it runs out the
//! answer is "no target".

use std::fmt;

/// Longest pathname (in bytes) that is matched at all; longer ones have no target.
pub const MAX_PATHNAME_LEN: usize = 8 * 1024;

/// Most instructions one compiled pattern may have (counted quantifiers are unrolled).
const MAX_PROGRAM_LEN: usize = 2048;

/// Largest bound accepted in a `{n,m}` quantifier of a custom regular expression.
const MAX_REPEAT: u32 = 100;

/// Deepest nesting of groups accepted in a custom regular expression.
const MAX_NESTING: usize = 32;

/// Steps (instructions executed) allowed for one `find_target` call.
const MAX_STEPS: u64 = 4_000_000;

/// Options mirroring Clerk's `organizationSyncOptions`.
///
/// An empty list means "not configured" (like an absent list in JS).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrganizationSyncOptions {
    /// `organizationPatterns`: paths that select an organization through an `:id` or `:slug`
    /// parameter.
    pub organization_patterns: Vec<String>,
    /// `personalAccountPatterns`: paths that select the personal account.
    pub personal_account_patterns: Vec<String>,
}

/// What a pathname asks to activate.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum OrgTarget {
    /// `{type: 'organization', organizationId}`: the raw (still percent-encoded) `:id` value.
    OrganizationId(String),
    /// `{type: 'organization', organizationSlug}`: the raw (still percent-encoded) `:slug`
    /// value.
    OrganizationSlug(String),
    /// `{type: 'personalAccount'}`.
    PersonalAccount,
}

/// Compiled organization-sync patterns (`OrganizationMatcher`).
#[derive(Debug, Clone)]
pub struct OrgMatcher {
    organization: Option<PatternList>,
    personal: Option<PatternList>,
}

/// Which kind of problem made a pattern unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PatternErrorKind {
    /// path-to-regexp itself rejects the pattern (its `TypeError`).
    InvalidPath,
    /// The regular expression path-to-regexp builds is not valid (a `SyntaxError` in JS).
    InvalidRegex,
    /// Valid for the reference but outside the subset clerk-edge implements.
    Unsupported,
}

/// An organization-sync pattern that cannot be compiled.
///
/// For [`PatternErrorKind::InvalidPath`] and [`PatternErrorKind::InvalidRegex`] the Display
/// text is the reference's: `Invalid pattern "<list joined by ,>": Error: Invalid path and
/// options: Consult the documentation of path-to-regexp here:
/// https://github.com/pillarjs/path-to-regexp/tree/6.x\n<detail>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatternError {
    kind: PatternErrorKind,
    pattern: String,
    list: String,
    detail: String,
}

impl PatternError {
    /// The kind of problem.
    pub fn kind(&self) -> PatternErrorKind {
        self.kind
    }

    /// The single offending pattern.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }

    /// The specific reason, e.g. `Unbalanced pattern at 6`.
    pub fn detail(&self) -> &str {
        &self.detail
    }
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            PatternErrorKind::InvalidPath | PatternErrorKind::InvalidRegex => write!(
                f,
                "Invalid pattern \"{}\": Error: Invalid path and options: Consult the \
                 documentation of path-to-regexp here: \
                 https://github.com/pillarjs/path-to-regexp/tree/6.x\n{}",
                self.list, self.detail
            ),
            PatternErrorKind::Unsupported => write!(
                f,
                "Unsupported pattern \"{}\" in \"{}\": {} (clerk-edge implements a subset of \
                 the regular expressions path-to-regexp 6.x accepts)",
                self.pattern, self.list, self.detail
            ),
        }
    }
}

impl std::error::Error for PatternError {}

impl OrgMatcher {
    /// Compiles both pattern lists (organization first, as the reference does); the first
    /// pattern the reference rejects is an error naming its list, with the reference's message.
    /// When the reference would accept both lists but one uses a construct outside our subset,
    /// the error is [`PatternErrorKind::Unsupported`].
    pub fn new(opts: &OrganizationSyncOptions) -> Result<OrgMatcher, PatternError> {
        let organization = PatternList::compile(&opts.organization_patterns);
        let personal = PatternList::compile(&opts.personal_account_patterns);
        match (organization, personal) {
            (Ok(organization), Ok(personal)) => Ok(OrgMatcher {
                organization,
                personal,
            }),
            (Err(e), _) if e.kind != PatternErrorKind::Unsupported => Err(e),
            (_, Err(e)) if e.kind != PatternErrorKind::Unsupported => Err(e),
            (Err(e), _) | (_, Err(e)) => Err(e),
        }
    }

    /// Target for a URL pathname (as WHATWG URL `pathname` gives it, still percent-encoded).
    ///
    /// `None` when nothing matches, when the pathname exceeds [`MAX_PATHNAME_LEN`], or when the
    /// step budget runs out.
    pub fn find_target(&self, pathname: &str) -> Option<OrgTarget> {
        // Security: bounded input first.
        if pathname.len() > MAX_PATHNAME_LEN {
            return None;
        }
        let input: Vec<u16> = pathname.encode_utf16().collect();
        let mut budget = MAX_STEPS;
        if let Some(list) = &self.organization {
            if let Some(params) = list.exec(&input, &mut budget).ok()? {
                // `if (params.id) … if (params.slug) …`: JS truthiness.
                if let Some(id) = params.id.filter(ParamValue::truthy) {
                    return Some(OrgTarget::OrganizationId(id.text));
                }
                if let Some(slug) = params.slug.filter(ParamValue::truthy) {
                    return Some(OrgTarget::OrganizationSlug(slug.text));
                }
            }
        }
        if let Some(list) = &self.personal {
            if list.exec(&input, &mut budget).ok()?.is_some() {
                return Some(OrgTarget::PersonalAccount);
            }
        }
        None
    }
}

// ------------------------------------------------------------------------------------------
// Pattern lists

/// One compiled list (`match(list)`).
#[derive(Debug, Clone)]
struct PatternList {
    patterns: Vec<CompiledPattern>,
}

/// One pattern: its program and the parameter of each capture group, in order.
#[derive(Debug, Clone)]
struct CompiledPattern {
    program: Program,
    keys: Vec<KeyInfo>,
}

/// What `match` needs to know about a key.
#[derive(Debug, Clone)]
struct KeyInfo {
    name: KeyName,
    /// `Some(prefix + suffix)` for `*`/`+` keys, whose value is split on it into an array.
    repeat_separator: Option<String>,
}

/// The `id` and `slug` parameters of a match.
#[derive(Debug, Default)]
struct Params {
    id: Option<ParamValue>,
    slug: Option<ParamValue>,
}

/// A parameter value: a string, or (for `*`/`+` keys) an array shown joined by `,` as
/// JavaScript's `String(array)` would.
#[derive(Debug, Clone)]
struct ParamValue {
    text: String,
    is_array: bool,
}

impl ParamValue {
    /// JavaScript truthiness: any array, or a non-empty string.
    fn truthy(&self) -> bool {
        self.is_array || !self.text.is_empty()
    }
}

/// The step budget ran out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Exhausted;

impl PatternList {
    /// `null` for an empty list, else every pattern compiled in order.
    fn compile(patterns: &[String]) -> Result<Option<PatternList>, PatternError> {
        if patterns.is_empty() {
            return Ok(None);
        }
        let list = patterns.join(",");
        let mut compiled = Vec::with_capacity(patterns.len());
        let mut unsupported = None;
        for p in patterns {
            match compile_pattern(p) {
                Ok(c) => compiled.push(c),
                Err((kind, detail)) => {
                    let err = PatternError {
                        kind,
                        pattern: p.clone(),
                        list: list.clone(),
                        detail,
                    };
                    // The reference stops at the first pattern it rejects; a pattern only we
                    // refuse does not stop it, so keep looking for one it rejects.
                    if kind != PatternErrorKind::Unsupported {
                        return Err(err);
                    }
                    unsupported.get_or_insert(err);
                }
            }
        }
        match unsupported {
            Some(err) => Err(err),
            None => Ok(Some(PatternList { patterns: compiled })),
        }
    }

    /// The parameters of the first pattern matching the whole input, if any.
    fn exec(&self, input: &[u16], budget: &mut u64) -> Result<Option<Params>, Exhausted> {
        for pattern in &self.patterns {
            let Some(slots) = pattern.program.run(input, budget)? else {
                continue;
            };
            let mut params = Params::default();
            for (i, key) in pattern.keys.iter().enumerate() {
                let start = slots.get(2 * i).copied().flatten();
                let end = slots.get(2 * i + 1).copied().flatten();
                let (Some(start), Some(end)) = (start, end) else {
                    continue; // `undefined`: not set
                };
                let raw = String::from_utf16_lossy(input.get(start..end).unwrap_or_default());
                let value = match &key.repeat_separator {
                    Some(sep) => ParamValue {
                        text: raw.split(sep.as_str()).collect::<Vec<_>>().join(","),
                        is_array: true,
                    },
                    None => ParamValue {
                        text: raw,
                        is_array: false,
                    },
                };
                // Later keys with the same name overwrite earlier ones.
                match &key.name {
                    KeyName::Named(n) if n == "id" => params.id = Some(value),
                    KeyName::Named(n) if n == "slug" => params.slug = Some(value),
                    _ => {}
                }
            }
            return Ok(Some(params));
        }
        Ok(None)
    }
}

/// Compiles one pattern: path-to-regexp tokens → regex source → program.
fn compile_pattern(pattern: &str) -> Result<CompiledPattern, (PatternErrorKind, String)> {
    let units: Vec<u16> = pattern.encode_utf16().collect();
    let tokens = lex(&units).map_err(|e| (PatternErrorKind::InvalidPath, e))?;
    let parts = parse(&tokens).map_err(|e| (PatternErrorKind::InvalidPath, e))?;
    let (source, keys) = build_source(&parts).map_err(|e| (PatternErrorKind::InvalidPath, e))?;
    let syntax = |reason: String| {
        (
            PatternErrorKind::InvalidRegex,
            format!(
                "Invalid regular expression: /{}/i: {reason}",
                String::from_utf16_lossy(&source)
            ),
        )
    };
    let ast = RegexParser::parse(&source).map_err(|e| match e {
        RegexError::Syntax(reason) => syntax(reason.to_owned()),
        RegexError::Unsupported(reason) => (PatternErrorKind::Unsupported, reason),
    })?;
    if ast.groups != keys.len() {
        return Err((
            PatternErrorKind::Unsupported,
            "capturing groups inside a custom regular expression".to_owned(),
        ));
    }
    let program = Program::compile(&ast.node, ast.groups)
        .map_err(|reason| (PatternErrorKind::Unsupported, reason))?;
    Ok(CompiledPattern { program, keys })
}

// ------------------------------------------------------------------------------------------
// path-to-regexp 6.x: lexer, parser, regex builder (default options)

const DELIMITERS: [u16; 3] = [b'/' as u16, b'#' as u16, b'?' as u16];
const PREFIXES: [u16; 2] = [b'.' as u16, b'/' as u16];

/// Lexer token kinds, with the names path-to-regexp prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenKind {
    Char,
    Close,
    End,
    EscapedChar,
    Modifier,
    Name,
    Open,
    Pattern,
}

impl TokenKind {
    fn as_str(self) -> &'static str {
        match self {
            Self::Char => "CHAR",
            Self::Close => "CLOSE",
            Self::End => "END",
            Self::EscapedChar => "ESCAPED_CHAR",
            Self::Modifier => "MODIFIER",
            Self::Name => "NAME",
            Self::Open => "OPEN",
            Self::Pattern => "PATTERN",
        }
    }
}

/// A token; `value: None` is JavaScript `undefined` (an escape at the very end).
#[derive(Debug, Clone)]
struct Token {
    kind: TokenKind,
    index: usize,
    value: Option<Vec<u16>>,
}

/// A key's name: a `:name`, or the running index of an unnamed group.
#[derive(Debug, Clone, PartialEq, Eq)]
enum KeyName {
    Index(usize),
    Named(String),
}

impl fmt::Display for KeyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Index(i) => write!(f, "{i}"),
            Self::Named(n) => f.write_str(n),
        }
    }
}

/// A parsed key (`{name, prefix, suffix, pattern, modifier}`).
#[derive(Debug, Clone)]
struct Key {
    name: KeyName,
    prefix: Vec<u16>,
    suffix: Vec<u16>,
    pattern: Vec<u16>,
    modifier: Option<u16>,
}

/// Parser output: literal text or a key.
#[derive(Debug, Clone)]
enum Part {
    Key(Key),
    Text(Vec<u16>),
}

fn is_name_char(c: u16) -> bool {
    matches!(c, 0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x5F)
}

/// path-to-regexp `lexer` (indices are UTF-16 offsets, as in JS).
fn lex(r: &[u16]) -> Result<Vec<Token>, String> {
    let mut tokens = Vec::new();
    let mut i = 0;
    let tok = |kind, index, value: Option<Vec<u16>>| Token { kind, index, value };
    while let Some(&c) = r.get(i) {
        match c {
            0x2A | 0x2B | 0x3F => {
                tokens.push(tok(TokenKind::Modifier, i, Some(vec![c])));
                i += 1;
            }
            0x5C => {
                tokens.push(tok(
                    TokenKind::EscapedChar,
                    i,
                    r.get(i + 1).map(|&n| vec![n]),
                ));
                i += 2;
            }
            0x7B => {
                tokens.push(tok(TokenKind::Open, i, Some(vec![c])));
                i += 1;
            }
            0x7D => {
                tokens.push(tok(TokenKind::Close, i, Some(vec![c])));
                i += 1;
            }
            0x3A => {
                let mut j = i + 1;
                while r.get(j).is_some_and(|&n| is_name_char(n)) {
                    j += 1;
                }
                let name = r.get(i + 1..j).unwrap_or_default().to_vec();
                if name.is_empty() {
                    return Err(format!("Missing parameter name at {i}"));
                }
                tokens.push(tok(TokenKind::Name, i, Some(name)));
                i = j;
            }
            0x28 => {
                let mut count = 1usize;
                let mut pattern = Vec::new();
                let mut j = i + 1;
                if r.get(j) == Some(&0x3F) {
                    return Err(format!("Pattern cannot start with \"?\" at {j}"));
                }
                while let Some(&p) = r.get(j) {
                    if p == 0x5C {
                        // `m += r[t++] + r[t++]`: a trailing backslash can only end in
                        // "Unbalanced pattern" below, so what is appended does not matter.
                        pattern.push(p);
                        pattern.extend(r.get(j + 1).copied());
                        j += 2;
                        continue;
                    }
                    if p == 0x29 {
                        count -= 1;
                        if count == 0 {
                            j += 1;
                            break;
                        }
                    } else if p == 0x28 {
                        count += 1;
                        if r.get(j + 1) != Some(&0x3F) {
                            return Err(format!("Capturing groups are not allowed at {j}"));
                        }
                    }
                    pattern.push(p);
                    j += 1;
                }
                if count != 0 {
                    return Err(format!("Unbalanced pattern at {i}"));
                }
                if pattern.is_empty() {
                    return Err(format!("Missing pattern at {i}"));
                }
                tokens.push(tok(TokenKind::Pattern, i, Some(pattern)));
                i = j;
            }
            _ => {
                tokens.push(tok(TokenKind::Char, i, Some(vec![c])));
                i += 1;
            }
        }
    }
    // `i` can be one past the end after a trailing backslash, as in JS.
    tokens.push(tok(TokenKind::End, i, Some(Vec::new())));
    Ok(tokens)
}

/// Token cursor with path-to-regexp's `tryConsume` / `mustConsume`.
struct Cursor<'a> {
    tokens: &'a [Token],
    at: usize,
}

impl Cursor<'_> {
    /// `tryConsume(kind)` as JS uses it: the token is consumed when the kind matches, and the
    /// value is returned only when it is truthy (defined and non-empty).
    fn take(&mut self, kind: TokenKind) -> Option<Vec<u16>> {
        let token = self.tokens.get(self.at).filter(|t| t.kind == kind)?;
        self.at += 1;
        token.value.clone().filter(|v| !v.is_empty())
    }

    /// `mustConsume(kind)`.
    fn must(&mut self, kind: TokenKind) -> Result<(), String> {
        match self.tokens.get(self.at) {
            Some(t) if t.kind == kind => {
                self.at += 1;
                Ok(())
            }
            Some(t) => Err(format!(
                "Unexpected {} at {}, expected {}",
                t.kind.as_str(),
                t.index,
                kind.as_str()
            )),
            None => Err(format!("Unexpected END at 0, expected {}", kind.as_str())),
        }
    }

    /// `consumeText()`.
    fn text(&mut self) -> Vec<u16> {
        let mut out = Vec::new();
        while let Some(v) = self
            .take(TokenKind::Char)
            .or_else(|| self.take(TokenKind::EscapedChar))
        {
            out.extend(v);
        }
        out
    }
}

/// path-to-regexp `parse` with prefixes `./` and delimiters `/#?`.
fn parse(tokens: &[Token]) -> Result<Vec<Part>, String> {
    let mut cur = Cursor { tokens, at: 0 };
    let mut result: Vec<Part> = Vec::new();
    let mut key_index = 0usize;
    let mut path: Vec<u16> = Vec::new();
    while cur.at < tokens.len() {
        let ch = cur.take(TokenKind::Char);
        let name = cur.take(TokenKind::Name);
        let pattern = cur.take(TokenKind::Pattern);
        if name.is_some() || pattern.is_some() {
            let mut prefix = ch.unwrap_or_default();
            // `prefixes.indexOf(prefix) === -1` (the empty string is always found).
            if prefix.len() == 1 && !prefix.iter().all(|c| PREFIXES.contains(c)) {
                path.append(&mut prefix);
            }
            if !path.is_empty() {
                result.push(Part::Text(std::mem::take(&mut path)));
            }
            let key_name = match name {
                Some(n) => KeyName::Named(String::from_utf16_lossy(&n)),
                None => {
                    key_index += 1;
                    KeyName::Index(key_index - 1)
                }
            };
            let pattern = match pattern {
                Some(p) => p,
                None => safe_pattern(&prefix, &result)?,
            };
            let modifier = cur
                .take(TokenKind::Modifier)
                .and_then(|m| m.first().copied());
            result.push(Part::Key(Key {
                name: key_name,
                prefix,
                suffix: Vec::new(),
                pattern,
                modifier,
            }));
            continue;
        }
        if let Some(v) = ch.or_else(|| cur.take(TokenKind::EscapedChar)) {
            path.extend(v);
            continue;
        }
        if !path.is_empty() {
            result.push(Part::Text(std::mem::take(&mut path)));
        }
        if cur.take(TokenKind::Open).is_some() {
            let prefix = cur.text();
            let name = cur.take(TokenKind::Name);
            let pattern = cur.take(TokenKind::Pattern);
            let suffix = cur.text();
            cur.must(TokenKind::Close)?;
            let key_name = match (&name, &pattern) {
                (Some(n), _) => KeyName::Named(String::from_utf16_lossy(n)),
                (None, Some(_)) => {
                    key_index += 1;
                    KeyName::Index(key_index - 1)
                }
                (None, None) => KeyName::Named(String::new()),
            };
            let pattern = match (name.is_some(), pattern) {
                (true, None) => safe_pattern(&prefix, &result)?,
                (_, p) => p.unwrap_or_default(),
            };
            let modifier = cur
                .take(TokenKind::Modifier)
                .and_then(|m| m.first().copied());
            result.push(Part::Key(Key {
                name: key_name,
                prefix,
                suffix,
                pattern,
                modifier,
            }));
            continue;
        }
        cur.must(TokenKind::End)?;
    }
    Ok(result)
}

/// `safePattern(prefix)`: the default parameter pattern.
fn safe_pattern(prefix: &[u16], result: &[Part]) -> Result<Vec<u16>, String> {
    let prev = result.last();
    let text: &[u16] = if !prefix.is_empty() {
        prefix
    } else {
        match prev {
            Some(Part::Text(t)) => t,
            _ => &[],
        }
    };
    if let (Some(Part::Key(k)), true) = (prev, text.is_empty()) {
        return Err(format!(
            "Must have text between two parameters, missing text after \"{}\"",
            k.name
        ));
    }
    let class: Vec<u16> = "[^\\/#\\?]".encode_utf16().collect();
    if text.is_empty() || text.iter().any(|c| DELIMITERS.contains(c)) {
        let mut out = class;
        out.extend("+?".encode_utf16());
        return Ok(out);
    }
    let mut out: Vec<u16> = "(?:(?!".encode_utf16().collect();
    out.extend(escape(text));
    out.push(u16::from(b')'));
    out.extend(class);
    out.extend(")+?".encode_utf16());
    Ok(out)
}

/// `escapeString`: backslash before `.+*?=^!:${}()[]|/\`.
fn escape(s: &[u16]) -> Vec<u16> {
    let mut out = Vec::with_capacity(s.len());
    for &c in s {
        if ".+*?=^!:${}()[]|/\\".encode_utf16().any(|x| x == c) {
            out.push(u16::from(b'\\'));
        }
        out.push(c);
    }
    out
}

/// `tokensToRegexp` with default options; returns the source and the keys that capture.
fn build_source(parts: &[Part]) -> Result<(Vec<u16>, Vec<KeyInfo>), String> {
    let mut route: Vec<u16> = vec![u16::from(b'^')];
    let mut keys = Vec::new();
    let push = |route: &mut Vec<u16>, s: &str| route.extend(s.encode_utf16());
    for part in parts {
        match part {
            Part::Text(t) => route.extend(escape(t)),
            Part::Key(k) => {
                let prefix = escape(&k.prefix);
                let suffix = escape(&k.suffix);
                let repeated = matches!(k.modifier, Some(0x2A | 0x2B));
                let modifier: Vec<u16> = k.modifier.into_iter().collect();
                if k.pattern.is_empty() {
                    push(&mut route, "(?:");
                    route.extend(&prefix);
                    route.extend(&suffix);
                    push(&mut route, ")");
                    route.extend(&modifier);
                    continue;
                }
                let separator = [k.prefix.as_slice(), k.suffix.as_slice()].concat();
                keys.push(KeyInfo {
                    name: k.name.clone(),
                    repeat_separator: repeated.then(|| String::from_utf16_lossy(&separator)),
                });
                if prefix.is_empty() && suffix.is_empty() {
                    if repeated {
                        return Err(format!(
                            "Can not repeat \"{}\" without a prefix and suffix",
                            k.name
                        ));
                    }
                    push(&mut route, "(");
                    route.extend(&k.pattern);
                    push(&mut route, ")");
                    route.extend(&modifier);
                } else if repeated {
                    push(&mut route, "(?:");
                    route.extend(&prefix);
                    push(&mut route, "((?:");
                    route.extend(&k.pattern);
                    push(&mut route, ")(?:");
                    route.extend(&suffix);
                    route.extend(&prefix);
                    push(&mut route, "(?:");
                    route.extend(&k.pattern);
                    push(&mut route, "))*)");
                    route.extend(&suffix);
                    push(&mut route, ")");
                    if k.modifier == Some(0x2A) {
                        push(&mut route, "?");
                    }
                } else {
                    push(&mut route, "(?:");
                    route.extend(&prefix);
                    push(&mut route, "(");
                    route.extend(&k.pattern);
                    push(&mut route, ")");
                    route.extend(&suffix);
                    push(&mut route, ")");
                    route.extend(&modifier);
                }
            }
        }
    }
    // end: true, strict: false ⇒ optional trailing delimiter, then end of input.
    push(&mut route, "[\\/#\\?]?$");
    Ok((route, keys))
}

// ------------------------------------------------------------------------------------------
// ECMAScript regular expressions (non-Unicode mode, `i` flag): the supported subset

/// Regex AST.
#[derive(Debug, Clone)]
enum Node {
    Alt(Vec<Node>),
    Any,
    Char(u16),
    Class(ClassSet),
    Concat(Vec<Node>),
    End,
    Group(Box<Node>, Option<usize>),
    Look(Box<Node>, bool),
    Repeat {
        node: Box<Node>,
        min: u32,
        max: Option<u32>,
        greedy: bool,
    },
    Start,
    WordBoundary(bool),
}

/// A character class: items and whether it is negated.
#[derive(Debug, Clone)]
struct ClassSet {
    items: Vec<ClassItem>,
    negated: bool,
}

#[derive(Debug, Clone, Copy)]
enum ClassItem {
    Digit(bool),
    Range(u16, u16),
    Space(bool),
    Word(bool),
}

/// A parse failure: a JS `SyntaxError` reason (V8's text) or an unsupported construct.
#[derive(Debug)]
enum RegexError {
    Syntax(&'static str),
    Unsupported(String),
}

/// Parsed regex and its number of capture groups.
struct ParsedRegex {
    node: Node,
    groups: usize,
}

struct RegexParser<'a> {
    src: &'a [u16],
    at: usize,
    groups: usize,
    depth: usize,
}

fn unsupported(what: &str) -> RegexError {
    RegexError::Unsupported(what.to_owned())
}

impl<'a> RegexParser<'a> {
    fn parse(src: &'a [u16]) -> Result<ParsedRegex, RegexError> {
        let mut p = RegexParser {
            src,
            at: 0,
            groups: 0,
            depth: 0,
        };
        let node = p.disjunction()?;
        if p.peek().is_some() {
            // Only a stray `)` stops a top-level disjunction.
            return Err(RegexError::Syntax("Unmatched ')'"));
        }
        Ok(ParsedRegex {
            node,
            groups: p.groups,
        })
    }

    fn peek(&self) -> Option<u16> {
        self.src.get(self.at).copied()
    }

    fn peek_at(&self, n: usize) -> Option<u16> {
        self.src.get(self.at + n).copied()
    }

    fn eat(&mut self, c: u8) -> bool {
        if self.peek() == Some(u16::from(c)) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    fn disjunction(&mut self) -> Result<Node, RegexError> {
        let mut alts = vec![self.alternative()?];
        while self.eat(b'|') {
            alts.push(self.alternative()?);
        }
        Ok(if alts.len() == 1 {
            alts.pop().unwrap_or(Node::Concat(Vec::new()))
        } else {
            Node::Alt(alts)
        })
    }

    fn alternative(&mut self) -> Result<Node, RegexError> {
        let mut terms = Vec::new();
        while let Some(c) = self.peek() {
            if c == u16::from(b'|') || c == u16::from(b')') {
                break;
            }
            terms.push(self.term()?);
        }
        Ok(Node::Concat(terms))
    }

    fn term(&mut self) -> Result<Node, RegexError> {
        let c = self.peek().unwrap_or(0);
        // Assertions that cannot be quantified.
        let assertion = match c {
            0x5E => Some(Node::Start),
            0x24 => Some(Node::End),
            0x5C if self.peek_at(1) == Some(u16::from(b'b')) => Some(Node::WordBoundary(false)),
            0x5C if self.peek_at(1) == Some(u16::from(b'B')) => Some(Node::WordBoundary(true)),
            _ => None,
        };
        if let Some(node) = assertion {
            self.at += if c == 0x5C { 2 } else { 1 };
            if self.quantifier_ahead() {
                return Err(RegexError::Syntax("Nothing to repeat"));
            }
            return Ok(node);
        }
        let atom = self.atom()?;
        self.quantified(atom)
    }

    /// Is a quantifier next (`*`, `+`, `?` or a well-formed `{…}`)?
    fn quantifier_ahead(&self) -> bool {
        match self.peek() {
            Some(0x2A | 0x2B | 0x3F) => true,
            Some(0x7B) => self.brace_quantifier().is_some(),
            _ => false,
        }
    }

    /// A well-formed `{n}`, `{n,}` or `{n,m}` at the cursor: (min, max, length).
    fn brace_quantifier(&self) -> Option<(u64, Option<u64>, usize)> {
        let mut i = self.at + 1;
        let digits = |i: &mut usize| -> Option<u64> {
            let start = *i;
            let mut v: u64 = 0;
            while let Some(d) = self.src.get(*i).filter(|d| (0x30..=0x39).contains(*d)) {
                v = v.saturating_mul(10).saturating_add(u64::from(*d - 0x30));
                *i += 1;
            }
            (*i > start).then_some(v)
        };
        let min = digits(&mut i)?;
        let max = if self.src.get(i) == Some(&u16::from(b',')) {
            i += 1;
            digits(&mut i)
        } else {
            Some(min)
        };
        (self.src.get(i) == Some(&u16::from(b'}'))).then_some((min, max, i + 1 - self.at))
    }

    fn quantified(&mut self, atom: Node) -> Result<Node, RegexError> {
        let (min, max) = match self.peek() {
            Some(0x2A) => {
                self.at += 1;
                (0, None)
            }
            Some(0x2B) => {
                self.at += 1;
                (1, None)
            }
            Some(0x3F) => {
                self.at += 1;
                (0, Some(1))
            }
            Some(0x7B) => match self.brace_quantifier() {
                Some((min, max, len)) => {
                    if max.is_some_and(|m| m < min) {
                        return Err(RegexError::Syntax("numbers out of order in {} quantifier"));
                    }
                    let limit = u64::from(MAX_REPEAT);
                    if min > limit || max.is_some_and(|m| m > limit) {
                        return Err(unsupported("a {} quantifier bound above 100"));
                    }
                    self.at += len;
                    let min = u32::try_from(min).unwrap_or(MAX_REPEAT);
                    (min, max.map(|m| u32::try_from(m).unwrap_or(MAX_REPEAT)))
                }
                None => return Ok(atom),
            },
            _ => return Ok(atom),
        };
        let greedy = !self.eat(b'?');
        if self.quantifier_ahead() {
            return Err(RegexError::Syntax("Nothing to repeat"));
        }
        Ok(Node::Repeat {
            node: Box::new(atom),
            min,
            max,
            greedy,
        })
    }

    fn atom(&mut self) -> Result<Node, RegexError> {
        let Some(c) = self.peek() else {
            return Err(RegexError::Syntax("Nothing to repeat"));
        };
        match c {
            0x28 => self.group(),
            0x2E => {
                self.at += 1;
                Ok(Node::Any)
            }
            0x5B => self.class(),
            0x5C => self.atom_escape(),
            0x2A | 0x2B | 0x3F => Err(RegexError::Syntax("Nothing to repeat")),
            0x7B if self.brace_quantifier().is_some() => {
                Err(RegexError::Syntax("Nothing to repeat"))
            }
            _ => {
                self.at += 1;
                Ok(Node::Char(c))
            }
        }
    }

    fn group(&mut self) -> Result<Node, RegexError> {
        self.at += 1; // (
        self.depth += 1;
        if self.depth > MAX_NESTING {
            return Err(unsupported("groups nested more than 32 deep"));
        }
        let kind = if self.eat(b'?') {
            match self.peek() {
                Some(0x3A) => {
                    self.at += 1;
                    GroupKind::NonCapturing
                }
                Some(0x3D) => {
                    self.at += 1;
                    GroupKind::Look(false)
                }
                Some(0x21) => {
                    self.at += 1;
                    GroupKind::Look(true)
                }
                Some(0x3C) => {
                    return Err(unsupported(
                        "lookbehind assertions and named capture groups",
                    ))
                }
                _ => return Err(RegexError::Syntax("Invalid group")),
            }
        } else {
            self.groups += 1;
            GroupKind::Capture(self.groups - 1)
        };
        let inner = self.disjunction()?;
        if !self.eat(b')') {
            return Err(RegexError::Syntax("Unterminated group"));
        }
        self.depth -= 1;
        Ok(match kind {
            GroupKind::Capture(i) => Node::Group(Box::new(inner), Some(i)),
            GroupKind::NonCapturing => Node::Group(Box::new(inner), None),
            GroupKind::Look(negated) => Node::Look(Box::new(inner), negated),
        })
    }

    fn atom_escape(&mut self) -> Result<Node, RegexError> {
        match self.escape(false)? {
            Escape::Char(c) => Ok(Node::Char(c)),
            Escape::Class(item) => Ok(Node::Class(ClassSet {
                items: vec![item],
                negated: false,
            })),
        }
    }

    /// After a backslash (cursor on it). `\b`/`\B` outside classes are handled by `term`.
    fn escape(&mut self, in_class: bool) -> Result<Escape, RegexError> {
        self.at += 1; // backslash
        let Some(c) = self.peek() else {
            return Err(RegexError::Syntax("\\ at end of pattern"));
        };
        self.at += 1;
        let ch = |c: u8| Ok(Escape::Char(u16::from(c)));
        match u8::try_from(c).unwrap_or(0) {
            b'd' => Ok(Escape::Class(ClassItem::Digit(false))),
            b'D' => Ok(Escape::Class(ClassItem::Digit(true))),
            b'w' => Ok(Escape::Class(ClassItem::Word(false))),
            b'W' => Ok(Escape::Class(ClassItem::Word(true))),
            b's' => Ok(Escape::Class(ClassItem::Space(false))),
            b'S' => Ok(Escape::Class(ClassItem::Space(true))),
            b'b' if in_class => ch(8),
            b'f' => ch(0x0C),
            b'n' => ch(b'\n'),
            b'r' => ch(b'\r'),
            b't' => ch(b'\t'),
            b'v' => ch(0x0B),
            b'0' if !self.peek().is_some_and(|d| (0x30..=0x39).contains(&d)) => ch(0),
            b'0'..=b'9' => Err(unsupported("backreferences and octal escapes")),
            b'c' => {
                let letter = self.peek().filter(|l| {
                    (0x41..=0x5A).contains(l)
                        || (0x61..=0x7A).contains(l)
                        || (in_class && ((0x30..=0x39).contains(l) || *l == 0x5F))
                });
                match letter {
                    Some(l) => {
                        self.at += 1;
                        Ok(Escape::Char(l % 32))
                    }
                    // Annex B: `\c` not followed by a control letter is a literal backslash.
                    None => {
                        self.at -= 1;
                        ch(b'\\')
                    }
                }
            }
            b'x' => Ok(Escape::Char(self.hex(2).unwrap_or(u16::from(b'x')))),
            b'u' => Ok(Escape::Char(self.hex(4).unwrap_or(u16::from(b'u')))),
            // Identity escape (Annex B): the character itself.
            _ => Ok(Escape::Char(c)),
        }
    }

    /// `n` hex digits at the cursor, consumed only when all are there.
    fn hex(&mut self, n: usize) -> Option<u16> {
        let mut v: u16 = 0;
        for k in 0..n {
            let d = self.peek_at(k)?;
            let digit = char::from_u32(u32::from(d))?.to_digit(16)?;
            v = v * 16 + u16::try_from(digit).ok()?;
        }
        self.at += n;
        Some(v)
    }

    fn class(&mut self) -> Result<Node, RegexError> {
        self.at += 1; // [
        let negated = self.eat(b'^');
        let mut items = Vec::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(RegexError::Syntax("Unterminated character class"));
            };
            if c == u16::from(b']') {
                self.at += 1;
                break;
            }
            let first = self.class_atom()?;
            let is_range = self.peek() == Some(u16::from(b'-'))
                && self.peek_at(1).is_some_and(|n| n != u16::from(b']'));
            if !is_range {
                items.push(first.item());
                continue;
            }
            self.at += 1; // -
            if self.peek().is_none() {
                return Err(RegexError::Syntax("Unterminated character class"));
            }
            let second = self.class_atom()?;
            match (first, second) {
                (Escape::Char(a), Escape::Char(b)) => {
                    if a > b {
                        return Err(RegexError::Syntax("Range out of order in character class"));
                    }
                    items.push(ClassItem::Range(a, b));
                }
                // Annex B: a class escape at either end makes `-` a literal.
                (a, b) => {
                    items.push(a.item());
                    items.push(ClassItem::Range(0x2D, 0x2D));
                    items.push(b.item());
                }
            }
        }
        Ok(Node::Class(ClassSet { items, negated }))
    }

    fn class_atom(&mut self) -> Result<Escape, RegexError> {
        match self.peek() {
            Some(0x5C) => self.escape(true),
            Some(c) => {
                self.at += 1;
                Ok(Escape::Char(c))
            }
            None => Err(RegexError::Syntax("Unterminated character class")),
        }
    }
}

enum GroupKind {
    Capture(usize),
    Look(bool),
    NonCapturing,
}

/// A parsed escape: one code unit or a class escape.
#[derive(Debug, Clone, Copy)]
enum Escape {
    Char(u16),
    Class(ClassItem),
}

impl Escape {
    fn item(self) -> ClassItem {
        match self {
            Self::Char(c) => ClassItem::Range(c, c),
            Self::Class(item) => item,
        }
    }
}

// ------------------------------------------------------------------------------------------
// Character semantics (ECMAScript, non-Unicode, ignoreCase)

/// `Canonicalize(ch)` for non-Unicode ignore-case matching: simple upper-casing of one UTF-16
/// code unit, except that non-ASCII never maps to ASCII and multi-unit results are ignored.
fn canonicalize(c: u16) -> u16 {
    if c < 0x80 {
        return u16::from(u8::try_from(c).unwrap_or(0).to_ascii_uppercase());
    }
    match casefold::upper(c) {
        upper if upper >= 0x80 => upper,
        _ => c,
    }
}

/// Code units that canonicalize like `c` (an approximation beyond ASCII, where only simple
/// one-to-one case pairs are found).
fn case_variants(c: u16) -> [u16; 3] {
    let canon = canonicalize(c);
    let lower = match u8::try_from(canon) {
        Ok(ascii) if ascii < 0x80 => u16::from(ascii.to_ascii_lowercase()),
        _ => casefold::lower(canon),
    };
    let lower = if canonicalize(lower) == canon {
        lower
    } else {
        c
    };
    [c, canon, lower]
}

fn is_word(c: u16) -> bool {
    matches!(c, 0x30..=0x39 | 0x41..=0x5A | 0x61..=0x7A | 0x5F)
}

fn is_space(c: u16) -> bool {
    matches!(
        c,
        0x09..=0x0D | 0x20 | 0xA0 | 0x1680 | 0x2000..=0x200A | 0x2028 | 0x2029 | 0x202F | 0x205F
            | 0x3000 | 0xFEFF
    )
}

fn is_line_terminator(c: u16) -> bool {
    matches!(c, 0x0A | 0x0D | 0x2028 | 0x2029)
}

impl ClassItem {
    fn contains(self, c: u16) -> bool {
        match self {
            Self::Digit(neg) => (0x30..=0x39).contains(&c) != neg,
            Self::Range(a, b) => (a..=b).contains(&c),
            Self::Space(neg) => is_space(c) != neg,
            Self::Word(neg) => is_word(c) != neg,
        }
    }
}

impl ClassSet {
    /// `CharacterSetMatcher` with ignoreCase: some member canonicalizes like `c`.
    fn matches(&self, c: u16) -> bool {
        let found = case_variants(c)
            .iter()
            .any(|&v| self.items.iter().any(|item| item.contains(v)));
        found != self.negated
    }
}

// ------------------------------------------------------------------------------------------
// Compilation to a backtracking program

#[derive(Debug, Clone)]
enum Inst {
    Any,
    /// Canonicalized code unit.
    Char(u16),
    Class(usize),
    End,
    Jmp(usize),
    Look {
        program: usize,
        negated: bool,
    },
    Match,
    Save(usize),
    /// Try the first target, then the second.
    Split(usize, usize),
    Start,
    WordBoundary(bool),
}

/// A compiled regex: the main instruction list plus one per lookahead.
#[derive(Debug, Clone)]
struct Program {
    code: Vec<Inst>,
    looks: Vec<Vec<Inst>>,
    classes: Vec<ClassSet>,
    slots: usize,
}

struct Compiler {
    looks: Vec<Vec<Inst>>,
    classes: Vec<ClassSet>,
    size: usize,
}

impl Program {
    fn compile(node: &Node, groups: usize) -> Result<Program, String> {
        let mut c = Compiler {
            looks: Vec::new(),
            classes: Vec::new(),
            size: 0,
        };
        let mut code = Vec::new();
        c.emit(node, &mut code)?;
        code.push(Inst::Match);
        Ok(Program {
            code,
            looks: c.looks,
            classes: c.classes,
            slots: groups * 2,
        })
    }

    /// Runs the program anchored at position 0; the capture slots on success.
    fn run(
        &self,
        input: &[u16],
        budget: &mut u64,
    ) -> Result<Option<Vec<Option<usize>>>, Exhausted> {
        let mut machine = Machine {
            program: self,
            input,
            budget,
            looks: Vec::new(),
        };
        let mut slots = vec![None; self.slots];
        let mut visited = Visited::new(self.code.len(), input.len());
        let found = machine.exec(&self.code, 0, &mut slots, &mut visited, None)?;
        Ok(found.then_some(slots))
    }
}

impl Compiler {
    fn push(&mut self, code: &mut Vec<Inst>, inst: Inst) -> Result<usize, String> {
        self.size += 1;
        if self.size > MAX_PROGRAM_LEN {
            return Err(format!(
                "the compiled pattern exceeds {MAX_PROGRAM_LEN} instructions"
            ));
        }
        code.push(inst);
        Ok(code.len() - 1)
    }

    fn emit(&mut self, node: &Node, code: &mut Vec<Inst>) -> Result<(), String> {
        match node {
            Node::Any => {
                self.push(code, Inst::Any)?;
            }
            Node::Char(c) => {
                self.push(code, Inst::Char(canonicalize(*c)))?;
            }
            Node::Class(set) => {
                self.classes.push(set.clone());
                let idx = self.classes.len() - 1;
                self.push(code, Inst::Class(idx))?;
            }
            Node::Start => {
                self.push(code, Inst::Start)?;
            }
            Node::End => {
                self.push(code, Inst::End)?;
            }
            Node::WordBoundary(neg) => {
                self.push(code, Inst::WordBoundary(*neg))?;
            }
            Node::Concat(items) => {
                for item in items {
                    self.emit(item, code)?;
                }
            }
            Node::Alt(alts) => {
                // split L1, next; L1: a; jmp end; next: split L2, … ; last alternative.
                let mut jumps = Vec::new();
                let count = alts.len();
                for (i, alt) in alts.iter().enumerate() {
                    if i + 1 < count {
                        let split = self.push(code, Inst::Split(0, 0))?;
                        self.emit(alt, code)?;
                        jumps.push(self.push(code, Inst::Jmp(0))?);
                        let next = code.len();
                        set_split(code, split, split + 1, next);
                    } else {
                        self.emit(alt, code)?;
                    }
                }
                let end = code.len();
                for j in jumps {
                    if let Some(inst) = code.get_mut(j) {
                        *inst = Inst::Jmp(end);
                    }
                }
            }
            Node::Group(inner, capture) => match capture {
                Some(i) => {
                    self.push(code, Inst::Save(2 * i))?;
                    self.emit(inner, code)?;
                    self.push(code, Inst::Save(2 * i + 1))?;
                }
                None => self.emit(inner, code)?,
            },
            Node::Look(inner, negated) => {
                let mut sub = Vec::new();
                self.emit(inner, &mut sub)?;
                sub.push(Inst::Match);
                self.looks.push(sub);
                let program = self.looks.len() - 1;
                self.push(
                    code,
                    Inst::Look {
                        program,
                        negated: *negated,
                    },
                )?;
            }
            Node::Repeat {
                node,
                min,
                max,
                greedy,
            } => {
                // Parity: ECMAScript rejects an optional iteration that matches the empty
                // string, which memoised backtracking does not model; refuse the patterns
                // where that could change the outcome.
                let harmless = empty_only(node) && !captures(node);
                if *max != Some(*min) && nullable(node) && !harmless {
                    return Err(
                        "an optional or repeated part that can match the empty string".to_owned(),
                    );
                }
                for _ in 0..*min {
                    self.emit(node, code)?;
                }
                match max {
                    None => {
                        let split = self.push(code, Inst::Split(0, 0))?;
                        self.emit(node, code)?;
                        self.push(code, Inst::Jmp(split))?;
                        let exit = code.len();
                        let (a, b) = order(*greedy, split + 1, exit);
                        set_split(code, split, a, b);
                    }
                    Some(max) => {
                        let mut splits = Vec::new();
                        for _ in *min..*max {
                            splits.push(self.push(code, Inst::Split(0, 0))?);
                            self.emit(node, code)?;
                        }
                        let exit = code.len();
                        for s in splits {
                            let (a, b) = order(*greedy, s + 1, exit);
                            set_split(code, s, a, b);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

fn order(greedy: bool, body: usize, exit: usize) -> (usize, usize) {
    if greedy {
        (body, exit)
    } else {
        (exit, body)
    }
}

fn set_split(code: &mut [Inst], at: usize, a: usize, b: usize) {
    if let Some(inst) = code.get_mut(at) {
        *inst = Inst::Split(a, b);
    }
}

/// Can the node match the empty string?
fn nullable(node: &Node) -> bool {
    match node {
        Node::Any | Node::Char(_) | Node::Class(_) => false,
        Node::Start | Node::End | Node::WordBoundary(_) | Node::Look(..) => true,
        Node::Group(inner, _) => nullable(inner),
        Node::Concat(items) => items.iter().all(nullable),
        Node::Alt(alts) => alts.iter().any(nullable),
        Node::Repeat { node, min, .. } => *min == 0 || nullable(node),
    }
}

/// Can the node match only the empty string?
fn empty_only(node: &Node) -> bool {
    match node {
        Node::Any | Node::Char(_) | Node::Class(_) => false,
        Node::Start | Node::End | Node::WordBoundary(_) | Node::Look(..) => true,
        Node::Group(inner, _) => empty_only(inner),
        Node::Concat(items) => items.iter().all(empty_only),
        Node::Alt(alts) => alts.iter().all(empty_only),
        Node::Repeat { node, max, .. } => *max == Some(0) || empty_only(node),
    }
}

/// Does the node contain a capture group?
fn captures(node: &Node) -> bool {
    match node {
        Node::Group(_, Some(_)) => true,
        Node::Group(inner, None) | Node::Look(inner, _) => captures(inner),
        Node::Concat(items) | Node::Alt(items) => items.iter().any(captures),
        Node::Repeat { node, .. } => captures(node),
        _ => false,
    }
}

// ------------------------------------------------------------------------------------------
// Execution: memoised backtracking ("bit state")

/// One bit per (instruction, position).
struct Visited {
    bits: Vec<u64>,
    width: usize,
}

impl Visited {
    fn new(code_len: usize, input_len: usize) -> Visited {
        let width = input_len + 1;
        let total = code_len.saturating_mul(width);
        Visited {
            bits: vec![0; total.div_ceil(64)],
            width,
        }
    }

    /// Marks the state and returns its index; `None` when it was already marked.
    fn mark(&mut self, pc: usize, pos: usize) -> Option<usize> {
        let i = pc * self.width + pos;
        let word = self.bits.get_mut(i / 64)?;
        let bit = 1u64 << (i % 64);
        if *word & bit != 0 {
            return None;
        }
        *word |= bit;
        Some(i)
    }

    /// Clears the given state indices.
    fn unmark(&mut self, states: &[usize]) {
        for &i in states {
            if let Some(word) = self.bits.get_mut(i / 64) {
                *word &= !(1u64 << (i % 64));
            }
        }
    }
}

enum Job {
    Restore(usize, Option<usize>),
    Try(usize, usize),
}

struct Machine<'a> {
    program: &'a Program,
    input: &'a [u16],
    budget: &'a mut u64,
    /// Per lookahead (by index), once it has run.
    looks: Vec<Option<LookState>>,
}

/// A lookahead's visited table and its answers so far: two bits per position (known, and
/// the answer), as compact as the visited table itself.
struct LookState {
    visited: Visited,
    known: Vec<u64>,
    matched: Vec<u64>,
}

impl LookState {
    fn new(code_len: usize, input_len: usize) -> LookState {
        let words = (input_len + 1).div_ceil(64);
        LookState {
            visited: Visited::new(code_len, input_len),
            known: vec![0; words],
            matched: vec![0; words],
        }
    }

    fn answer(&self, pos: usize) -> Option<bool> {
        let bit = 1u64 << (pos % 64);
        let known = self.known.get(pos / 64)?;
        let matched = self.matched.get(pos / 64)?;
        (known & bit != 0).then_some(matched & bit != 0)
    }

    fn record(&mut self, pos: usize, found: bool) {
        let bit = 1u64 << (pos % 64);
        if let (Some(known), Some(matched)) =
            (self.known.get_mut(pos / 64), self.matched.get_mut(pos / 64))
        {
            *known |= bit;
            if found {
                *matched |= bit;
            }
        }
    }
}

impl Machine<'_> {
    /// Runs `code` from `start`; true on reaching `Match` (slots then hold the captures).
    fn exec(
        &mut self,
        code: &[Inst],
        start: usize,
        slots: &mut [Option<usize>],
        visited: &mut Visited,
        mut touched: Option<&mut Vec<usize>>,
    ) -> Result<bool, Exhausted> {
        let mut stack = vec![Job::Try(0, start)];
        while let Some(job) = stack.pop() {
            let (mut pc, mut pos) = match job {
                Job::Restore(slot, old) => {
                    if let Some(s) = slots.get_mut(slot) {
                        *s = old;
                    }
                    continue;
                }
                Job::Try(pc, pos) => (pc, pos),
            };
            while let Some(state) = visited.mark(pc, pos) {
                if let Some(t) = touched.as_deref_mut() {
                    t.push(state);
                }
                *self.budget = self.budget.checked_sub(1).ok_or(Exhausted)?;
                let Some(inst) = code.get(pc) else { break };
                let here = self.input.get(pos).copied();
                match inst {
                    Inst::Any => match here {
                        Some(c) if !is_line_terminator(c) => {
                            pc += 1;
                            pos += 1;
                        }
                        _ => break,
                    },
                    Inst::Char(want) => match here {
                        Some(c) if canonicalize(c) == *want => {
                            pc += 1;
                            pos += 1;
                        }
                        _ => break,
                    },
                    Inst::Class(i) => {
                        let ok = here.is_some_and(|c| {
                            self.program
                                .classes
                                .get(*i)
                                .is_some_and(|set| set.matches(c))
                        });
                        if !ok {
                            break;
                        }
                        pc += 1;
                        pos += 1;
                    }
                    Inst::Start => {
                        if pos != 0 {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::End => {
                        if pos != self.input.len() {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::WordBoundary(negated) => {
                        let before =
                            pos > 0 && self.input.get(pos - 1).copied().is_some_and(is_word);
                        let after = here.is_some_and(is_word);
                        if (before != after) == *negated {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::Look { program, negated } => {
                        if self.look(*program, pos)? == *negated {
                            break;
                        }
                        pc += 1;
                    }
                    Inst::Save(slot) => {
                        let Some(s) = slots.get_mut(*slot) else { break };
                        stack.push(Job::Restore(*slot, *s));
                        *s = Some(pos);
                        pc += 1;
                    }
                    Inst::Split(a, b) => {
                        stack.push(Job::Try(*b, pos));
                        pc = *a;
                    }
                    Inst::Jmp(a) => pc = *a,
                    Inst::Match => return Ok(true),
                }
            }
        }
        Ok(false)
    }

    /// Does lookahead `idx` match at `pos`? Memoised per position.
    ///
    /// Each lookahead keeps one visited table across positions: a state explored by a run
    /// that failed can never reach `Match` (no captures or backreferences are involved), so
    /// it stays marked; the states of a successful run are unmarked again.
    fn look(&mut self, idx: usize, pos: usize) -> Result<bool, Exhausted> {
        let program = self.program;
        let Some(code) = program.looks.get(idx) else {
            return Ok(false);
        };
        if self.looks.len() < program.looks.len() {
            self.looks.resize_with(program.looks.len(), || None);
        }
        // Taken out while it runs (a lookahead never contains itself).
        let mut state = match self.looks.get_mut(idx).and_then(Option::take) {
            Some(state) => state,
            None => LookState::new(code.len(), self.input.len()),
        };
        if let Some(known) = state.answer(pos) {
            if let Some(slot) = self.looks.get_mut(idx) {
                *slot = Some(state);
            }
            return Ok(known);
        }
        let mut touched = Vec::new();
        let mut no_slots: [Option<usize>; 0] = [];
        let found = self.exec(
            code,
            pos,
            &mut no_slots,
            &mut state.visited,
            Some(&mut touched),
        );
        if let Ok(true) = found {
            state.visited.unmark(&touched);
        }
        if let Ok(found) = found {
            state.record(pos, found);
        }
        if let Some(slot) = self.looks.get_mut(idx) {
            *slot = Some(state);
        }
        found
    }
}

mod casefold;

#[cfg(test)]
mod tests;
