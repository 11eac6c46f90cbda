// Packed, register-blocked f32 GEMM: C = alpha·op(A)·op(B) + beta·C, all matrices row-major.
//
// Loop nest after Goto/BLIS: a KC×NC block of op(B) is packed into 8-column panels and an MC×KC
// block of op(A) into 4-row panels, then a 4×8 register tile (8 f32x4 accumulators, which fit
// V8's 16 XMM registers; larger tiles spill) walks them with full-vector loads at immediate
// offsets only. Packing absorbs the transposes, so NN, NT, TN and TT all run the same inner loop.
// BLAS semantics: beta = 0 never reads C (NaN there does not leak), alpha = 0 never reads A or B.
// The register tile and the packing of op(B) are shared with the RBM products (tile.ts).
import { MR, NR, TILE_BYTES, packPanels, tile4x8 } from './tile';

// Packed A holds every value broadcast to a whole f32x4 (see packA): 16 bytes per element.
const A_ELEMENT_BYTES = 16;
// kc·NR·4 bytes of B (one panel) stay in L1 while the MC×KC block of A streams from L2.
const KC = 256;
const MC = 128;
const NC = 1024;

/** The step that splits `total` into equal blocks of at most `max`, rounded up to `align`. */
// @ts-ignore: decorator
@inline
function blockStep(total: i32, max: i32, align: i32): i32 {
  const blocks = (total + max - 1) / max;
  const even = (total + blocks - 1) / blocks;
  return (even + align - 1) / align * align;
}

// @ts-ignore: decorator
@inline
function packABytes(m: i32, k: i32): usize {
  return <usize>blockStep(m, MC, MR) * <usize>blockStep(k, KC, 1) * A_ELEMENT_BYTES;
}

// @ts-ignore: decorator
@inline
function packBBytes(n: i32, k: i32): usize {
  return <usize>blockStep(n, NC, NR) * <usize>blockStep(k, KC, 1) * 4;
}

/** Bytes of workspace `gemm` needs for these dimensions (packed panels plus one edge tile). */
export function gemmWorkspaceBytes(m: i32, n: i32, k: i32): usize {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  return packABytes(m, k) + packBBytes(n, k) + TILE_BYTES;
}

/**
 * C = alpha·op(A)·op(B) + beta·C where op(A) is m×k, op(B) is k×n and C is m×n; `trans*` = 1
 * means the stored matrix is the transpose (A stored k×m, B stored n×k). Leading dimensions are
 * in elements. `workspace` holds gemmWorkspaceBytes(m, n, k) bytes, 16-byte aligned.
 */
export function gemm(
  transA: i32,
  transB: i32,
  m: i32,
  n: i32,
  k: i32,
  alpha: f32,
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  beta: f32,
  c: usize,
  ldc: i32,
  workspace: usize,
): void {
  if (m <= 0 || n <= 0) return;
  const ldcBytes = <usize>ldc << 2;
  if (alpha == 0 || k <= 0) {
    scaleMatrix(m, n, beta, c, ldcBytes);
    return;
  }
  // Strides of op(A) along its rows (i) and depth (k), and of op(B) along depth and columns (j).
  const aStrideI: usize = transA ? 4 : <usize>lda << 2;
  const aStrideK: usize = transA ? <usize>lda << 2 : 4;
  const bStrideK: usize = transB ? 4 : <usize>ldb << 2;
  const bStrideJ: usize = transB ? <usize>ldb << 2 : 4;

  const packedA = workspace;
  const packedB = packedA + packABytes(m, k);
  const tile = packedB + packBBytes(n, k);
  const mcStep = blockStep(m, MC, MR);
  const kcStep = blockStep(k, KC, 1);
  const ncStep = blockStep(n, NC, NR);

  for (let jc = 0; jc < n; jc += ncStep) {
    const nc = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kc = min(kcStep, k - pc);
      packPanels(b + <usize>pc * bStrideK + <usize>jc * bStrideJ, bStrideJ, bStrideK, nc, kc, packedB);
      // Later depth blocks add onto what the first one wrote.
      const blockBeta: f32 = pc == 0 ? beta : 1;
      for (let ic = 0; ic < m; ic += mcStep) {
        const mc = min(mcStep, m - ic);
        packA(a + <usize>ic * aStrideI + <usize>pc * aStrideK, aStrideI, aStrideK, mc, kc, packedA);
        const cBlock = c + <usize>ic * ldcBytes + (<usize>jc << 2);
        macroKernel(mc, nc, kc, alpha, blockBeta, packedA, packedB, cBlock, ldcBytes, tile);
      }
    }
  }
}

