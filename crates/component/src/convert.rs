//! WIT records ⇄ core types. Nothing here decides anything.

use clerk_edge::config::{parse_accepts_token, AcceptsToken, TokenKind};
use clerk_edge::json;
use clerk_edge::orgsync::OrganizationSyncOptions;
use clerk_edge::{
    AuthStatus, AuthenticateError, HasParams, Options, RequestParts, RequestState, SessionAuth,
    Verifier,
};
use serde_json::Value;

use crate::bindings::clerk_edge::auth::types as t;
use crate::now;

pub(crate) fn options(c: t::Config) -> Result<Options, String> {
    let accepts_token = match c.accepts_token {
        None => AcceptsToken::One(TokenKind::SessionToken),
        Some(list) if list.is_empty() => AcceptsToken::List(Vec::new()),
        Some(list) if list.len() == 1 => {
            parse_accepts_token(&list.join(",")).map_err(|e| e.to_string())?
        }
        Some(list) => AcceptsToken::List(
            list.iter()
                .map(|k| {
                    TokenKind::from_name(k)
                        .ok_or_else(|| format!("accepts-token: unknown token type \"{k}\""))
                })
                .collect::<Result<_, _>>()?,
        ),
    };
    let org = !c.organization_patterns.is_empty() || !c.personal_account_patterns.is_empty();
    Ok(Options {
        jwt_key: c.jwt_key,
        jwks: c.jwks,
        publishable_key: c.publishable_key,
        authorized_parties: c.authorized_parties,
        audience: c.audience,
        issuers: c.issuers,
        clock_skew_ms: c.clock_skew_ms.map(|ms| ms as f64),
        header_types: (!c.header_types.is_empty()).then_some(c.header_types),
        domain: c.domain,
        is_satellite: c.is_satellite,
        proxy_url: c.proxy_url,
        sign_in_url: c.sign_in_url,
        sign_up_url: c.sign_up_url,
        after_sign_in_url: c.after_sign_in_url,
        after_sign_up_url: c.after_sign_up_url,
        satellite_auto_sync: c.satellite_auto_sync,
        organization_sync: org.then_some(OrganizationSyncOptions {
            organization_patterns: c.organization_patterns,
            personal_account_patterns: c.personal_account_patterns,
        }),
        accepts_token,
        redirect_origins: c.redirect_origins,
        public_origin: c.public_origin,
    })
}

pub(crate) fn request(r: t::Request) -> RequestParts {
    RequestParts {
        method: r.method,
        url: r.url,
        headers: r.headers.into_iter().map(|h| (h.name, h.value)).collect(),
    }
}

fn str_of(v: &Value) -> Option<String> {
    v.as_str().map(str::to_owned)
}

pub(crate) fn session_of(auth: &SessionAuth) -> t::Session {
    let organization = auth.org_id_str().map(|id| t::Organization {
        id: id.to_owned(),
        slug: auth.org_slug_str().map(str::to_owned),
        role: auth.org_role_str().map(str::to_owned),
        permissions: auth
            .org_permissions
            .as_array()
            .map(|a| a.iter().filter_map(str_of).collect())
            .unwrap_or_default(),
    });
    let fva = match auth.factor_verification_age.as_array().map(Vec::as_slice) {
        Some([a, b]) => a.as_i64().zip(b.as_i64()),
        _ => None,
    };
    t::Session {
        token_type: "session_token".into(),
        user_id: auth.user_id_str().map(str::to_owned),
        session_id: auth.session_id_str().map(str::to_owned),
        session_status: str_of(&auth.session_status),
        organization,
        factor_verification_age: fva,
        actor: (!auth.actor.is_null()).then(|| json::to_string(&auth.actor)),
        claims: if auth.session_claims.is_null() {
            "{}".into()
        } else {
            json::to_string(&auth.session_claims)
        },
        is_authenticated: auth.is_authenticated,
    }
}

