//! Options (Clerk's names) → an immutable, validated [`Config`].
//!
//! D2: there is no secret key. D3: every configuration problem is found here, so a built
//! [`crate::Verifier`] never fails a request for configuration reasons.

use std::collections::BTreeMap;
use std::fmt;

use crate::weburl::Url;
use sha1::{Digest, Sha1};

use crate::keys::{KeyError, KeySet};
use crate::orgsync::{OrgMatcher, OrganizationSyncOptions};
use crate::token::TokenRules;
use crate::util::{b64_standard_encode, b64_standard_lenient};

/// Which token kinds a verifier accepts (`acceptsToken`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AcceptsToken {
    /// One kind (`session_token`, `api_key`, `m2m_token`, `oauth_token`).
    One(TokenKind),
    /// Any kind (`any`).
    Any,
    /// A list of kinds.
    List(Vec<TokenKind>),
}

/// A token kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// `session_token`
    SessionToken,
    /// `api_key`
    ApiKey,
    /// `m2m_token`
    M2mToken,
    /// `oauth_token`
    OAuthToken,
}

impl TokenKind {
    /// Clerk's name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::SessionToken => "session_token",
            Self::ApiKey => "api_key",
            Self::M2mToken => "m2m_token",
            Self::OAuthToken => "oauth_token",
        }
    }

    /// Parses Clerk's name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "session_token" => Some(Self::SessionToken),
            "api_key" => Some(Self::ApiKey),
            "m2m_token" => Some(Self::M2mToken),
            "oauth_token" => Some(Self::OAuthToken),
            _ => None,
        }
    }
}

impl AcceptsToken {
    /// Whether `kind` is accepted.
    pub fn accepts(&self, kind: TokenKind) -> bool {
        match self {
            Self::Any => true,
            Self::One(k) => *k == kind,
            Self::List(list) => list.contains(&kind),
        }
    }
}

/// Configuration in Clerk's terms. Every field has Clerk's default; build with
/// [`Config::new`] or [`Options::from_env`].
#[derive(Debug, Clone, PartialEq)]
pub struct Options {
    /// `CLERK_JWT_KEY`: one or more PEM public keys (SPKI or PKCS#1).
    pub jwt_key: Option<String>,
    /// `CLERK_JWKS`: a JWKS document (for key rotation with `kid`s).
    pub jwks: Option<String>,
    /// `CLERK_PUBLISHABLE_KEY`.
    pub publishable_key: Option<String>,
    /// `CLERK_AUTHORIZED_PARTIES`: accepted `azp` values.
    pub authorized_parties: Vec<String>,
    /// `CLERK_AUDIENCE`: accepted `aud` values.
    pub audience: Vec<String>,
    /// `CLERK_ISSUERS`: accepted `iss` values (D5; empty = not checked).
    pub issuers: Vec<String>,
    /// `CLERK_CLOCK_SKEW_MS` (default 5000).
    pub clock_skew_ms: Option<f64>,
    /// `CLERK_HEADER_TYPE`: accepted `typ` values (default `JWT` or absent).
    pub header_types: Option<Vec<String>>,
    /// `CLERK_DOMAIN`: satellite domain.
    pub domain: Option<String>,
    /// `CLERK_IS_SATELLITE`.
    pub is_satellite: bool,
    /// `CLERK_PROXY_URL`: absolute, or a path starting with `/` resolved per request.
    pub proxy_url: Option<String>,
    /// `CLERK_SIGN_IN_URL`.
    pub sign_in_url: Option<String>,
    /// `CLERK_SIGN_UP_URL`.
    pub sign_up_url: Option<String>,
    /// `CLERK_AFTER_SIGN_IN_URL` (echoed only).
    pub after_sign_in_url: Option<String>,
    /// `CLERK_AFTER_SIGN_UP_URL` (echoed only).
    pub after_sign_up_url: Option<String>,
    /// `CLERK_SATELLITE_AUTO_SYNC`.
    pub satellite_auto_sync: bool,
    /// `CLERK_ORGANIZATION_PATTERNS` / `CLERK_PERSONAL_ACCOUNT_PATTERNS`.
    pub organization_sync: Option<OrganizationSyncOptions>,
    /// `CLERK_ACCEPTS_TOKEN` (default `session_token`).
    pub accepts_token: AcceptsToken,
    /// `CLERK_REDIRECT_ORIGINS`: extra origins `__clerk_redirect_url` may point to (D9).
    pub redirect_origins: Vec<String>,
    /// `CLERK_PUBLIC_ORIGIN`: the app's fixed public origin; when set, `X-Forwarded-*` and
    /// `Host` no longer shape the request URL (D10).
    pub public_origin: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            jwt_key: None,
            jwks: None,
            publishable_key: None,
            authorized_parties: Vec::new(),
            audience: Vec::new(),
            issuers: Vec::new(),
            clock_skew_ms: None,
            header_types: None,
            domain: None,
            is_satellite: false,
            proxy_url: None,
            sign_in_url: None,
            sign_up_url: None,
            after_sign_in_url: None,
            after_sign_up_url: None,
            satellite_auto_sync: false,
            organization_sync: None,
            accepts_token: AcceptsToken::One(TokenKind::SessionToken),
            redirect_origins: Vec::new(),
            public_origin: None,
        }
    }
}

