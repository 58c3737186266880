//! Differential conformance: the corpus in `tests/vectors/conformance.jsonl` was run through
//! Clerk's own SDK (`@clerk/backend` 3.25.0, `tests/conformance/run.mjs`) into
//! `conformance.expected.jsonl`. clerk-edge must produce the same result for every case,
//! except where a product decision (spec D1–D13) makes it differ on purpose: those cases are
//! listed in `decisions.json` with the reason and our documented answer, which is checked
//! instead.
//!
//! One global rule: D6 — clerk-edge never asks for `format=nonce`, so `&format=nonce` is
//! removed from the SDK's handshake `location` before comparing.

use std::collections::BTreeMap;

use serde_json::Value;

pub(crate) const CASES: &str = include_str!("../vectors/conformance.jsonl");
pub(crate) const EXPECTED: &str = include_str!("../vectors/conformance.expected.jsonl");
pub(crate) const DECISIONS: &str = include_str!("../vectors/decisions.json");

pub(crate) fn lines(text: &str) -> impl Iterator<Item = Value> + '_ {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#') && !l.starts_with("//"))
        .map(|l| serde_json::from_str(l).expect("valid JSON line"))
}

pub(crate) fn by_id(text: &str) -> BTreeMap<String, Value> {
    lines(text)
        .map(|v| (v["id"].as_str().expect("id").to_owned(), v))
        .collect()
}

/// D6: the SDK always appends `format=nonce`; clerk-edge never does.
fn without_nonce_format(mut expected: Value) -> Value {
    if let Some(loc) = expected.pointer_mut("/headers/location") {
        if let Some(s) = loc.as_str() {
            *loc = Value::String(s.replace("&format=nonce", ""));
        }
    }
    expected
}

/// Every key of `want` must equal the same key in `got` (recursively for objects).
fn contains(got: &Value, want: &Value) -> bool {
    match (got, want) {
        (Value::Object(g), Value::Object(w)) => w
            .iter()
            .all(|(k, wv)| g.get(k).is_some_and(|gv| contains(gv, wv))),
        _ => got == want,
    }
}

/// Compares per the format's rules; exception messages may differ, everything else is exact.
fn same(got: &Value, want: &Value) -> bool {
    match (got.get("exception"), want.get("exception")) {
        (Some(_), Some(_)) => got["status"].is_null() && want["status"].is_null(),
        (None, None) => got == want,
        _ => false,
    }
}

/// Runs every case and returns the failures as readable lines.
pub(crate) fn check(run: impl Fn(&Value) -> Value) -> Vec<String> {
    let cases: Vec<Value> = lines(CASES).collect();
    let expected = by_id(EXPECTED);
    let decisions: BTreeMap<String, Value> =
        serde_json::from_str(DECISIONS).expect("decisions.json");
    let mut failures = Vec::new();
    for case in &cases {
        let id = case["id"].as_str().expect("id");
        let got = run(case);
        if let Some(decision) = decisions.get(id) {
            if !contains(&got, &decision["expect"]) {
                failures.push(format!(
                    "{id} ({}): expected our documented answer {}\n  got {got}",
                    decision["decision"], decision["expect"]
                ));
            }
            continue;
        }
        assert!(
            case.get("decision").is_none(),
            "{id} is marked {} but has no entry in decisions.json",
            case["decision"]
        );
        let want = without_nonce_format(expected.get(id).cloned().expect("expected result"));
        if !same(&got, &want) {
            failures.push(format!("{id}:\n  SDK  {want}\n  ours {got}"));
        }
    }
    failures
}
