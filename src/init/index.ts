/**
 * Weight initializers, `nninit.init`: every `torch.nn.init` scheme plus Keras's LeCun and
 * VarianceScaling. Each is `(shape, options?) => Tensor`; the random ones take `{ seed?, rng? }`.
 *
 * Formulas follow PyTorch exactly. Weights are `[out, in, ...kernel]` as in PyTorch; Keras / TF.js
 * kernels (`[...kernel, in, out]`) need `{ layout: 'inOut' }` in every fan-based initializer.
 * Options left undefined take their defaults; an explicit 0 is always honoured.
 *
 * ```ts
 * await nninit.ready();
 * const w = nninit.init.kaimingNormal([256, 784], { seed: 1 });        // std √(2/784)
 * const k = nninit.init.glorotUniform([3, 3, 16, 32], { layout: 'inOut', seed: 1 });
 * ```
 */
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
export { lsuv } from './lsuv.js';
export type { LsuvOptions, LsuvLayerReport, LsuvModel } from './lsuv.js';
export { fromTensor } from './from-tensor.js';
export type { FromTensorOptions } from './from-tensor.js';
export { meanField, criticalPoint, type MeanFieldOptions, type CriticalPointOptions, type MeanField, type MeanFieldPhase, type MeanFieldActivation } from './mean-field.js';
export { calculateGain } from './gain.js';
export type { Nonlinearity } from './gain.js';
export { fans } from './fans.js';
export type { Fans, Layout, LayoutOption } from './fans.js';
