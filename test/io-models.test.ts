import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { DataError, FormatError, ParamError, ShapeError } from '../src/errors.js';
import { FORMAT_VERSION } from '../src/io/model-format.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { heap, ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';
import { editHeader } from './io-models-helpers.js';

const { DBN, Mlp, RBM, load } = nninit;

beforeAll(() => ready());

/** Raw bit patterns, so that the comparison is bit-exact (NaN payloads and -0 included). */
function bits(t: Tensor): Uint32Array {
  return new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length);
}

function expectSameTensor(actual: Tensor, expected: Tensor): void {
  expect(actual.shape).toEqual(expected.shape);
  expect(bits(actual)).toEqual(bits(expected));
}

function rows(count: number, width: number, seed: number): Tensor {
  return nninit.init.uniform([count, width], { seed });
}

async function pretrainedDbn(sizes: number[], seed = 3): Promise<nninit.DBN> {
  const dbn = new DBN({ layers: sizes, seed });
  await dbn.pretrain(rows(40, sizes[0], 9), { epochs: 2, batchSize: 10, learningRate: 0.1 });
  return dbn;
}

describe('Mlp.save / Mlp.load', () => {
  it('round-trips every parameter bit-exact, with the configuration and the same predictions', async () => {
    const mlp = new Mlp({ layers: [6, 5, 4, 3], activation: { name: 'leakyRelu', slope: 0.2 }, output: 'softmax', init: 'heNormal', seed: 11 });
    const x = rows(8, 6, 1);
    await mlp.fit(x, [0, 1, 2, 0, 1, 2, 0, 1], { epochs: 2, batchSize: 4 });
    const loaded = Mlp.load(mlp.save());
    expect(loaded.sizes).toEqual([6, 5, 4, 3]);
    expect(loaded.activation).toEqual({ name: 'leakyRelu', slope: 0.2 });
    expect(loaded.output).toBe('softmax');
    expect(loaded.seed).toBe(11);
    loaded.layers.forEach((layer, l) => {
      expectSameTensor(layer.weight, mlp.layers[l].weight);
      expectSameTensor(layer.bias, mlp.layers[l].bias);
    });
    expectSameTensor(loaded.predict(x), mlp.predict(x));
    // Saving what was loaded gives the same bytes.
    expect(loaded.save()).toEqual(mlp.save());
  });

  it('names tensors as a PyTorch nn.Sequential of Linear and activation modules', () => {
    const mlp = new Mlp({ layers: [4, 3, 2], activation: 'tanh', output: 'sigmoid', seed: 5 });
    const { tensors, metadata } = decodeSafetensors(mlp.save());
    expect(Object.keys(tensors).sort()).toEqual(['0.bias', '0.weight', '2.bias', '2.weight']);
    expect(tensors['2.weight'].shape).toEqual([2, 3]);
    expectSameTensor(tensors['0.weight'], mlp.layers[0].weight);
    expect(metadata).toEqual({ nninit: nninit.version, model: 'mlp', layers: '4,3,2', activation: 'tanh', output: 'sigmoid', seed: '5' });
  });

  it('writes the package version', () => {
    expect(FORMAT_VERSION).toBe(nninit.version);
  });
});

describe('RBM and DBN save / load', () => {
  it('round-trips an RBM bit-exact', async () => {
    const rbm = new RBM({ nVisible: 7, nHidden: 4, visible: 'gaussian', seed: 2 });
    await rbm.fit(nninit.init.normal([20, 7], { seed: 4 }), { epochs: 2, batchSize: 5 });
    const loaded = RBM.load(rbm.save());
    expect([loaded.nVisible, loaded.nHidden, loaded.visible, loaded.seed]).toEqual([7, 4, 'gaussian', 2]);
    expectSameTensor(loaded.weights.W, rbm.weights.W);
    expectSameTensor(loaded.weights.visibleBias, rbm.weights.visibleBias);
    expectSameTensor(loaded.weights.hiddenBias, rbm.weights.hiddenBias);
    const x = rows(3, 7, 8);
    expectSameTensor(loaded.transform(x), rbm.transform(x));
    rbm.dispose();
    loaded.dispose();
  });

  it('round-trips a DBN bit-exact, and the loaded one makes the same Mlp', async () => {
    const dbn = await pretrainedDbn([8, 6, 4]);
    const bytes = dbn.save();
    expect(Object.keys(decodeSafetensors(bytes).tensors).sort()).toEqual([
      'layers.0.W', 'layers.0.hiddenBias', 'layers.0.visibleBias', 'layers.1.W', 'layers.1.hiddenBias', 'layers.1.visibleBias',
    ]);
    const loaded = DBN.load(bytes);
    expect([loaded.sizes, loaded.visible, loaded.seed, loaded.isPretrained]).toEqual([[8, 6, 4], 'bernoulli', dbn.seed, true]);
    loaded.layers.forEach((layer, l) => {
      expectSameTensor(layer.W, dbn.layers[l].W);
      expectSameTensor(layer.visibleBias, dbn.layers[l].visibleBias);
      expectSameTensor(layer.hiddenBias, dbn.layers[l].hiddenBias);
    });
    const x = rows(5, 8, 2);
    expectSameTensor(loaded.toMlp({ outputs: 3 }).predict(x), dbn.toMlp({ outputs: 3 }).predict(x));
  });

  it('refuses to save a DBN that was not pretrained', () => {
    expect(() => new DBN({ layers: [4, 3], seed: 1 }).save()).toThrow(/needs the DBN pretrained first/);
  });
});

