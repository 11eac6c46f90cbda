import * as nninit from '../index.js';
import { checkChoices, checkList, checkPositive, checkPositiveInteger, checkSeeds, secondsSince } from './common.js';

/*
 * Saxe, McClelland & Ganguli 2014 ("Exact solutions to the nonlinear dynamics of learning in deep
 * linear neural networks"): a deep linear network y = W_D ⋯ W_1 x learns in a time that stays
 * finite as depth grows when it starts from random orthogonal matrices (every product of them is
 * again orthogonal: all singular values of the input–output map are 1), with the learning rate
 * scaled as 1/depth; from "scaled" Gaussian matrices (variance 1/fanIn: the map's squared norm
 * is kept on average, but its singular values spread over orders of magnitude with depth) the
 * time grows with depth.
 *
 * Ours is the setting of their analysis: whitened inputs x ~ N(0, I) of `width` dimensions, a
 * random linear teacher y = T x (T ~ N(0, 1/width)), every layer `width` wide, squared error,
 * full-batch gradient descent (every step on all `rows`), lr = lrScale / depth. Time is the number
 * of steps until the mean squared error falls to `targetFraction` of the teacher's output variance
 * E[y²]. The Mlp's biases start at 0 and train too; with zero-mean inputs and targets they stay
 * near 0, so the network is the product W_D ⋯ W_1 of the analysis.
 */

export type DeepLinearInit = 'orthogonal' | 'gaussian';

export const DEEP_LINEAR_INITS: Readonly<Record<DeepLinearInit, { label: string; spec: (sizes: number[]) => nninit.InitSpec | nninit.InitSpec[] }>> = {
  orthogonal: { label: 'orthogonal', spec: () => 'orthogonal' },
  gaussian: { label: 'scaled Gaussian N(0, 1/n)', spec: (sizes) => sizes.slice(0, -1).map((n) => ({ name: 'normal', std: 1 / Math.sqrt(n) })) },
};

export interface DeepLinearConfig {
  /** Weight matrices per network. */
  depths: number[];
  /** Inputs, outputs and every hidden layer. */
  width: number;
  /** Training examples (every step uses all of them). */
  rows: number;
  inits: DeepLinearInit[];
  /** lr = lrScale / depth (Saxe et al.: the best learning rate falls as 1/depth). */
  lrScale: number;
  /** Stop when the MSE is at most this fraction of E[y²] (the loss of predicting 0). */
  targetFraction: number;
  /** Steps allowed; a run that has not reached the target by then reports `steps: null`. */
  maxSteps: number;
  seeds: number[];
  /**
   * A learning-rate check at one depth: every init with lr = s / depth for each s, so that a
   * slow Gaussian start cannot be blamed on the one lrScale. Null: none.
   */
  sweep: { depth: number; lrScales: number[] } | null;
}

export const DEEP_LINEAR_FULL: DeepLinearConfig = {
  depths: [2, 4, 8, 16, 32, 64, 128],
  width: 32,
  rows: 256,
  inits: ['orthogonal', 'gaussian'],
  lrScale: 2,
  targetFraction: 0.05,
  maxSteps: 1000,
  seeds: [0],
  sweep: { depth: 32, lrScales: [0.5, 1, 2, 4, 8] },
};

export const DEEP_LINEAR_QUICK: Partial<DeepLinearConfig> = { depths: [2, 8, 32], maxSteps: 500, sweep: null };

/** The loss above which a run counts as diverged (×E[y²]); it is stopped there. */
const DIVERGED = 1e4;

export interface DeepLinearRun {
  init: DeepLinearInit;
  label: string;
  depth: number;
  seed: number;
  lrScale: number;
  lr: number;
  /** Steps taken before the MSE first reached the target; null when it did not within maxSteps (or diverged). */
  steps: number | null;
  diverged: boolean;
  /** MSE / E[y²] before the first step and at the last step taken. */
  initialLoss: number;
  finalLoss: number;
  /** (step, MSE / E[y²]) at steps 0, 1, 2, 4, 8, … and the last. */
  curve: { step: number; loss: number }[];
  seconds: number;
}

