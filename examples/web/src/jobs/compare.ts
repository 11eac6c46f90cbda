// One MLP per start, trained an epoch at a time in turn so that all the curves grow together.
import * as nninit from 'nninit';
import type { JobContext } from 'nninit/worker';
import { digits } from './digits';

export interface CompareParams {
  /** The starts compared, each an `init` of `new nninit.Mlp`. */
  inits: nninit.InitSpec[];
  trainSize: number;
  epochs: number;
  seed: number;
}

export interface CompareProgress {
  /** Index into `inits`. */
  index: number;
  /** 0: before training. */
  epoch: number;
  testAccuracy: number;
  testLoss: number;
}

export interface CompareResult {
  accuracies: number[];
  seconds: number;
}

export const TEST_DIGITS = 1000;

export async function compareInits(params: CompareParams, { progress }: JobContext<CompareProgress>): Promise<CompareResult> {
  const started = performance.now();
  const { train, test } = await digits(params.trainSize, TEST_DIGITS, params.seed);
  const models = params.inits.map((init) => new nninit.Mlp({ layers: [784, 128, 10], activation: 'relu', init, seed: params.seed }));
  const optimizers = models.map(() => nninit.optim.sgd({ lr: 0.05, momentum: 0.9 }));
  const accuracies = models.map(() => 0);
  const score = (index: number, epoch: number) => {
    const { loss, accuracy } = models[index].evaluate(test.x, test.y);
    accuracies[index] = accuracy;
    progress({ index, epoch, testAccuracy: accuracy, testLoss: loss });
  };
  models.forEach((_, index) => score(index, 0));
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    for (const [index, mlp] of models.entries()) {
      await mlp.fit(train.x, train.y, { epochs: 1, batchSize: 32, optimizer: optimizers[index] });
      score(index, epoch);
    }
  }
  for (const mlp of models) mlp.dispose();
  return { accuracies, seconds: (performance.now() - started) / 1000 };
}
