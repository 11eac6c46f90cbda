import { ParamError, WasmError, show } from '../errors.js';
import { checkOptions } from '../options.js';
import { F32Buffer, WasmHeap } from './heap.js';
import { findMemoryImport, sharedMemoryVariant } from './threads-binary.js';
import { argumentLists, bindKernels, type KernelName, type Kernels, type WasmExports } from './kernels.generated.js';
import { ThreadPool, hardwareThreads, threadsUnavailableReason, type PoolCall } from './threads.js';
import { wasmBase64 } from './wasm-binary.generated.js';

export { F32Buffer, WasmHeap, DEFAULT_MEMORY_CAP } from './heap.js';

/**
 * The smallest module that uses a SIMD instruction (from wasm-feature-detect):
 *   (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

/**
 * The smallest module that uses a relaxed-SIMD instruction:
 *   (module (func (result v128) i32.const 0 i8x16.splat (×3) f32x4.relaxed_madd))
 */
const RELAXED_SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 19, 1, 17, 0, 65, 0, 253, 15, 65, 0, 253, 15, 65, 0,
  253, 15, 253, 133, 2, 11,
]);

export const FMA_UNAVAILABLE_REASON =
  'this runtime does not validate relaxed SIMD (Node >= 22 and Chromium-based browsers do; ' +
  'Node 20 only with --experimental-wasm-relaxed-simd on its command line)';

export const SIMD_UNSUPPORTED_MESSAGE =
  'SIMD unsupported in this runtime: nninit needs WebAssembly SIMD ' +
  '(Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)';

export type { Kernels, WasmExports } from './kernels.generated.js';

interface Runtime {
  module: WebAssembly.Module;
  /** The instance's exports; replaced function by function when the heap moves to shared memory. */
  exports: WasmExports;
  /** {@link Kernels} bound to `exports`, rebound in place whenever they change. */
  kernels: Kernels;
  heap: WasmHeap;
  /** Pages of the module's memory import. */
  memoryPages: { initial: number; maximum: number };
  /** True once the heap lives on a shared memory (threads were asked for at least once). */
  shared: boolean;
  /** The GEMM workers, or null on one thread. */
  pool: ThreadPool | null;
  /** The binary the kernels were compiled from (before any shared-memory flip). */
  bytes: Uint8Array<ArrayBuffer>;
  /** True when `bytes` is the FMA build (relaxed-SIMD multiply-add in the products). */
  fma: boolean;
}

type State =
  | { kind: 'idle' }
  | { kind: 'initializing'; promise: Promise<void> }
  | { kind: 'ready'; runtime: Runtime }
  | { kind: 'failed'; error: Error };

let state: State = { kind: 'idle' };
const warmups: Array<() => void> = [];

/**
 * Registers a function run once at `ready()` so that V8 replaces each hot kernel's baseline
 * (Liftoff) code with optimized code before users time anything (docs/wasm-notes.md).
 */
export function registerWarmup(fn: () => void): void {
  warmups.push(fn);
  if (state.kind === 'ready') fn();
}

export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

/** Whether this runtime validates relaxed SIMD, which `ready({ fma: true })` needs. */
export function relaxedSimdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(RELAXED_SIMD_PROBE);
}

/**
 * The kernels' binary: the default build, or the FMA build. The FMA build is a module of its own
 * (src/runtime/wasm-binary-fma.generated.ts), imported only here, so that bundlers split it into
 * a chunk that loads only when `ready({ fma: true })` asks for it.
 */
async function kernelBinary(fma: boolean): Promise<Uint8Array<ArrayBuffer>> {
  if (!fma) return decodeBase64(wasmBase64);
  const { wasmFmaBase64 } = await import('./wasm-binary-fma.generated.js');
  return decodeBase64(wasmFmaBase64);
}

