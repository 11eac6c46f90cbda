// The orthogonal initializer's Householder QR in plain TypeScript, bit for bit the computation of
// the wasm kernel (assembly/linalg.ts): init.orthogonal runs it before `ready()` has resolved, so
// a seed gives the same weights either way, and test/orthogonal-kernel.test.ts holds the two to
// identical bits. The kernel sums two rows per f64x2; here each sum keeps the same two lane
// accumulators (rows k, k+2, … and k+1, k+3, … of the pair run), added in the kernel's order.

/**
 * The Q (m×n, stored column by column) of the thin QR decomposition A = QR of `a`, an m×n matrix
 * stored column by column with m ≥ n, with signs chosen so that R's diagonal is positive. That Q
 * is unique for a full-rank A, so it does not depend on the Householder sign convention: it is
 * what `q * sign(diag(r))` gives after LAPACK's geqrf, as PyTorch and Keras compute. Destroys `a`.
 */
export function orthonormalColumnsScalar(a: Float64Array, m: number, n: number): Float64Array {
  const tau = new Float64Array(n);
  const diagonalSign = new Float64Array(n);
  // Householder QR in place: column k below the diagonal becomes the reflector v_k (v_k[k] = 1
  // implied), H_k = I − tau_k·v_k·v_kᵀ, and only the signs of R's diagonal are kept.
  for (let k = 0; k < n; k++) {
    const column = k * m;
    const norm = Math.sqrt(sumOfSquares(a, column + k, m - k));
    const alpha = a[column + k];
    if (norm === 0) {
      // A zero column (probability 0): H_k = I. PyTorch's sign(0) = 0 would zero the column
      // of Q; +1 keeps Q orthonormal.
      diagonalSign[k] = 1;
      continue;
    }
    const beta = alpha >= 0 ? -norm : norm; // R[k][k]; its sign opposes alpha's, so no cancellation
    tau[k] = (beta - alpha) / beta;
    diagonalSign[k] = beta > 0 ? 1 : -1;
    const inverse = 1 / (alpha - beta);
    for (let i = k + 1; i < m; i++) a[column + i] *= inverse;
    applyReflector(a, k, tau[k], a, k + 1, m, n);
  }
  // Q = H_0 · H_1 ⋯ H_{n−1} · I[:, :n], accumulated from the last reflector: H_k touches rows ≥ k,
  // and columns < k of the partial product are still those of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * m + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    if (tau[k] !== 0) applyReflector(a, k, tau[k], q, k, m, n);
  }
  for (let j = 0; j < n; j++) {
    if (diagonalSign[j] < 0) for (let i = 0; i < m; i++) q[j * m + i] = -q[j * m + i];
  }
  return q;
}

/** Σ x² over x[start], …, x[start + count − 1]: two lane sums over the pairs, then the odd last one. */
function sumOfSquares(x: Float64Array, start: number, count: number): number {
  let lane0 = 0;
  let lane1 = 0;
  let i = 0;
  for (; i + 2 <= count; i += 2) {
    lane0 += x[start + i] * x[start + i];
    lane1 += x[start + i + 1] * x[start + i + 1];
  }
  let sum = lane0 + lane1;
  if (i < count) sum += x[start + i] * x[start + i];
  return sum;
}

/**
 * Applies H = I − tau·v·vᵀ to rows k..m−1 of columns first..n−1 of `target` (m×n, column by
 * column). v is column k of `reflectors` below the diagonal, with v[k] = 1 implied. vᵀc is
 * c[k] + the two lane sums over the row pairs from k + 1, + the odd last row, as the kernel adds it.
 */
function applyReflector(
  reflectors: Float64Array,
  k: number,
  tau: number,
  target: Float64Array,
  first: number,
  m: number,
  n: number,
): void {
  const v = k * m;
  const start = k + 1;
  const tail = start + (((m - start) >> 1) << 1);
  for (let j = first; j < n; j++) {
    const c = j * m;
    let lane0 = 0;
    let lane1 = 0;
    for (let i = start; i < tail; i += 2) {
      lane0 += reflectors[v + i] * target[c + i];
      lane1 += reflectors[v + i + 1] * target[c + i + 1];
    }
    let dot = target[c + k] + lane0 + lane1;
    if (tail < m) dot += reflectors[v + tail] * target[c + tail];
    const s = tau * dot;
    target[c + k] -= s;
    for (let i = start; i < m; i++) target[c + i] -= s * reflectors[v + i];
  }
}
