//! The forward-auth / route-protection HTTP decision: request → status, headers and body.
//!
//! Pure logic so it is tested natively; the `wasi:http` handler only converts types.
//! - signed-in: 200, JSON auth state, identity headers, `Cache-Control: private, no-store`;
//! - any state with a `location` (handshake, dev handshake clean-up): 307 with Clerk's headers;
//! - signed-out on a public route: 200 with Clerk's `x-clerk-auth-*` headers;
//! - signed-out on a protected document navigation: 307 to the sign-in URL;
//! - signed-out on a protected API request: 401 JSON (`WWW-Authenticate` when a token was
//!   presented);
//! - `CLERK_FORWARD_AUTH_MODE=nginx`: every redirect becomes 401 + `x-clerk-redirect-to`;
//! - malformed request: 400; development handshake failure (D8) or bad run-time config: 500.

use std::collections::BTreeMap;

use serde_json::Value;

use crate::json::object;

use crate::config::ConfigError;
use crate::redirect::RedirectTarget;
use crate::request::{AuthenticateError, RequestParts};
use crate::routes::RouteRules;
use crate::state::{valid_header_value, AuthStatus, RequestState};
use crate::time::UnixMillis;
use crate::Verifier;

/// Client-sent identity headers that are never trusted or passed on.
pub const IDENTITY_HEADERS: &[&str] = &[
    "x-clerk-auth-status",
    "x-clerk-user-id",
    "x-clerk-session-id",
    "x-clerk-org-id",
    "x-clerk-org-role",
    "x-clerk-org-slug",
    "x-auth-request-user",
];

/// How much the handler logs on stderr.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogLevel {
    /// Nothing.
    Off,
    /// One JSON line per decision (default).
    Decisions,
    /// Decisions plus Clerk's message.
    Debug,
}

/// Handler settings (`CLERK_PUBLIC_ROUTES`, `CLERK_PROTECTED_ROUTES`, `CLERK_TRUST_FORWARDED`,
/// `CLERK_FORWARD_AUTH_MODE`, `CLERK_LOG`).
#[derive(Debug, Clone)]
pub struct GateConfig {
    routes: RouteRules,
    trust_forwarded: bool,
    nginx: bool,
    pass_through: bool,
    /// Logging level.
    pub log: LogLevel,
}

impl GateConfig {
    /// Reads the handler variables; `sign_in_url`/`sign_up_url` paths are always public.
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<GateConfig, ConfigError> {
        let get = |k: &str| env.get(k).map(|v| v.trim()).unwrap_or("");
        let invalid = |name: &str, detail: String| ConfigError::InvalidValue {
            name: name.to_owned(),
            detail,
        };
        let routes = RouteRules::new(
            get("CLERK_PUBLIC_ROUTES"),
            get("CLERK_PROTECTED_ROUTES"),
            get("CLERK_SIGN_IN_URL"),
            get("CLERK_SIGN_UP_URL"),
        )
        .map_err(|e| invalid("CLERK_PUBLIC_ROUTES/CLERK_PROTECTED_ROUTES", e.to_string()))?;
        let trust_forwarded = match get("CLERK_TRUST_FORWARDED").to_ascii_lowercase().as_str() {
            "" | "false" | "0" | "no" => false,
            "true" | "1" | "yes" => true,
            _ => {
                return Err(invalid(
                    "CLERK_TRUST_FORWARDED",
                    "expected true or false".into(),
                ))
            }
        };
        let nginx = match get("CLERK_FORWARD_AUTH_MODE") {
            "" | "default" => false,
            "nginx" => true,
            other => {
                return Err(invalid(
                    "CLERK_FORWARD_AUTH_MODE",
                    format!("unknown mode \"{other}\" (default or nginx)"),
                ))
            }
        };
        let log = match get("CLERK_LOG") {
            "" | "decisions" => LogLevel::Decisions,
            "off" => LogLevel::Off,
            "debug" => LogLevel::Debug,
            other => {
                return Err(invalid(
                    "CLERK_LOG",
                    format!("unknown level \"{other}\" (off, decisions or debug)"),
                ))
            }
        };
        Ok(GateConfig {
            routes,
            trust_forwarded,
            nginx,
            pass_through: false,
            log,
        })
    }

