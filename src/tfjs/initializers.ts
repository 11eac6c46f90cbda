import { serialization, tensor, type DataType, type Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { initializers } from '@tensorflow/tfjs-layers';
// Everything from the main entry (one runtime per process, one set of classes).
import { init, NninitError, ParamError, ShapeError, type Tensor } from '../index.js';
import type { OptionKeys } from '../options.js';
import { describe } from './describe.js';
import { torchShapeOf, torchToTfjs } from './layout.js';

/** TF.js's `Initializer`, the class every `kernelInitializer` must be an instance of. */
type TfInitializer = ReturnType<typeof initializers.ones>;
type TfShape = Parameters<TfInitializer['apply']>[0];

// tfjs-layers does not export its Initializer base class; a built-in initializer's prototype
// chain leads to it, and it has to be that very class: layers test `instanceof Initializer`.
const TfInitializerBase = Object.getPrototypeOf(initializers.zeros().constructor) as abstract new () => TfInitializer;

/**
 * An option set of an `nninit.init` initializer as TF.js layers take it: no `layout` (the
 * weight's TF.js layout is known) and no `rng` (the configuration must survive `model.toJSON()`;
 * give a `seed`).
 */
export type TfjsOptions<T> = Omit<T, 'layout' | 'rng'>;

/** The `nninit.init` functions that have a TF.js counterpart here. */
export type TfjsInitializerName =
  | 'zeros'
  | 'ones'
  | 'constant'
  | 'uniform'
  | 'normal'
  | 'truncatedNormal'
  | 'xavierUniform'
  | 'xavierNormal'
  | 'kaimingUniform'
  | 'kaimingNormal'
  | 'lecunUniform'
  | 'lecunNormal'
  | 'varianceScaling'
  | 'orthogonal'
  | 'sparse'
  | 'eye'
  | 'dirac';

/** The options of `nninit.init[N]`. */
type InitOptions<N extends TfjsInitializerName> = NonNullable<Parameters<(typeof init)[N]>[1]>;

/**
 * The options each initializer takes in TF.js (its nninit options less `layout` and `rng`), each
 * record checked against the option type, so an option nninit adds cannot be missed here.
 */
const OPTION_RECORDS: { [N in TfjsInitializerName]: OptionKeys<TfjsOptions<InitOptions<N>>> } = {
  zeros: {},
  ones: {},
  constant: { value: true },
  uniform: { low: true, high: true, seed: true },
  normal: { mean: true, std: true, seed: true },
  truncatedNormal: { mean: true, std: true, low: true, high: true, seed: true },
  xavierUniform: { gain: true, seed: true },
  xavierNormal: { gain: true, seed: true },
  kaimingUniform: { a: true, mode: true, nonlinearity: true, seed: true },
  kaimingNormal: { a: true, mode: true, nonlinearity: true, seed: true },
  lecunUniform: { seed: true },
  lecunNormal: { seed: true },
  varianceScaling: { scale: true, mode: true, distribution: true, seed: true },
  orthogonal: { gain: true, seed: true },
  sparse: { sparsity: true, std: true, seed: true },
  eye: {},
  dirac: { groups: true },
};

const OPTION_KEYS = Object.fromEntries(
  Object.entries(OPTION_RECORDS).map(([name, keys]) => [name, Object.keys(keys)]),
) as unknown as Record<TfjsInitializerName, readonly string[]>;

type Options = Record<string, string | number | boolean>;

function checkOptions(what: string, options: unknown, allowed: readonly string[]): Options {
  if (options === undefined) return {};
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ParamError(`${what}: options must be an object, got ${describe(options)}`);
  }
  const checked: Options = {};
  for (const [key, value] of Object.entries(options)) {
    if (key === 'layout') {
      throw new ParamError(`${what}: unknown option "layout" (TF.js weights are always [...kernel, in, out]; nninit/tfjs handles the layout)`);
    }
    if (key === 'rng') {
      throw new ParamError(`${what}: unknown option "rng" (a TF.js initializer must survive model.toJSON(); give it a seed)`);
    }
    if (!allowed.includes(key)) {
      const takes = allowed.length === 0 ? 'it takes no options' : `it takes ${allowed.join(', ')}`;
      throw new ParamError(`${what}: unknown option ${describe(key)} (${takes})`);
    }
    // Left-out options take their defaults later; so does one set to undefined.
    if (value !== undefined) checked[key] = value as string | number | boolean;
  }
  return checked;
}

/**
 * A TF.js initializer that draws its values with an `nninit.init` function. Pass one where a
 * layer takes an initializer: `tf.layers.dense({ units, kernelInitializer: nninitTf.heNormal({ seed: 1 }) })`.
 *
 * `apply(shape)` draws `nninit.init[initializer]` for the weight's PyTorch shape
 * (`[out, in, ...kernel]`) and moves the values into TF.js's layout (`[...kernel, in, out]`), so
 * a TF.js layer gets exactly the weights, transposed, that nninit and PyTorch would give the same
 * layer, and the fans are those of `{ layout: 'inOut' }`. With a `seed` every call draws the same
 * values; without one every call draws from a fresh crypto seed.
 *
 * Each initializer is registered with TF.js's serialization under `nninit>Name` (for example
 * `nninit>KaimingNormal`), so `model.toJSON()` and `tf.loadLayersModel` keep it, as long as
 * `nninit/tfjs` was imported before the model is loaded.
 */
