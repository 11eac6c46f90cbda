// The RBM API: options, validation, determinism, memory, and learning on small problems whose
// exact log-likelihood can be enumerated.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { standardize } from '../src/data/index.js';
import { Rng } from '../src/random.js';
import { heap } from '../src/runtime/index.js';
import { RBM, type RbmWeights } from '../src/rbm/index.js';
import * as ref from './reference/rbm.js';
import type { Tensor } from '../src/tensor.js';

beforeAll(() => nninit.ready());

const tensor = (data: ArrayLike<number>, shape: number[]): Tensor => ({ shape, data: Float32Array.from(data) });

function randomBinary(rows: number, cols: number, seed: number, p = 0.5): Tensor {
  const rng = new Rng(seed);
  return tensor(Array.from({ length: rows * cols }, () => (rng.uniform() < p ? 1 : 0)), [rows, cols]);
}

function expectCode(fn: () => unknown, code: string, message?: RegExp): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught, 'expected an error').toBeInstanceOf(nninit.NninitError);
  expect((caught as nninit.NninitError).code).toBe(code);
  if (message) expect((caught as Error).message).toMatch(message);
}

async function expectRejects(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a rejection').toBeInstanceOf(nninit.NninitError);
  expect((error as nninit.NninitError).code).toBe(code);
  if (message) expect((error as Error).message).toMatch(message);
}

function sameBits(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((bits, i) => bits === y[i]);
}

function parametersOf(rbm: RBM): ref.RbmParameters {
  const w = rbm.weights;
  return { nVisible: rbm.nVisible, nHidden: rbm.nHidden, visible: rbm.visible, weights: w.W.data, visibleBias: w.visibleBias.data, hiddenBias: w.hiddenBias.data };
}

/** Every 3×3 image whose rows are all on or off (bars) or whose columns are (stripes): 14 distinct. */
function barsAndStripes(): number[][] {
  const patterns = new Map<string, number[]>();
  for (let bits = 0; bits < 8; bits++) {
    const bars = Array.from({ length: 9 }, (_, k) => (bits >> Math.floor(k / 3)) & 1);
    const stripes = Array.from({ length: 9 }, (_, k) => (bits >> k % 3) & 1);
    patterns.set(bars.join(''), bars);
    patterns.set(stripes.join(''), stripes);
  }
  return [...patterns.values()];
}

describe('construction and defaults', () => {
  it('starts from the practical guide: W ~ N(0, 0.01²), zero biases, a seed it exposes', () => {
    const rbm = new RBM({ nVisible: 100, nHidden: 50, seed: 3 });
    const { W, visibleBias, hiddenBias } = rbm.weights;
    expect(W.shape).toEqual([50, 100]);
    let sum = 0;
    let squares = 0;
    for (const w of W.data) {
      sum += w;
      squares += w * w;
    }
    const std = Math.sqrt(squares / W.data.length - (sum / W.data.length) ** 2);
    expect(std).toBeGreaterThan(0.0095);
    expect(std).toBeLessThan(0.0105);
    expect([...visibleBias.data, ...hiddenBias.data].every((b) => b === 0)).toBe(true);
    expect(rbm.seed).toBe(3);
    const unseeded = new RBM({ nVisible: 2, nHidden: 2 });
    expect(Number.isInteger(unseeded.seed)).toBe(true);
    rbm.dispose();
    unseeded.dispose();
  });

  it('sets the visible biases from the data at the first fit, or keeps them at 0', async () => {
    // Column means 0.25, 0.5, 0 (clamped to 1e-3) and 1 (clamped to 1 − 1e-3).
    const x = tensor([0, 1, 0, 1, 1, 0, 0, 1, 0, 1, 0, 1, 0, 0, 0, 1], [4, 4]);
    const logit = (p: number) => Math.log(p / (1 - p));
    const rbm = new RBM({ nVisible: 4, nHidden: 3, seed: 1 });
    await rbm.fit(x, { epochs: 1, learningRate: 1e-9, monitorSize: 0 });
    const bias = rbm.weights.visibleBias.data;
    [0.25, 0.5, 1e-3, 1 - 1e-3].forEach((p, i) => expect(bias[i]).toBeCloseTo(logit(p), 4));
    const kept = new RBM({ nVisible: 4, nHidden: 3, seed: 1, visibleBiasFromData: false });
    kept.partialFit(x, { learningRate: 1e-9 });
    expect(Math.max(...kept.weights.visibleBias.data.map(Math.abs))).toBeLessThan(1e-6);
    rbm.dispose();
    kept.dispose();
  });

  it('returns copies from .weights and takes them back with setWeights', () => {
    const rbm = new RBM({ nVisible: 5, nHidden: 3, seed: 2 });
    const w = rbm.weights;
    w.W.data.fill(7);
    expect(rbm.weights.W.data[0]).not.toBe(7);
    const chosen: RbmWeights = {
      W: tensor(Array.from({ length: 15 }, (_, i) => i / 10), [3, 5]),
      visibleBias: tensor([1, 2, 3, 4, 5], [5]),
      hiddenBias: tensor([-1, -2, -3], [3]),
    };
    rbm.setWeights(chosen);
    expect(rbm.weights).toEqual(chosen);
    expectCode(() => rbm.setWeights({ ...chosen, W: tensor(new Array(15).fill(0), [5, 3]) }), 'E_SHAPE', /W must be a Tensor of shape \[3, 5\]/);
    rbm.dispose();
  });
});

