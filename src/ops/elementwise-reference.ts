import { wordToUniform01, type Rng } from '../random.js';

/*
 * Scalar references of the kernels in assembly/elementwise.ts, in f64 through Math.*, for tests.
 * Inputs are the f32 buffers the kernels read; results are f64 (no rounding to f32), so a test
 * measures the kernel's whole error. Matrices are row-major rows × cols; softmax runs along rows.
 * Special values follow PyTorch: NaN propagates, a softmax row holding NaN or +∞ (or only −∞) is NaN.
 */

type Values = ArrayLike<number>;

function map(x: Values, f: (v: number, i: number) => number): Float64Array {
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f(x[i], i);
  return out;
}

export function referenceBiasAdd(x: Values, bias: Values, cols: number): Float64Array {
  return map(x, (v, i) => v + bias[i % cols]);
}

export function referenceSigmoid(x: Values): Float64Array {
  return map(x, (v) => 1 / (1 + Math.exp(-v)));
}

/** dx from the sigmoid's output y. */
export function referenceSigmoidBackward(y: Values, dy: Values): Float64Array {
  return map(y, (v, i) => dy[i] * v * (1 - v));
}

export function referenceTanh(x: Values): Float64Array {
  return map(x, Math.tanh);
}

/** dx from tanh's output y. */
export function referenceTanhBackward(y: Values, dy: Values): Float64Array {
  return map(y, (v, i) => dy[i] * (1 - v * v));
}

/** max(x, 0) with NaN kept. */
export function referenceRelu(x: Values): Float64Array {
  return map(x, (v) => (v <= 0 ? 0 : v));
}

export function referenceReluBackward(x: Values, dy: Values): Float64Array {
  return map(x, (v, i) => (v > 0 ? dy[i] : 0));
}

export function referenceLeakyRelu(x: Values, slope: number): Float64Array {
  return map(x, (v) => (v > 0 ? v : slope * v));
}

export function referenceLeakyReluBackward(x: Values, dy: Values, slope: number): Float64Array {
  return map(x, (v, i) => (v > 0 ? dy[i] : slope * dy[i]));
}

export function referenceSoftplus(x: Values): Float64Array {
  return map(x, (v) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v))));
}

function rowMax(x: Values, start: number, cols: number): number {
  let m = -Infinity;
  for (let c = 0; c < cols; c++) m = Math.max(m, x[start + c]); // NaN wins, like PyTorch's max
  return m;
}

function rowExpSum(x: Values, start: number, cols: number, shift: number): number {
  let sum = 0;
  for (let c = 0; c < cols; c++) sum += Math.exp(x[start + c] - shift);
  return sum;
}

export function referenceSoftmax(x: Values, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const m = rowMax(x, start, cols);
    const sum = rowExpSum(x, start, cols, m);
    for (let c = 0; c < cols; c++) out[start + c] = Math.exp(x[start + c] - m) / sum;
  }
  return out;
}

export function referenceLogSoftmax(x: Values, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    const m = rowMax(x, start, cols);
    const logSum = Math.log(rowExpSum(x, start, cols, m));
    for (let c = 0; c < cols; c++) out[start + c] = x[start + c] - m - logSum;
  }
  return out;
}

/** dx = y · (dy − Σ dy·y) per row, from the softmax's output y. */
export function referenceSoftmaxBackward(y: Values, dy: Values, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    let dot = 0;
    for (let c = 0; c < cols; c++) dot += dy[start + c] * y[start + c];
    for (let c = 0; c < cols; c++) out[start + c] = y[start + c] * (dy[start + c] - dot);
  }
  return out;
}

/** dx = dy − e^y · Σ dy per row, from the log-softmax's output y. */
export function referenceLogSoftmaxBackward(y: Values, dy: Values, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    const start = r * cols;
    let total = 0;
    for (let c = 0; c < cols; c++) total += dy[start + c];
    for (let c = 0; c < cols; c++) out[start + c] = dy[start + c] - Math.exp(y[start + c]) * total;
  }
  return out;
}

/**
 * The Bernoulli half of the fused sigmoid + sample kernel: sample i is uniform01(w_i) < prob[i],
 * w_i being word i of `rng`'s stream from block `start` on `substream` (block start + ⌊i/4⌋,
 * word i mod 4), the words fillBernoulli uses for the same count.
 */
export function referenceBernoulliSample(prob: Values, rng: Rng, start: number, substream = 0): Float32Array {
  const out = new Float32Array(prob.length);
  for (let i = 0; i < prob.length; i += 4) {
    const words = rng.blockWords(start + i / 4, substream);
    for (let j = 0; j < 4 && i + j < prob.length; j++) out[i + j] = wordToUniform01(words[j]) < prob[i + j] ? 1 : 0;
  }
  return out;
}
