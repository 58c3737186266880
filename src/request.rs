//! The request decision (§1.3–1.4, §2): request parts + `now` → [`RequestState`].
//!
//! One function per path, in the spec's order; each step cites its § line.

use std::fmt;

use crate::weburl::Url;

use crate::auth::SessionAuth;
use crate::config::{AcceptsToken, Config, InstanceType, TokenKind};
use crate::cookies::{self, CookieJar, MAX_COOKIE_HEADER_BYTES};
use crate::handshake::{self, ResolveError};
use crate::orgsync::OrgTarget;
use crate::state::{Echo, Headers, Reason, RefreshError, RequestState};
use crate::time::UnixMillis;
use crate::token::jwt::DecodedJwt;
use crate::token::{
    verify_session_decoded, verify_session_token, TokenCarrier, TokenError, TokenReason,
};
use crate::urls;
use crate::util::{is_b64url_digit, js_number_from_str, js_parse_int, js_to_number, js_truthy};

/// Longest request URL accepted, in bytes.
pub const MAX_URL_BYTES: usize = 16 * 1024;
/// Most request headers accepted.
pub const MAX_HEADERS: usize = 256;
/// Largest total size of request header names and values, in bytes.
pub const MAX_HEADER_BYTES: usize = 128 * 1024;

/// The parts of an HTTP request the decision reads.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestParts {
    /// The method (`GET`, ...).
    pub method: String,
    /// The absolute request URL.
    pub url: String,
    /// Headers as received (names case-insensitive; repeated names allowed).
    pub headers: Vec<(String, String)>,
}

/// A request that cannot be decided.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AuthenticateError {
    /// The request itself is malformed or over a size limit (HTTP 400).
    InvalidRequest(String),
    /// D8: a development instance received a handshake it cannot verify (Clerk throws; HTTP 500).
    DevHandshake(String),
}

impl fmt::Display for AuthenticateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::InvalidRequest(m) | Self::DevHandshake(m) => f.write_str(m),
        }
    }
}

impl std::error::Error for AuthenticateError {}

/// Everything the decision reads from one request, computed once (§1.3–1.4).
pub(crate) struct Ctx<'a> {
    pub(crate) config: &'a Config,
    pub(crate) now: UnixMillis,
    method: String,
    pub(crate) clerk_url: Url,
    headers: &'a [(String, String)],
    token_in_header: Option<String>,
    cookies: CookieJar,
    pub(crate) suffixed: bool,
    session_in_cookie: Option<String>,
    client_uat: f64,
    pub(crate) dev_browser_token: Option<String>,
    pub(crate) handshake_token: Option<String>,
    pub(crate) handshake_nonce: Option<String>,
    loop_counter: f64,
    pub(crate) frontend_api: String,
    proxy_url: String,
    org_target: Option<OrgTarget>,
}

/// Decides one request. `now` is the wall clock in epoch milliseconds.
pub fn authenticate(
    config: &Config,
    request: &RequestParts,
    now: UnixMillis,
) -> Result<RequestState, AuthenticateError> {
    let ctx = Ctx::new(config, request, now)?;
    ctx.dispatch()
}

fn normalize_method(m: &str) -> String {
    for known in ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"] {
        if m.eq_ignore_ascii_case(known) {
            return known.to_owned();
        }
    }
    m.to_owned()
}

/// §1.3 Authorization parsing: `split(" ", 2)`; no second piece ⇒ the first is the token;
/// scheme exactly `Bearer` ⇒ the second; anything else ⇒ no token.
fn parse_authorization(value: &str) -> Option<String> {
    let mut pieces = value.split(' ');
    let scheme = pieces.next().unwrap_or("");
    match pieces.next() {
        None | Some("") => Some(scheme.to_owned()).filter(|s| !s.is_empty()),
        Some(token) if scheme == "Bearer" => Some(token.to_owned()),
        Some(_) => None,
    }
}

/// Clerk's `JwtFormatRegExp`: three non-empty base64url segments, nothing else.
fn is_jwt_format(token: &str) -> bool {
    let mut n = 0;
    for seg in token.split('.') {
        n += 1;
        if seg.is_empty() || !seg.bytes().all(is_b64url_digit) {
            return false;
        }
    }
    n == 3
}

fn is_m2m_jwt(token: &str) -> bool {
    is_jwt_format(token) && DecodedJwt::decode(token).is_ok_and(|d| is_m2m_claims(&d))
}

fn is_oauth_jwt(token: &str) -> bool {
    is_jwt_format(token) && DecodedJwt::decode(token).is_ok_and(|d| is_oauth_header(&d))
}

/// The decoded half of `isM2MJwt`: `sub` starts with `mch_`.
fn is_m2m_claims(decoded: &DecodedJwt<'_>) -> bool {
    decoded
        .claim_str("sub")
        .is_some_and(|s| s.starts_with("mch_"))
}

