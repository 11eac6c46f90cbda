/**
 * nninit — neural-network weight initialization on WebAssembly SIMD kernels.
 *
 * ```ts
 * import * as nninit from 'nninit';
 * await nninit.ready();
 * const w = nninit.init.kaimingNormal([256, 784], { seed: 42 });
 * ```
 *
 * @module nninit
 */
export { ready, isReady, setMemoryCap, simdSupported, threads, fma, type ReadyOptions } from './runtime/index.js';
export {
  NninitError,
  ShapeError,
  ParamError,
  DataError,
  FormatError,
  IoError,
  MemoryError,
  WasmError,
  type ErrorCode,
} from './errors.js';
export { tensor, type Tensor } from './tensor.js';
export { Rng, randomSeed } from './random.js';
export * as init from './init-namespace.js';
export * as ops from './ops/index.js';
export * as data from './data/index.js';
export {
  Mlp,
  type MlpOptions,
  type DenseLayer,
  type Activation,
  type ActivationName,
  type ActivationSpec,
  type OutputName,
  type InitName,
  type InitSpec,
  type FitOptions,
  type History,
  type EpochLog,
  type BatchLog,
  type EarlyStoppingOptions,
  type Monitor,
  type Targets,
  type WithHeadOptions,
  type Parametrization,
  coordCheck,
  type CoordCheckOptions,
  type CoordCheckResult,
  type CoordCheckLayer,
  type CoordCheckProgress,
} from './nn/index.js';
export * as optim from './optim/index.js';
export * as layers from './layers/index.js';
export { Sequential, type SequentialOptions, type StateDict, type LoadStateDictOptions } from './layers/sequential.js';
export { DBN, type DbnOptions, type PretrainOptions, type LayerDone, type ToMlpOptions } from './dbn/index.js';
export {
  RBM,
  type RbmOptions,
  type RbmWeights,
  type FitOptions as RbmFitOptions,
  type PartialFitOptions as RbmPartialFitOptions,
  type History as RbmHistory,
  type EpochStats as RbmEpochStats,
  type SampleOptions as RbmSampleOptions,
  type SparsityOptions,
  type BatchInfo as RbmBatchInfo,
  type VisibleUnits,
  type AisOptions,
  type EstimateProgress,
  type FitLogLikelihoodOptions,
  type LogLikelihoodEstimate,
  type LogLikelihoodOptions,
  type LogPartitionEstimate,
  type LogPartitionOptions,
  type PartitionMethod,
} from './rbm/index.js';
export * as viz from './viz/index.js';
export type { CoordCheckSvgOptions } from './viz/index.js';
export { diagnose, Diagnostics, type LayerDiagnostics, type Histogram, type DiagnoseOptions, type JacobianSpectrum } from './diagnose/index.js';
export { load, save, type Model } from './io/models.js';
export type { LoadOptions } from './io/model-format.js';
export type { CheckpointOptions } from './checkpoint.js';
export { encodeSafetensors, decodeSafetensors, type Safetensors, type DecodeSafetensorsOptions, type EncodeSafetensorsOptions, type WriteDtype } from './io/safetensors.js';

/** The package version. */
export const version = '0.1.0';
