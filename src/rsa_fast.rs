//! RSASSA-PKCS1-v1_5 signature verification (RFC 8017 §8.2.2) on a small bignum made for
//! wasm32, with two interchangeable Montgomery kernels ([`Kernel`]):
//!
//! - 32-bit limbs with `u64` products (wasm has no 64×64→128 multiply), Montgomery
//!   arithmetic in separated form (the full product, or a dedicated squaring that takes each
//!   cross product once, then a reduction that retires two quotient limbs per pass). Used
//!   natively and on wasm without SIMD.
//! - 27-bit limbs with lazy carries on wasm `simd128` ([`ps`]): products go into `u64` column
//!   sums two lanes at a time, with no carry chain. Used by the component build.
//!
//! Both run a left-to-right exponentiation whose last multiply takes the plain base, so the
//! result leaves Montgomery form for free (e = 65537: 16 squarings and 2 multiplications).
//!
//! Cost (2048-bit, e = 65537, BENCHMARKS.md): 51 µs per verification in wasmtime on the SIMD
//! kernel, 81 µs on the 32-bit one (a plain CIOS loop: 122 µs on the same machine), 65 µs
//! natively; key preparation is O(k) in [`RsaPublicKey::new`] plus about 9 µs (wasm) for
//! R² mod n, computed on the key's first verification or at build time (embedded keys).
//!
//! Security: only public data passes through here — the modulus, the public exponent, the
//! signature and the digest — so nothing needs to be constant-time, and it is not: the
//! exponentiation branches on the (public) exponent bits, the final subtractions and the
//! padding comparison branch on public values.

use std::cmp::Ordering;
use std::fmt;
use std::sync::OnceLock;

/// Smallest modulus accepted, in bits.
pub(crate) const MIN_BITS: usize = 2048;
/// Largest modulus accepted, in bits.
pub(crate) const MAX_BITS: usize = 8192;

const MAX_LIMBS: usize = MAX_BITS / 32;
const MAX_BYTES: usize = MAX_BITS / 8;
/// Limbs and bytes of the 2048-bit class (Clerk's keys): verification buffers live on the
/// stack, sized per class, because a fresh instance pays a page fault for each stack page
/// it touches (see `ps::Work`).
const SMALL_LIMBS: usize = 2048 / 32;
const SMALL_BYTES: usize = 2048 / 8;

/// Mask of the low 32 bits of a `u64`.
const LOW: u64 = 0xffff_ffff;

/// Fewest `0xFF` padding octets in an encoded message (RFC 8017 §9.2 step 3).
const MIN_PADDING: usize = 8;

/// The hash function of an RSASSA-PKCS1-v1_5 signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hash {
    /// SHA-256 (RS256).
    Sha256,
    /// SHA-384 (RS384).
    Sha384,
    /// SHA-512 (RS512).
    Sha512,
}

impl Hash {
    /// Digest length in bytes.
    pub(crate) fn output_len(self) -> usize {
        match self {
            Hash::Sha256 => 32,
            Hash::Sha384 => 48,
            Hash::Sha512 => 64,
        }
    }

    /// DER of `DigestInfo` up to the digest octets (RFC 8017 §9.2, note 1).
    fn digest_info_prefix(self) -> &'static [u8] {
        match self {
            Hash::Sha256 => &[
                0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x01, 0x05, 0x00, 0x04, 0x20,
            ],
            Hash::Sha384 => &[
                0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x02, 0x05, 0x00, 0x04, 0x30,
            ],
            Hash::Sha512 => &[
                0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                0x03, 0x05, 0x00, 0x04, 0x40,
            ],
        }
    }
}

/// Which Montgomery arithmetic runs the exponentiation. Both give the same results (tests
/// run every vector through both, see `verify_both`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kernel {
    /// 32-bit limbs, a carry per product: the best scalar code, used natively and on wasm
    /// without SIMD.
    Words32,
    /// 27-bit limbs with lazy carries, two products per wasm SIMD multiply ([`ps`]); on
    /// other targets its lanes are plain arrays (correct, not fast).
    Lanes27,
}

