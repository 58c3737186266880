//! Montgomery arithmetic on 27-bit limbs with lazy carries, for the RSA public operation in
//! [`super`] on wasm `simd128` ([`super::Kernel::Lanes27`]).
//!
//! Why 27 bits: a limb product is below 2⁵⁴ (2⁵⁵ for the doubled cross products of a
//! square), so every column of a·b + m·n — at most 2k + 2 such terms, k ≤ 305 limbs for
//! 8192-bit keys — sums in a `u64` with no carry per product. Products are then only
//! multiply-and-add, two 64-bit lanes at a time (`i64x2.extmul_{low,high}_i32x4_u` as
//! written; LLVM widens the row's loop-invariant multiplier once and emits `i64x2.mul`). The
//! 32-bit kernel in [`super`] needs a carry chain per product instead.
//!
//! Shape (operand scanning): the rows a[i]·b (or, squaring, a[i]·(a[i], 2a[i+1], …) from
//! column 2i), then the reduction's rows m[i]·n, add into the column sums `t`, two per
//! [`lanes::Pair`]. Rows i and i + 1 (i even) start at the same pair when row i + 1 reads b
//! shifted up by one limb, so both go in one pass over `t` (b is kept as quads at shift 0
//! and 1): that halves the loads and stores of `t`, which bound the loop. Only the
//! reduction walks columns in order, to pick m[i] (clearing column i's low 27 bits) and
//! carry.
//!
//! Measured in wasmtime 48, 2048-bit RS256 (BENCHMARKS.md): 32-bit kernel 81 µs; this one with
//! one row per pass 61 µs, two rows 51 µs. Tried and slower: product scanning (each column
//! as dot products of a with b reversed: 73 µs, the per-column set-up dominates at k = 76);
//! four rows per pass (170 µs: the eight loop-invariant widened multipliers do not fit in
//! registers); forcing `i64x2.extmul` in the row loop (LLVM widens the loop-invariant
//! multiplier outside the loop and then emits `i64x2.mul`; hiding the invariant to keep
//! `extmul` cost more than it saved: 72 µs).
//!
//! Only public values pass through here (see [`super`]): nothing is constant-time.

use std::cmp::Ordering;

// Limb-wise comparison does not depend on the limb width.
use super::compare;

/// Bits per limb.
pub(super) const W: u32 = 27;
/// Mask of one limb.
const MASK: u64 = (1 << W) - 1;

/// Limbs needed so that R = 2^(27·k) ≥ 2^(32·k32), the 32-bit-limb R of the same modulus.
pub(super) const fn limbs_for(k32: usize) -> usize {
    (32 * k32).div_ceil(W as usize)
}

/// `out` (27-bit limbs) = the number in `from` (32-bit limbs, little-endian); bits past
/// `27·out.len()` are dropped.
pub(super) fn from_u32_limbs(out: &mut [u32], from: &[u32]) {
    let mut bit = 0usize;
    for limb in out.iter_mut() {
        let i = bit / 32;
        let shift = bit % 32;
        let lo = u64::from(from.get(i).copied().unwrap_or(0));
        let hi = u64::from(from.get(i + 1).copied().unwrap_or(0));
        *limb = (((lo | (hi << 32)) >> shift) & MASK) as u32;
        bit += W as usize;
    }
}

/// `out` (32-bit limbs) = the number in `from` (27-bit limbs); bits past `32·out.len()` are
/// dropped.
pub(super) fn to_u32_limbs(out: &mut [u32], from: &[u32]) {
    out.fill(0);
    let mut bit = 0usize;
    for &limb in from {
        let i = bit / 32;
        let shift = bit % 32;
        let v = u64::from(limb) << shift;
        if let Some(o) = out.get_mut(i) {
            *o |= v as u32;
        }
        if let Some(o) = out.get_mut(i + 1) {
            *o |= (v >> 32) as u32;
        }
        bit += W as usize;
    }
}

