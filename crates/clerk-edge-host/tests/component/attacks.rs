//! JWT attacks (RFC 8725 §2 and the usual catalogues) through the real `.wasm`: every refusal
//! asserts Clerk's exact reason and message, through `verify-token` and through `authenticate`
//! with the token in `Authorization: Bearer` and in the `__session` cookie.

use clerk_edge::util::b64url_encode as b64;
use clerk_edge_host::serve::Server;
use clerk_edge_host::{request, AuthStatus, VerifierInstance};
use serde_json::{json, Value};

use crate::common::*;
use forge::{b64_decode, hmac, jwk, sha256, sha384, sha512};

const APP: &str = "http://localhost:3000/dashboard";
const ENSURE: &str = "Make sure that this is a valid Clerk-generated JWT.";
const KID_ACTION: &str = "Go to your Dashboard and validate your secret and public keys are correct. Contact support@clerk.com if the issue persists.";
const BAD_SIG: &str = "JWT signature is invalid.";
const UNDECODABLE: &str =
    "Invalid JWT form. The header, payload, or signature could not be decoded.";

// ---------------------------------------------------------------------------------------------
// Token and call helpers.

/// The header Clerk puts on session tokens (plus `edit`).
fn header(edit: impl FnOnce(&mut Value)) -> Value {
    let mut h = json!({"alg": "RS256", "typ": "JWT", "kid": "ins_demo"});
    edit(&mut h);
    h
}

/// RS256 over `header`/`claims` with `private`.
fn signed(private: &str, header: &Value, claims: &Value) -> String {
    clerk_edge::mint::Minter::from_pem(private)
        .unwrap()
        .mint(header, claims)
}

/// A DEMO-signed token with an edited header and edited claims.
fn demo_with(edit_header: impl FnOnce(&mut Value), edit_claims: impl FnOnce(&mut Value)) -> String {
    signed(DEMO_PRIVATE, &header(edit_header), &claims(edit_claims))
}

/// `base64url(header).base64url(payload).<sig>` from raw JSON texts.
fn compact(header_json: &str, payload_json: &str, sig: &[u8]) -> String {
    format!(
        "{}.{}.{}",
        b64(header_json.as_bytes()),
        b64(payload_json.as_bytes()),
        b64(sig)
    )
}

/// Replaces the signature segment of `token`.
fn with_sig(token: &str, sig_segment: &str) -> String {
    let (input, _) = token.rsplit_once('.').unwrap();
    format!("{input}.{sig_segment}")
}

fn verifier() -> VerifierInstance {
    host().verifier(&env(&[])).unwrap()
}

fn bearer(token: &str) -> Vec<(&'static str, String)> {
    vec![("authorization", format!("Bearer {token}"))]
}

fn cookie(token: &str) -> Vec<(&'static str, String)> {
    vec![(
        "cookie",
        format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_1"),
    )]
}

fn authenticate(
    v: &mut VerifierInstance,
    headers: &[(&'static str, String)],
) -> clerk_edge_host::AuthState {
    let h: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
    v.authenticate(&request("GET", APP, &h)).unwrap()
}

/// Clerk's full message: `<message>[ <action>] (reason=…, token-carrier=…)`.
fn full(message: &str, action: Option<&str>, reason: &str, carrier: &str) -> String {
    let text = match action {
        Some(a) => format!("{message} {a}"),
        None => message.to_owned(),
    };
    format!("{text} (reason={reason}, token-carrier={carrier})")
}

/// Asserts `token` is refused with exactly `reason`/`message`/`action` by `verify-token`, and
/// signed out with the same reason and Clerk's full message through both carriers.
fn assert_refused(
    v: &mut VerifierInstance,
    token: &str,
    reason: &str,
    message: &str,
    action: Option<&str>,
) {
    let e = v.verify_token(token).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str(), e.action.as_deref()),
        (reason, message, action),
        "verify-token"
    );
    for (carrier, headers) in [("header", bearer(token)), ("cookie", cookie(token))] {
        let s = authenticate(v, &headers);
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message.as_deref()),
            (
                AuthStatus::SignedOut,
                Some(reason),
                Some(full(message, action, reason, carrier).as_str())
            ),
            "authenticate via {carrier}"
        );
        assert!(s.token.is_none() && s.session.is_none());
    }
}

/// Asserts `token` is accepted everywhere as `user`.
fn assert_accepted(v: &mut VerifierInstance, token: &str, user: &str) {
    let s = v.verify_token(token).unwrap().unwrap();
    assert_eq!(s.user_id.as_deref(), Some(user));
    for headers in [bearer(token), cookie(token)] {
        let s = authenticate(v, &headers);
        assert_eq!(s.status, AuthStatus::SignedIn, "{:?}", s.message);
        assert_eq!(s.session.unwrap().user_id.as_deref(), Some(user));
    }
}

/// Asserts the session paths (`authenticate`, both carriers) say `token-type-mismatch` with
/// Clerk's empty message.
fn assert_type_mismatch(v: &mut VerifierInstance, token: &str) {
    for headers in [bearer(token), cookie(token)] {
        let s = authenticate(v, &headers);
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message.as_deref()),
            (AuthStatus::SignedOut, Some("token-type-mismatch"), Some(""))
        );
    }
}

pub(crate) use crate::common::{send, wit_config};

// ---------------------------------------------------------------------------------------------
// The forging tools themselves are checked against published vectors and the SDK's minter.

