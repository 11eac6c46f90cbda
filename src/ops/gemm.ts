import { ParamError, WasmError, show } from '../errors.js';
import { positiveInteger } from '../options.js';
import { heap, kernels, poolCall, registerWarmup, threadPool } from '../runtime/index.js';
import type { GemmWithTileArgs } from '../runtime/kernels.generated.js';
import { WorkerCallError, type ThreadPool } from '../runtime/threads.js';

/** Leading dimension of a stored rows×cols row-major matrix must be ≥ cols. */
function checkLeading(name: string, ld: number, cols: number): void {
  if (!Number.isInteger(ld) || ld < Math.max(1, cols)) {
    throw new ParamError(`${name} must be an integer >= ${Math.max(1, cols)}, got ${show(ld)}`);
  }
}

/** A pack workspace in wasm memory, kept between products and grown on demand. */
interface Workspace {
  ptr: number;
  bytes: number;
}

/** The workspace's pointer, after growing it to at least `bytes`. */
function grown(workspace: Workspace, bytes: number): number {
  if (bytes > workspace.bytes) {
    release(workspace);
    workspace.ptr = heap().alloc(bytes);
    workspace.bytes = bytes;
  }
  return workspace.ptr;
}

function release(workspace: Workspace): void {
  if (workspace.bytes > 0) heap().free(workspace.ptr);
  workspace.ptr = 0;
  workspace.bytes = 0;
}

// One pack workspace for the calling thread's products: calls are synchronous and never nest, and
// keeping it avoids an alloc/free pair (and heap fragmentation) per product. Its size is bounded
// by the kernel's cache blocks (about 1.2 MB), not by the matrices.
const callerWorkspace: Workspace = { ptr: 0, bytes: 0 };

/**
 * Reserves the pack workspace an m×n×k product needs. Call it before allocating short-lived
 * buffers so that the long-lived workspace does not land above them and fragment the heap.
 */
export function reserveGemmWorkspace(m: number, n: number, k: number): void {
  grown(callerWorkspace, kernels().gemmWorkspaceBytes(m, n, k) >>> 0);
}

/** Frees the pack workspaces (the next product allocates them again). */
export function releaseGemmWorkspace(): void {
  release(callerWorkspace);
  releaseWorkerWorkspaces();
}

// ---- Threads ---------------------------------------------------------------------------------
//
// With workers running (nninit.ready({ threads })), a large product is split into blocks of whole
// rows of C (or whole columns when C has few rows), one per thread, each a complete `gemm` call
// with the same k on its own pack workspace. Every element of C still sees the same depth blocks
// (they depend on k only) summed in the same order with the same micro-kernel, so the result is
// bit-identical to one call: threads never change a seed's bits.

/** Smallest m·n·k worth splitting: below it a wake-up round trip (tens of µs) costs more than it saves. */
export const PARALLEL_MIN_WORK = 1 << 21;
let parallelMinWork = PARALLEL_MIN_WORK;

/** Whether a product of `work` = m·n·k multiply-adds is worth splitting (the RBM kernels split at the same threshold). */
export function worthSplitting(work: number): boolean {
  return work >= parallelMinWork;
}

/** Sets the split threshold on m·n·k (tests use 0 to split every product); returns the old one. */
export function setParallelMinWork(work: number): number {
  const old = parallelMinWork;
  parallelMinWork = work;
  return old;
}
const MR = 4;
const NR = 8;

// ---- Tile height ----------------------------------------------------------------------------
//
// The kernel's register tile is 4, 5 or 6 rows × 8 columns (assembly/gemm.ts). Which is fastest
// depends on the engine more than the CPU: Node 20's V8 hoists the depth loop's loads and spills
// the taller tiles' accumulators (0.6–0.8×), Node 24's keeps them in order and runs 5×8 ~1.08× and,
// with FMA, 6×8 ~1.1× faster than 4×8. Every height sums each element of C in the same order, so
// ready() times them (a few ms) and keeps the fastest, and no choice changes a bit.

/** Tile heights the kernel offers. */
export const GEMM_TILE_ROWS = [4, 5, 6] as const;
export type GemmTileRows = (typeof GEMM_TILE_ROWS)[number];
let tileRows: GemmTileRows = 4;