/// The environment variable names [`Options::from_env`] reads.
pub const ENV_NAMES: &[&str] = &[
    "CLERK_JWT_KEY",
    "CLERK_JWKS",
    "CLERK_PUBLISHABLE_KEY",
    "CLERK_AUTHORIZED_PARTIES",
    "CLERK_AUDIENCE",
    "CLERK_ISSUERS",
    "CLERK_CLOCK_SKEW_MS",
    "CLERK_HEADER_TYPE",
    "CLERK_DOMAIN",
    "CLERK_IS_SATELLITE",
    "CLERK_PROXY_URL",
    "CLERK_SIGN_IN_URL",
    "CLERK_SIGN_UP_URL",
    "CLERK_AFTER_SIGN_IN_URL",
    "CLERK_AFTER_SIGN_UP_URL",
    "CLERK_SATELLITE_AUTO_SYNC",
    "CLERK_ORGANIZATION_PATTERNS",
    "CLERK_PERSONAL_ACCOUNT_PATTERNS",
    "CLERK_ACCEPTS_TOKEN",
    "CLERK_REDIRECT_ORIGINS",
    "CLERK_PUBLIC_ORIGIN",
];

impl Options {
    /// Reads the `CLERK_*` variables of [`ENV_NAMES`] from a map (empty values count as unset).
    /// Lists are comma-separated; booleans are `true`/`1`/`yes` or `false`/`0`/`no`.
    pub fn from_env(env: &BTreeMap<String, String>) -> Result<Options, ConfigError> {
        let get = |name: &str| {
            env.get(name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())
                .map(str::to_owned)
        };
        let list = |name: &str| -> Vec<String> {
            get(name)
                .map(|v| {
                    v.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let flag = |name: &str| -> Result<bool, ConfigError> {
            match get(name).as_deref().map(str::to_ascii_lowercase).as_deref() {
                None | Some("false" | "0" | "no") => Ok(false),
                Some("true" | "1" | "yes") => Ok(true),
                Some(_) => Err(ConfigError::InvalidValue {
                    name: name.to_owned(),
                    detail: "expected true or false".into(),
                }),
            }
        };
        let clock_skew_ms = match get("CLERK_CLOCK_SKEW_MS") {
            None => None,
            Some(v) => Some(
                crate::float::parse_f64(&v)
                    .filter(|f| f.is_finite())
                    .ok_or_else(|| ConfigError::InvalidValue {
                        name: "CLERK_CLOCK_SKEW_MS".into(),
                        detail: "expected a number of milliseconds".into(),
                    })?,
            ),
        };
        let accepts_token = match get("CLERK_ACCEPTS_TOKEN") {
            None => AcceptsToken::One(TokenKind::SessionToken),
            Some(v) => parse_accepts_token(&v)?,
        };
        let org = list("CLERK_ORGANIZATION_PATTERNS");
        let personal = list("CLERK_PERSONAL_ACCOUNT_PATTERNS");
        let header_types = {
            let l = list("CLERK_HEADER_TYPE");
            (!l.is_empty()).then_some(l)
        };
        Ok(Options {
            // PEM keeps its inner newlines: only surrounding blanks are trimmed.
            jwt_key: get("CLERK_JWT_KEY"),
            jwks: get("CLERK_JWKS"),
            publishable_key: get("CLERK_PUBLISHABLE_KEY"),
            authorized_parties: list("CLERK_AUTHORIZED_PARTIES"),
            audience: list("CLERK_AUDIENCE"),
            issuers: list("CLERK_ISSUERS"),
            clock_skew_ms,
            header_types,
            domain: get("CLERK_DOMAIN"),
            is_satellite: flag("CLERK_IS_SATELLITE")?,
            proxy_url: get("CLERK_PROXY_URL"),
            sign_in_url: get("CLERK_SIGN_IN_URL"),
            sign_up_url: get("CLERK_SIGN_UP_URL"),
            after_sign_in_url: get("CLERK_AFTER_SIGN_IN_URL"),
            after_sign_up_url: get("CLERK_AFTER_SIGN_UP_URL"),
            satellite_auto_sync: flag("CLERK_SATELLITE_AUTO_SYNC")?,
            organization_sync: (!org.is_empty() || !personal.is_empty()).then_some(
                OrganizationSyncOptions {
                    organization_patterns: org,
                    personal_account_patterns: personal,
                },
            ),
            accepts_token,
            redirect_origins: list("CLERK_REDIRECT_ORIGINS"),
            public_origin: get("CLERK_PUBLIC_ORIGIN"),
        })
    }
}

/// Parses `CLERK_ACCEPTS_TOKEN`: `any`, one kind, or a comma list of kinds.
pub fn parse_accepts_token(text: &str) -> Result<AcceptsToken, ConfigError> {
    let text = text.trim();
    if text == "any" {
        return Ok(AcceptsToken::Any);
    }
    let bad = |v: &str| ConfigError::InvalidValue {
        name: "CLERK_ACCEPTS_TOKEN".into(),
        detail: format!(
            "unknown token type \"{v}\" (session_token, api_key, m2m_token, oauth_token or any)"
        ),
    };
    if !text.contains(',') {
        return TokenKind::from_name(text)
            .map(AcceptsToken::One)
            .ok_or_else(|| bad(text));
    }
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| TokenKind::from_name(s).ok_or_else(|| bad(s)))
        .collect::<Result<Vec<_>, _>>()
        .map(AcceptsToken::List)
}

/// A configuration that cannot work, named precisely.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConfigError {
    /// Key material is missing or unusable.
    Key(KeyError),
    /// `CLERK_PUBLISHABLE_KEY` is missing (Clerk's message).
    PublishableKeyMissing,
    /// `CLERK_PUBLISHABLE_KEY` is malformed (Clerk's message).
    PublishableKeyInvalid,
    /// A satellite needs `CLERK_DOMAIN` or `CLERK_PROXY_URL`.
    SatelliteWithoutDomain,
    /// A development satellite needs `CLERK_SIGN_IN_URL`.
    SatelliteWithoutSignInUrl,
    /// A satellite's `CLERK_SIGN_IN_URL` must be absolute.
    SignInUrlNotAbsolute,
    /// An organization-sync pattern does not compile.
    InvalidPattern(String),
    /// Any other variable with a bad value.
    InvalidValue {
        /// The variable.
        name: String,
        /// What is wrong.
        detail: String,
    },
}

const KEY_SETUP_GUIDANCE: &str = "To create a new Clerk app, run:\nnpx clerk@latest init\n\n'npx clerk@latest init' does not need a Clerk account and writes temporary dev keys.\n\nTo use an existing Clerk app, run:\nnpx clerk@latest link\nnpx clerk@latest env pull\n\nFor production keys, run:\nnpx clerk@latest env pull --instance prod\n\nOr copy keys from https://dashboard.clerk.com/~/api-keys into your .env file.";

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Key(e) => write!(f, "{e}"),
            Self::PublishableKeyMissing => {
                write!(f, "Publishable key is missing.\n\n{KEY_SETUP_GUIDANCE}")
            }
            Self::PublishableKeyInvalid => write!(
                f,
                "Publishable key not valid (expected format: pk_test_... or pk_live_...).\n\n{KEY_SETUP_GUIDANCE}"
            ),
            Self::SatelliteWithoutDomain => f.write_str(
                "Missing domain and proxyUrl. A satellite application needs to specify a domain or a proxyUrl",
            ),
            Self::SatelliteWithoutSignInUrl => f.write_str(
                "Missing signInUrl. Pass a signInUrl for dev instances if an app is satellite",
            ),
            Self::SignInUrlNotAbsolute => {
                f.write_str("The signInUrl needs to have a absolute url format.")
            }
            Self::InvalidPattern(msg) => f.write_str(msg),
            Self::InvalidValue { name, detail } => write!(f, "{name}: {detail}"),
        }
    }
}

