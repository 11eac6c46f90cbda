/*
 * The RBM's math in plain TypeScript with f64 arithmetic: the reference the wasm kernels
 * (assembly/rbm-*.ts) are tested against, including exact log-likelihoods and gradients by
 * enumeration. Only tests and benches import it; the model's own exact log-partition runs in
 * wasm (src/rbm/exact.ts).
 *
 * Energy, with W [nHidden, nVisible], visible bias b and hidden bias c:
 *   Bernoulli visible units:  E(v, h) = −b·v − c·h − hᵀWv
 *   Gaussian visible units:   E(v, h) = ½‖v − b‖² − c·h − hᵀWv   (unit variance: standardize the data)
 * Free energy F(v) = −log Σ_h e^−E(v,h) = −b·v − Σ_j softplus(c_j + W_j·v)  (Bernoulli; ½‖v − b‖² for Gaussian).
 *
 * Random draws follow the kernels' layout: element (r, c) of a sampled rows × cols matrix uses
 * word c mod 4 of block base + r·⌈cols/4⌉ + ⌊c/4⌋ (see assembly/rbm/common.ts).
 */
import { boxMuller, Rng, wordToUniform01 } from '../../src/random.js';
import { enumeratedLayer } from '../../src/rbm/exact.js';
import type { VisibleUnits } from '../../src/rbm/options.js';

export type { VisibleUnits } from '../../src/rbm/options.js';

export interface RbmParameters {
  readonly nVisible: number;
  readonly nHidden: number;
  readonly visible: VisibleUnits;
  /** [nHidden, nVisible], row-major */
  readonly weights: ArrayLike<number>;
  readonly visibleBias: ArrayLike<number>;
  readonly hiddenBias: ArrayLike<number>;
}

export function sigmoid(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** log(1 + e^x) without overflow. */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** c + v·Wᵀ for each of `rows` rows: [rows, nHidden]. */
export function hiddenInputs(p: RbmParameters, v: ArrayLike<number>, rows: number): Float64Array {
  const { nVisible, nHidden, weights, hiddenBias } = p;
  const out = new Float64Array(rows * nHidden);
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < nHidden; j++) {
      let x = hiddenBias[j];
      for (let i = 0; i < nVisible; i++) x += weights[j * nVisible + i] * v[r * nVisible + i];
      out[r * nHidden + j] = x;
    }
  }
  return out;
}

/** P(h = 1 | v): [rows, nHidden]. */
export function hiddenProbabilities(p: RbmParameters, v: ArrayLike<number>, rows: number): Float64Array {
  return hiddenInputs(p, v, rows).map(sigmoid);
}

/** b + h·W for each of `rows` rows: [rows, nVisible]. */
export function visibleInputs(p: RbmParameters, h: ArrayLike<number>, rows: number): Float64Array {
  const { nVisible, nHidden, weights, visibleBias } = p;
  const out = new Float64Array(rows * nVisible);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < nVisible; i++) {
      let x = visibleBias[i];
      for (let j = 0; j < nHidden; j++) x += h[r * nHidden + j] * weights[j * nVisible + i];
      out[r * nVisible + i] = x;
    }
  }
  return out;
}

/** E[v | h]: σ(b + h·W) for Bernoulli units, b + h·W for Gaussian ones. */
export function visibleMeans(p: RbmParameters, h: ArrayLike<number>, rows: number): Float64Array {
  const x = visibleInputs(p, h, rows);
  return p.visible === 'gaussian' ? x : x.map(sigmoid);
}

function visibleEnergy(p: RbmParameters, v: ArrayLike<number>, row: number): number {
  let total = 0;
  for (let i = 0; i < p.nVisible; i++) {
    const x = v[row * p.nVisible + i];
    const b = p.visibleBias[i];
    total += p.visible === 'gaussian' ? 0.5 * (x - b) * (x - b) : -b * x;
  }
  return total;
}

/** F(v) per row. */
export function freeEnergy(p: RbmParameters, v: ArrayLike<number>, rows: number): Float64Array {
  const pre = hiddenInputs(p, v, rows);
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let f = visibleEnergy(p, v, r);
    for (let j = 0; j < p.nHidden; j++) f -= softplus(pre[r * p.nHidden + j]);
    out[r] = f;
  }
  return out;
}

