//! `weburl`: the core's URL parser (`clerk_edge::weburl`) against the `url` crate it replaced,
//! which is its oracle (same `idna_adapter` 1.0.0 here as in the root workspace).
//!
//! Input: lossy UTF-8 text, split at the first `\n` into a URL and a second string. The first
//! byte picks a base from `BASES` for the join.
//!
//! Invariants:
//! 1. never a panic;
//! 2. `Url::parse(url)` succeeds exactly when `url::Url::parse` does, and every component
//!    (serialization, scheme, host, port, path, query, origin, cannot-be-a-base, query pairs)
//!    is equal;
//! 3. the same for `base.join(url)`;
//! 4. the same after `set_path`, `set_query` and `set_fragment` with the second string, and
//!    after appending it as a query pair.
//!
//! Skipped on purpose: inputs with an `xn--` label (the oracle's `idna` has a debug assertion
//! that fires on some decoded labels; `src/weburl/tests.rs` covers those cases against a
//! release-mode oracle) and results with the `file` scheme (weburl refuses `file:` URLs).

#![no_main]

use clerk_edge::weburl;
use libfuzzer_sys::fuzz_target;

const BASES: &[&str] = &[
    "https://app.example.com/dashboard/a?x=1#f",
    "http://user:pw@127.0.0.1:8080/a/b/c",
    "https://[::1]/",
    "foo://host/p/q",
    "mailto:someone@example.com",
    "non-spec:/.//p",
];

/// Every component the library reads, as one comparable record.
fn ours(u: &weburl::Url) -> Vec<String> {
    vec![
        u.as_str().to_owned(),
        u.scheme().to_owned(),
        format!("{:?}", u.host_str()),
        format!("{:?}", u.port()),
        u.path().to_owned(),
        format!("{:?}", u.query()),
        u.origin().ascii_serialization(),
        u.origin().is_tuple().to_string(),
        u.cannot_be_a_base().to_string(),
        format!("{:?}", u.query_pairs().collect::<Vec<_>>()),
    ]
}

fn theirs(u: &url::Url) -> Vec<String> {
    let pairs: Vec<(String, String)> = u
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    vec![
        u.as_str().to_owned(),
        u.scheme().to_owned(),
        format!("{:?}", u.host_str()),
        format!("{:?}", u.port()),
        u.path().to_owned(),
        format!("{:?}", u.query()),
        u.origin().ascii_serialization(),
        u.origin().is_tuple().to_string(),
        u.cannot_be_a_base().to_string(),
        format!("{pairs:?}"),
    ]
}

/// Compares two parse results; `false` when the case is skipped (a `file:` result).
fn same(
    what: &str,
    a: &Result<weburl::Url, weburl::ParseError>,
    b: &Result<url::Url, url::ParseError>,
) -> bool {
    if let Ok(b) = b {
        if b.scheme() == "file" {
            return false;
        }
    }
    match (a, b) {
        (Ok(a), Ok(b)) => assert_eq!(ours(a), theirs(b), "{what}"),
        (Err(_), Err(_)) => {}
        (a, b) => panic!(
            "{what}: weburl {:?} vs url {:?}",
            a.as_ref().map(|u| u.as_str()),
            b.as_ref().map(|u| u.as_str())
        ),
    }
    true
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if text.to_ascii_lowercase().contains("xn--") {
        return;
    }
    let (input, extra) = text.split_once('\n').unwrap_or((&text, ""));
    let base_text = BASES[usize::from(data.first().copied().unwrap_or(0)) % BASES.len()];

    let a = weburl::Url::parse(input);
    let b = url::Url::parse(input);
    if same(&format!("parse {input:?}"), &a, &b) {
        if let (Ok(mut a), Ok(mut b)) = (a, b) {
            let mut a2 = a.clone();
            let mut b2 = b.clone();
            a2.set_path(extra);
            b2.set_path(extra);
            same(&format!("set_path {input:?} {extra:?}"), &Ok(a2), &Ok(b2));
            let (mut a3, mut b3) = (a.clone(), b.clone());
            a3.set_query(Some(extra));
            b3.set_query(Some(extra));
            same(&format!("set_query {input:?} {extra:?}"), &Ok(a3), &Ok(b3));
            a.set_fragment(Some(extra));
            b.set_fragment(Some(extra));
            a.query_pairs_mut().append_pair(extra, input);
            b.query_pairs_mut().append_pair(extra, input);
            same(
                &format!("fragment+pair {input:?} {extra:?}"),
                &Ok(a),
                &Ok(b),
            );
        }
    }

    let (Ok(base_a), Ok(base_b)) = (weburl::Url::parse(base_text), url::Url::parse(base_text))
    else {
        panic!("base {base_text} must parse");
    };
    same(
        &format!("join {base_text} {input:?}"),
        &base_a.join(input),
        &base_b.join(input),
    );
});
