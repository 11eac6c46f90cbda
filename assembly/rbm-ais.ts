// Annealed importance sampling of an RBM's partition function (Salakhutdinov & Murray 2008).
//
// Each run anneals from a base model A (W = 0, visible biases a, hidden biases 0) to the RBM B
// (W, b, c) through the joint distributions p_k(v, h) ∝ exp(a·v + β_k·[(b − a)·v + c·h + hᵀWv]),
// whose visible marginals are
//   p*_k(v) = exp(a·v + β_k·(b − a)·v) · Π_j (1 + exp(β_k·x_j)),  x = W·v + c,
// and Z_0 = 2^nHidden · Π_i (1 + e^{a_i}). The log-weight of a run is
//   Σ_{k=1}^{K−1} log p*_k(v_k) − log p*_{k−1}(v_k),
// with v_1 ~ p_0 and v_{k+1} drawn from v_k by one Gibbs step (h, then v) at β_k.
//
// Every random word of run r at step k comes from the Philox blocks r·blocksPerRun + … of
// substream k (the first hidden, then the visible states), whichever thread runs it and however
// the steps are cut into calls: a split over threads or calls changes no bit.
import { philoxWords16 } from './philox';
import { expLanes, log1pUnitLanes, sigmoidLanes } from './simd-math';
import { SCRATCH_BYTES, STRIP, STRIP_BYTES, TAIL_BIAS_OFFSET, TAIL_IN_OFFSET, TAIL_OUT_OFFSET, WORDS_OFFSET, bernoulliMask, loadTail, sampleLanes, touch } from './rbm/common';
import { hiddenInputs, hiddenProductBytes } from './rbm/products';

/** Where the runs' hidden inputs, active lists and counts start in a workspace: after the hidden product's scratch. */
// @ts-ignore: decorator
@inline function runScratch(runs: i32, nVisible: i32): usize {
  return (SCRATCH_BYTES + hiddenProductBytes(runs, nVisible) + 63) & ~(<usize>63);
}

/**
 * Bytes of workspace rbmAisSteps needs for `runs` runs: the hidden product's scratch, then W·v
 * (runs × nHidden f32), the active lists (runs × nHidden i32) and their counts (runs i32).
 */
export function rbmAisWorkspaceBytes(runs: i32, nVisible: i32, nHidden: i32): usize {
  return runScratch(runs, nVisible) + (<usize>runs * <usize>nHidden << 3) + (<usize>runs << 2);
}

/** Philox blocks of one part (hidden or visible) of a run's draws at one step: 4 per strip of 16 units. */
// @ts-ignore: decorator
@inline function partBlocks(units: i32): u64 {
  return <u64>(((units + STRIP - 1) / STRIP) * 4);
}

/** Philox blocks one run draws per step: its hidden states, then its visible states. */
// @ts-ignore: decorator
@inline function blocksPerRunOf(nHidden: i32, nVisible: i32): u64 {
  return partBlocks(nHidden) + partBlocks(nVisible);
}

/** log1p(e^−|y|) per lane: softplus(y) less max(y, 0). */
// @ts-ignore: decorator
@inline function softplusTail(e: v128): v128 {
  return log1pUnitLanes(e);
}

/** Appends the active units of one strip (bit l of `mask` = unit first + l) as byte offsets into a strip of packed W. */
// @ts-ignore: decorator
@inline function appendActive(list: usize, count: i32, first: i32, mask: i32): i32 {
  while (mask != 0) {
    store<i32>(list + (<usize>count << 2), (first + ctz(mask)) * <i32>STRIP_BYTES);
    count++;
    mask &= mask - 1;
  }
  return count;
}

/**
 * One strip of 4 lanes of x = W·v + c: adds the tails log1p(e^−|βx|) − log1p(e^−|β'x|) to
 * `tails` and max(x, 0) to `positive` (the softplus difference is (β − β')·max(x, 0) plus the
 * tails, which keeps f32 accuracy however close β and β' are); returns σ(βx).
 */
