import type { ElementwiseKernels } from '../ops/elementwise.js';
import { kernels, registerWarmup, withBuffers } from '../runtime/index.js';

/** The exports of assembly/nn.ts. Pointers are byte addresses in wasm memory. */
export interface NnKernels {
  nnGatherRows(src: number, cols: number, indices: number, count: number, dst: number): void;
  nnSoftmaxCrossEntropy(logits: number, targets: number, rows: number, cols: number, grad: number, scale: number): number;
  nnSigmoidCrossEntropy(logits: number, targets: number, n: number, grad: number, scale: number): number;
  nnSquaredError(outputs: number, targets: number, n: number, grad: number, scale: number): number;
  nnCountCorrect(outputs: number, targets: number, rows: number, cols: number, threshold: number): number;
  nnColumnSums(src: number, rows: number, cols: number, dst: number): void;
  nnSelu(x: number, n: number): void;
  nnSeluBackward(delta: number, outputs: number, n: number): void;
  nnSumOfSquares(x: number, n: number): number;
  nnClampValues(x: number, n: number, limit: number): void;
  nnSgdStep(
    params: number,
    grads: number,
    velocity: number,
    n: number,
    lr: number,
    momentum: number,
    nesterov: number,
    weightDecay: number,
    gradScale: number,
  ): void;
  nnAdamStep(
    params: number,
    grads: number,
    m: number,
    v: number,
    n: number,
    stepSize: number,
    denomScale: number,
    beta1: number,
    beta2: number,
    eps: number,
    l2: number,
    decay: number,
    gradScale: number,
  ): void;
}

/** The exports of assembly/nn.ts beside the elementwise ones a dense layer runs. */
export function nnKernels(): NnKernels & ElementwiseKernels {
  return kernels<NnKernels & ElementwiseKernels>();
}

// V8 swaps optimized code in for its baseline compile only on a later call: run the per-batch
// kernels a few times at ready() so that a first epoch is timed like the others.
registerWarmup(() => {
  const k = nnKernels();
  const n = 256;
  withBuffers([n, n, n, n], (params, grads, first, second) => {
    for (const buffer of [params, grads, first, second]) buffer.view.fill(0);
    for (let call = 0; call < 4; call++) {
      k.nnAdamStep(params.ptr, grads.ptr, first.ptr, second.ptr, n, 1e-3, 1, 0.9, 0.999, 1e-8, 0, 1, 1);
      k.nnSgdStep(params.ptr, grads.ptr, first.ptr, n, 1e-3, 0.9, 0, 0, 1);
      k.nnSoftmaxCrossEntropy(params.ptr, grads.ptr, 16, 16, first.ptr, 1);
      k.nnColumnSums(params.ptr, 16, 16, second.ptr);
      k.nnCountCorrect(params.ptr, grads.ptr, 16, 16, 0);
    }
  });
});
