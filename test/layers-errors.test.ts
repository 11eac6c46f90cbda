import { beforeAll, describe, expect, it } from 'vitest';
import { MemoryError, ParamError, ShapeError } from '../src/errors.js';
import * as layers from '../src/layers/index.js';
import { Sequential } from '../src/layers/sequential.js';
import { ready } from '../src/runtime/index.js';
import { normalTensor } from './layers-helpers.js';

// Bad architectures and inputs fail at construction or at the call with a typed error naming the
// layer (by its state_dict path) and what it expected.

const { dense, conv2d, maxPool2d, avgPool2d, flatten, batchNorm1d, batchNorm2d, relu, residual, dropout } = layers;

describe('Sequential: shape errors name the layer', () => {
  beforeAll(() => ready());

  const cases: Array<[string, () => unknown, RegExp]> = [
    [
      'conv channels',
      () =>
        new Sequential(
          [conv2d({ inChannels: 1, outChannels: 8, kernelSize: 3 }), relu(), conv2d({ inChannels: 8, outChannels: 8, kernelSize: 3 }), conv2d({ inChannels: 16, outChannels: 4, kernelSize: 3 }), flatten()],
          { inputShape: [1, 12, 12] },
        ),
      /^Sequential: layer 3 \(conv2d\) expects 16 input channels, got 8$/,
    ],
    ['dense features', () => new Sequential([flatten(), dense({ inFeatures: 100, outFeatures: 10 })], { inputShape: [1, 8, 8] }), /^Sequential: layer 1 \(dense\) expects 100 input features, got 64$/],
    ['dense on an image', () => new Sequential([dense({ inFeatures: 64, outFeatures: 10 })], { inputShape: [1, 8, 8] }), /layer 0 \(dense\) expects a flat input of 64 features, got an image \[1, 8, 8\]; put flatten\(\) before it/],
    ['conv on flat input', () => new Sequential([conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 })], { inputShape: [64] }), /layer 0 \(conv2d\) expects an image input \[1, height, width\], got 64 flat features/],
    ['a kernel larger than its input', () => new Sequential([conv2d({ inChannels: 1, outChannels: 2, kernelSize: 5 }), flatten(), dense({ inFeatures: 2, outFeatures: 2 })], { inputShape: [1, 4, 4] }), /layer 0 \(conv2d\) has a 5×5 window with padding \[0, 0\] that does not fit its 4×4 input/],
    ['a pool window too large', () => new Sequential([maxPool2d({ kernelSize: 3 }), flatten()], { inputShape: [1, 2, 2] }), /layer 0 \(maxPool2d\) has a 3×3 window/],
    ['batchNorm2d channels', () => new Sequential([conv2d({ inChannels: 1, outChannels: 4, kernelSize: 1 }), batchNorm2d({ numFeatures: 3 }), flatten()], { inputShape: [1, 2, 2] }), /layer 1 \(batchNorm2d\) expects 3 channels, got 4/],
    ['batchNorm1d on images', () => new Sequential([batchNorm1d({ numFeatures: 3 }), flatten()], { inputShape: [3, 2, 2] }), /layer 0 \(batchNorm1d\) expects a flat input of 3 features, got an image \[3, 2, 2\]; use batchNorm2d/],
    [
      'a residual branch that changes the shape, named by its path',
      () => new Sequential([dense({ inFeatures: 4, outFeatures: 4 }), residual([dense({ inFeatures: 4, outFeatures: 4 }), dense({ inFeatures: 5, outFeatures: 4 })])], { inputShape: [4] }),
      /^Sequential: layer 1\.branch\.1 \(dense\) expects 5 input features, got 4$/,
    ],
    [
      'a residual branch whose output differs from its input',
      () => new Sequential([residual([conv2d({ inChannels: 2, outChannels: 3, kernelSize: 1 })]), flatten()], { inputShape: [2, 3, 3] }),
      /layer 0 \(residual\) has a branch that maps \[2, 3, 3\] to \[3, 3, 3\]; x \+ f\(x\) needs the input's shape/,
    ],
    ['an image output', () => new Sequential([conv2d({ inChannels: 1, outChannels: 2, kernelSize: 1 })], { inputShape: [1, 3, 3] }), /the last layer outputs an image \[2, 3, 3\]; end with flatten\(\)/],
    ['a bad inputShape', () => new Sequential([relu()], { inputShape: [3, 4] }), /inputShape must be \[features\] or \[channels, height, width\]/],
  ];
  it.each(cases)('%s', (_, build, message) => {
    expect(build).toThrow(ShapeError);
    expect(build).toThrow(message);
  });

  it('data of the wrong shape, in fit, predict and evaluate', async () => {
    const model = new Sequential([conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), flatten(), dense({ inFeatures: 8, outFeatures: 2 })], { inputShape: [1, 4, 4], seed: 1 });
    try {
      expect(() => model.predict(normalTensor([3, 1, 5, 4], 1))).toThrow(/x has shape \[3, 1, 5, 4\] but the model takes rows of \[1, 4, 4\]/);
      expect(() => model.predict(normalTensor([3, 15], 1))).toThrow(ShapeError);
      expect(() => model.evaluate(normalTensor([3, 16], 1), [0, 1])).toThrow(/x has 3 rows but y has 2 labels/);
      await expect(model.fit(normalTensor([3, 2, 4, 4], 1), [0, 1, 0], { epochs: 1 })).rejects.toThrow(ShapeError);
      // [rows, 1, 4, 4] and [rows, 16] are the same data.
      const x = normalTensor([3, 1, 4, 4], 2);
      expect(Array.from(model.predict(x).data)).toEqual(Array.from(model.predict({ shape: [3, 16], data: x.data }).data));
    } finally {
      model.dispose();
    }
  });

  it('a non-Tensor for x is E_PARAM in fit, predict and evaluate, as for every matrix argument', async () => {
    const model = new Sequential([dense({ inFeatures: 2, outFeatures: 2 })], { inputShape: [2], seed: 1 });
    try {
      const rows = [[0, 1], [1, 0]] as never;
      expect(() => model.predict(rows)).toThrow(ParamError);
      expect(() => model.predict(rows)).toThrow(/x must be a 2-D Tensor \[rows, 2\]/);
      expect(() => model.evaluate(rows, [0, 1])).toThrow(ParamError);
      await expect(model.fit(rows, [0, 1], { epochs: 1 })).rejects.toThrow(ParamError);
      await expect(model.fit(normalTensor([2, 2], 1), [0, 1], { epochs: 1, validation: { x: rows, y: [0, 1] } })).rejects.toThrow(/validation.x must be a 2-D Tensor/);
    } finally {
      model.dispose();
    }
  });
});

