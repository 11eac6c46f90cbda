import asc from 'assemblyscript/asc';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  fillBernoulli,
  fillNormal,
  fillNormalAt,
  fillTruncatedNormal,
  fillUniform,
  normalCdf,
} from '../src/random-fill.js';
import {
  blocksFor,
  boxMuller,
  philox4x32,
  Rng,
  referenceFillBernoulli,
  referenceFillNormal,
  referenceFillTruncatedNormal,
  referenceFillUniform,
  referenceNormalAt,
} from '../src/random.js';
import { allocF32, isReady, kernels, ready } from '../src/runtime/index.js';

const TWO_POW_32 = 2 ** 32;

/** Index of the first element whose bits differ (NaN payloads included), or -1. */
function firstBitDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** A generator at a chosen position: `seed` (or a fork of it) with its next block at `block`. */
function rngAt(seed: number, block: number, forked = false): Rng {
  const rng = forked ? new Rng(seed).fork() : new Rng(seed);
  rng.block = block;
  return rng;
}

type Fill = (rng: Rng, out: Float32Array) => void;
type ReferenceFill = (rng: Rng, start: number, out: Float32Array) => void;

const FILLS: Array<{ name: string; wasm: Fill; reference: ReferenceFill }> = [
  {
    name: 'uniform [-1.5, 2.25)',
    wasm: (rng, out) => fillUniform(rng, out, -1.5, 2.25),
    reference: (rng, start, out) => referenceFillUniform(rng, start, out, -1.5, 2.25),
  },
  {
    name: 'uniform [0.1, 0.3) (bounds not exact in f32)',
    wasm: (rng, out) => fillUniform(rng, out, 0.1, 0.3),
    reference: (rng, start, out) => referenceFillUniform(rng, start, out, 0.1, 0.3),
  },
  {
    name: 'normal N(0.3, 1.7²)',
    wasm: (rng, out) => fillNormal(rng, out, 0.3, 1.7),
    reference: (rng, start, out) => referenceFillNormal(rng, start, out, 0.3, 1.7),
  },
  {
    name: 'bernoulli 0.37',
    wasm: (rng, out) => fillBernoulli(rng, out, 0.37),
    reference: (rng, start, out) => referenceFillBernoulli(rng, start, out, 0.37),
  },
  {
    name: 'truncated normal N(0, 1) on [-2, 2]',
    wasm: (rng, out) => fillTruncatedNormal(rng, out, 0, 1, -2, 2),
    reference: (rng, start, out) => referenceFillTruncatedNormal(rng, start, out, 0, 1, -2, 2),
  },
  {
    // Rejects ~88% on substream 1, so most values come from the lane-parallel redo.
    name: 'truncated normal N(0.05, 1) on [-0.1, 0.2] (heavy rejection)',
    wasm: (rng, out) => fillTruncatedNormal(rng, out, 0.05, 1, -0.1, 0.2),
    reference: (rng, start, out) => referenceFillTruncatedNormal(rng, start, out, 0.05, 1, -0.1, 0.2),
  },
];

/** Compares the wasm fill with the reference from the same position; both must advance the stream alike. */
function expectSameBits(fill: (typeof FILLS)[number], seed: number, block: number, n: number, forked = false): void {
  const viaWasm = rngAt(seed, block, forked);
  const viaReference = rngAt(seed, block, forked);
  const got = new Float32Array(n);
  const want = new Float32Array(n);
  fill.wasm(viaWasm, got);
  fill.reference(viaReference, viaReference.takeBlocks(blocksFor(n)), want);
  const at = firstBitDifference(got, want);
  expect(at, `${fill.name}, seed ${seed}, block ${block}, n ${n}: value ${at} is ${got[at]}, want ${want[at]}`).toBe(-1);
  expect(viaWasm.block).toBe(viaReference.block);
}

describe('before ready()', () => {
  it('the Float32Array fills run the reference, with the bits the wasm kernels give later', async () => {
    expect(isReady()).toBe(false);
    const before = new Float32Array(37);
    fillNormal(new Rng(7), before, 0, 1);
    expect(() => fillNormalAt(new Rng(7), 64, 4, 0, 1)).toThrowError(expect.objectContaining({ code: 'E_WASM' }));
    await ready();
    const after = new Float32Array(37);
    fillNormal(new Rng(7), after, 0, 1);
    expect(firstBitDifference(before, after)).toBe(-1);
  });
});

