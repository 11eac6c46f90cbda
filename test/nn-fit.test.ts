import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, MemoryError, ParamError, ShapeError } from '../src/errors.js';
import { Mlp, gradientsOf } from '../src/nn/mlp.js';
import { adam, sgd } from '../src/optim/index.js';
import { heap, ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';
import { blobs, randomTensor } from './nn-helpers.js';

beforeAll(() => ready());

const INPUTS = 12;
const CLASSES = 4;

function counts(labels: Int32Array, classes: number): number[] {
  const c = new Array(classes).fill(0);
  for (const label of labels) c[label]++;
  return c;
}

describe('Mlp.fit learns', () => {
  it('separates Gaussian blobs with ReLU and softmax', async () => {
    const train = blobs(600, INPUTS, CLASSES, 1);
    const test = blobs(200, INPUTS, CLASSES, 1); // same centres (same seed), fresh draws below
    const fresh = blobs(800, INPUTS, CLASSES, 1);
    const mlp = new Mlp({ layers: [INPUTS, 32, 32, CLASSES], init: 'heNormal', seed: 3 });
    const history = await mlp.fit(train.x, train.y, { epochs: 8, batchSize: 50, optimizer: adam({ lr: 3e-3 }), validation: test });
    expect(history.loss[7]).toBeLessThan(history.loss[0]);
    expect(history.valAccuracy[7]).toBeGreaterThan(0.95);
    const heldOut = {
      x: { shape: [200, INPUTS], data: fresh.x.data.subarray(600 * INPUTS) } as Tensor,
      y: fresh.y.subarray(600),
    };
    const { accuracy } = mlp.evaluate(heldOut.x, heldOut.y);
    expect(accuracy).toBeGreaterThan(0.95);
    const probabilities = mlp.predict(heldOut.x);
    expect(probabilities.shape).toEqual([200, CLASSES]);
    for (let r = 0; r < 200; r++) {
      const row = probabilities.data.subarray(r * CLASSES, (r + 1) * CLASSES);
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    }
    mlp.dispose();
  });

  it('fits a binary sigmoid output with BCE and a regression with MSE', async () => {
    const data = blobs(400, INPUTS, 2, 4);
    const binary = new Mlp({ layers: [INPUTS, 16, 1], output: 'sigmoid', activation: 'tanh', seed: 5 });
    const h1 = await binary.fit(data.x, data.y, { epochs: 10, batchSize: 40, optimizer: adam({ lr: 1e-2 }) });
    expect(h1.accuracy[9]).toBeGreaterThan(0.95);
    const p = binary.predict(data.x).data;
    expect(p.every((v) => v > 0 && v < 1)).toBe(true);
    binary.dispose();

    // y = sum of inputs: linear output and MSE.
    const x = randomTensor([300, 4], 6);
    const y: Tensor = { shape: [300, 1], data: Float32Array.from({ length: 300 }, (_, r) => x.data.subarray(r * 4, r * 4 + 4).reduce((a, b) => a + b, 0)) };
    const regression = new Mlp({ layers: [4, 16, 1], output: 'linear', activation: 'selu', init: 'lecunNormal', seed: 7 });
    const h2 = await regression.fit(x, y, { epochs: 30, batchSize: 30, optimizer: adam({ lr: 1e-2 }) });
    expect(h2.loss[29]).toBeLessThan(0.02 * h2.loss[0]);
    regression.dispose();
  });
});

describe('all-zero initialization', () => {
  it('with ReLU, every hidden gradient is zero, so only the output bias learns: predictions are the majority class', async () => {
    // Class 2 is the clear majority of the training rows.
    const train = blobs(500, INPUTS, CLASSES, 8, { weights: [1, 1, 3, 1] });
    const test = blobs(300, INPUTS, CLASSES, 9);
    const majority = counts(train.y, CLASSES).indexOf(Math.max(...counts(train.y, CLASSES)));
    expect(majority).toBe(2);
    const mlp = new Mlp({ layers: [INPUTS, 16, 16, CLASSES], activation: 'relu', init: 'zeros', seed: 1 });

    const gradients = gradientsOf(mlp, train.x, train.y);
    for (let l = 0; l < 3; l++) expect(gradients.weights[l].every((g) => g === 0), `layer ${l} weight gradient`).toBe(true);
    for (let l = 0; l < 2; l++) expect(gradients.biases[l].every((g) => g === 0), `layer ${l} bias gradient`).toBe(true);
    expect(gradients.biases[2].some((g) => g !== 0)).toBe(true);

    const history = await mlp.fit(train.x, train.y, { epochs: 5, batchSize: 50, optimizer: adam({ lr: 1e-2 }), validation: test });
    const layers = mlp.layers;
    for (let l = 0; l < 3; l++) expect(layers[l].weight.data.every((w) => w === 0), `layer ${l} weights stay 0`).toBe(true);
    const expected = counts(test.y, CLASSES)[majority] / test.y.length;
    expect(history.valAccuracy.at(-1)).toBe(expected);
    expect(mlp.evaluate(test.x, test.y).accuracy).toBe(expected);
    mlp.dispose();
  });
});

describe('freezing, determinism, state', () => {
  it('frozen layers stay bit-identical while the others train', async () => {
    const data = blobs(200, INPUTS, CLASSES, 10);
    const mlp = new Mlp({ layers: [INPUTS, 16, 16, CLASSES], init: 'heNormal', biasInit: { name: 'normal', std: 0.1 }, seed: 11 });
    const before = mlp.layers;
    await mlp.fit(data.x, data.y, { epochs: 2, batchSize: 32, freeze: [0, 2], optimizer: adam({ lr: 1e-2, weightDecay: 0.1 }) });
    const after = mlp.layers;
    for (const l of [0, 2]) {
      expect(after[l].weight.data).toEqual(before[l].weight.data);
      expect(after[l].bias.data).toEqual(before[l].bias.data);
    }
    expect(after[1].weight.data).not.toEqual(before[1].weight.data);
    mlp.dispose();
  });

  it('a seeded fit is deterministic: same history, same weights, bit for bit', async () => {
    const data = blobs(300, INPUTS, CLASSES, 12);
    const train = async () => {
      const mlp = new Mlp({ layers: [INPUTS, 24, CLASSES], activation: 'sigmoid', init: 'xavierUniform', seed: 13 });
      const history = await mlp.fit(data.x, data.y, { epochs: 3, batchSize: 32, optimizer: sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), validation: 0.2 });
      const layers = mlp.layers;
      mlp.dispose();
      return { history, layers };
    };
    const a = await train();
    const b = await train();
    expect(a.history.loss).toEqual(b.history.loss);
    expect(a.history.valAccuracy).toEqual(b.history.valAccuracy);
    a.layers.forEach((layer, l) => {
      expect(layer.weight.data).toEqual(b.layers[l].weight.data);
      expect(layer.bias.data).toEqual(b.layers[l].bias.data);
    });
    // A different seed shuffles and initializes differently.
    const other = new Mlp({ layers: [INPUTS, 24, CLASSES], activation: 'sigmoid', seed: 14 });
    expect(other.layers[0].weight.data).not.toEqual(a.layers[0].weight.data);
    other.dispose();
  });

  it('keeps optimizer state across fits with the same optimizer object', async () => {
    const data = blobs(100, INPUTS, CLASSES, 15);
    const optimizer = adam({ lr: 1e-2 });
    const once = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 16 });
    await once.fit(data.x, data.y, { epochs: 2, batchSize: 100, shuffle: false, optimizer });
    const twice = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 16 });
    await twice.fit(data.x, data.y, { epochs: 1, batchSize: 100, shuffle: false, optimizer });
    await twice.fit(data.x, data.y, { epochs: 1, batchSize: 100, shuffle: false, optimizer });
    expect(twice.layers[0].weight.data).toEqual(once.layers[0].weight.data);
    once.dispose();
    twice.dispose();
  });
});

