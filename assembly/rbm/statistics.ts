// The statistics product of the CD update and the momentum step it feeds, tile by tile (see
// rbm-update.ts for the update as a whole). Each weight's sum and step depend only on its own
// tile, so the visible units may be split into ranges, one per thread, without changing a bit.
import { MR, NR, PANEL_STEP_BYTES, packPanels, tile4x8 } from '../tile';
import { STRIP, STRIP_BYTES, TILE_OFFSET, productScratch } from './common';

/** Bytes of hidden values the statistics product keeps in L1 per block of hidden panels. */
const STATISTICS_BLOCK_BYTES: i32 = 24 << 10;

/** Bytes of product scratch updateWeights needs for `depth` rows. */
export function statisticsBytes(depth: i32, nVisible: i32, nHidden: i32): usize {
  const quads = <usize>((nVisible + 3) >> 2);
  const panels = <usize>((nHidden + NR - 1) / NR);
  return panels * <usize>depth * PANEL_STEP_BYTES + quads * (<usize>depth * 20 + 4);
}

/**
 * The momentum step of the weights with sums S = hiddenᵀ·visible over `depth` rows (hidden
 * [depth, nHidden], visible [depth, nVisible]), for the visible quads [quadFirst, quadEnd), each
 * tile as soon as its sums are done: ΔW ← momentum·ΔW + gain·S − decay·W, W ← W + ΔW. W is read
 * from its panels (which must be current) and written to them and to the strips. Tiles are 4
 * visible × 8 hidden units: the tile's rows are visible units, so its sums lie in the panels'
 * layout (8 hidden units of one visible unit side by side). In the rows before `denseFrom`, each
 * quad of visible units skips the rows where all 4 are 0; the rows from `denseFrom` on
 * (probabilities, never 0) are all used. Blocks of hidden panels small enough for L1 are walked
 * against every quad's packed visible values, which stream from L2.
 */
export function updateWeights(
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
  quadFirst: i32,
  quadEnd: i32,
  workspace: usize,
): void {
  const panels = (nHidden + NR - 1) / NR;
  const hiddenPanelBytes = <usize>depth * PANEL_STEP_BYTES;
  const quadBytes = <usize>depth << 4;
  const quadStepsBytes = <usize>depth << 2;
  const quadCount = <usize>max(0, quadEnd - quadFirst);
  const packedHidden = productScratch(workspace);
  const packedVisible = packedHidden + <usize>panels * hiddenPanelBytes;
  const stepsAll = packedVisible + quadCount * quadBytes;
  const keptAll = stepsAll + quadCount * quadStepsBytes;
  const tile = workspace + TILE_OFFSET;
  const visibleRowBytes = <usize>nVisible << 2;
  // Panels of 8 hidden units over the depth (zeros past nHidden), the wide operand of the tiles.
  packPanels(hidden, 4, <usize>nHidden << 2, nHidden, depth, packedHidden);
  // Quads of visible units over the depth: the kept sparse rows (with their row offsets into a
  // hidden panel), then every dense row. (Reading the dense rows in place, 4 values every
  // nVisible·4 bytes, measured 12% slower: their pages are many.)
  for (let q = quadFirst; q < quadEnd; q++) {
    const first = q << 2;
    const cols = min(4, nVisible - first);
    const packed = packedVisible + <usize>(q - quadFirst) * quadBytes;
    const steps = stepsAll + <usize>(q - quadFirst) * quadStepsBytes;
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
    store<i32>(keptAll + (<usize>(q - quadFirst) << 2), kept);
  }
  const dense = depth - denseFrom;
  const blockPanels = max(1, STATISTICS_BLOCK_BYTES / <i32>hiddenPanelBytes);
  const panelBytes = <usize>nVisible * PANEL_STEP_BYTES;
  const stripBytes = <usize>nHidden * STRIP_BYTES;
  for (let p0 = 0; p0 < panels; p0 += blockPanels) {
    const p1 = min(panels, p0 + blockPanels);
    for (let q = quadFirst; q < quadEnd; q++) {
      const first = q << 2;
      const cols = min(4, nVisible - first);
      const packed = packedVisible + <usize>(q - quadFirst) * quadBytes;
      const steps = stepsAll + <usize>(q - quadFirst) * quadStepsBytes;
      const kept = load<i32>(keptAll + (<usize>(q - quadFirst) << 2));
      const strip = packedStrips + <usize>(first / STRIP) * stripBytes + (<usize>(first % STRIP) << 2);
      for (let p = p0; p < p1; p++) {
        const hiddenPanel = packedHidden + <usize>p * hiddenPanelBytes;
        const at = <usize>p * panelBytes + (<usize>first << 5);
        const hiddenFirst = p * NR;
        const st = strip + <usize>hiddenFirst * STRIP_BYTES;
        // The sums: first the kept sparse rows (gathered from the hidden panel), then the dense ones.
        tile4x8<f32>(packed, kept, steps, hiddenPanel, dense, hiddenPanel + (<usize>denseFrom << 5), 1, 0, tile, PANEL_STEP_BYTES);
        if (cols == MR && hiddenFirst + NR <= nHidden) updateTile(tile, gain, momentum, decay, packedWeights + at, velocity + at, st);
        else updateEdge(tile, cols, min(NR, nHidden - hiddenFirst), gain, momentum, decay, packedWeights + at, velocity + at, st);
      }
    }
  }
}

/**
 * The momentum step on a full tile: 4 visible units × 8 hidden units of W's panels and ΔW (at
 * `packed`, `velocity`: 32 bytes per visible unit) from their sums (stored alike at `sums`):
 *   ΔW ← momentum·ΔW + gain·s − decay·W,  W ← W + ΔW,
 * then the new W, transposed, to the strips (8 rows of 4 at `strip`, rows 64 bytes apart).
 */
// @ts-ignore: decorator
@inline function updateTile(sums: usize, gain: f32, momentum: f32, decay: f32, packed: usize, velocity: usize, strip: usize): void {
  const g = f32x4.splat(gain);
  const m = f32x4.splat(momentum);
  const d = f32x4.splat(decay);
  const w00 = updateLanes(packed, velocity, 0, g, m, d, v128.load(sums));
  const w01 = updateLanes(packed, velocity, 16, g, m, d, v128.load(sums, 16));
  const w10 = updateLanes(packed, velocity, 32, g, m, d, v128.load(sums, 32));
  const w11 = updateLanes(packed, velocity, 48, g, m, d, v128.load(sums, 48));
  const w20 = updateLanes(packed, velocity, 64, g, m, d, v128.load(sums, 64));
  const w21 = updateLanes(packed, velocity, 80, g, m, d, v128.load(sums, 80));
  const w30 = updateLanes(packed, velocity, 96, g, m, d, v128.load(sums, 96));
  const w31 = updateLanes(packed, velocity, 112, g, m, d, v128.load(sums, 112));
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
