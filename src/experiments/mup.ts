import * as nninit from '../index.js';
import { checkChoices, checkList, checkPositive, checkPositiveInteger, checkSeeds, loadBundledDigits, secondsSince, type LoadDigits } from './common.js';

/*
 * μP (Yang & Hu 2021; Yang et al. 2022, Tensor Programs V) against the standard parametrization,
 * in two parts:
 * (a) the coordinate check of the `mup` package: tanh MLPs of widths 64 … 2048 (3 hidden layers),
 *     5 Adam steps on one batch of digits at a time; each layer's mean |coordinate| per width.
 *     Under the standard parametrization the hidden layers' pre-activations grow with width after
 *     a few steps (Adam's update moves every weight by ~lr, and n of them add up); under μP they
 *     stay flat. Judged, as the package's MLP example records them, on the dense layers' outputs
 *     before the nonlinearity (tanh's output cannot grow past 1).
 * (b) muTransfer: a learning-rate sweep with Adam at widths 128 … 1024 (tanh, 2 hidden layers,
 *     base width 128): the training loss after one epoch at each rate. The best rate moves to
 *     smaller values as the standard network widens and stays put under μP. (With ReLU the same
 *     shift shows, but one epoch's loss is flatter around the optimum and its arg min noisier.)
 */

export type MupParametrization = nninit.Parametrization;
export const MUP_PARAMETRIZATIONS: readonly MupParametrization[] = ['standard', 'mup'];

export interface MupCoordConfig {
  widths: number[];
  hiddenLayers: number;
  activation: nninit.ActivationName;
  /** μP's base width (where the two parametrizations coincide). */
  baseWidth: number;
  /** Adam updates; records before the first and after each. */
  steps: number;
  lr: number;
  /** Rows per step, taken from `rows` digits in order. */
  batchSize: number;
  rows: number;
}

export interface MupTransferConfig {
  widths: number[];
  hiddenLayers: number;
  activation: nninit.ActivationName;
  baseWidth: number;
  /** The learning-rate grid, ascending; one grid step is one index. */
  lrs: number[];
  trainSize: number;
  batchSize: number;
  epochs: number;
}

export interface MupConfig {
  parts: ('coord' | 'transfer')[];
  parametrizations: MupParametrization[];
  coord: MupCoordConfig;
  transfer: MupTransferConfig;
  /** Coordinate checks are averaged over the seeds (as the package's nseeds); sweep losses too. */
  seeds: number[];
}

const powersOfTwo = (from: number, to: number, every = 1) => Array.from({ length: Math.floor((to - from) / every) + 1 }, (_, i) => 2 ** (from + i * every));

/** The full setting: widths 64 … 2048 for (a), 128 … 1024 and lr 2⁻¹⁴ … 2⁻⁵ for (b). */
export const MUP_FULL: MupConfig = {
  parts: ['coord', 'transfer'],
  parametrizations: ['standard', 'mup'],
  coord: { widths: [64, 128, 256, 512, 1024, 2048], hiddenLayers: 3, activation: 'tanh', baseWidth: 64, steps: 5, lr: 0.01, batchSize: 64, rows: 320 },
  transfer: { widths: [128, 256, 512, 1024], hiddenLayers: 2, activation: 'tanh', baseWidth: 128, lrs: powersOfTwo(-14, -5), trainSize: 4000, batchSize: 64, epochs: 1 },
  seeds: [0],
};

/** --quick: the same coordinate check; the sweep at widths 128 … 512 on 2000 digits over a grid of 4× steps. */
export const MUP_QUICK: Partial<MupConfig> = {
  transfer: { ...MUP_FULL.transfer, widths: [128, 256, 512], lrs: powersOfTwo(-14, -4, 2), trainSize: 2000 },
};

export interface MupTransferRun {
  parametrization: MupParametrization;
  width: number;
  lr: number;
  seed: number;
  /** Training loss on the whole training set after the run; null when it diverged (not finite). */
  loss: number | null;
  seconds: number;
}

export interface MupResult {
  config: MupConfig;
  /** (a) per parametrization: the coordinate check, averaged over the seeds; null when not run. */
  coord: Record<MupParametrization, nninit.CoordCheckResult | null> | null;
  transfer: MupTransferRun[] | null;
  seconds: number;
  coordSeconds: number;
  transferSeconds: number;
}

export type MupProgress =
  | { part: 'coord'; parametrization: MupParametrization; seed: number; width: number; done: number; total: number }
  | { part: 'transfer'; parametrization: MupParametrization; seed: number; width: number; lr: number; loss: number | null; done: number; total: number };

export interface MupOptions {
  digits?: LoadDigits;
  onProgress?: (progress: MupProgress) => void;
}