describe('fit options', () => {
  it('calls onBatch per batch and onEpoch per epoch; early stopping ends training and restores the best', async () => {
    const data = blobs(120, INPUTS, CLASSES, 17);
    const mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 18 });
    const batches: string[] = [];
    const epochs: number[] = [];
    await mlp.fit(data.x, data.y, {
      epochs: 2,
      batchSize: 50,
      onBatch: (b) => batches.push(`${b.epoch}.${b.batch}: ${b.rows}`),
      onEpoch: (e) => void epochs.push(e.epoch),
    });
    // Epochs and batches are numbered from 1, as in the RBM's logs and the CLI's progress lines.
    expect(batches).toEqual(['1.1: 50', '1.2: 50', '1.3: 20', '2.1: 50', '2.2: 50', '2.3: 20']);
    expect(epochs).toEqual([1, 2]);

    // A learning rate this large makes the validation loss worse after the first epoch or so.
    const history = await mlp.fit(data.x, data.y, {
      epochs: 30,
      batchSize: 10,
      optimizer: sgd({ lr: 50 }),
      validation: 0.25,
      earlyStopping: { monitor: 'valLoss', patience: 2, restoreBest: true },
    });
    expect(history.stoppedEarly).toBe(true);
    expect(history.epochs.length).toBeLessThan(30);
    expect(history.epochs.length - history.bestEpoch!).toBe(2);
    expect(history.epochs[history.bestEpoch! - 1].epoch).toBe(history.bestEpoch);
    // restoreBest put back the best epoch's parameters: the held-out rows score as they did then.
    const heldOut = { shape: [30, INPUTS], data: data.x.data.subarray(90 * INPUTS) };
    expect(mlp.evaluate(heldOut, data.y.subarray(90)).loss).toBeCloseTo(history.valLoss[history.bestEpoch! - 1], 5);
    mlp.dispose();
  });

  it('onEpoch returning false, or a promise of false, stops training after that epoch', async () => {
    const data = blobs(60, INPUTS, CLASSES, 19);
    for (const verdict of [false, Promise.resolve(false)]) {
      const mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 20 });
      const seen: number[] = [];
      const history = await mlp.fit(data.x, data.y, {
        epochs: 5,
        batchSize: 20,
        onEpoch: (log) => {
          seen.push(log.epoch);
          return log.epoch === 2 ? verdict : undefined;
        },
      });
      expect(seen).toEqual([1, 2]);
      expect(history.epochs.map((log) => log.epoch)).toEqual([1, 2]);
      expect(history.stoppedEarly).toBe(true);
      mlp.dispose();
    }
    // Any other return value goes on.
    const mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 20 });
    const history = await mlp.fit(data.x, data.y, { epochs: 3, batchSize: 20, onEpoch: () => true });
    expect(history.epochs.length).toBe(3);
    expect(history.stoppedEarly).toBe(false);
    mlp.dispose();
  });

  it('predicting many rows between epochs does not disturb training', async () => {
    const data = blobs(600, INPUTS, CLASSES, 24);
    const train = async (predictEachEpoch: boolean) => {
      const mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 25 });
      await mlp.fit(data.x, data.y, { epochs: 2, batchSize: 10, onEpoch: () => void (predictEachEpoch && mlp.predict(data.x)) });
      const weights = mlp.layers[0].weight.data;
      mlp.dispose();
      return weights;
    };
    expect(await train(true)).toEqual(await train(false));
  });

  it('rejects bad options with E_PARAM naming the value', async () => {
    const data = blobs(20, INPUTS, CLASSES, 19);
    const mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 20 });
    await expect(mlp.fit(data.x, data.y, { epochs: 0 })).rejects.toThrowError(/epochs must be a positive integer, got 0/);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, freeze: [5] })).rejects.toThrowError(/freeze holds 5/);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, freeze: [0, 1] })).rejects.toThrowError(ParamError);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, earlyStopping: { monitor: 'valLoss' } })).rejects.toThrowError(/no validation data/);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, batchsize: 3 } as never)).rejects.toThrowError(/unknown option "batchsize"/);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, optimizer: { lr: 1 } as never })).rejects.toThrowError(/optimizer must come from/);
    mlp.dispose();
  });
});

