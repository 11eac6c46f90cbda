import { tensor1d, tensor2d, type Tensor as TfTensor } from '@tensorflow/tfjs-core';
import { layers as tfLayers, sequential, type LayersModel, type Sequential } from '@tensorflow/tfjs-layers';
// Everything from the main entry (one runtime per process, one set of classes).
import { DataError, Mlp, ParamError, ShapeError, type ActivationName, type ActivationSpec, type OutputName } from '../index.js';
import { describe } from './describe.js';
import { tfjsToTorch, torchToTfjs } from './layout.js';

type TfLayer = LayersModel['layers'][number];

/**
 * The weights of `mlp` in the order and layout a TF.js Sequential of Dense layers wants them:
 * `[kernel0, bias0, kernel1, bias1, …]`, each kernel `[in, out]` (nninit's `[out, in]`
 * transposed; under μP the last one times `mlp.outputMultiplier`), each bias `[out]`. Pass them to `model.setWeights(weights)`, then dispose them
 * (`tf.dispose(weights)`): the model keeps its own reference.
 *
 * Layers without weights (a `LeakyReLU` layer after a linear Dense, an `Activation` layer) may sit
 * between the Dense layers; `setWeights` skips them. {@link toTfjsModel} builds such a model.
 *
 * @throws ParamError (`E_PARAM`) unless `mlp` is an nninit `Mlp`.
 */
export function toTfjsWeights(mlp: Mlp): TfTensor[] {
  if (!(mlp instanceof Mlp)) throw new ParamError(`toTfjsWeights: mlp must be an nninit Mlp, got ${describe(mlp)}`);
  const weights: TfTensor[] = [];
  const layers = mlp.layers;
  // μP's readout multiplier goes into the last kernel: a plain Dense layer then computes the same.
  const multiplier = mlp.outputMultiplier;
  if (multiplier !== 1) {
    const last = layers[layers.length - 1].weight.data;
    for (let i = 0; i < last.length; i++) last[i] *= multiplier;
  }
  for (const { weight, bias } of layers) {
    const [outputs, inputs] = weight.shape;
    weights.push(tensor2d(torchToTfjs(weight.data, weight.shape), [inputs, outputs], 'float32'));
    weights.push(tensor1d(bias.data, 'float32'));
  }
  return weights;
}

/** TF.js's name of an nninit hidden activation or output (all but leaky ReLU, which is a layer). */
const TFJS_ACTIVATION: Record<Exclude<ActivationName, 'leakyRelu'> | OutputName, string> = {
  relu: 'relu',
  sigmoid: 'sigmoid',
  tanh: 'tanh',
  selu: 'selu',
  linear: 'linear',
  softmax: 'softmax',
};

/**
 * A TF.js Sequential model that computes what `mlp` computes, with `mlp`'s weights (under μP the
 * readout's multiplier folded into the last kernel: trained in TF.js, it is a standard model): one Dense
 * layer per nninit layer with the hidden activation (leaky ReLU as a linear Dense followed by a
 * `LeakyReLU` layer with `alpha` = the slope) and the output function as the last layer's
 * activation. The model is not compiled; the loss that matches nninit's training is
 * `categoricalCrossentropy` for a softmax output, `binaryCrossentropy` for sigmoid and
 * `meanSquaredError` for linear.
 *
 * @throws ParamError (`E_PARAM`) unless `mlp` is an nninit `Mlp`.
 */