function checkWidths(what: string, values: unknown): number[] {
  return checkList(what, values, checkPositiveInteger);
}

export function checkMupConfig(config: MupConfig): MupConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  const c = config.coord;
  const t = config.transfer;
  const lrs = checkList('transfer.lrs', t?.lrs, checkPositive);
  if (lrs.some((lr, i) => i > 0 && lr <= lrs[i - 1])) throw new nninit.ParamError(`transfer.lrs must be ascending, got ${JSON.stringify(lrs)}`);
  return {
    parts: checkChoices('parts', config.parts, ['coord', 'transfer'] as const),
    parametrizations: checkChoices('parametrizations', config.parametrizations, MUP_PARAMETRIZATIONS),
    coord: {
      widths: checkWidths('coord.widths', c?.widths),
      hiddenLayers: checkPositiveInteger('coord.hiddenLayers', c?.hiddenLayers),
      activation: checkActivation('coord.activation', c?.activation),
      baseWidth: checkPositiveInteger('coord.baseWidth', c?.baseWidth),
      steps: checkPositiveInteger('coord.steps', c?.steps),
      lr: checkPositive('coord.lr', c?.lr),
      batchSize: checkPositiveInteger('coord.batchSize', c?.batchSize),
      rows: checkPositiveInteger('coord.rows', c?.rows),
    },
    transfer: {
      widths: checkWidths('transfer.widths', t?.widths),
      hiddenLayers: checkPositiveInteger('transfer.hiddenLayers', t?.hiddenLayers),
      activation: checkActivation('transfer.activation', t?.activation),
      baseWidth: checkPositiveInteger('transfer.baseWidth', t?.baseWidth),
      lrs,
      trainSize: checkPositiveInteger('transfer.trainSize', t?.trainSize),
      batchSize: checkPositiveInteger('transfer.batchSize', t?.batchSize),
      epochs: checkPositiveInteger('transfer.epochs', t?.epochs),
    },
    seeds: checkSeeds(config.seeds),
  };
}

const ACTIVATIONS: readonly nninit.ActivationName[] = ['relu', 'leakyRelu', 'tanh', 'sigmoid', 'selu', 'linear'];

function checkActivation(what: string, value: unknown): nninit.ActivationName {
  return checkChoices(what, [value], ACTIVATIONS)[0];
}

function mlpOptions(parametrization: MupParametrization, baseWidth: number, layers: number[], activation: nninit.ActivationName, seed: number): nninit.MlpOptions {
  // He's fan-in variance for every layer: a start that is right for width in both parametrizations.
  const common = { layers, activation, init: 'kaimingNormal' as const, seed };
  return parametrization === 'mup' ? { ...common, parametrization, baseWidth } : common;
}

const hidden = (width: number, count: number) => [nninit.data.MNIST_PIXELS, ...new Array<number>(count).fill(width), 10];

/** Element-wise mean of the coordinate checks of several seeds. */
function averageChecks(checks: nninit.CoordCheckResult[]): nninit.CoordCheckResult {
  const [first] = checks;
  const average = (pick: (check: nninit.CoordCheckResult) => number[][]) =>
    pick(first).map((series, w) => series.map((_, t) => checks.reduce((sum, check) => sum + pick(check)[w][t], 0) / checks.length));
  return {
    ...first,
    layers: first.layers.map((layer, l) => ({
      ...layer,
      l1: average((check) => check.layers[l].l1),
      preActivation: average((check) => check.layers[l].preActivation),
    })),
  };
}

