//! `clerk-edge-host`: run the clerk-edge component.
//!
//! ```text
//! clerk-edge-host serve [--addr 127.0.0.1:3000] [--env K=V]... [--component other.wasm [--p3]]
//!                                                                 --p3: the component exports wasi:http/handler@0.3.0
//! clerk-edge-host verify <token> [--env K=V]...                   verify-token (embedded config)
//! clerk-edge-host authenticate --url URL [--method M] [--header 'N: V']... [--env K=V]...
//! clerk-edge-host conformance < cases.jsonl > results.jsonl      conformance runner (through the .wasm)
//! clerk-edge-host mint [--sub user_x] [--ttl 60] [--kid k]        demo token from the DEMO private key
//! clerk-edge-host bench [--iterations 2000]                       in-component timings (JSON)
//! clerk-edge-host bench --repeat signed-in|signed-out|signed-out-api|noop [--requests 20000]
//!                                                                 one served case, for profilers
//! clerk-edge-host load [--addr 127.0.0.1:3000] [--seconds 60] [--concurrency 16] [--mix all|valid|signed-out]
//!                                                                 bounded mixed load against a served DEMO
//! clerk-edge-host plug --plug <plug.wasm> [--plug <more.wasm>]... <socket.wasm> [-o <out.wasm>]
//!                                                                 compose, exactly as `wac plug` does
//! ```
//! Components are read from `$CLERK_EDGE_DIST` (default `<workspace>/dist`, `make components`).

use std::io::{BufRead as _, Write as _};
use std::process::ExitCode;
use std::time::{SystemTime, UNIX_EPOCH};

use anyhow::{bail, Context as _, Result};
use clerk_edge_host::p3::P3Server;
use clerk_edge_host::serve::Server;
use clerk_edge_host::{dist_dir, request, Host, InstanceOptions};
use serde_json::json;

const DEMO_PRIVATE_PEM: &str = include_str!("../../../demo/demo-private.pem");