// @ts-ignore: decorator
@inline function hiddenLanes(x: v128, beta: v128, previous: v128): v128 {
  const y = f32x4.mul(x, beta);
  const e = expLanes(f32x4.neg(f32x4.abs(y)));
  const ePrevious = expLanes(f32x4.neg(f32x4.abs(f32x4.mul(x, previous))));
  laneTails = f32x4.add(laneTails, f32x4.sub(softplusTail(e), softplusTail(ePrevious)));
  lanePositive = f32x4.add(lanePositive, f32x4.pmax(x, f32x4.splat(0)));
  // σ(y) = 1/(1 + e) for y ≥ 0, e/(1 + e) below, with e = e^−|y| already at hand.
  return f32x4.div(v128.bitselect(f32x4.splat(1), e, f32x4.ge(y, f32x4.splat(0))), f32x4.add(e, f32x4.splat(1)));
}

// Per-row sums of hiddenLanes (AssemblyScript has no multi-value returns).
let laneTails: v128 = f32x4.splat(0);
let lanePositive: v128 = f32x4.splat(0);

// @ts-ignore: decorator
@inline function laneSum(x: v128): f64 {
  return <f64>f32x4.extract_lane(x, 0) + <f64>f32x4.extract_lane(x, 1) + <f64>f32x4.extract_lane(x, 2) + <f64>f32x4.extract_lane(x, 3);
}

/** shift·v over n floats, in f64 (v holds 0/1 states). */
function dot(shift: usize, v: usize, n: i32): f64 {
  let sum = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) sum = f32x4.add(sum, f32x4.mul(v128.load(shift + (<usize>i << 2)), v128.load(v + (<usize>i << 2))));
  let total = laneSum(sum);
  for (; i < n; i++) total += <f64>(load<f32>(shift + (<usize>i << 2)) * load<f32>(v + (<usize>i << 2)));
  return total;
}

/**
 * The hidden half of step k for every run: adds log p*_k(v) − log p*_{k−1}(v) to each run's
 * log-weight (f64) and, when `sample` ≠ 0, draws h ~ p_k(h | v) into active lists. `pre` holds
 * W·v (rows × nHidden floats) and becomes x = W·v + c.
 */
function hiddenHalf(
  states: usize,
  runs: i32,
  nVisible: i32,
  nHidden: i32,
  hiddenBias: usize,
  biasShift: usize,
  beta: f32,
  previous: f32,
  sample: i32,
  step: u32,
  logWeights: usize,
  pre: usize,
  active: usize,
  counts: usize,
  blockBase: u64,
  blocksPerRun: u64,
  k0: u32,
  k1: u32,
  workspace: usize,
): void {
  const words = workspace + WORDS_OFFSET;
  const tailIn = workspace + TAIL_IN_OFFSET;
  const tailBias = workspace + TAIL_BIAS_OFFSET;
  const betaLanes = f32x4.splat(beta);
  const previousLanes = f32x4.splat(previous);
  const deltaBeta = <f64>(beta - previous); // exact: adjacent f32 temperatures (Sterbenz)
  const fullEnd = nHidden & ~(STRIP - 1);
  const tail = nHidden - fullEnd;
  if (tail > 0) loadTail(tailBias, hiddenBias + (<usize>fullEnd << 2), tail);
  for (let r = 0; r < runs; r++) {
    const row = pre + <usize>r * (<usize>nHidden << 2);
    const list = active + <usize>r * (<usize>nHidden << 2);
    const block = blockBase + <u64>r * blocksPerRun;
    laneTails = f32x4.splat(0);
    lanePositive = f32x4.splat(0);
    let count = 0;
    for (let j = 0; j <= fullEnd; j += STRIP) {
      if (j == fullEnd && tail == 0) break;
      const partial = j == fullEnd;
      let x = row + (<usize>j << 2);
      let bias = hiddenBias + (<usize>j << 2);
      if (partial) {
        // Padded lanes hold x = 0, whose terms cancel exactly; their samples are masked off.
        loadTail(tailIn, x, tail);
        x = tailIn;
        bias = tailBias;
      }
      const x0 = f32x4.add(v128.load(x), v128.load(bias));
      const x1 = f32x4.add(v128.load(x, 16), v128.load(bias, 16));
      const x2 = f32x4.add(v128.load(x, 32), v128.load(bias, 32));
      const x3 = f32x4.add(v128.load(x, 48), v128.load(bias, 48));
      const p0 = hiddenLanes(x0, betaLanes, previousLanes);
      const p1 = hiddenLanes(x1, betaLanes, previousLanes);
      const p2 = hiddenLanes(x2, betaLanes, previousLanes);
      const p3 = hiddenLanes(x3, betaLanes, previousLanes);
      if (sample != 0) {
        const at = block + <u64>(j >> 2);
        philoxWords16(words, k0, k1, <u32>at, <u32>(at >>> 32), step);
        let mask = bernoulliMask(words, p0, p1, p2, p3);
        if (partial) mask &= (1 << tail) - 1;
        count = appendActive(list, count, j, mask);
      }
    }
    if (sample != 0) store<i32>(counts + (<usize>r << 2), count);
    const visibleTerm = deltaBeta * dot(biasShift, states + <usize>r * (<usize>nVisible << 2), nVisible);
    const increment = deltaBeta * laneSum(lanePositive) + laneSum(laneTails) + visibleTerm;
    const at = logWeights + (<usize>r << 3);
    store<f64>(at, load<f64>(at) + increment);
  }
}

