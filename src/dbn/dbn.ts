import { ParamError, ShapeError, show } from '../errors.js';
import { type Activation, type ActivationSpec, type OutputName, resolveActivation, SELU_SCALE } from '../nn/activations.js';
import type { InitSpec } from '../nn/init-spec.js';
import { Mlp } from '../nn/mlp.js';
import { checkOptions, numberIn, type OptionKeys } from '../options.js';
import {
  checkNoExtraTensors,
  formatFail,
  metaChoice,
  metaNumber,
  metaSizes,
  readModel,
  takeTensor,
  writeModel,
  type LoadOptions,
  type ModelFile,
} from '../io/model-format.js';
import { Rng, randomSeed } from '../random.js';
import { RBM, type EpochStats, type FitOptions as RbmFitOptions, type History as RbmHistory, type RbmWeights, type VisibleUnits } from '../rbm/index.js';
import { FIT_OPTION_KEYS, fitSettings } from '../rbm/options.js';
import type { Tensor } from '../tensor.js';

export interface DbnOptions {
  /** Units per layer, input first: [784, 256, 256] stacks two RBMs. */
  layers: readonly number[];
  /** The first RBM's visible units (default 'bernoulli'); every higher RBM sees probabilities, so Bernoulli. */
  visible?: VisibleUnits;
  /** Seed of every RBM (each gets its own stream); drawn from crypto when absent (see `seed`). */
  seed?: number;
}

/** What `onLayer` is told once an RBM has trained. */
export interface LayerDone {
  /** 0-based index of the RBM. */
  layer: number;
  /** The trained RBM (disposed right after the callback). */
  rbm: RBM;
  /** The data it trained on: x for layer 0, the hidden probabilities of the layer below otherwise. */
  input: Tensor;
  history: RbmHistory;
}

/** RBM training options, applied to every layer, plus per-layer callbacks. */
export interface PretrainOptions extends Omit<RbmFitOptions, 'onEpoch' | 'validation' | 'logLikelihood'> {
  /**
   * Called after each epoch of each layer, with the RBM being trained (valid during the call only:
   * read `rbm.weights` there, e.g. to draw the filters as they form). Returning false (or a promise
   * of false) ends that layer's training, as it ends `RBM.fit`; the next layer then trains.
   */
  onEpoch?: (layer: number, stats: EpochStats, rbm: RBM) => void | boolean | Promise<void | boolean>;
  onLayer?: (done: LayerDone) => void | Promise<void>;
}

/** RBM.fit's options but validation data and log-likelihood estimates (which only the first layer could read), and onLayer. */
const { validation: _validation, logLikelihood: _logLikelihood, ...PRETRAIN_FIT_KEYS } = FIT_OPTION_KEYS;
const PRETRAIN_OPTION_KEYS: OptionKeys<PretrainOptions> = { ...PRETRAIN_FIT_KEYS, onLayer: true };

export interface ToMlpOptions {
  /** Units of the new output layer. */
  outputs: number;
  /** Hidden activation of the network (default 'sigmoid', the units the RBMs were trained as). */
  activation?: ActivationSpec;
  /** Default 'softmax'. */
  output?: OutputName;
  /** Initializer of the new output layer's weights (default 'xavierUniform'). */
  headInit?: InitSpec;
  /** Seed of the head's initialization and of the network's shuffling (default: the DBN's seed). */
  seed?: number;
  /**
   * Factor on the pretrained weights and hidden biases. Default: σ′(0) / f′(0⁺) for the network's
   * activation f, so that each unit answers small inputs as the RBM's sigmoid unit did around its
   * midpoint: 1 for sigmoid, ¼ for relu, leakyRelu, tanh and linear, ¼ / 1.0507 for selu. Without
   * it ReLU units receive four times the drive the next layer was pretrained for.
   */
  pretrainedScale?: number;
}

/** σ′(0) / f′(0⁺). */
function slopeMatch(activation: Activation): number {
  if (activation.name === 'sigmoid') return 1;
  return activation.name === 'selu' ? 0.25 / SELU_SCALE : 0.25;
}