#[test]
fn forge_primitives_match_published_vectors_and_the_minter() {
    let hex = |b: Vec<u8>| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
    assert_eq!(
        hex(sha256(b"abc")),
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    );
    assert_eq!(
        hex(sha256(
            b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"
        )),
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"
    );
    assert_eq!(hex(sha384(b"abc")), "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7");
    assert_eq!(hex(sha512(b"abc")), "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f");
    // RFC 4231 test cases 2 and 6 (key longer than the block).
    let msg = b"what do ya want for nothing?";
    assert_eq!(
        hex(hmac(sha256, 64, b"Jefe", msg)),
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    );
    assert_eq!(hex(hmac(sha384, 128, b"Jefe", msg)), "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649");
    assert_eq!(hex(hmac(sha512, 128, b"Jefe", msg)), "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737");
    let long = b"Test Using Larger Than Block-Size Key - Hash Key First";
    assert_eq!(
        hex(hmac(sha256, 64, &[0xaa; 131], long)),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    // PKCS#1 v1.5 is deterministic: our raw signer must reproduce the SDK minter byte for byte.
    let (h, c) = (header(|_| {}), claims(|_| {}));
    assert_eq!(
        forge::rs256_token(DEMO_PRIVATE, &h.to_string(), &c.to_string()),
        signed(DEMO_PRIVATE, &h, &c)
    );
}

// ---------------------------------------------------------------------------------------------
// Algorithm attacks.

#[test]
fn alg_none_in_any_spelling_is_an_invalid_algorithm() {
    let mut v = verifier();
    let payload = claims(|_| {}).to_string();
    let real_sig = demo_token().rsplit_once('.').unwrap().1.to_owned();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let h = json!({"alg": alg, "typ": "JWT"}).to_string();
        let message = format!("Invalid JWT algorithm \"{alg}\". Supported: RS256,RS384,RS512.");
        let unsigned = compact(&h, &payload, b"");
        for token in [
            unsigned.clone(),
            with_sig(&unsigned, &real_sig),
            with_sig(&unsigned, "AAAA"),
        ] {
            assert_refused(
                &mut v,
                &token,
                "token-invalid-algorithm",
                &message,
                Some(ENSURE),
            );
        }
        // Two segments only: not even a JWS.
        let two = unsigned.trim_end_matches('.').to_owned();
        assert_refused(
            &mut v,
            &two,
            "token-invalid",
            "Invalid JWT form. A JWT consists of three parts separated by dots.",
            None,
        );
    }
    // A missing or non-string `alg` is reported with JSON.stringify.
    for (alg, shown) in [(Value::Null, "null"), (json!(["RS256"]), "[\"RS256\"]")] {
        let h = json!({"alg": alg}).to_string();
        let token = compact(&h, &payload, b"sig");
        let message = format!("Invalid JWT algorithm {shown}. Supported: RS256,RS384,RS512.");
        assert_refused(
            &mut v,
            &token,
            "token-invalid-algorithm",
            &message,
            Some(ENSURE),
        );
    }
    let token = compact(r#"{"typ":"JWT"}"#, &payload, b"sig");
    assert_refused(
        &mut v,
        &token,
        "token-invalid-algorithm",
        "Invalid JWT algorithm undefined. Supported: RS256,RS384,RS512.",
        Some(ENSURE),
    );
}

#[test]
fn hmac_signed_with_the_public_key_is_an_invalid_algorithm() {
    let mut v = verifier();
    let payload = claims(|_| {}).to_string();
    let der = b64_decode(&forge::pem_body(DEMO_PUBLIC));
    let der_newline = [der.as_slice(), b"\n"].concat();
    let crlf = DEMO_PUBLIC.replace('\n', "\r\n");
    // The PEM as served (with and without its final newline, with CRLF line ends), as an
    // escaped one-line environment value, and the DER bytes (with and without a newline).
    let escaped = DEMO_PUBLIC.replace('\n', "\\n");
    let secrets: [&[u8]; 6] = [
        DEMO_PUBLIC.as_bytes(),
        DEMO_PUBLIC.trim_end().as_bytes(),
        crlf.as_bytes(),
        escaped.as_bytes(),
        &der,
        &der_newline,
    ];
    let algs: [(&str, forge::Hash, usize); 3] = [
        ("HS256", sha256, 64),
        ("HS384", sha384, 128),
        ("HS512", sha512, 128),
    ];
    for (alg, hash, block) in algs {
        for secret in secrets {
            let h = json!({"alg": alg, "typ": "JWT", "kid": "ins_demo"}).to_string();
            let input = format!("{}.{}", b64(h.as_bytes()), b64(payload.as_bytes()));
            let token = format!(
                "{input}.{}",
                b64(&hmac(hash, block, secret, input.as_bytes()))
            );
            let message = format!("Invalid JWT algorithm \"{alg}\". Supported: RS256,RS384,RS512.");
            assert_refused(
                &mut v,
                &token,
                "token-invalid-algorithm",
                &message,
                Some(ENSURE),
            );
        }
    }
}

#[test]
fn es256_psychic_signature_is_an_invalid_algorithm() {
    let mut v = verifier();
    let payload = claims(|_| {}).to_string();
    // CVE-2022-21449: r = s = 0, raw (64 zero bytes) and DER-encoded.
    for sig in [
        vec![0u8; 64],
        vec![0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00],
    ] {
        let token = compact(r#"{"alg":"ES256","typ":"JWT"}"#, &payload, &sig);
        assert_refused(
            &mut v,
            &token,
            "token-invalid-algorithm",
            "Invalid JWT algorithm \"ES256\". Supported: RS256,RS384,RS512.",
            Some(ENSURE),
        );
    }
    // PS256 and lower-case rs256 are not RS256 either.
    for alg in ["PS256", "rs256", "RS256 "] {
        let token = demo_with(|h| h["alg"] = json!(alg), |_| {});
        let message = format!("Invalid JWT algorithm \"{alg}\". Supported: RS256,RS384,RS512.");
        assert_refused(
            &mut v,
            &token,
            "token-invalid-algorithm",
            &message,
            Some(ENSURE),
        );
    }
}

#[test]
fn a_pem_key_verifies_rs256_only() {
    // D4: the PEM key is pinned to RS256; an RS384/RS512 header is a verification failure
    // (WebCrypto refuses to use the RS256 JWK for another hash), never a downgrade.
    let mut v = verifier();
    for alg in ["RS384", "RS512"] {
        let token = demo_with(|h| h["alg"] = json!(alg), |_| {});
        assert_refused(
            &mut v,
            &token,
            "token-verification-failed",
            "Error verifying JWT signature. Error: JWK \"alg\" does not match the requested algorithm",
            Some(ENSURE),
        );
    }
}

// ---------------------------------------------------------------------------------------------
// Signature attacks.

#[test]
fn resigned_or_tampered_tokens_fail_the_signature() {
    let mut v = verifier();
    let forged = signed(OTHER_PRIVATE, &header(|_| {}), &claims(|_| {}));
    assert_refused(&mut v, &forged, "token-invalid-signature", BAD_SIG, None);

    let good = demo_token();
    let parts: Vec<&str> = good.split('.').collect();
    let admin = claims(|c| c["sub"] = json!("user_admin")).to_string();
    let tampered_payload = format!("{}.{}.{}", parts[0], b64(admin.as_bytes()), parts[2]);
    assert_refused(
        &mut v,
        &tampered_payload,
        "token-invalid-signature",
        BAD_SIG,
        None,
    );
    let h = header(|h| h["kid"] = json!("ins_other")).to_string();
    let tampered_header = format!("{}.{}.{}", b64(h.as_bytes()), parts[1], parts[2]);
    assert_refused(
        &mut v,
        &tampered_header,
        "token-invalid-signature",
        BAD_SIG,
        None,
    );
    // The signature of one token on another token's payload.
    let other = demo_with(|_| {}, |c| c["sub"] = json!("user_other"));
    let swapped = with_sig(&other, parts[2]);
    assert_refused(&mut v, &swapped, "token-invalid-signature", BAD_SIG, None);
}

#[test]
fn malformed_signatures_are_refused_exactly() {
    let mut v = verifier();
    let good = demo_token();
    let sig = b64_decode(good.rsplit_once('.').unwrap().1);
    assert_eq!(sig.len(), 256);
    let mut leading_zero = vec![0u8];
    leading_zero.extend_from_slice(&sig);
    let mut trailing_zero = sig.clone();
    trailing_zero.push(0);
    let bad: [(&str, Vec<u8>); 8] = [
        ("empty", vec![]),
        ("truncated", sig[..255].to_vec()),
        ("halved", sig[..128].to_vec()),
        ("over-long", trailing_zero),
        ("all-zero", vec![0; 256]),
        ("all-0xFF", vec![0xFF; 256]),
        ("zero, modulus length + 1", vec![0; 257]),
        ("valid with a leading 0x00", leading_zero),
    ];
    for (what, bytes) in bad {
        let token = with_sig(&good, &b64(&bytes));
        let e = v.verify_token(&token).unwrap().unwrap_err();
        assert_eq!(e.reason, "token-invalid-signature", "{what}");
        assert_refused(&mut v, &token, "token-invalid-signature", BAD_SIG, None);
    }
    // The signature as a big integer ≥ n (all-0xFF) and the value n itself are refused too.
    let n = forge::public_key(DEMO_PUBLIC).n;
    assert_refused(
        &mut v,
        &with_sig(&good, &b64(&n)),
        "token-invalid-signature",
        BAD_SIG,
        None,
    );

    // Segments that are not base64url are a decoding error, not a signature error.
    let std_b64 = good
        .rsplit_once('.')
        .unwrap()
        .1
        .replace('-', "+")
        .replace('_', "/");
    assert_ne!(std_b64, good.rsplit_once('.').unwrap().1);
    // 256 bytes = 342 chars: the last char carries 2 bits and 4 spare zero bits; set one.
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let last = alphabet.find(good.chars().last().unwrap()).unwrap();
    assert_eq!(last % 16, 0);
    let mut spare = good.clone();
    spare.pop();
    spare.push(alphabet.chars().nth(last | 1).unwrap());
    for token in [
        with_sig(&good, "!!!!"),
        with_sig(&good, &std_b64),
        with_sig(&good, "A"),
        spare,
        good.replacen('.', ".=", 1),
    ] {
        assert_refused(&mut v, &token, "token-invalid", UNDECODABLE, None);
    }
    // A trailing space is not base64url for `verify-token`; in a header or cookie it is
    // optional whitespace that HTTP strips, so the request carries the intact token.
    let spaced = format!("{good} ");
    let e = v.verify_token(&spaced).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-invalid", UNDECODABLE)
    );
    for headers in [bearer(&spaced), cookie(&spaced)] {
        assert_eq!(authenticate(&mut v, &headers).status, AuthStatus::SignedIn);
    }
    // Parity (Clerk's loose base64url): trailing `=` padding is tolerated, the token still
    // verifies. Not a forgery: the decoded bytes are identical.
    let padded = format!("{good}==");
    assert_accepted(&mut v, &padded, "user_demo123");
}

// ---------------------------------------------------------------------------------------------
// Key selection: `kid`, `jku`, `x5u`, `jwk`, `x5c`.

#[test]
fn kid_is_ignored_with_one_key() {
    // Parity §3.5: a single configured key verifies whatever `kid` says.
    let mut v = verifier();
    for kid in [
        json!("../../etc/passwd"),
        json!("' OR 1=1 --"),
        json!("ins_unknown"),
        json!("\u{0}"),
        json!(5),
        Value::Null,
    ] {
        let token = demo_with(|h| h["kid"] = kid.clone(), |_| {});
        assert_accepted(&mut v, &token, "user_demo123");
        let forged = signed(
            OTHER_PRIVATE,
            &header(|h| h["kid"] = kid.clone()),
            &claims(|_| {}),
        );
        assert_refused(&mut v, &forged, "token-invalid-signature", BAD_SIG, None);
    }
    let token = demo_with(|h| _ = h.as_object_mut().unwrap().remove("kid"), |_| {});
    assert_accepted(&mut v, &token, "user_demo123");
}

#[test]
fn kid_selects_among_several_keys_and_never_fetches() {
    let mut v = verifier();
    let jwks = json!({"keys": [jwk(DEMO_PUBLIC, Some("demo")), jwk(OTHER_PUBLIC, Some("other"))]});
    let multi = v
        .create(&wit_config(|c| {
            c.jwt_key = None;
            c.jwks = Some(jwks.to_string());
        }))
        .unwrap()
        .unwrap();
    let by = |private: &str, kid: Value| {
        let mut h = header(|_| {});
        if kid.is_null() {
            h.as_object_mut().unwrap().remove("kid");
        } else {
            h["kid"] = kid;
        }
        signed(private, &h, &claims(|_| {}))
    };
    let ok = v.resource_verify_token(multi, &by(DEMO_PRIVATE, json!("demo")));
    assert_eq!(
        ok.unwrap().unwrap().user_id.as_deref(),
        Some("user_demo123")
    );
    let ok = v.resource_verify_token(multi, &by(OTHER_PRIVATE, json!("other")));
    assert_eq!(
        ok.unwrap().unwrap().user_id.as_deref(),
        Some("user_demo123")
    );
    // The kid picks one key; no fallback to the other one.
    let e = v
        .resource_verify_token(multi, &by(DEMO_PRIVATE, json!("other")))
        .unwrap()
        .unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-invalid-signature", BAD_SIG)
    );
    for (kid, shown) in [
        (json!("../../etc/passwd"), "../../etc/passwd"),
        (json!("' OR 1=1 --"), "' OR 1=1 --"),
        (
            json!("https://evil.example/jwks.json"),
            "https://evil.example/jwks.json",
        ),
        (json!("DEMO"), "DEMO"),
        (json!(7), "undefined"),
        (Value::Null, "undefined"),
    ] {
        let token = by(DEMO_PRIVATE, kid);
        let e = v.resource_verify_token(multi, &token).unwrap().unwrap_err();
        let message = format!("Unable to find a signing key in JWKS that matches the kid='{shown}' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT. The following kid is available: demo, other");
        assert_eq!(
            (e.reason.as_str(), e.message.as_str(), e.action.as_deref()),
            ("jwk-kid-mismatch", message.as_str(), Some(KID_ACTION))
        );
        let s = v
            .resource_authenticate(
                multi,
                &request("GET", APP, &[("authorization", &format!("Bearer {token}"))]),
            )
            .unwrap();
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message),
            (
                AuthStatus::SignedOut,
                Some("jwk-kid-mismatch"),
                Some(full(
                    &message,
                    Some(KID_ACTION),
                    "jwk-kid-mismatch",
                    "header"
                ))
            )
        );
    }
    v.drop_resource(multi).unwrap();
    // Nothing could have been fetched: the component cannot import an HTTP client or sockets.
    let h = host();
    clerk_edge_host::assert_networkless(h.engine_ref(), h.verifier_component().unwrap()).unwrap();
    assert_eq!(v.stderr(), "");
}

