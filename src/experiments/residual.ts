import * as nninit from '../index.js';
import {
  checkChoices,
  checkList,
  checkPositive,
  checkPositiveInteger,
  checkSeeds,
  loadBundledDigits,
  majorityAccuracy,
  secondsSince,
  type LoadDigits,
} from './common.js';

/*
 * A deep residual network without normalization: a dense stem 784 → width, `blocks` residual
 * blocks x + f(x) with f = dense → ReLU → dense (two layers each), and a dense classifier. From
 * He's start every branch doubles the variance it adds (Var f(x) ≈ 2 Var x), so the output's
 * variance grows as 3^blocks (Zhang et al. 2019: the standard start explodes without
 * normalization). Fixup (Zhang et al. 2019), ZerO (Zhao et al. 2021) and ReZero / SkipInit
 * (Bachlechner et al. 2020; De & Smith 2020) each start every block at, or near, the identity.
 * PyTorch's default start (weights U(±1/√fanIn), variance 1/(3·fanIn)) makes each branch small,
 * (1 + 1/18)^32 ≈ 6 for 32 blocks, so it is run too: the table shows what it does.
 */

export type ResidualStart = 'he' | 'default' | 'fixup' | 'zerO' | 'rezero';

export const RESIDUAL_STARTS: Readonly<Record<ResidualStart, { label: string; how: string }>> = {
  he: { label: 'He normal', how: 'every dense layer heNormal, biases 0' },
  default: { label: 'PyTorch default', how: "nn.Linear's kaimingUniform(a = √5) weights and U(±1/√fanIn) biases" },
  fixup: {
    label: 'Fixup',
    how: 'heNormal, then init.fixup: branch 1st layer × L^(−1/2), branch last layer and classifier 0; scalar biases, multiplier 1',
  },
  zerO: { label: 'ZerO', how: "'zerO' (identity, partial identity, Hadamard) everywhere, each branch's last layer 0" },
  rezero: { label: 'ReZero / SkipInit', how: 'heNormal, biases 0, each block x + g·f(x) with a learnable gate g = 0' },
};

export interface ResidualConfig {
  starts: ResidualStart[];
  /** Residual blocks (L), two dense layers each. */
  blocks: number;
  /** Units of the stem's output and every block. */
  width: number;
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  /** SGD learning rates, each annealed to 0 over the epochs (cosine); every start runs at each. */
  lrs: number[];
  momentum: number;
  seeds: number[];
}

/**
 * 8000/2000 digits, 32 blocks 128 wide, SGD with momentum 0.9 (the papers' optimizer) at
 * lr 0.01 and 0.05 with a cosine schedule, batch 64, 8 epochs.
 */
export const RESIDUAL_FULL: ResidualConfig = {
  starts: ['he', 'default', 'fixup', 'zerO', 'rezero'],
  blocks: 32,
  width: 128,
  epochs: 8,
  trainSize: 8000,
  testSize: 2000,
  batchSize: 64,
  lrs: [0.01, 0.05],
  momentum: 0.9,
  seeds: [0],
};

/** The same depth on a quarter of the digits, 64 wide, 3 epochs. */
export const RESIDUAL_QUICK: Partial<ResidualConfig> = { width: 64, epochs: 3, trainSize: 2000, testSize: 500 };

/** Test accuracy the deep residual nets should reach (the target), and what counts as stalled. */
export const RESIDUAL_TARGET = 0.95;
const STALLED_ABOVE_MAJORITY = 0.05;

export type ResidualStatus = 'trains' | 'diverged' | 'stalled';

export interface ResidualRun {
  start: ResidualStart;
  label: string;
  lr: number;
  seed: number;
  /** Test loss and accuracy before training: how far the start's outputs are from sane. */
  initialLoss: number | null;
  initialAccuracy: number;
  /** Mean training loss of each epoch run; null where it was not finite (the run stops there). */
  loss: (number | null)[];
  /** Test accuracy after each epoch run. */
  accuracy: number[];
  /** Epochs run: fewer than configured when the loss stopped being finite. */
  epochsRun: number;
  /** 1-based epoch whose training loss was NaN or infinite; null if none. */
  divergedAt: number | null;
  status: ResidualStatus;
  /** Test accuracy after the last epoch run (null when it diverged). */
  final: number | null;
  majority: number;
  seconds: number;
}

