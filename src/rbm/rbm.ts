import { DataError, MemoryError, ParamError, ShapeError, show } from '../errors.js';
import { permutation } from '../data/batch.js';
import {
  checkNoExtraTensors,
  formatFail,
  metaChoice,
  metaNumber,
  metaSizes,
  readModel,
  takeTensor,
  writeModel,
  type LoadOptions,
  type ModelFile,
} from '../io/model-format.js';
import { nextTurn } from '../event-loop.js';
import { booleanOption, checkKeys, integerIn, numberIn } from '../options.js';
import { randomSeed, Rng } from '../random.js';
import { fillNormalAt } from '../random-fill.js';
import { allocF32, heap, withBuffers, type F32Buffer } from '../runtime/index.js';
import type { Tensor } from '../tensor.js';
import { blockWords, rbmKernels } from './kernels.js';
import { enumeratedLayer, MAX_ENUMERATED_UNITS, type VisibleUnits } from './reference.js';

export type { VisibleUnits } from './reference.js';

export interface RbmOptions {
  nVisible: number;
  nHidden: number;
  /** 'bernoulli' (default): binary units, data in [0, 1]. 'gaussian': unit-variance linear units, standardize the data first. */
  visible?: VisibleUnits;
  /** Seed of every random draw (initial weights, shuffles, samples). Default: a fresh crypto seed, exposed as `rbm.seed`. */
  seed?: number;
  /**
   * Set the visible biases from the data at the first fit (default true): log(p/(1 − p)) of each
   * unit's mean p for Bernoulli units, the mean for Gaussian ones (Hinton's practical guide, §8).
   */
  visibleBiasFromData?: boolean;
}

export interface SparsityOptions {
  /** Wanted mean activation of each hidden unit, in (0, 1). */
  target: number;
  /** Strength of the penalty, ≥ 0. */
  cost: number;
  /** Decay of the running mean of each unit's activation, in [0, 1) (default 0.95). */
  decay?: number;
}

/** Options of one training step (`partialFit`), also part of `fit`'s options. */
export interface StepOptions {
  /** Default 0.1 for Bernoulli visible units, 0.01 for Gaussian ones. */
  learningRate?: number;
  /** Gibbs steps per update (default 1). */
  k?: number;
  /** Persistent CD (Tieleman 2008): the negative chains carry over from batch to batch (default false). */
  persistent?: boolean;
  /** L2 penalty on the weights (not the biases), default 0; 1e-4 is the practical guide's usual value. */
  weightDecay?: number;
  sparsity?: SparsityOptions;
  /**
   * Sample the last visible reconstruction of CD instead of using its probabilities (default false,
   * the practical guide's choice: less noise). With true, CD-k's gradient tends to the exact one as k
   * grows. PCD always samples: its chains must be Markov chains.
   */
  sampleVisible?: boolean;
  /** Accept Bernoulli data outside [0, 1] (default false: such data is an `E_DATA` error). */
  allowOutOfRange?: boolean;
}

export interface PartialFitOptions extends StepOptions {
  /** Momentum of this step (default 0). */
  momentum?: number;
}

export interface EpochStats {
  /** 1-based epoch number. */
  epoch: number;
  /** Mean-field reconstruction MSE (per element) on the monitoring sample of the training data; NaN with monitorSize 0. */
  reconstructionError: number;
  /** Mean pseudo-likelihood (scikit-learn's) on the monitoring sample; null for Gaussian visible units or with monitorSize 0. */
  pseudoLikelihood: number | null;
  /** Mean free energy of the validation data minus that of the training sample; null without validation. Growth means overfitting. */
  freeEnergyGap: number | null;
  /** Wall time of the epoch, monitoring included. */
  seconds: number;
}

export type History = EpochStats[];

export interface BatchInfo {
  epoch: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  batches: number;
}

export interface FitOptions extends StepOptions {
  /** Default 10. */
  epochs?: number;
  /** Default 100. */
  batchSize?: number;
  /** A number, or a schedule of the 1-based epoch. Default: 0.5 for epochs 1–5, then 0.9 (practical guide §9). */
  momentum?: number | ((epoch: number) => number);
  /** Visit the rows in a new seeded order each epoch (default true). */
  shuffle?: boolean;
  /** Held-out data for the free-energy gap. */
  validation?: Tensor;
  /** Rows of the training (and validation) data the per-epoch statistics use (default 1000; 0 turns them off). */
  monitorSize?: number;
  /** Called after each epoch; returning false (or a promise of false) stops training. */
  onEpoch?: (stats: EpochStats, history: History) => void | boolean | Promise<void | boolean>;
  /** Called after each batch. */
  onBatch?: (info: BatchInfo) => void;
}

export interface SampleOptions {
  /** Gibbs steps (v → h → v) per chain (default 1000). */
  steps?: number;
  /** Starting visible states [n, nVisible]; by default the chains start from h = 0. */
  init?: Tensor;
  /** Seed of this call's draws; by default the model's stream advances. */
  seed?: number;
}

export interface RbmWeights {
  /** [nHidden, nVisible] */
  W: Tensor;
  /** [nVisible] */
  visibleBias: Tensor;
  /** [nHidden] */
  hiddenBias: Tensor;
}

