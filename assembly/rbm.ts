// RBM kernels: fused Gibbs half-steps, the CD parameter update and the monitoring sums, on raw
// pointers. Every matrix is row-major f32; W is [nHidden, nVisible] (PyTorch's [out, in]).
//
// Random words. A sampled matrix of `rows` × `cols` draws Philox blocks base + r·⌈cols/4⌉ + ⌊c/4⌋
// for element (r, c), word c mod 4 (a Bernoulli uses uniform01 of it; a Gaussian the Box–Muller
// value c mod 4 of that block, as in src/random.ts). Rows start on fresh blocks so that a strip of
// 16 columns is exactly one Philox lane batch. src/rbm/reference.ts draws the same words.
//
// Binary hidden states are kept as lists of active units, not as 0/1 floats: the visible half-step
// then adds only the rows of W whose unit is on, instead of a dense product with a 0/1 matrix.
// A list holds, for each active unit j, the byte offset j·nVisible·4 of W's row j; row r's list
// starts at active + r·nHidden·4 and its length is counts[r] (i32).
import { gemm, gemmWorkspaceBytes } from './gemm';
import { cosLanes, philoxWord0, philoxWord1, philoxWord2, philoxWord3, philoxWords16, philoxBatch, radiusLanes, sinLanes, storeTransposed, uniform01Lanes } from './philox';
import { sigmoidLanes, softplusLanes } from './simd-math';

/** Columns per strip: four f32x4 vectors, which one Philox lane batch (4 blocks) covers. */
const STRIP: i32 = 16;
const STRIP_BYTES: usize = 64;
// Scratch at the start of every workspace: random words, and zero-padded copies of a partial strip.
const WORDS_OFFSET: usize = 0;
const TAIL_IN_OFFSET: usize = 64;
const TAIL_BIAS_OFFSET: usize = 128;
const TAIL_OUT_OFFSET: usize = 192;
const SCRATCH_BYTES: usize = 256;

/** Bytes of workspace that every kernel below needs for up to `rows` rows (64-byte aligned). */
export function rbmWorkspaceBytes(rows: i32, nVisible: i32, nHidden: i32): usize {
  const hidden = gemmWorkspaceBytes(rows, nHidden, nVisible);
  const visible = gemmWorkspaceBytes(rows, nVisible, nHidden);
  const statistics = gemmWorkspaceBytes(nHidden, nVisible, 2 * rows);
  return SCRATCH_BYTES + max(hidden, max(visible, statistics));
}

// @ts-ignore: decorator
@inline function gemmWorkspace(workspace: usize): usize {
  return workspace + SCRATCH_BYTES;
}

// @ts-ignore: decorator
@inline function rowBlock(base: u64, row: i32, cols: i32): u64 {
  return base + <u64>row * <u64>((cols + 3) >> 2);
}

/** Copies `count` floats (< STRIP) to a zero-padded strip at dst, so partial strips reuse the SIMD path. */
function loadTail(dst: usize, src: usize, count: i32): void {
  memory.fill(dst, 0, STRIP_BYTES);
  memory.copy(dst, src, <usize>count << 2);
}

/** 16-bit mask of the strip's lanes where uniform01(word) < p, from words already stored at `words`. */
// @ts-ignore: decorator
@inline function bernoulliMask(words: usize, p0: v128, p1: v128, p2: v128, p3: v128): i32 {
  return (
    i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words)), p0)) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 16)), p1)) << 4) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 32)), p2)) << 8) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 48)), p3)) << 12)
  );
}

// @ts-ignore: decorator
@inline function sampleLanes(words: usize, offset: usize, p: v128): v128 {
  return v128.and(f32x4.lt(uniform01Lanes(v128.load(words + offset)), p), f32x4.splat(1));
}

// --- hidden half-step ----------------------------------------------------------------------------

/** Appends the active units of one strip (bit l of `mask` = unit first + l) as W row offsets. */
// @ts-ignore: decorator
@inline function appendActive(list: usize, count: i32, first: i32, mask: i32, rowBytes: i32): i32 {
  while (mask != 0) {
    store<i32>(list + (<usize>count << 2), (first + ctz(mask)) * rowBytes);
    count++;
    mask &= mask - 1;
  }
  return count;
}

