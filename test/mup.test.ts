import { beforeAll, describe, expect, it } from 'vitest';
import { inputJacobians } from '../src/diagnose/jacobian.js';
import { FormatError, MemoryError, ParamError, ShapeError } from '../src/errors.js';
import { coordCheck } from '../src/nn/coord-check.js';
import { Mlp, gradientsOf } from '../src/nn/mlp.js';
import { encodeTargets } from '../src/nn/targets.js';
import { adam, adamw, sgd } from '../src/optim/optimizers.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import { ready } from '../src/runtime/index.js';
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';
import { coordCheck as coordCheckSvg } from '../src/viz/coord-check.js';
import { referenceGradients, referenceNetLoss, referenceOutputs, referenceForward, type ReferenceNet } from './reference/nn.js';
import { blobs, f64, maxAbs, maxAbsDiff, randomTensor } from './nn-helpers.js';

/*
 * μP against the mup package's rules, written out here per tensor from the package's definitions
 * (InfShape: a dimension is infinite when it differs from the base model's; MuReadout; MuAdam;
 * MuSGD) rather than taken from src/nn/mup.ts: the base model has every hidden layer `base` wide.
 */

beforeAll(() => ready());

/** Width multiplier of dimension i of `sizes` (1 for inputs, outputs and base-sized hidden layers). */
function dimMult(sizes: number[], i: number, base: number): number {
  const hiddenDim = i > 0 && i < sizes.length - 1;
  return hiddenDim ? sizes[i] / base : 1;
}
const isInfinite = (sizes: number[], i: number, base: number) => i > 0 && i < sizes.length - 1 && sizes[i] !== base;

/** Expected lr factors for layer l's weight and bias, under MuAdam and MuSGD. */
function expectedLrFactors(sizes: number[], l: number, base: number) {
  const fanIn = l;
  const fanOut = l + 1;
  const weightInf = Number(isInfinite(sizes, fanIn, base)) + Number(isInfinite(sizes, fanOut, base));
  // InfShape.width_mult(): the last infinite dim of [out, in], i.e. fan-in when infinite.
  const weightMain = isInfinite(sizes, fanIn, base) ? dimMult(sizes, fanIn, base) : dimMult(sizes, fanOut, base);
  const biasInf = isInfinite(sizes, fanOut, base);
  return {
    adam: { weight: weightInf === 2 ? 1 / weightMain : 1, bias: 1 },
    sgd: {
      weight: weightInf === 2 ? dimMult(sizes, fanOut, base) / dimMult(sizes, fanIn, base) : weightInf === 1 ? weightMain : 1,
      bias: biasInf ? dimMult(sizes, fanOut, base) : 1,
    },
  };
}

// Widths 12 and 24 over base 6 (two different multipliers, a matrix-like weight with fan ratio 1/2);
// and one hidden layer at the base width, whose weights towards it are vector-like.
const SHAPES: { sizes: number[]; base: number }[] = [
  { sizes: [5, 12, 24, 3], base: 6 },
  { sizes: [5, 6, 24, 24, 3], base: 6 },
  { sizes: [4, 16, 16, 2], base: 4 },
];

function pair(sizes: number[], base: number, extra: Partial<ConstructorParameters<typeof Mlp>[0]> = {}) {
  const common = { layers: sizes, activation: 'tanh' as const, init: 'xavierNormal' as const, seed: 7, ...extra };
  return { standard: new Mlp(common), mup: new Mlp({ ...common, parametrization: 'mup', baseWidth: base }) };
}