/// Four limbs side by side, and two `u64` column sums side by side: `v128` with wasm
/// `simd128`, plain arrays elsewhere (the same algorithm, so native tests cover it; natively
/// the 32-bit kernel is the one in use).
mod lanes {
    #[cfg(all(target_arch = "wasm32", target_feature = "simd128"))]
    mod imp {
        pub(crate) use core::arch::wasm32::v128 as Quad;
        pub(crate) use core::arch::wasm32::v128 as Pair;
        use core::arch::wasm32::{
            i64x2_add, i64x2_extmul_high_u32x4, i64x2_extmul_low_u32x4, u32x4, u32x4_splat, u64x2,
            u64x2_extract_lane,
        };

        #[inline(always)]
        pub(crate) fn quad(l: [u32; 4]) -> Quad {
            u32x4(l[0], l[1], l[2], l[3])
        }
        #[inline(always)]
        pub(crate) fn splat(x: u32) -> Quad {
            u32x4_splat(x)
        }
        #[inline(always)]
        pub(crate) fn pair(lo: u64, hi: u64) -> Pair {
            u64x2(lo, hi)
        }
        /// acc += (a₀·b₀, a₁·b₁), hi += (a₂·b₂, a₃·b₃).
        #[inline(always)]
        pub(crate) fn mul_acc(lo: &mut Pair, hi: &mut Pair, a: Quad, b: Quad) {
            *lo = i64x2_add(*lo, i64x2_extmul_low_u32x4(a, b));
            *hi = i64x2_add(*hi, i64x2_extmul_high_u32x4(a, b));
        }
        /// [`mul_acc`] of a·s and b·u, with one read and write of the pairs.
        #[inline(always)]
        pub(crate) fn mul_acc2(lo: &mut Pair, hi: &mut Pair, a: Quad, s: Quad, b: Quad, u: Quad) {
            let l = i64x2_add(i64x2_extmul_low_u32x4(a, s), i64x2_extmul_low_u32x4(b, u));
            let h = i64x2_add(i64x2_extmul_high_u32x4(a, s), i64x2_extmul_high_u32x4(b, u));
            *lo = i64x2_add(*lo, l);
            *hi = i64x2_add(*hi, h);
        }
        #[inline(always)]
        pub(crate) fn lanes(p: Pair) -> (u64, u64) {
            (u64x2_extract_lane::<0>(p), u64x2_extract_lane::<1>(p))
        }
    }

    #[cfg(not(all(target_arch = "wasm32", target_feature = "simd128")))]
    mod imp {
        pub(crate) type Quad = [u32; 4];
        pub(crate) type Pair = [u64; 2];

        #[inline(always)]
        pub(crate) fn quad(l: [u32; 4]) -> Quad {
            l
        }
        #[inline(always)]
        pub(crate) fn splat(x: u32) -> Quad {
            [x; 4]
        }
        #[inline(always)]
        pub(crate) fn pair(lo: u64, hi: u64) -> Pair {
            [lo, hi]
        }
        #[inline(always)]
        pub(crate) fn mul_acc(lo: &mut Pair, hi: &mut Pair, a: Quad, b: Quad) {
            let [a0, a1, a2, a3] = a.map(u64::from);
            let [b0, b1, b2, b3] = b.map(u64::from);
            lo[0] += a0 * b0;
            lo[1] += a1 * b1;
            hi[0] += a2 * b2;
            hi[1] += a3 * b3;
        }
        #[inline(always)]
        pub(crate) fn mul_acc2(lo: &mut Pair, hi: &mut Pair, a: Quad, s: Quad, b: Quad, u: Quad) {
            mul_acc(lo, hi, a, s);
            mul_acc(lo, hi, b, u);
        }
        #[inline(always)]
        pub(crate) fn lanes(p: Pair) -> (u64, u64) {
            (p[0], p[1])
        }
    }

    pub(crate) use imp::*;
}

use lanes::{Pair, Quad};

/// The limbs of `x` in groups of four, shifted up by `shift` limbs (zeros below and above).
fn quads(out: &mut [Quad], x: &[u32], shift: usize) {
    for (g, q) in out.iter_mut().enumerate() {
        let at = |j: usize| {
            (4 * g + j)
                .checked_sub(shift)
                .and_then(|i| x.get(i))
                .copied()
                .unwrap_or(0)
        };
        *q = lanes::quad([at(0), at(1), at(2), at(3)]);
    }
}

