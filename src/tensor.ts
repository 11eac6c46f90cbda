import { DataError, ParamError, ShapeError, show } from './errors.js';

/**
 * A dense f32 array with a shape, row-major. The data is a plain Float32Array owned by the
 * JavaScript garbage collector: nothing to dispose.
 */
export interface Tensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** Largest element count nninit accepts for one tensor (the wasm32 heap is at most 4 GiB). */
export const MAX_ELEMENTS = 2 ** 29;

/** Checks a shape: a non-empty array of positive integers whose product fits in memory. */
export function checkShape(shape: unknown, name = 'shape'): number[] {
  if (!Array.isArray(shape) || shape.length === 0) {
    throw new ShapeError(`${name} must be a non-empty array of positive integers, got ${show(shape)}`);
  }
  let size = 1;
  for (let i = 0; i < shape.length; i++) {
    const d = shape[i];
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 1) {
      throw new ShapeError(`${name}[${i}] must be a positive integer, got ${show(d)} in ${show(shape)}`);
    }
    size *= d;
  }
  if (size > MAX_ELEMENTS) {
    throw new ShapeError(`${name} ${show(shape)} has ${size} elements, more than the limit of ${MAX_ELEMENTS}`);
  }
  return shape.slice();
}

/** Number of elements of a (checked) shape. */
export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

/** Makes a Tensor from data and a shape; the data is copied into a new Float32Array. */
export function tensor(data: Float32Array | ArrayLike<number>, shape: number[]): Tensor {
  const checked = checkShape(shape);
  const size = sizeOf(checked);
  if (data.length !== size) {
    throw new ShapeError(`data has ${data.length} elements but shape ${show(shape)} needs ${size}`);
  }
  const copy = Float32Array.from(data as ArrayLike<number>);
  return { shape: checked, data: copy };
}

/** Wraps an existing Float32Array without copying (internal). */
export function wrap(data: Float32Array, shape: number[]): Tensor {
  return { shape, data };
}

/**
 * Checks that `t` is a Tensor: a Float32Array whose length matches a valid shape. `name` starts
 * every message. A non-Tensor is `E_PARAM`; a bad shape or a length mismatch is `E_SHAPE`.
 */
export function checkTensor(t: unknown, name: string): { shape: number[]; data: Float32Array } {
  const candidate = t as Tensor | null;
  if (typeof candidate !== 'object' || candidate === null || !(candidate.data instanceof Float32Array)) {
    throw new ParamError(`${name} must be a Tensor ({ shape, data: Float32Array }), got ${show(t)}`);
  }
  const shape = checkShape(candidate.shape, `${name}.shape`);
  if (sizeOf(shape) !== candidate.data.length) {
    throw new ShapeError(`${name}.data has ${candidate.data.length} elements but its shape ${show(shape)} needs ${sizeOf(shape)}`);
  }
  return { shape, data: candidate.data };
}

/** A checked 2-D Tensor: its row and column counts and its data. */
export interface Matrix {
  rows: number;
  cols: number;
  data: Float32Array;
}

/**
 * The check of every matrix argument: `x` must be a Tensor of shape [rows, cols] with rows ≥ 1,
 * `cols` columns when `expect.cols` says how many, and data that fits the shape; with
 * `expect.finite` its values must also be finite. `name` starts every message. A non-Tensor is
 * `E_PARAM`, a wrong shape or length `E_SHAPE`, a NaN or ∞ `E_DATA` (as {@link checkTensor}).
 */
export function checkMatrix(x: unknown, name: string, expect: { cols?: number; finite?: boolean } = {}): Matrix {
  const shapeText = `[rows, ${expect.cols ?? 'cols'}]`;
  const candidate = x as Tensor | null;
  if (typeof candidate !== 'object' || candidate === null || !(candidate.data instanceof Float32Array) || !Array.isArray(candidate.shape)) {
    throw new ParamError(`${name} must be a 2-D Tensor ${shapeText} ({ shape, data: Float32Array }), got ${show(x)}`);
  }
  const { shape, data } = candidate;
  const [rows, cols] = shape;
  const fits = (d: unknown) => typeof d === 'number' && Number.isInteger(d) && d >= 1;
  if (shape.length !== 2 || !fits(rows) || !fits(cols) || (expect.cols !== undefined && cols !== expect.cols)) {
    throw new ShapeError(`${name} must be a 2-D Tensor of shape ${shapeText} with rows >= 1, got shape ${show(shape)}`);
  }
  if (rows * cols !== data.length) {
    throw new ShapeError(`${name}.data has ${data.length} elements but its shape ${show(shape)} needs ${rows * cols}`);
  }
  if (expect.finite) checkFinite(data, `${name}.data`);
  return { rows, cols, data };
}

/** Throws `E_DATA` naming the first non-finite element. */
export function checkFinite(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new DataError(`${name}[${i}] is ${show(data[i])}; values must be finite`);
  }
}
