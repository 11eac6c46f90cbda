// Packed, register-blocked f32 GEMM: C = alpha·op(A)·op(B) + beta·C, all matrices row-major.
//
// Loop nest after Goto/BLIS: a KC×NC block of op(B) is packed into 8-column panels and an MC×KC
// block of op(A) into 4-row panels, then a 4×8 register tile (8 f32x4 accumulators, which fit
// V8's 16 XMM registers; larger tiles spill) walks them with full-vector loads at immediate
// offsets only. Packing absorbs the transposes, so NN, NT, TN and TT all run the same inner loop.
// BLAS semantics: beta = 0 never reads C (NaN there does not leak), alpha = 0 never reads A or B.
// The register tile and the packing of op(B) are shared with the RBM products (tile.ts).
//
// The tile is 4, 5 or 6 rows × 8 columns (gemmWithTile's tileRows): 4×8 fits every engine's
// registers, 5×8 and 6×8 are faster on engines that keep the depth loop's loads in order (Node 24's
// and Chromium's V8) and spill on those that hoist them (Node 20's), so src/ops/gemm.ts picks one at
// ready() by timing them. Each element of C sums the same products in the same order whatever the
// tile height, so the choice never changes a bit.
import { MR, NR, PANEL_STEP_BYTES, madd, packPanels, tile4x8 } from './tile';

// Packed A holds every value broadcast to a whole f32x4 (see packA): 16 bytes per element.
const A_ELEMENT_BYTES = 16;
// kc·NR·4 bytes of B (one panel) stay in L1 while the MC×KC block of A streams from L2.
const KC = 256;
const MC = 128;
const NC = 1024;
/** The tallest tile: the workspace holds one edge tile of it and A packed for it. */
const MAX_TILE_ROWS = 6;

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
function packABytes(m: i32, k: i32, tileRows: i32): usize {
  return <usize>blockStep(m, MC, tileRows) * <usize>blockStep(k, KC, 1) * A_ELEMENT_BYTES;
}

/** The most bytes packed A takes for any tile height (blockStep rounds MC up to the height). */
// @ts-ignore: decorator
@inline
function packABytesAnyTile(m: i32, k: i32): usize {
  return max(packABytes(m, k, 4), max(packABytes(m, k, 5), packABytes(m, k, 6)));
}

// @ts-ignore: decorator
@inline
function packBBytes(n: i32, k: i32): usize {
  return <usize>blockStep(n, NC, NR) * <usize>blockStep(k, KC, 1) * 4;
}

/** Bytes of workspace `gemm` needs for these dimensions (packed panels plus one edge tile). */
export function gemmWorkspaceBytes(m: i32, n: i32, k: i32): usize {
  if (m <= 0 || n <= 0 || k <= 0) return 0;
  return packABytesAnyTile(m, k) + packBBytes(n, k) + MAX_TILE_ROWS * NR * 4;
}

/**
 * C = alpha·op(A)·op(B) + beta·C where op(A) is m×k, op(B) is k×n and C is m×n; `trans*` = 1
 * means the stored matrix is the transpose (A stored k×m, B stored n×k). Leading dimensions are
 * in elements. `workspace` holds gemmWorkspaceBytes(m, n, k) bytes, 16-byte aligned.
 * Runs the 4×8 tile: the same as gemmWithTile with tileRows = 4.
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
  gemmWithTile(MR, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
}

/** gemm on a register tile of tileRows (4, 5 or 6; others run 4) × 8: the same bits, another speed. */
export function gemmWithTile(
  tileRows: i32,
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
  if (tileRows != 5 && tileRows != 6) tileRows = MR;
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
  const packedB = packedA + packABytesAnyTile(m, k);
  const tile = packedB + packBBytes(n, k);
  const mcStep = blockStep(m, MC, tileRows);
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
        packA(a + <usize>ic * aStrideI + <usize>pc * aStrideK, aStrideI, aStrideK, mc, kc, tileRows, packedA);
        const cBlock = c + <usize>ic * ldcBytes + (<usize>jc << 2);
        macroKernel(tileRows, mc, nc, kc, alpha, blockBeta, packedA, packedB, cBlock, ldcBytes, tile);
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
  tileRows: i32,
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
  const panelABytes = <usize>kc * (<usize>tileRows * A_ELEMENT_BYTES);
  const panelBBytes = <usize>kc * (NR * 4);
  for (let jr = 0; jr < nc; jr += NR) {
    const nr = min(NR, nc - jr);
    const pb = packedB + <usize>(jr / NR) * panelBBytes;
    for (let ir = 0; ir < mc; ir += tileRows) {
      const mr = min(tileRows, mc - ir);
      const pa = packedA + <usize>(ir / tileRows) * panelABytes;
      const cTile = c + <usize>ir * ldcBytes + (<usize>jr << 2);
      if (mr == tileRows && nr == NR) {
        runTile(tileRows, pa, kc, pb, alpha, beta, cTile, ldcBytes);
      } else {
        // Edge: compute the whole zero-padded tile aside, then merge only the valid part.
        runTile(tileRows, pa, kc, pb, alpha, 0, tile, NR * 4);
        mergeEdge(mr, nr, beta, tile, cTile, ldcBytes);
      }
    }
  }
}

