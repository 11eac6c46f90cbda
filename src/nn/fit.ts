import { permutation, splitValidation } from '../data/batch.js';
import { MemoryError, ParamError, show } from '../errors.js';
import { adam, isOptimizer, learningRate, type Optimizer } from '../optim/optimizers.js';
import type { Rng } from '../random.js';
import { allocF32, heap, kernels, type F32Buffer } from '../runtime/index.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { nextTurn } from '../event-loop.js';
import { booleanOption, checkOptions, numberIn, positiveInteger, type OptionKeys } from '../options.js';
import type { OptimizerState, ParamRange } from '../optim/state.js';
import type { OutputName } from './activations.js';
import { encodeTargets, type Targets } from './targets.js';

/** Rows evaluated per forward pass when scoring validation data, predicting or evaluating. */
export const EVAL_ROWS = 256;

export type Monitor = 'loss' | 'accuracy' | 'valLoss' | 'valAccuracy';

export interface EarlyStoppingOptions {
  /** The quantity watched (default 'valLoss' with validation data, else 'loss'). */
  monitor?: Monitor;
  /** Stop after this many epochs in a row without improvement (default 0, which Keras treats as 1). */
  patience?: number;
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number;
  /** Put back the parameters of the best epoch when training ends (default false). */
  restoreBest?: boolean;
}

export interface EpochLog {
  /** 1-based epoch number, as the RBM's and the CLI's. */
  epoch: number;
  /** Mean training loss over the epoch's batches, and the fraction of training rows predicted right. */
  loss: number;
  accuracy: number;
  /** On the validation data, after the epoch (when there is validation data). */
  valLoss?: number;
  valAccuracy?: number;
  /** Learning rate used in this epoch. */
  lr: number;
  /** Wall-clock seconds of this epoch (training and validation). */
  seconds: number;
}

export interface BatchLog {
  /** 1-based epoch number. */
  epoch: number;
  /** 1-based batch number within the epoch. */
  batch: number;
  /** Rows in this batch. */
  rows: number;
  /** Mean loss of this batch (before its update). */
  loss: number;
}

export interface History {
  /** One entry per epoch run, also split into the arrays below (NaN where not measured). */
  epochs: EpochLog[];
  loss: number[];
  accuracy: number[];
  valLoss: number[];
  valAccuracy: number[];
  /** True when early stopping, or `onEpoch` returning false, ended training before `epochs`. */
  stoppedEarly: boolean;
  /** With early stopping: the (1-based) epoch with the best monitored value. */
  bestEpoch?: number;
  /** Wall-clock seconds of the whole fit. */
  seconds: number;
}

export interface FitOptions {
  epochs: number;
  /** Rows per gradient step (default 32); the last batch of an epoch may be smaller. */
  batchSize?: number;
  /** Default `optim.adam({ lr: 1e-3 })`. */
  optimizer?: Optimizer;
  /**
   * Data to score after every epoch, or a fraction in (0, 1) of (x, y) held out for it: the last
   * rows, as Keras' `validation_split`.
   */
  validation?: { x: Tensor; y: Targets } | number;
  /** Reshuffle the rows every epoch with the model's seeded stream (default true). */
  shuffle?: boolean;
  /** Indices of layers whose weights and biases stay exactly as they are. */
  freeze?: readonly number[];
  earlyStopping?: EarlyStoppingOptions;
  /**
   * Called after each epoch; training waits for a returned promise. Returning false (or a promise
   * of false) stops training after this epoch, as it stops `RBM.fit`.
   */
  onEpoch?: (log: EpochLog) => void | boolean | Promise<void | boolean>;
  onBatch?: (log: BatchLog) => void;
}

const FIT_KEYS: OptionKeys<FitOptions> = {
  epochs: true,
  batchSize: true,
  optimizer: true,
  validation: true,
  shuffle: true,
  freeze: true,
  earlyStopping: true,
  onEpoch: true,
  onBatch: true,
};
const MONITORS: readonly Monitor[] = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