fn main() -> ExitCode {
    match run() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("clerk-edge-host: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Options that take no value.
const FLAGS: &[&str] = &["p3"];

/// `--name value` options, `--flag`s ([`FLAGS`]) and positional arguments.
struct Args {
    positional: Vec<String>,
    options: Vec<(String, String)>,
    flags: Vec<String>,
}

impl Args {
    fn parse(raw: &[String]) -> Result<Args> {
        let mut positional = Vec::new();
        let mut options = Vec::new();
        let mut flags = Vec::new();
        let mut it = raw.iter();
        while let Some(a) = it.next() {
            // `-o FILE` is `--output FILE` (as in `wac plug -o`).
            let long = if a == "-o" { "--output" } else { a.as_str() };
            if let Some(name) = long.strip_prefix("--").filter(|n| FLAGS.contains(n)) {
                flags.push(name.to_owned());
            } else if let Some(name) = long.strip_prefix("--") {
                let value = it
                    .next()
                    .with_context(|| format!("--{name} needs a value"))?;
                options.push((name.to_owned(), value.clone()));
            } else {
                positional.push(a.clone());
            }
        }
        Ok(Args {
            positional,
            options,
            flags,
        })
    }

    /// Whether `--name` (one of [`FLAGS`]) was given.
    fn flag(&self, name: &str) -> bool {
        self.flags.iter().any(|f| f == name)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    /// `--name N`, or `default` when absent.
    fn number<T: std::str::FromStr>(&self, name: &str, default: T) -> Result<T> {
        match self.get(name) {
            None => Ok(default),
            Some(v) => v
                .parse()
                .map_err(|_| anyhow::anyhow!("--{name}: expected a number, got {v:?}")),
        }
    }

    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.options
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn env(&self) -> Result<Vec<(String, String)>> {
        self.all("env")
            .map(|kv| {
                kv.split_once('=')
                    .map(|(k, v)| (k.to_owned(), v.to_owned()))
                    .with_context(|| format!("--env {kv}: expected NAME=VALUE"))
            })
            .collect()
    }
}

fn run() -> Result<ExitCode> {
    let raw: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = raw.split_first() else {
        bail!("usage: clerk-edge-host serve|verify|authenticate|conformance|mint|bench|load|plug (see --help in the README)");
    };
    let args = Args::parse(rest)?;
    match command.as_str() {
        "mint" => mint(&args),
        "serve" => serve(&args),
        "verify" => verify(&args),
        "authenticate" => authenticate(&args),
        "conformance" => conformance(),
        "load" => load(&args),
        "bench" => bench(&args),
        "plug" => plug(&args),
        other => bail!("unknown command {other:?}"),
    }
}

/// Signs with the DEMO private key (throwaway; demo/README.md).
fn demo_minter() -> Result<clerk_edge::mint::Minter> {
    clerk_edge::mint::Minter::from_pem(DEMO_PRIVATE_PEM).map_err(anyhow::Error::msg)
}

fn now_secs() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(0))
}

fn mint(args: &Args) -> Result<ExitCode> {
    let minter = demo_minter()?;
    let ttl: i64 = args.number("ttl", 600)?;
    let now = now_secs();
    let header =
        json!({"alg": "RS256", "typ": "JWT", "kid": args.get("kid").unwrap_or("ins_demo")});
    let mut claims = json!({
        "sub": args.get("sub").unwrap_or("user_demo123"),
        "sid": args.get("sid").unwrap_or("sess_demo456"),
        "iss": "https://clerk.demo-app.example.com",
        "iat": now - 5, "nbf": now - 10, "exp": now + ttl,
    });
    if let (Some(org), Some(obj)) = (args.get("org"), claims.as_object_mut()) {
        obj.insert("v".into(), json!(2));
        obj.insert(
            "o".into(),
            json!({"id": org, "slg": args.get("org-slug").unwrap_or("demo-org"), "rol": args.get("org-role").unwrap_or("admin")}),
        );
    }
    println!("{}", minter.mint(&header, &claims));
    Ok(ExitCode::SUCCESS)
}

fn serve(args: &Args) -> Result<ExitCode> {
    let addr = args.get("addr").unwrap_or("127.0.0.1:3000").to_owned();
    let host = Host::load(&dist_dir())?;
    let opts = InstanceOptions {
        env: args.env()?,
        inherit_stderr: true,
        ..InstanceOptions::default()
    };
    enum Served {
        P2(Server),
        P3(P3Server),
    }
    // `--component path.wasm` serves another wasi:http component (benchmark baselines);
    // with `--p3`, one exporting wasi:http/handler@0.3.0.
    let component = args.get("component");
    let server = match (component, args.flag("p3")) {
        (Some(path), true) => Served::P3(P3Server::from_file(&host, path.as_ref(), opts)?),
        (None, true) => bail!("--p3 needs --component <file.wasm>"),
        (Some(path), false) => {
            let c = wasmtime::component::Component::from_file(host.engine_ref(), path)
                .map_err(anyhow::Error::from)
                .with_context(|| format!("compiling {path}"))?;
            Served::P2(Server::with_component(&host, &c, opts)?)
        }
        (None, false) => Served::P2(Server::new(&host, opts)?),
    };
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(&addr)
            .await
            .with_context(|| format!("binding {addr}"))?;
        eprintln!(
            "clerk-edge: serving {} on http://{}",
            component.unwrap_or(clerk_edge_host::HTTP_WASM),
            listener.local_addr()?
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        match server {
            Served::P2(server) => server.run(listener, shutdown).await,
            Served::P3(server) => server.run(listener, shutdown).await,
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

fn verify(args: &Args) -> Result<ExitCode> {
    let token = args.positional.first().context("usage: verify <token>")?;
    let host = Host::load(&dist_dir())?;
    let mut inst = host.verifier(&InstanceOptions {
        env: args.env()?,
        inherit_stderr: true,
        ..InstanceOptions::default()
    })?;
    match inst.verify_token(token)? {
        Ok(s) => {
            println!(
                "{}",
                json!({"ok": true, "user_id": s.user_id, "session_id": s.session_id, "claims": serde_json::from_str::<serde_json::Value>(&s.claims)?})
            );
            Ok(ExitCode::SUCCESS)
        }
        Err(e) => {
            println!(
                "{}",
                json!({"ok": false, "reason": e.reason, "message": e.message})
            );
            Ok(ExitCode::from(1))
        }
    }
}

fn authenticate(args: &Args) -> Result<ExitCode> {
    let url = args.get("url").context("--url is required")?;
    let method = args.get("method").unwrap_or("GET");
    let headers: Vec<(String, String)> = args
        .all("header")
        .map(|h| {
            h.split_once(':')
                .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                .with_context(|| format!("--header {h}: expected 'Name: value'"))
        })
        .collect::<Result<_>>()?;
    let pairs: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    let host = Host::load(&dist_dir())?;
    let mut inst = host.verifier(&InstanceOptions {
        env: args.env()?,
        inherit_stderr: true,
        ..InstanceOptions::default()
    })?;
    let state = inst.authenticate(&request(method, url, &pairs))?;
    let headers: Vec<_> = state
        .headers
        .iter()
        .map(|h| json!([h.name, h.value]))
        .collect();
    println!(
        "{}",
        json!({
            "status": format!("{:?}", state.status).to_lowercase(),
            "reason": state.reason, "message": state.message, "headers": headers,
            "user_id": state.session.as_ref().and_then(|s| s.user_id.clone()),
        })
    );
    Ok(ExitCode::SUCCESS)
}

fn conformance() -> Result<ExitCode> {
    let host = Host::load(&dist_dir())?;
    let stdin = std::io::stdin();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for line in stdin.lock().lines() {
        let line = line?;
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let case: serde_json::Value = serde_json::from_str(trimmed).context("case is not JSON")?;
        let result = clerk_edge_host::conformance::run_case(&host, &case)?;
        writeln!(out, "{result}")?;
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn load(args: &Args) -> Result<ExitCode> {
    let addr = args.get("addr").unwrap_or("127.0.0.1:3000").to_owned();
    let seconds: u64 = args.number("seconds", 60)?;
    let concurrency: usize = args.number("concurrency", 16)?;
    let minter = demo_minter()?;
    let now = now_secs();
    let header = json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"});
    let claims = |iat: i64, exp: i64| {
        json!({"sub": "user_load", "sid": "sess_load", "iss": "https://clerk.demo-app.example.com",
               "iat": iat, "nbf": iat - 10, "exp": exp})
    };
    let valid = minter.mint(
        &header,
        &claims(now - 5, now + i64::try_from(seconds).unwrap_or(0) + 3600),
    );
    let expired = minter.mint(&header, &claims(now - 7200, now - 3600));
    let mut kinds = clerk_edge_host::load::mix(&valid, &expired, "user_load");
    match args.get("mix") {
        // Only signed-in requests (CPU-per-request comparisons against a baseline).
        Some("valid") => kinds.retain(|k| k.name == "valid-bearer" && k.path == "/api/me"),
        // Only page navigations without a session (the path with no token work).
        Some("signed-out") => kinds.retain(|k| k.name == "page-no-session"),
        None | Some("all") => {}
        Some(other) => anyhow::bail!("unknown --mix {other} (all, valid or signed-out)"),
    }
    let rt = tokio::runtime::Runtime::new()?;
    let report = rt.block_on(clerk_edge_host::load::run(
        &addr,
        std::time::Duration::from_secs(seconds),
        concurrency,
        kinds,
    ))?;
    let [p50, p90, p99, p999, max] = report.percentiles;
    println!(
        "{}",
        json!({
            "requests": report.requests, "seconds": report.elapsed.as_secs_f64(), "rps": report.rps(),
            "unexpected": report.unexpected, "errors": report.errors,
            "latency_us": {"p50": p50, "p90": p90, "p99": p99, "p99.9": p999, "max": max},
            "concurrency": concurrency,
        })
    );
    Ok(if report.unexpected == 0 && report.errors == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn bench(args: &Args) -> Result<ExitCode> {
    let iterations: usize = args.number("iterations", 2000)?;
    let dist = dist_dir();
    let host = Host::load(&dist)?;
    let noop = wasmtime::component::Component::from_file(host.engine_ref(), dist.join("noop.wasm"))
        .map_err(anyhow::Error::from)
        .context("dist/noop.wasm (make components)")?;
    let minter = demo_minter()?;
    let now = now_secs();
    let valid = minter.mint(
        &json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"}),
        &json!({"sub": "user_bench", "sid": "sess_bench", "iss": "https://clerk.demo-app.example.com",
                "azp": "http://localhost:3000", "iat": now - 5, "nbf": now - 10, "exp": now + 3600}),
    );
    let report = match args.get("repeat") {
        Some(case) => {
            let requests: usize = args.number("requests", 20_000)?;
            clerk_edge_host::bench::repeat(&host, &noop, &valid, case.parse()?, requests)?
        }
        None => clerk_edge_host::bench::run(&host, &noop, &valid, iterations)?,
    };
    println!("{report}");
    Ok(ExitCode::SUCCESS)
}

/// `plug --plug P [--plug P2]... SOCKET [-o OUT]`: `wac plug` (same arguments, same result).
fn plug(args: &Args) -> Result<ExitCode> {
    const USAGE: &str =
        "usage: plug --plug <plug.wasm> [--plug <more.wasm>]... <socket.wasm> [-o <out.wasm>]";
    let [socket_path] = args.positional.as_slice() else {
        bail!("{USAGE}");
    };
    let read = |path: &str, what: &str| {
        std::fs::read(path).with_context(|| format!("failed to read {what} component `{path}`"))
    };
    let socket = read(socket_path, "socket")?;
    let plugs = args
        .all("plug")
        .map(|p| read(p, "plug"))
        .collect::<Result<Vec<_>>>()?;
    if plugs.is_empty() {
        bail!("at least one --plug is required; {USAGE}");
    }
    let plug_refs: Vec<&[u8]> = plugs.iter().map(Vec::as_slice).collect();
    let composed = clerk_edge_host::compose::plug(&socket, &plug_refs)?;
    match args.get("output") {
        Some(out) => std::fs::write(out, &composed)
            .with_context(|| format!("failed to write output file `{out}`"))?,
        None => {
            let mut stdout = std::io::stdout().lock();
            if std::io::IsTerminal::is_terminal(&stdout) {
                bail!("cannot print binary wasm output to a terminal; pass -o <out.wasm>");
            }
            stdout.write_all(&composed)?;
            stdout.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
