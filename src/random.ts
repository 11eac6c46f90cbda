import { ParamError, show } from './errors.js';

/*
 * nninit's random numbers: Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as
 * 1, 2, 3", SC 2011), a counter-based generator. Word w of a stream is a pure function of
 * (key, w), so a buffer can be filled in any order, by SIMD lanes or by threads, with the same bits.
 *
 * This file is the TypeScript reference. assembly/random.ts computes the same bits with SIMD;
 * tests compare the two. Every float step below is f32 (Math.fround after each operation, which
 * is exact emulation for + − × ÷ √), and the transcendental functions are our own polynomials,
 * because Math.log/Math.cos may differ by an ulp between JavaScript engines.
 *
 * Stream layout. A generator is (key0, key1, block). Block b is the Philox counter
 * [b mod 2^32, floor(b / 2^32), substream, 0] and yields 4 words. Every draw — scalar or bulk —
 * starts on a fresh block and consumes ceil(words / 4) blocks, so a draw of n values never
 * depends on how earlier draws were split.
 *
 * Conversions (w a 32-bit word):
 *   uniform01(w)   = (w >>> 8) · 2^-24                     in [0, 1)
 *   uniform(l, h)  = f32(f32(f32(h − l) · uniform01(w)) + l)
 *   normal pair    = Box–Muller on words (2i, 2i+1):  u1 = 1 − uniform01(w_2i) in (0, 1],
 *                    r = √(−2 ln u1), θ = 2π·uniform01(w_2i+1); value 2i = r cos θ, 2i+1 = r sin θ
 *                    (|z| ≤ 5.77 because u1 ≥ 2^-24)
 *   normal(m, s)   = f32(f32(s · z) + m)
 *   bernoulli(p)   = uniform01(w) < p ? 1 : 0
 *   truncated      = rejection: element i tries normal value i of substream 1, 2, 3, …
 *                    (substream t is the counter's third word) and keeps the first inside [low, high].
 */

const fround = Math.fround;

// Philox4x32 constants (Random123).
const PHILOX_M0 = 0xd2511f53;
const PHILOX_M1 = 0xcd9e8d57;
const PHILOX_W0 = 0x9e3779b9;
const PHILOX_W1 = 0xbb67ae85;

/** High 32 bits of the unsigned 64-bit product a·b. */
function mulhi(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const loHi = aLo * bHi;
  const hiLo = aHi * bLo;
  const cross = ((aLo * bLo) >>> 16) + (loHi & 0xffff) + (hiLo & 0xffff);
  return (aHi * bHi + (loHi >>> 16) + (hiLo >>> 16) + (cross >>> 16)) >>> 0;
}

