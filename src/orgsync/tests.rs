use std::time::Instant;

use super::*;

fn opts(org: &[&str], personal: &[&str]) -> OrganizationSyncOptions {
    OrganizationSyncOptions {
        organization_patterns: org.iter().map(|s| (*s).to_owned()).collect(),
        personal_account_patterns: personal.iter().map(|s| (*s).to_owned()).collect(),
    }
}

fn matcher(org: &[&str], personal: &[&str]) -> OrgMatcher {
    OrgMatcher::new(&opts(org, personal)).unwrap()
}

fn id(s: &str) -> Option<OrgTarget> {
    Some(OrgTarget::OrganizationId(s.to_owned()))
}

fn slug(s: &str) -> Option<OrgTarget> {
    Some(OrgTarget::OrganizationSlug(s.to_owned()))
}

const PERSONAL: Option<OrgTarget> = Some(OrgTarget::PersonalAccount);

fn err(org: &[&str], personal: &[&str]) -> PatternError {
    OrgMatcher::new(&opts(org, personal)).unwrap_err()
}

const DOCS: &str = "Error: Invalid path and options: Consult the documentation of path-to-regexp \
                    here: https://github.com/pillarjs/path-to-regexp/tree/6.x\n";

fn source(pattern: &str) -> String {
    let units: Vec<u16> = pattern.encode_utf16().collect();
    let tokens = lex(&units).unwrap();
    let parts = parse(&tokens).unwrap();
    String::from_utf16(&build_source(&parts).unwrap().0).unwrap()
}

// ---------------------------------------------------------------- §7.1 items 1–14

#[test]
fn conformance_7_1_items_1_to_14() {
    // 1. no options
    let m = OrgMatcher::new(&OrganizationSyncOptions::default()).unwrap();
    assert_eq!(m.find_target("/orgs/org_foo"), None);
    // 2, 3
    let m = matcher(&["/orgs/:id"], &[]);
    assert_eq!(m.find_target("/orgs/org_foo"), id("org_foo"));
    assert_eq!(m.find_target("/personal-account/my-resource"), None);
    // 4, 5, 6
    let m = matcher(&["/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"], &[]);
    assert_eq!(m.find_target("/orgs/org_foo"), id("org_foo"));
    assert_eq!(m.find_target("/orgs/org_foo/"), id("org_foo"));
    assert_eq!(
        m.find_target("/orgs/org_foo/nested-resource"),
        id("org_foo")
    );
    // 7
    let m = matcher(&["/orgs/:id/(.*)"], &[]);
    assert_eq!(
        m.find_target("/orgs/org_foo/nested-resource/and/more/deeply/nested/resources"),
        id("org_foo")
    );
    // 8
    let m = matcher(&["/unknown-thing/:any/orgs/:id"], &[]);
    assert_eq!(
        m.find_target("/unknown-thing/thing/orgs/org_foo"),
        id("org_foo")
    );
    // 9
    let m = matcher(&["/orgs/:slug"], &[]);
    assert_eq!(m.find_target("/orgs/my-org"), slug("my-org"));
    // 10
    let m = matcher(&[], &["/personal-account"]);
    assert_eq!(m.find_target("/personal-account"), PERSONAL);
    // 11
    let m = matcher(&["/orgs/:id", "/orgs/:slug"], &[]);
    assert_eq!(m.find_target("/orgs/my-org"), id("my-org"));
    // 12
    let m = matcher(&["/orgs/:slug"], &["/", "/(.*)"]);
    assert_eq!(m.find_target("/orgs/my-org"), slug("my-org"));
    // 13
    let m = matcher(&[], &["/user/:any", "/user/:any/(.*)"]);
    assert_eq!(m.find_target("/user/123/home"), PERSONAL);
    // 14
    let m = matcher(
        &[
            "/orgs-by-id/:id",
            "/orgs-by-id/:id/(.*)",
            "/orgs-by-slug/:slug",
            "/orgs-by-slug/:slug/(.*)",
        ],
        &["/personal-account", "/personal-account/(.*)"],
    );
    assert_eq!(
        m.find_target("/orgs-by-slug/org_bar/sub-resource"),
        slug("org_bar")
    );
    assert_eq!(m.find_target("/orgs-by-id/org_1/x"), id("org_1"));
    assert_eq!(m.find_target("/personal-account/x"), PERSONAL);
    assert_eq!(m.find_target("/elsewhere"), None);
}

// ---------------------------------------------------------------- matching semantics