export interface DeepLinearResult {
  config: DeepLinearConfig;
  /** One run per (depth, init, seed). */
  runs: DeepLinearRun[];
  /** The learning-rate check: one run per (lrScale, init, seed) at sweep.depth. */
  sweep: DeepLinearRun[];
  seconds: number;
}

export interface DeepLinearProgress {
  run: number;
  runs: number;
  init: DeepLinearInit;
  depth: number;
  seed: number;
  lr: number;
  /** Steps taken so far in this run, and the run's current MSE / E[y²]. */
  step: number;
  loss: number;
  /** The run is over (reached, diverged or out of steps). */
  done: boolean;
  steps: number | null;
}

export interface DeepLinearOptions {
  onProgress?: (progress: DeepLinearProgress) => void;
  /** Steps between progress reports within a run (default 50). */
  progressEvery?: number;
}

export function checkDeepLinearConfig(config: DeepLinearConfig): DeepLinearConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  const { sweep } = config;
  if (sweep !== null && typeof sweep !== 'object') {
    throw new nninit.ParamError(`sweep must be { depth, lrScales } or null, got ${JSON.stringify(sweep)}`);
  }
  return {
    depths: checkList('depths', config.depths, checkPositiveInteger),
    width: checkPositiveInteger('width', config.width),
    rows: checkPositiveInteger('rows', config.rows),
    inits: checkChoices('inits', config.inits, Object.keys(DEEP_LINEAR_INITS) as DeepLinearInit[]),
    lrScale: checkPositive('lrScale', config.lrScale),
    targetFraction: checkPositive('targetFraction', config.targetFraction),
    maxSteps: checkPositiveInteger('maxSteps', config.maxSteps),
    seeds: checkSeeds(config.seeds),
    sweep:
      sweep === null
        ? null
        : {
            depth: checkPositiveInteger('sweep.depth', sweep.depth),
            lrScales: checkList('sweep.lrScales', sweep.lrScales, checkPositive),
          },
  };
}

/** The regression task of a seed: whitened Gaussian inputs and a random linear teacher's outputs. */
export function linearTeacherTask(width: number, rows: number, seed: number): { x: nninit.Tensor; y: nninit.Tensor; outputVariance: number } {
  const rng = new nninit.Rng(seed).fork();
  const x = nninit.init.normal([rows, width], { std: 1, rng });
  const teacher = nninit.init.normal([width, width], { std: 1 / Math.sqrt(width), rng });
  const y = nninit.ops.matmul(x, teacher, { transposeB: true });
  let sum = 0;
  for (const v of y.data) sum += v * v;
  return { x, y, outputVariance: sum / y.data.length };
}

/** A diverged loss as the largest double, so that the JSON keeps a number. */
function finite(loss: number): number {
  return Number.isFinite(loss) ? loss : Number.MAX_VALUE;
}

// fit() has no threshold stop; the run throws this from onBatch to end it.
class Stop extends Error {}

/**
 * Full-batch steps per fit epoch: fit yields to the event loop after every epoch (a timer: about
 * 1 ms in Node, 4 ms in a browser), so one step per epoch would spend longer waiting than computing.
 * An epoch over this many copies of the rows, one batch each, takes as many steps.
 */
const STEPS_PER_EPOCH = 50;

interface Task {
  x: nninit.Tensor;
  y: nninit.Tensor;
  outputVariance: number;
}

/** `copies` copies of a tensor's rows, back to back. */
function repeatRows(t: nninit.Tensor, copies: number): nninit.Tensor {
  const data = new Float32Array(t.data.length * copies);
  for (let c = 0; c < copies; c++) data.set(t.data, c * t.data.length);
  return nninit.tensor(data, [t.shape[0] * copies, t.shape[1]]);
}