/** The tile height products run on now (4 until ready()'s probe picks another). */
export function gemmTileRows(): GemmTileRows {
  return tileRows;
}

/** Sets the tile height (tests and benches; ready() sets it again by its probe); returns the old one. */
export function setGemmTileRows(rows: GemmTileRows): GemmTileRows {
  if (!GEMM_TILE_ROWS.includes(rows)) throw new ParamError(`tile rows must be one of ${GEMM_TILE_ROWS.join(', ')}, got ${show(rows)}`);
  const old = tileRows;
  tileRows = rows;
  return old;
}

/** A block of C: rows [row, row + rows) × columns [col, col + cols). */
export interface GemmBlock {
  row: number;
  rows: number;
  col: number;
  cols: number;
}

/**
 * How an m×n product splits over `threads`: whole rows in multiples of 4 (the kernel's register
 * tile height), or whole columns in multiples of 8 when rows cannot give more blocks, or when C
 * is much wider than tall (each row block packs all of op(B), each column block all of op(A),
 * which packs at four times the bytes).
 */
export function splitGemm(m: number, n: number, threads: number): GemmBlock[] {
  const rowBlocks = Math.min(threads, Math.ceil(m / MR));
  const colBlocks = Math.min(threads, Math.ceil(n / NR));
  const byRows = rowBlocks > colBlocks || (rowBlocks === colBlocks && 2 * m >= n);
  const total = byRows ? m : n;
  const align = byRows ? MR : NR;
  const blocks = byRows ? rowBlocks : colBlocks;
  const step = Math.ceil(Math.ceil(total / blocks) / align) * align;
  const out: GemmBlock[] = [];
  for (let start = 0; start < total; start += step) {
    const size = Math.min(step, total - start);
    out.push(byRows ? { row: start, rows: size, col: 0, cols: n } : { row: 0, rows: m, col: start, cols: size });
  }
  return out;
}

// One pack workspace per worker, grown on demand like the caller's; freed when the pool changes.
let workerWorkspaces: Workspace[] = [];
let workspacePool: ThreadPool | null = null;

function releaseWorkerWorkspaces(): void {
  for (const workspace of workerWorkspaces) release(workspace);
  workerWorkspaces = [];
}

/** Runs the product split over the pool; the caller has validated the arguments. */
function gemmParallel(
  pool: ThreadPool,
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
): boolean {
  const blocks = splitGemm(m, n, pool.workers + 1);
  if (blocks.length < 2) return false;
  if (pool !== workspacePool) {
    releaseWorkerWorkspaces();
    workspacePool = pool;
  }
  const wasm = kernels();
  // Reserve every workspace first: an allocation may grow memory, which the pointers survive.
  const spaces = blocks.map((block, i) => {
    const bytes = wasm.gemmWorkspaceBytes(block.rows, block.cols, k) >>> 0;
    return grown(i === 0 ? callerWorkspace : (workerWorkspaces[i - 1] ??= { ptr: 0, bytes: 0 }), bytes);
  });
  const args = (block: GemmBlock, workspace: number): GemmWithTileArgs => ({
    tileRows,
    transA: transA ? 1 : 0,
    transB: transB ? 1 : 0,
    m: block.rows,
    n: block.cols,
    k,
    alpha,
    // op(A) row i starts at row i of A, or column i of A stored transposed; op(B) column j alike.
    a: a + block.row * (transA ? 4 : lda * 4),
    lda,
    b: b + block.col * (transB ? ldb * 4 : 4),
    ldb,
    beta,
    c: c + block.row * ldc * 4 + block.col * 4,
    ldc,
    workspace,
  });
  const calls = blocks.slice(1).map((block, i) => poolCall('gemmWithTile', args(block, spaces[i + 1])));
  const own = args(blocks[0], spaces[0]);
  try {
    pool.run(calls, () => wasm.gemmWithTile(own));
  } catch (error) {
    if (error instanceof WorkerCallError) throw new WasmError(`gemm failed in a worker thread: ${error.message}`);
    throw error;
  }
  return true;
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
  positiveInteger('m', m);
  positiveInteger('n', n);
  positiveInteger('k', k);
  checkLeading('lda', lda, transA ? m : k);
  checkLeading('ldb', ldb, transB ? k : n);
  checkLeading('ldc', ldc, n);
  const pool = threadPool();
  if (pool !== null) {
    if (m * n * k >= parallelMinWork && gemmParallel(pool, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)) return;
  } else if (workerWorkspaces.length > 0) releaseWorkerWorkspaces();
  const wasm = kernels();
  const workspace = grown(callerWorkspace, wasm.gemmWorkspaceBytes(m, n, k) >>> 0);
  wasm.gemmWithTile({ tileRows, transA: transA ? 1 : 0, transB: transB ? 1 : 0, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, workspace });
}