impl Kernel {
    /// `Lanes27` where wasm `simd128` is enabled (the component build, `.cargo/config.toml`):
    /// 51 µs against 81 µs per RS256 verification in wasmtime (BENCHMARKS.md).
    const DEFAULT: Kernel = if cfg!(all(target_arch = "wasm32", target_feature = "simd128")) {
        Kernel::Lanes27
    } else {
        Kernel::Words32
    };
}

/// An RSA public key prepared for repeated verification: the modulus limbs and its
/// Montgomery constants are computed once (R² mod n on first use, see
/// [`RsaPublicKey::precompute`]).
#[derive(Clone)]
pub(crate) struct RsaPublicKey {
    /// Modulus, little-endian 32-bit limbs; the top limb is non-zero.
    n: Vec<u32>,
    /// −n⁻¹ mod 2³².
    n0inv: u32,
    /// R² mod n, R = 2^(32·limbs); computed on first use so that a configuration with
    /// several keys pays only for the keys it verifies with (an instance may live for one
    /// request only).
    rr: OnceLock<Vec<u32>>,
    /// The modulus in 27-bit limbs for [`ps`], derived from `n` and `rr` on first use.
    ps: OnceLock<Option<ps::Modulus>>,
    /// Public exponent: odd, ≥ 3.
    e: u32,
    /// Modulus length in bits.
    bits: usize,
}

impl fmt::Debug for RsaPublicKey {
    // Security: no key material in logs; size and exponent identify the key shape.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RsaPublicKey")
            .field("bits", &self.bits)
            .field("e", &self.e)
            .finish_non_exhaustive()
    }
}

impl RsaPublicKey {
    /// Prepares a key from its big-endian modulus and exponent (leading zeros allowed).
    /// `None` when n is even or outside 2048..=8192 bits, or e is even, below 3 or above
    /// 2³² − 1.
    pub(crate) fn new(n_be: &[u8], e_be: &[u8]) -> Option<Self> {
        let n_be = strip_leading_zeros(n_be);
        let e_be = strip_leading_zeros(e_be);
        let bits = bit_length(n_be);
        if !(MIN_BITS..=MAX_BITS).contains(&bits) || n_be.last().is_none_or(|b| b & 1 == 0) {
            return None;
        }
        if e_be.len() > 4 {
            return None;
        }
        let e = e_be.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
        if e < 3 || e & 1 == 0 {
            return None;
        }
        let mut n = vec![0u32; bits.div_ceil(32)];
        limbs_from_be(&mut n, n_be);
        let n0inv = neg_inverse_mod_word(*n.first()?);
        Some(RsaPublicKey {
            n,
            n0inv,
            rr: OnceLock::new(),
            ps: OnceLock::new(),
            e,
            bits,
        })
    }

    /// The prepared form, for embedding at build time: (modulus limbs, −n⁻¹ mod 2³², R² mod n
    /// limbs, e). Computes R² mod n if not done yet; `None` only if that broke an invariant.
    pub(crate) fn to_parts(&self) -> Option<(&[u32], u32, &[u32], u32)> {
        Some((&self.n, self.n0inv, self.r_squared()?, self.e))
    }

    /// Rebuilds a key from [`RsaPublicKey::to_parts`] without redoing the Montgomery set-up.
    /// Checks what [`RsaPublicKey::new`] checks, that `n0inv` is −n⁻¹ mod 2³² and that R² mod
    /// n is a reduced residue of the right length (its value is trusted: it comes from our own
    /// build, embedded next to the code).
    pub(crate) fn from_parts(n: Vec<u32>, n0inv: u32, rr: Vec<u32>, e: u32) -> Option<Self> {
        let top = *n.last()?;
        let bits = (n.len() - 1) * 32 + (32 - top.leading_zeros() as usize);
        let n0 = *n.first()?;
        let valid = (MIN_BITS..=MAX_BITS).contains(&bits)
            && n0 & 1 == 1
            && top != 0
            && e >= 3
            && e & 1 == 1
            && n0.wrapping_mul(n0inv) == u32::MAX
            && rr.len() == n.len()
            && compare(&rr, &n) == Ordering::Less;
        if !valid {
            return None;
        }
        let cell = OnceLock::new();
        let _ = cell.set(rr);
        Some(RsaPublicKey {
            n,
            n0inv,
            rr: cell,
            ps: OnceLock::new(),
            e,
            bits,
        })
    }