impl std::error::Error for ConfigError {}

impl From<KeyError> for ConfigError {
    fn from(e: KeyError) -> Self {
        Self::Key(e)
    }
}

/// Development or production instance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceType {
    /// `pk_test_`
    Development,
    /// `pk_live_`
    Production,
}

/// A parsed publishable key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublishableKey {
    raw: String,
    instance: InstanceType,
    decoded_fapi: String,
}

impl PublishableKey {
    /// §1.2 rule 1: `pk_live_`/`pk_test_`, three `_`-parts, base64 of `<host>$` with a dot.
    pub fn parse(raw: &str) -> Result<PublishableKey, ConfigError> {
        if raw.is_empty() {
            return Err(ConfigError::PublishableKeyMissing);
        }
        let instance = if raw.starts_with("pk_live_") {
            InstanceType::Production
        } else if raw.starts_with("pk_test_") {
            InstanceType::Development
        } else {
            return Err(ConfigError::PublishableKeyInvalid);
        };
        let parts: Vec<&str> = raw.split('_').collect();
        let encoded = match parts.as_slice() {
            [_, _, encoded] if !encoded.is_empty() => *encoded,
            _ => return Err(ConfigError::PublishableKeyInvalid),
        };
        // `atob` yields one char per byte (Latin-1).
        let decoded: String = b64_standard_lenient(encoded)
            .ok_or(ConfigError::PublishableKeyInvalid)?
            .into_iter()
            .map(char::from)
            .collect();
        let Some(host) = decoded.strip_suffix('$') else {
            return Err(ConfigError::PublishableKeyInvalid);
        };
        if host.contains('$') || !host.contains('.') {
            return Err(ConfigError::PublishableKeyInvalid);
        }
        Ok(PublishableKey {
            raw: raw.to_owned(),
            instance,
            decoded_fapi: host.to_owned(),
        })
    }

