import { MemoryError, ParamError, ShapeError, show } from '../errors.js';
import {
  checkNoExtraTensors,
  formatFail,
  metaChoice,
  metaNumber,
  metaSizes,
  metaString,
  readModel,
  writeModel,
  type LoadOptions,
  type ModelFile,
} from '../io/model-format.js';
import { OUTPUTS, resolveOutput, type OutputName } from '../nn/activations.js';
import { EVAL_ROWS, fitNet, scoreRows, type FitOptions, type History } from '../nn/fit.js';
import { encodeTargets, type Targets } from '../nn/targets.js';
import { booleanOption, checkOptions, type OptionKeys } from '../options.js';
import { Rng, randomSeed } from '../random.js';
import { heap, kernels, withBuffers } from '../runtime/index.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { SequentialNet } from './network.js';
import { flatShape, imageShape, walk, type NetContext, type Shape } from './node.js';
import { checkLayer, type Layer } from './specs.js';
import { buildNodes } from './build.js';
import { checkFileTensors, describeLayer, gradientDictOf, integerTensors, layerFromDescription, loadState, stateDictOf, type LoadStateDictOptions, type StateDict } from './state.js';

export type { StateDict, LoadStateDictOptions } from './state.js';

/** Options of the {@link Sequential} constructor. */
export interface SequentialOptions {
  /** One row's shape without the batch axis: `[features]`, or `[channels, height, width]` for images. */
  inputShape: readonly number[];
  /** Output function, which also picks the loss (default 'softmax' with cross-entropy; 'sigmoid', 'linear' as Mlp). */
  output?: OutputName;
  /** Seed of the initialization, dropout masks and fit's shuffling; drawn from crypto when absent. */
  seed?: number;
}

const SEQUENTIAL_KEYS: OptionKeys<SequentialOptions> = { inputShape: true, output: true, seed: true };
const LOAD_STATE_DICT_KEYS: OptionKeys<LoadStateDictOptions> = { strict: true, allowNonFinite: true };
/** Set by `load` around its constructor call: the file's weights replace the starting ones, so none are drawn. */
let loading = false;
const MAX_INPUT_ELEMENTS = 2 ** 26;

// Frees a forgotten model's wasm memory when the model is garbage-collected.
const registry = new FinalizationRegistry<SequentialNet>((net) => net.free());
// Each model's network, for the internal helpers below (the class keeps it private).
const networks = new WeakMap<Sequential, SequentialNet>();

function inputShapeOf(value: unknown): Shape {
  const ok = Array.isArray(value) && (value.length === 1 || value.length === 3) && value.every((d) => Number.isInteger(d) && d >= 1);
  const size = ok ? (value as number[]).reduce((a, b) => a * b, 1) : 0;
  if (!ok || size > MAX_INPUT_ELEMENTS) {
    throw new ShapeError(`Sequential: inputShape must be [features] or [channels, height, width] of positive integers, got ${show(value)}`);
  }
  const dims = value as number[];
  return dims.length === 1 ? flatShape(dims[0]) : imageShape(dims[0], dims[1], dims[2]);
}

/**
 * A stack of layers trained by backpropagation on wasm SIMD kernels, with PyTorch's layer names,
 * layouts (NCHW images, weights [out, in, kh, kw]) and state_dict names, so that a model moves to
 * and from PyTorch's nn.Sequential. Parameters, gradients, optimizer state and workspaces stay in
 * wasm memory for the model's lifetime; `dispose()` frees them at once.
 *
 * ```ts
 * await nninit.ready();
 * const { layers } = nninit;
 * const model = new nninit.Sequential([
 *   layers.conv2d({ inChannels: 1, outChannels: 16, kernelSize: 5 }), layers.relu(), layers.maxPool2d({ kernelSize: 2 }),
 *   layers.flatten(), layers.dense({ inFeatures: 16 * 12 * 12, outFeatures: 10 }),
 * ], { inputShape: [1, 28, 28], seed: 1 });
 * await model.fit(train.x, train.y, { epochs: 5, batchSize: 64 });
 * model.evaluate(test.x, test.y); // { loss, accuracy }
 * ```
 */
export class Sequential {
  /** The layers, as given (nested in residual blocks). */
  readonly layers: readonly Layer[];
  /** One row's input shape: [features] or [channels, height, width]. */
  readonly inputShape: readonly number[];
  readonly output: OutputName;
  /** The seed initialization, dropout and shuffling came from. */
  readonly seed: number;
  private readonly net: SequentialNet;
  private readonly shuffleRng: Rng;
  private fitting = false;