pub(crate) fn verify_token(v: &Verifier, token: &str) -> Result<t::Session, t::TokenError> {
    let claims = v.verify_token(token, now()).map_err(|e| t::TokenError {
        reason: e.reason().as_str().into(),
        message: e.message().into(),
        action: e.action().map(str::to_owned),
    })?;
    Ok(match SessionAuth::signed_in(&claims) {
        Ok(a) => session_of(&a),
        // Claims Clerk's `toAuth()` cannot map (a malformed v2 `fea`): the token is still
        // verified; report the identity without organization data.
        Err(_) => t::Session {
            token_type: "session_token".into(),
            user_id: claims.get("sub").and_then(str_of),
            session_id: claims.get("sid").and_then(str_of),
            session_status: claims.get("sts").and_then(str_of),
            organization: None,
            factor_verification_age: None,
            actor: None,
            claims: json::to_string(&Value::Object(claims)),
            is_authenticated: true,
        },
    })
}

pub(crate) fn error_state(reason: &str, message: &str) -> t::AuthState {
    t::AuthState {
        status: t::AuthStatus::Error,
        reason: Some(reason.into()),
        message: Some(message.into()),
        headers: Vec::new(),
        token: None,
        session: None,
    }
}

pub(crate) fn state(s: &RequestState) -> t::AuthState {
    let session = if let Some(m) = s.machine_auth() {
        Some(t::Session {
            token_type: m.kind.as_str().into(),
            user_id: str_of(&m.subject),
            session_id: None,
            session_status: None,
            organization: None,
            factor_verification_age: None,
            actor: None,
            claims: json::to_string(&m.to_json()),
            is_authenticated: true,
        })
    } else if s.status == AuthStatus::SignedIn {
        s.session_auth(true)
            .and_then(Result::ok)
            .map(|a| session_of(&a))
    } else {
        None
    };
    t::AuthState {
        status: match s.status {
            AuthStatus::SignedIn => t::AuthStatus::SignedIn,
            AuthStatus::SignedOut => t::AuthStatus::SignedOut,
            AuthStatus::Handshake => t::AuthStatus::Handshake,
        },
        reason: s.reason.map(|r| r.as_str().to_owned()),
        message: s.message.clone(),
        headers: s
            .headers
            .iter()
            .map(|(n, v)| t::Header {
                name: n.to_owned(),
                value: v.to_owned(),
            })
            .collect(),
        token: s.token.clone(),
        session,
    }
}

pub(crate) fn authenticate(v: &Verifier, r: t::Request) -> t::AuthState {
    match v.authenticate(&request(r), now()) {
        Ok(s) => state(&s),
        Err(e @ AuthenticateError::InvalidRequest(_)) => {
            error_state("invalid-request", &e.to_string())
        }
        Err(e) => error_state("dev-handshake-failed", &e.to_string()),
    }
}

/// Clerk's `has()`: rebuilt from the session's verified claims.
pub(crate) fn has(session: &t::Session, check: &t::HasCheck) -> bool {
    if session.token_type != "session_token" || !session.is_authenticated {
        return false;
    }
    let Ok(Value::Object(claims)) = json::parse(&session.claims) else {
        return false;
    };
    let Ok(auth) = SessionAuth::signed_in(&claims) else {
        return false;
    };
    let text = |v: &Option<String>| v.as_ref().map(|s| Value::String(s.clone()));
    let reverification = check.reverification.as_ref().map(|r| {
        if r.trim_start().starts_with('{') {
            json::parse(r).unwrap_or(Value::Null)
        } else {
            Value::String(r.clone())
        }
    });
    auth.has(&HasParams {
        role: text(&check.role),
        permission: text(&check.permission),
        feature: text(&check.feature),
        plan: text(&check.plan),
        reverification,
    })
}

/// `authenticate-clerk-state`: Clerk's serialisable state; errors as `{"status": "error", ...}`.
pub(crate) fn clerk_state(v: &Verifier, r: t::Request, treat_pending: bool) -> String {
    match v.authenticate(&request(r), now()) {
        Ok(s) => json::to_string(&s.to_clerk_json(treat_pending)),
        Err(e) => {
            let reason = match e {
                AuthenticateError::InvalidRequest(_) => "invalid-request",
                _ => "dev-handshake-failed",
            };
            json::to_string(&json::object([
                ("status", Value::from("error")),
                ("reason", Value::from(reason)),
                ("message", Value::from(e.to_string())),
            ]))
        }
    }
}
