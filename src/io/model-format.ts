import { FormatError, ParamError, show } from '../errors.js';
import type { Tensor } from '../tensor.js';
import { decodeSafetensors, encodeSafetensors, type DecodeSafetensorsOptions, type WriteDtype } from './safetensors.js';

/*
 * How nninit models sit in a safetensors file. The `__metadata__` strings carry the model's
 * configuration (kind, layer sizes, activations…); the tensors carry its parameters. Loading
 * checks every tensor against the configuration before any model is built, so a file that
 * disagrees with itself fails with E_FORMAT naming the tensor, and nothing is half-loaded.
 */

/** The package version written into every file (kept in step with `nninit.version`). */
export const FORMAT_VERSION = '0.1.0';

export type ModelKind = 'mlp' | 'rbm' | 'dbn' | 'sequential';
const MODEL_KINDS: readonly ModelKind[] = ['mlp', 'rbm', 'dbn', 'sequential'];

/** Largest layer size a file may declare; sizes must also match the tensors, which the file holds. */
const MAX_LAYER_SIZE = 2 ** 24;

/** Options of `nninit.load`, `Mlp.load`, `RBM.load`, `DBN.load` and `loadFile`. */
export type LoadOptions = DecodeSafetensorsOptions;

/** A decoded model file whose kind has been checked; tensors are taken out one by one. */
export interface ModelFile {
  kind: ModelKind;
  metadata: Record<string, string>;
  tensors: Map<string, Tensor>;
  /** Each tensor's dtype in the file. */
  dtypes: Record<string, string>;
}

/** A tensor name for a message, cut short: hostile headers can hold names of megabytes. */
export function nameOf(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

export function formatFail(problem: string): never {
  throw new FormatError(`nninit model file: ${problem}`);
}

/** Serializes a model's configuration and parameters (F32, or I64 for the tensors `dtypes` names). */
export function writeModel(
  kind: ModelKind,
  config: Record<string, string>,
  tensors: Record<string, Tensor>,
  dtypes?: Record<string, WriteDtype>,
): Uint8Array {
  return encodeSafetensors(tensors, { nninit: FORMAT_VERSION, model: kind, ...config }, { dtypes });
}

/** Decodes bytes and checks that they hold an nninit model of `expected` kind (any kind when absent). */
export function readModel(bytes: Uint8Array, options: LoadOptions | undefined, expected?: ModelKind): ModelFile {
  if (options !== undefined && (typeof options !== 'object' || options === null)) {
    throw new ParamError(`load options must be an object, got ${show(options)}`);
  }
  const { tensors, metadata, dtypes } = decodeSafetensors(bytes, options);
  if (metadata.nninit === undefined || metadata.model === undefined) {
    formatFail('__metadata__ lacks "nninit" and "model"; this safetensors file was not written by nninit');
  }
  const kind = metadata.model;
  if (!(MODEL_KINDS as readonly string[]).includes(kind)) {
    formatFail(`__metadata__.model is ${nameOf(kind)}; expected one of ${MODEL_KINDS.map((k) => show(k)).join(', ')}`);
  }
  if (expected !== undefined && kind !== expected) {
    formatFail(`the file holds a model of kind ${show(kind)}, not ${show(expected)}; nninit.load(bytes) loads any kind`);
  }
  return { kind: kind as ModelKind, metadata, tensors: new Map(Object.entries(tensors)), dtypes };
}

/** A required metadata string. */
export function metaString(file: ModelFile, key: string): string {
  const value = file.metadata[key];
  if (value === undefined) formatFail(`__metadata__ lacks ${show(key)}, needed by a ${file.kind} file`);
  return value;
}

/** One of `allowed`, or `fallback` when the key is absent and a fallback is given. */
export function metaChoice<T extends string>(file: ModelFile, key: string, allowed: readonly T[], fallback?: T): T {
  const value = fallback !== undefined && file.metadata[key] === undefined ? fallback : metaString(file, key);
  if (!(allowed as readonly string[]).includes(value)) {
    formatFail(`__metadata__.${key} is ${nameOf(value)}; expected one of ${allowed.map((a) => show(a)).join(', ')}`);
  }
  return value as T;
}

/** A comma-separated list of layer sizes: `"784,256,10"`. */
export function metaSizes(file: ModelFile, key: string, minimumCount: number): number[] {
  const text = metaString(file, key);
  const sizes = text.split(',').map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  if (sizes.length < minimumCount || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > MAX_LAYER_SIZE)) {
    formatFail(
      `__metadata__.${key} is ${nameOf(text)}; expected at least ${minimumCount} comma-separated sizes in [1, ${MAX_LAYER_SIZE}]`,
    );
  }
  return sizes;
}

/** A finite number (the seed, an activation's slope). */
export function metaNumber(file: ModelFile, key: string): number {
  const text = metaString(file, key);
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) formatFail(`__metadata__.${key} is ${nameOf(text)}; expected a finite number`);
  return value;
}

/** Removes and returns tensor `name`, which must have exactly `shape` (the one the configuration implies). */
export function takeTensor(file: ModelFile, name: string, shape: readonly number[]): Tensor {
  const tensor = file.tensors.get(name);
  if (tensor === undefined) formatFail(`tensor ${nameOf(name)} is missing; a ${file.kind} of this configuration needs it with shape ${show(shape)}`);
  if (show(tensor.shape) !== show(shape)) {
    formatFail(`tensor ${nameOf(name)} has shape ${show(tensor.shape)} but the configuration in __metadata__ needs ${show(shape)}`);
  }
  file.tensors.delete(name);
  return tensor;
}

/** After every expected tensor was taken: anything left over is not part of the model. */
export function checkNoExtraTensors(file: ModelFile): void {
  const [extra] = file.tensors.keys();
  if (extra !== undefined) formatFail(`tensor ${nameOf(extra)} is not part of a ${file.kind} of the configuration in __metadata__`);
}
