import { MemoryError, ParamError, ShapeError, show } from '../errors.js';
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
import { kernels, withBuffers } from '../runtime/index.js';
import { checkFinite, checkMatrix, type Tensor } from '../tensor.js';
import { ACTIVATIONS, OUTPUTS, type Activation, type ActivationSpec, type OutputName, resolveActivation, resolveOutput } from './activations.js';
import { EVAL_ROWS, fitNet, scoreRows, type FitOptions, type History } from './fit.js';
import { checkInitSpec, drawInit, type InitSpec } from './init-spec.js';
import { DenseNet } from './network.js';
import { checkOptions, type OptionKeys } from '../options.js';
import { encodeTargets, type Targets } from './targets.js';

export interface MlpOptions {
  /** Units per layer, input first: `[784, 256, 256, 10]` makes three dense layers. */
  layers: readonly number[];
  /** Nonlinearity after every hidden layer (default 'relu'). */
  activation?: ActivationSpec;
  /** Output function, which also picks the loss (default 'softmax' with cross-entropy). */
  output?: OutputName;
  /** Weight initializer: one for all layers or one per layer (default 'xavierUniform'). */
  init?: InitSpec | readonly InitSpec[];
  /** Bias initializer for every layer (default 'zeros'). */
  biasInit?: InitSpec;
  /** Seed of the initialization and of fit's shuffling; drawn from crypto when absent (see `seed`). */
  seed?: number;
}

/** Options of `withHead`. */
export interface WithHeadOptions {
  /** Initializer of the new head's weights (default 'xavierUniform'); its biases start at 0. */
  init?: InitSpec;
  /** Output function of the new network (default: this one's). */
  output?: OutputName;
  /** Seed of the head's initialization and of the new network's shuffling (default: this one's seed). */
  seed?: number;
}

/** A copy of one dense layer's parameters. */
export interface DenseLayer {
  /** [out, in], PyTorch's layout. */
  weight: Tensor;
  /** [out]. */
  bias: Tensor;
}

const MLP_KEYS: OptionKeys<MlpOptions> = { layers: true, activation: true, output: true, init: true, biasInit: true, seed: true };

// Frees a forgotten model's wasm memory when the model is garbage-collected.
const registry = new FinalizationRegistry<DenseNet>((net) => net.free());
// Each model's network, for the internal helpers below (the class keeps it private).
const networks = new WeakMap<Mlp, DenseNet>();

/**
 * A multilayer perceptron: dense layers with one hidden activation, trained by backpropagation
 * on wasm SIMD kernels. Parameters, gradients, optimizer state and workspaces stay in wasm memory
 * for the model's lifetime; `dispose()` frees them at once (otherwise the garbage collector does).
 *
 * ```ts
 * await nninit.ready();
 * const mlp = new nninit.Mlp({ layers: [784, 256, 256, 10], activation: 'relu', init: 'heNormal', seed: 1 });
 * const history = await mlp.fit(train.x, train.y, { epochs: 15, batchSize: 100, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
 * mlp.evaluate(test.x, test.y); // { loss, accuracy }
 * ```
 */
export class Mlp {
  /** Units per layer, input first. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly output: OutputName;
  /** The seed initialization and shuffling came from. */
  readonly seed: number;
  private readonly net: DenseNet;
  private readonly shuffleRng: Rng;
  private training = false;

