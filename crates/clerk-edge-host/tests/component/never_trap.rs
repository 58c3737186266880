//! Property tests: random and mutated requests always get an answer — no trap, no 5xx (none of
//! these is a configuration error) — within the pooling allocator's 64 MiB per instance (a
//! guest that needed more would trap, and every case asserts a response). Inputs reach past the
//! size limits (64 KiB cookie, 128 KiB of headers, 256 headers, 16 KiB URL) and tokens are
//! mutated by substitution, insertion, deletion and truncation.
//!
//! - `every_request_gets_a_response`: the `http-verifier` component over the in-process HTTP
//!   server (what an HTTP/1.1 layer lets through: visible ASCII, tab, bytes >= 0x80). Its
//!   decision log on stderr never holds the presented token.
//! - `authenticate_never_traps_on_any_text`: the `verifier` world's `authenticate`, whose
//!   strings a host program fills directly, with any characters (control bytes, CR/LF, NUL).

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

/// Header values: visible ASCII, tab and obs-text (Latin-1 letters are bytes >= 0x80 on the
/// wire), credentials, and values around the cookie (64 KiB) and header (128 KiB) limits.
fn header_value() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[ -~]{0,64}",
        2 => "[\t -~\u{80}-\u{ff}]{0,64}",
        1 => Just("document".to_owned()),
        1 => Just("text/html".to_owned()),
        2 => "__session=[A-Za-z0-9._-]{0,300}; __client_uat=[0-9]{0,12}",
        2 => "Bearer [A-Za-z0-9._=+/-]{0,300}",
        1 => (60_000usize..70_000, any::<bool>()).prop_map(|(n, cookie)| if cookie {
            format!("__session={}; __client_uat=1", "a".repeat(n))
        } else {
            "x".repeat(n)
        }),
    ]
}

/// One edit of a token's bytes.
#[derive(Debug, Clone)]
enum Edit {
    Substitute(prop::sample::Index, u8),
    Insert(prop::sample::Index, u8),
    Delete(prop::sample::Index),
    Truncate(prop::sample::Index),
}

fn edit() -> impl Strategy<Value = Edit> {
    // Printable bytes other than the cookie and header separators `;` and `,`.
    let byte = (0x21u8..0x7e).prop_map(|b| if b == b';' || b == b',' { b'A' } else { b });
    prop_oneof![
        4 => (any::<prop::sample::Index>(), byte.clone()).prop_map(|(i, b)| Edit::Substitute(i, b)),
        2 => (any::<prop::sample::Index>(), byte).prop_map(|(i, b)| Edit::Insert(i, b)),
        2 => any::<prop::sample::Index>().prop_map(Edit::Delete),
        1 => any::<prop::sample::Index>().prop_map(Edit::Truncate),
    ]
}

