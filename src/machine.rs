//! JWT-format machine tokens (§4.5): M2M JWTs (`sub` = `mch_…`) and OAuth access tokens
//! (`typ` = `at+jwt`), verified offline with the configured keys like the SDK does with
//! `jwtKey`. Opaque `mt_`/`oat_`/`ak_` tokens need the Backend API and are not supported (D11).

use serde_json::{Map, Value};

use crate::json::object;

use crate::config::{Config, TokenKind};
use crate::time::UnixMillis;
use crate::token::jwt::{DecodedJwt, CAT_M2M};
use crate::token::{verify_jwt, TokenRules};
use crate::util::js_json;

const OAUTH_TYPES: [&str; 2] = ["at+jwt", "application/at+jwt"];
const M2M_RESERVED: [&str; 6] = ["iss", "sub", "exp", "nbf", "iat", "jti"];

/// A verified machine token, in the SDK's serialisable auth-object shape.
#[derive(Debug, Clone, PartialEq)]
pub struct MachineAuth {
    /// `m2m_token` or `oauth_token`.
    pub kind: TokenKind,
    /// `jti` (or `""`).
    pub id: Value,
    /// `sub`.
    pub subject: Value,
    /// Scopes.
    pub scopes: Value,
    /// M2M custom claims (payload minus reserved claims; null when none).
    pub claims: Value,
    /// OAuth `client_id` (or `""`).
    pub client_id: Value,
}

impl MachineAuth {
    /// The conformance-format object: `id, subject, isAuthenticated, tokenType, claims, scopes`
    /// and `machineId` (M2M) or `clientId` (OAuth).
    pub fn to_json(&self) -> Value {
        let mut v = object([
            ("id", self.id.clone()),
            ("subject", self.subject.clone()),
            ("isAuthenticated", Value::Bool(true)),
            ("tokenType", Value::from(self.kind.as_str())),
            ("scopes", self.scopes.clone()),
        ]);
        if let Some(obj) = v.as_object_mut() {
            if self.kind == TokenKind::OAuthToken {
                obj.insert("claims".into(), Value::Null);
                obj.insert("clientId".into(), self.client_id.clone());
            } else {
                obj.insert("claims".into(), self.claims.clone());
                obj.insert("machineId".into(), self.subject.clone());
            }
        }
        v
    }
}

/// `MachineTokenVerificationError`: a code and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MachineError {
    /// The token type the SDK reports with this error.
    pub kind: TokenKind,
    /// `token-invalid` or `token-verification-failed`.
    pub code: &'static str,
    /// The message.
    pub message: String,
}

impl MachineError {
    fn new(kind: TokenKind, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            kind,
            code,
            message: message.into(),
        }
    }

    /// `<message> (code=<code>, status=n/a)`.
    pub fn full_message(&self) -> String {
        format!("{} (code={}, status=n/a)", self.message, self.code)
    }
}

