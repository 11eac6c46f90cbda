import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ParamError, ShapeError } from '../src/errors.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { load } from '../src/io/models.js';
import * as layers from '../src/layers/index.js';
import { Sequential } from '../src/layers/sequential.js';
import { ready } from '../src/runtime/index.js';
import { firstBitDifference, normalTensor } from './layers-helpers.js';

// The PyTorch round trip: test/fixtures/make-torch-fixture.py trained a tiny CNN in torch and wrote
// its state_dict (torch-cnn.safetensors, F32 plus I64 num_batches_tracked) with inputs and torch's
// eval-mode logits (torch-cnn-io.safetensors). nninit builds the same nn.Sequential, loads the
// state_dict, predicts torch's logits, and saves a file with torch's names, shapes and dtypes.

/** A fixture's bytes: from the file system in Node, over the dev server in a browser. */
async function fixture(name: string): Promise<Uint8Array> {
  const url = new URL(`./fixtures/${name}`, import.meta.url);
  if (typeof window === 'undefined') {
    const fs = 'node:fs/promises';
    const { readFile } = (await import(/* @vite-ignore */ fs)) as typeof import('node:fs/promises');
    return new Uint8Array(await readFile(url));
  }
  return new Uint8Array(await (await fetch(url)).arrayBuffer());
}

/** The fixture's architecture, as make-torch-fixture.py's model(). */
function torchCnn(): Sequential {
  const { conv2d, batchNorm2d, relu, maxPool2d, avgPool2d, flatten, dense, batchNorm1d, dropout } = layers;
  return new Sequential(
    [
      conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, padding: 1 }),
      batchNorm2d({ numFeatures: 4 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      conv2d({ inChannels: 4, outChannels: 6, kernelSize: 3, stride: 2, padding: 1 }),
      relu(),
      avgPool2d({ kernelSize: 2 }),
      flatten(),
      dense({ inFeatures: 24, outFeatures: 8 }),
      batchNorm1d({ numFeatures: 8 }),
      relu(),
      dropout({ p: 0.2 }),
      dense({ inFeatures: 8, outFeatures: 3 }),
    ],
    { inputShape: [3, 16, 16], output: 'linear', seed: 1 },
  );
}

/** The header entries of a safetensors file, without __metadata__: name → { dtype, shape }. */
function headerOf(bytes: Uint8Array): Record<string, { dtype: string; shape: number[] }> {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length)));
  delete header.__metadata__;
  return Object.fromEntries(Object.entries(header).map(([name, e]) => [name, { dtype: (e as any).dtype, shape: (e as any).shape }]));
}

describe('a CNN trained in PyTorch, in nninit and back', () => {
  let torchFile: Uint8Array;
  let io: Record<string, { shape: readonly number[]; data: Float32Array }>;
  beforeAll(async () => {
    await ready();
    torchFile = await fixture('torch-cnn.safetensors');
    io = decodeSafetensors(await fixture('torch-cnn-io.safetensors')).tensors;
  });

  it('loads torch’s state_dict and predicts torch’s eval-mode logits', () => {
    const model = torchCnn();
    try {
      const { tensors, dtypes } = decodeSafetensors(torchFile);
      expect(dtypes['1.num_batches_tracked']).toBe('I64');
      expect(tensors['1.num_batches_tracked'].data[0]).toBe(6);
      model.loadStateDict(tensors);
      const logits = model.predict(io.inputs);
      expect(logits.shape).toEqual([7, 3]);
      let worst = 0;
      logits.data.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - io.logits.data[i]))));
      expect(worst).toBeLessThan(1e-5);
      // Dropout and batch statistics are off in predict, whatever the mode.
      expect(firstBitDifference(model.train().predict(io.inputs).data, logits.data)).toBe(-1);
    } finally {
      model.dispose();
    }
  });

  it('saves a file with the tensor names, shapes and dtypes torch wrote, which loads back to the same predictions', () => {
    const model = torchCnn();
    try {
      model.loadStateDict(decodeSafetensors(torchFile).tensors);
      const saved = model.save();
      expect(headerOf(saved)).toEqual(headerOf(torchFile));
      for (const restored of [Sequential.load(saved), load(saved) as Sequential]) {
        expect(restored).toBeInstanceOf(Sequential);
        expect(firstBitDifference(restored.predict(io.inputs).data, model.predict(io.inputs).data)).toBe(-1);
        const again = restored.stateDict();
        for (const [name, t] of Object.entries(model.stateDict())) expect(firstBitDifference(again[name].data, t.data), name).toBe(-1);
        expect(restored.stateDict()['9.num_batches_tracked'].data[0]).toBe(6);
        restored.dispose();
      }
    } finally {
      model.dispose();
    }
  });

  it('a fit continues from torch’s weights and statistics, and the counter keeps counting', async () => {
    const model = torchCnn();
    try {
      model.loadStateDict(decodeSafetensors(torchFile).tensors);
      await model.fit(io.inputs, { shape: [7, 3], data: io.logits.data }, { epochs: 1, batchSize: 4 });
      const state = model.stateDict();
      expect(state['1.num_batches_tracked'].data[0]).toBe(8);
      const { tensors } = decodeSafetensors(model.save());
      expect(tensors['9.num_batches_tracked'].data[0]).toBe(8);
    } finally {
      model.dispose();
    }
  });

  it('a state_dict that does not match is refused, naming the tensors, and nothing is written', () => {
    const model = torchCnn();
    try {
      const before = model.stateDict();
      const { tensors } = decodeSafetensors(torchFile);
      const missing = { ...tensors };
      delete missing['4.bias'];
      expect(() => model.loadStateDict(missing)).toThrow(ParamError);
      expect(() => model.loadStateDict(missing)).toThrow(/missing "4.bias"/);
      expect(() => model.loadStateDict({ ...tensors, '13.weight': tensors['12.weight'] })).toThrow(/unexpected "13.weight"/);
      expect(() => model.loadStateDict({ ...tensors, '8.weight': normalTensor([8, 25], 1) })).toThrow(ShapeError);
      expect(() => model.loadStateDict({ ...tensors, '8.weight': normalTensor([8, 25], 1) })).toThrow(/size mismatch for "8.weight": the state_dict has shape \[8, 25\], the model \[8, 24\]/);
      const nan = { ...tensors, '12.bias': { shape: [3], data: Float32Array.of(0, NaN, 0) } };
      expect(() => model.loadStateDict(nan)).toThrow(/"12.bias"\[1\] is NaN/);
      const after = model.stateDict();
      for (const [name, t] of Object.entries(before)) expect(firstBitDifference(after[name].data, t.data), name).toBe(-1);
      // strict: false loads what matches and skips the rest, as PyTorch.
      model.loadStateDict({ '12.bias': { shape: [3], data: Float32Array.of(1, 2, 3) }, extra: tensors['12.bias'] }, { strict: false });
      expect(Array.from(model.stateDict()['12.bias'].data)).toEqual([1, 2, 3]);
    } finally {
      model.dispose();
    }
  });

  it('a torch file without nninit’s architecture is E_FORMAT for Sequential.load, with the way out', () => {
    expect(() => Sequential.load(torchFile)).toThrow(FormatError);
    expect(() => Sequential.load(torchFile)).toThrow(/not written by nninit/);
  });
});
