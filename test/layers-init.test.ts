import { beforeAll, describe, expect, it } from 'vitest';
import { ParamError, ShapeError } from '../src/errors.js';
import * as init from '../src/init-namespace.js';
import { Sequential } from '../src/layers/sequential.js';
import { conv2d, dense, flatten, relu, residual, scalarBias, tanh } from '../src/layers/specs.js';
import { ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';
import { firstBitDifference, normalTensor } from './layers-helpers.js';

// The initializations made for conv and residual networks (delta-orthogonal, ZerO, Fixup, ReZero),
// and the existing initializers applied to conv weights with the fans of their receptive fields.

function std(data: Float32Array): number {
  let sum = 0;
  let squares = 0;
  for (const v of data) {
    sum += v;
    squares += v * v;
  }
  const mean = sum / data.length;
  return Math.sqrt(squares / data.length - mean * mean);
}

/** The [out, in] matrix at position (y, x) of a kernel [out, in, kh, kw]. */
function tap(t: Tensor, y: number, x: number): number[][] {
  const [out, inputs, kh, kw] = t.shape;
  return Array.from({ length: out }, (_, o) => Array.from({ length: inputs }, (_, i) => t.data[((o * inputs + i) * kh + y) * kw + x]));
}

describe('conv layers draw their weights with the receptive field in the fans', () => {
  beforeAll(() => ready());

  it.each([
    ['heNormal', Math.sqrt(2 / (16 * 5 * 5))],
    ['kaimingUniform', Math.sqrt(2 / (16 * 5 * 5))],
    ['xavierNormal', Math.sqrt(2 / (16 * 25 + 64 * 25))],
    ['lecunNormal', Math.sqrt(1 / (16 * 25))],
  ] as const)('%s: std %f for Conv2d(16, 64, 5)', (name, expected) => {
    const model = new Sequential([conv2d({ inChannels: 16, outChannels: 64, kernelSize: 5, init: name }), flatten()], { inputShape: [16, 5, 5], output: 'linear', seed: 3 });
    const weight = model.stateDict()['0.weight'];
    expect(weight.shape).toEqual([64, 16, 5, 5]);
    // 25 600 draws: the sample std is within 1.5% of σ at more than 4 standard errors.
    expect(Math.abs(std(weight.data) / expected - 1)).toBeLessThan(0.015);
    model.dispose();
  });

  it('by default as PyTorch: weights U(±1/√fanIn) (kaimingUniform with a = √5), biases U(±1/√fanIn)', () => {
    const model = new Sequential([conv2d({ inChannels: 8, outChannels: 32, kernelSize: 3 }), flatten(), dense({ inFeatures: 32, outFeatures: 300 })], { inputShape: [8, 3, 3], seed: 4 });
    const state = model.stateDict();
    for (const [prefix, fanIn] of [
      ['0', 72],
      ['2', 32],
    ] as const) {
      const bound = 1 / Math.sqrt(fanIn);
      for (const name of ['weight', 'bias']) {
        const data = state[`${prefix}.${name}`].data;
        const largest = Math.max(...data.map(Math.abs));
        expect(largest).toBeLessThanOrEqual(bound);
        expect(largest).toBeGreaterThan(0.9 * bound);
      }
      expect(Math.abs(std(state[`${prefix}.weight`].data) / (bound / Math.sqrt(3)) - 1)).toBeLessThan(0.05);
    }
    model.dispose();
  });

  it('same seed, same weights; another seed, other weights', () => {
    const make = (seed: number) => new Sequential([conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3 }), flatten()], { inputShape: [2, 3, 3], output: 'linear', seed });
    const [a, b, c] = [make(5), make(5), make(6)];
    expect(firstBitDifference(a.stateDict()['0.weight'].data, b.stateDict()['0.weight'].data)).toBe(-1);
    expect(firstBitDifference(a.stateDict()['0.weight'].data, c.stateDict()['0.weight'].data)).not.toBe(-1);
    for (const m of [a, b, c]) m.dispose();
  });
});