/**
 * One strip of the hidden epilogue: p = σ(pre + bias), stored as sign·p; returns the mask of
 * sampled units when `words` ≠ 0 (the strip's random words are there), else 0.
 */
// @ts-ignore: decorator
@inline function hiddenStrip(pre: usize, bias: usize, out: usize, sign: v128, words: usize): i32 {
  const p0 = sigmoidLanes(f32x4.add(v128.load(pre), v128.load(bias)));
  const p1 = sigmoidLanes(f32x4.add(v128.load(pre, 16), v128.load(bias, 16)));
  const p2 = sigmoidLanes(f32x4.add(v128.load(pre, 32), v128.load(bias, 32)));
  const p3 = sigmoidLanes(f32x4.add(v128.load(pre, 48), v128.load(bias, 48)));
  v128.store(out, f32x4.mul(p0, sign));
  v128.store(out, f32x4.mul(p1, sign), 16);
  v128.store(out, f32x4.mul(p2, sign), 32);
  v128.store(out, f32x4.mul(p3, sign), 48);
  return words == 0 ? 0 : bernoulliMask(words, p0, p1, p2, p3);
}

/**
 * Hidden half-step: P = σ(v·Wᵀ + c) for `rows` rows of v [rows, nVisible], written to
 * `probabilities` [rows, nHidden] times `sign` (−1 stores the negative phase ready for the
 * statistics product). When `active` ≠ 0 it also samples h ~ Bernoulli(P) into active lists.
 * `probabilities` must not alias v.
 */
export function rbmHiddenStep(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  weights: usize,
  hiddenBias: usize,
  sign: f32,
  probabilities: usize,
  active: usize,
  counts: usize,
  k0: u32,
  k1: u32,
  blockLo: u32,
  blockHi: u32,
  workspace: usize,
): void {
  gemm(0, 1, rows, nHidden, nVisible, 1, v, nVisible, weights, nVisible, 0, probabilities, nHidden, gemmWorkspace(workspace));
  const words = workspace + WORDS_OFFSET;
  const tailIn = workspace + TAIL_IN_OFFSET;
  const tailBias = workspace + TAIL_BIAS_OFFSET;
  const tailOut = workspace + TAIL_OUT_OFFSET;
  const signLanes = f32x4.splat(sign);
  const base = (<u64>blockHi << 32) | blockLo;
  const rowBytes = nVisible << 2;
  const fullEnd = nHidden & ~(STRIP - 1);
  const tail = nHidden - fullEnd;
  if (tail > 0) loadTail(tailBias, hiddenBias + (<usize>fullEnd << 2), tail);
  for (let r = 0; r < rows; r++) {
    const row = probabilities + <usize>r * (<usize>nHidden << 2);
    const list = active + <usize>r * (<usize>nHidden << 2);
    const block = rowBlock(base, r, nHidden);
    let count = 0;
    for (let j = 0; j < fullEnd; j += STRIP) {
      const offset = <usize>j << 2;
      if (active != 0) philoxWords16(words, k0, k1, <u32>(block + (j >> 2)), <u32>((block + (j >> 2)) >>> 32), 0);
      const mask = hiddenStrip(row + offset, hiddenBias + offset, row + offset, signLanes, active != 0 ? words : 0);
      count = appendActive(list, count, j, mask, rowBytes);
    }
    if (tail > 0) {
      const offset = <usize>fullEnd << 2;
      loadTail(tailIn, row + offset, tail);
      if (active != 0) philoxWords16(words, k0, k1, <u32>(block + (fullEnd >> 2)), <u32>((block + (fullEnd >> 2)) >>> 32), 0);
      const mask = hiddenStrip(tailIn, tailBias, tailOut, signLanes, active != 0 ? words : 0);
      memory.copy(row + offset, tailOut, <usize>tail << 2);
      count = appendActive(list, count, fullEnd, mask & ((1 << tail) - 1), rowBytes);
    }
    if (active != 0) store<i32>(counts + (<usize>r << 2), count);
  }
}

// --- visible half-step ---------------------------------------------------------------------------