/**
 * A deep belief network: RBMs stacked by greedy layer-wise pretraining (Hinton, Osindero & Teh
 * 2006), each trained on the hidden probabilities of the one below. Its use here is to initialize
 * an `Mlp` (`toMlp`), which backpropagation then fine-tunes.
 *
 * Trained parameters are kept as plain arrays (each RBM's wasm memory is freed once it has
 * trained), so a DBN needs no `dispose()`.
 *
 * ```ts
 * const dbn = new nninit.DBN({ layers: [784, 256, 256], seed: 1 });
 * await dbn.pretrain(train.x, { epochs: 10, batchSize: 100, learningRate: 0.1 });
 * const mlp = dbn.toMlp({ outputs: 10, activation: 'sigmoid' });
 * ```
 */
export class DBN {
  readonly sizes: readonly number[];
  readonly visible: VisibleUnits;
  readonly seed: number;
  private trained: RbmWeights[] = [];

  constructor(options: DbnOptions) {
    const o = checkOptions('DBN', options, { layers: true, visible: true, seed: true });
    const sizes = o.layers;
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ShapeError(`layers must list at least two positive integer sizes (input first), got ${show(sizes)}`);
    }
    const visible = o.visible ?? 'bernoulli';
    if (visible !== 'bernoulli' && visible !== 'gaussian') throw new ParamError(`visible must be 'bernoulli' or 'gaussian', got ${show(visible)}`);
    this.sizes = Object.freeze(sizes.slice());
    this.visible = visible;
    this.seed = o.seed === undefined ? randomSeed() : new Rng(o.seed as number).seed;
  }

  /** Whether `pretrain` has completed. */
  get isPretrained(): boolean {
    return this.trained.length === this.sizes.length - 1;
  }

  /** Copies of each trained RBM's parameters: W [hidden, visible] and both biases. */
  get layers(): RbmWeights[] {
    return this.trained.map((w) => ({
      W: { shape: w.W.shape, data: w.W.data.slice() },
      visibleBias: { shape: w.visibleBias.shape, data: w.visibleBias.data.slice() },
      hiddenBias: { shape: w.hiddenBias.shape, data: w.hiddenBias.data.slice() },
    }));
  }

  /**
   * Greedy layer-wise pretraining on x [rows, layers[0]]: RBM l trains on the hidden
   * probabilities P(h | v) that RBM l − 1 gives for the data. Resolves with each RBM's history.
   * Training again starts over from fresh RBMs.
   */
  async pretrain(x: Tensor, options: PretrainOptions = {}): Promise<RbmHistory[]> {
    // Every option is checked here, before layer 0 trains: one that only a higher layer would
    // refuse must not cost the training of the layers below it.
    checkOptions('DBN.pretrain', options, PRETRAIN_OPTION_KEYS);
    const { onEpoch, onLayer, ...rbmOptions } = options;
    for (const [name, fn] of [['onEpoch', onEpoch], ['onLayer', onLayer]] as const) {
      if (fn !== undefined && typeof fn !== 'function') throw new ParamError(`${name} must be a function, got ${show(fn)}`);
    }
    fitSettings(rbmOptions, this.visible, 'DBN.pretrain');
    const seeds = new Rng(this.seed);
    const trained: RbmWeights[] = [];
    const histories: RbmHistory[] = [];
    let input = x;
    for (let layer = 0; layer + 1 < this.sizes.length; layer++) {
      const rbm = new RBM({
        nVisible: this.sizes[layer],
        nHidden: this.sizes[layer + 1],
        visible: layer === 0 ? this.visible : 'bernoulli',
        seed: seeds.int(0xffffffff),
      });
      try {
        const history = await rbm.fit(input, { ...rbmOptions, onEpoch: onEpoch && ((stats) => onEpoch(layer, stats, rbm)) });
        trained.push(rbm.weights);
        histories.push(history);
        await onLayer?.({ layer, rbm, input, history });
        if (layer + 2 < this.sizes.length) input = rbm.transform(input);
      } finally {
        rbm.dispose();
      }
    }
    this.trained = trained;
    return histories;
  }

  /** P(h | v) of the top layer for x [rows, layers[0]], propagated through every RBM. */
  transform(x: Tensor): Tensor {
    this.checkPretrained('transform');
    let out = x;
    this.trained.forEach((weights, layer) => {
      const rbm = new RBM({ nVisible: this.sizes[layer], nHidden: this.sizes[layer + 1], visible: layer === 0 ? this.visible : 'bernoulli', seed: 0 });
      try {
        rbm.setWeights(weights);
        out = rbm.transform(out);
      } finally {
        rbm.dispose();
      }
    });
    return out;
  }

  /**
   * An `Mlp` [...layers, outputs] whose hidden layers start from the RBMs' weights and hidden
   * biases (times `pretrainedScale`); the new output layer is drawn with `headInit`, its biases 0.
   */
  toMlp(options: ToMlpOptions): Mlp {
    const o = checkOptions('toMlp', options, { outputs: true, activation: true, output: true, headInit: true, seed: true, pretrainedScale: true });
    this.checkPretrained('toMlp');
    const outputs = o.outputs;
    if (!Number.isInteger(outputs) || (outputs as number) < 1) throw new ParamError(`outputs must be a positive integer, got ${show(outputs)}`);
    const activation = resolveActivation(o.activation ?? 'sigmoid');
    const scale = numberIn('pretrainedScale', o.pretrainedScale, { above: 0 }, slopeMatch(activation));
    const hidden = this.trained.length;
    const mlp = new Mlp({
      layers: [...this.sizes, outputs as number],
      activation: (o.activation ?? 'sigmoid') as ActivationSpec,
      output: (o.output ?? 'softmax') as OutputName,
      // The pretrained layers are overwritten below: 'zeros' skips drawing weights for them.
      init: [...new Array<InitSpec>(hidden).fill('zeros'), (o.headInit ?? 'xavierUniform') as InitSpec],
      seed: (o.seed ?? this.seed) as number,
    });
    const scaled = (t: Tensor): Tensor => ({ shape: t.shape, data: scale === 1 ? t.data : t.data.map((v) => v * scale) });
    this.trained.forEach((weights, layer) => mlp.setLayer(layer, { weight: scaled(weights.W), bias: scaled(weights.hiddenBias) }));
    return mlp;
  }

  /**
   * The pretrained DBN as safetensors bytes (F32): RBM l's parameters are `layers.l.W`
   * [layers[l+1], layers[l]], `layers.l.visibleBias` and `layers.l.hiddenBias`, with the layer
   * sizes, the first RBM's visible units and the seed in `__metadata__`.
   */
  save(): Uint8Array {
    this.checkPretrained('save');
    const tensors: Record<string, Tensor> = {};
    this.layers.forEach((weights, l) => {
      tensors[`layers.${l}.W`] = weights.W;
      tensors[`layers.${l}.visibleBias`] = weights.visibleBias;
      tensors[`layers.${l}.hiddenBias`] = weights.hiddenBias;
    });
    return writeModel('dbn', { layers: this.sizes.join(','), visible: this.visible, seed: String(this.seed) }, tensors);
  }

  /**
   * A pretrained DBN from bytes written by `save()`, checked against its `__metadata__` before it
   * is built; any problem is `FormatError` (E_FORMAT) naming the tensor. Non-finite parameters
   * are rejected unless `{ allowNonFinite: true }`.
   */
  static load(bytes: Uint8Array, options?: LoadOptions): DBN {
    return DBN.fromFile(readModel(bytes, options, 'dbn'));
  }

  /** @internal Builds the model from a decoded file of kind 'dbn' (`nninit.load` decodes once). */
  static fromFile(file: ModelFile): DBN {
    const sizes = metaSizes(file, 'layers', 2);
    const visible = metaChoice<VisibleUnits>(file, 'visible', ['bernoulli', 'gaussian']);
    const seed = metaNumber(file, 'seed');
    const trained: RbmWeights[] = sizes.slice(1).map((nHidden, l) => ({
      W: takeTensor(file, `layers.${l}.W`, [nHidden, sizes[l]]),
      visibleBias: takeTensor(file, `layers.${l}.visibleBias`, [sizes[l]]),
      hiddenBias: takeTensor(file, `layers.${l}.hiddenBias`, [nHidden]),
    }));
    checkNoExtraTensors(file);
    let dbn: DBN;
    try {
      dbn = new DBN({ layers: sizes, visible, seed });
    } catch (error) {
      if (error instanceof ParamError || error instanceof ShapeError) formatFail(error.message);
      throw error;
    }
    dbn.trained = trained;
    return dbn;
  }

  private checkPretrained(what: string): void {
    if (!this.isPretrained) throw new ParamError(`DBN.${what}() needs the DBN pretrained first: await dbn.pretrain(x, options)`);
  }
}
