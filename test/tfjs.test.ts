import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import * as nninitTf from '../src/tfjs/index.js';

/*
 * nninit/tfjs against TF.js 4.22 (CPU backend): initializers inside real layers, bit for bit the
 * transposed nninit.init values; their serialization; weights moved both ways between an Mlp and
 * TF.js models, compared by prediction on seeded rows. test/tfjs-mnist.node.test.ts does the same
 * on real digits with training on both sides.
 */

beforeAll(async () => {
  await nninit.ready();
  await tf.setBackend('cpu');
});

// Every model a test builds is disposed after it, so a leak would show in tf.memory().
const models: tfl.LayersModel[] = [];
const track = <M extends tfl.LayersModel>(model: M): M => (models.push(model), model);
afterEach(() => {
  for (const model of models.splice(0)) model.dispose();
});

type Options = Record<string, unknown> | undefined;
type Factory = (options?: never) => nninitTf.NninitInitializer;
const factory = (name: string) => (nninitTf as unknown as Record<string, Factory>)[name];
const nninitInit = (name: string) => (nninit.init as unknown as Record<string, (shape: number[], options?: Options) => nninit.Tensor>)[name];

/** Index of the first element whose bits differ, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return 0;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function maxAbsDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

/** A dense [out, in] PyTorch weight as TF.js's [in, out] kernel: written out, not via src/tfjs/layout.ts. */
function transpose2d(w: Float32Array, outputs: number, inputs: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < outputs; o++) for (let i = 0; i < inputs; i++) out[i * outputs + o] = w[o * inputs + i];
  return out;
}

/** A conv [out, in, kh, kw] PyTorch weight as TF.js's [kh, kw, in, out] kernel. */
function toHwio(w: Float32Array, [outputs, inputs, kh, kw]: number[]): Float32Array {
  const out = new Float32Array(w.length);
  for (let o = 0; o < outputs; o++)
    for (let i = 0; i < inputs; i++)
      for (let y = 0; y < kh; y++)
        for (let x = 0; x < kw; x++) out[((y * kw + x) * inputs + i) * outputs + o] = w[((o * inputs + i) * kh + y) * kw + x];
  return out;
}

const DENSE_IN = 12;
const DENSE_OUT = 7;

/** The kernel a Dense layer of DENSE_IN → DENSE_OUT gets from `initializer`. */
function denseKernel(initializer: nninitTf.NninitInitializer): Float32Array {
  const model = track(tfl.sequential({ layers: [tfl.layers.dense({ units: DENSE_OUT, inputShape: [DENSE_IN], kernelInitializer: initializer })] }));
  return model.layers[0].getWeights()[0].dataSync() as Float32Array;
}

/** The kernel [3, 3, 4, 5] a Conv2D of 4 → 5 channels gets from `initializer`. */
function convKernel(initializer: nninitTf.NninitInitializer): Float32Array {
  const layer = tfl.layers.conv2d({ filters: 5, kernelSize: 3, inputShape: [8, 8, 4], kernelInitializer: initializer });
  const model = track(tfl.sequential({ layers: [layer] }));
  const kernel = model.layers[0].getWeights()[0];
  expect(kernel.shape).toEqual([3, 3, 4, 5]);
  return kernel.dataSync() as Float32Array;
}

