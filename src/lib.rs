//! # clerk-edge
//!
//! Networkless Clerk session verification and request decision: the same answer Clerk's
//! `@clerk/backend` `authenticateRequest` gives — signed-in, signed-out or handshake, with the
//! same reason, headers and redirect — computed from the request alone with embedded keys.
//!
//! ## Scope and threat model
//! - **Never the network.** Nothing here opens a connection: keys come from configuration
//!   (PEM or JWKS text), user data from the token's claims. Features that need Clerk's Backend
//!   API (session refresh, handshake nonces, opaque machine tokens) are answered the way the SDK
//!   answers without an API client (spec D6, D7, D11).
//! - **Every request byte is untrusted.** Tokens, cookies, headers and URLs are size-capped
//!   before decoding, parsed without panics, and turn into a signed-out state with a precise
//!   reason; only a request that cannot be parsed at all is an [`AuthenticateError`].
//! - **The key decides.** The algorithm is pinned by the configured key, never by the token
//!   header; `kid` only selects among configured keys (D4). Signature before claims.
//! - **No secrets in output.** Debug output of keys omits key material; errors never contain
//!   tokens.
//! - **Time is an argument.** The core never reads a clock: callers pass `now`.
//!
//! ## Paved path
//! ```no_run
//! use clerk_edge::{Options, Verifier, RequestParts, UnixMillis};
//! # fn run(pem: String) -> Result<(), Box<dyn std::error::Error>> {
//! let verifier = Verifier::new(Options {
//!     jwt_key: Some(pem),
//!     publishable_key: Some("pk_test_Y2xlcmsuZXhhbXBsZS5jb20k".into()),
//!     ..Options::default()
//! })?;
//! let request = RequestParts {
//!     method: "GET".into(),
//!     url: "https://app.example.com/dashboard".into(),
//!     headers: vec![("cookie".into(), "__session=…; __client_uat=1".into())],
//! };
//! let state = verifier.authenticate(&request, UnixMillis(1_767_225_600_000))?;
//! println!("{:?} {:?}", state.status, state.reason.map(|r| r.as_str()));
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod auth;
pub mod config;
pub mod conformance;
pub mod cookies;
pub(crate) mod der;
pub mod float;
pub mod gate;
mod handshake;
pub mod json;
pub mod keys;
pub mod machine;
#[cfg(feature = "mint")]
pub mod mint;
pub mod orgsync;
mod redirect;
pub mod request;
pub mod routes;
pub(crate) mod rsa_fast;
pub mod state;
pub mod time;
pub mod token;
mod urls;
pub mod util;
pub mod weburl;

#[cfg(test)]
mod test_support;

use std::collections::BTreeMap;

use serde_json::{Map, Value};

pub use auth::{HasParams, SessionAuth};
pub use config::{AcceptsToken, Config, ConfigError, InstanceType, Options, TokenKind};
pub use redirect::RedirectTarget;
pub use request::{AuthenticateError, RequestParts};
pub use state::{AuthStatus, Headers, Reason, RequestState};
pub use time::UnixMillis;
pub use token::{TokenCarrier, TokenError, TokenReason};

/// A configured verifier: keys parsed once, every configuration error already reported.
#[derive(Debug, Clone)]
pub struct Verifier {
    config: Config,
}

impl Verifier {
    /// Validates `options` (D3: configuration errors surface here, never per request).
    pub fn new(options: Options) -> Result<Verifier, ConfigError> {
        Ok(Verifier {
            config: Config::new(options)?,
        })
    }

    /// Builds from `CLERK_*` variables (see [`config::ENV_NAMES`]).
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<Verifier, ConfigError> {
        Self::new(Options::from_env(env)?)
    }

    /// [`Verifier::new`] with keys parsed beforehand ([`keys::KeySet::from_prepared`]):
    /// `options.jwt_key` and `options.jwks` are not read.
    pub fn with_keys(options: Options, keys: keys::KeySet) -> Result<Verifier, ConfigError> {
        Ok(Verifier {
            config: Config::with_keys(options, keys)?,
        })
    }

    /// The validated configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Adds a verified-signature cache of `capacity` entries (for verifiers a host keeps
    /// alive): a token whose signature this verifier already verified skips the RSA operation;
    /// every other check, and every time-dependent claim check, still runs on each call
    /// (`token::cache`).
    pub fn with_token_cache(mut self, capacity: usize) -> Verifier {
        self.config.keys.cache = Some(std::sync::Arc::new(token::cache::SignatureCache::new(
            capacity,
        )));
        self
    }

    /// The cache's counters, when [`Verifier::with_token_cache`] added one.
    pub fn token_cache_stats(&self) -> Option<token::cache::CacheStats> {
        self.config.keys.cache.as_ref().map(|c| c.stats())
    }

    /// `verifyToken`: verifies a session token and returns its claims.
    pub fn verify_token(
        &self,
        token: &str,
        now: UnixMillis,
    ) -> Result<Map<String, Value>, TokenError> {
        token::verify_session_token(token, &self.config.keys, &self.config.rules, now)
    }

    /// `authenticateRequest`: the full decision for one request.
    pub fn authenticate(
        &self,
        request: &RequestParts,
        now: UnixMillis,
    ) -> Result<RequestState, AuthenticateError> {
        request::authenticate(&self.config, request, now)
    }

    /// §6.4: where to send a signed-out visitor of `request` (sign-in or sign-up), with
    /// `redirect_url` set to the request's own URL. `pending` sends to `/tasks`.
    pub fn redirect_url(
        &self,
        request: &RequestParts,
        target: RedirectTarget,
        pending: bool,
        now: UnixMillis,
    ) -> Result<Option<String>, AuthenticateError> {
        request::redirect_for(&self.config, request, target, pending, now)
    }
}