    /// The key as configured.
    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// Development or production.
    pub fn instance(&self) -> InstanceType {
        self.instance
    }

    /// The Frontend API host encoded in the key.
    pub fn frontend_api(&self) -> &str {
        &self.decoded_fapi
    }

    /// §1.2 cookie suffix: SHA-1 of the key → base64 → URL-safe characters → first 8.
    pub fn cookie_suffix(&self) -> String {
        let digest = Sha1::digest(self.raw.as_bytes());
        b64_standard_encode(&digest)
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                other => other,
            })
            .take(8)
            .collect()
    }
}

/// A validated, immutable configuration.
#[derive(Debug, Clone)]
pub struct Config {
    pub(crate) keys: KeySet,
    pub(crate) rules: TokenRules,
    /// `None` only when `acceptsToken` is exactly `m2m_token` or `api_key` (header-only).
    pub(crate) pk: Option<PublishableKey>,
    pub(crate) cookie_suffix: String,
    /// Frontend API as derived without the proxy (for issuer matching, §1.4).
    pub(crate) original_frontend_api: String,
    pub(crate) domain: String,
    pub(crate) is_satellite: bool,
    pub(crate) proxy_url: String,
    pub(crate) sign_in_url: String,
    pub(crate) sign_up_url: String,
    pub(crate) after_sign_in_url: String,
    pub(crate) after_sign_up_url: String,
    pub(crate) satellite_auto_sync: bool,
    pub(crate) org_matcher: Option<OrgMatcher>,
    pub(crate) accepts: AcceptsToken,
    pub(crate) redirect_origins: Vec<String>,
    pub(crate) public_origin: Option<Url>,
}

