import { beforeAll, describe, expect, it } from 'vitest';
import { ShapeError } from '../src/errors.js';
import { Sequential, sequentialNetOf } from '../src/layers/sequential.js';
import { batchNorm1d, batchNorm2d, dense, dropout, flatten } from '../src/layers/specs.js';
import { adam } from '../src/optim/optimizers.js';
import { heap, ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';
import { firstBitDifference, normalTensor } from './layers-helpers.js';

// Batch norm's train/eval semantics against values computed by hand (PyTorch's rules: biased batch
// variance to normalize, unbiased variance into running_var, momentum 0.1 or a cumulative average),
// and dropout's: seeded masks, inverted scaling, identity in evaluation.

/** One forward pass in the given mode, as fit's training batches (true) or predict (false) run it. */
function forwardIn(model: Sequential, x: Tensor, training: boolean): Float32Array {
  const net = sequentialNetOf(model);
  const rows = x.shape[0];
  const work = net.workspace(rows);
  work.input.write(x.data);
  const ptr = net.run(work.input.ptr, rows, training);
  return heap().f32(ptr, rows * net.outputs).slice();
}

const close = (got: ArrayLike<number>, want: number[], digits = 5) => want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, digits));

describe('batchNorm1d', () => {
  beforeAll(() => ready());
  // Features: column 0 is 1, 3, 5, 7 (mean 4, biased variance 5, unbiased 20/3); column 1 doubles it.
  const x: Tensor = { shape: [4, 2], data: Float32Array.from([1, 2, 3, 6, 5, 10, 7, 14]) };
  const eps = 1e-5;

  it('training: normalizes by batch statistics and moves the running ones by momentum 0.1 with the unbiased variance', () => {
    const model = new Sequential([batchNorm1d({ numFeatures: 2 })], { inputShape: [2], output: 'linear', seed: 1 });
    try {
      const y = forwardIn(model, x, true);
      const z = (v: number, mean: number, variance: number) => (v - mean) / Math.sqrt(variance + eps);
      close(y, [z(1, 4, 5), z(2, 8, 20), z(3, 4, 5), z(6, 8, 20), z(5, 4, 5), z(10, 8, 20), z(7, 4, 5), z(14, 8, 20)]);
      const state = model.stateDict();
      close(state['0.running_mean'].data, [0.4, 0.8]);
      close(state['0.running_var'].data, [0.9 + 0.1 * (20 / 3), 0.9 + 0.1 * (80 / 3)]);
      expect(Array.from(state['0.num_batches_tracked'].data)).toEqual([1]);
      expect(state['0.num_batches_tracked'].shape).toEqual([]);
    } finally {
      model.dispose();
    }
  });

  it('evaluation: normalizes by the running statistics, scaled and shifted, and leaves them alone', () => {
    const model = new Sequential([batchNorm1d({ numFeatures: 2, eps: 0.01 })], { inputShape: [2], output: 'linear', seed: 1 });
    try {
      const state = model.stateDict();
      state['0.weight'].data.set([2, -1]);
      state['0.bias'].data.set([0.5, 3]);
      state['0.running_mean'].data.set([1, 2]);
      state['0.running_var'].data.set([3.99, 0.24]);
      model.loadStateDict(state);
      const y = model.predict(x);
      // (x − 1)/√4·2 + 0.5 and (x − 2)/√0.25·(−1) + 3.
      close(y.data, [0.5, 3, 2.5, -5, 4.5, -13, 6.5, -21]);
      expect(Array.from(model.stateDict()['0.running_mean'].data)).toEqual([1, 2]);
      expect(Array.from(forwardIn(model.eval(), x, model.training))).toEqual(Array.from(y.data));
    } finally {
      model.dispose();
    }
  });

  it('momentum null keeps the cumulative average of the batch statistics', () => {
    const model = new Sequential([batchNorm1d({ numFeatures: 2, momentum: null })], { inputShape: [2], output: 'linear', seed: 1 });
    try {
      forwardIn(model, x, true);
      const shifted: Tensor = { shape: [4, 2], data: x.data.map((v) => v + 10) };
      forwardIn(model, shifted, true);
      const state = model.stateDict();
      close(state['0.running_mean'].data, [(4 + 14) / 2, (8 + 18) / 2]);
      close(state['0.running_var'].data, [20 / 3, 80 / 3]);
      expect(state['0.num_batches_tracked'].data[0]).toBe(2);
    } finally {
      model.dispose();
    }
  });

  it('refuses a training batch of one row, like PyTorch; evaluation takes it', async () => {
    const model = new Sequential([dense({ inFeatures: 2, outFeatures: 3 }), batchNorm1d({ numFeatures: 3 }), dense({ inFeatures: 3, outFeatures: 2 })], { inputShape: [2], seed: 1 });
    try {
      const one: Tensor = { shape: [1, 2], data: Float32Array.from([1, 2]) };
      expect(() => forwardIn(model, one, true)).toThrow(/layer 1 \(batchNorm1d\) needs more than 1 value per channel in training mode/);
      // 5 rows in batches of 2 leave a last batch of 1: refused before any training.
      const five = normalTensor([5, 2], 1);
      await expect(model.fit(five, [0, 1, 0, 1, 0], { epochs: 1, batchSize: 2 })).rejects.toThrow(ShapeError);
      await expect(model.fit(five, [0, 1, 0, 1, 0], { epochs: 1, batchSize: 2 })).rejects.toThrow(/leave a last batch of 1; choose another batchSize/);
      expect(model.predict(one).shape).toEqual([1, 2]);
    } finally {
      model.dispose();
    }
  });
});