// [factory name, options, nninit.init name]: every initializer that fills a dense kernel.
const DENSE_CASES: [string, Options, string][] = [
  ['zeros', undefined, 'zeros'],
  ['ones', undefined, 'ones'],
  ['constant', { value: 0.25 }, 'constant'],
  ['uniform', { low: -0.1, high: 0.2, seed: 3 }, 'uniform'],
  ['normal', { mean: 0.1, std: 0.05, seed: 4 }, 'normal'],
  ['truncatedNormal', { std: 0.1, low: -0.15, high: 0.15, seed: 5 }, 'truncatedNormal'],
  ['xavierUniform', { gain: 2, seed: 6 }, 'xavierUniform'],
  ['xavierNormal', { seed: 7 }, 'xavierNormal'],
  ['kaimingUniform', { a: 0.1, mode: 'fanOut', nonlinearity: 'leakyRelu', seed: 8 }, 'kaimingUniform'],
  ['kaimingNormal', { seed: 9 }, 'kaimingNormal'],
  ['lecunUniform', { seed: 10 }, 'lecunUniform'],
  ['lecunNormal', { seed: 11 }, 'lecunNormal'],
  ['varianceScaling', { scale: 2, mode: 'fanAvg', distribution: 'uniform', seed: 12 }, 'varianceScaling'],
  ['varianceScaling', { seed: 13 }, 'varianceScaling'],
  ['orthogonal', { gain: 1.5, seed: 14 }, 'orthogonal'],
  ['sparse', { sparsity: 0.3, std: 0.02, seed: 15 }, 'sparse'],
  ['eye', undefined, 'eye'],
  ['glorotUniform', { seed: 16 }, 'xavierUniform'],
  ['glorotNormal', { seed: 17 }, 'xavierNormal'],
  ['heUniform', { seed: 18 }, 'kaimingUniform'],
  ['heNormal', { seed: 19, mode: 'fan_out' }, 'kaimingNormal'],
];

// Those that also fill a conv kernel (sparse and eye are 2-D only), plus dirac.
const CONV_CASES = DENSE_CASES.filter(([name]) => name !== 'sparse' && name !== 'eye').concat([['dirac', undefined, 'dirac']]);

