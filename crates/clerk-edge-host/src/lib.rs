//! The wasmtime host for the clerk-edge component: loads the real `.wasm`, calls
//! `verify-session` directly, and serves the `wasi:http` handler. Egress is refused: the
//! `wasi:http` outgoing hook always answers "request denied" and no socket address is allowed,
//! so every test run through this host proves the component needs no network.

pub mod bench;
pub mod compose;
pub mod load;
pub mod p3;
pub mod serve;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context as _, Result};
use wasmtime::component::{Component, Linker, ResourceAny, ResourceTable};
use wasmtime::{Config, Engine, InstanceAllocationStrategy, PoolingAllocationConfig, Store};
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{HostWallClock, WasiCtx, WasiCtxBuilder, WasiCtxView, WasiView};
use wasmtime_wasi_http::{WasiHttpCtx, WasiHttpCtxView, WasiHttpHooks, WasiHttpView};

/// Bindings for the `verifier` world (the export side; WASI imports come from wasmtime-wasi).
pub mod bindings {
    #![allow(
        missing_docs,
        unreachable_pub,
        clippy::all,
        reason = "generated bindings"
    )]
    wasmtime::component::bindgen!({
        path: "../../wit",
        world: "clerk-edge:auth/verifier",
        with: { "wasi": wasmtime_wasi::p2::bindings },
    });
}

pub use bindings::clerk_edge::auth::types::{
    AuthState, AuthStatus, Config as WitConfig, ConfigError as WitConfigError, HasCheck, Header,
    Request, Session, TokenError,
};

/// The DEMO public key (throwaway, fictitious instance; demo/README.md).
pub const DEMO_PUBLIC_PEM: &str = include_str!("../../../demo/demo-public.pem");
/// The DEMO publishable key (`clerk.demo-app.example.com`, development instance).
pub const DEMO_PUBLISHABLE_KEY: &str = "pk_test_Y2xlcmsuZGVtby1hcHAuZXhhbXBsZS5jb20k";

/// A `config` record with the DEMO key and publishable key and nothing else set.
pub fn demo_config() -> WitConfig {
    WitConfig {
        jwt_key: Some(DEMO_PUBLIC_PEM.into()),
        jwks: None,
        publishable_key: Some(DEMO_PUBLISHABLE_KEY.into()),
        authorized_parties: vec![],
        audience: vec![],
        issuers: vec![],
        clock_skew_ms: None,
        header_types: vec![],
        domain: None,
        is_satellite: false,
        proxy_url: None,
        sign_in_url: None,
        sign_up_url: None,
        after_sign_in_url: None,
        after_sign_up_url: None,
        satellite_auto_sync: false,
        organization_patterns: vec![],
        personal_account_patterns: vec![],
        accepts_token: None,
        redirect_origins: vec![],
        public_origin: None,
    }
}

/// File names of the two artifacts under the dist directory.
pub const VERIFIER_WASM: &str = "clerk_edge_verifier.wasm";
/// The `http-verifier` artifact.
pub const HTTP_WASM: &str = "clerk_edge_http.wasm";

/// Where the built components are: `$CLERK_EDGE_DIST` or `<workspace>/dist`.
pub fn dist_dir() -> PathBuf {
    std::env::var_os("CLERK_EDGE_DIST").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("../../dist"),
        PathBuf::from,
    )
}

/// Store data: WASI, WASI HTTP and the egress-refusing hooks.
pub struct State {
    wasi: WasiCtx,
    http: WasiHttpCtx,
    table: ResourceTable,
    hooks: DenyEgress,
}

impl WasiView for State {
    fn ctx(&mut self) -> WasiCtxView<'_> {
        WasiCtxView {
            ctx: &mut self.wasi,
            table: &mut self.table,
        }
    }
}

impl WasiHttpView for State {
    fn http(&mut self) -> WasiHttpCtxView<'_> {
        WasiHttpCtxView {
            ctx: &mut self.http,
            table: &mut self.table,
            hooks: &mut self.hooks,
        }
    }
}

/// Refuses every outgoing HTTP request: the component must never need one.
pub struct DenyEgress;

