/**
 * Weight initializers, `nninit.init`: every `torch.nn.init` scheme plus Keras's LeCun and
 * VarianceScaling, the initializations made for conv and residual networks, and the ones that work
 * on a built model (`lsuv`, `fixup`). Each initializer is `(shape, options?) => Tensor`; the
 * random ones take `{ seed?, rng? }`.
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
export * from './init/index.js';
export { fixup, type FixupReport } from './layers/fixup.js';
export { lsuv } from './nn/lsuv.js';
export type { LsuvOptions, LsuvLayerReport } from './nn/lsuv.js';
