import { beforeAll, describe, expect, it } from 'vitest';
import { init, ready } from '../src/index.js';
import { orthonormalColumnsScalar } from '../src/init/householder.js';
import { heap, kernels } from '../src/runtime/index.js';

/*
 * The wasm Householder QR behind init.orthogonal (assembly/linalg.ts) against its scalar form in
 * TypeScript (src/init/householder.ts, which init.orthogonal runs before ready()): the same sums
 * in the same order, so the same bits; and Q orthonormal to f64 rounding.
 */


function kernelQ(a: Float64Array, m: number, n: number): Float64Array {
  const wasm = heap();
  const pointers = [m * n * 8, m * n * 8, n * 8, n * 8].map((bytes) => wasm.alloc(bytes));
  try {
    const [pa, pq, tau, signs] = pointers;
    new Float64Array(wasm.memory.buffer, pa, m * n).set(a);
    new Float64Array(wasm.memory.buffer, pq, m * n).fill(Number.NaN); // every element must be written
    kernels().linalgOrthonormalColumns(pa, m, n, pq, tau, signs);
    return new Float64Array(wasm.memory.buffer, pq, m * n).slice();
  } finally {
    for (const pointer of pointers) wasm.free(pointer);
  }
}

/** A seeded m×n matrix of uniform values in [−1, 1), column by column. */
function matrix(m: number, n: number, seed: number): Float64Array {
  const a = new Float64Array(m * n);
  let state = seed * 2654435761 + 1;
  for (let i = 0; i < a.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    a[i] = state / 2 ** 31 - 1;
  }
  return a;
}

/** The first index where x and y differ in bits (Object.is, so −0 ≠ 0), or −1. */
function firstDifference(x: Float64Array, y: Float64Array): number {
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (!Object.is(x[i], y[i])) return i;
  return -1;
}

describe('orthonormalColumns (wasm) against its scalar form', () => {
  beforeAll(() => ready());

  it('gives the same bits for every m ≤ 19 and n ≤ m (odd and even row counts, 1..3 leftover columns)', () => {
    for (let m = 1; m <= 19; m++) {
      for (let n = 1; n <= m; n++) {
        const a = matrix(m, n, 100 * m + n);
        const q = kernelQ(a, m, n);
        expect(q.every(Number.isFinite)).toBe(true);
        expect(firstDifference(q, orthonormalColumnsScalar(a.slice(), m, n)), `${m}×${n}`).toBe(-1);
      }
    }
  });

  it('agrees on layer-sized matrices and keeps QᵀQ = I', () => {
    const [m, n] = [300, 77];
    const a = matrix(m, n, 7);
    const q = kernelQ(a, m, n);
    expect(firstDifference(q, orthonormalColumnsScalar(a.slice(), m, n))).toBe(-1);
    let gram = 0;
    for (let p = 0; p < n; p++) {
      for (let r = p; r < n; r++) {
        let dot = 0;
        for (let i = 0; i < m; i++) dot += q[p * m + i] * q[r * m + i];
        gram = Math.max(gram, Math.abs(dot - (p === r ? 1 : 0)));
      }
    }
    expect(gram).toBeLessThan(1e-13);
  });

  it('treats a zero column as the scalar form does (H = I, sign +1) and stays finite', () => {
    const [m, n] = [9, 5];
    const a = matrix(m, n, 3);
    a.fill(0, 2 * m, 3 * m); // column 2 is zero
    const q = kernelQ(a, m, n);
    expect(q.every(Number.isFinite)).toBe(true);
    expect(firstDifference(q, orthonormalColumnsScalar(a.slice(), m, n))).toBe(-1);
  });

  it('init.orthogonal on top of it is deterministic and orthonormal in f32', () => {
    const w = init.orthogonal([64, 200], { seed: 11 });
    expect(init.orthogonal([64, 200], { seed: 11 }).data).toEqual(w.data);
    let worst = 0;
    for (let p = 0; p < 64; p++) {
      let dot = 0;
      for (let i = 0; i < 200; i++) dot += w.data[p * 200 + i] ** 2;
      worst = Math.max(worst, Math.abs(dot - 1));
    }
    expect(worst).toBeLessThan(1e-5);
  });
});
