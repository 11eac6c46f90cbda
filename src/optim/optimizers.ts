import { ParamError, show } from '../errors.js';
import { booleanOption, checkOptions, numberIn, type OptionKeys } from '../options.js';
import type { Schedule } from './schedules.js';

/** Options every optimizer takes besides its own. */
export interface CommonOptions {
  /** Learning rate (> 0). */
  lr: number;
  /** Per-epoch learning-rate schedule (see `stepSchedule`, `cosineSchedule`); default constant. */
  schedule?: Schedule;
  /**
   * Rescale the whole gradient when its global L2 norm exceeds this (torch.nn.utils.clip_grad_norm_,
   * Keras `global_clipnorm`); applied before weight decay.
   */
  clipNorm?: number;
  /** Clamp each gradient element to [−clipValue, clipValue] (Keras `clipvalue`). */
  clipValue?: number;
}

export interface SgdOptions extends CommonOptions {
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0; default false). */
  nesterov?: boolean;
  /** L2 penalty added to the gradient (default 0). */
  weightDecay?: number;
}

export interface AdamOptions extends CommonOptions {
  /** Decay of the first-moment average (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment average (default 0.999). */
  beta2?: number;
  /** Added to the denominator (default 1e-8). */
  eps?: number;
  /** Adam: L2 penalty added to the gradient (default 0). AdamW: decoupled decay (default 0.01). */
  weightDecay?: number;
}

interface Common {
  readonly lr: number;
  readonly schedule: Schedule | undefined;
  readonly clipNorm: number | undefined;
  readonly clipValue: number | undefined;
}

export interface SgdOptimizer extends Common {
  readonly kind: 'sgd';
  readonly momentum: number;
  readonly nesterov: boolean;
  readonly weightDecay: number;
}

export interface AdamOptimizer extends Common {
  readonly kind: 'adam' | 'adamw';
  readonly beta1: number;
  readonly beta2: number;
  readonly eps: number;
  readonly weightDecay: number;
}

/**
 * An optimizer's settings. Pass it to `fit`; the model keeps its state (momentum, moment
 * averages, step count) in wasm memory, and a later `fit` with the same object continues it.
 */
export type Optimizer = SgdOptimizer | AdamOptimizer;

const COMMON_KEYS: OptionKeys<CommonOptions> = { lr: true, schedule: true, clipNorm: true, clipValue: true };

function common(o: { readonly [K in keyof CommonOptions]?: unknown }): Common {
  const schedule = o.schedule;
  if (schedule !== undefined && (typeof schedule !== 'object' || schedule === null || typeof (schedule as Schedule).rate !== 'function')) {
    throw new ParamError(`schedule must come from optim.stepSchedule or optim.cosineSchedule, got ${show(schedule)}`);
  }
  return {
    lr: numberIn('lr', o.lr, { above: 0 }),
    schedule: schedule as Schedule | undefined,
    clipNorm: o.clipNorm === undefined ? undefined : numberIn('clipNorm', o.clipNorm, { above: 0 }),
    clipValue: o.clipValue === undefined ? undefined : numberIn('clipValue', o.clipValue, { above: 0 }),
  };
}

/** Stochastic gradient descent with optional (Nesterov) momentum, as torch.optim.SGD (dampening 0). */
export function sgd(options: SgdOptions): SgdOptimizer {
  const o = checkOptions('optim.sgd', options, { ...COMMON_KEYS, momentum: true, nesterov: true, weightDecay: true });
  const momentum = numberIn('momentum', o.momentum, { min: 0, below: 1 }, 0);
  const nesterov = booleanOption('nesterov', o.nesterov, false);
  if (nesterov && momentum === 0) throw new ParamError('nesterov needs momentum > 0, got momentum 0');
  return Object.freeze({
    kind: 'sgd' as const,
    ...common(o),
    momentum,
    nesterov,
    weightDecay: numberIn('weightDecay', o.weightDecay, { min: 0 }, 0),
  });
}

function adamLike(kind: 'adam' | 'adamw', options: AdamOptions, defaultDecay: number): AdamOptimizer {
  const o = checkOptions(`optim.${kind}`, options, { ...COMMON_KEYS, beta1: true, beta2: true, eps: true, weightDecay: true });
  return Object.freeze({
    kind,
    ...common(o),
    beta1: numberIn('beta1', o.beta1, { min: 0, below: 1 }, 0.9),
    beta2: numberIn('beta2', o.beta2, { min: 0, below: 1 }, 0.999),
    eps: numberIn('eps', o.eps, { above: 0 }, 1e-8),
    weightDecay: numberIn('weightDecay', o.weightDecay, { min: 0 }, defaultDecay),
  });
}

/** Adam (Kingma & Ba), as torch.optim.Adam; `weightDecay` adds an L2 term to the gradient. */
export function adam(options: AdamOptions): AdamOptimizer {
  return adamLike('adam', options, 0);
}

/** AdamW (Loshchilov & Hutter), as torch.optim.AdamW: weight decay decoupled from the gradient. */
export function adamw(options: AdamOptions): AdamOptimizer {
  return adamLike('adamw', options, 0.01);
}

/** The learning rate for an epoch (1-based, as the logs number it). */
export function learningRate(optimizer: Optimizer, epoch: number): number {
  return optimizer.schedule ? optimizer.schedule.rate(optimizer.lr, epoch) : optimizer.lr;
}

export function isOptimizer(value: unknown): value is Optimizer {
  const kind = (value as { kind?: unknown } | null)?.kind;
  return typeof value === 'object' && value !== null && (kind === 'sgd' || kind === 'adam' || kind === 'adamw');
}
