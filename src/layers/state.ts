import { DataError, NninitError, ParamError, ShapeError, show } from '../errors.js';
import { formatFail } from '../io/model-format.js';
import type { Tensor } from '../tensor.js';
import { walk, type Node } from './node.js';
import * as factories from './specs.js';
import type { Layer } from './specs.js';
import type { SequentialNet } from './network.js';

/*
 * A Sequential's state_dict, named as PyTorch names an nn.Sequential of the same modules: layer i's
 * tensors are `${i}.weight`, `${i}.bias`, and for batch norm also `${i}.running_mean`,
 * `${i}.running_var` and `${i}.num_batches_tracked` (an int64 scalar in PyTorch). Inside a
 * residual block i the branch's layers are `${i}.branch.${j}.…` and the gate `${i}.gate`.
 */

/** Tensors by their PyTorch state_dict names. */
export type StateDict = Record<string, Tensor>;

/** Options of `Sequential.loadStateDict`. */
export interface LoadStateDictOptions {
  /** Every tensor of the model must be present and nothing else (default true, as PyTorch). */
  strict?: boolean;
  /** Accept NaN and ±Infinity in parameters (default false: they are E_DATA). */
  allowNonFinite?: boolean;
}

interface Slot {
  node: Node;
  shape: readonly number[];
  /** Element offset in the parameter buffer, or -1 for num_batches_tracked. */
  offset: number;
}

function slots(net: SequentialNet): Map<string, Slot> {
  const map = new Map<string, Slot>();
  for (const node of walk(net.nodes)) {
    for (const entry of node.stateEntries()) map.set(`${node.path}.${entry.name}`, { node, shape: entry.shape, offset: entry.offset });
  }
  return map;
}

/**
 * Checks that a file holds every tensor `nodes` need, with its shape, before anything is allocated
 * for them (a hostile header cannot make nninit allocate more than the file's own tensors).
 */
export function checkFileTensors(nodes: readonly Node[], tensors: ReadonlyMap<string, Tensor>): void {
  for (const node of walk(nodes)) {
    for (const entry of node.stateEntries()) {
      const name = `${node.path}.${entry.name}`;
      const tensor = tensors.get(name);
      if (tensor === undefined) formatFail(`tensor ${show(name)} is missing; ${node.label} needs it with shape ${show([...entry.shape])}`);
      if (show(tensor.shape) !== show([...entry.shape])) {
        formatFail(`tensor ${show(name)} has shape ${show(tensor.shape)} but ${node.label} in __metadata__.layers needs ${show([...entry.shape])}`);
      }
    }
  }
}

/** Names of the tensors stored as int64 by PyTorch. */
export function integerTensors(net: SequentialNet): string[] {
  return [...slots(net)].filter(([, slot]) => slot.offset < 0).map(([name]) => name);
}

/** Copies of every state tensor, PyTorch's names and shapes. */
export function stateDictOf(net: SequentialNet): StateDict {
  const params = net.params.view;
  const out: StateDict = {};
  for (const [name, { node, shape, offset }] of slots(net)) {
    const length = shape.reduce((a, b) => a * b, 1);
    out[name] = { shape: [...shape], data: offset < 0 ? Float32Array.of(node.batchesTracked) : params.slice(offset, offset + length) };
  }
  return out;
}

/** The gradient of every trainable tensor by its state_dict name (after a backward pass). */
export function gradientDictOf(net: SequentialNet): StateDict {
  const grads = net.grads.view;
  const out: StateDict = {};
  for (const [name, { shape, offset }] of slots(net)) {
    if (offset < 0 || /\.running_(mean|var)$/.test(name)) continue;
    const length = shape.reduce((a, b) => a * b, 1);
    out[name] = { shape: [...shape], data: grads.slice(offset, offset + length) };
  }
  return out;
}

/**
 * Checks every tensor of `state` against the model, then writes them all (nothing is written when
 * anything is wrong). Unknown or missing names are E_PARAM (strict), wrong shapes E_SHAPE, values
 * E_DATA; `fail` replaces the error class, for files (E_FORMAT).
 */