/**
 * scikit-learn's pseudo-likelihood (BernoulliRBM.score_samples) per row: flip visible unit
 * flips[r] (v → 1 − v) and return nVisible · log σ(F(ṽ) − F(v)).
 */
export function pseudoLikelihood(p: RbmParameters, v: ArrayLike<number>, rows: number, flips: ArrayLike<number>): Float64Array {
  const flipped = Float64Array.from(v);
  for (let r = 0; r < rows; r++) {
    const at = r * p.nVisible + flips[r];
    flipped[at] = 1 - flipped[at];
  }
  const f = freeEnergy(p, v, rows);
  const fFlipped = freeEnergy(p, flipped, rows);
  return f.map((value, r) => -p.nVisible * softplus(-(fFlipped[r] - value)));
}

/** Mean over all elements of (v − E[v | P(h | v)])²: the mean-field reconstruction error. */
export function reconstructionError(p: RbmParameters, v: ArrayLike<number>, rows: number): number {
  const reconstruction = visibleMeans(p, hiddenProbabilities(p, v, rows), rows);
  let total = 0;
  for (let k = 0; k < reconstruction.length; k++) total += (v[k] - reconstruction[k]) ** 2;
  return total / reconstruction.length;
}

// --- exact computations by enumeration ---------------------------------------------------------

/**
 * Calls visit(state, input) for every binary state of one layer (`units` units, Gray-code order),
 * where input = bias + Σ_{on} rows of `weights` is the other layer's total input (f64, updated by
 * one row per state). `row(k)` gives unit k's weights to the other layer.
 */
function enumerateStates(
  units: number,
  otherBias: ArrayLike<number>,
  row: (k: number, other: number) => number,
  visit: (state: Uint8Array, input: Float64Array) => void,
): void {
  const state = new Uint8Array(units);
  const input = Float64Array.from(otherBias);
  visit(state, input);
  for (let step = 1; step < 2 ** units; step++) {
    const k = Math.clz32(1) - Math.clz32(step & -step); // the bit that changes in Gray-code order
    const sign = state[k] ? -1 : 1;
    state[k] ^= 1;
    for (let o = 0; o < input.length; o++) input[o] += sign * row(k, o);
    visit(state, input);
  }
}

/** Running log Σ e^t. */
class LogSumExp {
  private max = -Infinity;
  private sum = 0;
  add(t: number): void {
    if (t <= this.max) this.sum += Math.exp(t - this.max);
    else {
      this.sum = this.sum * Math.exp(this.max - t) + 1;
      this.max = t;
    }
  }
  get value(): number {
    return this.max + Math.log(this.sum);
  }
}

/** Log of the unnormalized marginal of a hidden state h with visible input a = b + Wᵀh: log Σ_v e^−E(v,h) − c·h. */
function hiddenMarginalTerm(p: RbmParameters, visibleInput: Float64Array): number {
  let total = 0;
  for (let i = 0; i < p.nVisible; i++) {
    const a = visibleInput[i];
    if (p.visible === 'gaussian') {
      const b = p.visibleBias[i];
      total += 0.5 * (a * a - b * b) + 0.5 * Math.log(2 * Math.PI);
    } else total += softplus(a);
  }
  return total;
}

function dot(state: Uint8Array, x: ArrayLike<number>): number {
  let total = 0;
  for (let k = 0; k < state.length; k++) if (state[k]) total += x[k];
  return total;
}

/** log Z, exactly, by enumerating the smaller layer (≤ 20 units; Gaussian visible units are never enumerated). */
export function logPartition(p: RbmParameters): number {
  const { nVisible, nHidden, weights } = p;
  const layer = enumeratedLayer(p);
  const lse = new LogSumExp();
  if (layer === 'visible') {
    // log Z = log Σ_v e^−F(v)
    enumerateStates(nVisible, p.hiddenBias, (i, j) => weights[j * nVisible + i], (v, pre) => {
      let t = dot(v, p.visibleBias);
      for (let j = 0; j < nHidden; j++) t += softplus(pre[j]);
      lse.add(t);
    });
  } else if (layer === 'hidden') {
    enumerateStates(nHidden, p.visibleBias, (j, i) => weights[j * nVisible + i], (h, input) => {
      lse.add(dot(h, p.hiddenBias) + hiddenMarginalTerm(p, input));
    });
  } else {
    throw new RangeError(`cannot enumerate: ${nVisible} visible and ${nHidden} hidden units`);
  }
  return lse.value;
}

