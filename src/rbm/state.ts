/*
 * What training carries from one batch to the next besides the parameters: the momentum of every
 * parameter, the sparsity penalty's running means, PCD's persistent chains, the epoch reached and
 * the random stream. Together with the parameters it is everything a training step reads, so
 * saving and restoring it (and the parameters) resumes a fit with the same bits.
 */
import type { Rng } from '../random.js';
import { kernels, type F32Buffer } from '../runtime/index.js';
import type { OwnedBuffers } from './buffers.js';

/** PCD's negative chains: binary hidden states as active lists (see assembly/rbm-hidden.ts). */
export interface Chains {
  /** Rows the buffers hold. */
  capacity: number;
  /** Rows of chains started so far (0: the next step starts them from the data). */
  rows: number;
  /** i32 lists [capacity, nHidden] and their lengths [capacity]. */
  active: F32Buffer;
  counts: F32Buffer;
}

export class TrainingState {
  /** ΔW, in the layout of W's panels (see Parameters). */
  readonly weightVelocity: F32Buffer;
  readonly visibleVelocity: F32Buffer;
  readonly hiddenVelocity: F32Buffer;
  /** Running mean activity of each hidden unit (the sparsity penalty's q). */
  readonly hiddenMeans: F32Buffer;
  chains: Chains | null = null;
  /** Epochs completed in the fit in progress (1-based numbering: the next epoch is epoch + 1). */
  epoch = 0;
  /** Whether the visible biases have been set (from the data at the first fit, or by setWeights). */
  biasesSet = false;

  constructor(
    readonly nVisible: number,
    readonly nHidden: number,
    /** The model's stream: shuffles, monitoring samples and every Gibbs draw. */
    readonly rng: Rng,
    private readonly memory: OwnedBuffers,
  ) {
    this.weightVelocity = memory.alloc(kernels().rbmPackedWeightsLength(nHidden, nVisible));
    this.visibleVelocity = memory.alloc(nVisible);
    this.hiddenVelocity = memory.alloc(nHidden);
    this.hiddenMeans = memory.alloc(nHidden);
    this.reset();
  }

  /** Zero momentum and sparsity estimates, no persistent chains. */
  reset(): void {
    this.weightVelocity.view.fill(0);
    this.visibleVelocity.view.fill(0);
    this.hiddenVelocity.view.fill(0);
    this.hiddenMeans.view.fill(0);
    if (this.chains) this.chains.rows = 0;
  }

  /**
   * Chain buffers for batches of up to `rows` rows. Growing them drops the chains (they restart
   * from the next batch), as does every growth of the batch workspace: callers grow both together.
   */
  chainsFor(rows: number): Chains {
    if (this.chains && this.chains.capacity >= rows) return this.chains;
    if (this.chains) {
      this.memory.release(this.chains.active);
      this.memory.release(this.chains.counts);
    }
    this.chains = { capacity: rows, rows: 0, active: this.memory.alloc(rows * this.nHidden), counts: this.memory.alloc(rows) };
    return this.chains;
  }
}