/** Rows the inference methods process per kernel call, bounding their temporary memory. */
const CHUNK_ROWS = 256;
const DEFAULT_MONITOR_SIZE = 1000;
const STEP_OPTION_NAMES = ['learningRate', 'k', 'persistent', 'weightDecay', 'sparsity', 'sampleVisible', 'allowOutOfRange'];
const FIT_OPTION_NAMES = [
  ...STEP_OPTION_NAMES,
  'epochs',
  'batchSize',
  'momentum',
  'shuffle',
  'validation',
  'monitorSize',
  'onEpoch',
  'onBatch',
];

/** Frees the wasm memory of models that were never disposed. */
const finalizer =
  typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<F32Buffer[]>((buffers) => buffers.forEach((b) => b.free())) : null;

interface StepSettings {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  k: number;
  persistent: boolean;
  sampleVisible: boolean;
  sparsity: Required<SparsityOptions> | null;
}

/** Buffers sized for a batch; re-made when a larger batch comes. */
interface Workspace {
  rows: number;
  /** [2·rows, nVisible]: the batch, then its negative-phase reconstruction */
  visible: F32Buffer;
  /** [2·rows, nHidden]: P(h | v₀), then −P(h | v_k) */
  hidden: F32Buffer;
  /** active lists (i32) and counts of the batch's binary hidden states */
  active: F32Buffer;
  counts: F32Buffer;
  /** the same for PCD's persistent chains */
  chainActive: F32Buffer;
  chainCounts: F32Buffer;
  kernel: F32Buffer;
}

function defaultMomentum(epoch: number): number {
  return epoch <= 5 ? 0.5 : 0.9;
}

/**
 * A restricted Boltzmann machine with binary hidden units and Bernoulli or Gaussian visible units,
 * trained by contrastive divergence (CD-k) or persistent CD, with momentum, weight decay and a
 * sparsity target. Parameters and workspaces live in wasm memory until `dispose()` (or until the
 * model is garbage-collected); getters such as `weights` return copies.
 *
 * ```ts
 * await nninit.ready();
 * const rbm = new nninit.RBM({ nVisible: 784, nHidden: 256, seed: 1 });
 * const history = await rbm.fit(train.x, { epochs: 10, batchSize: 100, learningRate: 0.05 });
 * const features = rbm.transform(test.x); // P(h = 1 | v), Tensor [n, 256]
 * rbm.dispose();
 * ```
 */
export class RBM {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly visible: VisibleUnits;
  /** The seed every random draw of this model derives from. */
  readonly seed: number;

  private readonly rng: Rng;
  private readonly visibleBiasFromData: boolean;
  private biasesSet = false;
  /** Every wasm buffer this model owns; the finalizer frees them. */
  private readonly owned: F32Buffer[] = [];
  private readonly weightsBuffer: F32Buffer;
  private readonly visibleBiasBuffer: F32Buffer;
  private readonly hiddenBiasBuffer: F32Buffer;
  private readonly weightVelocity: F32Buffer;
  private readonly visibleVelocity: F32Buffer;
  private readonly hiddenVelocity: F32Buffer;
  private readonly hiddenMeans: F32Buffer;
  /**
   * W in the layouts of the hidden products (rbmPackWeights) and the visible step (rbmPackStrips):
   * remade after W changes from outside, kept current by training's update (rbmUpdate writes them).
   */
  private readonly packedWeightsBuffer: F32Buffer;
  private readonly packedStripsBuffer: F32Buffer;
  private packedCurrent = false;
  /**
   * Whether weightsBuffer holds the current W. Training updates only the packed copies (rbmUpdate);
   * W's own layout is unpacked from them when something reads it (plainWeights).
   */
  private plainCurrent = true;
  private workspace: Workspace | null = null;
  /** Rows of persistent chains started so far (PCD). */
  private chainRows = 0;
  private disposed = false;

  constructor(options: RbmOptions) {
    checkKeys('RBM', options ?? null, ['nVisible', 'nHidden', 'visible', 'seed', 'visibleBiasFromData']);
    this.nVisible = integerIn('nVisible', options.nVisible, 1, 2 ** 24);
    this.nHidden = integerIn('nHidden', options.nHidden, 1, 2 ** 24);
    const visible = options.visible ?? 'bernoulli';
    if (visible !== 'bernoulli' && visible !== 'gaussian') {
      throw new ParamError(`visible must be 'bernoulli' or 'gaussian', got ${show(visible)}`);
    }
    this.visible = visible;
    this.rng = new Rng(options.seed ?? randomSeed());
    this.seed = this.rng.seed;
    this.visibleBiasFromData = booleanOption('visibleBiasFromData', options.visibleBiasFromData, true);

    const size = this.nHidden * this.nVisible;
    try {
      this.weightsBuffer = this.own(size);
      this.visibleBiasBuffer = this.own(this.nVisible);
      this.hiddenBiasBuffer = this.own(this.nHidden);
      // ΔW, in the layout of the packed weights (see rbmUpdate).
      this.weightVelocity = this.own(rbmKernels().rbmPackedWeightsLength(this.nHidden, this.nVisible));
      this.visibleVelocity = this.own(this.nVisible);
      this.hiddenVelocity = this.own(this.nHidden);
      this.hiddenMeans = this.own(this.nHidden);
      this.packedWeightsBuffer = this.own(rbmKernels().rbmPackedWeightsLength(this.nHidden, this.nVisible));
      this.packedStripsBuffer = this.own(rbmKernels().rbmPackedStripsLength(this.nHidden, this.nVisible));
    } catch (error) {
      // Too large for wasm memory (E_MEMORY): give back what was taken.
      this.dispose();
      throw error;
    }
    // Practical guide §8: W ~ N(0, 0.01²), biases 0.
    fillNormalAt(this.rng, this.weightsBuffer.ptr, size, 0, 0.01);
    this.visibleBiasBuffer.view.fill(0);
    this.hiddenBiasBuffer.view.fill(0);
    this.resetTrainingState();
    finalizer?.register(this, this.owned, this);
  }