/// Column sums `t` (two per [`Pair`]) += s·x·2^(27·i), with `x` given as its quads at shift 0
/// (`even`) and shift 1 (`odd`): row i starts at pair ⌊i/2⌋, from the copy whose first
/// lane lands on column i.
#[inline(always)]
fn add_row(t: &mut [Pair], i: usize, s: u32, even: &[Quad], odd: &[Quad]) {
    let groups = if i % 2 == 0 { even } else { odd };
    add_quads(t, i / 2, s, groups);
}

/// `t` from pair `start` on += s·(each quad), two pairs per quad.
#[inline(always)]
fn add_quads(t: &mut [Pair], start: usize, s: u32, groups: &[Quad]) {
    let s = lanes::splat(s);
    let Some(t) = t.get_mut(start..) else {
        return;
    };
    for (pairs, &g) in t.chunks_exact_mut(2).zip(groups) {
        if let [lo, hi] = pairs {
            lanes::mul_acc(lo, hi, g, s);
        }
    }
}

/// Rows i and i + 1 (i even) in one pass: both start at pair i/2, row i from the shift-0
/// quads `even`, row i + 1 from the shift-1 quads `odd` (see [`add_row`]).
#[inline(always)]
fn add_row_pair(t: &mut [Pair], i: usize, (s, u): (u32, u32), even: &[Quad], odd: &[Quad]) {
    add_quad_pairs(t, i / 2, (s, u), even, odd);
}

/// `t` from pair `start` on += s·(each quad of `x`) + u·(each quad of `y`).
#[inline(always)]
fn add_quad_pairs(t: &mut [Pair], start: usize, (s, u): (u32, u32), x: &[Quad], y: &[Quad]) {
    let (s, u) = (lanes::splat(s), lanes::splat(u));
    let Some(t) = t.get_mut(start..) else {
        return;
    };
    for ((pairs, &g), &h) in t.chunks_exact_mut(2).zip(x).zip(y) {
        if let [lo, hi] = pairs {
            lanes::mul_acc2(lo, hi, g, s, h, u);
        }
    }
}

/// Quads of an operand of at most [`MAX_LIMBS`] limbs, at shift 0 or 1.
const MAX_QUADS: usize = quads_for(MAX_LIMBS);
/// Column-sum pairs of a full product (2k columns and the rows' overhang).
const MAX_PAIRS: usize = pairs_for(MAX_LIMBS);
/// Limbs, quads and pairs of the 2048-bit class (Clerk's keys), see [`Work`].
const SMALL_LIMBS: usize = limbs_for(2048 / 32);
const SMALL_QUADS: usize = quads_for(SMALL_LIMBS);
const SMALL_PAIRS: usize = pairs_for(SMALL_LIMBS);

/// Quads of a k-limb operand at shift 0 or 1 (one more for the shifted copy's top limb).
const fn quads_for(k: usize) -> usize {
    k.div_ceil(4) + 1
}

/// Column-sum pairs for k-limb operands: every row, shifted copy included, stays inside.
const fn pairs_for(k: usize) -> usize {
    4 * quads_for(k)
}

/// Stack memory for one exponentiation of up to `L` limbs: six operands (x and y, x·R, the
/// accumulator, a spare, the doubled operand of a square), two quad copies of `Q` quads and
/// `P` column-sum pairs. [`Modulus::pow`] picks the class of its key, so a 2048-bit
/// verification zeroes and touches about 4 KB of stack rather than the 17 KB an 8192-bit key
/// needs: a fresh instance pays a page fault for each stack page it touches, and every
/// product used to zero the 8192-bit column sums.
struct Work<const L: usize, const Q: usize, const P: usize> {
    limbs: [[u32; L]; 6],
    quads: [[Quad; Q]; 2],
    t: [Pair; P],
}

impl<const L: usize, const Q: usize, const P: usize> Work<L, Q, P> {
    fn new() -> Self {
        let zero = lanes::quad([0; 4]);
        Work {
            limbs: [[0; L]; 6],
            quads: [[zero; Q]; 2],
            t: [lanes::pair(0, 0); P],
        }
    }