// Optimized code replaces V8's baseline code only on a call after a function got hot, so run every
// packing path (plain, transposed, edges) of every tile height a few times at a realistic size
// before users time anything; then time the heights and keep the fastest.
registerWarmup(() => {
  const m = 68;
  const n = 76;
  const k = 132;
  reserveGemmWorkspace(m, n, k);
  const wasm = heap();
  const a = wasm.alloc(m * k * 4);
  const b = wasm.alloc(k * n * 4);
  const c = wasm.alloc(m * n * 4);
  const chosen = tileRows;
  try {
    wasm.f32(a, m * k).fill(0.5);
    wasm.f32(b, k * n).fill(0.25);
    for (const rows of GEMM_TILE_ROWS) {
      tileRows = rows;
      for (let round = 0; round < 4; round++) {
        for (const transA of [false, true]) {
          for (const transB of [false, true]) {
            gemmInto(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, round === 0 ? 0 : 1, c, n);
          }
        }
      }
    }
  } finally {
    tileRows = chosen;
    wasm.free(c);
    wasm.free(b);
    wasm.free(a);
  }
  tileRows = fastestTileRows();
});

/** The probe's product, rounds, and the margin by which a taller tile must win. */
const PROBE = { m: 120, n: 128, k: 256, rounds: 5, sampleMs: 1, margin: 0.03 };

/**
 * The tile height whose median time per product over interleaved rounds is lowest on a
 * 120×128×256 product (~4 M multiply-adds, ~0.1–0.2 ms), 4 unless another beats it by PROBE.margin
 * so that noise alone does not move the choice. A sample repeats the product for ≥ 1 ms, which
 * browsers' coarse clocks (100 µs without cross-origin isolation) can time; the probe takes ~15 ms.
 * On one thread: it compares the kernels' code, which every thread shares.
 */
function fastestTileRows(): GemmTileRows {
  const { m, n, k, rounds, sampleMs, margin } = PROBE;
  reserveGemmWorkspace(m, n, k);
  const wasm = heap();
  const a = wasm.alloc(m * k * 4);
  const b = wasm.alloc(k * n * 4);
  const c = wasm.alloc(m * n * 4);
  const perCall = new Map<GemmTileRows, number[]>(GEMM_TILE_ROWS.map((rows) => [rows, []]));
  try {
    wasm.f32(a, m * k).fill(0.5);
    wasm.f32(b, k * n).fill(0.25);
    const wasmKernels = kernels();
    const workspace = grown(callerWorkspace, wasmKernels.gemmWorkspaceBytes(m, n, k) >>> 0);
    const product = (rows: GemmTileRows) =>
      wasmKernels.gemmWithTile({ tileRows: rows, transA: 0, transB: 0, m, n, k, alpha: 1, a, lda: k, b, ldb: n, beta: 0, c, ldc: n, workspace });
    let calls = 1;
    for (let start = performance.now(); performance.now() - start < sampleMs; calls++) product(4);
    for (let round = 0; round < rounds; round++) {
      for (const rows of GEMM_TILE_ROWS) {
        const start = performance.now();
        for (let i = 0; i < calls; i++) product(rows);
        perCall.get(rows)!.push((performance.now() - start) / calls);
      }
    }
  } finally {
    wasm.free(c);
    wasm.free(b);
    wasm.free(a);
  }
  const median = (values: number[]) => [...values].sort((x, y) => x - y)[values.length >> 1];
  let best: GemmTileRows = 4;
  let bestTime = median(perCall.get(4)!) * (1 - margin);
  for (const rows of GEMM_TILE_ROWS) {
    const time = median(perCall.get(rows)!);
    if (time < bestTime) {
      best = rows;
      bestTime = time;
    }
  }
  return best;
}
