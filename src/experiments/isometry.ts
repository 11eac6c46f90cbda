import * as nninit from '../index.js';
import {
  checkChoices,
  checkList,
  checkNonNegative,
  checkPositive,
  checkPositiveInteger,
  checkSeeds,
  gaussianBias,
  gaussianInits,
  loadBundledDigits,
  secondsSince,
  type LoadDigits,
} from './common.js';

/*
 * Pennington, Schoenholz & Ganguli 2017 ("Resurrecting the sigmoid in deep learning through
 * dynamical isometry"): at the edge of chaos (χ₁ = 1) a deep tanh network keeps the mean squared
 * singular value of its input–output Jacobian at 1 whatever the weights' distribution, but the
 * spread of the singular values does not stay put: with Gaussian weights it grows with depth
 * (most directions shrink, a few blow up), with orthogonal weights it stays narrow when q* is
 * small — dynamical isometry — and such nets learn faster.
 *
 * Ours: σ_w = `init.criticalPoint` at each σ_b², weights N(0, σ_w²/fanIn) or σ_w × a random
 * orthogonal matrix, biases N(0, σ_b²). The spectrum is the Jacobian of a hidden stack (`depth`
 * tanh layers between width-wide linear maps, so J is width × width) at inputs φ(z), z ~ N(0, q*)
 * — the signal a deep layer sees; the training speed is the test accuracy of the MNIST net
 * 784-width×depth-10 with the same start, after each epoch of the budget.
 */

export type IsometryInit = 'orthogonal' | 'gaussian';

export const ISOMETRY_INITS: Readonly<Record<IsometryInit, string>> = { orthogonal: 'orthogonal', gaussian: 'Gaussian' };

export interface IsometryConfig {
  /** Hidden tanh layers. */
  depths: number[];
  width: number;
  /** Bias variances σ_b²; each gets its own critical σ_w. */
  sigmaB2: number[];
  inits: IsometryInit[];
  trainSize: number;
  testSize: number;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  /** Inputs whose Jacobian spectra are averaged. */
  jacobianInputs: number;
  seeds: number[];
}

/** Depths 32 and 64, σ_b² = 0.05 (the heat map's: q* = 0.57) and 0.001 (q* = 0.11), the heat map's SGD for 2 epochs. */
export const ISOMETRY_FULL: IsometryConfig = {
  depths: [32, 64],
  width: 64,
  sigmaB2: [0.05, 0.001],
  inits: ['orthogonal', 'gaussian'],
  trainSize: 8000,
  testSize: 2000,
  epochs: 2,
  batchSize: 32,
  lr: 1e-3,
  momentum: 0.9,
  jacobianInputs: 8,
  seeds: [0],
};

export const ISOMETRY_QUICK: Partial<IsometryConfig> = { depths: [32], epochs: 1, testSize: 1000 };

export interface JacobianSummary {
  /** The stack's singular values, sorted descending, each averaged over the inputs (width of them). */
  singularValues: number[];
  /** Mean σ² over every singular value of every input (1 = isometry on average). */
  meanSquared: number;
  max: number;
  /** Smallest averaged singular value. */
  min: number;
  /** Fraction of the averaged singular values within a factor 2 of 1: 1 for an isometry, the measure the verdicts use. */
  nearOne: number;
  /** Median of the averaged singular values. */
  median: number;
}

export interface IsometryRun {
  init: IsometryInit;
  label: string;
  depth: number;
  sigmaB2: number;
  sigmaW: number;
  qStar: number;
  seed: number;
  jacobian: JacobianSummary;
  /** Test accuracy of the MNIST net after each epoch. */
  accuracy: number[];
  seconds: number;
}

export interface IsometryResult {
  config: IsometryConfig;
  runs: IsometryRun[];
  seconds: number;
}

export interface IsometryProgress {
  run: number;
  runs: number;
  init: IsometryInit;
  depth: number;
  sigmaB2: number;
  seed: number;
  /** 'jacobian' once the spectrum is measured; then 'epoch' after each training epoch. */
  stage: 'jacobian' | 'epoch';
  epoch: number;
  testAccuracy: number | null;
  meanSquared: number;
}

export interface IsometryOptions {
  digits?: LoadDigits;
  onProgress?: (progress: IsometryProgress) => void;
}

export function checkIsometryConfig(config: IsometryConfig): IsometryConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  return {
    depths: checkList('depths', config.depths, checkPositiveInteger),
    width: checkPositiveInteger('width', config.width),
    sigmaB2: checkList('sigmaB2', config.sigmaB2, checkNonNegative),
    inits: checkChoices('inits', config.inits, Object.keys(ISOMETRY_INITS) as IsometryInit[]),
    trainSize: checkPositiveInteger('trainSize', config.trainSize),
    testSize: checkPositiveInteger('testSize', config.testSize),
    epochs: checkPositiveInteger('epochs', config.epochs),
    batchSize: checkPositiveInteger('batchSize', config.batchSize),
    lr: checkPositive('lr', config.lr),
    momentum: checkNonNegative('momentum', config.momentum),
    jacobianInputs: checkPositiveInteger('jacobianInputs', config.jacobianInputs),
    seeds: checkSeeds(config.seeds),
  };
}

