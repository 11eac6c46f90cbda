import { ShapeError, show } from '../errors.js';
import { booleanOption, checkOptions } from '../options.js';
import { withBuffers } from '../runtime/index.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { gemmInto, reserveGemmWorkspace } from './gemm.js';

export interface MatmulOptions {
  /** Use aᵀ in place of a (a is stored k×m). */
  transposeA?: boolean;
  /** Use bᵀ in place of b (b is stored n×k). */
  transposeB?: boolean;
}

/**
 * The matrix product op(a)·op(b) of two 2-D f32 tensors, as a new Tensor of shape [m, n], where
 * op(a) is a or aᵀ (m×k) and op(b) is b or bᵀ (k×n). Every transpose form runs the same packed
 * SIMD kernel. NaN and ±∞ propagate as IEEE arithmetic says (∞·0 = NaN).
 *
 * ```ts
 * const y = nninit.ops.matmul(x, w, { transposeB: true });   // x·wᵀ, w stored [out, in]
 * ```
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const o = checkOptions('matmul', options, { transposeA: true, transposeB: true });
  const transA = booleanOption('matmul: transposeA', o.transposeA, false);
  const transB = booleanOption('matmul: transposeB', o.transposeB, false);
  const left = checkMatrix(a, 'matmul: a');
  const right = checkMatrix(b, 'matmul: b');
  const m = transA ? left.cols : left.rows;
  const k = transA ? left.rows : left.cols;
  const kB = transB ? right.cols : right.rows;
  const n = transB ? right.rows : right.cols;
  if (k !== kB) {
    const opA = transA ? `aᵀ (a is ${show(a.shape)})` : `a ${show(a.shape)}`;
    const opB = transB ? `bᵀ (b is ${show(b.shape)})` : `b ${show(b.shape)}`;
    throw new ShapeError(`matmul: inner dimensions differ: ${opA} has ${k} columns but ${opB} has ${kB} rows`);
  }
  reserveGemmWorkspace(m, n, k);
  const data = withBuffers([m * k, k * n, m * n], (bufA, bufB, bufC) => {
    bufA.write(left.data);
    bufB.write(right.data);
    gemmInto(transA, transB, m, n, k, 1, bufA.ptr, left.cols, bufB.ptr, right.cols, 0, bufC.ptr, n);
    return bufC.toArray();
  });
  return { shape: [m, n], data };
}