impl WasiHttpHooks for DenyEgress {
    fn send_request(
        &mut self,
        _request: http::Request<wasmtime_wasi_http::WasiBody>,
        _options: Option<wasmtime_wasi_http::RequestOptions>,
        _fut: Box<dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>> + Send>,
    ) -> Box<
        dyn std::future::Future<
                Output = Result<
                    (
                        http::Response<wasmtime_wasi_http::WasiBody>,
                        Box<
                            dyn std::future::Future<Output = Result<(), wasmtime_wasi_http::Error>>
                                + Send,
                        >,
                    ),
                    wasmtime_wasi_http::Error,
                >,
            > + Send,
    > {
        Box::new(async { Err(wasmtime_wasi_http::Error::HttpRequestDenied) })
    }
}

/// A wall clock fixed at one instant (the conformance runner's per-case clock).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub i64);

impl HostWallClock for FixedClock {
    fn resolution(&self) -> Duration {
        Duration::from_millis(1)
    }
    fn now(&self) -> Duration {
        Duration::from_millis(u64::try_from(self.0).unwrap_or(0))
    }
}

/// How one instance is set up.
#[derive(Debug, Clone, Default)]
pub struct InstanceOptions {
    /// Environment variables (`CLERK_*` run-time configuration).
    pub env: Vec<(String, String)>,
    /// Fixed wall clock in epoch ms (default: the real clock).
    pub clock_ms: Option<i64>,
    /// Capture stderr instead of inheriting it.
    pub capture_stderr: bool,
    /// Inherit stderr (the CLI does; tests capture).
    pub inherit_stderr: bool,
}

/// The engine and compiled components, built once.
#[derive(Clone)]
pub struct Host {
    engine: Engine,
    verifier: Option<Component>,
    http: Option<Component>,
    /// The `verifier` component pre-instantiated against the WASI linker (done once).
    verifier_pre: Option<bindings::VerifierPre<State>>,
}

impl Host {
    /// An engine with the pooling allocator (for serving many short-lived instances).
    pub fn engine() -> Result<Engine> {
        let mut config = Config::new();
        let mut pool = PoolingAllocationConfig::default();
        pool.total_component_instances(1000);
        pool.total_memories(1000);
        pool.total_tables(1000);
        pool.max_memory_size(64 << 20);
        // Linear memories of finished instances are decommitted 32 at a time: one TLB
        // shoot-down per batch instead of per instance (clerk-edge-host bench: served
        // signed-in 205 -> 188 us, no-op 26.7 -> 21.4 us).
        pool.decommit_batch_size(32);
        // The first 320 KiB of each linear memory and 64 KiB of each table stay resident
        // between instances and are reset with memset rather than decommitted: a fresh
        // instance then takes no page faults there. Our components are built with a 128 KiB
        // stack (`.cargo/config.toml`), so stack, data and the start of the heap all fall in
        // that range. In a multi-threaded server each fault also costs a TLB shoot-down
        // (~5 µs per fault measured). Both settings, `bench --repeat`, in-process: signed-in
        // request 166 -> 132 µs, no-op 25.3 -> 17.3 µs, page faults per request 14 -> 0;
        // served CPU over TCP (bench/run.sh's method): 261 -> 184 µs, no-op 69 -> 37 µs. With
        // the 1 MiB default stack the memory setting only memsets untouched stack (session 3:
        // slower).
        pool.linear_memory_keep_resident(320 << 10);
        pool.table_keep_resident(64 << 10);
        config.allocation_strategy(InstanceAllocationStrategy::Pooling(pool));
        // WASI 0.3 (`p3`): component-model async. On by default with the cargo feature; set
        // explicitly so p3 components compile. p2 components are unaffected.
        config.wasm_component_model_async(true);
        // Profiling the guest (`perf record` then `perf report`): wasmtime writes
        // /tmp/perf-<pid>.map so that perf names the compiled wasm functions.
        if std::env::var("CLERK_EDGE_PROFILER").as_deref() == Ok("perfmap") {
            config.profiler(wasmtime::ProfilingStrategy::PerfMap);
        }
        Ok(Engine::new(&config)?)
    }