describe('bad data fails with typed errors naming the value', () => {
  const data = blobs(10, INPUTS, CLASSES, 21);
  let mlp: Mlp;
  beforeAll(() => {
    mlp = new Mlp({ layers: [INPUTS, 8, CLASSES], seed: 22 });
  });

  it('a label out of range is E_DATA with its index and value', async () => {
    const y = Int32Array.from(data.y);
    y[7] = 4;
    const failure = mlp.fit(data.x, y, { epochs: 1 });
    await expect(failure).rejects.toThrowError(DataError);
    await expect(mlp.fit(data.x, y, { epochs: 1 })).rejects.toThrowError('y[7] is 4; class ids must be integers in [0, 4)');
    expect(() => mlp.evaluate(data.x, [0, 1, 2, 3, -1, 0, 0, 0, 0, 0])).toThrowError('y[4] is -1');
    expect(() => mlp.evaluate(data.x, [0, 1.5, 2, 3, 1, 0, 0, 0, 0, 0])).toThrowError('y[1] is 1.5');
  });

  it('x and y of different lengths is E_SHAPE', async () => {
    await expect(mlp.fit(data.x, data.y.subarray(1), { epochs: 1 })).rejects.toThrowError(ShapeError);
    await expect(mlp.fit(data.x, data.y.subarray(1), { epochs: 1 })).rejects.toThrowError('x has 10 rows but y has 9 labels');
    const wrongWidth: Tensor = { shape: [10, 3], data: new Float32Array(30) };
    expect(() => mlp.predict(wrongWidth)).toThrowError(/x must be a 2-D Tensor of shape \[rows, 12\].*got shape \[10, 3\]/);
  });

  it('NaN or infinity in x or in target rows is E_DATA with the position', async () => {
    const x = { shape: data.x.shape, data: Float32Array.from(data.x.data) };
    x.data[25] = NaN;
    await expect(mlp.fit(x, data.y, { epochs: 1 })).rejects.toThrowError(DataError);
    await expect(mlp.fit(x, data.y, { epochs: 1 })).rejects.toThrowError('x.data[25] is NaN; values must be finite');
    const targets: Tensor = { shape: [10, CLASSES], data: new Float32Array(40) };
    targets.data[3] = Infinity;
    expect(() => mlp.evaluate(data.x, targets)).toThrowError('y.data[3] is Infinity');
    const val = { x: data.x, y: Int32Array.from(data.y).fill(9, 2, 3) };
    await expect(mlp.fit(data.x, data.y, { epochs: 1, validation: val })).rejects.toThrowError('validation.y[2] is 9');
  });

  it('bad construction options are E_PARAM / E_SHAPE', () => {
    expect(() => new Mlp({ layers: [4] })).toThrowError(ShapeError);
    expect(() => new Mlp({ layers: [4, 0, 2] })).toThrowError(/layers must list/);
    expect(() => new Mlp({ layers: [4, 2], activation: 'gelu' as never })).toThrowError(/activation must be one of .* got "gelu"/);
    expect(() => new Mlp({ layers: [4, 2], init: 'heNormall' as never })).toThrowError(/init must name an nninit.init initializer .* got "heNormall"/);
    expect(() => new Mlp({ layers: [4, 3, 2], init: ['zeros'] })).toThrowError(/init lists 1 initializers for 2 layers/);
    expect(() => new Mlp({ layers: [4, 1], output: 'softmax' })).toThrowError(/at least 2 outputs/);
    expect(() => new Mlp({ layers: [4, 2], seed: -1 })).toThrowError(ParamError);
  });
});

