/*
 * The options of an RBM and of its training, and their checks: each options object is checked
 * whole (unknown keys, types, ranges) before anything trains, and resolved into the settings the
 * training loop reads.
 */
import { ParamError, show } from '../errors.js';
import { booleanOption, checkOptions, integerIn, numberIn, type OptionKeys } from '../options.js';
import type { Tensor } from '../tensor.js';
import { fitLogLikelihoodSettings, type FitLogLikelihoodOptions, type FitLogLikelihoodSettings, type LogLikelihoodEstimate } from './ais-options.js';

export type VisibleUnits = 'bernoulli' | 'gaussian';

export interface RbmOptions {
  nVisible: number;
  nHidden: number;
  /** 'bernoulli' (default): binary units, data in [0, 1]. 'gaussian': unit-variance linear units, standardize the data first. */
  visible?: VisibleUnits;
  /** Seed of every random draw (initial weights, shuffles, samples). Default: a fresh crypto seed, exposed as `rbm.seed`. */
  seed?: number;
  /**
   * Set the visible biases from the data at the first fit (default true): log(p/(1 − p)) of each
   * unit's mean p for Bernoulli units, the mean for Gaussian ones (Hinton's practical guide, §8).
   */
  visibleBiasFromData?: boolean;
}

export interface SparsityOptions {
  /** Wanted mean activation of each hidden unit, in (0, 1). */
  target: number;
  /** Strength of the penalty, ≥ 0. */
  cost: number;
  /** Decay of the running mean of each unit's activation, in [0, 1) (default 0.95). */
  decay?: number;
}

/** Options of one training step (`partialFit`), also part of `fit`'s options. */
export interface StepOptions {
  /** Default 0.1 for Bernoulli visible units, 0.01 for Gaussian ones. */
  learningRate?: number;
  /** Gibbs steps per update (default 1). */
  k?: number;
  /** Persistent CD (Tieleman 2008): the negative chains carry over from batch to batch (default false). */
  persistent?: boolean;
  /** L2 penalty on the weights (not the biases), default 0; 1e-4 is the practical guide's usual value. */
  weightDecay?: number;
  sparsity?: SparsityOptions;
  /**
   * Sample the last visible reconstruction of CD instead of using its probabilities (default false,
   * the practical guide's choice: less noise). With true, CD-k's gradient tends to the exact one as k
   * grows. PCD always samples: its chains must be Markov chains.
   */
  sampleVisible?: boolean;
  /** Accept Bernoulli data outside [0, 1] (default false: such data is an `E_DATA` error). */
  allowOutOfRange?: boolean;
}

export interface PartialFitOptions extends StepOptions {
  /** Momentum of this step (default 0). */
  momentum?: number;
}

export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean-field reconstruction MSE (per element) on the monitoring sample of the training data; NaN with monitorSize 0. */
  reconstructionError: number;
  /** Mean pseudo-likelihood (scikit-learn's) on the monitoring sample; null for Gaussian visible units or with monitorSize 0. */
  pseudoLikelihood: number | null;
  /** Mean free energy of the validation data minus that of the training sample; null without validation. Growth means overfitting. */
  freeEnergyGap: number | null;
  /** The `logLikelihood` option's estimate on its data after this epoch; null on the other epochs, or without the option. */
  logLikelihood: LogLikelihoodEstimate | null;
  /** Wall time of the epoch, monitoring included. */
  seconds: number;
}

export type History = EpochStats[];

export interface BatchInfo {
  /** 1-based epoch number. */
  epoch: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  batches: number;
}

export interface FitOptions extends StepOptions {
  /** Default 10. */
  epochs?: number;
  /** Default 100. */
  batchSize?: number;
  /** A number, or a schedule of the 1-based epoch. Default: 0.5 for epochs 1–5, then 0.9 (practical guide §9). */
  momentum?: number | ((epoch: number) => number);
  /** Visit the rows in a new seeded order each epoch (default true). */
  shuffle?: boolean;
  /** Held-out data for the free-energy gap. */
  validation?: Tensor;
  /**
   * Estimate the mean log-likelihood of `data` (by AIS unless `method: 'exact'`) after every
   * `every`-th epoch, into EpochStats.logLikelihood. Off by default: 100 runs over 10000
   * temperatures cost about as much as 15 epochs of CD-1 on 8000 digits (784 → 500). The base model comes from
   * the training data; the seed defaults to the model's, so the estimates leave training's draws as
   * they were, and every epoch's estimate uses the same random words.
   */
  logLikelihood?: FitLogLikelihoodOptions;
  /** Rows of the training (and validation) data the per-epoch statistics use (default 1000; 0 turns them off). */
  monitorSize?: number;
  /** Called after each epoch; returning false (or a promise of false) stops training. */
  onEpoch?: (stats: EpochStats, history: History) => void | boolean | Promise<void | boolean>;
  /** Called after each batch. */
  onBatch?: (info: BatchInfo) => void;
}

export interface SampleOptions {
  /** Gibbs steps (v → h → v) per chain (default 1000). */
  steps?: number;
  /** Starting visible states [n, nVisible]; by default the chains start from h = 0. */
  init?: Tensor;
  /** Seed of this call's draws; by default the model's stream advances. */
  seed?: number;
}

