import { MemoryError, ParamError, ShapeError, show } from '../errors.js';
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
import { booleanOption, checkOptions, integerIn } from '../options.js';
import { randomSeed, Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { estimateLogLikelihood, estimateLogPartition, type EstimateHooks } from './ais.js';
import {
  logPartitionSettings,
  type LogLikelihoodEstimate,
  type LogLikelihoodOptions,
  type LogPartitionEstimate,
  type LogPartitionOptions,
  type LogPartitionSettings,
} from './ais-options.js';
import { OwnedBuffers } from './buffers.js';
import { checkData, checkParameter } from './data.js';
import { logPartition } from './exact.js';
import { BatchBuffers, fitEpochs, mean, trainBatch, visibleBiasFromData, type Trainee } from './fit.js';
import { Gibbs } from './gibbs.js';
import { Inference } from './inference.js';
import {
  fitSettings,
  partialFitSettings,
  RBM_OPTION_KEYS,
  SAMPLE_OPTION_KEYS,
  visibleUnits,
  type FitOptions,
  type History,
  type PartialFitOptions,
  type RbmOptions,
  type SampleOptions,
  type VisibleUnits,
} from './options.js';
import { Parameters, type RbmWeights } from './parameters.js';
import { TrainingState } from './state.js';

export type {
  BatchInfo,
  EpochStats,
  FitOptions,
  History,
  PartialFitOptions,
  RbmOptions,
  SampleOptions,
  SparsityOptions,
  StepOptions,
  VisibleUnits,
} from './options.js';
export type { RbmWeights } from './parameters.js';
export type {
  AisOptions,
  EstimateProgress,
  FitLogLikelihoodOptions,
  LogLikelihoodEstimate,
  LogLikelihoodOptions,
  LogPartitionEstimate,
  LogPartitionOptions,
  PartitionMethod,
} from './ais-options.js';

/** Frees the wasm memory of models that were never disposed. */
const finalizer = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<OwnedBuffers>((memory) => memory.freeAll()) : null;

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
  /** Every wasm buffer this model owns; the finalizer frees them. */
  private readonly memory = new OwnedBuffers();
  private readonly params: Parameters;
  private readonly state: TrainingState;
  private readonly gibbs: Gibbs;
  private readonly inference: Inference;
  private batch: BatchBuffers | null = null;
  private disposed = false;

  constructor(options: RbmOptions) {
    checkOptions('RBM', options ?? null, RBM_OPTION_KEYS);
    this.nVisible = integerIn('nVisible', options.nVisible, 1, 2 ** 24);
    this.nHidden = integerIn('nHidden', options.nHidden, 1, 2 ** 24);
    this.visible = visibleUnits(options.visible);
    this.rng = new Rng(options.seed ?? randomSeed());
    this.seed = this.rng.seed;
    this.visibleBiasFromData = booleanOption('visibleBiasFromData', options.visibleBiasFromData, true);
    try {
      this.params = new Parameters(this.nVisible, this.nHidden, this.memory);
      this.state = new TrainingState(this.nVisible, this.nHidden, this.rng, this.memory);
    } catch (error) {
      // Too large for wasm memory (E_MEMORY): give back what was taken.
      this.memory.freeAll();
      throw error;
    }
    // Practical guide §8: W ~ N(0, 0.01²), biases 0.
    this.params.initialize(this.rng, 0.01);
    this.gibbs = new Gibbs(this.params, this.visible);
    this.inference = new Inference(this.gibbs);
    finalizer?.register(this, this.memory, this);
  }

  /** Copies of the parameters: W [nHidden, nVisible], visibleBias [nVisible], hiddenBias [nHidden]. */
  get weights(): RbmWeights {
    this.checkAlive();
    return this.params.read();
  }

  /**
   * Replaces the parameters (copied in), e.g. saved ones. Resets the momentum, the sparsity
   * estimates and the persistent chains; the visible biases are no longer set from data.
   */
  setWeights(weights: RbmWeights): void {
    this.checkAlive();
    const W = checkParameter(weights?.W, 'W', [this.nHidden, this.nVisible], this.nVisible);
    const visibleBias = checkParameter(weights?.visibleBias, 'visibleBias', [this.nVisible], this.nVisible);
    const hiddenBias = checkParameter(weights?.hiddenBias, 'hiddenBias', [this.nHidden], this.nHidden);
    this.params.write(W, visibleBias, hiddenBias);
    this.state.biasesSet = true;
    this.state.reset();
  }

  /**
   * Trains on x [rows, nVisible] for `epochs` epochs of mini-batches and resolves to one record per
   * epoch. Yields to the event loop between epochs so that progress callbacks can render.
   */
  async fit(x: Tensor, options: FitOptions = {}): Promise<History> {
    this.checkAlive();
    const settings = fitSettings(options, this.visible);
    const rows = this.checkData(x, 'x', settings.step.allowOutOfRange);
    const validation = settings.validation;
    const validationRows = validation === undefined ? 0 : this.checkData(validation, 'validation', settings.step.allowOutOfRange);
    if (settings.logLikelihood) this.checkData(settings.logLikelihood.data, 'logLikelihood.data', false);
    this.initVisibleBias(x.data, rows);
    return fitEpochs(this.trainee(), x, rows, settings, validationRows);
  }

  /** One training step on the batch x [rows, nVisible] (for streaming data). */
  partialFit(x: Tensor, options: PartialFitOptions = {}): this {
    this.checkAlive();
    const settings = partialFitSettings(options, this.visible);
    const rows = this.checkData(x, 'x', settings.allowOutOfRange);
    this.initVisibleBias(x.data, rows);
    const trainee = this.trainee();
    const batch = trainee.batchBuffers(rows);
    batch.visible.write(x.data);
    trainBatch(trainee, batch, rows, settings);
    return this;
  }

  /** P(h = 1 | v) for each row: Tensor [rows, nHidden]. */
  transform(x: Tensor): Tensor {
    const rows = this.checkInput(x);
    return { shape: [rows, this.nHidden], data: this.inference.transform(x.data, rows) };
  }

  /** Mean-field reconstruction E[v | P(h | v)] of each row: Tensor [rows, nVisible]. */
  reconstruct(x: Tensor): Tensor {
    const rows = this.checkInput(x);
    return { shape: [rows, this.nVisible], data: this.inference.reconstruct(x.data, rows) };
  }

  /** Mean squared difference, per element, between x and its mean-field reconstruction. */
  reconstructionError(x: Tensor): number {
    return this.inference.reconstructionError(x.data, this.checkInput(x));
  }

  /** Free energy F(v) of each row, in f64. */
  freeEnergy(x: Tensor): Float64Array {
    return this.inference.freeEnergies(x.data, this.checkInput(x));
  }

  /**
   * Mean pseudo-likelihood of the rows, scikit-learn's definition: flip one random visible unit
   * per row and take nVisible · log σ(F(ṽ) − F(v)). Bernoulli visible units only.
   */
  pseudoLikelihood(x: Tensor, options: { seed?: number } = {}): number {
    if (this.visible !== 'bernoulli') throw new ParamError('pseudoLikelihood is defined for Bernoulli visible units only');
    checkOptions('RBM.pseudoLikelihood', options, { seed: true });
    const rows = this.checkInput(x);
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    const flips = new Int32Array(rows);
    for (let r = 0; r < rows; r++) flips[r] = rng.int(this.nVisible);
    return mean(this.inference.pseudoLikelihoods(x.data, rows, flips));
  }

  /**
   * log Z, the log-partition function, estimated by annealed importance sampling (Salakhutdinov &
   * Murray 2008; `method: 'ais'`, the default) or computed by enumerating the smaller layer
   * (`method: 'exact'`, at most 20 units in it). AIS runs `runs` (100) chains from a base model
   * with W = 0 (visible biases `baseVisibleBias`, or from `data`'s marginals, or 0) to this model
   * over `betas` (10000) temperatures, in wasm on the thread pool, yielding to the event loop
   * between kernel calls. `stdError` is the delta-method error from the spread of the importance
   * weights. AIS's Ẑ is unbiased, so log Ẑ tends to be low: it under-estimates log Z (by more than t
   * nats with probability at most e^−t) and so over-estimates log-likelihoods. Bernoulli visible
   * units only for AIS. Without a seed the model's stream advances.
   *
   * ```ts
   * const { logZ, stdError } = await rbm.logPartition({ data: train.x, seed: 1 });
   * ```
   */
  async logPartition(options?: LogPartitionOptions): Promise<LogPartitionEstimate> {
    this.checkAlive();
    const settings = logPartitionSettings('RBM.logPartition', options);
    return estimateLogPartition(this.params, this.visible, settings, this.baseBias(settings, null), this.aisStream(settings), this.hooks(settings));
  }

  /**
   * Mean log-likelihood log p(v) = −F(v) − log Z of the rows.
   *
   * Without options: exactly, enumerating the smaller layer (2^units states, the other layer
   * summed out), at most 20 units in it (Gaussian visible units are never enumerated); for tests
   * and for studying small RBMs (2^20 states of 784 visible units take seconds). Returns a number.
   *
   * With options (those of `logPartition`; `method: 'ais'` by default): resolves to `{ mean,
   * stdError, logZ, logZStdError }`, where stdError combines log Z's error with the sample's,
   * √(logZStdError² + var(−F)/rows), the error of `mean` as an estimate of the expected
   * log-likelihood of data like x. The AIS base model defaults to the marginals of x itself. Like
   * any AIS estimate it tends to be high (log Z tends to be low). Meaningful for binary data.
   *
   * ```ts
   * const { mean, stdError } = await rbm.logLikelihood(test.x, { runs: 100, betas: 10000, data: train.x });
   * ```
   */
  logLikelihood(x: Tensor): number;
  logLikelihood(x: Tensor, options: LogLikelihoodOptions): Promise<LogLikelihoodEstimate>;
  logLikelihood(x: Tensor, options?: LogLikelihoodOptions): number | Promise<LogLikelihoodEstimate> {
    if (options !== undefined) return this.estimateLogLikelihood(x, options);
    const rows = this.checkInput(x);
    const logZ = logPartition(this.params, this.visible);
    return mean(this.inference.freeEnergies(x.data, rows).map((f) => -f)) - logZ;
  }

  /**
   * Runs n Gibbs chains for `steps` steps (v → h → v) and returns the last visible probabilities
   * (means for Gaussian units): Tensor [n, nVisible].
   */
  sample(n: number, options: SampleOptions = {}): Tensor {
    this.checkAlive();
    integerIn('n', n, 1, 2 ** 24);
    checkOptions('RBM.sample', options, SAMPLE_OPTION_KEYS);
    const steps = integerIn('steps', options.steps ?? 1000, 1);
    if (options.init !== undefined) {
      const rows = this.checkInput(options.init, 'init');
      if (rows !== n) throw new ShapeError(`init must have n = ${n} rows, got ${rows}`);
    }
    const rng = options.seed === undefined ? this.rng : new Rng(options.seed);
    return { shape: [n, this.nVisible], data: this.inference.sample(n, steps, options.init?.data ?? null, rng) };
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
    rbm.params.write(W.data, visibleBias.data, hiddenBias.data);
    rbm.state.biasesSet = true;
    return rbm;
  }

  /** Frees the model's wasm memory now; the model cannot be used afterwards. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    finalizer?.unregister(this);
    this.memory.freeAll();
    this.batch = null;
  }

  // --- internals -----------------------------------------------------------------------------------

  private async estimateLogLikelihood(x: Tensor, options: LogLikelihoodOptions): Promise<LogLikelihoodEstimate> {
    this.checkAlive();
    const settings = logPartitionSettings('RBM.logLikelihood', options);
    const rows = this.checkInput(x);
    return estimateLogLikelihood(this.inference, this.params, this.visible, x.data, rows, settings, this.baseBias(settings, x), this.aisStream(settings), this.hooks(settings));
  }

  /** The AIS base model's visible biases: given, from data's marginals (or `fallback`'s), or 0. */
  private baseBias(s: LogPartitionSettings, fallback: Tensor | null): Float32Array {
    if (s.baseVisibleBias !== undefined) return checkParameter(s.baseVisibleBias, 'baseVisibleBias', [this.nVisible], this.nVisible).slice();
    const data = s.data ?? fallback;
    if (data === null) return new Float32Array(this.nVisible);
    const rows = this.checkData(data, s.data ? 'data' : 'x', false);
    return visibleBiasFromData(data.data, rows, this.nVisible, 'bernoulli');
  }

  /** The stream whose Philox key AIS draws from: the seed's, or one forked from the model's stream (not for exact values, which draw nothing). */
  private aisStream(s: LogPartitionSettings): Rng {
    if (s.method === 'exact') return this.rng;
    return s.seed === undefined ? this.rng.fork() : new Rng(s.seed).fork();
  }

  private hooks(s: LogPartitionSettings): EstimateHooks {
    return { onProgress: s.onProgress, checkAlive: () => this.checkAlive() };
  }

  /** What the training functions work on. */
  private trainee(): Trainee {
    return {
      visible: this.visible,
      gibbs: this.gibbs,
      inference: this.inference,
      state: this.state,
      batchBuffers: (rows) => this.batchBuffers(rows),
      checkAlive: () => this.checkAlive(),
    };
  }

  private batchBuffers(rows: number): BatchBuffers {
    if (this.batch && this.batch.rows >= rows) return this.batch;
    this.batch?.free();
    this.batch = null;
    this.batch = new BatchBuffers(this.memory, rows, this.nVisible, this.nHidden);
    // Persistent chains grow with the batch buffers, and restart.
    if (this.state.chains) this.state.chainsFor(rows);
    return this.batch;
  }

  /** Visible biases from the data, once, before the first training step (practical guide §8). */
  private initVisibleBias(x: Float32Array, rows: number): void {
    if (this.state.biasesSet) return;
    this.state.biasesSet = true;
    if (this.visibleBiasFromData) this.params.visibleBias.write(visibleBiasFromData(x, rows, this.nVisible, this.visible));
  }

  private checkAlive(): void {
    if (this.disposed) throw new MemoryError('this RBM was disposed: its wasm memory is gone');
  }

  /** Checks an inference input's shape and values; returns its row count. */
  private checkInput(x: Tensor, name = 'x'): number {
    this.checkAlive();
    return this.checkData(x, name, true);
  }

  private checkData(x: Tensor, name: string, allowOutOfRange: boolean): number {
    return checkData(x, name, this.nVisible, this.visible === 'bernoulli' && !allowOutOfRange);
  }
}
