// The CD/PCD parameter update with momentum, from the statistics of a batch of `rows` rows:
//   hidden [2·rows, nHidden] = [P(h|v₀); −P(h|v_k)],  visible [2·rows, nVisible] = [v₀; v_k].
// The weight gradient ⟨v₀ᵀh₀⟩ − ⟨v_kᵀh_k⟩ is then one product hiddenᵀ·visible over the
// concatenated batch, and each tile of it (4 visible × 8 hidden units) updates its weights as
// soon as it is done. W lives in its two packed layouts here (rbm-layouts.ts): the panels (read and
// written) and the strips (written), so that nothing is repacked before the next batch; W's own
// layout is not touched (rbmUnpackWeights makes it from the panels). ΔW is kept in the panels'
// layout (rbmPackedWeightsLength floats, zero to start):
//   ΔW ← momentum·ΔW + (lr/rows)·hiddenᵀ·visible − lr·weightDecay·W;  W ← W + ΔW
//   Δc ← momentum·Δc + (lr/rows)·Σ hidden;  Δb ← momentum·Δb + (lr/rows)·(Σ v₀ − Σ v_k)
// Sparsity (Hinton's practical guide §11), when sparsityCost > 0: q ← decay·q + (1 − decay)·mean P(h|v₀),
// and cost·(q − target) is subtracted from every positive-phase probability before the product,
// which moves both the hidden biases and the weights (by the visible activity) toward the target.
//
// rbmUpdateBiases runs first (it applies the sparsity penalty to `hidden`), then rbmUpdateWeights,
// which may be split into ranges of visible units, one per thread: each weight's sum and step
// depend only on its own tile (rbm/statistics.ts). Ranges of whole strips (16 visible units) keep
// two threads from writing one cache line of the strips.
import { addColumnSums, addInto, scale } from './rbm/common';
import { updateWeights } from './rbm/statistics';

/**
 * The biases' momentum step, and the sparsity penalty (which overwrites the positive half of
 * `hidden`, so run this before rbmUpdateWeights).
 */
export function rbmUpdateBiases(
  hidden: usize,
  visible: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  visibleBias: usize,
  hiddenBias: usize,
  visibleVelocity: usize,
  hiddenVelocity: usize,
  learningRate: f32,
  momentum: f32,
  sparsityTarget: f32,
  sparsityCost: f32,
  sparsityDecay: f32,
  hiddenMeans: usize,
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
  scale(hiddenVelocity, nHidden, momentum);
  addColumnSums(hidden, 2 * rows, nHidden, step, hiddenVelocity);
  addInto(hiddenBias, hiddenVelocity, nHidden);
  scale(visibleVelocity, nVisible, momentum);
  addColumnSums(visible, rows, nVisible, step, visibleVelocity);
  addColumnSums(visible + <usize>rows * (<usize>nVisible << 2), rows, nVisible, -step, visibleVelocity);
  addInto(visibleBias, visibleVelocity, nVisible);
}

/**
 * The weights' momentum step for visible units [4·quadFirst, min(4·quadEnd, nVisible)), all
 * hidden units. The first `sparseRows` rows of `visible` (binary or mostly-zero data) are scanned
 * for zeros to skip; the rest are used densely.
 */
export function rbmUpdateWeights(
  hidden: usize,
  visible: usize,
  rows: i32,
  sparseRows: i32,
  nHidden: i32,
  nVisible: i32,
  learningRate: f32,
  momentum: f32,
  weightDecay: f32,
  weightVelocity: usize,
  packedWeights: usize,
  packedStrips: usize,
  quadFirst: i32,
  quadEnd: i32,
  workspace: usize,
): void {
  const gain = learningRate / <f32>rows;
  const decay = learningRate * weightDecay;
  const quads = min(quadEnd, (nVisible + 3) >> 2);
  updateWeights(hidden, visible, 2 * rows, sparseRows, nHidden, nVisible, gain, momentum, decay, weightVelocity, packedWeights, packedStrips, quadFirst, quads, workspace);
}