  constructor(options: MlpOptions) {
    const o = checkOptions('Mlp', options, MLP_KEYS);
    const sizes = o.layers;
    if (!Array.isArray(sizes) || sizes.length < 2 || !sizes.every((n) => Number.isInteger(n) && n >= 1)) {
      throw new ShapeError(`layers must list at least two positive integer sizes (input first), got ${show(sizes)}`);
    }
    const activation = resolveActivation(o.activation ?? 'relu');
    const output = resolveOutput(o.output ?? 'softmax');
    const outputs = sizes[sizes.length - 1];
    if (output === 'softmax' && outputs < 2) throw new ParamError(`output 'softmax' needs at least 2 outputs, got layers ${show(sizes)}`);
    const layerCount = sizes.length - 1;
    const inits = Array.isArray(o.init) ? o.init : new Array(layerCount).fill(o.init ?? 'xavierUniform');
    if (inits.length !== layerCount) {
      throw new ParamError(`init lists ${inits.length} initializers for ${layerCount} layers; give one, or one per layer`);
    }
    inits.forEach((spec, l) => checkInitSpec(spec, Array.isArray(o.init) ? `init[${l}]` : 'init'));
    const biasInit = checkInitSpec(o.biasInit ?? 'zeros', 'biasInit');

    this.sizes = Object.freeze(sizes.slice());
    this.activation = activation;
    this.output = output;
    this.seed = o.seed === undefined ? randomSeed() : (o.seed as number);
    const rng = new Rng(this.seed);
    this.shuffleRng = rng.fork();
    // Draw everything before allocating wasm memory, so that a bad initializer leaks nothing.
    const layers: DenseLayer[] = [];
    for (let l = 0; l < layerCount; l++) {
      const weightRng = rng.fork();
      const biasRng = rng.fork();
      layers.push({
        weight: drawInit(inits[l] as InitSpec, [sizes[l + 1], sizes[l]], weightRng, `init[${l}]`),
        bias: drawInit(biasInit, [sizes[l + 1]], biasRng, 'biasInit'),
      });
    }
    this.net = new DenseNet({ sizes: this.sizes, activation, output });
    registry.register(this, this.net, this);
    networks.set(this, this.net);
    layers.forEach((layer, l) => this.setLayer(l, layer));
  }

  private alive(): DenseNet {
    if (this.net.isFreed) throw new MemoryError('this Mlp was disposed; create a new one');
    return this.net;
  }

  /** Copies of every layer's weight [out, in] and bias [out]; writes to them do not reach the model. */
  get layers(): DenseLayer[] {
    const net = this.alive();
    const params = net.params.view;
    return this.sizes.slice(1).map((nOut, l) => {
      const nIn = this.sizes[l];
      const w = net.weightOffsets[l];
      const b = net.biasOffsets[l];
      return {
        weight: { shape: [nOut, nIn], data: params.slice(w, w + nOut * nIn) },
        bias: { shape: [nOut], data: params.slice(b, b + nOut) },
      };
    });
  }

  /** Replaces layer `index`'s weight [out, in] and/or bias [out] (copied in). */
  setLayer(index: number, layer: Partial<DenseLayer>): void {
    const net = this.alive();
    if (!Number.isInteger(index) || index < 0 || index >= net.layerCount) {
      throw new ParamError(`layer index must be an integer in [0, ${net.layerCount}), got ${show(index)}`);
    }
    const nIn = this.sizes[index];
    const nOut = this.sizes[index + 1];
    const check = (t: Tensor | undefined, shape: number[], name: string): Float32Array | undefined => {
      if (t === undefined) return undefined;
      const ok = t !== null && t.data instanceof Float32Array && t.data.length === shape.reduce((a, b) => a * b, 1);
      if (!ok || show(t.shape) !== show(shape)) {
        throw new ShapeError(`layers[${index}].${name} must have shape ${show(shape)}, got ${show(t?.shape)}`);
      }
      checkFinite(t.data, `layers[${index}].${name}.data`);
      return t.data;
    };
    const weight = check(layer.weight, [nOut, nIn], 'weight');
    const bias = check(layer.bias, [nOut], 'bias');
    if (weight) net.params.write(weight, net.weightOffsets[index]);
    if (bias) net.params.write(bias, net.biasOffsets[index]);
  }

  /**
   * Trains on (x, y): x a Tensor [rows, inputs], y class ids or a Tensor [rows, outputs]. Resolves
   * with the history once every epoch ran (or early stopping, or `onEpoch` returning false, ended
   * it); yields to the event loop between epochs. Epochs are numbered from 1 in the logs.
   */
  async fit(x: Tensor, y: Targets, options: FitOptions): Promise<History> {
    const net = this.alive();
    if (this.training) throw new ParamError('fit() is already running on this model; await it first');
    this.training = true;
    try {
      return await fitNet(net, this.shuffleRng, x, y, options);
    } finally {
      this.training = false;
    }
  }

