import { ParamError, show } from './errors.js';
import { formatFail, nameOf, writeModel, type ModelFile, type ModelKind } from './io/model-format.js';
import type { WriteDtype } from './io/safetensors.js';
import { positiveInteger } from './options.js';
import type { Tensor } from './tensor.js';

/*
 * Checkpoints of long training runs. A checkpoint is a model file (the bytes `save()` writes)
 * with the training state beside the parameters: metadata strings and tensors whose names start
 * with "training.". `Mlp.load`, `RBM.load`, `DBN.load` and `nninit.load` read both; a model loaded
 * from a checkpoint continues with `fit(…, { ...theSameOptions, resume: true })` (or `pretrain`),
 * and the finished run has the same bits as one that was never interrupted.
 */

/** Options of `checkpoint` in `Mlp.fit`, `Sequential.fit`, `RBM.fit` and `DBN.pretrain`. */
export interface CheckpointOptions {
  /** Epochs between checkpoints (default 1); the last epoch of a fit (of each layer in a pretrain) always saves one. */
  every?: number;
  /**
   * Receives each checkpoint's bytes (load them with `Mlp.load`, `RBM.load`, `DBN.load` or
   * `nninit.load`). Training waits for a returned promise; an error thrown here ends the fit with
   * that error. In Node, `fileCheckpoint({ path })` from `nninit/node` writes them to a file.
   */
  save: (bytes: Uint8Array) => void | Promise<void>;
}

/** A checked `checkpoint` option. */
export interface CheckpointSettings {
  every: number;
  save: (bytes: Uint8Array) => void | Promise<void>;
}

/** The prefix of the training state's metadata keys and tensor names in a checkpoint. */
export const TRAINING_PREFIX = 'training.';

/** Checks the `checkpoint` option; null when absent. */
export function checkpointSettings(value: unknown): CheckpointSettings | null {
  if (value === undefined) return null;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ParamError(`checkpoint must be { every?, save(bytes) }, got ${show(value)}`);
  }
  const o = value as { every?: unknown; save?: unknown };
  for (const key of Object.keys(o)) {
    if (key !== 'every' && key !== 'save') throw new ParamError(`checkpoint: unknown option ${show(key)} (it takes every, save)`);
  }
  if (typeof o.save !== 'function') throw new ParamError(`checkpoint.save must be a function receiving the checkpoint's bytes, got ${show(o.save)}`);
  return { every: positiveInteger('checkpoint.every', o.every, 1), save: o.save as CheckpointSettings['save'] };
}

/** Whether a checkpoint is due after `epoch` of `epochs`. */
export function checkpointDue(settings: CheckpointSettings | null, epoch: number, epochs: number): settings is CheckpointSettings {
  return settings !== null && (epoch % settings.every === 0 || epoch === epochs);
}

/** The training state being written into a checkpoint: names without the prefix. */
export interface TrainingParts {
  metadata: Record<string, string>;
  tensors: Record<string, Tensor>;
}

/** The parts with the prefix, ready to join a model's configuration and tensors. */
export function prefixed(parts: TrainingParts): TrainingParts {
  const metadata: Record<string, string> = {};
  const tensors: Record<string, Tensor> = {};
  for (const [key, value] of Object.entries(parts.metadata)) metadata[TRAINING_PREFIX + key] = value;
  for (const [key, value] of Object.entries(parts.tensors)) tensors[TRAINING_PREFIX + key] = value;
  return { metadata, tensors };
}

/**
 * Removes the training state from a decoded model file and returns it as a file of its own
 * (names without the prefix, so that the model-format readers apply), or null when the file is
 * a plain model.
 */
export function takeTraining(file: ModelFile): ModelFile | null {
  const metadata: Record<string, string> = {};
  const tensors = new Map<string, Tensor>();
  const dtypes: Record<string, string> = {};
  for (const key of Object.keys(file.metadata)) {
    if (!key.startsWith(TRAINING_PREFIX)) continue;
    metadata[key.slice(TRAINING_PREFIX.length)] = file.metadata[key];
    delete file.metadata[key];
  }
  for (const [name, tensor] of [...file.tensors]) {
    if (!name.startsWith(TRAINING_PREFIX)) continue;
    tensors.set(name.slice(TRAINING_PREFIX.length), tensor);
    dtypes[name.slice(TRAINING_PREFIX.length)] = file.dtypes[name];
    file.tensors.delete(name);
  }
  if (Object.keys(metadata).length === 0 && tensors.size === 0) return null;
  return { kind: file.kind, metadata, tensors, dtypes };
}

/** An integer metadata value of the training state in [min, max]. */
export function trainingInteger(file: ModelFile, key: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const text = file.metadata[key];
  if (text === undefined) formatFail(`__metadata__ lacks ${show(TRAINING_PREFIX + key)}, needed by a checkpoint`);
  const value = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    formatFail(`__metadata__.${TRAINING_PREFIX}${key} is ${nameOf(text)}; expected an integer in [${min}, ${max}]`);
  }
  return value;
}

/** A number written by `String(x)` (round-trips exactly), NaN included. */
export function trainingFloat(file: ModelFile, key: string): number {
  const text = file.metadata[key];
  if (text === undefined) formatFail(`__metadata__ lacks ${show(TRAINING_PREFIX + key)}, needed by a checkpoint`);
  const value = Number(text);
  if (text.trim() === '' || (Number.isNaN(value) && text !== 'NaN')) formatFail(`__metadata__.${TRAINING_PREFIX}${key} is ${nameOf(text)}; expected a number`);
  return value;
}

/** One of `allowed`. */
export function trainingChoice<T extends string>(file: ModelFile, key: string, allowed: readonly T[]): T {
  const text = file.metadata[key];
  if (text === undefined || !(allowed as readonly string[]).includes(text)) {
    formatFail(`__metadata__.${TRAINING_PREFIX}${key} is ${text === undefined ? 'missing' : nameOf(text)}; expected one of ${allowed.map((a) => show(a)).join(', ')}`);
  }
  return text as T;
}

/** The largest block index a random stream reaches. */
export const MAX_BLOCK = 2 ** 53;

/** Throws one ParamError naming every option that disagrees with the checkpoint; `what` names the call. */
export function checkResumable(what: string, problems: readonly string[]): void {
  if (problems.length > 0) {
    throw new ParamError(`${what}: resume: true with options that do not continue the checkpoint: ${problems.join('; ')}`);
  }
}

/** A model file with training state: the model's configuration and tensors, then the state's. */
export function checkpointBytes(
  kind: ModelKind,
  config: Record<string, string>,
  tensors: Record<string, Tensor>,
  training: TrainingParts,
  dtypes?: Record<string, WriteDtype>,
): Uint8Array {
  const state = prefixed(training);
  return writeModel(kind, { ...config, ...state.metadata }, { ...tensors, ...state.tensors }, dtypes);
}
