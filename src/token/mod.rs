//! Session and handshake token verification (§3, §5.3).

pub mod cache;
pub mod claims;
pub mod error;
pub(crate) mod jwt;

use serde_json::{Map, Value};

use crate::keys::KeySet;
use crate::time::UnixMillis;
pub use claims::TokenRules;
use error::ENSURE_CLERK_JWT;
pub use error::{TokenCarrier, TokenError, TokenReason};
pub use jwt::MAX_TOKEN_BYTES;
use jwt::{DecodedJwt, Purpose, CAT_M2M};

/// Verifies a session token (§3.2–3.3): decode, M2M category guard, `typ`, `alg`, `crit` (D12),
/// signature, then claims. Returns the verified claims.
pub fn verify_session_token(
    token: &str,
    keys: &KeySet,
    rules: &TokenRules,
    now: UnixMillis,
) -> Result<Map<String, Value>, TokenError> {
    verify_session_decoded(DecodedJwt::decode(token)?, keys, rules, now)
}

/// [`verify_session_token`] on a token the caller already decoded (the request path decodes
/// each token once).
pub(crate) fn verify_session_decoded(
    decoded: DecodedJwt<'_>,
    keys: &KeySet,
    rules: &TokenRules,
    now: UnixMillis,
) -> Result<Map<String, Value>, TokenError> {
    if decoded.header_str("cat") == Some(CAT_M2M) {
        return Err(TokenError::invalid("Invalid session token category."));
    }
    verify_decoded(decoded, keys, rules, now)
}

/// Clerk's `verifyJwt` without the session category guard (machine JWTs).
pub(crate) fn verify_jwt(
    token: &str,
    keys: &KeySet,
    rules: &TokenRules,
    now: UnixMillis,
) -> Result<Map<String, Value>, TokenError> {
    verify_decoded(DecodedJwt::decode(token)?, keys, rules, now)
}

/// §3.3 steps 2–6 on a decoded token: `typ`, `alg`, `crit` (D12), signature, claims.
fn verify_decoded(
    decoded: DecodedJwt<'_>,
    keys: &KeySet,
    rules: &TokenRules,
    now: UnixMillis,
) -> Result<Map<String, Value>, TokenError> {
    jwt::check_typ(&decoded, rules.header_types.as_deref())?;
    let alg = jwt::check_alg(&decoded)?;
    jwt::check_crit(&decoded)?;
    let cache = Some((now, rules.clock_skew_ms));
    let verified = jwt::verify(decoded, alg, keys, Purpose::Token, cache)?;
    claims::check(verified, rules, now)
}

/// Verifies a handshake token (§5.3) and returns its payload. No time or subject checks.
pub(crate) fn verify_handshake_token(token: &str, keys: &KeySet) -> Result<Value, TokenError> {
    let decoded = DecodedJwt::decode(token)?;
    jwt::check_typ(&decoded, None)?;
    let alg = jwt::check_alg(&decoded)?;
    if decoded.has_non_session_category() {
        // Security: keeps JWT-template tokens with attacker-chosen `handshake[]` out.
        return Err(TokenError::new(
            TokenReason::TokenInvalid,
            "Invalid handshake token category.",
        )
        .with_action(ENSURE_CLERK_JWT));
    }
    jwt::check_crit(&decoded)?;
    Ok(jwt::verify(decoded, alg, keys, Purpose::Handshake, None)?.into_payload())
}

#[cfg(test)]
mod tests;