describe('μP initialization (set_base_shapes with rescale_params)', () => {
  it.each(SHAPES)('$sizes over base $base: hidden layers as drawn, the readout × √widthMult, biases × √(fan-in multiplier)', ({ sizes, base }) => {
    const { standard, mup } = pair(sizes, base, { biasInit: { name: 'uniform', low: -0.5, high: 0.5 } });
    const last = sizes.length - 2;
    const readoutMult = dimMult(sizes, sizes.length - 2, base);
    standard.layers.forEach((layer, l) => {
      const got = mup.layers[l];
      const weightScale = l === last ? Math.sqrt(readoutMult) : 1;
      const biasScale = Math.sqrt(l === last ? readoutMult : dimMult(sizes, l, base));
      expect(Array.from(got.weight.data)).toEqual(Array.from(layer.weight.data, (v) => Math.fround(v * weightScale)));
      expect(Array.from(got.bias.data)).toEqual(Array.from(layer.bias.data, (v) => Math.fround(v * biasScale)));
    });
    standard.dispose();
    mup.dispose();
  });

  it('at the base width μP is the standard parametrization, bit for bit through training', async () => {
    const { standard, mup } = pair([6, 8, 8, 3], 8);
    const { x, y } = blobs(40, 6, 3, 1);
    for (const optimizer of [adam({ lr: 0.01 }), sgd({ lr: 0.1, momentum: 0.9 })]) {
      await standard.fit(x, y, { epochs: 2, batchSize: 8, optimizer });
      await mup.fit(x, y, { epochs: 2, batchSize: 8, optimizer });
    }
    expect(mup.layers.map((l) => Array.from(l.weight.data))).toEqual(standard.layers.map((l) => Array.from(l.weight.data)));
    standard.dispose();
    mup.dispose();
  });
});

describe('μP forward pass and gradients (MuReadout: input × outputMult / widthMult)', () => {
  function referenceOf(mlp: Mlp, readoutFactor: number): ReferenceNet {
    const layers = mlp.layers;
    return {
      sizes: [...mlp.sizes],
      weights: layers.map((l, i) => f64(l.weight.data).map((v) => (i === layers.length - 1 ? v * readoutFactor : v))),
      biases: layers.map((l) => f64(l.bias.data)),
      activation: mlp.activation,
      output: mlp.output,
    };
  }

  it('predict divides the readout input by widthMult', () => {
    const sizes = [5, 24, 24, 3];
    const mlp = new Mlp({ layers: sizes, activation: 'relu', output: 'linear', init: 'heNormal', biasInit: { name: 'normal', std: 0.2 }, seed: 3, parametrization: 'mup', baseWidth: 6 });
    const x = randomTensor([9, 5], 4);
    const want = referenceOutputs('linear', referenceForward(referenceOf(mlp, 6 / 24), f64(x.data), 9).pre[2], 9, 3);
    expect(maxAbsDiff(mlp.predict(x).data, want)).toBeLessThan(1e-5 * maxAbs(want));
    mlp.dispose();
  });

  it.each(['softmax', 'sigmoid', 'linear'] as const)('%s output: wasm gradients match central finite differences of the μP loss', (output) => {
    const sizes = [5, 12, 18, 3];
    const rows = 7;
    const alpha = 6 / 18;
    const mlp = new Mlp({ layers: sizes, activation: 'tanh', output, init: { name: 'normal', std: 0.5 }, biasInit: { name: 'normal', std: 0.3 }, seed: 21, parametrization: 'mup', baseWidth: 6 });
    const x = randomTensor([rows, 5], 22);
    const rng = new Rng(23);
    const y: Int32Array | Tensor =
      output === 'softmax' ? Int32Array.from({ length: rows }, () => rng.int(3)) : output === 'sigmoid' ? { shape: [rows, 3], data: Float32Array.from({ length: rows * 3 }, () => rng.int(2)) } : randomTensor([rows, 3], 24);
    const targets = f64(encodeTargets(y, rows, 3, output));
    // The μP network's loss as a function of its stored parameters: the readout's weights enter times α.
    const net = referenceOf(mlp, 1);
    const loss = () => referenceNetLoss({ ...net, weights: net.weights.map((w, l) => (l === sizes.length - 2 ? w.map((v) => v * alpha) : w)) }, f64(x.data), targets, rows);
    const wasm = gradientsOf(mlp, x, y);
    expect(wasm.loss).toBeCloseTo(loss(), 5);
    const h = 1e-6;
    let worst = 0;
    for (const [params, grads] of [
      [net.weights, wasm.weights],
      [net.biases, wasm.biases],
    ] as const) {
      params.forEach((p, l) => {
        for (let i = 0; i < p.length; i++) {
          const held = p[i];
          p[i] = held + h;
          const up = loss();
          p[i] = held - h;
          const down = loss();
          p[i] = held;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - grads[l][i]) / Math.max(1e-3, Math.abs(numeric)));
        }
      });
    }
    expect(worst).toBeLessThan(1e-3);
    // And the multiplier is really there: the standard net's readout gradient is 1/α times as large.
    const plain = referenceGradients(net, f64(x.data), targets, rows);
    expect(maxAbsDiff(wasm.weights[2], plain.weights[2])).toBeGreaterThan(1e-3);
    mlp.dispose();
  });

  it("diagnose's input-output Jacobian includes the readout multiplier", () => {
    const sizes = [6, 16, 16, 4];
    const mup = new Mlp({ layers: sizes, activation: 'tanh', init: 'xavierNormal', seed: 5, parametrization: 'mup', baseWidth: 4 });
    const standard = new Mlp({ layers: sizes, activation: 'tanh', init: 'zeros', seed: 5 });
    mup.layers.forEach((layer, l) => standard.setLayer(l, l === 2 ? { ...layer, weight: { shape: layer.weight.shape, data: layer.weight.data.map((v) => v / 4) } } : layer));
    const x = randomTensor([2, 6], 6);
    const a = inputJacobians(mup, x, 2).matrices;
    const b = inputJacobians(standard, x, 2).matrices;
    a.forEach((m, i) => expect(maxAbsDiff(m, b[i])).toBeLessThan(1e-6 * maxAbs(b[i])));
    mup.dispose();
    standard.dispose();
  });
});

