import { ParamError, ShapeError, show } from '../errors.js';
import { checkFinite, checkShape, sizeOf, type Tensor } from '../tensor.js';
import { readLayout, type Layout } from './fans.js';
import { checkOptions } from '../options.js';

/** Options of {@link fromTensor}. */
export interface FromTensorOptions {
  /** The values to start from (required), e.g. a tensor loaded from a safetensors file. */
  tensor: Tensor;
  /**
   * Layout of `tensor`: `'outIn'` (PyTorch, default) is copied as is; `'inOut'` (a Keras / TF.js
   * dense kernel [in, out]) is transposed into the requested [out, in].
   */
  layout?: Layout;
}

/**
 * A copy of existing weights as an initializer, for starting a layer from pretrained values:
 * `new Mlp({ layers, init: [{ name: 'fromTensor', tensor: saved }, 'heNormal'] })`. The tensor's
 * shape must equal `shape` (or its transpose with `layout: 'inOut'`), and its values be finite.
 *
 * @throws ShapeError (`E_SHAPE`) when the shapes differ; DataError (`E_DATA`) for a non-finite value.
 */
export function fromTensor(shape: readonly number[], options: FromTensorOptions): Tensor {
  checkOptions('init.fromTensor', options, { tensor: true, layout: true });
  const target = checkShape(shape);
  const { tensor } = options;
  if (typeof tensor !== 'object' || tensor === null || !(tensor.data instanceof Float32Array) || !Array.isArray(tensor.shape)) {
    throw new ParamError(`fromTensor: tensor must be a Tensor { shape, data: Float32Array }, got ${show(tensor)}`);
  }
  const layout = readLayout(options.layout);
  const expected = layout === 'outIn' ? target : transposed(target);
  if (show(tensor.shape) !== show(expected) || tensor.data.length !== sizeOf(target)) {
    throw new ShapeError(`fromTensor: tensor has shape ${show(tensor.shape)} but ${show(expected)} is needed for shape ${show(target)}`);
  }
  checkFinite(tensor.data, 'fromTensor: tensor.data');
  if (layout === 'outIn') return { shape: target, data: tensor.data.slice() };
  const [rows, columns] = target;
  const data = new Float32Array(rows * columns);
  // tensor is [columns, rows]: element (c, r) lands at (r, c).
  for (let c = 0; c < columns; c++) for (let r = 0; r < rows; r++) data[r * columns + c] = tensor.data[c * rows + r];
  return { shape: target, data };
}

function transposed(shape: number[]): number[] {
  if (shape.length !== 2) throw new ShapeError(`fromTensor: layout 'inOut' transposes 2-D weights only, got shape ${show(shape)}`);
  return [shape[1], shape[0]];
}
