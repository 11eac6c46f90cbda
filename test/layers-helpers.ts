// Shared by the layers tests: f64 copies of a model's state, finite differences of the reference
// loss, and seeded data.
import { encodeTargets, type Targets } from '../src/nn/targets.js';
import type { OutputName } from '../src/nn/activations.js';
import { refLoss, type RefBatch, type RefOptions, type RefState } from './reference/layers.js';
import type { Layer } from '../src/layers/specs.js';
import type { StateDict } from '../src/layers/state.js';
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';

export function refStateOf(state: StateDict): RefState {
  return Object.fromEntries(Object.entries(state).map(([name, t]) => [name, Float64Array.from(t.data)]));
}

export function copyState(state: RefState): RefState {
  return Object.fromEntries(Object.entries(state).map(([name, v]) => [name, v.slice()]));
}

export function refBatch(x: Tensor): RefBatch {
  return { shape: [...x.shape], data: Float64Array.from(x.data) };
}

/** Seeded N(0, std²) data of `shape`. */
export function normalTensor(shape: number[], seed: number, std = 1): Tensor {
  const rng = new Rng(seed);
  return { shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => std * rng.normal()) };
}

/** Targets the output accepts: class ids (softmax), 0/1 rows (sigmoid), reals (linear). */
export function targetsFor(output: OutputName, rows: number, outputs: number, seed: number): Targets {
  const rng = new Rng(seed);
  if (output === 'softmax') return Int32Array.from({ length: rows }, () => rng.int(outputs));
  if (output === 'sigmoid') return { shape: [rows, outputs], data: Float32Array.from({ length: rows * outputs }, () => rng.int(2)) };
  return normalTensor([rows, outputs], seed);
}

/**
 * Central differences of the f64 reference loss with respect to every element of every tensor
 * in `names`, at the state `state` (each evaluation starts from a fresh copy, so running
 * statistics updated in training mode do not drift).
 */
export function finiteDifferences(
  layers: readonly Layer[],
  state: RefState,
  x: RefBatch,
  y: Targets,
  output: OutputName,
  outputs: number,
  names: readonly string[],
  options: RefOptions,
  h = 1e-6,
): Record<string, Float64Array> {
  const rows = x.shape[0];
  const targets = Float64Array.from(encodeTargets(y, rows, outputs, output));
  const loss = (s: RefState) => refLoss(layers, copyState(s), x, targets, output, options);
  const out: Record<string, Float64Array> = {};
  for (const name of names) {
    const values = state[name];
    const grad = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) {
      const held = values[i];
      values[i] = held + h;
      const up = loss(state);
      values[i] = held - h;
      const down = loss(state);
      values[i] = held;
      grad[i] = (up - down) / (2 * h);
    }
    out[name] = grad;
  }
  return out;
}

/** max |a − b| / (max |b| + floor): the worst error relative to the tensor's scale. */
export function relativeError(a: ArrayLike<number>, b: ArrayLike<number>, floor = 1e-6): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / (scale + floor);
}

/** Index of the first element whose bits differ, or -1. */
export function firstBitDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
