import { ParamError, show } from '../errors.js';
import { checkInitSpec, type InitSpec } from '../nn/init-spec.js';
import { booleanOption, checkOptions, numberIn, positiveInteger, type OptionKeys } from '../options.js';

/** A size for both spatial axes, or `[height, width]`. */
export type Size2 = number | readonly [number, number];

/** Options of {@link dense} (torch.nn.Linear). */
export interface DenseOptions {
  inFeatures: number;
  outFeatures: number;
  /** Learn an additive bias (default true). */
  bias?: boolean;
  /** Weight initializer for [outFeatures, inFeatures] (default PyTorch's: kaimingUniform with a = √5, a bound of 1/√inFeatures). */
  init?: InitSpec;
  /** Bias initializer (default PyTorch's: U(−1/√inFeatures, 1/√inFeatures)). */
  biasInit?: InitSpec;
}

/** Options of {@link conv2d} (torch.nn.Conv2d). */
export interface Conv2dOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: Size2;
  /** Default 1. */
  stride?: Size2;
  /** Zeros added on every side of the input (default 0). */
  padding?: Size2;
  /** Learn a bias per output channel (default true). */
  bias?: boolean;
  /** Weight initializer for [outChannels, inChannels, kh, kw] (default PyTorch's: kaimingUniform with a = √5, a bound of 1/√(inChannels·kh·kw)). */
  init?: InitSpec;
  /** Bias initializer (default PyTorch's: U(±1/√(inChannels·kh·kw))). */
  biasInit?: InitSpec;
}

/** Options of {@link maxPool2d} (torch.nn.MaxPool2d). */
export interface MaxPool2dOptions {
  kernelSize: Size2;
  /** Default: kernelSize. */
  stride?: Size2;
  /** Implicit −∞ padding on every side, at most half the kernel (default 0). */
  padding?: Size2;
}

/** Options of {@link avgPool2d} (torch.nn.AvgPool2d). */
export interface AvgPool2dOptions extends MaxPool2dOptions {
  /** Count the zero padding in the divisor (default true, as PyTorch). */
  countIncludePad?: boolean;
}

/** Options of {@link batchNorm1d} and {@link batchNorm2d}. */
export interface BatchNormOptions {
  /** Features (batchNorm1d) or channels (batchNorm2d). */
  numFeatures: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of a batch in the running statistics (default 0.1); null keeps a cumulative average. */
  momentum?: number | null;
}

/** Options of {@link dropout}. */
export interface DropoutOptions {
  /** Probability of zeroing an element in training (default 0.5, as PyTorch). */
  p?: number;
}

/** Options of {@link leakyRelu}. */
export interface LeakyReluOptions {
  /** Slope for negative inputs (default 0.01). */
  negativeSlope?: number;
}

/** Options of {@link residual}. */
export interface ResidualOptions {
  /**
   * The starting value of a learnable scalar gate g, making the block x + g·f(x). 0 gives
   * ReZero / SkipInit (the block starts as the identity); absent, the block is x + f(x).
   */
  gate?: number;
}

/** A fully connected layer: y = x·Wᵀ + b, W [outFeatures, inFeatures]. */
export interface Dense {
  readonly kind: 'dense';
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly bias: boolean;
  readonly init?: InitSpec;
  readonly biasInit?: InitSpec;
}

/** A 2-D convolution (cross-correlation, as PyTorch), weight [outChannels, inChannels, kh, kw]. */
export interface Conv2d {
  readonly kind: 'conv2d';
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  readonly bias: boolean;
  readonly init?: InitSpec;
  readonly biasInit?: InitSpec;
}

/** Max or average pooling over 2-D windows. */
export interface Pool2d {
  readonly kind: 'maxPool2d' | 'avgPool2d';
  readonly kernelSize: readonly [number, number];
  readonly stride: readonly [number, number];
  readonly padding: readonly [number, number];
  /** avgPool2d only: the padding counts in the divisor. */
  readonly countIncludePad: boolean;
}

/** Batch normalization over features (1d, flat inputs) or channels (2d, images). */
export interface BatchNorm {
  readonly kind: 'batchNorm1d' | 'batchNorm2d';
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number | null;
}

/** Inverted dropout: zeroes elements with probability p in training and scales the rest by 1/(1 − p). */
export interface Dropout {
  readonly kind: 'dropout';
  readonly p: number;
}

/** An elementwise nonlinearity. */
export interface ActivationLayer {
  readonly kind: 'relu' | 'tanh' | 'sigmoid' | 'selu' | 'leakyRelu';
  /** leakyRelu's slope for negative inputs; 0 for the others. */
  readonly negativeSlope: number;
}

/** Flattens an image [C, H, W] into C·H·W features in PyTorch's order (channel, row, column). */
export interface Flatten {
  readonly kind: 'flatten';
}

/** A learnable scalar added to every element (Fixup's scalar bias), starting at 0. */
export interface ScalarBias {
  readonly kind: 'scalarBias';
}