/// `verifyMachineAuthToken` for a JWT-format token.
pub(crate) fn verify(
    token: &str,
    config: &Config,
    now: UnixMillis,
) -> Result<MachineAuth, MachineError> {
    let decoded = DecodedJwt::decode(token)
        .map_err(|e| MachineError::new(TokenKind::M2mToken, "token-invalid", e.message()))?;
    let base_rules = TokenRules {
        header_types: None,
        audience: config.rules.audience.clone(),
        authorized_parties: Vec::new(),
        issuers: Vec::new(),
        clock_skew_ms: config.rules.clock_skew_ms,
    };
    let failed = |kind, e: crate::token::TokenError| {
        MachineError::new(kind, "token-verification-failed", e.message())
    };
    if decoded
        .claim_str("sub")
        .is_some_and(|s| s.starts_with("mch_"))
    {
        let kind = TokenKind::M2mToken;
        match decoded.header("cat") {
            None => {}
            Some(Value::String(c)) if c == CAT_M2M => {}
            Some(_) => {
                return Err(MachineError::new(
                    kind,
                    "token-invalid",
                    "Invalid M2M JWT category.",
                ))
            }
        }
        let p = verify_jwt(token, &config.keys, &base_rules, now).map_err(|e| failed(kind, e))?;
        let scopes = match p.get("scopes") {
            Some(Value::String(s)) => Value::from(s.split(' ').collect::<Vec<_>>()),
            _ => p
                .get("aud")
                .cloned()
                .unwrap_or_else(|| Value::Array(Vec::new())),
        };
        // Inserted one by one: `collect` into a map sorts first, code the component avoids.
        let mut custom = Map::new();
        for (k, v) in p
            .iter()
            .filter(|(k, _)| !M2M_RESERVED.contains(&k.as_str()))
        {
            custom.insert(k.clone(), v.clone());
        }
        return Ok(MachineAuth {
            kind,
            id: p.get("jti").cloned().unwrap_or_else(|| Value::from("")),
            subject: p.get("sub").cloned().unwrap_or(Value::Null),
            scopes,
            claims: if custom.is_empty() {
                Value::Null
            } else {
                Value::Object(custom)
            },
            client_id: Value::Null,
        });
    }
    let kind = TokenKind::OAuthToken;
    let typ = decoded.header("typ");
    if !matches!(typ, Some(Value::String(t)) if OAUTH_TYPES.contains(&t.as_str())) {
        let shown = match typ {
            None | Some(Value::Null) => "missing".to_owned(),
            Some(Value::String(s)) => s.clone(),
            Some(other) => js_json(Some(other)),
        };
        return Err(MachineError::new(
            kind,
            "token-verification-failed",
            format!("Invalid JWT type: {shown}. Expected one of: at+jwt, application/at+jwt for OAuth, or sub starting with 'mch_' for M2M"),
        ));
    }
    let rules = TokenRules {
        header_types: Some(OAUTH_TYPES.iter().map(|s| (*s).to_owned()).collect()),
        audience: Vec::new(),
        ..base_rules
    };
    let p = verify_jwt(token, &config.keys, &rules, now).map_err(|e| failed(kind, e))?;
    check_oauth_audience(p.get("aud"), &config.rules.audience)
        .map_err(|m| MachineError::new(kind, "token-verification-failed", m))?;
    let scopes = match (p.get("scp"), p.get("scope")) {
        (Some(scp), _) if !scp.is_null() => scp.clone(),
        (_, Some(Value::String(s))) => Value::from(s.split(' ').collect::<Vec<_>>()),
        _ => Value::Array(Vec::new()),
    };
    Ok(MachineAuth {
        kind,
        id: p.get("jti").cloned().unwrap_or_else(|| Value::from("")),
        subject: p.get("sub").cloned().unwrap_or(Value::Null),
        scopes,
        claims: Value::Null,
        client_id: p
            .get("client_id")
            .cloned()
            .unwrap_or_else(|| Value::from("")),
    })
}

/// `assertOAuthAudienceClaim`.
fn check_oauth_audience(aud: Option<&Value>, audience: &[String]) -> Result<(), String> {
    let wanted: Vec<&str> = audience
        .iter()
        .map(String::as_str)
        .filter(|a| !a.is_empty())
        .collect();
    if wanted.is_empty() {
        return Ok(());
    }
    let list: Option<Vec<&str>> = match aud {
        Some(Value::String(s)) if !s.is_empty() => Some(vec![s.as_str()]),
        Some(Value::Array(items)) if !items.is_empty() => items.iter().map(Value::as_str).collect(),
        _ => None,
    };
    let wanted_json = crate::json::to_string(&Value::from(wanted.clone()));
    let Some(list) = list.filter(|l| l.iter().all(|a| !a.is_empty())) else {
        return Err(format!(
            "Invalid OAuth audience claim (aud) {}. Expected a non-empty string or a non-empty array of non-empty strings.",
            js_json(aud)
        ));
    };
    if list.iter().any(|a| wanted.contains(a)) {
        return Ok(());
    }
    Err(format!(
        "OAuth audience mismatch. Verification expected audience {wanted_json}, but incoming token has aud {}.",
        js_json(aud)
    ))
}