    /// The buffers cut for k limbs: x, y, x·R, accumulator, spare, and the products'
    /// scratch. `None` if k does not fit this class.
    #[allow(
        clippy::type_complexity,
        reason = "five operands and the scratch, named at use"
    )]
    fn parts(&mut self, k: usize) -> Option<([&mut [u32]; 5], Scratch<'_>)> {
        let quad_count = quads_for(k);
        let [x, y, xm, acc, spare, doubled] = &mut self.limbs;
        let [even, odd] = &mut self.quads;
        Some((
            [
                x.get_mut(..k)?,
                y.get_mut(..k)?,
                xm.get_mut(..k)?,
                acc.get_mut(..k)?,
                spare.get_mut(..k)?,
            ],
            Scratch {
                doubled: doubled.get_mut(..k)?,
                even: even.get_mut(..quad_count)?,
                odd: odd.get_mut(..quad_count)?,
                t: self.t.get_mut(..pairs_for(k))?,
            },
        ))
    }
}

/// What [`Modulus::mont_mul`] and [`Modulus::mont_sqr`] work in, cut to the key's size.
struct Scratch<'a> {
    /// The doubled operand of a square.
    doubled: &'a mut [u32],
    /// The second operand (or the doubled one) in quads at shift 0 and 1.
    even: &'a mut [Quad],
    odd: &'a mut [Quad],
    /// Column sums, two per pair.
    t: &'a mut [Pair],
}

/// A modulus in 27-bit limbs with its Montgomery constants, R = 2^(27·k).
#[derive(Clone)]
pub(super) struct Modulus {
    /// n, little-endian 27-bit limbs (k of them; the top ones may be zero).
    n: Vec<u32>,
    /// n in quads at shift 0 and 1 (see [`add_row`]).
    n_even: Vec<Quad>,
    n_odd: Vec<Quad>,
    /// −n⁻¹ mod 2²⁷.
    n0inv: u32,
    /// R² mod n, 27-bit limbs.
    rr: Vec<u32>,
}

/// Most limbs of an operand: 8192 bits.
pub(super) const MAX_LIMBS: usize = super::MAX_BITS.div_ceil(W as usize) + 1;

impl Modulus {
    /// From the 32-bit-limb modulus `n32`, −n⁻¹ mod 2³² and R₃₂² mod n for R₃₂ = 2^(32·k32).
    /// R² mod n for this R = 2^(27·k) is R₃₂² doubled 2·(27k − 32k32) times mod n.
    pub(super) fn new(n32: &[u32], n0inv32: u32, rr32: &[u32]) -> Option<Self> {
        let k = limbs_for(n32.len());
        if k > MAX_LIMBS || rr32.len() != n32.len() {
            return None;
        }
        let mut rr = rr32.to_vec();
        for _ in 0..2 * (W as usize * k - 32 * n32.len()) {
            super::double_mod(&mut rr, n32);
        }
        let mut n = vec![0u32; k];
        from_u32_limbs(&mut n, n32);
        let mut rr27 = vec![0u32; k];
        from_u32_limbs(&mut rr27, &rr);
        let quad_count = quads_for(k);
        let mut n_even = vec![lanes::quad([0; 4]); quad_count];
        let mut n_odd = vec![lanes::quad([0; 4]); quad_count];
        quads(&mut n_even, &n, 0);
        quads(&mut n_odd, &n, 1);
        Some(Modulus {
            n,
            n_even,
            n_odd,
            n0inv: (u64::from(n0inv32) & MASK) as u32,
            rr: rr27,
        })
    }