impl Config {
    /// Validates `options` (D3: every configuration error surfaces here).
    pub fn new(options: Options) -> Result<Config, ConfigError> {
        let keys = KeySet::parse(options.jwt_key.as_deref(), options.jwks.as_deref())?;
        Self::with_keys(options, keys)
    }

    /// [`Config::new`] with keys parsed beforehand (e.g. [`KeySet::from_prepared`] at build
    /// time); `options.jwt_key` and `options.jwks` are not read.
    pub fn with_keys(options: Options, keys: KeySet) -> Result<Config, ConfigError> {
        let header_only = matches!(
            options.accepts_token,
            AcceptsToken::One(TokenKind::M2mToken | TokenKind::ApiKey)
        );
        let pk = match options.publishable_key.as_deref() {
            Some(raw) => Some(PublishableKey::parse(raw)?),
            None if header_only => None,
            None => return Err(ConfigError::PublishableKeyMissing),
        };
        let domain = options.domain.clone().unwrap_or_default();
        let proxy_url = options.proxy_url.clone().unwrap_or_default();
        let sign_in_url = options.sign_in_url.clone().unwrap_or_default();
        if options.is_satellite && !header_only {
            if sign_in_url.is_empty()
                && pk.as_ref().map(PublishableKey::instance) == Some(InstanceType::Development)
            {
                return Err(ConfigError::SatelliteWithoutSignInUrl);
            }
            // The development satellite sync redirects to `signInUrl`, so it must be absolute
            // (the SDK checks this per request, when an `Origin` header is present).
            let dev = pk.as_ref().map(PublishableKey::instance) == Some(InstanceType::Development);
            if dev && !sign_in_url.is_empty() && Url::parse(&sign_in_url).is_err() {
                return Err(ConfigError::SignInUrlNotAbsolute);
            }
            if proxy_url.is_empty() && domain.is_empty() {
                return Err(ConfigError::SatelliteWithoutDomain);
            }
        }
        // Parity: a bare host (`proxy.example.com/__clerk`) is used with `https://` prepended.
        if !proxy_url.is_empty()
            && !proxy_url.starts_with('/')
            && Url::parse(&proxy_url).is_err()
            && Url::parse(&format!("https://{proxy_url}")).is_err()
        {
            return Err(ConfigError::InvalidValue {
                name: "CLERK_PROXY_URL".into(),
                detail: "expected an absolute URL or a path starting with /".into(),
            });
        }
        let public_origin = match options.public_origin.as_deref() {
            None => None,
            Some(o) => Some(
                Url::parse(o)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https") && u.has_host())
                    .ok_or_else(|| ConfigError::InvalidValue {
                        name: "CLERK_PUBLIC_ORIGIN".into(),
                        detail:
                            "expected an absolute http(s) origin such as https://app.example.com"
                                .into(),
                    })?,
            ),
        };
        for origin in &options.redirect_origins {
            if Url::parse(origin).map(|u| u.origin().is_tuple()) != Ok(true) {
                return Err(ConfigError::InvalidValue {
                    name: "CLERK_REDIRECT_ORIGINS".into(),
                    detail: format!("\"{origin}\" is not an absolute http(s) origin"),
                });
            }
        }
        let org_matcher = match &options.organization_sync {
            None => None,
            Some(o) => {
                Some(OrgMatcher::new(o).map_err(|e| ConfigError::InvalidPattern(e.to_string()))?)
            }
        };
        let original_frontend_api = match &pk {
            None => String::new(),
            Some(pk)
                if pk.instance() == InstanceType::Production
                    && options.is_satellite
                    && !domain.is_empty() =>
            {
                format!("clerk.{domain}")
            }
            Some(pk) => pk.frontend_api().to_owned(),
        };
        let clock_skew_ms = options
            .clock_skew_ms
            .filter(|s| s.is_finite())
            .unwrap_or(5000.0);
        Ok(Config {
            keys,
            rules: TokenRules {
                header_types: options.header_types,
                audience: options.audience,
                authorized_parties: options.authorized_parties,
                issuers: options.issuers,
                clock_skew_ms,
            },
            cookie_suffix: pk
                .as_ref()
                .map(PublishableKey::cookie_suffix)
                .unwrap_or_default(),
            pk,
            original_frontend_api,
            domain,
            is_satellite: options.is_satellite,
            proxy_url,
            sign_in_url,
            sign_up_url: options.sign_up_url.unwrap_or_default(),
            after_sign_in_url: options.after_sign_in_url.unwrap_or_default(),
            after_sign_up_url: options.after_sign_up_url.unwrap_or_default(),
            satellite_auto_sync: options.satellite_auto_sync,
            org_matcher,
            accepts: options.accepts_token,
            redirect_origins: options.redirect_origins,
            public_origin,
        })
    }