  constructor(layers: readonly Layer[], options: SequentialOptions) {
    if (!Array.isArray(layers) || layers.length === 0) throw new ParamError(`Sequential needs a non-empty array of layers, got ${show(layers)}`);
    layers.forEach((layer, i) => checkLayer(layer, `Sequential: layers[${i}]`));
    const o = checkOptions('Sequential', options, SEQUENTIAL_KEYS);
    if (options === undefined) throw new ParamError('Sequential needs options with inputShape, e.g. { inputShape: [1, 28, 28] }');
    const input = inputShapeOf(o.inputShape);
    const output = resolveOutput(o.output ?? 'softmax');
    this.seed = o.seed === undefined ? randomSeed() : (o.seed as number);
    const rng = new Rng(this.seed);
    this.shuffleRng = rng.fork();
    this.layers = Object.freeze(layers.slice());
    this.inputShape = Object.freeze((o.inputShape as number[]).slice());
    this.output = output;
    const net = new SequentialNet(this.layers, input, output);
    try {
      if (net.nodes[net.nodes.length - 1].output.kind !== 'flat') {
        throw new ShapeError(
          `Sequential: the last layer outputs an image ${show(imageDims(net))}; end with flatten() and a dense layer so that the model outputs [rows, classes]`,
        );
      }
      if (output === 'softmax' && net.outputs < 2) throw new ParamError(`Sequential: output 'softmax' needs at least 2 outputs, got ${net.outputs}`);
      net.initialize(rng, !loading);
    } catch (error) {
      net.free();
      throw error;
    }
    this.net = net;
    registry.register(this, net, this);
    networks.set(this, net);
  }

  private alive(): SequentialNet {
    if (this.net.isFreed) throw new MemoryError('this Sequential was disposed; create a new one');
    return this.net;
  }

  /** Features of one output row (classes, for a classifier). */
  get outputs(): number {
    return this.net.outputs;
  }

  /** Trainable parameters (weights, biases, batch-norm scales and shifts, gates), as PyTorch counts them. */
  get parameterCount(): number {
    return this.net.nodes.reduce((sum, node) => sum + node.trainableLength, 0);
  }

  /** PyTorch's `training` flag: the mode `fit` runs its batches in (true until `eval()`). */
  get training(): boolean {
    return this.alive().training;
  }

  /**
   * Sets the mode of `fit`'s batches, as PyTorch's `module.train(mode)`: in training batch norm
   * uses and updates batch statistics and dropout drops; in evaluation neither. `predict`,
   * `evaluate` and fit's validation always run in evaluation mode.
   */
  train(mode = true): this {
    this.alive().training = booleanOption('train: mode', mode, true);
    return this;
  }

  /** `train(false)`. */
  eval(): this {
    return this.train(false);
  }

  /** x as [rows, inputs] (a [rows, ...inputShape] tensor is the same data). */
  private flatInputs(x: Tensor, name: string): Tensor {
    const inputs = this.net.inputs;
    const shape = (x as { shape?: unknown } | null)?.shape;
    if (Array.isArray(shape) && shape.length === this.inputShape.length + 1 && shape.slice(1).every((d, i) => d === this.inputShape[i])) {
      return { shape: [shape[0], inputs], data: x.data };
    }
    if (Array.isArray(shape) && shape.length > 2) {
      throw new ShapeError(`${name} has shape ${show(shape)} but the model takes rows of ${show([...this.inputShape])}: [rows, ${this.inputShape.join(', ')}] or [rows, ${inputs}]`);
    }
    return x;
  }

  /**
   * Trains on (x, y): x a Tensor [rows, ...inputShape] or [rows, inputs], y class ids or a Tensor
   * [rows, outputs]. The options are Mlp's (`freeze` takes top-level layer indices; a frozen layer
   * keeps its parameters and, if it is batch norm, its running statistics: it runs in evaluation
   * mode, as Keras does). Resolves with the history; yields to the event loop between epochs.
   */
  async fit(x: Tensor, y: Targets, options: FitOptions): Promise<History> {
    const net = this.alive();
    if (this.fitting) throw new ParamError('fit() is already running on this model; await it first');
    const flat = this.flatInputs(x, 'x');
    // Not an object: left for fitNet's option check to refuse.
    const o = typeof options === 'object' && options !== null ? { ...options } : options;
    if (typeof o?.validation === 'object' && o.validation !== null) {
      o.validation = { ...o.validation, x: this.flatInputs(o.validation.x, 'validation.x') };
    }
    this.checkFreeze(o?.freeze);
    if (o) this.checkBatchNormRows(flat, o);
    this.fitting = true;
    try {
      return await fitNet(net, this.shuffleRng, flat, y, o);
    } finally {
      this.fitting = false;
    }
  }