#[test]
fn run_time_jwks_replaces_the_embedded_demo_key() {
    let jwks = json!({"keys": [jwk(OTHER_PUBLIC, Some("ins_real_1")), jwk(OTHER_PUBLIC, Some("ins_real_2"))]});
    let pk = "pk_live_Y2xlcmsub3RoZXIuZXhhbXBsZS5jb20k"; // clerk.other.example.com
    let mut v = host()
        .verifier(&env(&[
            ("CLERK_JWKS", &jwks.to_string()),
            ("CLERK_PUBLISHABLE_KEY", pk),
        ]))
        .unwrap();
    let real = signed(
        OTHER_PRIVATE,
        &header(|h| h["kid"] = json!("ins_real_1")),
        &claims(|_| {}),
    );
    assert!(v.verify_token(&real).unwrap().is_ok());
    // A token anyone can mint with the committed DEMO private key must not verify.
    let demo = demo_token();
    let e = v.verify_token(&demo).unwrap().unwrap_err();
    assert_eq!(e.reason, "jwk-kid-mismatch");
    let r = send(
        &[
            ("CLERK_JWKS", &jwks.to_string()),
            ("CLERK_PUBLISHABLE_KEY", pk),
        ],
        "GET",
        "https://app.example.com/api/me",
        &[("authorization", &format!("Bearer {demo}"))],
    );
    assert_eq!(r.status, 401, "{:?}", r.header("x-clerk-user-id"));
}

#[test]
fn jku_x5u_jwk_and_x5c_headers_are_never_used() {
    let mut v = verifier();
    let attacker_jwk = jwk(OTHER_PUBLIC, Some("attacker"));
    let other_der = b64_decode(&forge::pem_body(OTHER_PUBLIC));
    let std = |b: &[u8]| b64(b).replace('-', "+").replace('_', "/");
    let hostile = |h: &mut Value| {
        h["jku"] = json!("https://evil.example/.well-known/jwks.json");
        h["x5u"] = json!("https://evil.example/cert.pem");
        h["jwk"] = attacker_jwk.clone();
        h["x5c"] = json!([std(&other_der)]);
        h["kid"] = json!("attacker");
    };
    // Signed with the attacker's key that the header carries: the embedded key decides.
    let forged = signed(OTHER_PRIVATE, &header(hostile), &claims(|_| {}));
    assert_refused(&mut v, &forged, "token-invalid-signature", BAD_SIG, None);
    // The same headers on a genuine token are simply ignored.
    let genuine = signed(DEMO_PRIVATE, &header(hostile), &claims(|_| {}));
    assert_accepted(&mut v, &genuine, "user_demo123");
    // One at a time too, and against a JWKS configuration (keys chosen by `kid`): a header
    // that names or carries the attacker's key never makes its signature count.
    let jwks =
        json!({"keys": [jwk(DEMO_PUBLIC, Some("ins_demo")), jwk(OTHER_PUBLIC, Some("ins_other"))]})
            .to_string();
    let mut by_kid = host().verifier(&env(&[("CLERK_JWKS", &jwks)])).unwrap();
    let one_at_a_time: [(&str, Value); 4] = [
        ("jku", json!("https://evil.example/.well-known/jwks.json")),
        ("x5u", json!("https://evil.example/cert.pem")),
        ("jwk", attacker_jwk.clone()),
        ("x5c", json!([std(&other_der)])),
    ];
    for (name, value) in one_at_a_time {
        let only = |h: &mut Value| {
            h[name] = value.clone();
            h["kid"] = json!("ins_demo");
        };
        let forged = signed(OTHER_PRIVATE, &header(only), &claims(|_| {}));
        assert_refused(&mut v, &forged, "token-invalid-signature", BAD_SIG, None);
        assert_refused(
            &mut by_kid,
            &forged,
            "token-invalid-signature",
            BAD_SIG,
            None,
        );
        let genuine = signed(DEMO_PRIVATE, &header(only), &claims(|_| {}));
        assert_accepted(&mut v, &genuine, "user_demo123");
        assert_accepted(&mut by_kid, &genuine, "user_demo123");
    }
    assert_eq!(v.stderr(), "");
    assert_eq!(by_kid.stderr(), "");
}

// ---------------------------------------------------------------------------------------------
// Header rules: `crit`, `typ`, `cty`.

#[test]
fn crit_makes_the_token_invalid() {
    // D12 (RFC 7515 §4.1.11): we understand no extension, so any `crit` is refused — even on a
    // token whose signature is valid.
    let mut v = verifier();
    for (crit, shown) in [
        (json!(["b64"]), "[\"b64\"]"),
        (json!(["exp"]), "[\"exp\"]"),
        (
            json!(["http://evil.example/ext"]),
            "[\"http://evil.example/ext\"]",
        ),
        (json!([]), "[]"),
        (json!("b64"), "\"b64\""),
        (Value::Null, "null"),
    ] {
        let token = demo_with(
            |h| {
                h["crit"] = crit.clone();
                h["b64"] = json!(false);
            },
            |_| {},
        );
        let message = format!("Unsupported critical JWT header extension (crit) {shown}.");
        assert_refused(&mut v, &token, "token-invalid", &message, Some(ENSURE));
    }
}

