/**
 * Restricted Boltzmann machines: Bernoulli or Gaussian visible units, binary hidden units, trained
 * by CD-k or persistent CD on fused wasm Gibbs half-steps.
 */
export {
  RBM,
  type RbmOptions,
  type FitOptions,
  type PartialFitOptions,
  type StepOptions,
  type SparsityOptions,
  type SampleOptions,
  type EpochStats,
  type History,
  type BatchInfo,
  type RbmWeights,
  type VisibleUnits,
  type AisOptions,
  type EstimateProgress,
  type FitLogLikelihoodOptions,
  type LogLikelihoodEstimate,
  type LogLikelihoodOptions,
  type LogPartitionEstimate,
  type LogPartitionOptions,
  type PartitionMethod,
} from './rbm.js';