describe('memory', () => {
  it('returns to its baseline after create → fit → predict → dispose cycles; a disposed model throws E_MEMORY', async () => {
    const data = blobs(64, INPUTS, CLASSES, 23);
    const cycle = async (seed: number) => {
      const mlp = new Mlp({ layers: [INPUTS, 32, 16, CLASSES], seed });
      await mlp.fit(data.x, data.y, { epochs: 1, batchSize: 16, validation: 0.25, earlyStopping: { restoreBest: true } });
      mlp.predict(data.x);
      mlp.evaluate(data.x, data.y);
      mlp.dispose();
    };
    // The first cycle may grow GEMM's shared packing space, which stays for later products.
    await cycle(0);
    const baseline = heap().bytesInUse;
    for (let seed = 1; seed < 4; seed++) {
      await cycle(seed);
      expect(heap().bytesInUse).toBe(baseline);
    }
    const disposed = new Mlp({ layers: [INPUTS, 4, CLASSES], seed: 1 });
    disposed.dispose();
    disposed.dispose(); // idempotent
    expect(() => disposed.predict(data.x)).toThrowError(MemoryError);
    expect(() => disposed.layers).toThrowError(/disposed/);
    expect(heap().bytesInUse).toBe(baseline);
  });

  it('frees wasm memory when a forgotten model is garbage-collected', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const baseline = heap().bytesInUse;
    (() => new Mlp({ layers: [INPUTS, 64, CLASSES], seed: 1 }))();
    for (let i = 0; i < 10 && heap().bytesInUse !== baseline; i++) {
      gc();
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    expect(heap().bytesInUse).toBe(baseline);
  });
});
