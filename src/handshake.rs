//! The handshake: redirect URL to the Frontend API (§5.1), the redirect-loop counter (§2.6,
//! §5.5) and offline resolution of a returned handshake JWT (§5.3–5.4).

use crate::weburl::Url;

use crate::cookies::{self, directive_name, directive_value};
use crate::orgsync::OrgTarget;
use crate::request::Ctx;
use crate::state::Headers;
use crate::token::{verify_handshake_token, TokenError};
use crate::urls::remove_params;
use crate::util::js_number_to_string;

/// The Backend API version Clerk 3.25 sends.
pub(crate) const CLERK_API_VERSION: &str = "2026-05-12";

/// §5.1 `buildRedirectToHandshake`, without `format=nonce` (D6): FAPI then answers with a
/// handshake JWT, which we can resolve offline.
pub(crate) fn redirect_url(ctx: &Ctx<'_>, reason: &str) -> String {
    let mut redirect = ctx.clerk_url.clone();
    remove_params(&mut redirect, &[cookies::DEV_BROWSER, "__dev_session"]);
    let fapi = &ctx.frontend_api;
    let base = if fapi.starts_with("http") {
        fapi.clone()
    } else {
        format!("https://{fapi}")
    };
    let base = format!("{}/", base.trim_end_matches('/'));
    let mut url = match Url::parse(&base).and_then(|b| b.join("v1/client/handshake")) {
        Ok(u) => u,
        // Parity: JS would throw; the FAPI host comes from validated configuration, so this
        // only happens with an unusable proxy URL. Fall back to the instance host.
        Err(_) => match Url::parse(&format!(
            "https://{}/v1/client/handshake",
            ctx.original_fapi()
        )) {
            Ok(u) => u,
            Err(_) => return String::new(),
        },
    };
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("redirect_url", redirect.as_str());
        q.append_pair("__clerk_api_version", CLERK_API_VERSION);
        q.append_pair(
            "suffixed_cookies",
            if ctx.suffixed { "true" } else { "false" },
        );
        q.append_pair("__clerk_hs_reason", reason);
        if let Some(session) = ctx.session_token() {
            q.append_pair("__session", session);
        }
        if ctx.is_development() {
            if let Some(db) = ctx.dev_browser_token.as_deref() {
                q.append_pair(cookies::DEV_BROWSER, db);
            }
        }
        if let Some(target) = ctx.org_target() {
            let value = match target {
                OrgTarget::OrganizationId(v) | OrgTarget::OrganizationSlug(v) => v.as_str(),
                OrgTarget::PersonalAccount => "",
            };
            q.append_pair("organization_id", value);
        }
    }
    url.to_string()
}

/// `Set-Cookie` for the loop counter.
pub(crate) fn redirect_count_cookie(counter: f64) -> String {
    format!(
        "{}={}; SameSite=Lax; HttpOnly; Max-Age=2",
        cookies::REDIRECT_COUNT,
        js_number_to_string(counter + 1.0)
    )
}

/// What a handshake JWT resolved to.
pub(crate) struct Resolved {
    /// ACAO/ACAC, one `Set-Cookie` per directive, and the dev clean-up `Location`.
    pub(crate) headers: Headers,
    /// The last `__session*` directive's value (`""` when none).
    pub(crate) session_token: Option<String>,
}

/// Why a handshake could not be applied.
pub(crate) enum ResolveError {
    /// The handshake JWT itself was refused (dev: the request fails, D8; prod: continue).
    Token(TokenError),
    /// Anything else (a directive that is not a valid header value, ...): continue.
    Other,
}

/// §5.4 first half: verify the handshake JWT (or accept a nonce we cannot fetch, D6) and turn
/// its directives into headers.
pub(crate) fn resolve(ctx: &Ctx<'_>) -> Result<Resolved, ResolveError> {
    let mut headers = Headers::default();
    headers.append("access-control-allow-origin", "null");
    headers.append("access-control-allow-credentials", "true");
    let mut directives: Vec<String> = Vec::new();
    if ctx.handshake_nonce.is_some() {
        // D6: a nonce needs the Backend API; like the SDK without an API client, no directives.
    } else if let Some(token) = ctx.handshake_token.as_deref() {
        let payload =
            verify_handshake_token(token, &ctx.config.keys).map_err(ResolveError::Token)?;
        if let Some(list) = payload.get("handshake").and_then(|h| h.as_array()) {
            for item in list {
                // Parity: a non-string directive makes the SDK throw a TypeError (logged,
                // cookie flow continues).
                let s = item.as_str().ok_or(ResolveError::Other)?;
                directives.push(s.to_owned());
            }
        }
    }
    let mut session_token = Some(String::new());
    for d in &directives {
        // Security: a directive with CR/LF/NUL or non-Latin-1 text is refused like `Headers`
        // refuses it, so no header injection can pass through.
        if !headers.append("set-cookie", d) {
            return Err(ResolveError::Other);
        }
        if directive_name(d).starts_with(cookies::SESSION) {
            session_token = directive_value(d).map(str::to_owned);
        }
    }
    if ctx.is_development() {
        let mut clean = ctx.clerk_url.clone();
        remove_params(
            &mut clean,
            &[
                cookies::HANDSHAKE,
                "__clerk_help",
                cookies::DEV_BROWSER,
                cookies::HANDSHAKE_NONCE,
            ],
        );
        headers.append("location", clean.as_str());
        headers.set("cache-control", "no-store");
    }
    Ok(Resolved {
        headers,
        session_token,
    })
}
