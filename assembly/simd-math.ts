// f32x4 approximations of exp, expm1 and log1p, and the activations built on them, for
// elementwise.ts. Not re-exported by index.ts (v128 cannot cross the wasm boundary).
//
// Every helper keeps NaN lanes NaN: clamps use pmin/pmax with the input first, which return the
// first operand when a comparison involves NaN (and compile to one minps/maxps in V8, where
// f32x4.min/max need extra instructions for NaN and −0).
//
// Polynomial coefficients are near-minimax fits of relative error made for this file (Lawson's
// reweighted least squares in f64, then rounded to f32); the fit errors are far below f32's ulp.

// e^r = 1 + r + r²·P(r) on |r| ≤ ln2/2, relative error of the fit 3e-9.
// @ts-ignore: decorator
@inline const EXP_P0: f32 = 0.4999999403953552;
// @ts-ignore: decorator
@inline const EXP_P1: f32 = 0.1666652113199234;
// @ts-ignore: decorator
@inline const EXP_P2: f32 = 0.04166838899254799;
// @ts-ignore: decorator
@inline const EXP_P3: f32 = 0.008368710055947304;
// @ts-ignore: decorator
@inline const EXP_P4: f32 = 0.001381461275741458;

// Cody–Waite split of ln 2: LN2_HI has 9 significant bits, so n·LN2_HI is exact for |n| ≤ 2^15.
// @ts-ignore: decorator
@inline const LN2_HI: f32 = 0.693359375;
// @ts-ignore: decorator
@inline const LN2_LO: f32 = -2.12194440e-4;
// @ts-ignore: decorator
@inline const LOG2E: f32 = 1.4426950408889634;
// @ts-ignore: decorator
@inline const LN2: f32 = 0.6931471805599453;

// Adding 1.5·2^23 rounds an f32 of magnitude below 2^22 to an integer, which then sits in the low
// mantissa bits: cheaper than f32x4.nearest plus a conversion in V8 (docs/wasm-notes.md).
// @ts-ignore: decorator
@inline const ROUNDING_MAGIC: f32 = 12582912.0;

// Clamp for exp's argument. At −88 the rounded exponent n is −127, whose scale 2^n has biased
// exponent 0, i.e. +0: e^y flushes to 0 below ≈ −87.7 (where e^y is already subnormal). At 89, n is
// 128 and the scale is +∞, so e^y overflows from ≈ 88.4 (true overflow: 88.72).
// @ts-ignore: decorator
@inline const EXP_MIN_ARG: f32 = -88.0;
// @ts-ignore: decorator
@inline const EXP_MAX_ARG: f32 = 89.0;

// log1p(f) = 2·atanh(s) = 2s + s³·R(s²), s = f / (2 + f), |s| ≤ 3 − 2√2; relative error of the fit 8e-10.
// @ts-ignore: decorator
@inline const LOG1P_R0: f32 = 0.6666677594184875;
// @ts-ignore: decorator
@inline const LOG1P_R1: f32 = 0.39977574348449707;
// @ts-ignore: decorator
@inline const LOG1P_R2: f32 = 0.2987093925476074;
// @ts-ignore: decorator
@inline const SQRT2_MINUS_1: f32 = 0.41421356237309503;

// @ts-ignore: decorator
@inline const SIGN_BIT: i32 = 0x80000000;
// @ts-ignore: decorator
@inline const ONE_BITS: i32 = 0x3f800000;

/** y·log2(e) + 1.5·2^23: holds n = round(y·log2 e) in its low bits (|y| ≤ 89). */
// @ts-ignore: decorator
@inline function roundedExponent(y: v128): v128 {
  return f32x4.add(f32x4.mul(y, f32x4.splat(LOG2E)), f32x4.splat(ROUNDING_MAGIC));
}

/** 2^n as f32 lanes, n from roundedExponent: (n + 127) << 23; the magic's own bits shift out. */
// @ts-ignore: decorator
@inline function powerOfTwo(rounded: v128): v128 {
  return i32x4.add(i32x4.shl(rounded, 23), i32x4.splat(ONE_BITS));
}

/** r = y − n·ln2 in two steps (Cody–Waite), |r| ≤ ln2/2 + tiny. */
// @ts-ignore: decorator
@inline function reducedArgument(y: v128, rounded: v128): v128 {
  const n = f32x4.sub(rounded, f32x4.splat(ROUNDING_MAGIC));
  const r = f32x4.sub(y, f32x4.mul(n, f32x4.splat(LN2_HI)));
  return f32x4.sub(r, f32x4.mul(n, f32x4.splat(LN2_LO)));
}