describe('initializers in TF.js layers', () => {
  it.each(DENSE_CASES)('%s %j fills a Dense kernel [in, out] with nninit.init values for [out, in], transposed, bit for bit', (name, options, initName) => {
    const kernel = denseKernel(factory(name)(options as never));
    const reference = nninitInit(initName)([DENSE_OUT, DENSE_IN], options);
    expect(firstDifference(kernel, transpose2d(reference.data, DENSE_OUT, DENSE_IN))).toBe(-1);
  });

  it.each(CONV_CASES)('%s %j fills a Conv2D kernel [kh, kw, in, out] with nninit.init values for [out, in, kh, kw], permuted', (name, options, initName) => {
    const kernel = convKernel(factory(name)(options as never));
    const shape = [5, 4, 3, 3];
    expect(firstDifference(kernel, toHwio(nninitInit(initName)(shape, options).data, shape))).toBe(-1);
  });

  // The elementwise fills draw one value per element from the stream, so with the same fans the
  // TF.js kernel holds exactly the values of nninit.init(tfjsShape, { layout: 'inOut' }), in
  // another order: equal sorted bits mean equal fans.
  const FAN_CASES = DENSE_CASES.filter(([name]) =>
    /^(xavier|kaiming|lecun|variance|glorot|he)/.test(name),
  );
  it.each(FAN_CASES)("%s %j uses the fans of layout 'inOut'", (name, options, initName) => {
    const sorted = (data: Float32Array) => data.slice().sort();
    const dense = denseKernel(factory(name)(options as never));
    const inOut = nninitInit(initName)([DENSE_IN, DENSE_OUT], { ...options, layout: 'inOut' });
    expect(firstDifference(sorted(dense), sorted(inOut.data))).toBe(-1);
    const conv = convKernel(factory(name)(options as never));
    const convInOut = nninitInit(initName)([3, 3, 4, 5], { ...options, layout: 'inOut' });
    expect(firstDifference(sorted(conv), sorted(convInOut.data))).toBe(-1);
  });

  it('would show wrong fans: the TF.js shape read as PyTorch layout gives other values', () => {
    const dense = denseKernel(nninitTf.heNormal({ seed: 1 }));
    const misread = nninit.init.heNormal([DENSE_IN, DENSE_OUT], { seed: 1 }); // fanIn 7 instead of 12
    expect(firstDifference(dense.slice().sort(), misread.data.slice().sort())).not.toBe(-1);
  });

  it('fills biases with the elementwise initializers', () => {
    const layer = tfl.layers.dense({ units: DENSE_OUT, inputShape: [DENSE_IN], biasInitializer: nninitTf.normal({ std: 0.5, seed: 2 }) });
    track(tfl.sequential({ layers: [layer] }));
    const bias = layer.getWeights()[1].dataSync() as Float32Array;
    expect(firstDifference(bias, nninit.init.normal([DENSE_OUT], { std: 0.5, seed: 2 }).data)).toBe(-1);
  });

  it('eye makes a Dense layer the identity and dirac a Conv2D (padding same) the identity', () => {
    const x = nninit.init.normal([3, DENSE_IN], { seed: 5 });
    const dense = track(tfl.sequential({ layers: [tfl.layers.dense({ units: DENSE_IN, inputShape: [DENSE_IN], kernelInitializer: nninitTf.eye() })] }));
    const y = dense.predict(tf.tensor2d(x.data, [3, DENSE_IN])) as tf.Tensor;
    expect(firstDifference(y.dataSync() as Float32Array, x.data)).toBe(-1);

    const image = nninit.init.normal([2, 6, 6, 4], { seed: 6 });
    const conv = track(
      tfl.sequential({
        layers: [tfl.layers.conv2d({ filters: 4, kernelSize: 3, padding: 'same', inputShape: [6, 6, 4], kernelInitializer: nninitTf.dirac() })],
      }),
    );
    const out = conv.predict(tf.tensor4d(image.data, [2, 6, 6, 4])) as tf.Tensor;
    expect(firstDifference(out.dataSync() as Float32Array, image.data)).toBe(-1);
    tf.dispose([y, out]);
  });

  it("orthogonal gives each output unit's weights orthonormal, sparse zeros the same share of each input's outputs", () => {
    const kernel = denseKernel(nninitTf.orthogonal({ seed: 3 })); // [12, 7]: 7 orthonormal columns
    for (let p = 0; p < DENSE_OUT; p++) {
      for (let q = 0; q < DENSE_OUT; q++) {
        let dot = 0;
        for (let i = 0; i < DENSE_IN; i++) dot += kernel[i * DENSE_OUT + p] * kernel[i * DENSE_OUT + q];
        expect(Math.abs(dot - (p === q ? 1 : 0))).toBeLessThan(1e-5);
      }
    }
    const sparse = denseKernel(nninitTf.sparse({ sparsity: 0.3, seed: 4 }));
    for (let i = 0; i < DENSE_IN; i++) {
      const row = sparse.subarray(i * DENSE_OUT, (i + 1) * DENSE_OUT);
      expect(row.filter((w) => w === 0).length).toBe(Math.ceil(0.3 * DENSE_OUT));
    }
  });

  it('gives two layers with the same seed the same values, and unseeded ones fresh values every time', () => {
    expect(firstDifference(denseKernel(nninitTf.heNormal({ seed: 1 })), denseKernel(nninitTf.heNormal({ seed: 1 })))).toBe(-1);
    expect(firstDifference(denseKernel(nninitTf.heNormal({ seed: 1 })), denseKernel(nninitTf.heNormal({ seed: 2 })))).not.toBe(-1);
    const seeded = nninitTf.xavierUniform({ seed: 5 }); // one instance in two layers
    expect(firstDifference(denseKernel(seeded), denseKernel(seeded))).toBe(-1);
    const unseeded = nninitTf.xavierUniform();
    expect(firstDifference(denseKernel(unseeded), denseKernel(unseeded))).not.toBe(-1);
    expect(firstDifference(denseKernel(nninitTf.orthogonal()), denseKernel(nninitTf.orthogonal()))).not.toBe(-1);
  });

  it('are instances of TF.js Initializer that tf.layers accept, and of NninitInitializer', () => {
    const initializer = nninitTf.heNormal({ seed: 1 });
    const tfBase = Object.getPrototypeOf(tfl.initializers.zeros().constructor);
    expect(initializer).toBeInstanceOf(tfBase);
    expect(initializer).toBeInstanceOf(nninitTf.NninitInitializer);
    expect(initializer.initializer).toBe('kaimingNormal');
    expect(initializer.getClassName()).toBe('nninit>KaimingNormal');
    expect(initializer.getConfig()).toEqual({ seed: 1 });
  });

  it('rejects layout, rng, unknown options and bad values with ParamError naming the initializer', () => {
    expect(() => nninitTf.heNormal({ layout: 'inOut' } as never)).toThrow(/nninitTf\.heNormal: unknown option "layout".*always \[\.\.\.kernel, in, out\]/);
    expect(() => nninitTf.heNormal({ rng: new nninit.Rng(1) } as never)).toThrow(/nninitTf\.heNormal: unknown option "rng".*seed/);
    expect(() => nninitTf.xavierUniform({ seeds: 1 } as never)).toThrow(nninit.ParamError);
    expect(() => nninitTf.xavierUniform({ seeds: 1 } as never)).toThrow(/unknown option "seeds" \(it takes gain, seed\)/);
    expect(() => nninitTf.zeros.call(null)).not.toThrow();
    expect(() => nninitTf.normal(7 as never)).toThrow(/options must be an object/);
    const bad = nninitTf.kaimingNormal({ mode: 'fan_inn' as never });
    expect(() => bad.apply([3, 4])).toThrow(nninit.ParamError);
    expect(() => bad.apply([3, 4])).toThrow(/nninitTf\.kaimingNormal for the TF\.js weight of shape \[3, 4\] \(nninit shape \[4, 3\]\): mode must be one of/);
    expect(() => nninitTf.heNormal({ seed: -1 }).apply([3, 4])).toThrow(/seed/);
    expect(() => nninitTf.heNormal({ seed: 1 }).apply([3, 4], 'int32')).toThrow(/nninitTf\.heNormal draws float32 weights, got dtype "int32"/);
  });

  it('rejects shapes an initializer cannot fill with ShapeError naming the TF.js shape', () => {
    const asBias = () =>
      track(tfl.sequential({ layers: [tfl.layers.dense({ units: 3, inputShape: [2], biasInitializer: nninitTf.heNormal({ seed: 1 }) })] }));
    expect(asBias).toThrow(nninit.ShapeError);
    expect(asBias).toThrow(/nninitTf\.heNormal for the TF\.js weight of shape \[3\].*at least 2 dimensions/);
    expect(() => convKernel(nninitTf.sparse({ sparsity: 0.5 }))).toThrow(/nninitTf\.sparse for the TF\.js weight of shape \[3, 3, 4, 5\].*2-D/);
    expect(() => denseKernel(nninitTf.dirac())).toThrow(nninit.ShapeError);
  });
});