describe('nninit.load', () => {
  it('returns the kind of model the file holds', async () => {
    expect(load(new Mlp({ layers: [3, 2], seed: 1 }).save())).toBeInstanceOf(Mlp);
    expect(load(new RBM({ nVisible: 3, nHidden: 2, seed: 1 }).save())).toBeInstanceOf(RBM);
    expect(load((await pretrainedDbn([4, 3])).save())).toBeInstanceOf(DBN);
  });

  it('static loaders refuse another kind', () => {
    const rbmBytes = new RBM({ nVisible: 3, nHidden: 2, seed: 1 }).save();
    expect(() => Mlp.load(rbmBytes)).toThrow(/kind "rbm", not "mlp"/);
    expect(() => DBN.load(rbmBytes)).toThrow(FormatError);
  });

  it('saves any model through nninit.save and rejects anything else', () => {
    const mlp = new Mlp({ layers: [3, 2], seed: 1 });
    expect(nninit.save(mlp)).toEqual(mlp.save());
    expect(() => nninit.save({} as nninit.Mlp)).toThrow(ParamError);
  });

  it('reads a hand-made file of known content, F64 and F16 tensors converted', () => {
    // An Mlp [2, 2] written by hand: weight [[1, -2], [0.5, 3]] as F64, bias [0.25, -1] as F16.
    const header = JSON.stringify({
      __metadata__: { nninit: '0.1.0', model: 'mlp', layers: '2,2', activation: 'relu', output: 'softmax', seed: '0' },
      '0.weight': { dtype: 'F64', shape: [2, 2], data_offsets: [0, 32] },
      '0.bias': { dtype: 'F16', shape: [2], data_offsets: [32, 36] },
    });
    const json = new TextEncoder().encode(header);
    const bytes = new Uint8Array(8 + json.length + 36);
    const view = new DataView(bytes.buffer);
    view.setUint32(0, json.length, true);
    bytes.set(json, 8);
    const data = 8 + json.length;
    [1, -2, 0.5, 3].forEach((v, i) => view.setFloat64(data + 8 * i, v, true));
    view.setUint16(data + 32, 0x3400, true); // 0.25
    view.setUint16(data + 34, 0xbc00, true); // -1
    const mlp = Mlp.load(bytes);
    expect(Array.from(mlp.layers[0].weight.data)).toEqual([1, -2, 0.5, 3]);
    expect(Array.from(mlp.layers[0].bias.data)).toEqual([0.25, -1]);
  });
});