describe('batchNorm2d', () => {
  beforeAll(() => ready());

  it('uses each channel’s values over rows and pixels; a frozen layer keeps its statistics', async () => {
    // 2 rows of 2 channels of 1×2 pixels: channel 0 holds 0, 1, 2, 3 and channel 1 holds 10, 30, 50, 70.
    const x: Tensor = { shape: [2, 2, 1, 2], data: Float32Array.from([0, 1, 10, 30, 2, 3, 50, 70]) };
    const model = new Sequential([batchNorm2d({ numFeatures: 2 }), flatten()], { inputShape: [2, 1, 2], output: 'linear', seed: 1 });
    try {
      const y = forwardIn(model, x, true);
      const a = Math.sqrt(1.25 + 1e-5);
      const b = Math.sqrt(500 + 1e-5);
      close(y, [-1.5 / a, -0.5 / a, -30 / b, -10 / b, 0.5 / a, 1.5 / a, 10 / b, 30 / b]);
      const state = model.stateDict();
      close(state['0.running_mean'].data, [0.15, 4]);
      close(state['0.running_var'].data, [0.9 + 0.1 * (5 / 3), 0.9 + 0.1 * (2000 / 3)], 4);
      const frozen = new Sequential([batchNorm2d({ numFeatures: 2 }), flatten(), dense({ inFeatures: 4, outFeatures: 2 })], { inputShape: [2, 1, 2], seed: 1 });
      const before = frozen.stateDict();
      await frozen.fit(x, [0, 1], { epochs: 2, batchSize: 2, freeze: [0], optimizer: adam({ lr: 0.1 }) });
      const after = frozen.stateDict();
      for (const name of ['0.weight', '0.bias', '0.running_mean', '0.running_var', '0.num_batches_tracked']) {
        expect(firstBitDifference(after[name].data, before[name].data), name).toBe(-1);
      }
      expect(firstBitDifference(after['2.weight'].data, before['2.weight'].data)).not.toBe(-1);
      frozen.dispose();
    } finally {
      model.dispose();
    }
  });
});

describe('dropout', () => {
  beforeAll(() => ready());

  it('zeroes a fraction p in training and scales the rest by 1/(1 − p); passes everything in evaluation', () => {
    const model = new Sequential([dropout({ p: 0.3 })], { inputShape: [1000], output: 'linear', seed: 9 });
    try {
      const x: Tensor = { shape: [4, 1000], data: Float32Array.from({ length: 4000 }, (_, i) => 1 + (i % 7)) };
      const y = forwardIn(model, x, true);
      let zeros = 0;
      y.forEach((v, i) => {
        if (v === 0) zeros++;
        else expect(v).toBe(Math.fround(x.data[i] * Math.fround(1 / Math.fround(0.7))));
      });
      // 4000 draws at p = 0.3: sd 29; five sd either side.
      expect(Math.abs(zeros - 1200)).toBeLessThan(145);
      const again = forwardIn(model, x, true);
      expect(firstBitDifference(again, y)).not.toBe(-1); // a new mask per batch
      expect(Array.from(model.predict(x).data)).toEqual(Array.from(x.data));
      // Same seed, same masks.
      const twin = new Sequential([dropout({ p: 0.3 })], { inputShape: [1000], output: 'linear', seed: 9 });
      expect(firstBitDifference(forwardIn(twin, x, true), y)).toBe(-1);
      twin.dispose();
    } finally {
      model.dispose();
    }
  });

  it('p = 1 drops everything and p = 0 nothing', () => {
    const x = normalTensor([3, 8], 1);
    for (const [p, expected] of [
      [1, new Float32Array(24)],
      [0, x.data],
    ] as const) {
      const model = new Sequential([dropout({ p })], { inputShape: [8], output: 'linear', seed: 1 });
      expect(Array.from(forwardIn(model, x, true)).map((v) => v + 0)).toEqual(Array.from(expected));
      model.dispose();
    }
  });
});
