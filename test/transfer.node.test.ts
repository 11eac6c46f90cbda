import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';

/*
 * The docs/weights.md example as a test: a DBN pretrained on digits 0–4 and fine-tuned on them,
 * saved, loaded, given a new head and trained on digits 5–9 with its base frozen. Node only:
 * it reads the `mnist` package.
 */

/** The rows of (x, y) whose label is in [low, high], labels shifted down by `low`. */
function digits(x: Tensor, y: Int32Array, low: number, high: number): { x: Tensor; y: Int32Array } {
  const picked: number[] = [];
  y.forEach((label, row) => {
    if (label >= low && label <= high) picked.push(row);
  });
  const width = x.shape[1];
  const data = new Float32Array(picked.length * width);
  picked.forEach((row, i) => data.set(x.data.subarray(row * width, (row + 1) * width), i * width));
  return { x: { shape: [picked.length, width], data }, y: Int32Array.from(picked, (row) => y[row] - low) };
}

describe('transfer learning from saved weights', () => {
  let data: nninit.data.Mnist;
  beforeAll(async () => {
    await ready();
    data = await nninit.data.mnist({ trainSize: 6000, testSize: 2000, seed: 0 });
  });

  it('a DBN pretrained on 0–4, saved and reloaded, fine-tunes to 5–9 with its base frozen', async () => {
    const first = digits(data.train.x, data.train.y, 0, 4);
    const dbn = new nninit.DBN({ layers: [784, 128], seed: 1 });
    await dbn.pretrain(first.x, { epochs: 3, batchSize: 50, learningRate: 0.1 });
    const pretrained = nninit.DBN.load(dbn.save());
    const base = pretrained.toMlp({ outputs: 5, activation: 'sigmoid', seed: 1 });
    await base.fit(first.x, first.y, { epochs: 2, batchSize: 50, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
    const saved = base.save();

    const second = digits(data.train.x, data.train.y, 5, 9);
    const test = digits(data.test.x, data.test.y, 5, 9);
    const loaded = nninit.Mlp.load(saved);
    const model = loaded.withHead(5, { init: 'xavierUniform', seed: 2 });
    const frozenBefore = model.layers[0].weight.data.slice();
    await model.fit(second.x, second.y, { epochs: 8, batchSize: 50, freeze: [0], optimizer: nninit.optim.adam({ lr: 3e-3 }) });

    // The base did not move; the head learned digits it never saw in pretraining.
    expect(model.layers[0].weight.data).toEqual(frozenBefore);
    const { accuracy } = model.evaluate(test.x, test.y);
    expect(accuracy).toBeGreaterThan(0.8); // chance is 0.2
    for (const mlp of [base, loaded, model]) mlp.dispose();
  });
});