describe('validation of model files', () => {
  const mlpBytes = () => new Mlp({ layers: [3, 4, 2], seed: 1 }).save();

  const cases: [string, (header: Record<string, any>) => void, RegExp][] = [
    ['metadata missing', (h) => delete h.__metadata__, /lacks "nninit" and "model"; this safetensors file was not written by nninit/],
    ['unknown kind', (h) => (h.__metadata__.model = 'cnn'), /__metadata__\.model is "cnn"/],
    ['layers missing', (h) => delete h.__metadata__.layers, /lacks "layers"/],
    ['layers malformed', (h) => (h.__metadata__.layers = '3,x,2'), /__metadata__\.layers is "3,x,2"/],
    ['layers zero', (h) => (h.__metadata__.layers = '3,0,2'), /__metadata__\.layers is "3,0,2"/],
    ['unknown activation', (h) => (h.__metadata__.activation = 'gelu'), /__metadata__\.activation is "gelu"/],
    ['seed not a number', (h) => (h.__metadata__.seed = 'abc'), /__metadata__\.seed is "abc"/],
    ['seed out of range', (h) => (h.__metadata__.seed = '-1'), /seed must be an integer/],
    ['layers disagree with the tensors', (h) => (h.__metadata__.layers = '3,5,2'), /tensor "0\.weight" has shape \[4, 3\] but the configuration in __metadata__ needs \[5, 3\]/],
    ['a tensor missing', (h) => (h.__metadata__.layers = '3,4,2,2'), /tensor "4\.weight" is missing/],
    ['an extra tensor', (h) => (h.__metadata__.layers = '3,4'), /tensor "2\.bias" is not part of a mlp/],
  ];
  for (const [what, edit, message] of cases) {
    it(`rejects a file with ${what} (E_FORMAT)`, () => {
      const bytes = editHeader(mlpBytes(), edit);
      expect(() => Mlp.load(bytes)).toThrow(FormatError);
      expect(() => load(bytes)).toThrow(message);
    });
  }

  const codecCases: [string, (header: Record<string, any>) => void, RegExp][] = [
    ['an unknown dtype', (h) => (h['0.weight'].dtype = 'I32'), /tensor "0\.weight": dtype "I32" is not one nninit reads/],
    ['a shape that disagrees with the byte length', (h) => (h['0.bias'].shape = [5]), /tensor "0\.bias": shape \[5\] of F32 needs 20 bytes but data_offsets \[\d+, \d+\] hold 16/],
    ['offsets past the data', (h) => (h['2.weight'].data_offsets = [1000, 1032]), /tensor "2\.weight": data_offsets \[1000, 1032\] run past the end/],
    // Tensors are stored in name order: 0.bias occupies [0, 16).
    ['overlapping offsets', (h) => (h['0.weight'].data_offsets = [0, 48]), /tensor "0\.weight": data_offsets \[0, 48\] overlap tensor "0\.bias"/],
  ];
  for (const [what, edit, message] of codecCases) {
    it(`rejects ${what} through the model loaders, naming the tensor`, () => {
      const bytes = editHeader(mlpBytes(), edit);
      expect(() => Mlp.load(bytes)).toThrow(message);
      expect(() => load(bytes)).toThrow(FormatError);
    });
  }

  it('rejects a header longer than the file, and bytes that are no JSON', () => {
    const bytes = mlpBytes();
    new DataView(bytes.buffer).setUint32(0, bytes.length, true);
    expect(() => load(bytes)).toThrow(/runs past the end/);
    const garbled = mlpBytes();
    garbled[9] = 0x7b; // '{' inside the header's JSON: invalid
    expect(() => load(garbled)).toThrow(/header is not valid JSON/);
  });

  it('rejects a configuration the model refuses, as E_FORMAT', () => {
    const oneOutput = new Mlp({ layers: [3, 1], output: 'sigmoid', seed: 1 }).save();
    const bytes = editHeader(oneOutput, (h) => (h.__metadata__.output = 'softmax'));
    expect(() => Mlp.load(bytes)).toThrow(/nninit model file: output 'softmax' needs at least 2 outputs/);
  });

  it('rejects a transposed weight, naming it', () => {
    const bytes = editHeader(mlpBytes(), (h) => (h['0.weight'].shape = [3, 4]));
    expect(() => Mlp.load(bytes)).toThrow(/tensor "0\.weight" has shape \[3, 4\] but the configuration in __metadata__ needs \[4, 3\]/);
  });

  it('rejects an RBM whose layers are not two sizes', () => {
    const bytes = editHeader(new RBM({ nVisible: 3, nHidden: 2, seed: 1 }).save(), (h) => (h.__metadata__.layers = '3,2,2'));
    expect(() => RBM.load(bytes)).toThrow(/layers of an rbm must be "nVisible,nHidden"/);
  });

  it('rejects non-finite parameters unless allowed, and then loads them as they are', () => {
    const mlp = new Mlp({ layers: [3, 2], seed: 1 });
    const weight = mlp.layers[0].weight;
    const bytes = mlp.save();
    const { tensors } = decodeSafetensors(bytes);
    // Find the weight's first element in the file and make it NaN.
    const position = indexOfBits(bytes, bits(tensors['0.weight'])[0]);
    bytes.set([0x00, 0x00, 0xc0, 0x7f], position);
    expect(() => Mlp.load(bytes)).toThrow(/tensor "0\.weight": element 0 is NaN; non-finite values are rejected/);
    const loaded = Mlp.load(bytes, { allowNonFinite: true });
    expect(loaded.layers[0].weight.data[0]).toBeNaN();
    expect(Array.from(loaded.layers[0].weight.data.subarray(1))).toEqual(Array.from(weight.data.subarray(1)));
    const rbmBytes = new RBM({ nVisible: 2, nHidden: 2, seed: 1 }).save();
    // Tensors are stored in name order (W, hiddenBias, visibleBias): the last 4 bytes are visibleBias[1].
    rbmBytes.set([0x00, 0x00, 0x80, 0x7f], rbmBytes.length - 4);
    expect(() => RBM.load(rbmBytes)).toThrow(/tensor "visibleBias": element 1 is Infinity/);
    expect(RBM.load(rbmBytes, { allowNonFinite: true }).weights.visibleBias.data[1]).toBe(Infinity);
  });

  it('a rejected file takes no wasm memory: no model is built before every check passed', () => {
    const bad = [
      editHeader(mlpBytes(), (h) => (h.__metadata__.layers = '3,4,2,2')),
      editHeader(mlpBytes(), (h) => (h['2.weight'].shape = [4, 2])),
      editHeader(new RBM({ nVisible: 3, nHidden: 2, seed: 1 }).save(), (h) => (h.__metadata__.visible = 'poisson')),
    ];
    const inUse = heap().bytesInUse;
    for (const bytes of bad) expect(() => load(bytes)).toThrow(FormatError);
    expect(heap().bytesInUse).toBe(inUse);
  });

  it('passes the codec limits through (maxHeaderBytes, maxTotalBytes)', () => {
    expect(() => load(mlpBytes(), { maxHeaderBytes: 16 })).toThrow(/over the cap of 16 bytes/);
    expect(() => load(mlpBytes(), { maxTotalBytes: 8 })).toThrow(/over the maxTotalBytes cap of 8/);
    expect(() => load(mlpBytes(), null as never)).toThrow(ParamError);
  });
});

