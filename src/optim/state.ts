import { allocF32, kernels, registerWarmup, withBuffers, type F32Buffer } from '../runtime/index.js';
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
    const k = kernels();
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
        k.nnSgdStep({
          params: params + at,
          grads: grads + at,
          velocity: first && first + at,
          n: r.length,
          lr,
          momentum: o.momentum,
          nesterov: o.nesterov ? 1 : 0,
          weightDecay: o.weightDecay,
          gradScale,
        });
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
      k.nnAdamStep({
        params: params + at,
        grads: grads + at,
        m: first + at,
        v: second + at,
        n: r.length,
        stepSize,
        denomScale,
        beta1: o.beta1,
        beta2: o.beta2,
        eps: o.eps,
        l2,
        decay,
        gradScale,
      });
    }
  }

  /** @internal Steps taken and the moment buffers (first: momentum or Adam's m; second: Adam's v), for checkpoints. */
  get saved(): { steps: number; first: Float32Array | null; second: Float32Array | null } {
    return { steps: this.steps, first: this.first?.view.slice() ?? null, second: this.second?.view.slice() ?? null };
  }

  /** @internal Puts back what `saved` returned (buffers of this state's sizes). */
  restore(saved: { steps: number; first: Float32Array | null; second: Float32Array | null }): void {
    this.steps = saved.steps;
    if (this.first && saved.first) this.first.write(saved.first);
    if (this.second && saved.second) this.second.write(saved.second);
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

// V8 swaps optimized code in for its baseline compile only on a later call: run the update
// kernels a few times at ready() so that a first epoch is timed like the others.
registerWarmup(() => {
  const k = kernels();
  const n = 256;
  withBuffers([n, n, n, n], (params, grads, m, v) => {
    for (const buffer of [params, grads, m, v]) buffer.view.fill(0);
    for (let call = 0; call < 4; call++) {
      k.nnAdamStep({
        params: params.ptr,
        grads: grads.ptr,
        m: m.ptr,
        v: v.ptr,
        n,
        stepSize: 1e-3,
        denomScale: 1,
        beta1: 0.9,
        beta2: 0.999,
        eps: 1e-8,
        l2: 0,
        decay: 1,
        gradScale: 1,
      });
      k.nnSgdStep({ params: params.ptr, grads: grads.ptr, velocity: m.ptr, n, lr: 1e-3, momentum: 0.9, nesterov: 0, weightDecay: 0, gradScale: 1 });
    }
  });
});