  /** Something must train: a `freeze` that leaves only layers without parameters is refused. */
  private checkFreeze(freeze: unknown): void {
    if (!Array.isArray(freeze)) return;
    const learning = this.net.nodes.some((node, i) => !freeze.includes(i) && node.trainableLength > 0);
    if (!learning) throw new ParamError(`freeze lists every layer with parameters (${show(freeze)}); nothing would train`);
  }

  /** Training-mode batch norm needs 2+ values per channel: refuse a fit whose batches would leave one row. */
  private checkBatchNormRows(x: Tensor, options: FitOptions): void {
    // x is not checked yet: a non-Tensor is left for fitNet's check to refuse.
    const rows: unknown = Array.isArray((x as { shape?: unknown } | null)?.shape) ? x.shape[0] : undefined;
    if (!this.net.training || typeof rows !== 'number' || !Number.isInteger(rows)) return;
    const norm = [...walk(this.net.nodes)].find((node) => node.kind === 'batchNorm1d' || (node.kind === 'batchNorm2d' && node.input.kind === 'image' && node.input.height * node.input.width === 1));
    if (!norm) return;
    const fraction = typeof options.validation === 'number' ? options.validation : 0;
    const trainRows = rows - Math.round(fraction * rows);
    const batchSize = options.batchSize ?? 32;
    if (Number.isInteger(batchSize) && batchSize > 0 && trainRows % batchSize === 1) {
      throw new ShapeError(
        `Sequential: ${norm.label} needs more than 1 row per batch in training mode, but ${trainRows} rows in batches of ${batchSize} leave a last batch of 1; choose another batchSize`,
      );
    }
  }

  /** Outputs for x [rows, ...inputShape]: class probabilities (softmax), per-output probabilities (sigmoid) or values; in evaluation mode. */
  predict(x: Tensor): Tensor {
    const net = this.alive();
    const flat = this.flatInputs(x, 'x');
    const rows = checkMatrix(flat, 'x', { cols: net.inputs, finite: true }).rows;
    const outputs = net.outputs;
    const result = new Float32Array(rows * outputs);
    const k = kernels();
    const chunk = net.workspace(Math.min(rows, EVAL_ROWS)).rows;
    withBuffers([chunk * net.inputs], (input) => {
      for (let start = 0; start < rows; start += chunk) {
        const count = Math.min(chunk, rows - start);
        input.write(flat.data.subarray(start * net.inputs, (start + count) * net.inputs));
        const logits = net.forward(input.ptr, count);
        if (this.output === 'softmax') k.elementwiseSoftmax(logits, logits, count, outputs);
        else if (this.output === 'sigmoid') k.elementwiseSigmoid(logits, logits, count * outputs);
        result.set(heap().f32(logits, count * outputs), start * outputs);
      }
    });
    return { shape: [rows, outputs], data: result };
  }

  /** Mean loss (the training loss) and accuracy on (x, y), in evaluation mode. */
  evaluate(x: Tensor, y: Targets): { loss: number; accuracy: number } {
    const net = this.alive();
    const flat = this.flatInputs(x, 'x');
    const rows = checkMatrix(flat, 'x', { cols: net.inputs, finite: true }).rows;
    const targets = encodeTargets(y, rows, net.outputs, this.output);
    return withBuffers([flat.data.length, targets.length], (xBuffer, targetBuffer) => {
      xBuffer.write(flat.data);
      targetBuffer.write(targets);
      const { lossSum, correct } = scoreRows(net, xBuffer.ptr, targetBuffer.ptr, rows);
      return { loss: lossSum / net.lossCount(rows), accuracy: correct / rows };
    });
  }

  /**
   * Copies of every parameter and buffer by PyTorch's state_dict names (`0.weight`, `1.running_mean`,
   * `1.num_batches_tracked` as a 0-d tensor, …), in PyTorch's shapes.
   */
  stateDict(): StateDict {
    return stateDictOf(this.alive());
  }

  /**
   * Loads a state_dict (e.g. `nninit.decodeSafetensors(bytes).tensors` of a file PyTorch wrote with
   * `save_file(model.state_dict(), path)`). Everything is checked before anything is written.
   */
  loadStateDict(state: StateDict, options: LoadStateDictOptions = {}): void {
    const o = checkOptions('loadStateDict', options, LOAD_STATE_DICT_KEYS);
    loadState(this.alive(), state, {
      strict: booleanOption('strict', o.strict, true),
      allowNonFinite: booleanOption('allowNonFinite', o.allowNonFinite, false),
    });
  }

