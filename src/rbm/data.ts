/* Checks of the tensors an RBM is handed: data [rows, nVisible] and parameters. */
import { DataError, ShapeError, show } from '../errors.js';
import { checkMatrix, type Tensor } from '../tensor.js';

/** Checks a data tensor's shape and values (Bernoulli data in [0, 1] when `unitInterval`); returns its row count. */
export function checkData(x: Tensor, name: string, nVisible: number, unitInterval: boolean): number {
  const { rows, data } = checkMatrix(x, name, { cols: nVisible });
  checkValues(data, name, nVisible, unitInterval);
  return rows;
}

/** Checks one parameter tensor of `setWeights` against its shape; returns its values. */
export function checkParameter(t: Tensor | undefined, name: string, shape: number[], width: number): Float32Array {
  if (!t || !(t.data instanceof Float32Array) || !Array.isArray(t.shape) || show(t.shape) !== show(shape)) {
    throw new ShapeError(`${name} must be a Tensor of shape ${show(shape)}, got ${show(t?.shape)}`);
  }
  if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new ShapeError(`${name} has ${t.data.length} elements for shape ${show(t.shape)}`);
  checkValues(t.data, name, width, false);
  return t.data;
}

/** E_DATA for a non-finite value, or (for Bernoulli data) one outside [0, 1]. */
function checkValues(data: Float32Array, name: string, width: number, unitInterval: boolean): void {
  for (let k = 0; k < data.length; k++) {
    const value = data[k];
    if (unitInterval ? value >= 0 && value <= 1 : Number.isFinite(value)) continue;
    const where = `${name}[${Math.floor(k / width)}, ${k % width}]`;
    if (!Number.isFinite(value)) throw new DataError(`${where} is ${show(value)}; values must be finite`);
    throw new DataError(
      `${where} is ${show(value)}, outside [0, 1]: Bernoulli visible units need probabilities ` +
        `(scale the data, use visible: 'gaussian', or pass { allowOutOfRange: true })`,
    );
  }
}
