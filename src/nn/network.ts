import { gemmInto, reserveGemmWorkspace } from '../ops/gemm.js';
import { OptimizerState, type ParamRange } from '../optim/state.js';
import type { Optimizer } from '../optim/optimizers.js';
import { allocF32, heap, kernels, registerWarmup, withBuffers, type F32Buffer } from '../runtime/index.js';
import type { Activation, OutputName } from './activations.js';
import type { FitNetwork } from './fit.js';

/** What a dense network is, apart from its numbers. */
export interface NetShape {
  /** Units per layer, input first: [784, 256, 256, 10]. */
  readonly sizes: readonly number[];
  readonly activation: Activation;
  readonly output: OutputName;
}

/** Buffers sized for a number of rows, reused by every batch until a larger batch needs more. */
interface Workspace {
  rows: number;
  /** Staging for a gathered batch: inputs [rows, sizes[0]] and targets [rows, outputs]. */
  input: F32Buffer;
  targets: F32Buffer;
  /** outputs[l] is layer l's output [rows, sizes[l+1]]: activations, and logits for the last layer. */
  outputs: F32Buffer[];
  /** Ping-pong buffers for the backpropagated gradient, [rows, widest layer]. */
  deltas: [F32Buffer, F32Buffer];
}

/**
 * A dense network living in wasm memory: parameters, gradients, workspaces and optimizer state,
 * allocated once and reused by every batch. Layer l's weight [out, in] is followed by its bias in
 * one parameter buffer (and likewise in the gradient buffer), so an optimizer step over all
 * trainable layers is one kernel call over one contiguous range.
 */
export class DenseNet implements FitNetwork {
  readonly params: F32Buffer;
  readonly grads: F32Buffer;
  /** Element offsets of each layer's weight and bias in `params` and `grads`. */
  readonly weightOffsets: number[] = [];
  readonly biasOffsets: number[] = [];
  private work: Workspace | null = null;
  private optimizerState: OptimizerState | null = null;
  private freed = false;

  constructor(readonly shape: NetShape) {
    let offset = 0;
    for (let l = 0; l + 1 < shape.sizes.length; l++) {
      this.weightOffsets.push(offset);
      offset += shape.sizes[l] * shape.sizes[l + 1];
      this.biasOffsets.push(offset);
      offset += shape.sizes[l + 1];
    }
    this.params = allocF32(offset);
    try {
      this.grads = allocF32(offset);
    } catch (error) {
      this.params.free();
      throw error;
    }
    this.grads.view.fill(0);
  }

  get layerCount(): number {
    return this.weightOffsets.length;
  }

  get inputs(): number {
    return this.shape.sizes[0];
  }

  get outputs(): number {
    return this.shape.sizes[this.shape.sizes.length - 1];
  }

  get isFreed(): boolean {
    return this.freed;
  }

  /** A view of `length` floats at `ptr`; valid until wasm memory next grows. */
  view(ptr: number, length: number): Float32Array {
    return heap().f32(ptr, length);
  }

  /** Elements in layer l's weight plus bias. */
  layerLength(l: number): number {
    return (this.shape.sizes[l] + 1) * this.shape.sizes[l + 1];
  }

