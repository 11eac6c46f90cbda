import * as nninit from '../index.js';
import type { Tensor } from '../tensor.js';
import { cosineAdam, DIGIT_SHAPE, SMALL_CNN_HEAD, smallCnnLayers } from './cnn.js';
import { checkChoices, checkList, checkPositive, checkPositiveInteger, checkSeeds, loadBundledDigits, secondsSince, type LoadDigits } from './common.js';

/*
 * Transfer learning, measured: the small CNN pretrained on the digits 0–4 (every training row of
 * theirs), then adapted to the digits 5–9 from 10, 100 or all labelled rows per class, three
 * ways: (a) its features frozen and a new classifier trained on them, (b) the whole network
 * fine-tuned from the pretrained weights with a new classifier, (c) the same network trained
 * from scratch (He normal). Test accuracy on the test split's 5–9. The seed picks the split, the
 * pretraining, the labelled rows and the new weights, so replicates vary all of them.
 */

export type TransferMethod = 'frozen' | 'finetune' | 'scratch';

export const TRANSFER_METHODS: Readonly<Record<TransferMethod, string>> = {
  frozen: 'frozen features + new head',
  finetune: 'fine-tuned',
  scratch: 'from scratch',
};

/** Labels per class: a count, or 'all' the training split has. */
export type LabelsPerClass = number | 'all';

export interface TransferConfig {
  /** Labelled rows per class of 5–9 to adapt from. */
  labels: LabelsPerClass[];
  methods: TransferMethod[];
  channels: [number, number];
  trainSize: number;
  testSize: number;
  /** Pretraining on 0–4: epochs and Adam's learning rate (cosine to 0), batch 64. */
  pretrainEpochs: number;
  pretrainLr: number;
  /** Adaptation: about this many Adam steps whatever the labels (epochs = steps ÷ batches per epoch), learning rate cosine to 0. */
  steps: number;
  lr: number;
  /** The adaptation batch: rows/16, within [minBatch, maxBatch]. */
  minBatch: number;
  maxBatch: number;
  seeds: number[];
}

/**
 * 8000/2000 digits; pretraining 6 epochs Adam 2e-3 (the cnn experiment's recipe); adaptation
 * ~300 steps of Adam 3e-3 for every method (docs/experiments.md says what else was tried).
 */
export const TRANSFER_FULL: TransferConfig = {
  labels: [10, 100, 'all'],
  methods: ['frozen', 'finetune', 'scratch'],
  channels: [16, 32],
  trainSize: 8000,
  testSize: 2000,
  pretrainEpochs: 6,
  pretrainLr: 2e-3,
  steps: 300,
  lr: 3e-3,
  minBatch: 10,
  maxBatch: 64,
  seeds: [0, 1, 2],
};

/** Half the digits, 2 pretraining epochs, 100 adaptation steps. */
export const TRANSFER_QUICK: Partial<TransferConfig> = { trainSize: 4000, testSize: 1000, pretrainEpochs: 2, steps: 100 };

/** The target: fine-tuning beats training from scratch by this much with 10 labels per class. */
export const TRANSFER_TARGET = { labels: 10, margin: 0.1 } as const;

export interface TransferPretrain {
  seed: number;
  /** Training rows of 0–4 it learned from. */
  rows: number;
  epochs: number;
  /** Test accuracy on the test split's 0–4 (null when it has none). */
  accuracy: number | null;
  seconds: number;
}

export interface TransferRun {
  seed: number;
  labels: LabelsPerClass;
  method: TransferMethod;
  /** Labelled rows trained on (5 classes × labels, or every 5–9 training row). */
  rows: number;
  epochs: number;
  batchSize: number;
  /** Test accuracy on the test split's 5–9. */
  accuracy: number;
  seconds: number;
}

export interface TransferResult {
  config: TransferConfig;
  /** Test rows of 5–9 (per seed's split, the first seed's). */
  testRows: number;
  pretrain: TransferPretrain[];
  runs: TransferRun[];
  seconds: number;
}

/** After every epoch of pretraining and of every adaptation. */
export interface TransferProgress {
  /** 1-based: pretraining and each adaptation of each seed count as one. */
  run: number;
  runs: number;
  seed: number;
  phase: 'pretrain' | 'adapt';
  labels: LabelsPerClass | null;
  method: TransferMethod | null;
  epoch: number;
  epochs: number;
  trainLoss: number;
}

export interface TransferOptions {
  digits?: LoadDigits;
  onProgress?: (progress: TransferProgress) => void;
}