#[test]
fn typ_must_be_jwt_or_absent() {
    let mut v = verifier();
    for (typ, shown) in [
        (json!("jwt"), "\"jwt\""),
        (json!("JOSE"), "\"JOSE\""),
        (json!("JWT "), "\"JWT \""),
        (json!(""), "\"\""),
        (json!(1), "1"),
        (Value::Null, "null"),
    ] {
        let token = demo_with(|h| h["typ"] = typ.clone(), |_| {});
        let message = format!("Invalid JWT type {shown}. Expected \"JWT\".");
        assert_refused(&mut v, &token, "token-invalid", &message, Some(ENSURE));
    }
    let token = demo_with(|h| _ = h.as_object_mut().unwrap().remove("typ"), |_| {});
    assert_accepted(&mut v, &token, "user_demo123");
    // OAuth access tokens: `verify-token` refuses the type; the session paths call it a
    // machine token of the wrong type.
    for typ in ["at+jwt", "application/at+jwt"] {
        let token = demo_with(|h| h["typ"] = json!(typ), |_| {});
        let e = v.verify_token(&token).unwrap().unwrap_err();
        let message = format!("Invalid JWT type \"{typ}\". Expected \"JWT\".");
        assert_eq!(
            (e.reason.as_str(), e.message.as_str(), e.action.as_deref()),
            ("token-invalid", message.as_str(), Some(ENSURE))
        );
        assert_type_mismatch(&mut v, &token);
    }
}

#[test]
fn nested_jwts_are_never_unwrapped() {
    let mut v = verifier();
    let inner = demo_token();
    let h = header(|_| {}).to_string();
    let cty = header(|h| h["cty"] = json!("JWT")).to_string();
    let no_sub = "Subject claim (sub) is required and must be a string. Received undefined.";
    for header_json in [&h, &cty] {
        // Payload = the inner JWT as a JSON string: validly signed, but it has no claims.
        let token = forge::rs256_token(DEMO_PRIVATE, header_json, &json!(inner).to_string());
        assert_refused(
            &mut v,
            &token,
            "token-verification-failed",
            no_sub,
            Some(ENSURE),
        );
        // Payload = the inner JWT's bytes (not JSON): undecodable.
        let token = forge::rs256_token(DEMO_PRIVATE, header_json, &inner);
        assert_refused(&mut v, &token, "token-invalid", UNDECODABLE, None);
    }
    // `cty: JWT` over ordinary claims is ignored like any other unknown header (parity):
    // nothing is unwrapped, the outer claims are the claims.
    let token = demo_with(|h| h["cty"] = json!("JWT"), |_| {});
    assert_accepted(&mut v, &token, "user_demo123");
}

// ---------------------------------------------------------------------------------------------
// JSON-level confusion.

#[test]
fn duplicate_json_keys_resolve_like_javascript_last_one_wins() {
    let mut v = verifier();
    let now = now_secs();
    let body = |subs: &str| {
        format!(
            r#"{{{subs},"sid":"sess_demo456","iss":"https://clerk.demo-app.example.com","iat":{},"nbf":{},"exp":{}}}"#,
            now - 5,
            now - 10,
            now + 300
        )
    };
    let payload = body(r#""sub":"user_a","sub":"user_b""#);
    let ok_header = r#"{"alg":"RS256","typ":"JWT"}"#;
    // Two `sub`: the last one is the identity, in every output.
    let token = forge::rs256_token(DEMO_PRIVATE, ok_header, &payload);
    assert_accepted(&mut v, &token, "user_b");
    let s = v.verify_token(&token).unwrap().unwrap();
    let verified: Value = serde_json::from_str(&s.claims).unwrap();
    assert_eq!(verified["sub"], "user_b");
    // Two `alg`: the last one decides, both ways round.
    let token = forge::rs256_token(
        DEMO_PRIVATE,
        r#"{"alg":"none","typ":"JWT","alg":"RS256"}"#,
        &payload,
    );
    assert_accepted(&mut v, &token, "user_b");
    let token = forge::rs256_token(
        DEMO_PRIVATE,
        r#"{"alg":"RS256","typ":"JWT","alg":"none"}"#,
        &payload,
    );
    assert_refused(
        &mut v,
        &token,
        "token-invalid-algorithm",
        "Invalid JWT algorithm \"none\". Supported: RS256,RS384,RS512.",
        Some(ENSURE),
    );
    // Two `exp`: a future one hidden behind a past one is still expired, through every path
    // (a fixed clock makes Clerk's message, which names both dates, exact).
    let fixed_ms = now * 1000;
    let mut v = host()
        .verifier(&clerk_edge_host::InstanceOptions {
            clock_ms: Some(fixed_ms),
            ..env(&[])
        })
        .unwrap();
    let expired = format!(
        r#"{{"sub":"user_a","exp":{},"iat":{},"exp":{}}}"#,
        now + 300,
        now - 5,
        now - 3600
    );
    let token = forge::rs256_token(DEMO_PRIVATE, ok_header, &expired);
    let message = format!(
        "JWT is expired. Expiry date: {}, Current date: {}.",
        clerk_edge::time::to_utc_string((now - 3600) * 1000),
        clerk_edge::time::to_utc_string(fixed_ms)
    );
    let e = v.verify_token(&token).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-expired", message.as_str())
    );
    // Through `authenticate`, an expired token is Clerk's refresh reason (D7: never refreshed),
    // with the token error in the message, for both carriers.
    let reason = "session-token-expired-refresh-non-eligible-no-refresh-cookie";
    for (carrier, headers) in [("header", bearer(&token)), ("cookie", cookie(&token))] {
        let s = authenticate(&mut v, &headers);
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message.as_deref()),
            (
                AuthStatus::SignedOut,
                Some(reason),
                Some(full(&message, None, "token-expired", carrier).as_str())
            ),
            "{carrier}"
        );
        assert!(s.token.is_none() && s.session.is_none());
    }
}

#[test]
fn claim_type_confusion_is_a_verification_failure() {
    let mut v = verifier();
    let cases: [(&str, Value, &str); 6] = [
        (
            "exp",
            json!("9999999999"),
            "Invalid JWT expiry date claim (exp) \"9999999999\". Expected number.",
        ),
        (
            "exp",
            Value::Null,
            "Invalid JWT expiry date claim (exp) null. Expected number.",
        ),
        (
            "nbf",
            json!("0"),
            "Invalid JWT not before date claim (nbf) \"0\". Expected number.",
        ),
        (
            "iat",
            json!(true),
            "Invalid JWT issued at date claim (iat) true. Expected number.",
        ),
        (
            "sub",
            json!(123),
            "Subject claim (sub) is required and must be a string. Received 123.",
        ),
        (
            "sub",
            json!(["user_demo123"]),
            "Subject claim (sub) is required and must be a string. Received [\"user_demo123\"].",
        ),
    ];
    for (claim, value, message) in cases {
        let token = demo_with(|_| {}, |c| c[claim] = value.clone());
        assert_refused(
            &mut v,
            &token,
            "token-verification-failed",
            message,
            Some(ENSURE),
        );
    }
    let token = demo_with(|_| {}, |c| _ = c.as_object_mut().unwrap().remove("exp"));
    assert_refused(
        &mut v,
        &token,
        "token-verification-failed",
        "Invalid JWT expiry date claim (exp) undefined. Expected number.",
        Some(ENSURE),
    );

    // `aud` with an audience configured: strings and string arrays are checked. Any other
    // shape is refused with the same reason (a deliberate difference: Clerk's
    // assertAudienceClaim lets it through unchecked, an audience bypass by type confusion).
    let mut v = host()
        .verifier(&env(&[("CLERK_AUDIENCE", "https://api.example.com")]))
        .unwrap();
    let aud = |value: Value| demo_with(|_| {}, |c| c["aud"] = value);
    let wanted = "Is not included in \"[\"https://api.example.com\"]\".";
    assert_refused(
        &mut v,
        &aud(json!("https://evil.example")),
        "token-verification-failed",
        &format!("Invalid JWT audience claim (aud) \"https://evil.example\". {wanted}"),
        Some(ENSURE),
    );
    assert_refused(
        &mut v,
        &aud(json!(["https://evil.example"])),
        "token-verification-failed",
        &format!("Invalid JWT audience claim array (aud) [\"https://evil.example\"]. {wanted}"),
        Some(ENSURE),
    );
    assert_accepted(
        &mut v,
        &aud(json!(["x", "https://api.example.com"])),
        "user_demo123",
    );
    for (confused, shown) in [
        (
            json!({"aud": "https://api.example.com"}),
            "claim (aud) {\"aud\":\"https://api.example.com\"}",
        ),
        (json!(42), "claim (aud) 42"),
        (
            json!(["https://api.example.com", 1]),
            "claim array (aud) [\"https://api.example.com\",1]",
        ),
        (
            json!([["https://api.example.com"]]),
            "claim array (aud) [[\"https://api.example.com\"]]",
        ),
    ] {
        assert_refused(
            &mut v,
            &aud(confused),
            "token-verification-failed",
            &format!("Invalid JWT audience {shown}. {wanted}"),
            Some(ENSURE),
        );
    }
    // An empty `aud` is no audience (Clerk's rule): not checked.
    for empty in [json!(""), json!([])] {
        assert_accepted(&mut v, &aud(empty), "user_demo123");
    }
    // Clerk checks `aud` only when the token has one.
    let no_aud = demo_token();
    assert_accepted(&mut v, &no_aud, "user_demo123");
}

