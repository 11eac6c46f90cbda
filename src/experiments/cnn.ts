import * as nninit from '../index.js';
import {
  checkChoices,
  checkPositive,
  checkPositiveInteger,
  checkSeeds,
  loadBundledDigits,
  majorityAccuracy,
  secondsSince,
  type LoadDigits,
} from './common.js';

/*
 * A small convolutional network on the bundled digits from different starting weights, beside the
 * 784-256-256-10 MLP. He et al. 2015 derived their initialization for rectifier conv nets: with
 * fan-in = in·kh·kw every layer keeps the signal's variance. At two conv layers Xavier's start
 * (half that variance per layer) trains too — He et al. saw it stall only at 30 layers — and so
 * does delta-orthogonal (Xiao et al. 2018), which makes each conv an orthogonal map of the
 * channels at its kernel's centre. Zeros cannot learn at all: every weight gets the same (here:
 * zero) gradient, so the network never leaves its start.
 */

/**
 * Conv5×c₁ → ReLU → pool2 → conv5×c₂ → ReLU → pool2 → flatten → dense 128 → ReLU → dropout 0.5 →
 * dense, for 28×28 digits: LeNet's shape (two conv layers, two dense ones), with dropout before
 * the classifier because 8000 digits are few for its 80k weights.
 */
export interface SmallCnnOptions {
  /** Output channels of the two conv layers (16, 32). */
  channels: readonly [number, number];
  classes: number;
  /** Initializer of the conv kernels and of the dense layers' weights. */
  conv: nninit.InitSpec;
  dense: nninit.InitSpec;
  /** Bias initializer of every layer (default zeros, as He et al.). */
  biasInit?: nninit.InitSpec;
}

/** Input of the small CNN: one channel of 28 × 28. */
export const DIGIT_SHAPE = [1, 28, 28] as const;

/** Units of the small CNN's hidden dense layer. */
export const SMALL_CNN_HIDDEN = 128;

/** The small CNN's layers; every layer before the last (to the dropout) is the features, the last the classifier. */
export function smallCnnLayers(options: SmallCnnOptions): nninit.layers.Layer[] {
  const { conv2d, relu, maxPool2d, flatten, dense, dropout } = nninit.layers;
  const [c1, c2] = options.channels;
  const biasInit = options.biasInit ?? 'zeros';
  return [
    conv2d({ inChannels: 1, outChannels: c1, kernelSize: 5, init: options.conv, biasInit }),
    relu(),
    maxPool2d({ kernelSize: 2 }),
    conv2d({ inChannels: c1, outChannels: c2, kernelSize: 5, init: options.conv, biasInit }),
    relu(),
    maxPool2d({ kernelSize: 2 }),
    flatten(),
    // 28 → 24 → 12 → 8 → 4.
    dense({ inFeatures: c2 * 4 * 4, outFeatures: SMALL_CNN_HIDDEN, init: options.dense, biasInit }),
    relu(),
    dropout({ p: 0.5 }),
    dense({ inFeatures: SMALL_CNN_HIDDEN, outFeatures: options.classes, init: options.dense, biasInit }),
  ];
}

/** Index of the small CNN's classifier (the layers before it are the features). */
export const SMALL_CNN_HEAD = 10;

export type CnnStart = 'he' | 'xavier' | 'orthogonal' | 'zeros';

export const CNN_STARTS: Readonly<Record<CnnStart, { label: string; conv: nninit.InitSpec; dense: nninit.InitSpec }>> = {
  he: { label: 'He normal', conv: 'kaimingNormal', dense: 'kaimingNormal' },
  xavier: { label: 'Xavier uniform', conv: 'xavierUniform', dense: 'xavierUniform' },
  // Gain √2 for the ReLU after each conv, as He's; the dense layers get orthogonal matrices of gain 1.
  orthogonal: { label: 'delta-orthogonal', conv: { name: 'deltaOrthogonal', gain: Math.SQRT2 }, dense: 'orthogonal' },
  zeros: { label: 'zeros', conv: 'zeros', dense: 'zeros' },
};

export interface CnnConfig {
  starts: CnnStart[];
  /** Also train the 784-256-256-10 ReLU MLP from He normal, with the same optimizer and epochs. */
  mlp: boolean;
  /** Output channels of the two conv layers. */
  channels: [number, number];
  epochs: number;
  trainSize: number;
  testSize: number;
  batchSize: number;
  /** Adam's learning rate, annealed to 0 over the epochs (cosine). */
  lr: number;
  /** One run per seed and start; the seed picks the data split, the weights and the shuffling. */
  seeds: number[];
}

/** 8000/2000 digits, Adam 2e-3 with a cosine schedule, batch 64, 8 epochs. */
export const CNN_FULL: CnnConfig = {
  starts: ['he', 'xavier', 'orthogonal', 'zeros'],
  mlp: true,
  channels: [16, 32],
  epochs: 8,
  trainSize: 8000,
  testSize: 2000,
  batchSize: 64,
  lr: 2e-3,
  seeds: [0],
};

/** The same runs on half the digits for 3 epochs. */
export const CNN_QUICK: Partial<CnnConfig> = { epochs: 3, trainSize: 4000, testSize: 1000 };

/** The MLP beside the CNN. */
export const MLP_LAYERS = [784, 256, 256, 10] as const;

export interface CnnRun {
  model: 'cnn' | 'mlp';
  /** The start's key; 'he' for the MLP. */
  start: CnnStart;
  label: string;
  seed: number;
  parameters: number;
  /** Test accuracy after each epoch (index 0: after the first). */
  accuracy: number[];
  /** Mean training loss of each epoch. */
  loss: number[];
  /** Test accuracy of the majority class on this seed's split. */
  majority: number;
  seconds: number;
}