/**
 * What the fit loop needs of a network living in wasm memory: Mlp's `DenseNet` and Sequential's
 * `SequentialNet` both are one, so both train by the same loop, batch for batch. Pointers are
 * byte offsets into wasm memory; rows are contiguous, `inputs` (or `outputs`) floats each.
 */
export interface FitNetwork {
  readonly inputs: number;
  readonly outputs: number;
  /** Layers that `freeze` indexes. */
  readonly layerCount: number;
  readonly isFreed: boolean;
  readonly shape: { readonly output: OutputName };
  readonly params: F32Buffer;
  readonly grads: F32Buffer;
  /**
   * Staging for batches of up to `rows` rows (at least that many; possibly reallocated, so fetched
   * again after anything else may have grown it). `outputs` holds each layer's output, the last the logits.
   */
  workspace(rows: number): { readonly rows: number; readonly input: F32Buffer; readonly targets: F32Buffer; readonly outputs: readonly { readonly ptr: number }[] };
  /** Inference forward pass (a Sequential's layers in evaluation mode); returns the logits' pointer. */
  forward(input: number, rows: number): number;
  /** Forward and backward pass of one batch into `grads` (for the trainable layers); returns the summed loss. */
  backward(input: number, targets: number, rows: number, trainable: readonly boolean[]): number;
  /** Summed loss of the logits against the targets; writes its gradient at `grad` unless it is 0. */
  lossSum(logits: number, targets: number, rows: number, grad: number): number;
  /** What a summed loss over `rows` rows is divided by for the mean. */
  lossCount(rows: number): number;
  countCorrect(logits: number, targets: number, rows: number): number;
  trainableRanges(trainable: readonly boolean[]): ParamRange[];
  optimizerFor(optimizer: Optimizer): OptimizerState;
}

/** Rows and dense targets copied into wasm memory for the duration of a fit. */
interface Resident {
  rows: number;
  x: F32Buffer;
  targets: F32Buffer;
}

function resident(x: Tensor, targets: Float32Array, rows: number, held: F32Buffer[]): Resident {
  const xBuffer = allocF32(x.data.length);
  held.push(xBuffer);
  xBuffer.write(x.data);
  const targetBuffer = allocF32(targets.length);
  held.push(targetBuffer);
  targetBuffer.write(targets);
  return { rows, x: xBuffer, targets: targetBuffer };
}

/** Summed loss and correct rows of `rows` contiguous rows, in chunks the workspace holds. */
export function scoreRows(net: FitNetwork, x: number, targets: number, rows: number): { lossSum: number; correct: number } {
  let lossSum = 0;
  let correct = 0;
  const chunk = net.workspace(Math.min(rows, EVAL_ROWS)).rows;
  for (let start = 0; start < rows; start += chunk) {
    const count = Math.min(chunk, rows - start);
    const xAt = x + start * net.inputs * 4;
    const tAt = targets + start * net.outputs * 4;
    const logits = net.forward(xAt, count);
    lossSum += net.lossSum(logits, tAt, count, 0);
    correct += net.countCorrect(logits, tAt, count);
  }
  return { lossSum, correct };
}

function trainableLayers(freeze: unknown, layers: number): boolean[] {
  const trainable = new Array<boolean>(layers).fill(true);
  if (freeze === undefined) return trainable;
  if (!Array.isArray(freeze)) throw new ParamError(`freeze must be an array of layer indices, got ${show(freeze)}`);
  for (const index of freeze) {
    if (!Number.isInteger(index) || index < 0 || index >= layers) {
      throw new ParamError(`freeze holds ${show(index)}; layer indices are integers in [0, ${layers})`);
    }
    trainable[index] = false;
  }
  if (!trainable.includes(true)) throw new ParamError(`freeze lists every layer (${show(freeze)}); nothing would train`);
  return trainable;
}

interface Stopper {
  monitor: Monitor;
  patience: number;
  minDelta: number;
  restoreBest: boolean;
  best: number;
  bestEpoch: number;
  wait: number;
}

