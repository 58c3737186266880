use std::collections::BTreeMap;

use super::*;
use crate::test_support::{DEMO_PUBLIC, PK_LIVE, PK_TEST};

#[test]
fn cookie_suffix_vectors() {
    let cases = [
        (
            "pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA",
            "vWCgMp3A",
        ),
        (
            "pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA",
            "MqCvchyS",
        ),
        ("pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "1Z8AzTQD"),
        ("pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "QvfNY2dr"),
        (
            "pk_live_ZmFrZS1jbGVyay10ZXN0LmNsZXJrLmFjY291bnRzLmRldiQ=",
            "qReyu04C",
        ),
        (
            "pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k",
            "jtYvyt_H",
        ),
        (
            "pk_test_eHh4eHh4LXhhYWFhYS1hYS5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k",
            "tZJdb-5s",
        ),
    ];
    for (pk, sfx) in cases {
        assert_eq!(
            PublishableKey::parse(pk).unwrap().cookie_suffix(),
            sfx,
            "{pk}"
        );
    }
}

#[test]
fn publishable_key_rules() {
    let pk = PublishableKey::parse("pk_test_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA").unwrap();
    assert_eq!(pk.instance(), InstanceType::Development);
    assert_eq!(pk.frontend_api(), "clerk.inspired.puma-74.lcl.dev");
    assert_eq!(
        PublishableKey::parse("").unwrap_err(),
        ConfigError::PublishableKeyMissing
    );
    for bad in [
        "whatever",
        "pk_live_xxx",
        "pk_test_",
        "pk_test_a_b",
        "sk_test_Y2xlcmsuY2xlcmsuZGV2JA",
        // "clerk.clerk.dev$x", "clerk$clerk.dev$", "clerkdev$"
        "pk_live_Y2xlcmsuY2xlcmsuZGV2JHg=",
        "pk_live_Y2xlcmskY2xlcmsuZGV2JA==",
        "pk_live_Y2xlcmtkZXYk",
    ] {
        assert_eq!(
            PublishableKey::parse(bad).unwrap_err(),
            ConfigError::PublishableKeyInvalid,
            "{bad}"
        );
    }
    assert!(ConfigError::PublishableKeyInvalid.to_string().starts_with(
        "Publishable key not valid (expected format: pk_test_... or pk_live_...).\n\n"
    ));
}

fn base() -> Options {
    Options {
        jwt_key: Some(DEMO_PUBLIC.into()),
        publishable_key: Some(PK_LIVE.into()),
        ..Options::default()
    }
}

#[test]
fn satellite_and_frontend_api_rules() {
    let sat = Config::new(Options {
        is_satellite: true,
        domain: Some("sat.example".into()),
        ..base()
    })
    .unwrap();
    assert_eq!(sat.original_frontend_api, "clerk.sat.example");
    let dev_sat = Config::new(Options {
        publishable_key: Some(PK_TEST.into()),
        is_satellite: true,
        domain: Some("sat.example".into()),
        sign_in_url: Some("https://primary.example/sign-in".into()),
        ..base()
    })
    .unwrap();
    assert_eq!(dev_sat.original_frontend_api, "clerk.demo-app.example.com");
    assert_eq!(
        Config::new(Options {
            is_satellite: true,
            ..base()
        })
        .unwrap_err(),
        ConfigError::SatelliteWithoutDomain
    );
    assert_eq!(
        Config::new(Options {
            publishable_key: Some(PK_TEST.into()),
            is_satellite: true,
            domain: Some("d.example".into()),
            ..base()
        })
        .unwrap_err(),
        ConfigError::SatelliteWithoutSignInUrl
    );
    assert_eq!(
        Config::new(Options {
            publishable_key: Some(PK_TEST.into()),
            is_satellite: true,
            domain: Some("d".into()),
            sign_in_url: Some("/sign-in".into()),
            ..base()
        })
        .unwrap_err(),
        ConfigError::SignInUrlNotAbsolute
    );
    assert_eq!(
        Config::new(Options {
            publishable_key: None,
            ..base()
        })
        .unwrap_err(),
        ConfigError::PublishableKeyMissing
    );
    assert!(Config::new(Options {
        publishable_key: None,
        accepts_token: AcceptsToken::One(TokenKind::M2mToken),
        ..base()
    })
    .is_ok());
}

#[test]
fn from_env_reads_clerk_names() {
    let env: BTreeMap<String, String> = [
        ("CLERK_JWT_KEY", DEMO_PUBLIC),
        ("CLERK_PUBLISHABLE_KEY", PK_TEST),
        (
            "CLERK_AUTHORIZED_PARTIES",
            "https://a.example, https://b.example",
        ),
        ("CLERK_CLOCK_SKEW_MS", "1000"),
        ("CLERK_IS_SATELLITE", "false"),
        ("CLERK_ACCEPTS_TOKEN", "session_token,api_key"),
        ("CLERK_ORGANIZATION_PATTERNS", "/orgs/:slug"),
        ("UNRELATED", "x"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let o = Options::from_env(&env).unwrap();
    assert_eq!(
        o.authorized_parties,
        vec!["https://a.example", "https://b.example"]
    );
    assert_eq!(o.clock_skew_ms, Some(1000.0));
    assert_eq!(
        o.accepts_token,
        AcceptsToken::List(vec![TokenKind::SessionToken, TokenKind::ApiKey])
    );
    assert!(Config::new(o).is_ok());
    let bad = |k: &str, v: &str| {
        let mut e = env.clone();
        e.insert(k.into(), v.into());
        Options::from_env(&e).unwrap_err().to_string()
    };
    assert_eq!(
        bad("CLERK_IS_SATELLITE", "maybe"),
        "CLERK_IS_SATELLITE: expected true or false"
    );
    assert_eq!(
        bad("CLERK_CLOCK_SKEW_MS", "soon"),
        "CLERK_CLOCK_SKEW_MS: expected a number of milliseconds"
    );
    assert!(bad("CLERK_ACCEPTS_TOKEN", "cookie")
        .starts_with("CLERK_ACCEPTS_TOKEN: unknown token type \"cookie\""));
}

#[test]
fn invalid_origins_are_rejected() {
    let e = Config::new(Options {
        public_origin: Some("app.example.com".into()),
        ..base()
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("CLERK_PUBLIC_ORIGIN"));
    let e = Config::new(Options {
        redirect_origins: vec!["javascript:alert(1)".into()],
        ..base()
    })
    .unwrap_err();
    assert!(e.to_string().starts_with("CLERK_REDIRECT_ORIGINS"));
}

#[test]
fn overlay_env_replaces_key_material_as_a_unit() {
    let embedded = [
        ("CLERK_JWT_KEY", "embedded-pem"),
        ("CLERK_PUBLISHABLE_KEY", "pk_embedded"),
    ];
    let env = overlay_env(&embedded, Vec::new());
    assert_eq!(
        env.get("CLERK_JWT_KEY").map(String::as_str),
        Some("embedded-pem")
    );
    let env = overlay_env(
        &embedded,
        vec![
            ("CLERK_JWKS".to_owned(), "{\"keys\":[]}".to_owned()),
            ("CLERK_PUBLISHABLE_KEY".to_owned(), "  ".to_owned()),
            ("HOME".to_owned(), "/root".to_owned()),
        ],
    );
    assert_eq!(
        env.get("CLERK_JWT_KEY"),
        None,
        "embedded key must not survive"
    );
    assert_eq!(
        env.get("CLERK_JWKS").map(String::as_str),
        Some("{\"keys\":[]}")
    );
    assert_eq!(
        env.get("CLERK_PUBLISHABLE_KEY").map(String::as_str),
        Some("pk_embedded"),
        "blank run-time values do not override"
    );
    assert_eq!(env.get("HOME"), None, "only CLERK_* variables are read");
}
