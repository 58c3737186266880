//! Route rules for the HTTP handler: which paths are public and which need a session.
//!
//! Patterns are globs over the URL path: `*` matches within one segment, `**` across
//! segments; `:name` is one segment and a trailing `(.*)` anything (Clerk's path-pattern
//! spellings). A public match wins; then, when protected patterns are configured, only paths
//! that match one are protected; without them everything else is protected. The sign-in and
//! sign-up paths are always public so a signed-out visitor can reach them.

use std::fmt;

/// Most patterns per list.
pub const MAX_ROUTE_PATTERNS: usize = 64;
/// Longest pattern.
pub const MAX_PATTERN_LEN: usize = 512;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok {
    Lit(u8),
    /// Any run of bytes without `/`.
    Star,
    /// Any run of bytes.
    DoubleStar,
}

/// One compiled pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePattern {
    text: String,
    toks: Vec<Tok>,
}

impl RoutePattern {
    /// Compiles a pattern; it must start with `/`.
    pub fn parse(text: &str) -> Result<RoutePattern, RouteError> {
        let bad = |detail: &str| RouteError {
            pattern: text.to_owned(),
            detail: detail.to_owned(),
        };
        if !text.starts_with('/') {
            return Err(bad("a route pattern starts with /"));
        }
        if text.len() > MAX_PATTERN_LEN {
            return Err(bad("pattern is too long"));
        }
        let normalized = text.replace("(.*)", "**");
        let bytes = normalized.as_bytes();
        let mut toks = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while let Some(&b) = bytes.get(i) {
            match b {
                b'*' if bytes.get(i + 1) == Some(&b'*') => {
                    toks.push(Tok::DoubleStar);
                    i += 2;
                }
                b'*' => {
                    toks.push(Tok::Star);
                    i += 1;
                }
                b':' if bytes.get(i.wrapping_sub(1)) == Some(&b'/') => {
                    // `:name` — one segment.
                    toks.push(Tok::Star);
                    i += 1;
                    while bytes
                        .get(i)
                        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'_')
                    {
                        i += 1;
                    }
                }
                b'(' | b')' | b'[' | b']' | b'{' | b'}' | b'?' | b'+' => {
                    return Err(bad("unsupported pattern syntax (use *, ** or :name)"))
                }
                other => {
                    toks.push(Tok::Lit(other));
                    i += 1;
                }
            }
        }
        Ok(RoutePattern {
            text: text.to_owned(),
            toks,
        })
    }

    /// The pattern as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `path` matches the whole pattern. A trailing `/` is optional on either side:
    /// `/about` matches `/about/`, and `/api/**` matches `/api`.
    pub fn matches(&self, path: &str) -> bool {
        let stripped = if path.len() > 1 {
            path.strip_suffix('/').unwrap_or(path)
        } else {
            path
        };
        self.matches_exact(stripped) || self.matches_exact(&format!("{stripped}/"))
    }

    fn matches_exact(&self, path: &str) -> bool {
        let p = path.as_bytes();
        // Row DP over pattern tokens: prev[j] = tokens[..t] match p[..j].
        let mut prev = vec![false; p.len() + 1];
        if let Some(first) = prev.first_mut() {
            *first = true;
        }
        for tok in &self.toks {
            let mut cur = vec![false; p.len() + 1];
            for j in 0..=p.len() {
                let was = |k: usize| prev.get(k).copied().unwrap_or(false);
                let now = |k: usize, cur: &Vec<bool>| cur.get(k).copied().unwrap_or(false);
                let value = match tok {
                    Tok::Lit(c) => j > 0 && was(j - 1) && p.get(j - 1) == Some(c),
                    Tok::Star => {
                        was(j) || (j > 0 && now(j - 1, &cur) && p.get(j - 1) != Some(&b'/'))
                    }
                    Tok::DoubleStar => was(j) || (j > 0 && now(j - 1, &cur)),
                };
                if let Some(slot) = cur.get_mut(j) {
                    *slot = value;
                }
            }
            prev = cur;
        }
        prev.last().copied().unwrap_or(false)
    }
}

/// An unusable route pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteError {
    /// The pattern.
    pub pattern: String,
    /// What is wrong.
    pub detail: String,
}

impl fmt::Display for RouteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "route pattern \"{}\": {}", self.pattern, self.detail)
    }
}

impl std::error::Error for RouteError {}

/// Which rule decided a path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RouteRule {
    /// Public because it matched this pattern (or is the sign-in/up path).
    Public(String),
    /// Protected because it matched this pattern.
    Protected(String),
    /// Protected by default (no protected list configured).
    ProtectedByDefault,
    /// Public because a protected list is configured and the path matched none of it.
    PublicByDefault,
}

impl RouteRule {
    /// Whether a session is required.
    pub fn is_protected(&self) -> bool {
        matches!(self, Self::Protected(_) | Self::ProtectedByDefault)
    }

    /// Short text for logs: `public:/pattern`, `protected:/pattern`, `protected:default`, ...
    pub fn describe(&self) -> String {
        match self {
            Self::Public(p) => format!("public:{p}"),
            Self::Protected(p) => format!("protected:{p}"),
            Self::ProtectedByDefault => "protected:default".to_owned(),
            Self::PublicByDefault => "public:default".to_owned(),
        }
    }
}

