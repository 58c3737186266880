//! `spin.toml` checked against Spin's documented v2 manifest schema (the Spin CLI is not
//! available here), then its component run with its `environment` the way Spin would.

use std::collections::BTreeMap;

use clerk_edge_host::serve::Server;
use clerk_edge_host::{Host, InstanceOptions};
use toml::Value;

use crate::common::host;

const MANIFEST: &str = include_str!("../../../../spin.toml");

/// Every Spin manifest in the repository, with the directory its paths are relative to.
const MANIFESTS: &[(&str, &str)] = &[
    ("", include_str!("../../../../spin.toml")),
    (
        "examples/spin-app",
        include_str!("../../../../examples/spin-app/spin.toml"),
    ),
    (
        "examples/spin-middleware",
        include_str!("../../../../examples/spin-middleware/spin.toml"),
    ),
];

fn table<'a>(v: &'a Value, key: &str) -> &'a toml::map::Map<String, Value> {
    v.get(key)
        .and_then(Value::as_table)
        .unwrap_or_else(|| panic!("missing table {key}"))
}

fn keys_within(what: &str, t: &toml::map::Map<String, Value>, allowed: &[&str]) {
    for k in t.keys() {
        assert!(allowed.contains(&k.as_str()), "{what}: unknown key {k}");
    }
}

/// `inherit_configuration`: a bool or a list of capability names (Spin 4.x).
fn check_inherit(what: &str, v: Option<&Value>) {
    let Some(v) = v else { return };
    let ok = v.is_bool()
        || v.as_array().is_some_and(|a| {
            a.iter().all(|c| {
                [
                    "ai_models",
                    "allowed_outbound_hosts",
                    "environment",
                    "files",
                    "key_value_stores",
                    "sqlite_databases",
                    "variables",
                ]
                .contains(&c.as_str().unwrap_or(""))
            })
        });
    assert!(ok, "{what}: bad inherit_configuration {v}");
}

/// A `.wasm` a manifest points at, relative to the manifest's directory.
fn artifact(dir: &str, path: &str) -> std::path::PathBuf {
    assert!(path.ends_with(".wasm"), "{path}");
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(dir)
        .join(path)
}

#[test]
fn manifests_follow_the_v2_schema() {
    for (dir, text) in MANIFESTS {
        check_manifest(dir, text);
    }
}

