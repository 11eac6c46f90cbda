/**
 * Optimizers for `Mlp.fit`, with per-epoch learning-rate schedules and gradient clipping.
 *
 * ```ts
 * const optimizer = nninit.optim.adam({ lr: 1e-3, schedule: nninit.optim.cosineSchedule({ epochs: 15 }) });
 * await mlp.fit(x, y, { epochs: 15, batchSize: 100, optimizer });
 * ```
 */
export {
  sgd,
  adam,
  adamw,
  type Optimizer,
  type SgdOptimizer,
  type AdamOptimizer,
  type SgdOptions,
  type AdamOptions,
  type CommonOptions,
} from './optimizers.js';
export { stepSchedule, cosineSchedule, type Schedule, type StepScheduleOptions, type CosineScheduleOptions } from './schedules.js';
