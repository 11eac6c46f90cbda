// ready({ fma: true }): the FMA build of the kernels where the runtime validates relaxed SIMD
// (Chromium, Node >= 22), a stated fallback where it does not (Node 20). Runs in Node and Chromium;
// `npm run test:node24` (or `npx -y -p node@24 node node_modules/vitest/vitest.mjs run --project node
// test/fma.test.ts`) runs the FMA path in Node too.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nninit from '../src/index.js';
import { ParamError } from '../src/errors.js';
import { GEMM_TILE_ROWS, gemmInto, gemmTileRows, setGemmTileRows, setParallelMinWork } from '../src/ops/gemm.js';
import { FMA_UNAVAILABLE_REASON, heap, relaxedSimdSupported } from '../src/runtime/index.js';
import { orderedGemm } from './reference/gemm-order.js';
import { referenceGemm } from './reference/gemm.js';

/** Deterministic uniform values in [-1, 1) (mulberry32). */
function randomArray(length: number, seed: number): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 2 ** 31 - 1;
  }
  return out;
}

interface Case {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
}

// Odd sizes: edge tiles in both dimensions, one to three depth blocks, every transpose form, α and β.
const CASES: Case[] = [
  { transA: false, transB: false, m: 67, n: 53, k: 300, alpha: 1, beta: 0 },
  { transA: true, transB: false, m: 29, n: 100, k: 530, alpha: 0.75, beta: 0.5 },
  { transA: false, transB: true, m: 13, n: 35, k: 97, alpha: -1.25, beta: 1 },
  { transA: true, transB: true, m: 41, n: 19, k: 777, alpha: 1, beta: -2 },
];

/** The kernel's product for one case, on fixed inputs, as host arrays (C starts as fixed values). */
function product({ transA, transB, m, n, k, alpha, beta }: Case): { a: Float32Array; b: Float32Array; c0: Float32Array; c: Float32Array } {
  const a = randomArray(m * k, m * 7 + k);
  const b = randomArray(k * n, n * 13 + k);
  const c0 = randomArray(m * n, m + n);
  const h = heap();
  const pa = h.alloc(a.byteLength);
  const pb = h.alloc(b.byteLength);
  const pc = h.alloc(c0.byteLength);
  try {
    h.f32(pa, a.length).set(a);
    h.f32(pb, b.length).set(b);
    h.f32(pc, c0.length).set(c0);
    gemmInto(transA, transB, m, n, k, alpha, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n);
    return { a, b, c0, c: h.f32(pc, c0.length).slice() };
  } finally {
    h.free(pc);
    h.free(pb);
    h.free(pa);
  }
}

/** The same case replayed in the kernel's f32 order, fused or not. */
function replay(testCase: Case, fused: boolean): Float32Array {
  const { transA, transB, m, n, k, alpha, beta } = testCase;
  const { a, b, c0 } = product(testCase);
  const c = c0.slice();
  orderedGemm(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n, fused);
  return c;
}

const sameBits = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));

