import * as nninit from '../../index.js';
import { formatTable } from '../../text-table.js';
import { logDomain, renderFigure } from '../charts.js';
import { choices, integer, type Progress } from '../command.js';
import { bundledDigits } from '../dataset.js';
import {
  accuracyChart,
  defineExperiment,
  geometricMean,
  mean,
  runLabel,
  seedsOf,
  standardDeviation,
  toJson,
  type AccuracyPoint,
} from './harness.js';

/*
 * The deep part of the experiment (`nninit experiment deep`, or `--deep`): where a 784-256-256-10 network
 * forgives a poor start, a deep one does not (Glorot & Bengio 2010; Mishkin & Matas 2016). Seven
 * dense layers — 784 inputs, six hidden layers of 256, 10 outputs — with sigmoid, tanh and ReLU,
 * started from each initialization below.
 */

export type DeepActivation = 'sigmoid' | 'tanh' | 'relu';
export const DEEP_ACTIVATIONS: readonly DeepActivation[] = ['sigmoid', 'tanh', 'relu'];
export const DEEP_LAYERS = [784, 256, 256, 256, 256, 256, 256, 10];

/** Rows of the training set LSUV and the gradient diagnostics look at (the first of the seeded split). */
const BATCH_ROWS = 500;

interface DeepInit {
  label: string;
  /** An Mlp init spec; LSUV starts from Xavier and replaces it (orthonormal, then rescaled on the batch). */
  spec: nninit.InitSpec;
  lsuv?: boolean;
}

const DEEP_INITS: Record<string, DeepInit> = {
  small: { label: 'N(0,0.01)', spec: { name: 'normal', std: 0.01 } },
  normal: { label: 'N(0,1)', spec: { name: 'normal', std: 1 } },
  xavier: { label: 'Xavier uniform', spec: 'xavierUniform' },
  he: { label: 'He normal', spec: 'kaimingNormal' },
  lsuv: { label: 'LSUV', spec: 'xavierUniform', lsuv: true },
};

export interface DeepConfig {
  epochs: number;
  inits: string[];
  activations: DeepActivation[];
  trainSize: number;
  testSize: number;
  batchSize: number;
  lr: number;
  /** The first seed: it picks the data split, the weights and LSUV's orthonormal start. */
  seed: number;
  /**
   * Replicates: every (initialization, activation) runs with seeds seed, seed + 1, … Single runs
   * on 2000 test digits differ by about ±0.5 points from seed to seed, so comparisons between
   * good initializations need several.
   */
  seeds: number;
}

/** The main experiment's setting (8000/2000 seeded split, 15 epochs, Adam 1e-3, batch 100) on the deep net. */
export const DEEP_FULL: DeepConfig = {
  epochs: 15,
  inits: Object.keys(DEEP_INITS),
  activations: [...DEEP_ACTIVATIONS],
  trainSize: 8000,
  testSize: 2000,
  batchSize: 100,
  lr: 1e-3,
  seed: 0,
  seeds: 1,
};

/** `--quick`: 3 epochs on 2000/500. */
export const DEEP_QUICK: Partial<DeepConfig> = { epochs: 3, trainSize: 2000, testSize: 500 };

export interface DeepRun {
  init: string;
  seed: number;
  label: string;
  activation: DeepActivation;
  /** Test accuracy after each epoch. */
  accuracy: number[];
  final: number;
  /** ‖∂loss/∂W‖ of the first hidden layer over that of the last, at initialization, on the batch. */
  gradientRatio: number;
  /** Seconds LSUV took (LSUV runs only). */
  lsuvSeconds: number | null;
  /** Training seconds (fit, with the per-epoch test evaluation). */
  seconds: number;
}

export interface DeepResult {
  config: DeepConfig;
  layers: number[];
  runs: DeepRun[];
  seconds: number;
}