function stopper(options: unknown, hasValidation: boolean): Stopper | null {
  if (options === undefined) return null;
  const o = checkOptions('earlyStopping', options as EarlyStoppingOptions, { monitor: true, patience: true, minDelta: true, restoreBest: true });
  const monitor = (o.monitor ?? (hasValidation ? 'valLoss' : 'loss')) as Monitor;
  if (!MONITORS.includes(monitor)) throw new ParamError(`earlyStopping.monitor must be one of ${MONITORS.map(show).join(', ')}, got ${show(o.monitor)}`);
  if (monitor.startsWith('val') && !hasValidation) {
    throw new ParamError(`earlyStopping.monitor is ${show(monitor)} but fit has no validation data`);
  }
  return {
    monitor,
    patience: nonNegativeInteger('earlyStopping.patience', o.patience),
    minDelta: numberIn('earlyStopping.minDelta', o.minDelta, { min: 0 }, 0),
    restoreBest: booleanOption('earlyStopping.restoreBest', o.restoreBest, false),
    best: NaN,
    bestEpoch: 0,
    wait: 0,
  };
}

function nonNegativeInteger(name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ParamError(`${name} must be an integer >= 0, got ${show(value)}`);
  }
  return value;
}

/** Whether `value` improves on the best so far; losses improve downwards, accuracies upwards. */
function improves(s: Stopper, value: number): boolean {
  if (Number.isNaN(s.best)) return !Number.isNaN(value);
  return s.monitor.endsWith('ccuracy') ? value > s.best + s.minDelta : value < s.best - s.minDelta;
}

function assertAlive(net: FitNetwork): void {
  if (net.isFreed) throw new MemoryError('the model was disposed during fit()');
}

