// Annealed importance sampling of RBMs: the wasm runs against an f64 reference that draws the
// same random words, the estimates against exact log-partition functions (≤ 16 hidden units),
// their tightening as runs and temperatures grow, the log-likelihood and fit-history API, and the
// typed errors.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { Rng } from '../src/random.js';
import { defaultBetas } from '../src/rbm/ais-options.js';
import { RBM } from '../src/rbm/index.js';
import type { Tensor } from '../src/tensor.js';
import { referenceLogPartition, referenceLogWeights, type ReferenceRbm } from './reference/rbm-ais.js';

beforeAll(() => nninit.ready());

function randomRbm(nVisible: number, nHidden: number, seed: number, std: number): RBM {
  const rng = new Rng(seed);
  const rbm = new RBM({ nVisible, nHidden, seed });
  const normals = (n: number, s: number, mean = 0) => ({ shape: [n], data: Float32Array.from({ length: n }, () => mean + s * rng.normal()) });
  rbm.setWeights({
    W: { shape: [nHidden, nVisible], data: normals(nHidden * nVisible, std).data },
    visibleBias: normals(nVisible, 1, -1),
    hiddenBias: normals(nHidden, 1, -0.5),
  });
  return rbm;
}

function referenceOf(rbm: RBM): ReferenceRbm {
  const w = rbm.weights;
  return { nVisible: rbm.nVisible, nHidden: rbm.nHidden, W: w.W.data, visibleBias: w.visibleBias.data, hiddenBias: w.hiddenBias.data };
}

/** Noisy copies of a few random prototypes: data with structure for an RBM to learn. */
function prototypes(rows: number, cols: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const protos = Array.from({ length: 4 }, () => Array.from({ length: cols }, () => (rng.uniform() < 0.3 ? 1 : 0)));
  const data = new Float32Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const proto = protos[rng.int(protos.length)];
    for (let c = 0; c < cols; c++) data[r * cols + c] = rng.uniform() < 0.05 ? 1 - proto[c] : proto[c];
  }
  return { shape: [rows, cols], data };
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

const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));

describe('AIS runs against the f64 reference', () => {
  // Sizes off the kernels' strips (16) and tiles (4 × 8, 4 runs) exercise every tail.
  for (const [nV, nH, runs] of [
    [21, 13, 6],
    [16, 16, 4],
    [40, 7, 9],
  ] as const) {
    it(`${nV} visible, ${nH} hidden, ${runs} runs: the same states, log-weights within 1e-4`, async () => {
      const rbm = randomRbm(nV, nH, nV + nH, 0.4);
      const base = Float32Array.from({ length: nV }, (_, i) => -1 + (i % 5) * 0.3);
      const betas = defaultBetas(60);
      const got = await rbm.logPartition({ runs, betas, seed: 7, baseVisibleBias: { shape: [nV], data: base } });
      const expected = referenceLogWeights(referenceOf(rbm), base, betas, runs, new Rng(7).fork());
      for (let r = 0; r < runs; r++) expect(Math.abs(got.logWeights![r] - expected[r]), `run ${r}`).toBeLessThan(1e-4);
      rbm.dispose();
    });
  }

  it("a run's draws depend on its index and the seed only, not on how many runs there are", async () => {
    const rbm = randomRbm(30, 10, 3, 0.5);
    const few = await rbm.logPartition({ runs: 5, betas: 200, seed: 11 });
    const more = await rbm.logPartition({ runs: 13, betas: 200, seed: 11 });
    expect(bits(more.logWeights!.slice(0, 5))).toEqual(bits(few.logWeights!));
    const other = await rbm.logPartition({ runs: 5, betas: 200, seed: 12 });
    expect(bits(other.logWeights!)).not.toEqual(bits(few.logWeights!));
    rbm.dispose();
  });

  it('summarizes the weights: log Z = log Z_base + log mean w, the delta-method error, the effective runs', async () => {
    const rbm = randomRbm(12, 6, 5, 0.6);
    const base = new Float32Array(12).fill(-0.5);
    const estimate = await rbm.logPartition({ runs: 50, betas: 300, seed: 1, baseVisibleBias: { shape: [12], data: base } });
    const w = Array.from(estimate.logWeights!);
    const baseLogZ = 6 * Math.LN2 + 12 * Math.log1p(Math.exp(-0.5));
    const weights = w.map(Math.exp);
    const meanWeight = weights.reduce((a, b) => a + b) / 50;
    const sd = Math.sqrt(weights.reduce((a, b) => a + (b - meanWeight) ** 2, 0) / 49);
    expect(estimate.logZ).toBeCloseTo(baseLogZ + Math.log(meanWeight), 10);
    expect(estimate.stdError).toBeCloseTo(sd / Math.sqrt(50) / meanWeight, 10);
    expect(estimate.effectiveRuns).toBeCloseTo(weights.reduce((a, b) => a + b) ** 2 / weights.reduce((a, b) => a + b * b, 0), 8);
    expect(estimate.method).toBe('ais');
    rbm.dispose();
  });
});

