// Philox4x32-10 and the f32 conversions of src/random.ts (the TypeScript reference, which defines
// every bit), four lanes at a time, for kernels that draw random numbers (random.ts,
// elementwise.ts, rbm.ts). Not re-exported by index.ts, so v128 in signatures is fine.
//
// A "lane batch" is 4 Philox blocks computed in parallel, one per v128 lane, kept word-major:
// philoxWord0 holds word 0 of the 4 blocks, philoxWord1 word 1, and so on. Kernels convert in that
// layout (a Box–Muller pair is words 0,1 or 2,3 of one block, so lanes never mix) and transpose to
// stream order only when storing.

// @ts-ignore: decorator
@inline const PHILOX_M0: u32 = 0xd2511f53;
// @ts-ignore: decorator
@inline const PHILOX_M1: u32 = 0xcd9e8d57;
// @ts-ignore: decorator
@inline const PHILOX_W0: u32 = 0x9e3779b9;
// @ts-ignore: decorator
@inline const PHILOX_W1: u32 = 0xbb67ae85;

// AssemblyScript has no multi-value returns, so philoxLanes leaves its 4 result vectors here.
// Globals are per instance, so each worker's instance has its own.
export let philoxWord0: v128 = i32x4.splat(0);
export let philoxWord1: v128 = i32x4.splat(0);
export let philoxWord2: v128 = i32x4.splat(0);
export let philoxWord3: v128 = i32x4.splat(0);

/** Low counter words of blocks blockLo + 0..3 (mod 2^32). */
// @ts-ignore: decorator
@inline export function blockCounterLo(blockLo: u32): v128 {
  return i32x4.add(i32x4.splat(blockLo), i32x4(0, 1, 2, 3));
}

/** High counter words matching `counterLo`: blockHi plus 1 in the lanes whose low word wrapped. */
// @ts-ignore: decorator
@inline export function blockCounterHi(counterLo: v128, blockLo: u32, blockHi: u32): v128 {
  // lt_u gives -1 where the lane wrapped past 2^32; subtracting it adds the carry.
  return i32x4.sub(i32x4.splat(blockHi), i32x4.lt_u(counterLo, i32x4.splat(blockLo)));
}

/** High 32 bits of each lane's unsigned 64-bit product a·b. */
// @ts-ignore: decorator
@inline function mulhiLanes(a: v128, b: v128): v128 {
  return i32x4.shuffle(i64x2.extmul_low_i32x4_u(a, b), i64x2.extmul_high_i32x4_u(a, b), 1, 3, 5, 7);
}

/**
 * Philox4x32-10 of the counters (c0, c1, c2, 0), one per lane, under key (k0, k1); results in
 * philoxWord0..3. c2 is the substream.
 */
// @ts-ignore: decorator
@inline export function philoxLanes(k0: u32, k1: u32, c0: v128, c1: v128, c2: v128): void {
  const m0 = i32x4.splat(PHILOX_M0);
  const m1 = i32x4.splat(PHILOX_M1);
  let key0 = i32x4.splat(k0);
  let key1 = i32x4.splat(k1);
  let c3 = i32x4.splat(0);
  for (let round = 0; round < 10; round++) {
    const hi0 = mulhiLanes(c0, m0);
    const hi1 = mulhiLanes(c2, m1);
    const lo0 = i32x4.mul(c0, m0);
    const lo1 = i32x4.mul(c2, m1);
    c0 = v128.xor(v128.xor(hi1, c1), key0);
    c1 = lo1;
    c2 = v128.xor(v128.xor(hi0, c3), key1);
    c3 = lo0;
    key0 = i32x4.add(key0, i32x4.splat(PHILOX_W0));
    key1 = i32x4.add(key1, i32x4.splat(PHILOX_W1));
  }
  philoxWord0 = c0;
  philoxWord1 = c1;
  philoxWord2 = c2;
  philoxWord3 = c3;
}

/**
 * Stores the first `count` (1..16) values of a lane batch in stream order: a0..a3 hold value 0..3
 * of blocks 0..3 (word-major), dst gets block 0's 4 values, then block 1's, … With count 16 (a
 * constant in hot loops) this is a 4×4 transpose and 4 full stores.
 */