  /** Outputs for x [rows, inputs]: class probabilities (softmax), per-output probabilities (sigmoid) or values. */
  predict(x: Tensor): Tensor {
    const net = this.alive();
    const rows = checkMatrix(x, 'x', { cols: net.inputs, finite: true }).rows;
    const outputs = net.outputs;
    const result = new Float32Array(rows * outputs);
    const k = kernels();
    const chunk = net.workspace(Math.min(rows, EVAL_ROWS)).rows;
    withBuffers([chunk * net.inputs], (input) => {
      for (let start = 0; start < rows; start += chunk) {
        const count = Math.min(chunk, rows - start);
        input.write(x.data.subarray(start * net.inputs, (start + count) * net.inputs));
        const logits = net.forward(input.ptr, count);
        if (this.output === 'softmax') k.elementwiseSoftmax(logits, logits, count, outputs);
        else if (this.output === 'sigmoid') k.elementwiseSigmoid(logits, logits, count * outputs);
        result.set(net.view(logits, count * outputs), start * outputs);
      }
    });
    return { shape: [rows, outputs], data: result };
  }

  /**
   * Mean loss (the training loss: cross-entropy, binary cross-entropy or squared error) and
   * accuracy (arg max agreement; for one sigmoid output, p > 0.5 agreement) on (x, y).
   */
  evaluate(x: Tensor, y: Targets): { loss: number; accuracy: number } {
    const net = this.alive();
    const rows = checkMatrix(x, 'x', { cols: net.inputs, finite: true }).rows;
    const targets = encodeTargets(y, rows, net.outputs, this.output);
    return withBuffers([x.data.length, targets.length], (xBuffer, targetBuffer) => {
      xBuffer.write(x.data);
      targetBuffer.write(targets);
      const { lossSum, correct } = scoreRows(net, xBuffer.ptr, targetBuffer.ptr, rows);
      return { loss: lossSum / net.lossCount(rows), accuracy: correct / rows };
    });
  }

  /**
   * The model as safetensors bytes (F32). Layer i's parameters are named `${2i}.weight` [out, in]
   * and `${2i}.bias` [out], the `state_dict` names of a PyTorch `nn.Sequential` that alternates
   * `nn.Linear` and activation modules, so PyTorch loads them with `load_state_dict`. The
   * configuration (layers, activation, output, seed) goes into `__metadata__`; see docs/weights.md.
   */
  save(): Uint8Array {
    const config: Record<string, string> = {
      layers: this.sizes.join(','),
      activation: this.activation.name,
      output: this.output,
      seed: String(this.seed),
    };
    if (this.activation.name === 'leakyRelu') config.leakyReluSlope = String(this.activation.slope);
    const tensors: Record<string, Tensor> = {};
    this.layers.forEach((layer, l) => {
      tensors[`${2 * l}.weight`] = layer.weight;
      tensors[`${2 * l}.bias`] = layer.bias;
    });
    return writeModel('mlp', config, tensors);
  }

  /**
   * An Mlp from bytes written by `save()`. Every tensor is checked against the configuration in
   * the file before the model is built; any problem is `FormatError` (E_FORMAT) naming the tensor.
   * Non-finite parameters are rejected unless `{ allowNonFinite: true }`.
   */
  static load(bytes: Uint8Array, options?: LoadOptions): Mlp {
    return Mlp.fromFile(readModel(bytes, options, 'mlp'));
  }