describe('AIS against exact log-partition functions', () => {
  async function compare(label: string, rbm: RBM, data: Tensor | undefined, seeds: number[], runs = 100, betas = 1000) {
    const exact = (await rbm.logPartition({ method: 'exact' })).logZ;
    expect(exact).toBeCloseTo(referenceLogPartition(referenceOf(rbm)), 3);
    for (const seed of seeds) {
      const { logZ, stdError } = await rbm.logPartition({ runs, betas, seed, data });
      const ratio = Math.abs(logZ - exact) / stdError;
      expect(stdError).toBeGreaterThan(0);
      expect(ratio, `${label}, seed ${seed}: AIS ${logZ} ± ${stdError} against ${exact}`).toBeLessThan(3);
    }
  }

  it('random RBMs of several sizes, uniform and data base models', async () => {
    for (const [nV, nH, std] of [
      [10, 4, 1],
      [25, 12, 0.5],
      [64, 16, 0.3],
    ] as const) {
      const rbm = randomRbm(nV, nH, 100 + nV, std);
      await compare(`random ${nV}→${nH} (W std ${std})`, rbm, undefined, [1, 2, 3]);
      await compare(`random ${nV}→${nH} (W std ${std}), base from samples`, rbm, rbm.sample(200, { steps: 50, seed: 4 }), [4]);
      rbm.dispose();
    }
  });

  it('an RBM trained by CD-1 on structured data, base model from the training data', async () => {
    const x = prototypes(400, 48, 9);
    const rbm = new RBM({ nVisible: 48, nHidden: 16, seed: 3 });
    await rbm.fit(x, { epochs: 30, batchSize: 20, learningRate: 0.1, monitorSize: 0 });
    // Training has moved the model far from its start: a hard case with large weights.
    expect(Math.max(...rbm.weights.W.data.map(Math.abs))).toBeGreaterThan(1);
    await compare('CD-1-trained 48→16', rbm, x, [1, 2, 3, 4]);
    rbm.dispose();
  });

  it('tightens as runs and temperatures grow', async () => {
    const rbm = randomRbm(40, 12, 77, 0.6);
    const exact = (await rbm.logPartition({ method: 'exact' })).logZ;
    // The error shrinks like 1/√runs (same temperatures) …
    const errors = [];
    for (const runs of [10, 100, 1000]) errors.push((await rbm.logPartition({ runs, betas: 200, seed: 5 })).stdError);
    expect(errors[1]).toBeLessThan(errors[0]);
    expect(errors[2]).toBeLessThan(errors[1]);
    expect(errors[2]).toBeLessThan(errors[0] / 4);
    // … and, with more temperatures, so do the error and the distance to the exact value (mean over seeds).
    const meanGap = async (betas: number) => {
      let gap = 0;
      let se = 0;
      for (const seed of [1, 2, 3, 4, 5]) {
        const e = await rbm.logPartition({ runs: 30, betas, seed });
        gap += Math.abs(e.logZ - exact) / 5;
        se += e.stdError / 5;
      }
      return { gap, se };
    };
    const coarse = await meanGap(5);
    const medium = await meanGap(50);
    const fine = await meanGap(2000);
    expect(medium.se).toBeLessThan(coarse.se);
    expect(fine.se).toBeLessThan(medium.se);
    expect(medium.gap).toBeLessThan(coarse.gap);
    expect(fine.gap).toBeLessThan(medium.gap);
    rbm.dispose();
  });

  it('exact: the same value as the exact log-likelihood uses, with no error', async () => {
    const rbm = randomRbm(14, 9, 2, 0.5);
    const x = prototypes(30, 14, 1);
    const exact = await rbm.logPartition({ method: 'exact' });
    expect(exact).toEqual({ logZ: exact.logZ, stdError: 0, method: 'exact', logWeights: null, effectiveRuns: null });
    const estimate = await rbm.logLikelihood(x, { method: 'exact' });
    expect(estimate.mean).toBeCloseTo(rbm.logLikelihood(x), 10);
    expect(estimate.logZ).toBe(exact.logZ);
    expect(estimate.logZStdError).toBe(0);
    // The sample's error alone: sd(log p) / √rows.
    const logp = Array.from(rbm.freeEnergy(x), (f) => -f - exact.logZ);
    const m = logp.reduce((a, b) => a + b) / 30;
    expect(estimate.stdError).toBeCloseTo(Math.sqrt(logp.reduce((a, b) => a + (b - m) ** 2, 0) / 29 / 30), 10);
    rbm.dispose();
  });
});

