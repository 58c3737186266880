use serde_json::{json, Map, Value};

use super::*;

fn claims(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        other => panic!("test claims must be an object, got {other}"),
    }
}

fn auth(v: Value) -> SessionAuth {
    SessionAuth::signed_in(&claims(v)).unwrap()
}

fn has(a: &SessionAuth, params: Value) -> bool {
    a.has(&HasParams::from_json(&params))
}

/// The 9 derived fields as the reference's `JWTPayloadToAuthObjectProperties` gives them
/// (undefined ⇒ null), for comparing with outputs captured from the real JS.
fn props(a: &SessionAuth) -> Value {
    json!({
        "userId": a.user_id, "sessionId": a.session_id, "sessionStatus": a.session_status,
        "orgId": a.org_id, "orgRole": a.org_role, "orgSlug": a.org_slug,
        "orgPermissions": a.org_permissions, "factorVerificationAge": a.factor_verification_age,
        "actor": a.actor,
    })
}

fn base() -> Value {
    json!({
        "exp": 1234567890, "iat": 1234567890, "iss": "https://api.clerk.com", "sub": "sub",
        "sid": "sid", "azp": "azp", "nbf": 1234567890,
    })
}

fn with(mut v: Value, extra: Value) -> Value {
    if let (Value::Object(m), Value::Object(e)) = (&mut v, extra) {
        m.extend(e);
    }
    v
}

fn sorted_permissions(a: &SessionAuth) -> Vec<String> {
    let mut list: Vec<String> = a
        .org_permissions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    list.sort();
    list
}

fn strings(list: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = list.iter().map(|s| (*s).to_owned()).collect();
    v.sort();
    v
}

// ---------------------------------------------------------------- §4.2 derivation

#[test]
fn spec_4_2_example() {
    let a = auth(json!({
        "v": 2, "sub": "user_1", "sid": "sess_1",
        "fea": "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
        "o": {"id": "orgId", "rol": "member", "slg": "orgSlug", "per": "read,manage", "fpm": "2,3"},
    }));
    assert_eq!(
        a.org_permissions,
        json!([
            "org:reservations:manage",
            "org:support-chat:read",
            "org:support-chat:manage"
        ])
    );
    assert_eq!(a.org_role, json!("org:member"));
    assert_eq!(a.org_id, json!("orgId"));
    assert_eq!(a.org_slug, json!("orgSlug"));
}

#[test]
fn signed_in_basic_fields_and_json() {
    let c = json!({"sub": "user_1", "sid": "sess_1", "act": {"sub": "actor"}, "sts": "active",
                   "fva": [1, -1], "azp": "x"});
    let a = auth(c.clone());
    assert_eq!(
        a.to_json(),
        json!({
            "userId": "user_1", "sessionId": "sess_1", "sessionStatus": "active",
            "orgId": null, "orgRole": null, "orgSlug": null, "orgPermissions": null,
            "factorVerificationAge": [1, -1], "actor": {"sub": "actor"},
            "tokenType": "session_token", "isAuthenticated": true, "sessionClaims": c,
        })
    );
    assert_eq!(a.to_json().as_object().unwrap().len(), 12);
    assert_eq!(a.user_id_str(), Some("user_1"));
    assert_eq!(a.session_id_str(), Some("sess_1"));
    assert_eq!(a.org_id_str(), None);
    assert_eq!(a.org_role_str(), None);
    assert_eq!(a.org_slug_str(), None);
}

#[test]
fn absent_optional_claims_are_null() {
    let a = auth(json!({"sub": "u", "sid": "s"}));
    assert_eq!(a.session_status, Value::Null);
    assert_eq!(a.factor_verification_age, Value::Null);
    assert_eq!(a.actor, Value::Null);
    // `?? null` keeps falsy non-null values.
    let a = auth(json!({"sub": "u", "sts": "", "fva": 0, "act": false}));
    assert_eq!(a.session_status, json!(""));
    assert_eq!(a.factor_verification_age, json!(0));
    assert_eq!(a.actor, json!(false));
}

#[test]
fn v1_fields_copied_with_their_json_type() {
    let a = auth(
        json!({"sub": "u", "org_id": 5, "org_role": ["x"], "org_slug": true,
                        "org_permissions": "orgPermissions"}),
    );
    assert_eq!(a.org_id, json!(5));
    assert_eq!(a.org_role, json!(["x"]));
    assert_eq!(a.org_slug, json!(true));
    assert_eq!(a.org_permissions, json!("orgPermissions"));
}

#[test]
fn v2_without_o_equals_v1_without_org() {
    let v2 = auth(with(
        base(),
        json!({"v": 2, "fea": "u:impersonation,u:memberships"}),
    ));
    let v1 = auth(base());
    assert_eq!(props(&v1), props(&v2));
    assert_eq!(v1.org_id, Value::Null);
    assert_eq!(v1.org_permissions, Value::Null);
}