  /** Copies of the parameters: W [nHidden, nVisible], visibleBias [nVisible], hiddenBias [nHidden]. */
  get weights(): RbmWeights {
    this.checkAlive();
    this.plainWeights();
    return {
      W: { shape: [this.nHidden, this.nVisible], data: this.weightsBuffer.toArray() },
      visibleBias: { shape: [this.nVisible], data: this.visibleBiasBuffer.toArray() },
      hiddenBias: { shape: [this.nHidden], data: this.hiddenBiasBuffer.toArray() },
    };
  }

  /**
   * Replaces the parameters (copied in), e.g. saved ones. Resets the momentum, the sparsity
   * estimates and the persistent chains; the visible biases are no longer set from data.
   */
  setWeights(weights: RbmWeights): void {
    this.checkAlive();
    const parts: [Tensor, string, number[], F32Buffer][] = [
      [weights?.W, 'W', [this.nHidden, this.nVisible], this.weightsBuffer],
      [weights?.visibleBias, 'visibleBias', [this.nVisible], this.visibleBiasBuffer],
      [weights?.hiddenBias, 'hiddenBias', [this.nHidden], this.hiddenBiasBuffer],
    ];
    for (const [t, name, shape] of parts) {
      if (!t || !(t.data instanceof Float32Array) || !Array.isArray(t.shape) || show(t.shape) !== show(shape)) {
        throw new ShapeError(`${name} must be a Tensor of shape ${show(shape)}, got ${show(t?.shape)}`);
      }
      if (t.data.length !== t.shape.reduce((a, b) => a * b, 1)) throw new ShapeError(`${name} has ${t.data.length} elements for shape ${show(t.shape)}`);
      checkValues(t.data, name, t.shape.length === 2 ? this.nVisible : t.data.length, false);
    }
    for (const [t, , , buffer] of parts) buffer.write(t.data);
    this.plainCurrent = true;
    this.packedCurrent = false;
    this.biasesSet = true;
    this.resetTrainingState();
  }

  /**
   * Trains on x [rows, nVisible] for `epochs` epochs of mini-batches and resolves to one record per
   * epoch. Yields to the event loop between epochs so that progress callbacks can render.
   */
  async fit(x: Tensor, options: FitOptions = {}): Promise<History> {
    this.checkAlive();
    checkKeys('RBM.fit', options, FIT_OPTION_NAMES);
    const epochs = integerIn('epochs', options.epochs ?? 10, 1);
    const batchSize = integerIn('batchSize', options.batchSize ?? 100, 1, 2 ** 20);
    const monitorSize = integerIn('monitorSize', options.monitorSize ?? DEFAULT_MONITOR_SIZE, 0);
    const momentum = options.momentum ?? defaultMomentum;
    if (typeof momentum !== 'function') numberIn('momentum', momentum, { min: 0, below: 1 });
    const settings = this.stepSettings(options, 0);
    const shuffle = booleanOption('shuffle', options.shuffle, true);
    const rows = this.checkData(x, 'x', options.allowOutOfRange);
    const validationRows = options.validation === undefined ? 0 : this.checkData(options.validation, 'validation', options.allowOutOfRange);
    for (const name of ['onEpoch', 'onBatch'] as const) {
      if (options[name] !== undefined && typeof options[name] !== 'function') throw new ParamError(`${name} must be a function, got ${show(options[name])}`);
    }

    this.initVisibleBias(x.data, rows);
    const monitorRows = Math.min(monitorSize, rows);
    const monitor = monitorRows > 0 ? this.monitorSample(x.data, rows, monitorRows) : null;
    const validation = options.validation && monitorRows > 0 ? options.validation.data.subarray(0, Math.min(monitorRows, validationRows) * this.nVisible) : null;
    this.ensureWorkspace(Math.min(batchSize, rows));

    const nV = this.nVisible;
    const batches = Math.ceil(rows / batchSize);
    const history: History = [];
    for (let epoch = 1; epoch <= epochs; epoch++) {
      const start = performance.now();
      settings.momentum = typeof momentum === 'function' ? numberIn(`momentum(${epoch})`, momentum(epoch), { min: 0, below: 1 }) : momentum;
      const order = shuffle ? permutation(rows, this.rng) : null;
      for (let batch = 0; batch < batches; batch++) {
        const first = batch * batchSize;
        const count = Math.min(batchSize, rows - first);
        const batchView = this.workspace!.visible.view;
        if (order === null) batchView.set(x.data.subarray(first * nV, (first + count) * nV));
        else {
          for (let r = 0; r < count; r++) {
            const row = order[first + r];
            batchView.set(x.data.subarray(row * nV, (row + 1) * nV), r * nV);
          }
        }
        this.trainBatch(count, settings);
        options.onBatch?.({ epoch, batch: batch + 1, batches });
      }
      const stats: EpochStats = {
        epoch,
        reconstructionError: NaN,
        pseudoLikelihood: null,
        freeEnergyGap: null,
        seconds: 0,
      };
      if (monitor) {
        stats.reconstructionError = this.meanReconstructionError(monitor.x, monitorRows);
        if (this.visible === 'bernoulli') stats.pseudoLikelihood = mean(this.pseudoLikelihoods(monitor.x, monitorRows, monitor.flips));
        if (validation) {
          stats.freeEnergyGap = mean(this.freeEnergies(validation, validation.length / nV)) - mean(this.freeEnergies(monitor.x, monitorRows));
        }
      }
      stats.seconds = (performance.now() - start) / 1000;
      history.push(stats);
      const verdict = await options.onEpoch?.(stats, history);
      if (verdict === false) break;
      if (epoch < epochs) await nextTurn();
    }
    return history;
  }

