// The register tile and panel packing that GEMM (gemm.ts) and the RBM products (rbm/) share.
//
// A tile is 4 rows × 8 columns of a product held in 8 f32x4 accumulators, which fit V8's 16 XMM
// registers (larger tiles spill). Each depth step multiplies four broadcast values of the narrow
// operand (one per tile row) by one 8-float row of the wide operand, packed in panels of 8 columns
// by packPanels. Every element of a tile sums its depth steps one after another in order, so a
// product gives the same bits whichever caller, thread or block of rows computes it.

/**
 * a·b + c, lane by lane. The default build rounds the product and then the sum; the FMA build
 * (`--enable relaxed-simd`, loaded by `ready({ fma: true })`) emits `f32x4.relaxed_madd`, which
 * the engine may fuse into one rounding (it does wherever the CPU has FMA): other bits, the same
 * ones on every call on one machine. The choice is made at compile time, so the loops below are
 * the same instructions otherwise.
 */
// @ts-ignore: decorator
@inline
export function madd(a: v128, b: v128, c: v128): v128 {
  if (ASC_FEATURE_RELAXED_SIMD) return f32x4.relaxed_madd(a, b, c);
  return f32x4.add(c, f32x4.mul(a, b));
}

/** Rows of a tile. */
export const MR: i32 = 4;
/** Columns of a tile. */
export const NR: i32 = 8;
/** Bytes of one tile stored densely (rows NR·4 bytes apart). */
export const TILE_BYTES: usize = MR * NR * 4;
/** Bytes of one depth step of a wide panel. */
export const PANEL_STEP_BYTES: usize = NR * 4;

/**
 * Sums one 4×8 tile and stores alpha·sums + beta·C to c (rows ldcBytes apart; beta = 0 never reads
 * C, and alpha = 1 stores the sums exactly). The wide operand's depth steps are
 * first the `gathered` ones at gatherBase + offsets[t] (i32 byte offsets: steps kept from a longer
 * depth, see rbm/products.ts), then `dense` contiguous ones from denseWide. The narrow operand
 * advances contiguously through both. Its layout is the type argument: f32, the tile rows' 4
 * values side by side (16 bytes per step), broadcast as they are loaded; v128, each value stored
 * already broadcast (64 bytes per step, as gemm's packA writes it, so that V8 folds every load's
 * offset into the address: its splat loads take an extra add per load).
 */