export async function runDeepExperiment(config: DeepConfig, progress?: Progress): Promise<DeepResult> {
  const started = performance.now();
  const runs: DeepRun[] = [];
  const total = config.inits.length * config.activations.length * config.seeds;
  for (const seed of seedsOf(config)) {
    const { train, test } = await bundledDigits(config.trainSize, config.testSize, seed, `${config.trainSize} training plus ${config.testSize} test digits`);
    const rows = Math.min(BATCH_ROWS, config.trainSize);
    const batch = { x: { shape: [rows, DEEP_LAYERS[0]], data: train.x.data.subarray(0, rows * DEEP_LAYERS[0]) }, y: train.y.subarray(0, rows) };
    for (const init of config.inits) {
      for (const activation of config.activations) {
        const { label, spec, lsuv } = DEEP_INITS[init];
        const mlp = new nninit.Mlp({ layers: DEEP_LAYERS, activation, init: spec, seed });
        const name = runLabel(runs.length + 1, total, `deep ${label}, ${activation}${config.seeds > 1 ? `, seed ${seed}` : ''}`);
        try {
          let lsuvSeconds: number | null = null;
          if (lsuv) {
            const lsuvStart = performance.now();
            nninit.init.lsuv(mlp, batch.x, { seed });
            lsuvSeconds = (performance.now() - lsuvStart) / 1000;
          }
          const gradientRatio = nninit.diagnose(mlp, batch.x, batch.y).gradientRatio!;
          let epoch = 0;
          const history = await mlp.fit(train.x, train.y, {
            epochs: config.epochs,
            batchSize: config.batchSize,
            optimizer: nninit.optim.adam({ lr: config.lr }),
            validation: test,
            onEpoch: (log) => progress?.update(`${name}: epoch ${++epoch}/${config.epochs}, test accuracy ${log.valAccuracy!.toFixed(4)}`),
          });
          runs.push({
            init,
            seed,
            label,
            activation,
            accuracy: history.valAccuracy,
            final: history.valAccuracy[history.valAccuracy.length - 1],
            gradientRatio,
            lsuvSeconds,
            seconds: history.seconds,
          });
        } finally {
          mlp.dispose();
        }
      }
    }
  }
  progress?.done();
  return { config, layers: DEEP_LAYERS, runs, seconds: (performance.now() - started) / 1000 };
}

/** The runs of one (initialization, activation) pair over the seeds, in run order. */
export interface DeepGroup {
  init: string;
  label: string;
  activation: DeepActivation;
  runs: DeepRun[];
}

export function groupRuns(runs: DeepRun[]): DeepGroup[] {
  const groups = new Map<string, DeepGroup>();
  for (const run of runs) {
    const key = `${run.init}/${run.activation}`;
    let group = groups.get(key);
    if (!group) groups.set(key, (group = { init: run.init, label: run.label, activation: run.activation, runs: [] }));
    group.runs.push(run);
  }
  return [...groups.values()];
}

/** Mean test accuracy of a group after each epoch. */
export function meanCurve(group: DeepGroup): number[] {
  return group.runs[0].accuracy.map((_, e) => mean(group.runs.map((run) => run.accuracy[e])));
}

/**
 * The target: LSUV's ReLU net at least matches He's after the first and the last epoch,
 * on the mean over seeds, with the number of seeds on which it did.
 */
function lsuvTarget(groups: DeepGroup[], group: DeepGroup): string {
  if (group.init !== 'lsuv' || group.activation !== 'relu') return '';
  const he = groups.find((g) => g.init === 'he' && g.activation === 'relu');
  if (!he) return '';
  const heBySeed = new Map(he.runs.map((run) => [run.seed, run]));
  const verdict = (title: string, accuracy: (run: DeepRun) => number) => {
    const ok = mean(group.runs.map(accuracy)) >= mean(he.runs.map(accuracy));
    const paired = group.runs.filter((run) => heBySeed.has(run.seed));
    const wins = paired.filter((run) => accuracy(run) >= accuracy(heBySeed.get(run.seed)!)).length;
    return `${title} >= He ${ok ? 'ok' : 'MISSED'}${paired.length > 1 ? ` (${wins}/${paired.length} seeds)` : ''}`;
  };
  return `${verdict('e1', (run) => run.accuracy[0])}, ${verdict('final', (run) => run.final)}`;
}

/** One row per (initialization, activation); with several seeds, accuracies are mean ± sd and the ratio a geometric mean. */
export function deepTable(result: DeepResult): string {
  const groups = groupRuns(result.runs);
  const several = groups.some((g) => g.runs.length > 1);
  const accuracy = (values: number[]) =>
    several ? `${mean(values).toFixed(4)} ± ${standardDeviation(values).toFixed(4)}` : values[0].toFixed(4);
  const header = ['init', 'activation', 'grad ratio at init', 'e1', 'final', 'LSUV s', 'train s', 'target'];
  const rows = groups.map((group) => {
    const lsuv = group.runs.map((run) => run.lsuvSeconds).filter((s): s is number => s !== null);
    return [
      group.label,
      group.activation,
      geometricMean(group.runs.map((run) => run.gradientRatio)).toExponential(2),
      accuracy(group.runs.map((run) => run.accuracy[0])),
      accuracy(group.runs.map((run) => run.final)),
      lsuv.length === 0 ? '-' : mean(lsuv).toFixed(2),
      mean(group.runs.map((run) => run.seconds)).toFixed(1),
      lsuvTarget(groups, group),
    ];
  });
  const seeds = result.config.seeds;
  const caption = seeds > 1 ? `\n${seeds} seeds (${result.config.seed}–${result.config.seed + seeds - 1}): mean ± sd; grad ratio: geometric mean` : '';
  return formatTable(header, rows) + caption;
}