  /** One training step on the batch x [rows, nVisible] (for streaming data). */
  partialFit(x: Tensor, options: PartialFitOptions = {}): this {
    this.checkAlive();
    checkKeys('RBM.partialFit', options, [...STEP_OPTION_NAMES, 'momentum']);
    const settings = this.stepSettings(options, numberIn('momentum', options.momentum ?? 0, { min: 0, below: 1 }));
    const rows = this.checkData(x, 'x', options.allowOutOfRange);
    this.initVisibleBias(x.data, rows);
    this.ensureWorkspace(rows);
    this.workspace!.visible.write(x.data);
    this.trainBatch(rows, settings);
    return this;
  }

  /** P(h = 1 | v) for each row: Tensor [rows, nHidden]. */
  transform(x: Tensor): Tensor {
    const rows = this.checkInput(x);
    const out = new Float32Array(rows * this.nHidden);
    this.forChunks(x.data, rows, (count, b) => {
      this.hiddenProbabilitiesInto(b, count);
      out.set(b.hidden.view.subarray(0, count * this.nHidden), b.offset * this.nHidden);
    });
    return { shape: [rows, this.nHidden], data: out };
  }

  /** Mean-field reconstruction E[v | P(h | v)] of each row: Tensor [rows, nVisible]. */
  reconstruct(x: Tensor): Tensor {
    const rows = this.checkInput(x);
    const out = new Float32Array(rows * this.nVisible);
    this.forChunks(x.data, rows, (count, b) => {
      this.reconstructInto(b, count);
      out.set(b.output.view.subarray(0, count * this.nVisible), b.offset * this.nVisible);
    });
    return { shape: [rows, this.nVisible], data: out };
  }

  /** Mean squared difference, per element, between x and its mean-field reconstruction. */
  reconstructionError(x: Tensor): number {
    return this.meanReconstructionError(x.data, this.checkInput(x));
  }

  /** Free energy F(v) of each row, in f64. */
  freeEnergy(x: Tensor): Float64Array {
    return this.freeEnergies(x.data, this.checkInput(x));
  }

  /**
   * Mean pseudo-likelihood of the rows, scikit-learn's definition: flip one random visible unit
   * per row and take nVisible · log σ(F(ṽ) − F(v)). Bernoulli visible units only.
   */
  pseudoLikelihood(x: Tensor, options: { seed?: number } = {}): number {
    if (this.visible !== 'bernoulli') throw new ParamError('pseudoLikelihood is defined for Bernoulli visible units only');
    checkKeys('RBM.pseudoLikelihood', options, ['seed']);
    const rows = this.checkInput(x);
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    const flips = new Int32Array(rows);
    for (let r = 0; r < rows; r++) flips[r] = rng.int(this.nVisible);
    return mean(this.pseudoLikelihoods(x.data, rows, flips));
  }

  /**
   * Exact mean log-likelihood log p(v) of the rows, enumerating the smaller layer (2^units states,
   * the other layer summed out): at most 20 units in it (Gaussian visible units are never
   * enumerated). For tests and for studying RBMs: 2^20 states of 784 visible units take seconds.
   */
  logLikelihood(x: Tensor): number {
    const rows = this.checkInput(x);
    const layer = enumeratedLayer(this);
    if (layer === null) {
      throw new ParamError(
        `logLikelihood enumerates the smaller layer, which must have at most ${MAX_ENUMERATED_UNITS} units ` +
          `(hidden, or Bernoulli visible); this RBM has ${this.nVisible} ${this.visible} visible and ${this.nHidden} hidden units`,
      );
    }
    return mean(this.freeEnergies(x.data, rows).map((f) => -f)) - this.logPartition(layer);
  }

  /** log Z, enumerating `layer` in wasm (reference.logPartition is the f64 TypeScript twin). */
  private logPartition(layer: 'visible' | 'hidden'): number {
    const k = rbmKernels();
    const nV = this.nVisible;
    const nH = this.nHidden;
    if (layer === 'hidden') {
      return withBuffers([nV], (input) =>
        k.rbmLogPartition(this.plainWeights(), this.hiddenBiasBuffer.ptr, this.visibleBiasBuffer.ptr, nH, nV, this.visible === 'gaussian' ? 1 : 0, input.ptr),
      );
    }
    // Enumerating the visible units adds columns of W: hand the kernel Wᵀ, whose rows they are.
    this.plainWeights();
    const w = this.weightsBuffer.toArray();
    const transposed = new Float32Array(nV * nH);
    for (let j = 0; j < nH; j++) for (let i = 0; i < nV; i++) transposed[i * nH + j] = w[j * nV + i];
    return withBuffers([nV * nH, nH], (rows, input) => {
      rows.write(transposed);
      return k.rbmLogPartition(rows.ptr, this.visibleBiasBuffer.ptr, this.hiddenBiasBuffer.ptr, nV, nH, 0, input.ptr);
    });
  }

