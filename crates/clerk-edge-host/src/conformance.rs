//! The conformance runner through the real `.wasm`: each case gets a fresh instance whose wall
//! clock is the case's `now`, a `verifier` resource built from the case's options, and the
//! result line in the format of `../shared/spec/conformance-format.md`.

use anyhow::Result;
use serde_json::{json, Value};

use clerk_edge::config::{AcceptsToken, Options};
use clerk_edge::conformance::{options_from_case, request_from_case};

use crate::{Host, InstanceOptions, Request, WitConfig};

/// Placeholder publishable key for `verify` cases: `verifyToken` never reads one, but a
/// `verifier` resource needs one to accept session tokens.
const VERIFY_ONLY_PK: &str = "pk_test_Y29uZm9ybWFuY2UuaW52YWxpZCQ";

/// Core options → the WIT config record.
pub fn wit_config(o: &Options) -> WitConfig {
    let accepts_token = Some(match &o.accepts_token {
        AcceptsToken::Any => vec!["any".to_owned()],
        AcceptsToken::One(k) => vec![k.as_str().to_owned()],
        AcceptsToken::List(l) => l.iter().map(|k| k.as_str().to_owned()).collect(),
    });
    let org = o.organization_sync.clone().unwrap_or_default();
    WitConfig {
        jwt_key: o.jwt_key.clone(),
        jwks: o.jwks.clone(),
        publishable_key: o.publishable_key.clone(),
        authorized_parties: o.authorized_parties.clone(),
        audience: o.audience.clone(),
        issuers: o.issuers.clone(),
        clock_skew_ms: o.clock_skew_ms.map(|s| s as i64),
        header_types: o.header_types.clone().unwrap_or_default(),
        domain: o.domain.clone(),
        is_satellite: o.is_satellite,
        proxy_url: o.proxy_url.clone(),
        sign_in_url: o.sign_in_url.clone(),
        sign_up_url: o.sign_up_url.clone(),
        after_sign_in_url: o.after_sign_in_url.clone(),
        after_sign_up_url: o.after_sign_up_url.clone(),
        satellite_auto_sync: o.satellite_auto_sync,
        organization_patterns: org.organization_patterns,
        personal_account_patterns: org.personal_account_patterns,
        accepts_token,
        redirect_origins: o.redirect_origins.clone(),
        public_origin: o.public_origin.clone(),
    }
}

fn exception(id: Value, kind: &str, message: String) -> Value {
    json!({"id": id, "kind": kind, "status": null, "exception": {"name": "Error", "message": message}})
}

/// Runs one case through the component.
pub fn run_case(host: &Host, case: &Value) -> Result<Value> {
    let id = case.get("id").cloned().unwrap_or(Value::Null);
    let kind = case
        .get("kind")
        .and_then(Value::as_str)
        .unwrap_or("authenticate");
    let now = case.get("now").and_then(Value::as_f64).unwrap_or(0.0) as i64;
    let empty = serde_json::Map::new();
    let raw = case
        .get("options")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut options = match options_from_case(raw) {
        Ok(o) => o,
        Err(m) => return Ok(exception(id, kind, m)),
    };
    if kind == "verify" && options.publishable_key.is_none() {
        options.publishable_key = Some(VERIFY_ONLY_PK.to_owned());
    }
    let mut inst = host.verifier(&InstanceOptions {
        clock_ms: Some(now),
        ..InstanceOptions::default()
    })?;
    let verifier = match inst.create(&wit_config(&options))? {
        Ok(v) => v,
        Err(e) => return Ok(exception(id, kind, e.message)),
    };
    if kind == "verify" {
        let token = case.get("token").and_then(Value::as_str).unwrap_or("");
        return Ok(match inst.resource_verify_token(verifier, token)? {
            Ok(session) => {
                let claims: Value = serde_json::from_str(&session.claims)?;
                json!({"id": id, "kind": "verify", "ok": true, "claims": claims})
            }
            Err(e) => json!({"id": id, "kind": "verify", "ok": false,
                "error_reason": e.reason, "error_message": e.message}),
        });
    }
    let parts = request_from_case(case.get("request"));
    let request = Request {
        method: parts.method,
        url: parts.url,
        headers: parts
            .headers
            .into_iter()
            .map(|(name, value)| crate::Header { name, value })
            .collect(),
    };
    let treat_pending = case
        .get("toAuthOptions")
        .and_then(|o| o.get("treatPendingAsSignedOut"))
        .and_then(Value::as_bool)
        .unwrap_or(true);
    let text = inst.resource_clerk_state(verifier, &request, treat_pending)?;
    let mut state: Value = serde_json::from_str(&text)?;
    if state.get("status").and_then(Value::as_str) == Some("error") {
        let message = state
            .get("message")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned();
        return Ok(exception(id, kind, message));
    }
    if let Some(obj) = state.as_object_mut() {
        obj.insert("id".into(), id);
        obj.insert("kind".into(), json!("authenticate"));
    }
    Ok(state)
}
