/*
 * The options of the log-partition and log-likelihood estimates (annealed importance sampling or
 * exact enumeration) and their checks, shared by RBM.logPartition, RBM.logLikelihood and the
 * `logLikelihood` option of RBM.fit.
 */
import { ParamError, show } from '../errors.js';
import { checkOptions, integerIn, type OptionKeys } from '../options.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

export type PartitionMethod = 'ais' | 'exact';

/** What an estimate reports while it runs: annealing steps done of total (exact: 0 of 1, then 1 of 1). */
export interface EstimateProgress {
  done: number;
  total: number;
}

/** The annealing itself: how many runs, over which temperatures, from which seed. */
export interface AisOptions {
  /** 'ais' (default): annealed importance sampling. 'exact': enumeration, for a layer of at most 20 units. */
  method?: PartitionMethod;
  /** Independent annealing runs (default 100); their spread gives the standard error. */
  runs?: number;
  /**
   * The inverse temperatures β_k: a count (default 10000), spaced like Salakhutdinov & Murray's
   * schedule (a 1/29 of them up to β = 0.5, 8/29 from 0.5 to 0.9, the other 20/29 from 0.9 to 1),
   * or an explicit increasing list from 0 to 1 (both included).
   */
  betas?: number | ArrayLike<number>;
  /** Seed of the runs' draws (default: drawn from the model's stream, which advances). */
  seed?: number;
}

export interface LogPartitionOptions extends AisOptions {
  /**
   * Visible biases of the base model the runs start from, Tensor [nVisible] (W = 0, hidden
   * biases 0). Default: from `data` when given, else all 0 (a uniform base: valid, but far from a
   * trained model, so the estimate is noisier).
   */
  baseVisibleBias?: Tensor;
  /**
   * Rows [n, nVisible] whose visible marginals make the base model (Salakhutdinov & Murray's
   * base-rate model: the training data): biases log(p / (1 − p)) of each unit's mean p, clamped
   * to [0.001, 0.999] as the visible biases' initialization does.
   */
  data?: Tensor;
  /** Called after every call of the annealing kernel (between them the estimate yields to the event loop). */
  onProgress?: (progress: EstimateProgress) => void;
}

/** `logLikelihood`'s options: those of `logPartition`; the base model defaults to the marginals of x itself. */
export type LogLikelihoodOptions = LogPartitionOptions;

/** `RBM.fit`'s `logLikelihood` option: the estimate on held-out rows every `every` epochs. */
export interface FitLogLikelihoodOptions extends AisOptions {
  /** Rows [n, nVisible] whose mean log-likelihood is estimated (a validation set). */
  data: Tensor;
  /** Estimate after every `every`-th epoch (default 1); the other epochs report null. */
  every?: number;
}

export interface LogPartitionEstimate {
  /** log Z (AIS: log of the mean importance weight times Z of the base model). */
  logZ: number;
  /** Standard error of logZ: 0 when exact; for AIS sd(w) / (√runs · mean(w)) (delta method); Infinity from one run. */
  stdError: number;
  method: PartitionMethod;
  /** AIS: each run's log importance weight (log Z of the base model not added); null when exact. */
  logWeights: Float64Array | null;
  /** AIS: (Σw)² / Σw², how many runs the weights are worth (near `runs` when they agree); null when exact. */
  effectiveRuns: number | null;
}

export interface LogLikelihoodEstimate {
  /** Mean of log p(v) = −F(v) − log Z over the rows. */
  mean: number;
  /** √(logZStdError² + sd(−F)² / rows): the error of `mean` as an estimate of the expected log-likelihood (one row: logZStdError). */
  stdError: number;
  logZ: number;
  logZStdError: number;
}

/** The checked settings of an estimate. */
export interface AisSettings {
  method: PartitionMethod;
  runs: number;
  /** f32 temperatures, strictly increasing from exactly 0 to exactly 1. */
  betas: Float32Array;
  seed: number | undefined;
}

export interface LogPartitionSettings extends AisSettings {
  baseVisibleBias: Tensor | undefined;
  data: Tensor | undefined;
  onProgress: ((progress: EstimateProgress) => void) | undefined;
}

export interface FitLogLikelihoodSettings extends AisSettings {
  data: Tensor;
  every: number;
}

export const DEFAULT_RUNS = 100;
export const DEFAULT_BETAS = 10000;
/** Most temperatures: spaced finer than this, the last ones (near 1) would collide in f32. */
export const MAX_BETAS = 1_000_000;
const MAX_RUNS = 1 << 20;

/** Why AIS refuses Gaussian visible units. */
export const AIS_GAUSSIAN = "AIS is implemented for Bernoulli visible units only; for Gaussian ones use method: 'exact' (at most 20 hidden units)";

const AIS_KEYS: OptionKeys<AisOptions> = { method: true, runs: true, betas: true, seed: true };
const PARTITION_KEYS: OptionKeys<LogPartitionOptions> = { ...AIS_KEYS, baseVisibleBias: true, data: true, onProgress: true };
const FIT_KEYS: OptionKeys<FitLogLikelihoodOptions> = { ...AIS_KEYS, data: true, every: true };