/// The decoded half of `isOAuthJwt`: an access-token `typ`.
fn is_oauth_header(decoded: &DecodedJwt<'_>) -> bool {
    matches!(
        decoded.header_str("typ"),
        Some("at+jwt" | "application/at+jwt")
    )
}

fn is_machine_jwt(token: &str) -> bool {
    is_oauth_jwt(token) || is_m2m_jwt(token)
}

/// [`is_machine_jwt`] for a token already decoded as `decoded`.
fn is_machine_jwt_decoded(token: &str, decoded: &DecodedJwt<'_>) -> bool {
    is_jwt_format(token) && (is_oauth_header(decoded) || is_m2m_claims(decoded))
}

/// Opaque machine-token prefixes (`mt_`, `oat_`, `ak_`).
fn is_machine_token_prefix(token: &str) -> bool {
    token.starts_with("mt_") || token.starts_with("oat_") || token.starts_with("ak_")
}

fn is_machine_token(token: &str) -> bool {
    is_machine_token_prefix(token) || is_machine_jwt(token)
}

fn machine_token_type(token: &str) -> TokenKind {
    if token.starts_with("mt_") || is_m2m_jwt(token) {
        TokenKind::M2mToken
    } else if token.starts_with("oat_") || is_oauth_jwt(token) {
        TokenKind::OAuthToken
    } else {
        TokenKind::ApiKey
    }
}

impl<'a> Ctx<'a> {
    fn new(
        config: &'a Config,
        request: &'a RequestParts,
        now: UnixMillis,
    ) -> Result<Self, AuthenticateError> {
        let invalid = |m: &str| AuthenticateError::InvalidRequest(m.to_owned());
        if request.url.len() > MAX_URL_BYTES {
            return Err(invalid("request URL is too long"));
        }
        if request.headers.len() > MAX_HEADERS {
            return Err(invalid("too many request headers"));
        }
        let total: usize = request.headers.iter().map(|(n, v)| n.len() + v.len()).sum();
        if total > MAX_HEADER_BYTES {
            return Err(invalid("request headers are too large"));
        }
        if request.method.is_empty() {
            return Err(invalid("request method is empty"));
        }
        let initial = Url::parse(&request.url)
            .map_err(|_| invalid("request URL is not a valid absolute URL"))?;
        let mut ctx = Ctx {
            config,
            now,
            method: normalize_method(&request.method),
            clerk_url: initial,
            headers: &request.headers,
            token_in_header: None,
            cookies: CookieJar::default(),
            suffixed: false,
            session_in_cookie: None,
            client_uat: 0.0,
            dev_browser_token: None,
            handshake_token: None,
            handshake_nonce: None,
            loop_counter: 0.0,
            frontend_api: String::new(),
            proxy_url: String::new(),
            org_target: None,
        };
        ctx.clerk_url = ctx.derive_clerk_url();
        ctx.token_in_header = ctx
            .header("authorization")
            .and_then(|v| parse_authorization(&v));
        let header_only = matches!(
            config.accepts,
            AcceptsToken::One(TokenKind::M2mToken | TokenKind::ApiKey)
        );
        // Parity §1.1: a relative proxy URL is made absolute with the derived origin.
        ctx.proxy_url = if config.proxy_url.starts_with('/') {
            format!(
                "{}{}",
                ctx.clerk_url.origin().ascii_serialization(),
                config.proxy_url
            )
        } else {
            config.proxy_url.clone()
        };
        if header_only {
            return Ok(ctx);
        }
        ctx.frontend_api = if !ctx.proxy_url.is_empty() {
            ctx.proxy_url.clone()
        } else {
            config.original_frontend_api.clone()
        };
        let cookie_header = ctx.header_joined("cookie", "; ").unwrap_or_default();
        if cookie_header.len() > MAX_COOKIE_HEADER_BYTES {
            return Err(invalid("cookie header is too large"));
        }
        ctx.cookies = CookieJar::parse(&cookie_header);
        ctx.suffixed = ctx.uses_suffixed_cookies();
        ctx.session_in_cookie = ctx.chosen_cookie(cookies::SESSION).map(str::to_owned);
        let uat = js_parse_int(ctx.chosen_cookie(cookies::CLIENT_UAT).unwrap_or(""));
        ctx.client_uat = if uat.is_nan() { 0.0 } else { uat };
        ctx.dev_browser_token = ctx
            .query(cookies::DEV_BROWSER)
            .or_else(|| ctx.chosen_cookie(cookies::DEV_BROWSER).map(str::to_owned));
        ctx.handshake_token = ctx
            .query(cookies::HANDSHAKE)
            .or_else(|| ctx.cookies.get(cookies::HANDSHAKE).map(str::to_owned));
        let counter = js_number_from_str(ctx.cookies.get(cookies::REDIRECT_COUNT).unwrap_or(""));
        ctx.loop_counter = if counter.is_nan() { 0.0 } else { counter };
        ctx.handshake_nonce = ctx
            .query(cookies::HANDSHAKE_NONCE)
            .or_else(|| ctx.cookies.get(cookies::HANDSHAKE_NONCE).map(str::to_owned));
        ctx.org_target = config
            .org_matcher
            .as_ref()
            .and_then(|m| m.find_target(ctx.clerk_url.path()));
        Ok(ctx)
    }