export const RBM_OPTION_KEYS: OptionKeys<RbmOptions> = { nVisible: true, nHidden: true, visible: true, seed: true, visibleBiasFromData: true };
export const STEP_OPTION_KEYS: OptionKeys<StepOptions> = {
  learningRate: true,
  k: true,
  persistent: true,
  weightDecay: true,
  sparsity: true,
  sampleVisible: true,
  allowOutOfRange: true,
};
export const FIT_OPTION_KEYS: OptionKeys<FitOptions> = {
  ...STEP_OPTION_KEYS,
  epochs: true,
  batchSize: true,
  momentum: true,
  shuffle: true,
  validation: true,
  logLikelihood: true,
  monitorSize: true,
  onEpoch: true,
  onBatch: true,
};
export const SAMPLE_OPTION_KEYS: OptionKeys<SampleOptions> = { steps: true, init: true, seed: true };

/** One training step's settings, checked. */
export interface StepSettings {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  k: number;
  persistent: boolean;
  sampleVisible: boolean;
  sparsity: Required<SparsityOptions> | null;
  allowOutOfRange: boolean;
}

/** A fit's settings, checked; the step's momentum is set per epoch from `momentum`. */
export interface FitSettings {
  epochs: number;
  batchSize: number;
  monitorSize: number;
  momentum: (epoch: number) => number;
  shuffle: boolean;
  step: StepSettings;
  validation: Tensor | undefined;
  logLikelihood: FitLogLikelihoodSettings | null;
  onEpoch: FitOptions['onEpoch'];
  onBatch: FitOptions['onBatch'];
}

const DEFAULT_MONITOR_SIZE = 1000;

/** The practical guide's schedule (§9): 0.5 while the weights are small, then 0.9. */
function defaultMomentum(epoch: number): number {
  return epoch <= 5 ? 0.5 : 0.9;
}

export function visibleUnits(value: unknown): VisibleUnits {
  const visible = value ?? 'bernoulli';
  if (visible !== 'bernoulli' && visible !== 'gaussian') {
    throw new ParamError(`visible must be 'bernoulli' or 'gaussian', got ${show(visible)}`);
  }
  return visible;
}

export function stepSettings(options: StepOptions, visible: VisibleUnits, momentum: number): StepSettings {
  const { sparsity } = options;
  const allowOutOfRange = booleanOption('allowOutOfRange', options.allowOutOfRange, false);
  if (sparsity !== undefined && (typeof sparsity !== 'object' || sparsity === null)) {
    throw new ParamError(`sparsity must be an object { target, cost, decay? }, got ${show(sparsity)}`);
  }
  return {
    learningRate: numberIn('learningRate', options.learningRate ?? (visible === 'gaussian' ? 0.01 : 0.1), { above: 0, max: 1e6 }),
    momentum,
    weightDecay: numberIn('weightDecay', options.weightDecay ?? 0, { min: 0, max: 1e6 }),
    k: integerIn('k', options.k ?? 1, 1, 1e6),
    persistent: booleanOption('persistent', options.persistent, false),
    sampleVisible: booleanOption('sampleVisible', options.sampleVisible, false),
    sparsity: sparsity
      ? {
          target: numberIn('sparsity.target', sparsity.target, { above: 0, below: 1 }),
          cost: numberIn('sparsity.cost', sparsity.cost, { min: 0, max: 1e6 }),
          decay: numberIn('sparsity.decay', sparsity.decay ?? 0.95, { min: 0, below: 1 }),
        }
      : null,
    allowOutOfRange,
  };
}

export function partialFitSettings(options: PartialFitOptions, visible: VisibleUnits): StepSettings {
  checkOptions('RBM.partialFit', options, { ...STEP_OPTION_KEYS, momentum: true });
  return stepSettings(options, visible, numberIn('momentum', options.momentum ?? 0, { min: 0, below: 1 }));
}

/**
 * Checks a fit's options (keys, types and ranges; not the data) and resolves their defaults.
 * `what` names the caller in messages (`RBM.fit`, `DBN.pretrain`).
 */
export function fitSettings(options: FitOptions, visible: VisibleUnits, what = 'RBM.fit'): FitSettings {
  checkOptions(what, options, FIT_OPTION_KEYS);
  const momentum = options.momentum ?? defaultMomentum;
  if (typeof momentum !== 'function') numberIn('momentum', momentum, { min: 0, below: 1 });
  for (const name of ['onEpoch', 'onBatch'] as const) {
    if (options[name] !== undefined && typeof options[name] !== 'function') throw new ParamError(`${name} must be a function, got ${show(options[name])}`);
  }
  return {
    epochs: integerIn('epochs', options.epochs ?? 10, 1),
    batchSize: integerIn('batchSize', options.batchSize ?? 100, 1, 2 ** 20),
    monitorSize: integerIn('monitorSize', options.monitorSize ?? DEFAULT_MONITOR_SIZE, 0),
    momentum:
      typeof momentum === 'function'
        ? (epoch) => numberIn(`momentum(${epoch})`, momentum(epoch), { min: 0, below: 1 })
        : () => momentum,
    step: stepSettings(options, visible, 0),
    shuffle: booleanOption('shuffle', options.shuffle, true),
    validation: options.validation,
    logLikelihood: fitLogLikelihoodSettings(options.logLikelihood, visible === 'gaussian'),
    onEpoch: options.onEpoch,
    onBatch: options.onBatch,
  };
}
