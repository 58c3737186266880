//! Decimal text to `f64`, correctly rounded (round half to even), as `str::parse::<f64>` does,
//! without core's Eisel–Lemire tables.
//!
//! `str::parse::<f64>` brings about 18 KB into the component (its 128-bit powers of five, the
//! digit table of its slow path and the code around them), for numbers that are nearly always
//! small integers or short decimals. Here:
//!
//! - **fast path** (Clinger): at most 19 significant digits forming an integer `m < 2^53`,
//!   scaled by `10^e` with `|e| ≤ 22` — one exact multiplication or division, so one rounding;
//! - **slow path**: the digits as a decimal of at most [`MAX_DIGITS`] digits (more only set a
//!   sticky "truncated" flag, enough for exact rounding since no double needs more than 767
//!   significant digits to decide it), scaled by powers of two until it lies in `[1/2, 1)`, then
//!   shifted left by 53 bits and rounded — the "simple decimal conversion" of Go's
//!   `strconv` and of core's own fallback. Its work is bounded by the input length and the
//!   clamped exponent.
//!
//! The grammar is `str::parse::<f64>`'s: optional sign, then `inf`, `infinity` or `nan` (any
//! case), or digits with an optional `.` (at least one digit in all) and an optional exponent
//! `e`/`E`, optional sign, at least one digit. `src/float/tests.rs` checks it against core on
//! edge cases and random inputs; the `float` fuzz target does the same on arbitrary text.
//!
//! One known difference, where core is the one that is off: core stops reading an exponent at
//! 65,536, we clamp at 2^40, so a text of more than ~64,000 digits whose exponent cancels
//! them (`"1" + "0"×700000 + "e-700000"`) is `1.0` here, as in JavaScript, and `inf` in core.

/// Significant decimal digits kept by the slow path; further non-zero digits set `trunc`.
const MAX_DIGITS: usize = 800;

/// Room for the digits a left shift by up to [`MAX_SHIFT`] bits adds (`⌈60·log10 2⌉ = 19`).
const SHIFT_ROOM: usize = 20;

/// Largest shift per step: the running value (`< 10·2^60`) fits a `u64`.
const MAX_SHIFT: u32 = 60;

/// Exponents are clamped to this magnitude while parsing; any value beyond is already an
/// infinity or a zero for every input length this crate accepts.
const EXPONENT_CLAMP: i64 = 1 << 40;

/// `str::parse::<f64>`, returning `None` where it returns an error.
pub fn parse_f64(text: &str) -> Option<f64> {
    let bytes = text.as_bytes();
    let (negative, rest) = match bytes.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, bytes),
    };
    let magnitude = if rest.eq_ignore_ascii_case(b"inf") || rest.eq_ignore_ascii_case(b"infinity") {
        f64::INFINITY
    } else if rest.eq_ignore_ascii_case(b"nan") {
        f64::NAN
    } else {
        Decimal::parse(rest)?.into_f64()
    };
    Some(if negative { -magnitude } else { magnitude })
}

/// `0.d₁d₂…d_nd × 10^dp`, digits as values 0–9, no leading zero, no trailing zero.
struct Decimal {
    digits: Vec<u8>,
    /// Decimal point position.
    dp: i64,
    /// Non-zero digits were dropped beyond [`MAX_DIGITS`].
    trunc: bool,
}