  /**
   * Runs n Gibbs chains for `steps` steps (v → h → v) and returns the last visible probabilities
   * (means for Gaussian units): Tensor [n, nVisible].
   */
  sample(n: number, options: SampleOptions = {}): Tensor {
    this.checkAlive();
    integerIn('n', n, 1, 2 ** 24);
    checkKeys('RBM.sample', options, ['steps', 'init', 'seed']);
    const steps = integerIn('steps', options.steps ?? 1000, 1);
    if (options.init !== undefined) {
      const rows = this.checkInput(options.init, 'init');
      if (rows !== n) throw new ShapeError(`init must have n = ${n} rows, got ${rows}`);
    }
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    const nV = this.nVisible;
    const out = new Float32Array(n * nV);
    const start = options.init?.data ?? new Float32Array(Math.min(n, CHUNK_ROWS) * nV);
    this.forChunks(
      start,
      n,
      (count, b) => {
        const hidden: HiddenSample = { rng, active: b.active.ptr, counts: b.counts.ptr };
        if (options.init) this.hiddenStep(b.input.ptr, count, 1, b.hidden.ptr, b.kernel.ptr, hidden);
        else b.counts.view.fill(0);
        for (let step = 1; step < steps; step++) {
          this.visibleStep(b.active.ptr, b.counts.ptr, count, b.input.ptr, b.kernel.ptr, rng);
          this.hiddenStep(b.input.ptr, count, 1, b.hidden.ptr, b.kernel.ptr, hidden);
        }
        this.visibleStep(b.active.ptr, b.counts.ptr, count, b.output.ptr, b.kernel.ptr, null);
        out.set(b.output.view.subarray(0, count * nV), b.offset * nV);
      },
      options.init === undefined,
    );
    return { shape: [n, nV], data: out };
  }

  /**
   * The parameters as safetensors bytes (F32): `W` [nHidden, nVisible], `visibleBias`,
   * `hiddenBias`, with nVisible, nHidden, the visible units and the seed in `__metadata__`.
   * Training state (momentum, persistent chains) is not saved.
   */
  save(): Uint8Array {
    const { W, visibleBias, hiddenBias } = this.weights;
    return writeModel(
      'rbm',
      { layers: `${this.nVisible},${this.nHidden}`, visible: this.visible, seed: String(this.seed) },
      { W, visibleBias, hiddenBias },
    );
  }

  /**
   * An RBM from bytes written by `save()`, checked against its `__metadata__` before it is
   * built; any problem is `FormatError` (E_FORMAT) naming the tensor. Non-finite parameters are
   * rejected unless `{ allowNonFinite: true }`. As after `setWeights`, the visible biases are
   * not reset from data at the next fit.
   */
  static load(bytes: Uint8Array, options?: LoadOptions): RBM {
    return RBM.fromFile(readModel(bytes, options, 'rbm'));
  }

  /** @internal Builds the model from a decoded file of kind 'rbm' (`nninit.load` decodes once). */
  static fromFile(file: ModelFile): RBM {
    const sizes = metaSizes(file, 'layers', 2);
    if (sizes.length !== 2) formatFail(`__metadata__.layers of an rbm must be "nVisible,nHidden", got ${show(sizes.join(','))}`);
    const [nVisible, nHidden] = sizes;
    const visible = metaChoice<VisibleUnits>(file, 'visible', ['bernoulli', 'gaussian']);
    const seed = metaNumber(file, 'seed');
    const W = takeTensor(file, 'W', [nHidden, nVisible]);
    const visibleBias = takeTensor(file, 'visibleBias', [nVisible]);
    const hiddenBias = takeTensor(file, 'hiddenBias', [nHidden]);
    checkNoExtraTensors(file);
    let rbm: RBM;
    try {
      rbm = new RBM({ nVisible, nHidden, visible, seed });
    } catch (error) {
      if (error instanceof ParamError) formatFail(error.message);
      throw error;
    }
    // Written directly: setWeights would refuse the non-finite values that allowNonFinite let through.
    rbm.weightsBuffer.write(W.data);
    rbm.plainCurrent = true;
    rbm.visibleBiasBuffer.write(visibleBias.data);
    rbm.hiddenBiasBuffer.write(hiddenBias.data);
    rbm.packedCurrent = false;
    rbm.biasesSet = true;
    return rbm;
  }

