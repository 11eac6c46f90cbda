/*
 * What training carries from one batch to the next besides the parameters: the momentum of every
 * parameter, the sparsity penalty's running means, PCD's persistent chains, the epoch reached and
 * the random stream. Together with the parameters it is everything a training step reads, so
 * saving and restoring it (and the parameters) resumes a fit with the same bits.
 */
import type { Rng } from '../random.js';
import { kernels, withBuffers, type F32Buffer } from '../runtime/index.js';
import type { OwnedBuffers } from './buffers.js';

/** Bytes between the W strips that an active list's entries point at (STRIP_BYTES in assembly/rbm/common.ts). */
const STRIP_BYTES = 64;

/** What a checkpoint holds of the training state (W's momentum unpacked to [nHidden, nVisible]). */
export interface SavedTrainingState {
  weightVelocity: Float32Array;
  visibleVelocity: Float32Array;
  hiddenVelocity: Float32Array;
  hiddenMeans: Float32Array;
  /** PCD's chains: their buffers' capacity in rows, and the binary hidden states (0/1) of the `rows` started. */
  chains: { capacity: number; rows: number; states: Float32Array } | null;
}

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

  /** The momentum, sparsity estimates and chains, copied out for a checkpoint. */
  save(): SavedTrainingState {
    const k = kernels();
    const weightVelocity = new Float32Array(this.nHidden * this.nVisible);
    withBuffers([weightVelocity.length], (plain) => {
      k.rbmUnpackWeights(this.weightVelocity.ptr, this.nHidden, this.nVisible, plain.ptr);
      weightVelocity.set(plain.view);
    });
    let chains: SavedTrainingState['chains'] = null;
    if (this.chains) {
      const { capacity, rows } = this.chains;
      const states = new Float32Array(rows * this.nHidden);
      const lists = int32View(this.chains.active, capacity * this.nHidden);
      const counts = int32View(this.chains.counts, capacity);
      for (let r = 0; r < rows; r++) {
        for (let a = 0; a < counts[r]; a++) states[r * this.nHidden + lists[r * this.nHidden + a] / STRIP_BYTES] = 1;
      }
      chains = { capacity, rows, states };
    }
    return {
      weightVelocity,
      visibleVelocity: this.visibleVelocity.view.slice(),
      hiddenVelocity: this.hiddenVelocity.view.slice(),
      hiddenMeans: this.hiddenMeans.view.slice(),
      chains,
    };
  }

  /** Puts back what `save` returned (checked by the checkpoint reader: sizes, 0/1 states). */
  restore(saved: SavedTrainingState): void {
    const k = kernels();
    withBuffers([saved.weightVelocity.length], (plain) => {
      plain.write(saved.weightVelocity);
      k.rbmPackWeights(plain.ptr, this.nHidden, this.nVisible, this.weightVelocity.ptr);
    });
    this.visibleVelocity.write(saved.visibleVelocity);
    this.hiddenVelocity.write(saved.hiddenVelocity);
    this.hiddenMeans.write(saved.hiddenMeans);
    if (saved.chains) {
      const chains = this.chainsFor(saved.chains.capacity);
      const lists = int32View(chains.active, chains.capacity * this.nHidden);
      const counts = int32View(chains.counts, chains.capacity);
      const { states, rows } = saved.chains;
      for (let r = 0; r < rows; r++) {
        let count = 0;
        // Ascending, as the hidden kernel appends them.
        for (let j = 0; j < this.nHidden; j++) if (states[r * this.nHidden + j] === 1) lists[r * this.nHidden + count++] = j * STRIP_BYTES;
        counts[r] = count;
      }
      chains.rows = rows;
    } else if (this.chains) {
      this.chains.rows = 0;
    }
  }
}

function int32View(buffer: F32Buffer, length: number): Int32Array {
  return new Int32Array(buffer.view.buffer, buffer.view.byteOffset, length);
}
