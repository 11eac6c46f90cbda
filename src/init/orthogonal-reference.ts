// The orthogonal initializer's QR in plain TypeScript, the scalar reference the wasm kernel
// (assembly/linalg.ts) is tested against. Same algorithm; sums associate in row order here.

/**
 * The Q (m×n, stored column by column) of the thin QR decomposition A = QR of `a`, an m×n matrix
 * stored column by column with m ≥ n, with signs chosen so that R's diagonal is positive. That Q
 * is unique for a full-rank A, so it does not depend on the Householder sign convention: it is
 * what `q * sign(diag(r))` gives after LAPACK's geqrf, as PyTorch and Keras compute. Destroys `a`.
 */
export function orthonormalColumnsReference(a: Float64Array, m: number, n: number): Float64Array {
  const tau = new Float64Array(n);
  const diagonalSign = new Float64Array(n);
  // Householder QR in place: column k below the diagonal becomes the reflector v_k (v_k[k] = 1
  // implied), H_k = I − tau_k·v_k·v_kᵀ, and only the signs of R's diagonal are kept.
  for (let k = 0; k < n; k++) {
    const column = k * m;
    let squares = 0;
    for (let i = k; i < m; i++) squares += a[column + i] * a[column + i];
    const norm = Math.sqrt(squares);
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

/**
 * Applies H = I − tau·v·vᵀ to rows k..m−1 of columns first..n−1 of `target` (m×n, column by
 * column). v is column k of `reflectors` below the diagonal, with v[k] = 1 implied. Columns go
 * two at a time so that each load of v serves both: about twice as fast in V8 as one at a time.
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
  let j = first;
  for (; j + 1 < n; j += 2) {
    const c0 = j * m;
    const c1 = c0 + m;
    let dot0 = target[c0 + k];
    let dot1 = target[c1 + k];
    for (let i = k + 1; i < m; i++) {
      const x = reflectors[v + i];
      dot0 += x * target[c0 + i];
      dot1 += x * target[c1 + i];
    }
    const s0 = tau * dot0;
    const s1 = tau * dot1;
    target[c0 + k] -= s0;
    target[c1 + k] -= s1;
    for (let i = k + 1; i < m; i++) {
      const x = reflectors[v + i];
      target[c0 + i] -= s0 * x;
      target[c1 + i] -= s1 * x;
    }
  }
  if (j < n) {
    const c = j * m;
    let dot = target[c + k];
    for (let i = k + 1; i < m; i++) dot += reflectors[v + i] * target[c + i];
    const s = tau * dot;
    target[c + k] -= s;
    for (let i = k + 1; i < m; i++) target[c + i] -= s * reflectors[v + i];
  }
}