#[test]
fn case_insensitive_and_trailing_delimiter() {
    let m = matcher(&["/orgs/:id"], &["/Personal"]);
    assert_eq!(m.find_target("/ORGS/Org_Foo"), id("Org_Foo"));
    assert_eq!(m.find_target("/orgs/org_foo/"), id("org_foo"));
    assert_eq!(m.find_target("/orgs/org_foo#"), id("org_foo"));
    assert_eq!(m.find_target("/orgs/org_foo?"), id("org_foo"));
    assert_eq!(m.find_target("/orgs/org_foo//"), None);
    assert_eq!(m.find_target("/orgs/org_foo/x"), None);
    assert_eq!(m.find_target("/orgs/"), None);
    assert_eq!(m.find_target("/personal"), PERSONAL);
    assert_eq!(m.find_target("/PERSONAL/"), PERSONAL);
    assert_eq!(m.find_target("personal"), None);
}

#[test]
fn params_are_not_decoded() {
    let m = matcher(&["/orgs/:id"], &[]);
    assert_eq!(m.find_target("/orgs/a%20b"), id("a%20b"));
    assert_eq!(m.find_target("/orgs/%2F"), id("%2F"));
    assert_eq!(m.find_target("/orgs/\u{e9}"), id("\u{e9}"));
}

#[test]
fn first_matching_pattern_decides() {
    let m = matcher(&["/orgs/:slug", "/orgs/:id"], &[]);
    assert_eq!(m.find_target("/orgs/my-org"), slug("my-org"));
    // Within one pattern, `id` wins over `slug`.
    let m = matcher(&["/:slug/:id"], &[]);
    assert_eq!(m.find_target("/a/b"), id("b"));
}

#[test]
fn org_match_without_id_or_slug_falls_through() {
    let m = matcher(&["/orgs/:other"], &["/orgs/(.*)"]);
    assert_eq!(m.find_target("/orgs/x"), PERSONAL);
    let m = matcher(&["/orgs/:id?"], &["/(.*)"]);
    assert_eq!(m.find_target("/orgs"), PERSONAL);
    assert_eq!(m.find_target("/orgs/x"), id("x"));
}

#[test]
fn modifiers_groups_and_custom_patterns() {
    let m = matcher(&["/orgs/:id(\\d+)"], &[]);
    assert_eq!(m.find_target("/orgs/123"), id("123"));
    assert_eq!(m.find_target("/orgs/abc"), None);
    let m = matcher(&["/orgs{/:id}?"], &[]);
    assert_eq!(m.find_target("/orgs"), None);
    assert_eq!(m.find_target("/orgs/o1"), id("o1"));
    let m = matcher(&["/file.:id"], &[]);
    assert_eq!(m.find_target("/file.txt"), id("txt"));
    assert_eq!(m.find_target("/file.tar.gz"), None);
    let m = matcher(&["/a/:slug-:id"], &[]);
    assert_eq!(m.find_target("/a/b-c"), id("c"));
    // The slug is lazy but may contain `-`; the id may not.
    assert_eq!(m.find_target("/a/b-c-d"), id("d"));
    let m = matcher(&["/orgs/:id((?!admin)[^/]+)"], &[]);
    assert_eq!(m.find_target("/orgs/admin"), None);
    assert_eq!(m.find_target("/orgs/team"), id("team"));
    let m = matcher(&["/orgs/:id(.*?)/:slug(.*)"], &[]);
    assert_eq!(m.find_target("/orgs/a/b/c"), id("a"));
    let m = matcher(&["/orgs/:id(.*)/:slug(.*)"], &[]);
    assert_eq!(m.find_target("/orgs/a/b/c"), id("a/b"));
    let m = matcher(&["/foo\\:bar/:id"], &[]);
    assert_eq!(m.find_target("/foo:bar/x"), id("x"));
    // A trailing backslash is dropped by path-to-regexp.
    let m = matcher(&[], &["/foo\\"]);
    assert_eq!(m.find_target("/foo"), PERSONAL);
    // An empty pattern matches "" and "/".
    let m = matcher(&[], &[""]);
    assert_eq!(
        (m.find_target(""), m.find_target("/")),
        (PERSONAL, PERSONAL)
    );
    assert_eq!(m.find_target("/x"), None);
}

#[test]
fn repeated_params_are_joined_like_js_arrays() {
    let m = matcher(&["/orgs/:id+"], &[]);
    assert_eq!(m.find_target("/orgs/a/b"), id("a,b"));
    assert_eq!(m.find_target("/orgs/a"), id("a"));
    let m = matcher(&["/orgs{/:slug}*"], &["/(.*)"]);
    assert_eq!(m.find_target("/orgs/x/y"), slug("x,y"));
    assert_eq!(m.find_target("/orgs"), PERSONAL);
}

