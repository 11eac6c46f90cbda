import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { gemmInto, releaseGemmWorkspace, setParallelMinWork, splitGemm } from '../src/ops/gemm.js';
import { heap, threadPool } from '../src/runtime/index.js';
import { findMemoryImport, sharedMemoryVariant } from '../src/runtime/threads-binary.js';
import { wasmBase64 } from '../src/runtime/wasm-binary.generated.js';
import { blobs } from './nn-helpers.js';

// Threads must never change bits: a product split over workers equals the one-call product
// exactly, for every shape, transpose form, alpha/beta and leading dimension. Two vCPUs give no
// speed-up here, so nothing below times anything; 3 threads oversubscribe them on purpose.

const wasmBytes = new Uint8Array(Buffer.from(wasmBase64, 'base64'));

describe('the shared-memory variant of the module', () => {
  it('imports env.memory with a maximum, and the variant differs in exactly that limits byte', () => {
    const found = findMemoryImport(wasmBytes);
    expect(found).not.toBeNull();
    expect(found!.flags).toBe(0x01);
    expect(found!.maximum).toBe(65536);
    const shared = sharedMemoryVariant(wasmBytes);
    expect(shared.length).toBe(wasmBytes.length);
    const diffs = [...shared.keys()].filter((i) => shared[i] !== wasmBytes[i]);
    expect(diffs).toEqual([found!.flagOffset]);
    expect(shared[found!.flagOffset]).toBe(0x03);
    expect(findMemoryImport(shared)!.flags).toBe(0x03);
    expect(WebAssembly.Module.imports(new WebAssembly.Module(wasmBytes))).toEqual([{ module: 'env', name: 'memory', kind: 'memory' }]);
  });

  it('links to a shared memory only in the variant, and to an ordinary one only in the original', () => {
    const plain = new WebAssembly.Memory({ initial: 2, maximum: 65536 });
    const shared = new WebAssembly.Memory({ initial: 2, maximum: 64, shared: true });
    const original = new WebAssembly.Module(wasmBytes);
    const variant = new WebAssembly.Module(sharedMemoryVariant(wasmBytes));
    expect(() => new WebAssembly.Instance(original, { env: { memory: plain } })).not.toThrow();
    expect(() => new WebAssembly.Instance(variant, { env: { memory: shared } })).not.toThrow();
    expect(() => new WebAssembly.Instance(original, { env: { memory: shared } })).toThrow(WebAssembly.LinkError);
    expect(() => new WebAssembly.Instance(variant, { env: { memory: plain } })).toThrow(WebAssembly.LinkError);
  });

  it('rejects a module that does not import its memory', () => {
    const own = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 5, 3, 1, 0, 1]); // (module (memory 1))
    expect(findMemoryImport(own)).toBeNull();
    expect(() => sharedMemoryVariant(own)).toThrow(/does not import its memory/);
  });
});

describe('splitGemm', () => {
  it('covers C exactly once with aligned blocks, at most one per thread', () => {
    for (let threads = 2; threads <= 16; threads++) {
      for (const [m, n] of [
        [1, 1],
        [3, 100],
        [5, 9],
        [64, 64],
        [128, 256],
        [256, 128],
        [1000, 7],
        [7, 1000],
        [33, 65],
      ]) {
        const blocks = splitGemm(m, n, threads);
        expect(blocks.length).toBeLessThanOrEqual(threads);
        const seen = new Uint8Array(m * n);
        for (const b of blocks) {
          if (b.cols === n) expect(b.row % 4).toBe(0);
          if (b.rows === m) expect(b.col % 8).toBe(0);
          for (let i = b.row; i < b.row + b.rows; i++) for (let j = b.col; j < b.col + b.cols; j++) seen[i * n + j]++;
        }
        expect(seen.every((v) => v === 1)).toBe(true);
      }
    }
  });

  it('splits rows when C is tall, columns when it has too few rows', () => {
    expect(splitGemm(128, 256, 2).map((b) => b.rows)).toEqual([64, 64]);
    expect(splitGemm(4, 256, 4).map((b) => b.cols)).toEqual([64, 64, 64, 64]);
    expect(splitGemm(10, 10, 3).map((b) => b.rows)).toEqual([4, 4, 2]);
  });
});

describe('ready({ threads })', () => {
  it('rejects a thread count that is not a positive integer or auto', async () => {
    for (const bad of [0, -1, 1.5, NaN, 1000, 'many']) {
      await expect(nninit.ready({ threads: bad as number })).rejects.toThrowError(nninit.ParamError);
    }
    expect(nninit.threads()).toBe(1);
  });
});

