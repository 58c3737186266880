//! In-process benchmarks of the component (warm calls, fresh instances, served requests), each
//! next to the baseline it is judged against, measured in the same run.

use std::time::Instant;

use anyhow::{Context as _, Result};
use serde_json::{json, Value};

use crate::serve::Server;
use crate::{request, Host, InstanceOptions};

/// Median of per-iteration times in µs over `iterations` runs of `f`.
fn median_us(iterations: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut samples = Vec::with_capacity(iterations);
    for _ in 0..iterations {
        let t = Instant::now();
        f()?;
        samples.push(t.elapsed().as_secs_f64() * 1e6);
    }
    samples.sort_by(f64::total_cmp);
    Ok(samples.get(samples.len() / 2).copied().unwrap_or(0.0))
}

/// The cookie header of a signed-in browser request carrying `token`.
fn session_cookie(token: &str) -> String {
    format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_bench")
}

/// The `http-verifier` (request logging off) and no-op servers, a fresh instance per request.
fn servers(host: &Host, noop: &wasmtime::component::Component) -> Result<(Server, Server)> {
    let opts = InstanceOptions::default();
    let server = Server::new(
        host,
        InstanceOptions {
            env: vec![("CLERK_LOG".into(), "off".into())],
            ..opts.clone()
        },
    )?;
    Ok((server, Server::with_component(host, noop, opts)?))
}

/// What [`repeat`] serves.
#[derive(Clone, Copy, Debug)]
pub enum Repeat {
    /// A signed-in page request to the `http-verifier` (fresh instance each).
    SignedIn,
    /// The same page request without a session cookie (a redirect to sign-in).
    SignedOut,
    /// An API request without a session (a 401).
    SignedOutApi,
    /// The signed-in request to the no-op component.
    Noop,
}

impl std::str::FromStr for Repeat {
    type Err = anyhow::Error;
    fn from_str(s: &str) -> Result<Self> {
        match s {
            "signed-in" => Ok(Repeat::SignedIn),
            "signed-out" => Ok(Repeat::SignedOut),
            "signed-out-api" => Ok(Repeat::SignedOutApi),
            "noop" => Ok(Repeat::Noop),
            other => {
                anyhow::bail!(
                    "--repeat: expected signed-in, signed-out, signed-out-api or noop, got {other:?}"
                )
            }
        }
    }
}

/// Serves one request shape `requests` times in-process and nothing else, for profilers
/// (`perf record`/`perf stat` around the whole process; start-up is a fixed cost). Returns
/// the mean µs per request and the last status.
pub fn repeat(
    host: &Host,
    noop: &wasmtime::component::Component,
    valid: &str,
    case: Repeat,
    requests: usize,
) -> Result<Value> {
    let (server, noop_server) = servers(host, noop)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let cookie = session_cookie(valid);
    let signed_in: [(&str, &str); 2] = [("cookie", &cookie), ("sec-fetch-dest", "document")];
    let (target, headers): (&Server, &[(&str, &str)]) = match case {
        Repeat::SignedIn => (&server, &signed_in),
        Repeat::SignedOut => (&server, &signed_in[1..]),
        Repeat::SignedOutApi => (&server, &[]),
        Repeat::Noop => (&noop_server, &signed_in),
    };
    let url = "http://localhost:3000/dashboard";
    let started = Instant::now();
    let mut status = 0;
    for _ in 0..requests {
        status = rt.block_on(target.request("GET", url, headers))?.status;
    }
    let mean_us = started.elapsed().as_secs_f64() * 1e6 / requests.max(1) as f64;
    Ok(
        json!({"repeat": format!("{case:?}"), "requests": requests, "mean_us": mean_us, "status": status}),
    )
}

