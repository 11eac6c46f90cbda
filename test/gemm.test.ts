import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { ParamError, ShapeError } from '../src/errors.js';
import { gemmInto, releaseGemmWorkspace } from '../src/ops/gemm.js';
import { referenceGemm } from './reference/gemm.js';
import { allocF32, heap, kernels, type F32Buffer } from '../src/runtime/index.js';
import { tensor } from '../src/tensor.js';

beforeAll(() => nninit.ready());

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

/** One GEMM problem on row-major host arrays; leading dimensions may exceed the row length. */
interface Problem {
  transA: boolean;
  transB: boolean;
  m: number;
  n: number;
  k: number;
  alpha: number;
  beta: number;
  a: Float32Array;
  lda: number;
  b: Float32Array;
  ldb: number;
  c: Float32Array;
  ldc: number;
}

/**
 * Builds a problem with random A, B and C. Padding columns (ld beyond the row) hold NaN, as does
 * all of C when beta = 0, so any read the kernel must not make shows up as NaN in the result.
 */
function makeProblem(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  beta: number,
  pad: number,
  seed: number,
): Problem {
  const [aRows, aCols] = transA ? [k, m] : [m, k];
  const [bRows, bCols] = transB ? [n, k] : [k, n];
  const lda = aCols + pad;
  const ldb = bCols + pad;
  const ldc = n + pad;
  const padded = (rows: number, cols: number, ld: number, s: number): Float32Array => {
    const values = randomArray(rows * ld, s);
    for (let r = 0; r < rows; r++) values.fill(NaN, r * ld + cols, (r + 1) * ld);
    return values;
  };
  const c = beta === 0 ? new Float32Array(m * ldc).fill(NaN) : padded(m, n, ldc, seed + 2);
  return { transA, transB, m, n, k, alpha, beta, a: padded(aRows, aCols, lda, seed), lda, b: padded(bRows, bCols, ldb, seed + 1), ldb, c, ldc };
}

let bufA: F32Buffer;
let bufB: F32Buffer;
let bufC: F32Buffer;
let capacity = 0;

/** Runs the wasm GEMM on a problem and returns the whole C array (padding included). */
function runWasm(p: Problem): Float32Array {
  const need = Math.max(p.a.length, p.b.length, p.c.length);
  if (need > capacity) {
    bufC?.free();
    bufB?.free();
    bufA?.free();
    capacity = need;
    bufA = allocF32(capacity);
    bufB = allocF32(capacity);
    bufC = allocF32(capacity);
  }
  bufA.write(p.a);
  bufB.write(p.b);
  bufC.write(p.c);
  gemmInto(p.transA, p.transB, p.m, p.n, p.k, p.alpha, bufA.ptr, p.lda, bufB.ptr, p.ldb, p.beta, bufC.ptr, p.ldc);
  return bufC.view.slice(0, p.c.length);
}

afterAll(() => {
  bufC?.free();
  bufB?.free();
  bufA?.free();
});

/** The f64 reference result, and the magnitude Σ|α·a·b| + |β·c| that scales its rounding error. */
function reference(p: Problem): { exact: Float64Array; magnitude: Float64Array } {
  const exact = Float64Array.from(p.c);
  referenceGemm(p.transA, p.transB, p.m, p.n, p.k, p.alpha, p.a, p.lda, p.b, p.ldb, p.beta, exact, p.ldc);
  const magnitude = Float64Array.from(p.c, Math.abs);
  const abs = (x: Float32Array) => Float32Array.from(x, Math.abs);
  referenceGemm(p.transA, p.transB, p.m, p.n, p.k, Math.abs(p.alpha), abs(p.a), p.lda, abs(p.b), p.ldb, Math.abs(p.beta), magnitude, p.ldc);
  return { exact, magnitude };
}

/**
 * Empty when the kernel agrees with the f64 reference: within 1e-5·√K of the reference magnitude
 * per element, identical NaN/±∞ where the reference has them, and C's padding left untouched.
 */
