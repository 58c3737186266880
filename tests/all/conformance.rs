//! Native differential conformance (see `tests/support/conformance_check.rs`).

use std::collections::BTreeMap;

use serde_json::Value;

use crate::conformance_check::{by_id, check, lines, CASES, DECISIONS, EXPECTED};

#[test]
fn corpus_is_large_and_complete() {
    let cases: Vec<Value> = lines(CASES).collect();
    let expected = by_id(EXPECTED);
    assert!(cases.len() >= 250, "only {} cases", cases.len());
    for c in &cases {
        assert!(
            expected.contains_key(c["id"].as_str().unwrap()),
            "{} has no expected result",
            c["id"]
        );
    }
    let decisions: BTreeMap<String, Value> = serde_json::from_str(DECISIONS).unwrap();
    for (id, d) in &decisions {
        assert!(
            d["why"].as_str().is_some_and(|w| !w.is_empty()),
            "{id}: no reason"
        );
        assert!(
            cases.iter().any(|c| c["id"] == id.as_str()),
            "{id}: not in the corpus"
        );
    }
}

#[test]
fn native_core_agrees_with_clerk_sdk() {
    let failures = check(clerk_edge::conformance::run_case);
    assert!(
        failures.is_empty(),
        "{} of the conformance cases differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
