// The Node worker of test/worker.test.ts, written as a user writes one: the built package and
// parentPort. Its extra jobs exercise what the built-in `init` job cannot show.
import { parentPort } from 'node:worker_threads';
import * as nninit from '../dist/index.js';
import { serve } from '../dist/worker.js';

let lastResult = null;

serve({
  port: parentPort,
  jobs: {
    // Shaped like a fit: steps, a progress update per step (its buffer moved), arrays back.
    steps({ seed, count }, { progress }) {
      const rng = new nninit.Rng(seed);
      for (let step = 0; step < count; step++) {
        const sample = Float32Array.from({ length: 4 }, () => rng.normal());
        progress({ step, sample }, [sample.buffer]);
      }
      lastResult = { weights: nninit.init.uniform([8, 8], { rng }) };
      return lastResult;
    },
    // 0 once the previous `steps` result was moved out of this thread rather than copied.
    lastResultBytes: () => lastResult.weights.data.buffer.byteLength,
    sum: ({ values }) => values.reduce((total, x) => total + x, 0),
    // Serve initialized the runtime that a job importing 'nninit' uses: one runtime per thread.
    runtimeShared: () => nninit.isReady(),
    badShape: () => nninit.init.zeros([2, 0]),
    exit: ({ code }) => process.exit(code),
    // A μP model trained here for a few steps, back as the bytes of its file.
    async mupModel({ seed }) {
      const mlp = new nninit.Mlp({ layers: [6, 32, 32, 3], activation: 'tanh', seed, parametrization: 'mup', baseWidth: 8 });
      const rng = new nninit.Rng(seed);
      const x = nninit.tensor(Float32Array.from({ length: 48 * 6 }, () => rng.normal()), [48, 6]);
      const y = Int32Array.from({ length: 48 }, () => rng.int(3));
      await mlp.fit(x, y, { epochs: 2, batchSize: 16, optimizer: nninit.optim.adam({ lr: 0.01 }) });
      return mlp.save();
    },
  },
});