    /// The verification keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The token rules.
    pub fn token_rules(&self) -> &TokenRules {
        &self.rules
    }

    /// The publishable key, if configured.
    pub fn publishable_key(&self) -> Option<&PublishableKey> {
        self.pk.as_ref()
    }

    /// Development or production (production when no publishable key is configured).
    pub fn instance(&self) -> InstanceType {
        self.pk
            .as_ref()
            .map_or(InstanceType::Production, PublishableKey::instance)
    }

    /// The cookie suffix (§1.2).
    pub fn cookie_suffix(&self) -> &str {
        &self.cookie_suffix
    }

    /// `signInUrl` as configured (`""` when unset).
    pub fn sign_in_url(&self) -> &str {
        &self.sign_in_url
    }
}

/// The configuration a component runs with: what was embedded at build time, with the run-time
/// `CLERK_*` variables (non-empty ones) on top.
///
/// Security: key material is replaced as a whole. A run-time `CLERK_JWKS` must not be added to
/// an embedded `CLERK_JWT_KEY` (e.g. the DEMO key), or tokens signed by the embedded key's
/// private half would still verify.
pub fn overlay_env(
    embedded: &[(&str, &str)],
    runtime: impl IntoIterator<Item = (String, String)>,
) -> BTreeMap<String, String> {
    // Inserted one by one: `collect` into a map sorts first, code the component avoids.
    let mut env = BTreeMap::new();
    for (k, v) in embedded {
        env.insert((*k).to_owned(), (*v).to_owned());
    }
    let runtime: Vec<(String, String)> = runtime
        .into_iter()
        .filter(|(k, v)| k.starts_with("CLERK_") && !v.trim().is_empty())
        .collect();
    if runtime
        .iter()
        .any(|(k, _)| k == "CLERK_JWT_KEY" || k == "CLERK_JWKS")
    {
        env.remove("CLERK_JWT_KEY");
        env.remove("CLERK_JWKS");
    }
    env.extend(runtime);
    env
}

#[cfg(test)]
mod tests;