export function toTfjsModel(mlp: Mlp): Sequential {
  if (!(mlp instanceof Mlp)) throw new ParamError(`toTfjsModel: mlp must be an nninit Mlp, got ${describe(mlp)}`);
  const model = sequential();
  const sizes = mlp.sizes;
  const layerCount = sizes.length - 1;
  for (let l = 0; l < layerCount; l++) {
    const last = l === layerCount - 1;
    const leaky = !last && mlp.activation.name === 'leakyRelu';
    const activation = last ? TFJS_ACTIVATION[mlp.output] : leaky ? 'linear' : TFJS_ACTIVATION[mlp.activation.name as Exclude<ActivationName, 'leakyRelu'>];
    model.add(
      tfLayers.dense({
        units: sizes[l + 1],
        activation: activation as 'linear',
        // Overwritten below; zeros draw nothing.
        kernelInitializer: 'zeros',
        biasInitializer: 'zeros',
        ...(l === 0 ? { inputShape: [sizes[0]] } : {}),
      }),
    );
    if (leaky) model.add(tfLayers.leakyReLU({ alpha: mlp.activation.slope }));
  }
  const weights = toTfjsWeights(mlp);
  try {
    model.setWeights(weights);
  } finally {
    for (const weight of weights) weight.dispose();
  }
  return model;
}

/** Options of {@link fromTfjsModel}. */
export interface FromTfjsModelOptions {
  /** Seed of the new Mlp's `fit` shuffling (default: a fresh crypto seed). */
  seed?: number;
}

/** One Dense layer found in the model, with the activation that follows it. */
interface DenseFound {
  label: string;
  layer: TfLayer;
  units: number;
  /** A TF.js activation name, or leaky ReLU with its slope. */
  activation: string | { leakyRelu: number };
  /** Which layer set the activation, for messages. */
  activationFrom: string;
}

const NNINIT_HIDDEN = new Set(['relu', 'sigmoid', 'tanh', 'selu', 'linear']);
const NNINIT_OUTPUT = new Set(['softmax', 'sigmoid', 'linear']);

function showActivation(activation: DenseFound['activation']): string {
  return typeof activation === 'string' ? describe(activation) : `leakyRelu (alpha ${activation.leakyRelu})`;
}

function sameActivation(a: DenseFound['activation'], b: DenseFound['activation']): boolean {
  return typeof a === 'string' || typeof b === 'string' ? a === b : a.leakyRelu === b.leakyRelu;
}

/** Checks that `layer` takes its only input from `previous` (or from the model's input). */
function checkChain(layer: TfLayer, previous: TfLayer | undefined, label: string): void {
  const nodes = layer.inboundNodes;
  const sources = nodes.length === 1 ? nodes[0].inboundLayers : [];
  const fromPrevious =
    previous === undefined ? sources.length <= 1 && (sources.length === 0 || sources[0].getClassName() === 'InputLayer') : sources.length === 1 && sources[0] === previous;
  if (nodes.length !== 1 || !fromPrevious) {
    throw new ParamError(
      `fromTfjsModel: ${label} is not fed by the layer before it alone (${nodes.length} inbound nodes, ` +
        `inputs ${describe(sources.map((source) => source.name))}); nninit's Mlp is a plain chain of layers`,
    );
  }
}

function rankOf(layer: TfLayer): number {
  const input = layer.input;
  return Array.isArray(input) ? -1 : input.shape.length;
}

/**
 * An nninit `Mlp` that computes what a TF.js model computes, with its weights (kernels `[in, out]`
 * transposed to nninit's `[out, in]`). The model must be a plain chain (a Sequential, or a
 * functional model without branches) of:
 * - `Dense` layers with a bias, fed flat rows (an `InputLayer` or `Flatten` may come first);
 * - after any Dense layer whose activation is linear, at most one activation layer: `Activation`,
 *   `ReLU` (without maxValue), `LeakyReLU` (its `alpha` becomes nninit's slope) or `Softmax`.
 *
 * Every hidden Dense layer must end in the same activation, one of relu, sigmoid, tanh, selu,
 * linear or leaky ReLU (nninit's Mlp has one hidden activation); the last one in softmax, sigmoid
 * or linear, which becomes the Mlp's output (and so its loss: cross-entropy, binary
 * cross-entropy or squared error). Only weights and activations are read: regularizers,
 * constraints and the compiled loss and optimizer are not. Needs `await nninit.ready()` first.
 *
 * @throws ParamError (`E_PARAM`) naming the layer, for a layer, activation or structure the Mlp
 *   cannot represent (Dropout, convolutions, branches, a Dense without bias, mixed hidden
 *   activations, a relu output, …) or an unbuilt model.
 * @throws ShapeError (`E_SHAPE`) naming the layer, for a Dense layer fed inputs of rank above 2.
 * @throws DataError (`E_DATA`) naming the layer, for a NaN or infinite weight.
 */
