import { describe, expect, it } from 'vitest';
import { sharedMemoryVariant } from '../src/runtime/threads-binary.js';
import { spawnWorker, ThreadPool, type WorkerHandle } from '../src/runtime/threads.js';
import { wasmBase64 } from '../src/runtime/wasm-binary.generated.js';

/*
 * Starting the worker pool with real workers (node:worker_threads): a worker that dies after it
 * said ready, while another still starts, must fail the start. A pool started with it would
 * wait forever for that worker's share of the first product.
 */

const module = new WebAssembly.Module(sharedMemoryVariant(new Uint8Array(Buffer.from(wasmBase64, 'base64'))));

/** A heap stand-in that places the control block well above the module's static data. */
function poolHeap() {
  const freed: number[] = [];
  return { freed, alloc: () => 1 << 18, free: (ptr: number) => void freed.push(ptr) };
}

/** spawnWorker, with `onReady` run when the real worker says ready, before the pool hears it. */
function spawning(onReady: (worker: number, handle: WorkerHandle, forward: () => void) => void): () => Promise<WorkerHandle> {
  let count = 0;
  return async () => {
    const worker = count++;
    const handle = await spawnWorker();
    return {
      ...handle,
      listen(onMessage, onFailure) {
        handle.listen((data) => (data.type === 'ready' ? onReady(worker, handle, () => onMessage(data)) : onMessage(data)), onFailure);
      },
    };
  };
}

describe('ThreadPool.start', () => {
  it('rejects when a started worker dies while another is still starting', async () => {
    const memory = new WebAssembly.Memory({ initial: 8, maximum: 64, shared: true });
    const heap = poolHeap();
    const broken: string[] = [];
    const start = ThreadPool.start({
      module,
      memory,
      heap,
      workers: 2,
      functions: ['gemm'],
      onBroken: (reason) => broken.push(reason),
      spawn: spawning((worker, handle, forward) => {
        if (worker === 0) {
          forward();
          handle.terminate(); // the first dies right after its ready
        } else setTimeout(forward, 500); // the second says ready long after
      }),
    });
    await expect(start).rejects.toThrow(/exited/);
    expect(heap.freed).toEqual([1 << 18]);
    expect(broken).toEqual([]);
  });

  it('starts, and stops without reporting the workers leaving as a failure', async () => {
    const memory = new WebAssembly.Memory({ initial: 8, maximum: 64, shared: true });
    const heap = poolHeap();
    const broken: string[] = [];
    const pool = await ThreadPool.start({
      module,
      memory,
      heap,
      workers: 2,
      functions: ['gemm'],
      onBroken: (reason) => broken.push(reason),
      spawn: spawning((_, __, forward) => forward()),
    });
    expect(pool.workers).toBe(2);
    await pool.stop();
    expect(pool.broken).toBeNull();
    expect(broken).toEqual([]);
    expect(heap.freed).toEqual([1 << 18]);
  });
});
