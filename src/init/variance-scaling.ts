import { checkOptions, finiteNumber, nonNegativeNumber, oneOf, type OptionKeys } from '../options.js';
import { fillNormal, fillTruncatedNormal, fillUniform, RANDOM_KEYS, resolveRng, type RandomOptions } from '../random-fill.js';
import { checkShape, type Tensor } from '../tensor.js';
import { allocate } from './basic.js';
import { fansOf, readLayout, type LayoutOption } from './fans.js';
import { calculateGain, type Nonlinearity } from './gain.js';

/*
 * The fan-scaled schemes. Xavier and Kaiming follow torch.nn.init (their normal forms are
 * untruncated); LeCun and varianceScaling follow Keras 3 (their default is a truncated normal).
 * Each formula below is evaluated in the same order as in PyTorch or Keras, so the f64 bound or
 * std is bit-identical to theirs.
 */

/** Which fan Kaiming scales by. snake_case spellings (PyTorch's) are accepted too. */
export type FanMode = 'fanIn' | 'fanOut' | 'fan_in' | 'fan_out';
/** Which fan varianceScaling divides by; `'fanAvg'` is (fanIn + fanOut) / 2. */
export type VarianceMode = FanMode | 'fanAvg' | 'fan_avg';
/** varianceScaling's distributions (Keras 3 names; snake_case spellings accepted too). */
export type Distribution = 'truncatedNormal' | 'untruncatedNormal' | 'uniform' | 'truncated_normal' | 'untruncated_normal';

const FAN_MODES = ['fanIn', 'fanOut'] as const;
const VARIANCE_MODES = ['fanIn', 'fanOut', 'fanAvg'] as const;
const DISTRIBUTIONS = ['truncatedNormal', 'untruncatedNormal', 'uniform'] as const;

/**
 * Standard deviation of a standard normal truncated to [−2, 2]. Keras divides by it so that the
 * truncated samples, not the normal they were cut from, have the requested variance.
 */
const TRUNCATED_STD_CORRECTION = 0.87962566103423978;

/** Options of {@link xavierUniform} and {@link xavierNormal}. */
export interface XavierOptions extends RandomOptions, LayoutOption {
  /** Multiplies the standard deviation (default 1; see {@link calculateGain}). */
  gain?: number;
}

/** Options of {@link kaimingUniform} and {@link kaimingNormal}. */
export interface KaimingOptions extends RandomOptions, LayoutOption {
  /** Negative slope of the leaky ReLU that follows (default 0; used only with `'leakyRelu'`). */
  a?: number;
  /** `'fanIn'` (default) preserves the forward pass's variance, `'fanOut'` the backward pass's. */
  mode?: FanMode;
  /** The nonlinearity that follows (default `'leakyRelu'`, which with a = 0 is ReLU's √2). */
  nonlinearity?: Nonlinearity;
}

/** Options of {@link lecunUniform} and {@link lecunNormal}. */
export interface LecunOptions extends RandomOptions, LayoutOption {}

/** Options of {@link varianceScaling}. */
export interface VarianceScalingOptions extends RandomOptions, LayoutOption {
  /** The target variance times n (default 1). 0 gives zeros (Keras rejects it). */
  scale?: number;
  /** Which fan is n (default `'fanIn'`). */
  mode?: VarianceMode;
  /** Default `'truncatedNormal'`. */
  distribution?: Distribution;
}

const XAVIER_KEYS: OptionKeys<XavierOptions> = { gain: true, layout: true, ...RANDOM_KEYS };
const KAIMING_KEYS: OptionKeys<KaimingOptions> = { a: true, mode: true, nonlinearity: true, layout: true, ...RANDOM_KEYS };
const LECUN_KEYS: OptionKeys<LecunOptions> = { layout: true, ...RANDOM_KEYS };
const VARIANCE_SCALING_KEYS: OptionKeys<VarianceScalingOptions> = { scale: true, mode: true, distribution: true, layout: true, ...RANDOM_KEYS };

function uniformTensor(shape: number[], bound: number, options: RandomOptions): Tensor {
  const out = allocate(shape);
  fillUniform(resolveRng(options), out.data, -bound, bound);
  return out;
}

function normalTensor(shape: number[], std: number, options: RandomOptions): Tensor {
  const out = allocate(shape);
  fillNormal(resolveRng(options), out.data, 0, std);
  return out;
}

/** N(0, std²) cut at ±2·std, Keras's truncated normal. */
function truncatedTensor(shape: number[], std: number, options: RandomOptions): Tensor {
  const out = allocate(shape);
  const rng = resolveRng(options);
  // std 0 (scale 0) leaves no interval to cut; a zero-width normal gives the same zeros and
  // consumes the stream exactly as the truncated fill would.
  if (std === 0) fillNormal(rng, out.data, 0, 0);
  else fillTruncatedNormal(rng, out.data, 0, std, -2 * std, 2 * std);
  return out;
}