/** Philox4x32-10 of counter (c0..c3) under key (k0, k1), written to out[0..3] as unsigned words. */
export function philox4x32(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array = new Uint32Array(4),
): Uint32Array {
  for (let round = 0; round < 10; round++) {
    if (round > 0) {
      k0 = (k0 + PHILOX_W0) >>> 0;
      k1 = (k1 + PHILOX_W1) >>> 0;
    }
    const hi0 = mulhi(PHILOX_M0, c0);
    const lo0 = Math.imul(PHILOX_M0, c0) >>> 0;
    const hi1 = mulhi(PHILOX_M1, c2);
    const lo1 = Math.imul(PHILOX_M1, c2) >>> 0;
    c0 = (hi1 ^ c1 ^ k0) >>> 0;
    c1 = lo1;
    c2 = (hi0 ^ c3 ^ k1) >>> 0;
    c3 = lo0;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
  return out;
}

const TWO_POW_32 = 2 ** 32;
const TWO_POW_M24 = 2 ** -24;

/** uniform01(w) = (w >>> 8) · 2^-24, exact in f32. */
export function wordToUniform01(w: number): number {
  return (w >>> 8) * TWO_POW_M24;
}

// --- f32 log, after Cephes logf (accurate to about 1 ulp on normal inputs) ---------------------
const f32Bits = new Float32Array(1);
const i32Bits = new Int32Array(f32Bits.buffer);
const SQRT_HALF = fround(0.70710678118654752440);
const LOG_P = [
  7.0376836292e-2, -1.1514610310e-1, 1.1676998740e-1, -1.2420140846e-1, 1.4249322787e-1,
  -1.6668057665e-1, 2.0000714765e-1, -2.4999993993e-1, 3.3333331174e-1,
].map(fround);
const LOG_Q1 = fround(-2.12194440e-4);
const LOG_Q2 = fround(0.693359375);

/** Natural log of a positive, normal f32 `x`, in f32 arithmetic. */
export function logf(x: number): number {
  f32Bits[0] = x;
  const bits = i32Bits[0];
  let e = ((bits >>> 23) & 0xff) - 126; // x = m · 2^e with m in [0.5, 1)
  i32Bits[0] = (bits & 0x007fffff) | 0x3f000000;
  let m = f32Bits[0];
  if (m < SQRT_HALF) {
    e -= 1;
    m = fround(m + m);
  }
  const f = fround(m - 1);
  const z = fround(f * f);
  let p = LOG_P[0];
  for (let i = 1; i < 9; i++) p = fround(fround(p * f) + LOG_P[i]);
  let y = fround(fround(f * z) * p);
  const ef = e; // |e| ≤ 126: exact in f32
  y = fround(y + fround(LOG_Q1 * ef));
  y = fround(y - fround(0.5 * z));
  let r = fround(f + y);
  r = fround(r + fround(LOG_Q2 * ef));
  return r;
}

// --- f32 sin and cos on [−π/4, π/4], after Cephes sinf/cosf --------------------------------------
const SIN_P0 = fround(-1.9515295891e-4);
const SIN_P1 = fround(8.3321608736e-3);
const SIN_P2 = fround(-1.6666654611e-1);
const COS_P0 = fround(2.443315711809948e-5);
const COS_P1 = fround(-1.388731625493765e-3);
const COS_P2 = fround(4.166664568298827e-2);
/** π / 2^23 : one step of the 24-bit angle grid, 2π · 2^-24. */
const ANGLE_STEP = fround(Math.PI / 2 ** 23);

/**
 * Box–Muller: the two standard normals made from words w0, w1. Writes [r cos θ, r sin θ] to out.
 * θ = 2π·(w1 >>> 8)·2^-24 is reduced exactly to a quadrant and an angle in [−π/4, π/4].
 */
export function boxMuller(w0: number, w1: number, out: Float32Array | number[]): void {
  const u1 = fround(1 - wordToUniform01(w0));
  const radius = fround(Math.sqrt(fround(-2 * logf(u1))));
  const t = w1 >>> 8; // angle in units of 2π / 2^24
  const quadrant = (t + (1 << 21)) >>> 22; // nearest multiple of 2^22 (a quarter turn), 0..4
  const a = fround((t - quadrant * (1 << 22)) * ANGLE_STEP); // |a| ≤ π/4; the integer is exact in f32
  const z = fround(a * a);
  const s = fround(fround(fround(fround(fround(fround(fround(SIN_P0 * z) + SIN_P1) * z) + SIN_P2) * z) * a) + a);
  const c = fround(
    fround(fround(fround(fround(fround(fround(COS_P0 * z) + COS_P1) * z) + COS_P2) * z) * z) -
      fround(fround(0.5 * z) - 1),
  );
  let cos: number;
  let sin: number;
  switch (quadrant & 3) {
    case 0:
      cos = c;
      sin = s;
      break;
    case 1:
      cos = -s;
      sin = c;
      break;
    case 2:
      cos = -c;
      sin = -s;
      break;
    default:
      cos = s;
      sin = -c;
  }
  out[0] = fround(radius * cos);
  out[1] = fround(radius * sin);
}

// --- the generator --------------------------------------------------------------------------------

/** Largest seed: seeds are integers in [0, 2^53). */
export const MAX_SEED = Number.MAX_SAFE_INTEGER;

function checkSeed(seed: unknown): number {
  if (typeof seed !== 'number' || !Number.isInteger(seed) || seed < 0 || seed > MAX_SEED) {
    throw new ParamError(`seed must be an integer in [0, 2^53), got ${show(seed)}`);
  }
  return seed;
}

/** A random integer seed in [0, 2^53) from the platform's cryptographic source. */
export function randomSeed(): number {
  const words = new Uint32Array(2);
  globalThis.crypto.getRandomValues(words);
  return (words[0] & 0x1fffff) * TWO_POW_32 + words[1];
}

/**
 * A seeded Philox4x32-10 stream. Same seed, same bits, in every engine and bundle.
 *
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform();      // in [0, 1)
 * rng.normal();       // standard normal
 * const child = rng.fork(); // an independent stream, derived deterministically
 * ```
 */
export class Rng {
  /** The seed this stream was made from (forks report their parent's seed). */
  readonly seed: number;
  /** @internal the Philox key */
  readonly key0: number;
  /** @internal */
  readonly key1: number;
  /** @internal index of the next unused 4-word block, < 2^53 */
  block = 0;
  private readonly words = new Uint32Array(4);
  private readonly pair = new Float32Array(2);

  constructor(seed: number, key?: { key0: number; key1: number }) {
    this.seed = checkSeed(seed);
    this.key0 = key ? key.key0 >>> 0 : seed % TWO_POW_32 >>> 0;
    this.key1 = key ? key.key1 >>> 0 : Math.floor(seed / TWO_POW_32) >>> 0;
  }

  /** @internal Reserves `count` consecutive blocks and returns the first one's index. */
  takeBlocks(count: number): number {
    const start = this.block;
    this.block += count;
    if (this.block > MAX_SEED) throw new ParamError('random stream exhausted (2^53 blocks drawn)');
    return start;
  }

  /** @internal The 4 words of block `block` of `substream`. */
  blockWords(block: number, substream = 0): Uint32Array {
    return philox4x32(block % TWO_POW_32 >>> 0, Math.floor(block / TWO_POW_32), substream, 0, this.key0, this.key1, this.words);
  }

  /** One f32 value uniform in [low, high) (a fresh block). */
  uniform(low = 0, high = 1): number {
    const w = this.blockWords(this.takeBlocks(1))[0];
    return uniformFromWord(w, fround(low), fround(fround(high) - fround(low)));
  }

  /** One f32 value from N(mean, std²) (a fresh block). */
  normal(mean = 0, std = 1): number {
    const words = this.blockWords(this.takeBlocks(1));
    boxMuller(words[0], words[1], this.pair);
    return fround(fround(fround(std) * this.pair[0]) + fround(mean));
  }

  /** A uniform integer in [0, n), n < 2^32, by Lemire's multiply-shift with rejection (unbiased). */
  int(n: number): number {
    if (!Number.isInteger(n) || n < 1 || n >= TWO_POW_32) {
      throw new ParamError(`n must be an integer in [1, 2^32), got ${show(n)}`);
    }
    const threshold = (TWO_POW_32 - n) % n;
    for (;;) {
      const words = this.blockWords(this.takeBlocks(1));
      for (let i = 0; i < 4; i++) {
        if (Math.imul(words[i], n) >>> 0 >= threshold) return mulhi(words[i], n);
      }
    }
  }

  /** An independent stream derived from this one (consumes one block of this stream). */
  fork(): Rng {
    const block = this.takeBlocks(1);
    const w = philox4x32(block % TWO_POW_32 >>> 0, Math.floor(block / TWO_POW_32), 0, 0xffffffff, this.key0, this.key1);
    return new Rng(this.seed, { key0: w[0], key1: w[1] });
  }
}

/** uniform(l, h) from one word, with l and range = f32(h − l) already in f32. */
export function uniformFromWord(w: number, low: number, range: number): number {
  return fround(fround(range * wordToUniform01(w)) + low);
}

/** Number of 4-word blocks a draw of `words` words consumes. */
export function blocksFor(words: number): number {
  return Math.ceil(words / 4);
}

/** A block index (< 2^53) as the kernels' pair of u32 arguments `blockLo`, `blockHi`. */
export function splitBlockIndex(block: number): { blockLo: number; blockHi: number } {
  return { blockLo: block % 2 ** 32, blockHi: Math.floor(block / 2 ** 32) };
}

// --- bulk draws: the reference. The public fill functions dispatch to wasm (see random-fill.ts) ---

/** Uniform [low, high) into out, from block `start` of (key0, key1). */
export function referenceFillUniform(rng: Rng, start: number, out: Float32Array, low: number, high: number): void {
  const l = fround(low);
  const range = fround(fround(high) - l);
  for (let i = 0; i < out.length; i += 4) {
    const w = rng.blockWords(start + i / 4);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = uniformFromWord(w[j], l, range);
  }
}

/** N(mean, std²) into out, from block `start` of `substream`. Values 2i and 2i+1 share a Box–Muller pair. */
export function referenceFillNormal(
  rng: Rng,
  start: number,
  out: Float32Array,
  mean: number,
  std: number,
  substream = 0,
): void {
  const m = fround(mean);
  const s = fround(std);
  const pair = new Float32Array(2);
  for (let i = 0; i < out.length; i += 4) {
    const w = rng.blockWords(start + i / 4, substream);
    for (let j = 0; j < 4 && i + j < out.length; j += 2) {
      boxMuller(w[j], w[j + 1], pair);
      out[i + j] = fround(fround(s * pair[0]) + m);
      if (i + j + 1 < out.length) out[i + j + 1] = fround(fround(s * pair[1]) + m);
    }
  }
}

/** Standard normal value i of `substream` starting at block `start` (one element of a normal fill). */
export function referenceNormalAt(rng: Rng, start: number, i: number, substream: number): number {
  const w = rng.blockWords(start + Math.floor(i / 4), substream);
  const j = i & 2;
  const pair = new Float32Array(2);
  boxMuller(w[j], w[j + 1], pair);
  return pair[i & 1];
}

/** Bernoulli(p) as 0/1 into out. */
export function referenceFillBernoulli(rng: Rng, start: number, out: Float32Array, p: number): void {
  const threshold = fround(p);
  for (let i = 0; i < out.length; i += 4) {
    const w = rng.blockWords(start + i / 4);
    for (let j = 0; j < 4 && i + j < out.length; j++) out[i + j] = wordToUniform01(w[j]) < threshold ? 1 : 0;
  }
}

/** Most substreams tried per element by truncated-normal rejection before giving up. */
export const TRUNCATED_MAX_ATTEMPTS = 1 << 16;

/**
 * N(mean, std²) restricted to [low, high] (absolute bounds, like PyTorch), by rejection: element i
 * tries standard normal value i of substream 1, 2, …, and keeps the first mean + std·z inside.
 * Callers check beforehand that [low, high] holds enough mass for the attempts to succeed.
 */
export function referenceFillTruncatedNormal(
  rng: Rng,
  start: number,
  out: Float32Array,
  mean: number,
  std: number,
  low: number,
  high: number,
): void {
  const m = fround(mean);
  const s = fround(std);
  for (let i = 0; i < out.length; i++) {
    let value = NaN;
    for (let t = 1; t <= TRUNCATED_MAX_ATTEMPTS; t++) {
      const v = fround(fround(s * referenceNormalAt(rng, start, i, t)) + m);
      if (v >= low && v <= high) {
        value = v;
        break;
      }
    }
    out[i] = value;
  }
}
