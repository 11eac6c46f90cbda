/**
 * Dense networks: `Mlp` with its fit loop, and the option types around it.
 */
export { Mlp, type MlpOptions, type DenseLayer, type WithHeadOptions } from './mlp.js';
export type { Activation, ActivationName, ActivationSpec, OutputName } from './activations.js';
export type { InitName, InitSpec } from './init-spec.js';
export type { FitOptions, History, EpochLog, BatchLog, EarlyStoppingOptions, Monitor } from './fit.js';
export type { Targets } from './targets.js';
export type { Parametrization } from './mup.js';
export { coordCheck, type CoordCheckOptions, type CoordCheckResult, type CoordCheckLayer, type CoordCheckProgress } from './coord-check.js';