describe('init.deltaOrthogonal', () => {
  beforeAll(() => ready());

  it('puts a matrix with orthonormal columns at the kernel centre, zeros elsewhere', () => {
    const w = init.deltaOrthogonal([12, 5, 3, 3], { gain: 2, seed: 1 });
    for (let y = 0; y < 3; y++) {
      for (let x = 0; x < 3; x++) {
        if (y === 1 && x === 1) continue;
        expect(tap(w, y, x).flat().every((v) => v === 0)).toBe(true);
      }
    }
    const q = tap(w, 1, 1);
    for (let i = 0; i < 5; i++) {
      for (let j = 0; j < 5; j++) {
        const dot = q.reduce((sum, row) => sum + row[i] * row[j], 0);
        expect(dot).toBeCloseTo(i === j ? 4 : 0, 5);
      }
    }
    // The centre is init.orthogonal of [out, in] from the same stream.
    const centre = Float32Array.from(q.flat());
    expect(firstBitDifference(centre, init.orthogonal([12, 5], { gain: 2, seed: 1 }).data)).toBe(-1);
  });

  it('preserves the norm of every input through a conv layer (dynamical isometry at init)', () => {
    const model = new Sequential([conv2d({ inChannels: 3, outChannels: 8, kernelSize: 3, padding: 1, bias: false, init: 'deltaOrthogonal' }), flatten()], {
      inputShape: [3, 6, 6],
      output: 'linear',
      seed: 2,
    });
    const x = normalTensor([4, 3, 6, 6], 3);
    const y = model.predict(x);
    for (let r = 0; r < 4; r++) {
      const norm = (t: Float32Array) => Math.sqrt(t.reduce((sum, v) => sum + v * v, 0));
      expect(norm(y.data.subarray(r * 288, (r + 1) * 288)) / norm(x.data.subarray(r * 108, (r + 1) * 108))).toBeCloseTo(1, 5);
    }
    model.dispose();
  });

  it('refuses fewer outputs than inputs, and shapes that are not kernels', () => {
    expect(() => init.deltaOrthogonal([4, 8, 3, 3], { seed: 1 })).toThrow(ShapeError);
    expect(() => init.deltaOrthogonal([4, 8, 3, 3], { seed: 1 })).toThrow(/needs outChannels >= inChannels.*got 4 outputs and 8 inputs in \[4, 8, 3, 3\]/);
    expect(() => init.deltaOrthogonal([4, 4], { seed: 1 })).toThrow(/needs a shape with 3, 4 or 5 dimensions/);
    expect(() => init.deltaOrthogonal([4, 4, 3], { gain: -1 })).toThrow(ParamError);
    // Keras's layout: [kh, kw, in, out].
    const keras = init.deltaOrthogonal([3, 3, 2, 4], { layout: 'inOut', seed: 1 });
    expect(keras.data.filter((v) => v !== 0).length).toBe(8);
  });
});