export abstract class NninitInitializer extends TfInitializerBase {
  /** The `nninit.init` function that draws the values. */
  readonly initializer: TfjsInitializerName;
  /** The options given (`seed` included), as `getConfig()` reports them. */
  readonly options: Readonly<Options>;
  /** How the initializer was asked for (an alias such as `heNormal` or the nninit name), for messages. */
  private readonly calledAs: string;

  protected constructor(initializer: TfjsInitializerName, options: unknown, calledAs: string = initializer) {
    super();
    this.initializer = initializer;
    this.calledAs = calledAs;
    this.options = Object.freeze(checkOptions(`nninitTf.${calledAs}`, options, OPTION_KEYS[initializer]));
  }

  /**
   * Values for a TF.js weight of `shape` ([...kernel, in, out], or any shape for the
   * elementwise initializers: zeros, ones, constant, uniform, normal, truncatedNormal).
   *
   * @throws ShapeError (`E_SHAPE`) for a shape the initializer cannot fill (fewer than 2
   *   dimensions for a fan-based one, not 2-D for sparse and eye, not 3–5-D for dirac).
   * @throws ParamError (`E_PARAM`) for an invalid option or a dtype other than float32.
   */
  override apply(shape: TfShape, dtype?: DataType): TfTensor {
    const what = `nninitTf.${this.calledAs}`;
    if (dtype !== undefined && dtype !== 'float32') {
      throw new ParamError(`${what} draws float32 weights, got dtype ${describe(dtype)}`);
    }
    const tfjsShape = shape as number[];
    const torchShape = torchShapeOf(tfjsShape);
    const draw = init[this.initializer] as (shape: number[], options: Options) => Tensor;
    let drawn: Tensor;
    try {
      drawn = draw(torchShape, { ...this.options });
    } catch (error) {
      throw withContext(error, `${what} for the TF.js weight of shape ${describe(tfjsShape)} (nninit shape ${describe(torchShape)})`);
    }
    return tensor(torchToTfjs(drawn.data, torchShape), tfjsShape, 'float32');
  }

  override getConfig(): serialization.ConfigDict {
    return { ...this.options };
  }

  /** Rebuilds an initializer from its `getConfig()`, as TF.js does when it loads a model. */
  static fromConfig<T extends serialization.Serializable>(
    cls: serialization.SerializableConstructor<T>,
    config: serialization.ConfigDict,
  ): T {
    const options: Options = {};
    for (const [key, value] of Object.entries(config)) {
      // TF.js adds `customObjects` to every config it deserializes, and writes missing values as null.
      if (key !== 'customObjects' && value !== null && value !== undefined) options[key] = value as string | number | boolean;
    }
    return new cls(options);
  }
}

/** The same error class with the initializer and the TF.js shape named first. */
function withContext(error: unknown, context: string): unknown {
  if (!(error instanceof NninitError)) return error;
  if (error instanceof ShapeError) return new ShapeError(`${context}: ${error.message}`);
  if (error instanceof ParamError) return new ParamError(`${context}: ${error.message}`);
  return error;
}

type InitializerClass = new (options: unknown, calledAs?: string) => NninitInitializer;

function defineInitializer(initializer: TfjsInitializerName): InitializerClass {
  const name = initializer[0].toUpperCase() + initializer.slice(1);
  const cls = class extends NninitInitializer {
    static className = `nninit>${name}`;
    constructor(options: unknown, calledAs?: string) {
      super(initializer, options, calledAs);
    }
  };
  Object.defineProperty(cls, 'name', { value: name });
  serialization.registerClass(cls as unknown as serialization.SerializableConstructor<NninitInitializer>, 'nninit', name);
  return cls;
}

const classes = Object.fromEntries(
  (Object.keys(OPTION_KEYS) as TfjsInitializerName[]).map((initializer) => [initializer, defineInitializer(initializer)]),
) as Record<TfjsInitializerName, InitializerClass>;

function make(initializer: TfjsInitializerName, options: unknown, calledAs?: string): NninitInitializer {
  return new classes[initializer](options, calledAs);
}

/** Zeros, as `nninit.init.zeros`. Any shape (also biases). */
export function zeros(): NninitInitializer {
  return make('zeros', undefined);
}

/** Ones, as `nninit.init.ones`. Any shape. */
export function ones(): NninitInitializer {
  return make('ones', undefined);
}

/** A constant `value`, as `nninit.init.constant`. Any shape. */
export function constant(options: init.ConstantOptions): NninitInitializer {
  return make('constant', options);
}