describe('logLikelihood by AIS', () => {
  it('agrees with the exact value within its error, which combines log Z’s and the sample’s', async () => {
    const x = prototypes(300, 32, 4);
    const rbm = new RBM({ nVisible: 32, nHidden: 12, seed: 8 });
    await rbm.fit(x, { epochs: 10, batchSize: 20, monitorSize: 0 });
    const exact = rbm.logLikelihood(x);
    const estimate = await rbm.logLikelihood(x, { runs: 100, betas: 1000, seed: 3 });
    expect(Math.abs(estimate.mean - exact)).toBeLessThan(3 * estimate.logZStdError);
    expect(estimate.stdError).toBeGreaterThan(estimate.logZStdError);
    const partition = await rbm.logPartition({ runs: 100, betas: 1000, seed: 3, data: x });
    // The default base model is x's own marginals, as `data: x` gives.
    expect(estimate.logZ).toBe(partition.logZ);
    rbm.dispose();
  });

  it('reports progress and yields; a disposed model stops it with E_MEMORY', async () => {
    const rbm = randomRbm(100, 50, 1, 0.1);
    const seen: number[] = [];
    await rbm.logPartition({ runs: 200, betas: 300, seed: 1, onProgress: ({ done, total }) => seen.push(done / total) });
    expect(seen.length).toBeGreaterThan(1);
    expect(seen[seen.length - 1]).toBe(1);
    expect(seen.every((f, i) => i === 0 || f > seen[i - 1])).toBe(true);
    const running = rbm.logPartition({ runs: 400, betas: 20000, seed: 1 });
    setTimeout(() => rbm.dispose(), 0);
    await expectRejects(running, 'E_MEMORY', /disposed/);
  });
});

describe('RBM.fit with a logLikelihood history', () => {
  it('estimates every N-th epoch, null between; exact and AIS agree; training draws unchanged', async () => {
    const x = prototypes(200, 24, 2);
    const validation = prototypes(60, 24, 3);
    const options = { epochs: 4, batchSize: 20, monitorSize: 50 };
    const plain = new RBM({ nVisible: 24, nHidden: 10, seed: 5 });
    await plain.fit(x, options);
    const exact = new RBM({ nVisible: 24, nHidden: 10, seed: 5 });
    const history = await exact.fit(x, { ...options, logLikelihood: { data: validation, every: 2, method: 'exact' } });
    expect(history.map((e) => e.logLikelihood === null)).toEqual([true, false, true, false]);
    expect(history[3].logLikelihood!.mean).toBeCloseTo(exact.logLikelihood(validation), 10);
    // Opting in changes no bit of the training.
    expect(Array.from(exact.weights.W.data)).toEqual(Array.from(plain.weights.W.data));

    const ais = new RBM({ nVisible: 24, nHidden: 10, seed: 5 });
    const aisHistory = await ais.fit(x, { ...options, logLikelihood: { data: validation, runs: 100, betas: 1000 } });
    expect(aisHistory.every((e) => e.logLikelihood !== null)).toBe(true);
    expect(Array.from(ais.weights.W.data)).toEqual(Array.from(plain.weights.W.data));
    const last = aisHistory[3].logLikelihood!;
    expect(Math.abs(last.mean - history[3].logLikelihood!.mean)).toBeLessThan(3 * last.logZStdError + 1e-9);
    for (const rbm of [plain, exact, ais]) rbm.dispose();
  });

  it('checks the option before training', async () => {
    const x = prototypes(20, 8, 1);
    const rbm = new RBM({ nVisible: 8, nHidden: 4, seed: 1 });
    await expectRejects(rbm.fit(x, { logLikelihood: {} as never }), 'E_PARAM', /logLikelihood.data is required/);
    await expectRejects(rbm.fit(x, { logLikelihood: { data: x, every: 0 } }), 'E_PARAM', /logLikelihood.every/);
    await expectRejects(rbm.fit(x, { logLikelihood: { data: x, runs: 0 } }), 'E_PARAM', /runs/);
    await expectRejects(rbm.fit(x, { logLikelihood: { data: prototypes(5, 9, 1) } }), 'E_SHAPE', /logLikelihood.data/);
    await expectRejects(rbm.fit(x, { logLikelihood: { data: x, bogus: 1 } as never }), 'E_PARAM', /unknown option "bogus"/);
    const gaussian = new RBM({ nVisible: 8, nHidden: 4, seed: 1, visible: 'gaussian' });
    await expectRejects(gaussian.fit(x, { logLikelihood: { data: x } }), 'E_PARAM', /Bernoulli visible units only/);
    expect(rbm.weights.W.data).toEqual(new RBM({ nVisible: 8, nHidden: 4, seed: 1 }).weights.W.data);
    rbm.dispose();
    gaussian.dispose();
  });
});