#[test]
fn v2_o_equals_equivalent_v1() {
    let v2 = auth(with(
        base(),
        json!({"v": 2, "fea": "o:impersonation",
               "o": {"id": "org_xxxxxxx", "rol": "admin", "slg": "org_test", "per": "read,manage", "fpm": "3"}}),
    ));
    let v1 = auth(with(
        base(),
        json!({"org_id": "org_xxxxxxx", "org_role": "org:admin", "org_slug": "org_test",
               "org_permissions": ["org:impersonation:read", "org:impersonation:manage"]}),
    ));
    assert_eq!(props(&v1), props(&v2));
}

#[test]
fn version_is_numeric_two_only() {
    let a = auth(json!({"v": 2.0, "o": {"id": "o2"}, "org_id": "o1"}));
    assert_eq!(a.org_id, json!("o2"));
    let a = auth(json!({"v": "2", "o": {"id": "o2"}, "org_id": "o1"}));
    assert_eq!(a.org_id, json!("o1"));
    let a = auth(json!({"v": 3, "o": {"id": "o2"}, "org_id": "o1"}));
    assert_eq!(a.org_id, json!("o1"));
}

#[test]
fn permission_masks_table() {
    let cases: &[(&str, &str, &str, &[&str])] = &[
        (
            "o:impersonation,o:memberships",
            "read,manage",
            "1,3",
            &[
                "org:impersonation:read",
                "org:memberships:read",
                "org:memberships:manage",
            ],
        ),
        (
            "o:impersonation,o:memberships,o:feature3",
            "read,manage",
            "1,3",
            &[
                "org:impersonation:read",
                "org:memberships:read",
                "org:memberships:manage",
            ],
        ),
        (
            "uo:impersonation,o:memberships,uo:feature3",
            "read,manage",
            "1,3,1",
            &[
                "org:impersonation:read",
                "org:memberships:read",
                "org:memberships:manage",
                "org:feature3:read",
            ],
        ),
        (
            "ou:memberships,u:impersonation",
            "read,manage",
            "3",
            &["org:memberships:read", "org:memberships:manage"],
        ),
        (
            "o:billing,o:email,o:fraud,o:instance,o:staging_plans",
            "manage,read",
            "3,3,3,3,1",
            &[
                "org:billing:manage",
                "org:billing:read",
                "org:email:manage",
                "org:email:read",
                "org:fraud:manage",
                "org:fraud:read",
                "org:instance:manage",
                "org:instance:read",
                "org:staging_plans:manage",
            ],
        ),
        (
            "o:repositories,o:projects",
            "read,create,update,delete,revoke",
            "7,21",
            &[
                "org:repositories:read",
                "org:repositories:create",
                "org:repositories:update",
                "org:projects:read",
                "org:projects:update",
                "org:projects:revoke",
            ],
        ),
        (
            "o:repositories,o:projects,o:webhooks,o:impersonation",
            "read,manage",
            "1,2,3",
            &[
                "org:repositories:read",
                "org:projects:manage",
                "org:webhooks:read",
                "org:webhooks:manage",
            ],
        ),
        (
            "o:repositories,uo:projects,u:goldprofileborder",
            "read,create,update,delete,revoke",
            "7,21",
            &[
                "org:repositories:read",
                "org:repositories:create",
                "org:repositories:update",
                "org:projects:read",
                "org:projects:update",
                "org:projects:revoke",
            ],
        ),
        // zero masks keep alignment
        ("o:a,o:b,o:c", "read,manage", "0,0,2", &["org:c:manage"]),
        // above 2^53, exact: bits 0 and 53
        (
            "o:big",
            &(0..54)
                .map(|i| format!("p{i}"))
                .collect::<Vec<_>>()
                .join(","),
            "9007199254740993",
            &["org:big:p0", "org:big:p53"],
        ),
        // bits beyond the permission list are ignored
        ("o:a", "read", "6", &[]),
        ("o:a", "read,manage", "255", &["org:a:read", "org:a:manage"]),
        // malformed masks ⇒ no permissions for that feature, alignment kept
        (
            "o:a,o:b,o:c,o:d",
            "read",
            "1invalid,-1,1.5,1",
            &["org:d:read"],
        ),
        ("o:a", "read", "", &[]),
        ("o:a", "read", " 1 ", &["org:a:read"]),
        ("o:a", "read", "+1", &[]),
        ("o:a", "read", "0x1", &[]),
        ("o:a", "read", "１", &[]),
        (
            "o:a",
            "read",
            "00000000000000000000000000000000000001",
            &["org:a:read"],
        ),
    ];
    for (fea, per, fpm, want) in cases {
        let a = auth(
            json!({"v": 2, "sub": "u", "fea": fea, "o": {"id": "org", "per": per, "fpm": fpm}}),
        );
        assert_eq!(
            sorted_permissions(&a),
            strings(want),
            "fea={fea} per={per} fpm={fpm}"
        );
    }
}

