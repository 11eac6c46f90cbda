// A pool of workers that run kernel calls on the one shared wasm memory.
//
// Each worker instantiates the same compiled module on the shared memory and then waits, with
// Atomics.wait, on its own job slot in a control block that the main thread allocated from the
// heap. The caller publishes up to one call per worker (export index + numeric arguments), runs
// its own share, and waits until a shared `done` counter reaches the number of calls it posted.
// Every worker increments that counter after every job, whether the call returned or threw (its
// message is left in its slot), so the caller never needs a timeout: a job cannot be lost.
//
// The worker body is the source string below, started from a Blob URL in browsers and with
// `eval: true` from node:worker_threads in Node, so bundlers have no worker file to find.

/** Bytes of the control block's header: the `done` counter and the wait probe. */
const HEADER = 64;
/** Bytes per worker slot: seq, op, nargs, status, message length, f64 args, UTF-16 message. */
const SLOT = 512;
const ARGS_AT = 32;
/** Arguments a pool call can carry: the slot's f64 argument area (a kernel in POOL_FUNCTIONS takes at most this many). */
export const MAX_POOL_ARGS = 16;
const MESSAGE_AT = ARGS_AT + MAX_POOL_ARGS * 8;
const MAX_MESSAGE = (SLOT - MESSAGE_AT) / 2;
/** i32 indices in the header. */
const DONE = 0;
const PROBE = 1;
/** `op` that asks a worker to leave its loop. */
const EXIT = -1;

/** The worker: instantiate, say ready, then serve jobs from its slot until told to exit. */
export const WORKER_SOURCE = `'use strict';
const inNode = typeof WorkerGlobalScope === 'undefined' && typeof process === 'object';
let port = inNode ? null : self;
function start(data) {
  const { module, memory, slot, header, functions } = data;
  let fns;
  try {
    const env = { memory };
    for (const imp of WebAssembly.Module.imports(module)) {
      if (imp.module === 'env' && imp.kind === 'function') {
        env[imp.name] = () => { throw new Error('wasm called env.' + imp.name); };
      }
    }
    const instance = new WebAssembly.Instance(module, { env });
    fns = functions.map((name) => instance.exports[name]);
  } catch (error) {
    port.postMessage({ type: 'error', message: String((error && error.message) || error) });
    return;
  }
  const i32 = new Int32Array(memory.buffer);
  const f64 = new Float64Array(memory.buffer);
  const u16 = new Uint16Array(memory.buffer);
  const s = slot >> 2, a = (slot + ${ARGS_AT}) >> 3, t = (slot + ${MESSAGE_AT}) >> 1, d = (header >> 2) + ${DONE};
  let seen = Atomics.load(i32, s);
  port.postMessage({ type: 'ready' });
  for (;;) {
    Atomics.wait(i32, s, seen);
    const seq = Atomics.load(i32, s);
    if (seq === seen) continue;
    seen = seq;
    const op = i32[s + 1];
    if (op === ${EXIT}) {
      port.postMessage({ type: 'bye' });
      Atomics.add(i32, d, 1);
      Atomics.notify(i32, d);
      return;
    }
    try {
      const n = i32[s + 2];
      const args = new Array(n);
      for (let j = 0; j < n; j++) args[j] = f64[a + j];
      fns[op](...args);
      i32[s + 3] = 0;
    } catch (error) {
      const text = String((error && error.name ? error.name + ': ' : '') + ((error && error.message) || error)).slice(0, ${MAX_MESSAGE});
      for (let j = 0; j < text.length; j++) u16[t + j] = text.charCodeAt(j);
      i32[s + 4] = text.length;
      i32[s + 3] = 1;
    }
    Atomics.add(i32, d, 1);
    Atomics.notify(i32, d);
  }
}
if (!inNode) self.onmessage = (event) => { self.onmessage = null; start(event.data); };
else {
  // A worker inherits its parent's execArgv: under --input-type=module this source is an ES
  // module without require, so prefer getBuiltinModule (Node >= 20.16) and fall back to import().
  const threads = process.getBuiltinModule
    ? Promise.resolve(process.getBuiltinModule('node:worker_threads'))
    : typeof require === 'function' ? Promise.resolve(require('node:worker_threads')) : import('node:worker_threads');
  threads.then((m) => { port = m.parentPort; port.once('message', start); });
}
`;