function mismatches(p: Problem, got: Float32Array): string[] {
  const { exact, magnitude } = reference(p);
  const tolerance = 1e-5 * Math.sqrt(p.k);
  const bad: string[] = [];
  const form = `${p.transA ? 'T' : 'N'}${p.transB ? 'T' : 'N'} m=${p.m} n=${p.n} k=${p.k} α=${p.alpha} β=${p.beta} ld+${p.ldc - p.n}`;
  for (let i = 0; i < p.m && bad.length < 5; i++) {
    for (let j = 0; j < p.ldc && bad.length < 5; j++) {
      const at = i * p.ldc + j;
      if (j >= p.n) {
        if (!Object.is(got[at], p.c[at])) bad.push(`${form}: padding C[${i}][${j}] changed to ${got[at]}`);
        continue;
      }
      const want = exact[at];
      const ok = Number.isFinite(want)
        ? Math.abs(got[at] - want) <= tolerance * magnitude[at]
        : Object.is(got[at], want) || (Number.isNaN(want) && Number.isNaN(got[at]));
      if (!ok) bad.push(`${form}: C[${i}][${j}] = ${got[at]}, reference ${want} (magnitude ${magnitude[at]})`);
    }
  }
  return bad;
}

const FORMS: Array<[boolean, boolean]> = [
  [false, false],
  [false, true],
  [true, false],
  [true, true],
];
const formName = ([transA, transB]: [boolean, boolean]) => `${transA ? 'T' : 'N'}${transB ? 'T' : 'N'}`;

describe('gemm vs the f64 reference', () => {
  it.each(FORMS.map((f) => [formName(f), f] as const))('%s: every m, n, k in 1..17 with mixed α, β, padding', (_, [transA, transB]) => {
    const alphas = [1, -0.5, 2.5];
    const betas = [0, 1, -1.5, 0.25];
    const bad: string[] = [];
    let index = 0;
    for (let m = 1; m <= 17; m++) {
      for (let n = 1; n <= 17; n++) {
        for (let k = 1; k <= 17; k++, index++) {
          const p = makeProblem(transA, transB, m, n, k, alphas[index % 3], betas[index % 4], index % 3, index);
          bad.push(...mismatches(p, runWasm(p)));
        }
      }
    }
    expect(bad.slice(0, 10)).toEqual([]);
  });

  // Sizes that cross every blocking boundary of the kernel (depth 256, rows 128, columns 1024).
  const large: Array<[number, number, number]> = [
    [128, 256, 784],
    [257, 129, 300],
    [33, 1031, 260],
  ];
  for (const [m, n, k] of large) {
    it.each(FORMS.map((f) => [formName(f), f] as const))(`%s: ${m}×${n}×${k}`, (_, [transA, transB]) => {
      const p = makeProblem(transA, transB, m, n, k, 1.5, 0.5, 1, m + n + k);
      expect(mismatches(p, runWasm(p))).toEqual([]);
    });
  }

  it('matches the reference for random shapes, forms, α, β and padding (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 70 }),
        fc.constantFrom(...FORMS),
        fc.constantFrom(0, 1, -1, 0.5, 3),
        fc.constantFrom(0, 1, -1, 0.5),
        fc.integer({ min: 0, max: 5 }),
        fc.integer({ min: 0, max: 2 ** 31 }),
        (m, n, k, [transA, transB], alpha, beta, pad, seed) => {
          const p = makeProblem(transA, transB, m, n, k, alpha, beta, pad, seed);
          expect(mismatches(p, runWasm(p))).toEqual([]);
        },
      ),
      { numRuns: 300, seed: 20261123 },
    );
  });
});