describe('wasm fills are bit-identical to the TypeScript reference', () => {
  beforeAll(() => ready());

  // Key words with high bits set: 2^32 − 1 → key0 = 0xffffffff; 2^53 − 1 → key1 = 0x1fffff.
  const SEEDS = [0, 42, TWO_POW_32 - 1, Number.MAX_SAFE_INTEGER];
  // Odd starts, and starts whose 4-block batches straddle 2^32 (the counter's low word carries).
  const STARTS = [0, 1, 3, TWO_POW_32 - 3, TWO_POW_32 - 1, TWO_POW_32 + 5, 2 ** 40 - 2];

  for (const fill of FILLS) {
    it(`${fill.name}: every length 1..70, several seeds and start blocks`, () => {
      for (const seed of SEEDS) {
        for (const block of STARTS) {
          for (let n = 1; n <= 70; n++) expectSameBits(fill, seed, block, n);
        }
      }
    });

    it(`${fill.name}: large fills, crossing scratch chunks (65536 values) and 2^32`, () => {
      for (const n of [65536 + 13, 200_003]) expectSameBits(fill, 42, TWO_POW_32 - 20_001, n);
      expectSameBits(fill, 1234, 17, 100_000, true); // a fork: random-looking key words
    });
  }

  it('an empty fill draws nothing', () => {
    const rng = new Rng(1);
    fillNormal(rng, new Float32Array(0), 0, 1);
    expect(rng.block).toBe(0);
  });

  it('fillNormalAt writes wasm memory with the same bits', () => {
    const n = 1001;
    const buffer = allocF32(n);
    try {
      const a = rngAt(99, TWO_POW_32 - 7);
      const b = rngAt(99, TWO_POW_32 - 7);
      fillNormalAt(a, buffer.ptr, n, 1, 2);
      const want = new Float32Array(n);
      referenceFillNormal(b, b.takeBlocks(blocksFor(n)), want, 1, 2);
      expect(firstBitDifference(buffer.toArray(), want)).toBe(-1);
      expect(a.block).toBe(b.block);
    } finally {
      buffer.free();
    }
  });

  it('fillNormalAt rejects ranges outside wasm memory', () => {
    const rng = new Rng(1);
    for (const [ptr, n] of [
      [-4, 1],
      [2, 1],
      [8, 1.5],
      [8, 2 ** 30],
    ]) {
      expect(() => fillNormalAt(rng, ptr, n, 0, 1)).toThrowError(expect.objectContaining({ code: 'E_PARAM' }));
    }
    expect(rng.block).toBe(0);
  });

  it('truncated normal: when every attempt misses, the value is NaN, as the reference says', () => {
    // Few attempts and a narrow interval exercise the redo's last, partly allowed batch of substreams.
    const kernel = kernels().randomFillTruncatedNormal;
    const n = 67;
    const buffer = allocF32(n);
    try {
      for (const maxAttempts of [1, 2, 3, 5, 6, 9]) {
        const rng = rngAt(5, TWO_POW_32 - 9);
        kernel({
          ptr: buffer.ptr,
          n,
          k0: rng.key0,
          k1: rng.key1,
          blockLo: (TWO_POW_32 - 9) % TWO_POW_32,
          blockHi: 0,
          mean: 0,
          std: 1,
          low: -0.2,
          high: 0.1,
          maxAttempts,
        });
        const want = new Float32Array(n);
        for (let i = 0; i < n; i++) {
          want[i] = NaN;
          for (let t = 1; t <= maxAttempts; t++) {
            const v = Math.fround(referenceNormalAt(rng, TWO_POW_32 - 9, i, t));
            if (v >= -0.2 && v <= 0.1) {
              want[i] = v;
              break;
            }
          }
        }
        const got = buffer.toArray();
        expect(firstBitDifference(got, want), `maxAttempts ${maxAttempts}`).toBe(-1);
        if (maxAttempts <= 2) expect(got.some(Number.isNaN)).toBe(true);
      }
    } finally {
      buffer.free();
    }
  });

  it('truncated normal: bounds compare in f64 on a closed interval', () => {
    const n = 4000;
    const firstAttempt = new Float32Array(n); // what substream 1 offers each element
    referenceFillNormal(new Rng(3), 0, firstAttempt, 0, 1, 1);
    const sorted = Float32Array.from(firstAttempt).sort();
    const low = sorted[200];
    const high = sorted[3800];
    const truncated = (lowBound: number) => ({
      name: `truncated N(0, 1) on [${lowBound}, ${high}]`,
      wasm: (rng: Rng, out: Float32Array) => fillTruncatedNormal(rng, out, 0, 1, lowBound, high),
      reference: (rng: Rng, start: number, out: Float32Array) =>
        referenceFillTruncatedNormal(rng, start, out, 0, 1, lowBound, high),
    });
    const out = new Float32Array(n);
    // Bounds equal to offered values: those values are inside.
    expectSameBits(truncated(low), 3, 0, n);
    fillTruncatedNormal(new Rng(3), out, 0, 1, low, high);
    expect(out.indexOf(low)).toBe(firstAttempt.indexOf(low));
    expect(out.indexOf(high)).toBe(firstAttempt.indexOf(high));
    // A bound a hair above an f32 value (it rounds to that value in f32) must still exclude it.
    const lowJustAbove = low + Math.abs(low) * 2 ** -30;
    expect(Math.fround(lowJustAbove)).toBe(low);
    expectSameBits(truncated(lowJustAbove), 3, 0, n);
    fillTruncatedNormal(new Rng(3), out, 0, 1, lowJustAbove, high);
    expect(out[firstAttempt.indexOf(low)]).not.toBe(low);
  });
});