  /** Frees the model's wasm memory now; the model cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer?.unregister(this);
    for (const buffer of this.owned) buffer.free();
    this.owned.length = 0;
    this.workspace = null;
  }

  // --- training ------------------------------------------------------------------------------------

  private stepSettings(options: StepOptions, momentum: number): StepSettings {
    const { sparsity } = options;
    booleanOption('allowOutOfRange', options.allowOutOfRange, false);
    if (sparsity !== undefined && (typeof sparsity !== 'object' || sparsity === null)) {
      throw new ParamError(`sparsity must be an object { target, cost, decay? }, got ${show(sparsity)}`);
    }
    return {
      learningRate: numberIn('learningRate', options.learningRate ?? (this.visible === 'gaussian' ? 0.01 : 0.1), { above: 0, max: 1e6 }),
      momentum,
      weightDecay: numberIn('weightDecay', options.weightDecay ?? 0, { min: 0, max: 1e6 }),
      k: integerIn('k', options.k ?? 1, 1, 1e6),
      persistent: booleanOption('persistent', options.persistent, false),
      sampleVisible: booleanOption('sampleVisible', options.sampleVisible, false),
      sparsity: sparsity
        ? {
            target: numberIn('sparsity.target', sparsity.target, { above: 0, below: 1 }),
            cost: numberIn('sparsity.cost', sparsity.cost, { min: 0, max: 1e6 }),
            decay: numberIn('sparsity.decay', sparsity.decay ?? 0.95, { min: 0, below: 1 }),
          }
        : null,
    };
  }

  /**
   * One CD-k / PCD-k update on the batch already in workspace.visible's first `rows` rows. Random
   * draws, in order: the positive hidden sample (CD, or to start PCD's chains), then per Gibbs step
   * the visible sample (when sampled) and the hidden sample (all but CD's last step) — the order
   * of reference.trainStep.
   */
  private trainBatch(rows: number, s: StepSettings): void {
    const ws = this.workspace!;
    const positive = ws.visible.ptr;
    const negative = positive + rows * this.nVisible * 4;
    const negativeHidden = ws.hidden.ptr + rows * this.nHidden * 4;
    const startChains = s.persistent && this.chainRows < rows;
    const [active, counts] = s.persistent ? [ws.chainActive.ptr, ws.chainCounts.ptr] : [ws.active.ptr, ws.counts.ptr];
    const hidden: HiddenSample = { rng: this.rng, active, counts };

    this.hiddenStep(positive, rows, 1, ws.hidden.ptr, ws.kernel.ptr, !s.persistent || startChains ? hidden : null);
    if (startChains) this.chainRows = rows;
    let sampledReconstruction = false;
    for (let step = 1; step <= s.k; step++) {
      const last = step === s.k;
      sampledReconstruction = s.persistent || !last || s.sampleVisible;
      this.visibleStep(active, counts, rows, negative, ws.kernel.ptr, sampledReconstruction ? this.rng : null);
      this.hiddenStep(negative, rows, -1, negativeHidden, ws.kernel.ptr, s.persistent || !last ? hidden : null);
    }

    const sparsity = s.sparsity ?? { target: 0, cost: 0, decay: 0 };
    // The update reads and writes W's packed copies (current: the hidden steps above used them),
    // which stay current; W's own layout is unpacked from them when read (plainWeights).
    rbmKernels().rbmUpdate(
      ws.hidden.ptr,
      positive,
      rows,
      this.nHidden,
      this.nVisible,
      this.packedWeights(),
      this.packedStrips(),
      this.visibleBiasBuffer.ptr,
      this.hiddenBiasBuffer.ptr,
      this.weightVelocity.ptr,
      this.visibleVelocity.ptr,
      this.hiddenVelocity.ptr,
      s.learningRate,
      s.momentum,
      s.weightDecay,
      sparsity.target,
      sparsity.cost,
      sparsity.decay,
      this.hiddenMeans.ptr,
      // Bernoulli data and binary reconstructions are worth scanning for zeros; Gaussian values never are 0.
      this.visible === 'gaussian' ? 0 : sampledReconstruction ? 2 * rows : rows,
      ws.kernel.ptr,
    );
    this.plainCurrent = false;
  }

  /**
   * P(h | v) for `rows` rows at v into `probabilities` (times `sign`), and, with `sample`, binary
   * hidden states drawn from it into sample's active lists.
   */
  private hiddenStep(v: number, rows: number, sign: number, probabilities: number, workspace: number, sample: HiddenSample | null): void {
    const [lo, hi] = sample ? blockWords(sample.rng.takeBlocks(rows * Math.ceil(this.nHidden / 4))) : [0, 0];
    const { key0, key1 } = sample?.rng ?? this.rng;
    rbmKernels().rbmHiddenStep(
      v,
      rows,
      this.nVisible,
      this.nHidden,
      this.packedWeights(),
      this.hiddenBiasBuffer.ptr,
      sign,
      probabilities,
      sample?.active ?? 0,
      sample?.counts ?? 0,
      key0,
      key1,
      lo,
      hi,
      workspace,
    );
  }

  /** The visible half-step from binary hidden states: samples drawn from `rng`, or (without) probabilities/means. */
  private visibleStep(active: number, counts: number, rows: number, out: number, workspace: number, rng: Rng | null): void {
    const [lo, hi] = rng ? blockWords(rng.takeBlocks(rows * Math.ceil(this.nVisible / 4))) : [0, 0];
    rbmKernels().rbmVisibleStep(
      active,
      counts,
      rows,
      this.nHidden,
      this.nVisible,
      this.packedStrips(),
      this.visibleBiasBuffer.ptr,
      this.visible === 'gaussian' ? 1 : 0,
      rng ? 1 : 0,
      out,
      rng?.key0 ?? 0,
      rng?.key1 ?? 0,
      lo,
      hi,
      workspace,
    );
  }

  /** W packed for the hidden products, remade if W changed since. */
  private packedWeights(): number {
    this.repack();
    return this.packedWeightsBuffer.ptr;
  }

  /** W packed for the visible step, remade if W changed since. */
  private packedStrips(): number {
    this.repack();
    return this.packedStripsBuffer.ptr;
  }