describe('gemm: α, β and IEEE special values', () => {
  it('β = 0 ignores NaN garbage in C', () => {
    for (const form of FORMS) {
      const p = makeProblem(...form, 13, 21, 9, 1, 0, 0, 7);
      const got = runWasm(p);
      expect(got.every(Number.isFinite)).toBe(true);
      expect(mismatches(p, got)).toEqual([]);
    }
  });

  it('β = 1 accumulates onto C', () => {
    for (const form of FORMS) {
      const p = makeProblem(...form, 19, 10, 33, 1, 1, 0, 8);
      const once = runWasm(p);
      expect(mismatches(p, once)).toEqual([]);
      const twice = runWasm({ ...p, c: once });
      const expected = Float32Array.from(once, (x, i) => 2 * x - p.c[i]);
      for (let i = 0; i < expected.length; i++) expect(twice[i]).toBeCloseTo(expected[i], 4);
    }
  });

  it('α = 0 scales C by β without reading A or B (BLAS)', () => {
    for (const form of FORMS) {
      const p = makeProblem(...form, 6, 10, 5, 0, -2, 0, 9);
      p.a.fill(NaN);
      p.b.fill(Infinity);
      expect(Array.from(runWasm(p))).toEqual(Array.from(p.c, (x) => Math.fround(-2 * x)));
      const zeroed = runWasm({ ...p, beta: 0, c: new Float32Array(p.c.length).fill(NaN) });
      expect(zeroed.every((x) => x === 0)).toBe(true);
    }
  });

  it('a NaN in A fills its row of C, a NaN in B its column, and nothing else', () => {
    for (const form of FORMS) {
      const [transA, transB] = form;
      const p = makeProblem(transA, transB, 9, 11, 6, 1, 0, 0, 10);
      p.a[transA ? 4 * p.lda + 3 : 3 * p.lda + 4] = NaN; // op(A)[3][4]
      p.b[transB ? 7 * p.ldb + 2 : 2 * p.ldb + 7] = NaN; // op(B)[2][7]
      const got = runWasm(p);
      for (let i = 0; i < p.m; i++) {
        for (let j = 0; j < p.n; j++) expect(Number.isNaN(got[i * p.ldc + j])).toBe(i === 3 || j === 7);
      }
      expect(mismatches(p, got)).toEqual([]);
    }
  });

  it('±∞ follow IEEE: ∞·0 = NaN, ∞ + finite = ∞, ∞ − ∞ = NaN (edge tiles included)', () => {
    for (const form of FORMS) {
      const [transA, transB] = form;
      const p = makeProblem(transA, transB, 5, 11, 7, 1, 0, 1, 11);
      const setA = (i: number, q: number, v: number) => (p.a[transA ? q * p.lda + i : i * p.lda + q] = v);
      const setB = (q: number, j: number, v: number) => (p.b[transB ? j * p.ldb + q : q * p.ldb + j] = v);
      setA(4, 2, Infinity); // row 4: ±∞ by the sign of op(B)[2][j], NaN where it is 0
      setB(2, 10, 0);
      setB(2, 3, -0.5);
      setA(1, 0, Infinity); // row 1: +∞ and −∞ meet where op(B)[0][j] and op(B)[6][j] share a sign
      setA(1, 6, -Infinity);
      setB(0, 5, 1);
      setB(6, 5, 1);
      const got = runWasm(p);
      expect(got[4 * p.ldc + 3]).toBe(-Infinity);
      expect(got[4 * p.ldc + 10]).toBeNaN();
      expect(got[1 * p.ldc + 5]).toBeNaN();
      expect(Number.isFinite(got[0])).toBe(true);
      expect(mismatches(p, got)).toEqual([]);
    }
  });
});

describe('gemm kernel memory', () => {
  it('writes no byte past gemmWorkspaceBytes(m, n, k) and nothing outside C', () => {
    const wasm = kernels();
    const guard = 4096;
    const shapes: Array<[number, number, number]> = [
      [1, 1, 1],
      [3, 17, 5],
      [257, 129, 300],
      [33, 1031, 260],
      [130, 9, 513],
    ];
    for (const [m, n, k] of shapes) {
      for (const [transA, transB] of FORMS) {
        const bytes = wasm.gemmWorkspaceBytes(m, n, k) >>> 0;
        const p = makeProblem(transA, transB, m, n, k, 1, 0.5, 2, 12);
        const region = allocF32(p.a.length + p.b.length + 2 * p.c.length + (bytes + guard) / 4 + 64);
        try {
          const base = region.ptr;
          const aPtr = base;
          const bPtr = aPtr + p.a.length * 4;
          const cPtr = bPtr + p.b.length * 4;
          const afterC = cPtr + p.c.length * 4;
          const workspace = (afterC + p.c.length * 4 + 63) & ~63;
          const view = region.view;
          view.fill(-7);
          view.set(p.a, 0);
          view.set(p.b, p.a.length);
          view.set(p.c, p.a.length + p.b.length);
          wasm.gemm({
            transA: +transA,
            transB: +transB,
            m,
            n,
            k,
            alpha: 1,
            a: aPtr,
            lda: p.lda,
            b: bPtr,
            ldb: p.ldb,
            beta: 0.5,
            c: cPtr,
            ldc: p.ldc,
            workspace,
          });
          const after = region.view;
          const shape = `${formName([transA, transB])} ${m}×${n}×${k}`;
          const tail = new Float32Array(after.buffer, workspace + bytes, guard / 4);
          expect(tail.every((x) => x === -7), `${shape}: wrote past the workspace`).toBe(true);
          const belowWorkspace = new Float32Array(after.buffer, afterC, (workspace - afterC) / 4);
          expect(belowWorkspace.every((x) => x === -7), `${shape}: wrote past C`).toBe(true);
          expect(mismatches(p, after.slice(p.a.length + p.b.length, p.a.length + p.b.length + p.c.length))).toEqual([]);
        } finally {
          region.free();
        }
      }
    }
  });
});

