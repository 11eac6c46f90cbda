// The layouts W lives in while an RBM trains, and the workspace every RBM kernel takes.
//
// The hidden products read W as panels of 8 hidden units (the wide operand of the register tile,
// tile.ts), the visible half-step as strips of 16 visible units; training updates both in place
// (rbm-update.ts) and W's own layout [nHidden, nVisible] is unpacked from the panels when it is read.
import { NR, PANEL_STEP_BYTES, packPanels } from './tile';
import { SCRATCH_BYTES, STRIP, STRIP_BYTES, loadTail } from './rbm/common';
import { hiddenProductBytes } from './rbm/products';
import { statisticsBytes } from './rbm/statistics';

/** Bytes of workspace that every RBM kernel needs for up to `rows` rows (64-byte aligned). */
export function rbmWorkspaceBytes(rows: i32, nVisible: i32, nHidden: i32): usize {
  return SCRATCH_BYTES + max(hiddenProductBytes(rows, nVisible), statisticsBytes(2 * rows, nVisible, nHidden));
}

/** Floats of W packed by rbmPackWeights: panels of 8 hidden units × nVisible. */
export function rbmPackedWeightsLength(nHidden: i32, nVisible: i32): i32 {
  return ((nHidden + NR - 1) / NR) * NR * nVisible;
}

/**
 * Packs W [nHidden, nVisible] for the hidden products: panel p holds, for each visible unit i,
 * W[8p .. 8p+7, i] (zeros past nHidden), so that one tile step reads 8 weights contiguously: the
 * panels of Wᵀ as GEMM packs its right operand. `packed` holds rbmPackedWeightsLength floats.
 */
export function rbmPackWeights(weights: usize, nHidden: i32, nVisible: i32, packed: usize): void {
  packPanels(weights, <usize>nVisible << 2, 4, nHidden, nVisible, packed);
}

/** The inverse of rbmPackWeights: W [nHidden, nVisible] from its packed panels. */
export function rbmUnpackWeights(packed: usize, nHidden: i32, nVisible: i32, weights: usize): void {
  const rowBytes = <usize>nVisible << 2;
  const stepBytes = PANEL_STEP_BYTES;
  for (let p = 0; p < nHidden; p += NR) {
    const panel = packed + <usize>p * rowBytes;
    const rows = min(NR, nHidden - p);
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
