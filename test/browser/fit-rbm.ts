// One seeded RBM fit, run by worker.test.ts on the main thread and by fit-worker.ts in a Web
// Worker: the two must end with the same bits.
import { RBM, Rng, type RbmEpochStats, type RbmWeights } from '../../src/index.js';

export interface FitRbmParams {
  rows: number;
  columns: number;
  hidden: number;
  seed: number;
  epochs: number;
}

/** Random binary rows, the same for a given seed wherever they are made. */
export function binaryRows(rows: number, columns: number, seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: rows * columns }, () => (rng.uniform() < 0.3 ? 1 : 0));
}

export async function fitRbm(params: FitRbmParams, onEpoch: (stats: RbmEpochStats) => void): Promise<RbmWeights> {
  const { rows, columns, hidden, seed, epochs } = params;
  const rbm = new RBM({ nVisible: columns, nHidden: hidden, seed });
  const x = { shape: [rows, columns], data: binaryRows(rows, columns, seed) };
  await rbm.fit(x, { epochs, batchSize: 16, learningRate: 0.1, onEpoch });
  const weights = rbm.weights;
  rbm.dispose();
  return weights;
}
