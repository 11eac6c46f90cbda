import { beforeAll, describe, expect, it } from 'vitest';
import { refConv2d, refPool2d } from './reference/layers.js';
import { Sequential } from '../src/layers/sequential.js';
import { avgPool2d, conv2d, flatten, maxPool2d } from '../src/layers/specs.js';
import { Rng } from '../src/random.js';
import { ready } from '../src/runtime/index.js';
import { normalTensor, refBatch, relativeError } from './layers-helpers.js';

// Convolution and pooling outputs against the direct scalar f64 reference (one loop per output,
// window and channel, in NCHW), over seeded random geometries: odd and even sizes, rectangular
// kernels, strides 1–3, paddings 0–2, several channels and rows. Flatten puts the wasm path's
// channel-major result back in PyTorch's order, so outputs compare element for element.

interface Geometry {
  channels: number;
  height: number;
  width: number;
  kernel: [number, number];
  stride: [number, number];
  padding: [number, number];
  rows: number;
}

function geometries(count: number, seed: number, maxPad: (kernel: [number, number]) => [number, number]): Geometry[] {
  const rng = new Rng(seed);
  const out: Geometry[] = [];
  while (out.length < count) {
    const kernel: [number, number] = [1 + rng.int(4), 1 + rng.int(4)];
    const limit = maxPad(kernel);
    const g: Geometry = {
      channels: 1 + rng.int(4),
      height: 1 + rng.int(9),
      width: 1 + rng.int(9),
      kernel,
      stride: [1 + rng.int(3), 1 + rng.int(3)],
      padding: [rng.int(limit[0] + 1), rng.int(limit[1] + 1)],
      rows: 1 + rng.int(3),
    };
    const fits = (size: number, k: number, s: number, p: number) => Math.floor((size + 2 * p - k) / s) + 1 >= 1;
    if (fits(g.height, kernel[0], g.stride[0], g.padding[0]) && fits(g.width, kernel[1], g.stride[1], g.padding[1])) out.push(g);
  }
  return out;
}

const label = (g: Geometry) =>
  `[${g.rows}, ${g.channels}, ${g.height}, ${g.width}] kernel ${g.kernel.join('×')} stride ${g.stride.join(',')} padding ${g.padding.join(',')}`;

describe('conv2d against the direct f64 convolution', () => {
  beforeAll(() => ready());

  it.each(geometries(40, 1, () => [2, 2]).map((g) => ({ g, name: label(g) })))('$name', ({ g }) => {
    const out = 1 + (g.channels % 3) + 1;
    const model = new Sequential(
      [conv2d({ inChannels: g.channels, outChannels: out, kernelSize: g.kernel, stride: g.stride, padding: g.padding }), flatten()],
      { inputShape: [g.channels, g.height, g.width], output: 'linear', seed: 2 },
    );
    try {
      const x = normalTensor([g.rows, g.channels, g.height, g.width], 3);
      const state = model.stateDict();
      const expected = refConv2d(refBatch(x), Float64Array.from(state['0.weight'].data), Float64Array.from(state['0.bias'].data), out, g.kernel, g.stride, g.padding);
      const got = model.predict(x);
      expect(got.data.length).toBe(expected.data.length);
      expect(relativeError(got.data, expected.data)).toBeLessThan(1e-5);
    } finally {
      model.dispose();
    }
  });
});

describe('pooling against the direct f64 windows', () => {
  beforeAll(() => ready());

  // PyTorch's rule: padding at most half the kernel.
  const halfKernel = (kernel: [number, number]): [number, number] => [Math.floor(kernel[0] / 2), Math.floor(kernel[1] / 2)];
  const cases = geometries(30, 4, halfKernel).flatMap((g, i) => [
    { g, kind: 'maxPool2d' as const, countIncludePad: true, name: `maxPool2d ${label(g)}` },
    { g, kind: 'avgPool2d' as const, countIncludePad: i % 2 === 0, name: `avgPool2d${i % 2 === 0 ? '' : ' (countIncludePad false)'} ${label(g)}` },
  ]);

  it.each(cases)('$name', ({ g, kind, countIncludePad }) => {
    const layer =
      kind === 'maxPool2d'
        ? maxPool2d({ kernelSize: g.kernel, stride: g.stride, padding: g.padding })
        : avgPool2d({ kernelSize: g.kernel, stride: g.stride, padding: g.padding, countIncludePad });
    const model = new Sequential([layer, flatten()], { inputShape: [g.channels, g.height, g.width], output: 'linear', seed: 2 });
    try {
      const x = normalTensor([g.rows, g.channels, g.height, g.width], 5);
      const expected = refPool2d(refBatch(x), kind, g.kernel, g.stride, g.padding, countIncludePad);
      const got = model.predict(x);
      expect(got.data.length).toBe(expected.data.length);
      if (kind === 'maxPool2d') expect(Array.from(got.data)).toEqual(Array.from(expected.data, Math.fround));
      else expect(relativeError(got.data, expected.data)).toBeLessThan(1e-6);
    } finally {
      model.dispose();
    }
  });
});
