/**
 * `nninit/tfjs`: nninit's initializers where TF.js layers are declared, and dense networks'
 * weights moved between TF.js and nninit. Needs the peer dependencies `@tensorflow/tfjs-core` and
 * `@tensorflow/tfjs-layers` 4.x (both come with `@tensorflow/tfjs`); the main `nninit` entry
 * never imports them.
 *
 * ```ts
 * import * as tf from '@tensorflow/tfjs';
 * import * as nninit from 'nninit';
 * import * as nninitTf from 'nninit/tfjs';
 *
 * await nninit.ready();
 * const model = tf.sequential({
 *   layers: [
 *     tf.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: nninitTf.heNormal({ seed: 1 }) }),
 *     tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: nninitTf.xavierUniform({ seed: 2 }) }),
 *   ],
 * });
 * const mlp = nninitTf.fromTfjsModel(model);   // an nninit Mlp with the same weights
 * model.setWeights(nninitTf.toTfjsWeights(mlp)); // and back
 * ```
 *
 * TF.js kernels are `[...kernel, in, out]`; the initializers draw nninit's values for the PyTorch
 * shape `[out, in, ...kernel]` and transpose them, so a seed gives a TF.js layer exactly the
 * weights nninit and PyTorch would give it. See docs/tfjs.md.
 *
 * @module nninit/tfjs
 */
export { ready } from '../index.js';
export {
  NninitInitializer,
  zeros,
  ones,
  constant,
  uniform,
  normal,
  truncatedNormal,
  xavierUniform,
  xavierNormal,
  kaimingUniform,
  kaimingNormal,
  lecunUniform,
  lecunNormal,
  varianceScaling,
  orthogonal,
  sparse,
  eye,
  dirac,
  glorotUniform,
  glorotNormal,
  heUniform,
  heNormal,
  type TfjsOptions,
  type TfjsInitializerName,
} from './initializers.js';
export { toTfjsWeights, toTfjsModel, fromTfjsModel, type FromTfjsModelOptions } from './models.js';