    /// The settings of a middleware that hands passing requests to an app (the WASI 0.2 gate,
    /// the WASI 0.3 Spin middleware), rather than answering a proxy's sub-request:
    /// - `X-Forwarded-Uri`/`X-Original-URI` are ignored even with `CLERK_TRUST_FORWARDED`
    ///   (the app serves the request's own path, so the route must be decided on it);
    /// - a path that is not in normal form (dot segments, empty segments `//`, backslashes,
    ///   percent-encoded unreserved characters) is refused with `400`: the app or its router
    ///   could read it as another path than the one the route rules saw.
    pub fn for_middleware(mut self) -> GateConfig {
        self.pass_through = true;
        self
    }
}

/// An incoming HTTP request as a runtime hands it over.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HttpRequest {
    /// Method.
    pub method: String,
    /// `http` or `https` (runtime's view); `http` when unknown.
    pub scheme: Option<String>,
    /// Authority (host\[:port\]); the `Host` header when absent.
    pub authority: Option<String>,
    /// Path and query, e.g. `/dashboard?tab=1`.
    pub path_with_query: String,
    /// Headers.
    pub headers: Vec<(String, String)>,
}

/// The response to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// Status code.
    pub status: u16,
    /// Headers (valid header values only).
    pub headers: Vec<(String, String)>,
    /// Body (JSON).
    pub body: Vec<u8>,
}

/// What to do with a request, for a handler placed in front of an app (middleware).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Let the request through: signed in, or signed out on a public route.
    Pass(Pass),
    /// Answer here: handshake or sign-in redirect, 401, or an error.
    Respond(HttpResponse),
}

impl Verdict {
    /// The forward-auth answer: a passing request gets `200` with the JSON auth state.
    pub fn into_response(self) -> HttpResponse {
        match self {
            Verdict::Pass(p) => p.response,
            Verdict::Respond(r) => r,
        }
    }
}

/// A request that may go on to the app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// The forward-auth answer: `200`, Clerk's and the identity headers, JSON auth state.
    pub response: HttpResponse,
    /// Identity headers for the forwarded request (`x-clerk-*`; empty unless signed in).
    pub identity: Vec<(String, String)>,
    /// `Set-Cookie` values the app's response must carry (a resolved production handshake).
    pub set_cookies: Vec<String>,
    /// The request URL as decided (for [`Pass::cookie_redirect`]).
    url: String,
}

impl Pass {
    /// The headers to forward: the client's, without any identity header it sent (they are
    /// never trusted), plus the verified identity.
    pub fn forward_headers(&self, client: &[(String, String)]) -> Vec<(String, String)> {
        client
            .iter()
            .filter(|(n, _)| !is_identity_header(n))
            .chain(self.identity.iter())
            .cloned()
            .collect()
    }

    /// For a middleware that cannot add headers to the app's response (WASI 0.2): when the
    /// decision set cookies (a production handshake was resolved), a `307` back to the same
    /// page carrying them, without the handshake query parameters; the browser stores the
    /// cookies and repeats the request, which then passes with its new `__session`.
    ///
    /// The `Location` is relative (path and query), so it can only ever name the page the
    /// browser asked for, whatever `Host` said. `None` when there is nothing to store, when
    /// the request already carries every cookie being set (so a handshake cookie that fails to
    /// clear cannot loop), or when the path would read as another host (`//…`).
    pub fn cookie_redirect(&self, request_headers: &[(String, String)]) -> Option<HttpResponse> {
        if self.set_cookies.is_empty() {
            return None;
        }
        let sent = header_joined(request_headers, "cookie");
        let sent: Vec<&str> = sent.split(';').map(str::trim).collect();
        let stored = self.set_cookies.iter().all(|c| {
            let pair = c.split(';').next().unwrap_or("").trim();
            pair.ends_with('=') || sent.contains(&pair)
        });
        if stored {
            return None;
        }
        let mut url = crate::weburl::Url::parse(&self.url).ok()?;
        crate::urls::remove_params(&mut url, HANDSHAKE_PARAMS);
        let path = url.path();
        if !path.starts_with('/') || path.starts_with("//") || path.contains('\\') {
            return None;
        }
        let location = match url.query() {
            Some(q) => format!("{path}?{q}"),
            None => path.to_owned(),
        };
        let mut headers = vec![("cache-control".to_owned(), "no-store".to_owned())];
        for c in &self.set_cookies {
            push(&mut headers, "set-cookie", c);
        }
        push(&mut headers, "location", &location);
        Some(HttpResponse {
            status: 307,
            headers,
            body: Vec::new(),
        })
    }
}

