//! `clerk-edge-host bench --repeat`: each case serves the request it names, so that a
//! profile taken around it shows that path (a signed-in case answered 307 would profile the
//! sign-in redirect instead).

use clerk_edge_host::bench::{repeat, Repeat};
use clerk_edge_host::dist_dir;

use crate::common::*;

#[test]
fn repeat_serves_the_case_it_names() {
    let host = host();
    let noop =
        wasmtime::component::Component::from_file(host.engine_ref(), dist_dir().join("noop.wasm"))
            .expect("run `make components` first");
    let token = demo_token();
    for (case, status) in [
        (Repeat::SignedIn, 200),
        (Repeat::SignedOut, 307),
        (Repeat::SignedOutApi, 401),
        (Repeat::Noop, 200),
    ] {
        let report = repeat(host, &noop, &token, case, 3).unwrap();
        assert_eq!(report["status"], status, "{case:?}");
        assert_eq!(report["requests"], 3, "{case:?}");
        assert!(report["mean_us"].as_f64().unwrap() > 0.0, "{case:?}");
    }
}