/** log p(v) per row, exactly. */
export function logLikelihood(p: RbmParameters, v: ArrayLike<number>, rows: number): Float64Array {
  const logZ = logPartition(p);
  return freeEnergy(p, v, rows).map((f) => -f - logZ);
}

export interface Gradient {
  weights: Float64Array;
  visibleBias: Float64Array;
  hiddenBias: Float64Array;
}

/**
 * The exact gradient of the mean log-likelihood of `rows` rows (Bernoulli visible units):
 * ⟨v·P(h|v)ᵀ⟩_data − ⟨v hᵀ⟩_model, the model term by enumerating the smaller layer.
 */
export function exactGradient(p: RbmParameters, v: ArrayLike<number>, rows: number): Gradient {
  const { nVisible, nHidden, weights } = p;
  const g: Gradient = {
    weights: new Float64Array(nHidden * nVisible),
    visibleBias: new Float64Array(nVisible),
    hiddenBias: new Float64Array(nHidden),
  };
  const add = (hidden: ArrayLike<number>, visible: ArrayLike<number>, scale: number): void => {
    for (let j = 0; j < nHidden; j++) {
      g.hiddenBias[j] += scale * hidden[j];
      for (let i = 0; i < nVisible; i++) g.weights[j * nVisible + i] += scale * hidden[j] * visible[i];
    }
    for (let i = 0; i < nVisible; i++) g.visibleBias[i] += scale * visible[i];
  };
  const ph = hiddenProbabilities(p, v, rows);
  for (let r = 0; r < rows; r++) {
    add(ph.subarray(r * nHidden, (r + 1) * nHidden), Array.prototype.slice.call(v, r * nVisible, (r + 1) * nVisible), 1 / rows);
  }
  const logZ = logPartition(p);
  if (enumeratedLayer(p) === 'visible') {
    enumerateStates(nVisible, p.hiddenBias, (i, j) => weights[j * nVisible + i], (state, pre) => {
      let t = dot(state, p.visibleBias);
      for (let j = 0; j < nHidden; j++) t += softplus(pre[j]);
      add(pre.map(sigmoid), state, -Math.exp(t - logZ));
    });
  } else {
    enumerateStates(nHidden, p.visibleBias, (j, i) => weights[j * nVisible + i], (state, input) => {
      const weight = Math.exp(dot(state, p.hiddenBias) + hiddenMarginalTerm(p, input) - logZ);
      add(state, p.visible === 'gaussian' ? input : input.map(sigmoid), -weight);
    });
  }
  return g;
}

// --- random draws and one training step, as the kernels do them --------------------------------

/** The Philox word the kernels use for element (row, col) of a rows × cols draw starting at block `base`. */
function wordAt(rng: Rng, base: number, row: number, col: number, cols: number): number {
  return rng.blockWords(base + row * Math.ceil(cols / 4) + Math.floor(col / 4))[col & 3];
}

/** The uniform in [0, 1) behind element (row, col)'s Bernoulli draw. */
export function uniformAt(rng: Rng, base: number, row: number, col: number, cols: number): number {
  return wordToUniform01(wordAt(rng, base, row, col, cols));
}

/** The standard normal behind element (row, col)'s Gaussian draw. */
export function normalAt(rng: Rng, base: number, row: number, col: number, cols: number): number {
  const words = rng.blockWords(base + row * Math.ceil(cols / 4) + Math.floor(col / 4));
  const pair = new Float32Array(2);
  const first = col & 2;
  boxMuller(words[first], words[first + 1], pair);
  return pair[col & 1];
}

/** Bernoulli samples of a rows × cols matrix of probabilities. */
export function sampleBernoulli(rng: Rng, base: number, probabilities: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = uniformAt(rng, base, r, c, cols) < probabilities[r * cols + c] ? 1 : 0;
  }
  return out;
}

/** Gaussian samples: means plus standard normals. */
export function sampleGaussian(rng: Rng, base: number, means: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[r * cols + c] = means[r * cols + c] + normalAt(rng, base, r, c, cols);
  }
  return out;
}

