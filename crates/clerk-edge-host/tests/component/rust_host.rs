//! Mode 5 of the composition issue: calling the verifier from a Rust program with wasmtime's
//! `bindgen!`. The code between the README markers is quoted verbatim in the README ("Calling
//! it from a Rust host"); the test below runs it and checks the README still quotes it.

// README:begin
use wasmtime::component::{Component, Linker, ResourceTable};
use wasmtime::{Engine, Store};
use wasmtime_wasi::{WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};

wasmtime::component::bindgen!({
    path: "../../wit", // this repository's wit/ directory
    world: "clerk-edge:auth/verifier",
    with: { "wasi": wasmtime_wasi::p2::bindings },
});

struct Ctx {
    wasi: WasiCtx,
    table: ResourceTable,
}

impl WasiView for Ctx {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

/// Verifies a session token; `Ok(Some(user id))` when valid. `env` is the run-time
/// configuration (`CLERK_JWT_KEY`, `CLERK_PUBLISHABLE_KEY`, …) over what the component embeds.
fn verify(
    wasm: &std::path::Path,
    env: &[(&str, &str)],
    token: &str,
) -> wasmtime::Result<Option<String>> {
    let engine = Engine::default();
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let wasi = WasiCtxBuilder::new().envs(env).build(); // no network, no files
    let mut store = Store::new(
        &engine,
        Ctx {
            wasi,
            table: ResourceTable::new(),
        },
    );
    let verifier = Verifier::instantiate(&mut store, &component, &linker)?;
    let api = verifier.clerk_edge_auth_verify_session();
    Ok(match api.call_verify_token(&mut store, token)? {
        Ok(session) => session.user_id,
        Err(refused) => {
            eprintln!("refused: {} ({})", refused.reason, refused.message);
            None
        }
    })
}
// README:end

use clerk_edge_host::{dist_dir, VERIFIER_WASM};

use crate::common::{claims, demo_token, mint_with, now_secs, OTHER_PRIVATE, OTHER_PUBLIC};

#[test]
fn rust_host_example_verifies_and_refuses() {
    let wasm = dist_dir().join(VERIFIER_WASM);
    assert_eq!(
        verify(&wasm, &[], &demo_token()).unwrap().as_deref(),
        Some("user_demo123")
    );
    assert_eq!(verify(&wasm, &[], "not-a-token").unwrap(), None);
    // Run-time key: tokens of that key verify, DEMO tokens no longer do.
    let other = mint_with(OTHER_PRIVATE, &claims(|_| {}));
    let env = [("CLERK_JWT_KEY", OTHER_PUBLIC)];
    assert_eq!(
        verify(&wasm, &env, &other).unwrap().as_deref(),
        Some("user_demo123")
    );
    assert_eq!(verify(&wasm, &env, &demo_token()).unwrap(), None);
}

/// The same bindings, for `authenticate`: the request decision from a Rust host.
fn authenticate(
    wasm: &std::path::Path,
    headers: &[(&str, &str)],
) -> wasmtime::Result<self::clerk_edge::auth::types::AuthState> {
    use self::clerk_edge::auth::types::{Header, Request};
    let engine = Engine::default();
    let component = Component::from_file(&engine, wasm)?;
    let mut linker = Linker::new(&engine);
    wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
    let wasi = WasiCtxBuilder::new().build();
    let mut store = Store::new(
        &engine,
        Ctx {
            wasi,
            table: ResourceTable::new(),
        },
    );
    let verifier = Verifier::instantiate(&mut store, &component, &linker)?;
    let request = Request {
        method: "GET".into(),
        url: "http://localhost:3000/dashboard".into(),
        headers: headers
            .iter()
            .map(|(n, v)| Header {
                name: (*n).into(),
                value: (*v).into(),
            })
            .collect(),
    };
    verifier
        .clerk_edge_auth_verify_session()
        .call_authenticate(&mut store, &request)
}

#[test]
fn rust_host_decides_signed_in_signed_out_and_handshake() {
    use self::clerk_edge::auth::types::AuthStatus;
    let wasm = dist_dir().join(VERIFIER_WASM);
    let bearer = format!("Bearer {}", demo_token());
    let s = authenticate(&wasm, &[("authorization", &bearer)]).unwrap();
    assert_eq!(s.status, AuthStatus::SignedIn);
    assert_eq!(
        s.session.and_then(|x| x.user_id).as_deref(),
        Some("user_demo123")
    );
    let s = authenticate(&wasm, &[("cookie", "__clerk_db_jwt=dvb")]).unwrap();
    assert_eq!(s.status, AuthStatus::SignedOut);
    assert_eq!(s.reason.as_deref(), Some("session-token-and-uat-missing"));
    let uat = format!("__client_uat={}; __clerk_db_jwt=dvb", now_secs() - 60);
    let s = authenticate(&wasm, &[("cookie", &uat), ("sec-fetch-dest", "document")]).unwrap();
    assert_eq!(s.status, AuthStatus::Handshake);
    let location = s.headers.iter().find(|h| h.name == "location").unwrap();
    assert!(location
        .value
        .starts_with("https://clerk.demo-app.example.com/v1/client/handshake?"));
}

#[test]
fn readme_quotes_the_rust_host_example() {
    let source = include_str!("rust_host.rs");
    let begin = source.find("// README:begin\n").unwrap() + "// README:begin\n".len();
    let end = source.find("// README:end").unwrap();
    let example = &source[begin..end];
    let readme = include_str!("../../../../README.md");
    assert!(
        readme.contains(example),
        "README.md must quote tests/component/rust_host.rs between the README markers verbatim"
    );
}
