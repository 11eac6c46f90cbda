import { beforeAll, describe, expect, it } from 'vitest';
import * as layers from '../src/layers/index.js';
import { walk } from '../src/layers/node.js';
import { DropoutNode } from '../src/layers/pointwise.js';
import { Sequential, gradientsOfSequential, sequentialNetOf } from '../src/layers/sequential.js';
import type { Layer } from '../src/layers/specs.js';
import type { OutputName } from '../src/nn/activations.js';
import { ready } from '../src/runtime/index.js';
import { finiteDifferences, normalTensor, refBatch, refStateOf, relativeError, targetsFor } from './layers-helpers.js';

// Every layer's gradients, from the wasm path (f32, channel-major batches, im2col products), against
// central differences of the f64 reference loss (test/reference/layers.ts: NCHW, direct loops). Odd
// sizes, strides and paddings exercise the kernels' edges; a trainable layer below each layer
// under test checks its input gradient too.

interface Case {
  name: string;
  inputShape: number[];
  rows: number;
  output?: OutputName;
  layers: Layer[];
  eval?: boolean;
}

const { dense, conv2d, maxPool2d, avgPool2d, flatten, batchNorm1d, batchNorm2d, dropout, relu, leakyRelu, tanh, sigmoid, selu, scalarBias, residual } = layers;

const cases: Case[] = [
  {
    name: 'dense and every activation',
    inputShape: [5],
    rows: 7,
    layers: [dense({ inFeatures: 5, outFeatures: 6 }), tanh(), dense({ inFeatures: 6, outFeatures: 7 }), sigmoid(), dense({ inFeatures: 7, outFeatures: 5 }), selu(), dense({ inFeatures: 5, outFeatures: 6 }), leakyRelu({ negativeSlope: 0.2 }), dense({ inFeatures: 6, outFeatures: 3, bias: false })],
  },
  {
    name: 'conv2d: padding, a rectangular kernel and strides, two convs so the upper one backpropagates through col2im',
    inputShape: [2, 7, 6],
    rows: 3,
    layers: [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
      tanh(),
      conv2d({ inChannels: 3, outChannels: 5, kernelSize: [3, 2], stride: [2, 1], padding: [1, 0] }),
      relu(),
      flatten(),
      dense({ inFeatures: 5 * 4 * 5, outFeatures: 3 }),
    ],
  },
  {
    name: 'conv2d: stride 3 with padding 2, a 1×1 pointwise conv, no bias',
    inputShape: [3, 8, 9],
    rows: 2,
    layers: [
      conv2d({ inChannels: 3, outChannels: 4, kernelSize: 4, stride: 3, padding: 2 }),
      sigmoid(),
      conv2d({ inChannels: 4, outChannels: 3, kernelSize: 1, bias: false }),
      tanh(),
      flatten(),
      dense({ inFeatures: 3 * 3 * 4, outFeatures: 4 }),
    ],
  },
  {
    name: 'max pooling (overlapping windows, padding) and average pooling (countIncludePad both ways)',
    inputShape: [2, 9, 8],
    rows: 3,
    layers: [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 2 }),
      maxPool2d({ kernelSize: 3, stride: 2, padding: 1 }),
      conv2d({ inChannels: 3, outChannels: 3, kernelSize: 1 }),
      avgPool2d({ kernelSize: [3, 2], stride: [2, 1], padding: [1, 1] }),
      conv2d({ inChannels: 3, outChannels: 2, kernelSize: 1 }),
      avgPool2d({ kernelSize: 2, stride: 1, padding: 1, countIncludePad: false }),
      tanh(),
      flatten(),
      dense({ inFeatures: 2 * 3 * 6, outFeatures: 3 }),
    ],
  },
  {
    name: 'batch norm in training mode (batch statistics), 2d after a conv and 1d after a dense',
    inputShape: [2, 5, 5],
    rows: 4,
    layers: [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
      batchNorm2d({ numFeatures: 3 }),
      relu(),
      flatten(),
      dense({ inFeatures: 75, outFeatures: 6 }),
      batchNorm1d({ numFeatures: 6, momentum: null }),
      tanh(),
      dense({ inFeatures: 6, outFeatures: 3 }),
    ],
  },
  {
    name: 'batch norm in evaluation mode (running statistics)',
    inputShape: [2, 4, 4],
    rows: 3,
    eval: true,
    layers: [conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3 }), batchNorm2d({ numFeatures: 3 }), flatten(), dense({ inFeatures: 12, outFeatures: 5 }), batchNorm1d({ numFeatures: 5 }), dense({ inFeatures: 5, outFeatures: 3 })],
  },
  {
    name: 'residual blocks: plain, gated, with scalar biases, nested and on images',
    inputShape: [2, 5, 5],
    rows: 3,
    layers: [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
      residual([conv2d({ inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1 }), relu(), conv2d({ inChannels: 3, outChannels: 3, kernelSize: 3, padding: 1 })], { gate: 0.7 }),
      relu(),
      residual([scalarBias(), conv2d({ inChannels: 3, outChannels: 3, kernelSize: 1 }), scalarBias(), tanh()]),
      flatten(),
      dense({ inFeatures: 75, outFeatures: 6 }),
      residual([dense({ inFeatures: 6, outFeatures: 6 }), residual([tanh(), dense({ inFeatures: 6, outFeatures: 6 })], { gate: -0.4 })], { gate: 0.5 }),
      dense({ inFeatures: 6, outFeatures: 3 }),
    ],
  },
  {
    name: 'dropout in training mode, on flat features and on images',
    inputShape: [2, 4, 4],
    rows: 5,
    layers: [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
      dropout({ p: 0.3 }),
      relu(),
      flatten(),
      dense({ inFeatures: 48, outFeatures: 8 }),
      relu(),
      dropout({ p: 0.5 }),
      dense({ inFeatures: 8, outFeatures: 4 }),
    ],
  },
  { name: 'a sigmoid output', inputShape: [1, 4, 4], rows: 4, output: 'sigmoid', layers: [conv2d({ inChannels: 1, outChannels: 2, kernelSize: 3 }), flatten(), dense({ inFeatures: 8, outFeatures: 3 })] },
  { name: 'a linear output', inputShape: [1, 4, 4], rows: 4, output: 'linear', layers: [conv2d({ inChannels: 1, outChannels: 2, kernelSize: 2, stride: 2 }), relu(), flatten(), dense({ inFeatures: 8, outFeatures: 2 })] },
];

