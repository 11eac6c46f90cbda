import {
  LABELS_STARTS,
  START_LABELS,
  runLabels,
  type LabelsCell,
  type LabelsConfig,
  type LabelsGain,
  type LabelsResult,
  type LabelsStart,
  type LoadDigits,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure } from '../charts.js';
import { choices, flag, integer, sizes, type Progress } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, claimHeader, defineExperiment, runLabel, toJson, type Claim } from './harness.js';

/*
 * `nninit experiment labels`: RBM pretraining where it pays — when labels are scarce. The core
 * (src/experiments/labels.ts, shared with the demo page) runs it; this file picks the setting,
 * prints the table beside the published figures and draws the chart.
 */

/**
 * The setting. Chosen on the last 2000 training digits with pretraining and labels from the
 * first 6000 (`--holdout`), never on the test digits; docs/experiments.md lists what was tried.
 */
export const LABELS_FULL: LabelsConfig = {
  hidden: [256, 256],
  labels: [100, 1000, 8000],
  starts: [...LABELS_STARTS],
  seeds: [0, 1, 2, 3, 4],
  trainSize: 8000,
  testSize: 2000,
  // Hinton's practical guide: learning rate 0.1, weight decay 1e-4, momentum 0.5 → 0.9, and a
  // sparsity target of 0.1 (§11), which raised held-out accuracy at 1000 labels by half a point;
  // CD-3 rather than CD-1 raised it by another point, for twice the pretraining time.
  pretrain: { epochs: 10, learningRate: 0.1, batchSize: 100, weightDecay: 1e-4, sparsity: { target: 0.1, cost: 0.1 }, k: 3 },
  // 500 updates: 250 or 1000, or lr 3e-3 or 2e-2, changed no random start's held-out accuracy at
  // 1000 labels by more than 0.2 point (lr 3e-3 cost 0.8); 15 epochs at least (the classic
  // comparison's), so that the runs on all 8000 labels converge too. The pretrained start first
  // fits its new output layer alone for 500 updates (+1.0 point held out at 1000 labels; 200: +0.7).
  fineTune: { updates: 500, minEpochs: 15, batchSize: 100, lr: { dbn: 1e-2, xavier: 1e-2, he: 1e-2 }, headUpdates: 500 },
};

/** `--quick`: the same runs on a quarter of the digits, with short pretraining and fine-tuning. */
export const LABELS_QUICK: Partial<LabelsConfig> = {
  trainSize: 2000,
  testSize: 500,
  pretrain: { ...LABELS_FULL.pretrain, epochs: 3 },
  fineTune: { ...LABELS_FULL.fineTune, updates: 100, minEpochs: 3, headUpdates: 100 },
};

/** Digits the held-out setting scores on: the last of the training split, never the test digits. */
const HOLDOUT_ROWS = 2000;

/**
 * monsta-hd/boltzmann-machines (README, "RBM MNIST"): a Bernoulli RBM of 1024 hidden units
 * pretrained on MNIST's 60,000 training digits, then fine-tuned with n labels (90% train, 10%
 * validation), against the same MLP from a random start; test accuracy on MNIST's 10,000 test digits.
 */
const PAPER = 'monsta-hd/boltzmann-machines, 1024-unit RBM on 60k digits: pretrained vs random';
const PUBLISHED: { labels: number; pretrained: number; random: number }[] = [
  { labels: 100, pretrained: 0.817, random: 0.7602 },
  { labels: 1000, pretrained: 0.9365, random: 0.8871 },
  { labels: 10_000, pretrained: 0.9727, random: 0.9473 },
  { labels: 60_000, pretrained: 0.9873, random: 0.982 },
];

/** A gain counts as help when it is at least this many points and more than twice its standard error. */
const HELP_POINTS = 1;

/** The target: at 1000 labels the pretrained start beats the best random start by this much. */
const TARGET_GAIN = 0.03;
const TARGET_LABELS = 1000;