describe('SIMD helpers of assembly/philox.ts, compiled alone', () => {
  // A tiny module over the internal helpers that index.ts does not export.
  const HARNESS = (philoxPath: string) => `
import { philoxWords16, radiusLanes, cosLanes, sinLanes } from '${philoxPath}';
export function words16(dst: usize, k0: u32, k1: u32, lo: u32, hi: u32, substream: u32): void {
  philoxWords16(dst, k0, k1, lo, hi, substream);
}
/** Box–Muller of word pairs (src[2i], src[2i+1]) into dst[2i], dst[2i+1]; n a multiple of 8. */
export function boxMullerWords(dst: usize, src: usize, n: i32): void {
  for (let i = 0; i < n; i += 8) {
    const a = v128.load(src + (<usize>i << 2));
    const b = v128.load(src + (<usize>i << 2), 16);
    const radiusWords = i32x4.shuffle(a, b, 0, 2, 4, 6);
    const angleWords = i32x4.shuffle(a, b, 1, 3, 5, 7);
    const r = radiusLanes(radiusWords);
    const c = f32x4.mul(r, cosLanes(angleWords));
    const s = f32x4.mul(r, sinLanes(angleWords));
    v128.store(dst + (<usize>i << 2), i32x4.shuffle(c, s, 0, 4, 1, 5));
    v128.store(dst + (<usize>i << 2), i32x4.shuffle(c, s, 2, 6, 3, 7), 16);
  }
}`;
  let dir = '';
  let harness: {
    memory: WebAssembly.Memory;
    words16(dst: number, k0: number, k1: number, lo: number, hi: number, substream: number): void;
    boxMullerWords(dst: number, src: number, n: number): void;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nninit-philox-'));
    const philox = fileURLToPath(new URL('../assembly/philox', import.meta.url));
    writeFileSync(join(dir, 'harness.ts'), HARNESS(relative(dir, philox).split('\\').join('/')));
    const { error, stderr } = await asc.main(
      [join(dir, 'harness.ts'), '--enable', 'simd', '--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '320', '-o', join(dir, 'harness.wasm')],
      {},
    );
    if (error) throw new Error(`harness did not compile: ${stderr.toString()}`);
    const { instance } = await WebAssembly.instantiate(readFileSync(join(dir, 'harness.wasm')), {
      env: { abort: () => { throw new Error('abort'); } },
    });
    harness = instance.exports as typeof harness;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('philoxWords16 writes blocks b..b+3 in stream order, carrying into the high counter word', () => {
    const words = new Uint32Array(harness.memory.buffer, 1024, 16);
    const cases = [
      [0, 0, 0, 0, 0],
      [42, 0, 7, 0, 0],
      [0xffffffff, 0x80000000, 0xfffffffe, 7, 3],
      [1, 2, 0xfffffffd, 0xffffffff, 1], // the carry wraps the high word too
      [0x243f6a88, 0x85a308d3, 0xffffffff, 0, 0xffffffff],
    ];
    for (const [k0, k1, lo, hi, substream] of cases) {
      harness.words16(1024, k0, k1, lo, hi, substream);
      for (let b = 0; b < 4; b++) {
        const carry = lo + b >= TWO_POW_32 ? 1 : 0;
        const want = philox4x32((lo + b) % TWO_POW_32, (hi + carry) >>> 0, substream, 0, k0, k1);
        expect(Array.from(words.subarray(4 * b, 4 * b + 4)), `case ${[k0, k1, lo, hi, substream]} block ${b}`).toEqual(
          Array.from(want),
        );
      }
    }
  });

  it('Box–Muller lanes equal the reference for every one of the 2^24 radius words and 2^24 angle words', () => {
    const pairs = 1 << 18;
    const src = 1 << 20;
    const dst = src + 8 * pairs;
    const want = new Float32Array(2);
    // Two sweeps: all radius words with a few angles, then all angle words with a few radii.
    for (const sweep of ['radius', 'angle'] as const) {
      for (let first = 0; first < 1 << 24; first += pairs) {
        const words = new Uint32Array(harness.memory.buffer, src, 2 * pairs);
        for (let i = 0; i < pairs; i++) {
          const swept = ((first + i) << 8) >>> 0;
          const other = Math.imul(first + i, 0x9e3779b9) >>> 0; // varies the fixed word's value too
          words[2 * i] = sweep === 'radius' ? swept : other;
          words[2 * i + 1] = sweep === 'radius' ? other : swept;
        }
        harness.boxMullerWords(dst, src, 2 * pairs);
        const got = new Float32Array(harness.memory.buffer, dst, 2 * pairs);
        for (let i = 0; i < pairs; i++) {
          boxMuller(words[2 * i], words[2 * i + 1], want);
          if (got[2 * i] !== want[0] || got[2 * i + 1] !== want[1]) {
            expect([got[2 * i], got[2 * i + 1]], `words ${words[2 * i]}, ${words[2 * i + 1]}`).toEqual([want[0], want[1]]);
          }
        }
      }
    }
  }, 120_000);
});

describe('Rng', () => {
  beforeAll(() => ready());

  it('seed 42 gives the README test vectors', () => {
    const bitsOf = (values: ArrayLike<number>) => Array.from(new Uint32Array(Float32Array.from(values).buffer), (w) => w.toString(16));
    const key = new Rng(42);
    expect([...philox4x32(0, 0, 0, 0, key.key0, key.key1), ...philox4x32(1, 0, 0, 0, key.key0, key.key1)]).toEqual([
      0x9ceaf053, 0x77f5493b, 0x12bf50ad, 0x5742b3d7, 0xfcdb2127, 0x53ba6cfd, 0x838f5a6e, 0x744e06fb,
    ]);
    const uniform = new Rng(42);
    expect(bitsOf([1, 2, 3, 4].map(() => uniform.uniform()))).toEqual(['3f1ceaf0', '3f7cdb21', '3f536c02', '3f3ac704']);
    const normal = new Rng(42);
    expect(bitsOf([1, 2, 3, 4].map(() => normal.normal()))).toEqual(['bfacf097', 'bfb0bfd8', 'bf825e3c', 'bf460055']);
    const filled = new Float32Array(8);
    fillNormal(new Rng(42), filled, 0, 1);
    expect(bitsOf(filled)).toEqual(['bfacf097', '3e8a569e', 'be57cfef', '3ea80402', 'bfb0bfd8', '4028061f', 'bf937430', '3eae1c80']);
  });

  it('rejects seeds that are not integers in [0, 2^53) with E_PARAM naming the value', () => {
    for (const seed of [-1, 0.5, NaN, Infinity, 2 ** 53, 1e300, '42' as unknown as number]) {
      let error: unknown;
      try {
        new Rng(seed);
      } catch (e) {
        error = e;
      }
      expect(error, `seed ${String(seed)}`).toMatchObject({ code: 'E_PARAM' });
      expect((error as Error).message).toContain('seed');
      expect((error as Error).message).toContain(typeof seed === 'string' ? '"42"' : String(seed));
    }
    expect(new Rng(Number.MAX_SAFE_INTEGER).key1).toBe(0x1fffff);
  });

  it('is deterministic: the same seed gives the same bits, different seeds do not', () => {
    const a = new Float32Array(1000);
    const b = new Float32Array(1000);
    const c = new Float32Array(1000);
    fillNormal(new Rng(2024), a, 0, 1);
    fillNormal(new Rng(2024), b, 0, 1);
    fillNormal(new Rng(2025), c, 0, 1);
    expect(firstBitDifference(a, b)).toBe(-1);
    expect(a.filter((v, i) => v === c[i]).length).toBeLessThan(5);
  });

  it('a draw of n values does not depend on how earlier draws were split', () => {
    const split = new Rng(8);
    fillUniform(split, new Float32Array(3), 0, 1);
    fillUniform(split, new Float32Array(5), 0, 1);
    const whole = new Rng(8);
    whole.block = blocksFor(3) + blocksFor(5);
    const x = new Float32Array(50);
    const y = new Float32Array(50);
    fillUniform(split, x, 0, 1);
    fillUniform(whole, y, 0, 1);
    expect(firstBitDifference(x, y)).toBe(-1);
  });

  it('forks are deterministic and independent of the parent and of each other', () => {
    const parent = new Rng(77);
    const first = parent.fork();
    const second = parent.fork();
    expect(new Rng(77).fork().key0).toBe(first.key0);
    const n = 100_000;
    const streams = [parent, first, second].map((rng) => {
      const out = new Float32Array(n);
      fillNormal(rng, out, 0, 1);
      return out;
    });
    const correlation = (x: Float32Array, y: Float32Array) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum += x[i] * y[i];
      return sum / n;
    };
    // Correlation of independent N(0,1) samples has sd 1/√n ≈ 0.0032: 5 sd is 0.016.
    expect(Math.abs(correlation(streams[0], streams[1]))).toBeLessThan(0.016);
    expect(Math.abs(correlation(streams[0], streams[2]))).toBeLessThan(0.016);
    expect(Math.abs(correlation(streams[1], streams[2]))).toBeLessThan(0.016);
    expect([first.key0, first.key1]).not.toEqual([second.key0, second.key1]);
  });

  it('int(n) is unbiased: for n = 3·2^30, values below 2^30 come 1/3 of the time (modulo would give 1/2)', () => {
    const rng = new Rng(11);
    const draws = 60_000;
    let low = 0;
    for (let i = 0; i < draws; i++) {
      const v = rng.int(3 * 2 ** 30);
      expect(Number.isInteger(v) && v >= 0 && v < 3 * 2 ** 30).toBe(true);
      if (v < 2 ** 30) low++;
    }
    const sd = Math.sqrt((draws * (1 / 3) * (2 / 3)) / draws ** 2);
    expect(Math.abs(low / draws - 1 / 3)).toBeLessThan(5 * sd);
  });

  it('int(n): chi-square over n = 7 stays below its 99.9% quantile, and bad n is E_PARAM', () => {
    const rng = new Rng(12);
    const counts = new Array(7).fill(0);
    const draws = 70_000;
    for (let i = 0; i < draws; i++) counts[rng.int(7)]++;
    const expected = draws / 7;
    const chi2 = counts.reduce((sum, c) => sum + (c - expected) ** 2 / expected, 0);
    expect(chi2).toBeLessThan(22.46); // 6 degrees of freedom
    for (const n of [0, -3, 2.5, 2 ** 32, NaN]) expect(() => rng.int(n)).toThrowError(expect.objectContaining({ code: 'E_PARAM' }));
  });
});

/** Kolmogorov–Smirnov statistic of `samples` against `cdf`. */
function ksStatistic(samples: Float32Array, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, (i + 1) / n - f, f - i / n);
  }
  return d;
}