/// Public and protected route lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RouteRules {
    public: Vec<RoutePattern>,
    protected: Vec<RoutePattern>,
    always_public: Vec<String>,
}

impl RouteRules {
    /// Compiles comma-separated lists (`CLERK_PUBLIC_ROUTES`, `CLERK_PROTECTED_ROUTES`); the
    /// paths of `sign_in_url`/`sign_up_url` (absolute or relative) are always public.
    pub fn new(
        public: &str,
        protected: &str,
        sign_in_url: &str,
        sign_up_url: &str,
    ) -> Result<RouteRules, RouteError> {
        let compile = |list: &str| -> Result<Vec<RoutePattern>, RouteError> {
            let items: Vec<&str> = list
                .split(',')
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect();
            if items.len() > MAX_ROUTE_PATTERNS {
                return Err(RouteError {
                    pattern: list.chars().take(40).collect(),
                    detail: format!("more than {MAX_ROUTE_PATTERNS} patterns"),
                });
            }
            items.into_iter().map(RoutePattern::parse).collect()
        };
        let path_of = |u: &str| -> Option<String> {
            if u.is_empty() {
                return None;
            }
            if u.starts_with('/') {
                return Some(u.split(['?', '#']).next().unwrap_or(u).to_owned());
            }
            crate::weburl::Url::parse(u)
                .ok()
                .map(|p| p.path().to_owned())
        };
        let mut always_public = Vec::new();
        for u in [sign_in_url, sign_up_url] {
            if let Some(p) = path_of(u) {
                always_public.push(p);
            }
        }
        Ok(RouteRules {
            public: compile(public)?,
            protected: compile(protected)?,
            always_public,
        })
    }

    /// The rule that applies to `path`.
    pub fn decide(&self, path: &str) -> RouteRule {
        for p in &self.always_public {
            let trimmed = p.trim_end_matches('/');
            if path == p || path.starts_with(&format!("{trimmed}/")) || path == trimmed {
                return RouteRule::Public(p.clone());
            }
        }
        if let Some(p) = self.public.iter().find(|p| p.matches(path)) {
            return RouteRule::Public(p.as_str().to_owned());
        }
        if self.protected.is_empty() {
            return RouteRule::ProtectedByDefault;
        }
        match self.protected.iter().find(|p| p.matches(path)) {
            Some(p) => RouteRule::Protected(p.as_str().to_owned()),
            None => RouteRule::PublicByDefault,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pattern: &str, path: &str) -> bool {
        RoutePattern::parse(pattern).unwrap().matches(path)
    }

    #[test]
    fn glob_semantics() {
        assert!(m("/", "/"));
        assert!(m("/about", "/about"));
        assert!(m("/about", "/about/"));
        assert!(!m("/about", "/about/team"));
        assert!(m("/blog/*", "/blog/post-1"));
        assert!(!m("/blog/*", "/blog/a/b"));
        assert!(m("/api/**", "/api/a/b/c"));
        assert!(m("/api/**", "/api/"));
        assert!(m("/api/**", "/api"));
        assert!(m("/orgs/:slug", "/orgs/acme"));
        assert!(!m("/orgs/:slug", "/orgs/acme/x"));
        assert!(m("/docs(.*)", "/docs/x/y"));
        assert!(m("/*.png", "/logo.png"));
        assert!(!m("/*.png", "/a/logo.png"));
    }

    #[test]
    fn bad_patterns() {
        assert_eq!(
            RoutePattern::parse("about").unwrap_err().detail,
            "a route pattern starts with /"
        );
        assert!(RoutePattern::parse("/a?b").is_err());
        assert!(RoutePattern::parse(&format!("/{}", "a".repeat(600))).is_err());
    }

    #[test]
    fn rules() {
        let r = RouteRules::new(
            "/, /public/**",
            "",
            "/sign-in",
            "https://accounts.example.com/sign-up",
        )
        .unwrap();
        assert_eq!(r.decide("/"), RouteRule::Public("/".into()));
        assert_eq!(
            r.decide("/public/a"),
            RouteRule::Public("/public/**".into())
        );
        assert_eq!(r.decide("/sign-in"), RouteRule::Public("/sign-in".into()));
        assert_eq!(
            r.decide("/sign-in/factor-one"),
            RouteRule::Public("/sign-in".into())
        );
        assert_eq!(r.decide("/sign-up"), RouteRule::Public("/sign-up".into()));
        assert_eq!(r.decide("/dashboard"), RouteRule::ProtectedByDefault);
        let r = RouteRules::new("", "/dashboard/**, /api/**", "", "").unwrap();
        assert_eq!(
            r.decide("/dashboard/x"),
            RouteRule::Protected("/dashboard/**".into())
        );
        assert_eq!(r.decide("/pricing"), RouteRule::PublicByDefault);
        assert!(!r.decide("/pricing").is_protected());
    }

    #[test]
    fn long_paths_are_cheap_and_safe() {
        let p = RoutePattern::parse("/**/*/**/x").unwrap();
        let path = "/a".repeat(4000);
        assert!(!p.matches(&path));
    }
}
