import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import * as nninit from '../src/index.js';
import { threadPool } from '../src/runtime/index.js';
import { randomTensor } from './nn-helpers.js';

/*
 * A worker that dies in the middle of a threaded product: the call must throw WasmError (not
 * wait forever), the runtime must go on on one thread after one console line, and ready({ threads })
 * must start a working pool again. The worker is terminated from its supervisor's timer, the one
 * place with a free event loop while this thread waits on the product.
 */

beforeAll(() => nninit.ready({ threads: 3 }));
afterAll(() => nninit.ready({ threads: 1 }));

/** f64 reference of a · b for a few entries. */
function spotCheck(a: nninit.Tensor, b: nninit.Tensor, c: nninit.Tensor): void {
  const [m, k] = a.shape;
  const n = b.shape[1];
  for (const [i, j] of [[0, 0], [m - 1, n - 1], [m >> 1, n >> 2]]) {
    let sum = 0;
    for (let p = 0; p < k; p++) sum += a.data[i * k + p] * b.data[p * n + j];
    expect(c.data[i * n + j]).toBeCloseTo(sum, 3);
  }
}

describe('a worker dying mid-call', () => {
  it('makes the waiting product throw WasmError, then the runtime runs on one thread after one line', async () => {
    expect(nninit.threads()).toBe(3);
    const a = randomTensor([512, 512], 1);
    const b = randomTensor([512, 512], 2);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      threadPool()!.workerHandles[1].terminateLater!(40);
      let caught: unknown = null;
      // Products back to back: the worker dies during one of them (or, at worst, between two, which
      // the next one must notice just the same).
      for (let call = 0; call < 400 && caught === null; call++) {
        try {
          nninit.ops.matmul(a, b);
        } catch (error) {
          caught = error;
        }
      }
      expect(caught).toBeInstanceOf(nninit.WasmError);
      expect((caught as Error).message).toMatch(/gemm failed in a worker thread: worker thread 2 stopped in the middle of a call/);
      expect(nninit.threads()).toBe(1);
      // One thread from now on, with right results.
      spotCheck(a, b, nninit.ops.matmul(a, b));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const lines = warn.mock.calls.map((args) => String(args[0]));
      expect(lines.filter((line) => /worker thread/.test(line))).toHaveLength(1);
      expect(lines[0]).toMatch(/running on 1 thread/);
    } finally {
      warn.mockRestore();
    }
    // A new pool starts on request and computes right.
    await nninit.ready({ threads: 3 });
    expect(nninit.threads()).toBe(3);
    spotCheck(a, b, nninit.ops.matmul(a, b));
  });

  it('an RBM kernel split over the pool fails the same way', async () => {
    const rbm = new nninit.RBM({ nVisible: 400, nHidden: 300, seed: 1 });
    const x: nninit.Tensor = { shape: [512, 400], data: Float32Array.from({ length: 512 * 400 }, (_, i) => (i * 7919) % 3 === 0 ? 1 : 0) };
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      threadPool()!.workerHandles[0].terminateLater!(30);
      let caught: unknown = null;
      for (let call = 0; call < 1000 && caught === null; call++) {
        try {
          rbm.transform(x);
        } catch (error) {
          caught = error;
        }
      }
      expect(caught).toBeInstanceOf(nninit.WasmError);
      expect((caught as Error).message).toMatch(/stopped in the middle of a call/);
      expect(nninit.threads()).toBe(1);
      expect(rbm.transform(x).shape).toEqual([512, 300]);
    } finally {
      warn.mockRestore();
      rbm.dispose();
    }
  });
});