    /// Computes R² mod n now rather than on the first verification (about 9 µs in wasm
    /// for 2048 bits). Idempotent.
    pub(crate) fn precompute(&self) {
        let _ = self.r_squared();
        if Kernel::DEFAULT == Kernel::Lanes27 {
            let _ = self.ps();
        }
    }

    /// Modulus length in bits.
    pub(crate) fn bits(&self) -> usize {
        self.bits
    }

    /// Modulus (and signature) length in bytes.
    pub(crate) fn len_bytes(&self) -> usize {
        self.bits.div_ceil(8)
    }

    /// RSASSA-PKCS1-v1_5 verification of `sig` over a message whose `hash` digest is
    /// `digest`. False for a digest of the wrong length, a signature that is not exactly
    /// the modulus length or whose value is ≥ n, and any encoded message other than
    /// `00 01 FF…FF 00 || DigestInfo(hash) || digest`.
    pub(crate) fn verify_pkcs1v15(&self, hash: Hash, digest: &[u8], sig: &[u8]) -> bool {
        if self.n.len() <= SMALL_LIMBS {
            self.verify_in::<SMALL_BYTES>(hash, digest, sig)
        } else {
            self.verify_in::<MAX_BYTES>(hash, digest, sig)
        }
    }

    /// [`RsaPublicKey::verify_pkcs1v15`] with the encoded message in `B` bytes of stack.
    /// Never inlined: inlined, both classes' buffers would share the caller's frame and
    /// push every deeper frame past them.
    #[inline(never)]
    fn verify_in<const B: usize>(&self, hash: Hash, digest: &[u8], sig: &[u8]) -> bool {
        let len = self.len_bytes();
        if digest.len() != hash.output_len() || sig.len() != len {
            return false;
        }
        let mut em_buf = [0u8; B];
        let Some(em) = em_buf.get_mut(..len) else {
            return false;
        };
        if !self.public_op(sig, em) {
            return false;
        }
        encoded_message_matches(em, hash.digest_info_prefix(), digest)
    }

    /// [`RsaPublicKey::verify_pkcs1v15`] with both kernels; panics if they disagree.
    #[cfg(test)]
    pub(crate) fn verify_both(&self, hash: Hash, digest: &[u8], sig: &[u8]) -> bool {
        let fast = self.verify_pkcs1v15(hash, digest, sig);
        let mut em = vec![0u8; self.len_bytes()];
        let mut other = vec![0u8; self.len_bytes()];
        assert_eq!(
            self.public_op_with(sig, &mut em, Kernel::Words32),
            self.public_op_with(sig, &mut other, Kernel::Lanes27),
            "kernels disagree on whether the signature is in range"
        );
        assert!(em == other, "kernels disagree on sig^e mod n");
        fast
    }

    /// RSAVP1 (RFC 8017 §5.2.2): `out` = sig^e mod n, big-endian, `out.len()` = modulus
    /// length. False when `sig` is not the modulus length or sig ≥ n.
    fn public_op(&self, sig: &[u8], out: &mut [u8]) -> bool {
        self.public_op_with(sig, out, Kernel::DEFAULT)
    }

    /// [`RsaPublicKey::public_op`] on the given kernel.
    fn public_op_with(&self, sig: &[u8], out: &mut [u8], kernel: Kernel) -> bool {
        if self.n.len() <= SMALL_LIMBS {
            self.public_op_in::<SMALL_LIMBS>(sig, out, kernel)
        } else {
            self.public_op_in::<MAX_LIMBS>(sig, out, kernel)
        }
    }

