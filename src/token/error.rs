//! `TokenError`: why a token was refused, with Clerk's exact reason codes and message texts.

use std::fmt;

/// Clerk's `TokenVerificationErrorReason` values that can occur without the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum TokenReason {
    /// `token-expired`: `exp` is in the past (beyond the skew).
    TokenExpired,
    /// `token-iat-in-the-future`: `iat` is in the future (beyond the skew).
    TokenIatInTheFuture,
    /// `token-invalid`: malformed token, wrong `typ`, wrong category, unknown `crit`.
    TokenInvalid,
    /// `token-invalid-algorithm`: `alg` is not one of RS256/RS384/RS512.
    TokenInvalidAlgorithm,
    /// `token-invalid-authorized-parties`: `azp` is missing or not on the allow-list.
    TokenInvalidAuthorizedParties,
    /// `token-invalid-issuer`: `iss` is not on the configured issuer allow-list.
    TokenInvalidIssuer,
    /// `token-invalid-signature`: the RSA signature does not verify.
    TokenInvalidSignature,
    /// `token-not-active-yet`: `nbf` is in the future (beyond the skew).
    TokenNotActiveYet,
    /// `token-verification-failed`: a claim has the wrong type or value, or the key cannot
    /// verify this algorithm.
    TokenVerificationFailed,
    /// `jwk-kid-mismatch`: several keys are configured and none matches the token's `kid`.
    JwkKidMismatch,
}

impl TokenReason {
    /// The exact Clerk reason code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::TokenExpired => "token-expired",
            Self::TokenIatInTheFuture => "token-iat-in-the-future",
            Self::TokenInvalid => "token-invalid",
            Self::TokenInvalidAlgorithm => "token-invalid-algorithm",
            Self::TokenInvalidAuthorizedParties => "token-invalid-authorized-parties",
            Self::TokenInvalidIssuer => "token-invalid-issuer",
            Self::TokenInvalidSignature => "token-invalid-signature",
            Self::TokenNotActiveYet => "token-not-active-yet",
            Self::TokenVerificationFailed => "token-verification-failed",
            Self::JwkKidMismatch => "jwk-kid-mismatch",
        }
    }
}

impl fmt::Display for TokenReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Clerk's `TokenVerificationErrorAction` texts that occur without the network.
pub(crate) const ENSURE_CLERK_JWT: &str = "Make sure that this is a valid Clerk-generated JWT.";
pub(crate) const KID_MISMATCH_ACTION: &str = "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists.";

/// Where the token came from, for the ` (reason=…, token-carrier=…)` suffix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenCarrier {
    /// `Authorization` header.
    Header,
    /// `__session` cookie (or a handshake directive).
    Cookie,
}

impl TokenCarrier {
    /// `header` or `cookie`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Header => "header",
            Self::Cookie => "cookie",
        }
    }
}

/// A refused token: Clerk's reason, message and optional action text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenError {
    reason: TokenReason,
    message: String,
    action: Option<&'static str>,
}

impl TokenError {
    pub(crate) fn new(reason: TokenReason, message: impl Into<String>) -> Self {
        Self {
            reason,
            message: message.into(),
            action: None,
        }
    }

    pub(crate) fn with_action(mut self, action: &'static str) -> Self {
        self.action = Some(action);
        self
    }

    /// `token-invalid` + `EnsureClerkJWT` (wrong `typ`, category, `crit`).
    pub(crate) fn invalid(message: impl Into<String>) -> Self {
        Self::new(TokenReason::TokenInvalid, message).with_action(ENSURE_CLERK_JWT)
    }

    /// `token-verification-failed` + `EnsureClerkJWT` (claim shape errors).
    pub(crate) fn failed(message: impl Into<String>) -> Self {
        Self::new(TokenReason::TokenVerificationFailed, message).with_action(ENSURE_CLERK_JWT)
    }

    /// The reason code.
    pub fn reason(&self) -> TokenReason {
        self.reason
    }

    /// The message without action or suffix (what `err.message` holds in the SDK).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The action text, if any.
    pub fn action(&self) -> Option<&'static str> {
        self.action
    }

    /// `getFullMessage()`: `<message>[ <action>] (reason=<reason>, token-carrier=<carrier>)`.
    pub fn full_message(&self, carrier: TokenCarrier) -> String {
        self.full_message_for(carrier.as_str())
    }

    /// [`full_message`](Self::full_message) with a carrier given as text.
    pub(crate) fn full_message_for(&self, carrier: &str) -> String {
        let mut out = String::with_capacity(self.message.len() + 96);
        out.push_str(&self.message);
        if let Some(action) = self.action {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(action);
        }
        out.push_str(" (reason=");
        out.push_str(self.reason.as_str());
        out.push_str(", token-carrier=");
        out.push_str(carrier);
        out.push(')');
        out
    }
}

impl fmt::Display for TokenError {
    /// The message followed by the action, as `[message, action].join(" ")`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(action) = self.action {
            if !self.message.is_empty() {
                f.write_str(" ")?;
            }
            f.write_str(action)?;
        }
        Ok(())
    }
}

impl std::error::Error for TokenError {}
