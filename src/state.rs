//! The outcome of a request decision: [`RequestState`], [`Reason`] and response headers.

use serde_json::{Map, Value};

use crate::json::object;

use crate::auth::SessionAuth;
use crate::config::{Config, TokenKind};
use crate::machine::MachineAuth;
use crate::token::TokenReason;

/// `signed-in`, `signed-out` or `handshake`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthStatus {
    /// A valid session (or machine token).
    SignedIn,
    /// No valid session; `reason` says why.
    SignedOut,
    /// Redirect the browser (see the `location` header) to refresh its session.
    Handshake,
}

impl AuthStatus {
    /// Clerk's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SignedIn => "signed-in",
            Self::SignedOut => "signed-out",
            Self::Handshake => "handshake",
        }
    }
}

/// How an expired token would have been refreshed (D7: never; the two `non-eligible` values).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefreshError {
    /// `non-eligible-no-refresh-cookie`: a GET request.
    NonEligibleNoRefreshCookie,
    /// `non-eligible-non-get`: any other method.
    NonEligibleNonGet,
}

/// Every reason code clerk-edge emits (§2.8), in the spec's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Reason {
    /// `session-token-and-uat-missing`
    SessionTokenAndUatMissing,
    /// `session-token-but-no-client-uat`
    SessionTokenButNoClientUat,
    /// `client-uat-but-no-session-token`
    ClientUatButNoSessionToken,
    /// `session-token-iat-before-client-uat`
    SessionTokenIatBeforeClientUat,
    /// `dev-browser-missing`
    DevBrowserMissing,
    /// `dev-browser-sync`
    DevBrowserSync,
    /// `satellite-needs-syncing`
    SatelliteNeedsSyncing,
    /// `primary-responds-to-syncing`
    PrimaryRespondsToSyncing,
    /// `primary-domain-cross-origin-sync`
    PrimaryDomainCrossOriginSync,
    /// `active-organization-mismatch`
    ActiveOrganizationMismatch,
    /// `session-token-expired-refresh-<r>`
    SessionTokenExpired(RefreshError),
    /// `session-token-nbf`
    SessionTokenNbf,
    /// `session-token-iat-in-the-future`
    SessionTokenIatInTheFuture,
    /// `session-token-missing`
    SessionTokenMissing,
    /// `token-type-mismatch`
    TokenTypeMismatch,
    /// `unexpected-error`
    UnexpectedError,
    /// The literal `No token in header` (machine-only `acceptsToken` without a header).
    NoTokenInHeader,
    /// A verification reason passed through (`token-invalid`, ...).
    Token(TokenReason),
    /// A machine-token error code (`token-invalid`, `token-verification-failed`).
    Machine(&'static str),
}

impl Reason {
    /// The exact code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionTokenAndUatMissing => "session-token-and-uat-missing",
            Self::SessionTokenButNoClientUat => "session-token-but-no-client-uat",
            Self::ClientUatButNoSessionToken => "client-uat-but-no-session-token",
            Self::SessionTokenIatBeforeClientUat => "session-token-iat-before-client-uat",
            Self::DevBrowserMissing => "dev-browser-missing",
            Self::DevBrowserSync => "dev-browser-sync",
            Self::SatelliteNeedsSyncing => "satellite-needs-syncing",
            Self::PrimaryRespondsToSyncing => "primary-responds-to-syncing",
            Self::PrimaryDomainCrossOriginSync => "primary-domain-cross-origin-sync",
            Self::ActiveOrganizationMismatch => "active-organization-mismatch",
            Self::SessionTokenExpired(RefreshError::NonEligibleNoRefreshCookie) => {
                "session-token-expired-refresh-non-eligible-no-refresh-cookie"
            }
            Self::SessionTokenExpired(RefreshError::NonEligibleNonGet) => {
                "session-token-expired-refresh-non-eligible-non-get"
            }
            Self::SessionTokenNbf => "session-token-nbf",
            Self::SessionTokenIatInTheFuture => "session-token-iat-in-the-future",
            Self::SessionTokenMissing => "session-token-missing",
            Self::TokenTypeMismatch => "token-type-mismatch",
            Self::UnexpectedError => "unexpected-error",
            Self::NoTokenInHeader => "No token in header",
            Self::Token(t) => t.as_str(),
            Self::Machine(code) => code,
        }
    }
}

