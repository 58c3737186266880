//! Property test: random and mutated requests through the `http-verifier` component always get
//! a response — no trap, no 5xx (none of these is a configuration error) — within the pooling
//! allocator's memory limit.

use proptest::prelude::*;

use clerk_edge_host::serve::Server;

use crate::common::*;

const HEADER_NAMES: &[&str] = &[
    "cookie",
    "authorization",
    "host",
    "x-forwarded-host",
    "x-forwarded-proto",
    "x-forwarded-uri",
    "sec-fetch-dest",
    "accept",
    "referer",
    "origin",
    "x-clerk-user-id",
    "user-agent",
];

/// Visible ASCII, which is what an HTTP/1.1 layer lets through to the component.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ -~]{0,64}",
        Just("document".to_owned()),
        Just("text/html".to_owned()),
        "__session=[A-Za-z0-9._-]{0,300}; __client_uat=[0-9]{0,12}",
        "Bearer [A-Za-z0-9._=+/-]{0,300}",
    ]
}

/// A valid demo token with a few bytes changed (or kept intact).
fn mutated_token() -> impl Strategy<Value = String> {
    let token = demo_token();
    (
        proptest::collection::vec((any::<prop::sample::Index>(), 0x21u8..0x7e), 0..4),
        any::<bool>(),
    )
        .prop_map(move |(edits, cookie)| {
            let mut bytes = token.clone().into_bytes();
            for (idx, b) in edits {
                let i = idx.index(bytes.len());
                if let Some(slot) = bytes.get_mut(i) {
                    *slot = if b == b';' || b == b',' { b'A' } else { b };
                }
            }
            let t = String::from_utf8_lossy(&bytes).into_owned();
            if cookie {
                format!("__session={t}; __client_uat=1; __clerk_db_jwt=dvb")
            } else {
                format!("Bearer {t}")
            }
        })
}

fn request() -> impl Strategy<Value = (String, String, Vec<(String, String)>, String)> {
    (
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("HEAD"),
            Just("DELETE"),
            Just("OPTIONS"),
            Just("PATCH")
        ],
        "(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,20}){0,6}(\\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,60})?",
        proptest::collection::vec(
            (proptest::sample::select(HEADER_NAMES), header_value()),
            0..6,
        ),
        mutated_token(),
    )
        .prop_map(|(m, path, headers, token)| {
            let headers = headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect();
            (
                m.to_owned(),
                if path.is_empty() {
                    "/".to_owned()
                } else {
                    path
                },
                headers,
                token,
            )
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_request_gets_a_response((method, path, headers, token) in request()) {
        static SERVER: std::sync::OnceLock<Server> = std::sync::OnceLock::new();
        let server = SERVER.get_or_init(|| Server::new(host(), env(&[("CLERK_PUBLIC_ROUTES", "/public/**")])).unwrap());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut hs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let (tn, tv) = if token.starts_with("Bearer") { ("authorization", token.as_str()) } else { ("cookie", token.as_str()) };
        if !hs.iter().any(|(n, _)| *n == tn) {
            hs.push((tn, tv));
        }
        let uri = format!("http://localhost:3000{path}");
        // Requests the HTTP layer itself refuses to build never reach the component.
        prop_assume!(hyper::Uri::try_from(uri.as_str()).is_ok());
        let r = rt.block_on(server.request(&method, &uri, &hs));
        let r = r.unwrap_or_else(|e| panic!("no response for {method} {uri} {hs:?}: {e:#}"));
        prop_assert!([200u16, 307, 400, 401].contains(&r.status), "status {} for {method} {uri} {hs:?}: {}", r.status, String::from_utf8_lossy(&r.body));
        for (name, value) in &r.headers {
            prop_assert!(!value.contains(['\r', '\n', '\0']), "{name}: {value:?}");
        }
        if r.status == 307 {
            let loc = r.header("location").unwrap_or("");
            let allowed = ["https://clerk.demo-app.example.com/", "https://accounts.demo-app.example.com/", "http://localhost:3000/"];
            prop_assert!(allowed.iter().any(|a| loc.starts_with(a)), "redirect to {loc}");
        }
    }
}