#[test]
fn case_folding_follows_ecmascript_non_unicode() {
    // Captured from the reference: U+017F and U+212A do not fold to ASCII.
    let m = matcher(&["/i/:id([k])"], &[]);
    assert_eq!(m.find_target("/i/K"), id("K"));
    assert_eq!(m.find_target("/i/\u{212a}"), None);
    let m = matcher(&["/orgs/:id(\\u017f)"], &[]);
    assert_eq!(m.find_target("/orgs/\u{17f}"), id("\u{17f}"));
    assert_eq!(m.find_target("/orgs/s"), None);
    assert_eq!(m.find_target("/orgs/S"), None);
    let m = matcher(&["/\u{e9}/:id"], &[]);
    assert_eq!(m.find_target("/\u{c9}/x"), id("x"));
    // `.` does not match line terminators; `[^\/#\?]` does.
    let m = matcher(&["/o/:id(.+)"], &[]);
    assert_eq!(m.find_target("/o/a\nb"), None);
    let m = matcher(&["/o/:id"], &[]);
    assert_eq!(m.find_target("/o/a\nb"), id("a\nb"));
}

#[test]
fn generated_sources_match_path_to_regexp() {
    // Captured from `pathToRegexp(p).source` in @clerk/shared 4.41.0.
    let cases = [
        ("/orgs/:id", r"^\/orgs(?:\/([^\/#\?]+?))[\/#\?]?$"),
        (
            "/orgs/:id/(.*)",
            r"^\/orgs(?:\/([^\/#\?]+?))(?:\/(.*))[\/#\?]?$",
        ),
        (
            "/file.:ext",
            r"^\/file(?:\.((?:(?!\.)[^\/#\?])+?))[\/#\?]?$",
        ),
        (
            "/a/:b-:c",
            r"^\/a(?:\/([^\/#\?]+?))-((?:(?!-)[^\/#\?])+?)[\/#\?]?$",
        ),
        (
            "/orgs{/:id}*",
            r"^\/orgs(?:\/((?:[^\/#\?]+?)(?:\/(?:[^\/#\?]+?))*))?[\/#\?]?$",
        ),
        (
            "/orgs/:id+",
            r"^\/orgs(?:\/((?:[^\/#\?]+?)(?:\/(?:[^\/#\?]+?))*))[\/#\?]?$",
        ),
        ("/:id?", r"^(?:\/([^\/#\?]+?))?[\/#\?]?$"),
        ("{/x}?", r"^(?:\/x)?[\/#\?]?$"),
        ("abc:id", r"^abc((?:(?!abc)[^\/#\?])+?)[\/#\?]?$"),
    ];
    for (pattern, want) in cases {
        assert_eq!(source(pattern), want, "{pattern}");
    }
}

// ---------------------------------------------------------------- errors

#[test]
fn path_to_regexp_errors_have_the_reference_message() {
    let e = err(&["/a", "/orgs/(", "/x/:"], &[]);
    assert_eq!(e.kind(), PatternErrorKind::InvalidPath);
    assert_eq!(e.pattern(), "/orgs/(");
    assert_eq!(e.detail(), "Unbalanced pattern at 6");
    assert_eq!(
        e.to_string(),
        format!("Invalid pattern \"/a,/orgs/(,/x/:\": {DOCS}Unbalanced pattern at 6")
    );
    let cases: &[(&str, &str)] = &[
        ("/orgs/:id(a/[", "Unbalanced pattern at 9"),
        (
            "/:a:b",
            "Must have text between two parameters, missing text after \"a\"",
        ),
        (
            "/{:a}{:b}",
            "Must have text between two parameters, missing text after \"a\"",
        ),
        (
            ":a{}:b",
            "Must have text between two parameters, missing text after \"\"",
        ),
        ("/{foo\\", "Unexpected END at 7, expected CLOSE"),
        ("(a)*", "Can not repeat \"0\" without a prefix and suffix"),
        ("/(?x)", "Pattern cannot start with \"?\" at 2"),
        ("/[a-z]+", "Unexpected MODIFIER at 6, expected END"),
        ("/x/:", "Missing parameter name at 3"),
        ("/x/(a(b))", "Capturing groups are not allowed at 5"),
        ("/x/()", "Missing pattern at 3"),
        ("/x/}a", "Unexpected CLOSE at 3, expected END"),
        ("*", "Unexpected MODIFIER at 0, expected END"),
    ];
    for (pattern, detail) in cases {
        let e = err(&[pattern], &[]);
        assert_eq!(e.kind(), PatternErrorKind::InvalidPath, "{pattern}");
        assert_eq!(
            e.to_string(),
            format!("Invalid pattern \"{pattern}\": {DOCS}{detail}")
        );
    }
}

