/*
 * The one owner of an RBM's parameters in wasm memory: W in its three layouts, and the biases.
 *
 * W [nHidden, nVisible] lives in its own layout (read and written by the API) and in two packed
 * copies the kernels read: panels of 8 hidden units for the hidden products, strips of 16 visible
 * units for the visible half-step (assembly/rbm-layouts.ts). Training updates the packed copies in
 * place and leaves W's own layout stale until something reads it; writing W from outside leaves
 * the packed copies stale until a kernel needs them. The two flags saying which is which are
 * private to this class: callers ask for the layout they need and get it current.
 */
import { fillNormalAt } from '../random-fill.js';
import type { Rng } from '../random.js';
import { kernels, type F32Buffer } from '../runtime/index.js';
import type { Tensor } from '../tensor.js';
import type { OwnedBuffers } from './buffers.js';

export interface RbmWeights {
  /** [nHidden, nVisible] */
  W: Tensor;
  /** [nVisible] */
  visibleBias: Tensor;
  /** [nHidden] */
  hiddenBias: Tensor;
}

export class Parameters {
  readonly visibleBias: F32Buffer;
  readonly hiddenBias: F32Buffer;
  private readonly plainBuffer: F32Buffer;
  private readonly panelsBuffer: F32Buffer;
  private readonly stripsBuffer: F32Buffer;
  /** Whether plainBuffer holds the current W (false after training, until read). */
  private plainCurrent = true;
  /** Whether the packed copies hold the current W (false after a write from outside, until used). */
  private packedCurrent = false;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    memory: OwnedBuffers,
  ) {
    const k = kernels();
    this.plainBuffer = memory.alloc(nHidden * nVisible);
    this.visibleBias = memory.alloc(nVisible);
    this.hiddenBias = memory.alloc(nHidden);
    this.panelsBuffer = memory.alloc(k.rbmPackedWeightsLength(nHidden, nVisible));
    this.stripsBuffer = memory.alloc(k.rbmPackedStripsLength(nHidden, nVisible));
  }

  /** W ~ N(0, std²) drawn from `rng`, biases 0 (the practical guide's start, §8). */
  initialize(rng: Rng, std: number): void {
    fillNormalAt(rng, this.plainBuffer.ptr, this.nHidden * this.nVisible, 0, std);
    this.visibleBias.view.fill(0);
    this.hiddenBias.view.fill(0);
    this.plainCurrent = true;
    this.packedCurrent = false;
  }

  /** Copies in W [nHidden, nVisible] and both biases (checked by the caller). */
  write(W: Float32Array, visibleBias: Float32Array, hiddenBias: Float32Array): void {
    this.plainBuffer.write(W);
    this.visibleBias.write(visibleBias);
    this.hiddenBias.write(hiddenBias);
    this.plainCurrent = true;
    this.packedCurrent = false;
  }

  /** Copies of W and the biases. */
  read(): RbmWeights {
    return {
      W: { shape: [this.nHidden, this.nVisible], data: this.plainView().slice() },
      visibleBias: { shape: [this.nVisible], data: this.visibleBias.toArray() },
      hiddenBias: { shape: [this.nHidden], data: this.hiddenBias.toArray() },
    };
  }

  /** W in its own layout [nHidden, nVisible], current. */
  plain(): number {
    if (!this.plainCurrent) {
      kernels().rbmUnpackWeights(this.panelsBuffer.ptr, this.nHidden, this.nVisible, this.plainBuffer.ptr);
      this.plainCurrent = true;
    }
    return this.plainBuffer.ptr;
  }

  /** A view of W's own layout, current (valid until wasm memory next grows). */
  plainView(): Float32Array {
    this.plain();
    return this.plainBuffer.view;
  }

  /** W packed for the hidden products (rbmPackWeights), current. */
  panels(): number {
    this.repack();
    return this.panelsBuffer.ptr;
  }

  /** W packed for the visible half-step (rbmPackStrips), current. */
  strips(): number {
    this.repack();
    return this.stripsBuffer.ptr;
  }

  /**
   * Both packed copies, current, for an update that changes W through them (rbmUpdateWeights
   * writes both): W's own layout is stale from here until it is read.
   */
  forUpdate(): { panels: number; strips: number } {
    this.repack();
    this.plainCurrent = false;
    return { panels: this.panelsBuffer.ptr, strips: this.stripsBuffer.ptr };
  }

  /** Remakes the packed copies from W's own layout, which is current whenever they are not. */
  private repack(): void {
    if (this.packedCurrent) return;
    const k = kernels();
    k.rbmPackWeights(this.plainBuffer.ptr, this.nHidden, this.nVisible, this.panelsBuffer.ptr);
    k.rbmPackStrips(this.plainBuffer.ptr, this.nHidden, this.nVisible, this.stripsBuffer.ptr);
    this.packedCurrent = true;
  }
}
