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
// A list holds, for each active unit j, the byte offset j·64 of W[j, strip] in a strip of W
// packed by rbmPackStrips; row r's list starts at active + r·nHidden·4 and its length is
// counts[r] (i32).
import { gemm, gemmWorkspaceBytes } from './gemm';
import {
  cosLanes,
  philoxBatch,
  philoxWord0,
  philoxWord1,
  philoxWord2,
  philoxWord3,
  philoxWords16,
  radiusLanes,
  sinLanes,
  storeTransposed,
  uniform01Lanes,
} from './philox';
import { sigmoidLanes, softplusLanes } from './simd-math';

/** Columns per strip: four f32x4 vectors, which one Philox lane batch (4 blocks) covers. */
const STRIP: i32 = 16;
const STRIP_BYTES: usize = 64;
// Scratch at the start of every workspace: random words, and zero-padded copies of a partial strip.
const WORDS_OFFSET: usize = 0;
const TAIL_IN_OFFSET: usize = 64;
const TAIL_BIAS_OFFSET: usize = 128;
const TAIL_OUT_OFFSET: usize = 192;
const TILE_OFFSET: usize = 256;
const SCRATCH_BYTES: usize = 384;

/** Bytes of workspace that every kernel below needs for up to `rows` rows (64-byte aligned). */
export function rbmWorkspaceBytes(rows: i32, nVisible: i32, nHidden: i32): usize {
  const depth = <usize>(2 * rows);
  const grouped = <usize>hiddenGroups(rows) * ((<usize>nVisible << 4) + (<usize>nVisible << 2) + 4);
  const byRow = <usize>min(rows, HIDDEN_BLOCK_ROWS) * ((<usize>nVisible << 3) + 4);
  const hiddenProduct = max(grouped, byRow);
  const statistics = statisticsBytes(<i32>depth, nVisible, nHidden);
  const visibleMean = gemmWorkspaceBytes(rows, nVisible, nHidden);
  return SCRATCH_BYTES + max(max(hiddenProduct, statistics), visibleMean);
}

// @ts-ignore: decorator
@inline function productScratch(workspace: usize): usize {
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

// --- products that skip zeros -------------------------------------------------------------------
// Training data is often mostly exact zeros (81% of MNIST's pixels), and a 4×8 register tile needs
// a depth step only when one of its operand values there is nonzero. The two products below pack
// one operand with its all-zero depth steps removed and keep each kept step's byte offset into
// the other operand, which is read at the same step. Dense operands (probabilities) keep every
// step and lose little to the indirection. Tiles are 4 × 8 as in gemm.ts (8 accumulators fit
// V8's 16 XMM registers). Mostly-zero rows of data go through the hidden product one at a time
// instead (1 × 16 tiles over the row's own nonzeros: 19% of MNIST's pixels against the 39% that
// are nonzero in some row of a group of 4).

const TILE_ROWS: i32 = 4;
const TILE_COLS: i32 = 8;

/** Floats of W packed by rbmPackWeights: panels of 8 hidden units × nVisible. */
export function rbmPackedWeightsLength(nHidden: i32, nVisible: i32): i32 {
  return ((nHidden + TILE_COLS - 1) / TILE_COLS) * TILE_COLS * nVisible;
}

/**
 * Writes 4 rows (stride `strideBytes`) of `count` floats transposed: dst + k·stepBytes gets the 4
 * rows' values at column k.
 */
function transposeRows(src: usize, strideBytes: usize, count: i32, dst: usize, stepBytes: usize): void {
  const r1 = src + strideBytes;
  const r2 = r1 + strideBytes;
  const r3 = r2 + strideBytes;
  let k = 0;
  for (; k + 4 <= count; k += 4) {
    const offset = <usize>k << 2;
    const x0 = v128.load(src + offset);
    const x1 = v128.load(r1 + offset);
    const x2 = v128.load(r2 + offset);
    const x3 = v128.load(r3 + offset);
    const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
    const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
    const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    const at = dst + <usize>k * stepBytes;
    v128.store(at, i32x4.shuffle(lo01, lo23, 0, 1, 4, 5));
    v128.store(at + stepBytes, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7));
    v128.store(at + 2 * stepBytes, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5));
    v128.store(at + 3 * stepBytes, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7));
  }
  for (; k < count; k++) {
    const offset = <usize>k << 2;
    const at = dst + <usize>k * stepBytes;
    store<f32>(at, load<f32>(src + offset));
    store<f32>(at, load<f32>(r1 + offset), 4);
    store<f32>(at, load<f32>(r2 + offset), 8);
    store<f32>(at, load<f32>(r3 + offset), 12);
  }
}

/**
 * Packs W [nHidden, nVisible] for the hidden products: panel p holds, for each visible unit i,
 * W[8p .. 8p+7, i] (zeros past nHidden), so that one tile step reads 8 weights contiguously.
 * `packed` holds rbmPackedWeightsLength floats. Repack after every change to W.
 */
export function rbmPackWeights(weights: usize, nHidden: i32, nVisible: i32, packed: usize): void {
  const rowBytes = <usize>nVisible << 2;
  const stepBytes: usize = TILE_COLS * 4;
  for (let p = 0; p < nHidden; p += TILE_COLS) {
    const panel = packed + <usize>p * rowBytes;
    if (p + TILE_COLS <= nHidden) {
      transposeRows(weights + <usize>p * rowBytes, rowBytes, nVisible, panel, stepBytes);
      transposeRows(weights + <usize>(p + 4) * rowBytes, rowBytes, nVisible, panel + 16, stepBytes);
      continue;
    }
    for (let i = 0; i < nVisible; i++) {
      for (let u = 0; u < TILE_COLS; u++) {
        const value: f32 = p + u < nHidden ? load<f32>(weights + <usize>(p + u) * rowBytes + (<usize>i << 2)) : 0;
        store<f32>(panel + <usize>i * stepBytes + (<usize>u << 2), value);
      }
    }
  }
}