/**
 * The visible half of a step at temperature β: v ~ σ(a + β·((b − a) + Wᵀh)) for every run, from
 * the active lists of h (counts of 0 give the base model's v ~ σ(a) at β = 0). Strip by strip,
 * as rbmVisibleStep: each strip of W stays in L1 while every run's list walks it.
 */
function visibleHalf(
  states: usize,
  runs: i32,
  nVisible: i32,
  nHidden: i32,
  packedStrips: usize,
  baseBias: usize,
  biasShift: usize,
  beta: f32,
  step: u32,
  active: usize,
  counts: usize,
  blockBase: u64,
  blocksPerRun: u64,
  hiddenBlocks: u64,
  k0: u32,
  k1: u32,
  workspace: usize,
): void {
  const words = workspace + WORDS_OFFSET;
  const tailShift = workspace + TAIL_IN_OFFSET;
  const tailBase = workspace + TAIL_BIAS_OFFSET;
  const tailOut = workspace + TAIL_OUT_OFFSET;
  const betaLanes = f32x4.splat(beta);
  const listBytes = <usize>nHidden << 2;
  const rowBytes = <usize>nVisible << 2;
  const stripBytes = <usize>nHidden * STRIP_BYTES;
  for (let s = 0; s < nVisible; s += STRIP) {
    const strip = packedStrips + <usize>(s / STRIP) * stripBytes;
    touch(strip, stripBytes, tailOut);
    const width = min(STRIP, nVisible - s);
    let base = baseBias + (<usize>s << 2);
    let shift = biasShift + (<usize>s << 2);
    if (width < STRIP) {
      loadTail(tailBase, base, width);
      loadTail(tailShift, shift, width);
      base = tailBase;
      shift = tailShift;
    }
    const a0 = v128.load(base);
    const a1 = v128.load(base, 16);
    const a2 = v128.load(base, 32);
    const a3 = v128.load(base, 48);
    const d0 = v128.load(shift);
    const d1 = v128.load(shift, 16);
    const d2 = v128.load(shift, 32);
    const d3 = v128.load(shift, 48);
    for (let r = 0; r < runs; r++) {
      let x0 = d0;
      let x1 = d1;
      let x2 = d2;
      let x3 = d3;
      let entry = active + <usize>r * listBytes;
      const end = entry + (<usize>load<i32>(counts + (<usize>r << 2)) << 2);
      for (; entry < end; entry += 4) {
        const w = strip + <usize>load<i32>(entry);
        x0 = f32x4.add(x0, v128.load(w));
        x1 = f32x4.add(x1, v128.load(w, 16));
        x2 = f32x4.add(x2, v128.load(w, 32));
        x3 = f32x4.add(x3, v128.load(w, 48));
      }
      const at = blockBase + <u64>r * blocksPerRun + hiddenBlocks + <u64>(s >> 2);
      philoxWords16(words, k0, k1, <u32>at, <u32>(at >>> 32), step);
      const target = width == STRIP ? states + <usize>r * rowBytes + (<usize>s << 2) : tailOut;
      v128.store(target, sampleLanes(words, 0, sigmoidLanes(f32x4.add(a0, f32x4.mul(betaLanes, x0)))));
      v128.store(target, sampleLanes(words, 16, sigmoidLanes(f32x4.add(a1, f32x4.mul(betaLanes, x1)))), 16);
      v128.store(target, sampleLanes(words, 32, sigmoidLanes(f32x4.add(a2, f32x4.mul(betaLanes, x2)))), 32);
      v128.store(target, sampleLanes(words, 48, sigmoidLanes(f32x4.add(a3, f32x4.mul(betaLanes, x3)))), 48);
      if (width < STRIP) memory.copy(states + <usize>r * rowBytes + (<usize>s << 2), tailOut, <usize>width << 2);
    }
  }
}

