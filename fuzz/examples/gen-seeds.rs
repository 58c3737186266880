//! Regenerates the checked-in seed corpus under `fuzz/corpus/<target>/`.
//!
//! ```sh
//! cd fuzz && cargo run --example gen-seeds
//! ```
//!
//! Tokens come from the same table the targets mint at start-up (deterministic RS256), with a
//! far-future `exp` (2100-01-01), so a seed that verifies once keeps verifying.

use std::fs;
use std::path::{Path, PathBuf};

use clerk_edge_fuzz::fixtures::{cookie_suffix, demo_jwks, NOW_SECS, PK_LIVE, PK_TEST};
use clerk_edge_fuzz::tokens::table;

fn write(dir: &Path, name: &str, body: &[u8]) {
    fs::write(dir.join(name), body).expect("write seed");
}

fn tok(name: &str) -> String {
    table()
        .iter()
        .find(|t| t.name == name)
        .map(|t| t.token.clone())
        .expect("table token")
}

fn idx(name: &str) -> usize {
    table()
        .iter()
        .position(|t| t.name == name)
        .expect("table token")
}

fn token_seeds(dir: &Path) {
    for name in [
        "session",
        "expired",
        "org_v2",
        "other_key",
        "m2m",
        "oauth",
        "cat_m2m_session",
        "hs_session",
        "alg_rs384",
        "sub_number",
        "exp_string",
        "kid_other",
        "crit",
    ] {
        write(dir, &format!("valid-sig-{name}.jwt"), tok(name).as_bytes());
    }
    let t0 = tok("session");
    let mut parts = t0.split('.');
    let (h, p, s) = (
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
        parts.next().unwrap_or(""),
    );
    let other = tok("other_key");
    let other_sig = other.split('.').nth(2).unwrap_or("");
    let malformed: &[(&str, String)] = &[
        ("two-segments", format!("{h}.{p}")),
        ("four-segments", format!("{t0}.{s}")),
        ("swapped-signature", format!("{h}.{p}.{other_sig}")),
        ("padded", format!("{h}==.{p}.{s}")),
        ("bad-base64", format!("{h}.{p}*.{s}")),
        ("null-header", "bnVsbA.e30.AAAA".to_owned()),
        ("empty-objects", "e30.e30.e30".to_owned()),
        (
            "alg-none",
            "eyJhbGciOiJub25lIn0.eyJzdWIiOiJ1c2VyXzEifQ.".to_owned(),
        ),
        ("dots", "..".to_owned()),
    ];
    for (name, text) in malformed {
        write(dir, &format!("malformed-{name}.jwt"), text.as_bytes());
    }
}

fn claims_seeds(dir: &Path) {
    // `<header JSON>\n<payload JSON>`, signed by the target at run time.
    let seeds: &[(&str, String)] = &[
        (
            "valid",
            format!(
                "{{\"alg\":\"RS256\",\"typ\":\"JWT\",\"kid\":\"ins_test\"}}\n{{\"sub\":\"user_1\",\"iat\":{},\"exp\":4102444800}}",
                NOW_SECS - 10
            ),
        ),
        (
            "dup-keys",
            "{\"alg\":\"RS256\",\"alg\":\"HS256\"}\n{\"sub\":\"a\",\"sub\":1,\"exp\":1e300}".to_owned(),
        ),
        (
            "huge-times",
            "{\"alg\":\"RS256\"}\n{\"sub\":\"u\",\"exp\":1e308,\"nbf\":-1e308,\"iat\":-0.5}".to_owned(),
        ),
        (
            "aud-azp-iss",
            "{\"alg\":\"RS256\",\"typ\":\"JWT\"}\n{\"sub\":\"u\",\"exp\":4102444800,\"aud\":[\"x\",\"https://app.example.com\"],\"azp\":\"https://app.example.com\",\"iss\":\"https://clerk.demo-app.example.com\"}".to_owned(),
        ),
        (
            "kid-other-cat",
            "{\"alg\":\"RS256\",\"kid\":\"other\",\"cat\":\"cl_B7d4PD111AAA\",\"crit\":null}\n{\"sub\":\"mch_1\",\"exp\":4102444800.999}".to_owned(),
        ),
        (
            "not-objects",
            "[\"alg\",\"RS256\"]\n\"sub\"".to_owned(),
        ),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.txt"), text.as_bytes());
    }
}