describe('μP learning rates (MuAdam, MuAdamW, MuSGD) in nninit.optim', () => {
  /** Each tensor's update of one step from the same start, in units of lr·(the standard update's direction). */
  async function stepRatios(sizes: number[], base: number, optimizer: ReturnType<typeof sgd> | ReturnType<typeof adam>) {
    const { standard, mup } = pair(sizes, base, { init: { name: 'normal', std: 0.3 }, output: 'linear' });
    // The same parameters in both, so that gradients differ only by the readout multiplier.
    standard.layers.forEach((layer, l) => mup.setLayer(l, layer));
    const x = randomTensor([6, sizes[0]], 1);
    const y = randomTensor([6, sizes[sizes.length - 1]], 2);
    const grads = gradientsOf(mup, x, y);
    const before = mup.layers;
    await mup.fit(x, y, { epochs: 1, batchSize: 6, shuffle: false, optimizer });
    const after = mup.layers;
    const ratio = (delta: Float32Array, g: Float32Array) => {
      // For SGD the update is −lr·factor·g; for Adam's first step −lr·factor·g/(|g| + ε).
      const values: number[] = [];
      for (let i = 0; i < g.length; i++) {
        // Updates far above the f32 spacing of the parameters (~3e-8 here) measure the factor to < 1%.
        if (Math.abs(g[i]) < 1e-4 || Math.abs(delta[i]) < 1e-5) continue;
        const direction = optimizer.kind === 'sgd' ? g[i] : g[i] / (Math.abs(g[i]) + 1e-8);
        values.push(-delta[i] / (optimizer.lr * direction));
      }
      expect(values.length).toBeGreaterThan(0);
      return values;
    };
    const result = before.map((layer, l) => ({
      weight: ratio(after[l].weight.data.map((v, i) => v - layer.weight.data[i]), grads.weights[l]),
      bias: ratio(after[l].bias.data.map((v, i) => v - layer.bias.data[i]), grads.biases[l]),
    }));
    standard.dispose();
    mup.dispose();
    return result;
  }

  it.each(SHAPES)('$sizes over base $base: every tensor steps by the package rule', async ({ sizes, base }) => {
    for (const [name, optimizer] of [
      ['adam', adam({ lr: 1e-3 })],
      ['adamw', adamw({ lr: 1e-3, weightDecay: 0 })],
      ['sgd', sgd({ lr: 0.05 })],
    ] as const) {
      const ratios = await stepRatios(sizes, base, optimizer);
      ratios.forEach((r, l) => {
        const want = expectedLrFactors(sizes, l, base)[name === 'sgd' ? 'sgd' : 'adam'];
        for (const v of r.weight) expect(Math.abs(v / want.weight - 1), `${name} layer ${l} weight: ${v} vs ${want.weight}`).toBeLessThan(1e-2);
        for (const v of r.bias) expect(Math.abs(v / want.bias - 1), `${name} layer ${l} bias: ${v} vs ${want.bias}`).toBeLessThan(1e-2);
      });
    }
  });

  it('weight decay is scaled against the learning rate, so lr × decay per tensor is as given (the package default)', async () => {
    const sizes = [5, 12, 24, 3];
    const options = { layers: sizes, output: 'linear' as const, init: { name: 'normal' as const, std: 0.3 }, seed: 2, parametrization: 'mup' as const, baseWidth: 6 };
    const x = randomTensor([6, 5], 1);
    const y = randomTensor([6, 3], 2);
    for (const make of [(wd: number) => sgd({ lr: 0.05, weightDecay: wd }), (wd: number) => adamw({ lr: 1e-2, weightDecay: wd })]) {
      const run = async (wd: number) => {
        const mlp = new Mlp(options);
        const start = mlp.layers;
        await mlp.fit(x, y, { epochs: 1, batchSize: 6, shuffle: false, optimizer: make(wd) });
        const layers = mlp.layers;
        mlp.dispose();
        return { start, layers };
      };
      const without = await run(0);
      const withDecay = await run(0.1);
      // SGD: the decay term −lr′·wd′·p; AdamW: p·(1 − lr′·wd′). Either way lr′·wd′ = lr·wd on every tensor.
      without.start.forEach((layer, l) => {
        for (let i = 0; i < layer.weight.data.length; i += 7) {
          const decayStep = withDecay.layers[l].weight.data[i] - without.layers[l].weight.data[i];
          expect(decayStep, `${make(0).kind} layer ${l}`).toBeCloseTo(-make(0).lr * 0.1 * layer.weight.data[i], 6);
        }
      });
    }
  });
});

