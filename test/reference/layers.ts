import { activate, type OutputName } from '../../src/nn/activations.js';
import type { Layer } from '../../src/layers/specs.js';
import { referenceLoss } from './nn.js';

/*
 * The f64 reference of a Sequential's forward pass, written for clarity in PyTorch's own layout
 * (NCHW images, direct loops over every output and window, no im2col, no channel-major batches),
 * so that it shares no shortcut with the wasm path. Gradient tests difference its loss; layer tests
 * compare each layer's output with it. Only tests import this file.
 */

/** A batch in PyTorch's layout: [rows, features] or [rows, channels, height, width]. */
export interface RefBatch {
  shape: number[];
  data: Float64Array;
}

/** Parameters by state_dict name (`0.weight`, …), f64; running statistics are updated in place in training. */
export type RefState = Record<string, Float64Array>;

export interface RefOptions {
  training: boolean;
  /** Dropout masks already divided by the keep probability, by layer path, for training mode. */
  masks?: Record<string, Float64Array>;
}

const at4 = (s: number[], n: number, c: number, y: number, x: number) => ((n * s[1] + c) * s[2] + y) * s[3] + x;

export function refConv2d(
  input: RefBatch,
  weight: Float64Array,
  bias: Float64Array | null,
  out: number,
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
): RefBatch {
  const [n, c, h, w] = input.shape;
  const oh = Math.floor((h + 2 * padding[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - kernel[1]) / stride[1]) + 1;
  const shape = [n, out, oh, ow];
  const data = new Float64Array(n * out * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let o = 0; o < out; o++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          let sum = bias ? bias[o] : 0;
          for (let ch = 0; ch < c; ch++) {
            for (let i = 0; i < kernel[0]; i++) {
              for (let j = 0; j < kernel[1]; j++) {
                const iy = y * stride[0] - padding[0] + i;
                const ix = x * stride[1] - padding[1] + j;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
                sum += weight[((o * c + ch) * kernel[0] + i) * kernel[1] + j] * input.data[at4(input.shape, b, ch, iy, ix)];
              }
            }
          }
          data[at4(shape, b, o, y, x)] = sum;
        }
      }
    }
  }
  return { shape, data };
}

export function refPool2d(
  input: RefBatch,
  kind: 'maxPool2d' | 'avgPool2d',
  kernel: readonly [number, number],
  stride: readonly [number, number],
  padding: readonly [number, number],
  countIncludePad: boolean,
): RefBatch {
  const [n, c, h, w] = input.shape;
  const oh = Math.floor((h + 2 * padding[0] - kernel[0]) / stride[0]) + 1;
  const ow = Math.floor((w + 2 * padding[1] - kernel[1]) / stride[1]) + 1;
  const shape = [n, c, oh, ow];
  const data = new Float64Array(n * c * oh * ow);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < oh; y++) {
        for (let x = 0; x < ow; x++) {
          let best = -Infinity;
          let sum = 0;
          let inside = 0;
          let padded = 0;
          for (let i = 0; i < kernel[0]; i++) {
            for (let j = 0; j < kernel[1]; j++) {
              const iy = y * stride[0] - padding[0] + i;
              const ix = x * stride[1] - padding[1] + j;
              if (iy < h + padding[0] && ix < w + padding[1]) padded++;
              if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
              const v = input.data[at4(input.shape, b, ch, iy, ix)];
              best = Math.max(best, v);
              sum += v;
              inside++;
            }
          }
          data[at4(shape, b, ch, y, x)] = kind === 'maxPool2d' ? best : sum / (countIncludePad ? padded : inside);
        }
      }
    }
  }
  return { shape, data };
}

