// One MLP per start, trained an epoch at a time in turn so that all the curves grow together. The
// DBN-pretrained start first learns from every training digit without its label (its filters are
// posted as it learns); then every start is fine-tuned on the labelled digits only.
import * as nninit from 'nninit';
import type { JobContext } from 'nninit/worker';
// The labels experiment's split (`nninit experiment labels`): pretraining on all the training
// digits, fine-tuning on a balanced draw of them, scoring on digits neither sees.
import { epochsFor, labelSplit } from '../../../../src/experiments/labels';
import { digits } from './digits';

/** A start: an `init` of `new nninit.Mlp`, or 'dbn' for weights pretrained without labels. */
export type Start = nninit.InitSpec | 'dbn';

export interface CompareParams {
  /** The starts compared. */
  inits: Start[];
  trainSize: number;
  /** Labelled training digits (10 per class, 100 per class, …); 0 or ≥ trainSize: all of them. */
  labels: number;
  epochs: number;
  seed: number;
}

export type CompareProgress =
  | {
      kind: 'pretrain';
      epoch: number;
      epochs: number;
      reconstructionError: number;
      /** W [HIDDEN, 784]: one filter per hidden unit, as it stands after this epoch. */
      filters: Float32Array;
    }
  | {
      kind: 'score';
      /** Index into `inits`. */
      index: number;
      /** 0: before fine-tuning. */
      epoch: number;
      testAccuracy: number;
      testLoss: number;
    };

export interface CompareResult {
  accuracies: number[];
  /** Labelled digits the networks were fine-tuned on. */
  labels: number;
  seconds: number;
}

export const TEST_DIGITS = 1000;
export const HIDDEN = 128;
export const PRETRAIN_EPOCHS = 10;
const BATCH = 32;

/** Pretrains the one-hidden-layer DBN (an RBM, CD-1) on the unlabeled digits, posting its filters after every epoch. */
async function pretrained(unlabeled: nninit.Tensor, seed: number, progress: JobContext<CompareProgress>['progress']): Promise<nninit.DBN> {
  const dbn = new nninit.DBN({ layers: [784, HIDDEN], seed });
  await dbn.pretrain(unlabeled, {
    epochs: PRETRAIN_EPOCHS,
    batchSize: 50,
    learningRate: 0.05,
    // Hidden units on for a tenth of the digits each: sparser features, a point more with 100 labels (measured on held-out training digits).
    sparsity: { target: 0.1, cost: 0.1 },
    // The RBM being trained is valid during the callback: its weights, copied out, are this epoch's filters.
    onEpoch: (_layer, stats, rbm) => {
      const filters = rbm.weights.W.data;
      progress({ kind: 'pretrain', epoch: stats.epoch, epochs: PRETRAIN_EPOCHS, reconstructionError: stats.reconstructionError, filters }, [filters.buffer]);
    },
  });
  return dbn;
}

export async function compareInits(params: CompareParams, { progress }: JobContext<CompareProgress>): Promise<CompareResult> {
  const started = performance.now();
  const data = await digits(params.trainSize, TEST_DIGITS, params.seed);
  const split = labelSplit(data, params.labels > 0 ? params.labels : params.trainSize, params.seed);
  const { x, y } = split.labeled;
  const dbn = params.inits.includes('dbn') ? await pretrained(split.unlabeled, params.seed, progress) : null;
  const models = params.inits.map((init) =>
    init === 'dbn' ? dbn!.toMlp({ outputs: 10, activation: 'relu', seed: params.seed }) : new nninit.Mlp({ layers: [784, HIDDEN, 10], activation: 'relu', init, seed: params.seed }),
  );
  const optimizers = models.map(() => nninit.optim.sgd({ lr: 0.05, momentum: 0.9 }));
  // An epoch is as many updates as one pass over all the training digits, whatever the label count:
  // with fewer labels each epoch passes over them several times, and every setting trains as long.
  const passes = epochsFor(Math.ceil(params.trainSize / BATCH), BATCH, y.length);
  const accuracies = models.map(() => 0);
  const score = (index: number, epoch: number) => {
    const { loss, accuracy } = models[index].evaluate(split.test.x, split.test.y);
    accuracies[index] = accuracy;
    progress({ kind: 'score', index, epoch, testAccuracy: accuracy, testLoss: loss });
  };
  models.forEach((_, index) => score(index, 0));
  for (let epoch = 1; epoch <= params.epochs; epoch++) {
    for (const [index, mlp] of models.entries()) {
      await mlp.fit(x, y, { epochs: passes, batchSize: BATCH, optimizer: optimizers[index] });
      score(index, epoch);
    }
  }
  for (const mlp of models) mlp.dispose();
  return { accuracies, labels: y.length, seconds: (performance.now() - started) / 1000 };
}