/**
 * Salakhutdinov & Murray's schedule for `count` temperatures: β = 0 → 0.5 in steps of 1/1000,
 * 0.5 → 0.9 in steps of 1/10000 and 0.9 → 1 in steps of 1/100000 (14,500 steps), scaled to
 * count − 1 steps with the same proportions. Exactly 0 first and 1 last.
 */
export function defaultBetas(count: number): Float32Array {
  const knots = [
    [0, 0],
    [500 / 14500, 0.5],
    [4500 / 14500, 0.9],
    [1, 1],
  ];
  const betas = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    const u = k / (count - 1);
    let piece = 1;
    while (piece < knots.length - 1 && u > knots[piece][0]) piece++;
    const [u0, b0] = knots[piece - 1];
    const [u1, b1] = knots[piece];
    betas[k] = b0 + ((u - u0) / (u1 - u0)) * (b1 - b0);
  }
  betas[count - 1] = 1;
  return betas;
}

function betasOption(value: unknown): Float32Array {
  if (value === undefined || typeof value === 'number') {
    const count = integerIn('betas', value ?? DEFAULT_BETAS, 2, MAX_BETAS);
    return checkIncreasing(defaultBetas(count), 'betas (a count)');
  }
  const list = value as ArrayLike<number>;
  if (typeof value !== 'object' || value === null || typeof list.length !== 'number') {
    throw new ParamError(`betas must be a count or an increasing list of temperatures from 0 to 1, got ${show(value)}`);
  }
  if (list.length < 2 || list.length > MAX_BETAS) throw new ParamError(`betas must hold between 2 and ${MAX_BETAS} temperatures, got ${list.length}`);
  const betas = new Float32Array(list.length);
  for (let k = 0; k < list.length; k++) {
    const beta = list[k];
    if (typeof beta !== 'number' || !Number.isFinite(beta)) throw new ParamError(`betas[${k}] must be a finite number, got ${show(beta)}`);
    betas[k] = beta;
  }
  if (list[0] !== 0) throw new ParamError(`betas must start at 0 (the base model), got betas[0] = ${show(list[0])}`);
  if (list[list.length - 1] !== 1) throw new ParamError(`betas must end at 1 (the model), got betas[${list.length - 1}] = ${show(list[list.length - 1])}`);
  return checkIncreasing(betas, 'betas');
}

/** Strictly increasing in f32, which is what the kernel computes with. */
function checkIncreasing(betas: Float32Array, name: string): Float32Array {
  for (let k = 1; k < betas.length; k++) {
    if (!(betas[k] > betas[k - 1])) {
      throw new ParamError(`${name} must increase strictly (in f32), but betas[${k - 1}] = ${betas[k - 1]} and betas[${k}] = ${betas[k]}`);
    }
  }
  return betas;
}

function aisSettings(options: AisOptions): AisSettings {
  const method = options.method ?? 'ais';
  if (method !== 'ais' && method !== 'exact') throw new ParamError(`method must be 'ais' or 'exact', got ${show(method)}`);
  if (method === 'exact') {
    const annealing = (['runs', 'betas', 'seed'] as const).filter((key) => options[key] !== undefined);
    if (annealing.length > 0) throw new ParamError(`${annealing.join(', ')}: options of method 'ais', not of 'exact'`);
  }
  return {
    method,
    runs: integerIn('runs', options.runs ?? DEFAULT_RUNS, 1, MAX_RUNS),
    betas: method === 'ais' ? betasOption(options.betas) : new Float32Array([0, 1]),
    seed: options.seed === undefined ? undefined : new Rng(options.seed).seed,
  };
}

export function logPartitionSettings(what: string, options: LogPartitionOptions | undefined): LogPartitionSettings {
  checkOptions(what, options, PARTITION_KEYS);
  const o = options ?? {};
  if (o.baseVisibleBias !== undefined && o.data !== undefined) throw new ParamError(`${what}: give baseVisibleBias or data (to compute it from), not both`);
  if (o.onProgress !== undefined && typeof o.onProgress !== 'function') throw new ParamError(`onProgress must be a function, got ${show(o.onProgress)}`);
  return { ...aisSettings(o), baseVisibleBias: o.baseVisibleBias, data: o.data, onProgress: o.onProgress };
}

/** `RBM.fit`'s `logLikelihood` option, checked (the data tensor's shape and values are checked by the caller). */
export function fitLogLikelihoodSettings(o: FitLogLikelihoodOptions | undefined, gaussian: boolean): FitLogLikelihoodSettings | null {
  if (o === undefined) return null;
  checkOptions('RBM.fit logLikelihood', o, FIT_KEYS);
  if (o.data === undefined) throw new ParamError('logLikelihood.data is required: the rows whose log-likelihood is estimated');
  const settings = { ...aisSettings(o), data: o.data, every: integerIn('logLikelihood.every', o.every ?? 1, 1) };
  if (gaussian && settings.method === 'ais') throw new ParamError(AIS_GAUSSIAN);
  return settings;
}