/** Visible units' output for one strip of total inputs x: probabilities/means, or samples. */
// @ts-ignore: decorator
@inline function visibleStrip(
  x0: v128,
  x1: v128,
  x2: v128,
  x3: v128,
  gaussian: i32,
  sample: i32,
  k0: u32,
  k1: u32,
  block: u64,
  words: usize,
  out: usize,
): void {
  if (gaussian != 0) {
    if (sample != 0) {
      // Mean plus a standard normal: Box–Muller pairs are words (0, 1) and (2, 3) of each block.
      philoxBatch(k0, k1, block, 0);
      const radiusA = radiusLanes(philoxWord0);
      const radiusB = radiusLanes(philoxWord2);
      storeTransposed(
        words,
        f32x4.mul(radiusA, cosLanes(philoxWord1)),
        f32x4.mul(radiusA, sinLanes(philoxWord1)),
        f32x4.mul(radiusB, cosLanes(philoxWord3)),
        f32x4.mul(radiusB, sinLanes(philoxWord3)),
        16,
      );
      x0 = f32x4.add(x0, v128.load(words));
      x1 = f32x4.add(x1, v128.load(words, 16));
      x2 = f32x4.add(x2, v128.load(words, 32));
      x3 = f32x4.add(x3, v128.load(words, 48));
    }
    v128.store(out, x0);
    v128.store(out, x1, 16);
    v128.store(out, x2, 32);
    v128.store(out, x3, 48);
    return;
  }
  const p0 = sigmoidLanes(x0);
  const p1 = sigmoidLanes(x1);
  const p2 = sigmoidLanes(x2);
  const p3 = sigmoidLanes(x3);
  if (sample != 0) {
    philoxWords16(words, k0, k1, <u32>block, <u32>(block >>> 32), 0);
    v128.store(out, sampleLanes(words, 0, p0));
    v128.store(out, sampleLanes(words, 16, p1), 16);
    v128.store(out, sampleLanes(words, 32, p2), 32);
    v128.store(out, sampleLanes(words, 48, p3), 48);
  } else {
    v128.store(out, p0);
    v128.store(out, p1, 16);
    v128.store(out, p2, 32);
    v128.store(out, p3, 48);
  }
}

/**
 * Visible half-step from binary hidden states given as active lists: x = b + Σ_{j on} W[j, :],
 * so the product costs one vector add per active unit instead of a dense multiply-add per unit.
 * Bernoulli units write σ(x), or a 0/1 sample of it when `sample` ≠ 0; Gaussian units write x,
 * or x + N(0, 1). Works strip by strip so that a 16-column strip of W (nHidden × 64 bytes) stays
 * in L1 while every row's list walks it.
 */
export function rbmVisibleStep(
  active: usize,
  counts: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  weights: usize,
  visibleBias: usize,
  gaussian: i32,
  sample: i32,
  out: usize,
  k0: u32,
  k1: u32,
  blockLo: u32,
  blockHi: u32,
  workspace: usize,
): void {
  const words = workspace + WORDS_OFFSET;
  const tailIn = workspace + TAIL_IN_OFFSET;
  const tailOut = workspace + TAIL_OUT_OFFSET;
  const base = (<u64>blockHi << 32) | blockLo;
  const listBytes = <usize>nHidden << 2;
  const outRowBytes = <usize>nVisible << 2;
  const fullEnd = nVisible & ~(STRIP - 1);
  for (let s = 0; s < fullEnd; s += STRIP) {
    const strip = weights + (<usize>s << 2);
    const bias = visibleBias + (<usize>s << 2);
    const b0 = v128.load(bias);
    const b1 = v128.load(bias, 16);
    const b2 = v128.load(bias, 32);
    const b3 = v128.load(bias, 48);
    for (let r = 0; r < rows; r++) {
      let x0 = b0;
      let x1 = b1;
      let x2 = b2;
      let x3 = b3;
      let entry = active + <usize>r * listBytes;
      const end = entry + (<usize>load<i32>(counts + (<usize>r << 2)) << 2);
      for (; entry < end; entry += 4) {
        const w = strip + <usize>load<i32>(entry);
        x0 = f32x4.add(x0, v128.load(w));
        x1 = f32x4.add(x1, v128.load(w, 16));
        x2 = f32x4.add(x2, v128.load(w, 32));
        x3 = f32x4.add(x3, v128.load(w, 48));
      }
      const block = rowBlock(base, r, nVisible) + <u64>(s >> 2);
      visibleStrip(x0, x1, x2, x3, gaussian, sample, k0, k1, block, words, out + <usize>r * outRowBytes + (<usize>s << 2));
    }
  }
  const tail = nVisible - fullEnd;
  if (tail == 0) return;
  // The last columns: scalar sums into a zero-padded strip, then the same epilogue.
  for (let r = 0; r < rows; r++) {
    loadTail(tailIn, visibleBias + (<usize>fullEnd << 2), tail);
    let entry = active + <usize>r * listBytes;
    const end = entry + (<usize>load<i32>(counts + (<usize>r << 2)) << 2);
    for (; entry < end; entry += 4) {
      const w = weights + <usize>load<i32>(entry) + (<usize>fullEnd << 2);
      for (let c = 0; c < tail; c++) {
        const at = tailIn + (<usize>c << 2);
        store<f32>(at, load<f32>(at) + load<f32>(w + (<usize>c << 2)));
      }
    }
    const block = rowBlock(base, r, nVisible) + <u64>(fullEnd >> 2);
    visibleStrip(
      v128.load(tailIn),
      v128.load(tailIn, 16),
      v128.load(tailIn, 32),
      v128.load(tailIn, 48),
      gaussian,
      sample,
      k0,
      k1,
      block,
      words,
      tailOut,
    );
    memory.copy(out + <usize>r * outRowBytes + (<usize>fullEnd << 2), tailOut, <usize>tail << 2);
  }
}