#[test]
fn regex_syntax_errors_have_v8_messages() {
    let cases: &[(&str, &str)] = &[
        (
            "/:id(a{2,1})",
            r"Invalid regular expression: /^(?:\/(a{2,1}))[\/#\?]?$/i: numbers out of order in {} quantifier",
        ),
        (
            "/x/:id([z-a])",
            r"Invalid regular expression: /^\/x(?:\/([z-a]))[\/#\?]?$/i: Range out of order in character class",
        ),
        (
            "/x/:id(a**)",
            r"Invalid regular expression: /^\/x(?:\/(a**))[\/#\?]?$/i: Nothing to repeat",
        ),
        (
            "/x/:id([)",
            r"Invalid regular expression: /^\/x(?:\/([))[\/#\?]?$/i: Unterminated group",
        ),
        (
            "/x/:id(^*)",
            r"Invalid regular expression: /^\/x(?:\/(^*))[\/#\?]?$/i: Nothing to repeat",
        ),
    ];
    for (pattern, detail) in cases {
        let e = err(&[], &[pattern]);
        assert_eq!(e.kind(), PatternErrorKind::InvalidRegex, "{pattern}");
        assert_eq!(e.detail(), *detail);
        assert_eq!(
            e.to_string(),
            format!("Invalid pattern \"{pattern}\": {DOCS}{detail}")
        );
    }
}

#[test]
fn unsupported_constructs_are_refused() {
    let cases: &[(&str, &str)] = &[
        (
            "/o/:id((?<n>a))",
            "lookbehind assertions and named capture groups",
        ),
        (
            "/o/:id((?<=a)b)",
            "lookbehind assertions and named capture groups",
        ),
        ("/o/:id(a\\1)", "backreferences and octal escapes"),
        ("/o/:id(a{1000})", "a {} quantifier bound above 100"),
        (
            "/o-:id(.*)?",
            "an optional or repeated part that can match the empty string",
        ),
        (
            "/o/:id((?:a*)*)",
            "an optional or repeated part that can match the empty string",
        ),
    ];
    let too_long = format!("/o/:id({})", "a{100}".repeat(21));
    let cases: Vec<(&str, &str)> = cases
        .iter()
        .copied()
        .chain([(
            too_long.as_str(),
            "the compiled pattern exceeds 2048 instructions",
        )])
        .collect();
    for (pattern, detail) in cases {
        let e = err(&[pattern], &[]);
        assert_eq!(e.kind(), PatternErrorKind::Unsupported, "{pattern}");
        assert_eq!(e.detail(), detail, "{pattern}");
        assert_eq!(
            e.to_string(),
            format!(
                "Unsupported pattern \"{pattern}\" in \"{pattern}\": {detail} (clerk-edge \
                 implements a subset of the regular expressions path-to-regexp 6.x accepts)"
            )
        );
    }
}

#[test]
fn reference_errors_take_precedence_over_unsupported() {
    // The reference would throw for the later pattern (and for the personal list).
    let e = err(&["/o-:id(.*)?", "/x/("], &[]);
    assert_eq!(e.kind(), PatternErrorKind::InvalidPath);
    assert_eq!(e.pattern(), "/x/(");
    let e = err(&["/o-:id(.*)?"], &["/x/("]);
    assert_eq!(e.kind(), PatternErrorKind::InvalidPath);
    assert_eq!(e.pattern(), "/x/(");
    let e = err(&["/x/(", "/y/("], &["/z/("]);
    assert_eq!(e.pattern(), "/x/(");
    let e = err(&["/ok"], &["/o-:id(.*)?"]);
    assert_eq!(e.kind(), PatternErrorKind::Unsupported);
}

// ---------------------------------------------------------------- bounds

#[test]
fn long_pathnames_have_no_target() {
    let m = matcher(&["/orgs/:id"], &["/(.*)"]);
    let at_cap = format!("/orgs/{}", "a".repeat(MAX_PATHNAME_LEN - 6));
    assert_eq!(at_cap.len(), MAX_PATHNAME_LEN);
    assert_eq!(
        m.find_target(&at_cap),
        id(&"a".repeat(MAX_PATHNAME_LEN - 6))
    );
    let over = format!("{at_cap}a");
    assert_eq!(m.find_target(&over), None);
}