    /// [`RsaPublicKey::public_op_with`] with its operands in `L` limbs of stack each (never
    /// inlined, see [`RsaPublicKey::verify_in`]).
    #[inline(never)]
    fn public_op_in<const L: usize>(&self, sig: &[u8], out: &mut [u8], kernel: Kernel) -> bool {
        let k = self.n.len();
        let len = self.len_bytes();
        if sig.len() != len || out.len() != len {
            return false;
        }
        let mut x_buf = [0u32; L];
        let mut y_buf = [0u32; L];
        let Some(x) = x_buf.get_mut(..k) else {
            return false;
        };
        limbs_from_be(x, sig);
        // RFC 8017 §5.2.2 step 1: the signature representative must be below n.
        if compare(x, &self.n) != Ordering::Less {
            return false;
        }
        let Some(y) = y_buf.get_mut(..k) else {
            return false;
        };
        let done = match kernel {
            Kernel::Words32 => self.pow_e(y, x),
            Kernel::Lanes27 => self.pow_e_lanes(y, x),
        };
        if !done {
            return false;
        }
        limbs_to_be(out, y);
        true
    }

    /// The modulus in 27-bit limbs, prepared once.
    fn ps(&self) -> Option<&ps::Modulus> {
        self.ps
            .get_or_init(|| ps::Modulus::new(&self.n, self.n0inv, self.r_squared()?))
            .as_ref()
    }

    /// R² mod n, computed once. `None` only if the (validated) key broke an invariant.
    fn r_squared(&self) -> Option<&[u32]> {
        let rr = self
            .rr
            .get_or_init(|| r_squared(&self.n, self.bits).unwrap_or_default());
        (rr.len() == self.n.len()).then_some(rr.as_slice())
    }

    /// `y` = x^e mod n for x < n (plain form on both sides) on the 27-bit-limb kernel
    /// ([`ps`], which converts in and out of its limbs).
    fn pow_e_lanes(&self, y: &mut [u32], x: &[u32]) -> bool {
        self.ps().is_some_and(|modulus| modulus.pow(y, x, self.e))
    }

    /// `y` = x^e mod n for x < n (plain, not Montgomery, form on both sides). Never
    /// inlined, so that its 8192-bit buffers stay out of the frame of the SIMD path.
    #[inline(never)]
    fn pow_e(&self, y: &mut [u32], x: &[u32]) -> bool {
        let k = self.n.len();
        let n = self.n.as_slice();
        let n0inv = self.n0inv;
        let mut xm_buf = [0u32; MAX_LIMBS];
        let mut a_buf = [0u32; MAX_LIMBS];
        let mut b_buf = [0u32; MAX_LIMBS];
        let mut wide_buf = [0u32; 2 * MAX_LIMBS];
        let (Some(xm), Some(mut acc), Some(mut spare), Some(wide)) = (
            xm_buf.get_mut(..k),
            a_buf.get_mut(..k),
            b_buf.get_mut(..k),
            wide_buf.get_mut(..2 * k),
        ) else {
            return false;
        };
        let Some(rr) = self.r_squared() else {
            return false;
        };
        // xm = x·R mod n.
        mont_mul(xm, x, rr, n, n0inv, wide);
        for (a, &m) in acc.iter_mut().zip(xm.iter()) {
            *a = m;
        }
        // e is odd and ≥ 3: its top bit is bit 1 or higher, bit 0 is set.
        let top = u32::BITS - 1 - self.e.leading_zeros();
        // Invariant: after the step for bit i, acc = x^(e >> i)·R mod n.
        for i in (1..top).rev() {
            mont_sqr(spare, acc, n, n0inv, wide);
            std::mem::swap(&mut acc, &mut spare);
            if (self.e >> i) & 1 == 1 {
                mont_mul(spare, acc, xm, n, n0inv, wide);
                std::mem::swap(&mut acc, &mut spare);
            }
        }
        // Bit 0: square, then multiply by the plain x, which also divides out R.
        mont_sqr(spare, acc, n, n0inv, wide);
        mont_mul(y, spare, x, n, n0inv, wide);
        true
    }
}

