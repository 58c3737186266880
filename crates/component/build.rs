//! Embeds the configuration: `CLERK_*` variables present at build time are validated with the
//! core (so a bad key fails the build, not a request) and compiled into the component. Without
//! a key at build time the DEMO configuration (demo/, throwaway keys) is embedded.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

/// Variables the handler reads besides the core's.
const HANDLER_NAMES: &[&str] = &[
    "CLERK_PUBLIC_ROUTES",
    "CLERK_PROTECTED_ROUTES",
    "CLERK_TRUST_FORWARDED",
    "CLERK_FORWARD_AUTH_MODE",
    "CLERK_LOG",
];

const DEMO_PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";

fn main() {
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default()).join("../..");
    let demo_pem_path = root.join("demo/demo-public.pem");
    println!("cargo:rerun-if-changed={}", demo_pem_path.display());
    let mut env = BTreeMap::new();
    for name in clerk_edge::config::ENV_NAMES.iter().chain(HANDLER_NAMES) {
        println!("cargo:rerun-if-env-changed={name}");
        if let Ok(v) = std::env::var(name) {
            if !v.trim().is_empty() {
                env.insert((*name).to_owned(), v);
            }
        }
    }
    let demo = !env.contains_key("CLERK_JWT_KEY") && !env.contains_key("CLERK_JWKS");
    if demo {
        let pem = match std::fs::read_to_string(&demo_pem_path) {
            Ok(p) => p,
            Err(e) => {
                println!("cargo:warning=cannot read {}: {e}", demo_pem_path.display());
                std::process::exit(1);
            }
        };
        env.insert("CLERK_JWT_KEY".into(), pem);
        env.entry("CLERK_PUBLISHABLE_KEY".into())
            .or_insert_with(|| DEMO_PUBLISHABLE_KEY.into());
    }
    // Validate exactly as the component will at run time.
    if let Err(e) = clerk_edge::Verifier::from_env(&env) {
        println!("cargo:warning=invalid embedded CLERK_* configuration: {e}");
        std::process::exit(1);
    }
    if let Err(e) = clerk_edge::gate::GateConfig::from_env(&env) {
        println!("cargo:warning=invalid embedded CLERK_* configuration: {e}");
        std::process::exit(1);
    }
    // The keys in ready-to-use form (modulus limbs, Montgomery constants), so that a fresh
    // instance does not parse PEM/JWKS or redo the Montgomery set-up.
    let prepared = clerk_edge::config::Options::from_env(&env)
        .ok()
        .and_then(|o| clerk_edge::keys::KeySet::parse(o.jwt_key.as_deref(), o.jwks.as_deref()).ok())
        .and_then(|k| k.to_prepared())
        .unwrap_or_default();
    let mut out = String::new();
    let _ = writeln!(out, "/// `CLERK_*` configuration embedded at build time.");
    let _ = writeln!(out, "pub(crate) const EMBEDDED: &[(&str, &str)] = &[");
    for (k, v) in &env {
        let _ = writeln!(out, "    ({k:?}, {v:?}),");
    }
    let _ = writeln!(out, "];");
    let _ = writeln!(
        out,
        "/// Whether the embedded configuration is the DEMO one (throwaway keys)."
    );
    let _ = writeln!(out, "pub(crate) const EMBEDDED_IS_DEMO: bool = {demo};");
    let _ = writeln!(
        out,
        "/// The embedded keys, prepared (`clerk_edge::keys::KeySet::to_prepared`)."
    );
    let _ = writeln!(
        out,
        "pub(crate) const EMBEDDED_KEYS: &[u8] = &{prepared:?};"
    );
    let dest = PathBuf::from(std::env::var("OUT_DIR").unwrap_or_default()).join("embedded.rs");
    if let Err(e) = std::fs::write(&dest, out) {
        println!("cargo:warning=cannot write {}: {e}", dest.display());
        std::process::exit(1);
    }
}