#[test]
fn huge_mask_is_exact_and_cheap() {
    // 2^200 + 1: bits 0 and 200.
    let mask = "1606938044258990275541962092341162602522202993782792835301377";
    let per: Vec<String> = (0..=200).map(|i| format!("p{i}")).collect();
    let a = auth(json!({"v": 2, "fea": "o:f", "o": {"per": per.join(","), "fpm": mask}}));
    assert_eq!(a.org_permissions, json!(["org:f:p0", "org:f:p200"]));
    // A 100k-digit mask with two permissions stays linear.
    let long = format!("{}3", "9".repeat(100_000));
    let a = auth(json!({"v": 2, "fea": "o:f", "o": {"per": "a,b", "fpm": long}}));
    // 99…93 is odd; 10^100001 - 7 ≡ 1 (mod 4) ⇒ bit 1 clear.
    assert_eq!(a.org_permissions, json!(["org:f:a"]));
}

#[test]
fn bigmask_bits() {
    let m = BigMask::parse("9007199254740993", 64).unwrap();
    let bits: Vec<usize> = (0..64).filter(|k| m.bit(*k)).collect();
    assert_eq!(bits, vec![0, 53]);
    let m = BigMask::parse("18446744073709551616", 65).unwrap(); // 2^64
    let bits: Vec<usize> = (0..70).filter(|k| m.bit(*k)).collect();
    assert_eq!(bits, vec![64]);
    assert!(!BigMask::parse("0", 3).unwrap().bit(0));
    assert_eq!(BigMask::parse("", 3), None);
    assert_eq!(BigMask::parse("1 ", 3), None);
}

#[test]
fn missing_per_or_fpm_gives_empty_list() {
    for o in [
        json!({"id": "org_id", "rol": "admin", "slg": "org_slug"}),
        json!({"id": "org_id", "per": "read"}),
        json!({"id": "org_id", "fpm": "1"}),
        json!({"id": "org_id", "per": "", "fpm": "1"}),
        json!({"id": "org_id", "per": "read", "fpm": 0}),
    ] {
        let a = auth(json!({"v": 2, "fea": "o:a", "o": o}));
        assert_eq!(a.org_permissions, json!([]), "o={o}");
    }
}

#[test]
fn role_prefix_and_truthiness() {
    let role = |rol: Value| auth(json!({"v": 2, "o": {"id": "x", "rol": rol}})).org_role;
    assert_eq!(role(json!("admin")), json!("org:admin"));
    assert_eq!(role(json!("org:admin")), json!("org:org:admin"));
    assert_eq!(role(json!("")), Value::Null);
    assert_eq!(role(json!(0)), Value::Null);
    assert_eq!(role(json!(false)), Value::Null);
    assert_eq!(role(json!(null)), Value::Null);
    assert_eq!(role(json!(5)), json!("org:5"));
    assert_eq!(role(json!(true)), json!("org:true"));
    assert_eq!(role(json!({})), json!("org:[object Object]"));
    assert_eq!(role(json!([])), json!("org:"));
    // Captured from the reference: `${[[1,2],null,1e21,1.5e-7,true,{}]}`.
    assert_eq!(
        role(json!([[1, 2], null, 1e21, 1.5e-7, true, {}])),
        json!("org:1,2,,1e+21,1.5e-7,true,[object Object]")
    );
}