/** Whether this runtime should validate relaxed SIMD, known independently of the probe module. */
function expectRelaxedSimd(): boolean {
  const agent = (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ?? '';
  if (/Chrome\//.test(agent)) return true;
  const node = (globalThis as { process?: { versions?: { node?: string }; execArgv?: string[] } }).process;
  const major = Number(node?.versions?.node?.split('.')[0]);
  return major >= 22 || (node?.execArgv ?? []).includes('--experimental-wasm-relaxed-simd');
}

let threshold = 0;
beforeAll(async () => {
  await nninit.ready();
  // Split every product when threads run, so the thread checks below cover the split.
  threshold = setParallelMinWork(0);
});
afterAll(async () => {
  setParallelMinWork(threshold);
  await nninit.ready({ fma: false, threads: 1 });
});

describe('the default kernels', () => {
  it('run without FMA and sum in the order the scalar replay does, bit for bit', () => {
    expect(nninit.fma()).toBe(false);
    for (const testCase of CASES) expect(sameBits(product(testCase).c, replay(testCase, false))).toBe(true);
  });
});

describe('ready({ fma })', () => {
  it('rejects a non-boolean fma and unknown keys with E_PARAM', async () => {
    await expect(nninit.ready({ fma: 1 as unknown as boolean })).rejects.toThrow(ParamError);
    await expect(nninit.ready({ fma: 'yes' as unknown as boolean })).rejects.toThrow(/fma must be true or false, got "yes"/);
    await expect(nninit.ready({ fma: true, fused: true } as never)).rejects.toThrow(/fused/);
    expect(nninit.fma()).toBe(false);
  });

  it('detects relaxed SIMD where the runtime has it', () => {
    expect(relaxedSimdSupported()).toBe(expectRelaxedSimd());
  });

  it('runs the FMA build where supported, and otherwise says so once and keeps the default bits', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      await nninit.ready({ fma: true });
      await nninit.ready({ fma: true });
      if (!relaxedSimdSupported()) {
        expect(nninit.fma()).toBe(false);
        const lines = warn.mock.calls.map((call) => String(call[0])).filter((line) => line.includes('fma'));
        expect(lines).toEqual([`nninit: fma requested, running without it: ${FMA_UNAVAILABLE_REASON}.`]);
        for (const testCase of CASES) expect(sameBits(product(testCase).c, replay(testCase, false))).toBe(true);
        return;
      }
      expect(nninit.fma()).toBe(true);
      expect(warn).not.toHaveBeenCalled();
      let fusedCases = 0;
      for (const testCase of CASES) {
        const { c } = product(testCase);
        // relaxed_madd fuses where the CPU has FMA, and is a multiply then an add elsewhere: every
        // element must be one of the two replays, the same one throughout.
        const fused = sameBits(c, replay(testCase, true));
        expect(fused || sameBits(c, replay(testCase, false))).toBe(true);
        if (fused) fusedCases++;
        // Deterministic: the same call gives the same bits.
        expect(sameBits(product(testCase).c, c)).toBe(true);
        // And still the product: within f32 rounding of the f64 reference.
        const { transA, transB, m, n, k, alpha, beta } = testCase;
        const { a, b, c0 } = product(testCase);
        const exact = Float64Array.from(c0);
        referenceGemm(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, exact, n);
        for (let i = 0; i < c.length; i++) expect(Math.abs(c[i] - exact[i])).toBeLessThan(1e-5 * k);
      }
      expect([0, CASES.length]).toContain(fusedCases);
      // Every tile height keeps the fused order too (ready()'s probe may pick any of them).
      const chosen = gemmTileRows();
      try {
        const expected = CASES.map((testCase) => product(testCase).c);
        for (const rows of GEMM_TILE_ROWS) {
          setGemmTileRows(rows);
          CASES.forEach((testCase, i) => expect(sameBits(product(testCase).c, expected[i]), `${rows}×8`).toBe(true));
        }
      } finally {
        setGemmTileRows(chosen);
      }
    } finally {
      warn.mockRestore();
    }
  });

  it('gives the same FMA bits on two threads as on one, and the default bits again after fma: false', async () => {
    await nninit.ready({ fma: true });
    const oneThread = CASES.map((testCase) => product(testCase).c);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      // Where workers cannot start (a page that is not cross-origin isolated) this runs on one thread.
      await nninit.ready({ threads: 2 });
    } finally {
      warn.mockRestore();
    }
    const fmaOn = nninit.fma();
    CASES.forEach((testCase, i) => expect(sameBits(product(testCase).c, oneThread[i])).toBe(true));
    // Switching builds keeps the pool (restarted on the new module) and every live pointer.
    const threadsBefore = nninit.threads();
    await nninit.ready({ fma: false });
    expect(nninit.fma()).toBe(false);
    expect(nninit.threads()).toBe(threadsBefore);
    for (const testCase of CASES) expect(sameBits(product(testCase).c, replay(testCase, false))).toBe(true);
    if (fmaOn) {
      await nninit.ready({ fma: true });
      expect(nninit.threads()).toBe(threadsBefore);
      CASES.forEach((testCase, i) => expect(sameBits(product(testCase).c, oneThread[i])).toBe(true));
    }
  });
});