// @ts-ignore: decorator
@inline export function storeTransposed(dst: usize, a0: v128, a1: v128, a2: v128, a3: v128, count: i32): void {
  const t0 = i32x4.shuffle(a0, a1, 0, 4, 1, 5); // b0v0 b0v1 b1v0 b1v1
  const t1 = i32x4.shuffle(a0, a1, 2, 6, 3, 7); // b2v0 b2v1 b3v0 b3v1
  const t2 = i32x4.shuffle(a2, a3, 0, 4, 1, 5); // b0v2 b0v3 b1v2 b1v3
  const t3 = i32x4.shuffle(a2, a3, 2, 6, 3, 7); // b2v2 b2v3 b3v2 b3v3
  const block0 = i64x2.shuffle(t0, t2, 0, 2);
  const block1 = i64x2.shuffle(t0, t2, 1, 3);
  const block2 = i64x2.shuffle(t1, t3, 0, 2);
  const block3 = i64x2.shuffle(t1, t3, 1, 3);
  if (count >= 16) {
    v128.store(dst, block0);
    v128.store(dst, block1, 16);
    v128.store(dst, block2, 32);
    v128.store(dst, block3, 48);
    return;
  }
  const full = count >> 2;
  if (full > 0) v128.store(dst, block0);
  if (full > 1) v128.store(dst, block1, 16);
  if (full > 2) v128.store(dst, block2, 32);
  const last = full == 0 ? block0 : full == 1 ? block1 : full == 2 ? block2 : block3;
  storeLanes(dst + (<usize>full << 4), last, count & 3);
}

/** Stores the first `count` (0..3) 32-bit lanes of v at dst. */
// @ts-ignore: decorator
@inline function storeLanes(dst: usize, v: v128, count: i32): void {
  if (count > 0) v128.store32_lane(dst, v, 0);
  if (count > 1) v128.store32_lane(dst, v, 1, 4);
  if (count > 2) v128.store32_lane(dst, v, 2, 8);
}

/** The lane batch of blocks block + 0..3 of `substream` (block is the 64-bit block index). */
// @ts-ignore: decorator
@inline export function philoxBatch(k0: u32, k1: u32, block: u64, substream: u32): void {
  const blockLo = <u32>block;
  const counterLo = blockCounterLo(blockLo);
  philoxLanes(k0, k1, counterLo, blockCounterHi(counterLo, blockLo, <u32>(block >>> 32)), i32x4.splat(substream));
}

/**
 * The 16 words of blocks (blockLo, blockHi) + 0..3 of `substream`, stored at dst in stream order
 * (block b's words 0..3, then block b+1's, …). The 64-bit block index carries into blockHi.
 */
// @ts-ignore: decorator
@inline export function philoxWords16(dst: usize, k0: u32, k1: u32, blockLo: u32, blockHi: u32, substream: u32): void {
  philoxBatch(k0, k1, (<u64>blockHi << 32) | blockLo, substream);
  storeTransposed(dst, philoxWord0, philoxWord1, philoxWord2, philoxWord3, 16);
}

// --- conversions, 4 lanes, bit-identical to src/random.ts -----------------------------------------

/** uniform01(w) = (w >>> 8) · 2^-24 per lane: exact, in [0, 1). */
// @ts-ignore: decorator
@inline export function uniform01Lanes(w: v128): v128 {
  // w >>> 8 < 2^24, so the signed conversion is exact.
  return f32x4.mul(f32x4.convert_i32x4_s(i32x4.shr_u(w, 8)), f32x4.splat(5.9604644775390625e-8));
}