/**
 * Mean-field visible half-step from dense hidden values h [rows, nHidden]: σ(h·W + b) for
 * Bernoulli units, h·W + b for Gaussian ones.
 */
export function rbmVisibleMean(
  h: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  weights: usize,
  visibleBias: usize,
  gaussian: i32,
  out: usize,
  workspace: usize,
): void {
  gemm(0, 0, rows, nVisible, nHidden, 1, h, nHidden, weights, nVisible, 0, out, nVisible, gemmWorkspace(workspace));
  for (let r = 0; r < rows; r++) {
    const row = out + <usize>r * (<usize>nVisible << 2);
    let c = 0;
    for (; c + 4 <= nVisible; c += 4) {
      const offset = <usize>c << 2;
      const x = f32x4.add(v128.load(row + offset), v128.load(visibleBias + offset));
      v128.store(row + offset, gaussian != 0 ? x : sigmoidLanes(x));
    }
    for (; c < nVisible; c++) {
      const offset = <usize>c << 2;
      const x = f32x4.splat(load<f32>(row + offset) + load<f32>(visibleBias + offset));
      store<f32>(row + offset, f32x4.extract_lane(gaussian != 0 ? x : sigmoidLanes(x), 0));
    }
  }
}

// --- parameter update ----------------------------------------------------------------------------

/** dst[c] += scale · Σ_r src[r, c] over `rows` rows of `cols` columns. */
function addColumnSums(src: usize, rows: i32, cols: i32, scale: f32, dst: usize): void {
  const scaleLanes = f32x4.splat(scale);
  const rowBytes = <usize>cols << 2;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const offset = <usize>c << 2;
    let sum = f32x4.splat(0);
    for (let r = 0; r < rows; r++) sum = f32x4.add(sum, v128.load(src + <usize>r * rowBytes + offset));
    v128.store(dst + offset, f32x4.add(v128.load(dst + offset), f32x4.mul(sum, scaleLanes)));
  }
  for (; c < cols; c++) {
    const offset = <usize>c << 2;
    let sum: f32 = 0;
    for (let r = 0; r < rows; r++) sum += load<f32>(src + <usize>r * rowBytes + offset);
    store<f32>(dst + offset, load<f32>(dst + offset) + sum * scale);
  }
}

/** x[i] *= factor over n floats. */
function scale(x: usize, n: i32, factor: f32): void {
  const factorLanes = f32x4.splat(factor);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), factorLanes));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * factor);
}

/** x[i] += y[i] over n floats. */
function addInto(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(x + offset, f32x4.add(v128.load(x + offset), v128.load(y + offset)));
  }
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) + load<f32>(y + (<usize>i << 2)));
}