describe('typed errors', () => {
  it('rejects bad runs, temperatures, base models and methods', async () => {
    const rbm = randomRbm(6, 3, 1, 0.5);
    const x = prototypes(5, 6, 1);
    await expectRejects(rbm.logPartition({ runs: 0 }), 'E_PARAM', /runs must be an integer in \[1, /);
    await expectRejects(rbm.logPartition({ runs: 2.5 }), 'E_PARAM', /runs/);
    await expectRejects(rbm.logPartition({ betas: 1 }), 'E_PARAM', /betas must be an integer in \[2, /);
    await expectRejects(rbm.logPartition({ betas: [0, 0.5, 0.4, 1] }), 'E_PARAM', /increase strictly .* betas\[1\] = 0.5 and betas\[2\] = 0.4/);
    await expectRejects(rbm.logPartition({ betas: [0, 0.5, 0.5, 1] }), 'E_PARAM', /increase strictly/);
    await expectRejects(rbm.logPartition({ betas: [0.1, 0.5, 1] }), 'E_PARAM', /start at 0/);
    await expectRejects(rbm.logPartition({ betas: [0, 0.5, 0.9] }), 'E_PARAM', /end at 1/);
    await expectRejects(rbm.logPartition({ betas: [0, Number.NaN, 1] }), 'E_PARAM', /betas\[1\] must be a finite number/);
    await expectRejects(rbm.logPartition({ betas: [0, 1 - 1e-9, 1] }), 'E_PARAM', /increase strictly \(in f32\)/);
    await expectRejects(rbm.logPartition({ betas: 'many' as never }), 'E_PARAM', /betas must be a count or an increasing list/);
    await expectRejects(rbm.logPartition({ method: 'mcmc' as never }), 'E_PARAM', /method must be 'ais' or 'exact'/);
    await expectRejects(rbm.logPartition({ method: 'exact', runs: 10 }), 'E_PARAM', /runs: options of method 'ais'/);
    await expectRejects(rbm.logPartition({ seed: -1 }), 'E_PARAM', /seed/);
    await expectRejects(rbm.logPartition({ data: x, baseVisibleBias: { shape: [6], data: new Float32Array(6) } }), 'E_PARAM', /not both/);
    await expectRejects(rbm.logPartition({ baseVisibleBias: { shape: [5], data: new Float32Array(5) } }), 'E_SHAPE', /baseVisibleBias/);
    await expectRejects(rbm.logPartition({ baseVisibleBias: { shape: [6], data: new Float32Array(6).fill(Number.NaN) } }), 'E_DATA', /baseVisibleBias/);
    await expectRejects(rbm.logPartition({ data: { shape: [2, 6], data: new Float32Array(12).fill(2) } }), 'E_DATA', /outside \[0, 1\]/);
    await expectRejects(rbm.logPartition({ onProgress: 1 as never }), 'E_PARAM', /onProgress must be a function/);
    await expectRejects(rbm.logPartition({ run: 5 } as never), 'E_PARAM', /unknown option "run"/);
    await expectRejects(rbm.logLikelihood(prototypes(5, 7, 1), { runs: 10 }), 'E_SHAPE', /x must be a 2-D Tensor of shape \[rows, 6\]/);
    rbm.dispose();
    await expectRejects(rbm.logPartition(), 'E_MEMORY', /disposed/);
  });

  it('Gaussian visible units: exact only', async () => {
    const rbm = new RBM({ nVisible: 5, nHidden: 3, seed: 1, visible: 'gaussian' });
    await expectRejects(rbm.logPartition(), 'E_PARAM', /Bernoulli visible units only; for Gaussian ones use method: 'exact'/);
    expect((await rbm.logPartition({ method: 'exact' })).logZ).toBeCloseTo(5 * 0.5 * Math.log(2 * Math.PI) + 3 * Math.LN2, 2);
    rbm.dispose();
  });

  it('exact on a layer too large to enumerate is E_PARAM', async () => {
    const rbm = new RBM({ nVisible: 30, nHidden: 21, seed: 1 });
    await expectRejects(rbm.logPartition({ method: 'exact' }), 'E_PARAM', /at most 20 units/);
    rbm.dispose();
  });
});