/// Checks `em` = `00 01 FF…FF 00 || prefix || digest` with at least 8 `FF` octets.
fn encoded_message_matches(em: &[u8], prefix: &[u8], digest: &[u8]) -> bool {
    let Some(padding) = em
        .len()
        .checked_sub(3 + prefix.len() + digest.len())
        .filter(|&p| p >= MIN_PADDING)
    else {
        return false;
    };
    let Some((head, rest)) = em.split_at_checked(2) else {
        return false;
    };
    let Some((ps, rest)) = rest.split_at_checked(padding) else {
        return false;
    };
    let Some((separator, t)) = rest.split_first() else {
        return false;
    };
    let Some((t_prefix, t_digest)) = t.split_at_checked(prefix.len()) else {
        return false;
    };
    // Security: not constant-time; every compared byte is public (RFC 8017 §8.2.2 step 4).
    head == [0x00, 0x01]
        && ps.iter().all(|&b| b == 0xff)
        && *separator == 0x00
        && t_prefix == prefix
        && t_digest == digest
}

fn strip_leading_zeros(bytes: &[u8]) -> &[u8] {
    let zeros = bytes.iter().take_while(|&&b| b == 0).count();
    bytes.get(zeros..).unwrap_or_default()
}

/// Bit length of a big-endian magnitude without leading zeros.
fn bit_length(be: &[u8]) -> usize {
    match be.first() {
        None => 0,
        Some(&top) => (be.len() - 1) * 8 + (8 - top.leading_zeros() as usize),
    }
}

/// Fills `limbs` (little-endian) from big-endian bytes; excess limbs are zeroed, excess
/// high bytes (beyond `4·limbs.len()`) ignored.
fn limbs_from_be(limbs: &mut [u32], be: &[u8]) {
    limbs.fill(0);
    for (limb, chunk) in limbs.iter_mut().zip(be.rchunks(4)) {
        *limb = chunk.iter().fold(0u32, |acc, &b| (acc << 8) | u32::from(b));
    }
}

/// Writes the low `out.len()` bytes of `limbs` big-endian.
fn limbs_to_be(out: &mut [u8], limbs: &[u32]) {
    let le_bytes = limbs.iter().flat_map(|l| l.to_le_bytes());
    out.fill(0);
    for (o, b) in out.iter_mut().rev().zip(le_bytes) {
        *o = b;
    }
}

/// −m⁻¹ mod 2³² for odd m (Newton iteration: each step doubles the correct low bits).
fn neg_inverse_mod_word(m: u32) -> u32 {
    // m·m ≡ 1 (mod 8) for odd m: 3 correct bits, then 6, 12, 24, 48.
    let mut inv = m;
    for _ in 0..4 {
        inv = inv.wrapping_mul(2u32.wrapping_sub(m.wrapping_mul(inv)));
    }
    inv.wrapping_neg()
}

/// R² mod n, R = 2^(32k): doublings from 2^(bits−1) reach R mod n, then k steps of
/// "multiply by 2³² mod n" reach R·R mod n. About k² word products: runs once per key.
fn r_squared(n: &[u32], bits: usize) -> Option<Vec<u32>> {
    let k = n.len();
    let top = bits.checked_sub(1)?;
    // Top 32 bits of n, in [2³¹, 2³²): the divisor of the quotient estimates.
    let n_top = u32::try_from(bits_at(n, bits.checked_sub(32)?)).ok()?;
    let mut x = vec![0u32; k + 1];
    *x.get_mut(top / 32)? = 1 << (top % 32);
    // 2^(bits−1) < n (n is odd with `bits` bits); 32k − (bits − 1) doublings give R mod n.
    let (low, _) = x.split_at_mut_checked(k)?;
    for _ in 0..(32 * k - top) {
        double_mod(low, n);
    }
    for _ in 0..k {
        if !mul_word_mod(&mut x, n, n_top, bits) {
            return None;
        }
    }
    x.truncate(k);
    Some(x)
}

/// x = 2x mod n, for x < n.
fn double_mod(x: &mut [u32], n: &[u32]) {
    let mut carry = 0u32;
    for limb in x.iter_mut() {
        let next = *limb >> 31;
        *limb = (*limb << 1) | carry;
        carry = next;
    }
    if carry != 0 || compare(x, n) != Ordering::Less {
        sub_in_place(x, n);
    }
}