/** Runs the coordinate checks and the learning-rate sweeps of `config`. */
export async function runMup(config: MupConfig, options: MupOptions = {}): Promise<MupResult> {
  const checked = checkMupConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const result: MupResult = { config: checked, coord: null, transfer: null, seconds: 0, coordSeconds: 0, transferSeconds: 0 };

  if (checked.parts.includes('coord')) {
    const c = checked.coord;
    const coordStart = performance.now();
    const coord: Record<MupParametrization, nninit.CoordCheckResult | null> = { standard: null, mup: null };
    for (const parametrization of checked.parametrizations) {
      const checks: nninit.CoordCheckResult[] = [];
      for (const seed of checked.seeds) {
        const { train } = await digits({ trainSize: c.rows, testSize: 1, seed });
        checks.push(
          await nninit.coordCheck((width) => new nninit.Mlp(mlpOptions(parametrization, c.baseWidth, hidden(width, c.hiddenLayers), c.activation, seed)), train.x, train.y, {
            widths: c.widths,
            steps: c.steps,
            batchSize: c.batchSize,
            optimizer: nninit.optim.adam({ lr: c.lr }),
            onProgress: (p) => onProgress?.({ part: 'coord', parametrization, seed, width: p.width, done: p.done, total: p.total }),
          }),
        );
      }
      coord[parametrization] = averageChecks(checks);
    }
    result.coord = coord;
    result.coordSeconds = secondsSince(coordStart);
  }

  if (checked.parts.includes('transfer')) {
    const t = checked.transfer;
    const transferStart = performance.now();
    const runs: MupTransferRun[] = [];
    const total = checked.seeds.length * checked.parametrizations.length * t.widths.length * t.lrs.length;
    for (const seed of checked.seeds) {
      const { train } = await digits({ trainSize: t.trainSize, testSize: 1, seed });
      for (const parametrization of checked.parametrizations) {
        for (const width of t.widths) {
          for (const lr of t.lrs) {
            const runStart = performance.now();
            const mlp = new nninit.Mlp(mlpOptions(parametrization, t.baseWidth, hidden(width, t.hiddenLayers), t.activation, seed));
            try {
              await mlp.fit(train.x, train.y, { epochs: t.epochs, batchSize: t.batchSize, optimizer: nninit.optim.adam({ lr }) });
              const loss = mlp.evaluate(train.x, train.y).loss;
              const run: MupTransferRun = { parametrization, width, lr, seed, loss: Number.isFinite(loss) ? loss : null, seconds: secondsSince(runStart) };
              runs.push(run);
              onProgress?.({ part: 'transfer', parametrization, seed, width, lr, loss: run.loss, done: runs.length, total });
            } finally {
              mlp.dispose();
            }
          }
        }
      }
    }
    result.transfer = runs;
    result.transferSeconds = secondsSince(transferStart);
  }
  result.seconds = secondsSince(started);
  return result;
}

// ---------------------------------------------------------------------------------------------
// What the runs show.

/**
 * (a) For each hidden layer, mean |pre-activation| after the last step at the widest width over
 * that at the narrowest: how much the layer's scale changed with width.
 */
export function coordGrowth(check: nninit.CoordCheckResult): { index: number; growth: number }[] {
  const last = check.widths.length - 1;
  return check.layers
    .filter((layer) => layer.role === 'hidden')
    .map((layer) => ({ index: layer.index, growth: layer.preActivation[last][check.steps] / layer.preActivation[0][check.steps] }));
}

/** (b) Mean training loss over the seeds of each (width, lr), Infinity where a run diverged. */
export function sweepLoss(result: MupResult, parametrization: MupParametrization, width: number, lr: number): number {
  const runs = (result.transfer ?? []).filter((r) => r.parametrization === parametrization && r.width === width && r.lr === lr);
  if (runs.length === 0 || runs.some((r) => r.loss === null)) return Infinity;
  return runs.reduce((sum, r) => sum + (r.loss as number), 0) / runs.length;
}

/** (b) Per width, the index in the lr grid of the lowest mean training loss. */
export function bestLrIndices(result: MupResult, parametrization: MupParametrization): { width: number; index: number; lr: number; loss: number }[] {
  const { widths, lrs } = result.config.transfer;
  return widths.map((width) => {
    const losses = lrs.map((lr) => sweepLoss(result, parametrization, width, lr));
    const index = losses.indexOf(Math.min(...losses));
    return { width, index, lr: lrs[index], loss: losses[index] };
  });
}

export interface MupTarget {
  what: string;
  value: number;
  met: boolean;
}

/**
 * The targets (docs/experiments.md): after the last step, every hidden layer's scale at the widest
 * width within 2× of the narrowest under μP and over 4× under standard; the best lr over the
 * sweep's widths within one grid step under μP. Null for a part that did not run (both
 * parametrizations are needed for (a)).
 */
export function mupTargets(result: MupResult): MupTarget[] {
  const targets: MupTarget[] = [];
  const coord = result.coord;
  if (coord?.mup && coord.standard) {
    const mupWorst = Math.max(...coordGrowth(coord.mup).map((g) => Math.max(g.growth, 1 / g.growth)));
    const standardLeast = Math.min(...coordGrowth(coord.standard).map((g) => g.growth));
    const [narrow, wide] = [coord.mup.widths[0], coord.mup.widths[coord.mup.widths.length - 1]];
    targets.push({ what: `μP: hidden scale at width ${wide} within 2× of width ${narrow} (worst factor)`, value: mupWorst, met: mupWorst <= 2 });
    targets.push({ what: `standard: hidden scale at width ${wide} over 4× width ${narrow} (least growth)`, value: standardLeast, met: standardLeast > 4 });
  }
  if (result.transfer && result.config.parametrizations.includes('mup')) {
    const indices = bestLrIndices(result, 'mup').map((b) => b.index);
    const spread = Math.max(...indices) - Math.min(...indices);
    targets.push({ what: 'μP: best lr over the widths within one grid step (spread in steps)', value: spread, met: spread <= 1 });
  }
  return targets;
}