/** x + f(x), or x + g·f(x) with a learnable scalar gate g. */
export interface Residual {
  readonly kind: 'residual';
  readonly layers: readonly Layer[];
  /** The gate's starting value, or null for no gate. */
  readonly gate: number | null;
}

/** One layer of a {@link Sequential}: what `nninit.layers.*` returns. */
export type Layer = Dense | Conv2d | Pool2d | BatchNorm | Dropout | ActivationLayer | Flatten | ScalarBias | Residual;

/** The kind of a layer, as named in errors and in `Sequential.layers`. */
export type LayerKind = Layer['kind'];

const DENSE_KEYS: OptionKeys<DenseOptions> = { inFeatures: true, outFeatures: true, bias: true, init: true, biasInit: true };
const CONV2D_KEYS: OptionKeys<Conv2dOptions> = {
  inChannels: true,
  outChannels: true,
  kernelSize: true,
  stride: true,
  padding: true,
  bias: true,
  init: true,
  biasInit: true,
};
const MAX_POOL2D_KEYS: OptionKeys<MaxPool2dOptions> = { kernelSize: true, stride: true, padding: true };
const AVG_POOL2D_KEYS: OptionKeys<AvgPool2dOptions> = { ...MAX_POOL2D_KEYS, countIncludePad: true };
const BATCH_NORM_KEYS: OptionKeys<BatchNormOptions> = { numFeatures: true, eps: true, momentum: true };

function size2(name: string, value: unknown, minimum: number, fallback?: readonly [number, number]): readonly [number, number] {
  if (value === undefined && fallback !== undefined) return fallback;
  const ok = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v >= minimum;
  if (ok(value)) return Object.freeze([value as number, value as number]);
  if (Array.isArray(value) && value.length === 2 && value.every(ok)) return Object.freeze([value[0], value[1]] as [number, number]);
  const what = minimum === 0 ? 'integer >= 0' : 'positive integer';
  throw new ParamError(`${name} must be a ${what} or [height, width] of them, got ${show(value)}`);
}

function initOption(what: string, value: unknown): InitSpec | undefined {
  return value === undefined ? undefined : checkInitSpec(value, what);
}

function freeze<T extends Layer>(layer: T): T {
  return Object.freeze(layer);
}

/** A fully connected layer (torch.nn.Linear), weight [outFeatures, inFeatures]. Needs a flat input. */
export function dense(options: DenseOptions): Dense {
  const o = checkOptions('layers.dense', options, DENSE_KEYS);
  return freeze({
    kind: 'dense',
    inFeatures: positiveInteger('layers.dense: inFeatures', o.inFeatures),
    outFeatures: positiveInteger('layers.dense: outFeatures', o.outFeatures),
    bias: booleanOption('layers.dense: bias', o.bias, true),
    init: initOption('layers.dense: init', o.init),
    biasInit: initOption('layers.dense: biasInit', o.biasInit),
  });
}

/** A 2-D convolution (torch.nn.Conv2d) on images [C, H, W], weight [outChannels, inChannels, kh, kw]. */
export function conv2d(options: Conv2dOptions): Conv2d {
  const o = checkOptions('layers.conv2d', options, CONV2D_KEYS);
  return freeze({
    kind: 'conv2d',
    inChannels: positiveInteger('layers.conv2d: inChannels', o.inChannels),
    outChannels: positiveInteger('layers.conv2d: outChannels', o.outChannels),
    kernelSize: size2('layers.conv2d: kernelSize', o.kernelSize, 1),
    stride: size2('layers.conv2d: stride', o.stride, 1, [1, 1]),
    padding: size2('layers.conv2d: padding', o.padding, 0, [0, 0]),
    bias: booleanOption('layers.conv2d: bias', o.bias, true),
    init: initOption('layers.conv2d: init', o.init),
    biasInit: initOption('layers.conv2d: biasInit', o.biasInit),
  });
}

function pool(kind: 'maxPool2d' | 'avgPool2d', options: AvgPool2dOptions): Pool2d {
  const what = `layers.${kind}`;
  const o: { readonly [K in keyof AvgPool2dOptions]?: unknown } =
    kind === 'avgPool2d' ? checkOptions(what, options, AVG_POOL2D_KEYS) : checkOptions<MaxPool2dOptions>(what, options, MAX_POOL2D_KEYS);
  const kernelSize = size2(`${what}: kernelSize`, o.kernelSize, 1);
  const padding = size2(`${what}: padding`, o.padding, 0, [0, 0]);
  if (padding[0] > kernelSize[0] / 2 || padding[1] > kernelSize[1] / 2) {
    throw new ParamError(`${what}: padding ${show([...padding])} must be at most half the kernel size ${show([...kernelSize])}`);
  }
  return freeze({
    kind,
    kernelSize,
    stride: size2(`${what}: stride`, o.stride, 1, kernelSize),
    padding,
    countIncludePad: booleanOption(`${what}: countIncludePad`, o.countIncludePad, true),
  });
}

/** Max pooling (torch.nn.MaxPool2d); the stride defaults to the kernel size. */
export function maxPool2d(options: MaxPool2dOptions): Pool2d {
  return pool('maxPool2d', options);
}

