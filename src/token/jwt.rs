//! Compact JWS: size cap, split, strict base64url, header rules and RSA signature check.
//!
//! This module is the only maker of [`VerifiedJwt`], so claim checks cannot run on a token whose
//! signature was not verified. We do our own JOSE parsing instead of jwt-simple's
//! `verify_token`: Clerk checks `typ` and `alg` first, then the signature, then claims in its own
//! order with its own messages, and jwt-simple fuses signature and claim checks behind one
//! type-erased error with other time semantics (15-minute default tolerance).

use serde_json::Value;

use super::cache::SignatureCache;
use super::error::{TokenError, TokenReason, ENSURE_CLERK_JWT, KID_MISMATCH_ACTION};
use crate::keys::{Alg, Candidates, KeySet, SigCheck};
use crate::time::UnixMillis;
use crate::util::{b64url_loose, js_json};

/// Longest token accepted, in bytes (Clerk session tokens are ~1–2 KB; cookies cap at 4 KB).
pub const MAX_TOKEN_BYTES: usize = 32 * 1024;

/// `cat` of an M2M token.
pub(crate) const CAT_M2M: &str = "cl_B7d4PD333AAA";
/// `cat` of a session token.
pub(crate) const CAT_SESSION: &str = "cl_B7d4PD111AAA";
/// `cat` that is ignored.
pub(crate) const CAT_IGNORE: &str = "cl_I7d4PD111III";

/// A decoded, *unverified* JWT. Every field is attacker-controlled until [`verify`] succeeds.
#[derive(Debug, Clone)]
pub(crate) struct DecodedJwt<'t> {
    signing_input: &'t str,
    header: Value,
    payload: Value,
    signature: Vec<u8>,
}

impl<'t> DecodedJwt<'t> {
    /// §3.1 `decodeJwt`: exactly three parts, loose base64url, UTF-8 (lossy) JSON.
    pub(crate) fn decode(token: &'t str) -> Result<Self, TokenError> {
        if token.len() > MAX_TOKEN_BYTES {
            // Security: bound the work before decoding anything.
            return Err(TokenError::new(
                TokenReason::TokenInvalid,
                format!("Invalid JWT form. The token is longer than {MAX_TOKEN_BYTES} bytes."),
            ));
        }
        let mut parts = token.split('.');
        let (Some(h), Some(p), Some(s), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::new(
                TokenReason::TokenInvalid,
                "Invalid JWT form. A JWT consists of three parts separated by dots.",
            ));
        };
        let undecodable = || {
            TokenError::new(
                TokenReason::TokenInvalid,
                "Invalid JWT form. The header, payload, or signature could not be decoded.",
            )
        };
        let json = |seg: &str| -> Result<Value, TokenError> {
            let bytes = b64url_loose(seg).ok_or_else(undecodable)?;
            // Lossy like the SDK's `TextDecoder`; valid UTF-8 (the usual case) is not copied.
            let parsed = match std::str::from_utf8(&bytes) {
                Ok(text) => crate::json::parse(text),
                Err(_) => crate::json::parse(&String::from_utf8_lossy(&bytes)),
            };
            match parsed {
                // D13: JSON `null` makes the SDK throw a raw TypeError; we call it undecodable.
                Ok(Value::Null) | Err(_) => Err(undecodable()),
                Ok(v) => Ok(v),
            }
        };
        let header = json(h)?;
        let payload = json(p)?;
        let signature = b64url_loose(s).ok_or_else(undecodable)?;
        let signing_input = token.get(..h.len() + 1 + p.len()).unwrap_or("");
        Ok(Self {
            signing_input,
            header,
            payload,
            signature,
        })
    }

    /// Untrusted header field.
    pub(crate) fn header(&self, name: &str) -> Option<&Value> {
        self.header.get(name)
    }

    /// Untrusted header field, when it is a string.
    pub(crate) fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(Value::as_str)
    }

    /// Untrusted payload claim.
    pub(crate) fn claim(&self, name: &str) -> Option<&Value> {
        self.payload.get(name)
    }

    /// Untrusted payload claim, when it is a string.
    pub(crate) fn claim_str(&self, name: &str) -> Option<&str> {
        self.claim(name).and_then(Value::as_str)
    }

    /// "Non-session category" (§2.2): `cat` present and neither session nor ignore.
    pub(crate) fn has_non_session_category(&self) -> bool {
        match self.header("cat") {
            None => false,
            Some(Value::String(c)) => c != CAT_SESSION && c != CAT_IGNORE,
            // Parity: JS compares with `!==`, so any non-string `cat` is "non-session".
            Some(_) => true,
        }
    }
}

/// A JWT whose signature verified against a configured key. Built only by [`verify`].
#[derive(Debug, Clone)]
pub(crate) struct VerifiedJwt {
    payload: Value,
}

impl VerifiedJwt {
    /// The signed payload (claims are not yet validated unless obtained from a verified session).
    pub(crate) fn payload(&self) -> &Value {
        &self.payload
    }

    pub(crate) fn into_payload(self) -> Value {
        self.payload
    }
}

/// Which flavour of messages a signature failure uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Session, template or machine token (`verifyJwt`).
    Token,
    /// Handshake token (`verifyHandshakeJwt`).
    Handshake,
}