    /// Loads the components from `dist` (either may be missing; calls needing it fail).
    pub fn load(dist: &Path) -> Result<Host> {
        let engine = Self::engine()?;
        let read = |name: &str| -> Result<Option<Component>> {
            let path = dist.join(name);
            if !path.exists() {
                return Ok(None);
            }
            Ok(Some(
                Component::from_file(&engine, &path)
                    .map_err(anyhow::Error::from)
                    .with_context(|| format!("compiling {}", path.display()))?,
            ))
        };
        let verifier = read(VERIFIER_WASM)?;
        let verifier_pre = match &verifier {
            None => None,
            Some(c) => {
                let linker = Self::sync_linker(&engine)?;
                Some(bindings::VerifierPre::new(linker.instantiate_pre(c)?)?)
            }
        };
        Ok(Host {
            verifier,
            http: read(HTTP_WASM)?,
            verifier_pre,
            engine,
        })
    }

    /// The engine.
    pub fn engine_ref(&self) -> &Engine {
        &self.engine
    }

    /// The `verifier` component.
    pub fn verifier_component(&self) -> Result<&Component> {
        self.verifier.as_ref().with_context(|| {
            format!(
                "{VERIFIER_WASM} not found in {}: run `make components`",
                dist_dir().display()
            )
        })
    }

    /// The `http-verifier` component.
    pub fn http_component(&self) -> Result<&Component> {
        self.http.as_ref().with_context(|| {
            format!(
                "{HTTP_WASM} not found in {}: run `make components`",
                dist_dir().display()
            )
        })
    }

    /// A store for one instance.
    pub fn store(&self, opts: &InstanceOptions) -> (Store<State>, Option<MemoryOutputPipe>) {
        let mut b = WasiCtxBuilder::new();
        b.envs(&opts.env);
        // Security: no socket address is ever allowed and name lookup is off.
        b.socket_addr_check(|_, _| Box::pin(async { false }));
        b.allow_ip_name_lookup(false);
        if let Some(ms) = opts.clock_ms {
            b.wall_clock(FixedClock(ms));
        }
        let pipe = if opts.capture_stderr {
            let p = MemoryOutputPipe::new(1 << 20);
            b.stderr(p.clone());
            Some(p)
        } else {
            if opts.inherit_stderr {
                b.inherit_stderr();
            }
            None
        };
        let state = State {
            wasi: b.build(),
            http: WasiHttpCtx::new(),
            table: ResourceTable::new(),
            hooks: DenyEgress,
        };
        (Store::new(&self.engine, state), pipe)
    }

    /// A linker with WASI (sync) for direct calls.
    fn sync_linker(engine: &Engine) -> Result<Linker<State>> {
        let mut linker: Linker<State> = Linker::new(engine);
        wasmtime_wasi::p2::add_to_linker_sync(&mut linker)?;
        Ok(linker)
    }

    /// Instantiates the `verifier` component for direct calls (from its pre-instantiation).
    pub fn verifier(&self, opts: &InstanceOptions) -> Result<VerifierInstance> {
        let pre = self.verifier_pre.as_ref().with_context(|| {
            format!(
                "{VERIFIER_WASM} not found in {}: run `make components`",
                dist_dir().display()
            )
        })?;
        let (mut store, stderr) = self.store(opts);
        let instance = pre.instantiate(&mut store)?;
        Ok(VerifierInstance {
            store,
            instance,
            stderr,
        })
    }

    /// Instantiates any component exporting `verify-session` (also `http-verifier`).
    pub fn verifier_from(
        &self,
        component: &Component,
        opts: &InstanceOptions,
    ) -> Result<VerifierInstance> {
        let linker = Self::sync_linker(&self.engine)?;
        let (mut store, stderr) = self.store(opts);
        let instance = bindings::Verifier::instantiate(&mut store, component, &linker)?;
        Ok(VerifierInstance {
            store,
            instance,
            stderr,
        })
    }
}