    /// `headers.get(name) || undefined`: repeated headers joined with ", ".
    fn header(&self, name: &str) -> Option<String> {
        self.header_joined(name, ", ")
    }

    fn header_joined(&self, name: &str, sep: &str) -> Option<String> {
        let mut out: Option<String> = None;
        for (n, v) in self.headers {
            if n.eq_ignore_ascii_case(name) {
                let v = v.trim_matches(|c| matches!(c, ' ' | '\t' | '\r' | '\n'));
                match &mut out {
                    None => out = Some(v.to_owned()),
                    Some(acc) => {
                        acc.push_str(sep);
                        acc.push_str(v);
                    }
                }
            }
        }
        out.filter(|v| !v.is_empty())
    }

    /// `searchParams.get(name) || undefined`.
    fn query(&self, name: &str) -> Option<String> {
        self.clerk_url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
            .filter(|v| !v.is_empty())
    }

    fn has_query(&self, name: &str) -> bool {
        self.clerk_url.query_pairs().any(|(k, _)| k == name)
    }

    /// §1.3 `clerkUrl`. D10: with `CLERK_PUBLIC_ORIGIN` set, that origin is used and
    /// `Host`/`X-Forwarded-*` are ignored; otherwise Clerk's rule (forwarded headers trusted).
    fn derive_clerk_url(&self) -> Url {
        let initial = &self.clerk_url;
        if let Some(public) = &self.config.public_origin {
            return with_path_of(public, initial).unwrap_or_else(|| initial.clone());
        }
        let first = |name: &str| -> Option<String> {
            // `headers.get` is null only when absent; "" is present-but-empty.
            let present = self
                .headers
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(name));
            present.then(|| {
                self.header_joined(name, ", ")
                    .unwrap_or_default()
                    .split(',')
                    .next()
                    .unwrap_or("")
                    .to_owned()
            })
        };
        let host = first("x-forwarded-host").or_else(|| self.header("host"));
        let proto = first("x-forwarded-proto").unwrap_or_else(|| initial.scheme().to_owned());
        let origin = match host {
            Some(h) if !h.is_empty() && !proto.is_empty() => format!("{proto}://{h}"),
            _ => return initial.clone(),
        };
        if origin == initial.origin().ascii_serialization() {
            return initial.clone();
        }
        // Parity: a forwarded origin that does not parse leaves the request URL unchanged.
        Url::parse(&origin)
            .ok()
            .and_then(|base| with_path_of(&base, initial))
            .unwrap_or_else(|| initial.clone())
    }

    pub(crate) fn is_development(&self) -> bool {
        self.config.instance() == InstanceType::Development
    }

    pub(crate) fn original_fapi(&self) -> &str {
        &self.config.original_frontend_api
    }

    pub(crate) fn org_target(&self) -> Option<&OrgTarget> {
        self.org_target.as_ref()
    }

    /// `sessionTokenInCookie || tokenInHeader`.
    pub(crate) fn session_token(&self) -> Option<&str> {
        self.session_in_cookie
            .as_deref()
            .or(self.token_in_header.as_deref())
    }

    fn chosen_cookie(&self, name: &str) -> Option<&str> {
        if self.suffixed {
            self.cookies.get_suffixed(name, &self.config.cookie_suffix)
        } else {
            self.cookies.get(name)
        }
    }

    /// §1.4 `usesSuffixedCookies`, evaluated once.
    fn uses_suffixed_cookies(&self) -> bool {
        let sfx = &self.config.cookie_suffix;
        let suffixed_uat = self.cookies.get_suffixed(cookies::CLIENT_UAT, sfx);
        let uat = self.cookies.get(cookies::CLIENT_UAT);
        let suffixed_session = self
            .cookies
            .get_suffixed(cookies::SESSION, sfx)
            .unwrap_or("");
        let session = self.cookies.get(cookies::SESSION).unwrap_or("");
        let decoded_session = DecodedJwt::decode(session).ok();
        if !session.is_empty() {
            // 1. un-suffixed session without a (truthy) issuer
            let Some(d) = &decoded_session else {
                return false;
            };
            if !js_truthy(d.claim("iss")) {
                return false;
            }
            // 2. un-suffixed session from another instance
            let belongs = d
                .claim_str("iss")
                .is_some_and(|iss| strip_http_schemes(iss) == self.config.original_frontend_api);
            if !belongs {
                return true;
            }
        }
        // 3.
        if suffixed_uat.is_none() && suffixed_session.is_empty() {
            return false;
        }
        let iat_or_zero = |d: Option<&DecodedJwt<'_>>| {
            d.map(|d| d.claim("iat"))
                .filter(|v| js_truthy(*v))
                .map_or(0.0, |v| js_to_number(v))
        };
        let decoded_suffixed = DecodedJwt::decode(suffixed_session).ok();
        let session_iat = iat_or_zero(decoded_session.as_ref());
        let suffixed_iat = iat_or_zero(decoded_suffixed.as_ref());
        // 4.
        if suffixed_uat != Some("0") && uat != Some("0") && session_iat > suffixed_iat {
            return false;
        }
        // 5.
        if suffixed_uat == Some("0") && uat != Some("0") {
            return false;
        }
        // 6. D13: whole seconds without JavaScript's 32-bit truncation.
        if self.config.instance() != InstanceType::Production {
            let expired = decoded_suffixed
                .as_ref()
                .is_some_and(|d| js_to_number(d.claim("exp")) <= self.now.as_secs_floor() as f64);
            if suffixed_uat != Some("0") && uat == Some("0") && expired {
                return false;
            }
        }
        // 7.
        if suffixed_uat.is_none() && !suffixed_session.is_empty() {
            return false;
        }
        true
    }

    fn echo(&self) -> Echo {
        Echo::from_config(self.config, self.proxy_url.clone())
    }

    fn signed_out(&self, reason: Reason, message: impl Into<String>) -> RequestState {
        RequestState::signed_out(
            self.echo(),
            TokenKind::SessionToken,
            reason,
            message.into(),
            Headers::default(),
        )
    }

    /// §2.2 dispatch.
    fn dispatch(&self) -> Result<RequestState, AuthenticateError> {
        let accepts = &self.config.accepts;
        if let AcceptsToken::List(list) = accepts {
            let kind = match self.token_in_header.as_deref() {
                Some(t) if is_machine_token(t) => machine_token_type(t),
                _ => TokenKind::SessionToken,
            };
            if !list.contains(&kind) {
                return Ok(RequestState::signed_out_invalid_token());
            }
        }
        if let Some(token) = self.token_in_header.as_deref() {
            return Ok(match accepts {
                AcceptsToken::Any | AcceptsToken::List(_) => self.any_header_path(token),
                AcceptsToken::One(TokenKind::SessionToken) => self.session_header_path(token),
                AcceptsToken::One(kind) => self.machine_header_path(token, *kind),
            });
        }
        if let AcceptsToken::One(
            kind @ (TokenKind::OAuthToken | TokenKind::ApiKey | TokenKind::M2mToken),
        ) = accepts
        {
            return Ok(RequestState::signed_out(
                self.echo(),
                *kind,
                Reason::NoTokenInHeader,
                String::new(),
                Headers::default(),
            ));
        }
        self.cookie_path()
    }

    /// §2.3a SESSION_HEADER_PATH.
    fn session_header_path(&self, token: &str) -> RequestState {
        let decoded = DecodedJwt::decode(token);
        if let Ok(d) = &decoded {
            if is_machine_jwt_decoded(token, d) || d.has_non_session_category() {
                return self.signed_out(Reason::TokenTypeMismatch, "");
            }
        }
        self.verify_header_session(token, decoded)
    }

    /// Verifies a header session token that was decoded (once) as `decoded`.
    fn verify_header_session(
        &self,
        token: &str,
        decoded: Result<DecodedJwt<'_>, TokenError>,
    ) -> RequestState {
        let verified = decoded.and_then(|d| {
            verify_session_decoded(d, &self.config.keys, &self.config.rules, self.now)
        });
        match verified {
            Ok(claims) => {
                // D13: claims the SDK's `toAuth()` would throw on give `unexpected-error`.
                if SessionAuth::signed_in(&claims).is_err() {
                    return self.signed_out(Reason::UnexpectedError, "");
                }
                RequestState::signed_in(self.echo(), claims, token.to_owned(), Headers::default())
            }
            Err(e) => self.token_error(&e, TokenCarrier::Header),
        }
    }

    /// §2.3b ANY_HEADER_PATH.
    fn any_header_path(&self, token: &str) -> RequestState {
        let decoded = DecodedJwt::decode(token);
        let machine_jwt = decoded
            .as_ref()
            .is_ok_and(|d| is_machine_jwt_decoded(token, d));
        if machine_jwt || is_machine_token_prefix(token) {
            return self.machine_token(token);
        }
        if decoded
            .as_ref()
            .is_ok_and(DecodedJwt::has_non_session_category)
        {
            return self.signed_out(Reason::TokenTypeMismatch, "");
        }
        self.verify_header_session(token, decoded)
    }

    /// §2.3c MACHINE_HEADER_PATH.
    fn machine_header_path(&self, token: &str, wanted: TokenKind) -> RequestState {
        if !is_machine_token(token) || machine_token_type(token) != wanted {
            return RequestState::signed_out(
                self.echo(),
                wanted,
                Reason::TokenTypeMismatch,
                String::new(),
                Headers::default(),
            );
        }
        self.machine_token(token)
    }

    /// Machine-token verification after the type check. JWT-format tokens are verified offline
    /// (§4.5); opaque `mt_`/`oat_`/`ak_` tokens need the Backend API (D11): signed-out
    /// `token-type-mismatch` with the token's type.
    fn machine_token(&self, token: &str) -> RequestState {
        let kind = machine_token_type(token);
        if let AcceptsToken::One(wanted) = &self.config.accepts {
            if *wanted != kind {
                return RequestState::signed_out(
                    self.echo(),
                    *wanted,
                    Reason::TokenTypeMismatch,
                    String::new(),
                    Headers::default(),
                );
            }
        }
        if !is_jwt_format(token) {
            return RequestState::signed_out(
                self.echo(),
                kind,
                Reason::TokenTypeMismatch,
                String::new(),
                Headers::default(),
            );
        }
        match crate::machine::verify(token, self.config, self.now) {
            Ok(auth) => RequestState::signed_in_machine(self.echo(), auth, token.to_owned()),
            Err(e) => RequestState::signed_out(
                self.echo(),
                e.kind,
                Reason::Machine(e.code),
                e.full_message(),
                Headers::default(),
            ),
        }
    }

    /// §2.5 handleSessionTokenError (D7: never refresh).
    fn token_error(&self, err: &TokenError, carrier: TokenCarrier) -> RequestState {
        let message = err.full_message(carrier);
        let refresh = if self.method == "GET" {
            RefreshError::NonEligibleNoRefreshCookie
        } else {
            RefreshError::NonEligibleNonGet
        };
        let mapped = match err.reason() {
            TokenReason::TokenExpired => Reason::SessionTokenExpired(refresh),
            TokenReason::TokenNotActiveYet => Reason::SessionTokenNbf,
            TokenReason::TokenIatInTheFuture => Reason::SessionTokenIatInTheFuture,
            other => return self.signed_out(Reason::Token(other), message),
        };
        self.maybe_handshake(mapped, message, None)
    }

    /// §2.6 eligibility.
    fn handshake_eligible(&self) -> bool {
        if self.method != "GET" {
            return false;
        }
        match self.header("sec-fetch-dest").as_deref() {
            Some("document" | "iframe") => true,
            Some(_) => false,
            None => self
                .header("accept")
                .is_some_and(|a| a.starts_with("text/html")),
        }
    }

    /// §2.6 handleMaybeHandshakeStatus.
    fn maybe_handshake(
        &self,
        reason: Reason,
        message: String,
        location: Option<String>,
    ) -> RequestState {
        if !self.handshake_eligible() {
            return self.signed_out(reason, message);
        }
        let location = location.unwrap_or_else(|| handshake::redirect_url(self, reason.as_str()));
        let mut headers = Headers::default();
        headers.append("location", &location);
        headers.set("cache-control", "no-store");
        if self.loop_counter == 3.0 {
            return self.signed_out(reason, message);
        }
        headers.append(
            "set-cookie",
            &handshake::redirect_count_cookie(self.loop_counter),
        );
        RequestState::handshake(self.echo(), reason, message, headers)
    }

    /// §2.4 COOKIE_PATH.
    fn cookie_path(&self) -> Result<RequestState, AuthenticateError> {
        let has_client = self.client_uat != 0.0;
        let has_session = self.session_in_cookie.is_some();
        let has_dev_browser = self.dev_browser_token.is_some();
        let dev = self.is_development();

        // 0. §5.4 handshake resolution.
        if self.handshake_nonce.is_some() || self.handshake_token.is_some() {
            match self.resolve_handshake() {
                Ok(Some(state)) => return Ok(state),
                Ok(None) => {}
                Err(e) => return Err(e),
            }
        }

        // 1.
        let md_eligible = self.config.is_satellite
            && self.header("sec-fetch-dest").as_deref() == Some("document")
            && self.method == "GET";
        let synced = self.query_raw("__clerk_synced");
        let needs_sync = synced.as_deref() == Some("false");
        let sync_done = synced.as_deref() == Some("true");
        let has_cookies = has_session || has_client;
        let skip_sat = !self.config.satellite_auto_sync && !has_cookies && !needs_sync;

        // 2.
        if !dev && md_eligible && !sync_done {
            if skip_sat {
                return Ok(self.signed_out(Reason::SessionTokenAndUatMissing, ""));
            }
            if !has_cookies || needs_sync {
                return Ok(self.maybe_handshake(
                    Reason::SatelliteNeedsSyncing,
                    String::new(),
                    None,
                ));
            }
        }
        // 3.
        if dev && md_eligible && !sync_done {
            if skip_sat {
                return Ok(self.signed_out(Reason::SessionTokenAndUatMissing, ""));
            }
            if !has_cookies || needs_sync {
                let loc = self.satellite_sync_location();
                return Ok(self.maybe_handshake(Reason::SatelliteNeedsSyncing, String::new(), loc));
            }
        }
        // 4. D9: only to allowed origins; an untrusted target is ignored.
        if dev && !self.config.is_satellite {
            if let Some(back) = self.primary_sync_location() {
                return Ok(self.maybe_handshake(
                    Reason::PrimaryRespondsToSyncing,
                    String::new(),
                    Some(back),
                ));
            }
        }
        // 5.
        if dev && self.has_query(cookies::DEV_BROWSER) {
            return Ok(self.maybe_handshake(Reason::DevBrowserSync, String::new(), None));
        }
        // 6.
        if dev && !has_dev_browser {
            return Ok(self.maybe_handshake(Reason::DevBrowserMissing, String::new(), None));
        }
        // 7–9.
        Ok(match (has_client, self.session_in_cookie.as_deref()) {
            (false, None) => self.signed_out(Reason::SessionTokenAndUatMissing, ""),
            (false, Some(_)) => {
                self.maybe_handshake(Reason::SessionTokenButNoClientUat, String::new(), None)
            }
            (true, None) => {
                self.maybe_handshake(Reason::ClientUatButNoSessionToken, String::new(), None)
            }
            (true, Some(session)) => self.cookie_session(session),
        })
    }

    /// §2.4 steps 10–18 for a present session cookie.
    fn cookie_session(&self, session: &str) -> RequestState {
        // 10.
        let decoded = match DecodedJwt::decode(session) {
            Ok(d) => d,
            Err(e) => return self.token_error(&e, TokenCarrier::Cookie),
        };
        // 11.
        if is_machine_jwt_decoded(session, &decoded) || decoded.has_non_session_category() {
            return self.signed_out(Reason::TokenTypeMismatch, "");
        }
        // 12. Parity: `iat < clientUat` with JS coercion; a missing `iat` compares false.
        if js_to_number(decoded.claim("iat")) < self.client_uat {
            return self.maybe_handshake(
                Reason::SessionTokenIatBeforeClientUat,
                String::new(),
                None,
            );
        }
        // 13.
        let verified =
            verify_session_decoded(decoded, &self.config.keys, &self.config.rules, self.now);
        let claims = match verified {
            Ok(c) => c,
            Err(e) => return self.token_error(&e, TokenCarrier::Cookie),
        };
        // 16. primary cross-origin guard
        if !self.config.is_satellite
            && self.method == "GET"
            && self.header("sec-fetch-dest").as_deref() == Some("document")
            && self.is_cross_origin_referrer()
            && !self.is_known_clerk_referrer()
            && self.loop_counter == 0.0
        {
            return self.maybe_handshake(
                Reason::PrimaryDomainCrossOriginSync,
                "Cross-origin request from satellite domain requires handshake".to_owned(),
                None,
            );
        }
        // 17. `toAuth()` may throw (malformed v2 claims) ⇒ `unexpected-error`.
        let auth = match SessionAuth::to_auth(&claims, true) {
            Ok(a) => a,
            Err(_) => return self.signed_out(Reason::UnexpectedError, ""),
        };
        if js_truthy(Some(&auth.user_id)) {
            if let Some(state) = self.org_sync(&auth) {
                return state;
            }
        }
        // 18.
        RequestState::signed_in(self.echo(), claims, session.to_owned(), Headers::default())
    }

    /// §2.7 organization sync.
    fn org_sync(&self, auth: &SessionAuth) -> Option<RequestState> {
        let target = self.org_target.as_ref()?;
        let must_activate = match target {
            OrgTarget::OrganizationId(id) => auth.org_id.as_str() != Some(id.as_str()),
            OrgTarget::OrganizationSlug(slug) => auth.org_slug.as_str() != Some(slug.as_str()),
            OrgTarget::PersonalAccount => js_truthy(Some(&auth.org_id)),
        };
        if !must_activate || self.loop_counter >= 3.0 {
            return None;
        }
        let state = self.maybe_handshake(Reason::ActiveOrganizationMismatch, String::new(), None);
        (state.status == crate::state::AuthStatus::Handshake).then_some(state)
    }

    /// `searchParams.get(name)` without the empty-string filter.
    fn query_raw(&self, name: &str) -> Option<String> {
        self.clerk_url
            .query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v)
    }

    /// §2.4 step 3: `<signInUrl>?…&__clerk_redirect_url=<clerkUrl>`.
    fn satellite_sync_location(&self) -> Option<String> {
        let mut url = Url::parse(&self.config.sign_in_url).ok()?;
        urls::append_param(&mut url, "__clerk_redirect_url", self.clerk_url.as_str());
        Some(url.to_string())
    }

    /// §2.4 step 4: the satellite URL to send the browser back to, when it is allowed (D9).
    fn primary_sync_location(&self) -> Option<String> {
        let raw = self
            .query_raw("__clerk_redirect_url")
            .filter(|v| !v.is_empty())?;
        let mut back = Url::parse(&raw).ok()?;
        if !self.redirect_allowed(&back) {
            return None;
        }
        if let Some(db) = &self.dev_browser_token {
            urls::append_param(&mut back, cookies::DEV_BROWSER, db);
        }
        urls::set_param(&mut back, "__clerk_synced", "true");
        Some(back.to_string())
    }

    /// D9 allow-list: the app's own origin, `authorizedParties` and `CLERK_REDIRECT_ORIGINS`.
    fn redirect_allowed(&self, target: &Url) -> bool {
        if !matches!(target.scheme(), "http" | "https") {
            return false;
        }
        let origin = target.origin().ascii_serialization();
        if origin == self.clerk_url.origin().ascii_serialization() {
            return true;
        }
        self.config
            .rules
            .authorized_parties
            .iter()
            .chain(self.config.redirect_origins.iter())
            .filter_map(|o| Url::parse(o).ok())
            .any(|o| o.origin().ascii_serialization() == origin)
    }

    fn is_cross_origin_referrer(&self) -> bool {
        let Some(referrer) = self.header("referer") else {
            return false;
        };
        Url::parse(&referrer).is_ok_and(|r| {
            r.origin().ascii_serialization() != self.clerk_url.origin().ascii_serialization()
        })
    }

    fn is_known_clerk_referrer(&self) -> bool {
        let Some(referrer) = self.header("referer") else {
            return false;
        };
        let Ok(r) = Url::parse(&referrer) else {
            return false;
        };
        let host = r.host_str().unwrap_or("");
        let fapi = &self.frontend_api;
        if !fapi.is_empty() {
            let fapi_host = if fapi.starts_with("http") {
                match Url::parse(fapi) {
                    Ok(u) => u.host_str().unwrap_or("").to_owned(),
                    Err(_) => return false,
                }
            } else {
                fapi.clone()
            };
            if host == fapi_host {
                return true;
            }
        }
        if self.config.instance() != InstanceType::Production
            && (is_legacy_dev_account_portal(host) || is_current_dev_account_portal(host))
        {
            return true;
        }
        if !fapi.is_empty() {
            let accounts = accounts_base_url(fapi);
            match Url::parse(&accounts) {
                Ok(a) => {
                    if a.origin().ascii_serialization() == r.origin().ascii_serialization() {
                        return true;
                    }
                }
                Err(_) => return false,
            }
        }
        false
    }

    /// §5.4 second half. `Ok(None)` = continue the cookie flow.
    fn resolve_handshake(&self) -> Result<Option<RequestState>, AuthenticateError> {
        let resolved = match handshake::resolve(self) {
            Ok(r) => r,
            Err(ResolveError::Token(e)) if self.is_development() => {
                // D8: the SDK throws here; we return an explicit error outcome.
                let msg = if e.reason() == TokenReason::TokenInvalidSignature {
                    "Clerk: Handshake token verification failed due to an invalid signature. If you have switched Clerk keys locally, clear your cookies and try again.".to_owned()
                } else {
                    // Parity: the SDK never sets a carrier on handshake errors.
                    format!(
                        "Clerk: Handshake token verification failed: {}.",
                        e.full_message_for("undefined")
                    )
                };
                return Err(AuthenticateError::DevHandshake(msg));
            }
            Err(_) => return Ok(None),
        };
        let Some(token) = resolved.session_token else {
            return Ok(None);
        };
        if token.is_empty() {
            return Ok(Some(RequestState::signed_out(
                self.echo(),
                TokenKind::SessionToken,
                Reason::SessionTokenMissing,
                String::new(),
                resolved.headers,
            )));
        }
        let keys = &self.config.keys;
        match verify_session_token(&token, keys, &self.config.rules, self.now) {
            Ok(claims) => Ok(Some(RequestState::signed_in(
                self.echo(),
                claims,
                token,
                resolved.headers,
            ))),
            Err(e)
                if self.is_development()
                    && matches!(
                        e.reason(),
                        TokenReason::TokenExpired
                            | TokenReason::TokenNotActiveYet
                            | TokenReason::TokenIatInTheFuture
                    ) =>
            {
                // Parity §5.4: development retries with a one-day skew.
                let mut rules = self.config.rules.clone();
                rules.clock_skew_ms = 86_400_000.0;
                match verify_session_token(&token, keys, &rules, self.now) {
                    Ok(claims) => Ok(Some(RequestState::signed_in(
                        self.echo(),
                        claims,
                        token,
                        resolved.headers,
                    ))),
                    Err(_) => Ok(None),
                }
            }
            Err(_) => Ok(None),
        }
    }
}