#[test]
fn adversarial_paths_are_bounded() {
    let m = matcher(
        &[
            "/:id(.*)-:slug(.*)-:x(.*)-(.*)-(.*)-z",
            "/:slug(.*)x(.*)x(.*)x(.*)y",
        ],
        &["/(a|aa)+b", "/:x((?=.*q).*)-(.*)$"],
    );
    let started = Instant::now();
    for path in [
        format!("/{}", "-".repeat(8000)),
        format!("/{}", "x".repeat(8000)),
        format!("/{}", "a".repeat(8000)),
        format!("/{}", "-a".repeat(4000)),
    ] {
        assert_eq!(m.find_target(&path), None);
    }
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

#[test]
fn budget_exhaustion_means_no_target() {
    // ~800 instructions × 8000 positions exceed the step budget (the reference, which has
    // none, would answer "personal account" after a long search).
    let pattern = format!("/:id({}z)", "(?:.*-)".repeat(200));
    let m = matcher(&[&pattern], &["/(.*)"]);
    let path = format!("/{}", "-".repeat(8000));
    assert_eq!(m.find_target(&path), None);
    // A short path still matches normally.
    let short = format!("{}z", "-".repeat(200));
    assert_eq!(m.find_target(&format!("/{short}")), id(&short));
    assert_eq!(m.find_target("/short"), PERSONAL);
}

#[test]
fn odd_inputs_never_panic() {
    let patterns = [
        "/:id",
        "/(.*)",
        "/:id(\\uD83D.)",
        "/:id([\\uD800-\\uDFFF]+)",
        "/:id(\\cJ|\\c)",
        "/:id(\\x)",
        "/:id(\\u12)",
        "/:id([\\b-\\x7f])",
        "/:id(\\0)",
        "/:id(\\b\\B)",
        "/:id([^])",
        "/:id([])",
        "/:id(\\k)",
        "/:id(\\]{)",
        "/:id(a{,2})",
        "/:id(a{2,})",
        "/:id((?:)*)",
        "/:id((?=a)*a)",
    ];
    for p in patterns {
        let m = match OrgMatcher::new(&opts(&[p], &[p])) {
            Ok(m) => m,
            Err(e) => panic!("{p}: {e}"),
        };
        for path in [
            "",
            "/",
            "/a",
            "/\u{1F600}",
            "/\u{d7ff}",
            "/\n",
            "/a{",
            "/\0",
            "//////",
        ] {
            let _ = m.find_target(path);
        }
    }
}

/// A case mapping's result when it is one BMP code unit (also the oracle of `casefold`'s test).
pub(super) fn single(mut it: impl Iterator<Item = char>) -> Option<u16> {
    match (it.next(), it.next()) {
        (Some(x), None) => u16::try_from(u32::from(x)).ok(),
        _ => None,
    }
}

/// `canonicalize` and `case_variants` on the run tables against the same rules written with
/// core's full case mappings, for every UTF-16 code unit.
#[test]
fn case_folding_matches_core_mappings_for_every_code_unit() {
    let canonicalize_core = |c: u16| -> u16 {
        match char::from_u32(u32::from(c)) {
            Some(ch) if c >= 0x80 => match single(ch.to_uppercase()) {
                Some(u) if u >= 0x80 => u,
                _ => c,
            },
            Some(ch) => single(ch.to_uppercase()).unwrap_or(c),
            None => c,
        }
    };
    for c in 0..=u16::MAX {
        let canon = canonicalize_core(c);
        assert_eq!(super::canonicalize(c), canon, "U+{c:04X}");
        let lower = char::from_u32(u32::from(canon))
            .and_then(|ch| single(ch.to_lowercase()))
            .filter(|l| canonicalize_core(*l) == canon)
            .unwrap_or(c);
        let mut want = [c, canon, lower];
        let mut got = super::case_variants(c);
        want.sort_unstable();
        got.sort_unstable();
        let (mut want, mut got) = (want.to_vec(), got.to_vec());
        want.dedup();
        got.dedup();
        assert_eq!(got, want, "variants of U+{c:04X}");
    }
}

/// A lookahead inside a lookahead, the outer one run at several positions: the inner one's
/// answers are reused from its memo (a wrong memo changes these). Expected values from
/// `match` of `@clerk/shared/pathToRegexp` on Node.
#[test]
fn nested_lookahead_answers_are_reused() {
    let m = matcher(&["/:id((?:(?=[a-z]*(?=z))[a-z])+)"], &[]);
    assert_eq!(m.find_target("/abz"), id("abz"));
    assert_eq!(m.find_target("/abza"), None);
    assert_eq!(m.find_target("/zzz"), id("zzz"));
    assert_eq!(m.find_target("/aZ"), id("aZ"));
    assert_eq!(m.find_target("/abc"), None);
    assert_eq!(m.find_target("/az/"), id("az"));
    assert_eq!(m.find_target("/xyzzy"), None);
}
