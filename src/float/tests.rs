//! `parse_f64` against core's `str::parse::<f64>`: the oracle for every input below.

use super::parse_f64;
use crate::test_support::Rng;

fn check(text: &str) {
    let ours = parse_f64(text);
    let core = text.parse::<f64>().ok();
    match (ours, core) {
        (Some(a), Some(b)) if a.is_nan() && b.is_nan() => {}
        (Some(a), Some(b)) => assert_eq!(a.to_bits(), b.to_bits(), "{text:?}: {a:e} vs {b:e}"),
        (a, b) => assert_eq!(a.is_some(), b.is_some(), "{text:?}: {a:?} vs {b:?}"),
    }
}

#[test]
fn grammar_and_special_values() {
    for text in [
        "",
        "+",
        "-",
        ".",
        "+.",
        "-.",
        "e",
        "e5",
        ".e5",
        "1e",
        "1e+",
        "1e-",
        "1e+-5",
        "1.e5",
        "1.",
        ".1",
        "-.1",
        "+1",
        "--1",
        "1..2",
        "1.2.3",
        "1e5.5",
        "1e5e5",
        " 1",
        "1 ",
        "1_000",
        "0x10",
        "1f",
        "inf",
        "+inf",
        "-inf",
        "INF",
        "Infinity",
        "-infinity",
        "infinit",
        "infx",
        "nan",
        "NaN",
        "-nan",
        "+NAN",
        "nan1",
        "0",
        "-0",
        "+0",
        "0.0",
        "-0.0e-5",
        "00",
        "007",
        "0e0",
        "0e999999999999999999999",
        "1e999999999999999999999",
        "1e-999999999999999999999",
        "-1e99999",
        "000.000e-10",
        "١",
        "1\u{0}",
    ] {
        check(text);
    }
}

#[test]
fn hard_cases() {
    for text in [
        "1",
        "1.5",
        "0.1",
        "0.2",
        "0.3",
        "3.14159",
        "123456789012345678",
        "9007199254740992",
        "9007199254740993",
        "9007199254740993.0000000001",
        "9007199254740995",
        "1e22",
        "1e23",
        "1e-22",
        "1e-23",
        "1.7e308",
        "1.7976931348623157e308",
        "1.7976931348623158e308",
        "1.7976931348623159e308",
        "2e308",
        "2.2250738585072011e-308",
        "2.2250738585072012e-308",
        "2.2250738585072014e-308",
        "4.9e-324",
        "5e-324",
        "2.4703282292062327e-324",
        "2.4703282292062328e-324",
        "2.47032822920623272e-324",
        "1e-324",
        "3e-324",
        "7.4109846876186982e-324",
        "8.98846567431158e307",
        "1.448997445238699",
        "0.000000000000000000000000000000000000000000001",
        "179769313486231580793728971405303415",
        "4.35679104e-306",
        "1.0000000000000002",
        "1.00000000000000011102230246251565404236316680908203125",
        "1.00000000000000011102230246251565404236316680908203124",
        "1.00000000000000011102230246251565404236316680908203126",
        "0.500000000000000166533453693773481063544750213623046875",
        "3.0540412e5",
        "1700000000",
        "1700000000.123",
        "-12345.678e-3",
    ] {
        check(text);
    }
    // Far more digits than MAX_DIGITS: the tail decides a halfway case.
    let half = "1.00000000000000011102230246251565404236316680908203125";
    for tail in ["", "0", "1", "00000001"] {
        for zeros in [0, 700, 800, 2000] {
            check(&format!("{half}{}{tail}", "0".repeat(zeros)));
        }
    }
    check(&format!("{}e-1000", "9".repeat(1200)));
    check(&format!("0.{}1e10", "0".repeat(5000)));
    check(&format!("{}.5", "1".repeat(400)));
}