export function loadState(net: SequentialNet, state: unknown, options: LoadStateDictOptions = {}, fail?: (message: string) => never): void {
  const raise = (Class: new (message: string) => NninitError, message: string): never => {
    if (fail) fail(message);
    throw new Class(message);
  };
  if (typeof state !== 'object' || state === null || Array.isArray(state)) {
    raise(ParamError, `loadStateDict takes an object of name → Tensor (a state_dict), got ${show(state)}`);
  }
  const strict = options.strict ?? true;
  const expected = slots(net);
  const given = state as Record<string, unknown>;
  if (strict) {
    const missing = [...expected.keys()].filter((name) => !Object.hasOwn(given, name));
    const unexpected = Object.keys(given).filter((name) => !expected.has(name));
    if (missing.length > 0 || unexpected.length > 0) {
      const parts = [];
      if (missing.length > 0) parts.push(`missing ${missing.map((n) => show(n)).join(', ')}`);
      if (unexpected.length > 0) parts.push(`unexpected ${unexpected.slice(0, 8).map((n) => show(n)).join(', ')}${unexpected.length > 8 ? ', …' : ''}`);
      raise(ParamError, `loadStateDict: the state_dict does not match the model: ${parts.join('; ')}`);
    }
  }
  const writes: Array<{ slot: Slot; data: Float32Array }> = [];
  for (const [name, slot] of expected) {
    if (!Object.hasOwn(given, name)) continue;
    const candidate = given[name] as Tensor | null;
    const shape = slot.shape;
    const length = shape.reduce((a, b) => a * b, 1);
    if (typeof candidate !== 'object' || candidate === null || !(candidate.data instanceof Float32Array) || !Array.isArray(candidate.shape)) {
      raise(ParamError, `loadStateDict: ${show(name)} must be a Tensor { shape, data: Float32Array }, got ${show(candidate)}`);
    }
    const tensor = candidate as Tensor;
    if (show(tensor.shape) !== show(shape) || tensor.data.length !== length) {
      raise(ShapeError, `loadStateDict: size mismatch for ${show(name)}: the state_dict has shape ${show(tensor.shape)}, the model ${show([...shape])}`);
    }
    if (slot.offset < 0) {
      const count = tensor.data[0];
      if (!Number.isInteger(count) || count < 0) raise(DataError, `loadStateDict: ${show(name)} is ${show(count)}; a batch count is an integer >= 0`);
    } else if (!options.allowNonFinite) {
      const bad = tensor.data.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) raise(DataError, `loadStateDict: ${show(name)}[${bad}] is ${show(tensor.data[bad])}; values must be finite`);
    }
    writes.push({ slot, data: tensor.data });
  }
  const params = net.params.view;
  for (const { slot, data } of writes) {
    if (slot.offset < 0) slot.node.batchesTracked = data[0];
    else params.set(data, slot.offset);
  }
}

/** A layer's architecture for a file: its spec without initializers (the file holds the weights). */
export function describeLayer(layer: Layer): Record<string, unknown> {
  const { init: _init, biasInit: _biasInit, ...rest } = layer as Layer & { init?: unknown; biasInit?: unknown };
  if (layer.kind === 'residual') return { ...rest, layers: layer.layers.map(describeLayer) };
  return { ...rest };
}

/** Residual blocks a file may nest: deeper is not a network anyone trains, and recursion has limits. */
const MAX_NESTING = 32;

/** Rebuilds a layer from `describeLayer`'s output through the factories, so a file's layers are checked like a caller's. */
export function layerFromDescription(value: unknown, where: string, depth = 0): Layer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) formatFail(`${where} must be a layer object, got ${show(value)}`);
  if (depth > MAX_NESTING) formatFail(`${where} nests residual blocks more than ${MAX_NESTING} deep`);
  const { kind, ...options } = value as Record<string, unknown>;
  try {
    switch (kind) {
      case 'dense':
        return factories.dense(options as unknown as factories.DenseOptions);
      case 'conv2d':
        return factories.conv2d(options as unknown as factories.Conv2dOptions);
      case 'maxPool2d': {
        const { countIncludePad: _ignored, ...pool } = options;
        return factories.maxPool2d(pool as unknown as factories.MaxPool2dOptions);
      }
      case 'avgPool2d':
        return factories.avgPool2d(options as unknown as factories.AvgPool2dOptions);
      case 'batchNorm1d':
        return factories.batchNorm1d(options as unknown as factories.BatchNormOptions);
      case 'batchNorm2d':
        return factories.batchNorm2d(options as unknown as factories.BatchNormOptions);
      case 'dropout':
        return factories.dropout(options as factories.DropoutOptions);
      case 'leakyRelu':
        return factories.leakyRelu(options as factories.LeakyReluOptions);
      case 'relu':
      case 'tanh':
      case 'sigmoid':
      case 'selu':
        return factories[kind]();
      case 'flatten':
        return factories.flatten();
      case 'scalarBias':
        return factories.scalarBias();
      case 'residual': {
        const inner = options.layers;
        if (!Array.isArray(inner)) formatFail(`${where}.layers must be an array, got ${show(inner)}`);
        return factories.residual(
          inner.map((layer, i) => layerFromDescription(layer, `${where}.layers[${i}]`, depth + 1)),
          options.gate === null ? {} : { gate: options.gate as number },
        );
      }
      default:
        return formatFail(`${where} has kind ${show(kind)}, not a layer nninit knows`);
    }
  } catch (error) {
    if (error instanceof ParamError || error instanceof ShapeError) formatFail(`${where}: ${error.message}`);
    throw error;
  }
}
