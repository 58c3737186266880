//! The whole conformance corpus through the `.wasm`, with each case's clock as the component's
//! wall clock.

use crate::common::host;
use crate::conformance_check::check;

#[test]
fn wasm_component_agrees_with_clerk_sdk() {
    let h = host();
    let failures = check(|case| clerk_edge_host::conformance::run_case(h, case).unwrap());
    assert!(
        failures.is_empty(),
        "{} cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