/** The training loop behind `Mlp.fit` and `Sequential.fit`: data goes into wasm once; each batch is a few kernel calls. */
export async function fitNet(net: FitNetwork, shuffleRng: Rng, x: Tensor, y: Targets, options: FitOptions): Promise<History> {
  const o = checkOptions('fit', options, FIT_KEYS);
  const epochs = positiveInteger('epochs', o.epochs);
  const batchSize = positiveInteger('batchSize', o.batchSize, 32);
  const optimizer = o.optimizer === undefined ? adam({ lr: 1e-3 }) : o.optimizer;
  if (!isOptimizer(optimizer)) throw new ParamError(`optimizer must come from nninit.optim (sgd, adam, adamw), got ${show(optimizer)}`);
  const shuffle = booleanOption('shuffle', o.shuffle, true);
  const trainable = trainableLayers(o.freeze, net.layerCount);
  for (const name of ['onEpoch', 'onBatch'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') throw new ParamError(`${name} must be a function, got ${show(o[name])}`);
  }
  const onEpoch = o.onEpoch as FitOptions['onEpoch'];
  const onBatch = o.onBatch as FitOptions['onBatch'];

  let trainX = x;
  let trainY = y;
  let validation: { x: Tensor; y: Targets } | undefined;
  if (typeof o.validation === 'number') {
    checkMatrix(x, 'x', { cols: net.inputs, finite: true });
    // y is ids or a Tensor; the cast only picks one of splitValidation's overloads for the compiler.
    const split = splitValidation(x, y as Tensor, o.validation);
    trainX = split.train.x;
    trainY = split.train.y;
    validation = split.validation;
  } else if (o.validation !== undefined) {
    const v = o.validation as { x?: unknown; y?: unknown };
    if (typeof v !== 'object' || v === null || v.x === undefined || v.y === undefined) {
      throw new ParamError(`validation must be { x, y } or a fraction in (0, 1), got ${show(o.validation)}`);
    }
    validation = v as { x: Tensor; y: Targets };
  }
  const rows = checkMatrix(trainX, 'x', { cols: net.inputs, finite: true }).rows;
  const targets = encodeTargets(trainY, rows, net.outputs, net.shape.output);
  const valRows = validation ? checkMatrix(validation.x, 'validation.x', { cols: net.inputs, finite: true }).rows : 0;
  const valTargets = validation ? encodeTargets(validation.y, valRows, net.outputs, net.shape.output, 'validation.y') : null;
  const stop = stopper(o.earlyStopping, validation !== undefined);

  const started = performance.now();
  const held: F32Buffer[] = [];
  try {
    const train = resident(trainX, targets, rows, held);
    const val = validation && valTargets ? resident(validation.x, valTargets, valRows, held) : null;
    const order = allocF32(rows);
    held.push(order);
    const orderView = () => new Int32Array(heap().memory.buffer, order.ptr, rows);
    if (!shuffle) orderView().set(Int32Array.from({ length: rows }, (_, i) => i));
    const snapshot = stop?.restoreBest ? allocF32(net.params.length) : null;
    if (snapshot) held.push(snapshot);

    const capacity = Math.max(Math.min(batchSize, rows), Math.min(EVAL_ROWS, valRows));
    const state = net.optimizerFor(optimizer);
    const ranges = net.trainableRanges(trainable);
    const k = kernels();
    const history: History = { epochs: [], loss: [], accuracy: [], valLoss: [], valAccuracy: [], stoppedEarly: false, seconds: 0 };

    for (let epoch = 1; epoch <= epochs; epoch++) {
      const epochStart = performance.now();
      const lr = learningRate(optimizer, epoch);
      if (shuffle) orderView().set(permutation(rows, shuffleRng));
      // Fetched per epoch: a predict() between epochs may have grown it. No batch reallocates it.
      const work = net.workspace(capacity);
      let lossSum = 0;
      let correct = 0;
      for (let start = 0, batch = 1; start < rows; start += batchSize, batch++) {
        const count = Math.min(batchSize, rows - start);
        const indices = order.ptr + start * 4;
        k.nnGatherRows(train.x.ptr, net.inputs, indices, count, work.input.ptr);
        k.nnGatherRows(train.targets.ptr, net.outputs, indices, count, work.targets.ptr);
        const batchLoss = net.backward(work.input.ptr, work.targets.ptr, count, trainable);
        correct += net.countCorrect(work.outputs[net.layerCount - 1].ptr, work.targets.ptr, count);
        state.step(net.params.ptr, net.grads.ptr, ranges, lr);
        lossSum += batchLoss;
        onBatch?.({ epoch, batch, rows: count, loss: batchLoss / net.lossCount(count) });
      }
      const log: EpochLog = { epoch, loss: lossSum / net.lossCount(rows), accuracy: correct / rows, lr, seconds: 0 };
      if (val) {
        const score = scoreRows(net, val.x.ptr, val.targets.ptr, valRows);
        log.valLoss = score.lossSum / net.lossCount(valRows);
        log.valAccuracy = score.correct / valRows;
      }
      log.seconds = (performance.now() - epochStart) / 1000;
      history.epochs.push(log);
      history.loss.push(log.loss);
      history.accuracy.push(log.accuracy);
      history.valLoss.push(log.valLoss ?? NaN);
      history.valAccuracy.push(log.valAccuracy ?? NaN);
      const verdict = await onEpoch?.(log);
      assertAlive(net);
      if (verdict === false) {
        history.stoppedEarly = epoch < epochs;
        break;
      }

      if (stop) {
        const value = log[stop.monitor] as number;
        if (improves(stop, value)) {
          stop.best = value;
          stop.bestEpoch = epoch;
          stop.wait = 0;
          snapshot?.view.set(net.params.view);
        } else if (++stop.wait >= stop.patience) {
          history.stoppedEarly = epoch < epochs;
          break;
        }
      }
      if (epoch < epochs) {
        await nextTurn();
        assertAlive(net);
      }
    }
    if (stop && stop.bestEpoch >= 1) {
      history.bestEpoch = stop.bestEpoch;
      if (snapshot && stop.bestEpoch !== history.epochs.length) net.params.view.set(snapshot.view);
    }
    history.seconds = (performance.now() - started) / 1000;
    return history;
  } finally {
    for (const buffer of held) buffer.free();
  }
}
