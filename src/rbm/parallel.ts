/*
 * RBM kernel calls split over the thread pool that GEMM uses (nninit.ready({ threads })).
 *
 * A call is cut into blocks of rows (or, for the weight update, of visible units) whose outputs
 * do not overlap; each block is one complete kernel call on its own workspace, the first on the
 * calling thread. Every output element sums the same terms in the same order as in one call, and
 * every random word comes from the same Philox block, so threads never change a bit. Calls too
 * small to pay for a wake-up round trip (ops/gemm.ts's threshold on multiply-adds) run whole.
 */
import { WasmError } from '../errors.js';
import { worthSplitting } from '../ops/gemm.js';
import { kernels, poolCall, threadPool, type PoolFunction } from '../runtime/index.js';
import type { Kernels } from '../runtime/kernels.generated.js';
import { WorkerCallError } from '../runtime/threads.js';

/** The RBM kernels a worker can run (each listed in POOL_FUNCTIONS). */
export type SplitKernel = Extract<PoolFunction, 'rbmHiddenStep' | 'rbmVisibleStep' | 'rbmUpdateWeights' | 'rbmFreeEnergy' | 'rbmPseudoLikelihood' | 'rbmAisSteps'>;

/** A split kernel's named arguments. */
export type SplitArgs<K extends SplitKernel> = Parameters<Kernels[K]>[0];

/** A block [first, first + count) of a range split over threads. */
export interface Block {
  first: number;
  count: number;
}

/**
 * How [0, total) splits for a call of `work` multiply-adds: one block per thread, each a multiple
 * of `align` but the last, or the whole range on one thread.
 */
export function splitRange(total: number, align: number, work: number): Block[] {
  const pool = threadPool();
  const threads = pool === null || !worthSplitting(work) ? 1 : pool.workers + 1;
  const parts = Math.max(1, Math.min(threads, Math.ceil(total / align)));
  const step = Math.ceil(Math.ceil(total / parts) / align) * align;
  const blocks: Block[] = [];
  for (let first = 0; first < total; first += step) blocks.push({ first, count: Math.min(step, total - first) });
  return blocks;
}

/** Runs `name` once per argument set, the first on this thread and the others on workers, and returns when all are done. */
export function runSplit<K extends SplitKernel>(name: K, calls: SplitArgs<K>[]): void {
  const fn = kernels()[name] as (args: SplitArgs<K>) => void;
  if (calls.length === 1) {
    fn(calls[0]);
    return;
  }
  const pool = threadPool();
  if (pool === null) throw new WasmError(`${name}: no worker threads to split the call over`);
  try {
    pool.run(
      calls.slice(1).map((args) => poolCall(name, args as never)),
      () => fn(calls[0]),
    );
  } catch (error) {
    if (error instanceof WorkerCallError) throw new WasmError(`${name} failed in a worker thread: ${error.message}`);
    throw error;
  }
}
