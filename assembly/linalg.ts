// f64 Householder QR for the orthogonal initializer (and LSUV, which starts from it): the thin Q
// with R's diagonal made positive, as LAPACK's geqrf followed by q *= sign(diag(r)) gives. The
// inner loops run two rows per f64x2 and four columns per pass over a reflector; every sum keeps
// its two lanes apart until the end, and src/init/householder.ts, the scalar form init.orthogonal
// runs before ready(), adds in the same order: the same bits on every platform, before and after.

/**
 * Q (m×n, column by column, at `q`) of the QR decomposition of `a` (m×n, column by column, m ≥ n,
 * destroyed). `tau` and `signs` are scratch of n f64 each. A zero column gets H = I and sign +1.
 */
export function linalgOrthonormalColumns(a: usize, m: i32, n: i32, q: usize, tau: usize, signs: usize): void {
  const columnBytes = <usize>m << 3;
  for (let k = 0; k < n; k++) {
    const column = a + <usize>k * columnBytes;
    const norm = Math.sqrt(sumOfSquares(column + (<usize>k << 3), m - k));
    const alpha = load<f64>(column + (<usize>k << 3));
    if (norm == 0) {
      store<f64>(tau + (<usize>k << 3), 0);
      store<f64>(signs + (<usize>k << 3), 1);
      continue;
    }
    const beta = alpha >= 0 ? -norm : norm; // R[k][k]; its sign opposes alpha's, so no cancellation
    const t = (beta - alpha) / beta;
    store<f64>(tau + (<usize>k << 3), t);
    store<f64>(signs + (<usize>k << 3), beta > 0 ? 1 : -1);
    const inverse = 1 / (alpha - beta);
    for (let i = k + 1; i < m; i++) {
      const p = column + (<usize>i << 3);
      store<f64>(p, load<f64>(p) * inverse);
    }
    applyReflector(column, k, t, a, k + 1, m, n);
  }
  // Q = H_0 · H_1 ⋯ H_{n−1} · I[:, :n], accumulated from the last reflector: H_k touches rows ≥ k,
  // and columns < k of the partial product are still those of the identity.
  memory.fill(q, 0, columnBytes * <usize>n);
  for (let j = 0; j < n; j++) store<f64>(q + <usize>j * columnBytes + (<usize>j << 3), 1);
  for (let k = n - 1; k >= 0; k--) {
    const t = load<f64>(tau + (<usize>k << 3));
    if (t != 0) applyReflector(a + <usize>k * columnBytes, k, t, q, k, m, n);
  }
  for (let j = 0; j < n; j++) {
    if (load<f64>(signs + (<usize>j << 3)) < 0) {
      const column = q + <usize>j * columnBytes;
      for (let i = 0; i < m; i++) store<f64>(column + (<usize>i << 3), -load<f64>(column + (<usize>i << 3)));
    }
  }
}

function sumOfSquares(x: usize, count: i32): f64 {
  let acc = f64x2.splat(0);
  let i = 0;
  for (; i + 2 <= count; i += 2) {
    const v = v128.load(x + (<usize>i << 3));
    acc = f64x2.add(acc, f64x2.mul(v, v));
  }
  let sum = f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
  if (i < count) {
    const v = load<f64>(x + (<usize>i << 3));
    sum += v * v;
  }
  return sum;
}

/**
 * Applies H = I − tau·v·vᵀ to rows k..m−1 of columns first..n−1 of `target` (m×n, column by
 * column). v is `reflector` (a column of length m) below row k, with v[k] = 1 implied. Four
 * columns per pass, so each load of v serves four dot products and four updates.
 */
