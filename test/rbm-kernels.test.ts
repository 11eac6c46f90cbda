// The fused wasm kernels of assembly/rbm.ts against the f64 reference of src/rbm/reference.ts.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { Rng } from '../src/random.js';
import { allocF32, heap, withBuffers } from '../src/runtime/index.js';
import { RBM } from '../src/rbm/index.js';
import { blockWords, rbmKernels } from '../src/rbm/kernels.js';
import * as ref from '../src/rbm/reference.js';

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
  const k = rbmKernels();
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
  for (const [rows, nV, nH] of SHAPES) {
    it(`matches the reference for ${rows} rows, ${nV} visible, ${nH} hidden`, () => {
      const p = randomParams(nV, nH, 'bernoulli', rows * 1000 + nV, 0.3);
      const v = randomBinary(rows * nV, nV);
      const expected = ref.hiddenProbabilities(p, v, rows);
      const rng = new Rng(99);
      const base = 12345;
      const [lo, hi] = blockWords(base);
      withParams(p, (_w, _b, c, packed) =>
        withBuffers([rows * nV, rows * nH, rows * nH, rows, rbmKernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (vb, probs, active, counts, ws) => {
          vb.write(v);
          for (const sign of [1, -1]) {
            rbmKernels().rbmHiddenStep(vb.ptr, rows, nV, nH, packed, c, sign, probs.ptr, active.ptr, counts.ptr, rng.key0, rng.key1, lo, hi, ws.ptr);
            expect(maxAbsDiff(probs.view.map((x) => sign * x), expected)).toBeLessThan(2e-6);
            const h = decodeActive(active.ptr, counts.ptr, rows, nH);
            expectSamplesMatch(h, expected, (r, col) => ref.uniformAt(rng, base, r, col, nH), rows, nH);
          }
        }),
      );
    });
  }

  it('only computes probabilities when no active list is given', () => {
    const [rows, nV, nH] = [4, 20, 9];
    const p = randomParams(nV, nH, 'bernoulli', 5);
    const v = randomBinary(rows * nV, 6);
    withParams(p, (_w, _b, c, packed) =>
      withBuffers([rows * nV, rows * nH, rbmKernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (vb, probs, ws) => {
        vb.write(v);
        rbmKernels().rbmHiddenStep(vb.ptr, rows, nV, nH, packed, c, 1, probs.ptr, 0, 0, 0, 0, 0, 0, ws.ptr);
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
        const [lo, hi] = blockWords(base);
        const gaussian = visible === 'gaussian' ? 1 : 0;
        withParams(p, (_w, b, _c, _packed, strips) =>
          withBuffers([rows * nH, rows, rows * nV, rbmKernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (active, counts, out, ws) => {
            encodeActive(h, rows, nH, active.ptr, counts.ptr);
            rbmKernels().rbmVisibleStep(active.ptr, counts.ptr, rows, nH, nV, strips, b, gaussian, 0, out.ptr, 0, 0, 0, 0, ws.ptr);
            expect(maxAbsDiff(out.view, means)).toBeLessThan(visible === 'gaussian' ? 1e-5 : 2e-6);
            rbmKernels().rbmVisibleStep(active.ptr, counts.ptr, rows, nH, nV, strips, b, gaussian, 1, out.ptr, rng.key0, rng.key1, lo, hi, ws.ptr);
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

describe('rbmVisibleMean: dense mean-field half-step', () => {
  it('matches the reference for both kinds of visible units', () => {
    const [rows, nV, nH] = [6, 29, 13];
    for (const visible of ['bernoulli', 'gaussian'] as const) {
      const p = randomParams(nV, nH, visible, 3);
      const h = Float32Array.from({ length: rows * nH }, (_, i) => (i * 0.37) % 1);
      withParams(p, (w, b) =>
        withBuffers([rows * nH, rows * nV, rbmKernels().rbmWorkspaceBytes(rows, nV, nH) / 4], (hb, out, ws) => {
          hb.write(h);
          rbmKernels().rbmVisibleMean(hb.ptr, rows, nH, nV, w, b, visible === 'gaussian' ? 1 : 0, out.ptr, ws.ptr);
          expect(maxAbsDiff(out.view, ref.visibleMeans(p, h, rows))).toBeLessThan(1e-5);
        }),
      );
    }
  });
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
  for (const [name, visible, overrides] of cases) {
    it(`${name}: three steps give the reference's parameters`, () => {
      const [rows, nV, nH] = [9, 23, 18];
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
    expect(rbmKernels().rbmSquaredError(buffers[0].ptr, buffers[1].ptr, n)).toBeCloseTo(expected, 9);
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