function checkLabels(what: string, value: unknown): LabelsPerClass {
  return value === 'all' ? 'all' : checkPositiveInteger(what, value);
}

export function checkTransferConfig(config: TransferConfig): TransferConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  const channels = config.channels;
  if (!Array.isArray(channels) || channels.length !== 2) throw new nninit.ParamError(`channels must be [c1, c2], got ${JSON.stringify(channels)}`);
  const checked: TransferConfig = {
    labels: checkList('labels', config.labels, checkLabels),
    methods: checkChoices('methods', config.methods, Object.keys(TRANSFER_METHODS) as TransferMethod[]),
    channels: [checkPositiveInteger('channels[0]', channels[0]), checkPositiveInteger('channels[1]', channels[1])],
    trainSize: checkPositiveInteger('trainSize', config.trainSize),
    testSize: checkPositiveInteger('testSize', config.testSize),
    pretrainEpochs: checkPositiveInteger('pretrainEpochs', config.pretrainEpochs),
    pretrainLr: checkPositive('pretrainLr', config.pretrainLr),
    steps: checkPositiveInteger('steps', config.steps),
    lr: checkPositive('lr', config.lr),
    minBatch: checkPositiveInteger('minBatch', config.minBatch),
    maxBatch: checkPositiveInteger('maxBatch', config.maxBatch),
    seeds: checkSeeds(config.seeds),
  };
  if (checked.minBatch > checked.maxBatch) throw new nninit.ParamError(`minBatch (${checked.minBatch}) must be <= maxBatch (${checked.maxBatch})`);
  return checked;
}

/** Rows of (x, y) at `rows`, labels shifted down by `shift`. */
function pickRows(x: Tensor, y: Int32Array, rows: readonly number[], shift: number): { x: Tensor; y: Int32Array } {
  const width = x.shape[1];
  const data = new Float32Array(rows.length * width);
  rows.forEach((row, i) => data.set(x.data.subarray(row * width, (row + 1) * width), i * width));
  return { x: { shape: [rows.length, width], data }, y: Int32Array.from(rows, (row) => y[row] - shift) };
}

function rowsWhere(y: Int32Array, keep: (label: number) => boolean): number[] {
  const rows: number[] = [];
  y.forEach((label, row) => {
    if (keep(label)) rows.push(row);
  });
  return rows;
}