/// `base`'s origin with `request`'s path and query (no fragment).
///
/// Security: the path is *set*, never resolved as a reference. Clerk resolves
/// `new URL(pathname + search, origin)`, so a request path such as `//evil.example/x` (or an
/// opaque path like `s:p:/`) becomes a URL on another host, which then flows into handshake,
/// clean-up and sign-in redirects — an open redirect that can carry the session token.
/// Found by fuzzing; a deliberate difference from the SDK (README, "Deliberate differences").
///
/// A base without a host (a non-special scheme such as `s:/x`, from `X-Forwarded-Proto`) is
/// refused too: `s:` with the path `//evil.example/p` serializes as `s://evil.example/p`,
/// whose host is evil.example (also found by fuzzing). The result must re-parse to itself.
fn with_path_of(base: &Url, request: &Url) -> Option<Url> {
    if base.cannot_be_a_base() || !base.has_host() {
        return None;
    }
    let mut u = base.clone();
    u.set_path(request.path());
    u.set_query(request.query());
    u.set_fragment(None);
    let reparsed = Url::parse(u.as_str()).ok()?;
    (reparsed == u).then_some(u)
}

/// `iss.replace(/https?:\/\//gi, "")`.
fn strip_http_schemes(iss: &str) -> String {
    let mut out = String::with_capacity(iss.len());
    let mut rest = iss;
    while !rest.is_empty() {
        let lower_prefix = |p: &str| {
            rest.get(..p.len())
                .is_some_and(|s| s.eq_ignore_ascii_case(p))
        };
        if lower_prefix("https://") {
            rest = rest.get(8..).unwrap_or("");
        } else if lower_prefix("http://") {
            rest = rest.get(7..).unwrap_or("");
        } else {
            let mut chars = rest.chars();
            if let Some(c) = chars.next() {
                out.push(c);
            }
            rest = chars.as_str();
        }
    }
    out
}

