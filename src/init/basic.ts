import { ParamError, show } from '../errors.js';
import { checkOptions, finiteNumber, nonNegativeNumber } from '../options.js';
import { fillNormal, fillTruncatedNormal, fillUniform, RANDOM_KEYS, resolveRng, type RandomOptions } from '../random-fill.js';
import { checkShape, sizeOf, wrap, type Tensor } from '../tensor.js';

/** The options of an initializer that takes none (zeros, ones, eye): only `{}` or nothing. */
export type NoOptions = Record<string, never>;

/** @internal A zero-filled tensor of an already checked shape. */
export function allocate(shape: number[]): Tensor {
  return wrap(new Float32Array(sizeOf(shape)), shape);
}

/**
 * A tensor of zeros (`torch.nn.init.zeros_`, Keras `Zeros`). Any shape with at least one dimension.
 *
 * @throws ShapeError (`E_SHAPE`) for an empty, negative or fractional shape.
 */
export function zeros(shape: readonly number[], options: NoOptions = {}): Tensor {
  checkOptions('init.zeros', options, {});
  return allocate(checkShape(shape));
}

/** A tensor of ones (`torch.nn.init.ones_`, Keras `Ones`). Any shape with at least one dimension. */
export function ones(shape: readonly number[], options: NoOptions = {}): Tensor {
  checkOptions('init.ones', options, {});
  const out = allocate(checkShape(shape));
  out.data.fill(1);
  return out;
}

/** Options of {@link constant}. */
export interface ConstantOptions {
  /** The fill value (required). */
  value: number;
}

/**
 * A tensor filled with `value` (`torch.nn.init.constant_`, Keras `Constant`).
 *
 * @throws ParamError (`E_PARAM`) when `value` is missing, NaN, ±∞ or outside float32 range.
 */
export function constant(shape: readonly number[], options: ConstantOptions): Tensor {
  checkOptions('init.constant', options, { value: true });
  const dims = checkShape(shape);
  const value = finiteNumber('value', options.value);
  const out = allocate(dims);
  out.data.fill(value);
  return out;
}

/** Options of {@link uniform}. */
export interface UniformOptions extends RandomOptions {
  /** Lower bound, inclusive (default 0). */
  low?: number;
  /** Upper bound, exclusive (default 1). */
  high?: number;
}

/**
 * Values drawn from U[low, high) (`torch.nn.init.uniform_(a=low, b=high)`; Keras `RandomUniform`
 * with minval/maxval, whose defaults are −0.05 and 0.05 instead). Defaults low = 0, high = 1.
 * Variance (high − low)² / 12.
 *
 * @throws ParamError (`E_PARAM`) for a non-finite bound or low > high.
 */
export function uniform(shape: readonly number[], options: UniformOptions = {}): Tensor {
  checkOptions('init.uniform', options, { low: true, high: true, ...RANDOM_KEYS });
  const dims = checkShape(shape);
  const low = finiteNumber('low', options.low, 0);
  const high = finiteNumber('high', options.high, 1);
  if (low > high) throw new ParamError(`low must be <= high, got low=${show(low)}, high=${show(high)}`);
  const out = allocate(dims);
  fillUniform(resolveRng(options), out.data, low, high);
  return out;
}

/** Options of {@link normal}. */
export interface NormalOptions extends RandomOptions {
  /** Mean (default 0). */
  mean?: number;
  /** Standard deviation, not variance (default 1; 0 gives a tensor of `mean`). */
  std?: number;
}

/**
 * Values drawn from N(mean, std²) (`torch.nn.init.normal_`; Keras `RandomNormal`, whose default
 * stddev is 0.05 instead). Defaults mean = 0, std = 1.
 *
 * @throws ParamError (`E_PARAM`) for a non-finite mean or std, or std < 0.
 */
export function normal(shape: readonly number[], options: NormalOptions = {}): Tensor {
  checkOptions('init.normal', options, { mean: true, std: true, ...RANDOM_KEYS });
  const dims = checkShape(shape);
  const mean = finiteNumber('mean', options.mean, 0);
  const std = nonNegativeNumber('std', options.std, 1);
  const out = allocate(dims);
  fillNormal(resolveRng(options), out.data, mean, std);
  return out;
}

/** Options of {@link truncatedNormal}. */
export interface TruncatedNormalOptions extends RandomOptions {
  /** Mean of the untruncated normal (default 0). */
  mean?: number;
  /** Standard deviation of the untruncated normal (default 1). */
  std?: number;
  /** Absolute lower cut (default −2), not a multiple of std. */
  low?: number;
  /** Absolute upper cut (default 2), not a multiple of std. */
  high?: number;
}

/**
 * N(mean, std²) restricted to [low, high], exactly as `torch.nn.init.trunc_normal_(mean, std, a=low,
 * b=high)`: the bounds are absolute values, not multiples of std, and `std` is that of the normal
 * before truncation (the result's standard deviation is smaller). Defaults mean 0, std 1, low −2,
 * high 2.
 *
 * Keras's `TruncatedNormal(mean, stddev)` instead cuts at mean ± 2·stddev; to get it here pass
 * `{ mean, std, low: mean - 2 * std, high: mean + 2 * std }`. TF.js's `truncatedNormal` is the same
 * as Keras's. Sampling is by rejection, so [low, high] must hold at least 5% of the normal's mass
 * (PyTorch's inverse-CDF method has no such limit).
 *
 * @throws ParamError (`E_PARAM`) for non-finite parameters, std < 0, low >= high, or a range
 *   holding less than 5% of the mass.
 */
export function truncatedNormal(shape: readonly number[], options: TruncatedNormalOptions = {}): Tensor {
  checkOptions('init.truncatedNormal', options, { mean: true, std: true, low: true, high: true, ...RANDOM_KEYS });
  const dims = checkShape(shape);
  const mean = finiteNumber('mean', options.mean, 0);
  const std = nonNegativeNumber('std', options.std, 1);
  const low = finiteNumber('low', options.low, -2);
  const high = finiteNumber('high', options.high, 2);
  if (!(low < high)) throw new ParamError(`low must be < high, got low=${show(low)}, high=${show(high)}`);
  const out = allocate(dims);
  fillTruncatedNormal(resolveRng(options), out.data, mean, std, low, high);
  return out;
}