describe('init.zerO', () => {
  beforeAll(() => ready());

  it('identity, partial identity, and c·Hadamard when the layer widens', () => {
    expect(Array.from(init.zerO([3, 3]).data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(init.zerO([2, 3]).data)).toEqual([1, 0, 0, 0, 1, 0]);
    // out 3 > in 2: m = 2, c = 2^(−1/2), H₂'s first 3 rows and 2 columns.
    const c = Math.fround(Math.SQRT1_2);
    expect(Array.from(init.zerO([3, 2]).data)).toEqual([c, c, c, -c, c, c]);
    // out 8 = 2³: c = 1/2, and the columns of c·H are orthogonal, each of norm √2.
    const w = init.zerO([8, 4]).data;
    for (let i = 0; i < 4; i++) {
      for (let j = 0; j < 4; j++) {
        let dot = 0;
        for (let r = 0; r < 8; r++) dot += w[r * 4 + i] * w[r * 4 + j];
        expect(dot).toBeCloseTo(i === j ? 2 : 0, 6);
      }
    }
  });

  it('a conv kernel gets the matrix at its centre; no randomness', () => {
    const k = init.zerO([4, 4, 3, 3]);
    expect(tap(k, 1, 1)).toEqual([0, 1, 2, 3].map((i) => [0, 1, 2, 3].map((j) => (i === j ? 1 : 0))));
    expect(k.data.reduce((a, b) => a + b, 0)).toBe(4);
    expect(() => init.zerO([4, 4], { seed: 1 } as never)).toThrow(/init.zerO: unknown option "seed"/);
    const model = new Sequential([conv2d({ inChannels: 2, outChannels: 2, kernelSize: 3, padding: 1, bias: false, init: 'zerO' }), flatten()], { inputShape: [2, 4, 4], output: 'linear', seed: 1 });
    const x = normalTensor([2, 2, 4, 4], 1);
    expect(Array.from(model.predict(x).data)).toEqual(Array.from(x.data));
    model.dispose();
  });
});

describe('init.fixup and ReZero', () => {
  beforeAll(() => ready());

  function residualNet(gate: number | undefined, seed: number): Sequential {
    const block = () =>
      residual(
        [scalarBias(), dense({ inFeatures: 6, outFeatures: 6, init: 'heNormal' }), scalarBias(), relu(), scalarBias(), dense({ inFeatures: 6, outFeatures: 6, init: 'heNormal' }), scalarBias()],
        gate === undefined ? {} : { gate },
      );
    return new Sequential([dense({ inFeatures: 4, outFeatures: 6 }), block(), block(), block(), tanh(), dense({ inFeatures: 6, outFeatures: 3 })], { inputShape: [4], seed });
  }

  it('zeroes each branch’s last layer and the classifier, scales the other branch layers by L^(−1/(2m−2))', () => {
    const model = residualNet(0.3, 1);
    const before = model.stateDict();
    // Scalar biases away from 0, to see fixup reset them.
    for (const [name, t] of Object.entries(before)) if (/branch\.\d\.bias$/.test(name) && t.shape[0] === 1) t.data.fill(0.5);
    model.loadStateDict(before);
    const report = init.fixup(model);
    const after = model.stateDict();
    const scale = 3 ** (-1 / (2 * 2 - 2));
    expect(report.branches).toBe(3);
    expect(report.scaled.map((b) => b.scale)).toEqual([scale, scale, scale]);
    for (const block of ['1', '2', '3']) {
      const first = `${block}.branch.1.weight`;
      after[first].data.forEach((v, i) => expect(v).toBe(Math.fround(before[first].data[i] * scale)));
      expect(after[`${block}.branch.5.weight`].data.every((v) => v === 0)).toBe(true);
      expect(after[`${block}.branch.5.bias`].data.every((v) => v === 0)).toBe(true);
      expect(Array.from(after[`${block}.gate`].data)).toEqual([1]);
      for (const j of [0, 2, 4, 6]) expect(Array.from(after[`${block}.branch.${j}.bias`].data)).toEqual([0]);
    }
    expect(after['5.weight'].data.every((v) => v === 0)).toBe(true);
    expect(report.zeroed).toContain('5.bias');
    // The first layer, outside every branch, keeps its weights.
    expect(firstBitDifference(after['0.weight'].data, before['0.weight'].data)).toBe(-1);
    model.dispose();
  });

  it('a gate at 0 starts every block as the identity (ReZero, SkipInit), and the gate learns', async () => {
    const gated = residualNet(0, 2);
    const x = normalTensor([16, 4], 5);
    const y = Int32Array.from({ length: 16 }, (_, i) => i % 3);
    // Without the blocks, with the same first and last layers.
    const plain = new Sequential([dense({ inFeatures: 4, outFeatures: 6 }), tanh(), dense({ inFeatures: 6, outFeatures: 3 })], { inputShape: [4], seed: 2 });
    const state = gated.stateDict();
    plain.loadStateDict({ '0.weight': state['0.weight'], '0.bias': state['0.bias'], '2.weight': state['5.weight'], '2.bias': state['5.bias'] });
    expect(Array.from(gated.predict(x).data)).toEqual(Array.from(plain.predict(x).data));
    await gated.fit(x, y, { epochs: 3, batchSize: 8 });
    expect(gated.stateDict()['1.gate'].data[0]).not.toBe(0);
    gated.dispose();
    plain.dispose();
  });

  it('needs residual blocks with weights', () => {
    const flat = new Sequential([dense({ inFeatures: 2, outFeatures: 2 })], { inputShape: [2], seed: 1 });
    expect(() => init.fixup(flat)).toThrow(/fixup: the model has no residual blocks/);
    const empty = new Sequential([residual([relu()]), dense({ inFeatures: 2, outFeatures: 2 })], { inputShape: [2], seed: 1 });
    expect(() => init.fixup(empty)).toThrow(/hold no dense or conv layers/);
    flat.dispose();
    empty.dispose();
  });
});
