import { ParamError, show } from '../errors.js';
import { heap, kernels, registerWarmup } from '../runtime/index.js';

/** The GEMM exports of the wasm module (assembly/gemm.ts). */
export interface GemmKernels {
  gemm(
    transA: number,
    transB: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    a: number,
    lda: number,
    b: number,
    ldb: number,
    beta: number,
    c: number,
    ldc: number,
    workspace: number,
  ): void;
  gemmWorkspaceBytes(m: number, n: number, k: number): number;
}

function checkDimension(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) throw new ParamError(`${name} must be a positive integer, got ${show(value)}`);
}

/** Leading dimension of a stored rows×cols row-major matrix must be ≥ cols. */
function checkLeading(name: string, ld: number, cols: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ParamError(`${name} must be an integer >= ${Math.max(1, cols)}, got ${show(ld)}`);
  }
}

// One pack workspace for every call, grown on demand: calls are synchronous and never nest, and
// keeping it avoids an alloc/free pair (and heap fragmentation) per product. Its size is bounded
// by the kernel's cache blocks (about 1.2 MB), not by the matrices.
let workspacePtr = 0;
let workspaceBytes = 0;

function packWorkspace(bytes: number): number {
  if (bytes > workspaceBytes) {
    const wasm = heap();
    if (workspaceBytes > 0) wasm.free(workspacePtr);
    workspaceBytes = 0;
    workspacePtr = wasm.alloc(bytes);
    workspaceBytes = bytes;
  }
  return workspacePtr;
}

/**
 * Reserves the pack workspace an m×n×k product needs. Call it before allocating short-lived
 * buffers so that the long-lived workspace does not land above them and fragment the heap.
 */
export function reserveGemmWorkspace(m: number, n: number, k: number): void {
  packWorkspace(kernels<GemmKernels>().gemmWorkspaceBytes(m, n, k) >>> 0);
}

/** Frees the pack workspace (the next product allocates it again). */
export function releaseGemmWorkspace(): void {
  if (workspaceBytes > 0) heap().free(workspacePtr);
  workspacePtr = 0;
  workspaceBytes = 0;
}

/**
 * In-place GEMM on wasm memory: C = alpha·op(A)·op(B) + beta·C, row-major, where op(A) is m×k,
 * op(B) is k×n and C is m×n. With `transA` A is stored k×m (so op(A) = Aᵀ); with `transB` B is
 * stored n×k. Pointers are byte addresses in wasm memory, leading dimensions are in elements.
 * BLAS semantics: beta = 0 never reads C, alpha = 0 never reads A or B.
 * May grow wasm memory (the pack workspace): re-derive views afterwards.
 */
export function gemmInto(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
): void {
  checkDimension('m', m);
  checkDimension('n', n);
  checkDimension('k', k);
  checkLeading('lda', lda, transA ? m : k);
  checkLeading('ldb', ldb, transB ? k : n);
  checkLeading('ldc', ldc, n);
  const wasm = kernels<GemmKernels>();
  const workspace = packWorkspace(wasm.gemmWorkspaceBytes(m, n, k) >>> 0);
  wasm.gemm(transA ? 1 : 0, transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace);
}

// Optimized code replaces V8's baseline code only on a call after a function got hot, so run every
// packing path (plain, transposed, edges) a few times at a realistic size before users time anything.
registerWarmup(() => {
  const m = 68;
  const n = 76;
  const k = 132;
  reserveGemmWorkspace(m, n, k);
  const wasm = heap();
  const a = wasm.alloc(m * k * 4);
  const b = wasm.alloc(k * n * 4);
  const c = wasm.alloc(m * n * 4);
  try {
    wasm.f32(a, m * k).fill(0.5);
    wasm.f32(b, k * n).fill(0.25);
    for (let round = 0; round < 4; round++) {
      for (const transA of [false, true]) {
        for (const transB of [false, true]) {
          gemmInto(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, round === 0 ? 0 : 1, c, n);
        }
      }
    }
  } finally {
    wasm.free(c);
    wasm.free(b);
    wasm.free(a);
  }
});