describe('μP models in files, withHead and freeze', () => {
  it('save/load keeps the parametrization and base width; predictions are the same bits', () => {
    const mlp = new Mlp({ layers: [5, 12, 12, 3], activation: 'relu', seed: 1, parametrization: 'mup', baseWidth: 4 });
    const bytes = mlp.save();
    expect(decodeSafetensors(bytes).metadata).toMatchObject({ parametrization: 'mup', baseWidth: '4' });
    const loaded = Mlp.load(bytes);
    expect([loaded.parametrization, loaded.baseWidth]).toEqual(['mup', 4]);
    const x = randomTensor([4, 5], 2);
    expect(Array.from(loaded.predict(x).data)).toEqual(Array.from(mlp.predict(x).data));
    // The readout's weights were loaded as stored, not rescaled a second time.
    expect(Array.from(loaded.layers[2].weight.data)).toEqual(Array.from(mlp.layers[2].weight.data));
    mlp.dispose();
    loaded.dispose();
  });

  it('a standard model writes no μP keys, and a file without them loads as standard', () => {
    const mlp = new Mlp({ layers: [5, 8, 3], seed: 1 });
    const { metadata } = decodeSafetensors(mlp.save());
    expect(Object.keys(metadata)).not.toContain('parametrization');
    expect(Object.keys(metadata)).not.toContain('baseWidth');
    const loaded = Mlp.load(mlp.save());
    expect([loaded.parametrization, loaded.baseWidth]).toEqual(['standard', undefined]);
    mlp.dispose();
    loaded.dispose();
  });

  it('bad μP metadata is E_FORMAT', () => {
    const mlp = new Mlp({ layers: [5, 8, 3], seed: 1 });
    const { tensors, metadata } = decodeSafetensors(mlp.save());
    const extras: Record<string, string>[] = [{ parametrization: 'foo' }, { parametrization: 'mup' }, { parametrization: 'mup', baseWidth: '0' }, { baseWidth: '8' }, { parametrization: 'mup', baseWidth: 'x' }];
    for (const extra of extras) {
      const bytes = encodeSafetensors(tensors, { ...metadata, ...extra });
      expect(() => Mlp.load(bytes), JSON.stringify(extra)).toThrow(FormatError);
    }
    mlp.dispose();
  });

  it('withHead keeps μP: the base layers as they were, the new readout rescaled and multiplied', () => {
    const mlp = new Mlp({ layers: [5, 16, 16, 3], seed: 1, parametrization: 'mup', baseWidth: 4 });
    const head = mlp.withHead(7, { seed: 9, init: 'heNormal' });
    expect([head.parametrization, head.baseWidth]).toEqual(['mup', 4]);
    expect(Array.from(head.layers[1].weight.data)).toEqual(Array.from(mlp.layers[1].weight.data));
    const plain = new Mlp({ layers: [5, 16, 16, 3], seed: 1 });
    const drawn = plain.withHead(7, { seed: 9, init: 'heNormal' });
    expect(Array.from(head.layers[2].weight.data)).toEqual(Array.from(drawn.layers[2].weight.data, (v) => Math.fround(v * 2)));
    for (const model of [mlp, head, plain, drawn]) model.dispose();
  });

  it('a μP fit resumed from a checkpoint ends with the bits of the uninterrupted fit', async () => {
    const options = { layers: [5, 16, 16, 3], activation: 'tanh' as const, seed: 4, parametrization: 'mup' as const, baseWidth: 4 };
    const { x, y } = blobs(40, 5, 3, 3);
    const fitOptions = { epochs: 4, batchSize: 8, optimizer: sgd({ lr: 0.05, momentum: 0.9 }) };
    const straight = new Mlp(options);
    await straight.fit(x, y, fitOptions);
    const saved: Uint8Array[] = [];
    const first = new Mlp(options);
    await first.fit(x, y, { ...fitOptions, checkpoint: { save: (bytes) => void saved.push(bytes) } });
    const resumed = Mlp.load(saved[1]);
    expect([resumed.parametrization, resumed.baseWidth]).toEqual(['mup', 4]);
    await resumed.fit(x, y, { ...fitOptions, resume: true });
    resumed.layers.forEach((layer, l) => expect(Array.from(layer.weight.data)).toEqual(Array.from(straight.layers[l].weight.data)));
    for (const model of [straight, first, resumed]) model.dispose();
  });

  it('freeze holds a μP layer exactly while the others train', async () => {
    const mlp = new Mlp({ layers: [5, 16, 16, 3], seed: 1, parametrization: 'mup', baseWidth: 4 });
    const { x, y } = blobs(32, 5, 3, 2);
    const before = mlp.layers;
    await mlp.fit(x, y, { epochs: 1, batchSize: 8, freeze: [1], optimizer: adam({ lr: 0.01 }) });
    const after = mlp.layers;
    expect(Array.from(after[1].weight.data)).toEqual(Array.from(before[1].weight.data));
    expect(maxAbsDiff(after[0].weight.data, before[0].weight.data)).toBeGreaterThan(0);
    expect(maxAbsDiff(after[2].weight.data, before[2].weight.data)).toBeGreaterThan(0);
    mlp.dispose();
  });
});