// @ts-ignore: decorator
@inline
function runTile(tileRows: i32, pa: usize, kc: i32, pb: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  if (tileRows == 5) tile5x8(pa, kc, pb, alpha, beta, c, ldcBytes);
  else if (tileRows == 6) tile6x8(pa, kc, pb, alpha, beta, c, ldcBytes);
  else tile4x8<v128>(pa, 0, 0, 0, kc, pb, alpha, beta, c, ldcBytes);
}

/** One row of a tile: alpha·sums (+ beta·C), exactly as tile4x8 stores it. */
// @ts-ignore: decorator
@inline
function storeRow(row: usize, lo: v128, hi: v128, va: v128, vb: v128, beta: f32): void {
  if (beta == 0) {
    v128.store(row, f32x4.mul(lo, va));
    v128.store(row, f32x4.mul(hi, va), 16);
  } else {
    v128.store(row, f32x4.add(f32x4.mul(lo, va), f32x4.mul(v128.load(row), vb)));
    v128.store(row, f32x4.add(f32x4.mul(hi, va), f32x4.mul(v128.load(row, 16), vb)), 16);
  }
}

/** tile4x8<v128> with 5 rows (5·2 accumulators): the same depth loop, order and store. */
function tile5x8(narrow: usize, depth: i32, wide: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  const wideEnd = wide + <usize>depth * PANEL_STEP_BYTES;
  while (wide < wideEnd) {
    const b0 = v128.load(wide);
    const b1 = v128.load(wide, 16);
    let a = v128.load(narrow);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load(narrow, 16);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load(narrow, 32);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load(narrow, 48);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load(narrow, 64);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    narrow += 5 * A_ELEMENT_BYTES;
    wide += PANEL_STEP_BYTES;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  storeRow(c, c00, c01, va, vb, beta);
  storeRow(c + 1 * ldcBytes, c10, c11, va, vb, beta);
  storeRow(c + 2 * ldcBytes, c20, c21, va, vb, beta);
  storeRow(c + 3 * ldcBytes, c30, c31, va, vb, beta);
  storeRow(c + 4 * ldcBytes, c40, c41, va, vb, beta);
}

/** tile4x8<v128> with 6 rows (6·2 accumulators): the same depth loop, order and store. */
function tile6x8(narrow: usize, depth: i32, wide: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  let c40 = f32x4.splat(0);
  let c41 = f32x4.splat(0);
  let c50 = f32x4.splat(0);
  let c51 = f32x4.splat(0);
  const wideEnd = wide + <usize>depth * PANEL_STEP_BYTES;
  while (wide < wideEnd) {
    const b0 = v128.load(wide);
    const b1 = v128.load(wide, 16);
    let a = v128.load(narrow);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = v128.load(narrow, 16);
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = v128.load(narrow, 32);
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = v128.load(narrow, 48);
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    a = v128.load(narrow, 64);
    c40 = madd(a, b0, c40);
    c41 = madd(a, b1, c41);
    a = v128.load(narrow, 80);
    c50 = madd(a, b0, c50);
    c51 = madd(a, b1, c51);
    narrow += 6 * A_ELEMENT_BYTES;
    wide += PANEL_STEP_BYTES;
  }
  const va = f32x4.splat(alpha);
  const vb = f32x4.splat(beta);
  storeRow(c, c00, c01, va, vb, beta);
  storeRow(c + 1 * ldcBytes, c10, c11, va, vb, beta);
  storeRow(c + 2 * ldcBytes, c20, c21, va, vb, beta);
  storeRow(c + 3 * ldcBytes, c30, c31, va, vb, beta);
  storeRow(c + 4 * ldcBytes, c40, c41, va, vb, beta);
  storeRow(c + 5 * ldcBytes, c50, c51, va, vb, beta);
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
 * Packs op(A) rows [0, rows) × depth [0, kc) into panels of tileRows rows; for each depth step a
 * panel holds its tileRows values one after another, each broadcast to all four lanes. The micro-kernel then
 * reads them with plain vector loads, whose immediate offsets V8 folds into the address (its
 * splat loads take an extra add per load; measured 2-4% slower). Element (i, p) lives at
 * src + i·strideI + p·strideK (bytes). Rows past `rows` are packed as zeros: their results are
 * never stored, but workspace garbage could hold denormals, which slow the arithmetic badly.
 */
function packA(src: usize, strideI: usize, strideK: usize, rows: i32, kc: i32, tileRows: i32, dst: usize): void {
  const stepBytes = <usize>tileRows * A_ELEMENT_BYTES;
  for (let i = 0; i < rows; i += tileRows) {
    const r0 = src + <usize>i * strideI;
    const live = min(tileRows, rows - i);
    if (tileRows != MR) {
      packRowsGeneric(r0, strideI, strideK, live, tileRows, kc, dst);
      dst += stepBytes * <usize>kc;
    } else if (live == MR && strideI == 4) {
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
      packRowsGeneric(r0, strideI, strideK, live, MR, kc, dst);
      dst += stepBytes * <usize>kc;
    }
  }
}

/** One panel of `height` rows, `live` of them real and the rest zeros, value by value. */
function packRowsGeneric(r0: usize, strideI: usize, strideK: usize, live: i32, height: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    const from = r0 + <usize>p * strideK;
    let r = 0;
    for (; r < live; r++) v128.store(dst + <usize>r * A_ELEMENT_BYTES, v128.load32_splat(from + <usize>r * strideI));
    for (; r < height; r++) v128.store(dst + <usize>r * A_ELEMENT_BYTES, f32x4.splat(0));
    dst += <usize>height * A_ELEMENT_BYTES;
  }
}
