import { MAX_BLOCK, trainingChoice, trainingInteger, type TrainingParts } from '../checkpoint.js';
import { checkNoExtraTensors, formatFail, nameOf, takeTensor, type ModelFile } from '../io/model-format.js';
import type { SavedTrainingState } from './state.js';

/*
 * The training state an RBM fit puts into its checkpoints (and a DBN pretrain, for the RBM it is
 * training): the epochs done, the model stream's position (and where it stood when the fit
 * began, from which the fit's monitoring sample is drawn again), momentum, sparsity estimates and
 * PCD's persistent chains.
 */

export interface RbmCheckpoint {
  /** Epochs completed; the resumed fit starts with epoch + 1. */
  epoch: number;
  batchSize: number;
  rows: number;
  persistent: boolean;
  /** The model stream's next block when the fit began, and at the checkpoint. */
  fitStartBlock: number;
  block: number;
  state: SavedTrainingState;
}

const vector = (data: Float32Array) => ({ shape: [data.length], data });

export function rbmCheckpointParts(c: RbmCheckpoint, nVisible: number, nHidden: number): TrainingParts {
  const metadata: Record<string, string> = {
    for: 'rbm.fit',
    epoch: String(c.epoch),
    batchSize: String(c.batchSize),
    rows: String(c.rows),
    persistent: c.persistent ? '1' : '0',
    fitStartBlock: String(c.fitStartBlock),
    block: String(c.block),
  };
  const tensors: TrainingParts['tensors'] = {
    weightVelocity: { shape: [nHidden, nVisible], data: c.state.weightVelocity },
    visibleVelocity: vector(c.state.visibleVelocity),
    hiddenVelocity: vector(c.state.hiddenVelocity),
    hiddenMeans: vector(c.state.hiddenMeans),
  };
  const chains = c.state.chains;
  if (chains) {
    metadata['chains.capacity'] = String(chains.capacity);
    metadata['chains.rows'] = String(chains.rows);
    if (chains.rows > 0) tensors['chains.states'] = { shape: [chains.rows, nHidden], data: chains.states };
  }
  return { metadata, tensors };
}

/** The RBM fit state of a checkpoint's training part, every size checked against the model's. */
export function readRbmCheckpoint(training: ModelFile, nVisible: number, nHidden: number): RbmCheckpoint {
  if (training.metadata.for !== 'rbm.fit') {
    formatFail(`__metadata__["training.for"] is ${training.metadata.for === undefined ? 'missing' : nameOf(training.metadata.for)}; an RBM's checkpoint holds "rbm.fit"`);
  }
  const epoch = trainingInteger(training, 'epoch', 0);
  const batchSize = trainingInteger(training, 'batchSize', 1, 2 ** 20);
  let chains: SavedTrainingState['chains'] = null;
  if (training.metadata['chains.capacity'] !== undefined) {
    const capacity = trainingInteger(training, 'chains.capacity', 1, 2 ** 20);
    const rows = trainingInteger(training, 'chains.rows', 0, capacity);
    const states = rows > 0 ? takeTensor(training, 'chains.states', [rows, nHidden]).data : new Float32Array(0);
    const bad = states.findIndex((v) => v !== 0 && v !== 1);
    if (bad >= 0) formatFail(`tensor "training.chains.states" holds ${states[bad]} at ${bad}; PCD's chains are binary states, 0 or 1`);
    chains = { capacity, rows, states };
  }
  const checkpoint: RbmCheckpoint = {
    epoch,
    batchSize,
    rows: trainingInteger(training, 'rows', 1),
    persistent: trainingChoice(training, 'persistent', ['0', '1']) === '1',
    fitStartBlock: trainingInteger(training, 'fitStartBlock', 0, MAX_BLOCK),
    block: trainingInteger(training, 'block', 0, MAX_BLOCK),
    state: {
      weightVelocity: takeTensor(training, 'weightVelocity', [nHidden, nVisible]).data,
      visibleVelocity: takeTensor(training, 'visibleVelocity', [nVisible]).data,
      hiddenVelocity: takeTensor(training, 'hiddenVelocity', [nHidden]).data,
      hiddenMeans: takeTensor(training, 'hiddenMeans', [nHidden]).data,
      chains,
    },
  };
  if (checkpoint.block < checkpoint.fitStartBlock) formatFail(`__metadata__["training.block"] ${checkpoint.block} is before the fit's start ${checkpoint.fitStartBlock}`);
  checkNoExtraTensors(training);
  return checkpoint;
}
