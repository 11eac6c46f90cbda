import { MemoryError, ParamError, show } from '../errors.js';

const PAGE = 65536;
const ALIGN = 64; // a cache line, and a multiple of the 16 bytes SIMD loads like
const WASM32_MAX_BYTES = 4 * 1024 * 1024 * 1024;

/** Default cap on wasm memory: 2 GiB keeps every pointer a positive i32. */
export const DEFAULT_MEMORY_CAP = 2 * 1024 * 1024 * 1024;

interface Block {
  ptr: number;
  size: number;
}

/**
 * Allocator for the wasm linear memory above the module's static data, run from TypeScript.
 *
 * The AssemblyScript `stub` runtime's `free` only releases the newest block and its pointers wrap
 * silently past 4 GiB (docs/wasm-notes.md), so kernels never allocate: they take pointers handed out here.
 * First fit over an address-ordered free list with coalescing; models allocate a few large
 * buffers for their lifetime, so the list stays short.
 */
export class WasmHeap {
  private readonly free_: Block[] = [];
  private readonly live = new Map<number, number>();
  private top: number;
  private cap: number;
  private memory_: WebAssembly.Memory;
  /** The memory's own maximum in bytes (a shared memory cannot grow past the maximum it was made with). */
  private limit = WASM32_MAX_BYTES;

  constructor(
    memory: WebAssembly.Memory,
    readonly base: number,
    cap = DEFAULT_MEMORY_CAP,
  ) {
    this.memory_ = memory;
    this.top = base;
    this.cap = cap;
  }

  /** The wasm memory; replaced once if threads move the heap onto a shared memory. */
  get memory(): WebAssembly.Memory {
    return this.memory_;
  }

  /**
   * Moves the heap onto `memory`, which must already hold a copy of the old one's contents (so
   * every live pointer stays valid). `maxBytes` is the most it can grow to. Views re-derive on
   * their own: they are keyed on `memory.buffer` identity.
   */
  replaceMemory(memory: WebAssembly.Memory, maxBytes: number): void {
    this.memory_ = memory;
    this.limit = maxBytes;
    this.cap = Math.min(this.cap, maxBytes);
  }

  /** Bytes currently handed out (aligned sizes). */
  get bytesInUse(): number {
    let total = 0;
    for (const size of this.live.values()) total += size;
    return total;
  }

  /** Upper bound on wasm memory in bytes; growth beyond it throws `E_MEMORY`. */
  get memoryCap(): number {
    return this.cap;
  }

  setMemoryCap(bytes: number): void {
    if (!Number.isFinite(bytes) || bytes < PAGE || bytes > WASM32_MAX_BYTES) {
      throw new ParamError(`memoryCap must be between ${PAGE} and ${WASM32_MAX_BYTES} bytes, got ${show(bytes)}`);
    }
    if (bytes > this.limit) {
      throw new ParamError(
        `memoryCap must be at most ${this.limit} bytes, the maximum of the shared memory that threads use, ` +
          `got ${show(bytes)} (set the cap before the first ready({ threads }) call)`,
      );
    }
    this.cap = Math.max(bytes, this.memory.buffer.byteLength);
  }

  /** Returns a 64-byte-aligned pointer to `bytes` bytes (contents unspecified). */
  alloc(bytes: number): number {
    if (!Number.isInteger(bytes) || bytes < 0) {
      throw new ParamError(`allocation size must be a non-negative integer, got ${show(bytes)}`);
    }
    const size = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
    for (let i = 0; i < this.free_.length; i++) {
      const block = this.free_[i];
      if (block.size < size) continue;
      const ptr = block.ptr;
      if (block.size === size) this.free_.splice(i, 1);
      else {
        block.ptr += size;
        block.size -= size;
      }
      this.live.set(ptr, size);
      return ptr;
    }
    const ptr = this.top;
    this.ensure(ptr + size);
    this.top = ptr + size;
    this.live.set(ptr, size);
    return ptr;
  }

  /** Returns a block to the heap. Freeing an unknown pointer is a no-op (double free is harmless). */
  free(ptr: number): void {
    const size = this.live.get(ptr);
    if (size === undefined) return;
    this.live.delete(ptr);
    if (ptr + size === this.top) {
      this.top = ptr;
      // The last free block may now touch the top: give it back too.
      const last = this.free_[this.free_.length - 1];
      if (last && last.ptr + last.size === this.top) {
        this.top = last.ptr;
        this.free_.pop();
      }
      return;
    }
    let i = 0;
    while (i < this.free_.length && this.free_[i].ptr < ptr) i++;
    this.free_.splice(i, 0, { ptr, size });
    const next = this.free_[i + 1];
    if (next && ptr + size === next.ptr) {
      this.free_[i].size += next.size;
      this.free_.splice(i + 1, 1);
    }
    const prev = this.free_[i - 1];
    if (prev && prev.ptr + prev.size === ptr) {
      prev.size += this.free_[i].size;
      this.free_.splice(i, 1);
    }
  }

  /** A fresh Float32Array view; re-derive after any call that may grow memory. */
  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  /** Grows the memory so that byte `end` is addressable, or throws `E_MEMORY` past the cap. */
  private ensure(end: number): void {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return;
    if (end > this.cap) {
      throw new MemoryError(
        `wasm memory would grow to ${end} bytes, past its cap of ${this.cap} bytes ` +
          `(raise it with nninit.setMemoryCap(bytes), or dispose() models you no longer need)`,
      );
    }
    const pages = Math.ceil((end - have) / PAGE);
    // Grow at least by half the current size so that many small allocations do not each grow.
    const want = Math.min(Math.max(pages, Math.ceil(have / PAGE / 2)), Math.floor((this.cap - have) / PAGE));
    try {
      this.memory.grow(Math.max(pages, want));
    } catch (cause) {
      throw new MemoryError(`wasm memory could not grow to ${end} bytes: ${(cause as Error).message}`);
    }
  }
}

/**
 * A Float32 buffer in wasm memory. `view` is cached on the identity of `memory.buffer`, which
 * changes whenever memory grows (the old ArrayBuffer is detached and silently drops writes).
 */
export class F32Buffer {
  private cached: Float32Array | null = null;
  private ptr_: number;

  constructor(
    private readonly heap: WasmHeap,
    readonly length: number,
  ) {
    this.ptr_ = heap.alloc(length * 4);
  }

  get ptr(): number {
    if (this.ptr_ < 0) throw new MemoryError('buffer used after free()');
    return this.ptr_;
  }

  get view(): Float32Array {
    const buffer = this.heap.memory.buffer;
    if (this.cached === null || this.cached.buffer !== buffer) {
      this.cached = new Float32Array(buffer, this.ptr, this.length);
    }
    return this.cached;
  }

  /** Copies `src` in at element `offset`. */
  write(src: ArrayLike<number>, offset = 0): void {
    this.view.set(src, offset);
  }

  /** A copy of the contents, owned by the JS garbage collector. */
  toArray(): Float32Array {
    return this.view.slice();
  }

  free(): void {
    if (this.ptr_ >= 0) this.heap.free(this.ptr_);
    this.ptr_ = -1;
    this.cached = null;
  }
}