/**
 * One CD/PCD parameter update with momentum, from the statistics of a batch of `rows` rows:
 *   hidden [2·rows, nHidden] = [P(h|v₀); −P(h|v_k)],  visible [2·rows, nVisible] = [v₀; v_k].
 * The weight gradient ⟨v₀ᵀh₀⟩ − ⟨v_kᵀh_k⟩ is then one product hiddenᵀ·visible over the
 * concatenated batch, which the GEMM accumulates straight into the velocity:
 *   ΔW ← momentum·ΔW + (lr/rows)·hiddenᵀ·visible − lr·weightDecay·W;  W ← W + ΔW
 *   Δc ← momentum·Δc + (lr/rows)·Σ hidden;  Δb ← momentum·Δb + (lr/rows)·(Σ v₀ − Σ v_k)
 * Sparsity (Hinton's practical guide §11), when sparsityCost > 0: q ← decay·q + (1 − decay)·mean P(h|v₀),
 * and cost·(q − target) is subtracted from every positive-phase probability before the product,
 * which moves both the hidden biases and the weights (by the visible activity) toward the target.
 * Overwrites the positive half of `hidden` when sparsity is on.
 */
export function rbmUpdate(
  hidden: usize,
  visible: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  weights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  weightVelocity: usize,
  visibleVelocity: usize,
  hiddenVelocity: usize,
  learningRate: f32,
  momentum: f32,
  weightDecay: f32,
  sparsityTarget: f32,
  sparsityCost: f32,
  sparsityDecay: f32,
  hiddenMeans: usize,
  workspace: usize,
): void {
  const step = learningRate / <f32>rows;
  if (sparsityCost > 0) {
    scale(hiddenMeans, nHidden, sparsityDecay);
    addColumnSums(hidden, rows, nHidden, (1 - sparsityDecay) / <f32>rows, hiddenMeans);
    const hiddenRowBytes = <usize>nHidden << 2;
    for (let r = 0; r < rows; r++) {
      const row = hidden + <usize>r * hiddenRowBytes;
      for (let j = 0; j < nHidden; j++) {
        const at = row + (<usize>j << 2);
        const penalty = sparsityCost * (load<f32>(hiddenMeans + (<usize>j << 2)) - sparsityTarget);
        store<f32>(at, load<f32>(at) - penalty);
      }
    }
  }
  gemm(1, 0, nHidden, nVisible, 2 * rows, step, hidden, nHidden, visible, nVisible, momentum, weightVelocity, nVisible, gemmWorkspace(workspace));

  scale(hiddenVelocity, nHidden, momentum);
  addColumnSums(hidden, 2 * rows, nHidden, step, hiddenVelocity);
  addInto(hiddenBias, hiddenVelocity, nHidden);
  scale(visibleVelocity, nVisible, momentum);
  addColumnSums(visible, rows, nVisible, step, visibleVelocity);
  addColumnSums(visible + <usize>rows * (<usize>nVisible << 2), rows, nVisible, -step, visibleVelocity);
  addInto(visibleBias, visibleVelocity, nVisible);

  const n = nHidden * nVisible;
  const decay = f32x4.splat(learningRate * weightDecay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const w = v128.load(weights + offset);
    const velocity = f32x4.sub(v128.load(weightVelocity + offset), f32x4.mul(decay, w));
    v128.store(weightVelocity + offset, velocity);
    v128.store(weights + offset, f32x4.add(w, velocity));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    const w = load<f32>(weights + offset);
    const velocity = load<f32>(weightVelocity + offset) - learningRate * weightDecay * w;
    store<f32>(weightVelocity + offset, velocity);
    store<f32>(weights + offset, w + velocity);
  }
}

// --- monitoring ----------------------------------------------------------------------------------

/** Σ softplus(x[j]) over n floats, summed in f64. */
function softplusSum(x: usize, n: i32): f64 {
  let sum = f64x2.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const s = softplusLanes(v128.load(x + (<usize>j << 2)));
    sum = f64x2.add(sum, f64x2.add(f64x2.promote_low_f32x4(s), f64x2.promote_low_f32x4(i32x4.shuffle(s, s, 2, 3, 0, 1))));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; j < n; j++) total += <f64>f32x4.extract_lane(softplusLanes(f32x4.splat(load<f32>(x + (<usize>j << 2)))), 0);
  return total;
}