/**
 * Steps [stepFirst, stepEnd) of `runs` AIS runs over the temperatures betas[0 .. lastStep] (f32,
 * betas[0] = 0, betas[lastStep] = 1). Step 0 draws each run's first state from the base model and
 * zeroes its log-weight; step k ≥ 1 adds log p*_k(v) − log p*_{k−1}(v) at the run's state v
 * (logWeights: f64 per run), then, below lastStep, moves v by one Gibbs step at β_k.
 *
 * `states` [runs, nVisible] carries the runs' visible states between calls; runFirst is the
 * index of the first of these runs among all (its random words depend on it); W comes packed both
 * ways (rbmPackWeights, rbmPackStrips); `biases` holds a (the base model's visible biases), b − a
 * (nVisible floats each) and c (nHidden floats). `workspace` holds rbmAisWorkspaceBytes(runs,
 * nVisible, nHidden) bytes.
 */
export function rbmAisSteps(
  states: usize,
  runs: i32,
  nVisible: i32,
  nHidden: i32,
  packedWeights: usize,
  packedStrips: usize,
  biases: usize,
  betas: usize,
  stepFirst: i32,
  stepEnd: i32,
  lastStep: i32,
  logWeights: usize,
  runFirst: i32,
  k0: u32,
  k1: u32,
  workspace: usize,
): void {
  const blocksPerRun = blocksPerRunOf(nHidden, nVisible);
  const hiddenBlocks = partBlocks(nHidden);
  const blockBase = <u64>runFirst * blocksPerRun;
  const baseBias = biases;
  const biasShift = biases + (<usize>nVisible << 2);
  const hiddenBias = biases + (<usize>nVisible << 3);
  const pre = workspace + runScratch(runs, nVisible);
  const active = pre + (<usize>runs * <usize>nHidden << 2);
  const counts = active + (<usize>runs * <usize>nHidden << 2);
  for (let step = stepFirst; step < stepEnd; step++) {
    if (step == 0) {
      memory.fill(counts, 0, <usize>runs << 2);
      memory.fill(logWeights, 0, <usize>runs << 3);
      visibleHalf(states, runs, nVisible, nHidden, packedStrips, baseBias, biasShift, 0, 0, active, counts, blockBase, blocksPerRun, hiddenBlocks, k0, k1, workspace);
      continue;
    }
    const beta = load<f32>(betas + (<usize>step << 2));
    const previous = load<f32>(betas + (<usize>(step - 1) << 2));
    const moves = step < lastStep ? 1 : 0;
    hiddenInputs(states, runs, nVisible, nHidden, packedWeights, pre, workspace);
    hiddenHalf(states, runs, nVisible, nHidden, hiddenBias, biasShift, beta, previous, moves, <u32>step, logWeights, pre, active, counts, blockBase, blocksPerRun, k0, k1, workspace);
    if (moves != 0) {
      visibleHalf(states, runs, nVisible, nHidden, packedStrips, baseBias, biasShift, beta, <u32>step, active, counts, blockBase, blocksPerRun, hiddenBlocks, k0, k1, workspace);
    }
  }
}