/// Every value of a header, joined with `; ` (for `Cookie`).
fn header_joined(headers: &[(String, String)], name: &str) -> String {
    headers
        .iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// Query parameters of a handshake round trip (removed from the URL after it).
const HANDSHAKE_PARAMS: &[&str] = &[
    "__clerk_handshake",
    "__clerk_handshake_nonce",
    "__clerk_help",
    "__clerk_db_jwt",
];

/// A path every parser and router reads the same way: no `.`/`..` segments (also
/// percent-encoded), no empty segments, no backslash, no percent-encoded unreserved character.
fn is_normal_path(path: &str) -> bool {
    if !path.starts_with('/') || path.contains('\\') {
        return false;
    }
    let bytes = path.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .filter(|h| h.iter().all(u8::is_ascii_hexdigit))
                .and_then(|h| std::str::from_utf8(h).ok());
            let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) else {
                return false;
            };
            if v.is_ascii_alphanumeric() || matches!(v, b'-' | b'.' | b'_' | b'~' | b'/' | b'\\') {
                return false;
            }
        }
    }
    !path.contains("//") && path.split('/').all(|seg| seg != "." && seg != "..")
}

/// Whether `name` is one of the [`IDENTITY_HEADERS`] (case-insensitive; `_` counts as `-`,
/// since CGI-style servers map both to the same variable).
pub fn is_identity_header(name: &str) -> bool {
    IDENTITY_HEADERS.iter().any(|h| {
        h.len() == name.len()
            && h.bytes().zip(name.bytes()).all(|(a, b)| {
                let b = if b == b'_' {
                    b'-'
                } else {
                    b.to_ascii_lowercase()
                };
                a == b
            })
    })
}

/// What was decided, for the log line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// `signed-in`, `signed-out`, `handshake` or `error`.
    pub status: String,
    /// Reason code, if any.
    pub reason: Option<String>,
    /// Clerk's message (logged only at debug level).
    pub message: Option<String>,
    /// The route rule that applied.
    pub route: String,
    /// Method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// User id when signed in.
    pub user_id: Option<String>,
}

impl Decision {
    /// One JSON log line. Never contains a token, cookie value or key.
    pub fn log_line(&self, level: LogLevel, micros: u128, demo: bool) -> Option<String> {
        if level == LogLevel::Off {
            return None;
        }
        let mut v = object([
            ("status", Value::from(self.status.clone())),
            ("reason", Value::from(self.reason.clone())),
            ("route", Value::from(self.route.clone())),
            ("method", Value::from(self.method.clone())),
            ("path", Value::from(self.path.clone())),
            // `json!` would panic past u64::MAX microseconds (584,000 years); saturate instead.
            ("us", Value::from(u64::try_from(micros).unwrap_or(u64::MAX))),
        ]);
        if let Some(obj) = v.as_object_mut() {
            if let Some(u) = &self.user_id {
                obj.insert("user_id".into(), Value::from(u.as_str()));
            }
            if level == LogLevel::Debug {
                if let Some(m) = self.message.as_ref().filter(|m| !m.is_empty()) {
                    obj.insert("message".into(), Value::from(m.as_str()));
                }
            }
            if demo {
                obj.insert("config".into(), Value::from("DEMO"));
            }
        }
        Some(crate::json::to_string(&v))
    }
}