function xavierStd(shape: readonly number[], options: XavierOptions): { dims: number[]; std: number } {
  const dims = checkShape(shape);
  const gain = nonNegativeNumber('gain', options.gain, 1);
  const { fanIn, fanOut } = fansOf(dims, readLayout(options.layout));
  return { dims, std: gain * Math.sqrt(2 / (fanIn + fanOut)) };
}

/**
 * Xavier/Glorot uniform (`torch.nn.init.xavier_uniform_`): U[−b, b) with
 * `b = gain · √(6 / (fanIn + fanOut))`, i.e. std = gain · √(2 / (fanIn + fanOut)) and
 * variance = gain² · 2 / (fanIn + fanOut). Default gain 1. Keeps activation and gradient variance
 * balanced for tanh/sigmoid-like nets (Glorot & Bengio, 2010).
 *
 * Same as Keras `GlorotUniform` for gain 1 (pass `{ layout: 'inOut' }` for a Keras-shaped kernel).
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 * @throws ParamError (`E_PARAM`) for a negative or non-finite gain, an unknown layout or option.
 */
export function xavierUniform(shape: readonly number[], options: XavierOptions = {}): Tensor {
  checkOptions('init.xavierUniform', options, XAVIER_KEYS);
  const { dims, std } = xavierStd(shape, options);
  return uniformTensor(dims, Math.sqrt(3) * std, options);
}

/**
 * Xavier/Glorot normal (`torch.nn.init.xavier_normal_`): N(0, std²) with
 * `std = gain · √(2 / (fanIn + fanOut))` (variance gain² · 2 / (fanIn + fanOut)), untruncated.
 * Default gain 1.
 *
 * Keras's `GlorotNormal` is a truncated normal with the same variance: to get it, use
 * `varianceScaling({ mode: 'fanAvg', layout: 'inOut' })`. TF.js's `glorotNormal` (its Dense
 * default) truncates without correcting the std, so its variance is about 77% of this one.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 * @throws ParamError (`E_PARAM`) for a negative or non-finite gain, an unknown layout or option.
 */
export function xavierNormal(shape: readonly number[], options: XavierOptions = {}): Tensor {
  checkOptions('init.xavierNormal', options, XAVIER_KEYS);
  const { dims, std } = xavierStd(shape, options);
  return normalTensor(dims, std, options);
}

function kaimingStd(shape: readonly number[], options: KaimingOptions): { dims: number[]; std: number } {
  const dims = checkShape(shape);
  const a = finiteNumber('a', options.a, 0);
  const mode = oneOf('mode', options.mode, FAN_MODES, 'fanIn');
  const gain = calculateGain(options.nonlinearity === undefined ? 'leakyRelu' : options.nonlinearity, a);
  const { fanIn, fanOut } = fansOf(dims, readLayout(options.layout));
  return { dims, std: gain / Math.sqrt(mode === 'fanIn' ? fanIn : fanOut) };
}

/**
 * Kaiming/He uniform (`torch.nn.init.kaiming_uniform_`): U[−b, b) with `b = √3 · std` and
 * `std = gain / √fan`, where gain = `calculateGain(nonlinearity, a)` and fan is fanIn or fanOut
 * by `mode`. Defaults a = 0, mode `'fanIn'`, nonlinearity `'leakyRelu'`: gain √2, so
 * b = √(6 / fanIn) and variance 2 / fanIn (He et al., 2015), the same as Keras `HeUniform`.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 * @throws ParamError (`E_PARAM`) for a non-finite a, an unknown mode, nonlinearity, layout or option.
 */
export function kaimingUniform(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  checkOptions('init.kaimingUniform', options, KAIMING_KEYS);
  const { dims, std } = kaimingStd(shape, options);
  return uniformTensor(dims, Math.sqrt(3) * std, options);
}

/**
 * Kaiming/He normal (`torch.nn.init.kaiming_normal_`): N(0, std²) with `std = gain / √fan`,
 * untruncated. Defaults as {@link kaimingUniform}: std = √(2 / fanIn), variance 2 / fanIn.
 *
 * Keras's `HeNormal` is a truncated normal with the same variance: to get it, use
 * `varianceScaling({ scale: 2, layout: 'inOut' })`. TF.js's `heNormal` truncates without
 * correcting the std.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 * @throws ParamError (`E_PARAM`) for a non-finite a, an unknown mode, nonlinearity, layout or option.
 */
export function kaimingNormal(shape: readonly number[], options: KaimingOptions = {}): Tensor {
  checkOptions('init.kaimingNormal', options, KAIMING_KEYS);
  const { dims, std } = kaimingStd(shape, options);
  return normalTensor(dims, std, options);
}