impl Decimal {
    /// The unsigned decimal grammar of `str::parse::<f64>`; `None` when `text` is not one.
    fn parse(text: &[u8]) -> Option<Decimal> {
        let mut d = Decimal {
            digits: Vec::new(),
            dp: 0,
            trunc: false,
        };
        let mut i = 0;
        let mut saw_digit = false;
        let mut saw_dot = false;
        // Zeros after a significant digit, stored only when a non-zero digit follows, so that
        // `digits` never ends in a zero.
        let mut pending_zeros: usize = 0;
        while let Some(&c) = text.get(i) {
            match c {
                b'0'..=b'9' => {
                    saw_digit = true;
                    let digit = c - b'0';
                    if d.digits.is_empty() && pending_zeros == 0 && digit == 0 {
                        // A leading zero: after the point it moves the point.
                        if saw_dot {
                            d.dp = d.dp.saturating_sub(1);
                        }
                        i += 1;
                        continue;
                    }
                    if digit == 0 {
                        pending_zeros += 1;
                    } else {
                        let room = MAX_DIGITS.saturating_sub(d.digits.len());
                        d.digits
                            .extend(std::iter::repeat_n(0, pending_zeros.min(room)));
                        pending_zeros = 0;
                        if d.digits.len() < MAX_DIGITS {
                            d.digits.push(digit);
                        } else {
                            d.trunc = true;
                        }
                    }
                    if !saw_dot {
                        d.dp = d.dp.saturating_add(1);
                    }
                }
                b'.' if !saw_dot => saw_dot = true,
                _ => break,
            }
            i += 1;
        }
        if !saw_digit {
            return None;
        }
        if let Some(&(b'e' | b'E')) = text.get(i) {
            i += 1;
            let negative = match text.get(i) {
                Some(b'-') => {
                    i += 1;
                    true
                }
                Some(b'+') => {
                    i += 1;
                    false
                }
                _ => false,
            };
            let start = i;
            let mut exponent: i64 = 0;
            while let Some(&c @ b'0'..=b'9') = text.get(i) {
                exponent = (exponent * 10 + i64::from(c - b'0')).min(EXPONENT_CLAMP);
                i += 1;
            }
            if i == start {
                return None;
            }
            d.dp =
                d.dp.saturating_add(if negative { -exponent } else { exponent });
        }
        if i != text.len() {
            return None;
        }
        Some(d)
    }

    fn into_f64(mut self) -> f64 {
        if self.digits.is_empty() {
            return 0.0;
        }
        if let Some(x) = self.fast_path() {
            return x;
        }
        // Obvious overflow and underflow (go's strconv bounds).
        if self.dp > 310 {
            return f64::INFINITY;
        }
        if self.dp < -330 {
            return 0.0;
        }
        self.slow_path()
    }

    /// Clinger's fast path: an exact integer times or over an exact power of ten.
    fn fast_path(&self) -> Option<f64> {
        const POW10: [f64; 23] = [
            1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
        ];
        if self.digits.len() > 19 {
            return None;
        }
        let small = self
            .digits
            .iter()
            .fold(0u64, |n, &digit| n * 10 + u64::from(digit));
        if small >= 1 << 53 {
            return None;
        }
        let exponent = self
            .dp
            .checked_sub(i64::try_from(self.digits.len()).ok()?)?;
        let m = small as f64; // exact: below 2^53
        let pow = |e: i64| POW10.get(usize::try_from(e).ok()?).copied();
        if exponent >= 0 {
            Some(m * pow(exponent)?)
        } else {
            Some(m / pow(-exponent)?)
        }
    }

    /// Go's `decimal.floatBits` for `float64` (bias −1023, 52 mantissa bits), with core's
    /// 60-bit steps.
    fn slow_path(&mut self) -> f64 {
        const BIAS: i64 = -1023;
        // `POWERS[n]`: a shift that keeps a decimal point `n` places out on the same side.
        const POWERS: [u32; 19] = [
            0, 3, 6, 9, 13, 16, 19, 23, 26, 29, 33, 36, 39, 43, 46, 49, 53, 56, 59,
        ];
        let step = |dp: i64| -> u32 {
            usize::try_from(dp)
                .ok()
                .and_then(|i| POWERS.get(i).copied())
                .unwrap_or(MAX_SHIFT)
        };
        // Scale by powers of two into [1/2, 1).
        let mut exp: i64 = 0;
        while self.dp > 0 {
            let n = step(self.dp);
            self.shift_right(n);
            exp += i64::from(n);
        }
        while self.dp <= 0 {
            let n = match (self.dp, self.digits.first()) {
                (_, None) => return 0.0,
                (0, Some(&first)) if first >= 5 => break,
                (0, Some(0 | 1)) => 2,
                (0, Some(_)) => 1,
                (dp, _) => step(-dp),
            };
            self.shift_left(n);
            exp -= i64::from(n);
        }
        // [1/2, 1) to the [1, 2) of the floating-point significand.
        exp -= 1;
        // Below the smallest normal exponent: denormal, shift the extra out.
        if exp < BIAS + 1 {
            let n = BIAS + 1 - exp;
            self.shift_right_by(n);
            exp += n;
        }
        if exp - BIAS >= 0x7FF {
            return f64::INFINITY;
        }
        self.shift_left(53);
        let mut mant = self.rounded_integer();
        if mant == 2 << 52 {
            mant >>= 1;
            exp += 1;
            if exp - BIAS >= 0x7FF {
                return f64::INFINITY;
            }
        }
        if mant & (1 << 52) == 0 {
            exp = BIAS;
        }
        let biased = u64::try_from(exp - BIAS).unwrap_or(0) & 0x7FF;
        f64::from_bits((mant & ((1 << 52) - 1)) | (biased << 52))
    }