/** KS critical value at α = 0.001 for large n. */
const ksCritical = (n: number) => 1.949 / Math.sqrt(n);

describe('distributions of the wasm fills', () => {
  beforeAll(() => ready());
  const N = 200_000;

  it('uniform passes a KS test against U(0,1), and [low, high) holds', () => {
    const out = new Float32Array(N);
    fillUniform(new Rng(101), out, 0, 1);
    expect(ksStatistic(out, (x) => Math.min(Math.max(x, 0), 1))).toBeLessThan(ksCritical(N));
    expect(out.every((v) => v >= 0 && v < 1)).toBe(true);
    fillUniform(new Rng(102), out, -3, -2);
    expect(out.every((v) => v >= -3 && v < -2)).toBe(true);
  });

  it('normal passes a KS test against N(0,1)', () => {
    const out = new Float32Array(N);
    fillNormal(new Rng(103), out, 0, 1);
    expect(ksStatistic(out, normalCdf)).toBeLessThan(ksCritical(N));
  });

  it('truncated normal passes a KS test against N(0,1) cut to [-2, 2]', () => {
    const out = new Float32Array(N);
    fillTruncatedNormal(new Rng(104), out, 0, 1, -2, 2);
    expect(out.every((v) => v >= -2 && v <= 2)).toBe(true);
    const mass = normalCdf(2) - normalCdf(-2);
    expect(ksStatistic(out, (x) => (normalCdf(x) - normalCdf(-2)) / mass)).toBeLessThan(ksCritical(N));
  });

  it('normal moments: N(2, 3²) has mean 2, sd 3, skewness 0, excess kurtosis 0', () => {
    const n = 1_000_000;
    const out = new Float32Array(n);
    fillNormal(new Rng(105), out, 2, 3);
    let sum = 0;
    for (const v of out) sum += v;
    const mean = sum / n;
    let m2 = 0;
    let m3 = 0;
    let m4 = 0;
    for (const v of out) {
      const d = v - mean;
      m2 += d * d;
      m3 += d * d * d;
      m4 += d * d * d * d;
    }
    m2 /= n;
    const skew = m3 / n / m2 ** 1.5;
    const kurtosis = m4 / n / (m2 * m2) - 3;
    // Standard errors: mean 3/√n = 0.003, sd ≈ 3/√(2n) = 0.0021, skew √(6/n) = 0.0024, kurtosis √(24/n) = 0.0049.
    expect(Math.abs(mean - 2)).toBeLessThan(0.015);
    expect(Math.abs(Math.sqrt(m2) - 3)).toBeLessThan(0.011);
    expect(Math.abs(skew)).toBeLessThan(0.012);
    expect(Math.abs(kurtosis)).toBeLessThan(0.025);
  });

  it('bernoulli: frequency of ones is p within 5 standard errors; p = 0 and p = 1 are constant', () => {
    const n = 1_000_000;
    const out = new Float32Array(n);
    for (const p of [0.5, 0.1, 0.93]) {
      fillBernoulli(new Rng(106), out, p);
      let ones = 0;
      for (const v of out) ones += v;
      expect(out.every((v) => v === 0 || v === 1)).toBe(true);
      expect(Math.abs(ones / n - p)).toBeLessThan(5 * Math.sqrt((p * (1 - p)) / n));
    }
    fillBernoulli(new Rng(107), out, 0);
    expect(out.every((v) => v === 0)).toBe(true);
    fillBernoulli(new Rng(107), out, 1);
    expect(out.every((v) => v === 1)).toBe(true);
  });

  it('rejects bad parameters with E_PARAM naming them', () => {
    const rng = new Rng(1);
    const out = new Float32Array(4);
    const cases: Array<[() => void, string]> = [
      [() => fillUniform(rng, out, NaN, 1), 'low'],
      [() => fillUniform(rng, out, 2, 1), 'low must be <= high'],
      [() => fillNormal(rng, out, 0, -1), 'std'],
      [() => fillNormal(rng, out, Infinity, 1), 'mean'],
      [() => fillBernoulli(rng, out, 1.5), 'p must be in [0, 1], got 1.5'],
      [() => fillTruncatedNormal(rng, out, 0, 1, 1, -1), 'low must be < high'],
      [() => fillTruncatedNormal(rng, out, 0, 1, 5, 6), 'holds only'],
    ];
    for (const [call, text] of cases) {
      expect(call).toThrowError(expect.objectContaining({ code: 'E_PARAM', message: expect.stringContaining(text) }));
    }
    expect(rng.block).toBe(0);
  });
});
