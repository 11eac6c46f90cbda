/*
 * RBM training: one CD-k / PCD-k step on a batch (trainBatch), and the loop over epochs and
 * mini-batches (fitEpochs) with the data resident in wasm memory for the whole fit, each batch
 * gathered there by row indices (as the Mlp's fit does), and the per-epoch statistics on a fixed
 * monitoring sample kept there too.
 */
import { permutation } from '../data/batch.js';
import { nextTurn } from '../event-loop.js';
import { Rng } from '../random.js';
import { heap, kernels } from '../runtime/index.js';
import type { F32Buffer } from '../runtime/index.js';
import type { Tensor } from '../tensor.js';
import { estimateLogLikelihood } from './ais.js';
import { KernelWorkspaces, OwnedBuffers } from './buffers.js';
import type { Gibbs, HiddenSample } from './gibbs.js';
import type { Inference } from './inference.js';
import type { EpochStats, FitSettings, History, StepSettings, VisibleUnits } from './options.js';
import type { TrainingState } from './state.js';

/** Buffers sized for batches of up to `rows` rows; a model keeps them from batch to batch and re-makes them for a larger batch. */
export class BatchBuffers {
  /** [2·rows, nVisible]: the batch, then its negative-phase reconstruction. */
  readonly visible: F32Buffer;
  /** [2·rows, nHidden]: P(h | v₀), then −P(h | v_k). */
  readonly hidden: F32Buffer;
  /** Active lists (i32) and counts of the batch's binary hidden states (CD). */
  readonly active: F32Buffer;
  readonly counts: F32Buffer;
  readonly workspaces: KernelWorkspaces;

  constructor(
    private readonly memory: OwnedBuffers,
    readonly rows: number,
    nVisible: number,
    nHidden: number,
  ) {
    this.visible = memory.alloc(2 * rows * nVisible);
    this.hidden = memory.alloc(2 * rows * nHidden);
    this.active = memory.alloc(rows * nHidden);
    this.counts = memory.alloc(rows);
    this.workspaces = new KernelWorkspaces(memory, rows, nVisible, nHidden);
  }

  free(): void {
    this.workspaces.free();
    for (const buffer of [this.visible, this.hidden, this.active, this.counts]) this.memory.release(buffer);
  }
}

/** What training works on: the kernels, the state carried between batches, and the model's buffers. */
export interface Trainee {
  readonly visible: VisibleUnits;
  readonly gibbs: Gibbs;
  readonly inference: Inference;
  readonly state: TrainingState;
  /** The batch buffers, grown (with the persistent chains, which restart) to hold `rows` rows. */
  batchBuffers(rows: number): BatchBuffers;
  /** Throws once the model is disposed (a callback may dispose it). */
  checkAlive(): void;
}

/**
 * One CD-k / PCD-k update on the batch in b.visible's first `rows` rows. Random draws, in order:
 * the positive hidden sample (CD, or to start PCD's chains), then per Gibbs step the visible
 * sample (when sampled) and the hidden sample (all but CD's last step), the order of
 * reference.trainStep.
 */
export function trainBatch(t: Trainee, b: BatchBuffers, rows: number, s: StepSettings): void {
  const { gibbs, state } = t;
  const positive = b.visible.ptr;
  const negative = positive + rows * gibbs.nVisible * 4;
  const negativeHidden = b.hidden.ptr + rows * gibbs.nHidden * 4;
  const chains = s.persistent ? state.chainsFor(b.rows) : null;
  const startChains = chains !== null && chains.rows < rows;
  const hidden: HiddenSample = chains
    ? { rng: state.rng, active: chains.active.ptr, counts: chains.counts.ptr }
    : { rng: state.rng, active: b.active.ptr, counts: b.counts.ptr };

  gibbs.hidden(positive, rows, 1, b.hidden.ptr, b.workspaces, !s.persistent || startChains ? hidden : null);
  if (chains && startChains) chains.rows = rows;
  let sampledReconstruction = false;
  for (let step = 1; step <= s.k; step++) {
    const last = step === s.k;
    sampledReconstruction = s.persistent || !last || s.sampleVisible;
    gibbs.visible(hidden.active, hidden.counts, rows, negative, b.workspaces, sampledReconstruction ? state.rng : null);
    gibbs.hidden(negative, rows, -1, negativeHidden, b.workspaces, s.persistent || !last ? hidden : null);
  }
  // Bernoulli data and binary reconstructions are worth scanning for zeros; Gaussian values never are 0.
  const sparseRows = t.visible === 'gaussian' ? 0 : sampledReconstruction ? 2 * rows : rows;
  gibbs.update(b.hidden.ptr, positive, rows, sparseRows, s, state, b.workspaces);
}

/**
 * Trains on x [rows, nVisible] (checked, visible biases already set) for o.epochs epochs and
 * resolves to one record per epoch; `validationRows` rows of o.validation are checked too. Yields
 * to the event loop between epochs so that progress callbacks can render.
 */