    /// Divides by `2^k` for any `k ≥ 0`, in steps of at most [`MAX_SHIFT`] bits.
    fn shift_right_by(&mut self, mut k: i64) {
        while k > 0 && !self.digits.is_empty() {
            let n = u32::try_from(k.min(i64::from(MAX_SHIFT))).unwrap_or(MAX_SHIFT);
            self.shift_right(n);
            k -= i64::from(n);
        }
    }

    /// Multiplies by `2^k`, `k ≤ 60`: digits from the right, into a buffer with room for the
    /// new leading digits.
    fn shift_left(&mut self, k: u32) {
        debug_assert!(k <= MAX_SHIFT);
        let nd = self.digits.len();
        let mut out = vec![0u8; nd + SHIFT_ROOM];
        let mut w = out.len();
        let mut n: u64 = 0;
        for &digit in self.digits.iter().rev() {
            n += u64::from(digit) << k;
            w -= 1;
            if let Some(slot) = out.get_mut(w) {
                *slot = (n % 10) as u8;
            }
            n /= 10;
        }
        while n > 0 {
            w = w.saturating_sub(1);
            if let Some(slot) = out.get_mut(w) {
                *slot = (n % 10) as u8;
            }
            n /= 10;
        }
        let added = (out.len() - w) as i64 - nd as i64;
        out.drain(..w);
        self.dp = self.dp.saturating_add(added);
        self.digits = out;
        self.cap_and_trim();
    }

    /// Divides by `2^k`, `1 ≤ k ≤ 60` (go's `rightShift`).
    fn shift_right(&mut self, k: u32) {
        debug_assert!((1..=MAX_SHIFT).contains(&k));
        let mut r = 0;
        let mut n: u64 = 0;
        // Enough leading digits to cover the first shift.
        while n >> k == 0 {
            match self.digits.get(r) {
                Some(&digit) => n = n * 10 + u64::from(digit),
                None if n == 0 => {
                    self.digits.clear();
                    return;
                }
                None => n *= 10,
            }
            r += 1;
        }
        self.dp = self.dp.saturating_sub(r as i64 - 1);
        let mask = (1u64 << k) - 1;
        let mut out = Vec::with_capacity(self.digits.len() + SHIFT_ROOM);
        for &digit in self.digits.get(r..).unwrap_or_default() {
            out.push((n >> k) as u8);
            n = (n & mask) * 10 + u64::from(digit);
        }
        // The remaining digits.
        while n > 0 {
            let digit = (n >> k) as u8;
            n = (n & mask) * 10;
            if out.len() < MAX_DIGITS {
                out.push(digit);
            } else if digit > 0 {
                self.trunc = true;
            }
        }
        self.digits = out;
        self.cap_and_trim();
    }

    /// At most [`MAX_DIGITS`] digits (dropping non-zero ones sets `trunc`), no trailing zero.
    fn cap_and_trim(&mut self) {
        if self.digits.len() > MAX_DIGITS {
            if self
                .digits
                .get(MAX_DIGITS..)
                .is_some_and(|t| t.iter().any(|&d| d != 0))
            {
                self.trunc = true;
            }
            self.digits.truncate(MAX_DIGITS);
        }
        while self.digits.last() == Some(&0) {
            self.digits.pop();
        }
    }

    /// The integer part, rounded half to even (a dropped non-zero tail rounds a half up).
    fn rounded_integer(&self) -> u64 {
        if self.dp > 20 {
            return u64::MAX;
        }
        // Below 1/10: rounds to zero.
        let Ok(dp) = usize::try_from(self.dp) else {
            return 0;
        };
        let mut n: u64 = 0;
        for i in 0..dp {
            n = n * 10 + u64::from(self.digits.get(i).copied().unwrap_or(0));
        }
        let round_up = match self.digits.get(dp) {
            Some(5) if dp + 1 == self.digits.len() => {
                self.trunc || dp > 0 && self.digits.get(dp - 1).is_some_and(|d| d % 2 == 1)
            }
            Some(&d) => d >= 5,
            None => false,
        };
        n + u64::from(round_up)
    }
}

#[cfg(test)]
mod tests;
