// What the RBM kernels share: the layout of a workspace, strips of visible units, the row blocks
// of random words, and small vector loops. Every matrix is row-major f32; W is
// [nHidden, nVisible] (PyTorch's [out, in]).
//
// Random words. A sampled matrix of `rows` × `cols` draws Philox blocks base + r·⌈cols/4⌉ + ⌊c/4⌋
// for element (r, c), word c mod 4 (a Bernoulli uses uniform01 of it; a Gaussian the Box–Muller
// value c mod 4 of that block, as in src/random.ts). Rows start on fresh blocks so that a strip of
// 16 columns is exactly one Philox lane batch, and so that any block of rows can be drawn on its
// own (by another thread) from base + first·⌈cols/4⌉. test/reference/rbm.ts draws the same words.
import { uniform01Lanes } from '../philox';
import { softplusLanes } from '../simd-math';

/** Columns per strip: four f32x4 vectors, which one Philox lane batch (4 blocks) covers. */
export const STRIP: i32 = 16;
export const STRIP_BYTES: usize = 64;
// Scratch at the start of every workspace: random words, and zero-padded copies of a partial strip.
export const WORDS_OFFSET: usize = 0;
export const TAIL_IN_OFFSET: usize = 64;
export const TAIL_BIAS_OFFSET: usize = 128;
export const TAIL_OUT_OFFSET: usize = 192;
export const TILE_OFFSET: usize = 256;
export const SCRATCH_BYTES: usize = 384;

// @ts-ignore: decorator
@inline export function productScratch(workspace: usize): usize {
  return workspace + SCRATCH_BYTES;
}

/** The first Philox block of row `row` of a draw of `cols` columns that starts at block `base`. */
// @ts-ignore: decorator
@inline export function rowBlock(base: u64, row: i32, cols: i32): u64 {
  return base + <u64>row * <u64>((cols + 3) >> 2);
}

/** Copies `count` floats (< STRIP) to a zero-padded strip at dst, so partial strips reuse the SIMD path. */
export function loadTail(dst: usize, src: usize, count: i32): void {
  memory.fill(dst, 0, STRIP_BYTES);
  memory.copy(dst, src, <usize>count << 2);
}

/** 16-bit mask of the strip's lanes where uniform01(word) < p, from words already stored at `words`. */
// @ts-ignore: decorator
@inline export function bernoulliMask(words: usize, p0: v128, p1: v128, p2: v128, p3: v128): i32 {
  return (
    i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words)), p0)) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 16)), p1)) << 4) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 32)), p2)) << 8) |
    (i32x4.bitmask(f32x4.lt(uniform01Lanes(v128.load(words, 48)), p3)) << 12)
  );
}

// @ts-ignore: decorator
@inline export function sampleLanes(words: usize, offset: usize, p: v128): v128 {
  return v128.and(f32x4.lt(uniform01Lanes(v128.load(words + offset)), p), f32x4.splat(1));
}

/**
 * Reads `bytes` at `from` in order, one load per 64-byte line, so that the hardware prefetcher
 * brings them in as a stream before a product gathers from them in an order it cannot predict
 * (each gathered line would otherwise wait for its own miss). Returns a value to keep the loads.
 */
export function touch(from: usize, bytes: usize, sink: usize): void {
  let x = f32x4.splat(0);
  const end = from + bytes;
  for (; from < end; from += 64) x = v128.or(x, v128.load(from));
  v128.store(sink, x);
}

/** dst[c] += scale · Σ_r src[r, c] over `rows` rows of `cols` columns. */
export function addColumnSums(src: usize, rows: i32, cols: i32, scale: f32, dst: usize): void {
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
export function scale(x: usize, n: i32, factor: f32): void {
  const factorLanes = f32x4.splat(factor);
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(x + (<usize>i << 2), f32x4.mul(v128.load(x + (<usize>i << 2)), factorLanes));
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * factor);
}

/** x[i] += y[i] over n floats. */
export function addInto(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(x + offset, f32x4.add(v128.load(x + offset), v128.load(y + offset)));
  }
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) + load<f32>(y + (<usize>i << 2)));
}

/** x[i] −= y[i] over n floats. */
export function subtractFrom(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(x + offset, f32x4.sub(v128.load(x + offset), v128.load(y + offset)));
  }
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - load<f32>(y + (<usize>i << 2)));
}

/** Σ softplus(x[j]) over n floats, summed in f64. */
export function softplusSum(x: usize, n: i32): f64 {
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
