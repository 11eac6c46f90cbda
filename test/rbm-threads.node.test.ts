// The RBM on worker threads: its kernel calls split over the GEMM thread pool, with the bits of
// one thread (test/golden-bits.node.test.ts pins the same for the recorded trainings).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setParallelMinWork } from '../src/ops/gemm.js';
import { Rng } from '../src/random.js';
import { RBM, type FitOptions, type VisibleUnits } from '../src/rbm/index.js';
import { splitRange } from '../src/rbm/parallel.js';
import { POOL_FUNCTIONS, ready, threadPool, threads } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';

function data(rows: number, cols: number, visible: VisibleUnits, seed: number): Tensor {
  const rng = new Rng(seed);
  const values = Float32Array.from({ length: rows * cols }, () => (visible === 'gaussian' ? rng.normal() : rng.uniform() < 0.25 ? 1 : 0));
  return { shape: [rows, cols], data: values };
}

/** Everything a seeded RBM computes, as bit patterns. */
async function results(visible: VisibleUnits, options: FitOptions): Promise<number[][]> {
  const x = data(150, 52, visible, 1);
  const rbm = new RBM({ nVisible: 52, nHidden: 37, visible, seed: 2 });
  const history = await rbm.fit(x, { ...options, validation: data(40, 52, visible, 3) });
  const w = rbm.weights;
  const bits = (a: Float32Array | Float64Array) => Array.from(new Int32Array(a.buffer, a.byteOffset, a.byteLength / 4));
  const out = [
    bits(w.W.data),
    bits(w.visibleBias.data),
    bits(w.hiddenBias.data),
    bits(rbm.transform(x).data),
    bits(rbm.reconstruct(x).data),
    bits(rbm.freeEnergy(x)),
    bits(rbm.sample(70, { steps: 4, seed: 5 }).data),
    bits(Float64Array.from(history.flatMap((e) => [e.reconstructionError, e.pseudoLikelihood ?? 0, e.freeEnergyGap ?? 0]))),
  ];
  if (visible === 'bernoulli') out.push(bits(Float64Array.of(rbm.pseudoLikelihood(x, { seed: 6 }))));
  rbm.dispose();
  return out;
}

const CASES: [string, VisibleUnits, FitOptions][] = [
  ['CD-1', 'bernoulli', { epochs: 2, batchSize: 30, learningRate: 0.05, weightDecay: 1e-3 }],
  ['PCD-2 with sparsity', 'bernoulli', { epochs: 2, batchSize: 41, persistent: true, k: 2, sparsity: { target: 0.1, cost: 0.2 } }],
  ['Gaussian CD-2 sampling the reconstruction', 'gaussian', { epochs: 2, batchSize: 25, k: 2, sampleVisible: true }],
];

describe('RBM on two threads', () => {
  const single = new Map<string, number[][]>();
  let threshold = 0;

  beforeAll(async () => {
    await ready({ threads: 1 });
    for (const [name, visible, options] of CASES) single.set(name, await results(visible, options));
    await ready({ threads: 2 });
    threshold = setParallelMinWork(0);
  });
  afterAll(async () => {
    setParallelMinWork(threshold);
    await ready({ threads: 1 });
  });

  for (const [name, visible, options] of CASES) {
    it(`${name}: every kernel call splits over the workers, with the bits of one thread`, async () => {
      expect(threads()).toBe(2);
      const run = vi.spyOn(threadPool()!, 'run');
      const got = await results(visible, options);
      const used = new Set(run.mock.calls.flatMap(([calls]) => calls.map((call) => POOL_FUNCTIONS[call.fn])));
      run.mockRestore();
      for (const kernel of ['rbmHiddenStep', 'rbmVisibleStep', 'rbmUpdateWeights', 'rbmFreeEnergy'] as const) expect(used).toContain(kernel);
      if (visible === 'bernoulli') expect(used).toContain('rbmPseudoLikelihood');
      expect(got).toEqual(single.get(name));
    });
  }

  it('splits a batch into one block of whole tiles per thread, covering it once', () => {
    setParallelMinWork(threshold);
    // 784 → 256, batch 100: worth splitting at the default threshold.
    expect(splitRange(100, 4, 100 * 784 * 256)).toEqual([
      { first: 0, count: 52 },
      { first: 52, count: 48 },
    ]);
    expect(splitRange(196, 4, 2 * 100 * 784 * 256)).toEqual([
      { first: 0, count: 100 },
      { first: 100, count: 96 },
    ]);
    // Too small to pay for waking a worker, or too few rows to split.
    expect(splitRange(10, 4, 10 * 20 * 30)).toEqual([{ first: 0, count: 10 }]);
    expect(splitRange(3, 4, 1e9)).toEqual([{ first: 0, count: 3 }]);
    setParallelMinWork(0);
  });
});