const percent = (fraction: number, digits = 2) => `${(100 * fraction).toFixed(digits)}%`;
const points = (fraction: number) => `${fraction >= 0 ? '+' : '−'}${Math.abs(100 * fraction).toFixed(2)}`;

/** Pretraining helps at a label count: its gain is ≥ 1 point and more than twice its standard error. */
export function helps(gain: LabelsGain): boolean {
  return gain.helps && gain.gain >= HELP_POINTS / 100;
}

/** The published row a label count compares with: the same count, or (for all labels) the paper's all-labels row. */
function publishedFor(labels: number, all: boolean) {
  return all ? PUBLISHED[PUBLISHED.length - 1] : PUBLISHED.find((row) => row.labels === labels);
}

function claimFor(gain: LabelsGain | undefined, labels: number, all: boolean, judged: boolean): Claim | undefined {
  const published = publishedFor(labels, all);
  if (!published) return undefined;
  const paperGain = published.pretrained - published.random;
  const paper = `${all ? `all ${published.labels / 1000}k: ` : ''}${percent(published.pretrained)} vs ${percent(published.random)} (${points(paperGain)})`;
  // Agreement is on the finding, not the figure: does pretraining help by a point or more?
  return { paper, agrees: judged && gain ? helps(gain) === paperGain >= HELP_POINTS / 100 : null };
}

function cellText(cell: LabelsCell | undefined): string {
  if (!cell) return '';
  return cell.runs > 1 ? `${cell.mean.toFixed(4)} ± ${cell.sd.toFixed(4)}` : cell.mean.toFixed(4);
}

function verdict(gain: LabelsGain | undefined): string {
  if (!gain) return '';
  if (gain.standardError === 0) return 'one seed';
  if (helps(gain)) return 'helps';
  return gain.helps ? `< ${HELP_POINTS} point` : 'no clear gain';
}

/** Whether the result is the full setting, where the target and the paper's findings apply. */
function isFull(result: LabelsResult): boolean {
  const { config } = result;
  return config.trainSize === LABELS_FULL.trainSize && config.fineTune.updates === LABELS_FULL.fineTune.updates && config.seeds.length >= 5;
}

/** One row per label count: each start's test accuracy (mean ± sd over seeds), the gain, the paper's figures. */
export function labelsTable(result: LabelsResult, holdout = false): string {
  const { config } = result;
  const counts = [...new Set(result.cells.map((cell) => cell.labels))];
  const judged = isFull(result) && !holdout;
  const header = ['labels', ...config.starts.map((s) => START_LABELS[s]), 'gain (points)', 'pretraining', ...claimHeader(PAPER)];
  const rows = counts.map((labels) => {
    const gain = result.gains.find((g) => g.labels === labels);
    const all = labels >= result.trainRows;
    return [
      all ? `${labels} (all)` : String(labels),
      ...config.starts.map((start) => cellText(result.cells.find((cell) => cell.labels === labels && cell.start === start))),
      gain ? `${points(gain.gain)} ± ${(100 * gain.standardError).toFixed(2)} vs ${START_LABELS[gain.bestRandom]}` : '',
      verdict(gain),
      ...claimCells(claimFor(gain, labels, all, judged)),
    ];
  });
  const seeds = config.seeds.length;
  const scored = holdout ? `the last ${HOLDOUT_ROWS} training digits (held out; pretraining and labels from the others)` : `${config.testSize} test digits`;
  const notes = [
    `${holdout ? 'Accuracy' : 'Test accuracy'} on ${scored}${seeds > 1 ? `, mean ± sd over ${seeds} seeds (${config.seeds[0]}–${config.seeds[seeds - 1]}: data split, label draw, weights)` : ''}.`,
    `gain: the pretrained start's mean minus the best random start's, ± its standard error; "helps": ≥ ${HELP_POINTS} point and > 2 standard errors.`,
  ];
  const target = result.gains.find((g) => g.labels === TARGET_LABELS);
  if (judged && target) notes.push(`target: at ${TARGET_LABELS} labels, pretrained ≥ best random + ${100 * TARGET_GAIN} points: ${points(target.gain)} ${target.gain >= TARGET_GAIN ? 'ok' : 'MISSED'}`);
  return `${formatTable(header, rows)}\n${notes.join('\n')}`;
}