fn cookie_seeds(dir: &Path) {
    let t0 = tok("session");
    let sfx = cookie_suffix(PK_TEST);
    let seeds: &[(&str, String)] = &[
        (
            "session",
            format!("__session={t0}; __client_uat={}", NOW_SECS - 5),
        ),
        (
            "suffixed",
            format!(
                "__client_uat_{sfx}={}; __session_{sfx}={t0}; __client_uat=0",
                NOW_SECS - 5
            ),
        ),
        (
            "percent",
            "a=hello%20world; b=%E2%82%AC; c=%zz; d=%C0; e=100%".to_owned(),
        ),
        (
            "encoded-separators",
            "a=x%3B__session%3Devil; b=1%3D2; __session=real".to_owned(),
        ),
        (
            "duplicates",
            "foo=first; foo=second;foo=third; =empty; ==; ;;".to_owned(),
        ),
        (
            "whitespace",
            " \ta = b \t;\t c=\"quoted value\" ; noeq ; d=".to_owned(),
        ),
        (
            "handshake",
            "__clerk_handshake=abc.def.ghi; __clerk_redirect_count=2; __clerk_db_jwt=dvb_123"
                .to_owned(),
        ),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.txt"), text.as_bytes());
    }
}

fn authenticate_seeds(dir: &Path) {
    let t0 = tok("session");
    let i = |n: &str| idx(n);
    let seeds: Vec<(&str, String)> = vec![
        (
            "dev-cookie-signed-in",
            format!(
                "@0 0\nGET https://app.example.com/dashboard\nhost: app.example.com\nsec-fetch-dest: document\ncookie: __session={{t{}}}; __client_uat={{now}}; __clerk_db_jwt=dvb_1\n",
                i("session")
            ),
        ),
        (
            "dev-cookie-inline-token",
            format!(
                "@0 1\nGET https://app.example.com/dashboard\nsec-fetch-dest: document\ncookie: __session={t0}; __client_uat=1767225590; __clerk_db_jwt=dvb_1\n"
            ),
        ),
        (
            "prod-bearer",
            format!("@1 0\nGET https://app.example.com/api/me\nauthorization: Bearer {{t{}}}\n", i("org_v2")),
        ),
        (
            "prod-expired-document",
            format!(
                "@1 1\nGET https://app.example.com/dashboard?tab=1\naccept: text/html\ncookie: __session={{t{}}}; __client_uat=1\n",
                i("expired")
            ),
        ),
        (
            "dev-handshake-query",
            format!(
                "@0 0\nGET https://app.example.com/cb?__clerk_handshake={{t{}}}&__clerk_help=1\nsec-fetch-dest: document\ncookie: __clerk_db_jwt=dvb_1\n",
                i("hs_session")
            ),
        ),
        (
            "prod-handshake-cookie-crlf",
            format!(
                "@1 2\nGET https://app.example.com/\nsec-fetch-dest: document\ncookie: __clerk_handshake={{t{}}}\n",
                i("hs_crlf")
            ),
        ),
        (
            "dev-handshake-nonce",
            "@0 0\nGET https://app.example.com/p?__clerk_handshake_nonce=n1&__clerk_db_jwt=dvb_2\nsec-fetch-dest: document\n".to_owned(),
        ),
        (
            "dev-suffixed-handshake",
            format!(
                "@0 0\nGET https://app.example.com/\nsec-fetch-dest: document\ncookie: __clerk_handshake={{t{}}}; __clerk_db_jwt_{{sfx}}=dvb_3\n",
                i("hs_suffixed_test")
            ),
        ),
        (
            "sat-dev-needs-sync",
            "@2 0\nGET https://satellite.example.net/page\nsec-fetch-dest: document\ncookie: __clerk_db_jwt=dvb_1\n".to_owned(),
        ),
        (
            "sat-prod-synced",
            format!(
                "@3 1\nGET https://satellite.example.net/page?__clerk_synced=false\nsec-fetch-dest: document\ncookie: __session={{t{}}}; __client_uat={{now}}\n",
                i("session")
            ),
        ),
        (
            "primary-responds-to-sync",
            "@0 0\nGET https://app.example.com/?__clerk_redirect_url=https%3A%2F%2Fapp.example.com%2Fback\nsec-fetch-dest: document\ncookie: __clerk_db_jwt=dvb_1\n".to_owned(),
        ),
        (
            "orgsync-mismatch",
            format!(
                "@4 1\nGET https://app.example.com/orgs/acme/settings\nsec-fetch-dest: document\ncookie: __session={{t{}}}; __client_uat=1; __clerk_db_jwt=dvb_1\n",
                i("org_v1")
            ),
        ),
        (
            "proxy-public-origin-forwarded",
            format!(
                "@5 1\nGET https://internal:8080/dashboard\nhost: internal:8080\nx-forwarded-host: app.example.com\nx-forwarded-proto: https\nsec-fetch-dest: document\ncookie: __session={{t{}}}; __client_uat=1\n",
                i("other_key")
            ),
        ),
        (
            "any-m2m-bearer",
            format!("@6 0\nPOST https://api.example.com/jobs\nauthorization: Bearer {{t{}}}\n", i("m2m")),
        ),
        (
            "list-oauth-bearer",
            format!("@9 0\nGET https://app.example.com/api\nauthorization: Bearer {{t{}}}\n", i("oauth")),
        ),
        (
            "header-only-m2m-mutated",
            format!("@8 0\nGET https://api.example.com/\nauthorization: Bearer {{t{}^40}}\n", i("m2m")),
        ),
        (
            "cross-origin-referer",
            format!(
                "@1 0\nGET https://app.example.com/dashboard\nsec-fetch-dest: document\nreferer: https://satellite.example.net/x\ncookie: __session={{t{}}}; __client_uat=1\n",
                i("session")
            ),
        ),
        (
            "nginx-forwarded-uri",
            "@7 2\nGET /auth\nhost: gate.internal\nx-forwarded-host: app.example.com\nx-forwarded-proto: https\nx-forwarded-uri: /dashboard\naccept: text/html\nauthorization: Bearer {t0/100}\n".to_owned(),
        ),
        (
            "header-injection-attempt",
            "@1 0\nGET https://app.example.com/\nsec-fetch-dest: document\ncookie: __session={t0.h}.{t9.p}.{t0.s}; __client_uat=1\nx-clerk-user-id: user_admin\nx-forwarded-host: evil.example\\r\\nx: y\n".to_owned(),
        ),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.txt"), text.as_bytes());
    }
}