  /** The workspace, (re)allocated when `rows` exceeds its capacity. */
  workspace(rows: number): Workspace {
    if (this.work && this.work.rows >= rows) return this.work;
    this.freeWorkspace();
    const sizes = this.shape.sizes;
    const widest = Math.max(...sizes.slice(1));
    // GEMM's shared packing space grows to the largest product of a step now, not mid-batch.
    for (let l = 0; l < this.layerCount; l++) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      reserveGemmWorkspace(rows, nOut, nIn); // forward: X·Wᵀ
      reserveGemmWorkspace(nOut, nIn, rows); // weight gradient: δᵀ·X
      reserveGemmWorkspace(rows, nIn, nOut); // gradient to the layer below: δ·W
    }
    const buffers: F32Buffer[] = [];
    const take = (length: number) => {
      const buffer = allocF32(length);
      buffers.push(buffer);
      return buffer;
    };
    try {
      this.work = {
        rows,
        input: take(rows * sizes[0]),
        targets: take(rows * this.outputs),
        outputs: sizes.slice(1).map((width) => take(rows * width)),
        deltas: [take(rows * widest), take(rows * widest)],
      };
    } catch (error) {
      for (const buffer of buffers) buffer.free();
      throw error;
    }
    return this.work;
  }

  /**
   * Runs `rows` rows at `input` (a pointer to [rows, inputs]) through the network and returns a
   * pointer to the logits [rows, outputs] in the workspace. When `input` is the workspace's own
   * staging buffer, the workspace must already hold `rows` (else it would be reallocated).
   */
  forward(input: number, rows: number): number {
    const sizes = this.shape.sizes;
    let x = input;
    for (let l = 0; l < this.layerCount; l++) {
      x = this.linear(l, x, rows);
      if (l + 1 < this.layerCount) this.activate(x, rows * sizes[l + 1]);
    }
    return x;
  }

  /**
   * Layer l's pre-activation x·Wᵀ + b for `rows` rows at `x`, written to the workspace's
   * outputs[l] (which must already hold `rows`); returns its pointer.
   */
  linear(l: number, x: number, rows: number): number {
    const nIn = this.shape.sizes[l];
    const nOut = this.shape.sizes[l + 1];
    const params = this.params.ptr;
    const y = this.workspace(rows).outputs[l].ptr;
    gemmInto(false, true, rows, nOut, nIn, 1, x, nIn, params + this.weightOffsets[l] * 4, nIn, 0, y, nOut);
    kernels().elementwiseBiasAdd(y, params + this.biasOffsets[l] * 4, y, rows, nOut);
    return y;
  }

  /** The hidden activation, in place over n values at x. */
  activate(x: number, n: number): void {
    const k = kernels();
    const activation = this.shape.activation;
    switch (activation.name) {
      case 'relu':
        return k.elementwiseRelu(x, x, n);
      case 'leakyRelu':
        return k.elementwiseLeakyRelu(x, x, n, activation.slope);
      case 'sigmoid':
        return k.elementwiseSigmoid(x, x, n);
      case 'tanh':
        return k.elementwiseTanh(x, x, n);
      case 'selu':
        return k.nnSelu(x, n);
      case 'linear':
        return;
    }
  }

  /** delta ← delta ⊙ f′, with f′ taken from the activation's output y (all of ours allow it). */
  private activationBackward(y: number, delta: number, n: number): void {
    const k = kernels();
    const activation = this.shape.activation;
    switch (activation.name) {
      case 'relu':
        return k.elementwiseReluBackward(y, delta, delta, n);
      case 'leakyRelu':
        return k.elementwiseLeakyReluBackward(y, delta, delta, n, activation.slope);
      case 'sigmoid':
        return k.elementwiseSigmoidBackward(y, delta, delta, n);
      case 'tanh':
        return k.elementwiseTanhBackward(y, delta, delta, n);
      case 'selu':
        return k.nnSeluBackward(delta, y, n);
      case 'linear':
        return;
    }
  }

  /**
   * The summed loss of logits against targets (pointers, [rows, outputs]); when `grad` is not 0
   * also writes the gradient of the mean loss there.
   */
  lossSum(logits: number, targets: number, rows: number, grad: number): number {
    const k = kernels();
    const n = rows * this.outputs;
    switch (this.shape.output) {
      case 'softmax':
        return k.nnSoftmaxCrossEntropy(logits, targets, rows, this.outputs, grad, 1 / rows);
      case 'sigmoid':
        return k.nnSigmoidCrossEntropy(logits, targets, n, grad, 1 / n);
      case 'linear':
        return k.nnSquaredError(logits, targets, n, grad, 1 / n);
    }
  }

  /** What lossSum is divided by to make the mean loss: rows for cross-entropy, elements otherwise. */
  lossCount(rows: number): number {
    return this.shape.output === 'softmax' ? rows : rows * this.outputs;
  }

  /** Rows of logits whose prediction matches the targets (arg max; p > 0.5 for one sigmoid output). */
  countCorrect(logits: number, targets: number, rows: number): number {
    // A sigmoid's p > 0.5 is a logit > 0; a linear output is compared with 0.5 directly.
    const threshold = this.shape.output === 'sigmoid' ? 0 : 0.5;
    return kernels().nnCountCorrect(logits, targets, rows, this.outputs, threshold);
  }

  /**
   * Forward and backward over one batch: gradients of the mean loss for every layer l with
   * `trainable[l]`, written to `grads`. Returns the summed loss. Backpropagation stops below the
   * lowest trainable layer.
   */
  backward(input: number, targets: number, rows: number, trainable: readonly boolean[]): number {
    const k = kernels();
    const logits = this.forward(input, rows);
    const work = this.workspace(rows);
    const sizes = this.shape.sizes;
    const params = this.params.ptr;
    const grads = this.grads.ptr;
    let delta = work.deltas[0].ptr;
    let spare = work.deltas[1].ptr;
    const loss = this.lossSum(logits, targets, rows, delta);
    const lowest = trainable.indexOf(true);
    for (let l = this.layerCount - 1; l >= lowest; l--) {
      const nIn = sizes[l];
      const nOut = sizes[l + 1];
      const x = l === 0 ? input : work.outputs[l - 1].ptr;
      if (trainable[l]) {
        // dW [out, in] = δᵀ·X: the TN product reads δ [rows, out] transposed without copying it.
        gemmInto(true, false, nOut, nIn, rows, 1, delta, nOut, x, nIn, 0, grads + this.weightOffsets[l] * 4, nIn);
        k.nnColumnSums(delta, rows, nOut, grads + this.biasOffsets[l] * 4);
      }
      if (l === lowest) break;
      // δ below [rows, in] = δ·W (NN), then times the activation's derivative.
      gemmInto(false, false, rows, nIn, nOut, 1, delta, nOut, params + this.weightOffsets[l] * 4, nIn, 0, spare, nIn);
      this.activationBackward(x, spare, rows * nIn);
      const held = delta;
      delta = spare;
      spare = held;
    }
    return loss;
  }

  /** The trainable layers as parameter ranges, adjacent layers merged into one range. */
  trainableRanges(trainable: readonly boolean[]): ParamRange[] {
    const ranges: ParamRange[] = [];
    for (let l = 0; l < this.layerCount; l++) {
      if (!trainable[l]) continue;
      const last = ranges[ranges.length - 1];
      if (last && last.offset + last.length === this.weightOffsets[l]) last.length += this.layerLength(l);
      else ranges.push({ offset: this.weightOffsets[l], length: this.layerLength(l) });
    }
    return ranges;
  }

  /** The state for `optimizer`: kept while the same optimizer object is passed, fresh otherwise. */
  optimizerFor(optimizer: Optimizer): OptimizerState {
    if (this.optimizerState?.optimizer !== optimizer) {
      this.optimizerState?.free();
      this.optimizerState = null; // not left pointing at freed buffers if the allocation below fails
      this.optimizerState = new OptimizerState(optimizer, this.params.length);
    }
    return this.optimizerState;
  }

  private freeWorkspace(): void {
    const work = this.work;
    if (!work) return;
    for (const buffer of [work.input, work.targets, ...work.outputs, ...work.deltas]) buffer.free();
    this.work = null;
  }

  /** Frees every wasm buffer this network holds; idempotent. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.freeWorkspace();
    this.optimizerState?.free();
    this.optimizerState = null;
    this.grads.free();
    this.params.free();
  }
}

// V8 swaps optimized code in for its baseline compile only on a later call: run the per-batch
// kernels a few times at ready() so that a first epoch is timed like the others.
registerWarmup(() => {
  const k = kernels();
  withBuffers([256, 256, 256], (x, y, sums) => {
    for (const buffer of [x, y]) buffer.view.fill(0);
    for (let call = 0; call < 4; call++) {
      k.nnSoftmaxCrossEntropy(x.ptr, y.ptr, 16, 16, sums.ptr, 1);
      k.nnColumnSums(x.ptr, 16, 16, sums.ptr);
      k.nnCountCorrect(x.ptr, y.ptr, 16, 16, 0);
    }
  });
});
