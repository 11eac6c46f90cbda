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
import { readFile, writeFile } from 'node:fs/promises';
// Values from the main entry (one runtime per process); types from their modules, which keeps
// the declaration bundle from pulling in the whole main entry.
import { load, save } from '../index.js';
import type { LoadOptions } from '../io/model-format.js';
import type { Model } from '../io/models.js';

/** Writes `model.save()` to `path` (replacing the file). */
export async function saveFile(model: Model, path: string): Promise<void> {
  await writeFile(path, save(model));
}

/** Reads a model file written by `saveFile` or `save()`; the model's kind is the file's. See `nninit.load`. */
export async function loadFile(path: string, options?: LoadOptions): Promise<Model> {
  return load(await readFile(path), options);
}