export interface ResidualResult {
  config: ResidualConfig;
  /** Trainable parameters of each start's network (Fixup's scalar biases and ReZero's gates make them differ). */
  parameters: Record<ResidualStart, number>;
  runs: ResidualRun[];
  seconds: number;
}

export interface ResidualProgress {
  run: number;
  runs: number;
  label: string;
  lr: number;
  seed: number;
  epoch: number;
  epochs: number;
  trainLoss: number;
  testAccuracy: number;
}

export interface ResidualOptions {
  digits?: LoadDigits;
  onProgress?: (progress: ResidualProgress) => void;
}

export function checkResidualConfig(config: ResidualConfig): ResidualConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  const momentum = config.momentum;
  if (typeof momentum !== 'number' || !(momentum >= 0 && momentum < 1)) throw new nninit.ParamError(`momentum must be in [0, 1), got ${JSON.stringify(momentum)}`);
  return {
    starts: checkChoices('starts', config.starts, Object.keys(RESIDUAL_STARTS) as ResidualStart[]),
    blocks: checkPositiveInteger('blocks', config.blocks),
    width: checkPositiveInteger('width', config.width),
    epochs: checkPositiveInteger('epochs', config.epochs),
    trainSize: checkPositiveInteger('trainSize', config.trainSize),
    testSize: checkPositiveInteger('testSize', config.testSize),
    batchSize: checkPositiveInteger('batchSize', config.batchSize),
    lrs: checkList('lrs', config.lrs, checkPositive),
    momentum,
    seeds: checkSeeds(config.seeds),
  };
}

/** The layers of the residual network for a start (its architecture: Fixup adds scalar biases and multipliers, ReZero gates). */
export function residualLayers(start: ResidualStart, blocks: number, width: number): nninit.layers.Layer[] {
  const { dense, relu, residual, scalarBias } = nninit.layers;
  const he = 'kaimingNormal';
  const zeros = 'zeros';
  const square = (init: nninit.InitSpec | undefined, bias = true) =>
    dense({ inFeatures: width, outFeatures: width, bias, ...(init ? { init } : {}), ...(init && bias ? { biasInit: zeros } : {}) });
  const outer = (init: nninit.InitSpec | undefined) => (inFeatures: number, outFeatures: number) =>
    dense({ inFeatures, outFeatures, ...(init ? { init, biasInit: zeros } : {}) });
  let block: () => nninit.layers.Layer;
  let edge: (inFeatures: number, outFeatures: number) => nninit.layers.Layer;
  switch (start) {
    case 'he':
      block = () => residual([square(he), relu(), square(he)]);
      edge = outer(he);
      break;
    case 'default':
      block = () => residual([square(undefined), relu(), square(undefined)]);
      edge = outer(undefined);
      break;
    case 'fixup':
      // Fixup's architecture: a scalar bias before each dense layer and activation, and after the branch; a multiplier per branch.
      block = () => residual([scalarBias(), square(he, false), scalarBias(), relu(), scalarBias(), square(he, false), scalarBias()], { gate: 1 });
      edge = outer(he);
      break;
    case 'zerO':
      block = () => residual([square('zerO'), relu(), square(zeros)]);
      edge = outer('zerO');
      break;
    case 'rezero':
      block = () => residual([square(he), relu(), square(he)], { gate: 0 });
      edge = outer(he);
      break;
  }
  return [edge(nninit.data.MNIST_PIXELS, width), relu(), ...Array.from({ length: blocks }, block), edge(width, 10)];
}

/** A start's network, built and initialized (Fixup's rescaling applied). */
export function residualModel(start: ResidualStart, blocks: number, width: number, seed: number): nninit.Sequential {
  const model = new nninit.Sequential(residualLayers(start, blocks, width), { inputShape: [nninit.data.MNIST_PIXELS], seed });
  if (start === 'fixup') nninit.init.fixup(model);
  return model;
}