    /// Limbs per operand.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.n.len()
    }

    /// `y32` = x32^e mod n for x32 < n, both in 32-bit limbs, e odd ≥ 3, on stack memory
    /// of the key's size class ([`Work`]).
    pub(super) fn pow(&self, y32: &mut [u32], x32: &[u32], e: u32) -> bool {
        if self.n.len() <= SMALL_LIMBS {
            self.pow_in::<SMALL_LIMBS, SMALL_QUADS, SMALL_PAIRS>(y32, x32, e)
        } else {
            self.pow_in::<MAX_LIMBS, MAX_QUADS, MAX_PAIRS>(y32, x32, e)
        }
    }

    /// [`Modulus::pow`] in a [`Work`] of class `L`, `Q`, `P`. Never inlined: inlined, both
    /// classes' [`Work`] would share the caller's frame and push every deeper frame past
    /// them.
    #[inline(never)]
    fn pow_in<const L: usize, const Q: usize, const P: usize>(
        &self,
        y32: &mut [u32],
        x32: &[u32],
        e: u32,
    ) -> bool {
        let mut work = Work::<L, Q, P>::new();
        let Some(([x, y, xm, mut acc, mut spare], mut s)) = work.parts(self.n.len()) else {
            return false;
        };
        from_u32_limbs(x, x32);
        // xm = x·R mod n.
        self.mont_mul(xm, x, &self.rr, &mut s);
        acc.copy_from_slice(xm);
        let top = u32::BITS - 1 - e.leading_zeros();
        for i in (1..top).rev() {
            self.mont_sqr(spare, acc, &mut s);
            std::mem::swap(&mut acc, &mut spare);
            if (e >> i) & 1 == 1 {
                self.mont_mul(spare, acc, xm, &mut s);
                std::mem::swap(&mut acc, &mut spare);
            }
        }
        // Bit 0: square, then multiply by the plain x, which also divides out R.
        self.mont_sqr(spare, acc, &mut s);
        self.mont_mul(y, spare, x, &mut s);
        to_u32_limbs(y32, y);
        true
    }

    /// out = a·b·R⁻¹ mod n for a, b < n. Operand scanning with lazy carries: every row of
    /// a·b adds into `u64` column sums, then [`Modulus::reduce`].
    fn mont_mul(&self, out: &mut [u32], a: &[u32], b: &[u32], s: &mut Scratch<'_>) {
        quads(s.even, b, 0);
        quads(s.odd, b, 1);
        let t = &mut *s.t;
        t.fill(lanes::pair(0, 0));
        let mut pairs = a.chunks_exact(2);
        for (p, ai) in (&mut pairs).enumerate() {
            if let [a0, a1] = ai {
                add_row_pair(t, 2 * p, (*a0, *a1), s.even, s.odd);
            }
        }
        if let [last] = pairs.remainder() {
            add_row(t, a.len() - 1, *last, s.even, s.odd);
        }
        self.reduce(out, t);
    }

    /// out = a²·R⁻¹ mod n for a < n. Row i adds a[i]·(a[i], 2a[i+1], 2a[i+2], …) at column
    /// 2i: each cross product once, doubled (below 2⁵⁵; the column bound still holds).
    fn mont_sqr(&self, out: &mut [u32], a: &[u32], s: &mut Scratch<'_>) {
        let k = self.n.len();
        let zero = lanes::quad([0; 4]);
        for (d, &x) in s.doubled.iter_mut().zip(a) {
            *d = x << 1;
        }
        let doubled = &*s.doubled;
        quads(s.even, doubled, 0);
        quads(s.odd, doubled, 1);
        let (d_even, d_odd) = (&*s.even, &*s.odd);
        let t = &mut *s.t;
        t.fill(lanes::pair(0, 0));
        // Row i's first quad: in the copy for its parity, limb i sits at position i + shift,
        // in quad g0; that quad is rebuilt with zeros below limb i and a[i] itself (not
        // doubled) at limb i.
        let first_quad = |i: usize| {
            let shift = i % 2;
            let g0 = (i + shift) / 4;
            let lane = |l: usize| match (4 * g0 + l).checked_sub(shift) {
                Some(j) if j == i => a.get(i).copied().unwrap_or(0),
                Some(j) if j > i => doubled.get(j).copied().unwrap_or(0),
                _ => 0,
            };
            (g0, lanes::quad([lane(0), lane(1), lane(2), lane(3)]))
        };
        let mut i = 0;
        while i + 1 < k {
            // Rows i and i + 1 share their pairs: row i's quad g lands where row i + 1's does.
            let (Some(&ai), Some(&aj)) = (a.get(i), a.get(i + 1)) else {
                break;
            };
            let ((g0, first0), (g1, first1)) = (first_quad(i), first_quad(i + 1));
            let start = i / 2;
            let rest = if g0 == g1 {
                add_quad_pairs(t, start + 2 * g0, (ai, aj), &[first0], &[first1]);
                g0 + 1
            } else {
                // i ≡ 2 (mod 4): row i + 1 starts one quad later.
                add_quads(t, start + 2 * g0, ai, &[first0]);
                let even = d_even.get(g1).copied().unwrap_or(zero);
                add_quad_pairs(t, start + 2 * g1, (ai, aj), &[even], &[first1]);
                g1 + 1
            };
            add_quad_pairs(
                t,
                start + 2 * rest,
                (ai, aj),
                d_even.get(rest..).unwrap_or_default(),
                d_odd.get(rest..).unwrap_or_default(),
            );
            i += 2;
        }
        if let (Some(&ai), true) = (a.get(i), i < k) {
            let (g0, first) = first_quad(i);
            let start = i / 2 + 2 * g0;
            let copy = if i % 2 == 0 { d_even } else { d_odd };
            add_quads(t, start, ai, &[first]);
            add_quads(t, start + 2, ai, copy.get(g0 + 1..).unwrap_or_default());
        }
        self.reduce(out, t);
    }

    /// out = T·R⁻¹ mod n for the column sums T < n·R in `t`: walks the columns in order,
    /// choosing m[i] to clear column i's low 27 bits and adding the row m[i]·n, then carries
    /// the upper k columns into `out`.
    fn reduce(&self, out: &mut [u32], t: &mut [Pair]) {
        let k = self.n.len();
        let n0 = u64::from(self.n.first().copied().unwrap_or(0));
        let n1 = u64::from(self.n.get(1).copied().unwrap_or(0));
        let n0inv = u64::from(self.n0inv);
        let mut carry = 0u64;
        let mut i = 0;
        while i + 1 < k {
            // m[i] clears column i; column i + 1 then also holds m[i]·n[1] and the carry,
            // and m[i + 1] clears that. Both rows go in together (columns i and i + 1 are
            // not read again).
            let c0 = column(t, i) + carry;
            let m0 = ((c0 & MASK) * n0inv) & MASK;
            let c1 = column(t, i + 1) + m0 * n1 + ((c0 + m0 * n0) >> W);
            let m1 = ((c1 & MASK) * n0inv) & MASK;
            carry = (c1 + m1 * n0) >> W;
            add_row_pair(t, i, (m0 as u32, m1 as u32), &self.n_even, &self.n_odd);
            i += 2;
        }
        if i < k {
            let column = column(t, i) + carry;
            let m = ((column & MASK) * n0inv) & MASK;
            carry = (column + m * n0) >> W;
            add_row(t, i, m as u32, &self.n_even, &self.n_odd);
        }
        for (j, o) in out.iter_mut().enumerate() {
            let column = column(t, k + j) + carry;
            *o = (column & MASK) as u32;
            carry = column >> W;
        }
        // The result, below 2n < 2R, is carry·R + out.
        if carry != 0 || compare(out, &self.n) != Ordering::Less {
            sub_in_place(out, &self.n);
        }
    }
}

