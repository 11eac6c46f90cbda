import { ParamError, show } from '../errors.js';
import { DBN } from '../dbn/dbn.js';
import { Sequential } from '../layers/sequential.js';
import { Mlp } from '../nn/mlp.js';
import { RBM } from '../rbm/rbm.js';
import { readModel, type LoadOptions } from './model-format.js';

/** Any model nninit saves and loads. */
export type Model = Mlp | RBM | DBN | Sequential;

/**
 * Loads bytes written by `save()` of any model and returns a model of the kind the file holds
 * (`Mlp`, `RBM`, `DBN` or `Sequential`; tell them apart with `instanceof`). Every tensor is checked against
 * the configuration in the file's `__metadata__` before the model is built; any problem throws
 * `FormatError` (E_FORMAT) naming the tensor. Non-finite values are rejected unless
 * `{ allowNonFinite: true }`.
 *
 * ```ts
 * const model = nninit.load(bytes);
 * if (model instanceof nninit.Mlp) model.evaluate(x, y);
 * ```
 */
export function load(bytes: Uint8Array, options?: LoadOptions): Model {
  const file = readModel(bytes, options);
  if (file.kind === 'mlp') return Mlp.fromFile(file);
  if (file.kind === 'rbm') return RBM.fromFile(file);
  if (file.kind === 'sequential') return Sequential.fromFile(file);
  return DBN.fromFile(file);
}

/** `model.save()` for any model, with a clear error for anything else. */
export function save(model: Model): Uint8Array {
  if (!(model instanceof Mlp || model instanceof RBM || model instanceof DBN || model instanceof Sequential)) {
    throw new ParamError(`model must be an Mlp, RBM, DBN or Sequential, got ${show(model)}`);
  }
  return model.save();
}
