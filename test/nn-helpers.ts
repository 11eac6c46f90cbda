// Shared by the nn, optim and experiment tests: small seeded data and f32 ↔ f64 conversions.
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';

/**
 * Gaussian blobs: `classes` random centres in [-1, 1]^inputs, rows spread over them by `weights`
 * (equal when absent), noise std `noise`. Labels follow the rows' blobs.
 */
export function blobs(
  rows: number,
  inputs: number,
  classes: number,
  seed: number,
  { noise = 0.3, weights }: { noise?: number; weights?: number[] } = {},
): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const centres = Array.from({ length: classes }, () => Array.from({ length: inputs }, () => rng.uniform(-1, 1)));
  const share = weights ?? new Array(classes).fill(1);
  const total = share.reduce((a, b) => a + b, 0);
  const x = new Float32Array(rows * inputs);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let pick = rng.uniform(0, total);
    let label = 0;
    while (label < classes - 1 && pick >= share[label]) pick -= share[label++];
    y[r] = label;
    for (let i = 0; i < inputs; i++) x[r * inputs + i] = centres[label][i] + noise * rng.normal();
  }
  return { x: { shape: [rows, inputs], data: x }, y };
}

/** A Tensor of N(0, std²) values. */
export function randomTensor(shape: number[], seed: number, std = 1): Tensor {
  const rng = new Rng(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return { shape, data: Float32Array.from({ length: size }, () => std * rng.normal()) };
}

export function f64(data: ArrayLike<number>): Float64Array {
  return Float64Array.from(data);
}

/** max |a − b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

export function maxAbs(a: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}
