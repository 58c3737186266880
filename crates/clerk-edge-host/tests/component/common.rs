use std::sync::OnceLock;

use clerk_edge::mint::Minter;
use clerk_edge_host::serve::{Collected, Server};
use clerk_edge_host::{dist_dir, Host, InstanceOptions, WitConfig};
use serde_json::{json, Value};

pub const DEMO_PK: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";
pub const DEMO_PRIVATE: &str = include_str!("../../../../demo/demo-private.pem");
pub const DEMO_PUBLIC: &str = include_str!("../../../../demo/demo-public.pem");
pub const OTHER_PRIVATE: &str = include_str!("../../../../tests/keys/other-private.pem");
pub const OTHER_PUBLIC: &str = include_str!("../../../../tests/keys/other-public.pem");

/// One host (engine + compiled components) for the whole test binary.
pub fn host() -> &'static Host {
    static HOST: OnceLock<Host> = OnceLock::new();
    HOST.get_or_init(|| {
        let host = Host::load(&dist_dir()).expect("load components");
        host.verifier_component()
            .expect("run `make components` first");
        host.http_component().expect("run `make components` first");
        host
    })
}

pub fn now_secs() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

pub fn claims(edit: impl FnOnce(&mut Value)) -> Value {
    let now = now_secs();
    let mut c = json!({
        "sub": "user_demo123", "sid": "sess_demo456", "iss": "https://clerk.demo-app.example.com",
        "azp": "http://localhost:3000", "iat": now - 5, "nbf": now - 10, "exp": now + 300,
    });
    edit(&mut c);
    c
}

pub fn mint_with(private: &str, claims: &Value) -> String {
    Minter::from_pem(private).unwrap().mint(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"}),
        claims,
    )
}

pub fn demo_token() -> String {
    mint_with(DEMO_PRIVATE, &claims(|_| {}))
}

pub fn env(pairs: &[(&str, &str)]) -> InstanceOptions {
    InstanceOptions {
        env: pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        capture_stderr: true,
        ..InstanceOptions::default()
    }
}

/// Sends one request through the `http-verifier` component with `env_pairs` as run-time env.
pub fn send(
    env_pairs: &[(&str, &str)],
    method: &str,
    uri: &str,
    headers: &[(&str, &str)],
) -> Collected {
    let server = Server::new(host(), env(env_pairs)).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(server.request(method, uri, headers)).unwrap()
}

/// A `verifier` resource configuration: DEMO key and publishable key, then `edit`.
pub fn wit_config(edit: impl FnOnce(&mut WitConfig)) -> WitConfig {
    let mut c = clerk_edge_host::demo_config();
    edit(&mut c);
    c
}
