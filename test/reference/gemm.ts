/**
 * Scalar reference GEMM: C = alpha·op(A)·op(B) + beta·C, row-major, each dot product summed in
 * f64. Tests measure the wasm kernel against it, and the benchmark runs it as the plain-JS peer.
 * Same BLAS conventions as the kernel: beta = 0 never reads C, alpha = 0 never reads A or B.
 * `c` may be a Float64Array to keep the result unrounded.
 */
export function referenceGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  lda: number,
  b: ArrayLike<number>,
  ldb: number,
  beta: number,
  c: Float32Array | Float64Array,
  ldc: number,
): void {
  // Strides of op(A) along i and p, and of op(B) along p and j.
  const aI = transA ? 1 : lda;
  const aP = transA ? lda : 1;
  const bP = transB ? 1 : ldb;
  const bJ = transB ? ldb : 1;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      if (alpha !== 0) {
        for (let p = 0; p < k; p++) sum += a[i * aI + p * aP] * b[p * bP + j * bJ];
      }
      const at = i * ldc + j;
      c[at] = beta === 0 ? alpha * sum : alpha * sum + beta * c[at];
    }
  }
}