export function tile4x8<A>(
  narrow: usize,
  gathered: i32,
  offsets: usize,
  gatherBase: usize,
  dense: i32,
  denseWide: usize,
  alpha: f32,
  beta: f32,
  c: usize,
  ldcBytes: usize,
): void {
  let c00 = f32x4.splat(0);
  let c01 = f32x4.splat(0);
  let c10 = f32x4.splat(0);
  let c11 = f32x4.splat(0);
  let c20 = f32x4.splat(0);
  let c21 = f32x4.splat(0);
  let c30 = f32x4.splat(0);
  let c31 = f32x4.splat(0);
  const splatted = sizeof<A>() == 16;
  const offsetsEnd = offsets + (<usize>gathered << 2);
  for (; offsets < offsetsEnd; offsets += 4) {
    const b = gatherBase + <usize>load<i32>(offsets);
    const b0 = v128.load(b);
    const b1 = v128.load(b, 16);
    let a = splatted ? v128.load(narrow) : v128.load32_splat(narrow);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = splatted ? v128.load(narrow, sizeof<A>()) : v128.load32_splat(narrow, sizeof<A>());
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = splatted ? v128.load(narrow, 2 * sizeof<A>()) : v128.load32_splat(narrow, 2 * sizeof<A>());
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = splatted ? v128.load(narrow, 3 * sizeof<A>()) : v128.load32_splat(narrow, 3 * sizeof<A>());
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    narrow += MR * sizeof<A>();
  }
  // One depth step per iteration: TurboFan hoists every load of an unrolled body above its
  // arithmetic and then spills, which measured 25-30% slower than this plain loop. Looping on
  // an end pointer instead of a counter saves an add per step (measured ~7%).
  const denseEnd = denseWide + <usize>dense * PANEL_STEP_BYTES;
  while (denseWide < denseEnd) {
    const b0 = v128.load(denseWide);
    const b1 = v128.load(denseWide, 16);
    let a = splatted ? v128.load(narrow) : v128.load32_splat(narrow);
    c00 = madd(a, b0, c00);
    c01 = madd(a, b1, c01);
    a = splatted ? v128.load(narrow, sizeof<A>()) : v128.load32_splat(narrow, sizeof<A>());
    c10 = madd(a, b0, c10);
    c11 = madd(a, b1, c11);
    a = splatted ? v128.load(narrow, 2 * sizeof<A>()) : v128.load32_splat(narrow, 2 * sizeof<A>());
    c20 = madd(a, b0, c20);
    c21 = madd(a, b1, c21);
    a = splatted ? v128.load(narrow, 3 * sizeof<A>()) : v128.load32_splat(narrow, 3 * sizeof<A>());
    c30 = madd(a, b0, c30);
    c31 = madd(a, b1, c31);
    narrow += MR * sizeof<A>();
    denseWide += PANEL_STEP_BYTES;
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
 * Packs columns [0, cols) × depth [0, depth) of a matrix into panels of NR columns: for each depth
 * step a panel holds its NR values contiguously (PANEL_STEP_BYTES), columns past `cols` packed as
 * zeros (workspace garbage could hold denormals, which slow the arithmetic badly). Element
 * (p, j) lives at src + j·strideJ + p·strideK (bytes); panels follow each other every
 * depth·PANEL_STEP_BYTES bytes. Adjacent columns copy vectors; a unit depth stride (a transposed
 * matrix) is transposed 4×4 at a time.
 */
export function packPanels(src: usize, strideJ: usize, strideK: usize, cols: i32, depth: i32, dst: usize): void {
  const panelBytes = <usize>depth * PANEL_STEP_BYTES;
  let j = 0;
  for (; j + NR <= cols; j += NR) {
    const from = src + <usize>j * strideJ;
    if (strideJ == 4) {
      copyPanel(from, strideK, depth, dst);
    } else if (strideK == 4) {
      transposeToPanel(from, strideJ, depth, dst);
      transposeToPanel(from + 4 * strideJ, strideJ, depth, dst + 16);
    } else {
      gatherPanel(from, strideJ, strideK, NR, depth, dst);
    }
    dst += panelBytes;
  }
  if (j < cols) gatherPanel(src + <usize>j * strideJ, strideJ, strideK, cols - j, depth, dst);
}

/** A full panel whose NR columns are adjacent in memory. */
function copyPanel(src: usize, strideK: usize, depth: i32, dst: usize): void {
  for (let p = 0; p < depth; p++) {
    v128.store(dst, v128.load(src));
    v128.store(dst, v128.load(src, 16), 16);
    src += strideK;
    dst += PANEL_STEP_BYTES;
  }
}

/**
 * Four columns whose depth is contiguous (stride 4 bytes): reads 4×4 blocks and writes them
 * transposed into lanes [0, 4) of each step of the panel.
 */
function transposeToPanel(src: usize, strideJ: usize, depth: i32, dst: usize): void {
  const s1 = src + strideJ;
  const s2 = s1 + strideJ;
  const s3 = s2 + strideJ;
  let p = 0;
  for (; p + 4 <= depth; p += 4) {
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
    v128.store(dst, i32x4.shuffle(lo01, lo23, 2, 3, 6, 7), PANEL_STEP_BYTES);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 0, 1, 4, 5), 2 * PANEL_STEP_BYTES);
    v128.store(dst, i32x4.shuffle(hi01, hi23, 2, 3, 6, 7), 3 * PANEL_STEP_BYTES);
    dst += 4 * PANEL_STEP_BYTES;
  }
  for (; p < depth; p++) {
    const offset = <usize>p << 2;
    store<f32>(dst, load<f32>(src + offset));
    store<f32>(dst, load<f32>(s1 + offset), 4);
    store<f32>(dst, load<f32>(s2 + offset), 8);
    store<f32>(dst, load<f32>(s3 + offset), 12);
    dst += PANEL_STEP_BYTES;
  }
}

/** Element-by-element packing of `cols` (≤ NR) columns; the rest of the panel is zero-filled. */
function gatherPanel(src: usize, strideJ: usize, strideK: usize, cols: i32, depth: i32, dst: usize): void {
  for (let p = 0; p < depth; p++) {
    const from = src + <usize>p * strideK;
    let j = 0;
    for (; j < cols; j++) store<f32>(dst + (<usize>j << 2), load<f32>(from + <usize>j * strideJ));
    for (; j < NR; j++) store<f32>(dst + (<usize>j << 2), 0);
    dst += PANEL_STEP_BYTES;
  }
}
