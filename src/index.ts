/**
 * nninit — neural-network weight initialization on WebAssembly SIMD kernels.
 *
 * ```ts
 * import * as nninit from 'nninit';
 * await nninit.ready();
 * const w = nninit.init.kaimingNormal([256, 784], { seed: 42 });
 * ```
 */
export { ready, isReady, setMemoryCap, simdSupported } from './runtime/index.js';
export {
  NninitError,
  ShapeError,
  ParamError,
  DataError,
  FormatError,
  MemoryError,
  WasmError,
  type ErrorCode,
} from './errors.js';
export { tensor, type Tensor } from './tensor.js';
export { Rng, randomSeed } from './random.js';
export * as init from './init/index.js';
export * as ops from './ops/index.js';

/** The package version. */
export const version = '0.1.0';
