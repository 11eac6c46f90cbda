// Packed, register-blocked f32 GEMM: C = alpha·op(A)·op(B) + beta·C, all matrices row-major.
//
// Loop nest after Goto/BLIS: a KC×NC block of op(B) is packed into 8-column panels and an MC×KC
// block of op(A) into 4-row panels, then a 4×8 register tile (8 f32x4 accumulators, which fit
// V8's 16 XMM registers; larger tiles spill) walks them with full-vector loads at immediate
// offsets only. Packing absorbs the transposes, so NN, NT, TN and TT all run the same inner loop.
// BLAS semantics: beta = 0 never reads C (NaN there does not leak), alpha = 0 never reads A or B.

const MR = 4;
const NR = 8;
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

const TILE_BYTES: usize = MR * NR * 4;

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
      packB(b + <usize>pc * bStrideK + <usize>jc * bStrideJ, bStrideJ, bStrideK, nc, kc, packedB);
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
        microKernel(kc, pa, pb, alpha, beta, cTile, ldcBytes);
      } else {
        // Edge: compute the whole zero-padded tile aside, then merge only the valid part.
        microKernel(kc, pa, pb, alpha, 0, tile, NR * 4);
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
 * The 4×8 register tile over kc steps: per step four broadcast values of packed A times one
 * 8-float row of packed B. Then C = alpha·acc + beta·C.
 */
function microKernel(kc: i32, pa: usize, pb: usize, alpha: f32, beta: f32, c: usize, ldcBytes: usize): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  // One depth step per iteration: TurboFan hoists every load of an unrolled body above its
  // arithmetic and then spills, which measured 25-30% slower than this plain loop. Looping on
  // an end pointer instead of a counter saves an add per step (measured ~7%).
  const end = pb + <usize>kc * (NR * 4);
  while (pb < end) {
    const b0 = v128.load(pb);
    const b1 = v128.load(pb, 16);
    let a = v128.load(pa);
    c00 = f32x4.add(c00, f32x4.mul(a, b0));
    c01 = f32x4.add(c01, f32x4.mul(a, b1));
    a = v128.load(pa, 16);
    c10 = f32x4.add(c10, f32x4.mul(a, b0));
    c11 = f32x4.add(c11, f32x4.mul(a, b1));
    a = v128.load(pa, 32);
    c20 = f32x4.add(c20, f32x4.mul(a, b0));
    c21 = f32x4.add(c21, f32x4.mul(a, b1));
    a = v128.load(pa, 48);
    c30 = f32x4.add(c30, f32x4.mul(a, b0));
    c31 = f32x4.add(c31, f32x4.mul(a, b1));
    pa += MR * A_ELEMENT_BYTES;
    pb += NR * 4;
  }
  const va = f32x4.splat(alpha);
  const c0 = c;
  const c1 = c0 + ldcBytes;
  const c2 = c1 + ldcBytes;
  const c3 = c2 + ldcBytes;
  if (beta == 0) {
    v128.store(c0, f32x4.mul(c00, va));
    v128.store(c0, f32x4.mul(c01, va), 16);
    v128.store(c1, f32x4.mul(c10, va));
    v128.store(c1, f32x4.mul(c11, va), 16);
    v128.store(c2, f32x4.mul(c20, va));
    v128.store(c2, f32x4.mul(c21, va), 16);
    v128.store(c3, f32x4.mul(c30, va));
    v128.store(c3, f32x4.mul(c31, va), 16);
  } else {
    const vb = f32x4.splat(beta);
    v128.store(c0, f32x4.add(f32x4.mul(c00, va), f32x4.mul(v128.load(c0), vb)));
    v128.store(c0, f32x4.add(f32x4.mul(c01, va), f32x4.mul(v128.load(c0, 16), vb)), 16);
    v128.store(c1, f32x4.add(f32x4.mul(c10, va), f32x4.mul(v128.load(c1), vb)));
    v128.store(c1, f32x4.add(f32x4.mul(c11, va), f32x4.mul(v128.load(c1, 16), vb)), 16);
    v128.store(c2, f32x4.add(f32x4.mul(c20, va), f32x4.mul(v128.load(c2), vb)));
    v128.store(c2, f32x4.add(f32x4.mul(c21, va), f32x4.mul(v128.load(c2, 16), vb)), 16);
    v128.store(c3, f32x4.add(f32x4.mul(c30, va), f32x4.mul(v128.load(c3), vb)));
    v128.store(c3, f32x4.add(f32x4.mul(c31, va), f32x4.mul(v128.load(c3, 16), vb)), 16);
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

/**
 * Packs op(B) columns [0, cols) × depth [0, kc) into panels of NR columns: for each depth step a
 * panel holds its NR values contiguously; columns past `cols` are packed as zeros (as in packA).
 * Element (p, j) lives at src + j·strideJ + p·strideK (bytes). Row-major B copies vectors; Bᵀ
 * stored (unit depth stride) is transposed 4×4 at a time.
 */
function packB(src: usize, strideJ: usize, strideK: usize, cols: i32, kc: i32, dst: usize): void {
  const panelBytes = <usize>kc * (NR * 4);
  let j = 0;
  for (; j + NR <= cols; j += NR) {
    const from = src + <usize>j * strideJ;
    if (strideJ == 4) {
      copyPanel(from, strideK, kc, dst);
    } else if (strideK == 4) {
      transposeToPanel(from, strideJ, kc, dst);
      transposeToPanel(from + 4 * strideJ, strideJ, kc, dst + 16);
    } else {
      gatherPanel(from, strideJ, strideK, NR, kc, dst);
    }
    dst += panelBytes;
  }
  if (j < cols) gatherPanel(src + <usize>j * strideJ, strideJ, strideK, cols - j, kc, dst);
}

/** A full panel whose NR columns are adjacent in memory. */
function copyPanel(src: usize, strideK: usize, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
    src += strideK;
    dst += NR * 4;
  }
}

/**
 * Four columns whose depth is contiguous (stride 4 bytes): reads 4×4 blocks and writes them
 * transposed into lanes [0, 4) of each NR-float step of the panel.
 */
function transposeToPanel(src: usize, strideJ: usize, kc: i32, dst: usize): void {
  const s1 = src + strideJ;
  const s2 = s1 + strideJ;
  const s3 = s2 + strideJ;
  let p = 0;
  for (; p + 4 <= kc; p += 4) {
    const offset = <usize>p << 2;
    const x0 = v128.load(src + offset);
    const x1 = v128.load(s1 + offset);
    const x2 = v128.load(s2 + offset);
    const x3 = v128.load(s3 + offset);
    const lo01 = i32x4.shuffle(x0, x1, 0, 4, 1, 5);
    const hi01 = i32x4.shuffle(x0, x1, 2, 6, 3, 7);
    const lo23 = i32x4.shuffle(x2, x3, 0, 4, 1, 5);
    const hi23 = i32x4.shuffle(x2, x3, 2, 6, 3, 7);
    v128.store(dst, i32x4.shuffle(lo01, lo23, 0, 1, 4, 5));
    v128.store(dst, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7), NR * 4);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 2 * NR * 4);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 3 * NR * 4);
    dst += 4 * NR * 4;
  }
  for (; p < kc; p++) {
    const offset = <usize>p << 2;
    store<f32>(dst, load<f32>(src + offset));
    store<f32>(dst, load<f32>(s1 + offset), 4);
    store<f32>(dst, load<f32>(s2 + offset), 8);
    store<f32>(dst, load<f32>(s3 + offset), 12);
    dst += NR * 4;
  }
}

/** Element-by-element packing of `cols` (≤ NR) columns; the rest of the panel is zero-filled. */
function gatherPanel(src: usize, strideJ: usize, strideK: usize, cols: i32, kc: i32, dst: usize): void {
  for (let p = 0; p < kc; p++) {
    const from = src + <usize>p * strideK;
    let j = 0;
    for (; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(from + <usize>j * strideJ));
    for (; j < NR; j++) store<f32>(dst + (<usize>j << 2), 0);
    dst += NR * 4;
  }
}