// ---------------------------------------------------------------------------------------------
// Size limits.

/// A DEMO-signed valid token of exactly `len` bytes, padded in a claim, or in a JOSE header
/// field (the verified claims, and so the signed-in response, then stay small).
fn sized_token(len: usize, pad_header: bool) -> String {
    let b64_len = |n: usize| (n * 4).div_ceil(3);
    // `pad` fills one segment; `adjust` lengthens the other to reach every length.
    let make = |adjust: usize, pad: usize| {
        let (mut h, mut c) = (header(|_| {}), claims(|_| {}));
        let (padded, other) = if pad_header {
            (&mut h, &mut c)
        } else {
            (&mut c, &mut h)
        };
        padded["pad"] = json!("x".repeat(pad));
        other["adj"] = json!("x".repeat(adjust));
        (h, c)
    };
    let total = |(h, c): &(Value, Value)| {
        b64_len(h.to_string().len()) + b64_len(c.to_string().len()) + 2 + 342
    };
    for adjust in 0..4 {
        let est = len.saturating_sub(total(&make(adjust, 0))) * 3 / 4;
        for pad in est.saturating_sub(4)..est + 4 {
            let parts = make(adjust, pad);
            if total(&parts) == len {
                let token = signed(DEMO_PRIVATE, &parts.0, &parts.1);
                assert_eq!(token.len(), len);
                return token;
            }
        }
    }
    unreachable!("no padding gives {len} bytes")
}

#[test]
fn tokens_up_to_32_kib_verify_and_longer_ones_are_invalid() {
    let mut v = verifier();
    let too_long = "Invalid JWT form. The token is longer than 32768 bytes.";
    for len in [8 * 1024, 31 * 1024, 32 * 1024] {
        let token = sized_token(len, false);
        assert_accepted(&mut v, &token, "user_demo123");
    }
    for len in [32 * 1024 + 1, 33 * 1024] {
        assert_refused(
            &mut v,
            &sized_token(len, false),
            "token-invalid",
            too_long,
            None,
        );
    }
    // 1 MB: `verify-token` refuses it before decoding; a request carrying it is malformed
    // (128 KiB of headers at most).
    let huge = format!(
        "{}.{}.{}",
        "e".repeat(1000),
        "e".repeat(1 << 20),
        "e".repeat(342)
    );
    let e = v.verify_token(&huge).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-invalid", too_long)
    );
    for headers in [bearer(&huge), cookie(&huge)] {
        let s = authenticate(&mut v, &headers);
        assert_eq!(
            (s.status, s.reason.as_deref()),
            (AuthStatus::Error, Some("invalid-request"))
        );
    }
}

#[test]
fn token_size_limits_through_the_http_handler() {
    let api = "http://localhost:3000/api/me";
    // Padded in the JOSE header, so the signed-in JSON answer stays small.
    for len in [8 * 1024, 31 * 1024, 32 * 1024] {
        let big = sized_token(len, true);
        for carrier in [bearer(&big), cookie(&big)] {
            let (n, value) = &carrier[0];
            let r = send(&[], "GET", api, &[(*n, value.as_str())]);
            assert_eq!(r.status, 200);
            assert_eq!(r.header("x-clerk-user-id"), Some("user_demo123"));
        }
    }
    let over = sized_token(33 * 1024, true);
    for (carrier, headers) in [("header", bearer(&over)), ("cookie", cookie(&over))] {
        let (n, value) = &headers[0];
        let r = send(&[], "GET", api, &[(*n, value.as_str())]);
        assert_eq!(r.status, 401);
        assert_eq!(
            r.json().unwrap(),
            json!({"status": "signed-out", "reason": "token-invalid", "message": full("Invalid JWT form. The token is longer than 32768 bytes.", None, "token-invalid", carrier)})
        );
    }
    // 70 KB: under the 128 KiB header budget in `Authorization` (token too long), over the
    // 64 KiB cookie-header cap in `Cookie` (malformed request).
    let seventy = format!(
        "{}.{}.{}",
        "e".repeat(100),
        "e".repeat(70 * 1024),
        "e".repeat(342)
    );
    let r = send(
        &[],
        "GET",
        api,
        &[("authorization", &format!("Bearer {seventy}"))],
    );
    assert_eq!(
        (r.status, r.json().unwrap()["reason"].clone()),
        (401, json!("token-invalid"))
    );
    let r = send(&[], "GET", api, &[("cookie", &cookie(&seventy)[0].1)]);
    assert_eq!(r.status, 400);
    assert_eq!(r.json().unwrap()["reason"], "invalid-request");
    let huge = "e".repeat(1 << 20);
    for headers in [bearer(&huge), cookie(&huge)] {
        let (n, value) = &headers[0];
        let r = send(&[], "GET", api, &[(*n, value.as_str())]);
        assert_eq!(r.status, 400);
        assert_eq!(r.json().unwrap()["reason"], "invalid-request");
    }
}

#[test]
fn signed_in_responses_with_large_claims_are_delivered() {
    let api = "http://localhost:3000/api/me";
    for len in [8 * 1024, 31 * 1024] {
        let token = sized_token(len, false);
        let server = Server::new(host(), env(&[])).unwrap();
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let auth = format!("Bearer {token}");
        let headers = [("authorization", auth.as_str())];
        let sent = server.request("GET", api, &headers);
        let r = rt
            .block_on(async {
                tokio::time::timeout(std::time::Duration::from_secs(20), sent).await
            })
            .unwrap_or_else(|_| panic!("a {len}-byte token's signed-in response never arrived"))
            .unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("x-clerk-user-id"), Some("user_demo123"));
        assert!(r.body.len() > len / 2);
    }
}

// ---------------------------------------------------------------------------------------------
// Token class and instance confusion.

#[test]
fn machine_and_template_tokens_are_not_session_tokens() {
    let mut v = verifier();
    let m2m = demo_with(|_| {}, |c| c["sub"] = json!("mch_2abc"));
    assert_type_mismatch(&mut v, &m2m);
    let template = demo_with(|h| h["cat"] = json!("cl_B7d4PD222AAA"), |_| {});
    assert_type_mismatch(&mut v, &template);
    let unknown_cat = demo_with(|h| h["cat"] = json!("cl_future"), |_| {});
    assert_type_mismatch(&mut v, &unknown_cat);
    let m2m_cat = demo_with(|h| h["cat"] = json!("cl_B7d4PD333AAA"), |_| {});
    assert_type_mismatch(&mut v, &m2m_cat);
    // `verify-token` is Clerk's verifyToken: only the M2M category is refused there, before any
    // key work (so even a forged signature gets this answer).
    let e = v.verify_token(&m2m_cat).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str(), e.action.as_deref()),
        (
            "token-invalid",
            "Invalid session token category.",
            Some(ENSURE)
        )
    );
    let forged = signed(
        OTHER_PRIVATE,
        &header(|h| h["cat"] = json!("cl_B7d4PD333AAA")),
        &claims(|_| {}),
    );
    assert_eq!(
        v.verify_token(&forged).unwrap().unwrap_err().message,
        "Invalid session token category."
    );
    // Parity: verifyToken itself does not look at `sub` prefixes or template categories.
    assert_eq!(
        v.verify_token(&m2m).unwrap().unwrap().user_id.as_deref(),
        Some("mch_2abc")
    );
    assert!(v.verify_token(&template).unwrap().is_ok());
    // Opaque machine tokens are not JWTs: on the session header path they reach verifyToken.
    for opaque in ["mt_123", "oat_123", "ak_123"] {
        let s = authenticate(&mut v, &bearer(opaque));
        let message = "Invalid JWT form. A JWT consists of three parts separated by dots.";
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message),
            (
                AuthStatus::SignedOut,
                Some("token-invalid"),
                Some(full(message, None, "token-invalid", "header"))
            )
        );
    }
}

