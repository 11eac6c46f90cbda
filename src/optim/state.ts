import { nnKernels } from '../nn/kernels.js';
import { allocF32, type F32Buffer } from '../runtime/index.js';
import type { Optimizer } from './optimizers.js';

/** A run of parameters updated together, in elements from the start of the parameter buffer. */
export interface ParamRange {
  offset: number;
  length: number;
}

/**
 * An optimizer's state for one model, in wasm memory: momentum (SGD) or the two moment averages
 * (Adam, AdamW), zeroed at creation, and the step count that drives Adam's bias correction.
 */
export class OptimizerState {
  private steps = 0;
  private readonly first: F32Buffer | null;
  private readonly second: F32Buffer | null;

  constructor(
    readonly optimizer: Optimizer,
    paramCount: number,
  ) {
    const needsFirst = optimizer.kind !== 'sgd' || optimizer.momentum > 0;
    this.first = needsFirst ? zeroed(paramCount) : null;
    this.second = optimizer.kind === 'sgd' ? null : zeroed(paramCount);
  }

  /** Updates params from grads (both base pointers) over `ranges`, at learning rate `lr`. */
  step(params: number, grads: number, ranges: readonly ParamRange[], lr: number): void {
    const k = nnKernels();
    const o = this.optimizer;
    if (o.clipValue !== undefined) {
      for (const r of ranges) k.nnClampValues(grads + r.offset * 4, r.length, o.clipValue);
    }
    let gradScale = 1;
    if (o.clipNorm !== undefined) {
      let sumOfSquares = 0;
      for (const r of ranges) sumOfSquares += k.nnSumOfSquares(grads + r.offset * 4, r.length);
      // The 1e-6 is torch's clip_grad_norm_'s, kept so that results match it.
      gradScale = Math.min(1, o.clipNorm / (Math.sqrt(sumOfSquares) + 1e-6));
    }
    this.steps++;
    const first = this.first?.ptr ?? 0;
    if (o.kind === 'sgd') {
      for (const r of ranges) {
        const at = r.offset * 4;
        k.nnSgdStep(params + at, grads + at, first && first + at, r.length, lr, o.momentum, o.nesterov ? 1 : 0, o.weightDecay, gradScale);
      }
      return;
    }
    const stepSize = lr / (1 - o.beta1 ** this.steps);
    const denomScale = 1 / Math.sqrt(1 - o.beta2 ** this.steps);
    const l2 = o.kind === 'adam' ? o.weightDecay : 0;
    const decay = o.kind === 'adamw' ? 1 - lr * o.weightDecay : 1;
    const second = this.second!.ptr;
    for (const r of ranges) {
      const at = r.offset * 4;
      k.nnAdamStep(params + at, grads + at, first + at, second + at, r.length, stepSize, denomScale, o.beta1, o.beta2, o.eps, l2, decay, gradScale);
    }
  }

  free(): void {
    this.first?.free();
    this.second?.free();
  }
}

function zeroed(length: number): F32Buffer {
  const buffer = allocF32(length);
  buffer.view.fill(0);
  return buffer;
}
