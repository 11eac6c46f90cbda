import { checkOptions, numberIn, positiveInteger } from '../options.js';

/**
 * A learning-rate schedule, evaluated once per epoch (like PyTorch schedulers stepped after each
 * epoch): `rate(baseLr, epoch)` with `epoch` the 1-based epoch number of the logs; epoch 1 trains
 * at `baseLr`.
 */
export interface Schedule {
  readonly kind: 'step' | 'cosine';
  rate(baseLr: number, epoch: number): number;
}

export interface StepScheduleOptions {
  /** Epochs between decays. */
  stepSize: number;
  /** Factor applied at each decay (default 0.1). */
  gamma?: number;
}

/** lr · gamma^⌊(epoch − 1) / stepSize⌋, as torch.optim.lr_scheduler.StepLR. */
export function stepSchedule(options: StepScheduleOptions): Schedule {
  const o = checkOptions('stepSchedule', options, { stepSize: true, gamma: true });
  const stepSize = positiveInteger('stepSize', o.stepSize);
  const gamma = numberIn('gamma', o.gamma, { above: 0 }, 0.1);
  return Object.freeze({
    kind: 'step' as const,
    rate: (baseLr: number, epoch: number) => baseLr * gamma ** Math.floor((epoch - 1) / stepSize),
  });
}

export interface CosineScheduleOptions {
  /** Epochs over which the rate falls from lr to minLr (then stays there). */
  epochs: number;
  /** Final rate (default 0). */
  minLr?: number;
}

/**
 * minLr + (lr − minLr)·(1 + cos(π·(epoch − 1)/epochs))/2, as torch.optim.lr_scheduler.CosineAnnealingLR
 * over epochs 1 … epochs + 1; held at minLr afterwards rather than rising again.
 */
export function cosineSchedule(options: CosineScheduleOptions): Schedule {
  const o = checkOptions('cosineSchedule', options, { epochs: true, minLr: true });
  const epochs = positiveInteger('epochs', o.epochs);
  const minLr = numberIn('minLr', o.minLr, { min: 0 }, 0);
  return Object.freeze({
    kind: 'cosine' as const,
    rate: (baseLr: number, epoch: number) =>
      minLr + ((baseLr - minLr) * (1 + Math.cos((Math.PI * Math.min(epoch - 1, epochs)) / epochs))) / 2,
  });
}