/** What the pool needs from a platform's worker. */
export interface WorkerHandle {
  post(message: unknown): void;
  /** Every message, and a failure (error event, unexpected exit) as a string. */
  listen(onMessage: (data: { type: string; message?: string }) => void, onFailure: (reason: string) => void): void;
  terminate(): void;
  /** Node: whether this worker keeps the process alive (yes while starting or stopping, not when idle). */
  hold(on: boolean): void;
}

type NodeWorkerThreads = {
  Worker: new (
    source: string,
    options: { eval: true },
  ) => {
    postMessage(message: unknown): void;
    on(event: 'message', fn: (data: never) => void): void;
    on(event: 'error', fn: (error: Error) => void): void;
    on(event: 'exit', fn: (code: number) => void): void;
    ref(): void;
    unref(): void;
    terminate(): Promise<number>;
  };
};

/** True in Node (main thread or a worker_threads worker), false in browsers and their workers. */
export function inNode(): boolean {
  const g = globalThis as { process?: { versions?: { node?: string } }; WorkerGlobalScope?: unknown; window?: unknown };
  return typeof g.process?.versions?.node === 'string' && g.window === undefined && g.WorkerGlobalScope === undefined;
}

/** The package's name in a variable, so that bundlers neither resolve nor bundle it. */
const WORKER_THREADS = 'node:worker_threads';
const NODE_OS = 'node:os';

type BuiltinGetter = (name: string) => unknown;

function builtin(): BuiltinGetter | undefined {
  return (globalThis as { process?: { getBuiltinModule?: BuiltinGetter } }).process?.getBuiltinModule;
}

async function nodeModule<T>(name: string): Promise<T | null> {
  try {
    const get = builtin();
    if (get) return (get(name) as T) ?? null;
    return (await import(/* webpackIgnore: true */ /* @vite-ignore */ name)) as T;
  } catch {
    return null;
  }
}

/** Logical cores: navigator.hardwareConcurrency in browsers, os.availableParallelism() in Node. */
export async function hardwareThreads(): Promise<number> {
  if (inNode()) {
    const os = await nodeModule<{ availableParallelism?: () => number; cpus(): unknown[] }>(NODE_OS);
    const n = os?.availableParallelism?.() ?? os?.cpus().length;
    if (n) return n;
  }
  const n = (globalThis as { navigator?: { hardwareConcurrency?: number } }).navigator?.hardwareConcurrency;
  return Number.isInteger(n) && (n as number) > 0 ? (n as number) : 1;
}

/**
 * Why workers on shared memory are impossible here, or null when they may work. Checked before
 * anything is started; a worker that still fails to start is reported by `ThreadPool.start`.
 */
export async function threadsUnavailableReason(): Promise<string | null> {
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; Blob?: unknown; URL?: { createObjectURL?: unknown } };
  const isolationHint =
    "serve the page with the headers 'Cross-Origin-Opener-Policy: same-origin' and " +
    "'Cross-Origin-Embedder-Policy: require-corp' (check with self.crossOriginIsolated)";
  if (!inNode() && g.crossOriginIsolated !== true) {
    return `this page is not cross-origin isolated, so it cannot share WebAssembly memory with workers; ${isolationHint}`;
  }
  if (typeof SharedArrayBuffer === 'undefined' || typeof Atomics === 'undefined') {
    return inNode()
      ? 'this runtime has no SharedArrayBuffer/Atomics'
      : `this browser has no SharedArrayBuffer/Atomics here; ${isolationHint}`;
  }
  if (inNode()) {
    if ((await nodeModule<NodeWorkerThreads>(WORKER_THREADS))?.Worker === undefined) return 'node:worker_threads is unavailable';
  } else if (typeof g.Worker !== 'function' || typeof g.Blob !== 'function' || typeof g.URL?.createObjectURL !== 'function') {
    return 'this context cannot start Web Workers from a Blob URL';
  }
  return null;
}