fn apply(token: &str, edits: &[Edit]) -> String {
    let mut bytes = token.as_bytes().to_vec();
    for e in edits {
        let len = bytes.len();
        match e {
            Edit::Substitute(i, b) if len > 0 => {
                if let Some(slot) = bytes.get_mut(i.index(len)) {
                    *slot = *b;
                }
            }
            Edit::Insert(i, b) => bytes.insert(i.index(len + 1), *b),
            Edit::Delete(i) if len > 0 => _ = bytes.remove(i.index(len)),
            Edit::Truncate(i) => bytes.truncate(i.index(len + 1)),
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// A valid demo token with a few edits (or intact), as a cookie or a Bearer header. Also
/// returns the presented token text.
fn mutated_token() -> impl Strategy<Value = (String, String)> {
    let token = demo_token();
    (proptest::collection::vec(edit(), 0..4), any::<bool>()).prop_map(move |(edits, cookie)| {
        let t = apply(&token, &edits);
        let carried = if cookie {
            format!("__session={t}; __client_uat=1; __clerk_db_jwt=dvb")
        } else {
            format!("Bearer {t}")
        };
        (carried, t)
    })
}

type Case = (String, String, Vec<(String, String)>, (String, String));

fn request() -> impl Strategy<Value = Case> {
    (
        prop_oneof![
            Just("GET"),
            Just("POST"),
            Just("HEAD"),
            Just("DELETE"),
            Just("OPTIONS"),
            Just("PATCH")
        ],
        prop_oneof![
            19 => "(/[A-Za-z0-9._~%!$&'()*+,;=:@-]{0,20}){0,6}(\\?[A-Za-z0-9._~%!$&'()*+,;=:@/?-]{0,60})?",
            // Around the 16 KiB URL limit.
            1 => (16_000usize..16_800).prop_map(|n| format!("/{}", "p".repeat(n))),
        ],
        proptest::collection::vec(
            (proptest::sample::select(HEADER_NAMES), header_value()),
            0..6,
        ),
        // Filler headers, sometimes past the 256-header limit.
        prop_oneof![9 => Just(0usize), 1 => 240usize..300],
        mutated_token(),
    )
        .prop_map(|(m, path, headers, filler, token)| {
            let mut headers: Vec<(String, String)> = headers
                .into_iter()
                .map(|(n, v)| (n.to_owned(), v))
                .collect();
            headers.extend((0..filler).map(|i| (format!("x-filler-{i}"), "v".to_owned())));
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

/// Any text at all for the `verifier` world's `authenticate`: the host program fills these
/// strings directly, so control characters, CR/LF and NUL can reach the component.
fn any_text_request() -> impl Strategy<Value = (String, String, Vec<(String, String)>, String)> {
    (
        prop_oneof![Just("GET".to_owned()), "\\PC{0,8}", ".{0,8}"],
        prop_oneof![
            "https?://[a-z.]{0,20}(:[0-9]{1,5})?/\\PC{0,40}",
            ".{0,60}",
            "[\\x00-\\x7f]{0,60}",
        ],
        proptest::collection::vec(
            (
                prop_oneof![
                    proptest::sample::select(HEADER_NAMES).prop_map(str::to_owned),
                    ".{0,12}"
                ],
                prop_oneof![header_value(), ".{0,64}", "[\\x00-\\x1f\\x7f]{0,16}"],
            ),
            0..8,
        ),
        mutated_token().prop_map(|(carried, _)| carried),
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn every_request_gets_a_response((method, path, headers, (carried, token)) in request()) {
        static SERVER: std::sync::OnceLock<Server> = std::sync::OnceLock::new();
        let server = SERVER.get_or_init(|| Server::new(host(), env(&[("CLERK_PUBLIC_ROUTES", "/public/**")])).unwrap());
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let mut hs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let tn = if carried.starts_with("Bearer") { "authorization" } else { "cookie" };
        if !hs.iter().any(|(n, _)| *n == tn) {
            hs.push((tn, carried.as_str()));
        }
        let uri = format!("http://localhost:3000{path}");
        // Requests the HTTP layer itself refuses to build never reach the component.
        prop_assume!(hyper::Uri::try_from(uri.as_str()).is_ok());
        let shown = |hs: &[(&str, &str)]| -> String {
            let s = format!("{method} {uri} {hs:?}");
            s.chars().take(2_000).collect()
        };
        let r = rt.block_on(server.request(&method, &uri, &hs));
        let r = r.unwrap_or_else(|e| panic!("no response for {}: {e:#}", shown(&hs)));
        prop_assert!([200u16, 307, 400, 401].contains(&r.status), "status {} for {}: {}", r.status, shown(&hs), String::from_utf8_lossy(&r.body));
        for (name, value) in &r.headers {
            prop_assert!(!value.contains(['\r', '\n', '\0']), "{name}: {value:?}");
        }
        if r.status == 307 {
            let loc = r.header("location").unwrap_or("");
            let allowed = ["https://clerk.demo-app.example.com/", "https://accounts.demo-app.example.com/", "http://localhost:3000/"];
            prop_assert!(allowed.iter().any(|a| loc.starts_with(a)), "redirect to {loc}");
        }
        // The decision log names no presented token (a short truncation could match by chance).
        if token.len() >= 16 && hs.iter().any(|(_, v)| v.contains(token.as_str())) {
            prop_assert!(!r.stderr.contains(token.as_str()), "log holds the token: {}", r.stderr);
        }
    }

    #[test]
    fn authenticate_never_traps_on_any_text((method, url, headers, carried) in any_text_request()) {
        thread_local! {
            static VERIFIER: std::cell::RefCell<Option<clerk_edge_host::VerifierInstance>> =
                const { std::cell::RefCell::new(None) };
        }
        let mut hs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        let tn = if carried.starts_with("Bearer") { "authorization" } else { "cookie" };
        hs.push((tn, carried.as_str()));
        let req = clerk_edge_host::request(&method, &url, &hs);
        let state = VERIFIER.with(|cell| {
            let mut slot = cell.borrow_mut();
            let v = slot.get_or_insert_with(|| host().verifier(&env(&[])).unwrap());
            v.authenticate(&req)
        });
        let state = state.unwrap_or_else(|e| panic!("trap for {method:?} {url:?} {hs:?}: {e:#}"));
        for h in &state.headers {
            prop_assert!(!h.value.contains(['\r', '\n', '\0']), "{}: {:?}", h.name, h.value);
            prop_assert!(!h.name.is_empty() && !h.name.contains(['\r', '\n', '\0', ':', ' ']), "header name {:?}", h.name);
        }
        prop_assert_eq!(state.reason.is_none(), matches!(state.status, clerk_edge_host::AuthStatus::SignedIn));
    }
}