#[test]
fn js_number_formatting() {
    let cases = [
        (1.0, "1"),
        (100.0, "100"),
        (1.5, "1.5"),
        (-2.25, "-2.25"),
        (0.1, "0.1"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1.5e-7, "1.5e-7"),
        (0.000001, "0.000001"),
        (1e-7, "1e-7"),
        (123456.789e3, "123456789"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (5e-324, "5e-324"),
        (0.30000000000000004, "0.30000000000000004"),
        (-0.0, "0"),
        (12345678901234567890.0, "12345678901234567000"),
    ];
    for (x, want) in cases {
        assert_eq!(js_number_to_string(x), want, "{x}");
    }
}

#[test]
fn odd_o_values() {
    // Captured from the reference.
    let a = auth(json!({"v": 2, "o": "str", "fea": "o:a"}));
    assert_eq!(
        props(&a),
        json!({"userId": null, "sessionId": null, "sessionStatus": null, "orgId": null,
               "orgRole": null, "orgSlug": null, "orgPermissions": [],
               "factorVerificationAge": null, "actor": null})
    );
    for o in [json!(0), json!(""), json!(false), json!(null)] {
        let a = auth(json!({"v": 2, "o": o, "fea": 7}));
        assert_eq!(a.org_permissions, Value::Null, "o={o}");
    }
    for o in [json!(1), json!(true), json!([1]), json!({})] {
        let a = auth(json!({"v": 2, "o": o, "fea": "o:a"}));
        assert_eq!(
            (a.org_id.clone(), a.org_permissions.clone()),
            (Value::Null, json!([])),
            "o={o}"
        );
    }
    let a = auth(json!({"v": 2, "o": {"rol": 0, "id": false, "slg": ""}, "fea": ""}));
    assert_eq!(
        (a.org_id, a.org_role, a.org_slug),
        (json!(false), Value::Null, json!(""))
    );
}

#[test]
fn mixed_mask_list_matches_reference() {
    // Captured from the reference.
    let a = auth(json!({"v": 2, "fea": " o:x , uo:y,ou:z,zz:q,o:w,o:v,o:t",
        "o": {"id": "org_1", "rol": "admin", "per": "a,b,c",
              "fpm": "9007199254740993, 5 ,1invalid,-1,1.5, 0007"}}));
    assert_eq!(
        a.org_permissions,
        json!(["org:x:a", "org:y:a", "org:y:c", "org:t:a", "org:t:b", "org:t:c"])
    );
    let a = auth(json!({"v": 2, "o": {"per": "read", "fpm": "1"}, "fea": "o:"}));
    assert_eq!(a.org_permissions, json!(["org::read"]));
    let a = auth(json!({"v": 2, "o": {"per": ",x,", "fpm": "7"}, "fea": "o:f"}));
    assert_eq!(a.org_permissions, json!(["org:f:", "org:f:x", "org:f:"]));
    let a = auth(json!({"v": 2, "o": {"per": "a", "fpm": "1"}, "fea": "o:a:b"}));
    assert_eq!(a.org_permissions, json!(["org:a:b:a"]));
}

#[test]
fn trimming_follows_js() {
    // U+FEFF is trimmed by JS, U+0085 is not.
    let (org, user) = split_by_scope("\u{feff}o:a\u{85}, \u{3000}u:b\u{2028}").unwrap();
    assert_eq!(org, vec!["a\u{85}".to_owned()]);
    assert_eq!(user, vec!["b".to_owned()]);
    let err = split_by_scope("o:a,\u{85}b").unwrap_err();
    assert_eq!(err, AuthError::InvalidClaimElement("\u{85}b".into()));
}

// ---------------------------------------------------------------- errors (JS throws)

#[test]
fn missing_colon_in_v2_fea_is_an_error() {
    let err = SessionAuth::signed_in(&claims(json!({"v": 2, "o": {"rol": "x"}, "fea": "o:a,b"})))
        .unwrap_err();
    assert_eq!(err, AuthError::InvalidClaimElement("b".into()));
    assert_eq!(err.to_string(), "Invalid claim element (missing colon): b");
    let err = split_by_scope("reservations,dashboard").unwrap_err();
    assert_eq!(
        err.to_string(),
        "Invalid claim element (missing colon): reservations"
    );
    // Empty element after a trailing comma.
    let err = split_by_scope("o:a,").unwrap_err();
    assert_eq!(err.to_string(), "Invalid claim element (missing colon): ");
}

#[test]
fn bad_fea_does_not_fail_without_o_or_in_v1() {
    assert!(SessionAuth::signed_in(&claims(json!({"v": 2, "fea": "nocolon"}))).is_ok());
    assert!(SessionAuth::signed_in(&claims(json!({"fea": "nocolon", "org_id": "x"}))).is_ok());
    assert!(SessionAuth::signed_in(&claims(json!({"v": 2, "o": {}, "fea": 0}))).is_ok());
}

#[test]
fn non_string_split_targets_are_errors() {
    let err = |c: Value| SessionAuth::signed_in(&claims(c)).unwrap_err();
    assert_eq!(
        err(json!({"v": 2, "o": {"id": 1}, "fea": 5})),
        AuthError::InvalidClaimType("fea")
    );
    assert_eq!(
        err(json!({"v": 2, "o": {"id": 1}, "fea": ["o:a"]})).to_string(),
        "fea.split is not a function"
    );
    assert_eq!(
        err(json!({"v": 2, "o": {"per": 5, "fpm": "1"}, "fea": "o:a"})).to_string(),
        "per.split is not a function"
    );
    assert_eq!(
        err(json!({"v": 2, "o": {"per": "a", "fpm": [1]}, "fea": "o:a"})).to_string(),
        "fpm.split is not a function"
    );
    // `fea` is split before `per`.
    assert_eq!(
        err(json!({"v": 2, "o": {"per": 5, "fpm": 5}, "fea": "x"})),
        AuthError::InvalidClaimElement("x".into())
    );
}

// ---------------------------------------------------------------- §4.3 objects

#[test]
fn signed_out_object() {
    let a = SessionAuth::signed_out(Value::Null);
    assert_eq!(
        a.to_json(),
        json!({
            "userId": null, "sessionId": null, "sessionStatus": null, "orgId": null,
            "orgRole": null, "orgSlug": null, "orgPermissions": null,
            "factorVerificationAge": null, "actor": null, "tokenType": "session_token",
            "isAuthenticated": false, "sessionClaims": null,
        })
    );
    assert!(!a.has(&HasParams::from_json(&json!({"role": "admin"}))));
    assert_eq!(
        SessionAuth::signed_out(json!("pending")).session_status,
        json!("pending")
    );
}

#[test]
fn to_auth_pending() {
    let c = claims(json!({"sub": "u", "sid": "s", "sts": "pending", "org_id": "o"}));
    let a = SessionAuth::to_auth(&c, true).unwrap();
    assert_eq!(a, SessionAuth::signed_out(json!("pending")));
    assert_eq!(a.to_json()["sessionStatus"], json!("pending"));
    assert_eq!(a.to_json()["isAuthenticated"], json!(false));
    let a = SessionAuth::to_auth(&c, false).unwrap();
    assert_eq!(a, SessionAuth::signed_in(&c).unwrap());
    assert!(a.is_authenticated);
    // Active (or odd) statuses stay signed in.
    for sts in [json!("active"), json!("PENDING"), json!(null), json!(1)] {
        let c = claims(json!({"sub": "u", "sts": sts}));
        assert!(
            SessionAuth::to_auth(&c, true).unwrap().is_authenticated,
            "sts={sts}"
        );
    }
    // The signed-in object is built first, so its error wins even when pending.
    let c = claims(json!({"v": 2, "sts": "pending", "o": {"id": "x"}, "fea": "bad"}));
    assert_eq!(
        SessionAuth::to_auth(&c, true).unwrap_err(),
        AuthError::InvalidClaimElement("bad".into())
    );
}

// ---------------------------------------------------------------- §4.4 has()

#[test]
fn has_v1_no_org() {
    let a = auth(json!({"act": {"sub": "actor"}, "sid": "sessionId", "sub": "userId"}));
    for p in [
        json!({"role": "org:admin"}),
        json!({"role": "admin"}),
        json!({"permission": "org:f1:read"}),
        json!({"permission": "f1:read"}),
        json!({"feature": "org:reservations"}),
        json!({"feature": "org:impersonation"}),
    ] {
        assert!(!has(&a, p.clone()), "{p}");
    }
}

#[test]
fn has_v1_orgs() {
    for role in ["org:admin", "admin"] {
        let a = auth(
            json!({"sid": "sessionId", "org_id": "orgId", "org_role": role,
            "org_slug": "orgSlug", "org_permissions": ["org:f1:read", "org:f2:manage"], "sub": "userId"}),
        );
        let expect = [
            (json!({"role": "org:admin"}), true),
            (json!({"role": "admin"}), true),
            (json!({"permission": "org:f1:read"}), true),
            (json!({"permission": "f1:read"}), true),
            (json!({"permission": "org:f1"}), false),
            (json!({"permission": "org:f2:manage"}), true),
            (json!({"permission": "org:f2"}), false),
            (json!({"feature": "org:reservations"}), false),
            (json!({"feature": "org:impersonation"}), false),
        ];
        for (p, want) in expect {
            assert_eq!(has(&a, p.clone()), want, "role={role} {p}");
        }
    }
}

#[test]
fn has_v2_orgs() {
    for rol in ["admin", "org:admin"] {
        let a = auth(json!({"v": 2, "sid": "sessionId", "sub": "userId",
            "fea": "o:reservations,o:impersonation",
            "o": {"id": "orgId", "rol": rol, "slg": "orgSlug", "per": "read,manage", "fpm": "3"}}));
        let expect = [
            (json!({"role": "org:admin"}), true),
            (json!({"role": "admin"}), true),
            (json!({"permission": "org:reservations:read"}), true),
            (json!({"permission": "reservations:read"}), true),
            (json!({"permission": "org:reservations"}), false),
            (json!({"permission": "org:reservations:manage"}), true),
            (json!({"permission": "org:impersonation:read"}), false),
            (json!({"permission": "org:impersonation:manage"}), false),
            (json!({"feature": "org:reservations"}), true),
            (json!({"feature": "org:impersonation"}), true),
        ];
        for (p, want) in expect {
            assert_eq!(has(&a, p.clone()), want, "rol={rol} {p}");
        }
    }
}

#[test]
fn has_v2_billing_with_and_without_scopes() {
    let a = auth(json!({"v": 2, "sid": "sessionId", "sub": "userId",
        "fea": "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
        "o": {"id": "orgId", "rol": "member", "slg": "orgSlug", "per": "read,manage", "fpm": "2,3"},
        "pla": "u:pro,o:business"}));
    let expect = [
        (json!({"permission": "org:reservations:read"}), false),
        (json!({"permission": "org:reservations:manage"}), true),
        (json!({"permission": "org:support-chat:read"}), true),
        (json!({"permission": "org:support-chat:manage"}), true),
        (json!({"permission": "u:dashboard:manage"}), false),
        (json!({"permission": "u:dashboard:read"}), false),
        (json!({"feature": "org:reservations"}), true),
        (json!({"feature": "user:reservations"}), false),
        (json!({"feature": "org:impersonation"}), true),
        (json!({"feature": "user:impersonation"}), false),
        (json!({"feature": "org:dashboard"}), false),
        (json!({"feature": "user:dashboard"}), true),
        (json!({"feature": "org:support-chat"}), true),
        (json!({"feature": "user:support-chat"}), true),
        (json!({"plan": "org:business"}), true),
        (json!({"plan": "user:business"}), false),
        (json!({"plan": "org:pro"}), false),
        (json!({"plan": "user:pro"}), true),
        (json!({"feature": "reservations"}), true),
        (json!({"feature": "dashboard"}), true),
        (json!({"feature": "pro"}), false),
        (json!({"feature": "impersonation"}), true),
        (json!({"plan": "pro"}), true),
        (json!({"plan": "business"}), true),
    ];
    for (p, want) in expect {
        assert_eq!(has(&a, p.clone()), want, "{p}");
    }
}

/// An auth object with the given `has()` inputs, built through v1 claims.
fn checker(
    org_id: Value,
    org_role: Value,
    perms: Value,
    fea: &str,
    pla: &str,
    fva: Value,
) -> SessionAuth {
    auth(
        json!({"sub": "user_123", "org_id": org_id, "org_role": org_role,
                "org_permissions": perms, "fea": fea, "pla": pla, "fva": fva}),
    )
}

#[test]
fn has_feature_scopes() {
    let a = checker(
        json!("org_123"),
        json!("admin"),
        json!(["org:read"]),
        "o:reservations,u:dashboard",
        "free_user,plus_user",
        json!([1000, 2000]),
    );
    for f in [
        "o:reservations",
        "org:reservations",
        "organization:reservations",
        "reservations",
        "u:dashboard",
        "user:dashboard",
        "dashboard",
    ] {
        assert!(has(&a, json!({"feature": f})), "{f}");
    }
    assert!(!has(&a, json!({"feature": "lol:dashboard"})));
    assert!(!has(&a, json!({"feature": "o:dashboard"})));
    // Malformed plans claim (no colons) ⇒ fail, no throw.
    assert!(!has(&a, json!({"plan": "free_user"})));
    // Only the first two `:` pieces are used.
    assert!(has(&a, json!({"feature": "o:reservations:extra"})));
    // `rawId || rawScope`: "o:" looks for a feature named "o".
    assert!(!has(&a, json!({"feature": "o:"})));
    let b = checker(
        json!("org"),
        json!(null),
        json!(null),
        "o:o,u:x",
        "",
        json!(null),
    );
    assert!(has(&b, json!({"feature": "o:"})));
    assert!(!has(&b, json!({"feature": "u:"})));
    assert!(!has(&b, json!({"feature": ":o"})));
}

#[test]
fn has_asking_nothing_is_false() {
    let a = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:sys_profile:delete"]),
        "o:premium",
        "plus",
        json!([0, 0]),
    );
    assert!(!has(&a, json!({})));
    assert!(!has(&a, json!("role")));
    assert!(!has(&a, json!(null)));
    assert!(!a.has(&HasParams::default()));
}