/// Response headers in the order they were set; names lower-case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Headers(Vec<(String, String)>);

impl Headers {
    /// Adds a header (several `set-cookie` may coexist). A value that is not a valid header
    /// value (CR, LF, NUL, or a code point above U+00FF) is refused: returns false.
    pub(crate) fn append(&mut self, name: &str, value: &str) -> bool {
        if !valid_header_value(value) {
            return false;
        }
        self.0
            .push((name.to_ascii_lowercase(), trim_http_ws(value).to_owned()));
        true
    }

    /// Replaces every header of this name. Invalid values are refused (returns false).
    pub(crate) fn set(&mut self, name: &str, value: &str) -> bool {
        if !valid_header_value(value) {
            return false;
        }
        let name = name.to_ascii_lowercase();
        self.0.retain(|(n, _)| *n != name);
        self.0.push((name, trim_http_ws(value).to_owned()));
        true
    }

    /// The first value of a header.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All values of a header, in order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every `(name, value)` pair in insertion order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v.as_str()))
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

fn trim_http_ws(v: &str) -> &str {
    v.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'))
}

/// Fetch's header-value rule: no NUL/CR/LF and every code point ≤ U+00FF (ByteString).
pub(crate) fn valid_header_value(v: &str) -> bool {
    let v = trim_http_ws(v);
    v.chars()
        .all(|c| (c as u32) <= 0xFF && !matches!(c, '\0' | '\r' | '\n'))
}

/// Where a state's auth object comes from.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum AuthSource {
    /// Verified session claims.
    Session(Map<String, Value>),
    /// A verified machine token.
    Machine(MachineAuth),
    /// Signed-out session object.
    SignedOutSession,
    /// Signed-out machine object for this kind.
    SignedOutMachine(TokenKind),
    /// `signedOutInvalidToken` (array `acceptsToken` mismatch).
    InvalidToken,
    /// Handshake: no auth object.
    None,
}

/// The decision for one request.
#[derive(Debug, Clone, PartialEq)]
pub struct RequestState {
    /// Signed-in, signed-out or handshake.
    pub status: AuthStatus,
    /// Why (None when signed in).
    pub reason: Option<Reason>,
    /// Clerk's message (None when signed in; often empty).
    pub message: Option<String>,
    /// Headers to send with the response (Clerk's `state.headers`).
    pub headers: Headers,
    /// The verified raw token when signed in.
    pub token: Option<String>,
    /// The token kind (None for an `acceptsToken` list mismatch).
    pub token_type: Option<TokenKind>,
    /// Echo of the configuration, as the SDK's state carries it.
    pub echo: Echo,
    pub(crate) auth: AuthSource,
}

/// Configuration values every state echoes (`""`/false when unset).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Echo {
    /// `publishableKey`
    pub publishable_key: String,
    /// `proxyUrl` (relative values resolved against the request origin)
    pub proxy_url: String,
    /// `domain`
    pub domain: String,
    /// `isSatellite`
    pub is_satellite: bool,
    /// `signInUrl`
    pub sign_in_url: String,
    /// `signUpUrl`
    pub sign_up_url: String,
    /// `afterSignInUrl`
    pub after_sign_in_url: String,
    /// `afterSignUpUrl`
    pub after_sign_up_url: String,
}

impl Echo {
    pub(crate) fn from_config(config: &Config, proxy_url: String) -> Echo {
        Echo {
            publishable_key: config
                .pk
                .as_ref()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default(),
            proxy_url,
            domain: config.domain.clone(),
            is_satellite: config.is_satellite,
            sign_in_url: config.sign_in_url.clone(),
            sign_up_url: config.sign_up_url.clone(),
            after_sign_in_url: config.after_sign_in_url.clone(),
            after_sign_up_url: config.after_sign_up_url.clone(),
        }
    }
}

