// The initializers: each draws a tensor from a shape and options, and none needs a model, so
// nothing here imports nn/. The public `nninit.init` namespace is src/init-namespace.ts, which adds
// `lsuv` (it initializes an Mlp from data and lives in nn/).
export { zeros, ones, constant, uniform, normal, truncatedNormal } from './basic.js';
export type { NoOptions, ConstantOptions, UniformOptions, NormalOptions, TruncatedNormalOptions } from './basic.js';
export {
  xavierUniform,
  xavierNormal,
  kaimingUniform,
  kaimingNormal,
  lecunUniform,
  lecunNormal,
  varianceScaling,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
} from './variance-scaling.js';
export type {
  FanMode,
  VarianceMode,
  Distribution,
  XavierOptions,
  KaimingOptions,
  LecunOptions,
  VarianceScalingOptions,
} from './variance-scaling.js';
export { orthogonal } from './orthogonal.js';
export type { OrthogonalOptions } from './orthogonal.js';
export { sparse } from './sparse.js';
export type { SparseOptions } from './sparse.js';
export { eye, dirac } from './identity.js';
export type { DiracOptions } from './identity.js';
export { deltaOrthogonal, zerO, type DeltaOrthogonalOptions } from '../layers/initializers.js';
export { fromTensor } from './from-tensor.js';
export type { FromTensorOptions } from './from-tensor.js';
export { meanField, criticalPoint, type MeanFieldOptions, type CriticalPointOptions, type MeanField, type MeanFieldPhase, type MeanFieldActivation } from './mean-field.js';
export { calculateGain } from './gain.js';
export type { Nonlinearity } from './gain.js';
export { fans } from './fans.js';
export type { Fans, Layout, LayoutOption } from './fans.js';
