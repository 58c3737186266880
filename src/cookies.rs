//! Cookie header parsing (npm `cookie` 1.1 `parse`, as Clerk uses it) and cookie names.

/// `__session`
pub(crate) const SESSION: &str = "__session";
/// `__client_uat`
pub(crate) const CLIENT_UAT: &str = "__client_uat";
/// `__clerk_db_jwt`
pub(crate) const DEV_BROWSER: &str = "__clerk_db_jwt";
/// `__clerk_handshake`
pub(crate) const HANDSHAKE: &str = "__clerk_handshake";
/// `__clerk_handshake_nonce`
pub(crate) const HANDSHAKE_NONCE: &str = "__clerk_handshake_nonce";
/// `__clerk_redirect_count`
pub(crate) const REDIRECT_COUNT: &str = "__clerk_redirect_count";

/// Longest `Cookie` header read, in bytes; a longer one is a malformed request.
pub const MAX_COOKIE_HEADER_BYTES: usize = 64 * 1024;
/// Most cookies read from one header; later ones are ignored.
pub const MAX_COOKIES: usize = 256;

/// A parsed cookie jar: the first occurrence of a name wins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CookieJar {
    pairs: Vec<(String, String)>,
}

impl CookieJar {
    /// Parses a `Cookie` header like npm `cookie` 1.1: split on `;`, each segment at its first
    /// `=` (segments without one are skipped), name and value trimmed of spaces and tabs only,
    /// the value percent-decoded only if it contains `%` (raw when decoding fails).
    pub fn parse(header: &str) -> CookieJar {
        let mut jar = CookieJar::default();
        if header.len() < 2 {
            return jar;
        }
        for segment in header.split(';') {
            if jar.pairs.len() >= MAX_COOKIES {
                break;
            }
            let Some((name, value)) = segment.split_once('=') else {
                continue;
            };
            let name = trim_sp_tab(name);
            if jar.pairs.iter().any(|(n, _)| n == name) {
                continue;
            }
            let value = trim_sp_tab(value);
            let value = if value.contains('%') {
                percent_decode_utf8(value).unwrap_or_else(|| value.to_owned())
            } else {
                value.to_owned()
            };
            jar.pairs.push((name.to_owned(), value));
        }
        jar
    }

    /// The value of `name`, if present and non-empty (`cookies.get(name) || undefined`).
    pub fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// The value of `<name>_<suffix>`, if present and non-empty.
    pub fn get_suffixed(&self, name: &str, suffix: &str) -> Option<&str> {
        let full = format!("{name}_{suffix}");
        self.get(&full)
    }

    /// Number of cookies read.
    pub fn len(&self) -> usize {
        self.pairs.len()
    }

    /// Whether no cookie was read.
    pub fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }
}

fn trim_sp_tab(s: &str) -> &str {
    s.trim_matches(|c| c == ' ' || c == '\t')
}

/// `decodeURIComponent`: `%XX` escapes to bytes that must form UTF-8; `None` on any error.
pub(crate) fn percent_decode_utf8(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        if b == b'%' {
            let hi = bytes.get(i + 1).and_then(|c| char::from(*c).to_digit(16))?;
            let lo = bytes.get(i + 2).and_then(|c| char::from(*c).to_digit(16))?;
            out.push(u8::try_from(hi * 16 + lo).ok()?);
            i += 3;
        } else {
            out.push(b);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `getCookieName`: text before the first `=` of the first `;`-part.
pub(crate) fn directive_name(directive: &str) -> &str {
    let first = directive.split(';').next().unwrap_or("");
    first.split('=').next().unwrap_or("")
}

/// `getCookieValue`: text between the first and second `=` of the first `;`-part.
pub(crate) fn directive_value(directive: &str) -> Option<&str> {
    let first = directive.split(';').next().unwrap_or("");
    first.split('=').nth(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_npm_cookie() {
        let jar =
            CookieJar::parse("foo=bar; a = b ;x=hello%20world; foo=second; noeq; q=\"quoted\"");
        assert_eq!(jar.get("foo"), Some("bar"));
        assert_eq!(jar.get("a"), Some("b"));
        assert_eq!(jar.get("x"), Some("hello world"));
        assert_eq!(jar.get("q"), Some("\"quoted\""));
        assert_eq!(jar.get("noeq"), None);
    }

    #[test]
    fn encoded_separators_stay_inside_one_value() {
        let jar = CookieJar::parse("a=x%3B__session%3Devil; b=1%3D2");
        assert_eq!(jar.get("a"), Some("x;__session=evil"));
        assert_eq!(jar.get("__session"), None);
        assert_eq!(jar.get("b"), Some("1=2"));
    }

    #[test]
    fn malformed_escapes_stay_raw() {
        let jar = CookieJar::parse("a=%C0; b=100%D0; c=%zz");
        assert_eq!(jar.get("a"), Some("%C0"));
        assert_eq!(jar.get("b"), Some("100%D0"));
        assert_eq!(jar.get("c"), Some("%zz"));
    }

    #[test]
    fn empty_and_tiny_headers() {
        assert!(CookieJar::parse("").is_empty());
        assert!(CookieJar::parse("a").is_empty());
        assert_eq!(CookieJar::parse("a=").get("a"), None);
    }

    #[test]
    fn cookie_count_is_bounded() {
        let header: String = (0..1000).map(|i| format!("c{i}=v; ")).collect();
        assert_eq!(CookieJar::parse(&header).len(), MAX_COOKIES);
    }

    #[test]
    fn directives() {
        assert_eq!(directive_name("__session=abc; Path=/"), "__session");
        assert_eq!(directive_value("__session=abc; Path=/"), Some("abc"));
        assert_eq!(directive_value("__session=a=b"), Some("a"));
        assert_eq!(directive_value("novalue"), None);
        assert_eq!(directive_value("__session=; Max-Age=0"), Some(""));
    }
}