fn header<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn first_item(v: &str) -> &str {
    v.split(',').next().unwrap_or("").trim()
}

/// Builds the request the core sees: the original URL, and forwarded headers only when trusted.
fn to_parts(gate: &GateConfig, req: &HttpRequest) -> RequestParts {
    let h = &req.headers;
    let mut scheme = req.scheme.clone().unwrap_or_else(|| "http".to_owned());
    let mut authority = req
        .authority
        .clone()
        .filter(|a| !a.is_empty())
        .or_else(|| header(h, "host").map(str::to_owned))
        .unwrap_or_else(|| "localhost".to_owned());
    let mut path = req.path_with_query.clone();
    if gate.trust_forwarded {
        if let Some(p) = header(h, "x-forwarded-proto")
            .map(first_item)
            .filter(|p| !p.is_empty())
        {
            scheme = p.to_owned();
        }
        if let Some(a) = header(h, "x-forwarded-host")
            .map(first_item)
            .filter(|a| !a.is_empty())
        {
            authority = a.to_owned();
        }
        if let Some(u) = header(h, "x-forwarded-uri")
            .or_else(|| header(h, "x-original-uri"))
            .filter(|u| u.starts_with('/') && !gate.pass_through)
        {
            path = u.to_owned();
        }
    }
    if !path.starts_with('/') {
        path.insert(0, '/');
    }
    // Security: without CLERK_TRUST_FORWARDED the client's X-Forwarded-* never reach the core
    // (which, like Clerk, would otherwise let them shape the URL, D10).
    let headers = h
        .iter()
        .filter(|(n, _)| {
            let n = n.to_ascii_lowercase();
            (gate.trust_forwarded || !n.starts_with("x-forwarded-")) && !is_identity_header(&n)
        })
        .cloned()
        .collect();
    RequestParts {
        method: req.method.clone(),
        url: format!("{scheme}://{authority}{path}"),
        headers,
    }
}

/// `{"status": "error", "reason": reason, "message": message}`.
fn error_body(reason: &str, message: &str) -> Value {
    object([
        ("status", Value::from("error")),
        ("reason", Value::from(reason)),
        ("message", Value::from(message)),
    ])
}

fn json_body(v: &Value) -> Vec<u8> {
    crate::json::to_string(v).into_bytes()
}

fn push(headers: &mut Vec<(String, String)>, name: &str, value: &str) {
    // Security: CR/LF/NUL or non-Latin-1 values are dropped, never sent.
    if valid_header_value(value) {
        headers.push((name.to_owned(), value.to_owned()));
    }
}

fn is_document(req: &HttpRequest) -> bool {
    match header(&req.headers, "sec-fetch-dest") {
        Some(d) => d == "document" || d == "iframe",
        None => header(&req.headers, "accept").is_some_and(|a| a.starts_with("text/html")),
    }
}

fn token_presented(req: &HttpRequest) -> bool {
    header(&req.headers, "authorization").is_some_and(|a| !a.trim().is_empty())
        || header(&req.headers, "cookie").is_some_and(|c| c.contains("__session"))
}

/// The answer of a middleware that cannot strip a client-sent identity header (WASI 0.2
/// gate): `400`, so the app behind it never sees a forged identity.
pub fn refused_identity_header(name: &str) -> HttpResponse {
    let message = format!(
        "the request carries the identity header {}; only the gate may set it",
        name.to_ascii_lowercase()
    );
    HttpResponse {
        status: 400,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: json_body(&error_body("invalid-request", &message)),
    }
}

/// A response for a verifier that could not be configured.
pub fn config_error_response(message: &str) -> HttpResponse {
    HttpResponse {
        status: 500,
        headers: vec![
            ("content-type".into(), "application/json".into()),
            ("cache-control".into(), "no-store".into()),
        ],
        body: json_body(&error_body("config-error", message)),
    }
}