describe('Sequential gradients against finite differences of the f64 reference', () => {
  beforeAll(() => ready());

  it.each(cases)('$name', ({ inputShape, rows, output = 'softmax', layers: stack, eval: evalMode }) => {
    const model = new Sequential(stack, { inputShape, output, seed: 5 });
    try {
      if (evalMode) {
        // Running statistics away from (0, 1), so that evaluation differs from a fresh layer.
        const state = model.stateDict();
        for (const [name, t] of Object.entries(state)) {
          if (name.endsWith('running_mean')) t.data.forEach((_, i) => (t.data[i] = 0.3 * (i - 1)));
          if (name.endsWith('running_var')) t.data.forEach((_, i) => (t.data[i] = 0.5 + 0.25 * i));
        }
        model.loadStateDict(state);
        model.eval();
      }
      const x = normalTensor([rows, ...inputShape], 7);
      const y = targetsFor(output, rows, model.outputs, 8);
      const before = refStateOf(model.stateDict());
      const { grads } = gradientsOfSequential(model, x, y);
      const masks: Record<string, Float64Array> = {};
      for (const node of walk(sequentialNetOf(model).nodes)) {
        if (node instanceof DropoutNode) masks[node.path] = Float64Array.from(node.lastMask(rows));
      }
      const names = Object.keys(grads);
      expect(names.length).toBeGreaterThan(0);
      const numeric = finiteDifferences(stack, before, refBatch(x), y, output, model.outputs, names, { training: !evalMode, masks });
      // A tensor whose true gradient is 0 (a conv bias before batch norm) is judged on the scale of
      // the whole gradient, not on its own rounding noise.
      const scale = Math.max(...names.map((name) => Math.max(...numeric[name].map(Math.abs))));
      for (const name of names) {
        expect(relativeError(grads[name].data, numeric[name], 1e-3 * scale), name).toBeLessThan(2e-3);
      }
    } finally {
      model.dispose();
    }
  });
});