  /**
   * The model as safetensors bytes: the state_dict with PyTorch's names and dtypes (F32, and I64
   * for num_batches_tracked), loadable by `model.load_state_dict(safetensors.torch.load_file(path))`,
   * plus the architecture in `__metadata__` for `Sequential.load`.
   */
  save(): Uint8Array {
    const net = this.alive();
    const config: Record<string, string> = {
      layers: JSON.stringify(this.layers.map(describeLayer)),
      inputShape: this.inputShape.join(','),
      output: this.output,
      seed: String(this.seed),
      training: String(net.training),
    };
    const dtypes = Object.fromEntries(integerTensors(net).map((name) => [name, 'I64' as const]));
    return writeModel('sequential', config, stateDictOf(net), dtypes);
  }

  /** A Sequential from bytes written by `save()`; any problem is `FormatError` (E_FORMAT). */
  static load(bytes: Uint8Array, options?: LoadOptions): Sequential {
    return Sequential.fromFile(readModel(bytes, options, 'sequential'));
  }

  /** @internal Builds the model from a decoded file of kind 'sequential' (`nninit.load` decodes once). */
  static fromFile(file: ModelFile): Sequential {
    let described: unknown;
    try {
      described = JSON.parse(metaString(file, 'layers'));
    } catch (error) {
      if (error instanceof SyntaxError) formatFail(`__metadata__.layers is not JSON (${error.message})`);
      throw error;
    }
    if (!Array.isArray(described) || described.length === 0) formatFail('__metadata__.layers must be a non-empty JSON array of layers');
    const layers = described.map((layer, i) => layerFromDescription(layer, `__metadata__.layers[${i}]`));
    const inputShape = metaSizes(file, 'inputShape', 1);
    const output = metaChoice(file, 'output', OUTPUTS);
    const seed = metaNumber(file, 'seed');
    const training = metaChoice(file, 'training', ['true', 'false'], 'true') === 'true';
    try {
      checkFileTensors(buildNodes(detachedContext(), layers, inputShapeOf(inputShape)), file.tensors);
    } catch (error) {
      if (error instanceof ParamError || error instanceof ShapeError) formatFail(error.message);
      throw error;
    }
    let model: Sequential;
    loading = true;
    try {
      model = new Sequential(layers, { inputShape, output, seed });
    } catch (error) {
      if (error instanceof ParamError || error instanceof ShapeError) formatFail(error.message);
      throw error;
    } finally {
      loading = false;
    }
    const state = Object.fromEntries(file.tensors);
    try {
      // The decoder has already refused non-finite values unless the caller allowed them.
      loadState(model.net, state, { strict: true, allowNonFinite: true }, formatFail);
    } catch (error) {
      model.dispose();
      throw error;
    }
    file.tensors.clear();
    checkNoExtraTensors(file);
    model.net.training = training;
    return model;
  }

  /** Frees the model's wasm memory now. Using the model afterwards throws `E_MEMORY`. */
  dispose(): void {
    registry.unregister(this);
    this.net.free();
  }
}

/** A context for nodes built only to read their shapes and state entries. */
function detachedContext(): NetContext {
  return { params: null as never, grads: null as never, scratch: 0 };
}

function imageDims(net: SequentialNet): number[] {
  const out = net.nodes[net.nodes.length - 1].output;
  return out.kind === 'image' ? [out.channels, out.height, out.width] : [out.features];
}

/** @internal The wasm network behind a live model, for tests and the layer-by-layer tools. */
export function sequentialNetOf(model: Sequential): SequentialNet {
  const net = networks.get(model)!;
  if (net.isFreed) throw new MemoryError('this Sequential was disposed; create a new one');
  return net;
}

/**
 * @internal The mean loss on (x, y) and the gradient of every trainable tensor (state_dict names),
 * from one forward and backward pass over all rows in the model's mode, for gradient checks.
 */
export function gradientsOfSequential(model: Sequential, x: Tensor, y: Targets): { loss: number; grads: StateDict } {
  const net = sequentialNetOf(model);
  const flat = x.shape.length === 2 ? x : { shape: [x.shape[0], net.inputs], data: x.data };
  const rows = checkMatrix(flat, 'x', { cols: net.inputs, finite: true }).rows;
  const targets = encodeTargets(y, rows, net.outputs, model.output);
  const work = net.workspace(rows);
  work.input.write(flat.data);
  work.targets.write(targets);
  net.grads.view.fill(0);
  const lossSum = net.backward(work.input.ptr, work.targets.ptr, rows, new Array(net.layerCount).fill(true));
  return { loss: lossSum / net.lossCount(rows), grads: gradientDictOf(net) };
}