/// Decides one request as the forward-auth service: [`decide`], with a passing request
/// answered `200` and the JSON auth state.
pub fn handle(
    verifier: &Verifier,
    gate: &GateConfig,
    req: &HttpRequest,
    now: UnixMillis,
) -> (HttpResponse, Decision) {
    let (verdict, decision) = decide(verifier, gate, req, now);
    (verdict.into_response(), decision)
}

/// Decides one request: pass it on (with the identity to forward) or answer it here.
pub fn decide(
    verifier: &Verifier,
    gate: &GateConfig,
    req: &HttpRequest,
    now: UnixMillis,
) -> (Verdict, Decision) {
    let parts = to_parts(gate, req);
    let raw_path = parts
        .url
        .split_once("://")
        .and_then(|(_, rest)| rest.find('/').map(|i| rest.get(i..).unwrap_or("/")))
        .unwrap_or("/")
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_owned();
    // Security: routes are decided on the path as a URL parser (the core's, WHATWG's, the
    // app's) reads it — `/sign-in/../admin` is `/admin` — never on the raw text.
    let path = crate::weburl::Url::parse(&parts.url)
        .ok()
        .filter(|u| !u.cannot_be_a_base())
        .map_or_else(|| raw_path.clone(), |u| u.path().to_owned());
    let rule = gate.routes.decide(&path);
    let mut decision = Decision {
        status: "error".into(),
        reason: None,
        message: None,
        route: rule.describe(),
        method: req.method.clone(),
        path: path.clone(),
        user_id: None,
    };
    let mut headers: Vec<(String, String)> = vec![
        ("content-type".into(), "application/json".into()),
        ("cache-control".into(), "private, no-store".into()),
    ];
    if gate.pass_through && !is_normal_path(&raw_path) {
        let message = "the request path is not in normal form (dot or empty segments, \\, or \
                       percent-encoded unreserved characters)";
        decision.reason = Some("invalid-request".into());
        decision.message = Some(message.into());
        let body = error_body("invalid-request", message);
        return (
            Verdict::Respond(HttpResponse {
                status: 400,
                headers,
                body: json_body(&body),
            }),
            decision,
        );
    }
    let state = match verifier.authenticate(&parts, now) {
        Ok(s) => s,
        Err(e) => {
            let (status, reason) = match e {
                AuthenticateError::InvalidRequest(_) => (400, "invalid-request"),
                AuthenticateError::DevHandshake(_) => (500, "dev-handshake-failed"),
            };
            decision.reason = Some(reason.into());
            decision.message = Some(e.to_string());
            let body = error_body(reason, &e.to_string());
            return (
                Verdict::Respond(HttpResponse {
                    status,
                    headers,
                    body: json_body(&body),
                }),
                decision,
            );
        }
    };
    decision.status = state.status.as_str().into();
    decision.reason = state.reason.map(|r| r.as_str().to_owned());
    decision.message = state.message.clone();
    for (n, v) in state.headers.iter() {
        if n == "cache-control" {
            headers.retain(|(h, _)| h != "cache-control");
        }
        push(&mut headers, n, v);
    }
    // The body of a passing request or a redirect: the state with its auth object (not
    // built for a 401, whose body leaves it out).
    let body = |state: &RequestState| {
        object([
            ("status", Value::from(state.status.as_str())),
            ("reason", Value::from(state.reason.map(|r| r.as_str()))),
            ("message", Value::from(state.message.clone())),
            ("auth", state.auth_json(true)),
        ])
    };

    // Clerk's own redirects (handshake, development clean-up) win over everything.
    if let Some(location) = state.location().map(str::to_owned) {
        return (
            Verdict::Respond(redirect(gate, headers, &location, &body(&state))),
            decision,
        );
    }
    let identity = identity(&state);
    let signed_in = state.status == AuthStatus::SignedIn && identity.is_some();
    let mut identity_headers = Vec::new();
    if let Some(id) = identity.as_ref().filter(|_| signed_in) {
        decision.user_id = id.user_id.clone();
        identity_headers = identity_header_list(id);
        headers.extend(identity_headers.iter().cloned());
    }
    // Signed in, or signed out (a pending session counts as signed out, like Clerk's
    // toAuth()) on a public route: pass.
    if signed_in || !rule.is_protected() {
        let set_cookies = headers
            .iter()
            .filter(|(n, _)| n == "set-cookie")
            .map(|(_, v)| v.clone())
            .collect();
        return (
            Verdict::Pass(Pass {
                response: HttpResponse {
                    status: 200,
                    headers,
                    body: json_body(&body(&state)),
                },
                identity: identity_headers,
                set_cookies,
                url: parts.url,
            }),
            decision,
        );
    }
    let pending = state.status == AuthStatus::SignedIn;
    if is_document(req) {
        let target = verifier
            .redirect_url(&parts, RedirectTarget::SignIn, pending, now)
            .ok()
            .flatten();
        if let Some(location) = target {
            return (
                Verdict::Respond(redirect(gate, headers, &location, &body(&state))),
                decision,
            );
        }
    }
    if token_presented(req) {
        headers.push((
            "www-authenticate".into(),
            "Bearer error=\"invalid_token\"".into(),
        ));
    }
    let body = object([
        ("status", Value::from(state.status.as_str())),
        ("reason", Value::from(state.reason.map(|r| r.as_str()))),
        ("message", Value::from(state.message.clone())),
    ]);
    (
        Verdict::Respond(HttpResponse {
            status: 401,
            headers,
            body: json_body(&body),
        }),
        decision,
    )
}