/** The inverse of rbmPackWeights: W [nHidden, nVisible] from its packed panels. */
export function rbmUnpackWeights(packed: usize, nHidden: i32, nVisible: i32, weights: usize): void {
  const rowBytes = <usize>nVisible << 2;
  const stepBytes: usize = TILE_COLS * 4;
  for (let p = 0; p < nHidden; p += TILE_COLS) {
    const panel = packed + <usize>p * rowBytes;
    const rows = min(TILE_COLS, nHidden - p);
    for (let u = 0; u < rows; u++) {
      const row = weights + <usize>(p + u) * rowBytes;
      const from = panel + (<usize>u << 2);
      let i = 0;
      // 4 visible units at a time: lane k from step i + k of the panel
      for (; i + 4 <= nVisible; i += 4) {
        const at = from + <usize>i * stepBytes;
        let x = v128.load32_splat(at);
        x = v128.load32_lane(at + stepBytes, x, 1);
        x = v128.load32_lane(at + 2 * stepBytes, x, 2);
        x = v128.load32_lane(at + 3 * stepBytes, x, 3);
        v128.store(row + (<usize>i << 2), x);
      }
      for (; i < nVisible; i++) store<f32>(row + (<usize>i << 2), load<f32>(from + <usize>i * stepBytes));
    }
  }
}

/**
 * Packs the values of up to 4 rows at each depth step (missing rows read as 0), keeping only the
 * steps where some value is nonzero; steps[t] = the kept step's index · `indexBytes`. Returns the
 * number of kept steps.
 */
function packNonzeroSteps(src: usize, strideBytes: usize, rows: i32, depth: i32, packed: usize, steps: usize, indexBytes: i32): i32 {
  let kept = 0;
  const r1 = rows > 1 ? src + strideBytes : 0;
  const r2 = rows > 2 ? src + 2 * strideBytes : 0;
  const r3 = rows > 3 ? src + 3 * strideBytes : 0;
  let k = 0;
  for (; k + 4 <= depth; k += 4) {
    const offset = <usize>k << 2;
    const x0 = v128.load(src + offset);
    const x1 = r1 != 0 ? v128.load(r1 + offset) : f32x4.splat(0);
    const x2 = r2 != 0 ? v128.load(r2 + offset) : f32x4.splat(0);
    const x3 = r3 != 0 ? v128.load(r3 + offset) : f32x4.splat(0);
    const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
    const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
    const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    kept = keepStep(i32x4.shuffle(lo01, lo23, 0, 1, 4, 5), k * indexBytes, kept, packed, steps);
    kept = keepStep(i32x4.shuffle(lo01, lo23, 2, 3, 6, 7), (k + 1) * indexBytes, kept, packed, steps);
    kept = keepStep(i32x4.shuffle(hi01, hi23, 0, 1, 4, 5), (k + 2) * indexBytes, kept, packed, steps);
    kept = keepStep(i32x4.shuffle(hi01, hi23, 2, 3, 6, 7), (k + 3) * indexBytes, kept, packed, steps);
  }
  for (; k < depth; k++) {
    const offset = <usize>k << 2;
    let x = f32x4.splat(load<f32>(src + offset));
    x = f32x4.replace_lane(x, 1, r1 != 0 ? load<f32>(r1 + offset) : 0);
    x = f32x4.replace_lane(x, 2, r2 != 0 ? load<f32>(r2 + offset) : 0);
    x = f32x4.replace_lane(x, 3, r3 != 0 ? load<f32>(r3 + offset) : 0);
    kept = keepStep(x, k * indexBytes, kept, packed, steps);
  }
  return kept;
}

/** Appends one step (branch-free: it is always written, and counted only when nonzero). */
// @ts-ignore: decorator
@inline function keepStep(values: v128, index: i32, kept: i32, packed: usize, steps: usize): i32 {
  v128.store(packed + (<usize>kept << 4), values);
  store<i32>(steps + (<usize>kept << 2), index);
  return kept + <i32>v128.any_true(values);
}

/**
 * The 4×8 tile over the kept steps, the 4-value operand packed (16 bytes per step) and the 8-value
 * one read at panel + steps[t]; stored to c.
 */
function tileGatheringWide(kept: i32, narrow: usize, steps: usize, panel: usize, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const end = steps + (<usize>kept << 2);
  for (; steps < end; steps += 4) {
    const b = panel + <usize>load<i32>(steps);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let a = v128.load32_splat(narrow);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    narrow += 16;
  }
  storeTile(c, ldcBytes, c00, c01, c10, c11, c20, c21, c30, c31);
}