  /** W in its own layout [nHidden, nVisible], unpacked from the packed copy if training changed it since. */
  private plainWeights(): number {
    if (!this.plainCurrent) {
      rbmKernels().rbmUnpackWeights(this.packedWeightsBuffer.ptr, this.nHidden, this.nVisible, this.weightsBuffer.ptr);
      this.plainCurrent = true;
    }
    return this.weightsBuffer.ptr;
  }

  /** Remakes the packed copies from W's own layout, which is current whenever they are not. */
  private repack(): void {
    if (this.packedCurrent) return;
    const k = rbmKernels();
    k.rbmPackWeights(this.weightsBuffer.ptr, this.nHidden, this.nVisible, this.packedWeightsBuffer.ptr);
    k.rbmPackStrips(this.weightsBuffer.ptr, this.nHidden, this.nVisible, this.packedStripsBuffer.ptr);
    this.packedCurrent = true;
  }

  /** Visible biases from the data, once, before the first training step (practical guide §8). */
  private initVisibleBias(x: Float32Array, rows: number): void {
    if (this.biasesSet) return;
    this.biasesSet = true;
    if (!this.visibleBiasFromData) return;
    const nV = this.nVisible;
    const sums = new Float64Array(nV);
    for (let r = 0; r < rows; r++) for (let i = 0; i < nV; i++) sums[i] += x[r * nV + i];
    const bias = new Float32Array(nV);
    for (let i = 0; i < nV; i++) {
      const m = sums[i] / rows;
      if (this.visible === 'gaussian') bias[i] = m;
      else {
        // Units that are always off (or on) would get an infinite bias: clamp p to [1e-3, 1 − 1e-3].
        const p = Math.min(Math.max(m, 1e-3), 1 - 1e-3);
        bias[i] = Math.log(p / (1 - p));
      }
    }
    this.visibleBiasBuffer.write(bias);
  }

  private resetTrainingState(): void {
    this.weightVelocity.view.fill(0);
    this.visibleVelocity.view.fill(0);
    this.hiddenVelocity.view.fill(0);
    this.hiddenMeans.view.fill(0);
    this.chainRows = 0;
  }

  private ensureWorkspace(rows: number): void {
    if (this.workspace && this.workspace.rows >= rows) return;
    if (this.workspace) {
      for (const buffer of Object.values(this.workspace)) {
        if (typeof buffer === 'object') {
          buffer.free();
          this.owned.splice(this.owned.indexOf(buffer), 1);
        }
      }
    }
    const nV = this.nVisible;
    const nH = this.nHidden;
    const kernelBytes = rbmKernels().rbmWorkspaceBytes(rows, nV, nH);
    this.workspace = {
      rows,
      visible: this.own(2 * rows * nV),
      hidden: this.own(2 * rows * nH),
      active: this.own(rows * nH),
      counts: this.own(rows),
      chainActive: this.own(rows * nH),
      chainCounts: this.own(rows),
      kernel: this.own(Math.ceil(kernelBytes / 4)),
    };
    // New chain buffers hold no chains yet.
    this.chainRows = 0;
  }

  private own(length: number): F32Buffer {
    const buffer = allocF32(length);
    this.owned.push(buffer);
    return buffer;
  }

  // --- monitoring and inference --------------------------------------------------------------------

  /** A fixed random sample of the training rows and one flip per row, for comparable per-epoch statistics. */
  private monitorSample(x: Float32Array, rows: number, count: number): { x: Float32Array; flips: Int32Array } {
    const nV = this.nVisible;
    const order = permutation(rows, this.rng);
    const sample = new Float32Array(count * nV);
    const flips = new Int32Array(count);
    for (let r = 0; r < count; r++) {
      sample.set(x.subarray(order[r] * nV, (order[r] + 1) * nV), r * nV);
      flips[r] = this.rng.int(nV);
    }
    return { x: sample, flips };
  }

  private meanReconstructionError(x: Float32Array, rows: number): number {
    let total = 0;
    const k = rbmKernels();
    this.forChunks(x, rows, (count, b) => {
      this.reconstructInto(b, count);
      total += k.rbmSquaredError(b.input.ptr, b.output.ptr, count * this.nVisible);
    });
    return total / (rows * this.nVisible);
  }

  private freeEnergies(x: Float32Array, rows: number): Float64Array {
    const out = new Float64Array(rows);
    const k = rbmKernels();
    const gaussian = this.visible === 'gaussian' ? 1 : 0;
    this.forChunks(x, rows, (count, b) => {
      k.rbmFreeEnergy(
        b.input.ptr,
        count,
        this.nVisible,
        this.nHidden,
        this.packedWeights(),
        this.visibleBiasBuffer.ptr,
        this.hiddenBiasBuffer.ptr,
        gaussian,
        b.hidden.ptr,
        b.output.ptr,
        b.kernel.ptr,
      );
      out.set(new Float64Array(heap().memory.buffer, b.output.ptr, count), b.offset);
    });
    return out;
  }

  private pseudoLikelihoods(x: Float32Array, rows: number, flips: Int32Array): Float64Array {
    const out = new Float64Array(rows);
    const k = rbmKernels();
    this.forChunks(x, rows, (count, b) => {
      new Int32Array(heap().memory.buffer, b.counts.ptr, count).set(flips.subarray(b.offset, b.offset + count));
      k.rbmPseudoLikelihood(
        b.input.ptr,
        count,
        this.nVisible,
        this.nHidden,
        this.plainWeights(),
        this.packedWeights(),
        this.visibleBiasBuffer.ptr,
        this.hiddenBiasBuffer.ptr,
        b.counts.ptr, // the flips
        b.hidden.ptr,
        b.output.ptr,
        b.kernel.ptr,
      );
      out.set(new Float64Array(heap().memory.buffer, b.output.ptr, count), b.offset);
    });
    return out;
  }

