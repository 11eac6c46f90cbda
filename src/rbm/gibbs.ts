/*
 * The RBM's kernel calls, each on pointers into wasm memory and split over threads by
 * parallel.ts: the Gibbs half-steps, the CD update, and the per-row monitoring sums.
 */
import { gemmInto } from '../ops/gemm.js';
import { splitBlockIndex, type Rng } from '../random.js';
import { kernels } from '../runtime/index.js';
import type { KernelWorkspaces } from './buffers.js';
import type { StepSettings, VisibleUnits } from './options.js';
import { runSplit, splitRange, type Block, type SplitArgs, type SplitKernel } from './parallel.js';
import type { Parameters } from './parameters.js';
import type { TrainingState } from './state.js';

/** Where a hidden half-step's binary samples go (active lists and their counts), and the stream they come from. */
export interface HiddenSample {
  rng: Rng;
  active: number;
  counts: number;
}

/** Rows per block of a row-split call: the register tile's height. */
const ROW_ALIGN = 4;
/** Visible quads per block of a split update: one strip of 16 units (assembly/rbm-update.ts). */
const QUAD_ALIGN = 4;

export class Gibbs {
  readonly nVisible: number;
  readonly nHidden: number;
  private readonly gaussian: number;

  constructor(
    readonly params: Parameters,
    visible: VisibleUnits,
  ) {
    this.nVisible = params.nVisible;
    this.nHidden = params.nHidden;
    this.gaussian = visible === 'gaussian' ? 1 : 0;
  }

  /**
   * P(h | v) for `rows` rows at v into `probabilities` (times `sign`), and, with `sample`, binary
   * hidden states drawn from it into sample's active lists.
   */
  hidden(v: number, rows: number, sign: number, probabilities: number, workspaces: KernelWorkspaces, sample: HiddenSample | null): void {
    const { nVisible: nV, nHidden: nH } = this;
    const base = sample ? sample.rng.takeBlocks(rows * Math.ceil(nH / 4)) : 0;
    const { key0, key1 } = sample?.rng ?? { key0: 0, key1: 0 };
    const panels = this.params.panels();
    const hiddenBias = this.params.hiddenBias.ptr;
    this.split('rbmHiddenStep', rows, ROW_ALIGN, rows * nV * nH, workspaces, ({ first, count }, workspace) => ({
      v: v + first * nV * 4,
      rows: count,
      nVisible: nV,
      nHidden: nH,
      packedWeights: panels,
      hiddenBias,
      sign,
      probabilities: probabilities + first * nH * 4,
      active: sample ? sample.active + first * nH * 4 : 0,
      counts: sample ? sample.counts + first * 4 : 0,
      k0: key0,
      k1: key1,
      ...(sample ? splitBlockIndex(base + first * Math.ceil(nH / 4)) : { blockLo: 0, blockHi: 0 }),
      workspace,
    }));
  }

  /** The visible half-step from binary hidden states: samples drawn from `rng`, or (without) probabilities/means. */
  visible(active: number, counts: number, rows: number, out: number, workspaces: KernelWorkspaces, rng: Rng | null): void {
    const { nVisible: nV, nHidden: nH } = this;
    const base = rng ? rng.takeBlocks(rows * Math.ceil(nV / 4)) : 0;
    const strips = this.params.strips();
    const visibleBias = this.params.visibleBias.ptr;
    this.split('rbmVisibleStep', rows, ROW_ALIGN, rows * nV * nH, workspaces, ({ first, count }, workspace) => ({
      active: active + first * nH * 4,
      counts: counts + first * 4,
      rows: count,
      nHidden: nH,
      nVisible: nV,
      packedStrips: strips,
      visibleBias,
      gaussian: this.gaussian,
      sample: rng ? 1 : 0,
      out: out + first * nV * 4,
      k0: rng?.key0 ?? 0,
      k1: rng?.key1 ?? 0,
      ...(rng ? splitBlockIndex(base + first * Math.ceil(nV / 4)) : { blockLo: 0, blockHi: 0 }),
      workspace,
    }));
  }

  /** E[v | h] from dense hidden values h [rows, nHidden] into out [rows, nVisible]: a GEMM, then the units' mean. */
  visibleMeans(h: number, rows: number, out: number): void {
    const { nVisible: nV, nHidden: nH } = this;
    gemmInto(false, false, rows, nV, nH, 1, h, nH, this.params.plain(), nV, 0, out, nV);
    kernels().rbmVisibleMeans(out, rows, nV, this.params.visibleBias.ptr, this.gaussian);
  }

