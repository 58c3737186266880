//! Runs conformance cases (`../shared/spec/conformance-format.md`, JSON Lines) through
//! clerk-edge and renders results in exactly the reference runner's shape, so the two result
//! files can be compared line by line.

use serde_json::{Map, Value};

use crate::json::object;

use crate::config::{parse_accepts_token, AcceptsToken, Config, Options, TokenKind};
use crate::keys::KeySet;
use crate::orgsync::OrganizationSyncOptions;
use crate::request::{authenticate, AuthenticateError, RequestParts};
use crate::state::RequestState;
use crate::time::UnixMillis;
use crate::token::{verify_session_token, TokenRules};

/// Runs one case line and returns the result object (or `None` for a blank/comment line).
pub fn run_line(line: &str) -> Option<Value> {
    let trimmed = line.trim();
    if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
        return None;
    }
    let case: Value = match crate::json::parse(trimmed) {
        Ok(v) => v,
        Err(e) => {
            let message = format!("case is not JSON: {e}");
            return Some(object([
                ("id", Value::Null),
                ("kind", Value::Null),
                ("status", Value::Null),
                (
                    "exception",
                    object([
                        ("name", Value::from("SyntaxError")),
                        ("message", Value::from(message)),
                    ]),
                ),
            ]));
        }
    };
    Some(run_case(&case))
}

/// Runs one parsed case.
pub fn run_case(case: &Value) -> Value {
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let kind = case.get("kind").and_then(Value::as_str).unwrap_or("");
    let now = UnixMillis(case.get("now").and_then(Value::as_f64).unwrap_or(0.0) as i64);
    let empty = Map::new();
    let options = case
        .get("options")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    match kind {
        "verify" => run_verify(id, case, options, now),
        _ => run_authenticate(id, case, options, now),
    }
}

fn exception(id: Value, kind: &str, message: String) -> Value {
    object([
        ("id", id),
        ("kind", Value::from(kind)),
        ("status", Value::Null),
        (
            "exception",
            object([
                ("name", Value::from("Error")),
                ("message", Value::from(message)),
            ]),
        ),
    ])
}

fn run_verify(id: Value, case: &Value, options: &Map<String, Value>, now: UnixMillis) -> Value {
    let token = case.get("token").and_then(Value::as_str).unwrap_or("");
    let keys = match KeySet::parse(
        str_opt(options, "jwtKey").as_deref(),
        str_opt(options, "jwks").as_deref(),
    ) {
        Ok(k) => k,
        Err(e) => return exception(id, "verify", e.to_string()),
    };
    let rules = token_rules(options);
    match verify_session_token(token, &keys, &rules, now) {
        Ok(claims) => object([
            ("id", id),
            ("kind", Value::from("verify")),
            ("ok", Value::Bool(true)),
            ("claims", Value::Object(claims)),
        ]),
        Err(e) => object([
            ("id", id),
            ("kind", Value::from("verify")),
            ("ok", Value::Bool(false)),
            ("error_reason", Value::from(e.reason().as_str())),
            ("error_message", Value::from(e.message())),
        ]),
    }
}