#[test]
fn a_token_of_another_instance_is_refused() {
    let mut v = verifier();
    let other_iss = "https://clerk.other.example.com";
    let forged = signed(
        OTHER_PRIVATE,
        &header(|_| {}),
        &claims(|c| c["iss"] = json!(other_iss)),
    );
    let e = v.verify_token(&forged).unwrap().unwrap_err();
    assert_eq!(
        (e.reason.as_str(), e.message.as_str()),
        ("token-invalid-signature", BAD_SIG)
    );
    let s = authenticate(&mut v, &bearer(&forged));
    assert_eq!(
        (s.status, s.reason.as_deref(), s.message.as_deref()),
        (
            AuthStatus::SignedOut,
            Some("token-invalid-signature"),
            Some(full(BAD_SIG, None, "token-invalid-signature", "header").as_str())
        )
    );
    // As a cookie, a session whose `iss` names another instance is not this app's cookie
    // (Clerk then reads the suffixed cookies, which are absent): signed out before any key.
    let s = authenticate(&mut v, &cookie(&forged));
    assert_eq!(
        (s.status, s.reason.as_deref()),
        (AuthStatus::SignedOut, Some("dev-browser-missing"))
    );
    assert!(s.token.is_none() && s.session.is_none());

    let issuers = v
        .create(&wit_config(|c| {
            c.issuers = vec!["https://clerk.demo-app.example.com".into()]
        }))
        .unwrap()
        .unwrap();
    let expected = "Expected \"https://clerk.demo-app.example.com\".";
    for (iss, shown) in [
        (json!(other_iss), format!("\"{other_iss}\"")),
        (
            json!("https://clerk.demo-app.example.com/"),
            "\"https://clerk.demo-app.example.com/\"".into(),
        ),
        (
            json!("HTTPS://CLERK.DEMO-APP.EXAMPLE.COM"),
            "\"HTTPS://CLERK.DEMO-APP.EXAMPLE.COM\"".into(),
        ),
        (
            json!(["https://clerk.demo-app.example.com"]),
            "[\"https://clerk.demo-app.example.com\"]".into(),
        ),
        (Value::Null, "null".into()),
    ] {
        let token = demo_with(|_| {}, |c| c["iss"] = iss.clone());
        let e = v
            .resource_verify_token(issuers, &token)
            .unwrap()
            .unwrap_err();
        let message = format!("Invalid JWT issuer claim (iss) {shown}. {expected}");
        assert_eq!(
            (e.reason.as_str(), e.message.as_str(), e.action.as_deref()),
            ("token-invalid-issuer", message.as_str(), Some(ENSURE))
        );
        let s = v
            .resource_authenticate(
                issuers,
                &request("GET", APP, &[("authorization", &format!("Bearer {token}"))]),
            )
            .unwrap();
        assert_eq!(
            (s.status, s.reason.as_deref(), s.message),
            (
                AuthStatus::SignedOut,
                Some("token-invalid-issuer"),
                Some(full(
                    &message,
                    Some(ENSURE),
                    "token-invalid-issuer",
                    "header"
                ))
            )
        );
    }
    // In the un-suffixed `__session` cookie, a token issued by another Frontend API marks the
    // cookies as another instance's (Clerk's suffixed-cookie rule): this instance's suffixed
    // cookies are read instead, and there are none, not even a dev-browser one.
    let token = demo_with(|_| {}, |c| c["iss"] = json!(other_iss));
    let cookie_header = format!("__session={token}; __client_uat=1; __clerk_db_jwt=dvb_1");
    let s = v
        .resource_authenticate(issuers, &request("GET", APP, &[("cookie", &cookie_header)]))
        .unwrap();
    assert_eq!(
        (s.status, s.reason.as_deref()),
        (AuthStatus::SignedOut, Some("dev-browser-missing"))
    );
    let good = demo_token();
    assert!(v.resource_verify_token(issuers, &good).unwrap().is_ok());
    v.drop_resource(issuers).unwrap();
}

#[test]
fn azp_must_match_an_authorized_party_exactly() {
    let mut v = host()
        .verifier(&env(&[(
            "CLERK_AUTHORIZED_PARTIES",
            "http://localhost:3000",
        )]))
        .unwrap();
    let expected = "Expected \"http://localhost:3000\".";
    let absent = demo_with(|_| {}, |c| _ = c.as_object_mut().unwrap().remove("azp"));
    assert_refused(
        &mut v,
        &absent,
        "token-invalid-authorized-parties",
        &format!("Invalid JWT Authorized party claim (azp) undefined. {expected}"),
        None,
    );
    for (azp, shown) in [
        (json!(""), "\"\""),
        (json!("https://evil.example"), "\"https://evil.example\""),
        (
            json!("http://localhost:3000/"),
            "\"http://localhost:3000/\"",
        ),
        (json!("HTTP://LOCALHOST:3000"), "\"HTTP://LOCALHOST:3000\""),
        (
            json!("http://localhost:3000.evil.example"),
            "\"http://localhost:3000.evil.example\"",
        ),
        (
            json!("http://localhost:30000"),
            "\"http://localhost:30000\"",
        ),
        (
            json!("https://localhost:3000"),
            "\"https://localhost:3000\"",
        ),
        (
            json!(["http://localhost:3000"]),
            "[\"http://localhost:3000\"]",
        ),
        (Value::Null, "null"),
    ] {
        let token = demo_with(|_| {}, |c| c["azp"] = azp.clone());
        let message = format!("Invalid JWT Authorized party claim (azp) {shown}. {expected}");
        assert_refused(
            &mut v,
            &token,
            "token-invalid-authorized-parties",
            &message,
            None,
        );
    }
    assert_accepted(&mut v, &demo_token(), "user_demo123");
}

// ---------------------------------------------------------------------------------------------
// Minimal, test-only cryptography to forge what the SDK's minter cannot: raw JSON (duplicate
// keys), HMAC tokens and JWKs. Checked against published vectors above.

pub(crate) mod forge {
    use clerk_edge::util::b64url_encode as b64;
    use serde_json::{json, Value};

    /// SHA-512 round constants; SHA-256's are their upper 32 bits (FIPS 180-4 §4.2).
    const K: [u64; 80] = [
        0x428a2f98d728ae22,
        0x7137449123ef65cd,
        0xb5c0fbcfec4d3b2f,
        0xe9b5dba58189dbbc,
        0x3956c25bf348b538,
        0x59f111f1b605d019,
        0x923f82a4af194f9b,
        0xab1c5ed5da6d8118,
        0xd807aa98a3030242,
        0x12835b0145706fbe,
        0x243185be4ee4b28c,
        0x550c7dc3d5ffb4e2,
        0x72be5d74f27b896f,
        0x80deb1fe3b1696b1,
        0x9bdc06a725c71235,
        0xc19bf174cf692694,
        0xe49b69c19ef14ad2,
        0xefbe4786384f25e3,
        0x0fc19dc68b8cd5b5,
        0x240ca1cc77ac9c65,
        0x2de92c6f592b0275,
        0x4a7484aa6ea6e483,
        0x5cb0a9dcbd41fbd4,
        0x76f988da831153b5,
        0x983e5152ee66dfab,
        0xa831c66d2db43210,
        0xb00327c898fb213f,
        0xbf597fc7beef0ee4,
        0xc6e00bf33da88fc2,
        0xd5a79147930aa725,
        0x06ca6351e003826f,
        0x142929670a0e6e70,
        0x27b70a8546d22ffc,
        0x2e1b21385c26c926,
        0x4d2c6dfc5ac42aed,
        0x53380d139d95b3df,
        0x650a73548baf63de,
        0x766a0abb3c77b2a8,
        0x81c2c92e47edaee6,
        0x92722c851482353b,
        0xa2bfe8a14cf10364,
        0xa81a664bbc423001,
        0xc24b8b70d0f89791,
        0xc76c51a30654be30,
        0xd192e819d6ef5218,
        0xd69906245565a910,
        0xf40e35855771202a,
        0x106aa07032bbd1b8,
        0x19a4c116b8d2d0c8,
        0x1e376c085141ab53,
        0x2748774cdf8eeb99,
        0x34b0bcb5e19b48a8,
        0x391c0cb3c5c95a63,
        0x4ed8aa4ae3418acb,
        0x5b9cca4f7763e373,
        0x682e6ff3d6b2b8a3,
        0x748f82ee5defb2fc,
        0x78a5636f43172f60,
        0x84c87814a1f0ab72,
        0x8cc702081a6439ec,
        0x90befffa23631e28,
        0xa4506cebde82bde9,
        0xbef9a3f7b2c67915,
        0xc67178f2e372532b,
        0xca273eceea26619c,
        0xd186b8c721c0c207,
        0xeada7dd6cde0eb1e,
        0xf57d4f7fee6ed178,
        0x06f067aa72176fba,
        0x0a637dc5a2c898a6,
        0x113f9804bef90dae,
        0x1b710b35131c471b,
        0x28db77f523047d84,
        0x32caab7b40c72493,
        0x3c9ebe0a15c9bebc,
        0x431d67c49c100d4c,
        0x4cc5d4becb3e42b6,
        0x597f299cfc657e2a,
        0x5fcb6fab3ad6faec,
        0x6c44198c4a475817,
    ];
    /// SHA-512 initial hash; SHA-256's is its upper 32 bits.
    const H512: [u64; 8] = [
        0x6a09e667f3bcc908,
        0xbb67ae8584caa73b,
        0x3c6ef372fe94f82b,
        0xa54ff53a5f1d36f1,
        0x510e527fade682d1,
        0x9b05688c2b3e6c1f,
        0x1f83d9abfb41bd6b,
        0x5be0cd19137e2179,
    ];
    const H384: [u64; 8] = [
        0xcbbb9d5dc1059ed8,
        0x629a292a367cd507,
        0x9159015a3070dd17,
        0x152fecd8f70e5939,
        0x67332667ffc00b31,
        0x8eb44a8768581511,
        0xdb0c2e0d64f98fa7,
        0x47b5481dbefa4fa4,
    ];