#[test]
fn has_org_missing_context() {
    let a = checker(json!(null), json!(null), json!(null), "", "", json!([0, 0]));
    assert!(!has(
        &a,
        json!({"permission": "org:sys_profile:delete", "reverification": "strict"})
    ));
    assert!(!has(
        &a,
        json!({"role": "org:admin", "reverification": "strict"})
    ));
    assert!(has(&a, json!({"reverification": "strict"})));
}

#[test]
fn has_reverification_failures() {
    let a = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:sys_profile:delete"]),
        "",
        "",
        json!(null),
    );
    assert!(!has(
        &a,
        json!({"permission": "org:sys_profile:delete", "reverification": "strict"})
    ));
    assert!(has(&a, json!({"permission": "org:sys_profile:delete"})));
    let fva_cases = [
        (json!(["0", "0"]), "strict_mfa", false),
        (json!([0, -1]), "strict_mfa", true),
        (json!([-1, 0]), "strict", true),
        (json!([-1, -1]), "strict", false),
        (json!([-0.5, 0]), "strict", false),
        (json!([0, -2]), "strict", false),
        (json!([0]), "strict", false),
        (json!([0, 0, 0]), "strict", false),
        (json!(0), "strict", false),
        (json!({"0": 0, "1": 0}), "strict", false),
        (json!([0, null]), "strict", false),
        (json!([1e308, 0]), "strict", true),
    ];
    for (fva, rev, want) in fva_cases {
        let a = checker(json!(null), json!(null), json!(null), "", "", fva.clone());
        assert_eq!(
            has(&a, json!({"reverification": rev})),
            want,
            "fva={fva} rev={rev}"
        );
    }
    let a = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:sys_profile:delete"]),
        "",
        "",
        json!([0, 0]),
    );
    for config in [
        json!("invalid-value"),
        json!(""),
        json!(null),
        json!(0),
        json!(true),
        json!([]),
        json!({"level": "multi_factor"}),
        json!({"level": "multi_factor", "afterMinutes": 0}),
        json!({"level": "multi_factor", "afterMinutes": -1}),
        json!({"level": "multi_factor", "afterMinutes": "10"}),
        json!({"level": "third_factor", "afterMinutes": 10}),
        json!({"afterMinutes": 10}),
    ] {
        assert!(
            !has(&a, json!({"reverification": config.clone()})),
            "{config}"
        );
        assert!(
            !has(
                &a,
                json!({"permission": "org:sys_profile:delete", "reverification": config.clone()})
            ),
            "{config}"
        );
    }
    assert!(has(
        &a,
        json!({"reverification": {"level": "multi_factor", "afterMinutes": 0.5}})
    ));
}

