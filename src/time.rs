//! Time values and the two JavaScript date rules the reference relies on.
//!
//! The core never reads a clock: every function that needs "now" takes a [`UnixMillis`].

/// Milliseconds since the Unix epoch, as JavaScript's `Date.now()` counts them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnixMillis(pub i64);

impl UnixMillis {
    /// The value in milliseconds.
    pub fn as_millis(self) -> i64 {
        self.0
    }

    /// Whole seconds, rounded down (`Math.floor(now / 1000)`).
    pub fn as_secs_floor(self) -> i64 {
        self.0.div_euclid(1000)
    }
}

/// Converts a numeric claim in seconds to milliseconds the way `Date#setUTCSeconds` does:
/// fractional seconds are truncated toward zero.
///
/// Parity §3.3 / D13: JavaScript turns values beyond ±8.64e15 ms into an invalid date and then
/// silently passes every comparison; we saturate to 64-bit instead, so a far-future `nbf` is
/// still "not active yet" and a far-past `exp` still expired.
pub(crate) fn claim_secs_to_millis(secs: f64) -> i64 {
    if secs.is_nan() {
        return 0;
    }
    // `as` saturates on overflow and maps ±inf to i64::MIN/MAX.
    let whole = secs.trunc();
    (whole * 1000.0) as i64
}

const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// Formats milliseconds since the epoch like JavaScript's `Date#toUTCString()`
/// (RFC 7231 IMF-fixdate), e.g. `Mon, 24 Oct 2022 21:51:50 GMT`.
pub fn to_utc_string(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let ms_of_day = ms.rem_euclid(86_400_000);
    let secs_of_day = ms_of_day / 1000;
    let (h, m, s) = (
        secs_of_day / 3600,
        (secs_of_day / 60) % 60,
        secs_of_day % 60,
    );
    let weekday = DAYS
        .get(usize::try_from(days.rem_euclid(7)).unwrap_or(0))
        .copied()
        .unwrap_or("Thu");
    let (year, month, day) = civil_from_days(days);
    let month_name = MONTHS
        .get(usize::try_from(month.saturating_sub(1)).unwrap_or(0))
        .copied()
        .unwrap_or("Jan");
    let year_text = if year < 0 {
        format!("-{:04}", year.unsigned_abs())
    } else {
        format!("{year:04}")
    };
    format!("{weekday}, {day:02} {month_name} {year_text} {h:02}:{m:02}:{s:02} GMT")
}

/// Days since 1970-01-01 → (year, month 1–12, day 1–31), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`, in 128-bit so any `i64` input is safe).
fn civil_from_days(days: i64) -> (i128, i64, i64) {
    let z = i128::from(days) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i128::from(month <= 2);
    (year, month as i64, day as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_js_to_utc_string() {
        assert_eq!(
            to_utc_string(1_666_648_310_000),
            "Mon, 24 Oct 2022 21:51:50 GMT"
        );
        assert_eq!(to_utc_string(0), "Thu, 01 Jan 1970 00:00:00 GMT");
        assert_eq!(to_utc_string(-1), "Wed, 31 Dec 1969 23:59:59 GMT");
        assert_eq!(
            to_utc_string(951_782_400_000),
            "Tue, 29 Feb 2000 00:00:00 GMT"
        );
        assert_eq!(
            to_utc_string(4_102_444_800_000),
            "Fri, 01 Jan 2100 00:00:00 GMT"
        );
        // Extremes never panic.
        let _ = to_utc_string(i64::MAX);
        let _ = to_utc_string(i64::MIN);
    }

    #[test]
    fn seconds_truncate_toward_zero_and_saturate() {
        assert_eq!(claim_secs_to_millis(1.9), 1000);
        assert_eq!(claim_secs_to_millis(-1.9), -1000);
        assert_eq!(claim_secs_to_millis(1e30), i64::MAX);
        assert_eq!(claim_secs_to_millis(-1e30), i64::MIN);
        assert_eq!(claim_secs_to_millis(f64::NAN), 0);
    }

    #[test]
    fn floor_seconds() {
        assert_eq!(UnixMillis(1999).as_secs_floor(), 1);
        assert_eq!(UnixMillis(-1).as_secs_floor(), -1);
    }
}
