/**
 * `nninit/node`: models to and from files. The only entry that imports `node:fs`; browsers work
 * with the bytes of `model.save()` and `nninit.load(bytes)` directly.
 *
 * ```ts
 * import { saveFile, loadFile } from 'nninit/node';
 * await saveFile(mlp, 'mlp.safetensors');
 * const model = await loadFile('mlp.safetensors'); // Mlp, RBM or DBN
 * ```
 *
 * @module nninit/node
 */
// The main entry's values and types: one runtime per process, one declaration of each class.
import { load, save, type LoadOptions, type Model } from '../index.js';
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