/// Runs every measurement; `valid` is a DEMO token valid for the whole run.
pub fn run(
    host: &Host,
    noop: &wasmtime::component::Component,
    valid: &str,
    iterations: usize,
) -> Result<Value> {
    let opts = InstanceOptions::default();
    let mut warm = host.verifier(&opts)?;
    // Same size and shape as `valid`, refused at the `alg` check (before any RSA work).
    let bad_alg = {
        let mut parts = valid.splitn(2, '.');
        let _ = parts.next();
        let rest = parts.next().unwrap_or("");
        // {"alg":"RS999","typ":"JWT","kid":"ins_demo"}
        format!("eyJhbGciOiJSUzk5OSIsInR5cCI6IkpXVCIsImtpZCI6Imluc19kZW1vIn0.{rest}")
    };
    // warm-up
    for _ in 0..50 {
        let _ = warm.verify_token(valid)?;
    }
    let verify_valid = median_us(iterations, || warm.verify_token(valid).map(|_| ()))?;
    let verify_rejected = median_us(iterations, || warm.verify_token(&bad_alg).map(|_| ()))?;
    let cookie = session_cookie(valid);
    let req = request(
        "GET",
        "http://localhost:3000/dashboard",
        &[("cookie", cookie.as_str()), ("sec-fetch-dest", "document")],
    );
    let authenticate = median_us(iterations, || {
        let s = warm.authenticate(&req)?;
        anyhow::ensure!(s.token.is_some(), "not signed in: {:?}", s.reason);
        Ok(())
    })?;

    // Host-library mode: a `verifier` resource the host keeps alive caches verified
    // signatures; the first call pays the RSA operation, the following ones skip it.
    let resource = warm
        .create(&crate::demo_config())?
        .map_err(|e| anyhow::anyhow!("demo config refused: {}", e.message))?;
    let first = warm.resource_authenticate(resource, &req)?;
    anyhow::ensure!(first.token.is_some(), "not signed in: {:?}", first.reason);
    let authenticate_cached = median_us(iterations, || {
        let s = warm.resource_authenticate(resource, &req)?;
        anyhow::ensure!(s.token.is_some(), "not signed in: {:?}", s.reason);
        Ok(())
    })?;
    warm.drop_resource(resource)?;

    // Fresh instance + first call, against a fresh no-op instance, through the HTTP handler.
    let (server, noop_server) = servers(host, noop)?;
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let headers: Vec<(&str, &str)> =
        vec![("cookie", cookie.as_str()), ("sec-fetch-dest", "document")];
    let served_n = (iterations / 4).max(50);
    for _ in 0..20 {
        rt.block_on(server.request("GET", "http://localhost:3000/dashboard", &headers))?;
        rt.block_on(noop_server.request("GET", "http://localhost:3000/dashboard", &headers))?;
    }
    let served = median_us(served_n, || {
        let r = rt.block_on(server.request("GET", "http://localhost:3000/dashboard", &headers))?;
        anyhow::ensure!(r.status == 200, "status {}", r.status);
        Ok(())
    })?;
    let served_noop = median_us(served_n, || {
        rt.block_on(noop_server.request("GET", "http://localhost:3000/dashboard", &headers))?;
        Ok(())
    })?;
    let fresh_verifier = median_us(served_n, || {
        let mut v = host.verifier(&opts)?;
        let s = v.authenticate(&req)?;
        anyhow::ensure!(s.token.is_some(), "not signed in");
        Ok(())
    })?;
    // A fresh instance whose first call builds the verifier (configuration and key set-up)
    // and stops before the signature: the per-instance cost without RSA.
    let fresh_config = median_us(served_n, || {
        let mut v = host.verifier(&opts)?;
        anyhow::ensure!(v.verify_token(&bad_alg)?.is_err(), "bad alg accepted");
        Ok(())
    })?;
    // A fresh HTTP instance answering a request without a session (no token work).
    let served_signed_out = median_us(served_n, || {
        let r = rt.block_on(server.request("GET", "http://localhost:3000/dashboard", &[]))?;
        anyhow::ensure!(r.status != 200, "signed out request passed");
        Ok(())
    })?;
    // The same fresh instance with a call that builds no verifier: instantiation alone.
    let empty_session = crate::Session {
        token_type: "session_token".into(),
        user_id: None,
        session_id: None,
        session_status: None,
        organization: None,
        factor_verification_age: None,
        actor: None,
        claims: "{}".into(),
        is_authenticated: false,
    };
    let nothing = crate::HasCheck {
        role: None,
        permission: None,
        feature: None,
        plan: None,
        reverification: None,
    };
    let fresh_trivial = median_us(served_n, || {
        let mut v = host.verifier(&opts)?;
        v.has(&empty_session, &nothing)?;
        Ok(())
    })?;
    let size = |p: &str| {
        std::fs::metadata(crate::dist_dir().join(p))
            .map(|m| m.len())
            .context(p.to_owned())
    };
    Ok(json!({
        "iterations": iterations,
        "warm_verify_token_valid_us": verify_valid,
        "warm_verify_token_rejected_before_signature_us": verify_rejected,
        "rs256_in_component_us": verify_valid - verify_rejected,
        "warm_authenticate_cookie_us": authenticate,
        "resource_authenticate_cookie_cached_us": authenticate_cached,
        "served_signed_in_request_us": served,
        "served_noop_request_us": served_noop,
        "served_ratio": served / served_noop.max(1e-9),
        "fresh_verifier_instance_first_authenticate_us": fresh_verifier,
        "fresh_verifier_instance_trivial_call_us": fresh_trivial,
        "fresh_verifier_instance_config_only_us": fresh_config,
        "served_signed_out_request_us": served_signed_out,
        "http_component_bytes": size(crate::HTTP_WASM)?,
        "verifier_component_bytes": size(crate::VERIFIER_WASM)?,
    }))
}
