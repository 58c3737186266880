//! Clerk's claim checks over a [`VerifiedJwt`], in Clerk's order (§3.3 step 5):
//! `sub`, `aud`, `azp`, `iss`, `exp`, `nbf`, `iat`. First failure wins.

use serde_json::{Map, Value};

use super::error::{TokenError, TokenReason, ENSURE_CLERK_JWT};
use super::jwt::VerifiedJwt;
use crate::time::{claim_secs_to_millis, to_utc_string, UnixMillis};
use crate::util::{js_json, js_truthy};

/// The header and claim rules a configuration sets (Clerk's `verifyToken` options).
#[derive(Debug, Clone, PartialEq)]
pub struct TokenRules {
    /// Accepted `typ` values (`headerType`); `None` = `JWT`, and a missing `typ` is accepted.
    pub header_types: Option<Vec<String>>,
    /// Accepted audiences; empty = no check.
    pub audience: Vec<String>,
    /// Accepted `azp` values; empty = no check.
    pub authorized_parties: Vec<String>,
    /// Accepted issuers (D5); empty = no check.
    pub issuers: Vec<String>,
    /// Clock skew in milliseconds (Clerk's default 5000).
    pub clock_skew_ms: f64,
}

impl Default for TokenRules {
    fn default() -> Self {
        Self {
            header_types: None,
            audience: Vec::new(),
            authorized_parties: Vec::new(),
            issuers: Vec::new(),
            clock_skew_ms: 5000.0,
        }
    }
}

/// Runs every claim check and returns the claims object.
pub(crate) fn check(
    jwt: VerifiedJwt,
    rules: &TokenRules,
    now: UnixMillis,
) -> Result<Map<String, Value>, TokenError> {
    let p = jwt.payload();
    check_sub(p.get("sub"))?;
    check_aud(p.get("aud"), &rules.audience)?;
    check_azp(p.get("azp"), &rules.authorized_parties)?;
    check_iss(p.get("iss"), &rules.issuers)?;
    check_time(p.get("exp"), TimeClaim::Exp, rules.clock_skew_ms, now)?;
    check_time(p.get("nbf"), TimeClaim::Nbf, rules.clock_skew_ms, now)?;
    check_time(p.get("iat"), TimeClaim::Iat, rules.clock_skew_ms, now)?;
    match jwt.into_payload() {
        Value::Object(map) => Ok(map),
        // A payload with a string `sub` is an object; this only guards the type.
        other => Err(TokenError::failed(format!(
            "Subject claim (sub) is required and must be a string. Received {}.",
            js_json(other.get("sub"))
        ))),
    }
}

fn check_sub(sub: Option<&Value>) -> Result<(), TokenError> {
    if matches!(sub, Some(Value::String(_))) {
        return Ok(());
    }
    Err(TokenError::failed(format!(
        "Subject claim (sub) is required and must be a string. Received {}.",
        js_json(sub)
    )))
}

/// §3.4: both lists non-empty (falsy entries removed) before anything is compared.
///
/// Deliberate difference (issue "Hardening", README deviations): Clerk lets an `aud` of any
/// other shape (an object, a number, an array holding a non-string) through unchecked, so a
/// token could skip a configured audience by type confusion. Here, once the check applies,
/// `aud` must be a string or an array of strings; any other shape fails with Clerk's message
/// for a non-matching `aud` (the array message for arrays).
fn check_aud(aud: Option<&Value>, wanted: &[String]) -> Result<(), TokenError> {
    let wanted: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|a| !a.is_empty())
        .collect();
    let have_any = match aud {
        Some(Value::Array(items)) => items.iter().any(|i| js_truthy(Some(i))),
        other => js_truthy(other),
    };
    if wanted.is_empty() || !have_any {
        return Ok(());
    }
    let matched = match aud {
        Some(Value::String(a)) => wanted.contains(&a.as_str()),
        Some(Value::Array(items)) => {
            items.iter().all(Value::is_string)
                && items
                    .iter()
                    .filter_map(Value::as_str)
                    .any(|a| wanted.contains(&a))
        }
        // An object, a number or `true` (a falsy `aud` never gets here).
        _ => false,
    };
    if matched {
        return Ok(());
    }
    let wanted_json = crate::json::to_string(&Value::from(wanted.clone()));
    let kind = if matches!(aud, Some(Value::Array(_))) {
        "claim array"
    } else {
        "claim"
    };
    Err(TokenError::failed(format!(
        "Invalid JWT audience {kind} (aud) {}. Is not included in \"{wanted_json}\".",
        js_json(aud)
    )))
}

