// AIS on worker threads: the runs split over the pool give every run the bits it has on one
// thread (its random words are addressed by seed, run and temperature, never by thread).
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { setParallelMinWork } from '../src/ops/gemm.js';
import { Rng } from '../src/random.js';
import { RBM } from '../src/rbm/index.js';
import { POOL_FUNCTIONS, ready, threadPool, threads } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';

function binary(rows: number, cols: number, seed: number): Tensor {
  const rng = new Rng(seed);
  return { shape: [rows, cols], data: Float32Array.from({ length: rows * cols }, () => (rng.uniform() < 0.2 ? 1 : 0)) };
}

/** A trained RBM's AIS log-weights and log-likelihood estimate, as bit patterns. */
async function results(nVisible: number, nHidden: number, runs: number): Promise<number[][]> {
  const x = binary(120, nVisible, 1);
  const rbm = new RBM({ nVisible, nHidden, seed: 2 });
  await rbm.fit(x, { epochs: 2, batchSize: 20, monitorSize: 0 });
  const partition = await rbm.logPartition({ runs, betas: 300, seed: 3, data: x });
  const likelihood = await rbm.logLikelihood(x, { runs, betas: 100, seed: 4 });
  rbm.dispose();
  const bits = (a: Float64Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length * 2));
  return [bits(partition.logWeights!), bits(Float64Array.of(partition.logZ, partition.stdError, likelihood.mean, likelihood.stdError))];
}

const CASES: [number, number, number][] = [
  [52, 37, 37],
  [784, 20, 16],
  [33, 70, 9],
];

describe('AIS on two threads', () => {
  const single = new Map<string, number[][]>();
  let threshold = 0;

  beforeAll(async () => {
    await ready({ threads: 1 });
    for (const [nV, nH, runs] of CASES) single.set(`${nV}-${nH}-${runs}`, await results(nV, nH, runs));
    await ready({ threads: 2 });
    threshold = setParallelMinWork(0);
  });
  afterAll(async () => {
    setParallelMinWork(threshold);
    await ready({ threads: 1 });
  });

  for (const [nV, nH, runs] of CASES) {
    it(`${nV} → ${nH}, ${runs} runs: the runs split over the workers, with the bits of one thread`, async () => {
      expect(threads()).toBe(2);
      const run = vi.spyOn(threadPool()!, 'run');
      const got = await results(nV, nH, runs);
      const used = run.mock.calls.flatMap(([calls]) => calls.map((call) => POOL_FUNCTIONS[call.fn]));
      run.mockRestore();
      expect(used).toContain('rbmAisSteps');
      expect(got).toEqual(single.get(`${nV}-${nH}-${runs}`));
    });
  }
});