fn redirect(
    gate: &GateConfig,
    mut headers: Vec<(String, String)>,
    location: &str,
    body: &Value,
) -> HttpResponse {
    headers.retain(|(n, _)| n != "location");
    if gate.nginx {
        // nginx `auth_request` treats a 3xx from the auth service as an error.
        push(&mut headers, "x-clerk-redirect-to", location);
        return HttpResponse {
            status: 401,
            headers,
            body: json_body(body),
        };
    }
    push(&mut headers, "location", location);
    headers.retain(|(n, _)| n != "content-type");
    HttpResponse {
        status: 307,
        headers,
        body: Vec::new(),
    }
}

struct Identity {
    status: &'static str,
    user_id: Option<String>,
    session_id: Option<String>,
    org_id: Option<String>,
    org_role: Option<String>,
    org_slug: Option<String>,
}

/// The identity of a signed-in state (`None` for a pending session or a bad claim set).
fn identity(state: &RequestState) -> Option<Identity> {
    if state.status != AuthStatus::SignedIn {
        return None;
    }
    if let Some(m) = state.machine_auth() {
        return Some(Identity {
            status: "signed-in",
            user_id: m.subject.as_str().map(str::to_owned),
            session_id: None,
            org_id: None,
            org_role: None,
            org_slug: None,
        });
    }
    let auth = state.session_auth(true)?.ok()?;
    if !auth.is_authenticated {
        return None;
    }
    Some(Identity {
        status: "signed-in",
        user_id: auth.user_id_str().map(str::to_owned),
        session_id: auth.session_id_str().map(str::to_owned),
        org_id: auth.org_id_str().map(str::to_owned),
        org_role: auth.org_role_str().map(str::to_owned),
        org_slug: auth.org_slug_str().map(str::to_owned),
    })
}

fn identity_header_list(id: &Identity) -> Vec<(String, String)> {
    let mut headers = Vec::new();
    push(&mut headers, "x-clerk-auth-status", id.status);
    let pairs = [
        ("x-clerk-user-id", &id.user_id),
        ("x-clerk-session-id", &id.session_id),
        ("x-clerk-org-id", &id.org_id),
        ("x-clerk-org-role", &id.org_role),
        ("x-clerk-org-slug", &id.org_slug),
        ("x-auth-request-user", &id.user_id),
    ];
    for (name, value) in pairs {
        if let Some(v) = value {
            push(&mut headers, name, v);
        }
    }
    headers
}

#[cfg(test)]
mod tests;
