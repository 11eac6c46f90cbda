import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mnist } from '../data/index.js';
import * as nninit from '../index.js';
import { accuracyChart, renderSvg, type ChartPoint } from './chart.js';
import { positiveInt } from './dataset.js';
import { listOf, type Progress } from './experiment.js';
import { formatTable } from './table.js';

/*
 * The deep part of the experiment (`nninit experiment --deep`): where a 784-256-256-10 network
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
  seed: number;
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
};

/** `--deep --quick`: 3 epochs on 2000/500. */
export const DEEP_QUICK: Partial<DeepConfig> = { epochs: 3, trainSize: 2000, testSize: 500 };

export interface DeepRun {
  init: string;
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
  const { train, test } = await mnist({ trainSize: config.trainSize, testSize: config.testSize, seed: config.seed });
  const rows = Math.min(BATCH_ROWS, config.trainSize);
  const batch = { x: { shape: [rows, DEEP_LAYERS[0]], data: train.x.data.subarray(0, rows * DEEP_LAYERS[0]) }, y: train.y.subarray(0, rows) };
  const runs: DeepRun[] = [];
  const total = config.inits.length * config.activations.length;
  for (const init of config.inits) {
    for (const activation of config.activations) {
      const { label, spec, lsuv } = DEEP_INITS[init];
      const mlp = new nninit.Mlp({ layers: DEEP_LAYERS, activation, init: spec, seed: config.seed });
      const name = `[${runs.length + 1}/${total}] deep ${label}, ${activation}`;
      try {
        let lsuvSeconds: number | null = null;
        if (lsuv) {
          const lsuvStart = performance.now();
          nninit.init.lsuv(mlp, batch.x, { seed: config.seed });
          lsuvSeconds = (performance.now() - lsuvStart) / 1000;
        }
        const gradientRatio = nninit.diagnose(mlp, batch.x, batch.y).gradientRatio!;
        const history = await mlp.fit(train.x, train.y, {
          epochs: config.epochs,
          batchSize: config.batchSize,
          optimizer: nninit.optim.adam({ lr: config.lr }),
          validation: test,
          onEpoch: (log) => progress?.update(`${name}: epoch ${log.epoch + 1}/${config.epochs}, test accuracy ${log.valAccuracy!.toFixed(4)}`),
        });
        runs.push({
          init,
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
  progress?.done();
  return { config, layers: DEEP_LAYERS, runs, seconds: (performance.now() - started) / 1000 };
}

/** The target: LSUV's ReLU net at least matches He's after the first and the last epoch. */
function lsuvTarget(result: DeepResult, run: DeepRun): string {
  if (run.init !== 'lsuv' || run.activation !== 'relu') return '';
  const he = result.runs.find((r) => r.init === 'he' && r.activation === 'relu');
  if (!he) return '';
  const mark = (ok: boolean) => (ok ? 'ok' : 'MISSED');
  return `e1 >= He ${mark(run.accuracy[0] >= he.accuracy[0])}, final >= He ${mark(run.final >= he.final)}`;
}

export function deepTable(result: DeepResult): string {
  const header = ['init', 'activation', 'grad ratio at init', 'e1', 'final', 'LSUV s', 'train s', 'target'];
  const rows = result.runs.map((run) => [
    run.label,
    run.activation,
    run.gradientRatio.toExponential(2),
    run.accuracy[0].toFixed(4),
    run.final.toFixed(4),
    run.lsuvSeconds === null ? '-' : run.lsuvSeconds.toFixed(2),
    run.seconds.toFixed(1),
    lsuvTarget(result, run),
  ]);
  return formatTable(header, rows);
}

/** Writes deep-experiment.json, deep-experiment.svg (accuracy per epoch) and deep-gradients.svg under `out`. */
export async function writeDeepResults(result: DeepResult, out: string): Promise<string[]> {
  await mkdir(out, { recursive: true });
  const { trainSize, testSize, epochs, lr, batchSize } = result.config;
  const net = `${result.layers[0]}-256×6-${result.layers[result.layers.length - 1]}`;
  const points: ChartPoint[] = result.runs.flatMap((run) =>
    run.accuracy.map((accuracy, e) => ({ init: run.label, activation: run.activation, epoch: e + 1, accuracy })),
  );
  const ratios = result.runs.map((run) => ({ init: run.label, activation: run.activation, ratio: run.gradientRatio }));
  const paths = ['deep-experiment.json', 'deep-experiment.svg', 'deep-gradients.svg'].map((file) => join(out, file));
  await writeFile(paths[0], `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(paths[1], await accuracyChart(points, `MNIST ${trainSize}/${testSize}, ${net}, Adam ${lr}, batch ${batchSize}, ${epochs} epochs`));
  await writeFile(
    paths[2],
    await renderSvg({
      title: `${net} at initialization: ‖∂loss/∂W‖ of the first hidden layer / the last (${BATCH_ROWS} digits)`,
      data: { values: ratios },
      mark: 'bar',
      width: 200,
      height: 220,
      encoding: {
        column: { field: 'activation', type: 'nominal', title: 'hidden activation', sort: DEEP_ACTIVATIONS },
        x: { field: 'init', type: 'nominal', title: null, sort: result.runs.map((r) => r.label) },
        y: { field: 'ratio', type: 'quantitative', scale: { type: 'log' }, title: 'gradient-norm ratio (log; 1 = no vanishing)' },
        color: { field: 'init', type: 'nominal', legend: null },
      },
    }),
  );
  return paths;
}

export const DEEP_USAGE = `  nninit experiment --deep [--epochs 15] [--inits ${Object.keys(DEEP_INITS).join(',')}]
                    [--activation ${DEEP_ACTIVATIONS.join(',')}] [--quick] [--seed 0] [--out out/]
      The deep part, run instead of the shallow one (about 5 min): ${DEEP_LAYERS[0]}-256×6-10 with
      each activation from each initialization (small: N(0, 0.01²); lsuv: nninit.init.lsuv on
      ${BATCH_ROWS} training digits), same data and training; prints test accuracy after the first
      and last epoch and the first/last hidden layer gradient-norm ratio at initialization;
      writes deep-experiment.json, deep-experiment.svg and deep-gradients.svg.`;

/** The command line of `nninit experiment --deep`, as parseArgs gave it. */
export interface DeepArgs {
  epochs?: string;
  inits?: string;
  activation?: string;
  quick: boolean;
  seed: string;
  out: string;
}

/** `nninit experiment --deep`: runs, prints the table and writes the results. */
export async function deepExperimentCommand(args: DeepArgs, progress: Progress): Promise<void> {
  const config: DeepConfig = { ...DEEP_FULL, ...(args.quick ? DEEP_QUICK : {}) };
  if (args.epochs !== undefined) config.epochs = positiveInt('epochs', args.epochs);
  if (args.inits !== undefined) config.inits = listOf('inits', args.inits, Object.keys(DEEP_INITS));
  if (args.activation !== undefined) config.activations = listOf('activation', args.activation, DEEP_ACTIVATIONS);
  config.seed = Number(args.seed);
  if (!Number.isInteger(config.seed) || config.seed < 0) throw new nninit.ParamError(`--seed must be an integer >= 0, got ${JSON.stringify(args.seed)}`);
  const result = await runDeepExperiment(config, progress);
  console.log(deepTable(result));
  const paths = await writeDeepResults(result, args.out);
  console.log(`\ntotal ${result.seconds.toFixed(1)} s; wrote ${paths.join(', ')}`);
}
