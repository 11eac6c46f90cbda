// The hidden products v·Wᵀ that skip zeros, behind the hidden half-step and the monitoring sums.
//
// Training data is often mostly exact zeros (81% of MNIST's pixels), and a register tile needs a
// depth step only when one of its narrow operand's values there is nonzero. The grouped product
// packs 4 rows of v with their all-zero depth steps removed and keeps each kept step's byte offset
// into the panels of W (rbmPackWeights), which the tile (tile.ts) gathers at the same step. Dense
// rows (probabilities) keep every step and run the tile's contiguous loop. Mostly-zero rows go
// through the product one at a time instead (1 × 16 tiles over the row's own nonzeros: 19% of
// MNIST's pixels against the 39% that are nonzero in some row of a group of 4).
//
// Every row sums the same nonzero products in the same order whichever path its block of rows
// takes, so a batch may be split into blocks of rows (one per thread) without changing a bit.

import { MR, NR, PANEL_STEP_BYTES, tile4x8 } from '../tile';
import { TILE_OFFSET, productScratch, touch } from './common';

/** Rows of v whose nonzero steps hiddenInputs packs ahead, so that each panel of W is read once per block. */
const HIDDEN_BLOCK_ROWS: i32 = 128;

/** Groups of 4 rows that hiddenInputs packs at once for `rows` rows. */
// @ts-ignore: decorator
@inline function hiddenGroups(rows: i32): i32 {
  return (min(rows, HIDDEN_BLOCK_ROWS) + MR - 1) / MR;
}

/** Bytes of product scratch hiddenInputs needs for up to `rows` rows. */
export function hiddenProductBytes(rows: i32, nVisible: i32): usize {
  const grouped = <usize>hiddenGroups(rows) * ((<usize>nVisible << 4) + (<usize>nVisible << 2) + 4);
  const byRow = <usize>min(rows, HIDDEN_BLOCK_ROWS) * ((<usize>nVisible << 3) + 4);
  return max(grouped, byRow);
}

/**
 * out [rows, nHidden] = v·Wᵀ from packed W, by blocks of up to 128 rows. A mostly-zero block
 * (at most a third of its values nonzero) goes one row at a time over each row's own nonzeros
 * (hiddenInputsByRow). Otherwise each group of 4 rows skips the visible units that are 0 in all
 * four: the groups of the block are packed first, then each panel of W (8 hidden units × nVisible,
 * 25 KB for 784 visible units) stays in L1 while every group's tile reads it. Both paths add the
 * same nonzero products in the same order: the bits do not depend on the path.
 */
