// The fused wasm kernels of assembly/rbm-*.ts against the f64 reference of test/reference/rbm.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { Rng, splitBlockIndex } from '../src/random.js';
import { gemmInto } from '../src/ops/gemm.js';
import { allocF32, heap, kernels, withBuffers } from '../src/runtime/index.js';
import { RBM } from '../src/rbm/index.js';
import * as ref from './reference/rbm.js';

beforeAll(() => nninit.ready());

interface Params extends ref.RbmParameters {
  weights: Float32Array;
  visibleBias: Float32Array;
  hiddenBias: Float32Array;
}

function randomParams(nVisible: number, nHidden: number, visible: ref.VisibleUnits, seed: number, scale = 0.5): Params {
  const rng = new Rng(seed);
  const normals = (n: number, s: number) => Float32Array.from({ length: n }, () => s * rng.normal());
  return {
    nVisible,
    nHidden,
    visible,
    weights: normals(nHidden * nVisible, scale),
    visibleBias: normals(nVisible, 1),
    hiddenBias: normals(nHidden, 1),
  };
}

function randomBinary(n: number, seed: number, p = 0.4): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: n }, () => (rng.uniform() < p ? 1 : 0));
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** Copies the parameters into fresh wasm buffers (W also in both packed layouts) for the duration of `fn`. */
function withParams<R>(p: Params, fn: (w: number, b: number, c: number, packed: number, strips: number) => R): R {
  const k = kernels();
  const lengths = [p.weights.length, p.visibleBias.length, p.hiddenBias.length, k.rbmPackedWeightsLength(p.nHidden, p.nVisible), k.rbmPackedStripsLength(p.nHidden, p.nVisible)];
  return withBuffers(lengths, (w, b, c, packed, strips) => {
    w.write(p.weights);
    b.write(p.visibleBias);
    c.write(p.hiddenBias);
    k.rbmPackWeights(w.ptr, p.nHidden, p.nVisible, packed.ptr);
    k.rbmPackStrips(w.ptr, p.nHidden, p.nVisible, strips.ptr);
    return fn(w.ptr, b.ptr, c.ptr, packed.ptr, strips.ptr);
  });
}

/** Binary matrix [rows, nHidden] from the kernels' active lists (byte offsets j·64 into a packed strip). */
function decodeActive(active: number, counts: number, rows: number, nHidden: number): Float32Array {
  const memory = heap().memory.buffer;
  const lists = new Int32Array(memory, active, rows * nHidden);
  const lengths = new Int32Array(memory, counts, rows);
  const h = new Float32Array(rows * nHidden);
  for (let r = 0; r < rows; r++) {
    let previous = -1;
    for (let t = 0; t < lengths[r]; t++) {
      const j = lists[r * nHidden + t] / 64;
      expect(j).toBeGreaterThan(previous); // ascending, no duplicates
      previous = j;
      h[r * nHidden + j] = 1;
    }
  }
  return h;
}

function encodeActive(h: Float32Array, rows: number, nHidden: number, active: number, counts: number): void {
  const memory = heap().memory.buffer;
  const lists = new Int32Array(memory, active, rows * nHidden);
  const lengths = new Int32Array(memory, counts, rows);
  for (let r = 0; r < rows; r++) {
    let n = 0;
    for (let j = 0; j < nHidden; j++) if (h[r * nHidden + j] === 1) lists[r * nHidden + n++] = j * 64;
    lengths[r] = n;
  }
}

/** Samples must agree except where the uniform and the probability are too close for f32 to decide. */
function expectSamplesMatch(
  got: ArrayLike<number>,
  probabilities: ArrayLike<number>,
  uniform: (r: number, c: number) => number,
  rows: number,
  cols: number,
): void {
  let decided = 0;
  const mismatches: string[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const p = probabilities[r * cols + c];
      const u = uniform(r, c);
      if (Math.abs(u - p) < 1e-5) continue;
      decided++;
      if (got[r * cols + c] !== (u < p ? 1 : 0)) mismatches.push(`(${r}, ${c}): got ${got[r * cols + c]}, u=${u}, p=${p}`);
    }
  }
  expect(mismatches).toEqual([]);
  expect(decided).toBeGreaterThan(rows * cols * 0.99);
}

