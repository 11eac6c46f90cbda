import { instantiate } from '@assemblyscript/loader';
import { WasmError } from '../errors.js';
import { F32Buffer, WasmHeap } from './heap.js';
import { wasmBase64 } from './wasm-binary.generated.js';

export { F32Buffer, WasmHeap, DEFAULT_MEMORY_CAP } from './heap.js';

/**
 * The smallest module that uses a SIMD instruction (from wasm-feature-detect):
 *   (module (func (result v128) i32.const 0 i8x16.splat i8x16.popcnt))
 */
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export const SIMD_UNSUPPORTED_MESSAGE =
  'SIMD unsupported in this runtime: nninit needs WebAssembly SIMD ' +
  '(Node >= 16.4, Chrome >= 91, Firefox >= 89, Safari >= 16.4)';

/** Exports of the compiled module; each kernel family's wrapper narrows this to its own functions. */
export type KernelExports = Record<string, unknown> & { memory: WebAssembly.Memory; heapBase(): number };

interface Runtime {
  module: WebAssembly.Module;
  exports: KernelExports;
  heap: WasmHeap;
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
 * (Liftoff) code with optimized code before users time anything (WASM-NOTES).
 */
export function registerWarmup(fn: () => void): void {
  warmups.push(fn);
  if (state.kind === 'ready') fn();
}

export function simdSupported(): boolean {
  return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
}

function decodeBase64(b64: string): Uint8Array {
  if (typeof atob === 'function') {
    const text = atob(b64);
    const out = new Uint8Array(text.length);
    for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
    return out;
  }
  return new Uint8Array(Buffer.from(b64, 'base64'));
}

async function initialize(): Promise<void> {
  if (typeof WebAssembly !== 'object') throw new WasmError('WebAssembly is not available in this runtime');
  if (!simdSupported()) throw new WasmError(SIMD_UNSUPPORTED_MESSAGE);
  let loaded;
  try {
    loaded = await instantiate<KernelExports>(decodeBase64(wasmBase64));
  } catch (cause) {
    throw new WasmError(`could not instantiate the nninit kernels: ${(cause as Error).message}`);
  }
  const exports = loaded.exports as unknown as KernelExports;
  const runtime: Runtime = {
    module: loaded.module,
    exports,
    heap: new WasmHeap(exports.memory, exports.heapBase() >>> 0),
  };
  state = { kind: 'ready', runtime };
  for (const fn of warmups) fn();
}

/**
 * Compiles and instantiates the kernels once and warms them up. Idempotent: every call returns
 * the same promise, and after it resolves the rest of the API is synchronous.
 */
export function ready(): Promise<void> {
  switch (state.kind) {
    case 'ready':
      return Promise.resolve();
    case 'initializing':
      return state.promise;
    case 'failed':
      return Promise.reject(state.error);
    case 'idle': {
      const promise = initialize().catch((error: Error) => {
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

/** The module's exports, typed by the caller's view of its own kernel family. */
export function kernels<T>(): T & KernelExports {
  return runtime().exports as T & KernelExports;
}

/** The allocator for wasm memory. */
export function heap(): WasmHeap {
  return runtime().heap;
}

/** The compiled module, for instantiating it again in a worker. */
export function wasmModule(): WebAssembly.Module {
  return runtime().module;
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