/// Column sum `i` of `t`.
fn column(t: &[Pair], i: usize) -> u64 {
    t.get(i / 2).map_or(0, |&p| {
        let (lo, hi) = lanes::lanes(p);
        if i % 2 == 0 {
            lo
        } else {
            hi
        }
    })
}

/// a −= b (mod 2^(27·a.len())), 27-bit limbs.
fn sub_in_place(a: &mut [u32], b: &[u32]) {
    let mut borrow = 0u32;
    for (x, &y) in a.iter_mut().zip(b) {
        let d = x.wrapping_sub(y).wrapping_sub(borrow);
        *x = d & MASK as u32;
        borrow = d >> 31;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::BigUint;

    fn big(limbs: &[u32]) -> BigUint {
        limbs.iter().rev().fold(BigUint::from(0u8), |acc, &l| {
            (acc << W as usize) + BigUint::from(l)
        })
    }

    /// xorshift64*, enough for test operands.
    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u32 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 32) as u32
        }
    }

    /// A random odd modulus of `k32` 32-bit limbs (top bit set) and a modulus from it.
    fn modulus(rng: &mut Rng, k32: usize) -> (Vec<u32>, Modulus) {
        let mut n32: Vec<u32> = (0..k32).map(|_| rng.next()).collect();
        n32[0] |= 1;
        n32[k32 - 1] |= 1 << 31;
        let n0inv = super::super::neg_inverse_mod_word(n32[0]);
        let rr32 = super::super::r_squared(&n32, 32 * k32).unwrap();
        let m = Modulus::new(&n32, n0inv, &rr32).unwrap();
        (n32, m)
    }

    /// A random operand below n, in 27-bit limbs.
    fn below(rng: &mut Rng, m: &Modulus) -> Vec<u32> {
        let bytes: Vec<u8> = (0..4 * m.len()).map(|_| rng.next() as u8).collect();
        let reduced = BigUint::from_bytes_le(&bytes) % big(&m.n);
        let mut le = reduced.to_bytes_le();
        le.resize(4 * m.len(), 0);
        let x32: Vec<u32> = le
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        let mut x = vec![0u32; m.len()];
        from_u32_limbs(&mut x, &x32);
        x
    }

    #[test]
    fn conversions_round_trip() {
        let mut rng = Rng(7);
        for k32 in [64, 65, 96, 256] {
            let x32: Vec<u32> = (0..k32).map(|_| rng.next()).collect();
            let mut x27 = vec![0u32; limbs_for(k32)];
            from_u32_limbs(&mut x27, &x32);
            assert!(x27.iter().all(|&l| u64::from(l) <= MASK));
            let mut back = vec![0u32; k32];
            to_u32_limbs(&mut back, &x27);
            assert_eq!(back, x32);
        }
    }

    #[test]
    fn montgomery_products_match_biguint() {
        let mut rng = Rng(11);
        // 2048 (k = 76, a multiple of 4), 2080 and 3072 bits (odd and even k ≢ 0 mod 4),
        // 8192 bits (the largest k, where the column sums come closest to 2⁶⁴).
        for k32 in [64, 65, 96, 256] {
            let (_, m) = modulus(&mut rng, k32);
            let k = m.len();
            let n = big(&m.n);
            let r = BigUint::from(1u8) << (W as usize * k);
            assert_eq!(big(&m.rr), (&r * &r) % &n, "R² mod n, k = {k}");
            let mut operands = vec![vec![0u32; k], below(&mut rng, &m), below(&mut rng, &m)];
            // n − 1: the largest operand, all limbs of the column sums at their widest.
            let n_minus_1 = {
                let mut v = m.n.clone();
                v[0] -= 1;
                v
            };
            operands.push(n_minus_1);
            // The scratch of the class `pow` uses, cut to k: a 2048-bit key fills the small
            // class exactly, so a row running past its slices would show here.
            let (mut small, mut large) = (
                Work::<SMALL_LIMBS, SMALL_QUADS, SMALL_PAIRS>::new(),
                Work::<MAX_LIMBS, MAX_QUADS, MAX_PAIRS>::new(),
            );
            let (_, mut s) = if k <= SMALL_LIMBS {
                small.parts(k)
            } else {
                large.parts(k)
            }
            .unwrap();
            for a in &operands {
                for b in &operands {
                    let mut out = vec![0u32; k];
                    m.mont_mul(&mut out, a, b, &mut s);
                    assert!(big(&out) < n, "k = {k}: not reduced");
                    assert_eq!((big(&out) * &r) % &n, (big(a) * big(b)) % &n, "k = {k}");
                }
                let mut square = vec![0u32; k];
                m.mont_sqr(&mut square, a, &mut s);
                let mut product = vec![0u32; k];
                m.mont_mul(&mut product, a, a, &mut s);
                assert_eq!(square, product, "k = {k}: squaring");
            }
        }
    }
}