    /// A hash function over a byte string.
    pub(crate) type Hash = fn(&[u8]) -> Vec<u8>;

    /// Merkle–Damgård padding: 0x80, zeros, then the bit length in `len_bytes` bytes.
    fn pad(data: &[u8], block: usize, len_bytes: usize) -> Vec<u8> {
        let mut m = data.to_vec();
        m.push(0x80);
        let zeros = (block - (data.len() + 1 + len_bytes) % block) % block;
        m.resize(m.len() + zeros, 0);
        let bits = (data.len() as u128 * 8).to_be_bytes();
        m.extend_from_slice(&bits[16 - len_bytes..]);
        m
    }

    pub(crate) fn sha256(data: &[u8]) -> Vec<u8> {
        let mut h: [u32; 8] = std::array::from_fn(|i| (H512[i] >> 32) as u32);
        for block in pad(data, 64, 8).chunks(64) {
            let mut w = [0u32; 64];
            for t in 0..64 {
                w[t] = if t < 16 {
                    u32::from_be_bytes(block[4 * t..4 * t + 4].try_into().unwrap())
                } else {
                    let (a, b) = (w[t - 15], w[t - 2]);
                    let s0 = a.rotate_right(7) ^ a.rotate_right(18) ^ (a >> 3);
                    let s1 = b.rotate_right(17) ^ b.rotate_right(19) ^ (b >> 10);
                    w[t - 16]
                        .wrapping_add(s0)
                        .wrapping_add(w[t - 7])
                        .wrapping_add(s1)
                };
            }
            let mut v = h;
            for (t, wt) in w.iter().enumerate() {
                let [a, b, c, d, e, f, g, hh] = v;
                let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add((K[t] >> 32) as u32)
                    .wrapping_add(*wt);
                let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
                let t2 = s0.wrapping_add((a & b) ^ (a & c) ^ (b & c));
                v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
            }
            for (x, y) in h.iter_mut().zip(v) {
                *x = x.wrapping_add(y);
            }
        }
        h.iter().flat_map(|x| x.to_be_bytes()).collect()
    }

    fn sha512_family(iv: [u64; 8], data: &[u8], out: usize) -> Vec<u8> {
        let mut h = iv;
        for block in pad(data, 128, 16).chunks(128) {
            let mut w = [0u64; 80];
            for t in 0..80 {
                w[t] = if t < 16 {
                    u64::from_be_bytes(block[8 * t..8 * t + 8].try_into().unwrap())
                } else {
                    let (a, b) = (w[t - 15], w[t - 2]);
                    let s0 = a.rotate_right(1) ^ a.rotate_right(8) ^ (a >> 7);
                    let s1 = b.rotate_right(19) ^ b.rotate_right(61) ^ (b >> 6);
                    w[t - 16]
                        .wrapping_add(s0)
                        .wrapping_add(w[t - 7])
                        .wrapping_add(s1)
                };
            }
            let mut v = h;
            for (t, wt) in w.iter().enumerate() {
                let [a, b, c, d, e, f, g, hh] = v;
                let s1 = e.rotate_right(14) ^ e.rotate_right(18) ^ e.rotate_right(41);
                let ch = (e & f) ^ (!e & g);
                let t1 = hh
                    .wrapping_add(s1)
                    .wrapping_add(ch)
                    .wrapping_add(K[t])
                    .wrapping_add(*wt);
                let s0 = a.rotate_right(28) ^ a.rotate_right(34) ^ a.rotate_right(39);
                let t2 = s0.wrapping_add((a & b) ^ (a & c) ^ (b & c));
                v = [t1.wrapping_add(t2), a, b, c, d.wrapping_add(t1), e, f, g];
            }
            for (x, y) in h.iter_mut().zip(v) {
                *x = x.wrapping_add(y);
            }
        }
        h.iter().flat_map(|x| x.to_be_bytes()).take(out).collect()
    }

    pub(crate) fn sha384(data: &[u8]) -> Vec<u8> {
        sha512_family(H384, data, 48)
    }

    pub(crate) fn sha512(data: &[u8]) -> Vec<u8> {
        sha512_family(H512, data, 64)
    }

    /// HMAC (RFC 2104) over `hash` with block size `block`.
    pub(crate) fn hmac(hash: Hash, block: usize, key: &[u8], msg: &[u8]) -> Vec<u8> {
        let mut k = if key.len() > block {
            hash(key)
        } else {
            key.to_vec()
        };
        k.resize(block, 0);
        let inner: Vec<u8> = k
            .iter()
            .map(|b| b ^ 0x36)
            .chain(msg.iter().copied())
            .collect();
        let outer: Vec<u8> = k.iter().map(|b| b ^ 0x5c).chain(hash(&inner)).collect();
        hash(&outer)
    }

    /// Decodes standard or URL-safe base64, skipping padding and whitespace.
    pub(crate) fn b64_decode(text: &str) -> Vec<u8> {
        let (mut out, mut acc, mut bits) = (Vec::new(), 0u32, 0u32);
        for c in text.bytes() {
            let v = match c {
                b'A'..=b'Z' => c - b'A',
                b'a'..=b'z' => c - b'a' + 26,
                b'0'..=b'9' => c - b'0' + 52,
                b'+' | b'-' => 62,
                b'/' | b'_' => 63,
                _ => continue,
            };
            acc = ((acc << 6) | u32::from(v)) & 0xFF_FFFF;
            bits += 6;
            if bits >= 8 {
                bits -= 8;
                out.push((acc >> bits) as u8);
            }
        }
        out
    }