/** Batch norm over axis 1; training uses and updates batch statistics (unbiased variance in the running estimate). */
export function refBatchNorm(
  input: RefBatch,
  state: RefState,
  prefix: string,
  eps: number,
  momentum: number | null,
  training: boolean,
): RefBatch {
  const [n, c] = input.shape;
  const spatial = input.shape.length === 4 ? input.shape[2] * input.shape[3] : 1;
  const count = n * spatial;
  const index = (b: number, ch: number, s: number) => (b * c + ch) * spatial + s;
  const data = new Float64Array(input.data.length);
  const gamma = state[`${prefix}.weight`];
  const beta = state[`${prefix}.bias`];
  const runningMean = state[`${prefix}.running_mean`];
  const runningVar = state[`${prefix}.running_var`];
  const tracked = state[`${prefix}.num_batches_tracked`];
  if (training) tracked[0] += 1;
  const factor = momentum ?? 1 / tracked[0];
  for (let ch = 0; ch < c; ch++) {
    let mean = runningMean[ch];
    let variance = runningVar[ch];
    if (training) {
      let sum = 0;
      for (let b = 0; b < n; b++) for (let s = 0; s < spatial; s++) sum += input.data[index(b, ch, s)];
      mean = sum / count;
      let squares = 0;
      for (let b = 0; b < n; b++) for (let s = 0; s < spatial; s++) squares += (input.data[index(b, ch, s)] - mean) ** 2;
      variance = squares / count;
      runningMean[ch] = (1 - factor) * runningMean[ch] + factor * mean;
      runningVar[ch] = (1 - factor) * runningVar[ch] + (factor * squares) / (count - 1);
    }
    for (let b = 0; b < n; b++) {
      for (let s = 0; s < spatial; s++) {
        const i = index(b, ch, s);
        data[i] = ((input.data[i] - mean) / Math.sqrt(variance + eps)) * gamma[ch] + beta[ch];
      }
    }
  }
  return { shape: input.shape.slice(), data };
}

/** The output of `layers` on `input`; paths name the layers like the state_dict. */
export function refForward(layers: readonly Layer[], state: RefState, input: RefBatch, options: RefOptions, prefix = ''): RefBatch {
  let x = input;
  layers.forEach((layer, i) => {
    const path = prefix === '' ? String(i) : `${prefix}.${i}`;
    x = refLayer(layer, state, x, options, path);
  });
  return x;
}

function refLayer(layer: Layer, state: RefState, x: RefBatch, options: RefOptions, path: string): RefBatch {
  const map = (f: (v: number) => number): RefBatch => ({ shape: x.shape.slice(), data: x.data.map(f) });
  switch (layer.kind) {
    case 'dense': {
      const [n, nIn] = x.shape;
      const weight = state[`${path}.weight`];
      const bias = layer.bias ? state[`${path}.bias`] : null;
      const data = new Float64Array(n * layer.outFeatures);
      for (let r = 0; r < n; r++) {
        for (let o = 0; o < layer.outFeatures; o++) {
          let sum = bias ? bias[o] : 0;
          for (let i = 0; i < nIn; i++) sum += weight[o * nIn + i] * x.data[r * nIn + i];
          data[r * layer.outFeatures + o] = sum;
        }
      }
      return { shape: [n, layer.outFeatures], data };
    }
    case 'conv2d':
      return refConv2d(x, state[`${path}.weight`], layer.bias ? state[`${path}.bias`] : null, layer.outChannels, layer.kernelSize, layer.stride, layer.padding);
    case 'maxPool2d':
    case 'avgPool2d':
      return refPool2d(x, layer.kind, layer.kernelSize, layer.stride, layer.padding, layer.countIncludePad);
    case 'batchNorm1d':
    case 'batchNorm2d':
      return refBatchNorm(x, state, path, layer.eps, layer.momentum, options.training);
    case 'flatten':
      return { shape: [x.shape[0], x.shape.slice(1).reduce((a, b) => a * b, 1)], data: x.data.slice() };
    case 'dropout': {
      const mask = options.masks?.[path];
      if (!options.training || layer.p === 0) return { shape: x.shape.slice(), data: x.data.slice() };
      if (!mask) throw new Error(`reference: dropout ${path} in training needs its mask`);
      return { shape: x.shape.slice(), data: x.data.map((v, i) => v * mask[i]) };
    }
    case 'scalarBias': {
      const b = state[`${path}.bias`][0];
      return map((v) => v + b);
    }
    case 'residual': {
      const f = refForward(layer.layers, state, x, options, `${path}.branch`);
      const g = layer.gate === null ? 1 : state[`${path}.gate`][0];
      return { shape: x.shape.slice(), data: x.data.map((v, i) => v + g * f.data[i]) };
    }
    case 'relu':
    case 'tanh':
    case 'sigmoid':
    case 'selu':
    case 'leakyRelu': {
      const activation = { name: layer.kind, slope: layer.negativeSlope } as const;
      return map((v) => activate(activation, v));
    }
  }
}

/** The mean loss of `layers` on (x, targets): what fit minimizes. */
export function refLoss(
  layers: readonly Layer[],
  state: RefState,
  input: RefBatch,
  targets: Float64Array,
  output: OutputName,
  options: RefOptions,
): number {
  const logits = refForward(layers, state, input, options);
  const [rows, cols] = logits.shape;
  return referenceLoss(output, logits.data, targets, rows, cols);
}
