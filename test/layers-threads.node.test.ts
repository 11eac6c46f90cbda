import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { setParallelMinWork } from '../src/ops/gemm.js';
import { firstBitDifference, normalTensor } from './layers-helpers.js';

// Same bits on one thread and with every product split over two worker threads: a CNN with batch
// norm, a gated residual block, dropout and pooling, trained by a seeded fit.

const { conv2d, batchNorm2d, relu, maxPool2d, residual, dropout, flatten, dense, avgPool2d } = nninit.layers;

async function train(): Promise<Record<string, Float32Array>> {
  const model = new nninit.Sequential(
    [
      conv2d({ inChannels: 2, outChannels: 6, kernelSize: 3, padding: 1 }),
      batchNorm2d({ numFeatures: 6 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      residual([conv2d({ inChannels: 6, outChannels: 6, kernelSize: 3, padding: 1 }), relu(), conv2d({ inChannels: 6, outChannels: 6, kernelSize: 3, padding: 1 })], { gate: 0 }),
      avgPool2d({ kernelSize: 2, stride: 1 }),
      flatten(),
      dropout({ p: 0.2 }),
      dense({ inFeatures: 6 * 4 * 4, outFeatures: 3 }),
    ],
    { inputShape: [2, 10, 10], seed: 12 },
  );
  const x = normalTensor([48, 2, 10, 10], 3);
  const y = Int32Array.from({ length: 48 }, (_, i) => i % 3);
  await model.fit(x, y, { epochs: 2, batchSize: 16, optimizer: nninit.optim.adam({ lr: 1e-2 }), validation: 0.25 });
  const state = model.stateDict();
  model.dispose();
  return Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.data]));
}

describe('Sequential on two threads', () => {
  let oneThread: Record<string, Float32Array>;
  let threshold = 0;
  beforeAll(async () => {
    await nninit.ready();
    oneThread = await train();
    await nninit.ready({ threads: 2 });
    threshold = setParallelMinWork(0);
  });
  afterAll(async () => {
    setParallelMinWork(threshold);
    await nninit.ready({ threads: 1 });
  });

  it('ends a seeded fit on the bits of one thread', async () => {
    expect(nninit.threads()).toBe(2);
    const twoThreads = await train();
    expect(Object.keys(twoThreads)).toEqual(Object.keys(oneThread));
    for (const name of Object.keys(oneThread)) expect(firstBitDifference(twoThreads[name], oneThread[name]), name).toBe(-1);
  });
});