describe('Sequential: option errors', () => {
  beforeAll(() => ready());

  it('layer factories check their options', () => {
    expect(() => conv2d({ inChannels: 1, outChannels: 2, kernelSize: 0 })).toThrow(/layers.conv2d: kernelSize must be a positive integer or \[height, width\] of them, got 0/);
    expect(() => conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3, padding: -1 })).toThrow(ParamError);
    expect(() => dense({ inFeatures: 2, outFeatures: 2, init: 'heNormall' as never })).toThrow(/layers.dense: init must name an nninit.init initializer/);
    expect(() => dense({ inFeatures: 2, outFeatures: 2, units: 3 } as never)).toThrow(/layers.dense: unknown option "units"/);
    expect(() => maxPool2d({ kernelSize: 2, padding: 2 })).toThrow(/padding \[2, 2\] must be at most half the kernel size \[2, 2\]/);
    expect(() => avgPool2d({ kernelSize: 3, countIncludePad: 1 as never })).toThrow(ParamError);
    expect(() => dropout({ p: 1.5 })).toThrow(/layers.dropout: p must be a finite number >= 0 and <= 1, got 1.5/);
    expect(() => batchNorm1d({ numFeatures: 3, momentum: 2 })).toThrow(ParamError);
    expect(() => residual([])).toThrow(/non-empty array/);
    expect(() => residual([{ kind: 'relu' } as never])).toThrow(/layers.residual: layers\[0\] must be a layer from nninit.layers/);
    expect(() => new Sequential([relu(), 'dense' as never], { inputShape: [2] })).toThrow(/Sequential: layers\[1\] must be a layer/);
    expect(() => new Sequential([relu()], { inputShape: [2], seeds: 1 } as never)).toThrow(/Sequential: unknown option "seeds"/);
    expect(() => new Sequential([dense({ inFeatures: 2, outFeatures: 1 })], { inputShape: [2] })).toThrow(/output 'softmax' needs at least 2 outputs/);
  });

  it('freeze that leaves nothing to train, a second fit at once, a disposed model', async () => {
    const model = new Sequential([dense({ inFeatures: 2, outFeatures: 3 }), relu(), dense({ inFeatures: 3, outFeatures: 2 })], { inputShape: [2], seed: 1 });
    const x = normalTensor([4, 2], 1);
    await expect(model.fit(x, [0, 1, 0, 1], { epochs: 1, freeze: [0, 2] })).rejects.toThrow(/freeze lists every layer with parameters \(\[0, 2\]\); nothing would train/);
    await expect(model.fit(x, [0, 1, 0, 1], { epochs: 1, freeze: [3] })).rejects.toThrow(/layer indices are integers in \[0, 3\)/);
    const first = model.fit(x, [0, 1, 0, 1], { epochs: 2 });
    await expect(model.fit(x, [0, 1, 0, 1], { epochs: 1 })).rejects.toThrow(/already running/);
    await first;
    model.dispose();
    expect(() => model.predict(x)).toThrow(MemoryError);
    expect(() => model.stateDict()).toThrow(MemoryError);
  });
});
