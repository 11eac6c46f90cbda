// The visible half-step: from binary hidden states (active lists, see rbm-hidden.ts) to visible
// probabilities, means or samples; and the mean-field units from dense hidden values. Rows are
// independent (each draws from its own Philox blocks), so a batch may be split by rows over
// threads without changing a bit.
import { cosLanes, philoxBatch, philoxWord0, philoxWord1, philoxWord2, philoxWord3, philoxWords16, radiusLanes, sinLanes, storeTransposed } from './philox';
import { sigmoidLanes } from './simd-math';
import { STRIP, STRIP_BYTES, TAIL_BIAS_OFFSET, TAIL_OUT_OFFSET, WORDS_OFFSET, loadTail, rowBlock, sampleLanes, touch } from './rbm/common';

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
 * W comes packed by rbmPackStrips; each strip (nHidden × 64 bytes) stays in L1 while every row's
 * list walks it. Bernoulli units write σ(x), or a 0/1 sample of it when `sample` ≠ 0; Gaussian
 * units write x, or x + N(0, 1).
 */
export function rbmVisibleStep(
  active: usize,
  counts: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  packedStrips: usize,
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
  const tailBias = workspace + TAIL_BIAS_OFFSET;
  const tailOut = workspace + TAIL_OUT_OFFSET;
  const base = (<u64>blockHi << 32) | blockLo;
  const listBytes = <usize>nHidden << 2;
  const outRowBytes = <usize>nVisible << 2;
  const stripBytes = <usize>nHidden * STRIP_BYTES;
  for (let s = 0; s < nVisible; s += STRIP) {
    const strip = packedStrips + <usize>(s / STRIP) * stripBytes;
    touch(strip, stripBytes, tailOut);
    const width = min(STRIP, nVisible - s);
    // A partial last strip reads a zero-padded copy of its biases and writes through tailOut.
    let bias = visibleBias + (<usize>s << 2);
    if (width < STRIP) {
      loadTail(tailBias, bias, width);
      bias = tailBias;
    }
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
      const target = out + <usize>r * outRowBytes + (<usize>s << 2);
      if (width == STRIP) visibleStrip(x0, x1, x2, x3, gaussian, sample, k0, k1, block, words, target);
      else {
        visibleStrip(x0, x1, x2, x3, gaussian, sample, k0, k1, block, words, tailOut);
        memory.copy(target, tailOut, <usize>width << 2);
      }
    }
  }
}

/**
 * The mean-field visible units from their total inputs less the bias, x = h·W (a GEMM), in place:
 * σ(x + b) for Bernoulli units, x + b for Gaussian ones.
 */
export function rbmVisibleMeans(x: usize, rows: i32, nVisible: i32, visibleBias: usize, gaussian: i32): void {
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * (<usize>nVisible << 2);
    let c = 0;
    for (; c + 4 <= nVisible; c += 4) {
      const offset = <usize>c << 2;
      const sum = f32x4.add(v128.load(row + offset), v128.load(visibleBias + offset));
      v128.store(row + offset, gaussian != 0 ? sum : sigmoidLanes(sum));
    }
    for (; c < nVisible; c++) {
      const offset = <usize>c << 2;
      const sum = f32x4.splat(load<f32>(row + offset) + load<f32>(visibleBias + offset));
      store<f32>(row + offset, f32x4.extract_lane(gaussian != 0 ? sum : sigmoidLanes(sum), 0));
    }
  }
}