    /// The base64 body of a PEM block.
    pub(crate) fn pem_body(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    /// One DER TLV: (tag, content, rest).
    fn tlv(d: &[u8]) -> (u8, &[u8], &[u8]) {
        let (len, hdr) = match d[1] {
            l if l < 0x80 => (usize::from(l), 2),
            0x81 => (usize::from(d[2]), 3),
            0x82 => ((usize::from(d[2]) << 8) | usize::from(d[3]), 4),
            other => panic!("unsupported DER length form {other:#x}"),
        };
        (d[0], &d[hdr..hdr + len], &d[hdr + len..])
    }

    fn items(mut content: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        while !content.is_empty() {
            let (_, item, rest) = tlv(content);
            out.push(item);
            content = rest;
        }
        out
    }

    fn unsigned_int(bytes: &[u8]) -> Vec<u8> {
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        bytes[skip..].to_vec()
    }

    /// RSA key parts, big-endian without leading zeros.
    pub(crate) struct RsaKey {
        pub(crate) n: Vec<u8>,
        pub(crate) e: Vec<u8>,
        d: Vec<u8>,
    }

    /// An SPKI `PUBLIC KEY` PEM.
    pub(crate) fn public_key(pem: &str) -> RsaKey {
        let der = b64_decode(&pem_body(pem));
        let spki = items(tlv(&der).1);
        let rsa = items(tlv(&spki[1][1..]).1);
        RsaKey {
            n: unsigned_int(rsa[0]),
            e: unsigned_int(rsa[1]),
            d: Vec::new(),
        }
    }

    /// A PKCS#8 `PRIVATE KEY` PEM.
    fn private_key(pem: &str) -> RsaKey {
        let der = b64_decode(&pem_body(pem));
        let p8 = items(tlv(&der).1);
        let rsa = items(tlv(p8[2]).1);
        RsaKey {
            n: unsigned_int(rsa[1]),
            e: unsigned_int(rsa[2]),
            d: unsigned_int(rsa[3]),
        }
    }

    /// A public JWK for `pem`.
    pub(crate) fn jwk(pem: &str, kid: Option<&str>) -> Value {
        let k = public_key(pem);
        let mut v =
            json!({"kty": "RSA", "use": "sig", "alg": "RS256", "n": b64(&k.n), "e": b64(&k.e)});
        if let Some(kid) = kid {
            v["kid"] = json!(kid);
        }
        v
    }

    // Montgomery arithmetic on little-endian u64 limbs (slow and simple: tests only).
    type Limbs = Vec<u64>;

    fn limbs(be: &[u8], k: usize) -> Limbs {
        let mut out = vec![0u64; k];
        for (i, b) in be.iter().rev().enumerate() {
            out[i / 8] |= u64::from(*b) << (8 * (i % 8));
        }
        out
    }

    fn ge(a: &[u64], b: &[u64]) -> bool {
        for (x, y) in a.iter().rev().zip(b.iter().rev()) {
            if x != y {
                return x > y;
            }
        }
        true
    }

    fn sub_assign(a: &mut [u64], b: &[u64]) {
        let mut borrow = false;
        for (x, y) in a.iter_mut().zip(b) {
            let (d1, b1) = x.overflowing_sub(*y);
            let (d2, b2) = d1.overflowing_sub(u64::from(borrow));
            *x = d2;
            borrow = b1 || b2;
        }
    }

    /// a·b·R⁻¹ mod n (CIOS).
    fn mont_mul(a: &[u64], b: &[u64], n: &[u64], n_inv: u64) -> Limbs {
        let k = n.len();
        let mut t = vec![0u64; k + 2];
        for &ai in a {
            let mut c = 0u128;
            for j in 0..k {
                let s = u128::from(t[j]) + u128::from(ai) * u128::from(b[j]) + c;
                t[j] = s as u64;
                c = s >> 64;
            }
            let s = u128::from(t[k]) + c;
            t[k] = s as u64;
            t[k + 1] = (s >> 64) as u64;
            let m = t[0].wrapping_mul(n_inv);
            let mut c = (u128::from(t[0]) + u128::from(m) * u128::from(n[0])) >> 64;
            for j in 1..k {
                let s = u128::from(t[j]) + u128::from(m) * u128::from(n[j]) + c;
                t[j - 1] = s as u64;
                c = s >> 64;
            }
            let s = u128::from(t[k]) + c;
            t[k - 1] = s as u64;
            t[k] = t[k + 1] + (s >> 64) as u64;
            t[k + 1] = 0;
        }
        let carry = t[k] != 0;
        t.truncate(k);
        if carry || ge(&t, n) {
            sub_assign(&mut t, n);
        }
        t
    }

    /// base^exp mod n.
    fn mod_pow(base: &[u8], exp: &[u8], modulus: &[u8]) -> Vec<u8> {
        let k = modulus.len().div_ceil(8);
        let n = limbs(modulus, k);
        let mut inv = 1u64;
        for _ in 0..6 {
            inv = inv.wrapping_mul(2u64.wrapping_sub(n[0].wrapping_mul(inv)));
        }
        let n_inv = inv.wrapping_neg();
        // R² mod n by doubling 1 a total of 2·64·k times.
        let mut r2 = limbs(&[1], k);
        for _ in 0..128 * k {
            let top = r2[k - 1] >> 63 == 1;
            for i in (1..k).rev() {
                r2[i] = (r2[i] << 1) | (r2[i - 1] >> 63);
            }
            r2[0] <<= 1;
            if top || ge(&r2, &n) {
                sub_assign(&mut r2, &n);
            }
        }
        let one = limbs(&[1], k);
        let b = mont_mul(&limbs(base, k), &r2, &n, n_inv);
        let mut acc = mont_mul(&one, &r2, &n, n_inv);
        for byte in exp {
            for bit in (0..8).rev() {
                acc = mont_mul(&acc, &acc, &n, n_inv);
                if byte >> bit & 1 == 1 {
                    acc = mont_mul(&acc, &b, &n, n_inv);
                }
            }
        }
        let out = mont_mul(&acc, &one, &n, n_inv);
        let be: Vec<u8> = out.iter().rev().flat_map(|l| l.to_be_bytes()).collect();
        be[be.len() - modulus.len()..].to_vec()
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 (RFC 8017 §8.2.1).
    fn rs256(key: &RsaKey, input: &[u8]) -> Vec<u8> {
        const SHA256_INFO: [u8; 19] = [
            0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
            0x01, 0x05, 0x00, 0x04, 0x20,
        ];
        let k = key.n.len();
        let mut em = vec![0x00, 0x01];
        em.resize(k - SHA256_INFO.len() - 32 - 1, 0xFF);
        em.push(0x00);
        em.extend_from_slice(&SHA256_INFO);
        em.extend_from_slice(&sha256(input));
        mod_pow(&em, &key.d, &key.n)
    }

    /// A token over raw JSON texts (duplicate keys, non-object payloads), RS256-signed.
    pub(crate) fn rs256_token(private: &str, header_json: &str, payload_json: &str) -> String {
        let input = format!(
            "{}.{}",
            b64(header_json.as_bytes()),
            b64(payload_json.as_bytes())
        );
        let sig = rs256(&private_key(private), input.as_bytes());
        format!("{input}.{}", b64(&sig))
    }
}

/// `depth` levels of arrays (`[[…]]`) or objects (`{"a":{"a":…1}}`).
fn nested(depth: usize, arrays: bool) -> String {
    if arrays {
        format!("{}{}", "[".repeat(depth), "]".repeat(depth))
    } else {
        format!("{}1{}", "{\"a\":".repeat(depth), "}".repeat(depth))
    }
}

#[test]
fn deeply_nested_json_fits_the_stack() {
    // The components run on a 128 KiB stack (`.cargo/config.toml`). The deepest JSON a token
    // can carry is serde_json's 128-level limit, parsed before the signature is checked
    // (header and payload) and, once signed, serialized back into the response: none of it
    // may trap. A 32 KiB stack traps here at depth 126.
    let api = "http://localhost:3000/api/me";
    let mut v = verifier();
    for arrays in [true, false] {
        // Inside {"x": …} the document is one level deeper: 126 parses, 127 is over the limit.
        for (depth, parses) in [(126, true), (127, false), (1000, false)] {
            let deep = nested(depth, arrays);
            let forged = compact(
                &format!(r#"{{"alg":"RS256","typ":"JWT","kid":"ins_demo","x":{deep}}}"#),
                &format!(r#"{{"sub":"user_x","x":{deep}}}"#),
                &[1; 256],
            );
            let (reason, message) = if parses {
                ("token-invalid-signature", BAD_SIG)
            } else {
                ("token-invalid", UNDECODABLE)
            };
            assert_refused(&mut v, &forged, reason, message, None);
            for headers in [bearer(&forged), cookie(&forged)] {
                let (n, value) = &headers[0];
                let r = send(&[], "GET", api, &[(*n, value.as_str())]);
                assert_eq!(
                    (r.status, r.json().unwrap()["reason"].clone()),
                    (401, json!(reason)),
                    "depth {depth} via {n}"
                );
            }
            if depth > 127 {
                continue; // not representable as a serde_json value here either
            }
            // Signed: the claims pass the signature, are parsed, and go back out as JSON.
            let claims: Value = serde_json::from_str(&deep).unwrap();
            let signed = demo_with(|_| {}, |c| c["x"] = claims);
            if parses {
                assert_accepted(&mut v, &signed, "user_demo123");
            } else {
                assert_refused(&mut v, &signed, "token-invalid", UNDECODABLE, None);
            }
            for headers in [bearer(&signed), cookie(&signed)] {
                let (n, value) = &headers[0];
                let r = send(&[], "GET", api, &[(*n, value.as_str())]);
                let user = r.header("x-clerk-user-id").map(str::to_owned);
                let expected = if parses {
                    (200, Some("user_demo123".to_owned()))
                } else {
                    (401, None)
                };
                assert_eq!((r.status, user), expected, "signed, depth {depth} via {n}");
            }
        }
    }
}