export async function fitEpochs(t: Trainee, x: Tensor, rows: number, o: FitSettings, validationRows: number): Promise<History> {
  const { state, gibbs } = t;
  const nV = gibbs.nVisible;
  const resident = new OwnedBuffers();
  try {
    const data = resident.alloc(rows * nV);
    data.write(x.data);
    const order = resident.alloc(rows);
    const orderView = () => new Int32Array(heap().memory.buffer, order.ptr, rows);
    const gather = (first: number, count: number, dst: number) => kernels().nnGatherRows(data.ptr, nV, order.ptr + first * 4, count, dst);

    // A fixed random sample of the training rows, and one flip per row, for comparable per-epoch statistics.
    const monitorRows = Math.min(o.monitorSize, rows);
    let monitor: { x: { ptr: number }; flips: Int32Array; validation: { ptr: number; rows: number } | null } | null = null;
    if (monitorRows > 0) {
      orderView().set(permutation(rows, state.rng));
      const flips = new Int32Array(monitorRows);
      for (let r = 0; r < monitorRows; r++) flips[r] = state.rng.int(nV);
      const sample = resident.alloc(monitorRows * nV);
      gather(0, monitorRows, sample.ptr);
      let validation = null;
      if (o.validation) {
        const count = Math.min(monitorRows, validationRows);
        const held = resident.alloc(count * nV);
        held.write(o.validation.data.subarray(0, count * nV));
        validation = { ptr: held.ptr, rows: count };
      }
      monitor = { x: { ptr: sample.ptr }, flips, validation };
    }
    if (!o.shuffle) orderView().set(Int32Array.from({ length: rows }, (_, i) => i));
    // The log-likelihood estimates start from the training data's base rates, with the same random words every epoch.
    const estimate = o.logLikelihood;
    const baseBias = estimate ? visibleBiasFromData(x.data, rows, nV, 'bernoulli') : null;

    const batches = Math.ceil(rows / o.batchSize);
    const history: History = [];
    t.batchBuffers(Math.min(o.batchSize, rows));
    state.epoch = 0;
    for (let epoch = 1; epoch <= o.epochs; epoch++) {
      const start = performance.now();
      const step = { ...o.step, momentum: o.momentum(epoch) };
      if (o.shuffle) orderView().set(permutation(rows, state.rng));
      for (let batch = 0; batch < batches; batch++) {
        const first = batch * o.batchSize;
        const count = Math.min(o.batchSize, rows - first);
        // Fetched per batch: a callback's partialFit on a larger batch may have re-made them.
        const b = t.batchBuffers(count);
        gather(first, count, b.visible.ptr);
        trainBatch(t, b, count, step);
        o.onBatch?.({ epoch, batch: batch + 1, batches });
      }
      const stats: EpochStats = { epoch, reconstructionError: NaN, pseudoLikelihood: null, freeEnergyGap: null, logLikelihood: null, seconds: 0 };
      if (monitor) {
        const { inference } = t;
        stats.reconstructionError = inference.reconstructionError(monitor.x, monitorRows);
        if (t.visible === 'bernoulli') stats.pseudoLikelihood = mean(inference.pseudoLikelihoods(monitor.x, monitorRows, monitor.flips));
        if (monitor.validation) {
          const v = monitor.validation;
          stats.freeEnergyGap = mean(inference.freeEnergies({ ptr: v.ptr }, v.rows)) - mean(inference.freeEnergies(monitor.x, monitorRows));
        }
      }
      if (estimate && baseBias && epoch % estimate.every === 0) {
        const { data } = estimate;
        const key = new Rng(estimate.seed ?? state.rng.seed).fork();
        stats.logLikelihood = await estimateLogLikelihood(t.inference, gibbs.params, t.visible, data.data, data.shape[0], estimate, baseBias, key, { checkAlive: t.checkAlive });
        t.checkAlive();
      }
      stats.seconds = (performance.now() - start) / 1000;
      state.epoch = epoch;
      history.push(stats);
      const verdict = await o.onEpoch?.(stats, history);
      t.checkAlive();
      if (verdict === false) break;
      if (epoch < o.epochs) {
        await nextTurn();
        t.checkAlive();
      }
    }
    return history;
  } finally {
    resident.freeAll();
  }
}

/**
 * The visible biases that the practical guide (§8) starts from: log(p/(1 − p)) of each unit's
 * mean p for Bernoulli units (p clamped to [1e-3, 1 − 1e-3], so that units always off or on get
 * no infinite bias), the mean for Gaussian ones.
 */
export function visibleBiasFromData(x: Float32Array, rows: number, nV: number, visible: VisibleUnits): Float32Array {
  const sums = new Float64Array(nV);
  for (let r = 0; r < rows; r++) for (let i = 0; i < nV; i++) sums[i] += x[r * nV + i];
  const bias = new Float32Array(nV);
  for (let i = 0; i < nV; i++) {
    const m = sums[i] / rows;
    if (visible === 'gaussian') bias[i] = m;
    else {
      const p = Math.min(Math.max(m, 1e-3), 1 - 1e-3);
      bias[i] = Math.log(p / (1 - p));
    }
  }
  return bias;
}

export function mean(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}