#[test]
fn has_reverification_levels() {
    // (fva, level, afterMinutes, expected)
    let cases = [
        ([5.0, 5.0], "first_factor", 10.0, true),
        ([10.0, 5.0], "first_factor", 10.0, false),
        ([-1.0, 5.0], "first_factor", 10.0, false),
        ([5.0, -1.0], "second_factor", 10.0, true),
        ([50.0, -1.0], "second_factor", 10.0, false),
        ([50.0, 5.0], "second_factor", 10.0, true),
        ([5.0, 50.0], "second_factor", 10.0, false),
        ([-1.0, 5.0], "second_factor", 10.0, true),
        ([5.0, -1.0], "multi_factor", 10.0, true),
        ([-1.0, 5.0], "multi_factor", 10.0, false),
        ([5.0, 5.0], "multi_factor", 10.0, true),
        ([5.0, 50.0], "multi_factor", 10.0, false),
        ([50.0, 5.0], "multi_factor", 10.0, false),
    ];
    for (fva, level, after, want) in cases {
        let a = checker(json!(null), json!(null), json!(null), "", "", json!(fva));
        let p = json!({"reverification": {"level": level, "afterMinutes": after}});
        assert_eq!(has(&a, p), want, "fva={fva:?} level={level}");
    }
    let presets = [
        ("strict_mfa", [9.0, 9.0], true),
        ("strict_mfa", [10.0, 9.0], false),
        ("strict", [100.0, 9.0], true),
        ("strict", [100.0, 10.0], false),
        ("moderate", [100.0, 59.0], true),
        ("moderate", [100.0, 60.0], false),
        ("lax", [0.0, 1439.0], true),
        ("lax", [0.0, 1440.0], false),
    ];
    for (preset, fva, want) in presets {
        let a = checker(json!(null), json!(null), json!(null), "", "", json!(fva));
        assert_eq!(
            has(&a, json!({"reverification": preset})),
            want,
            "{preset} {fva:?}"
        );
    }
}

