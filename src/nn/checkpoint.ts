import {
  MAX_BLOCK,
  trainingChoice,
  trainingFloat,
  trainingInteger,
  type TrainingParts,
} from '../checkpoint.js';
import { checkNoExtraTensors, formatFail, nameOf, takeTensor, type ModelFile } from '../io/model-format.js';
import type { Monitor } from './fit.js';

/*
 * The training state an Mlp (or Sequential) fit puts into its checkpoints: everything the next
 * epoch reads besides the parameters — epochs done, the shuffle stream's position, the
 * optimizer's step count and moments, early stopping's bookkeeping — so that a resumed fit
 * continues with the same bits.
 */

export type OptimizerKind = 'sgd' | 'adam' | 'adamw';
const OPTIMIZER_KINDS: readonly OptimizerKind[] = ['sgd', 'adam', 'adamw'];
const MONITORS: readonly Monitor[] = ['loss', 'accuracy', 'valLoss', 'valAccuracy'];

export interface StopCheckpoint {
  monitor: Monitor;
  best: number;
  bestEpoch: number;
  wait: number;
  /** Early stopping ended the fit at this checkpoint's epoch. */
  ended: boolean;
  /** The best epoch's parameters (with restoreBest). */
  bestParams: Float32Array | null;
}

export interface FitCheckpoint {
  /** Epochs completed (1-based numbering: the resumed fit starts with epoch + 1). */
  epoch: number;
  batchSize: number;
  /** Training rows (after a validation split). */
  rows: number;
  /** Next unused block of the shuffle stream. */
  shuffleBlock: number;
  optimizer: { kind: OptimizerKind; steps: number; first: Float32Array | null; second: Float32Array | null };
  stop: StopCheckpoint | null;
  /** Next unused block of each of the network's own random streams (a Sequential's dropout layers). */
  streams: number[];
}

const vector = (data: Float32Array) => ({ shape: [data.length], data });

export function fitCheckpointParts(c: FitCheckpoint): TrainingParts {
  const metadata: Record<string, string> = {
    for: 'fit',
    epoch: String(c.epoch),
    batchSize: String(c.batchSize),
    rows: String(c.rows),
    shuffleBlock: String(c.shuffleBlock),
    optimizer: c.optimizer.kind,
    'optimizer.steps': String(c.optimizer.steps),
  };
  if (c.streams.length > 0) metadata.streams = c.streams.join(',');
  const tensors: TrainingParts['tensors'] = {};
  if (c.optimizer.first) tensors['optimizer.first'] = vector(c.optimizer.first);
  if (c.optimizer.second) tensors['optimizer.second'] = vector(c.optimizer.second);
  if (c.stop) {
    metadata['stop.monitor'] = c.stop.monitor;
    metadata['stop.best'] = String(c.stop.best);
    metadata['stop.bestEpoch'] = String(c.stop.bestEpoch);
    metadata['stop.wait'] = String(c.stop.wait);
    metadata['stop.ended'] = c.stop.ended ? '1' : '0';
    if (c.stop.bestParams) tensors['stop.bestParams'] = vector(c.stop.bestParams);
  }
  return { metadata, tensors };
}

function streamBlocks(training: ModelFile): number[] {
  const text = training.metadata.streams;
  if (text === undefined) return [];
  const blocks = text.split(',').map((part) => (/^\d+$/.test(part) ? Number(part) : NaN));
  if (blocks.some((b) => !Number.isSafeInteger(b) || b > MAX_BLOCK)) formatFail(`__metadata__["training.streams"] is ${nameOf(text)}; expected comma-separated block indices`);
  return blocks;
}

/** The fit state of a checkpoint's training part, checked against the model's parameter count. */
export function readFitCheckpoint(training: ModelFile, paramCount: number): FitCheckpoint {
  if (training.metadata.for !== 'fit') formatFail(`__metadata__["training.for"] is ${JSON.stringify(training.metadata.for ?? null)}; a ${training.kind} checkpoint holds "fit"`);
  const optional = (name: string): Float32Array | null => (training.tensors.has(name) ? takeTensor(training, name, [paramCount]).data : null);
  const kind = trainingChoice(training, 'optimizer', OPTIMIZER_KINDS);
  const first = optional('optimizer.first');
  const second = optional('optimizer.second');
  if (kind !== 'sgd' && (first === null || second === null)) formatFail(`an ${kind} checkpoint needs tensors "training.optimizer.first" and "training.optimizer.second"`);
  if (kind === 'sgd' && second !== null) formatFail('an sgd checkpoint has no tensor "training.optimizer.second"');
  const epoch = trainingInteger(training, 'epoch', 0);
  let stop: StopCheckpoint | null = null;
  if (training.metadata['stop.monitor'] !== undefined) {
    stop = {
      monitor: trainingChoice(training, 'stop.monitor', MONITORS),
      best: trainingFloat(training, 'stop.best'),
      bestEpoch: trainingInteger(training, 'stop.bestEpoch', 0, epoch),
      wait: trainingInteger(training, 'stop.wait', 0, epoch),
      ended: trainingChoice(training, 'stop.ended', ['0', '1']) === '1',
      bestParams: optional('stop.bestParams'),
    };
  }
  const checkpoint: FitCheckpoint = {
    epoch,
    batchSize: trainingInteger(training, 'batchSize', 1),
    rows: trainingInteger(training, 'rows', 1),
    shuffleBlock: trainingInteger(training, 'shuffleBlock', 0, MAX_BLOCK),
    optimizer: { kind, steps: trainingInteger(training, 'optimizer.steps', 0), first, second },
    stop,
    streams: streamBlocks(training),
  };
  checkNoExtraTensors(training);
  return checkpoint;
}