/** Trains each start at each learning rate on each seed's split; a run stops at the first non-finite epoch loss. */
export async function runResidual(config: ResidualConfig, options: ResidualOptions = {}): Promise<ResidualResult> {
  const checked = checkResidualConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const runs: ResidualRun[] = [];
  const parameters = {} as Record<ResidualStart, number>;
  const total = checked.seeds.length * checked.lrs.length * checked.starts.length;
  for (const seed of checked.seeds) {
    const { train, test } = await digits({ trainSize: checked.trainSize, testSize: checked.testSize, seed });
    const majority = majorityAccuracy(train.y, test.y);
    for (const lr of checked.lrs) {
      for (const start of checked.starts) {
        const { label } = RESIDUAL_STARTS[start];
        const model = residualModel(start, checked.blocks, checked.width, seed);
        parameters[start] = model.parameterCount;
        const run = runs.length + 1;
        const runStart = performance.now();
        try {
          const before = model.evaluate(test.x, test.y);
          const loss: (number | null)[] = [];
          const accuracy: number[] = [];
          let divergedAt: number | null = null;
          // A run ends at its first non-finite epoch loss (onEpoch returns false): every later step would be NaN too.
          await model.fit(train.x, train.y, {
            epochs: checked.epochs,
            batchSize: checked.batchSize,
            optimizer: nninit.optim.sgd({ lr, momentum: checked.momentum, schedule: nninit.optim.cosineSchedule({ epochs: checked.epochs }) }),
            validation: test,
            onEpoch: (log) => {
              const finite = Number.isFinite(log.loss);
              loss.push(finite ? log.loss : null);
              accuracy.push(log.valAccuracy!);
              onProgress?.({ run, runs: total, label, lr, seed, epoch: log.epoch, epochs: checked.epochs, trainLoss: log.loss, testAccuracy: log.valAccuracy! });
              if (finite) return true;
              divergedAt = log.epoch;
              return false;
            },
          });
          const final = divergedAt === null ? accuracy[accuracy.length - 1] : null;
          const status: ResidualStatus = divergedAt !== null ? 'diverged' : final! <= majority + STALLED_ABOVE_MAJORITY ? 'stalled' : 'trains';
          runs.push({
            start,
            label,
            lr,
            seed,
            initialLoss: Number.isFinite(before.loss) ? before.loss : null,
            initialAccuracy: before.accuracy,
            loss,
            accuracy,
            epochsRun: loss.length,
            divergedAt,
            status,
            final,
            majority,
            seconds: secondsSince(runStart),
          });
        } finally {
          model.dispose();
        }
      }
    }
  }
  return { config: checked, parameters, runs, seconds: secondsSince(started) };
}

/** One start's verdict over learning rates (mean over seeds at each). */
export interface ResidualSummary {
  start: ResidualStart;
  /** Per learning rate: mean final test accuracy over the seeds that did not diverge (null if all did), and how many diverged / stalled. */
  byLr: Array<{ lr: number; final: number | null; diverged: number; stalled: number; seeds: number }>;
  /** The best mean final accuracy and its learning rate (null when every run diverged). */
  best: { lr: number; final: number } | null;
  /** Trains (no divergence, no stall on any seed) at one learning rate or more. */
  trains: boolean;
  /** Reaches RESIDUAL_TARGET at its best learning rate. */
  meetsTarget: boolean;
}

export function summarizeResidual(result: ResidualResult): ResidualSummary[] {
  return result.config.starts.map((start) => {
    const byLr = result.config.lrs.map((lr) => {
      const runs = result.runs.filter((r) => r.start === start && r.lr === lr);
      const finals = runs.filter((r) => r.final !== null).map((r) => r.final!);
      return {
        lr,
        final: finals.length === runs.length && runs.length > 0 ? finals.reduce((a, b) => a + b, 0) / finals.length : null,
        diverged: runs.filter((r) => r.status === 'diverged').length,
        stalled: runs.filter((r) => r.status === 'stalled').length,
        seeds: runs.length,
      };
    });
    const healthy = byLr.filter((b) => b.final !== null && b.stalled === 0);
    const best = healthy.reduce<{ lr: number; final: number } | null>((top, b) => (top === null || b.final! > top.final ? { lr: b.lr, final: b.final! } : top), null);
    return { start, byLr, best, trains: best !== null, meetsTarget: best !== null && best.final >= RESIDUAL_TARGET };
  });
}