#[test]
fn has_and_semantics() {
    let a = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:sys_memberships:read"]),
        "o:reservations",
        "u:plus",
        json!([0, 0]),
    );
    let cases = [
        (
            json!({"permission": "org:sys_profile:delete", "feature": "org:reservations"}),
            false,
        ),
        (
            json!({"permission": "org:sys_memberships:read", "feature": "org:reservations"}),
            true,
        ),
        (
            json!({"role": "org:admin", "permission": "org:sys_profile:delete"}),
            false,
        ),
        (
            json!({"role": "org:admin", "permission": "org:sys_memberships:read"}),
            true,
        ),
        (
            json!({"role": "org:member", "permission": "org:sys_memberships:read"}),
            false,
        ),
        (
            json!({"feature": "org:reservations", "plan": "u:plus"}),
            true,
        ),
        (
            json!({"feature": "org:reservations", "plan": "u:free"}),
            false,
        ),
        (json!({"feature": "org:missing", "plan": "u:plus"}), false),
        (
            json!({"role": "org:admin", "feature": "org:missing"}),
            false,
        ),
        (json!({"role": "org:admin", "plan": "u:free"}), false),
        (
            json!({"role": "org:admin", "feature": "org:reservations"}),
            true,
        ),
        (
            json!({"role": "org:admin", "feature": "org:reservations", "reverification": "strict"}),
            true,
        ),
        (
            json!({"role": "org:admin", "reverification": "bogus"}),
            false,
        ),
    ];
    for (p, want) in cases {
        assert_eq!(has(&a, p.clone()), want, "{p}");
    }
    let b = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:read"]),
        "",
        "",
        json!([0, 0]),
    );
    assert!(!has(&b, json!({"feature": "org:premium"})));
    assert!(!has(
        &b,
        json!({"feature": "org:premium", "reverification": "strict"})
    ));
}

