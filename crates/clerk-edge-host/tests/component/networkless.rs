//! The networkless promise, checked on the built artifacts.

use clerk_edge_host::assert_networkless;

use crate::common::host;

#[test]
fn neither_world_imports_outgoing_http_or_sockets() {
    let h = host();
    for component in [h.verifier_component().unwrap(), h.http_component().unwrap()] {
        let imports = assert_networkless(h.engine_ref(), component).unwrap();
        assert!(
            imports.iter().all(|n| !n.contains("outgoing-handler")),
            "{imports:?}"
        );
        assert!(
            imports.iter().all(|n| !n.starts_with("wasi:sockets")),
            "{imports:?}"
        );
        // It does read the clock and the environment (run-time configuration).
        assert!(
            imports
                .iter()
                .any(|n| n.starts_with("wasi:clocks/wall-clock")),
            "{imports:?}"
        );
        assert!(
            imports
                .iter()
                .any(|n| n.starts_with("wasi:cli/environment")),
            "{imports:?}"
        );
    }
}

#[test]
fn http_world_exports_the_incoming_handler() {
    let h = host();
    let c = h.http_component().unwrap();
    let exports: Vec<String> = c
        .component_type()
        .exports(h.engine_ref())
        .map(|(n, _)| n.to_owned())
        .collect();
    assert!(
        exports
            .iter()
            .any(|n| n.starts_with("wasi:http/incoming-handler@0.2")),
        "{exports:?}"
    );
    assert!(
        exports
            .iter()
            .any(|n| n.starts_with("clerk-edge:auth/verify-session@0.1.0")),
        "{exports:?}"
    );
}