/// x = x·2³² mod n, where `y` holds x < n in its low k limbs and has k + 1 limbs.
/// One schoolbook division step: the quotient estimate ⌊Y / (n_top + 1)⌋ from the top 64
/// bits never exceeds the true quotient and falls short by at most 3, fixed by subtracting n.
fn mul_word_mod(y: &mut [u32], n: &[u32], n_top: u32, bits: usize) -> bool {
    y.rotate_right(1); // the top limb is zero: y = x·2³²
    let Some(shift) = bits.checked_sub(32) else {
        return false;
    };
    let q = bits_at(y, shift) / (u64::from(n_top) + 1);
    let Ok(q) = u32::try_from(q) else {
        return false;
    };
    // y −= q·n (no final borrow: q ≤ ⌊y / n⌋).
    let Some((high, low)) = y.split_last_mut() else {
        return false;
    };
    let q = u64::from(q);
    let mut carry = 0u64;
    let mut borrow = 0u64;
    for (limb, &nj) in low.iter_mut().zip(n) {
        let p = u64::from(nj) * q + carry;
        carry = p >> 32;
        let d = u64::from(*limb).wrapping_sub(p & LOW).wrapping_sub(borrow);
        *limb = d as u32;
        borrow = (d >> 32) & 1;
    }
    *high = high.wrapping_sub(carry as u32).wrapping_sub(borrow as u32);
    for _ in 0..4 {
        let Some((high, low)) = y.split_last() else {
            return false;
        };
        if *high == 0 && compare(low, n) == Ordering::Less {
            return true;
        }
        sub_in_place(y, n);
    }
    false
}

/// The 64 bits of `limbs` starting at bit `pos`.
fn bits_at(limbs: &[u32], pos: usize) -> u64 {
    let limb = |i: usize| u128::from(limbs.get(i).copied().unwrap_or(0));
    let i = pos / 32;
    let window = limb(i) | (limb(i + 1) << 32) | (limb(i + 2) << 64);
    (window >> (pos % 32)) as u64
}

/// Compares two little-endian numbers of equal length.
fn compare(a: &[u32], b: &[u32]) -> Ordering {
    for (x, y) in a.iter().rev().zip(b.iter().rev()) {
        match x.cmp(y) {
            Ordering::Equal => {}
            other => return other,
        }
    }
    Ordering::Equal
}

/// a −= b (mod 2^(32·a.len())); b is read as zero past its end.
fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u64;
    let b = b.iter().copied().chain(std::iter::repeat(0));
    for (x, y) in a.iter_mut().zip(b) {
        let d = u64::from(*x)
            .wrapping_sub(u64::from(y))
            .wrapping_sub(borrow);
        *x = d as u32;
        borrow = (d >> 32) & 1;
    }
}

// The kernels below are the hot path. They take slices of equal length (k limbs, or
// windows of the 2k-limb `wide` buffer), walk them with `chunks_exact` + `zip` (no bounds
// checks) unrolled by four, and keep 32-bit limbs with `u64` products and carries: the
// shape that wasm32 (no 64×64→128 multiply) and cranelift compile best. Measured in
// wasmtime against a plain CIOS loop: 0.62× the time for an e = 65537 exponentiation.

/// acc += a·b over `acc.len()` = `a.len()` limbs; returns the carry-out limb.
#[inline(always)]
fn mul_add_row(acc: &mut [u32], a: &[u32], b: u32) -> u32 {
    let b = u64::from(b);
    let mut c = 0u64;
    let mut acc4 = acc.chunks_exact_mut(4);
    let mut a4 = a.chunks_exact(4);
    for (t, x) in (&mut acc4).zip(&mut a4) {
        if let ([t0, t1, t2, t3], [x0, x1, x2, x3]) = (t, x) {
            let s = u64::from(*t0) + u64::from(*x0) * b + c;
            *t0 = s as u32;
            let s = u64::from(*t1) + u64::from(*x1) * b + (s >> 32);
            *t1 = s as u32;
            let s = u64::from(*t2) + u64::from(*x2) * b + (s >> 32);
            *t2 = s as u32;
            let s = u64::from(*t3) + u64::from(*x3) * b + (s >> 32);
            *t3 = s as u32;
            c = s >> 32;
        }
    }
    for (t, &x) in acc4.into_remainder().iter_mut().zip(a4.remainder()) {
        let s = u64::from(*t) + u64::from(x) * b + c;
        *t = s as u32;
        c = s >> 32;
    }
    c as u32
}