/// §1.2 accounts-portal base.
pub(crate) fn accounts_base_url(fapi: &str) -> String {
    if fapi.is_empty() {
        return String::new();
    }
    let step1 = fapi.replacen("clerk.accountsstage.", "accountsstage.", 1);
    let step2 = match (step1.find("clerk.accounts."), step1.find("clerk.")) {
        (Some(a), Some(c)) if a <= c => step1.replacen("clerk.accounts.", "accounts.", 1),
        (_, Some(_)) => step1.replacen("clerk.", "accounts.", 1),
        (Some(_), None) => step1.replacen("clerk.accounts.", "accounts.", 1),
        (None, None) => step1,
    };
    format!("https://{step2}")
}

fn is_legacy_dev_account_portal(host: &str) -> bool {
    host.starts_with("accounts.")
        && [".lcl.dev", ".lclstage.dev", ".lclclerk.com"]
            .iter()
            .any(|s| host.ends_with(s))
}

fn is_current_dev_account_portal(host: &str) -> bool {
    [
        ".accounts.dev",
        ".accountsstage.dev",
        ".accounts.lclclerk.com",
    ]
    .iter()
    .any(|s| host.ends_with(s) && !host.ends_with(&format!(".clerk{s}")))
}

#[cfg(test)]
mod tests;

/// §6.4 redirect for a request: base and return URL are the request's `clerkUrl`.
pub(crate) fn redirect_for(
    config: &Config,
    request: &RequestParts,
    target: crate::redirect::RedirectTarget,
    pending: bool,
    now: UnixMillis,
) -> Result<Option<String>, AuthenticateError> {
    let ctx = Ctx::new(config, request, now)?;
    Ok(crate::redirect::build(
        config,
        target,
        &ctx.clerk_url,
        ctx.clerk_url.as_str(),
        ctx.dev_browser_token.as_deref(),
        pending,
    ))
}