  /** @internal Builds the model from a decoded file of kind 'mlp' (`nninit.load` decodes once). */
  static fromFile(file: ModelFile): Mlp {
    const sizes = metaSizes(file, 'layers', 2);
    const name = metaChoice(file, 'activation', ACTIVATIONS);
    const activation: ActivationSpec = name === 'leakyRelu' ? { name, slope: metaNumber(file, 'leakyReluSlope') } : name;
    const output = metaChoice(file, 'output', OUTPUTS);
    const seed = metaNumber(file, 'seed');
    const layers = sizes.slice(1).map((nOut, l) => ({
      weight: takeTensor(file, `${2 * l}.weight`, [nOut, sizes[l]]),
      bias: takeTensor(file, `${2 * l}.bias`, [nOut]),
    }));
    checkNoExtraTensors(file);
    let mlp: Mlp;
    try {
      mlp = new Mlp({ layers: sizes, activation, output, init: 'zeros', seed });
    } catch (error) {
      // A configuration the constructor refuses (a 1-unit softmax, a negative slope) is a bad file.
      if (error instanceof ParamError || error instanceof ShapeError) formatFail(error.message);
      throw error;
    }
    // Written directly: setLayer would refuse the non-finite values that allowNonFinite let through.
    layers.forEach((layer, l) => {
      mlp.net.params.write(layer.weight.data, mlp.net.weightOffsets[l]);
      mlp.net.params.write(layer.bias.data, mlp.net.biasOffsets[l]);
    });
    return mlp;
  }

  /**
   * A new Mlp for transfer learning: the same layers and weights (copied) up to the last hidden
   * layer, then a freshly initialized output layer of `outputs` units. Fine-tune only the head
   * with `fit(x, y, { freeze: [0, …, layers.length - 2] })`, or everything without `freeze`.
   */
  withHead(outputs: number, options: WithHeadOptions = {}): Mlp {
    const o = checkOptions('withHead', options, { init: true, output: true, seed: true });
    if (!Number.isInteger(outputs) || outputs < 1) throw new ParamError(`outputs must be a positive integer, got ${show(outputs)}`);
    const base = this.layers.slice(0, -1);
    const head = new Mlp({
      layers: [...this.sizes.slice(0, -1), outputs],
      activation: this.activation.name === 'leakyRelu' ? { name: 'leakyRelu', slope: this.activation.slope } : this.activation.name,
      output: (o.output ?? this.output) as OutputName,
      // The base layers are overwritten below: 'zeros' skips drawing weights for them.
      init: [...new Array<InitSpec>(base.length).fill('zeros'), (o.init ?? 'xavierUniform') as InitSpec],
      seed: (o.seed ?? this.seed) as number,
    });
    base.forEach((layer, l) => {
      head.net.params.write(layer.weight.data, head.net.weightOffsets[l]);
      head.net.params.write(layer.bias.data, head.net.biasOffsets[l]);
    });
    return head;
  }

  /** Frees the model's wasm memory now. Using the model afterwards throws `E_MEMORY`. */
  dispose(): void {
    registry.unregister(this);
    this.net.free();
  }
}

/** @internal The wasm network behind a live model, for the layer-by-layer tools in nn/layerwise.ts. */
export function networkOf(mlp: Mlp): DenseNet {
  const net = networks.get(mlp)!;
  if (net.isFreed) throw new MemoryError('this Mlp was disposed; create a new one');
  return net;
}

/**
 * @internal The mean loss on (x, y) and its gradient for every layer, from the wasm path (one
 * batch of all rows), for gradient checks against the f64 reference.
 */
export function gradientsOf(mlp: Mlp, x: Tensor, y: Targets): { loss: number; weights: Float32Array[]; biases: Float32Array[] } {
  const net = networks.get(mlp)!;
  const rows = checkMatrix(x, 'x', { cols: net.inputs, finite: true }).rows;
  const targets = encodeTargets(y, rows, net.outputs, mlp.output);
  const work = net.workspace(rows);
  work.input.write(x.data);
  work.targets.write(targets);
  const lossSum = net.backward(work.input.ptr, work.targets.ptr, rows, new Array(net.layerCount).fill(true));
  const grads = net.grads.view;
  return {
    loss: lossSum / net.lossCount(rows),
    weights: net.weightOffsets.map((w, l) => grads.slice(w, w + mlp.sizes[l + 1] * mlp.sizes[l])),
    biases: net.biasOffsets.map((b, l) => grads.slice(b, b + mlp.sizes[l + 1])),
  };
}