describe('bad input fails clearly', () => {
  let rbm: RBM;
  beforeAll(() => {
    rbm = new RBM({ nVisible: 4, nHidden: 2, seed: 1 });
  });
  const good = tensor([0, 1, 0.5, 1, 1, 0, 0, 0.25], [2, 4]);

  it('rejects bad constructor options with E_PARAM', () => {
    expectCode(() => new RBM({ nVisible: 0, nHidden: 2 }), 'E_PARAM', /nVisible must be an integer .* got 0/);
    expectCode(() => new RBM({ nVisible: 3, nHidden: 2.5 }), 'E_PARAM', /nHidden .* got 2\.5/);
    expectCode(() => new RBM({ nVisible: 3, nHidden: 2, visible: 'binary' as never }), 'E_PARAM', /visible must be 'bernoulli' or 'gaussian', got "binary"/);
    expectCode(() => new RBM({ nVisible: 3, nHidden: 2, seed: -1 }), 'E_PARAM', /seed/);
    expectCode(() => new RBM({ nVisible: 3, nHidden: 2, hidden: 4 } as never), 'E_PARAM', /RBM: unknown option "hidden" \(it takes nVisible, nHidden/);
  });

  it('NaN → E_DATA, naming the row and column', async () => {
    const x = tensor([0, 1, 0, 1, 1, NaN, 0, 0], [2, 4]);
    await expectRejects(rbm.fit(x, { epochs: 1 }), 'E_DATA', /x\[1, 1\] is NaN/);
    expectCode(() => rbm.transform(x), 'E_DATA', /x\[1, 1\] is NaN/);
    expectCode(() => rbm.partialFit(tensor([Infinity, 0, 0, 0], [1, 4])), 'E_DATA', /Infinity/);
  });

  it('wrong width or rank → E_SHAPE; not a Tensor → E_PARAM', async () => {
    await expectRejects(rbm.fit(tensor([0, 1, 0, 1, 1, 0], [2, 3]), { epochs: 1 }), 'E_SHAPE', /shape \[rows, 4\] .* got shape \[2, 3\]/);
    expectCode(() => rbm.reconstruct(tensor([0, 1, 0, 1], [4])), 'E_SHAPE', /\[rows, 4\]/);
    expectCode(() => rbm.freeEnergy({ shape: [2, 4], data: new Float32Array(7) }), 'E_SHAPE', /7 elements/);
    expectCode(() => rbm.transform([[0, 1, 0, 1]] as never), 'E_PARAM', /x must be a 2-D Tensor \[rows, 4\]/);
  });

  it('Bernoulli data outside [0, 1] → E_DATA unless allowOutOfRange', async () => {
    const x = tensor([0, 1, 0, 1, 1, 0, 2, 0], [2, 4]);
    await expectRejects(rbm.fit(x, { epochs: 1 }), 'E_DATA', /x\[1, 2\] is 2, outside \[0, 1\].*allowOutOfRange/);
    expectCode(() => rbm.partialFit(tensor([-0.5, 0, 0, 0], [1, 4])), 'E_DATA', /outside \[0, 1\]/);
    const other = new RBM({ nVisible: 4, nHidden: 2, seed: 1 });
    await expect(other.fit(x, { epochs: 1, allowOutOfRange: true, monitorSize: 0 })).resolves.toHaveLength(1);
    other.dispose();
    const gaussian = new RBM({ nVisible: 4, nHidden: 2, visible: 'gaussian', seed: 1 });
    gaussian.partialFit(tensor([-3, 2, 0, 5], [1, 4]));
    gaussian.dispose();
  });

  it('bad training options → E_PARAM naming the option and value', async () => {
    await expectRejects(rbm.fit(good, { learningRate: -1 }), 'E_PARAM', /learningRate .* got -1/);
    await expectRejects(rbm.fit(good, { k: 0 }), 'E_PARAM', /k must be .* got 0/);
    await expectRejects(rbm.fit(good, { momentum: 1 }), 'E_PARAM', /momentum .* got 1/);
    await expectRejects(rbm.fit(good, { momentum: () => NaN, monitorSize: 0 }), 'E_PARAM', /momentum\(1\) .* got NaN/);
    await expectRejects(rbm.fit(good, { batchSize: 0 }), 'E_PARAM', /batchSize/);
    await expectRejects(rbm.fit(good, { sparsity: { target: 1, cost: 0.1 } }), 'E_PARAM', /sparsity\.target .* got 1/);
    await expectRejects(rbm.fit(good, { learning_rate: 0.1 } as never), 'E_PARAM', /RBM.fit: unknown option "learning_rate"/);
    await expectRejects(rbm.fit(good, { persistent: 'yes' as never }), 'E_PARAM', /persistent must be true or false, got "yes"/);
    expectCode(() => rbm.partialFit(good, { weightDecay: -0.1 }), 'E_PARAM', /weightDecay .* got -0\.1/);
    expectCode(() => rbm.sample(0), 'E_PARAM', /n must be/);
    expectCode(() => rbm.sample(2, { init: good, steps: 0 }), 'E_PARAM', /steps/);
    expectCode(() => rbm.sample(3, { init: good }), 'E_SHAPE', /init must have n = 3 rows, got 2/);
  });

  it('exact log-likelihood of a too-large RBM → E_PARAM; pseudo-likelihood of Gaussian units → E_PARAM', () => {
    const big = new RBM({ nVisible: 30, nHidden: 21, seed: 1 });
    expectCode(() => big.logLikelihood(randomBinary(2, 30, 1)), 'E_PARAM', /at most 20 units .* 30 bernoulli visible and 21 hidden/);
    big.dispose();
    const gaussian = new RBM({ nVisible: 3, nHidden: 2, visible: 'gaussian', seed: 1 });
    expectCode(() => gaussian.pseudoLikelihood(tensor([0, 0, 0], [1, 3])), 'E_PARAM', /Bernoulli visible units only/);
    gaussian.dispose();
  });

  it('a disposed model says so', () => {
    const gone = new RBM({ nVisible: 4, nHidden: 2, seed: 1 });
    gone.dispose();
    gone.dispose(); // idempotent
    expectCode(() => gone.transform(good), 'E_MEMORY', /disposed/);
    expectCode(() => gone.weights, 'E_MEMORY', /disposed/);
  });
});

describe('determinism and memory', () => {
  const x = randomBinary(230, 37, 5, 0.3);

  async function train(seed: number): Promise<RbmWeights> {
    const rbm = new RBM({ nVisible: 37, nHidden: 19, seed });
    await rbm.fit(x, { epochs: 3, batchSize: 50, k: 2, sparsity: { target: 0.2, cost: 0.1 }, weightDecay: 1e-4, monitorSize: 100 });
    rbm.partialFit(x, { persistent: true });
    const w = rbm.weights;
    rbm.dispose();
    return w;
  }

  it('the same seed gives bit-identical weights; another seed does not', async () => {
    const a = await train(11);
    const b = await train(11);
    expect(sameBits(a.W.data, b.W.data)).toBe(true);
    expect(sameBits(a.visibleBias.data, b.visibleBias.data)).toBe(true);
    expect(sameBits(a.hiddenBias.data, b.hiddenBias.data)).toBe(true);
    const c = await train(12);
    expect(sameBits(a.W.data, c.W.data)).toBe(false);
  });

  it('a model too large for wasm memory fails with E_MEMORY and keeps nothing', () => {
    const baseline = heap().bytesInUse;
    expectCode(() => new RBM({ nVisible: 2 ** 20, nHidden: 2 ** 10, seed: 1 }), 'E_MEMORY', /cap/);
    expect(heap().bytesInUse).toBe(baseline);
  });

  it('wasm memory returns to its baseline after create → fit → use → dispose', async () => {
    const baseline = heap().bytesInUse;
    for (let cycle = 0; cycle < 3; cycle++) {
      const rbm = new RBM({ nVisible: 37, nHidden: 19 + cycle, seed: cycle });
      await rbm.fit(x, { epochs: 2, batchSize: 40 + 30 * cycle, validation: x, persistent: cycle === 1 });
      rbm.partialFit(x); // a larger batch re-makes the workspace
      rbm.transform(x);
      rbm.reconstruct(x);
      rbm.freeEnergy(x);
      rbm.pseudoLikelihood(x);
      rbm.sample(300, { steps: 3 });
      expect(heap().bytesInUse).toBeGreaterThan(baseline);
      rbm.dispose();
      expect(heap().bytesInUse).toBe(baseline);
    }
  });
});

describe('fit: history and callbacks', () => {
  it('records one entry per epoch, calls back, and stops when onEpoch returns false', async () => {
    const x = randomBinary(120, 10, 8, 0.3);
    const rbm = new RBM({ nVisible: 10, nHidden: 6, seed: 4 });
    const batches: string[] = [];
    const seen: number[] = [];
    const history = await rbm.fit(x, {
      epochs: 5,
      batchSize: 50,
      validation: randomBinary(30, 10, 9, 0.3),
      onBatch: ({ epoch, batch, batches: total }) => batches.push(`${epoch}.${batch}/${total}`),
      onEpoch: async (stats) => {
        seen.push(stats.epoch);
        return stats.epoch < 3;
      },
    });
    expect(seen).toEqual([1, 2, 3]);
    expect(history.map((e) => e.epoch)).toEqual([1, 2, 3]);
    expect(batches).toEqual(['1.1/3', '1.2/3', '1.3/3', '2.1/3', '2.2/3', '2.3/3', '3.1/3', '3.2/3', '3.3/3']);
    for (const e of history) {
      expect(e.reconstructionError).toBeGreaterThan(0);
      expect(e.pseudoLikelihood).toBeLessThan(0);
      expect(Number.isFinite(e.freeEnergyGap)).toBe(true);
      expect(e.seconds).toBeGreaterThanOrEqual(0);
    }
    const quiet = await rbm.fit(x, { epochs: 1, monitorSize: 0 });
    expect(quiet[0].reconstructionError).toBeNaN();
    expect(quiet[0].pseudoLikelihood).toBeNull();
    rbm.dispose();
  });

  it('uses momentum 0.5 for epochs 1–5, then 0.9, unless told otherwise', async () => {
    const x = randomBinary(40, 8, 3);
    const schedule: number[] = [];
    const rbm = new RBM({ nVisible: 8, nHidden: 4, seed: 1 });
    await rbm.fit(x, { epochs: 7, monitorSize: 0, momentum: (epoch) => (schedule.push(epoch), 0.5) });
    expect(schedule).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // The default schedule gives the same weights as an explicit one.
    const a = new RBM({ nVisible: 8, nHidden: 4, seed: 2 });
    const b = new RBM({ nVisible: 8, nHidden: 4, seed: 2 });
    await a.fit(x, { epochs: 7, monitorSize: 0 });
    await b.fit(x, { epochs: 7, monitorSize: 0, momentum: (epoch) => (epoch <= 5 ? 0.5 : 0.9) });
    expect(a.weights).toEqual(b.weights);
    for (const m of [rbm, a, b]) m.dispose();
  });
});

describe('learning', () => {
  it('CD-k with large k approaches the exact log-likelihood gradient (6 visible, 4 hidden)', () => {
    const nV = 6;
    const nH = 4;
    const rng = new Rng(21);
    const start: RbmWeights = {
      W: tensor(Array.from({ length: nH * nV }, () => rng.normal()), [nH, nV]),
      visibleBias: tensor(Array.from({ length: nV }, () => 0.5 * rng.normal()), [nV]),
      hiddenBias: tensor(Array.from({ length: nH }, () => 0.5 * rng.normal()), [nH]),
    };
    const patterns = randomBinary(12, nV, 22).data;
    const exact = ref.exactGradient({ nVisible: nV, nHidden: nH, visible: 'bernoulli', weights: start.W.data, visibleBias: start.visibleBias.data, hiddenBias: start.hiddenBias.data }, patterns, 12);
    const copies = 4000;
    const data = new Float32Array(copies * patterns.length);
    for (let c = 0; c < copies; c++) data.set(patterns, c * patterns.length);
    const batch = tensor(data, [12 * copies, nV]);

    const relativeError = (k: number): number => {
      const rbm = new RBM({ nVisible: nV, nHidden: nH, seed: 100 + k });
      rbm.setWeights(start);
      // One step with learning rate 1 and no momentum moves the weights by the estimated gradient.
      rbm.partialFit(batch, { learningRate: 1, k, sampleVisible: true });
      const after = rbm.weights;
      rbm.dispose();
      let error = 0;
      let norm = 0;
      const add = (moved: Float32Array, before: Float32Array, g: Float64Array) => {
        for (let i = 0; i < g.length; i++) {
          error += (moved[i] - before[i] - g[i]) ** 2;
          norm += g[i] ** 2;
        }
      };
      add(after.W.data, start.W.data, exact.weights);
      add(after.visibleBias.data, start.visibleBias.data, exact.visibleBias);
      add(after.hiddenBias.data, start.hiddenBias.data, exact.hiddenBias);
      return Math.sqrt(error / norm);
    };
    const cd1 = relativeError(1);
    const cd100 = relativeError(100);
    expect(cd100).toBeLessThan(0.06);
    expect(cd1).toBeGreaterThan(3 * cd100); // CD-1 is visibly biased here: the test can tell them apart
  });

  it('on 3×3 bars and stripes, training raises the exact log-likelihood well above its start', async () => {
    const patterns = barsAndStripes();
    expect(patterns).toHaveLength(14);
    const x = tensor(Array.from({ length: 20 }, () => patterns).flat(2), [14 * 20, 9]);
    const rbm = new RBM({ nVisible: 9, nHidden: 16, seed: 7 });
    const before = rbm.logLikelihood(x);
    expect(before).toBeCloseTo(9 * Math.log(0.5), 1); // W ≈ 0, biases 0: every image has probability 2^−9
    await rbm.fit(x, { epochs: 150, batchSize: 14, learningRate: 0.05, k: 3, momentum: 0.5, monitorSize: 0 });
    const after = rbm.logLikelihood(x);
    expect(after).toBeGreaterThan(before + 2.5); // the best possible is log(1/14) ≈ before + 3.6
    expect(after).toBeLessThanOrEqual(Math.log(1 / 14) + 1e-9); // cannot beat the data's own distribution
    // Gibbs chains of the trained model mostly produce bars and stripes.
    const samples = rbm.sample(200, { steps: 50, seed: 1 }).data;
    const valid = new Set(patterns.map((p) => p.join('')));
    let hits = 0;
    for (let s = 0; s < 200; s++) {
      if (valid.has(Array.from(samples.subarray(s * 9, s * 9 + 9), (p) => (p > 0.5 ? 1 : 0)).join(''))) hits++;
    }
    expect(hits).toBeGreaterThan(100); // 14 of 512 images: chance would give ~5
    // The exact log-likelihood (wasm, f32 sums) matches the f64 reference on the same weights.
    const exact = ref.logLikelihood(parametersOf(rbm), x.data, 14).reduce((a, b) => a + b) / 14;
    expect(Math.abs(after - exact)).toBeLessThan(1e-5);
    rbm.dispose();

    // Persistent CD learns too (more slowly here, and without the 0.9 momentum it cannot take).
    const pcd = new RBM({ nVisible: 9, nHidden: 16, seed: 7 });
    await pcd.fit(x, { epochs: 150, batchSize: 14, learningRate: 0.05, persistent: true, momentum: 0.5, monitorSize: 0 });
    expect(pcd.logLikelihood(x)).toBeGreaterThan(before + 1.5);
    pcd.dispose();
  });

  it('a Gaussian RBM on standardized data converges', async () => {
    // Data from 4 binary causes in 16 dimensions plus noise: what a Gaussian–Bernoulli RBM models.
    const rng = new Rng(31);
    const nV = 16;
    const causes = Array.from({ length: 4 }, () => Array.from({ length: nV }, () => 2 * rng.normal()));
    const rows = 800;
    const raw = new Float32Array(rows * nV);
    for (let r = 0; r < rows; r++) {
      const on = causes.filter(() => rng.uniform() < 0.5);
      for (let i = 0; i < nV; i++) raw[r * nV + i] = on.reduce((s, c) => s + c[i], 0) + 0.3 * rng.normal();
    }
    const { x } = standardize(tensor(raw, [rows, nV]));
    const rbm = new RBM({ nVisible: nV, nHidden: 8, visible: 'gaussian', seed: 3 });
    const before = rbm.logLikelihood(x);
    const history = await rbm.fit(x, { epochs: 40, batchSize: 20, learningRate: 0.01 });
    const after = rbm.logLikelihood(x);
    const errors = history.map((e) => e.reconstructionError);
    expect(errors.every(Number.isFinite)).toBe(true);
    expect(errors[0]).toBeGreaterThan(0.3);
    expect(errors.at(-1)!).toBeLessThan(0.1); // the noise is 0.3² / (variance ≈ 8) ≈ 0.01 of it
    expect(Math.abs(errors.at(-1)! - errors.at(-2)!)).toBeLessThan(0.01); // settled
    expect(after).toBeGreaterThan(before + 3);
    rbm.dispose();
  });
});
