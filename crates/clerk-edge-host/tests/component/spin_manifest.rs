//! `spin.toml` checked against Spin's documented v2 manifest schema (the Spin CLI is not
//! available here), then its component run with its `environment` the way Spin would.

use std::collections::BTreeMap;

use clerk_edge_host::serve::Server;
use clerk_edge_host::{Host, InstanceOptions};
use toml::Value;

use crate::common::host;

const MANIFEST: &str = include_str!("../../../../spin.toml");

fn table<'a>(v: &'a Value, key: &str) -> &'a toml::map::Map<String, Value> {
    v.get(key)
        .and_then(Value::as_table)
        .unwrap_or_else(|| panic!("missing table {key}"))
}

#[test]
fn manifest_follows_the_v2_schema() {
    let m: Value = toml::from_str(MANIFEST).expect("valid TOML");
    let top: Vec<&str> = m.as_table().unwrap().keys().map(String::as_str).collect();
    for k in &top {
        assert!(
            [
                "spin_manifest_version",
                "application",
                "variables",
                "trigger",
                "component"
            ]
            .contains(k),
            "unknown top-level key {k}"
        );
    }
    assert_eq!(m["spin_manifest_version"].as_integer(), Some(2));
    let app = table(&m, "application");
    for k in app.keys() {
        assert!(
            ["name", "version", "description", "authors", "trigger"].contains(&k.as_str()),
            "unknown application key {k}"
        );
    }
    assert!(app["name"].as_str().is_some());
    let triggers = m["trigger"]["http"].as_array().expect("[[trigger.http]]");
    let components = table(&m, "component");
    for t in triggers {
        let t = t.as_table().unwrap();
        for k in t.keys() {
            assert!(
                ["route", "component", "executor"].contains(&k.as_str()),
                "unknown trigger key {k}"
            );
        }
        assert!(t["route"].as_str().unwrap().starts_with('/'));
        assert!(components.contains_key(t["component"].as_str().unwrap()));
    }
    for (id, c) in components {
        let c = c.as_table().unwrap();
        for k in c.keys() {
            assert!(
                [
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
                    "ai_models"
                ]
                .contains(&k.as_str()),
                "{id}: unknown component key {k}"
            );
        }
        assert!(c["source"].as_str().unwrap().ends_with(".wasm"));
        assert_eq!(
            c["allowed_outbound_hosts"].as_array().map(Vec::len),
            Some(0),
            "networkless"
        );
        let env = c["environment"].as_table().unwrap();
        assert!(env
            .iter()
            .all(|(k, v)| k.starts_with("CLERK_") && v.is_str()));
        let build = c["build"].as_table().unwrap();
        assert!(build["command"].is_str());
        assert!(build["watch"].as_array().unwrap().iter().all(Value::is_str));
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
