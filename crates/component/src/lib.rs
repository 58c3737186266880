//! The clerk-edge WebAssembly component: WIT `clerk-edge:auth/verify-session` (and, with the
//! `http` feature, a `wasi:http` incoming handler) over the core. Adapters only convert types;
//! every decision is the core's.
#![cfg(target_arch = "wasm32")]

mod bindings {
    // Generated bindings and export glue use `unsafe` for the canonical ABI; the crate's own
    // code does not (`unsafe_code` is denied everywhere else).
    #![allow(
        unsafe_code,
        missing_docs,
        unreachable_pub,
        clippy::all,
        reason = "generated bindings"
    )]
    #[cfg(not(any(feature = "http", feature = "gate")))]
    wit_bindgen::generate!({ path: "../../wit", world: "clerk-edge:auth/verifier", generate_all });
    #[cfg(all(feature = "http", not(feature = "gate")))]
    wit_bindgen::generate!({ path: "../../wit", world: "clerk-edge:auth/http-verifier", generate_all });
    #[cfg(feature = "gate")]
    wit_bindgen::generate!({ path: "../../wit", world: "clerk-edge:auth/gate", generate_all });

    use super::Component;
    export!(Component with_types_in self);
}
mod convert;
mod embedded {
    #![cfg_attr(
        not(any(feature = "http", feature = "gate")),
        allow(dead_code, reason = "used by the HTTP handler")
    )]
    include!(concat!(env!("OUT_DIR"), "/embedded.rs"));
}
#[cfg(any(feature = "http", feature = "gate"))]
mod http;

use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

use bindings::exports::clerk_edge::auth::verify_session as wit;
use clerk_edge::{RedirectTarget, UnixMillis, Verifier};

/// The exported component.
struct Component;

/// The embedded configuration with `CLERK_*` run-time environment values on top.
pub(crate) fn effective_env() -> BTreeMap<String, String> {
    // WASI environment entries are strings; `vars_os` avoids `vars`' panic path anyway. Were
    // one not UTF-8, the lossy text fails configuration instead of dropping a runtime key.
    let runtime = std::env::vars_os().map(|(k, v)| {
        (
            k.to_string_lossy().into_owned(),
            v.to_string_lossy().into_owned(),
        )
    });
    clerk_edge::config::overlay_env(embedded::EMBEDDED, runtime)
}

#[cfg_attr(
    not(any(feature = "http", feature = "gate")),
    allow(dead_code, reason = "used by the HTTP handler")
)]
/// Whether the DEMO configuration is in effect (no key given at build or run time).
pub(crate) fn is_demo() -> bool {
    embedded::EMBEDDED_IS_DEMO
        && std::env::var("CLERK_JWT_KEY").map_or(true, |v| v.trim().is_empty())
        && std::env::var("CLERK_JWKS").map_or(true, |v| v.trim().is_empty())
}

/// The verifier of the effective configuration, built once per instance.
pub(crate) fn default_verifier() -> &'static Result<Verifier, String> {
    static VERIFIER: OnceLock<Result<Verifier, String>> = OnceLock::new();
    VERIFIER.get_or_init(|| verifier_of(&effective_env()).map_err(|e| e.to_string()))
}

/// The verifier of `env`, on the keys prepared at build time while `env` has the embedded
/// key text (run-time `CLERK_JWT_KEY`/`CLERK_JWKS` replace both, see `overlay_env`).
fn verifier_of(env: &BTreeMap<String, String>) -> Result<Verifier, clerk_edge::ConfigError> {
    let embedded = |name: &str| {
        embedded::EMBEDDED
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| *v)
    };
    let unchanged = |name: &str| env.get(name).map(String::as_str) == embedded(name);
    if unchanged("CLERK_JWT_KEY") && unchanged("CLERK_JWKS") {
        if let Ok(keys) = clerk_edge::keys::KeySet::from_prepared(embedded::EMBEDDED_KEYS) {
            return Verifier::with_keys(clerk_edge::config::Options::from_env(env)?, keys);
        }
    }
    Verifier::from_env(env)
}

/// The wall clock, in epoch milliseconds.
pub(crate) fn now() -> UnixMillis {
    let ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
    UnixMillis(ms)
}

/// The `verifier` resource.
struct VerifierResource(Verifier);

impl wit::GuestVerifier for VerifierResource {
    fn create(config: wit::Config) -> Result<wit::Verifier, wit::ConfigError> {
        let options = convert::options(config).map_err(|message| wit::ConfigError { message })?;
        // A resource lives as long as the host keeps it: repeated tokens skip the RSA work.
        Verifier::new(options)
            .map(|v| v.with_token_cache(clerk_edge::token::cache::DEFAULT_CAPACITY))
            .map(|v| wit::Verifier::new(VerifierResource(v)))
            .map_err(|e| wit::ConfigError {
                message: e.to_string(),
            })
    }

    fn verify_token(&self, token: String) -> Result<wit::Session, wit::TokenError> {
        convert::verify_token(&self.0, &token)
    }

    fn authenticate(&self, request: wit::Request) -> wit::AuthState {
        convert::authenticate(&self.0, request)
    }

    fn authenticate_clerk_state(&self, request: wit::Request, treat_pending: bool) -> String {
        convert::clerk_state(&self.0, request, treat_pending)
    }

    fn sign_in_url(&self, request: wit::Request) -> Option<String> {
        sign_in_url(&self.0, request)
    }

    fn has(&self, session: wit::Session, check: wit::HasCheck) -> bool {
        convert::has(&session, &check)
    }
}

fn sign_in_url(verifier: &Verifier, request: wit::Request) -> Option<String> {
    let parts = convert::request(request);
    verifier
        .redirect_url(&parts, RedirectTarget::SignIn, false, now())
        .ok()
        .flatten()
}

impl wit::Guest for Component {
    type Verifier = VerifierResource;

    fn has(session: wit::Session, check: wit::HasCheck) -> bool {
        convert::has(&session, &check)
    }

    fn verify_token(token: String) -> Result<wit::Session, wit::TokenError> {
        match default_verifier() {
            Ok(v) => convert::verify_token(v, &token),
            Err(e) => Err(wit::TokenError {
                reason: "config-error".into(),
                message: e.clone(),
                action: None,
            }),
        }
    }

    fn authenticate(request: wit::Request) -> wit::AuthState {
        match default_verifier() {
            Ok(v) => convert::authenticate(v, request),
            Err(e) => convert::error_state("config-error", e),
        }
    }

    fn sign_in_url(request: wit::Request) -> Option<String> {
        default_verifier()
            .as_ref()
            .ok()
            .and_then(|v| sign_in_url(v, request))
    }
}
