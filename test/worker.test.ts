import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, Mlp, NninitError, optim, ParamError, ready, Rng, ShapeError, tensor } from '../src/index.js';
import { connect, type InitProgress, type InitRequest, type Job } from '../src/worker/index.js';

// nninit/worker in Node worker_threads, against the built package (`npm test` builds dist/ first).
type FixtureJobs = {
  steps: Job<{ seed: number; count: number }, { weights: { data: Float32Array } }, { step: number; sample: Float32Array }>;
  lastResultBytes: Job<void, number>;
  sum: Job<{ values: Float32Array }, number>;
  runtimeShared: Job<void, boolean>;
  badShape: Job<void, never>;
  exit: Job<{ code: number }, never>;
  mupModel: Job<{ seed: number }, Uint8Array>;
};

const fixture = fileURLToPath(new URL('./worker-fixture.mjs', import.meta.url));
const spawn = () => connect<FixtureJobs>(new Worker(fixture));

const requests: InitRequest[] = [
  { initializer: 'kaimingNormal', shape: [256, 784], options: { seed: 42 } },
  { initializer: 'orthogonal', shape: [32, 48], options: { seed: 7 } },
  { initializer: 'truncatedNormal', shape: [1000, 1001], options: { seed: 9 } },
  { initializer: 'sparse', shape: [64, 100], options: { sparsity: 0.5, seed: 8 } },
];

/** Index of the first element whose bits differ, or -1 (toEqual is slow on a million elements). */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

/** The rejection of a job, caught at once so that it never counts as unhandled. */
const rejectionOf = (job: Promise<unknown>) => job.then(() => expect.fail('the job should have failed'), (error: unknown) => error);

describe('nninit/worker in Node worker_threads', () => {
  const worker = spawn();
  beforeAll(() => ready());
  afterAll(() => worker.terminate());

  it('the init job gives the main thread’s bits, with a progress update per tensor', async () => {
    const updates: InitProgress[] = [];
    const tensors = await worker.run('init', requests, { onProgress: (update) => updates.push(update) });
    expect(updates).toEqual(requests.map((_, i) => ({ done: i + 1, total: requests.length })));
    tensors.forEach((tensor, i) => {
      const { initializer, shape, options } = requests[i];
      const here = (init[initializer] as (shape: number[], options?: object) => { data: Float32Array })(shape, options);
      expect(tensor.shape).toEqual(shape);
      expect(tensor.data).toBeInstanceOf(Float32Array);
      expect(firstDifference(tensor.data, here.data)).toBe(-1);
    });
  });

  it('a fit-shaped job streams progress in order, and its result is moved, not copied', async () => {
    const samples: Float32Array[] = [];
    const { weights } = await worker.run('steps', { seed: 5, count: 3 }, { onProgress: ({ sample }) => samples.push(sample) });
    const rng = new Rng(5);
    const expected = Array.from({ length: 3 }, () => Float32Array.from({ length: 4 }, () => rng.normal()));
    expect(samples).toEqual(expected);
    expect(firstDifference(weights.data, init.uniform([8, 8], { rng }).data)).toBe(-1);
    expect(await worker.run('lastResultBytes', undefined)).toBe(0);
  });

  it('moves inputs listed in `transfer` to the worker', async () => {
    const values = Float32Array.of(1, 2, 3.5);
    expect(await worker.run('sum', { values }, { transfer: [values.buffer] })).toBe(6.5);
    expect(values.byteLength).toBe(0);
  });

  it('a μP model trained in the worker comes back as the same model: parametrization, base width and bits', async () => {
    const loaded = Mlp.load(await worker.run('mupModel', { seed: 3 }));
    expect([loaded.parametrization, loaded.baseWidth]).toEqual(['mup', 8]);
    const here = new Mlp({ layers: [6, 32, 32, 3], activation: 'tanh', seed: 3, parametrization: 'mup', baseWidth: 8 });
    const rng = new Rng(3);
    const x = tensor(Float32Array.from({ length: 48 * 6 }, () => rng.normal()), [48, 6]);
    const y = Int32Array.from({ length: 48 }, () => rng.int(3));
    await here.fit(x, y, { epochs: 2, batchSize: 16, optimizer: optim.adam({ lr: 0.01 }) });
    loaded.layers.forEach((layer, l) => expect(firstDifference(layer.weight.data, here.layers[l].weight.data)).toBe(-1));
    expect(firstDifference(loaded.predict(x).data, here.predict(x).data)).toBe(-1);
    loaded.dispose();
    here.dispose();
  });

  it('jobs use the runtime serve() initialized: one runtime per thread', async () => {
    expect(await worker.run('runtimeShared', undefined)).toBe(true);
  });

  it('errors come back with their class, code and message', async () => {
    const shapeError = await rejectionOf(worker.run('badShape', undefined));
    expect(shapeError).toBeInstanceOf(ShapeError);
    expect(shapeError).toMatchObject({ code: 'E_SHAPE', message: expect.stringContaining('[2, 0]') });

    const unknownJob = await rejectionOf(worker.run('fit' as 'sum', { values: new Float32Array(1) }));
    expect(unknownJob).toBeInstanceOf(ParamError);
    expect(unknownJob).toMatchObject({ message: expect.stringMatching(/^unknown job "fit"; this worker runs init, steps/) });

    const withRng = await rejectionOf(worker.run('init', [{ initializer: 'normal', shape: [2], options: { rng: new Rng(1) } }]));
    expect(withRng).toMatchObject({ code: 'E_PARAM', message: expect.stringContaining('options.rng, which cannot cross to a worker; pass a seed') });

    const notAnInitializer = await rejectionOf(worker.run('init', [{ initializer: 'calculateGain' as 'eye', shape: [2, 2] }]));
    expect(notAnInitializer).toBeInstanceOf(NninitError);
    expect(notAnInitializer).toMatchObject({ message: expect.stringMatching(/unknown initializer "calculateGain"; expected one of .*kaimingNormal/) });
  });

  it('a worker that dies rejects its pending and later jobs', async () => {
    const doomed = spawn();
    expect(await rejectionOf(doomed.run('exit', { code: 3 }))).toMatchObject({ message: 'nninit worker stopped: exited with code 3' });
    expect(await rejectionOf(doomed.run('runtimeShared', undefined))).toMatchObject({ message: 'nninit worker stopped: exited with code 3' });
    await doomed.terminate();
  });

  it('the CommonJS build serves the same bits, sharing the runtime of require(\'nninit\')', async () => {
    const dist = (file: string) => JSON.stringify(fileURLToPath(new URL(`../dist/${file}`, import.meta.url)));
    const script = `const { parentPort } = require('node:worker_threads');
      const nninit = require(${dist('index.cjs')});
      const { serve } = require(${dist('worker.cjs')});
      serve({ port: parentPort, jobs: { runtimeShared: () => nninit.isReady() } });`;
    const cjs = connect<Pick<FixtureJobs, 'runtimeShared'>>(new Worker(script, { eval: true }));
    const [tensor] = await cjs.run('init', [requests[0]]);
    expect(firstDifference(tensor.data, init.kaimingNormal([256, 784], { seed: 42 }).data)).toBe(-1);
    expect(await cjs.run('runtimeShared', undefined)).toBe(true);
    await cjs.terminate();
  });

  it('terminate() rejects what is still running', async () => {
    const short = spawn();
    const running = rejectionOf(short.run('init', [{ initializer: 'normal', shape: [4000, 4000], options: { seed: 1 } }]));
    await short.terminate();
    expect(await running).toMatchObject({ message: 'nninit worker terminated' });
  });
});