impl RequestState {
    pub(crate) fn signed_in(
        echo: Echo,
        claims: Map<String, Value>,
        token: String,
        headers: Headers,
    ) -> Self {
        Self {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            headers,
            token: Some(token),
            token_type: Some(TokenKind::SessionToken),
            echo,
            auth: AuthSource::Session(claims),
        }
    }

    pub(crate) fn signed_in_machine(echo: Echo, auth: MachineAuth, token: String) -> Self {
        Self {
            status: AuthStatus::SignedIn,
            reason: None,
            message: None,
            headers: Headers::default(),
            token: Some(token),
            token_type: Some(auth.kind),
            echo,
            auth: AuthSource::Machine(auth),
        }
    }

    pub(crate) fn signed_out(
        echo: Echo,
        kind: TokenKind,
        reason: Reason,
        message: String,
        headers: Headers,
    ) -> Self {
        let auth = if kind == TokenKind::SessionToken {
            AuthSource::SignedOutSession
        } else {
            AuthSource::SignedOutMachine(kind)
        };
        Self::with_debug_headers(Self {
            status: AuthStatus::SignedOut,
            reason: Some(reason),
            message: Some(message),
            headers,
            token: None,
            token_type: Some(kind),
            echo,
            auth,
        })
    }

    pub(crate) fn handshake(echo: Echo, reason: Reason, message: String, headers: Headers) -> Self {
        Self::with_debug_headers(Self {
            status: AuthStatus::Handshake,
            reason: Some(reason),
            message: Some(message),
            headers,
            token: None,
            token_type: Some(TokenKind::SessionToken),
            echo,
            auth: AuthSource::None,
        })
    }

    /// `signedOutInvalidToken()`: echo fields empty, token type null.
    pub(crate) fn signed_out_invalid_token() -> Self {
        Self::with_debug_headers(Self {
            status: AuthStatus::SignedOut,
            reason: Some(Reason::TokenTypeMismatch),
            message: Some(String::new()),
            headers: Headers::default(),
            token: None,
            token_type: None,
            echo: Echo::default(),
            auth: AuthSource::InvalidToken,
        })
    }

    /// §6.2: `x-clerk-auth-message` (if non-empty), `-reason`, `-status`; a value that is not a
    /// valid header value is silently left out.
    fn with_debug_headers(mut self) -> Self {
        if let Some(message) = self.message.as_deref().filter(|m| !m.is_empty()) {
            self.headers.set("x-clerk-auth-message", message);
        }
        if let Some(reason) = self.reason {
            self.headers.set("x-clerk-auth-reason", reason.as_str());
        }
        self.headers
            .set("x-clerk-auth-status", self.status.as_str());
        self
    }

    /// Whether the state is signed in.
    pub fn is_signed_in(&self) -> bool {
        self.status == AuthStatus::SignedIn
    }

    /// The verified claims when signed in with a session token.
    pub fn claims(&self) -> Option<&Map<String, Value>> {
        match &self.auth {
            AuthSource::Session(c) => Some(c),
            _ => None,
        }
    }

    /// The session auth object (`state.toAuth({treatPendingAsSignedOut})`) for a session token:
    /// the signed-in object, or the signed-out one (pending sessions when `treat_pending`).
    /// `None` for handshakes and machine tokens; `Err` for claims Clerk's `toAuth()` throws on.
    pub fn session_auth(
        &self,
        treat_pending: bool,
    ) -> Option<Result<SessionAuth, crate::auth::AuthError>> {
        match &self.auth {
            AuthSource::Session(claims) => Some(SessionAuth::to_auth(claims, treat_pending)),
            AuthSource::SignedOutSession => Some(Ok(SessionAuth::signed_out(Value::Null))),
            _ => None,
        }
    }