/// `typ` rule (§3.3 step 2): absent and unconfigured passes; otherwise exact membership.
pub(crate) fn check_typ(
    decoded: &DecodedJwt<'_>,
    allowed: Option<&[String]>,
) -> Result<(), TokenError> {
    let typ = decoded.header("typ");
    if typ.is_none() && allowed.is_none() {
        return Ok(());
    }
    let default = ["JWT".to_owned()];
    let list = allowed.unwrap_or(&default);
    let ok = matches!(typ, Some(Value::String(t)) if list.iter().any(|a| a == t));
    if ok {
        return Ok(());
    }
    Err(TokenError::invalid(format!(
        "Invalid JWT type {}. Expected \"{}\".",
        js_json(typ),
        list.join(", ")
    )))
}

/// `alg` rule (§3.3 step 3).
pub(crate) fn check_alg(decoded: &DecodedJwt<'_>) -> Result<Alg, TokenError> {
    let alg = decoded.header("alg");
    alg.and_then(Value::as_str)
        .and_then(Alg::from_name)
        .ok_or_else(|| {
            TokenError::new(
                TokenReason::TokenInvalidAlgorithm,
                format!(
                    "Invalid JWT algorithm {}. Supported: RS256,RS384,RS512.",
                    js_json(alg)
                ),
            )
            .with_action(ENSURE_CLERK_JWT)
        })
}

/// D12: we implement no JWS extensions, so any `crit` header makes the token invalid
/// (RFC 7515 §4.1.11). Clerk never sets `crit`.
pub(crate) fn check_crit(decoded: &DecodedJwt<'_>) -> Result<(), TokenError> {
    match decoded.header("crit") {
        None => Ok(()),
        Some(crit) => Err(TokenError::invalid(format!(
            "Unsupported critical JWT header extension (crit) {}.",
            js_json(Some(crit))
        ))),
    }
}

/// Signature check (§3.3 step 4): the key set picks the key (D4), the key pins the algorithm.
///
/// `cache_clock` (`now`, clock skew in ms) lets a key set with a [`SignatureCache`] skip the
/// RSA operation for a token whose signature it already verified (session and machine tokens;
/// handshake tokens pass `None`).
///
/// [`SignatureCache`]: super::cache::SignatureCache
pub(crate) fn verify(
    decoded: DecodedJwt<'_>,
    alg: Alg,
    keys: &KeySet,
    purpose: Purpose,
    cache_clock: Option<(UnixMillis, f64)>,
) -> Result<VerifiedJwt, TokenError> {
    // Untrusted: `kid` only selects among configured keys.
    let kid = decoded.header_str("kid");
    let candidates = match keys.candidates(kid) {
        Candidates::Keys(keys) => keys,
        Candidates::KidMismatch => {
            let kid_text = kid.map_or_else(|| "undefined".to_owned(), str::to_owned);
            return Err(TokenError::new(
                TokenReason::JwkKidMismatch,
                format!(
                    "Unable to find a signing key in JWKS that matches the kid='{kid_text}' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT. The following kid is available: {}",
                    keys.kids().join(", ")
                ),
            )
            .with_action(KID_MISMATCH_ACTION));
        }
    };
    let cache = keys.cache.as_deref().zip(cache_clock);
    let digest = cache.map(|_| SignatureCache::digest(decoded.signing_input, &decoded.signature));
    if let (Some((cache, (now, _))), Some(digest)) = (cache, &digest) {
        let remembered = cache.get(digest, now).and_then(|i| keys.get(i));
        // Still only among this token's candidates, and only for the key's own algorithm.
        let usable = remembered
            .is_some_and(|k| k.alg() == alg && candidates.iter().any(|c| std::ptr::eq(*c, k)));
        if usable {
            return Ok(VerifiedJwt {
                payload: decoded.payload,
            });
        }
    }
    let mut alg_mismatch = false;
    for key in candidates {
        match key.verify(alg, decoded.signing_input.as_bytes(), &decoded.signature) {
            SigCheck::Valid => {
                if let (Some((cache, (now, skew_ms))), Some(digest)) = (cache, digest) {
                    // Kept until the token's `exp` + skew; a token without one is not kept.
                    let exp_ms = decoded
                        .claim("exp")
                        .and_then(Value::as_f64)
                        .filter(|e| e.is_finite())
                        .map(|e| e * 1000.0 + skew_ms);
                    if let (Some(until), Some(index)) = (exp_ms, keys.index_of(key)) {
                        // Saturating: a huge `exp` is kept until the cache evicts it.
                        cache.insert(digest, index, until as i64, now);
                    }
                }
                return Ok(VerifiedJwt {
                    payload: decoded.payload,
                });
            }
            SigCheck::AlgMismatch => alg_mismatch = true,
            SigCheck::Invalid => {
                alg_mismatch = false;
            }
        }
    }
    // Parity: WebCrypto refuses to use an RS256-pinned JWK for another hash; Clerk reports the
    // thrown error's text after its own prefix.
    const ALG_MISMATCH: &str = "Error: JWK \"alg\" does not match the requested algorithm";
    Err(match (purpose, alg_mismatch) {
        (Purpose::Token, true) => {
            TokenError::failed(format!("Error verifying JWT signature. {ALG_MISMATCH}"))
        }
        (Purpose::Handshake, true) => TokenError::new(
            TokenReason::TokenVerificationFailed,
            format!("Error verifying handshake token. {ALG_MISMATCH}"),
        ),
        (Purpose::Token, false) => TokenError::new(
            TokenReason::TokenInvalidSignature,
            "JWT signature is invalid.",
        ),
        (Purpose::Handshake, false) => TokenError::new(
            TokenReason::TokenInvalidSignature,
            "Handshake signature is invalid.",
        ),
    })
}