function indexOfBits(bytes: Uint8Array, word: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 8; i + 4 <= bytes.length; i++) if (view.getUint32(i, true) === word) return i;
  throw new Error('word not found');
}

describe('transfer learning: withHead and init.fromTensor', () => {
  it('withHead keeps the base weights, draws a new head and leaves the original alone', () => {
    const mlp = new Mlp({ layers: [5, 4, 3, 2], activation: 'tanh', output: 'sigmoid', seed: 1 });
    const before = mlp.layers;
    const next = mlp.withHead(6, { init: 'heNormal', seed: 9, output: 'softmax' });
    expect(next.sizes).toEqual([5, 4, 3, 6]);
    expect([next.activation.name, next.output, next.seed]).toEqual(['tanh', 'softmax', 9]);
    for (const l of [0, 1]) {
      expectSameTensor(next.layers[l].weight, before[l].weight);
      expectSameTensor(next.layers[l].bias, before[l].bias);
    }
    expect(next.layers[2].weight.shape).toEqual([6, 3]);
    expect(Array.from(next.layers[2].bias.data)).toEqual([0, 0, 0, 0, 0, 0]);
    expectSameTensor(next.layers[2].weight, new Mlp({ layers: [5, 4, 3, 6], init: ['zeros', 'zeros', 'heNormal'], seed: 9 }).layers[2].weight);
    expectSameTensor(mlp.layers[2].weight, before[2].weight);
    expect(() => mlp.withHead(0)).toThrow(/outputs must be a positive integer, got 0/);
    expect(() => mlp.withHead(3, { inits: 'zeros' } as never)).toThrow(/unknown option "inits"/);
  });

  it('init.fromTensor copies a tensor into a layer, transposing Keras kernels on request', () => {
    const saved = nninit.tensor([1, 2, 3, 4, 5, 6], [2, 3]);
    const copy = nninit.init.fromTensor([2, 3], { tensor: saved });
    expect(Array.from(copy.data)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(copy.data).not.toBe(saved.data);
    const kernel = nninit.tensor([1, 2, 3, 4, 5, 6], [3, 2]); // Keras [in = 3, out = 2]
    expect(Array.from(nninit.init.fromTensor([2, 3], { tensor: kernel, layout: 'inOut' }).data)).toEqual([1, 3, 5, 2, 4, 6]);
    expect(() => nninit.init.fromTensor([3, 2], { tensor: saved })).toThrow(ShapeError);
    expect(() => nninit.init.fromTensor([3, 2], { tensor: saved })).toThrow(/tensor has shape \[2, 3\] but \[3, 2\] is needed/);
    expect(() => nninit.init.fromTensor([2, 3], { tensor: { shape: [2, 3], data: new Float32Array([1, 2, 3, 4, 5, NaN]) } })).toThrow(DataError);
    expect(() => nninit.init.fromTensor([2, 3], {} as never)).toThrow(ParamError);
  });

  it('a loaded tensor seeds one layer of a new Mlp through its init spec', () => {
    const source = new Mlp({ layers: [3, 2, 2], seed: 4 });
    const { tensors } = decodeSafetensors(source.save());
    const mlp = new Mlp({ layers: [3, 2, 5], init: [{ name: 'fromTensor', tensor: tensors['0.weight'] }, 'heNormal'], seed: 1 });
    expectSameTensor(mlp.layers[0].weight, source.layers[0].weight);
  });
});