// Shapes with full 16-column strips only, with partial strips, and tiny ones.
const SHAPES: [rows: number, nVisible: number, nHidden: number][] = [
  [5, 48, 32],
  [7, 37, 21],
  [3, 5, 3],
  [1, 1, 1],
  [33, 784, 40],
];

describe('rbmHiddenStep: GEMM + bias + sigmoid + Bernoulli in one call', () => {
  // Density 0.4 takes the grouped product (4 rows × 8 hidden units), 0.1 the row-at-a-time one.
  for (const [rows, nV, nH] of SHAPES) for (const density of [0.4, 0.1]) {
    it(`matches the reference for ${rows} rows, ${nV} visible, ${nH} hidden, density ${density}`, () => {
      const p = randomParams(nV, nH, 'bernoulli', rows * 1000 + nV, 0.3);
      const v = randomBinary(rows * nV, nV, density);
      const expected = ref.hiddenProbabilities(p, v, rows);
      const rng = new Rng(99);
      const base = 12345;
      const { blockLo: lo, blockHi: hi } = splitBlockIndex(base);
      withParams(p, (_w, _b, c, packed) =>
        withBuffers([rows * nV, rows * nH, rows * nH, rows, kernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (vb, probs, active, counts, ws) => {
          vb.write(v);
          for (const sign of [1, -1]) {
            kernels().rbmHiddenStep({ v: vb.ptr, rows, nVisible: nV, nHidden: nH, packedWeights: packed, hiddenBias: c, sign, probabilities: probs.ptr, active: active.ptr, counts: counts.ptr, k0: rng.key0, k1: rng.key1, blockLo: lo, blockHi: hi, workspace: ws.ptr });
            expect(maxAbsDiff(probs.view.map((x) => sign * x), expected)).toBeLessThan(2e-6);
            const h = decodeActive(active.ptr, counts.ptr, rows, nH);
            expectSamplesMatch(h, expected, (r, col) => ref.uniformAt(rng, base, r, col, nH), rows, nH);
          }
        }),
      );
    });
  }

  // The two products must give the same bits: the row path skips only zeros, in the same order.
  for (const [nV, nH] of [[23, 18], [37, 40], [64, 56], [20, 9], [784, 256]]) {
    it(`sparse rows give the same bits alone (row path) as in a dense batch (grouped path): ${nV} visible, ${nH} hidden`, () => {
      const rows = 6;
      const p = randomParams(nV, nH, 'bernoulli', nV + nH, 0.3);
      const rng = new Rng(nV);
      const sparse = Float32Array.from({ length: rows * nV }, () => (rng.uniform() < 0.12 ? rng.uniform() : 0));
      sparse.fill(0, 2 * nV, 3 * nV); // an all-zero row
      sparse[nV] = -0; // −0 counts as zero
      const dense = Float32Array.from({ length: 3 * rows * nV }, () => rng.uniform());
      const both = new Float32Array(4 * rows * nV);
      both.set(sparse);
      both.set(dense, rows * nV);
      const k = kernels();
      withParams(p, (_w, _b, c, packed) =>
        withBuffers([4 * rows * nV, 4 * rows * nH, 4 * rows * nH, k.rbmWorkspaceBytes(4 * rows, nV, nH) / 4], (vb, alone, mixed, ws) => {
          vb.write(sparse);
          k.rbmHiddenStep({ v: vb.ptr, rows, nVisible: nV, nHidden: nH, packedWeights: packed, hiddenBias: c, sign: 1, probabilities: alone.ptr, active: 0, counts: 0, k0: 0, k1: 0, blockLo: 0, blockHi: 0, workspace: ws.ptr });
          vb.write(both);
          k.rbmHiddenStep({ v: vb.ptr, rows: 4 * rows, nVisible: nV, nHidden: nH, packedWeights: packed, hiddenBias: c, sign: 1, probabilities: mixed.ptr, active: 0, counts: 0, k0: 0, k1: 0, blockLo: 0, blockHi: 0, workspace: ws.ptr });
          const a = alone.view.slice(0, rows * nH);
          expect(Array.from(a)).toEqual(Array.from(mixed.view.slice(0, rows * nH)));
          expect(maxAbsDiff(a, ref.hiddenProbabilities(p, sparse, rows))).toBeLessThan(2e-6);
        }),
      );
    });
  }

  it('only computes probabilities when no active list is given', () => {
    const [rows, nV, nH] = [4, 20, 9];
    const p = randomParams(nV, nH, 'bernoulli', 5);
    const v = randomBinary(rows * nV, 6);
    withParams(p, (_w, _b, c, packed) =>
      withBuffers([rows * nV, rows * nH, kernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (vb, probs, ws) => {
        vb.write(v);
        kernels().rbmHiddenStep({ v: vb.ptr, rows, nVisible: nV, nHidden: nH, packedWeights: packed, hiddenBias: c, sign: 1, probabilities: probs.ptr, active: 0, counts: 0, k0: 0, k1: 0, blockLo: 0, blockHi: 0, workspace: ws.ptr });
        expect(maxAbsDiff(probs.view, ref.hiddenProbabilities(p, v, rows))).toBeLessThan(2e-6);
      }),
    );
  });
});

describe('rbmVisibleStep: sparse accumulation of the active rows of W', () => {
  for (const [rows, nV, nH] of SHAPES) {
    for (const visible of ['bernoulli', 'gaussian'] as const) {
      it(`matches the reference for ${rows} rows, ${nV} visible, ${nH} hidden, ${visible}`, () => {
        const p = randomParams(nV, nH, visible, nH * 7 + rows, 0.3);
        const h = randomBinary(rows * nH, nH + 1);
        const means = ref.visibleMeans(p, h, rows);
        const rng = new Rng(7);
        const base = 2 ** 32 - 5; // crosses into the high word of the block counter
        const { blockLo: lo, blockHi: hi } = splitBlockIndex(base);
        const gaussian = visible === 'gaussian' ? 1 : 0;
        withParams(p, (_w, b, _c, _packed, strips) =>
          withBuffers([rows * nH, rows, rows * nV, kernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (active, counts, out, ws) => {
            encodeActive(h, rows, nH, active.ptr, counts.ptr);
            kernels().rbmVisibleStep({ active: active.ptr, counts: counts.ptr, rows, nHidden: nH, nVisible: nV, packedStrips: strips, visibleBias: b, gaussian, sample: 0, out: out.ptr, k0: 0, k1: 0, blockLo: 0, blockHi: 0, workspace: ws.ptr });
            expect(maxAbsDiff(out.view, means)).toBeLessThan(visible === 'gaussian' ? 1e-5 : 2e-6);
            kernels().rbmVisibleStep({ active: active.ptr, counts: counts.ptr, rows, nHidden: nH, nVisible: nV, packedStrips: strips, visibleBias: b, gaussian, sample: 1, out: out.ptr, k0: rng.key0, k1: rng.key1, blockLo: lo, blockHi: hi, workspace: ws.ptr });
            if (visible === 'gaussian') {
              expect(maxAbsDiff(out.view, ref.sampleGaussian(rng, base, means, rows, nV))).toBeLessThan(1e-4);
            } else {
              expectSamplesMatch(out.view, means, (r, c) => ref.uniformAt(rng, base, r, c, nV), rows, nV);
            }
          }),
        );
      });
    }
  }
});

describe('rbmVisibleMeans: the mean-field units after the dense product', () => {
  it('matches the reference for both kinds of visible units', () => {
    const [rows, nV, nH] = [6, 29, 13];
    for (const visible of ['bernoulli', 'gaussian'] as const) {
      const p = randomParams(nV, nH, visible, 3);
      const h = Float32Array.from({ length: rows * nH }, (_, i) => (i * 0.37) % 1);
      withParams(p, (w, b) =>
        withBuffers([rows * nH, rows * nV], (hb, out) => {
          hb.write(h);
          gemmInto(false, false, rows, nV, nH, 1, hb.ptr, nH, w, nV, 0, out.ptr, nV);
          kernels().rbmVisibleMeans(out.ptr, rows, nV, b, visible === 'gaussian' ? 1 : 0);
          expect(maxAbsDiff(out.view, ref.visibleMeans(p, h, rows))).toBeLessThan(1e-5);
        }),
      );
    }
  });
});

describe('rbmUnpackWeights: the inverse of rbmPackWeights', () => {
  for (const [nV, nH] of [[1, 1], [7, 5], [23, 18], [16, 32], [37, 41]]) {
    it(`round-trips W for ${nV} visible, ${nH} hidden`, () => {
      const p = randomParams(nV, nH, 'bernoulli', nV * 100 + nH);
      const k = kernels();
      withParams(p, (_w, _b, _c, packed) =>
        withBuffers([nH * nV], (out) => {
          out.view.fill(NaN);
          k.rbmUnpackWeights(packed, nH, nV, out.ptr);
          expect(Array.from(out.toArray())).toEqual(Array.from(p.weights));
        }),
      );
    });
  }
});

describe('rbmUpdateBiases + rbmUpdateWeights: statistics product and momentum step on the packed weights', () => {
  // Scalar f32 twin of the kernel's weight update, in the kernel's order of summation: the rows
  // before sparseRows (skipping none: zeros add nothing), then the rest.
  function referenceUpdate(
    hidden: Float32Array,
    visible: Float32Array,
    rows: number,
    nV: number,
    nH: number,
    w: Float32Array,
    vel: Float32Array,
    lr: number,
    momentum: number,
    decay: number,
  ) {
    const f = Math.fround;
    const gain = f(lr / rows);
    const d = f(lr * decay);
    const outW = new Float32Array(w.length);
    const outV = new Float32Array(w.length);
    for (let j = 0; j < nH; j++) {
      for (let i = 0; i < nV; i++) {
        let sum = 0;
        for (let b = 0; b < 2 * rows; b++) sum = f(sum + f(visible[b * nV + i] * hidden[b * nH + j]));
        const at = j * nV + i;
        const v = f(f(f(sum * gain) + f(vel[at] * momentum)) - f(w[at] * d));
        outV[at] = v;
        outW[at] = f(w[at] + v);
      }
    }
    return { w: outW, vel: outV };
  }

  const cases: [number, number, number, boolean][] = [
    [3, 5, 3, false],
    [9, 23, 18, true],
    [8, 32, 16, true],
    [10, 37, 41, true],
    [5, 64, 24, false],
  ];
  for (const [rows, nV, nH, sparse] of cases) {
    it(`matches the scalar update for ${rows} rows, ${nV} visible, ${nH} hidden (${sparse ? 'sparse' : 'dense'} data rows)`, () => {
      const k = kernels();
      const p = randomParams(nV, nH, 'bernoulli', rows + nV + nH, 0.3);
      // Data: binary with an all-zero row and an all-zero column; reconstructions: probabilities.
      const data = randomBinary(rows * nV, 7 + nV, 0.3);
      for (let i = 0; i < nV; i++) data[i] = 0;
      for (let r = 0; r < rows; r++) data[r * nV + (nV >> 1)] = 0;
      const rng = new Rng(3);
      const visible = new Float32Array(2 * rows * nV);
      visible.set(data);
      for (let i = rows * nV; i < visible.length; i++) visible[i] = rng.uniform();
      const hidden = new Float32Array(2 * rows * nH);
      for (let i = 0; i < hidden.length; i++) hidden[i] = (i < rows * nH ? 1 : -1) * rng.uniform();
      const velocity = Float32Array.from({ length: nH * nV }, () => 0.01 * rng.normal());
      const [lr, momentum, decay] = [0.1, 0.5, 0.01];
      const expected = referenceUpdate(hidden, visible, rows, nV, nH, p.weights, velocity, lr, momentum, decay);
      const packedLength = k.rbmPackedWeightsLength(nH, nV);
      const stripsLength = k.rbmPackedStripsLength(nH, nV);
      const workspaceLength = Math.ceil(k.rbmWorkspaceBytes(rows, nV, nH) / 4);
      const lengths = [2 * rows * nH, 2 * rows * nV, nH * nV, packedLength, stripsLength, packedLength, nV, nH, nV, nH, nH, nH * nV, workspaceLength];
      withBuffers(lengths, (h, v, w, packed, strips, vel, b, c, vb, vc, means, out, ws) => {
        h.write(hidden);
        v.write(visible);
        w.write(p.weights);
        k.rbmPackWeights(w.ptr, nH, nV, packed.ptr);
        k.rbmPackStrips(w.ptr, nH, nV, strips.ptr);
        // ΔW in the packed layout: pack it like W.
        w.write(velocity);
        k.rbmPackWeights(w.ptr, nH, nV, vel.ptr);
        for (const buffer of [b, c, vb, vc, means]) buffer.view.fill(0);
        const sparseRows = sparse ? rows : 0;
        k.rbmUpdateBiases({ hidden: h.ptr, visible: v.ptr, rows, nHidden: nH, nVisible: nV, visibleBias: b.ptr, hiddenBias: c.ptr, visibleVelocity: vb.ptr, hiddenVelocity: vc.ptr, learningRate: lr, momentum, sparsityTarget: 0, sparsityCost: 0, sparsityDecay: 0, hiddenMeans: means.ptr });
        k.rbmUpdateWeights({ hidden: h.ptr, visible: v.ptr, rows, sparseRows, nHidden: nH, nVisible: nV, learningRate: lr, momentum, weightDecay: decay, weightVelocity: vel.ptr, packedWeights: packed.ptr, packedStrips: strips.ptr, quadFirst: 0, quadEnd: Math.ceil(nV / 4), workspace: ws.ptr });
        k.rbmUnpackWeights(packed.ptr, nH, nV, out.ptr);
        expect(Array.from(out.toArray())).toEqual(Array.from(expected.w));
        k.rbmUnpackWeights(vel.ptr, nH, nV, out.ptr);
        expect(Array.from(out.toArray())).toEqual(Array.from(expected.vel));
        // The strips and the packing of the new W agree (padding included).
        w.write(expected.w);
        withBuffers([stripsLength, packedLength], (s2, p2) => {
          k.rbmPackStrips(w.ptr, nH, nV, s2.ptr);
          k.rbmPackWeights(w.ptr, nH, nV, p2.ptr);
          expect(Array.from(strips.toArray())).toEqual(Array.from(s2.toArray()));
          expect(Array.from(packed.toArray())).toEqual(Array.from(p2.toArray()));
        });
      });
    });
  }
});

describe('kernels split into blocks (as over threads) give the bits of one call', () => {
  const bits = (buffer: { view: Float32Array }, n: number) => Array.from(new Int32Array(buffer.view.buffer, buffer.view.byteOffset, n));

  for (const [rows, nV, nH, density] of [[13, 37, 21, 0.4], [22, 784, 40, 0.15], [9, 48, 32, 1]] as const) {
    it(`rbmHiddenStep and rbmVisibleStep by blocks of rows (${rows} rows, ${nV} visible, ${nH} hidden, density ${density})`, () => {
      const k = kernels();
      const p = randomParams(nV, nH, 'bernoulli', rows + nV, 0.3);
      const v = density === 1 ? Float32Array.from({ length: rows * nV }, (_, i) => ((i * 0.61) % 1) + 0.01) : randomBinary(rows * nV, nH, density);
      const rng = new Rng(4);
      const base = 2 ** 32 - 7; // the blocks of the second part cross into the high word
      const hiddenBlocks = Math.ceil(nH / 4);
      const visibleBlocks = Math.ceil(nV / 4);
      const wsLength = k.rbmWorkspaceBytes(rows, nV, nH) / 4;
      withParams(p, (_w, b, c, packed, strips) =>
        withBuffers([rows * nV, rows * nH, rows * nH, rows, rows * nV, rows * nH, rows * nH, rows, rows * nV, wsLength, wsLength], (vb, probs, active, counts, out, probs2, active2, counts2, out2, ws, ws2) => {
          vb.write(v);
          const hidden = (first: number, count: number, pr: number, ac: number, co: number, w: number) => {
            const { blockLo: lo, blockHi: hi } = splitBlockIndex(base + first * hiddenBlocks);
            k.rbmHiddenStep({ v: vb.ptr + first * nV * 4, rows: count, nVisible: nV, nHidden: nH, packedWeights: packed, hiddenBias: c, sign: 1, probabilities: pr + first * nH * 4, active: ac + first * nH * 4, counts: co + first * 4, k0: rng.key0, k1: rng.key1, blockLo: lo, blockHi: hi, workspace: w });
          };
          const visible = (first: number, count: number, ac: number, co: number, o: number, w: number) => {
            const { blockLo: lo, blockHi: hi } = splitBlockIndex(base + first * visibleBlocks);
            k.rbmVisibleStep({ active: ac + first * nH * 4, counts: co + first * 4, rows: count, nHidden: nH, nVisible: nV, packedStrips: strips, visibleBias: b, gaussian: 0, sample: 1, out: o + first * nV * 4, k0: rng.key0, k1: rng.key1, blockLo: lo, blockHi: hi, workspace: w });
          };
          hidden(0, rows, probs.ptr, active.ptr, counts.ptr, ws.ptr);
          visible(0, rows, active.ptr, counts.ptr, out.ptr, ws.ptr);
          const cut = 4 * Math.floor(rows / 8);
          hidden(0, cut, probs2.ptr, active2.ptr, counts2.ptr, ws.ptr);
          hidden(cut, rows - cut, probs2.ptr, active2.ptr, counts2.ptr, ws2.ptr);
          visible(0, cut, active2.ptr, counts2.ptr, out2.ptr, ws2.ptr);
          visible(cut, rows - cut, active2.ptr, counts2.ptr, out2.ptr, ws.ptr);
          expect(bits(probs2, rows * nH)).toEqual(bits(probs, rows * nH));
          expect(Array.from(decodeActive(active2.ptr, counts2.ptr, rows, nH))).toEqual(Array.from(decodeActive(active.ptr, counts.ptr, rows, nH)));
          expect(bits(out2, rows * nV)).toEqual(bits(out, rows * nV));
        }),
      );
    });
  }

  for (const [rows, nV, nH, cuts] of [[7, 37, 21, [1, 5]], [10, 784, 24, [16, 100, 101]], [6, 64, 16, [4, 8, 12]]] as const) {
    it(`rbmUpdateWeights by ranges of visible quads (${rows} rows, ${nV} visible, ${nH} hidden, cut at quads ${cuts.join(', ')})`, () => {
      const k = kernels();
      const p = randomParams(nV, nH, 'bernoulli', nV * nH, 0.3);
      const rng = new Rng(6);
      const visible = Float32Array.from({ length: 2 * rows * nV }, (_, i) => (i < rows * nV ? (rng.uniform() < 0.3 ? 1 : 0) : rng.uniform()));
      const hidden = Float32Array.from({ length: 2 * rows * nH }, (_, i) => (i < rows * nH ? 1 : -1) * rng.uniform());
      const velocity = Float32Array.from({ length: nH * nV }, () => 0.01 * rng.normal());
      const packedLength = k.rbmPackedWeightsLength(nH, nV);
      const stripsLength = k.rbmPackedStripsLength(nH, nV);
      const wsLength = k.rbmWorkspaceBytes(rows, nV, nH) / 4;
      const quads = Math.ceil(nV / 4);
      const run = (ranges: number[]) =>
        withBuffers([2 * rows * nH, 2 * rows * nV, nH * nV, packedLength, stripsLength, packedLength, wsLength], (h, v, w, packed, strips, vel, ws) => {
          h.write(hidden);
          v.write(visible);
          w.write(velocity);
          k.rbmPackWeights(w.ptr, nH, nV, vel.ptr);
          w.write(p.weights);
          k.rbmPackWeights(w.ptr, nH, nV, packed.ptr);
          k.rbmPackStrips(w.ptr, nH, nV, strips.ptr);
          for (let i = 0; i + 1 < ranges.length; i++) {
            k.rbmUpdateWeights({ hidden: h.ptr, visible: v.ptr, rows, sparseRows: rows, nHidden: nH, nVisible: nV, learningRate: 0.1, momentum: 0.5, weightDecay: 0.01, weightVelocity: vel.ptr, packedWeights: packed.ptr, packedStrips: strips.ptr, quadFirst: ranges[i], quadEnd: ranges[i + 1], workspace: ws.ptr });
          }
          return [bits(packed, packedLength), bits(strips, stripsLength), bits(vel, packedLength)];
        });
      const whole = run([0, quads]);
      expect(run([0, ...cuts.filter((q) => q < quads), quads])).toEqual(whole);
    });
  }
});

describe('training steps: the model against reference.trainStep', () => {
  const cases: [string, ref.VisibleUnits, Partial<ref.StepSettings>][] = [
    ['CD-1', 'bernoulli', {}],
    ['CD-3 with momentum, weight decay and sparsity', 'bernoulli', { k: 3, momentum: 0.5, weightDecay: 0.01, sparsity: { target: 0.1, cost: 0.5, decay: 0.9 } }],
    ['CD-2 sampling the last reconstruction', 'bernoulli', { k: 2, sampleVisible: true }],
    ['PCD-2', 'bernoulli', { k: 2, persistent: true, momentum: 0.9 }],
    ['Gaussian CD-1', 'gaussian', { momentum: 0.5 }],
    ['Gaussian PCD-1', 'gaussian', { persistent: true }],
  ];
  // Odd sizes (edge tiles everywhere) and sizes made of full tiles (4 visible × 8 hidden, strips of 16).
  for (const [name, visible, overrides] of cases) for (const [rows, nV, nH] of [[9, 23, 18], [12, 48, 32]]) {
    it(`${name}: three steps give the reference's parameters (${rows} rows, ${nV} visible, ${nH} hidden)`, () => {
      const settings: ref.StepSettings = {
        learningRate: 0.1,
        momentum: 0,
        weightDecay: 0,
        k: 1,
        persistent: false,
        sampleVisible: false,
        sparsity: null,
        ...overrides,
      };
      const p = randomParams(nV, nH, visible, 11, 0.2);
      const rbm = new RBM({ nVisible: nV, nHidden: nH, visible, seed: 5 });
      rbm.setWeights({
        W: { shape: [nH, nV], data: p.weights },
        visibleBias: { shape: [nV], data: p.visibleBias },
        hiddenBias: { shape: [nH], data: p.hiddenBias },
      });
      const state: ref.TrainingState = {
        nVisible: nV,
        nHidden: nH,
        visible,
        weights: Float64Array.from(p.weights),
        visibleBias: Float64Array.from(p.visibleBias),
        hiddenBias: Float64Array.from(p.hiddenBias),
        weightVelocity: new Float64Array(nH * nV),
        visibleVelocity: new Float64Array(nV),
        hiddenVelocity: new Float64Array(nH),
        hiddenMeans: new Float64Array(nH),
        chains: null,
      };
      // The model drew its initial weights from its stream first: the reference starts where it is now.
      const rng = new Rng(5);
      rng.block = (rbm as unknown as { rng: Rng }).rng.block;
      for (let step = 0; step < 3; step++) {
        const v = visible === 'gaussian' ? Float32Array.from(randomParams(nV, 1, visible, step).weights) : randomBinary(rows * nV, 40 + step);
        const batch = visible === 'gaussian' ? Float32Array.from({ length: rows * nV }, (_, i) => v[i % v.length] * 2) : v;
        ref.trainStep(state, batch, rows, settings, rng);
        rbm.partialFit({ shape: [rows, nV], data: batch }, { ...settings, sparsity: settings.sparsity ?? undefined });
      }
      const w = rbm.weights;
      expect(maxAbsDiff(w.W.data, state.weights)).toBeLessThan(1e-5);
      expect(maxAbsDiff(w.visibleBias.data, state.visibleBias)).toBeLessThan(1e-5);
      expect(maxAbsDiff(w.hiddenBias.data, state.hiddenBias)).toBeLessThan(1e-5);
      rbm.dispose();
    });
  }
});

describe('monitoring kernels', () => {
  for (const visible of ['bernoulli', 'gaussian'] as const) {
    it(`free energy, reconstruction and transform match the reference (${visible})`, () => {
      const [rows, nV, nH] = [300, 27, 19]; // more rows than one chunk
      const p = randomParams(nV, nH, visible, 21, 0.3);
      const rbm = new RBM({ nVisible: nV, nHidden: nH, visible, seed: 1 });
      rbm.setWeights({
        W: { shape: [nH, nV], data: p.weights },
        visibleBias: { shape: [nV], data: p.visibleBias },
        hiddenBias: { shape: [nH], data: p.hiddenBias },
      });
      const data = visible === 'gaussian' ? Float32Array.from({ length: rows * nV }, (_, i) => Math.sin(i)) : randomBinary(rows * nV, 2);
      const x = { shape: [rows, nV], data };
      const f = ref.freeEnergy(p, data, rows);
      const got = rbm.freeEnergy(x);
      for (let r = 0; r < rows; r++) expect(Math.abs(got[r] - f[r])).toBeLessThan(1e-5 * (1 + Math.abs(f[r])));
      expect(maxAbsDiff(rbm.transform(x).data, ref.hiddenProbabilities(p, data, rows))).toBeLessThan(2e-6);
      const reconstruction = ref.visibleMeans(p, ref.hiddenProbabilities(p, data, rows), rows);
      expect(maxAbsDiff(rbm.reconstruct(x).data, reconstruction)).toBeLessThan(1e-5);
      const error = ref.reconstructionError(p, data, rows);
      expect(Math.abs(rbm.reconstructionError(x) - error)).toBeLessThan(1e-6 * (1 + error));
      rbm.dispose();
    });
  }

  it('pseudo-likelihood matches the reference with the same flips', () => {
    const [rows, nV, nH] = [270, 33, 17];
    const p = randomParams(nV, nH, 'bernoulli', 8, 0.3);
    const rbm = new RBM({ nVisible: nV, nHidden: nH, seed: 1 });
    rbm.setWeights({
      W: { shape: [nH, nV], data: p.weights },
      visibleBias: { shape: [nV], data: p.visibleBias },
      hiddenBias: { shape: [nH], data: p.hiddenBias },
    });
    const data = randomBinary(rows * nV, 9);
    const flipRng = new Rng(77);
    const flips = Int32Array.from({ length: rows }, () => flipRng.int(nV));
    const expected = ref.pseudoLikelihood(p, data, rows, flips).reduce((a, b) => a + b, 0) / rows;
    const got = rbm.pseudoLikelihood({ shape: [rows, nV], data }, { seed: 77 });
    expect(Math.abs(got - expected)).toBeLessThan(1e-5 * Math.abs(expected));
    rbm.dispose();
  });

  it('squared error sums in f64', () => {
    const n = 1003;
    const a = Float32Array.from({ length: n }, (_, i) => Math.cos(i));
    const b = Float32Array.from({ length: n }, (_, i) => Math.sin(i));
    let expected = 0;
    for (let i = 0; i < n; i++) expected += (a[i] - b[i]) ** 2;
    const buffers = [allocF32(n), allocF32(n)];
    buffers[0].write(a);
    buffers[1].write(b);
    expect(kernels().rbmSquaredError(buffers[0].ptr, buffers[1].ptr, n)).toBeCloseTo(expected, 9);
    buffers.forEach((x) => x.free());
  });
});

describe('exact log-partition (rbmLogPartition)', () => {
  // 2^14 states: the Gray-code sums are rebuilt every 1024 states, so drift would show here.
  const cases: [string, number, number, ref.VisibleUnits][] = [
    ['hidden layer enumerated, Bernoulli visible', 60, 14, 'bernoulli'],
    ['hidden layer enumerated, Gaussian visible', 37, 14, 'gaussian'],
    ['visible layer enumerated', 13, 30, 'bernoulli'],
  ];
  for (const [name, nV, nH, visible] of cases) {
    it(`${name}: log-likelihood matches the f64 reference`, () => {
      const p = randomParams(nV, nH, visible, nV + nH, 0.3);
      const rbm = new RBM({ nVisible: nV, nHidden: nH, visible, seed: 1 });
      rbm.setWeights({
        W: { shape: [nH, nV], data: p.weights },
        visibleBias: { shape: [nV], data: p.visibleBias },
        hiddenBias: { shape: [nH], data: p.hiddenBias },
      });
      const rows = 5;
      const data = visible === 'gaussian' ? Float32Array.from({ length: rows * nV }, (_, i) => Math.cos(i)) : randomBinary(rows * nV, 3);
      const expected = ref.logLikelihood(p, data, rows).reduce((a, b) => a + b) / rows;
      const got = rbm.logLikelihood({ shape: [rows, nV], data });
      expect(Math.abs(got - expected)).toBeLessThan(2e-6 * Math.abs(expected));
      rbm.dispose();
    });
  }
});