    /// The verified machine token, when signed in with one.
    pub fn machine_auth(&self) -> Option<&MachineAuth> {
        match &self.auth {
            AuthSource::Machine(m) => Some(m),
            _ => None,
        }
    }

    /// The serialisable auth object (Clerk's `toAuth()` as JSON; `null` for a handshake), in the
    /// conformance format's shape.
    pub fn auth_json(&self, treat_pending: bool) -> Value {
        match &self.auth {
            AuthSource::None => Value::Null,
            AuthSource::Session(claims) => SessionAuth::to_auth(claims, treat_pending)
                .map(|a| a.to_json())
                .unwrap_or(Value::Null),
            AuthSource::Machine(m) => m.to_json(),
            AuthSource::SignedOutSession => SessionAuth::signed_out(Value::Null).to_json(),
            AuthSource::SignedOutMachine(kind) => {
                let mut v = object([
                    ("id", Value::Null),
                    ("subject", Value::Null),
                    ("isAuthenticated", Value::Bool(false)),
                    ("tokenType", Value::from(kind.as_str())),
                    ("claims", Value::Null),
                    ("scopes", Value::Null),
                ]);
                let extra = match kind {
                    TokenKind::OAuthToken => Some("clientId"),
                    TokenKind::M2mToken => Some("machineId"),
                    _ => None,
                };
                if let (Some(name), Some(obj)) = (extra, v.as_object_mut()) {
                    obj.insert(name.to_owned(), Value::Null);
                }
                v
            }
            AuthSource::InvalidToken => {
                let mut v = SessionAuth::signed_out(Value::Null).to_json();
                if let Some(obj) = v.as_object_mut() {
                    obj.insert("tokenType".to_owned(), Value::Null);
                }
                v
            }
        }
    }

    /// Clerk's serialisable request state: `status`, `reason`, `message`, `headers` (lower-case
    /// names sorted; `set-cookie` a list), `auth` ([`auth_json`](Self::auth_json)) and `state`
    /// (`isSignedIn`, `isAuthenticated`, `tokenType`, `token` and the echoed configuration).
    pub fn to_clerk_json(&self, treat_pending: bool) -> Value {
        // The map keeps the names sorted.
        let mut headers = Map::new();
        for (name, _) in self.headers.iter() {
            if headers.contains_key(name) {
                continue;
            }
            let values: Vec<&str> = self.headers.get_all(name).collect();
            let value = if name == "set-cookie" {
                Value::from(values)
            } else {
                Value::from(values.join(", "))
            };
            headers.insert(name.to_owned(), value);
        }
        let e = &self.echo;
        object([
            ("status", Value::from(self.status.as_str())),
            ("reason", Value::from(self.reason.map(Reason::as_str))),
            ("message", Value::from(self.message.clone())),
            ("headers", Value::Object(headers)),
            ("auth", self.auth_json(treat_pending)),
            (
                "state",
                object([
                    ("isSignedIn", Value::Bool(self.is_signed_in())),
                    ("isAuthenticated", Value::Bool(self.is_signed_in())),
                    (
                        "tokenType",
                        Value::from(self.token_type.map(TokenKind::as_str)),
                    ),
                    ("token", Value::from(self.token.clone())),
                    ("publishableKey", Value::from(e.publishable_key.clone())),
                    ("proxyUrl", Value::from(e.proxy_url.clone())),
                    ("domain", Value::from(e.domain.clone())),
                    ("isSatellite", Value::Bool(e.is_satellite)),
                    ("signInUrl", Value::from(e.sign_in_url.clone())),
                    ("signUpUrl", Value::from(e.sign_up_url.clone())),
                    ("afterSignInUrl", Value::from(e.after_sign_in_url.clone())),
                    ("afterSignUpUrl", Value::from(e.after_sign_up_url.clone())),
                ]),
            ),
        ])
    }

    /// The `Location` header, if the state redirects.
    pub fn location(&self) -> Option<&str> {
        self.headers.get("location")
    }
}