/** Fisher–Yates with the seeded stream. */
function shuffled<T>(items: readonly T[], rng: nninit.Rng): T[] {
  const out = items.slice();
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** `labels` rows of each class 5–9 (seeded), or every row of theirs for 'all', in class order. */
export function labelledRows(y: Int32Array, labels: LabelsPerClass, rng: nninit.Rng): number[] {
  const rows: number[] = [];
  for (let digit = 5; digit <= 9; digit++) {
    const ofDigit = rowsWhere(y, (label) => label === digit);
    if (labels !== 'all' && ofDigit.length < labels) {
      throw new nninit.DataError(`transfer: ${labels} labels per class asked, but the training split has only ${ofDigit.length} rows of digit ${digit}`);
    }
    rows.push(...(labels === 'all' ? ofDigit : shuffled(ofDigit, rng).slice(0, labels)));
  }
  return rows;
}

/** The adaptation's batch size and epochs for `rows` labelled rows: about `steps` steps in all. */
export function adaptationSchedule(rows: number, config: Pick<TransferConfig, 'steps' | 'minBatch' | 'maxBatch'>): { batchSize: number; epochs: number } {
  const batchSize = Math.min(rows, Math.max(config.minBatch, Math.min(config.maxBatch, Math.floor(rows / 16))));
  const batches = Math.ceil(rows / batchSize);
  return { batchSize, epochs: Math.max(1, Math.round(config.steps / batches)) };
}

/** Layer indices of the small CNN's features: what `frozen` freezes. */
const FEATURE_LAYERS = Array.from({ length: SMALL_CNN_HEAD }, (_, i) => i);

/** Pretrains on 0–4 and adapts to 5–9 on each seed. */
export async function runTransfer(config: TransferConfig, options: TransferOptions = {}): Promise<TransferResult> {
  const checked = checkTransferConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const build = (seed: number) =>
    new nninit.Sequential(smallCnnLayers({ channels: checked.channels, classes: 5, conv: 'kaimingNormal', dense: 'kaimingNormal' }), { inputShape: DIGIT_SHAPE, seed });
  const pretrain: TransferPretrain[] = [];
  const runs: TransferRun[] = [];
  const perSeed = 1 + checked.labels.length * checked.methods.length;
  const total = checked.seeds.length * perSeed;
  let testRows = 0;
  let run = 0;
  for (const seed of checked.seeds) {
    const { train, test } = await digits({ trainSize: checked.trainSize, testSize: checked.testSize, seed });
    const rng = new nninit.Rng(seed);
    const source = pickRows(train.x, train.y, rowsWhere(train.y, (label) => label <= 4), 0);
    const sourceTest = pickRows(test.x, test.y, rowsWhere(test.y, (label) => label <= 4), 0);
    const targetTest = pickRows(test.x, test.y, rowsWhere(test.y, (label) => label >= 5), 5);
    if (seed === checked.seeds[0]) testRows = targetTest.y.length;
    if (source.y.length === 0 || targetTest.y.length === 0) throw new nninit.DataError('transfer: the split needs training rows of 0–4 and test rows of 5–9');

    // Pretraining on 0–4.
    run++;
    const pretrainStart = performance.now();
    const base = build(rng.int(2 ** 31));
    let features: nninit.StateDict;
    try {
      const pretrainRun = run;
      await base.fit(source.x, source.y, {
        epochs: checked.pretrainEpochs,
        batchSize: 64,
        optimizer: cosineAdam(checked.pretrainLr, checked.pretrainEpochs),
        onEpoch: (log) => {
          onProgress?.({ run: pretrainRun, runs: total, seed, phase: 'pretrain', labels: null, method: null, epoch: log.epoch, epochs: checked.pretrainEpochs, trainLoss: log.loss });
        },
      });
      const accuracy = sourceTest.y.length > 0 ? base.evaluate(sourceTest.x, sourceTest.y).accuracy : null;
      pretrain.push({ seed, rows: source.y.length, epochs: checked.pretrainEpochs, accuracy, seconds: secondsSince(pretrainStart) });
      // Everything but the 0–4 classifier, which the new task replaces.
      features = Object.fromEntries(Object.entries(base.stateDict()).filter(([name]) => !name.startsWith(`${SMALL_CNN_HEAD}.`)));
    } finally {
      base.dispose();
    }

    // Adaptation to 5–9: the same labelled rows and the same new head for every method.
    for (const labels of checked.labels) {
      const rows = labelledRows(train.y, labels, rng);
      const target = pickRows(train.x, train.y, rows, 5);
      const { batchSize, epochs } = adaptationSchedule(rows.length, checked);
      const modelSeed = rng.int(2 ** 31);
      for (const method of checked.methods) {
        run++;
        const adaptRun = run;
        const runStart = performance.now();
        const model = build(modelSeed);
        try {
          if (method !== 'scratch') model.loadStateDict(features, { strict: false });
          await model.fit(target.x, target.y, {
            epochs,
            batchSize,
            optimizer: cosineAdam(checked.lr, epochs),
            freeze: method === 'frozen' ? FEATURE_LAYERS : undefined,
            onEpoch: (log) => {
              onProgress?.({ run: adaptRun, runs: total, seed, phase: 'adapt', labels, method, epoch: log.epoch, epochs, trainLoss: log.loss });
            },
          });
          const { accuracy } = model.evaluate(targetTest.x, targetTest.y);
          runs.push({ seed, labels, method, rows: rows.length, epochs, batchSize, accuracy, seconds: secondsSince(runStart) });
        } finally {
          model.dispose();
        }
      }
    }
  }
  return { config: checked, testRows, pretrain, runs, seconds: secondsSince(started) };
}

/** Accuracies of one cell of the table: a label count and a method, over the seeds. */
export function transferAccuracies(result: TransferResult, labels: LabelsPerClass, method: TransferMethod): number[] {
  return result.runs.filter((r) => r.labels === labels && r.method === method).map((r) => r.accuracy);
}

/**
 * Fine-tuned minus from-scratch accuracy at `labels` per class, per seed (paired: same rows, same
 * head), with its mean; null when either method did not run there.
 */
export function fineTuneGain(result: TransferResult, labels: LabelsPerClass): { perSeed: number[]; mean: number } | null {
  const perSeed = result.config.seeds.flatMap((seed) => {
    const of = (method: TransferMethod) => result.runs.find((r) => r.seed === seed && r.labels === labels && r.method === method);
    const tuned = of('finetune');
    const scratch = of('scratch');
    return tuned && scratch ? [tuned.accuracy - scratch.accuracy] : [];
  });
  if (perSeed.length === 0) return null;
  return { perSeed, mean: perSeed.reduce((a, b) => a + b, 0) / perSeed.length };
}