/** Starts one worker running WORKER_SOURCE, in Node or a browser. */
export async function spawnWorker(): Promise<WorkerHandle> {
  if (inNode()) {
    const threads = await nodeModule<NodeWorkerThreads>(WORKER_THREADS);
    if (!threads) throw new Error('node:worker_threads is unavailable');
    const worker = new threads.Worker(WORKER_SOURCE, { eval: true });
    return {
      post: (message) => worker.postMessage(message),
      listen(onMessage, onFailure) {
        worker.on('message', onMessage as (data: never) => void);
        worker.on('error', (error) => onFailure(error.message));
        worker.on('exit', (code) => onFailure(`the worker exited (code ${code})`));
      },
      terminate: () => void worker.terminate(),
      hold: (on) => (on ? worker.ref() : worker.unref()),
    };
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  try {
    const worker = new Worker(url, { name: 'nninit-gemm' });
    return {
      post: (message) => worker.postMessage(message),
      listen(onMessage, onFailure) {
        worker.addEventListener('message', (event) => onMessage(event.data));
        worker.addEventListener('error', (event) => {
          event.preventDefault();
          onFailure(
            event.message ||
              'the worker failed to load (a Content-Security-Policy without worker-src blob: blocks it)',
          );
        });
        worker.addEventListener('messageerror', () => onFailure('a message to the worker could not be cloned'));
      },
      terminate: () => worker.terminate(),
      hold: () => undefined,
    };
  } finally {
    // The worker has fetched its script by the time it answers; revoking now is safe in every
    // engine because the Worker constructor resolved the URL synchronously.
    setTimeout(() => URL.revokeObjectURL(url), 60_000);
  }
}

/** Heap functions the pool allocates its control block with. */
export interface PoolHeap {
  alloc(bytes: number): number;
  free(ptr: number): void;
}

/** One kernel call: the index of its export in the pool's `functions` and its arguments. */
export interface PoolCall {
  fn: number;
  args: number[];
}

/** An error a worker's kernel call threw, with the worker's message. */
export class WorkerCallError extends Error {}

export class ThreadPool {
  /** Set when a worker stops unexpectedly; the runtime then falls back to one thread. */
  broken: string | null = null;
  private readonly i32: Int32Array;
  private readonly f64: Float64Array;
  private readonly u16: Uint16Array;
  private readonly canWait: boolean;
  private stopped = false;

  private constructor(
    memory: WebAssembly.Memory,
    private readonly heap: PoolHeap,
    private readonly block: number,
    private readonly handles: WorkerHandle[],
    private readonly byes: Array<Promise<void>>,
  ) {
    this.i32 = new Int32Array(memory.buffer);
    this.f64 = new Float64Array(memory.buffer);
    this.u16 = new Uint16Array(memory.buffer);
    this.canWait = ThreadPool.mayWait(this.i32, (block >> 2) + PROBE);
  }

  /** Atomics.wait throws on a browser's main thread; there the caller spins on Atomics.load. */
  private static mayWait(i32: Int32Array, index: number): boolean {
    try {
      Atomics.wait(i32, index, 1, 0); // the probe word is 0: returns 'not-equal' at once where allowed
      return true;
    } catch {
      return false;
    }
  }

  /** Workers besides the calling thread. */
  get workers(): number {
    return this.handles.length;
  }

  /**
   * Starts `workers` workers on `memory` (which must be shared) and resolves once every one has
   * instantiated `module`; rejects with the first failure, of a worker starting or of one already
   * started while others still start, after stopping them all. A worker that fails later breaks
   * the pool (`broken`, `onBroken`); one that exits after `stop()` asked it to is no failure.
   * `spawn` starts one worker (tests wrap spawnWorker to make one fail at a chosen moment).
   */
  static async start(options: {
    module: WebAssembly.Module;
    memory: WebAssembly.Memory;
    heap: PoolHeap;
    workers: number;
    functions: string[];
    onBroken: (reason: string) => void;
    spawn?: () => Promise<WorkerHandle>;
  }): Promise<ThreadPool> {
    const { module, memory, heap, workers, functions } = options;
    const spawn = options.spawn ?? spawnWorker;
    const block = heap.alloc(HEADER + workers * SLOT);
    new Uint8Array(memory.buffer, block, HEADER + workers * SLOT).fill(0);
    const handles: WorkerHandle[] = [];
    const byes: Array<Promise<void>> = [];
    const started: Array<Promise<void>> = [];
    // Rejected by the first failure while the pool starts, whichever worker it comes from.
    let failStart!: (reason: string) => void;
    const startFailed = new Promise<never>((_, reject) => (failStart = (reason) => reject(new Error(reason))));
    startFailed.catch(() => undefined); // observed below only if it rejects before every worker is ready
    let pool: ThreadPool | null = null;
    try {
      for (let w = 0; w < workers; w++) {
        const handle = await spawn();
        handles.push(handle);
        let ready!: () => void;
        let bye!: () => void;
        started.push(new Promise<void>((resolve) => (ready = resolve)));
        byes.push(new Promise<void>((resolve) => (bye = resolve)));
        handle.listen(
          (data) => {
            if (data.type === 'ready') ready();
            else if (data.type === 'error') failStart(data.message ?? 'unknown error');
            else if (data.type === 'bye') bye();
          },
          (reason) => {
            bye();
            if (pool === null) failStart(reason);
            else if (!pool.stopped && pool.broken === null) {
              pool.broken = reason;
              options.onBroken(reason);
            }
          },
        );
        handle.post({ module, memory, slot: block + HEADER + w * SLOT, header: block, functions });
      }
      await Promise.race([Promise.all(started), startFailed]);
    } catch (error) {
      for (const handle of handles) handle.terminate();
      heap.free(block);
      throw error;
    }
    // Idle workers wait in Atomics.wait forever: they must not keep a Node process alive.
    for (const handle of handles) handle.hold(false);
    pool = new ThreadPool(memory, heap, block, handles, byes);
    return pool;
  }

  /**
   * Runs `calls[i]` on worker i and `own` on the calling thread, and returns once all have
   * finished. If `own` throws, that error is rethrown after the workers finish; otherwise a call
   * that threw in a worker surfaces as WorkerCallError with the worker's message.
   */
  run(calls: PoolCall[], own: () => void): void {
    if (this.stopped || this.broken !== null) throw new WorkerCallError('the thread pool is not running');
    if (calls.length > this.handles.length) throw new WorkerCallError(`${calls.length} calls for ${this.handles.length} workers`);
    const { i32, f64 } = this;
    const header = this.block >> 2;
    Atomics.store(i32, header + DONE, 0);
    for (let w = 0; w < calls.length; w++) {
      const slot = this.block + HEADER + w * SLOT;
      const s = slot >> 2;
      const { fn, args } = calls[w];
      if (args.length > MAX_POOL_ARGS) throw new WorkerCallError(`a pool call takes at most ${MAX_POOL_ARGS} arguments`);
      i32[s + 1] = fn;
      i32[s + 2] = args.length;
      i32[s + 3] = 0;
      const a = (slot + ARGS_AT) >> 3;
      for (let j = 0; j < args.length; j++) f64[a + j] = args[j];
    }
    // The seq-cst stores below publish the plain writes above to each worker's Atomics.load.
    for (let w = 0; w < calls.length; w++) {
      const s = (this.block + HEADER + w * SLOT) >> 2;
      Atomics.add(i32, s, 1);
      Atomics.notify(i32, s, 1);
    }
    let ownError: unknown = null;
    try {
      own();
    } catch (error) {
      ownError = error;
    }
    this.waitDone(calls.length);
    if (ownError !== null) throw ownError;
    for (let w = 0; w < calls.length; w++) {
      const slot = this.block + HEADER + w * SLOT;
      const s = slot >> 2;
      if (i32[s + 3] !== 0) {
        const length = i32[s + 4];
        const t = (slot + MESSAGE_AT) >> 1;
        let message = '';
        for (let j = 0; j < length; j++) message += String.fromCharCode(this.u16[t + j]);
        throw new WorkerCallError(`worker ${w + 1}: ${message}`);
      }
    }
  }

  private waitDone(target: number): void {
    const { i32 } = this;
    const index = (this.block >> 2) + DONE;
    for (;;) {
      const done = Atomics.load(i32, index);
      if (done >= target) return;
      if (this.canWait) Atomics.wait(i32, index, done);
    }
  }

  /**
   * Asks every worker to leave its loop, waits until each has said so (or has stopped anyway),
   * terminates them and frees the control block. Idempotent.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    const { i32 } = this;
    for (let w = 0; w < this.handles.length; w++) {
      const s = (this.block + HEADER + w * SLOT) >> 2;
      this.handles[w].hold(true); // until it has said bye, or `await stop()` could end the process
      i32[s + 1] = EXIT;
      Atomics.add(i32, s, 1);
      Atomics.notify(i32, s, 1);
    }
    await Promise.all(this.byes);
    for (const handle of this.handles) handle.terminate();
    this.heap.free(this.block);
  }
}