describe('ops.matmul', () => {
  const { matmul } = nninit.ops;

  it('computes op(a)·op(b) for every transpose option as a new [m, n] tensor', () => {
    const m = 7;
    const k = 13;
    const n = 10;
    for (const [transposeA, transposeB] of FORMS) {
      const a = tensor(randomArray(m * k, 1), transposeA ? [k, m] : [m, k]);
      const b = tensor(randomArray(k * n, 2), transposeB ? [n, k] : [k, n]);
      const aCopy = a.data.slice();
      const out = matmul(a, b, { transposeA, transposeB });
      expect(out.shape).toEqual([m, n]);
      expect(out.data).toBeInstanceOf(Float32Array);
      const want = new Float64Array(m * n);
      referenceGemm(transposeA, transposeB, m, n, k, 1, a.data, a.shape[1], b.data, b.shape[1], 0, want, n);
      for (let i = 0; i < m * n; i++) expect(out.data[i]).toBeCloseTo(want[i], 5);
      expect(a.data).toEqual(aCopy);
    }
  });

  it('returns memory to the heap after the first product of a size', () => {
    const a = tensor(randomArray(64 * 48, 3), [64, 48]);
    const b = tensor(randomArray(48 * 40, 4), [48, 40]);
    matmul(a, b);
    const inUse = heap().bytesInUse;
    for (let i = 0; i < 3; i++) matmul(a, b, { transposeB: false });
    expect(heap().bytesInUse).toBe(inUse);
    releaseGemmWorkspace();
    expect(heap().bytesInUse).toBeLessThan(inUse);
    expect(matmul(a, b).shape).toEqual([64, 40]);
  });

  it('names both shapes when the inner dimensions differ', () => {
    const a = tensor(new Float32Array(6), [2, 3]);
    const b = tensor(new Float32Array(8), [4, 2]);
    expect(() => matmul(a, b)).toThrowError(ShapeError);
    expect(() => matmul(a, b)).toThrowError(/a \[2, 3\] has 3 columns but b \[4, 2\] has 4 rows/);
    expect(() => matmul(a, b, { transposeA: true })).toThrowError(/aᵀ \(a is \[2, 3\]\) has 2 columns but b \[4, 2\] has 4 rows/);
    expect(matmul(a, b, { transposeA: true, transposeB: true }).shape).toEqual([3, 4]);
  });

  it('rejects tensors that are not 2-D, or whose data does not fit the shape', () => {
    const matrix = tensor(new Float32Array(4), [2, 2]);
    const vector = tensor(new Float32Array(4), [4]);
    const cube = tensor(new Float32Array(8), [2, 2, 2]);
    expect(() => matmul(vector, matrix)).toThrowError(ShapeError);
    expect(() => matmul(vector, matrix)).toThrowError(/a must be a 2-D Tensor .* got shape \[4\]/);
    expect(() => matmul(matrix, cube)).toThrowError(/b must be a 2-D Tensor .* got shape \[2, 2, 2\]/);
    expect(() => matmul(matrix, { shape: [2, 3], data: new Float32Array(4) })).toThrowError(ShapeError);
    try {
      matmul(matrix, vector);
    } catch (error) {
      expect((error as nninit.NninitError).code).toBe('E_SHAPE');
    }
  });

  it('rejects unknown options, non-boolean flags and non-tensors with E_PARAM', () => {
    const a = tensor(new Float32Array(4), [2, 2]);
    const bad: unknown[] = [{ transpose: true }, { transposeA: 1 }, { transposeB: 'yes' }, null, 3];
    for (const options of bad) {
      expect(() => matmul(a, a, options as never)).toThrowError(ParamError);
    }
    expect(() => matmul(a, a, { transposeA: true, tranposeB: true } as never)).toThrowError(/unknown option "tranposeB"/);
    expect(() => matmul([1, 2] as never, a)).toThrowError(ParamError);
    expect(() => matmul(a, { shape: [2, 2], data: [1, 2, 3, 4] } as never)).toThrowError(ParamError);
  });
});