fn config_seeds(dir: &Path) {
    let seeds: Vec<(&str, String)> = vec![
        ("dev-pem", "CLERK_JWT_KEY={pem}\nCLERK_PUBLISHABLE_KEY={pk_test}\n".to_owned()),
        (
            "prod-jwks-satellite",
            "CLERK_JWKS={jwks2}\nCLERK_PUBLISHABLE_KEY={pk_live}\nCLERK_IS_SATELLITE=true\nCLERK_DOMAIN=satellite.example.net\nCLERK_SIGN_IN_URL=https://app.example.com/sign-in\n".to_owned(),
        ),
        (
            "pem-one-line",
            "CLERK_JWT_KEY={pem_esc}\nCLERK_PUBLISHABLE_KEY={pk_live}\nCLERK_AUTHORIZED_PARTIES=https://app.example.com, https://admin.example.com\nCLERK_CLOCK_SKEW_MS=10000\n".to_owned(),
        ),
        (
            "inline-jwks",
            format!("CLERK_JWKS={}\nCLERK_PUBLISHABLE_KEY={}\nCLERK_ACCEPTS_TOKEN=session_token,oauth_token\n", demo_jwks(), PK_TEST),
        ),
        (
            "org-sync",
            "CLERK_JWT_KEY={pem1}\nCLERK_PUBLISHABLE_KEY={pk_test}\nCLERK_ORGANIZATION_PATTERNS=/orgs/:slug,/orgs/:slug/(.*),/o/:id\nCLERK_PERSONAL_ACCOUNT_PATTERNS=/me,/me/(.*)\nPATH=/orgs/acme/settings\nPATH=/o/org_123\nPATH=/me/profile\n".to_owned(),
        ),
        (
            "gate-routes",
            "CLERK_JWT_KEY={pem}\nCLERK_PUBLISHABLE_KEY={pk_live}\nCLERK_PUBLIC_ROUTES=/,/public/**\nCLERK_PROTECTED_ROUTES=/dashboard/**,/api/:id/*\nCLERK_TRUST_FORWARDED=yes\nCLERK_FORWARD_AUTH_MODE=nginx\nCLERK_LOG=debug\nCLERK_SIGN_IN_URL=/sign-in\n".to_owned(),
        ),
        (
            "proxy-public-origin",
            "CLERK_JWT_KEY={pem}\nCLERK_PUBLISHABLE_KEY={pk_live}\nCLERK_PROXY_URL=/__clerk\nCLERK_PUBLIC_ORIGIN=https://app.example.com\nCLERK_REDIRECT_ORIGINS=https://admin.example.com\nCLERK_ISSUERS=https://clerk.demo-app.example.com\nCLERK_HEADER_TYPE=JWT,at+jwt\n".to_owned(),
        ),
        (
            "bad-keys",
            "CLERK_JWT_KEY={small}\nCLERK_JWKS={\"keys\":[{\"kty\":\"EC\"}]}\nCLERK_PUBLISHABLE_KEY=pk_test_bm9kb3Q=\n".to_owned(),
        ),
        (
            "m2m-header-only",
            "CLERK_JWT_KEY={big}\\n{other}\nCLERK_ACCEPTS_TOKEN=m2m_token\nCLERK_AUDIENCE=api\n".to_owned(),
        ),
        (
            "custom-regex-patterns",
            "CLERK_JWT_KEY={pem}\nCLERK_PUBLISHABLE_KEY={pk_test}\nCLERK_ORGANIZATION_PATTERNS=/t/:id(\\\\d+),/s/:slug?/x,/r/:slug+\nCLERK_PERSONAL_ACCOUNT_PATTERNS=/me{/:rest}*\nPATH=/t/123\nPATH=/r/a/b/c\nPATH=/ME/\n".to_owned(),
        ),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.env"), text.as_bytes());
    }
    let _ = PK_LIVE;
}

