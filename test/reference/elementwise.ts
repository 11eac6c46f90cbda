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