/** Where pretraining stops helping, in a sentence. */
export function stopsHelping(result: LabelsResult): string {
  const helped = result.gains.filter(helps).map((g) => g.labels);
  const not = result.gains.filter((g) => !helps(g));
  if (result.gains.length === 0) return 'no pretrained start to compare';
  if (not.length === 0) return `pretraining helps at every label count (${helped.join(', ')})`;
  const first = not[0];
  const after = helped.length > 0 && first.labels > helped[helped.length - 1];
  return (
    `pretraining ${helped.length > 0 ? `helps at ${helped.join(' and ')} labels` : 'helps at no label count'}; ` +
    `at ${first.labels} labels its gain ${after ? 'falls to' : 'is'} ${points(first.gain)} ± ${(100 * first.standardError).toFixed(2)} points` +
    (after ? `: it stops helping (by the ${HELP_POINTS}-point bar) between ${helped[helped.length - 1]} and ${first.labels} labels` : '')
  );
}

/** labels.json (the result) and labels.svg (test accuracy against labels, one line per start, error bars of ± 1 sd). */
export function labelsFiles(result: LabelsResult, holdout = false): Record<string, string> {
  const { config } = result;
  const seeds = config.seeds.length;
  const net = result.layers.join('-');
  const chart = renderFigure({
    title: `MNIST: ${net} sigmoid, pretrained on ${result.trainRows} unlabeled digits, fine-tuned on n labels (Adam, ${config.fineTune.updates} updates or ${config.fineTune.minEpochs} epochs)${seeds > 1 ? `, mean ± sd of ${seeds} seeds` : ''}`,
    layout: {
      title: holdout ? 'held-out training digits' : 'test digits',
      width: 420,
      height: 260,
      x: { title: 'labelled training digits (log scale)', scale: 'log', domain: [60, 15_000] },
      y: { title: holdout ? 'held-out accuracy' : 'test accuracy' },
      lines: config.starts.map((start, i) => ({
        name: START_LABELS[start],
        dodge: 5 * (i - (config.starts.length - 1) / 2),
        points: result.cells.filter((cell) => cell.start === start).map((cell) => ({ x: cell.labels, y: cell.mean, error: cell.sd })),
      })),
    },
    legend: { title: 'start', names: config.starts.map((s) => START_LABELS[s]) },
  });
  return { 'labels.json': toJson(result), 'labels.svg': chart };
}

function summaryLine(result: LabelsResult): string {
  const pretrain = result.pretraining.reduce((sum, p) => sum + p.seconds, 0);
  const fineTune = result.runs.reduce((sum, r) => sum + r.seconds, 0);
  return `${stopsHelping(result)}. Pretraining ${pretrain.toFixed(1)} s, fine-tuning ${fineTune.toFixed(1)} s; total ${result.seconds.toFixed(1)} s`;
}

