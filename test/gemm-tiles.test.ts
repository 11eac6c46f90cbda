// The GEMM kernel's register-tile heights (4, 5 and 6 rows × 8): ready() times them and keeps the
// fastest, which is safe only because every height gives the same bits. Checked here against the
// kernel's summation order replayed in scalar f32 (test/reference/gemm-order.ts), and against
// each other, on odd sizes, every transpose form, α and β, one to four depth blocks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { ParamError } from '../src/errors.js';
import { GEMM_TILE_ROWS, gemmInto, gemmTileRows, setGemmTileRows, type GemmTileRows } from '../src/ops/gemm.js';
import { allocF32, heap, kernels } from '../src/runtime/index.js';
import { orderedGemm } from './reference/gemm-order.js';

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

const FORMS: Array<[boolean, boolean]> = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
];
// Rows that are and are not multiples of 4, 5 and 6 (edge tiles of each height), columns with an
// edge panel, depths of one to four blocks of 256 (k = 777: three blocks of 259).
const SHAPES: Array<[number, number, number]> = [
  [1, 1, 1],
  [5, 8, 7],
  [6, 9, 256],
  [7, 17, 257],
  [13, 35, 97],
  [30, 24, 513],
  [67, 53, 300],
  [131, 19, 777],
  [61, 70, 1030],
];
const CASES: Case[] = SHAPES.flatMap(([m, n, k], i) =>
  FORMS.map(([transA, transB], j) => ({ transA, transB, m, n, k, alpha: [1, 0.75, -1.25, 2][(i + j) % 4], beta: [0, 1, 0.5, -2][(i + 2 * j) % 4] })),
);

function inputs({ m, n, k }: Case) {
  return { a: randomArray(m * k, m * 7 + k), b: randomArray(k * n, n * 13 + k), c0: randomArray(m * n, m + n) };
}

function product(testCase: Case): Float32Array {
  const { transA, transB, m, n, k, alpha, beta } = testCase;
  const { a, b, c0 } = inputs(testCase);
  const h = heap();
  const pa = h.alloc(a.byteLength);
  const pb = h.alloc(b.byteLength);
  const pc = h.alloc(c0.byteLength);
  try {
    h.f32(pa, a.length).set(a);
    h.f32(pb, b.length).set(b);
    h.f32(pc, c0.length).set(c0);
    gemmInto(transA, transB, m, n, k, alpha, pa, transA ? m : k, pb, transB ? k : n, beta, pc, n);
    return h.f32(pc, c0.length).slice();
  } finally {
    h.free(pc);
    h.free(pb);
    h.free(pa);
  }
}

function replay(testCase: Case): Float32Array {
  const { transA, transB, m, n, k, alpha, beta } = testCase;
  const { a, b, c0 } = inputs(testCase);
  const c = c0.slice();
  orderedGemm(transA, transB, m, n, k, alpha, a, transA ? m : k, b, transB ? k : n, beta, c, n);
  return c;
}

const sameBits = (x: Float32Array, y: Float32Array) => x.length === y.length && x.every((v, i) => Object.is(v, y[i]));
const label = ({ transA, transB, m, n, k, alpha, beta }: Case) =>
  `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'} ${m}×${n}×${k} α=${alpha} β=${beta}`;

let chosen: GemmTileRows;
beforeAll(async () => {
  await nninit.ready();
  chosen = gemmTileRows();
});
afterAll(() => {
  setGemmTileRows(chosen);
});

describe('GEMM tile heights', () => {
  it("ready()'s probe picks one of the offered heights", () => {
    expect(GEMM_TILE_ROWS).toContain(chosen);
  });

  it('every height gives the scalar f32 replay of the summation order, bit for bit', () => {
    for (const rows of GEMM_TILE_ROWS) {
      setGemmTileRows(rows);
      for (const testCase of CASES) expect(sameBits(product(testCase), replay(testCase)), `${rows}×8, ${label(testCase)}`).toBe(true);
    }
  });

  it('every height gives the same bits as every other (and NaN/∞ alike)', () => {
    const special: Case = { transA: false, transB: true, m: 17, n: 11, k: 40, alpha: 1, beta: 0 };
    const results = GEMM_TILE_ROWS.map((rows) => {
      setGemmTileRows(rows);
      const { transA, transB, m, n, k, alpha, beta } = special;
      const { a, b } = inputs(special);
      a[5] = Number.POSITIVE_INFINITY;
      a[3 * k + 2] = Number.NaN;
      b[7] = Number.NEGATIVE_INFINITY;
      const h = heap();
      const pa = h.alloc(a.byteLength);
      const pb = h.alloc(b.byteLength);
      const pc = h.alloc(m * n * 4);
      try {
        h.f32(pa, a.length).set(a);
        h.f32(pb, b.length).set(b);
        gemmInto(transA, transB, m, n, k, alpha, pa, k, pb, k, beta, pc, n);
        return h.f32(pc, m * n).slice();
      } finally {
        h.free(pc);
        h.free(pb);
        h.free(pa);
      }
    });
    for (const result of results.slice(1)) expect(sameBits(result, results[0])).toBe(true);
    expect(results[0].some(Number.isNaN)).toBe(true);
  });

  it('writes no byte past gemmWorkspaceBytes(m, n, k) at any height', () => {
    const wasm = kernels();
    const guard = 4096;
    for (const rows of GEMM_TILE_ROWS) {
      for (const [m, n, k] of [
        [1, 1, 1],
        [131, 9, 513],
        [257, 33, 300],
      ] as const) {
        const bytes = wasm.gemmWorkspaceBytes(m, n, k) >>> 0;
        const region = allocF32(m * k + k * n + m * n + (bytes + guard) / 4 + 16);
        try {
          const a = region.ptr;
          const b = a + m * k * 4;
          const c = b + k * n * 4;
          const workspace = (c + m * n * 4 + 15) & ~15;
          region.view.fill(0.5);
          const tail = () => new Float32Array(region.view.buffer, workspace + bytes, guard / 4);
          tail().fill(-7);
          wasm.gemmWithTile({ tileRows: rows, transA: 0, transB: 0, m, n, k, alpha: 1, a, lda: k, b, ldb: n, beta: 0, c, ldc: n, workspace });
          expect(tail().every((x) => x === -7), `${rows}×8 ${m}×${n}×${k}: wrote past the workspace`).toBe(true);
        } finally {
          region.free();
        }
      }
    }
  });

  it('rejects a height the kernel does not offer', () => {
    expect(() => setGemmTileRows(7 as GemmTileRows)).toThrow(ParamError);
    expect(gemmTileRows()).not.toBe(7);
  });
});