/// Import names of a component (for the networkless check).
pub fn import_names(engine: &Engine, component: &Component) -> Vec<String> {
    component
        .component_type()
        .imports(engine)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// Fails when a component imports anything that can reach the network.
pub fn assert_networkless(engine: &Engine, component: &Component) -> Result<Vec<String>> {
    let names = import_names(engine, component);
    for n in &names {
        if n.starts_with("wasi:http/outgoing-handler") || n.starts_with("wasi:sockets/") {
            bail!("component imports {n}: it could reach the network");
        }
    }
    Ok(names)
}

/// A live `verifier` instance.
pub struct VerifierInstance {
    store: Store<State>,
    instance: bindings::Verifier,
    stderr: Option<MemoryOutputPipe>,
}

impl VerifierInstance {
    /// `verify-token` with the embedded configuration.
    pub fn verify_token(&mut self, token: &str) -> Result<Result<Session, TokenError>> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.call_verify_token(&mut self.store, token)?)
    }

    /// `authenticate` with the embedded configuration.
    pub fn authenticate(&mut self, request: &Request) -> Result<AuthState> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.call_authenticate(&mut self.store, request)?)
    }

    /// `sign-in-url` with the embedded configuration.
    pub fn sign_in_url(&mut self, request: &Request) -> Result<Option<String>> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.call_sign_in_url(&mut self.store, request)?)
    }

    /// Free `has`.
    pub fn has(&mut self, session: &Session, check: &HasCheck) -> Result<bool> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.call_has(&mut self.store, session, check)?)
    }

    /// `verifier.create`.
    pub fn create(&mut self, config: &WitConfig) -> Result<Result<ResourceAny, WitConfigError>> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.verifier().call_create(&mut self.store, config)?)
    }

    /// `verifier.verify-token`.
    pub fn resource_verify_token(
        &mut self,
        v: ResourceAny,
        token: &str,
    ) -> Result<Result<Session, TokenError>> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api
            .verifier()
            .call_verify_token(&mut self.store, v, token)?)
    }

    /// `verifier.authenticate`.
    pub fn resource_authenticate(
        &mut self,
        v: ResourceAny,
        request: &Request,
    ) -> Result<AuthState> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api
            .verifier()
            .call_authenticate(&mut self.store, v, request)?)
    }

    /// `verifier.authenticate-clerk-state`.
    pub fn resource_clerk_state(
        &mut self,
        v: ResourceAny,
        request: &Request,
        treat_pending: bool,
    ) -> Result<String> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api.verifier().call_authenticate_clerk_state(
            &mut self.store,
            v,
            request,
            treat_pending,
        )?)
    }

    /// `verifier.sign-in-url`.
    pub fn resource_sign_in_url(
        &mut self,
        v: ResourceAny,
        request: &Request,
    ) -> Result<Option<String>> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api
            .verifier()
            .call_sign_in_url(&mut self.store, v, request)?)
    }

    /// `verifier.has`.
    pub fn resource_has(
        &mut self,
        v: ResourceAny,
        session: &Session,
        check: &HasCheck,
    ) -> Result<bool> {
        let api = self.instance.clerk_edge_auth_verify_session();
        Ok(api
            .verifier()
            .call_has(&mut self.store, v, session, check)?)
    }

    /// Drops a resource.
    pub fn drop_resource(&mut self, v: ResourceAny) -> Result<()> {
        Ok(v.resource_drop(&mut self.store)?)
    }

    /// Everything the component wrote to stderr (when captured).
    pub fn stderr(&self) -> String {
        self.stderr
            .as_ref()
            .map(|p| String::from_utf8_lossy(&p.contents()).into_owned())
            .unwrap_or_default()
    }
}

/// A `Request` record from parts.
pub fn request(method: &str, url: &str, headers: &[(&str, &str)]) -> Request {
    Request {
        method: method.to_owned(),
        url: url.to_owned(),
        headers: headers
            .iter()
            .map(|(n, v)| Header {
                name: (*n).to_owned(),
                value: (*v).to_owned(),
            })
            .collect(),
    }
}

pub mod conformance;