function decodeBase64(b64: string): Uint8Array<ArrayBuffer> {
  if (typeof atob === 'function') {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

const PAGE = 65536;

/** An AssemblyScript string (UTF-16, its byte length in the 4 bytes before it) in wasm memory. */
function readString(memory: WebAssembly.Memory, ptr: number): string {
  if (ptr === 0) return '';
  const bytes = new Uint32Array(memory.buffer)[(ptr - 4) >>> 2];
  return String.fromCharCode(...new Uint16Array(memory.buffer, ptr >>> 0, bytes >>> 1));
}

/**
 * Instantiates the kernels on `memory`. The release build imports nothing else; a debug build
 * (`npm run build:wasm -- --debug`) also imports `abort`, which a failed assertion calls.
 * The instance's own functions are the kernels, with no wrapper between a call and the wasm.
 */
async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<WasmExports> {
  const env: WebAssembly.ModuleImports = { memory };
  for (const { module: from, name, kind } of WebAssembly.Module.imports(module)) {
    if (from !== 'env' || kind !== 'function') continue;
    env[name] =
      name === 'abort'
        ? (message: number, file: number, line: number, column: number) => {
            throw new WasmError(`kernel assertion failed: ${readString(memory, message)} at ${readString(memory, file)}:${line}:${column}`);
          }
        : () => {
            throw new WasmError(`the kernels called the missing import env.${name}`);
          };
  }
  const instance = await WebAssembly.instantiate(module, { env });
  return { ...(instance.exports as unknown as WasmExports), memory };
}

async function initialize(fma: boolean): Promise<void> {
  if (typeof WebAssembly !== 'object') throw new WasmError('WebAssembly is not available in this runtime');
  if (!simdSupported()) throw new WasmError(SIMD_UNSUPPORTED_MESSAGE);
  let module: WebAssembly.Module;
  let exports: WasmExports;
  let memoryPages: Runtime['memoryPages'];
  let memory: WebAssembly.Memory;
  let bytes: Uint8Array<ArrayBuffer>;
  try {
    bytes = await kernelBinary(fma);
    // The module imports its memory (so that threads can hand it a shared one); on one thread it
    // gets an ordinary memory, exactly like one the module would define itself.
    const memoryImport = findMemoryImport(bytes);
    const maximum = memoryImport?.maximum;
    if (memoryImport === null || maximum === undefined) {
      throw new Error('the module must import a memory with a maximum (scripts/build-wasm.mjs builds it so)');
    }
    memoryPages = { initial: memoryImport.initial, maximum };
    memory = new WebAssembly.Memory(memoryPages);
    module = await WebAssembly.compile(bytes);
    exports = await instantiateKernels(module, memory);
  } catch (cause) {
    throw new WasmError(`could not instantiate the nninit kernels: ${(cause as Error).message}`);
  }
  const runtime: Runtime = {
    module,
    exports,
    kernels: bindKernels(exports),
    heap: new WasmHeap(memory, exports.memoryHeapBase() >>> 0),
    memoryPages,
    shared: false,
    pool: null,
    bytes,
    fma,
  };
  state = { kind: 'ready', runtime };
  for (const fn of warmups) fn();
}

/** Options of `ready()`. */
export interface ReadyOptions {
  /**
   * Threads for matrix products (GEMM) and the RBM's kernels: a count, or `'auto'` for the machine's logical cores
   * (at most 16). Left out, the thread setting stays as it is (one thread unless set before).
   * More than 1 needs SharedArrayBuffer and workers: in browsers a cross-origin isolated page
   * (COOP `same-origin` + COEP `require-corp`). Where that is impossible nninit runs on one
   * thread and says why in one console line. `threads: 1` stops the workers.
   */
  threads?: number | 'auto';
  /**
   * `true` computes matrix products (GEMM and the RBM's products) with fused multiply-add:
   * relaxed-SIMD `f32x4.relaxed_madd`, from a second build of the kernels loaded on demand.
   * Products are then rounded once per multiply-add instead of twice, so **their bits differ** from
   * the default's, and may differ between machines (a CPU without FMA, or an engine that does not
   * fuse, gives the unfused bits); on one machine and engine they are the same on every call and
   * every thread count. Where the runtime does not validate relaxed SIMD (Node 20 without
   * `--experimental-wasm-relaxed-simd`), nninit stays without FMA and says so in one console line;
   * `nninit.fma()` tells which is running. `false` goes back to the default kernels. Left out,
   * the setting stays as it is (off unless set before). See docs/performance.md.
   */
  fma?: boolean;
}

/** Most threads `'auto'` picks: GEMM gains little past this on memory bandwidth. */
const AUTO_MAX_THREADS = 16;
const MAX_THREADS = 256;
/** Kernels the workers can run, by index (a pool call names its function by index). */
export const POOL_FUNCTIONS = ['gemm', 'gemmWithTile', 'rbmHiddenStep', 'rbmVisibleStep', 'rbmUpdateWeights', 'rbmFreeEnergy', 'rbmPseudoLikelihood', 'rbmAisSteps'] as const satisfies ReadonlyArray<KernelName & keyof typeof argumentLists>;

/** A kernel the workers can run. */
export type PoolFunction = (typeof POOL_FUNCTIONS)[number];

/** The call of `name` with these named arguments, for `ThreadPool.run`. */
export function poolCall<K extends PoolFunction>(name: K, args: Parameters<(typeof argumentLists)[K]>[0]): PoolCall {
  const list = argumentLists[name] as (a: typeof args) => number[];
  return { fn: POOL_FUNCTIONS.indexOf(name), args: list(args) };
}

let configuring: Promise<unknown> = Promise.resolve();
const printed = new Set<string>();

/** Prints a line once per reason and process (a fallback is not repeated on every ready() call). */
function notice(reason: string, line: string): void {
  if (printed.has(reason)) return;
  printed.add(reason);
  console.warn(line);
}

/**
 * Compiles and instantiates the kernels once and warms them up. Idempotent: without options every
 * call returns the same promise, and after it resolves the rest of the API is synchronous.
 * `ready({ threads })` also sets how many threads matrix products use (see ReadyOptions).
 */
export function ready(options?: ReadyOptions): Promise<void> {
  try {
    checkOptions('ready', options, { threads: true, fma: true });
  } catch (error) {
    return Promise.reject(error);
  }
  const threads = options?.threads;
  const fma = options?.fma;
  if (threads !== undefined && threads !== 'auto' && (!Number.isInteger(threads) || threads < 1 || threads > MAX_THREADS)) {
    return Promise.reject(new ParamError(`threads must be 'auto' or an integer from 1 to ${MAX_THREADS}, got ${show(threads)}`));
  }
  if (fma !== undefined && typeof fma !== 'boolean') {
    return Promise.reject(new ParamError(`fma must be true or false, got ${show(fma)}`));
  }
  // A first ready({ fma: true }) compiles the FMA build straight away rather than both builds.
  const base = readyOnce(fma === true && relaxedSimdSupported());
  if (threads === undefined && fma === undefined) return base;
  // Configurations run one after another, each after initialization; the kernels' build first, so
  // that a pool started by the same call runs the build asked for.
  const next = configuring
    .then(() => base)
    .then(() => (fma === undefined ? undefined : configureFma(fma)))
    .then(() => (threads === undefined ? undefined : configureThreads(threads)));
  configuring = next.catch(() => undefined);
  return next;
}

/** The number of threads matrix products run on now (1 until `ready({ threads })` started workers). */
export function threads(): number {
  if (state.kind !== 'ready') return 1;
  const pool = state.runtime.pool;
  return pool === null || pool.broken !== null ? 1 : pool.workers + 1;
}

/** The running worker pool, or null on one thread. */
export function threadPool(): ThreadPool | null {
  if (state.kind !== 'ready') return null;
  const pool = state.runtime.pool;
  return pool === null || pool.broken !== null ? null : pool;
}

/** True when matrix products run on the FMA build (`ready({ fma: true })` where it is supported). */
export function fma(): boolean {
  return state.kind === 'ready' && state.runtime.fma;
}

async function configureFma(wanted: boolean): Promise<void> {
  const rt = runtime();
  if (rt.fma === wanted) return;
  if (wanted && !relaxedSimdSupported()) {
    notice('fma', `nninit: fma requested, running without it: ${FMA_UNAVAILABLE_REASON}.`);
    return;
  }
  await switchBinary(rt, wanted);
}

/**
 * Moves the kernels onto the other build (FMA or not), on the same memory: both builds come from
 * the same sources, with the same exports, static data and heap base, so every pointer stays
 * valid. A running pool restarts on the new module (its workers hold the old one).
 */
async function switchBinary(rt: Runtime, fma: boolean): Promise<void> {
  let bytes: Uint8Array<ArrayBuffer>;
  let module: WebAssembly.Module;
  let next: WasmExports;
  try {
    bytes = await kernelBinary(fma);
    module = await WebAssembly.compile(rt.shared ? sharedMemoryVariant(bytes) : bytes);
    next = await instantiateKernels(module, rt.heap.memory);
  } catch (cause) {
    throw new WasmError(`could not instantiate the nninit ${fma ? 'FMA ' : ''}kernels: ${(cause as Error).message}`);
  }
  const names = (exports: WasmExports) => Object.keys(exports).sort().join();
  if (names(next) !== names(rt.exports) || next.memoryHeapBase() >>> 0 !== rt.exports.memoryHeapBase() >>> 0) {
    throw new WasmError('the FMA and default kernel builds differ in exports or heap base; rebuild both (npm run build:wasm)');
  }
  const workers = rt.pool?.workers ?? 0;
  if (rt.pool !== null) {
    const old = rt.pool;
    rt.pool = null;
    await old.stop();
  }
  Object.assign(rt.exports, next);
  Object.assign(rt.kernels, bindKernels(rt.exports));
  rt.module = module;
  rt.bytes = bytes;
  rt.fma = fma;
  for (const fn of warmups) fn();
  if (workers > 0) await configureThreads(workers + 1);
}

async function configureThreads(wanted: number | 'auto'): Promise<void> {
  const rt = runtime();
  const n = wanted === 'auto' ? Math.min(await hardwareThreads(), AUTO_MAX_THREADS) : wanted;
  if (rt.pool !== null && rt.pool.broken === null && rt.pool.workers + 1 === n) return;
  if (rt.pool !== null) {
    const old = rt.pool;
    rt.pool = null;
    await old.stop();
  }
  if (n === 1) return;
  const fallback = (reason: string) =>
    notice(reason, `nninit: ${n} threads requested, running on 1 thread: ${reason.replace(/\.$/, '')}.`);
  const reason = await threadsUnavailableReason();
  if (reason !== null) return fallback(reason);
  try {
    if (!rt.shared) await moveToSharedMemory(rt);
    let pool: ThreadPool | null = null;
    pool = await ThreadPool.start({
      module: rt.module,
      memory: rt.heap.memory,
      heap: rt.heap,
      workers: n - 1,
      functions: [...POOL_FUNCTIONS],
      onBroken: (why) => {
        if (pool === null || rt.pool !== pool) return;
        rt.pool = null;
        void pool.stop();
        notice(why, `nninit: a worker thread stopped (${why}); running on 1 thread.`);
      },
    });
    rt.pool = pool;
  } catch (error) {
    fallback(`could not start worker threads (${(error as Error).message})`);
  }
}

/**
 * Moves the heap onto a shared memory and the kernels onto a module that imports it as shared
 * (the same binary with one limits byte flipped). Live pointers stay valid: the new memory starts
 * as a byte copy of the old, and the exports object that callers hold gets the new functions.
 */
async function moveToSharedMemory(rt: Runtime): Promise<void> {
  const module = await WebAssembly.compile(sharedMemoryVariant(rt.bytes));
  const old = rt.heap.memory;
  const initial = Math.max(rt.memoryPages.initial, old.buffer.byteLength / PAGE);
  let maximum = rt.memoryPages.maximum;
  let memory: WebAssembly.Memory;
  try {
    memory = new WebAssembly.Memory({ initial, maximum, shared: true });
  } catch {
    // A shared memory reserves its maximum up front; where 4 GiB of address space is too much
    // (32-bit devices) reserve only the heap's cap.
    maximum = Math.max(initial, Math.ceil(rt.heap.memoryCap / PAGE));
    memory = new WebAssembly.Memory({ initial, maximum, shared: true });
  }
  const next = await instantiateKernels(module, memory);
  // From here on synchronous, so no kernel call can write to the old memory after the copy.
  const pages = old.buffer.byteLength / PAGE - memory.buffer.byteLength / PAGE;
  if (pages > 0) memory.grow(pages);
  new Uint8Array(memory.buffer).set(new Uint8Array(old.buffer));
  // In place, so that callers holding kernels() keep calling the live instance.
  Object.assign(rt.exports, next);
  Object.assign(rt.kernels, bindKernels(rt.exports));
  rt.module = module;
  rt.heap.replaceMemory(memory, maximum * PAGE);
  rt.shared = true;
  // The new module starts on V8's baseline tier again: warm it up like the first one.
  for (const fn of warmups) fn();
}

function readyOnce(fma: boolean): Promise<void> {
  switch (state.kind) {
    case 'ready':
      return Promise.resolve();
    case 'initializing':
      return state.promise;
    case 'failed':
      return Promise.reject(state.error);
    case 'idle': {
      const promise = initialize(fma).catch((error: Error) => {
        state = { kind: 'failed', error };
        throw error;
      });
      state = { kind: 'initializing', promise };
      return promise;
    }
  }
}

/** True once `ready()` has resolved. */
export function isReady(): boolean {
  return state.kind === 'ready';
}

function runtime(): Runtime {
  if (state.kind === 'ready') return state.runtime;
  if (state.kind === 'failed') throw state.error;
  throw new WasmError('nninit is not initialized: call `await nninit.ready()` once before using it');
}

/**
 * The kernels, as declared by src/runtime/kernels.generated.ts (generated from assembly/ by the
 * build). Throws E_WASM before `ready()`.
 */
export function kernels(): Kernels {
  return runtime().kernels;
}

/**
 * The module's exports as compiled, every kernel positional: for tests of the boundary itself.
 * Code calls {@link kernels}.
 */
export function wasmExports(): WasmExports {
  return runtime().exports;
}

/** The allocator for wasm memory. */
export function heap(): WasmHeap {
  return runtime().heap;
}

/** Allocates a Float32 buffer in wasm memory; free it with `.free()`. */
export function allocF32(length: number): F32Buffer {
  return new F32Buffer(heap(), length);
}

/**
 * Runs `fn` with temporary wasm buffers of the given lengths and frees them afterwards, even
 * when `fn` throws. For one-shot operations: copy inputs in, run a kernel, copy results out.
 */
export function withBuffers<R>(lengths: number[], fn: (...buffers: F32Buffer[]) => R): R {
  const buffers: F32Buffer[] = [];
  try {
    for (const n of lengths) buffers.push(allocF32(n));
    return fn(...buffers);
  } finally {
    for (let i = buffers.length - 1; i >= 0; i--) buffers[i].free();
  }
}

/** Sets the cap on wasm memory in bytes (default 2 GiB); growing past it throws `E_MEMORY`. */
export function setMemoryCap(bytes: number): void {
  heap().setMemoryCap(bytes);
}