fn check_azp(azp: Option<&Value>, parties: &[String]) -> Result<(), TokenError> {
    if parties.is_empty() {
        return Ok(());
    }
    let ok = match azp {
        Some(Value::String(a)) => !a.is_empty() && parties.iter().any(|p| p == a),
        _ => false,
    };
    if ok {
        return Ok(());
    }
    Err(TokenError::new(
        TokenReason::TokenInvalidAuthorizedParties,
        format!(
            "Invalid JWT Authorized party claim (azp) {}. Expected \"{}\".",
            js_json(azp),
            parties.join(",")
        ),
    ))
}

fn check_iss(iss: Option<&Value>, issuers: &[String]) -> Result<(), TokenError> {
    let list: Vec<&str> = issuers
        .iter()
        .map(String::as_str)
        .filter(|i| !i.is_empty())
        .collect();
    if list.is_empty() {
        return Ok(());
    }
    if matches!(iss, Some(Value::String(i)) if list.contains(&i.as_str())) {
        return Ok(());
    }
    Err(TokenError::new(
        TokenReason::TokenInvalidIssuer,
        format!(
            "Invalid JWT issuer claim (iss) {}. Expected \"{}\".",
            js_json(iss),
            list.join(",")
        ),
    )
    .with_action(ENSURE_CLERK_JWT))
}

#[derive(Clone, Copy)]
enum TimeClaim {
    Exp,
    Nbf,
    Iat,
}

fn check_time(
    value: Option<&Value>,
    which: TimeClaim,
    skew_ms: f64,
    now: UnixMillis,
) -> Result<(), TokenError> {
    let (name, long) = match which {
        TimeClaim::Exp => ("exp", "expiry date"),
        TimeClaim::Nbf => ("nbf", "not before date"),
        TimeClaim::Iat => ("iat", "issued at date"),
    };
    let secs = match value {
        None if !matches!(which, TimeClaim::Exp) => return Ok(()),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(f64::NAN),
        other => {
            return Err(TokenError::failed(format!(
                "Invalid JWT {long} claim ({name}) {}. Expected number.",
                js_json(other)
            )))
        }
    };
    let claim_ms = claim_secs_to_millis(secs);
    let now_ms = now.as_millis();
    // Compared in f64 like JS; both sides are exact integers below 2^53 in practice.
    let (claim_f, now_f) = (claim_ms as f64, now_ms as f64);
    let fmt = |ms| to_utc_string(ms);
    match which {
        TimeClaim::Exp if claim_f <= now_f - skew_ms => Err(TokenError::new(
            TokenReason::TokenExpired,
            format!(
                "JWT is expired. Expiry date: {}, Current date: {}.",
                fmt(claim_ms),
                fmt(now_ms)
            ),
        )),
        TimeClaim::Nbf if claim_f > now_f + skew_ms => Err(TokenError::new(
            TokenReason::TokenNotActiveYet,
            format!(
                "JWT cannot be used prior to not before date claim (nbf). Not before date: {}; Current date: {};",
                fmt(claim_ms),
                fmt(now_ms)
            ),
        )),
        TimeClaim::Iat if claim_f > now_f + skew_ms => Err(TokenError::new(
            TokenReason::TokenIatInTheFuture,
            format!(
                "JWT issued at date claim (iat) is in the future. Issued at date: {}; Current date: {};",
                fmt(claim_ms),
                fmt(now_ms)
            ),
        )),
        _ => Ok(()),
    }
}
