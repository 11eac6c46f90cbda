// The hidden half-step: P(h | v) = σ(v·Wᵀ + c) (the products of rbm/products.ts), and binary
// samples of it as active lists.
//
// Binary hidden states are kept as lists of active units, not as 0/1 floats: the visible half-step
// then adds only the rows of W whose unit is on, instead of a dense product with a 0/1 matrix.
// A list holds, for each active unit j, the byte offset j·64 of W[j, strip] in a strip of W
// packed by rbmPackStrips; row r's list starts at active + r·nHidden·4 and its length is
// counts[r] (i32). Every row draws from its own Philox blocks (rbm/common.ts), so a batch may be
// split into blocks of rows, one per thread, without changing a bit.
import { philoxWords16 } from './philox';
import { sigmoidLanes } from './simd-math';
import { STRIP, STRIP_BYTES, TAIL_BIAS_OFFSET, TAIL_IN_OFFSET, TAIL_OUT_OFFSET, WORDS_OFFSET, bernoulliMask, loadTail, rowBlock } from './rbm/common';
import { hiddenInputs } from './rbm/products';

/** Appends the active units of one strip (bit l of `mask` = unit first + l) as offsets into packed strips. */
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
 * W comes packed by rbmPackWeights. `probabilities` must not alias v.
 */
export function rbmHiddenStep(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  packedWeights: usize,
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
  hiddenInputs(v, rows, nVisible, nHidden, packedWeights, probabilities, workspace);
  const words = workspace + WORDS_OFFSET;
  const tailIn = workspace + TAIL_IN_OFFSET;
  const tailBias = workspace + TAIL_BIAS_OFFSET;
  const tailOut = workspace + TAIL_OUT_OFFSET;
  const signLanes = f32x4.splat(sign);
  const base = (<u64>blockHi << 32) | blockLo;
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
      count = appendActive(list, count, j, mask);
    }
    if (tail > 0) {
      const offset = <usize>fullEnd << 2;
      loadTail(tailIn, row + offset, tail);
      if (active != 0) philoxWords16(words, k0, k1, <u32>(block + (fullEnd >> 2)), <u32>((block + (fullEnd >> 2)) >>> 32), 0);
      const mask = hiddenStrip(tailIn, tailBias, tailOut, signLanes, active != 0 ? words : 0);
      memory.copy(row + offset, tailOut, <usize>tail << 2);
      count = appendActive(list, count, fullEnd, mask & ((1 << tail) - 1));
    }
    if (active != 0) store<i32>(counts + (<usize>r << 2), count);
  }
}
