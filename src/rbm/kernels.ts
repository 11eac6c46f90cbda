import { wasmExports } from '../runtime/index.js';

/** The exports of assembly/rbm.ts (pointers are byte offsets into wasm memory). */
export interface RbmKernels {
  rbmWorkspaceBytes(rows: number, nVisible: number, nHidden: number): number;
  rbmPackedWeightsLength(nHidden: number, nVisible: number): number;
  rbmPackWeights(weights: number, nHidden: number, nVisible: number, packed: number): void;
  rbmUnpackWeights(packed: number, nHidden: number, nVisible: number, weights: number): void;
  rbmPackedStripsLength(nHidden: number, nVisible: number): number;
  rbmPackStrips(weights: number, nHidden: number, nVisible: number, packed: number): void;
  rbmHiddenStep(
    v: number,
    rows: number,
    nVisible: number,
    nHidden: number,
    packedWeights: number,
    hiddenBias: number,
    sign: number,
    probabilities: number,
    active: number,
    counts: number,
    key0: number,
    key1: number,
    blockLo: number,
    blockHi: number,
    workspace: number,
  ): void;
  rbmVisibleStep(
    active: number,
    counts: number,
    rows: number,
    nHidden: number,
    nVisible: number,
    packedStrips: number,
    visibleBias: number,
    gaussian: number,
    sample: number,
    out: number,
    key0: number,
    key1: number,
    blockLo: number,
    blockHi: number,
    workspace: number,
  ): void;
  rbmVisibleMean(
    h: number,
    rows: number,
    nHidden: number,
    nVisible: number,
    weights: number,
    visibleBias: number,
    gaussian: number,
    out: number,
    workspace: number,
  ): void;
  rbmUpdate(
    hidden: number,
    visible: number,
    rows: number,
    nHidden: number,
    nVisible: number,
    packedWeights: number,
    packedStrips: number,
    visibleBias: number,
    hiddenBias: number,
    weightVelocity: number,
    visibleVelocity: number,
    hiddenVelocity: number,
    learningRate: number,
    momentum: number,
    weightDecay: number,
    sparsityTarget: number,
    sparsityCost: number,
    sparsityDecay: number,
    hiddenMeans: number,
    sparseRows: number,
    workspace: number,
  ): void;
  rbmFreeEnergy(
    v: number,
    rows: number,
    nVisible: number,
    nHidden: number,
    packedWeights: number,
    visibleBias: number,
    hiddenBias: number,
    gaussian: number,
    pre: number,
    out: number,
    workspace: number,
  ): void;
  rbmPseudoLikelihood(
    v: number,
    rows: number,
    nVisible: number,
    nHidden: number,
    weights: number,
    packedWeights: number,
    visibleBias: number,
    hiddenBias: number,
    flips: number,
    pre: number,
    out: number,
    workspace: number,
  ): void;
  rbmSquaredError(a: number, b: number, n: number): number;
  rbmLogPartition(rows: number, enumBias: number, otherBias: number, units: number, otherSize: number, gaussianOther: number, input: number): number;
}

export function rbmKernels(): RbmKernels {
  return wasmExports();
}

/** The Philox block index `block` (< 2^53) as the kernels' (lo, hi) pair of u32 arguments. */
export function blockWords(block: number): [lo: number, hi: number] {
  return [block % 2 ** 32, Math.floor(block / 2 ** 32)];
}