function scaledVariance(
  dims: number[],
  scale: number,
  mode: (typeof VARIANCE_MODES)[number],
  distribution: (typeof DISTRIBUTIONS)[number],
  options: RandomOptions & LayoutOption,
): Tensor {
  const { fanIn, fanOut } = fansOf(dims, readLayout(options.layout));
  const n = mode === 'fanIn' ? fanIn : mode === 'fanOut' ? fanOut : (fanIn + fanOut) / 2;
  const variance = scale / n;
  switch (distribution) {
    case 'truncatedNormal':
      return truncatedTensor(dims, Math.sqrt(variance) / TRUNCATED_STD_CORRECTION, options);
    case 'untruncatedNormal':
      return normalTensor(dims, Math.sqrt(variance), options);
    case 'uniform':
      return uniformTensor(dims, Math.sqrt(3 * variance), options);
  }
}

/**
 * Variance scaling, as Keras 3 `VarianceScaling`: samples with variance `scale / n`, where n is
 * fanIn, fanOut or (fanIn + fanOut) / 2 by `mode`.
 * - `'truncatedNormal'` (default): N(0, σ²) cut at ±2σ (absolute bounds 0 ± 2σ) with
 *   σ = √(scale / n) / 0.87962566103423978, so that the truncated values have std √(scale / n).
 * - `'untruncatedNormal'`: N(0, scale / n), std √(scale / n).
 * - `'uniform'`: U[−limit, limit) with limit = √(3 · scale / n).
 *
 * Defaults scale 1, mode `'fanIn'`, distribution `'truncatedNormal'`, layout `'outIn'` (Keras
 * kernels are `[...kernel, in, out]`: pass `{ layout: 'inOut' }` for them). We follow Keras, not
 * TF.js: TF.js's `distribution: 'normal'` truncates at 2σ without the 0.8796 correction (its
 * variance is about 77% of the requested one), and Keras's `'normal'` alias is not accepted here
 * because it means truncated. Keras rejects scale 0; here it gives zeros.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 * @throws ParamError (`E_PARAM`) for a negative or non-finite scale, an unknown mode,
 *   distribution, layout or option.
 */
export function varianceScaling(shape: readonly number[], options: VarianceScalingOptions = {}): Tensor {
  checkOptions('init.varianceScaling', options, VARIANCE_SCALING_KEYS);
  const dims = checkShape(shape);
  const scale = nonNegativeNumber('scale', options.scale, 1);
  const mode = oneOf('mode', options.mode, VARIANCE_MODES, 'fanIn');
  const distribution = oneOf('distribution', options.distribution, DISTRIBUTIONS, 'truncatedNormal');
  return scaledVariance(dims, scale, mode, distribution, options);
}

/**
 * LeCun uniform, as Keras `LecunUniform`: U[−limit, limit) with limit = √(3 / fanIn), variance
 * 1 / fanIn. Equals `varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'uniform' })`.
 * PyTorch has no LeCun initializer. Pass `{ layout: 'inOut' }` for a Keras-shaped kernel.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 */
export function lecunUniform(shape: readonly number[], options: LecunOptions = {}): Tensor {
  checkOptions('init.lecunUniform', options, LECUN_KEYS);
  return scaledVariance(checkShape(shape), 1, 'fanIn', 'uniform', options);
}

/**
 * LeCun normal, as Keras `LecunNormal` (the SELU initializer): a truncated normal whose values
 * have std √(1 / fanIn), i.e. N(0, σ²) with σ = √(1 / fanIn) / 0.87962566103423978 cut at ±2σ.
 * Equals `varianceScaling({ scale: 1, mode: 'fanIn', distribution: 'truncatedNormal' })`.
 * PyTorch's SELU recipe, `kaimingNormal({ nonlinearity: 'linear' })`, is the untruncated version.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions.
 */
export function lecunNormal(shape: readonly number[], options: LecunOptions = {}): Tensor {
  checkOptions('init.lecunNormal', options, LECUN_KEYS);
  return scaledVariance(checkShape(shape), 1, 'fanIn', 'truncatedNormal', options);
}

/** Alias of {@link xavierUniform} (Keras's name; same distribution as Keras `GlorotUniform`). */
export const glorotUniform = xavierUniform;
/** Alias of {@link xavierNormal}: untruncated, like PyTorch (Keras's `GlorotNormal` truncates). */
export const glorotNormal = xavierNormal;
/** Alias of {@link kaimingUniform} (with its defaults, the same distribution as Keras `HeUniform`). */
export const heUniform = kaimingUniform;
/** Alias of {@link kaimingNormal}: untruncated, like PyTorch (Keras's `HeNormal` truncates). */
export const heNormal = kaimingNormal;
