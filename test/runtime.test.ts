import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { allocF32, heap, kernels, withBuffers } from '../src/runtime/index.js';
import { WasmHeap } from '../src/runtime/heap.js';

describe('before ready()', () => {
  it('kernels() throws E_WASM telling the user to call ready()', () => {
    expect(nninit.isReady()).toBe(false); // vitest runs each file in its own process
    expect(() => kernels()).toThrowError(/await nninit\.ready\(\)/);
    try {
      kernels();
    } catch (error) {
      expect(error).toBeInstanceOf(nninit.WasmError);
      expect((error as nninit.NninitError).code).toBe('E_WASM');
    }
  });
});

describe('ready()', () => {
  beforeAll(() => nninit.ready());

  it('is idempotent and resolves every time', async () => {
    const calls = await Promise.all([nninit.ready(), nninit.ready(), nninit.ready()]);
    expect(calls).toEqual([undefined, undefined, undefined]);
    expect(nninit.isReady()).toBe(true);
  });

  it('rejects an unknown option, a misspelt one included, with E_PARAM naming it', async () => {
    await expect(nninit.ready({ thread: 2 } as never)).rejects.toThrowError(
      expect.objectContaining({ code: 'E_PARAM', message: 'ready: unknown option "thread" (it takes threads, fma)' }),
    );
    await expect(nninit.ready(2 as never)).rejects.toThrowError(expect.objectContaining({ code: 'E_PARAM' }));
    await expect(nninit.ready({})).resolves.toBeUndefined();
    expect(nninit.threads()).toBe(1);
  });

  it('reports SIMD support in this runtime', () => {
    expect(nninit.simdSupported()).toBe(true);
  });
});

describe('wasm heap', () => {
  beforeAll(() => nninit.ready());

  it('hands out 64-byte aligned, non-overlapping blocks and reuses freed ones', () => {
    const h = heap();
    const before = h.bytesInUse;
    const a = h.alloc(100);
    const b = h.alloc(1);
    const c = h.alloc(4096);
    for (const p of [a, b, c]) expect(p % 64).toBe(0);
    expect(b).toBeGreaterThanOrEqual(a + 128);
    expect(c).toBeGreaterThanOrEqual(b + 64);
    h.free(b);
    const d = h.alloc(64);
    expect(d).toBe(b); // first fit reuses the hole
    h.free(a);
    h.free(c);
    h.free(d);
    h.free(d); // double free is a no-op
    expect(h.bytesInUse).toBe(before);
  });

  it('coalesces free neighbours so a large block fits where small ones were', () => {
    const h = heap();
    const guard = h.alloc(64);
    const blocks = Array.from({ length: 8 }, () => h.alloc(1024));
    const tail = h.alloc(64); // keeps the freed run away from the top
    for (const p of blocks) h.free(p);
    const big = h.alloc(8 * 1024);
    expect(big).toBe(blocks[0]);
    h.free(big);
    h.free(tail);
    h.free(guard);
  });

  it('buffer views stay valid across memory growth; writes after growth land', () => {
    const buf = allocF32(1000);
    buf.write(Float32Array.from({ length: 1000 }, (_, i) => i * 0.5));
    const userTensor = nninit.tensor([1, 2, 3, 4], [2, 2]);
    const memory = heap().memory;
    const bufferBefore = memory.buffer;
    const bytesBefore = bufferBefore.byteLength;
    const big = allocF32((bytesBefore / 4) * 2); // forces growth beyond the current size
    expect(memory.buffer.byteLength).toBeGreaterThan(bytesBefore);
    expect(memory.buffer).not.toBe(bufferBefore);
    expect(buf.view[999]).toBe(499.5);
    buf.view[3] = 42; // a stale view would silently drop this write
    expect(new Float32Array(memory.buffer, buf.ptr, 4)[3]).toBe(42);
    expect(Array.from(userTensor.data)).toEqual([1, 2, 3, 4]);
    big.free();
    buf.free();
  });

  it('memory returns to its baseline after many alloc/free cycles', () => {
    const h = heap();
    const baseline = h.bytesInUse;
    for (let i = 0; i < 200; i++) {
      withBuffers([i + 1, 3 * i + 7, 1000], (a, b, c) => {
        a.view.fill(1);
        b.view.fill(2);
        c.view.fill(3);
      });
    }
    expect(h.bytesInUse).toBe(baseline);
  });

  it('frees scratch buffers even when the body throws', () => {
    const h = heap();
    const baseline = h.bytesInUse;
    expect(() =>
      withBuffers([10, 20], () => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
    expect(h.bytesInUse).toBe(baseline);
  });

  it('growth past the cap is E_MEMORY, and memory does not grow', () => {
    const memory = new WebAssembly.Memory({ initial: 1 });
    const small = new WasmHeap(memory, 1024, 4 * 65536);
    small.alloc(3 * 65536);
    expect(() => small.alloc(2 * 65536)).toThrowError(nninit.MemoryError);
    try {
      small.alloc(2 * 65536);
    } catch (error) {
      expect((error as nninit.NninitError).code).toBe('E_MEMORY');
      expect((error as Error).message).toMatch(/cap of 262144 bytes/);
    }
    expect(memory.buffer.byteLength).toBeLessThanOrEqual(4 * 65536);
  });

  it('rejects nonsense allocation sizes and caps with E_PARAM', () => {
    expect(() => heap().alloc(-1)).toThrowError(nninit.ParamError);
    expect(() => heap().alloc(1.5)).toThrowError(/1\.5/);
    expect(() => nninit.setMemoryCap(Number.NaN)).toThrowError(/memoryCap.*NaN/);
  });

  it('a freed buffer refuses further use instead of aliasing new data', () => {
    const buf = allocF32(4);
    buf.free();
    expect(() => buf.ptr).toThrowError(nninit.MemoryError);
  });
});

describe('tensor()', () => {
  it('copies data and checks the shape', () => {
    const src = new Float32Array([1, 2, 3, 4, 5, 6]);
    const t = nninit.tensor(src, [2, 3]);
    src[0] = 9;
    expect(t.data[0]).toBe(1);
    expect(t.shape).toEqual([2, 3]);
    expect(() => nninit.tensor([1, 2, 3], [2, 2])).toThrowError(/3 elements but shape \[2, 2\] needs 4/);
    expect(() => nninit.tensor([1], [-1])).toThrowError(nninit.ShapeError);
    expect(() => nninit.tensor([1], [0.5])).toThrowError(/shape\[0\] must be a positive integer, got 0\.5/);
    expect(() => nninit.tensor([], [])).toThrowError(/non-empty/);
  });
});