export interface CnnResult {
  config: CnnConfig;
  runs: CnnRun[];
  seconds: number;
}

/** After every epoch of every run. */
export interface CnnProgress {
  /** 1-based index of the run, of `runs`. */
  run: number;
  runs: number;
  label: string;
  seed: number;
  /** 1-based. */
  epoch: number;
  epochs: number;
  testAccuracy: number;
  trainLoss: number;
}

export interface CnnOptions {
  digits?: LoadDigits;
  onProgress?: (progress: CnnProgress) => void;
}

function checkObject(config: unknown): void {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
}

export function checkCnnConfig(config: CnnConfig): CnnConfig {
  checkObject(config);
  if (typeof config.mlp !== 'boolean') throw new nninit.ParamError(`mlp must be true or false, got ${JSON.stringify(config.mlp)}`);
  const channels = config.channels;
  if (!Array.isArray(channels) || channels.length !== 2) throw new nninit.ParamError(`channels must be [c1, c2], got ${JSON.stringify(channels)}`);
  return {
    starts: checkChoices('starts', config.starts, Object.keys(CNN_STARTS) as CnnStart[]),
    mlp: config.mlp,
    channels: [checkPositiveInteger('channels[0]', channels[0]), checkPositiveInteger('channels[1]', channels[1])],
    epochs: checkPositiveInteger('epochs', config.epochs),
    trainSize: checkPositiveInteger('trainSize', config.trainSize),
    testSize: checkPositiveInteger('testSize', config.testSize),
    batchSize: checkPositiveInteger('batchSize', config.batchSize),
    lr: checkPositive('lr', config.lr),
    seeds: checkSeeds(config.seeds),
  };
}

/** Adam with the cosine schedule over `epochs`: the optimizer of every run here. */
export function cosineAdam(lr: number, epochs: number): nninit.optim.Optimizer {
  return nninit.optim.adam({ lr, schedule: nninit.optim.cosineSchedule({ epochs }) });
}

/** Trains the CNN from each start (and the MLP) on each seed's split, scoring the test digits after every epoch. */
export async function runCnn(config: CnnConfig, options: CnnOptions = {}): Promise<CnnResult> {
  const checked = checkCnnConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const runs: CnnRun[] = [];
  const models: Array<{ model: 'cnn' | 'mlp'; start: CnnStart }> = [
    ...checked.starts.map((start) => ({ model: 'cnn' as const, start })),
    ...(checked.mlp ? [{ model: 'mlp' as const, start: 'he' as const }] : []),
  ];
  const total = checked.seeds.length * models.length;
  for (const seed of checked.seeds) {
    const { train, test } = await digits({ trainSize: checked.trainSize, testSize: checked.testSize, seed });
    const majority = majorityAccuracy(train.y, test.y);
    for (const { model: kind, start } of models) {
      const label = kind === 'mlp' ? `MLP ${MLP_LAYERS.join('-')}, He normal` : `CNN, ${CNN_STARTS[start].label}`;
      const model =
        kind === 'mlp'
          ? new nninit.Mlp({ layers: MLP_LAYERS, activation: 'relu', init: 'kaimingNormal', seed })
          : new nninit.Sequential(smallCnnLayers({ channels: checked.channels, classes: 10, ...CNN_STARTS[start] }), { inputShape: DIGIT_SHAPE, seed });
      const run = runs.length + 1;
      const runStart = performance.now();
      try {
        const history = await model.fit(train.x, train.y, {
          epochs: checked.epochs,
          batchSize: checked.batchSize,
          optimizer: cosineAdam(checked.lr, checked.epochs),
          validation: test,
          onEpoch: (log) => {
            onProgress?.({ run, runs: total, label, seed, epoch: log.epoch, epochs: checked.epochs, testAccuracy: log.valAccuracy!, trainLoss: log.loss });
          },
        });
        const parameters = model instanceof nninit.Sequential ? model.parameterCount : mlpParameters(MLP_LAYERS);
        runs.push({ model: kind, start, label, seed, parameters, accuracy: history.valAccuracy, loss: history.loss, majority, seconds: secondsSince(runStart) });
      } finally {
        model.dispose();
      }
    }
  }
  return { config: checked, runs, seconds: secondsSince(started) };
}

/** Weights and biases of a dense stack with these units per layer. */
export function mlpParameters(layers: readonly number[]): number {
  return layers.slice(1).reduce((sum, units, i) => sum + (layers[i] + 1) * units, 0);
}

/** The runs of one model and start, over the seeds. */
export function cnnRunsOf(result: CnnResult, model: 'cnn' | 'mlp', start: CnnStart): CnnRun[] {
  return result.runs.filter((run) => run.model === model && run.start === start);
}

/** Mean test accuracy per epoch over the seeds (empty when it did not run). */
export function meanCurve(runs: readonly { accuracy: number[] }[]): number[] {
  if (runs.length === 0) return [];
  return runs[0].accuracy.map((_, e) => runs.reduce((sum, run) => sum + run.accuracy[e], 0) / runs.length);
}

/** The target: the He-started CNN reaches test accuracy 0.98 (mean over seeds, last epoch); null when it did not run. */
export function cnnTarget(result: CnnResult): { value: number; met: boolean } | null {
  const curve = meanCurve(cnnRunsOf(result, 'cnn', 'he'));
  if (curve.length === 0) return null;
  const value = curve[curve.length - 1];
  return { value, met: value >= 0.98 };
}