  /**
   * The CD/PCD update from a batch's statistics: hidden [2·rows, nHidden] = [P(h|v₀); −P(h|v_k)],
   * visible [2·rows, nVisible] = [v₀; v_k], of which the first `sparseRows` rows are worth
   * scanning for zeros. The biases first (with the sparsity penalty, which changes `hidden`), then
   * the weights, through W's packed copies.
   */
  update(hidden: number, visible: number, rows: number, sparseRows: number, s: StepSettings, state: TrainingState, workspaces: KernelWorkspaces): void {
    const { nVisible: nV, nHidden: nH } = this;
    const sparsity = s.sparsity ?? { target: 0, cost: 0, decay: 0 };
    kernels().rbmUpdateBiases({
      hidden,
      visible,
      rows,
      nHidden: nH,
      nVisible: nV,
      visibleBias: this.params.visibleBias.ptr,
      hiddenBias: this.params.hiddenBias.ptr,
      visibleVelocity: state.visibleVelocity.ptr,
      hiddenVelocity: state.hiddenVelocity.ptr,
      learningRate: s.learningRate,
      momentum: s.momentum,
      sparsityTarget: sparsity.target,
      sparsityCost: sparsity.cost,
      sparsityDecay: sparsity.decay,
      hiddenMeans: state.hiddenMeans.ptr,
    });
    const { panels, strips } = this.params.forUpdate();
    const weightVelocity = state.weightVelocity.ptr;
    const quads = Math.ceil(nV / 4);
    this.split('rbmUpdateWeights', quads, QUAD_ALIGN, 2 * rows * nV * nH, workspaces, ({ first, count }, workspace) => ({
      hidden,
      visible,
      rows,
      sparseRows,
      nHidden: nH,
      nVisible: nV,
      learningRate: s.learningRate,
      momentum: s.momentum,
      weightDecay: s.weightDecay,
      weightVelocity,
      packedWeights: panels,
      packedStrips: strips,
      quadFirst: first,
      quadEnd: first + count,
      workspace,
    }));
  }

  /** F(v) of `rows` rows at v into out (f64 per row); `pre` holds rows × nHidden floats. */
  freeEnergies(v: number, rows: number, pre: number, out: number, workspaces: KernelWorkspaces): void {
    const { nVisible: nV, nHidden: nH } = this;
    const panels = this.params.panels();
    const { visibleBias, hiddenBias } = this.params;
    this.split('rbmFreeEnergy', rows, ROW_ALIGN, rows * nV * nH, workspaces, ({ first, count }, workspace) => ({
      v: v + first * nV * 4,
      rows: count,
      nVisible: nV,
      nHidden: nH,
      packedWeights: panels,
      visibleBias: visibleBias.ptr,
      hiddenBias: hiddenBias.ptr,
      gaussian: this.gaussian,
      pre: pre + first * nH * 4,
      out: out + first * 8,
      workspace,
    }));
  }

  /** scikit-learn's pseudo-likelihood terms of `rows` rows, flipping unit flips[r] (i32) of row r, into out (f64 per row). */
  pseudoLikelihoods(v: number, rows: number, flips: number, pre: number, out: number, workspaces: KernelWorkspaces): void {
    const { nVisible: nV, nHidden: nH } = this;
    const plain = this.params.plain();
    const panels = this.params.panels();
    const { visibleBias, hiddenBias } = this.params;
    this.split('rbmPseudoLikelihood', rows, ROW_ALIGN, rows * nV * nH, workspaces, ({ first, count }, workspace) => ({
      v: v + first * nV * 4,
      rows: count,
      nVisible: nV,
      nHidden: nH,
      weights: plain,
      packedWeights: panels,
      visibleBias: visibleBias.ptr,
      hiddenBias: hiddenBias.ptr,
      flips: flips + first * 4,
      pre: pre + first * nH * 4,
      out: out + first * 8,
      workspace,
    }));
  }

  /** Splits [0, total) into blocks and runs `name` on each with its own workspace. */
  private split<K extends SplitKernel>(
    name: K,
    total: number,
    align: number,
    work: number,
    workspaces: KernelWorkspaces,
    args: (block: Block, workspace: number) => SplitArgs<K>,
  ): void {
    const blocks = splitRange(total, align, work);
    const spaces = workspaces.take(blocks.length);
    runSplit(name, blocks.map((block, i) => args(block, spaces[i])));
  }
}
