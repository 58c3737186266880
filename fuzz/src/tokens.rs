//! The token table: tokens minted once per process (RS256 PKCS#1 v1.5 signatures are
//! deterministic, so the same table is what `examples/gen-seeds.rs` writes into the corpus).
//!
//! Targets refer to entries as `{tN}` (see [`crate::text`]). Because the fuzzer cannot forge a
//! signature, every payload the core accepts must be one of these: that is the "no forgery"
//! oracle ([`accepted_payloads`]).

use std::sync::OnceLock;

use base64::Engine as _;
use clerk_edge::mint::Minter;
use rsa::pkcs1v15::SigningKey;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer as _};
use rsa::RsaPrivateKey;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::fixtures::{
    cookie_suffix, APP_ORIGIN, DEMO_KID, DEMO_PRIVATE, FAR_EXP, ISSUER, NOW_SECS, OTHER_KID,
    OTHER_PRIVATE, PK_LIVE, PK_TEST,
};

/// Which private key signed a table token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Signer {
    /// `demo/demo-private.pem`.
    Demo,
    /// `tests/keys/other-private.pem`.
    Other,
}

/// One minted token.
#[derive(Debug, Clone)]
pub struct TableToken {
    /// Short name (used in seed file names and the README).
    pub name: &'static str,
    /// The compact JWS.
    pub token: String,
    /// The signer.
    pub signer: Signer,
    /// The signed payload.
    pub payload: Value,
}

impl TableToken {
    /// The `handshake` directives of a handshake token (strings only).
    pub fn directives(&self) -> Vec<String> {
        self.payload
            .get("handshake")
            .and_then(Value::as_array)
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default()
    }
}

fn header() -> Value {
    json!({"alg": "RS256", "typ": "JWT", "kid": DEMO_KID})
}

/// Claims of the canonical valid session token (`t0`).
pub fn session_claims() -> Value {
    json!({
        "sub": "user_1", "sid": "sess_1", "iss": ISSUER, "azp": APP_ORIGIN,
        "iat": NOW_SECS - 10, "nbf": NOW_SECS - 20, "exp": FAR_EXP,
    })
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut c = session_claims();
    edit(&mut c);
    c
}

fn minter(signer: Signer) -> &'static Minter {
    static DEMO: OnceLock<Minter> = OnceLock::new();
    static OTHER: OnceLock<Minter> = OnceLock::new();
    match signer {
        Signer::Demo => {
            DEMO.get_or_init(|| Minter::from_pem(DEMO_PRIVATE).expect("demo private key"))
        }
        Signer::Other => {
            OTHER.get_or_init(|| Minter::from_pem(OTHER_PRIVATE).expect("other private key"))
        }
    }
}

/// Signs raw `header` and `payload` bytes with the demo key (RS256), whatever they contain.
pub fn sign_raw(header: &[u8], payload: &[u8]) -> String {
    static KEY: OnceLock<SigningKey<Sha256>> = OnceLock::new();
    let key = KEY.get_or_init(|| {
        SigningKey::<Sha256>::new(
            RsaPrivateKey::from_pkcs8_pem(DEMO_PRIVATE).expect("demo private key is PKCS#8"),
        )
    });
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let input = format!("{}.{}", b64.encode(header), b64.encode(payload));
    let sig = key.sign(input.as_bytes());
    format!("{input}.{}", b64.encode(sig.to_bytes()))
}