export const labels = defineExperiment({
  name: 'labels',
  summary: 'pretraining where it pays: a DBN pretrained on all 8000 digits without labels, fine-tuned with 100, 1000 or all labels, against Xavier and He starts',
  description:
    'A 784-256-256 DBN (CD-3, 10 epochs per layer, sparsity target 0.1) pretrains on the 8000 training digits without their labels; the 784-256-256-10 ' +
    'sigmoid network is then fine-tuned with 100 and 1000 labels (10 and 100 per class, drawn by seed from the training digits) and ' +
    'with all 8000, from the pretrained weights and from Xavier uniform and He normal starts, each with Adam (lr 0.01) for the same ' +
    '500 updates of 100 rows, or 15 epochs where that is more (no early stopping: a few labels leave none to validate on), and ' +
    'scored on the 2000 test digits; the pretrained start first fits its new output layer alone for 500 updates. ' +
    'Prints mean ± sd over 5 seeds (each its own data split, label draw and weights) beside monsta-hd/boltzmann-machines\' ' +
    'published figures, says where pretraining stops helping, and writes labels.json and labels.svg (about 4 minutes on two ' +
    'cores; --threads auto helps). --quick: 2000/500 digits, 3 pretraining epochs, 100 updates or 3 epochs (100 for the output layer alone). --holdout scores on the last ' +
    '2000 training digits instead (pretraining and labels from the other 6000): how the setting was chosen, without the test digits.',
  options: {
    labels: sizes('labelled digits per fine-tuning: multiples of 10 (a balanced draw); a count of at least the training digits means all of them', { default: LABELS_FULL.labels }),
    starts: choices(LABELS_STARTS, 'the starts to compare'),
    'pretrain-epochs': integer('RBM epochs per layer (default 10; 3 with --quick)', { min: 1 }),
    updates: integer('weight updates of every fine-tuning (default 500; 100 with --quick)', { min: 1 }),
    holdout: flag('score on the last 2000 training digits, pretraining and labelling from the others (for choosing settings without the test digits)'),
  },
  defaultSeeds: 5,
  async run(values, progress) {
    const base: LabelsConfig = { ...LABELS_FULL, ...(values.quick ? LABELS_QUICK : {}) };
    const trainSize = values.holdout ? base.trainSize - HOLDOUT_ROWS : base.trainSize;
    const config: LabelsConfig = {
      ...base,
      starts: values.starts as LabelsStart[],
      seeds: Array.from({ length: values.seeds }, (_, i) => values.seed + i),
      labels: values.labels.map((n) => Math.min(n, trainSize)),
      pretrain: { ...base.pretrain, epochs: values['pretrain-epochs'] ?? base.pretrain.epochs },
      fineTune: { ...base.fineTune, updates: values.updates ?? base.fineTune.updates },
    };
    const result = await runLabels(config, { digits: digitsFor(values.holdout), ...callbacksFor(progress) });
    return { report: labelsTable(result, values.holdout), files: labelsFiles(result, values.holdout), summary: summaryLine(result) };
  },
});

/** Each seed's split of the bundled digits; with `holdout`, the last training digits stand in for the test digits. */
export function digitsFor(holdout: boolean): LoadDigits {
  return async ({ trainSize, testSize, seed }) => {
    if (!holdout) return bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`);
    // The same seeded split as without --holdout: `trainSize` is what is kept of its training digits.
    const digits = await bundledDigits(trainSize + HOLDOUT_ROWS, testSize, seed, `${trainSize + HOLDOUT_ROWS} training plus ${testSize} test digits`);
    const { x, y } = digits.train;
    const kept = trainSize;
    const width = x.shape[1];
    return {
      train: { x: { shape: [kept, width], data: x.data.slice(0, kept * width) }, y: y.slice(0, kept) },
      test: { x: { shape: [HOLDOUT_ROWS, width], data: x.data.slice(kept * width) }, y: y.slice(kept) },
    };
  };
}

function callbacksFor(progress: Progress) {
  let current = '';
  return {
    onPretrainEpoch: ({ seed, layer, layers, epoch, epochs, reconstructionError }: { seed: number; layer: number; layers: number; epoch: number; epochs: number; reconstructionError: number }) =>
      progress.update(`seed ${seed}: DBN pretraining, RBM ${layer + 1}/${layers}, epoch ${epoch}/${epochs}, reconstruction error ${reconstructionError.toFixed(4)}`),
    onRunStart: ({ seed, labels, start, index, total }: { seed: number; labels: number; start: LabelsStart; index: number; total: number }) => {
      current = runLabel(index, total, `${START_LABELS[start]}, ${labels} labels, seed ${seed}`);
      progress.update(`${current}: fine-tuning`);
    },
    onRunEpoch: ({ epoch, epochs, trainAccuracy }: { epoch: number; epochs: number; trainAccuracy: number }) =>
      progress.update(`${current}: epoch ${epoch}/${epochs}, training accuracy ${trainAccuracy.toFixed(4)}`),
  };
}