fn run_authenticate(
    id: Value,
    case: &Value,
    options: &Map<String, Value>,
    now: UnixMillis,
) -> Value {
    let config =
        match options_from_case(options).and_then(|o| Config::new(o).map_err(|e| e.to_string())) {
            Ok(c) => c,
            Err(msg) => return exception(id, "authenticate", msg),
        };
    let request = request_from_case(case.get("request"));
    let treat_pending = case
        .get("toAuthOptions")
        .and_then(|o| o.get("treatPendingAsSignedOut"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    match authenticate(&config, &request, now) {
        Ok(state) => render_state(id, &state, treat_pending),
        Err(AuthenticateError::InvalidRequest(m) | AuthenticateError::DevHandshake(m)) => {
            exception(id, "authenticate", m)
        }
    }
}

/// Renders a state in the reference runner's result shape.
pub fn render_state(id: Value, state: &RequestState, treat_pending: bool) -> Value {
    let mut v = state.to_clerk_json(treat_pending);
    if let Some(obj) = v.as_object_mut() {
        obj.insert("id".into(), id);
        obj.insert("kind".into(), Value::from("authenticate"));
    }
    v
}

fn str_opt(o: &Map<String, Value>, name: &str) -> Option<String> {
    o.get(name)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A string or a list of strings, as Clerk's options allow.
fn str_list(o: &Map<String, Value>, name: &str) -> Vec<String> {
    match o.get(name) {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        _ => Vec::new(),
    }
}

fn token_rules(o: &Map<String, Value>) -> TokenRules {
    TokenRules {
        header_types: match o.get("headerType") {
            None | Some(Value::Null) => None,
            Some(_) => Some(str_list(o, "headerType")),
        },
        audience: str_list(o, "audience"),
        authorized_parties: str_list(o, "authorizedParties"),
        issuers: str_list(o, "issuer"),
        clock_skew_ms: o
            .get("clockSkewInMs")
            .and_then(Value::as_f64)
            .filter(|f| f.is_finite())
            .unwrap_or(5000.0),
    }
}

/// Maps Clerk's option names (camelCase) to [`Options`].
pub fn options_from_case(o: &Map<String, Value>) -> Result<Options, String> {
    let rules = token_rules(o);
    let accepts_token = match o.get("acceptsToken") {
        None | Some(Value::Null) => AcceptsToken::One(TokenKind::SessionToken),
        Some(Value::String(s)) => parse_accepts_token(s).map_err(|e| e.to_string())?,
        Some(Value::Array(items)) => AcceptsToken::List(
            items
                .iter()
                .filter_map(Value::as_str)
                .filter_map(TokenKind::from_name)
                .collect(),
        ),
        Some(_) => return Err("acceptsToken must be a string or a list".into()),
    };
    let organization_sync = o
        .get("organizationSyncOptions")
        .map(|s| OrganizationSyncOptions {
            organization_patterns: s
                .as_object()
                .map(|m| str_list(m, "organizationPatterns"))
                .unwrap_or_default(),
            personal_account_patterns: s
                .as_object()
                .map(|m| str_list(m, "personalAccountPatterns"))
                .unwrap_or_default(),
        });
    Ok(Options {
        jwt_key: str_opt(o, "jwtKey"),
        jwks: str_opt(o, "jwks"),
        publishable_key: str_opt(o, "publishableKey"),
        authorized_parties: rules.authorized_parties,
        audience: rules.audience,
        issuers: rules.issuers,
        clock_skew_ms: Some(rules.clock_skew_ms),
        header_types: rules.header_types,
        domain: str_opt(o, "domain"),
        is_satellite: o
            .get("isSatellite")
            .is_some_and(|v| crate::util::js_truthy(Some(v))),
        proxy_url: str_opt(o, "proxyUrl"),
        sign_in_url: str_opt(o, "signInUrl"),
        sign_up_url: str_opt(o, "signUpUrl"),
        after_sign_in_url: str_opt(o, "afterSignInUrl"),
        after_sign_up_url: str_opt(o, "afterSignUpUrl"),
        satellite_auto_sync: o.get("satelliteAutoSync") == Some(&Value::Bool(true)),
        organization_sync,
        accepts_token,
        redirect_origins: str_list(o, "redirectOrigins"),
        public_origin: str_opt(o, "publicOrigin"),
    })
}

/// Reads a case's request (headers as an object or a list of pairs).
pub fn request_from_case(r: Option<&Value>) -> RequestParts {
    let get = |name: &str| {
        r.and_then(|r| r.get(name))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let headers = match r.and_then(|r| r.get("headers")) {
        Some(Value::Object(m)) => m
            .iter()
            .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_owned())))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|p| match p.as_array().map(Vec::as_slice) {
                Some([Value::String(k), Value::String(v)]) => Some((k.clone(), v.clone())),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    };
    RequestParts {
        method: get("method").unwrap_or_else(|| "GET".to_owned()),
        url: get("url").unwrap_or_default(),
        headers,
    }
}