/// Two rows in one pass: acc[j] += a[j]·b0 + a[j−1]·b1, where a[−1] is `a_prev`, with
/// the two carry chains seeded by `c0`, `c1`. Returns both carries and the last a limb.
#[inline(always)]
fn mul_add_two_rows(
    acc: &mut [u32],
    a: &[u32],
    mut a_prev: u32,
    b: (u32, u32),
    (mut c0, mut c1): (u64, u64),
) -> (u64, u64, u32) {
    let (b0, b1) = (u64::from(b.0), u64::from(b.1));
    let mut acc4 = acc.chunks_exact_mut(4);
    let mut a4 = a.chunks_exact(4);
    for (t, x) in (&mut acc4).zip(&mut a4) {
        if let ([t0, t1, t2, t3], [x0, x1, x2, x3]) = (t, x) {
            let s0 = u64::from(*t0) + u64::from(*x0) * b0 + c0;
            let s1 = (s0 & LOW) + u64::from(a_prev) * b1 + c1;
            *t0 = s1 as u32;
            let s0 = u64::from(*t1) + u64::from(*x1) * b0 + (s0 >> 32);
            let s1 = (s0 & LOW) + u64::from(*x0) * b1 + (s1 >> 32);
            *t1 = s1 as u32;
            let s0 = u64::from(*t2) + u64::from(*x2) * b0 + (s0 >> 32);
            let s1 = (s0 & LOW) + u64::from(*x1) * b1 + (s1 >> 32);
            *t2 = s1 as u32;
            let s0 = u64::from(*t3) + u64::from(*x3) * b0 + (s0 >> 32);
            let s1 = (s0 & LOW) + u64::from(*x2) * b1 + (s1 >> 32);
            *t3 = s1 as u32;
            c0 = s0 >> 32;
            c1 = s1 >> 32;
            a_prev = *x3;
        }
    }
    for (t, &x) in acc4.into_remainder().iter_mut().zip(a4.remainder()) {
        let s0 = u64::from(*t) + u64::from(x) * b0 + c0;
        let s1 = (s0 & LOW) + u64::from(a_prev) * b1 + c1;
        *t = s1 as u32;
        c0 = s0 >> 32;
        c1 = s1 >> 32;
        a_prev = x;
    }
    (c0, c1, a_prev)
}

/// Montgomery multiplication: out = a·b·R⁻¹ mod n for a, b < n (k limbs each), via the
/// full 2k-limb product in `wide` and [`reduce`].
fn mont_mul(out: &mut [u32], a: &[u32], b: &[u32], n: &[u32], n0inv: u32, wide: &mut [u32]) {
    let k = n.len();
    wide.fill(0);
    for (i, &bi) in b.iter().enumerate() {
        // Row i adds a·b[i] at limb i; its carry lands in the still-zero limb i + k.
        if let Some((carry, row)) = wide.get_mut(i..=i + k).and_then(|row| row.split_last_mut()) {
            *carry = mul_add_row(row, a, bi);
        }
    }
    reduce(out, wide, n, n0inv);
}