fn check_manifest(dir: &str, text: &str) {
    let m: Value = toml::from_str(text).expect("valid TOML");
    keys_within(
        dir,
        m.as_table().unwrap(),
        &[
            "spin_manifest_version",
            "application",
            "variables",
            "trigger",
            "component",
        ],
    );
    assert_eq!(m["spin_manifest_version"].as_integer(), Some(2));
    let app = table(&m, "application");
    keys_within(
        dir,
        app,
        &["name", "version", "description", "authors", "trigger"],
    );
    assert!(app["name"].as_str().is_some());
    let triggers = m["trigger"]["http"].as_array().expect("[[trigger.http]]");
    let components = table(&m, "component");
    for t in triggers {
        let t = t.as_table().unwrap();
        keys_within(dir, t, &["route", "component", "executor", "dependencies"]);
        assert!(t["route"].as_str().unwrap().starts_with('/'));
        assert!(components.contains_key(t["component"].as_str().unwrap()));
        // Trigger middleware (Spin 4.1): `dependencies.middleware = [{ component = id } |
        // { path = "x.wasm" }, ...]`, each with an optional `inherit_configuration`.
        if let Some(deps) = t.get("dependencies") {
            let deps = deps.as_table().unwrap();
            keys_within(dir, deps, &["middleware"]);
            for mw in deps["middleware"].as_array().unwrap() {
                let mw = mw.as_table().unwrap();
                keys_within(dir, mw, &["component", "path", "inherit_configuration"]);
                check_inherit(dir, mw.get("inherit_configuration"));
                match (mw.get("component"), mw.get("path")) {
                    (Some(id), None) => {
                        assert!(components.contains_key(id.as_str().unwrap()), "{id}")
                    }
                    (None, Some(p)) => assert!(p.as_str().unwrap().ends_with(".wasm")),
                    _ => panic!("{dir}: middleware needs exactly one of component/path"),
                }
            }
        }
    }
    for (id, c) in components {
        let c = c.as_table().unwrap();
        keys_within(
            &format!("{dir} {id}"),
            c,
            &[
                "description",
                "source",
                "files",
                "exclude_files",
                "allowed_outbound_hosts",
                "key_value_stores",
                "environment",
                "build",
                "variables",
                "dependencies",
                "dependencies_inherit_configuration",
                "sqlite_databases",
                "ai_models",
            ],
        );
        let source = c["source"].as_str().unwrap();
        assert!(
            artifact(dir, source).exists(),
            "{dir} {id}: {source} missing: run `make components`"
        );
        assert_eq!(
            c["allowed_outbound_hosts"].as_array().map(Vec::len),
            Some(0),
            "networkless"
        );
        if let Some(env) = c.get("environment") {
            assert!(env
                .as_table()
                .unwrap()
                .iter()
                .all(|(k, v)| k.starts_with("CLERK_") && v.is_str()));
        }
        if let Some(build) = c.get("build") {
            let build = build.as_table().unwrap();
            assert!(build["command"].is_str());
            assert!(build["watch"].as_array().unwrap().iter().all(Value::is_str));
        }
        // Component dependencies (Spin 3.0): "ns:pkg/interface[@version]" = { path = … }.
        if let Some(deps) = c.get("dependencies") {
            for (name, d) in deps.as_table().unwrap() {
                let (pkg, iface) = name.split_once('/').expect("package/interface");
                assert!(pkg.contains(':') && !iface.is_empty(), "{name}");
                let d = d.as_table().unwrap();
                keys_within(name, d, &["path", "export", "inherit_configuration"]);
                check_inherit(name, d.get("inherit_configuration"));
                assert!(
                    artifact(dir, d["path"].as_str().unwrap()).exists(),
                    "{name}"
                );
            }
            // Spin refuses both forms on one component.
            assert!(
                !(c.contains_key("dependencies_inherit_configuration")
                    && deps
                        .as_table()
                        .unwrap()
                        .values()
                        .any(|d| d.get("inherit_configuration").is_some())),
                "{dir} {id}: dependencies_inherit_configuration and inherit_configuration"
            );
        }
    }
}

#[test]
fn manifest_component_runs_with_its_environment() {
    let m: Value = toml::from_str(MANIFEST).unwrap();
    let c = &m["component"]["clerk-edge"];
    let env: BTreeMap<String, String> = c["environment"]
        .as_table()
        .unwrap()
        .iter()
        .map(|(k, v)| (k.clone(), v.as_str().unwrap().to_owned()))
        .collect();
    // The environment is a valid configuration ...
    clerk_edge::Verifier::from_env(&env).expect("spin.toml environment is a valid configuration");
    // ... and the component at `source` serves with it.
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(c["source"].as_str().unwrap());
    assert!(
        source.exists(),
        "{} missing: run `make components`",
        source.display()
    );
    let component =
        wasmtime::component::Component::from_file(host().engine_ref(), &source).unwrap();
    let opts = InstanceOptions {
        env: env.into_iter().collect(),
        capture_stderr: true,
        ..InstanceOptions::default()
    };
    let server = Server::with_component(&Host::clone(host()), &component, opts).unwrap();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let home = rt
        .block_on(server.request("GET", "http://127.0.0.1:3000/", &[]))
        .unwrap();
    assert_eq!(home.status, 200, "public route");
    let page = rt
        .block_on(server.request(
            "GET",
            "http://127.0.0.1:3000/dashboard",
            &[
                ("sec-fetch-dest", "document"),
                ("cookie", "__clerk_db_jwt=d; __client_uat=0"),
            ],
        ))
        .unwrap();
    assert_eq!(page.status, 307);
    assert!(page
        .header("location")
        .unwrap()
        .starts_with("https://accounts.demo-app.example.com/sign-in?redirect_url="));
}