function applyReflector(reflector: usize, k: i32, tau: f64, target: usize, first: i32, m: i32, n: i32): void {
  const columnBytes = <usize>m << 3;
  const v = reflector;
  const start = k + 1;
  const pairs = (m - start) >> 1;
  const tail = start + (pairs << 1);
  let j = first;
  for (; j + 4 <= n; j += 4) {
    const c0 = target + <usize>j * columnBytes;
    const c1 = c0 + columnBytes;
    const c2 = c1 + columnBytes;
    const c3 = c2 + columnBytes;
    let d0 = f64x2.splat(0);
    let d1 = f64x2.splat(0);
    let d2 = f64x2.splat(0);
    let d3 = f64x2.splat(0);
    for (let p = 0; p < pairs; p++) {
      const offset = <usize>(start + (p << 1)) << 3;
      const x = v128.load(v + offset);
      d0 = f64x2.add(d0, f64x2.mul(x, v128.load(c0 + offset)));
      d1 = f64x2.add(d1, f64x2.mul(x, v128.load(c1 + offset)));
      d2 = f64x2.add(d2, f64x2.mul(x, v128.load(c2 + offset)));
      d3 = f64x2.add(d3, f64x2.mul(x, v128.load(c3 + offset)));
    }
    const s0 = tau * dotOf(d0, v, c0, k, tail, m);
    const s1 = tau * dotOf(d1, v, c1, k, tail, m);
    const s2 = tau * dotOf(d2, v, c2, k, tail, m);
    const s3 = tau * dotOf(d3, v, c3, k, tail, m);
    const kOffset = <usize>k << 3;
    store<f64>(c0 + kOffset, load<f64>(c0 + kOffset) - s0);
    store<f64>(c1 + kOffset, load<f64>(c1 + kOffset) - s1);
    store<f64>(c2 + kOffset, load<f64>(c2 + kOffset) - s2);
    store<f64>(c3 + kOffset, load<f64>(c3 + kOffset) - s3);
    const v0 = f64x2.splat(s0);
    const v1 = f64x2.splat(s1);
    const v2 = f64x2.splat(s2);
    const v3 = f64x2.splat(s3);
    for (let p = 0; p < pairs; p++) {
      const offset = <usize>(start + (p << 1)) << 3;
      const x = v128.load(v + offset);
      v128.store(c0 + offset, f64x2.sub(v128.load(c0 + offset), f64x2.mul(v0, x)));
      v128.store(c1 + offset, f64x2.sub(v128.load(c1 + offset), f64x2.mul(v1, x)));
      v128.store(c2 + offset, f64x2.sub(v128.load(c2 + offset), f64x2.mul(v2, x)));
      v128.store(c3 + offset, f64x2.sub(v128.load(c3 + offset), f64x2.mul(v3, x)));
    }
    if (tail < m) {
      const offset = <usize>tail << 3;
      const x = load<f64>(v + offset);
      store<f64>(c0 + offset, load<f64>(c0 + offset) - s0 * x);
      store<f64>(c1 + offset, load<f64>(c1 + offset) - s1 * x);
      store<f64>(c2 + offset, load<f64>(c2 + offset) - s2 * x);
      store<f64>(c3 + offset, load<f64>(c3 + offset) - s3 * x);
    }
  }
  for (; j < n; j++) {
    const c = target + <usize>j * columnBytes;
    let d = f64x2.splat(0);
    for (let p = 0; p < pairs; p++) {
      const offset = <usize>(start + (p << 1)) << 3;
      d = f64x2.add(d, f64x2.mul(v128.load(v + offset), v128.load(c + offset)));
    }
    const s = tau * dotOf(d, v, c, k, tail, m);
    store<f64>(c + (<usize>k << 3), load<f64>(c + (<usize>k << 3)) - s);
    const vs = f64x2.splat(s);
    for (let p = 0; p < pairs; p++) {
      const offset = <usize>(start + (p << 1)) << 3;
      v128.store(c + offset, f64x2.sub(v128.load(c + offset), f64x2.mul(vs, v128.load(v + offset))));
    }
    if (tail < m) {
      const offset = <usize>tail << 3;
      store<f64>(c + offset, load<f64>(c + offset) - s * load<f64>(v + offset));
    }
  }
}

/** vᵀc over rows k..m−1 (v[k] = 1): c[k] + the two lanes of the paired sum + the odd last row. */
// @ts-ignore: decorator
@inline
function dotOf(lanes: v128, v: usize, c: usize, k: i32, tail: i32, m: i32): f64 {
  let dot = load<f64>(c + (<usize>k << 3)) + f64x2.extract_lane(lanes, 0) + f64x2.extract_lane(lanes, 1);
  if (tail < m) dot += load<f64>(v + (<usize>tail << 3)) * load<f64>(c + (<usize>tail << 3));
  return dot;
}