/** Fills a buffer of wasm memory with values from a simple LCG (NaN where `nan` is set). */
function fill(ptr: number, count: number, seed: number, nan = false): void {
  const view = heap().f32(ptr, count);
  let s = seed >>> 0;
  for (let i = 0; i < count; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    view[i] = nan ? NaN : (s / 2 ** 32) * 2 - 1;
  }
}

function bits(ptr: number, count: number): Uint32Array {
  return new Uint32Array(heap().memory.buffer, ptr, count).slice();
}

describe.each([2, 3])('GEMM on %i threads', (threadCount) => {
  beforeAll(async () => {
    await nninit.ready({ threads: threadCount });
    expect(nninit.threads()).toBe(threadCount);
  });
  afterAll(() => setParallelMinWork(1 << 21));

  it('gives the same bits as one call for every small shape, transpose form, alpha/beta and padding', () => {
    const wasm = heap();
    const maxM = 21;
    const maxN = 37;
    const maxK = 300; // crosses the depth block (KC = 256)
    const pad = 3;
    const aLen = (maxK + pad) * (maxM + pad);
    const bLen = (maxK + pad) * (maxN + pad);
    const cLen = maxM * (maxN + pad);
    const a = wasm.alloc(aLen * 4);
    const b = wasm.alloc(bLen * 4);
    const c1 = wasm.alloc(cLen * 4);
    const c2 = wasm.alloc(cLen * 4);
    fill(a, aLen, 1);
    fill(b, bLen, 2);
    let split = 0;
    let cases = 0;
    try {
      for (const k of [1, 9, 300]) {
        for (const [alpha, beta] of [
          [1, 0],
          [0.5, 0.75],
          [0, 1.25],
        ]) {
          for (let form = 0; form < 4; form++) {
            const transA = (form & 1) === 1;
            const transB = (form & 2) === 2;
            for (let m = 1; m <= maxM; m += k === 300 ? 4 : 1) {
              for (let n = 1; n <= maxN; n += k === 300 ? 3 : 1) {
                const padded = (m + n + form) % 2 === 1;
                const extra = padded ? pad : 0;
                const lda = (transA ? m : k) + extra;
                const ldb = (transB ? k : n) + extra;
                const ldc = n + extra;
                // beta = 0 must not read C: NaN there must not leak into either result.
                fill(c1, cLen, 3 + m * n, beta === 0);
                new Float32Array(wasm.memory.buffer, c2, cLen).set(new Float32Array(wasm.memory.buffer, c1, cLen));
                setParallelMinWork(Infinity);
                gemmInto(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c1, ldc);
                setParallelMinWork(0);
                gemmInto(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c2, ldc);
                if (splitGemm(m, n, threadCount).length > 1) split++;
                cases++;
                const want = bits(c1, cLen);
                const got = bits(c2, cLen);
                if (!want.every((v, i) => v === got[i])) {
                  throw new Error(`bits differ: m=${m} n=${n} k=${k} transA=${transA} transB=${transB} alpha=${alpha} beta=${beta} padded=${padded}`);
                }
              }
            }
          }
        }
      }
    } finally {
      setParallelMinWork(1 << 21);
      for (const p of [c2, c1, b, a]) wasm.free(p);
    }
    expect(split).toBeGreaterThan(cases / 2); // most cases really ran on several threads
  });

  it('gives the same bits for a large product above the default threshold', () => {
    const x = nninit.tensor(Float32Array.from({ length: 128 * 784 }, (_, i) => Math.sin(i)), [128, 784]);
    const w = nninit.tensor(Float32Array.from({ length: 256 * 784 }, (_, i) => Math.cos(i * 0.7)), [256, 784]);
    const threaded = nninit.ops.matmul(x, w, { transposeB: true });
    const old = setParallelMinWork(Infinity);
    const single = nninit.ops.matmul(x, w, { transposeB: true });
    setParallelMinWork(old);
    expect(new Uint32Array(threaded.data.buffer)).toEqual(new Uint32Array(single.data.buffer));
  });

  it('surfaces a worker’s failure as E_WASM on the caller, and keeps working afterwards', () => {
    const wasm = heap();
    const m = 64;
    const n = 64;
    const k = 64;
    const a = wasm.alloc(m * k * 4);
    const b = wasm.alloc(k * n * 4);
    fill(a, m * k, 5);
    fill(b, k * n, 6);
    // C's first rows (the caller's block) lie inside memory, the workers' rows past its end.
    const end = wasm.memory.buffer.byteLength;
    const c = end - splitGemm(m, n, threadCount)[0].rows * n * 4;
    setParallelMinWork(0);
    try {
      let caught: unknown;
      try {
        gemmInto(false, false, m, n, k, 1, a, k, b, n, 0, c, n);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(nninit.WasmError);
      expect((caught as nninit.WasmError).code).toBe('E_WASM');
      expect((caught as Error).message).toMatch(/worker thread.*out of bounds/i);
      expect(threadPool()).not.toBeNull();
      // The pool still answers, with the right bits.
      const good = wasm.alloc(m * n * 4);
      const ref = wasm.alloc(m * n * 4);
      gemmInto(false, false, m, n, k, 1, a, k, b, n, 0, good, n);
      setParallelMinWork(Infinity);
      gemmInto(false, false, m, n, k, 1, a, k, b, n, 0, ref, n);
      expect(bits(good, m * n)).toEqual(bits(ref, m * n));
      wasm.free(ref);
      wasm.free(good);
    } finally {
      setParallelMinWork(1 << 21);
      wasm.free(b);
      wasm.free(a);
    }
  });
});

function weightsHash(mlp: nninit.Mlp): string {
  const hash = createHash('sha256');
  for (const layer of mlp.layers) {
    hash.update(new Uint8Array(layer.weight.data.buffer, layer.weight.data.byteOffset, layer.weight.data.byteLength));
    hash.update(new Uint8Array(layer.bias.data.buffer, layer.bias.data.byteOffset, layer.bias.data.byteLength));
  }
  return hash.digest('hex');
}

async function trainedHash(minWork?: number): Promise<{ hash: string; threads: number }> {
  const { x, y } = blobs(256, 784, 10, 11);
  const mlp = new nninit.Mlp({ layers: [784, 128, 10], activation: 'relu', seed: 5 });
  const old = minWork === undefined ? undefined : setParallelMinWork(minWork);
  try {
    await mlp.fit(x, y, { epochs: 2, batchSize: 64, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
  } finally {
    if (old !== undefined) setParallelMinWork(old);
  }
  const hash = weightsHash(mlp);
  mlp.dispose();
  return { hash, threads: nninit.threads() };
}

describe('an Mlp fit', () => {
  it('ends with the same weights on 1, 2 and 3 threads, and a model made before threads keeps working', async () => {
    await nninit.ready({ threads: 1 });
    expect(nninit.threads()).toBe(1);
    const one = await trainedHash();
    const early = new nninit.Mlp({ layers: [784, 64, 10], activation: 'tanh', seed: 3 });
    const probe = blobs(64, 784, 10, 12).x;
    const before = early.predict(probe);

    await nninit.ready({ threads: 2 });
    expect(nninit.threads()).toBe(2);
    const two = await trainedHash();
    const twoSplitAll = await trainedHash(0);
    expect(new Uint32Array(early.predict(probe).data.buffer)).toEqual(new Uint32Array(before.data.buffer));
    early.dispose();

    await nninit.ready({ threads: 3 });
    const three = await trainedHash(0);
    expect(three.threads).toBe(3);
    expect(two.hash).toBe(one.hash);
    expect(twoSplitAll.hash).toBe(one.hash);
    expect(three.hash).toBe(one.hash);
  });
});

describe('stopping the workers', () => {
  it('ready({ threads: 1 }) stops them and frees their memory; auto picks the core count', async () => {
    await nninit.ready({ threads: 1 });
    releaseGemmWorkspace();
    const baseline = heap().bytesInUse;
    await nninit.ready({ threads: 2 });
    expect(threadPool()?.workers).toBe(1);
    setParallelMinWork(0);
    const x = nninit.tensor(new Float32Array(64 * 64).fill(1), [64, 64]);
    expect(nninit.ops.matmul(x, x).data[0]).toBe(64);
    setParallelMinWork(1 << 21);
    await nninit.ready({ threads: 1 });
    expect(nninit.threads()).toBe(1);
    expect(threadPool()).toBeNull();
    releaseGemmWorkspace();
    expect(heap().bytesInUse).toBe(baseline);

    await nninit.ready({ threads: 'auto' });
    const os = await import('node:os');
    expect(nninit.threads()).toBe(Math.min(os.availableParallelism(), 16));
    await nninit.ready({ threads: 1 });
  });
});