/// `weburl`: the first byte picks the join base; text after the first `\n` is the second
/// string (new path, query, fragment and query-pair name).
fn weburl_seeds(dir: &Path) {
    let seeds: &[(&str, &str)] = &[
        (
            "http",
            "\u{0}https://app.example.com:443/a/./b/../c?x=1&y=%20#frag\n/new path?",
        ),
        ("relative", "\u{1}../x/%2e%2E/y?q='#f\nq=1&r"),
        ("backslashes", "\u{2}\\\\evil.example\\p\n//h/p"),
        ("protocol-relative", "\u{3}//evil.example/x\n"),
        ("ipv4", "\u{4}http://0x7f.1/\nA B"),
        ("ipv6", "\u{5}http://[::ffff:1.2.3.4]:80/\n%zz"),
        ("userinfo", "\u{0}https://u:p@a@b.example/\n@:"),
        ("opaque", "\u{1}javascript:alert(1) \n#"),
        ("controls", "\u{2}\t http://ex\nample.com/\r\n"),
        ("ports", "\u{3}http://h:65536/\nhttps://h:443"),
        ("non-ascii", "\u{4}http://ex%C3%A9.com/\u{e9}\n\u{e9}"),
        ("ends-in-number", "\u{5}http://foo.09/\nhttp://1.2.3.4.5/"),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.txt"), text.as_bytes());
    }
}

/// `json`: the text itself.
fn json_seeds(dir: &Path) {
    let seeds: &[(&str, &str)] = &[
        ("claims", r#"{"sub":"user_1","exp":1767225600,"nbf":-1,"azp":"https://a.example","v":2,"o":{"id":"org_1","rol":"admin","per":"read,write"},"fva":[0,-1]}"#),
        ("floats", "[0.1,1e308,1.7976931348623157e308,-0,-0.0,5e-324,2.2250738585072011e-308,1.000000000000000111]"),
        ("integers", "[18446744073709551615,18446744073709551616,-9223372036854775808,-9223372036854775809,0]"),
        ("escapes", r#"["\u0000\ud83d\ude00\n\t\"\\/","\ud800","é"]"#),
        ("nesting", "[[[[[[[[[[[[[[[[{\"a\":[{}]}]]]]]]]]]]]]]]]]"),
        ("errors", "{\"a\" 1,}"),
        ("duplicates", r#"{"a":1,"a":{"b":[true,false,null]},"":""}"#),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.json"), text.as_bytes());
    }
}

/// `float`: the text itself.
fn float_seeds(dir: &Path) {
    let seeds: &[(&str, &str)] = &[
        ("short", "1.5"),
        ("integer", "1767225600"),
        ("1e23", "1e23"),
        ("subnormal-edge", "2.2250738585072011e-308"),
        (
            "halfway",
            "1.00000000000000011102230246251565404236316680908203125",
        ),
        ("below-half-min", "2.4703282292062327e-324"),
        ("grammar", "-.5E+3"),
        ("special", "-Infinity"),
    ];
    for (name, text) in seeds {
        write(dir, &format!("{name}.txt"), text.as_bytes());
    }
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("corpus");
    for (target, f) in [
        ("token", token_seeds as fn(&Path)),
        ("claims", claims_seeds),
        ("cookies", cookie_seeds),
        ("authenticate", authenticate_seeds),
        ("config", config_seeds),
        ("weburl", weburl_seeds),
        ("json", json_seeds),
        ("float", float_seeds),
    ] {
        let dir = root.join(target);
        // Only seed files are regenerated; nothing else is deleted.
        fs::create_dir_all(&dir).expect("create corpus dir");
        f(&dir);
    }
    println!("seeds written under {}", root.display());
}
