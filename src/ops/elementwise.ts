import { ParamError, show } from '../errors.js';
import { allocF32, kernels, registerWarmup, withBuffers } from '../runtime/index.js';
import { checkTensor, sizeOf, type Tensor } from '../tensor.js';

// --- public API: Tensor in, new Tensor out ------------------------------------------------------------

/** Copies t into wasm memory, runs `kernel` in place on it, and returns the result as a new Tensor. */
function inPlace(t: Tensor, name: string, kernel: (ptr: number, shape: number[]) => void): Tensor {
  const { shape, data } = checkTensor(t, name);
  const result = withBuffers([data.length], (buffer) => {
    buffer.write(data);
    kernel(buffer.ptr, shape);
    return buffer.toArray();
  });
  return { shape, data: result };
}

/** rows × cols with cols the last axis, for row-wise operations. */
function lastAxis(shape: number[]): { rows: number; cols: number } {
  const cols = shape[shape.length - 1];
  return { rows: sizeOf(shape) / cols, cols };
}

/** The logistic sigmoid 1 / (1 + e^−x), elementwise, as a new Tensor (σ(±∞) = 1 and 0). */
export function sigmoid(t: Tensor): Tensor {
  return inPlace(t, 'sigmoid input', (ptr, shape) => kernels().elementwiseSigmoid(ptr, ptr, sizeOf(shape)));
}

/** tanh, elementwise, as a new Tensor. */
export function tanh(t: Tensor): Tensor {
  return inPlace(t, 'tanh input', (ptr, shape) => kernels().elementwiseTanh(ptr, ptr, sizeOf(shape)));
}

/** max(x, 0), elementwise, as a new Tensor (NaN stays NaN, like PyTorch). */
export function relu(t: Tensor): Tensor {
  return inPlace(t, 'relu input', (ptr, shape) => kernels().elementwiseRelu(ptr, ptr, sizeOf(shape)));
}

/** x > 0 ? x : slope·x, elementwise, as a new Tensor. `slope` defaults to 0.01 like PyTorch. */
export function leakyRelu(t: Tensor, slope = 0.01): Tensor {
  if (typeof slope !== 'number' || !Number.isFinite(slope)) {
    throw new ParamError(`slope must be a finite number, got ${show(slope)}`);
  }
  return inPlace(t, 'leakyRelu input', (ptr, shape) => kernels().elementwiseLeakyRelu(ptr, ptr, sizeOf(shape), slope));
}

/** log(1 + e^x), elementwise, in the stable form max(x, 0) + log1p(e^−|x|), as a new Tensor. */
export function softplus(t: Tensor): Tensor {
  return inPlace(t, 'softplus input', (ptr, shape) => kernels().elementwiseSoftplus(ptr, ptr, sizeOf(shape)));
}

/**
 * Softmax along the last axis (PyTorch's dim = −1), computed stably as e^(x − max) / Σ, as a new
 * Tensor. Like PyTorch, a row holding NaN or +∞, or only −∞, comes out NaN; −∞ elements give 0.
 */
export function softmax(t: Tensor): Tensor {
  return inPlace(t, 'softmax input', (ptr, shape) => {
    const { rows, cols } = lastAxis(shape);
    kernels().elementwiseSoftmax(ptr, ptr, rows, cols);
  });
}

/** log(softmax(x)) along the last axis, computed as (x − max) − log Σ e^(x − max), as a new Tensor. */
export function logSoftmax(t: Tensor): Tensor {
  return inPlace(t, 'logSoftmax input', (ptr, shape) => {
    const { rows, cols } = lastAxis(shape);
    kernels().elementwiseLogSoftmax(ptr, ptr, rows, cols);
  });
}

// V8 first runs each kernel as baseline code and swaps in optimized code on a later call, once the
// function has used up a budget of loop iterations × body size (docs/wasm-notes.md). Two calls on 64K
// elements use it up for every kernel here (three on 4K left even sigmoid unoptimized).
const WARMUP_LENGTH = 1 << 16;
const WARMUP_CALLS = 2;

registerWarmup(() => {
  const k = kernels();
  const x = allocF32(WARMUP_LENGTH);
  const y = allocF32(WARMUP_LENGTH);
  const bias = allocF32(64);
  try {
    x.view.fill(0.5);
    bias.view.fill(0);
    const n = WARMUP_LENGTH;
    const rows = WARMUP_LENGTH / 64;
    for (let call = 0; call < WARMUP_CALLS; call++) {
      k.elementwiseBiasAdd(x.ptr, bias.ptr, y.ptr, rows, 64);
      k.elementwiseSigmoid(x.ptr, y.ptr, n);
      k.elementwiseSigmoidBackward(x.ptr, x.ptr, y.ptr, n);
      k.elementwiseTanh(x.ptr, y.ptr, n);
      k.elementwiseTanhBackward(x.ptr, x.ptr, y.ptr, n);
      k.elementwiseRelu(x.ptr, y.ptr, n);
      k.elementwiseReluBackward(x.ptr, x.ptr, y.ptr, n);
      k.elementwiseLeakyRelu(x.ptr, y.ptr, n, 0.01);
      k.elementwiseLeakyReluBackward(x.ptr, x.ptr, y.ptr, n, 0.01);
      k.elementwiseSoftplus(x.ptr, y.ptr, n);
      k.elementwiseSoftmax(x.ptr, y.ptr, rows, 64);
      k.elementwiseLogSoftmax(x.ptr, y.ptr, rows, 64);
    }
  } finally {
    bias.free();
    y.free();
    x.free();
  }
});