/// Montgomery squaring: out = a²·R⁻¹ mod n for a < n. The k(k−1)/2 cross products are
/// taken once, doubled, and the diagonal squares added; then [`reduce`].
fn mont_sqr(out: &mut [u32], a: &[u32], n: &[u32], n0inv: u32, wide: &mut [u32]) {
    wide.fill(0);
    // Cross products: row i adds a[i+1..]·a[i] at limb 2i + 1, its carry lands at i + k.
    let mut rest = a;
    let mut offset = 1;
    while let Some((&ai, tail)) = rest.split_first() {
        if let Some((carry, row)) = wide
            .get_mut(offset..=offset + tail.len())
            .and_then(|row| row.split_last_mut())
        {
            *carry = mul_add_row(row, tail, ai);
        }
        rest = tail;
        offset += 2;
    }
    // Double the cross products and add a[i]² at limb 2i (a² < R²: no carry out).
    let mut shifted_out = 0u32;
    let mut carry = 0u64;
    for (pair, &ai) in wide.chunks_exact_mut(2).zip(a) {
        if let [lo, hi] = pair {
            let square = u64::from(ai) * u64::from(ai);
            let doubled_lo = (*lo << 1) | shifted_out;
            let doubled_hi = (*hi << 1) | (*lo >> 31);
            shifted_out = *hi >> 31;
            let s = u64::from(doubled_lo) + (square & LOW) + carry;
            *lo = s as u32;
            let s = u64::from(doubled_hi) + (square >> 32) + (s >> 32);
            *hi = s as u32;
            carry = s >> 32;
        }
    }
    reduce(out, wide, n, n0inv);
}

/// Montgomery reduction: out = T·R⁻¹ mod n for T = `wide` (2k limbs, T < n·R), two
/// quotient limbs per pass over `wide`. Needs k ≥ 2 (k ≥ 64 here).
fn reduce(out: &mut [u32], wide: &mut [u32], n: &[u32], n0inv: u32) {
    let k = n.len();
    let (Some(&n0), Some(&n1), Some(n_rest)) = (n.first(), n.get(1), n.get(2..)) else {
        return;
    };
    let (n0, n1) = (u64::from(n0), u64::from(n1));
    // The bit that overflows the top limb of the previous pass, owed to limb i + k.
    let mut extra = 0u64;
    let mut i = 0;
    while i + 1 < k {
        // Quotient limbs m0 (zeroes limb i) and m1 (zeroes limb i + 1), then
        // wide[i..] += m0·n + m1·n·2³² over limbs i + 2 ..= i + k + 1.
        let Some((head, rest)) = wide
            .get_mut(i..i + k + 2)
            .and_then(|w| w.split_first_chunk_mut::<2>())
        else {
            return;
        };
        let [w0, w1] = head;
        let m0 = w0.wrapping_mul(n0inv);
        let s = u64::from(*w0) + u64::from(m0) * n0;
        let s0 = u64::from(*w1) + u64::from(m0) * n1 + (s >> 32);
        let m1 = (s0 as u32).wrapping_mul(n0inv);
        let s1 = (s0 & LOW) + u64::from(m1) * n0;
        let Some((body, [top0, top1])) = rest.split_at_mut_checked(k - 2) else {
            return;
        };
        let (c0, c1, n_last) =
            mul_add_two_rows(body, n_rest, n1 as u32, (m0, m1), (s0 >> 32, s1 >> 32));
        let s0 = u64::from(*top0) + c0 + extra;
        let s1 = (s0 & LOW) + u64::from(n_last) * u64::from(m1) + c1;
        *top0 = s1 as u32;
        let s = u64::from(*top1) + (s0 >> 32) + (s1 >> 32);
        *top1 = s as u32;
        extra = s >> 32;
        i += 2;
    }
    if i < k {
        // Odd k: one last single row.
        let Some((top, row)) = wide.get_mut(i..=i + k).and_then(|w| w.split_last_mut()) else {
            return;
        };
        let m = row.first().map_or(0, |&t0| t0.wrapping_mul(n0inv));
        let c = mul_add_row(row, n, m);
        let s = u64::from(*top) + u64::from(c) + extra;
        *top = s as u32;
        extra = s >> 32;
    }
    // The result, below 2n, is extra·R + wide[k..2k].
    for (o, &w) in out.iter_mut().zip(wide.iter().skip(k)) {
        *o = w;
    }
    if extra != 0 || compare(out, n) != Ordering::Less {
        sub_in_place(out, n);
    }
}

#[path = "rsa_fast/ps.rs"]
mod ps;

// The explicit path lets `benches/rsa.rs` compile this file in by `#[path]` as well.
#[cfg(test)]
#[path = "rsa_fast/tests.rs"]
mod tests;