async function trainLinear(
  config: DeepLinearConfig,
  task: Task,
  init: DeepLinearInit,
  depth: number,
  lrScale: number,
  seed: number,
  report: (step: number, loss: number, done: boolean, steps: number | null) => void,
  progressEvery: number,
): Promise<DeepLinearRun> {
  const started = performance.now();
  const sizes = new Array<number>(depth + 1).fill(config.width);
  const { label, spec } = DEEP_LINEAR_INITS[init];
  const mlp = new nninit.Mlp({ layers: sizes, activation: 'linear', output: 'linear', init: spec(sizes), seed });
  const lr = lrScale / depth;
  const curve: { step: number; loss: number }[] = [];
  let steps: number | null = null;
  let diverged = false;
  let step = 0;
  let last = NaN;
  // Losses are seen at steps 0 … maxSteps: the loss before each update, and the one after the last.
  const copies = Math.min(STEPS_PER_EPOCH, config.maxSteps + 1);
  try {
    await mlp.fit(repeatRows(task.x, copies), repeatRows(task.y, copies), {
      epochs: Math.ceil((config.maxSteps + 1) / copies),
      batchSize: config.rows,
      shuffle: false,
      optimizer: nninit.optim.sgd({ lr }),
      // Each batch is one gradient step on all rows; its loss is the loss before that step's update.
      onBatch: (log) => {
        last = log.loss / task.outputVariance;
        const taken = step++;
        if (taken === 0 || (taken & (taken - 1)) === 0) curve.push({ step: taken, loss: last });
        if (last <= config.targetFraction) steps = taken;
        else if (!(last < DIVERGED)) diverged = true;
        const over = steps !== null || diverged || taken === config.maxSteps;
        if (over || taken % progressEvery === 0) report(taken, last, over, steps);
        if (over) throw new Stop();
      },
    });
  } catch (error) {
    if (!(error instanceof Stop)) throw error;
  } finally {
    mlp.dispose();
  }
  const lastStep = step - 1;
  if (curve[curve.length - 1]?.step !== lastStep) curve.push({ step: lastStep, loss: last });
  return {
    init,
    label,
    depth,
    seed,
    lrScale,
    lr,
    steps,
    diverged,
    initialLoss: curve[0].loss,
    finalLoss: finite(last),
    curve: curve.map((p) => ({ step: p.step, loss: finite(p.loss) })),
    seconds: secondsSince(started),
  };
}

/** Trains every (depth, init) on each seed's task, then the learning-rate check. */
export async function runDeepLinear(config: DeepLinearConfig, options: DeepLinearOptions = {}): Promise<DeepLinearResult> {
  const checked = checkDeepLinearConfig(config);
  const progressEvery = checkPositiveInteger('progressEvery', options.progressEvery ?? 50);
  const started = performance.now();
  const jobs: { depth: number; lrScale: number; init: DeepLinearInit; seed: number; sweep: boolean }[] = [];
  for (const seed of checked.seeds) {
    for (const depth of checked.depths) for (const init of checked.inits) jobs.push({ depth, lrScale: checked.lrScale, init, seed, sweep: false });
  }
  if (checked.sweep) {
    for (const seed of checked.seeds) {
      for (const lrScale of checked.sweep.lrScales) {
        for (const init of checked.inits) jobs.push({ depth: checked.sweep.depth, lrScale, init, seed, sweep: true });
      }
    }
  }
  const tasks = new Map<number, Task>();
  const runs: DeepLinearRun[] = [];
  const sweep: DeepLinearRun[] = [];
  for (const [index, job] of jobs.entries()) {
    let task = tasks.get(job.seed);
    if (!task) tasks.set(job.seed, (task = linearTeacherTask(checked.width, checked.rows, job.seed)));
    const lr = job.lrScale / job.depth;
    const report = (step: number, loss: number, done: boolean, steps: number | null) =>
      options.onProgress?.({ run: index + 1, runs: jobs.length, init: job.init, depth: job.depth, seed: job.seed, lr, step, loss, done, steps });
    const run = await trainLinear(checked, task, job.init, job.depth, job.lrScale, job.seed, report, progressEvery);
    (job.sweep ? sweep : runs).push(run);
  }
  return { config: checked, runs, sweep, seconds: secondsSince(started) };
}

/** Median over seeds of the steps to the target (null = not reached counts as more than any number). */
export function medianSteps(runs: DeepLinearRun[]): number | null {
  const values = runs.map((run) => (run.steps === null ? Infinity : run.steps)).sort((a, b) => a - b);
  if (values.length === 0) return null;
  const middle = values.length >> 1;
  const median = values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
  return Number.isFinite(median) ? median : null;
}