describe('initializer serialization', () => {
  function seededModel(): tfl.Sequential {
    return track(
      tfl.sequential({
        layers: [
          tfl.layers.dense({
            units: 6,
            activation: 'relu',
            inputShape: [5],
            kernelInitializer: nninitTf.heNormal({ seed: 1, mode: 'fanOut' }),
            biasInitializer: nninitTf.constant({ value: 0.1 }),
          }),
          tfl.layers.dense({ units: 3, activation: 'softmax', kernelInitializer: nninitTf.orthogonal({ gain: 2, seed: 3 }) }),
        ],
      }),
    );
  }
  const weightsOf = (model: tfl.LayersModel) => model.getWeights().map((w) => w.dataSync() as Float32Array);

  it('writes nninit>Name class names and options into model.toJSON()', () => {
    const json = seededModel().toJSON(null, false) as { config: { layers: { config: Record<string, unknown> }[] } };
    const [first, second] = json.config.layers.map((layer) => layer.config);
    expect(first.kernel_initializer).toEqual({ class_name: 'nninit>KaimingNormal', config: { seed: 1, mode: 'fan_out' } });
    expect(first.bias_initializer).toEqual({ class_name: 'nninit>Constant', config: { value: 0.1 } });
    expect(second.kernel_initializer).toEqual({ class_name: 'nninit>Orthogonal', config: { gain: 2, seed: 3 } });
  });

  it('rebuilds the initializers from JSON alone: a topology-only model draws the same seeded weights', async () => {
    const original = seededModel();
    const rebuilt = track(await tfl.models.modelFromJSON({ modelTopology: original.toJSON(null, false) as never }));
    const a = weightsOf(original);
    const b = weightsOf(rebuilt);
    expect(b.length).toBe(4);
    for (let i = 0; i < a.length; i++) expect(firstDifference(a[i], b[i])).toBe(-1);
    const kernelInitializer = rebuilt.layers[0].getConfig().kernelInitializer as { className: string; config: unknown };
    expect(kernelInitializer).toEqual({ className: 'nninit>KaimingNormal', config: { seed: 1, mode: 'fanOut' } });
  });

  it('survives model.save() and tf.loadLayersModel()', async () => {
    const original = seededModel();
    let artifacts: tf.io.ModelArtifacts | undefined;
    await original.save(
      tf.io.withSaveHandler(async (saved) => {
        artifacts = saved;
        return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
      }),
    );
    const loaded = track(await tfl.loadLayersModel(tf.io.fromMemory(artifacts!)));
    const a = weightsOf(original);
    const b = weightsOf(loaded);
    for (let i = 0; i < a.length; i++) expect(firstDifference(a[i], b[i])).toBe(-1);
    expect(loaded.layers[1].getConfig().kernelInitializer).toEqual({ className: 'nninit>Orthogonal', config: { gain: 2, seed: 3 } });
  });

  it('keeps an unseeded initializer unseeded: a rebuilt model draws fresh values', async () => {
    const model = track(tfl.sequential({ layers: [tfl.layers.dense({ units: 4, inputShape: [4], kernelInitializer: nninitTf.lecunUniform() })] }));
    const json = model.toJSON(null, false) as { config: { layers: { config: Record<string, unknown> }[] } };
    expect(json.config.layers[0].config.kernel_initializer).toEqual({ class_name: 'nninit>LecunUniform', config: {} });
    const rebuilt = track(await tfl.models.modelFromJSON({ modelTopology: json as never }));
    expect(firstDifference(weightsOf(model)[0], weightsOf(rebuilt)[0])).not.toBe(-1);
  });
});