/** The visible units' term of the free energy: −b·v (Bernoulli) or ½‖v − b‖² (Gaussian), in f64. */
function visibleEnergy(v: usize, visibleBias: usize, nVisible: i32, gaussian: i32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < nVisible; i++) {
    const x = <f64>load<f32>(v + (<usize>i << 2));
    const b = <f64>load<f32>(visibleBias + (<usize>i << 2));
    total += gaussian != 0 ? 0.5 * (x - b) * (x - b) : -b * x;
  }
  return total;
}

/**
 * Free energy of each row of v into out (f64): F(v) = −b·v − Σ_j softplus(c_j + W_j·v) for Bernoulli
 * visible units, ½‖v − b‖² − Σ_j softplus(…) for Gaussian ones. `pre` holds rows × nHidden floats.
 */
export function rbmFreeEnergy(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  weights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  gaussian: i32,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  gemm(0, 1, rows, nHidden, nVisible, 1, v, nVisible, weights, nVisible, 0, pre, nHidden, gemmWorkspace(workspace));
  const hiddenRowBytes = <usize>nHidden << 2;
  for (let r = 0; r < rows; r++) {
    const row = pre + <usize>r * hiddenRowBytes;
    addInto(row, hiddenBias, nHidden);
    const visibleRow = v + <usize>r * (<usize>nVisible << 2);
    store<f64>(out + (<usize>r << 3), visibleEnergy(visibleRow, visibleBias, nVisible, gaussian) - softplusSum(row, nHidden));
  }
}

/**
 * scikit-learn's pseudo-likelihood terms for Bernoulli visible units: for row r, flip unit
 * i = flips[r] (v_i → 1 − v_i) and write nVisible · log σ(F(ṽ) − F(v)) to out[r] (f64).
 * Flipping one unit moves the hidden inputs by δ·W[:, i], so no second product is needed.
 * `pre` holds rows × nHidden floats.
 */
export function rbmPseudoLikelihood(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  weights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  flips: usize,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  gemm(0, 1, rows, nHidden, nVisible, 1, v, nVisible, weights, nVisible, 0, pre, nHidden, gemmWorkspace(workspace));
  const hiddenRowBytes = <usize>nHidden << 2;
  const weightRowBytes = <usize>nVisible << 2;
  for (let r = 0; r < rows; r++) {
    const row = pre + <usize>r * hiddenRowBytes;
    addInto(row, hiddenBias, nHidden);
    const i = load<i32>(flips + (<usize>r << 2));
    const vi = load<f32>(v + <usize>r * weightRowBytes + (<usize>i << 2));
    const delta: f32 = 1 - 2 * vi;
    // F(ṽ) − F(v) = −b_i·δ − Σ_j [softplus(pre_j + δ·W_ji) − softplus(pre_j)]
    let gap = -<f64>load<f32>(visibleBias + (<usize>i << 2)) * <f64>delta;
    for (let j = 0; j < nHidden; j++) {
      const x = load<f32>(row + (<usize>j << 2));
      const flipped = x + delta * load<f32>(weights + <usize>j * weightRowBytes + (<usize>i << 2));
      const pair = softplusLanes(f32x4.replace_lane(f32x4.splat(x), 1, flipped));
      gap -= <f64>f32x4.extract_lane(pair, 1) - <f64>f32x4.extract_lane(pair, 0);
    }
    // log σ(g) = −softplus(−g), in f64
    const logSigmoid = gap >= 0 ? -Math.log1p(Math.exp(-gap)) : gap - Math.log1p(Math.exp(gap));
    store<f64>(out + (<usize>r << 3), <f64>nVisible * logSigmoid);
  }
}

/** Σ (a[i] − b[i])² over n floats, in f64. */
export function rbmSquaredError(a: usize, b: usize, n: i32): f64 {
  let sum = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const x = v128.load(a + offset);
    const y = v128.load(b + offset);
    const low = f64x2.sub(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y));
    const high = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1)));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(a + (<usize>i << 2)) - <f64>load<f32>(b + (<usize>i << 2));
    total += d * d;
  }
  return total;
}