/** C = beta·C over an m×n block; beta = 0 writes zeros without reading C. */
function scaleMatrix(m: i32, n: i32, beta: f32, c: usize, ldcBytes: usize): void {
  for (let i = 0; i < m; i++) {
    const row = c + <usize>i * ldcBytes;
    if (beta == 0) memory.fill(row, 0, <usize>n << 2);
    else for (let j = 0; j < n; j++) store<f32>(row + (<usize>j << 2), beta * load<f32>(row + (<usize>j << 2)));
  }
}

function macroKernel(
  mc: i32,
  nc: i32,
  kc: i32,
  alpha: f32,
  beta: f32,
  packedA: usize,
  packedB: usize,
  c: usize,
  ldcBytes: usize,
  tile: usize,
): void {
  const panelABytes = <usize>kc * (MR * A_ELEMENT_BYTES);
  const panelBBytes = <usize>kc * (NR * 4);
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const pb = packedB + <usize>(jr / NR) * panelBBytes;
    for (let ir = 0; ir < mc; ir += MR) {
      const mr = min(MR, mc - ir);
      const pa = packedA + <usize>(ir / MR) * panelABytes;
      const cTile = c + <usize>ir * ldcBytes + (<usize>jr << 2);
      if (mr == MR && nr == NR) {
        tile4x8<v128>(pa, 0, 0, 0, kc, pb, alpha, beta, cTile, ldcBytes);
      } else {
        // Edge: compute the whole zero-padded tile aside, then merge only the valid part.
        tile4x8<v128>(pa, 0, 0, 0, kc, pb, alpha, 0, tile, NR * 4);
        mergeEdge(mr, nr, beta, tile, cTile, ldcBytes);
      }
    }
  }
}

function mergeEdge(mr: i32, nr: i32, beta: f32, tile: usize, c: usize, ldcBytes: usize): void {
  for (let i = 0; i < mr; i++) {
    const src = tile + <usize>i * (NR * 4);
    const dst = c + <usize>i * ldcBytes;
    if (beta == 0) memory.copy(dst, src, <usize>nr << 2);
    else for (let j = 0; j < nr; j++) {
      const offset = <usize>j << 2;
      store<f32>(dst + offset, load<f32>(src + offset) + beta * load<f32>(dst + offset));
    }
  }
}

/**
 * Packs op(A) rows [0, rows) × depth [0, kc) into panels of MR rows; for each depth step a panel
 * holds its MR values one after another, each broadcast to all four lanes. The micro-kernel then
 * reads them with plain vector loads, whose immediate offsets V8 folds into the address (its
 * splat loads take an extra add per load; measured 2-4% slower). Element (i, p) lives at
 * src + i·strideI + p·strideK (bytes). Rows past `rows` are packed as zeros: their results are
 * never stored, but workspace garbage could hold denormals, which slow the arithmetic badly.
 */
function packA(src: usize, strideI: usize, strideK: usize, rows: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < rows; i += MR) {
    const r0 = src + <usize>i * strideI;
    const live = min(MR, rows - i);
    if (live == MR && strideI == 4) {
      // Aᵀ stored: the panel's four values at one depth are adjacent.
      for (let p = 0; p < kc; p++) {
        const v = v128.load(r0 + <usize>p * strideK);
        v128.store(dst, i32x4.shuffle(v, v, 0, 0, 0, 0));
        v128.store(dst, i32x4.shuffle(v, v, 1, 1, 1, 1), 16);
        v128.store(dst, i32x4.shuffle(v, v, 2, 2, 2, 2), 32);
        v128.store(dst, i32x4.shuffle(v, v, 3, 3, 3, 3), 48);
        dst += MR * A_ELEMENT_BYTES;
      }
    } else if (live == MR) {
      const r1 = r0 + strideI;
      const r2 = r1 + strideI;
      const r3 = r2 + strideI;
      for (let p = 0; p < kc; p++) {
        const offset = <usize>p * strideK;
        v128.store(dst, v128.load32_splat(r0 + offset));
        v128.store(dst, v128.load32_splat(r1 + offset), 16);
        v128.store(dst, v128.load32_splat(r2 + offset), 32);
        v128.store(dst, v128.load32_splat(r3 + offset), 48);
        dst += MR * A_ELEMENT_BYTES;
      }
    } else {
      for (let p = 0; p < kc; p++) {
        const from = r0 + <usize>p * strideK;
        let r = 0;
        for (; r < live; r++) v128.store(dst + <usize>r * A_ELEMENT_BYTES, v128.load32_splat(from + <usize>r * strideI));
        for (; r < MR; r++) v128.store(dst + <usize>r * A_ELEMENT_BYTES, f32x4.splat(0));
        dst += MR * A_ELEMENT_BYTES;
      }
    }
  }
}