/** e^r − 1 for |r| ≤ ln2/2, accurate relative to the result even near r = 0. */
// @ts-ignore: decorator
@inline function expm1Reduced(r: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(EXP_P4), r), f32x4.splat(EXP_P3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(EXP_P0));
  return f32x4.add(f32x4.mul(f32x4.mul(r, r), p), r);
}

/** e^y per lane: a few ulp; 0 below ≈ −87.7, +∞ above ≈ 88.4 (see EXP_MIN_ARG); NaN stays NaN. */
// @ts-ignore: decorator
@inline export function expLanes(y: v128): v128 {
  const clamped = f32x4.pmax(f32x4.pmin(y, f32x4.splat(EXP_MAX_ARG)), f32x4.splat(EXP_MIN_ARG));
  const rounded = roundedExponent(clamped);
  const q = expm1Reduced(reducedArgument(clamped, rounded));
  return f32x4.mul(powerOfTwo(rounded), f32x4.add(q, f32x4.splat(1)));
}

/**
 * e^y − 1 for y in [−20, 0] (callers clamp): 2^n·q + (2^n − 1), where q = e^r − 1 keeps full
 * relative accuracy for small |y| and 2^n − 1 is exact.
 */
// @ts-ignore: decorator
@inline function expm1NonPositive(y: v128): v128 {
  const rounded = roundedExponent(y);
  const scale = powerOfTwo(rounded);
  const q = expm1Reduced(reducedArgument(y, rounded));
  return f32x4.add(f32x4.mul(scale, q), f32x4.sub(scale, f32x4.splat(1)));
}

/** log(1 + u) for u in [0, 1] (or NaN), accurate relative to the result for tiny u. */
// @ts-ignore: decorator
@inline export function log1pUnitLanes(u: v128): v128 {
  // For u > √2 − 1: log1p(u) = ln 2 + log1p((u − 1)/2), and (u − 1)/2 is exact (Sterbenz).
  const large = f32x4.gt(u, f32x4.splat(SQRT2_MINUS_1));
  const f = v128.bitselect(f32x4.mul(f32x4.sub(u, f32x4.splat(1)), f32x4.splat(0.5)), u, large);
  const s = f32x4.div(f, f32x4.add(f, f32x4.splat(2)));
  const z = f32x4.mul(s, s);
  let r = f32x4.add(f32x4.mul(f32x4.splat(LOG1P_R2), z), f32x4.splat(LOG1P_R1));
  r = f32x4.add(f32x4.mul(r, z), f32x4.splat(LOG1P_R0));
  const log1pF = f32x4.add(f32x4.add(s, s), f32x4.mul(f32x4.mul(s, z), r));
  return f32x4.add(log1pF, v128.and(large, f32x4.splat(LN2)));
}

/** σ(x) = 1 / (1 + e^−x): σ(+∞) = 1, σ(−∞) = 0, relative accuracy kept in the lower tail. */
// @ts-ignore: decorator
@inline export function sigmoidLanes(x: v128): v128 {
  return f32x4.div(f32x4.splat(1), f32x4.add(expLanes(f32x4.neg(x)), f32x4.splat(1)));
}

/** tanh(x) = sign(x)·(−m / (2 + m)) with m = expm1(−2|x|): no cancellation near 0, ±1 for |x| ≥ 10. */
// @ts-ignore: decorator
@inline export function tanhLanes(x: v128): v128 {
  const m = expm1NonPositive(f32x4.pmax(f32x4.mul(f32x4.abs(x), f32x4.splat(-2)), f32x4.splat(-20)));
  const magnitude = f32x4.div(m, f32x4.sub(f32x4.splat(-2), m));
  // Sign bit from x, every other bit from the magnitude (whose own sign is −0 at x = ±0).
  return v128.bitselect(x, magnitude, i32x4.splat(SIGN_BIT));
}

/** softplus(x) = max(x, 0) + log1p(e^−|x|), the stable form. */
// @ts-ignore: decorator
@inline export function softplusLanes(x: v128): v128 {
  const tail = log1pUnitLanes(expLanes(f32x4.neg(f32x4.abs(x))));
  return f32x4.add(f32x4.pmax(x, f32x4.splat(0)), tail);
}