fn build() -> Vec<TableToken> {
    let t0 = minter(Signer::Demo).mint(&header(), &session_claims());
    let expired = with(|c| c["exp"] = json!(NOW_SECS - 3600));
    let t1 = minter(Signer::Demo).mint(&header(), &expired);
    let sfx_test = cookie_suffix(PK_TEST);
    let sfx_live = cookie_suffix(PK_LIVE);
    let hs = |directives: Value| json!({ "handshake": directives });
    let uat = NOW_SECS - 5;
    let mut specs: Vec<(&'static str, Signer, Value, Value)> = vec![
        ("session", Signer::Demo, header(), session_claims()),
        ("expired", Signer::Demo, header(), expired),
        (
            "nbf_future",
            Signer::Demo,
            header(),
            with(|c| c["nbf"] = json!(NOW_SECS + 3600)),
        ),
        (
            "iat_future",
            Signer::Demo,
            header(),
            with(|c| c["iat"] = json!(NOW_SECS + 3600)),
        ),
        (
            "org_v1",
            Signer::Demo,
            header(),
            with(|c| {
                c["org_id"] = json!("org_1");
                c["org_slug"] = json!("acme");
                c["org_role"] = json!("org:admin");
                c["org_permissions"] = json!(["org:sys_memberships:manage"]);
            }),
        ),
        (
            "org_v2",
            Signer::Demo,
            header(),
            with(|c| {
                c["v"] = json!(2);
                c["o"] = json!({"id": "org_2", "slg": "beta", "rol": "admin",
                                 "per": "read,manage", "fpm": "3"});
                c["fea"] = json!("o:reports,u:export");
                c["pla"] = json!("u:free");
                c["fva"] = json!([5, -1]);
            }),
        ),
        (
            "pending",
            Signer::Demo,
            header(),
            with(|c| c["sts"] = json!("pending")),
        ),
        (
            "actor",
            Signer::Demo,
            header(),
            with(|c| c["act"] = json!({"sub": "user_admin", "iss": "https://dashboard"})),
        ),
        (
            "other_key",
            Signer::Other,
            json!({"alg": "RS256", "typ": "JWT", "kid": OTHER_KID}),
            session_claims(),
        ),
        (
            "other_iss",
            Signer::Demo,
            header(),
            with(|c| c["iss"] = json!("https://clerk.other.example.com")),
        ),
        (
            "m2m",
            Signer::Demo,
            json!({"alg": "RS256", "typ": "JWT", "kid": DEMO_KID, "cat": "cl_B7d4PD333AAA"}),
            json!({"sub": "mch_1", "jti": "m2m_1", "iat": NOW_SECS - 10, "exp": FAR_EXP,
                   "scopes": "mch_2 mch_3", "custom": true}),
        ),
        (
            "oauth",
            Signer::Demo,
            json!({"alg": "RS256", "typ": "at+jwt", "kid": DEMO_KID}),
            json!({"sub": "user_1", "client_id": "oauth_app_1", "jti": "oat_1",
                   "iat": NOW_SECS - 10, "exp": FAR_EXP, "scope": "read write"}),
        ),
        (
            "cat_m2m_session",
            Signer::Demo,
            json!({"alg": "RS256", "typ": "JWT", "kid": DEMO_KID, "cat": "cl_B7d4PD333AAA"}),
            session_claims(),
        ),
        (
            "hs_session",
            Signer::Demo,
            header(),
            hs(json!([
                format!("__session={t0}; Path=/; SameSite=Lax; Secure"),
                format!("__client_uat={uat}; Path=/; Max-Age=315360000"),
            ])),
        ),
        (
            "hs_suffixed_test",
            Signer::Demo,
            header(),
            hs(json!([
                format!("__session_{sfx_test}={t0}; Path=/"),
                format!("__client_uat_{sfx_test}={uat}; Path=/"),
                format!("__session={t0}; Path=/"),
            ])),
        ),
        (
            "hs_signout",
            Signer::Demo,
            header(),
            hs(json!([
                "__session=; Path=/; Max-Age=0",
                "__client_uat=0; Path=/"
            ])),
        ),
        (
            "hs_crlf",
            Signer::Demo,
            header(),
            hs(json!([
                "__session=x\r\nLocation: https://evil.example/",
                "__client_uat=1; Path=/"
            ])),
        ),
        (
            "hs_nonstring",
            Signer::Demo,
            header(),
            hs(json!([1, null, {"a": "b"}])),
        ),
        (
            "hs_expired",
            Signer::Demo,
            header(),
            hs(json!([
                format!("__session={t1}; Path=/"),
                "__client_uat=1; Path=/"
            ])),
        ),
        (
            "sub_number",
            Signer::Demo,
            header(),
            with(|c| c["sub"] = json!(42)),
        ),
        (
            "alg_rs384",
            Signer::Demo,
            json!({"alg": "RS384", "typ": "JWT", "kid": DEMO_KID}),
            session_claims(),
        ),
        (
            "azp_evil",
            Signer::Demo,
            header(),
            with(|c| c["azp"] = json!("https://evil.example")),
        ),
        (
            "no_typ",
            Signer::Demo,
            json!({"alg": "RS256", "kid": DEMO_KID}),
            session_claims(),
        ),
        (
            "exp_string",
            Signer::Demo,
            header(),
            with(|c| c["exp"] = json!(FAR_EXP.to_string())),
        ),
        (
            "hs_latin1",
            Signer::Demo,
            header(),
            hs(json!([
                "__session=caf\u{e9}; Path=/",
                "__client_uat=\u{20ac}; Path=/"
            ])),
        ),
        (
            "kid_other",
            Signer::Demo,
            json!({"alg": "RS256", "typ": "JWT", "kid": OTHER_KID}),
            session_claims(),
        ),
        (
            "hs_suffixed_live",
            Signer::Demo,
            header(),
            hs(json!([
                format!("__session_{sfx_live}={t0}; Path=/"),
                format!("__client_uat_{sfx_live}={uat}; Path=/"),
            ])),
        ),
        (
            "bad_v2_claims",
            Signer::Demo,
            header(),
            with(|c| {
                c["v"] = json!(2);
                c["o"] = json!({"id": "org_3", "per": 7});
                c["fea"] = json!("nocolon");
            }),
        ),
        (
            "crit",
            Signer::Demo,
            json!({"alg": "RS256", "typ": "JWT", "kid": DEMO_KID, "crit": ["exp"]}),
            session_claims(),
        ),
    ];
    specs
        .drain(..)
        .map(|(name, signer, h, p)| TableToken {
            name,
            token: minter(signer).mint(&h, &p),
            signer,
            payload: p,
        })
        .collect()
}

/// The token table, minted on first use.
pub fn table() -> &'static [TableToken] {
    static T: OnceLock<Vec<TableToken>> = OnceLock::new();
    T.get_or_init(build)
}

/// Payloads a configuration with these keys can legitimately accept: the demo-signed ones, and
/// the other-key ones when that key is configured too.
pub fn accepted_payloads(other_key_configured: bool) -> impl Iterator<Item = &'static Value> {
    table()
        .iter()
        .filter(move |t| t.signer == Signer::Demo || other_key_configured)
        .map(|t| &t.payload)
}

/// Every `Set-Cookie` directive a demo-signed (or, if configured, other-signed) handshake
/// token carries.
pub fn signed_directives(other_key_configured: bool) -> Vec<String> {
    table()
        .iter()
        .filter(|t| t.signer == Signer::Demo || other_key_configured)
        .flat_map(TableToken::directives)
        .collect()
}

/// Decodes the payload segment of a compact JWS like the core does (strict base64url, optional
/// trailing `=`, lossy UTF-8, JSON).
pub fn decode_payload(token: &str) -> Option<Value> {
    let seg = token.split('.').nth(1)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(seg.trim_end_matches('='))
        .ok()?;
    serde_json::from_str(&String::from_utf8_lossy(&bytes)).ok()
}