/// Decimal digits of `x`, most significant first, with `x` given by its digits.
fn mul_small(digits: &mut Vec<u8>, by: u8) {
    let mut carry = 0u32;
    for d in digits.iter_mut().rev() {
        let v = u32::from(*d) * u32::from(by) + carry;
        *d = (v % 10) as u8;
        carry = v / 10;
    }
    while carry > 0 {
        digits.insert(0, (carry % 10) as u8);
        carry /= 10;
    }
}

/// The exact decimal text of `(2m + 1) · 2^(e - 1)`: the midpoint between the double
/// `m · 2^e` and the next one up.
fn midpoint_text(m: u64, e: i32) -> String {
    let mut digits: Vec<u8> = (2 * u128::from(m) + 1)
        .to_string()
        .bytes()
        .map(|b| b - b'0')
        .collect();
    let p = e - 1;
    let mut frac = 0usize;
    if p >= 0 {
        for _ in 0..p {
            mul_small(&mut digits, 2);
        }
    } else {
        // 2^p = 5^-p / 10^-p
        for _ in 0..-p {
            mul_small(&mut digits, 5);
        }
        frac = usize::try_from(-p).unwrap_or(0);
    }
    let text: String = digits.iter().map(|d| char::from(b'0' + d)).collect();
    if frac == 0 {
        text
    } else if frac >= text.len() {
        format!("0.{}{text}", "0".repeat(frac - text.len()))
    } else {
        format!(
            "{}.{}",
            &text[..text.len() - frac],
            &text[text.len() - frac..]
        )
    }
}

/// Exact midpoints between neighbouring doubles (ties to even), and the same just above and
/// just below, across the exponent range including subnormals.
#[test]
fn exact_midpoints() {
    let mut rng = Rng(0x5DEE_CE66_D1CE_F00D);
    for _ in 0..3000 {
        let bits = rng.next() & 0x7FEF_FFFF_FFFF_FFFF;
        let x = f64::from_bits(bits);
        let raw_exp = ((bits >> 52) & 0x7FF) as i32;
        let frac = bits & ((1 << 52) - 1);
        let (m, e) = if raw_exp == 0 {
            (frac, -1074)
        } else {
            (frac | 1 << 52, raw_exp - 1075)
        };
        if !x.is_finite() || !(-1200..=200).contains(&e) {
            continue;
        }
        let mid = midpoint_text(m, e);
        check(&mid);
        check(&format!("{mid}000000000000000000001"));
        let below = match mid.strip_suffix('5') {
            Some(head) => format!("{head}4999999"),
            None => continue,
        };
        check(&below);
    }
}

#[test]
fn random_inputs() {
    let mut rng = Rng(0x0123_4567_89AB_CDEF);
    let alphabet = b"0123456789012345678900000.eE+-";
    for _ in 0..100_000 {
        let n = 1 + rng.below(30);
        let text: String = (0..n)
            .map(|_| char::from(alphabet[rng.below(alphabet.len())]))
            .collect();
        check(&text);
    }
    for _ in 0..40_000 {
        let x = f64::from_bits(rng.next());
        if !x.is_finite() {
            continue;
        }
        check(&format!("{x:e}"));
        check(&format!("{x}"));
        // Shortest text with its last digit moved: usually another double's neighbourhood.
        let mut s = format!("{x:e}");
        if let Some(pos) = s.find('e') {
            if pos > 2 {
                let digits = rng.below(10) as u8;
                s.replace_range(pos - 1..pos, &char::from(b'0' + digits).to_string());
                check(&s);
                s.insert_str(pos, &"7".repeat(rng.below(25)));
                check(&s);
            }
        }
        // Digits with a random decimal point and exponent.
        let digits: String = (0..1 + rng.below(40))
            .map(|_| char::from(b'0' + rng.below(10) as u8))
            .collect();
        let point = rng.below(digits.len() + 1);
        let exp = rng.below(700) as i64 - 350;
        check(&format!("{}.{}e{exp}", &digits[..point], &digits[point..]));
    }
}
