import { DataError, ShapeError, show } from '../errors.js';
import { checkFinite, type Tensor } from '../tensor.js';
import type { OutputName } from './activations.js';

/** Class ids (one per row), or a Tensor of target rows [rows, outputs]. */
export type Targets = Int32Array | readonly number[] | Tensor;

function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && !ArrayBuffer.isView(value) && !Array.isArray(value) && 'data' in value;
}

/**
 * Dense targets [rows, outputs] for the loss kernels. Class ids become one-hot rows; with a single
 * output (a sigmoid's binary case) the id itself, 0 or 1, is the target.
 */
export function encodeTargets(y: unknown, rows: number, outputs: number, output: OutputName, name = 'y'): Float32Array {
  if (isTensor(y)) return checkTargetTensor(y, rows, outputs, output, name);
  if (!(y instanceof Int32Array) && !Array.isArray(y)) {
    throw new DataError(`${name} must be class ids (Int32Array or number[]) or a Tensor [rows, ${outputs}], got ${show(y)}`);
  }
  if (y.length !== rows) throw new ShapeError(`x has ${rows} rows but ${name} has ${y.length} labels`);
  const classes = Math.max(outputs, 2);
  const dense = new Float32Array(rows * outputs);
  for (let i = 0; i < rows; i++) {
    const label = y[i];
    if (!Number.isInteger(label) || label < 0 || label >= classes) {
      throw new DataError(`${name}[${i}] is ${show(label)}; class ids must be integers in [0, ${classes})`);
    }
    if (outputs === 1) dense[i] = label;
    else dense[i * outputs + label] = 1;
  }
  return dense;
}

function checkTargetTensor(y: Tensor, rows: number, outputs: number, output: OutputName, name: string): Float32Array {
  const shapeOk =
    y.data instanceof Float32Array &&
    Array.isArray(y.shape) &&
    y.shape[0] === rows &&
    ((y.shape.length === 2 && y.shape[1] === outputs) || (y.shape.length === 1 && outputs === 1)) &&
    y.data.length === rows * outputs;
  if (!shapeOk) {
    throw new ShapeError(`${name} must be a Tensor [${rows}, ${outputs}] (one row per row of x), got shape ${show(y.shape)}`);
  }
  checkFinite(y.data, `${name}.data`);
  if (output !== 'linear') {
    const upper = output === 'sigmoid' ? 1 : Infinity;
    for (let i = 0; i < y.data.length; i++) {
      const t = y.data[i];
      if (t < 0 || t > upper) {
        const rule = output === 'sigmoid' ? 'sigmoid targets must lie in [0, 1]' : 'softmax targets must be >= 0';
        throw new DataError(`${name}.data[${i}] is ${show(t)}; ${rule}`);
      }
    }
  }
  return y.data;
}