export function hiddenInputs(v: usize, rows: i32, nVisible: i32, nHidden: i32, packedWeights: usize, out: usize, workspace: usize): void {
  const groupsMax = hiddenGroups(rows);
  const groupBytes = <usize>nVisible << 4;
  const stepsBytes = <usize>nVisible << 2;
  const packed = productScratch(workspace);
  const stepsAll = packed + <usize>groupsMax * groupBytes;
  const keptAll = stepsAll + <usize>groupsMax * stepsBytes;
  const tile = workspace + TILE_OFFSET;
  const vRowBytes = <usize>nVisible << 2;
  const outRowBytes = <usize>nHidden << 2;
  const panelBytes = <usize>nVisible * PANEL_STEP_BYTES;
  for (let first = 0; first < rows; first += HIDDEN_BLOCK_ROWS) {
    const blockRows = min(HIDDEN_BLOCK_ROWS, rows - first);
    const block = v + <usize>first * vRowBytes;
    // Mostly-zero data goes one row at a time (19% of MNIST's pixels are nonzero, but 39% are
    // nonzero in some row of a group of 4).
    if (countNonzero(block, blockRows * nVisible) * SPARSE_ROWS_RATIO <= blockRows * nVisible) {
      hiddenInputsByRow(block, blockRows, nVisible, nHidden, packedWeights, out + <usize>first * outRowBytes, workspace);
      continue;
    }
    const groups = (blockRows + MR - 1) / MR;
    for (let g = 0; g < groups; g++) {
      const r = first + g * MR;
      const kept = packNonzeroSteps(
        v + <usize>r * vRowBytes,
        vRowBytes,
        min(MR, rows - r),
        nVisible,
        packed + <usize>g * groupBytes,
        stepsAll + <usize>g * stepsBytes,
        <i32>PANEL_STEP_BYTES,
      );
      store<i32>(keptAll + (<usize>g << 2), kept);
    }
    for (let p = 0; p < nHidden; p += NR) {
      const panel = packedWeights + <usize>(p / NR) * panelBytes;
      const fullPanel = p + NR <= nHidden;
      for (let g = 0; g < groups; g++) {
        const r = first + g * MR;
        const groupRows = min(MR, rows - r);
        const kept = load<i32>(keptAll + (<usize>g << 2));
        const group = packed + <usize>g * groupBytes;
        const steps = stepsAll + <usize>g * stepsBytes;
        const target = out + <usize>r * outRowBytes + (<usize>p << 2);
        if (groupRows == MR && fullPanel) {
          if (kept == nVisible) tile4x8<f32>(group, 0, 0, 0, kept, panel, 1, 0, target, outRowBytes);
          else tile4x8<f32>(group, kept, steps, panel, 0, 0, 1, 0, target, outRowBytes);
        } else {
          tile4x8<f32>(group, kept, steps, panel, 0, 0, 1, 0, tile, PANEL_STEP_BYTES);
          copyTile(tile, groupRows, min(NR, nHidden - p), target, outRowBytes);
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
/** Appends (value, i·32) at pairs (branch-free: always written, counted only when value ≠ 0). */
// @ts-ignore: decorator
@inline function keepPair(pairs: usize, count: i32, value: f32, i: i32): i32 {
  const at = pairs + (<usize>count << 3);
  store<f32>(at, value);
  store<i32>(at, i * <i32>PANEL_STEP_BYTES, 4);
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
  const panelBytes = <usize>nVisible * PANEL_STEP_BYTES;
  for (let r = 0; r < rows; r++) {
    store<i32>(countsAll + (<usize>r << 2), packRowNonzeros(v + <usize>r * vRowBytes, nVisible, pairsAll + <usize>r * rowPairsBytes));
  }
  const pairEnd = nHidden - nHidden % (2 * NR);
  for (let p = 0; p < pairEnd; p += 2 * NR) {
    const panel = packedWeights + <usize>(p / NR) * panelBytes;
    touch(panel, 2 * panelBytes, tile);
    for (let r = 0; r < rows; r++) {
      tileRow(load<i32>(countsAll + (<usize>r << 2)), pairsAll + <usize>r * rowPairsBytes, panel, panelBytes, out + <usize>r * outRowBytes + (<usize>p << 2));
    }
  }
  // The last panels (up to 15 hidden units), one at a time: the same tile over a panel twice
  // (panelBytes 0), through the scratch tile. (This second call of tileRow also keeps Binaryen from
  // inlining it into the loop above, where V8 then ran short of registers and recomputed the panel
  // address at every step: 2× slower.)
  for (let p = pairEnd; p < nHidden; p += NR) {
    const panel = packedWeights + <usize>(p / NR) * panelBytes;
    const cols = min(NR, nHidden - p);
    for (let r = 0; r < rows; r++) {
      tileRow(load<i32>(countsAll + (<usize>r << 2)), pairsAll + <usize>r * rowPairsBytes, panel, 0, tile);
      memory.copy(out + <usize>r * outRowBytes + (<usize>p << 2), tile, <usize>cols << 2);
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

/** Copies the valid rows × cols of an edge tile to c. */
function copyTile(tile: usize, rows: i32, cols: i32, c: usize, ldcBytes: usize): void {
  for (let r = 0; r < rows; r++) memory.copy(c + <usize>r * ldcBytes, tile + <usize>r * PANEL_STEP_BYTES, <usize>cols << 2);
}