/** U[low, high), as `nninit.init.uniform` (defaults 0 and 1, PyTorch's; TF.js's randomUniform uses ±0.05). Any shape. */
export function uniform(options?: TfjsOptions<init.UniformOptions>): NninitInitializer {
  return make('uniform', options);
}

/** N(mean, std²), as `nninit.init.normal` (default std 1, PyTorch's; TF.js's randomNormal uses 0.05). Any shape. */
export function normal(options?: TfjsOptions<init.NormalOptions>): NninitInitializer {
  return make('normal', options);
}

/** N(mean, std²) cut at the absolute bounds [low, high], as `nninit.init.truncatedNormal` (PyTorch's meaning of the bounds). Any shape. */
export function truncatedNormal(options?: TfjsOptions<init.TruncatedNormalOptions>): NninitInitializer {
  return make('truncatedNormal', options);
}

/** Xavier/Glorot uniform, as `nninit.init.xavierUniform`: U[−b, b), b = gain·√(6 / (fanIn + fanOut)). */
export function xavierUniform(options?: TfjsOptions<init.XavierOptions>): NninitInitializer {
  return make('xavierUniform', options);
}

/** Xavier/Glorot normal, as `nninit.init.xavierNormal`: N(0, gain²·2 / (fanIn + fanOut)), untruncated. */
export function xavierNormal(options?: TfjsOptions<init.XavierOptions>): NninitInitializer {
  return make('xavierNormal', options);
}

/** Kaiming/He uniform, as `nninit.init.kaimingUniform`: U[−b, b), b = gain·√(3 / fan); ReLU's by default. */
export function kaimingUniform(options?: TfjsOptions<init.KaimingOptions>): NninitInitializer {
  return make('kaimingUniform', options);
}

/** Kaiming/He normal, as `nninit.init.kaimingNormal`: N(0, gain² / fan), untruncated; ReLU's by default. */
export function kaimingNormal(options?: TfjsOptions<init.KaimingOptions>): NninitInitializer {
  return make('kaimingNormal', options);
}

/** LeCun uniform, as `nninit.init.lecunUniform`: U[−√(3 / fanIn), √(3 / fanIn)). */
export function lecunUniform(options?: TfjsOptions<init.LecunOptions>): NninitInitializer {
  return make('lecunUniform', options);
}

/** LeCun normal, as `nninit.init.lecunNormal` (Keras 3's): a truncated normal whose values have std √(1 / fanIn). */
export function lecunNormal(options?: TfjsOptions<init.LecunOptions>): NninitInitializer {
  return make('lecunNormal', options);
}

/** Variance scaling, as `nninit.init.varianceScaling` (Keras 3's, with the truncation correction TF.js lacks). */
export function varianceScaling(options?: TfjsOptions<init.VarianceScalingOptions>): NninitInitializer {
  return make('varianceScaling', options);
}

/**
 * A (semi-)orthogonal weight, as `nninit.init.orthogonal` on the PyTorch shape: each output
 * unit's flattened filter is a row of an orthonormal set (or the columns are, when there are more
 * outputs than inputs · kernel). Needs `await nninit.ready()` first: the QR runs in wasm.
 */
export function orthogonal(options?: TfjsOptions<init.OrthogonalOptions>): NninitInitializer {
  return make('orthogonal', options);
}

/** Sparse, as `nninit.init.sparse` on the PyTorch shape [out, in]: each input feeds a random `1 − sparsity` of the outputs. 2-D weights only. */
export function sparse(options: TfjsOptions<init.SparseOptions>): NninitInitializer {
  return make('sparse', options);
}

/** The identity, as `nninit.init.eye` (rectangular shapes too). 2-D weights only. */
export function eye(): NninitInitializer {
  return make('eye', undefined);
}

/** The Dirac delta, as `nninit.init.dirac`: a Conv1D/2D/3D kernel that passes its input channels through. */
export function dirac(options?: TfjsOptions<init.DiracOptions>): NninitInitializer {
  return make('dirac', options);
}

/** Alias of {@link xavierUniform} (the same as TF.js's glorotUniform for gain 1). */
export function glorotUniform(options?: TfjsOptions<init.XavierOptions>): NninitInitializer {
  return make('xavierUniform', options, 'glorotUniform');
}

/** Alias of {@link xavierNormal}: untruncated, unlike TF.js's glorotNormal (its Dense default). */
export function glorotNormal(options?: TfjsOptions<init.XavierOptions>): NninitInitializer {
  return make('xavierNormal', options, 'glorotNormal');
}

/** Alias of {@link kaimingUniform} (the same distribution as TF.js's heUniform with its defaults). */
export function heUniform(options?: TfjsOptions<init.KaimingOptions>): NninitInitializer {
  return make('kaimingUniform', options, 'heUniform');
}

/** Alias of {@link kaimingNormal}: untruncated, unlike TF.js's heNormal. */
export function heNormal(options?: TfjsOptions<init.KaimingOptions>): NninitInitializer {
  return make('kaimingNormal', options, 'heNormal');
}