#[test]
fn has_non_string_params_fail() {
    let a = checker(
        json!("org_123"),
        json!("org:admin"),
        json!(["org:sys_profile:delete"]),
        "o:premium",
        "u:plus",
        json!([0, 0]),
    );
    for p in [
        json!({"role": null}),
        json!({"permission": null}),
        json!({"feature": null}),
        json!({"plan": null}),
        json!({"role": 123}),
        json!({"permission": 123}),
        json!({"feature": ["o:premium"]}),
        json!({"plan": {"x": 1}}),
        json!({"role": "org:admin", "permission": 1}),
    ] {
        assert!(!has(&a, p.clone()), "{p}");
    }
    assert!(has(
        &a,
        json!({"role": "org:admin", "plan": "u:plus", "feature": "premium"})
    ));
}

#[test]
fn has_role_normalisation() {
    let a = checker(
        json!("o"),
        json!("org:org:admin"),
        json!(["org:a:b"]),
        "",
        "",
        json!(null),
    );
    assert!(has(&a, json!({"role": "admin"})));
    assert!(has(&a, json!({"role": "org:org:org:admin"})));
    assert!(!has(&a, json!({"role": "ORG:admin"})));
    assert!(has(&a, json!({"permission": "org:org:a:b"})));
    let empty_role = checker(json!("o"), json!(""), json!([]), "", "", json!(null));
    assert!(!has(&empty_role, json!({"role": ""})));
    let non_string_role = checker(
        json!("o"),
        json!(["org:admin"]),
        json!([]),
        "",
        "",
        json!(null),
    );
    assert!(!has(&non_string_role, json!({"role": "org:admin"})));
    let non_array_perms = checker(
        json!("o"),
        json!("x"),
        json!("org:a:b"),
        "",
        "",
        json!(null),
    );
    assert!(!has(&non_array_perms, json!({"permission": "org:a:b"})));
    let mixed = checker(
        json!(1),
        json!("x"),
        json!([1, null, "org:a:b"]),
        "",
        "",
        json!(null),
    );
    assert!(has(&mixed, json!({"permission": "a:b"})));
    let falsy_org = checker(
        json!(0),
        json!("org:x"),
        json!(["org:a:b"]),
        "",
        "",
        json!(null),
    );
    assert!(!has(&falsy_org, json!({"role": "x"})));
}

#[test]
fn has_needs_truthy_user_id() {
    for sub in [json!(null), json!(""), json!(0), json!(false)] {
        let a = auth(json!({"sub": sub, "org_id": "o", "org_role": "org:admin"}));
        assert!(!has(&a, json!({"role": "admin"})), "sub={sub}");
    }
    let a = auth(json!({"org_id": "o", "org_role": "org:admin"}));
    assert!(!has(&a, json!({"role": "admin"})));
    let a = auth(json!({"sub": 7, "org_id": "o", "org_role": "org:admin"}));
    assert!(has(&a, json!({"role": "admin"})));
}

#[test]
fn has_uses_fea_and_pla_claims_in_any_version() {
    let a = auth(json!({"sub": "u", "fea": 5, "pla": "u:pro"}));
    assert!(!has(&a, json!({"feature": "x"})));
    assert!(has(&a, json!({"plan": "pro"})));
    let a = auth(json!({"sub": "u", "v": 2, "fea": "bad,o:x"}));
    assert!(!has(&a, json!({"feature": "x"})));
}

// ---------------------------------------------------------------- robustness

#[test]
fn malformed_inputs_never_panic() {
    let odd = [
        json!(null),
        json!(true),
        json!(0),
        json!(-1),
        json!(1.5),
        json!(""),
        json!("x"),
        json!(","),
        json!(":"),
        json!([]),
        json!([null]),
        json!({}),
        json!({"id": {}}),
        json!(1e308),
        json!(u64::MAX),
        json!(i64::MIN),
        json!("9".repeat(5000)),
        json!([[[[[["deep"]]]]]]),
    ];
    let params: Vec<Value> = odd
        .iter()
        .flat_map(|v| {
            ["role", "permission", "feature", "plan", "reverification"]
                .iter()
                .map(move |k| json!({ *k: v.clone() }))
        })
        .collect();
    for v in &odd {
        for o in &odd {
            for fea in [json!("o:a,u:b"), v.clone()] {
                let c = json!({"v": 2, "sub": v, "o": {"id": v, "rol": v, "slg": v, "per": v, "fpm": v},
                               "fea": fea, "pla": v, "fva": v, "sts": v, "act": v});
                let _ = SessionAuth::to_auth(&claims(c), true);
                let c = json!({"v": 2, "sub": "u", "o": o, "fea": v});
                if let Ok(a) = SessionAuth::signed_in(&claims(c)) {
                    for p in &params {
                        let _ = has(&a, p.clone());
                    }
                }
                let c = json!({"sub": "u", "org_id": v, "org_role": v, "org_permissions": v,
                               "fea": v, "pla": v, "fva": [v, v]});
                let a = auth(c);
                for p in &params {
                    let _ = has(&a, p.clone());
                }
                let _ = a.to_json();
            }
        }
    }
}