/** tileGatheringWide when every step is kept: both operands advance with immediate offsets. */
function tileDense(depth: i32, narrow: usize, panel: usize, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const end = narrow + (<usize>depth << 4);
  while (narrow < end) {
    const b0 = v128.load(panel);
    const b1 = v128.load(panel, 16);
    let a = v128.load32_splat(narrow);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    narrow += 16;
    panel += 32;
  }
  storeTile(c, ldcBytes, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * The statistics tile, transposed: sums for 4 visible units (rows of the tile) × 8 hidden units.
 * First `kept` steps with the 4 visible values packed (16 bytes per step) and the 8 hidden values
 * read at hiddenPanel + steps[t], then `dense` steps where both follow on contiguously (from
 * denseNarrow and denseWide). The tile's rows are then in the layout of packed W (8 hidden units of
 * one visible unit side by side), which is where the update reads and writes W and ΔW: see
 * updateTile, or, for an edge tile (`scratch` ≠ 0), the plain sums are stored to scratch.
 */
function tileStatistics(
  kept: i32,
  dense: i32,
  narrow: usize,
  steps: usize,
  hiddenPanel: usize,
  denseNarrow: usize,
  denseWide: usize,
  gain: f32,
  momentum: f32,
  decay: f32,
  packed: usize,
  velocity: usize,
  strip: usize,
  scratch: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const end = steps + (<usize>kept << 2);
  for (; steps < end; steps += 4) {
    const wide = hiddenPanel + <usize>load<i32>(steps);
    const b0 = v128.load(wide);
    const b1 = v128.load(wide, 16);
    let a = v128.load32_splat(narrow);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(narrow, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    narrow += 16;
  }
  const denseEnd = denseWide + (<usize>dense << 5);
  while (denseWide < denseEnd) {
    const b0 = v128.load(denseWide);
    const b1 = v128.load(denseWide, 16);
    let a = v128.load32_splat(denseNarrow);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load32_splat(denseNarrow, 4);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load32_splat(denseNarrow, 8);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load32_splat(denseNarrow, 12);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    denseNarrow += 16;
    denseWide += 32;
  }
  if (scratch != 0) storeTile(scratch, TILE_COLS * 4, c00, c01, c10, c11, c20, c21, c30, c31);
  else updateTile(gain, momentum, decay, packed, velocity, strip, c00, c01, c10, c11, c20, c21, c30, c31);
}

/**
 * The momentum step on a full tile: 4 visible units × 8 hidden units of packed W and ΔW (at
 * `packed`, `velocity`: 32 bytes per visible unit) from their sums s:
 *   ΔW ← momentum·ΔW + gain·s − decay·W,  W ← W + ΔW,
 * then the new W, transposed, to the visible step's strip layout (8 rows of 4 at `strip`, rows
 * 64 bytes apart). W's own layout is not written (see rbmUnpackWeights).
 */
// @ts-ignore: decorator
@inline function updateTile(
  gain: f32,
  momentum: f32,
  decay: f32,
  packed: usize,
  velocity: usize,
  strip: usize,
  s00: v128,
  s01: v128,
  s10: v128,
  s11: v128,
  s20: v128,
  s21: v128,
  s30: v128,
  s31: v128,
): void {
  const g = f32x4.splat(gain);
  const m = f32x4.splat(momentum);
  const d = f32x4.splat(decay);
  const w00 = updateLanes(packed, velocity, 0, g, m, d, s00);
  const w01 = updateLanes(packed, velocity, 16, g, m, d, s01);
  const w10 = updateLanes(packed, velocity, 32, g, m, d, s10);
  const w11 = updateLanes(packed, velocity, 48, g, m, d, s11);
  const w20 = updateLanes(packed, velocity, 64, g, m, d, s20);
  const w21 = updateLanes(packed, velocity, 80, g, m, d, s21);
  const w30 = updateLanes(packed, velocity, 96, g, m, d, s30);
  const w31 = updateLanes(packed, velocity, 112, g, m, d, s31);
  storeTransposed4(w00, w10, w20, w30, strip);
  storeTransposed4(w01, w11, w21, w31, strip + (STRIP_BYTES << 2));
}

/** The momentum step on 4 weights at packed + offset (ΔW at velocity + offset); returns the new weights. */
// @ts-ignore: decorator
@inline function updateLanes(packed: usize, velocity: usize, offset: usize, gain: v128, momentum: v128, decay: v128, sums: v128): v128 {
  const w = v128.load(packed + offset);
  const v = f32x4.sub(f32x4.add(f32x4.mul(sums, gain), f32x4.mul(v128.load(velocity + offset), momentum)), f32x4.mul(w, decay));
  const updated = f32x4.add(w, v);
  v128.store(velocity + offset, v);
  v128.store(packed + offset, updated);
  return updated;
}

/** Rows x0..x3 (4 visible units × 4 hidden units) transposed: hidden unit u's 4 values go to strip + u·64. */
// @ts-ignore: decorator
@inline function storeTransposed4(x0: v128, x1: v128, x2: v128, x3: v128, strip: usize): void {
  const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
  const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
  const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
  const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
  const y0 = i32x4.shuffle(lo01, lo23, 0, 1, 4, 5);
  const y1 = i32x4.shuffle(lo01, lo23, 2, 3, 6, 7);
  const y2 = i32x4.shuffle(hi01, hi23, 0, 1, 4, 5);
  const y3 = i32x4.shuffle(hi01, hi23, 2, 3, 6, 7);
  v128.store(strip, y0);
  v128.store(strip, y1, STRIP_BYTES);
  v128.store(strip, y2, 2 * STRIP_BYTES);
  v128.store(strip, y3, 3 * STRIP_BYTES);
}

// @ts-ignore: decorator
@inline function storeTile(
  c: usize,
  ldcBytes: usize,
  c00: v128,
  c01: v128,
  c10: v128,
  c11: v128,
  c20: v128,
  c21: v128,
  c30: v128,
  c31: v128,
): void {
  const c1 = c + ldcBytes;
  const c2 = c1 + ldcBytes;
  const c3 = c2 + ldcBytes;
  v128.store(c, c00);
  v128.store(c, c01, 16);
  v128.store(c1, c10);
  v128.store(c1, c11, 16);
  v128.store(c2, c20);
  v128.store(c2, c21, 16);
  v128.store(c3, c30);
  v128.store(c3, c31, 16);
}

/** Copies the valid rows × cols of an edge tile to c. */
function copyTile(tile: usize, rows: i32, cols: i32, c: usize, ldcBytes: usize): void {
  for (let r = 0; r < rows; r++) memory.copy(c + <usize>r * ldcBytes, tile + <usize>r * (TILE_COLS * 4), <usize>cols << 2);
}

/**
 * The momentum step (updateTile) on the valid `visibleCount` × `hiddenCount` part of an edge tile
 * of sums (4 visible × 8 hidden, 32 bytes per visible unit), one weight at a time.
 */
function updateEdge(
  tile: usize,
  visibleCount: i32,
  hiddenCount: i32,
  gain: f32,
  momentum: f32,
  decay: f32,
  packed: usize,
  velocity: usize,
  strip: usize,
): void {
  for (let k = 0; k < visibleCount; k++) {
    for (let u = 0; u < hiddenCount; u++) {
      const offset = (<usize>k << 5) + (<usize>u << 2);
      const sum = load<f32>(tile + offset);
      const w = load<f32>(packed + offset);
      const v = sum * gain + load<f32>(velocity + offset) * momentum - w * decay;
      const updated = w + v;
      store<f32>(velocity + offset, v);
      store<f32>(packed + offset, updated);
      store<f32>(strip + <usize>u * STRIP_BYTES + (<usize>k << 2), updated);
    }
  }
}

/** Rows of v whose nonzero steps hiddenInputs packs ahead, so that each panel of W is read once per block. */
const HIDDEN_BLOCK_ROWS: i32 = 128;

/** Groups of 4 rows that hiddenInputs packs at once for `rows` rows. */
// @ts-ignore: decorator
@inline function hiddenGroups(rows: i32): i32 {
  return (min(rows, HIDDEN_BLOCK_ROWS) + TILE_ROWS - 1) / TILE_ROWS;
}

/**
 * out [rows, nHidden] = v·Wᵀ from packed W, by blocks of up to 128 rows. A mostly-zero block
 * (at most a third of its values nonzero) goes one row at a time over each row's own nonzeros
 * (hiddenInputsByRow). Otherwise each group of 4 rows skips the visible units that are 0 in all
 * four: the groups of the block are packed first, then each panel of W (8 hidden units × nVisible,
 * 25 KB for 784 visible units) stays in L1 while every group's tile reads it. Both paths add the
 * same nonzero products in the same order: the bits do not depend on the path.
 */
function hiddenInputs(v: usize, rows: i32, nVisible: i32, nHidden: i32, packedWeights: usize, out: usize, workspace: usize): void {
  const groupsMax = hiddenGroups(rows);
  const groupBytes = <usize>nVisible << 4;
  const stepsBytes = <usize>nVisible << 2;
  const packed = productScratch(workspace);
  const stepsAll = packed + <usize>groupsMax * groupBytes;
  const keptAll = stepsAll + <usize>groupsMax * stepsBytes;
  const tile = workspace + TILE_OFFSET;
  const vRowBytes = <usize>nVisible << 2;
  const outRowBytes = <usize>nHidden << 2;
  const panelBytes = <usize>nVisible * (TILE_COLS * 4);
  for (let first = 0; first < rows; first += HIDDEN_BLOCK_ROWS) {
    const blockRows = min(HIDDEN_BLOCK_ROWS, rows - first);
    const block = v + <usize>first * vRowBytes;
    // Mostly-zero data goes one row at a time (19% of MNIST's pixels are nonzero, but 39% are
    // nonzero in some row of a group of 4).
    if (countNonzero(block, blockRows * nVisible) * SPARSE_ROWS_RATIO <= blockRows * nVisible) {
      hiddenInputsByRow(block, blockRows, nVisible, nHidden, packedWeights, out + <usize>first * outRowBytes, workspace);
      continue;
    }
    const groups = (blockRows + TILE_ROWS - 1) / TILE_ROWS;
    for (let g = 0; g < groups; g++) {
      const r = first + g * TILE_ROWS;
      const kept = packNonzeroSteps(
        v + <usize>r * vRowBytes,
        vRowBytes,
        min(TILE_ROWS, rows - r),
        nVisible,
        packed + <usize>g * groupBytes,
        stepsAll + <usize>g * stepsBytes,
        TILE_COLS * 4,
      );
      store<i32>(keptAll + (<usize>g << 2), kept);
    }
    for (let p = 0; p < nHidden; p += TILE_COLS) {
      const panel = packedWeights + <usize>(p / TILE_COLS) * panelBytes;
      const fullPanel = p + TILE_COLS <= nHidden;
      for (let g = 0; g < groups; g++) {
        const r = first + g * TILE_ROWS;
        const groupRows = min(TILE_ROWS, rows - r);
        const kept = load<i32>(keptAll + (<usize>g << 2));
        const group = packed + <usize>g * groupBytes;
        const steps = stepsAll + <usize>g * stepsBytes;
        const target = out + <usize>r * outRowBytes + (<usize>p << 2);
        if (groupRows == TILE_ROWS && fullPanel) {
          if (kept == nVisible) tileDense(kept, group, panel, target, outRowBytes);
          else tileGatheringWide(kept, group, steps, panel, target, outRowBytes);
        } else {
          tileGatheringWide(kept, group, steps, panel, tile, TILE_COLS * 4);
          copyTile(tile, groupRows, min(TILE_COLS, nHidden - p), target, outRowBytes);
        }
      }
    }
  }
}

/** Sparse rows path when nonzeros · SPARSE_ROWS_RATIO ≤ values. */
const SPARSE_ROWS_RATIO: i32 = 3;

/** Number of nonzero floats (−0 counts as zero) among the n at x. */
function countNonzero(x: usize, n: i32): i32 {
  let counts = i32x4.splat(0);
  let i = 0;
  // f32x4.ne gives −1 in each nonzero lane
  for (; i + 4 <= n; i += 4) counts = i32x4.sub(counts, f32x4.ne(v128.load(x + (<usize>i << 2)), f32x4.splat(0)));
  let total = i32x4.extract_lane(counts, 0) + i32x4.extract_lane(counts, 1) + i32x4.extract_lane(counts, 2) + i32x4.extract_lane(counts, 3);
  for (; i < n; i++) total += <i32>(load<f32>(x + (<usize>i << 2)) != 0);
  return total;
}

/**
 * Lists the nonzero values of a row (−0 counts as zero, NaN as nonzero) as pairs (value f32,
 * i·32 i32) for visible unit i: the byte offset of W[8p .. 8p+7, i] in a panel of packed W.
 * Returns the count.
 */
function packRowNonzeros(row: usize, nVisible: i32, pairs: usize): i32 {
  let count = 0;
  let i = 0;
  for (; i + 4 <= nVisible; i += 4) {
    const x = v128.load(row + (<usize>i << 2));
    if (!v128.any_true(f32x4.ne(x, f32x4.splat(0)))) continue;
    count = keepPair(pairs, count, f32x4.extract_lane(x, 0), i);
    count = keepPair(pairs, count, f32x4.extract_lane(x, 1), i + 1);
    count = keepPair(pairs, count, f32x4.extract_lane(x, 2), i + 2);
    count = keepPair(pairs, count, f32x4.extract_lane(x, 3), i + 3);
  }
  for (; i < nVisible; i++) count = keepPair(pairs, count, load<f32>(row + (<usize>i << 2)), i);
  return count;
}

/**
 * Reads `bytes` at `from` in order, one load per 64-byte line, so that the hardware prefetcher
 * brings them in as a stream before a product gathers from them in an order it cannot predict
 * (each gathered line would otherwise wait for its own miss). Returns a value to keep the loads.
 */
function touch(from: usize, bytes: usize, sink: usize): void {
  let x = f32x4.splat(0);
  const end = from + bytes;
  for (; from < end; from += 64) x = v128.or(x, v128.load(from));
  v128.store(sink, x);
}

/** Appends (value, i·32) at pairs (branch-free: always written, counted only when value ≠ 0). */
// @ts-ignore: decorator
@inline function keepPair(pairs: usize, count: i32, value: f32, i: i32): i32 {
  const at = pairs + (<usize>count << 3);
  store<f32>(at, value);
  store<i32>(at, i * (TILE_COLS * 4), 4);
  return count + <i32>(value != 0);
}

/**
 * One row × 16 hidden units (two panels: `panel` and panel + panelBytes) over `count` pairs from
 * packRowNonzeros; the sums are stored to out. Measured: a 1 × 32 tile (8 loads of W per step,
 * likely hoisted and spilled by TurboFan) ran ~2× slower per step, a 1 × 24 one no faster.
 */
function tileRow(count: i32, pairs: usize, panel: usize, panelBytes: usize, out: usize): void {
  let c0 = f32x4.splat(0);
  let c1 = f32x4.splat(0);
  let c2 = f32x4.splat(0);
  let c3 = f32x4.splat(0);
  const panel1 = panel + panelBytes;
  const end = pairs + (<usize>count << 3);
  for (; pairs < end; pairs += 8) {
    const a = v128.load32_splat(pairs);
    const offset = <usize>load<i32>(pairs, 4);
    const w0 = panel + offset;
    c0 = f32x4.add(c0, f32x4.mul(a, v128.load(w0)));
    c1 = f32x4.add(c1, f32x4.mul(a, v128.load(w0, 16)));
    const w1 = panel1 + offset;
    c2 = f32x4.add(c2, f32x4.mul(a, v128.load(w1)));
    c3 = f32x4.add(c3, f32x4.mul(a, v128.load(w1, 16)));
  }
  v128.store(out, c0);
  v128.store(out, c1, 16);
  v128.store(out, c2, 32);
  v128.store(out, c3, 48);
}

/**
 * hiddenInputs for mostly-zero rows: each row's nonzeros exactly (no union over a group of rows),
 * 16 hidden units per tile. The same sums in the same order as the grouped path (the values it
 * skips are zeros, whose products add nothing).
 */
function hiddenInputsByRow(v: usize, rows: i32, nVisible: i32, nHidden: i32, packedWeights: usize, out: usize, workspace: usize): void {
  const rowPairsBytes = <usize>nVisible << 3;
  const pairsAll = productScratch(workspace);
  const countsAll = pairsAll + <usize>rows * rowPairsBytes;
  const tile = workspace + TILE_OFFSET;
  const vRowBytes = <usize>nVisible << 2;
  const outRowBytes = <usize>nHidden << 2;
  const panelBytes = <usize>nVisible * (TILE_COLS * 4);
  for (let r = 0; r < rows; r++) {
    store<i32>(countsAll + (<usize>r << 2), packRowNonzeros(v + <usize>r * vRowBytes, nVisible, pairsAll + <usize>r * rowPairsBytes));
  }
  const pairEnd = nHidden - nHidden % (2 * TILE_COLS);
  for (let p = 0; p < pairEnd; p += 2 * TILE_COLS) {
    const panel = packedWeights + <usize>(p / TILE_COLS) * panelBytes;
    touch(panel, 2 * panelBytes, tile);
    for (let r = 0; r < rows; r++) {
      tileRow(load<i32>(countsAll + (<usize>r << 2)), pairsAll + <usize>r * rowPairsBytes, panel, panelBytes, out + <usize>r * outRowBytes + (<usize>p << 2));
    }
  }
  // The last panels (up to 15 hidden units), one at a time: the same tile over a panel twice
  // (panelBytes 0), through the scratch tile. (This second call of tileRow also keeps Binaryen from
  // inlining it into the loop above, where V8 then ran short of registers and recomputed the panel
  // address at every step: 2× slower.)
  for (let p = pairEnd; p < nHidden; p += TILE_COLS) {
    const panel = packedWeights + <usize>(p / TILE_COLS) * panelBytes;
    const cols = min(TILE_COLS, nHidden - p);
    for (let r = 0; r < rows; r++) {
      tileRow(load<i32>(countsAll + (<usize>r << 2)), pairsAll + <usize>r * rowPairsBytes, panel, 0, tile);
      memory.copy(out + <usize>r * outRowBytes + (<usize>p << 2), tile, <usize>cols << 2);
    }
  }
}

/** Bytes of hidden values the statistics product keeps in L1 per block of hidden panels. */
const STATISTICS_BLOCK_BYTES: i32 = 24 << 10;

/** Bytes of workspace updateWeights needs for `depth` rows. */
// @ts-ignore: decorator
@inline function statisticsBytes(depth: i32, nVisible: i32, nHidden: i32): usize {
  const quads = <usize>((nVisible + 3) >> 2);
  const panels = <usize>((nHidden + TILE_COLS - 1) / TILE_COLS);
  return panels * <usize>depth * (TILE_COLS * 4) + quads * (<usize>depth * 20 + 4);
}

/**
 * The momentum step of the weights with sums S = hiddenᵀ·visible over `depth` rows (hidden
 * [depth, nHidden], visible [depth, nVisible]), each tile as soon as its sums are done:
 * ΔW ← momentum·ΔW + gain·S − decay·W, W ← W + ΔW. W is read from its packed copy
 * (rbmPackWeights, which must be current) and written to it and to the strips (rbmPackStrips), not
 * to W's own layout; ΔW is kept in the packed layout. Tiles are 4 visible × 8 hidden units.
 * In the rows before `denseFrom`, each quad of visible units skips the rows where all 4 are 0;
 * the rows from `denseFrom` on (probabilities, never 0) are all used. Blocks of hidden panels
 * small enough for L1 are walked against every quad's packed visible values, which stream from L2.
 */
function updateWeights(
  hidden: usize,
  visible: usize,
  depth: i32,
  denseFrom: i32,
  nHidden: i32,
  nVisible: i32,
  gain: f32,
  momentum: f32,
  decay: f32,
  velocity: usize,
  packedWeights: usize,
  packedStrips: usize,
  workspace: usize,
): void {
  const quads = (nVisible + 3) >> 2;
  const panels = (nHidden + TILE_COLS - 1) / TILE_COLS;
  const hiddenPanelBytes = <usize>depth * (TILE_COLS * 4);
  const quadBytes = <usize>depth << 4;
  const quadStepsBytes = <usize>depth << 2;
  const packedHidden = productScratch(workspace);
  const packedVisible = packedHidden + <usize>panels * hiddenPanelBytes;
  const stepsAll = packedVisible + <usize>quads * quadBytes;
  const keptAll = stepsAll + <usize>quads * quadStepsBytes;
  const tile = workspace + TILE_OFFSET;
  const hiddenRowBytes = <usize>nHidden << 2;
  const visibleRowBytes = <usize>nVisible << 2;
  // Panels of 8 hidden units over the depth (zeros past nHidden).
  for (let p = 0; p < panels; p++) {
    const panel = packedHidden + <usize>p * hiddenPanelBytes;
    const first = p * TILE_COLS;
    for (let b = 0; b < depth; b++) {
      const from = hidden + <usize>b * hiddenRowBytes + (<usize>first << 2);
      const to = panel + (<usize>b << 5);
      if (first + TILE_COLS <= nHidden) {
        v128.store(to, v128.load(from));
        v128.store(to, v128.load(from, 16), 16);
      } else for (let u = 0; u < TILE_COLS; u++) store<f32>(to + (<usize>u << 2), first + u < nHidden ? load<f32>(from + (<usize>u << 2)) : 0);
    }
  }
  // Quads of visible units over the depth: the kept sparse rows (with their row offsets into a
  // hidden panel), then every dense row. (Reading the dense rows in place, 4 values every
  // nVisible·4 bytes, measured 12% slower: their pages are many.)
  for (let q = 0; q < quads; q++) {
    const first = q << 2;
    const cols = min(4, nVisible - first);
    const packed = packedVisible + <usize>q * quadBytes;
    const steps = stepsAll + <usize>q * quadStepsBytes;
    let kept = 0;
    let from = visible + (<usize>first << 2);
    if (cols == 4) {
      for (let b = 0; b < denseFrom; b++) {
        const x = v128.load(from);
        v128.store(packed + (<usize>kept << 4), x);
        store<i32>(steps + (<usize>kept << 2), b << 5);
        kept += <i32>v128.any_true(x);
        from += visibleRowBytes;
      }
      let to = packed + (<usize>kept << 4);
      for (let b = denseFrom; b < depth; b++) {
        v128.store(to, v128.load(from));
        to += 16;
        from += visibleRowBytes;
      }
    } else {
      for (let b = 0; b < depth; b++) {
        // zero-padded (cols ≤ 3)
        let x = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(from));
        if (cols > 1) x = f32x4.replace_lane(x, 1, load<f32>(from, 4));
        if (cols > 2) x = f32x4.replace_lane(x, 2, load<f32>(from, 8));
        v128.store(packed + (<usize>(b < denseFrom ? kept : kept + b - denseFrom) << 4), x);
        if (b < denseFrom) {
          store<i32>(steps + (<usize>kept << 2), b << 5);
          kept += <i32>v128.any_true(x);
        }
        from += visibleRowBytes;
      }
    }
    store<i32>(keptAll + (<usize>q << 2), kept);
  }
  const dense = depth - denseFrom;
  const blockPanels = max(1, STATISTICS_BLOCK_BYTES / <i32>hiddenPanelBytes);
  const panelBytes = <usize>nVisible * (TILE_COLS * 4);
  const stripBytes = <usize>nHidden * STRIP_BYTES;
  for (let p0 = 0; p0 < panels; p0 += blockPanels) {
    const p1 = min(panels, p0 + blockPanels);
    for (let q = 0; q < quads; q++) {
      const first = q << 2;
      const cols = min(4, nVisible - first);
      const packed = packedVisible + <usize>q * quadBytes;
      const steps = stepsAll + <usize>q * quadStepsBytes;
      const kept = load<i32>(keptAll + (<usize>q << 2));
      const denseNarrow = packed + (<usize>kept << 4);
      const strip = packedStrips + <usize>(first / STRIP) * stripBytes + (<usize>(first % STRIP) << 2);
      for (let p = p0; p < p1; p++) {
        const hiddenPanel = packedHidden + <usize>p * hiddenPanelBytes;
        const denseWide = hiddenPanel + (<usize>denseFrom << 5);
        const at = <usize>p * panelBytes + (<usize>first << 5);
        const hiddenFirst = p * TILE_COLS;
        const st = strip + <usize>hiddenFirst * STRIP_BYTES;
        if (cols == 4 && hiddenFirst + TILE_COLS <= nHidden) {
          tileStatistics(kept, dense, packed, steps, hiddenPanel, denseNarrow, denseWide, gain, momentum, decay, packedWeights + at, velocity + at, st, 0);
        } else {
          tileStatistics(kept, dense, packed, steps, hiddenPanel, denseNarrow, denseWide, gain, momentum, decay, 0, 0, 0, tile);
          updateEdge(tile, cols, min(TILE_COLS, nHidden - hiddenFirst), gain, momentum, decay, packedWeights + at, velocity + at, st);
        }
      }
    }
  }
}

// --- hidden half-step ----------------------------------------------------------------------------

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

/** Floats of W packed by rbmPackStrips: nHidden rows of 16 floats per strip of 16 visible units. */
export function rbmPackedStripsLength(nHidden: i32, nVisible: i32): i32 {
  return ((nVisible + STRIP - 1) / STRIP) * STRIP * nHidden;
}

/**
 * Packs W [nHidden, nVisible] for the visible half-step: strip s holds W[j, 16s .. 16s+15] for
 * j = 0 .. nHidden−1 contiguously (zeros past nVisible). The half-step walks one strip for every
 * row of the batch; in W's own layout the strip's 64-byte pieces lie nVisible·4 bytes apart, on as
 * many pages as there are hidden units, and the TLB misses cost more than the adds.
 */
export function rbmPackStrips(weights: usize, nHidden: i32, nVisible: i32, packed: usize): void {
  const rowBytes = <usize>nVisible << 2;
  const stripBytes = <usize>nHidden * STRIP_BYTES;
  for (let s = 0; s < nVisible; s += STRIP) {
    const strip = packed + <usize>(s / STRIP) * stripBytes;
    const width = min(STRIP, nVisible - s);
    for (let j = 0; j < nHidden; j++) {
      const from = weights + <usize>j * rowBytes + (<usize>s << 2);
      const to = strip + <usize>j * STRIP_BYTES;
      if (width == STRIP) {
        v128.store(to, v128.load(from));
        v128.store(to, v128.load(from, 16), 16);
        v128.store(to, v128.load(from, 32), 32);
        v128.store(to, v128.load(from, 48), 48);
      } else loadTail(to, from, width);
    }
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
  gemm(0, 0, rows, nVisible, nHidden, 1, h, nHidden, weights, nVisible, 0, out, nVisible, productScratch(workspace));
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

/** x[i] −= y[i] over n floats. */
function subtractFrom(x: usize, y: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(x + offset, f32x4.sub(v128.load(x + offset), v128.load(y + offset)));
  }
  for (; i < n; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - load<f32>(y + (<usize>i << 2)));
}

/**
 * One CD/PCD parameter update with momentum, from the statistics of a batch of `rows` rows:
 *   hidden [2·rows, nHidden] = [P(h|v₀); −P(h|v_k)],  visible [2·rows, nVisible] = [v₀; v_k].
 * The weight gradient ⟨v₀ᵀh₀⟩ − ⟨v_kᵀh_k⟩ is then one product hiddenᵀ·visible over the
 * concatenated batch, and each tile of it (4 visible × 8 hidden units) updates its weights as
 * soon as it is done. W lives in its two packed layouts here: packedWeights (rbmPackWeights, read
 * and written) and packedStrips (rbmPackStrips, written), so that nothing is repacked before the
 * next batch; W's own layout is not touched (rbmUnpackWeights makes it from packedWeights).
 * weightVelocity is kept in packedWeights' layout (rbmPackedWeightsLength floats, zero to start):
 *   ΔW ← momentum·ΔW + (lr/rows)·hiddenᵀ·visible − lr·weightDecay·W;  W ← W + ΔW
 *   Δc ← momentum·Δc + (lr/rows)·Σ hidden;  Δb ← momentum·Δb + (lr/rows)·(Σ v₀ − Σ v_k)
 * Sparsity (Hinton's practical guide §11), when sparsityCost > 0: q ← decay·q + (1 − decay)·mean P(h|v₀),
 * and cost·(q − target) is subtracted from every positive-phase probability before the product,
 * which moves both the hidden biases and the weights (by the visible activity) toward the target.
 * Overwrites the positive half of `hidden` when sparsity is on. The first `sparseRows` rows of
 * `visible` (binary or mostly-zero data) are scanned for zeros to skip; the rest are used densely.
 */
export function rbmUpdate(
  hidden: usize,
  visible: usize,
  rows: i32,
  nHidden: i32,
  nVisible: i32,
  packedWeights: usize,
  packedStrips: usize,
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
  sparseRows: i32,
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
  scale(hiddenVelocity, nHidden, momentum);
  addColumnSums(hidden, 2 * rows, nHidden, step, hiddenVelocity);
  addInto(hiddenBias, hiddenVelocity, nHidden);
  scale(visibleVelocity, nVisible, momentum);
  addColumnSums(visible, rows, nVisible, step, visibleVelocity);
  addColumnSums(visible + <usize>rows * (<usize>nVisible << 2), rows, nVisible, -step, visibleVelocity);
  addInto(visibleBias, visibleVelocity, nVisible);

  updateWeights(
    hidden,
    visible,
    2 * rows,
    sparseRows,
    nHidden,
    nVisible,
    step,
    momentum,
    learningRate * weightDecay,
    weightVelocity,
    packedWeights,
    packedStrips,
    workspace,
  );
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
 * visible units, ½‖v − b‖² − Σ_j softplus(…) for Gaussian ones. W comes packed by rbmPackWeights;
 * `pre` holds rows × nHidden floats.
 */
export function rbmFreeEnergy(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  packedWeights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  gaussian: i32,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  hiddenInputs(v, rows, nVisible, nHidden, packedWeights, pre, workspace);
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
 * W comes both plain and packed (rbmPackWeights). `pre` holds rows × nHidden floats.
 */
export function rbmPseudoLikelihood(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  weights: usize,
  packedWeights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  flips: usize,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  hiddenInputs(v, rows, nVisible, nHidden, packedWeights, pre, workspace);
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

// --- exact log-partition ------------------------------------------------------------------------

/** Steps between rebuilds of the enumerated sums, so that f32 rounding cannot drift across 2^20 updates. */
const REBUILD_INTERVAL: u32 = 1024;

/** input = otherBias + Σ_{k in state} rows[k]; returns Σ_{k in state} enumBias[k] (f64). */
function rebuildInput(state: u32, rows: usize, enumBias: usize, otherBias: usize, otherSize: i32, input: usize): f64 {
  memory.copy(input, otherBias, <usize>otherSize << 2);
  let enumTerm: f64 = 0;
  for (let bits = state; bits != 0; bits &= bits - 1) {
    const k = ctz(bits);
    addInto(input, rows + <usize>k * (<usize>otherSize << 2), otherSize);
    enumTerm += <f64>load<f32>(enumBias + (<usize>k << 2));
  }
  return enumTerm;
}

/** Σ a²/2 over n floats, in f64. */
function halfSquareSum(a: usize, n: i32): f64 {
  let sum = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(a + (<usize>i << 2));
    const low = f64x2.promote_low_f32x4(x);
    const high = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(a + (<usize>i << 2));
    total += x * x;
  }
  return 0.5 * total;
}

/**
 * log Z by enumerating the 2^units binary states s of one layer in Gray-code order (one row added
 * or removed per state) with the other layer summed out:
 *   log Σ_s exp(s·enumBias + Σ_o g(a_o)),  a = otherBias + Σ_k s_k·rows[k, :],
 * g = softplus for Bernoulli units of the other layer; for Gaussian ones g(a) = (a² − b²)/2 + ½·log 2π
 * (b = otherBias). rows is [units, otherSize]: W to enumerate the hidden layer, Wᵀ for the visible
 * one. `input` holds otherSize floats of scratch. units ≤ 30.
 */
export function rbmLogPartition(rows: usize, enumBias: usize, otherBias: usize, units: i32, otherSize: i32, gaussianOther: i32, input: usize): f64 {
  const rowBytes = <usize>otherSize << 2;
  let max = -Infinity;
  let sum: f64 = 0;
  let state: u32 = 0;
  let enumTerm = rebuildInput(0, rows, enumBias, otherBias, otherSize, input);
  const states: u32 = 1 << units;
  for (let step: u32 = 0; step < states; step++) {
    if (step > 0) {
      const k = ctz(step);
      state ^= 1 << k;
      if (step % REBUILD_INTERVAL == 0) enumTerm = rebuildInput(state, rows, enumBias, otherBias, otherSize, input);
      else {
        const on = (state >> k) & 1;
        const row = rows + <usize>k * rowBytes;
        const bias = <f64>load<f32>(enumBias + (<usize>k << 2));
        if (on) {
          addInto(input, row, otherSize);
          enumTerm += bias;
        } else {
          subtractFrom(input, row, otherSize);
          enumTerm -= bias;
        }
      }
    }
    const t = enumTerm + (gaussianOther != 0 ? halfSquareSum(input, otherSize) : softplusSum(input, otherSize));
    if (t <= max) sum += Math.exp(t - max);
    else {
      sum = sum * Math.exp(max - t) + 1;
      max = t;
    }
  }
  let logZ = max + Math.log(sum);
  if (gaussianOther != 0) logZ += 0.5 * <f64>otherSize * Math.log(2 * Math.PI) - halfSquareSum(otherBias, otherSize);
  return logZ;
}