  private hiddenProbabilitiesInto(b: ChunkBuffers, count: number): void {
    this.hiddenStep(b.input.ptr, count, 1, b.hidden.ptr, b.kernel.ptr, null);
  }

  private reconstructInto(b: ChunkBuffers, count: number): void {
    this.hiddenProbabilitiesInto(b, count);
    const gaussian = this.visible === 'gaussian' ? 1 : 0;
    const { visibleBiasBuffer } = this;
    const weights = this.plainWeights();
    rbmKernels().rbmVisibleMean(b.hidden.ptr, count, this.nHidden, this.nVisible, weights, visibleBiasBuffer.ptr, gaussian, b.output.ptr, b.kernel.ptr);
  }

  /**
   * Runs `body` over chunks of up to CHUNK_ROWS rows of x, each copied into `input`, with
   * temporary wasm buffers freed afterwards. With `repeatInput`, every chunk gets x's first rows
   * (for inputs that are all alike, such as zeros).
   */
  private forChunks(x: Float32Array, rows: number, body: (count: number, buffers: ChunkBuffers) => void, repeatInput = false): void {
    this.checkAlive();
    const nV = this.nVisible;
    const nH = this.nHidden;
    const chunk = Math.min(rows, CHUNK_ROWS);
    const temporary: F32Buffer[] = [];
    const alloc = (length: number) => {
      const buffer = allocF32(length);
      temporary.push(buffer);
      return buffer;
    };
    try {
      const buffers: ChunkBuffers = {
        offset: 0,
        input: alloc(chunk * nV),
        hidden: alloc(chunk * nH),
        // f64 results need 2 floats per row
        output: alloc(chunk * Math.max(nV, 2)),
        active: alloc(chunk * nH),
        counts: alloc(chunk),
        kernel: alloc(Math.ceil(rbmKernels().rbmWorkspaceBytes(chunk, nV, nH) / 4)),
      };
      for (let offset = 0; offset < rows; offset += chunk) {
        const count = Math.min(chunk, rows - offset);
        buffers.offset = offset;
        const from = repeatInput ? 0 : offset * nV;
        buffers.input.write(x.subarray(from, from + count * nV));
        body(count, buffers);
      }
    } finally {
      for (let i = temporary.length - 1; i >= 0; i--) temporary[i].free();
    }
  }

  // --- validation ----------------------------------------------------------------------------------

  private checkAlive(): void {
    if (this.disposed) throw new MemoryError('this RBM was disposed: its wasm memory is gone');
  }

  /** Checks a data tensor's shape and values; returns its row count. */
  private checkInput(x: Tensor, name = 'x'): number {
    this.checkAlive();
    return this.checkData(x, name, true);
  }

  private checkData(x: Tensor, name: string, allowOutOfRange = false): number {
    if (typeof x !== 'object' || x === null || !(x.data instanceof Float32Array) || !Array.isArray(x.shape)) {
      throw new ShapeError(`${name} must be a Tensor [rows, ${this.nVisible}], got ${show(x)}`);
    }
    if (x.shape.length !== 2 || x.shape[1] !== this.nVisible || !Number.isInteger(x.shape[0]) || x.shape[0] < 1) {
      throw new ShapeError(`${name} must have shape [rows, ${this.nVisible}] (nVisible = ${this.nVisible}), got ${show(x.shape)}`);
    }
    if (x.data.length !== x.shape[0] * x.shape[1]) {
      throw new ShapeError(`${name} has ${x.data.length} elements but shape ${show(x.shape)} needs ${x.shape[0] * x.shape[1]}`);
    }
    checkValues(x.data, name, this.nVisible, this.visible === 'bernoulli' && !allowOutOfRange);
    return x.shape[0];
  }
}

/** Where a hidden step's binary samples go, and the stream they come from. */
interface HiddenSample {
  rng: Rng;
  active: number;
  counts: number;
}

interface ChunkBuffers {
  /** first row of the chunk in the caller's data */
  offset: number;
  input: F32Buffer;
  hidden: F32Buffer;
  output: F32Buffer;
  active: F32Buffer;
  counts: F32Buffer;
  kernel: F32Buffer;
}

/** E_DATA for a non-finite value, or (for Bernoulli data) one outside [0, 1]. */
function checkValues(data: Float32Array, name: string, width: number, unitInterval: boolean): void {
  for (let k = 0; k < data.length; k++) {
    const value = data[k];
    if (unitInterval ? value >= 0 && value <= 1 : Number.isFinite(value)) continue;
    const where = `${name}[${Math.floor(k / width)}, ${k % width}]`;
    if (!Number.isFinite(value)) throw new DataError(`${where} is ${show(value)}; values must be finite`);
    throw new DataError(
      `${where} is ${show(value)}, outside [0, 1]: Bernoulli visible units need probabilities ` +
        `(scale the data, use visible: 'gaussian', or pass { allowOutOfRange: true })`,
    );
  }
}

function mean(values: Float64Array): number {
  let total = 0;
  for (const v of values) total += v;
  return total / values.length;
}
