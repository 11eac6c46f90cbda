/*
 * Annealed importance sampling of an RBM in plain TypeScript with f64 arithmetic, drawing the
 * kernel's random words (assembly/rbm-ais.ts): the reference the wasm runs are tested against.
 * Run r's words at step k come from Philox blocks r·blocksPerRun + … of substream k, hidden units
 * first (4 blocks per 16 units), then the visible ones.
 */
import { philox4x32, wordToUniform01, type Rng } from '../../src/random.js';

export interface ReferenceRbm {
  nVisible: number;
  nHidden: number;
  /** [nHidden, nVisible] */
  W: ArrayLike<number>;
  visibleBias: ArrayLike<number>;
  hiddenBias: ArrayLike<number>;
}

function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** The uniform in [0, 1) of word `unit mod 4` of block `block` of `substream`. */
function uniform(rng: Rng, block: number, unit: number, substream: number): number {
  const words = philox4x32(block % 2 ** 32 >>> 0, Math.floor(block / 2 ** 32), substream, 0, rng.key0, rng.key1);
  return wordToUniform01(words[unit % 4]);
}

/** Each run's log importance weight, as rbmAisSteps computes it, from base biases `base` over `betas` (f32 values). */
export function referenceLogWeights(m: ReferenceRbm, base: ArrayLike<number>, betas: Float32Array, runs: number, rng: Rng): Float64Array {
  const { nVisible: nV, nHidden: nH } = m;
  const hiddenBlocks = 4 * Math.ceil(nH / 16);
  const blocksPerRun = hiddenBlocks + 4 * Math.ceil(nV / 16);
  const shift = Float32Array.from({ length: nV }, (_, i) => m.visibleBias[i] - base[i]);
  const logWeights = new Float64Array(runs);
  const x = new Float64Array(nH);
  const h = new Uint8Array(nH);
  for (let r = 0; r < runs; r++) {
    const first = r * blocksPerRun;
    const v = Float64Array.from({ length: nV }, (_, i) => (uniform(rng, first + hiddenBlocks + Math.floor(i / 4), i, 0) < sigmoid(base[i]) ? 1 : 0));
    let logWeight = 0;
    for (let k = 1; k < betas.length; k++) {
      const beta = betas[k];
      const previous = betas[k - 1];
      let shiftDot = 0;
      for (let i = 0; i < nV; i++) shiftDot += shift[i] * v[i];
      logWeight += (beta - previous) * shiftDot;
      for (let j = 0; j < nH; j++) {
        let sum = m.hiddenBias[j];
        for (let i = 0; i < nV; i++) sum += m.W[j * nV + i] * v[i];
        x[j] = sum;
        logWeight += softplus(beta * sum) - softplus(previous * sum);
      }
      if (k === betas.length - 1) break;
      for (let j = 0; j < nH; j++) h[j] = uniform(rng, first + Math.floor(j / 4), j, k) < sigmoid(beta * x[j]) ? 1 : 0;
      for (let i = 0; i < nV; i++) {
        let sum = shift[i];
        for (let j = 0; j < nH; j++) if (h[j]) sum += m.W[j * nV + i];
        v[i] = uniform(rng, first + hiddenBlocks + Math.floor(i / 4), i, k) < sigmoid(base[i] + beta * sum) ? 1 : 0;
      }
    }
    logWeights[r] = logWeight;
  }
  return logWeights;
}

/** log Z by enumerating the hidden layer (nHidden ≤ 20), in f64. */
export function referenceLogPartition(m: ReferenceRbm): number {
  const { nVisible: nV, nHidden: nH } = m;
  const terms: number[] = [];
  for (let state = 0; state < 2 ** nH; state++) {
    let t = 0;
    for (let j = 0; j < nH; j++) if ((state >> j) & 1) t += m.hiddenBias[j];
    for (let i = 0; i < nV; i++) {
      let a = m.visibleBias[i];
      for (let j = 0; j < nH; j++) if ((state >> j) & 1) a += m.W[j * nV + i];
      t += softplus(a);
    }
    terms.push(t);
  }
  const max = Math.max(...terms);
  return max + Math.log(terms.reduce((sum, t) => sum + Math.exp(t - max), 0));
}