/** Seeded rows in [−1, 1). */
const rows = (count: number, features: number, seed: number) => nninit.init.uniform([count, features], { low: -1, high: 1, seed });

function tfjsPredict(model: tfl.LayersModel, x: nninit.Tensor, shape = x.shape as number[]): Float32Array {
  const input = tf.tensor(x.data, shape);
  const output = model.predict(input) as tf.Tensor;
  const values = output.dataSync() as Float32Array;
  tf.dispose([input, output]);
  return values;
}

const HIDDEN: nninit.ActivationSpec[] = ['relu', 'sigmoid', 'tanh', 'selu', 'linear', { name: 'leakyRelu', slope: 0.2 }];
const OUTPUTS: nninit.OutputName[] = ['softmax', 'sigmoid', 'linear'];
const PAIRS = HIDDEN.flatMap((activation) => OUTPUTS.map((output) => [activation, output] as const));

describe('moving weights between an Mlp and TF.js', () => {
  it.each(PAIRS)('hidden %j, output %s: toTfjsModel predicts what the Mlp predicts, fromTfjsModel gives its bits back', (activation, output) => {
    const mlp = new nninit.Mlp({ layers: [20, 16, 12, 5], activation, output, init: 'xavierNormal', biasInit: { name: 'normal', std: 0.1 }, seed: 3 });
    const x = rows(40, 20, 4);
    const model = track(nninitTf.toTfjsModel(mlp));
    expect(maxAbsDifference(tfjsPredict(model, x), mlp.predict(x).data)).toBeLessThan(2e-6);

    const back = nninitTf.fromTfjsModel(model, { seed: 3 });
    expect(back.sizes).toEqual([20, 16, 12, 5]);
    expect(back.activation).toEqual(mlp.activation);
    expect(back.output).toBe(output);
    back.layers.forEach((layer, l) => {
      expect(firstDifference(layer.weight.data, mlp.layers[l].weight.data)).toBe(-1);
      expect(firstDifference(layer.bias.data, mlp.layers[l].bias.data)).toBe(-1);
    });
    mlp.dispose();
    back.dispose();
  });

  it('a μP Mlp: toTfjsModel folds the readout multiplier into the last kernel and predicts the same', () => {
    const mlp = new nninit.Mlp({ layers: [20, 32, 32, 5], activation: 'tanh', init: 'xavierNormal', seed: 3, parametrization: 'mup', baseWidth: 8 });
    expect(mlp.outputMultiplier).toBe(8 / 32);
    const x = rows(40, 20, 4);
    const model = track(nninitTf.toTfjsModel(mlp));
    expect(maxAbsDifference(tfjsPredict(model, x), mlp.predict(x).data)).toBeLessThan(2e-6);
    const back = nninitTf.fromTfjsModel(model, { seed: 3 });
    expect(back.parametrization).toBe('standard');
    expect(maxAbsDifference(back.predict(x).data, mlp.predict(x).data)).toBeLessThan(2e-6);
    mlp.dispose();
    back.dispose();
  });

  it('toTfjsWeights fits model.setWeights() of a Sequential the user declared, and is freed by tf.dispose', () => {
    const mlp = new nninit.Mlp({ layers: [10, 8, 3], activation: 'tanh', init: 'heNormal', seed: 1 });
    const model = track(
      tfl.sequential({
        layers: [tfl.layers.dense({ units: 8, activation: 'tanh', inputShape: [10] }), tfl.layers.dense({ units: 3, activation: 'softmax' })],
      }),
    );
    const before = tf.memory().numTensors;
    const weights = nninitTf.toTfjsWeights(mlp);
    expect(weights.map((w) => w.shape)).toEqual([[10, 8], [8], [8, 3], [3]]);
    model.setWeights(weights);
    tf.dispose(weights);
    expect(tf.memory().numTensors).toBe(before);
    const x = rows(25, 10, 2);
    expect(maxAbsDifference(tfjsPredict(model, x), mlp.predict(x).data)).toBeLessThan(2e-6);
    // The kernel is the transpose of nninit's weight, bit for bit.
    expect(firstDifference(model.getWeights()[0].dataSync() as Float32Array, transpose2d(mlp.layers[0].weight.data, 8, 10))).toBe(-1);
    mlp.dispose();
  });

  it('imports a TF.js model with its default initializers: Sequential of Dense layers', () => {
    const model = track(
      tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 32, activation: 'relu', inputShape: [30], biasInitializer: 'randomNormal' }),
          tfl.layers.dense({ units: 16, activation: 'relu', biasInitializer: 'randomNormal' }),
          tfl.layers.dense({ units: 4, activation: 'softmax' }),
        ],
      }),
    );
    const mlp = nninitTf.fromTfjsModel(model);
    expect(mlp.sizes).toEqual([30, 32, 16, 4]);
    expect(mlp.activation.name).toBe('relu');
    expect(mlp.output).toBe('softmax');
    const x = rows(50, 30, 7);
    expect(maxAbsDifference(mlp.predict(x).data, tfjsPredict(model, x))).toBeLessThan(2e-6);
    mlp.dispose();
  });

  it('imports Flatten, then Dense layers with LeakyReLU layers and a Softmax layer', () => {
    const model = track(
      tfl.sequential({
        layers: [
          tfl.layers.flatten({ inputShape: [4, 5] }),
          tfl.layers.dense({ units: 12, biasInitializer: 'randomNormal' }),
          tfl.layers.leakyReLU({ alpha: 0.2 }),
          tfl.layers.dense({ units: 9, biasInitializer: 'randomNormal' }),
          tfl.layers.leakyReLU({ alpha: 0.2 }),
          tfl.layers.dense({ units: 3 }),
          tfl.layers.softmax(),
        ],
      }),
    );
    const mlp = nninitTf.fromTfjsModel(model);
    expect(mlp.sizes).toEqual([20, 12, 9, 3]);
    expect(mlp.activation).toEqual({ name: 'leakyRelu', slope: 0.2 });
    const x = rows(30, 20, 8);
    expect(maxAbsDifference(mlp.predict(x).data, tfjsPredict(model, x, [30, 4, 5]))).toBeLessThan(2e-6);
    mlp.dispose();
  });

  it('imports a functional chain with Activation and ReLU layers, and a one-layer model', () => {
    const input = tfl.input({ shape: [6] });
    let h = tfl.layers.dense({ units: 8 }).apply(input) as tfl.SymbolicTensor;
    h = tfl.layers.reLU().apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.dense({ units: 8, activation: 'relu' }).apply(h) as tfl.SymbolicTensor;
    h = tfl.layers.dense({ units: 2 }).apply(h) as tfl.SymbolicTensor;
    const output = tfl.layers.activation({ activation: 'sigmoid' }).apply(h) as tfl.SymbolicTensor;
    const functional = track(tfl.model({ inputs: input, outputs: output }));
    const mlp = nninitTf.fromTfjsModel(functional);
    expect([mlp.sizes, mlp.activation.name, mlp.output]).toEqual([[6, 8, 8, 2], 'relu', 'sigmoid']);
    const x = rows(20, 6, 9);
    expect(maxAbsDifference(mlp.predict(x).data, tfjsPredict(functional, x))).toBeLessThan(2e-6);
    mlp.dispose();

    const single = track(tfl.sequential({ layers: [tfl.layers.dense({ units: 3, activation: 'linear', inputShape: [5] })] }));
    const linear = nninitTf.fromTfjsModel(single);
    expect([linear.sizes, linear.output]).toEqual([[5, 3], 'linear']);
    const y = rows(10, 5, 10);
    expect(maxAbsDifference(linear.predict(y).data, tfjsPredict(single, y))).toBeLessThan(2e-6);
    linear.dispose();
  });

  it('gives a TF.js model declared with nninitTf initializers the weights of the Mlp declared with the same seeds', () => {
    const model = track(
      tfl.sequential({
        layers: [
          tfl.layers.dense({ units: 16, activation: 'relu', inputShape: [20], kernelInitializer: nninitTf.heNormal({ seed: 1 }) }),
          tfl.layers.dense({ units: 4, activation: 'softmax', kernelInitializer: nninitTf.xavierUniform({ seed: 2 }) }),
        ],
      }),
    );
    const mlp = new nninit.Mlp({ layers: [20, 16, 4], init: [{ name: 'heNormal', seed: 1 }, { name: 'xavierUniform', seed: 2 }] });
    const imported = nninitTf.fromTfjsModel(model);
    imported.layers.forEach((layer, l) => expect(firstDifference(layer.weight.data, mlp.layers[l].weight.data)).toBe(-1));
    mlp.dispose();
    imported.dispose();
  });
});