/** Average pooling (torch.nn.AvgPool2d); the stride defaults to the kernel size. */
export function avgPool2d(options: AvgPool2dOptions): Pool2d {
  return pool('avgPool2d', options);
}

function batchNorm(kind: 'batchNorm1d' | 'batchNorm2d', options: BatchNormOptions): BatchNorm {
  const what = `layers.${kind}`;
  const o = checkOptions(what, options, BATCH_NORM_KEYS);
  return freeze({
    kind,
    numFeatures: positiveInteger(`${what}: numFeatures`, o.numFeatures),
    eps: numberIn(`${what}: eps`, o.eps, { above: 0 }, 1e-5),
    momentum: o.momentum === null ? null : numberIn(`${what}: momentum`, o.momentum, { min: 0, max: 1 }, 0.1),
  });
}

/**
 * Batch normalization over the features of a flat input [N, numFeatures] (torch.nn.BatchNorm1d):
 * batch statistics in training, running statistics in evaluation.
 */
export function batchNorm1d(options: BatchNormOptions): BatchNorm {
  return batchNorm('batchNorm1d', options);
}

/** Batch normalization over the channels of images [N, numFeatures, H, W] (torch.nn.BatchNorm2d). */
export function batchNorm2d(options: BatchNormOptions): BatchNorm {
  return batchNorm('batchNorm2d', options);
}

/** Dropout (torch.nn.Dropout): seeded by the model, active in training only. */
export function dropout(options: DropoutOptions = {}): Dropout {
  const o = checkOptions('layers.dropout', options, { p: true });
  return freeze({ kind: 'dropout', p: numberIn('layers.dropout: p', o.p, { min: 0, max: 1 }, 0.5) });
}

/** max(x, 0) (torch.nn.ReLU). */
export function relu(): ActivationLayer {
  return freeze({ kind: 'relu', negativeSlope: 0 });
}

/** tanh(x) (torch.nn.Tanh). */
export function tanh(): ActivationLayer {
  return freeze({ kind: 'tanh', negativeSlope: 0 });
}

/** 1 / (1 + e^−x) (torch.nn.Sigmoid). */
export function sigmoid(): ActivationLayer {
  return freeze({ kind: 'sigmoid', negativeSlope: 0 });
}

/** SELU (torch.nn.SELU). */
export function selu(): ActivationLayer {
  return freeze({ kind: 'selu', negativeSlope: 0 });
}

/** x for x > 0, negativeSlope·x otherwise (torch.nn.LeakyReLU; slope ≥ 0). */
export function leakyRelu(options: LeakyReluOptions = {}): ActivationLayer {
  const o = checkOptions('layers.leakyRelu', options, { negativeSlope: true });
  return freeze({ kind: 'leakyRelu', negativeSlope: numberIn('layers.leakyRelu: negativeSlope', o.negativeSlope, { min: 0 }, 0.01) });
}

/** Flattens images [N, C, H, W] to [N, C·H·W] (torch.nn.Flatten); a flat input passes unchanged. */
export function flatten(): Flatten {
  return freeze({ kind: 'flatten' });
}

/** A learnable scalar added to every element, starting at 0 (the scalar biases of Fixup). */
export function scalarBias(): ScalarBias {
  return freeze({ kind: 'scalarBias' });
}

/**
 * A residual block x + f(x), f the given layers, whose output must have the input's shape. With
 * `{ gate }` the block is x + g·f(x) with g a learnable scalar starting at `gate` (0: ReZero, SkipInit).
 */
export function residual(layers: readonly Layer[], options: ResidualOptions = {}): Residual {
  const o = checkOptions('layers.residual', options, { gate: true });
  if (!Array.isArray(layers) || layers.length === 0) {
    throw new ParamError(`layers.residual needs a non-empty array of layers for its branch, got ${show(layers)}`);
  }
  layers.forEach((layer, i) => checkLayer(layer, `layers.residual: layers[${i}]`));
  return freeze({
    kind: 'residual',
    layers: Object.freeze(layers.slice()),
    gate: o.gate === undefined ? null : numberIn('layers.residual: gate', o.gate, {}),
  });
}

const KINDS: ReadonlySet<string> = new Set<LayerKind>([
  'dense',
  'conv2d',
  'maxPool2d',
  'avgPool2d',
  'batchNorm1d',
  'batchNorm2d',
  'dropout',
  'relu',
  'tanh',
  'sigmoid',
  'selu',
  'leakyRelu',
  'flatten',
  'scalarBias',
  'residual',
]);

/** Checks that `layer` came from nninit.layers (a frozen object of a known kind). */
export function checkLayer(layer: unknown, what: string): Layer {
  const kind = (layer as { kind?: unknown } | null)?.kind;
  if (typeof layer !== 'object' || layer === null || typeof kind !== 'string' || !KINDS.has(kind) || !Object.isFrozen(layer)) {
    throw new ParamError(`${what} must be a layer from nninit.layers (dense, conv2d, relu, …), got ${show(layer)}`);
  }
  return layer as Layer;
}