describe('μP options: typed errors', () => {
  const layers = [5, 8, 3];
  it.each([
    [{ parametrization: 'foo' }, /parametrization must be 'standard' or 'mup', got "foo"/],
    [{ parametrization: 'mup' }, /needs baseWidth/],
    [{ parametrization: 'mup', baseWidth: 0 }, /baseWidth must be a positive integer, got 0/],
    [{ parametrization: 'mup', baseWidth: -4 }, /baseWidth must be a positive integer, got -4/],
    [{ parametrization: 'mup', baseWidth: 2.5 }, /baseWidth must be a positive integer, got 2.5/],
    [{ parametrization: 'mup', baseWidth: '8' }, /baseWidth must be a positive integer, got "8"/],
    [{ parametrization: 'mup', baseWidth: NaN }, /baseWidth must be a positive integer/],
    [{ baseWidth: 8 }, /baseWidth is a μP option.*got baseWidth 8 with 'standard'/],
    [{ parametrization: 'standard', baseWidth: 8 }, /baseWidth is a μP option/],
  ])('%o', (extra, message) => {
    expect(() => new Mlp({ layers, ...(extra as object) })).toThrow(ParamError);
    expect(() => new Mlp({ layers, ...(extra as object) })).toThrow(message);
  });

  it('μP needs a hidden layer', () => {
    expect(() => new Mlp({ layers: [5, 3], parametrization: 'mup', baseWidth: 4 })).toThrow(/at least one hidden layer/);
  });
});