/** deep-experiment.json, deep-experiment.svg (accuracy per epoch) and deep-gradients.svg. */
export function deepFiles(result: DeepResult): Record<string, string> {
  const { trainSize, testSize, epochs, lr, batchSize } = result.config;
  const net = `${result.layers[0]}-256×6-${result.layers[result.layers.length - 1]}`;
  const groups = groupRuns(result.runs);
  const points: AccuracyPoint[] = groups.flatMap((group) =>
    meanCurve(group).map((accuracy, e) => ({ init: group.label, activation: group.activation, epoch: e + 1, accuracy })),
  );
  const over = result.config.seeds > 1 ? `, mean of ${result.config.seeds} seeds` : '';
  const activations = DEEP_ACTIVATIONS.filter((a) => groups.some((g) => g.activation === a));
  const ratio = (group: DeepGroup) => geometricMean(group.runs.map((run) => run.gradientRatio));
  // One scale for every panel, so that the activations compare at a glance.
  const domain = logDomain(groups.map(ratio));
  const gradients = renderFigure({
    title: `${net} at initialization: ‖∂loss/∂W‖ of the first hidden layer / the last (${BATCH_ROWS} digits${over})`,
    layout: {
      row: activations.map((activation) => ({
        title: `hidden activation: ${activation}`,
        width: 200,
        height: 220,
        x: { title: 'initialization' },
        y: { title: 'gradient-norm ratio (log; 1 = no vanishing)', scale: 'log' as const, domain },
        bars: groups.filter((g) => g.activation === activation).map((g) => ({ category: g.label, key: g.label, value: ratio(g) })),
      })),
    },
  });
  return {
    'deep-experiment.json': toJson(result),
    'deep-experiment.svg': accuracyChart(points, `MNIST ${trainSize}/${testSize}, ${net}, Adam ${lr}, batch ${batchSize}, ${epochs} epochs${over}`),
    'deep-gradients.svg': gradients,
  };
}

export const deep = defineExperiment({
  name: 'deep',
  summary: 'where a poor start is not forgiven: a 7-layer net with sigmoid, tanh and ReLU from N(0,0.01), N(0,1), Xavier, He and LSUV (also --deep)',
  description:
    `${DEEP_LAYERS[0]}-256×6-10 with each activation from each initialization (small: N(0, 0.01²); lsuv: nninit.init.lsuv on ` +
    `${BATCH_ROWS} training digits), trained like the classic comparison (8000/2000 split, Adam 1e-3, batch 100, 15 epochs; about 5 minutes); ` +
    'prints test accuracy after the first and last epoch and the first/last hidden layer gradient-norm ratio at initialization ' +
    '(Glorot & Bengio 2010; Mishkin & Matas 2016); writes deep-experiment.json, deep-experiment.svg and deep-gradients.svg. ' +
    '--quick: 3 epochs on 2000/500 digits. Good initializations differ by less than one seed\'s noise (about ±0.5 points): ' +
    '--seeds N repeats every run (data split, weights, LSUV) and reports mean ± sd.',
  options: {
    epochs: integer('training epochs of every run (default 15; 3 with --quick)', { min: 1 }),
    inits: choices(Object.keys(DEEP_INITS), 'the initializations to compare'),
    activation: choices(DEEP_ACTIVATIONS, 'the hidden activations'),
  },
  async run(values, progress) {
    const config: DeepConfig = {
      ...DEEP_FULL,
      ...(values.quick ? DEEP_QUICK : {}),
      inits: values.inits,
      activations: values.activation,
      seed: values.seed,
      seeds: values.seeds,
    };
    if (values.epochs !== undefined) config.epochs = values.epochs;
    const result = await runDeepExperiment(config, progress);
    return { report: deepTable(result), files: deepFiles(result), summary: `total ${result.seconds.toFixed(1)} s` };
  },
});
