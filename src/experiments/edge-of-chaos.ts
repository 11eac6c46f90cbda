import * as nninit from '../index.js';
import {
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
 * Schoenholz, Gilmer, Ganguli & Sohl-Dickstein 2017 ("Deep information propagation", Fig. 5):
 * tanh networks with weights N(0, σ_w²/fanIn) and biases N(0, σ_b²) carry information about
 * their input through about ξ_c layers (the correlation depth scale of mean-field theory, infinite
 * at the order–chaos transition), and train only where the depth is below about 6 ξ_c. Ours: a
 * grid of σ_w² × depth, every net `width` wide, trained briefly with SGD on the bundled digits;
 * the test accuracy of each cell beside 6 ξ_c from `nninit.init.meanField`.
 */

export interface EdgeOfChaosConfig {
  /** Weight variances σ_w² (columns of the heat map). */
  sigmaW2: number[];
  /** Hidden layers (rows). */
  depths: number[];
  /** Bias variance σ_b², the same for every cell. */
  sigmaB2: number;
  width: number;
  trainSize: number;
  testSize: number;
  /** Training budget: epochs over trainSize digits. */
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  seeds: number[];
}

/** σ_w² from 1 to 4 by 0.25, depths 10 to 100 by 10, σ_b² = 0.05 (Schoenholz et al.'s), one epoch of SGD. */
export const EDGE_OF_CHAOS_FULL: EdgeOfChaosConfig = {
  sigmaW2: Array.from({ length: 13 }, (_, i) => 1 + i * 0.25),
  depths: Array.from({ length: 10 }, (_, i) => 10 * (i + 1)),
  sigmaB2: 0.05,
  width: 64,
  trainSize: 8000,
  testSize: 2000,
  epochs: 1,
  batchSize: 32,
  lr: 1e-3,
  momentum: 0.9,
  seeds: [0],
};

/** Every other σ_w² of the full grid, depths 10 to 50. */
export const EDGE_OF_CHAOS_QUICK: Partial<EdgeOfChaosConfig> = {
  sigmaW2: [1, 1.5, 2, 2.5, 3, 3.5, 4],
  depths: [10, 20, 30, 40, 50],
  testSize: 1000,
};

/** Mean-field theory at one σ_w² (and the config's σ_b²). */
export interface EdgeTheory {
  sigmaW2: number;
  qStar: number;
  chi1: number;
  /** ξ_c; null where infinite (at criticality). */
  depthScale: number | null;
  /** 6 ξ_c, the depth Schoenholz et al. find trainable; null where infinite. */
  trainableDepth: number | null;
  phase: nninit.init.MeanFieldPhase;
}

export interface EdgeCell {
  sigmaW2: number;
  depth: number;
  seed: number;
  /** Test accuracy after the training budget. */
  accuracy: number;
  /** Mean training loss of the last epoch; null when it was not finite. */
  trainLoss: number | null;
  seconds: number;
}

export interface EdgeOfChaosResult {
  config: EdgeOfChaosConfig;
  /** σ_w² of `init.criticalPoint` at the config's σ_b². */
  criticalSigmaW2: number;
  theory: EdgeTheory[];
  cells: EdgeCell[];
  seconds: number;
}

export interface EdgeOfChaosProgress {
  cell: number;
  cells: number;
  sigmaW2: number;
  depth: number;
  seed: number;
  accuracy: number;
}

export interface EdgeOfChaosOptions {
  digits?: LoadDigits;
  onProgress?: (progress: EdgeOfChaosProgress) => void;
}

export function checkEdgeOfChaosConfig(config: EdgeOfChaosConfig): EdgeOfChaosConfig {
  if (typeof config !== 'object' || config === null) throw new nninit.ParamError(`config must be an object, got ${JSON.stringify(config)}`);
  return {
    sigmaW2: checkList('sigmaW2', config.sigmaW2, checkPositive),
    depths: checkList('depths', config.depths, checkPositiveInteger),
    sigmaB2: checkNonNegative('sigmaB2', config.sigmaB2),
    width: checkPositiveInteger('width', config.width),
    trainSize: checkPositiveInteger('trainSize', config.trainSize),
    testSize: checkPositiveInteger('testSize', config.testSize),
    epochs: checkPositiveInteger('epochs', config.epochs),
    batchSize: checkPositiveInteger('batchSize', config.batchSize),
    lr: checkPositive('lr', config.lr),
    momentum: checkNonNegative('momentum', config.momentum),
    seeds: checkSeeds(config.seeds),
  };
}

/** ξ_c and 6 ξ_c for tanh at each σ_w², from `nninit.init.meanField` (σ_w = √σ_w², σ_b = √σ_b²). */
export function edgeTheory(sigmaW2: readonly number[], sigmaB2: number): EdgeTheory[] {
  return sigmaW2.map((s2) => {
    const field = nninit.init.meanField({ activation: 'tanh', sigmaW: Math.sqrt(s2), sigmaB: Math.sqrt(sigmaB2) });
    const finite = Number.isFinite(field.depthScale);
    return {
      sigmaW2: s2,
      qStar: field.qStar,
      chi1: field.chi1,
      depthScale: finite ? field.depthScale : null,
      trainableDepth: finite ? 6 * field.depthScale : null,
      phase: field.phase,
    };
  });
}

/** The critical σ_w² of tanh at bias variance σ_b². */
export function criticalSigmaW2(sigmaB2: number): number {
  return nninit.init.criticalPoint({ activation: 'tanh', sigmaB: Math.sqrt(sigmaB2) }) ** 2;
}

/** Trains one net per (seed, depth, σ_w²) cell. */
export async function runEdgeOfChaos(config: EdgeOfChaosConfig, options: EdgeOfChaosOptions = {}): Promise<EdgeOfChaosResult> {
  const checked = checkEdgeOfChaosConfig(config);
  const { digits = loadBundledDigits, onProgress } = options;
  const started = performance.now();
  const theory = edgeTheory(checked.sigmaW2, checked.sigmaB2);
  const cells: EdgeCell[] = [];
  const total = checked.seeds.length * checked.depths.length * checked.sigmaW2.length;
  for (const seed of checked.seeds) {
    const { train, test } = await digits({ trainSize: checked.trainSize, testSize: checked.testSize, seed });
    for (const depth of checked.depths) {
      const layers = [train.x.shape[1], ...new Array<number>(depth).fill(checked.width), 10];
      for (const sigmaW2 of checked.sigmaW2) {
        const cellStart = performance.now();
        const mlp = new nninit.Mlp({
          layers,
          activation: 'tanh',
          init: gaussianInits(layers, Math.sqrt(sigmaW2)),
          biasInit: gaussianBias(Math.sqrt(checked.sigmaB2)),
          seed,
        });
        try {
          const history = await mlp.fit(train.x, train.y, {
            epochs: checked.epochs,
            batchSize: checked.batchSize,
            optimizer: nninit.optim.sgd({ lr: checked.lr, momentum: checked.momentum }),
          });
          const { accuracy } = mlp.evaluate(test.x, test.y);
          const loss = history.loss[history.loss.length - 1];
          cells.push({ sigmaW2, depth, seed, accuracy, trainLoss: Number.isFinite(loss) ? loss : null, seconds: secondsSince(cellStart) });
          onProgress?.({ cell: cells.length, cells: total, sigmaW2, depth, seed, accuracy });
        } finally {
          mlp.dispose();
        }
      }
    }
  }
  return { config: checked, criticalSigmaW2: criticalSigmaW2(checked.sigmaB2), theory, cells, seconds: secondsSince(started) };
}

/** Accuracy needed to count a cell as learning: twice chance on ten classes. */
export const LEARNS = 0.2;

/** Per σ_w²: the deepest depth of the grid whose mean accuracy over seeds is at least LEARNS (null: none). */
export interface EdgeColumn extends EdgeTheory {
  /** Mean accuracy over seeds at each depth of the config, in its order. */
  accuracy: number[];
  deepestLearning: number | null;
  /** No depth beyond 6 ξ_c learns (the claim's necessary half); true where 6 ξ_c is infinite. */
  agrees: boolean;
}

export function edgeColumns(result: EdgeOfChaosResult): EdgeColumn[] {
  return result.theory.map((theory) => {
    const accuracy = result.config.depths.map((depth) => {
      const cells = result.cells.filter((c) => c.sigmaW2 === theory.sigmaW2 && c.depth === depth);
      return cells.reduce((sum, c) => sum + c.accuracy, 0) / cells.length;
    });
    const learning = result.config.depths.filter((_, i) => accuracy[i] >= LEARNS);
    const deepestLearning = learning.length === 0 ? null : Math.max(...learning);
    const agrees = theory.trainableDepth === null || deepestLearning === null || deepestLearning <= theory.trainableDepth;
    return { ...theory, accuracy, deepestLearning, agrees };
  });
}