function initSpecs(init: IsometryInit, sizes: number[], sigmaW: number): nninit.InitSpec[] {
  return init === 'orthogonal' ? sizes.slice(0, -1).map(() => ({ name: 'orthogonal', gain: sigmaW })) : gaussianInits(sizes, sigmaW);
}

/** Summary statistics of averaged singular values (sorted descending) and the spectrum's mean σ². */
export function summarizeSpectrum(spectrum: nninit.JacobianSpectrum): JacobianSummary {
  const values = spectrum.singularValues;
  return {
    singularValues: values,
    meanSquared: spectrum.meanSquared,
    max: spectrum.max,
    min: values[values.length - 1],
    nearOne: values.filter((v) => v >= 0.5 && v <= 2).length / values.length,
    median: values.length % 2 === 1 ? values[values.length >> 1] : (values[values.length / 2 - 1] + values[values.length / 2]) / 2,
  };
}

/**
 * The Jacobian spectrum of the hidden stack J = D_L W_L ⋯ D_1 W_1 (Pennington et al.'s: L tanh
 * layers of `width`, D_l = diag φ′) at inputs a deep layer sees: φ(z), z ~ N(0, q*). The Mlp's
 * last layer is linear, so the stack ends in an identity layer that leaves J as it is.
 */
export function stackSpectrum(init: IsometryInit, depth: number, width: number, sigmaW: number, sigmaB: number, qStar: number, inputs: number, seed: number): JacobianSummary {
  const sizes = new Array<number>(depth + 2).fill(width);
  const specs = [...initSpecs(init, sizes.slice(0, -1), sigmaW), 'eye' as const];
  const stack = new nninit.Mlp({ layers: sizes, activation: 'tanh', output: 'linear', init: specs, biasInit: gaussianBias(sigmaB), seed });
  try {
    const z = nninit.init.normal([inputs, width], { std: Math.sqrt(qStar), rng: new nninit.Rng(seed).fork() });
    const x = nninit.tensor(z.data.map(Math.tanh), [inputs, width]);
    return summarizeSpectrum(nninit.diagnose(stack, x, undefined, { jacobian: true, jacobianInputs: inputs }).jacobian!);
  } finally {
    stack.dispose();
  }
}

/** For each seed, σ_b², depth and init: the stack's spectrum, then training of the MNIST net. */
export async function runIsometry(config: IsometryConfig, options: IsometryOptions = {}): Promise<IsometryResult> {
  const checked = checkIsometryConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const runs: IsometryRun[] = [];
  const total = checked.seeds.length * checked.sigmaB2.length * checked.depths.length * checked.inits.length;
  for (const seed of checked.seeds) {
    const { train, test } = await digits({ trainSize: checked.trainSize, testSize: checked.testSize, seed });
    for (const sigmaB2 of checked.sigmaB2) {
      const sigmaB = Math.sqrt(sigmaB2);
      const sigmaW = nninit.init.criticalPoint({ activation: 'tanh', sigmaB });
      const { qStar } = nninit.init.meanField({ activation: 'tanh', sigmaW, sigmaB });
      for (const depth of checked.depths) {
        for (const init of checked.inits) {
          const runStart = performance.now();
          const run = runs.length + 1;
          const jacobian = stackSpectrum(init, depth, checked.width, sigmaW, sigmaB, qStar, checked.jacobianInputs, seed);
          const report = (stage: IsometryProgress['stage'], epoch: number, testAccuracy: number | null) =>
            onProgress?.({ run, runs: total, init, depth, sigmaB2, seed, stage, epoch, testAccuracy, meanSquared: jacobian.meanSquared });
          report('jacobian', 0, null);
          const layers = [train.x.shape[1], ...new Array<number>(depth).fill(checked.width), 10];
          const mlp = new nninit.Mlp({ layers, activation: 'tanh', init: initSpecs(init, layers, sigmaW), biasInit: gaussianBias(sigmaB), seed });
          try {
            const history = await mlp.fit(train.x, train.y, {
              epochs: checked.epochs,
              batchSize: checked.batchSize,
              optimizer: nninit.optim.sgd({ lr: checked.lr, momentum: checked.momentum }),
              validation: test,
              // A block, so that nothing onProgress returns reaches fit (false would stop it).
              onEpoch: (log) => {
                report('epoch', log.epoch, log.valAccuracy!);
              },
            });
            runs.push({
              init,
              label: ISOMETRY_INITS[init],
              depth,
              sigmaB2,
              sigmaW,
              qStar,
              seed,
              jacobian,
              accuracy: history.valAccuracy,
              seconds: secondsSince(runStart),
            });
          } finally {
            mlp.dispose();
          }
        }
      }
    }
  }
  return { config: checked, runs, seconds: secondsSince(started) };
}
