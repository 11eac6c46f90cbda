/*
 * What a trained RBM computes for data: hidden probabilities, mean-field reconstructions, free
 * energies, pseudo-likelihoods and Gibbs samples. Rows go through the kernels in chunks of at
 * most CHUNK_ROWS, which bounds the temporary wasm memory; rows given from JavaScript are copied
 * in one chunk at a time, rows already in wasm memory (a fit's monitoring sample) are read in place.
 */
import { reserveGemmWorkspace } from '../ops/gemm.js';
import { heap, kernels, type F32Buffer } from '../runtime/index.js';
import type { Rng } from '../random.js';
import { KernelWorkspaces, OwnedBuffers } from './buffers.js';
import type { Gibbs, HiddenSample } from './gibbs.js';

/** Rows the inference methods process per kernel call, bounding their temporary memory. */
export const CHUNK_ROWS = 256;

/** Rows of data: JavaScript values [rows, nVisible], or the same in wasm memory at a pointer. */
export type Rows = Float32Array | { ptr: number };

interface Chunk {
  /** First row of the chunk in the caller's data. */
  offset: number;
  /** The chunk's rows in wasm memory. */
  input: number;
  hidden: F32Buffer;
  /** Reconstructions [rows, nVisible], or f64 results (two floats per row). */
  output: F32Buffer;
  active: F32Buffer;
  counts: F32Buffer;
  workspaces: KernelWorkspaces;
}

export class Inference {
  constructor(private readonly gibbs: Gibbs) {}

  /** P(h = 1 | v) [rows, nHidden]. */
  transform(x: Float32Array, rows: number): Float32Array {
    const nH = this.gibbs.nHidden;
    const out = new Float32Array(rows * nH);
    this.forChunks(x, rows, (count, c) => {
      this.gibbs.hidden(c.input, count, 1, c.hidden.ptr, c.workspaces, null);
      out.set(c.hidden.view.subarray(0, count * nH), c.offset * nH);
    });
    return out;
  }

  /** E[v | P(h | v)] [rows, nVisible]. */
  reconstruct(x: Float32Array, rows: number): Float32Array {
    const nV = this.gibbs.nVisible;
    const out = new Float32Array(rows * nV);
    this.reserveProduct(rows);
    this.forChunks(x, rows, (count, c) => {
      this.reconstructChunk(c, count);
      out.set(c.output.view.subarray(0, count * nV), c.offset * nV);
    });
    return out;
  }

  /** Mean over all elements of (v − E[v | P(h | v)])². */
  reconstructionError(x: Rows, rows: number): number {
    let total = 0;
    const k = kernels();
    this.reserveProduct(rows);
    this.forChunks(x, rows, (count, c) => {
      this.reconstructChunk(c, count);
      total += k.rbmSquaredError(c.input, c.output.ptr, count * this.gibbs.nVisible);
    });
    return total / (rows * this.gibbs.nVisible);
  }

  /** F(v) per row, in f64. */
  freeEnergies(x: Rows, rows: number): Float64Array {
    const out = new Float64Array(rows);
    this.forChunks(x, rows, (count, c) => {
      this.gibbs.freeEnergies(c.input, count, c.hidden.ptr, c.output.ptr, c.workspaces);
      out.set(new Float64Array(heap().memory.buffer, c.output.ptr, count), c.offset);
    });
    return out;
  }

  /** scikit-learn's pseudo-likelihood per row, flipping visible unit flips[r] of row r. */
  pseudoLikelihoods(x: Rows, rows: number, flips: Int32Array): Float64Array {
    const out = new Float64Array(rows);
    this.forChunks(x, rows, (count, c) => {
      new Int32Array(heap().memory.buffer, c.counts.ptr, count).set(flips.subarray(c.offset, c.offset + count));
      this.gibbs.pseudoLikelihoods(c.input, count, c.counts.ptr, c.hidden.ptr, c.output.ptr, c.workspaces);
      out.set(new Float64Array(heap().memory.buffer, c.output.ptr, count), c.offset);
    });
    return out;
  }

  /**
   * n Gibbs chains of `steps` steps (v → h → v), from `init` [n, nVisible] or from h = 0, drawing
   * from `rng`; returns the last visible probabilities (means for Gaussian units).
   */
  sample(n: number, steps: number, init: Float32Array | null, rng: Rng): Float32Array {
    const nV = this.gibbs.nVisible;
    const out = new Float32Array(n * nV);
    // Without init every chunk starts alike (h = 0): its input is never read.
    const start = init ?? new Float32Array(Math.min(n, CHUNK_ROWS) * nV);
    this.forChunks(
      start,
      n,
      (count, c) => {
        const hidden: HiddenSample = { rng, active: c.active.ptr, counts: c.counts.ptr };
        if (init) this.gibbs.hidden(c.input, count, 1, c.hidden.ptr, c.workspaces, hidden);
        else c.counts.view.fill(0);
        for (let step = 1; step < steps; step++) {
          this.gibbs.visible(c.active.ptr, c.counts.ptr, count, c.input, c.workspaces, rng);
          this.gibbs.hidden(c.input, count, 1, c.hidden.ptr, c.workspaces, hidden);
        }
        this.gibbs.visible(c.active.ptr, c.counts.ptr, count, c.output.ptr, c.workspaces, null);
        out.set(c.output.view.subarray(0, count * nV), c.offset * nV);
      },
      init === null,
    );
    return out;
  }

  /** The GEMM workspace of the reconstructions, reserved before the chunk's buffers so that it does not land above them. */
  private reserveProduct(rows: number): void {
    reserveGemmWorkspace(Math.min(rows, CHUNK_ROWS), this.gibbs.nVisible, this.gibbs.nHidden);
  }

  private reconstructChunk(c: Chunk, count: number): void {
    this.gibbs.hidden(c.input, count, 1, c.hidden.ptr, c.workspaces, null);
    this.gibbs.visibleMeans(c.hidden.ptr, count, c.output.ptr);
  }

  /**
   * Runs `body` over chunks of up to CHUNK_ROWS rows of x with temporary wasm buffers, freed
   * afterwards. With `repeatInput`, every chunk gets x's first rows (for inputs that are all
   * alike, such as zeros).
   */
  private forChunks(x: Rows, rows: number, body: (count: number, chunk: Chunk) => void, repeatInput = false): void {
    const { nVisible: nV, nHidden: nH } = this.gibbs;
    const size = Math.min(rows, CHUNK_ROWS);
    const temporary = new OwnedBuffers();
    try {
      const input = x instanceof Float32Array ? temporary.alloc(size * nV) : null;
      const chunk: Chunk = {
        offset: 0,
        input: 0,
        hidden: temporary.alloc(size * nH),
        // f64 results need 2 floats per row
        output: temporary.alloc(size * Math.max(nV, 2)),
        active: temporary.alloc(size * nH),
        counts: temporary.alloc(size),
        workspaces: new KernelWorkspaces(temporary, size, nV, nH),
      };
      for (let offset = 0; offset < rows; offset += size) {
        const count = Math.min(size, rows - offset);
        const from = repeatInput ? 0 : offset * nV;
        chunk.offset = offset;
        if (input) {
          input.write((x as Float32Array).subarray(from, from + count * nV));
          chunk.input = input.ptr;
        } else chunk.input = (x as { ptr: number }).ptr + from * 4;
        body(count, chunk);
      }
    } finally {
      temporary.freeAll();
    }
  }
}