/** Mutable f64 state of a model being trained by the reference. */
export interface TrainingState {
  nVisible: number;
  nHidden: number;
  visible: VisibleUnits;
  weights: Float64Array;
  visibleBias: Float64Array;
  hiddenBias: Float64Array;
  weightVelocity: Float64Array;
  visibleVelocity: Float64Array;
  hiddenVelocity: Float64Array;
  /** running mean hidden activity for the sparsity penalty */
  hiddenMeans: Float64Array;
  /** persistent chains' binary hidden states, rows × nHidden (PCD) */
  chains: Float64Array | null;
}

export interface StepSettings {
  learningRate: number;
  momentum: number;
  weightDecay: number;
  k: number;
  persistent: boolean;
  /** sample the last visible reconstruction instead of using its mean */
  sampleVisible: boolean;
  sparsity: { target: number; cost: number; decay: number } | null;
}

/**
 * One CD-k or PCD-k step on a batch, drawing from `rng` in the same order as the model does:
 * the positive hidden sample (CD, or PCD before its chains exist), then per Gibbs step the visible
 * sample (when sampled) and the hidden sample (all but CD's last step).
 */
export function trainStep(s: TrainingState, v0: ArrayLike<number>, rows: number, settings: StepSettings, rng: Rng): void {
  const { nVisible, nHidden } = s;
  const params: RbmParameters = s;
  const ph0 = hiddenProbabilities(params, v0, rows);
  const draw = (cols: number) => rng.takeBlocks(rows * Math.ceil(cols / 4));
  let h: Float64Array;
  if (!settings.persistent || s.chains === null) {
    h = sampleBernoulli(rng, draw(nHidden), ph0, rows, nHidden);
    if (settings.persistent) s.chains = h;
  } else h = s.chains;
  let vk: Float64Array = new Float64Array(0);
  let phk: Float64Array = new Float64Array(0);
  for (let step = 1; step <= settings.k; step++) {
    const last = step === settings.k;
    const sampleVisible = settings.persistent || !last || settings.sampleVisible;
    const means = visibleMeans(params, h, rows);
    if (!sampleVisible) vk = means;
    else if (s.visible === 'gaussian') vk = sampleGaussian(rng, draw(nVisible), means, rows, nVisible);
    else vk = sampleBernoulli(rng, draw(nVisible), means, rows, nVisible);
    phk = hiddenProbabilities(params, vk, rows);
    if (settings.persistent || !last) h = sampleBernoulli(rng, draw(nHidden), phk, rows, nHidden);
  }
  if (settings.persistent) s.chains = h;

  const { learningRate: lr, momentum } = settings;
  const positive = Float64Array.from(ph0);
  if (settings.sparsity) {
    const { target, cost, decay } = settings.sparsity;
    for (let j = 0; j < nHidden; j++) {
      let mean = 0;
      for (let r = 0; r < rows; r++) mean += ph0[r * nHidden + j];
      s.hiddenMeans[j] = decay * s.hiddenMeans[j] + ((1 - decay) * mean) / rows;
      for (let r = 0; r < rows; r++) positive[r * nHidden + j] -= cost * (s.hiddenMeans[j] - target);
    }
  }
  for (let j = 0; j < nHidden; j++) {
    let gc = 0;
    for (let r = 0; r < rows; r++) gc += positive[r * nHidden + j] - phk[r * nHidden + j];
    s.hiddenVelocity[j] = momentum * s.hiddenVelocity[j] + (lr * gc) / rows;
    for (let i = 0; i < nVisible; i++) {
      let gw = 0;
      for (let r = 0; r < rows; r++) gw += positive[r * nHidden + j] * v0[r * nVisible + i] - phk[r * nHidden + j] * vk[r * nVisible + i];
      const at = j * nVisible + i;
      s.weightVelocity[at] = momentum * s.weightVelocity[at] + (lr * gw) / rows - lr * settings.weightDecay * s.weights[at];
    }
  }
  for (let i = 0; i < nVisible; i++) {
    let gb = 0;
    for (let r = 0; r < rows; r++) gb += v0[r * nVisible + i] - vk[r * nVisible + i];
    s.visibleVelocity[i] = momentum * s.visibleVelocity[i] + (lr * gb) / rows;
  }
  for (let k = 0; k < s.weights.length; k++) s.weights[k] += s.weightVelocity[k];
  for (let i = 0; i < nVisible; i++) s.visibleBias[i] += s.visibleVelocity[i];
  for (let j = 0; j < nHidden; j++) s.hiddenBias[j] += s.hiddenVelocity[j];
}