describe('fromTfjsModel errors', () => {
  const dense = (units: number, extra: Record<string, unknown> = {}) => tfl.layers.dense({ units, ...extra });
  const chain = (...layers: tfl.layers.Layer[]) => track(tfl.sequential({ layers }));
  const expectError = (model: unknown, errorClass: typeof nninit.ParamError | typeof nninit.ShapeError | typeof nninit.DataError, message: RegExp) => {
    let caught: unknown;
    try {
      nninitTf.fromTfjsModel(model as tfl.LayersModel);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(errorClass);
    expect((caught as Error).message).toMatch(message);
  };

  it('names the layer nninit cannot represent', () => {
    expectError(
      chain(tfl.layers.conv2d({ filters: 2, kernelSize: 3, inputShape: [5, 5, 1] }), tfl.layers.flatten(), dense(2)),
      nninit.ParamError,
      /layer 0 "conv2d_Conv2D\d+" \(Conv2D\) has no nninit equivalent/,
    );
    expectError(
      chain(dense(8, { inputShape: [4], activation: 'relu' }), tfl.layers.dropout({ rate: 0.5 }), dense(2, { activation: 'softmax' })),
      nninit.ParamError,
      /layer 1 "dropout_Dropout\d+" \(Dropout\) has no nninit equivalent.*remove the Dropout layer/,
    );
    expectError(chain(dense(8, { inputShape: [4], useBias: false }), dense(2)), nninit.ParamError, /layer 0 .*\(Dense\) has no bias \(useBias: false\)/);
    expectError(chain(dense(8, { inputShape: [4], activation: 'elu' }), dense(2)), nninit.ParamError, /\(Dense\) applies "elu"; nninit's hidden activations are/);
    expectError(
      chain(dense(8, { inputShape: [4], activation: 'relu' }), dense(8, { activation: 'tanh' }), dense(2)),
      nninit.ParamError,
      /layer 1 .* applies "tanh" but layer 0 .* applies "relu"; nninit's Mlp has one activation for all hidden layers/,
    );
    expectError(chain(dense(8, { inputShape: [4] }), dense(2, { activation: 'relu' })), nninit.ParamError, /the output layer, layer 1 .* applies "relu"; nninit's Mlp ends in softmax, sigmoid or linear/);
    expectError(chain(dense(8, { inputShape: [4] }), dense(1, { activation: 'softmax' })), nninit.ParamError, /softmax over 1 unit/);
    expectError(
      chain(dense(8, { inputShape: [4], activation: 'relu' }), tfl.layers.activation({ activation: 'tanh' }), dense(2)),
      nninit.ParamError,
      /layer 1 .*\(Activation\) follows layer 0 .*, which already applies "relu"/,
    );
    expectError(chain(dense(8, { inputShape: [4] }), tfl.layers.reLU({ maxValue: 6 }), dense(2)), nninit.ParamError, /\(ReLU\) has maxValue 6/);
    expectError(chain(tfl.layers.reLU({ inputShape: [4] }), dense(2)), nninit.ParamError, /layer 0 .*\(ReLU\) comes before the first Dense layer/);
  });

  it('rejects a Dense layer fed rank-3 inputs with ShapeError', () => {
    expectError(chain(dense(8, { inputShape: [3, 4] }), dense(2)), nninit.ShapeError, /layer 0 .*\(Dense\) is fed inputs of shape \[null, 3, 4\].*Flatten/);
  });

  it('rejects branches and shared layers', () => {
    const input = tfl.input({ shape: [4] });
    const a = dense(3).apply(input) as tfl.SymbolicTensor;
    const b = dense(3).apply(input) as tfl.SymbolicTensor;
    const merged = tfl.layers.add().apply([a, b]) as tfl.SymbolicTensor;
    expectError(track(tfl.model({ inputs: input, outputs: dense(2).apply(merged) as tfl.SymbolicTensor })), nninit.ParamError, /is not fed by the layer before it alone/);

    const shared = dense(4);
    const x = tfl.input({ shape: [4] });
    const twice = shared.apply(shared.apply(x)) as tfl.SymbolicTensor;
    expectError(track(tfl.model({ inputs: x, outputs: twice })), nninit.ParamError, /is not fed by the layer before it alone \(2 inbound nodes/);
  });

  it('rejects non-finite weights with DataError, and arguments that are not models', () => {
    const model = chain(dense(3, { inputShape: [2] }), dense(2));
    const weights = model.getWeights().map((w) => w.clone());
    const kernel = weights[2].dataSync().slice();
    kernel[4] = Number.NaN;
    weights[2].dispose();
    weights[2] = tf.tensor2d(kernel, [3, 2]);
    model.setWeights(weights);
    tf.dispose(weights);
    expectError(model, nninit.DataError, /layer 1 .*\(Dense\) kernel\[4\] is NaN; weights must be finite/);
    expectError({ layers: 'no' }, nninit.ParamError, /model must be a TF\.js LayersModel/);
    expectError(null, nninit.ParamError, /model must be a TF\.js LayersModel/);
    expect(() => nninitTf.fromTfjsModel(chain(dense(2, { inputShape: [2] })), { seeds: 1 } as never)).toThrow(/unknown option "seeds"/);
    expect(() => nninitTf.toTfjsWeights({} as never)).toThrow(nninit.ParamError);
    expect(() => nninitTf.toTfjsModel({} as never)).toThrow(/toTfjsModel: mlp must be an nninit Mlp/);
  });
});