/** Natural log of positive normal f32 lanes, the reference's Cephes-style logf step for step. */
// @ts-ignore: decorator
@inline export function logLanes(x: v128): v128 {
  // x = m · 2^e with m in [0.5, 1); then m in [√½, √2) after moving one factor 2 into m.
  let e = i32x4.sub(i32x4.shr_u(x, 23), i32x4.splat(126)); // x > 0: no sign bit to mask
  let m = v128.or(v128.and(x, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
  const small = f32x4.lt(m, f32x4.splat(0.70710678118654752440));
  e = i32x4.add(e, small); // the mask is -1 where m < √½
  m = v128.bitselect(f32x4.add(m, m), m, small);
  const f = f32x4.sub(m, f32x4.splat(1));
  const z = f32x4.mul(f, f);
  let p = f32x4.splat(7.0376836292e-2);
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.151461031e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.167699874e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.2420140846e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(1.4249322787e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-1.6668057665e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(2.0000714765e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(-2.4999993993e-1));
  p = f32x4.add(f32x4.mul(p, f), f32x4.splat(3.3333331174e-1));
  const ef = f32x4.convert_i32x4_s(e);
  let y = f32x4.mul(f32x4.mul(f, z), p);
  y = f32x4.add(y, f32x4.mul(f32x4.splat(-2.12194440e-4), ef));
  y = f32x4.sub(y, f32x4.mul(f32x4.splat(0.5), z));
  const r = f32x4.add(f, y);
  return f32x4.add(r, f32x4.mul(f32x4.splat(0.693359375), ef));
}

/** Box–Muller radius √(−2 ln(1 − uniform01(w))) per lane. */
// @ts-ignore: decorator
@inline export function radiusLanes(w: v128): v128 {
  const u = f32x4.sub(f32x4.splat(1), uniform01Lanes(w));
  return f32x4.sqrt(f32x4.mul(f32x4.splat(-2), logLanes(u)));
}

// The angle θ = 2π·(w >>> 8)·2^-24 is t = w >>> 8 steps of 2π/2^24; quadrant = round(t / 2^22)
// and a = (t − quadrant·2^22)·step lies in [−π/4, π/4]. cos θ and sin θ come from the quadrant's
// sign and the swap of the two polynomials below. sinLanes and cosLanes repeat the reduction; the
// optimizer shares it when both are used on one word.

// @ts-ignore: decorator
@inline function angleQuadrant(w: v128): v128 {
  return i32x4.shr_u(i32x4.add(i32x4.shr_u(w, 8), i32x4.splat(1 << 21)), 22);
}

// @ts-ignore: decorator
@inline function reducedAngle(w: v128, quadrant: v128): v128 {
  const steps = i32x4.sub(i32x4.shr_u(w, 8), i32x4.shl(quadrant, 22)); // |steps| ≤ 2^21: exact in f32
  return f32x4.mul(f32x4.convert_i32x4_s(steps), f32x4.splat(<f32>(Math.PI / 8388608))); // one step, π / 2^23
}

// @ts-ignore: decorator
@inline function sinPoly(a: v128, z: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(-1.9515295891e-4), z), f32x4.splat(8.3321608736e-3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(-1.6666654611e-1));
  return f32x4.add(f32x4.mul(f32x4.mul(p, z), a), a);
}

// @ts-ignore: decorator
@inline function cosPoly(z: v128): v128 {
  let p = f32x4.add(f32x4.mul(f32x4.splat(2.443315711809948e-5), z), f32x4.splat(-1.388731625493765e-3));
  p = f32x4.add(f32x4.mul(p, z), f32x4.splat(4.166664568298827e-2));
  return f32x4.sub(f32x4.mul(f32x4.mul(p, z), z), f32x4.sub(f32x4.mul(f32x4.splat(0.5), z), f32x4.splat(1)));
}

/** cos θ per lane, θ = 2π·uniform01(w). */
// @ts-ignore: decorator
@inline export function cosLanes(w: v128): v128 {
  const quadrant = angleQuadrant(w);
  const a = reducedAngle(w, quadrant);
  const z = f32x4.mul(a, a);
  // quadrant 0: c, 1: −s, 2: −c, 3: s (mod 4)
  const even = i32x4.eq(v128.and(quadrant, i32x4.splat(1)), i32x4.splat(0));
  const value = v128.bitselect(cosPoly(z), sinPoly(a, z), even);
  const sign = i32x4.shl(v128.and(i32x4.add(quadrant, i32x4.splat(1)), i32x4.splat(2)), 30);
  return v128.xor(value, sign);
}

/** sin θ per lane, θ = 2π·uniform01(w). */
// @ts-ignore: decorator
@inline export function sinLanes(w: v128): v128 {
  const quadrant = angleQuadrant(w);
  const a = reducedAngle(w, quadrant);
  const z = f32x4.mul(a, a);
  // quadrant 0: s, 1: c, 2: −s, 3: −c (mod 4)
  const even = i32x4.eq(v128.and(quadrant, i32x4.splat(1)), i32x4.splat(0));
  const value = v128.bitselect(sinPoly(a, z), cosPoly(z), even);
  const sign = i32x4.shl(v128.and(quadrant, i32x4.splat(2)), 30);
  return v128.xor(value, sign);
}
