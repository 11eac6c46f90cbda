/**
 * `nninit/node`: models to and from files. The only entry that imports `node:fs`; browsers work
 * with the bytes of `model.save()` and `nninit.load(bytes)` directly.
 *
 * ```ts
 * import { saveFile, loadFile } from 'nninit/node';
 * await saveFile(mlp, 'mlp.safetensors');
 * const model = await loadFile('mlp.safetensors'); // Mlp, RBM or DBN
 *
 * // A long fit that survives a crash: checkpoints in a file, then resume from it.
 * await mlp.fit(x, y, { epochs: 50, checkpoint: fileCheckpoint({ path: 'run.ckpt' }) });
 * const resumed = (await loadFile('run.ckpt')) as Mlp;
 * await resumed.fit(x, y, { epochs: 50, checkpoint: fileCheckpoint({ path: 'run.ckpt' }), resume: true });
 * ```
 *
 * @module nninit/node
 */
// The main entry's values and types: one runtime per process, one declaration of each class.
import { load, save, ParamError, type CheckpointOptions, type LoadOptions, type Model } from '../index.js';
import { readBytes, writeBytesAtomically } from './files.js';

/**
 * Writes `model.save()` to `path`, replacing the file in one step: a crash or a failed write
 * leaves the old file as it was. A file that cannot be written is an `IoError` (E_IO).
 */
export async function saveFile(model: Model, path: string): Promise<void> {
  await writeBytesAtomically(path, save(model));
}

/**
 * Reads a model file written by `saveFile` or `save()`; the model's kind is the file's. See
 * `nninit.load`. A file that cannot be read is an `IoError` (E_IO), one that is malformed a
 * `FormatError` (E_FORMAT).
 */
export async function loadFile(path: string, options?: LoadOptions): Promise<Model> {
  return load(await readBytes(path), options);
}

/** Options of `fileCheckpoint`. */
export interface FileCheckpointOptions {
  /** The checkpoint file; each checkpoint replaces it in one step. */
  path: string;
  /** Epochs between checkpoints (default 1). */
  every?: number;
}

/**
 * A `checkpoint` option for `Mlp.fit`, `RBM.fit` and `DBN.pretrain` that writes each checkpoint to
 * `path`, replacing the previous one in one atomic step (a temporary file flushed, then renamed):
 * a crash mid-write leaves the last complete checkpoint. Load it with `loadFile(path)` and continue
 * with `resume: true`. A failed write is an `IoError` (E_IO) and ends the fit.
 */
export function fileCheckpoint(options: FileCheckpointOptions): CheckpointOptions {
  if (typeof options !== 'object' || options === null) throw new ParamError(`fileCheckpoint takes { path, every? }, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'path' && key !== 'every') throw new ParamError(`fileCheckpoint: unknown option ${JSON.stringify(key)} (it takes path, every)`);
  }
  const { path, every } = options;
  if (typeof path !== 'string' || path === '') throw new ParamError(`fileCheckpoint: path must be a non-empty string, got ${JSON.stringify(path) ?? String(path)}`);
  return { every, save: (bytes) => writeBytesAtomically(path, bytes) };
}