export function fromTfjsModel(model: LayersModel, options: FromTfjsModelOptions = {}): Mlp {
  const candidate = model as Partial<LayersModel> | null;
  if (typeof candidate !== 'object' || candidate === null || !Array.isArray(candidate.layers) || !Array.isArray(candidate.inputs)) {
    throw new ParamError(`fromTfjsModel: model must be a TF.js LayersModel (tf.sequential() or tf.model()), got ${describe(model)}`);
  }
  if (typeof options !== 'object' || options === null) throw new ParamError(`fromTfjsModel: options must be an object, got ${describe(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'seed') throw new ParamError(`fromTfjsModel: unknown option ${describe(key)} (it takes seed)`);
  }
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ParamError(`fromTfjsModel: the model has ${model.inputs.length} inputs and ${model.outputs.length} outputs; nninit's Mlp has one of each`);
  }

  const dense: DenseFound[] = [];
  let previous: TfLayer | undefined;
  const setActivation = (activation: DenseFound['activation'], label: string): void => {
    const last = dense[dense.length - 1];
    if (last === undefined) throw new ParamError(`fromTfjsModel: ${label} comes before the first Dense layer; nninit's Mlp starts with one`);
    if (last.activation !== 'linear') {
      throw new ParamError(
        `fromTfjsModel: ${label} follows ${last.activationFrom}, which already applies ${showActivation(last.activation)}; ` +
          `nninit's Mlp applies one activation per layer`,
      );
    }
    last.activation = activation;
    last.activationFrom = label;
  };

  model.layers.forEach((layer, index) => {
    const className = layer.getClassName();
    const label = `layer ${index} ${describe(layer.name)} (${className})`;
    const config = layer.getConfig();
    if (className === 'InputLayer') {
      previous = layer;
      return;
    }
    checkChain(layer, previous, label);
    previous = layer;
    switch (className) {
      case 'Flatten':
        // Only possible before the first Dense layer: TF.js refuses to flatten the rank-2 rows after it.
        return;
      case 'Dense': {
        if (config.useBias === false) {
          throw new ParamError(`fromTfjsModel: ${label} has no bias (useBias: false); every layer of nninit's Mlp has one`);
        }
        const rank = rankOf(layer);
        if (rank !== 2) {
          throw new ShapeError(
            `fromTfjsModel: ${label} is fed inputs of shape ${describe(Array.isArray(layer.input) ? [] : layer.input.shape)}; ` +
              `nninit's Mlp takes rows of features: put a Flatten layer before the first Dense layer`,
          );
        }
        if (layer.getWeights().length !== 2) {
          throw new ParamError(`fromTfjsModel: ${label} has no weights yet; build the model first (give the first layer an inputShape)`);
        }
        dense.push({ label, layer, units: config.units as number, activation: config.activation as string, activationFrom: label });
        return;
      }
      case 'Activation':
        setActivation(config.activation as string, label);
        return;
      case 'ReLU':
        if (config.maxValue !== null && config.maxValue !== undefined) {
          throw new ParamError(`fromTfjsModel: ${label} has maxValue ${describe(config.maxValue)}; nninit's relu is not capped`);
        }
        setActivation('relu', label);
        return;
      case 'LeakyReLU': {
        const alpha = config.alpha as number;
        if (!Number.isFinite(alpha) || alpha < 0) {
          throw new ParamError(`fromTfjsModel: ${label} has alpha ${describe(alpha)}; nninit's leaky ReLU needs a slope >= 0`);
        }
        setActivation({ leakyRelu: alpha }, label);
        return;
      }
      case 'Softmax': {
        const axis = config.axis as number | number[];
        if (axis !== -1 && axis !== 1 && !(Array.isArray(axis) && axis.length === 1 && (axis[0] === -1 || axis[0] === 1))) {
          throw new ParamError(`fromTfjsModel: ${label} has axis ${describe(axis)}; nninit's softmax runs over the features (axis -1)`);
        }
        setActivation('softmax', label);
        return;
      }
      default:
        throw new ParamError(
          `fromTfjsModel: ${label} has no nninit equivalent; nninit's Mlp is a chain of Dense layers, with an optional ` +
            `Flatten first and Activation, ReLU, LeakyReLU or Softmax layers after them` +
            (className === 'Dropout' ? ' (remove the Dropout layer: nninit has no dropout)' : ''),
        );
    }
  });

  if (dense.length === 0) throw new ParamError('fromTfjsModel: the model has no Dense layer');
  const hidden = dense.slice(0, -1);
  const head = dense[dense.length - 1];
  for (const layer of hidden) {
    const { activation } = layer;
    if (typeof activation === 'string' && !NNINIT_HIDDEN.has(activation)) {
      throw new ParamError(
        `fromTfjsModel: ${layer.activationFrom} applies ${showActivation(activation)}; nninit's hidden activations are ` +
          `relu, sigmoid, tanh, selu, linear and leaky ReLU`,
      );
    }
    if (!sameActivation(activation, hidden[0].activation)) {
      throw new ParamError(
        `fromTfjsModel: ${layer.activationFrom} applies ${showActivation(activation)} but ${hidden[0].activationFrom} ` +
          `applies ${showActivation(hidden[0].activation)}; nninit's Mlp has one activation for all hidden layers`,
      );
    }
  }
  if (typeof head.activation !== 'string' || !NNINIT_OUTPUT.has(head.activation)) {
    throw new ParamError(
      `fromTfjsModel: the output layer, ${head.activationFrom}, applies ${showActivation(head.activation)}; ` +
        `nninit's Mlp ends in softmax, sigmoid or linear`,
    );
  }
  if (head.activation === 'softmax' && head.units < 2) {
    throw new ParamError(`fromTfjsModel: the output layer, ${head.label}, is a softmax over ${head.units} unit; nninit needs at least 2`);
  }

  // Read and check every weight before the Mlp allocates wasm memory.
  const parameters = dense.map(({ label, layer, units }) => {
    const [kernel, bias] = layer.getWeights();
    const inputs = kernel.shape[0] as number;
    const read = (t: TfTensor, name: string): Float32Array => {
      if (t.dtype !== 'float32') throw new ParamError(`fromTfjsModel: ${label} has a ${t.dtype} ${name}; nninit reads float32`);
      const data = t.dataSync() as Float32Array;
      for (let i = 0; i < data.length; i++) {
        if (!Number.isFinite(data[i])) throw new DataError(`fromTfjsModel: ${label} ${name}[${i}] is ${data[i]}; weights must be finite`);
      }
      return data;
    };
    return {
      inputs,
      weight: { shape: [units, inputs], data: tfjsToTorch(read(kernel, 'kernel'), [units, inputs]) },
      bias: { shape: [units], data: read(bias, 'bias').slice() },
    };
  });

  const hiddenActivation = hidden[0]?.activation;
  const activation: ActivationSpec | undefined =
    hiddenActivation === undefined
      ? undefined
      : typeof hiddenActivation === 'string'
        ? (hiddenActivation as ActivationName)
        : { name: 'leakyRelu', slope: hiddenActivation.leakyRelu };
  const mlp = new Mlp({
    layers: [parameters[0].inputs, ...dense.map((layer) => layer.units)],
    ...(activation === undefined ? {} : { activation }),
    output: head.activation as OutputName,
    init: 'zeros',
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  parameters.forEach(({ weight, bias }, l) => mlp.setLayer(l, { weight, bias }));
  return mlp;
}
