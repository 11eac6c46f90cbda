import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../../src/index.js';
import { connect } from '../../src/worker/index.js';
import { firstBitDifference } from '../layers-helpers.js';
import { fitSequential } from './fit-sequential.js';
import type { jobs } from './sequential-worker.js';

describe('a Sequential fit in a Web Worker', () => {
  const worker = connect<typeof jobs>(new Worker(new URL('./sequential-worker.ts', import.meta.url), { type: 'module' }));
  beforeAll(() => ready());
  afterAll(() => worker.terminate());

  it('reports each epoch and ends with the main thread’s bits', async () => {
    const params = { rows: 40, seed: 4, epochs: 3 };
    const epochs: number[] = [];
    const fromWorker = await worker.run('fitSequential', params, { onProgress: (log) => epochs.push(log.epoch) });
    const here = await fitSequential(params, () => {});
    expect(epochs.length).toBe(3);
    expect(Object.keys(fromWorker)).toEqual(Object.keys(here));
    for (const name of Object.keys(here)) expect(firstBitDifference(fromWorker[name], here[name]), name).toBe(-1);
  });
});