describe('coordCheck', () => {
  const data = blobs(48, 6, 3, 5);
  const make = (parametrization: 'standard' | 'mup') => (width: number) =>
    new Mlp({ layers: [6, width, width, 3], activation: 'tanh', init: 'heNormal', seed: 3, ...(parametrization === 'mup' ? { parametrization, baseWidth: 8 } : {}) });

  it('records every layer at every step for every width, and disposes the models', async () => {
    const models: Mlp[] = [];
    const progress: number[] = [];
    const result = await coordCheck(
      (width) => {
        const mlp = make('mup')(width);
        models.push(mlp);
        return mlp;
      },
      data.x,
      data.y,
      { widths: [8, 16, 32], steps: 3, batchSize: 16, optimizer: adam({ lr: 0.01 }), onProgress: (p) => progress.push(p.width) },
    );
    expect(result.widths).toEqual([8, 16, 32]);
    expect([result.steps, result.batchSize]).toEqual([3, 16]);
    expect(result.layers.map((l) => [l.index, l.role])).toEqual([
      [0, 'input'],
      [1, 'hidden'],
      [2, 'output'],
    ]);
    for (const layer of result.layers) {
      for (const series of [layer.l1, layer.preActivation]) {
        expect(series.length).toBe(3);
        for (const steps of series) {
          expect(steps.length).toBe(4);
          for (const v of steps) expect(v).toBeGreaterThan(0);
        }
      }
    }
    // tanh shrinks what it is given; the logits have no activation.
    for (const steps of result.layers[1].l1.flat()) expect(steps).toBeLessThan(1);
    expect(result.layers[2].l1).toEqual(result.layers[2].preActivation);
    expect(progress).toEqual([8, 16, 32]);
    for (const mlp of models) expect(() => mlp.layers).toThrow(MemoryError);
  });

  it('step 0 is the initial model: its forward pass, before any update', async () => {
    const result = await coordCheck(make('standard'), data.x, data.y, { widths: [8], steps: 1 });
    const mlp = make('standard')(8);
    const first = mlp.layers[0];
    let sum = 0;
    for (let r = 0; r < 48; r++) {
      for (let o = 0; o < 8; o++) {
        let z = first.bias.data[o];
        for (let i = 0; i < 6; i++) z += data.x.data[r * 6 + i] * first.weight.data[o * 6 + i];
        sum += Math.abs(z);
      }
    }
    expect(result.layers[0].preActivation[0][0]).toBeCloseTo(sum / (48 * 8), 5);
    mlp.dispose();
  });

  it('at the base width the two parametrizations record the same numbers', async () => {
    const options = { widths: [8], steps: 3, optimizer: adam({ lr: 0.01 }) };
    const a = await coordCheck(make('standard'), data.x, data.y, options);
    const b = await coordCheck(make('mup'), data.x, data.y, options);
    expect(b.layers).toEqual(a.layers);
  });

  it('under Adam, hidden pre-activations grow with width in the standard parametrization and not under μP', async () => {
    const options = { widths: [8, 256], steps: 4, optimizer: adam({ lr: 0.02 }) };
    const growth = (r: Awaited<ReturnType<typeof coordCheck>>) => r.layers[1].preActivation[1][4] / r.layers[1].preActivation[0][4];
    const standard = growth(await coordCheck(make('standard'), data.x, data.y, options));
    const mup = growth(await coordCheck(make('mup'), data.x, data.y, options));
    expect(standard).toBeGreaterThan(3);
    expect(mup).toBeGreaterThan(0.5);
    expect(mup).toBeLessThan(2);
  });

  it('rejects bad arguments with typed errors', async () => {
    const { x, y } = data;
    await expect(coordCheck('model' as never, x, y, { widths: [8] })).rejects.toThrow(/makeModel must be a function/);
    await expect(coordCheck(make('mup'), x, y, undefined as never)).rejects.toThrow(ParamError);
    await expect(coordCheck(make('mup'), x, y, { widths: [] })).rejects.toThrow(/widths must be a non-empty array of positive integers, got \[\]/);
    await expect(coordCheck(make('mup'), x, y, { widths: [8, 0] })).rejects.toThrow(ParamError);
    await expect(coordCheck(make('mup'), x, y, { widths: [8], steps: 0 })).rejects.toThrow(/steps/);
    await expect(coordCheck(make('mup'), x, y, { widths: [8], batchSize: 1.5 })).rejects.toThrow(/batchSize/);
    await expect(coordCheck(make('mup'), x, y, { widths: [8], optimizer: { kind: 'rmsprop' } as never })).rejects.toThrow(/optimizer must come from nninit.optim/);
    await expect(coordCheck(make('mup'), x, y, { widths: [8], width: 3 } as never)).rejects.toThrow(/unknown option "width"/);
    await expect(coordCheck(() => ({}) as never, x, y, { widths: [8] })).rejects.toThrow(/must return an Mlp/);
    await expect(coordCheck((w) => new Mlp({ layers: w === 8 ? [6, w, 3] : [6, w, w, 3], seed: 1 }), x, y, { widths: [8, 16] })).rejects.toThrow(/has 3 layers but makeModel\(8\) had 2/);
    await expect(coordCheck(make('mup'), randomTensor([48, 5], 1), y, { widths: [8] })).rejects.toThrow(ShapeError);
  });

  it('viz.coordCheck draws one panel per layer and one line per step, as well-formed SVG', async () => {
    const result = await coordCheck(make('mup'), data.x, data.y, { widths: [8, 16], steps: 2 });
    const svg = coordCheckSvg(result, { title: 'check', quantity: 'preActivation' });
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect([...svg.matchAll(/>(layer \d \([a-z ]+\))</g)].map((m) => m[1])).toEqual(['layer 1 (input layer)', 'layer 2 (hidden)', 'layer 3 (output logits)']);
    expect(svg).toContain('mean |pre-activation|');
    expect([...svg.matchAll(/<g class="line" aria-label="([^"]+)">/g)].map((m) => m[1]).slice(0, 3)).toEqual(['t = 0', 't = 1', 't = 2']);
    expect(() => coordCheckSvg({} as never)).toThrow(ParamError);
    expect(() => coordCheckSvg(result, { quantity: 'grad' as never })).toThrow(/quantity must be/);
  });
});
