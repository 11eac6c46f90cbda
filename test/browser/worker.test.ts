import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, ready, ShapeError, type Tensor } from '../../src/index.js';
import { connect, type InitProgress, type InitRequest } from '../../src/worker/index.js';
import { fitRbm } from './fit-rbm.js';
import type { jobs } from './fit-worker.js';

/** Index of the first element whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

describe('nninit/worker in a Web Worker', () => {
  const worker = connect<typeof jobs>(new Worker(new URL('./fit-worker.ts', import.meta.url), { type: 'module' }));
  beforeAll(() => ready());
  afterAll(() => worker.terminate());

  it('the init job gives the main thread’s bits, with a progress update per tensor', async () => {
    const requests: InitRequest[] = [
      { initializer: 'kaimingNormal', shape: [256, 784], options: { seed: 42 } },
      { initializer: 'orthogonal', shape: [32, 48], options: { seed: 7 } },
      { initializer: 'varianceScaling', shape: [3, 3, 16, 32], options: { layout: 'inOut', seed: 6 } },
    ];
    const updates: InitProgress[] = [];
    const tensors = await worker.run('init', requests, { onProgress: (update) => updates.push(update) });
    expect(updates).toEqual([1, 2, 3].map((done) => ({ done, total: 3 })));
    tensors.forEach((tensor, i) => {
      const { initializer, shape, options } = requests[i];
      const here = (init[initializer] as (shape: number[], options?: object) => Tensor)(shape, options);
      expect(firstDifference(tensor.data, here.data)).toBe(-1);
    });
  });

  it('an RBM fit in the worker reports each epoch and ends with the main thread’s weights', async () => {
    const params = { rows: 64, columns: 20, hidden: 8, seed: 3, epochs: 3 };
    const epochs: number[] = [];
    const fromWorker = await worker.run('fitRbm', params, { onProgress: (stats) => epochs.push(stats.epoch) });
    const here = await fitRbm(params, () => {});
    expect(epochs).toEqual([1, 2, 3]);
    expect(firstDifference(fromWorker.W.data, here.W.data)).toBe(-1);
    expect(firstDifference(fromWorker.visibleBias.data, here.visibleBias.data)).toBe(-1);
    expect(firstDifference(fromWorker.hiddenBias.data, here.hiddenBias.data)).toBe(-1);
  });

  it('a worker whose script does not load rejects its jobs', async () => {
    const missing = connect(new Worker(new URL('./no-such-worker.js', import.meta.url), { type: 'module' }));
    const error = await missing.run('init', []).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ message: expect.stringMatching(/^nninit worker stopped/) });
    await missing.terminate();
  });

  it('errors come back with their class and code', async () => {
    const error = await worker.run('init', [{ initializer: 'zeros', shape: [2, -1] }]).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ShapeError);
    expect(error).toMatchObject({ code: 'E_SHAPE' });
  });
});
