// One seeded Sequential fit (a small CNN with batch norm, a residual block and dropout), run by
// layers-worker.test.ts on the main thread and by sequential-worker.ts in a Web Worker: the two
// must end with the same bits.
import { Rng, Sequential, layers, optim, type EpochLog } from '../../src/index.js';

export interface FitSequentialParams {
  rows: number;
  seed: number;
  epochs: number;
}

export async function fitSequential(params: FitSequentialParams, onEpoch: (log: EpochLog) => void): Promise<Record<string, Float32Array>> {
  const { rows, seed, epochs } = params;
  const { conv2d, batchNorm2d, relu, maxPool2d, residual, flatten, dropout, dense } = layers;
  const model = new Sequential(
    [
      conv2d({ inChannels: 1, outChannels: 4, kernelSize: 3, padding: 1 }),
      batchNorm2d({ numFeatures: 4 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      residual([conv2d({ inChannels: 4, outChannels: 4, kernelSize: 3, padding: 1 }), relu()], { gate: 0 }),
      flatten(),
      dropout({ p: 0.25 }),
      dense({ inFeatures: 64, outFeatures: 3 }),
    ],
    { inputShape: [1, 8, 8], seed },
  );
  const rng = new Rng(seed);
  const x = { shape: [rows, 1, 8, 8], data: Float32Array.from({ length: rows * 64 }, () => rng.normal()) };
  const y = Int32Array.from({ length: rows }, (_, i) => i % 3);
  await model.fit(x, y, { epochs, batchSize: 8, optimizer: optim.adam({ lr: 1e-2 }), onEpoch });
  const state = model.stateDict();
  model.dispose();
  return Object.fromEntries(Object.entries(state).map(([name, t]) => [name, t.data]));
}
