import { beforeAll, describe, expect, it } from 'vitest';
import { init, NninitError, ParamError, ready, Rng, ShapeError, type Tensor } from '../src/index.js';

/*
 * Unit tests of nninit.init: fans and gains, each formula against hand-computed values (Python,
 * f64), identity-like initializers, orthogonality, determinism, explicit zeros and every error.
 * Distributions are tested in init-stats.test.ts, properties in init-props.test.ts.
 */

beforeAll(() => ready());

/** Index of the first element whose bits differ, or -1 (deep equality is slow on big arrays). */
function firstDifference(a: Tensor, b: Tensor): number {
  const x = new Uint32Array(a.data.buffer, a.data.byteOffset, a.data.length);
  const y = new Uint32Array(b.data.buffer, b.data.byteOffset, b.data.length);
  if (x.length !== y.length) return 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}
const expectSameBits = (a: Tensor, b: Tensor) => expect(firstDifference(a, b)).toBe(-1);
const expectOtherBits = (a: Tensor, b: Tensor) => expect(firstDifference(a, b)).not.toBe(-1);

function expectThrows(fn: () => unknown, errorClass: typeof ShapeError | typeof ParamError, ...fragments: string[]): void {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(errorClass);
  expect(caught).toBeInstanceOf(NninitError);
  const error = caught as NninitError;
  expect(error.code).toBe(errorClass === ShapeError ? 'E_SHAPE' : 'E_PARAM');
  for (const fragment of fragments) expect(error.message).toContain(fragment);
}

function sampleStd(data: Float32Array): number {
  let sum = 0;
  for (const x of data) sum += x;
  const mean = sum / data.length;
  let squares = 0;
  for (const x of data) squares += (x - mean) ** 2;
  return Math.sqrt(squares / (data.length - 1));
}

function maxAbs(data: Float32Array): number {
  let max = 0;
  for (const x of data) max = Math.max(max, Math.abs(x));
  return max;
}

/** max |G − gain²·I| where G is the Gram matrix of the rows (byRows) or the columns of W. */
function orthogonalityError(w: Float32Array, rows: number, cols: number, byRows: boolean, gain = 1): number {
  const count = byRows ? rows : cols;
  const length = byRows ? cols : rows;
  const at = (vector: number, i: number) => (byRows ? w[vector * cols + i] : w[i * cols + vector]);
  let worst = 0;
  for (let p = 0; p < count; p++) {
    for (let q = p; q < count; q++) {
      let dot = 0;
      for (let i = 0; i < length; i++) dot += at(p, i) * at(q, i);
      worst = Math.max(worst, Math.abs(dot - (p === q ? gain * gain : 0)));
    }
  }
  return worst;
}

describe('fans', () => {
  it('dense weights: PyTorch [out, in] and Keras [in, out]', () => {
    expect(init.fans([256, 784])).toEqual({ fanIn: 784, fanOut: 256 });
    expect(init.fans([784, 256], 'inOut')).toEqual({ fanIn: 784, fanOut: 256 });
  });
  it('conv weights multiply by the receptive field', () => {
    expect(init.fans([64, 3, 3, 3])).toEqual({ fanIn: 27, fanOut: 576 });
    expect(init.fans([3, 3, 3, 64], 'inOut')).toEqual({ fanIn: 27, fanOut: 576 });
    expect(init.fans([16, 8, 5])).toEqual({ fanIn: 40, fanOut: 80 });
    expect(init.fans([2, 3, 4, 5, 6])).toEqual({ fanIn: 3 * 120, fanOut: 2 * 120 });
    expect(init.fans([4, 5, 6, 3, 2], 'inOut')).toEqual({ fanIn: 3 * 120, fanOut: 2 * 120 });
  });
  it("takes a tensor's readonly shape", () => {
    expect(init.fans(init.zeros([4, 2]).shape)).toEqual({ fanIn: 2, fanOut: 4 });
  });
  it('defaults to outIn', () => {
    expect(init.fans([10, 20], undefined)).toEqual({ fanIn: 20, fanOut: 10 });
  });
});

describe('calculateGain', () => {
  it('matches torch.nn.init.calculate_gain exactly', () => {
    const unitGain = ['linear', 'conv1d', 'conv2d', 'conv3d', 'sigmoid'] as const;
    const transposed = ['convTranspose1d', 'convTranspose2d', 'convTranspose3d'] as const;
    for (const name of [...unitGain, ...transposed]) expect(init.calculateGain(name)).toBe(1);
    expect(init.calculateGain('tanh')).toBe(5 / 3);
    expect(init.calculateGain('relu')).toBe(1.4142135623730951);
    expect(init.calculateGain('selu')).toBe(0.75);
    expect(init.calculateGain('leakyRelu')).toBe(1.4141428569978354); // √(2 / (1 + 0.01²))
    expect(init.calculateGain('leakyRelu', 0.2)).toBe(1.3867504905630728); // √(2 / 1.04)
    expect(init.calculateGain('leakyRelu', 0)).toBe(Math.SQRT2); // 0 honoured, not replaced by 0.01
  });
  it("accepts PyTorch's snake_case names", () => {
    expect(init.calculateGain('leaky_relu')).toBe(init.calculateGain('leakyRelu'));
    expect(init.calculateGain('conv_transpose2d')).toBe(1);
  });
  it('ignores param for nonlinearities without one, like PyTorch', () => {
    expect(init.calculateGain('relu', 0.3)).toBe(Math.SQRT2);
    expect(init.calculateGain('tanh', 7)).toBe(5 / 3);
  });
});

describe('formulas (scale parameters computed by hand in f64)', () => {
  // A fan-based uniform or normal initializer must give the same bits as uniform/normal with the
  // hand-computed bound or std: that pins the formula exactly, not just statistically.
  it('kaimingUniform [64, 3, 3, 3] conv: bound √(6/27)', () => {
    const bound = 0.4714045207910317;
    const w = init.kaimingUniform([64, 3, 3, 3], { seed: 1 });
    expectSameBits(w, init.uniform([64, 3, 3, 3], { low: -bound, high: bound, seed: 1 }));
    expect(maxAbs(w.data)).toBeLessThanOrEqual(Math.fround(bound));
    expect(maxAbs(w.data)).toBeGreaterThan(0.99 * bound);
  });
  it('kaimingUniform inOut [3, 3, 3, 64] equals outIn [64, 3, 3, 3] in distribution (same bound)', () => {
    const bound = 0.4714045207910317;
    const w = init.kaimingUniform([3, 3, 3, 64], { layout: 'inOut', seed: 2 });
    expectSameBits(w, init.uniform([3, 3, 3, 64], { low: -bound, high: bound, seed: 2 }));
  });
  it('kaimingNormal [256, 784] defaults: std √(2/784) = 1/√392', () => {
    const std = 0.05050762722761054;
    const w = init.kaimingNormal([256, 784], { seed: 3 });
    expectSameBits(w, init.normal([256, 784], { std, seed: 3 }));
    expect(sampleStd(w.data)).toBeCloseTo(std, 3);
  });
  it('kaimingNormal fanOut tanh [128, 64, 5]: std (5/3)/√640', () => {
    const std = 0.06588078458684124;
    const w = init.kaimingNormal([128, 64, 5], { mode: 'fanOut', nonlinearity: 'tanh', seed: 4 });
    expectSameBits(w, init.normal([128, 64, 5], { std, seed: 4 }));
  });
  it("kaiming accepts PyTorch's 'fan_out' and 'leaky_relu' spellings", () => {
    const camel = init.kaimingUniform([8, 8], { mode: 'fanOut', nonlinearity: 'leakyRelu', a: 0.1, seed: 5 });
    const snake = init.kaimingUniform([8, 8], { mode: 'fan_out', nonlinearity: 'leaky_relu', a: 0.1, seed: 5 });
    expectSameBits(snake, camel);
  });
  it('xavierUniform [256, 784]: bound √(6/1040); inOut [784, 256] the same', () => {
    const bound = 0.07595545253127499;
    const expected = init.uniform([256, 784], { low: -bound, high: bound, seed: 6 });
    expectSameBits(init.xavierUniform([256, 784], { seed: 6 }), expected);
    expectSameBits(init.xavierUniform([784, 256], { layout: 'inOut', seed: 6 }), expected);
  });
  it('xavierNormal [32, 16, 3, 3] gain √2: std √2·√(2/(144+288))', () => {
    const std = 0.09622504486493763;
    const w = init.xavierNormal([32, 16, 3, 3], { gain: Math.SQRT2, seed: 7 });
    expectSameBits(w, init.normal([32, 16, 3, 3], { std, seed: 7 }));
  });
  it('lecunUniform [256, 784]: limit √(3/784)', () => {
    const limit = 0.06185895741317419;
    const w = init.lecunUniform([256, 784], { seed: 8 });
    expectSameBits(w, init.uniform([256, 784], { low: -limit, high: limit, seed: 8 }));
  });
  it('lecunNormal [256, 784]: truncated N(0, σ²) with σ = √(1/784)/0.8796 cut at ±2σ; sample std 1/28', () => {
    const sigma = 0.040601686940662726;
    const w = init.lecunNormal([256, 784], { seed: 9 });
    const expected = init.truncatedNormal([256, 784], { std: sigma, low: -2 * sigma, high: 2 * sigma, seed: 9 });
    expectSameBits(w, expected);
    expect(maxAbs(w.data)).toBeLessThanOrEqual(2 * sigma);
    expect(sampleStd(w.data)).toBeCloseTo(1 / 28, 3);
  });
  it('varianceScaling defaults equal lecunNormal', () => {
    expectSameBits(init.varianceScaling([64, 100], { seed: 10 }), init.lecunNormal([64, 100], { seed: 10 }));
  });
  it('varianceScaling fanAvg uniform scale 2 on a Keras conv kernel [3, 3, 64, 128]: limit √(6/864) = 1/12', () => {
    const w = init.varianceScaling([3, 3, 64, 128], {
      layout: 'inOut',
      mode: 'fanAvg',
      scale: 2,
      distribution: 'uniform',
      seed: 11,
    });
    const limit = 0.08333333333333333;
    expectSameBits(w, init.uniform([3, 3, 64, 128], { low: -limit, high: limit, seed: 11 }));
  });
  it('varianceScaling untruncatedNormal fanOut scale 0.5 [128, 1024]: std √(0.5/128) = 1/16', () => {
    const w = init.varianceScaling([128, 1024], { mode: 'fan_out', scale: 0.5, distribution: 'untruncated_normal', seed: 12 });
    expectSameBits(w, init.normal([128, 1024], { std: 0.0625, seed: 12 }));
  });
  it('truncatedNormal bounds are absolute, like PyTorch', () => {
    const w = init.truncatedNormal([10_000], { mean: 5, std: 10, low: 4, high: 6, seed: 13 });
    expect(Math.min(...w.data)).toBeGreaterThanOrEqual(4);
    expect(Math.max(...w.data)).toBeLessThanOrEqual(6);
  });
  it('uniform and normal defaults: U[0, 1) and N(0, 1)', () => {
    const u = init.uniform([10_000], { seed: 14 });
    expect(Math.min(...u.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u.data)).toBeLessThan(1);
    expect(sampleStd(init.normal([100_000], { seed: 15 }).data)).toBeCloseTo(1, 2);
  });
  it('aliases are the same functions', () => {
    expect(init.glorotUniform).toBe(init.xavierUniform);
    expect(init.glorotNormal).toBe(init.xavierNormal);
    expect(init.heUniform).toBe(init.kaimingUniform);
    expect(init.heNormal).toBe(init.kaimingNormal);
  });
});

describe('constant initializers', () => {
  it('zeros, ones and constant fill any shape', () => {
    expect(init.zeros([2, 3]).data).toEqual(new Float32Array(6));
    expect(init.ones([4]).data).toEqual(new Float32Array(4).fill(1));
    expect(init.constant([2, 2, 2], { value: -0.25 }).data).toEqual(new Float32Array(8).fill(-0.25));
    expect(init.zeros([2, 3]).shape).toEqual([2, 3]);
  });
  it('the returned shape is a copy', () => {
    const shape = [2, 3];
    const t = init.ones(shape);
    shape[0] = 5;
    expect(t.shape).toEqual([2, 3]);
  });
  it('eye: ones on the main diagonal, rectangular too', () => {
    expect(Array.from(init.eye([3, 3]).data)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(Array.from(init.eye([2, 3]).data)).toEqual([1, 0, 0, 0, 1, 0]);
    expect(Array.from(init.eye([3, 2]).data)).toEqual([1, 0, 0, 1, 0, 0]);
  });
  it('dirac [out, in, k]: a 1-D convolution that copies its input', () => {
    // Convolve (cross-correlate, as PyTorch) a 2-channel signal with 'same' padding.
    const w = init.dirac([2, 2, 3]);
    const signal = [
      [1, 2, 3, 4],
      [5, 6, 7, 8],
    ];
    for (let o = 0; o < 2; o++) {
      for (let t = 0; t < 4; t++) {
        let sum = 0;
        for (let c = 0; c < 2; c++) {
          for (let k = 0; k < 3; k++) {
            const s = t + k - 1;
            if (s >= 0 && s < 4) sum += w.data[(o * 2 + c) * 3 + k] * signal[c][s];
          }
        }
        expect(sum).toBe(signal[o][t]);
      }
    }
  });
  it('dirac [out, in, kh, kw] puts one 1 per output channel at the centre', () => {
    const w = init.dirac([3, 2, 3, 5]);
    const ones: number[][] = [];
    w.data.forEach((x, i) => {
      if (x !== 0) ones.push([Math.floor(i / 30), Math.floor(i / 15) % 2, Math.floor(i / 5) % 3, i % 5]);
    });
    // min(out, in) = 2 channels copied; output channel 2 has no input channel 2 and stays zero.
    expect(ones).toEqual([
      [0, 0, 1, 2],
      [1, 1, 1, 2],
    ]);
  });
  it('dirac with groups: each group of output channels copies input channels 0, 1, …', () => {
    const w = init.dirac([4, 2, 1, 1, 1], { groups: 2 });
    // [out, in] at the single kernel position: rows 0–1 and 2–3 are each eye(2).
    expect(Array.from(w.data)).toEqual([1, 0, 0, 1, 1, 0, 0, 1]);
  });
  it('dirac inOut [...kernel, in, out] is the transpose-layout of outIn', () => {
    const outIn = init.dirac([6, 4, 3, 3], { groups: 2 });
    const inOut = init.dirac([3, 3, 4, 6], { groups: 2, layout: 'inOut' });
    for (let o = 0; o < 6; o++) {
      for (let i = 0; i < 4; i++) {
        for (let h = 0; h < 3; h++) {
          for (let x = 0; x < 3; x++) {
            expect(inOut.data[((h * 3 + x) * 4 + i) * 6 + o]).toBe(outIn.data[((o * 4 + i) * 3 + h) * 3 + x]);
          }
        }
      }
    }
  });
});

describe('orthogonal', () => {
  it('256×784: max |W·Wᵀ − I| < 1e-5', () => {
    const w = init.orthogonal([256, 784], { seed: 1 });
    expect(orthogonalityError(w.data, 256, 784, true)).toBeLessThan(1e-5);
  });
  it('784×256: max |Wᵀ·W − I| < 1e-5', () => {
    const w = init.orthogonal([784, 256], { seed: 2 });
    expect(orthogonalityError(w.data, 784, 256, false)).toBeLessThan(1e-5);
  });
  it('square, with gain: W·Wᵀ = gain²·I', () => {
    const w = init.orthogonal([50, 50], { gain: 2, seed: 3 });
    expect(orthogonalityError(w.data, 50, 50, true, 2)).toBeLessThan(4e-5);
    expect(orthogonalityError(w.data, 50, 50, false, 2)).toBeLessThan(4e-5);
  });
  it('conv weights flatten the trailing dimensions; inOut flattens the leading ones', () => {
    const outIn = init.orthogonal([16, 8, 3, 3], { seed: 4 }); // 16 × 72: orthonormal rows
    expect(orthogonalityError(outIn.data, 16, 72, true)).toBeLessThan(1e-5);
    const inOut = init.orthogonal([3, 3, 8, 16], { layout: 'inOut', seed: 4 }); // 72 × 16: orthonormal columns
    expect(orthogonalityError(inOut.data, 72, 16, false)).toBeLessThan(1e-5);
  });
  it('degenerate aspect ratios: a row and a column are unit vectors', () => {
    expect(orthogonalityError(init.orthogonal([1, 9], { seed: 5 }).data, 1, 9, true)).toBeLessThan(1e-6);
    expect(orthogonalityError(init.orthogonal([9, 1], { seed: 5 }).data, 9, 1, false)).toBeLessThan(1e-6);
  });
  it('is the Q of numpy.linalg.qr of the same normal samples, times sign(diag(R))', () => {
    // Reference: numpy.linalg.qr in f64 on init.normal(shape, { seed }) (transposed when rows <
    // cols), q *= sign(diag(r)), rounded to f32: PyTorch's algorithm on our samples.
    const wide = [
      -0.9435154795646667, 0.18868468701839447, -0.1471770703792572, 0.22916264832019806, 0.22318823635578156,
      0.9098994731903076, -0.34573668241500854, -0.05230804532766342, -0.21521787345409393, -0.07943427562713623,
      -0.20399650931358337, -0.9517126083374023,
    ];
    const tall = [
      0.003038656199350953, -0.9320929050445557, 0.5403375625610352, 0.1661030352115631, 0.3667147755622864,
      -0.31940746307373047, 0.757328450679779, 0.03989292308688164,
    ];
    const w1 = init.orthogonal([3, 4], { seed: 42 }).data;
    const w2 = init.orthogonal([4, 2], { seed: 7 }).data;
    wide.forEach((x, i) => expect(w1[i]).toBeCloseTo(x, 6));
    tall.forEach((x, i) => expect(w2[i]).toBeCloseTo(x, 6));
  });
  it('sign correction makes W[0][0] positive or negative with equal probability', () => {
    // Without q *= sign(diag(r)), Householder QR makes Q[0][0] = alpha / beta < 0 every time.
    let positive = 0;
    for (let seed = 0; seed < 400; seed++) if (init.orthogonal([6, 4], { seed }).data[0] > 0) positive++;
    expect(Math.abs(positive - 200)).toBeLessThan(4 * 10); // Binomial(400, ½): sd 10
  });
});

describe('sparse', () => {
  it('zeros ceil(sparsity·rows) entries of every column, PyTorch rounding included', () => {
    const w = init.sparse([100, 40], { sparsity: 0.07, seed: 1 }); // ceil(0.07 · 100) = ceil(7.000000000000001) = 8
    for (let col = 0; col < 40; col++) {
      let zeros = 0;
      for (let row = 0; row < 100; row++) if (w.data[row * 40 + col] === 0) zeros++;
      expect(zeros).toBe(8);
    }
  });
  it('nonzeros have the requested std (default 0.01)', () => {
    const w = init.sparse([500, 400], { sparsity: 0.5, seed: 2 });
    expect(sampleStd(w.data.filter((x) => x !== 0))).toBeCloseTo(0.01, 3);
  });
  it('sparsity 0 leaves a plain normal matrix', () => {
    const w = init.sparse([20, 10], { sparsity: 0, std: 0.5, seed: 3 });
    expectSameBits(w, init.normal([20, 10], { std: 0.5, seed: 3 }));
  });
});

describe('determinism', () => {
  const randomCases: Array<[string, (options: { seed?: number; rng?: Rng }) => Tensor]> = [
    ['uniform', (o) => init.uniform([7, 9], o)],
    ['normal', (o) => init.normal([7, 9], o)],
    ['truncatedNormal', (o) => init.truncatedNormal([7, 9], o)],
    ['xavierUniform', (o) => init.xavierUniform([7, 9], o)],
    ['xavierNormal', (o) => init.xavierNormal([7, 9], o)],
    ['kaimingUniform', (o) => init.kaimingUniform([7, 9], o)],
    ['kaimingNormal', (o) => init.kaimingNormal([7, 9], o)],
    ['lecunUniform', (o) => init.lecunUniform([7, 9], o)],
    ['lecunNormal', (o) => init.lecunNormal([7, 9], o)],
    ['varianceScaling', (o) => init.varianceScaling([7, 9], o)],
    ['orthogonal', (o) => init.orthogonal([7, 9], o)],
    ['sparse', (o) => init.sparse([7, 9], { sparsity: 0.3, ...o })],
  ];
  it.each(randomCases)('%s: same seed, same bits; another seed, other bits', (_, make) => {
    expectSameBits(make({ seed: 123 }), make({ seed: 123 }));
    expectOtherBits(make({ seed: 124 }), make({ seed: 123 }));
  });
  it.each(randomCases)('%s: an rng option advances the stream', (_, make) => {
    const rng = new Rng(99);
    const first = make({ rng });
    const second = make({ rng });
    expectSameBits(first, make({ seed: 99 }));
    expectOtherBits(second, first);
  });
  it('a fill consumes ceil(n/4) blocks, so later draws do not depend on the initializer', () => {
    const rng = new Rng(5);
    init.kaimingNormal([7, 9], { rng });
    expect(rng.block).toBe(Math.ceil(63 / 4));
  });
  it('golden values for seed 42 (any change of formula, fill or stream shows here)', () => {
    const first6 = (t: Tensor) => Array.from(t.data.slice(0, 6));
    expect(first6(init.kaimingUniform([4, 4], { seed: 42 }))).toEqual([
      0.27669405937194824, -0.07694709300994873, -1.0453646183013916, -0.38980811834335327, 1.1946617364883423,
      -0.42360663414001465,
    ]);
    expect(first6(init.xavierNormal([4, 4], { seed: 42 }))).toEqual([
      -0.6755461096763611, 0.13509604334831238, -0.10537707060575485, 0.1640777885913849, -0.690427303314209,
      1.312686800956726,
    ]);
    expect(first6(init.lecunNormal([4, 4], { seed: 42 }))).toEqual([
      0.056702855974435806, 0.05760049819946289, -0.09866882860660553, -0.40112030506134033, 0.2981962263584137,
      -0.01596476510167122,
    ]);
    expect(first6(init.sparse([4, 3], { sparsity: 0.5, seed: 42 }))).toEqual([
      -0.013510921970009804, 0, -0.002107541309669614, 0, 0, 0,
    ]);
  });
});

describe('explicit zeros are honoured (TF.js would replace them by defaults)', () => {
  it('std 0 gives the mean', () => {
    expect(init.normal([5], { mean: 3, std: 0, seed: 1 }).data).toEqual(new Float32Array(5).fill(3));
    expect(init.truncatedNormal([5], { mean: 0.5, std: 0, seed: 1 }).data).toEqual(new Float32Array(5).fill(0.5));
    expect(init.sparse([4, 4], { sparsity: 0.5, std: 0, seed: 1 }).data).toEqual(new Float32Array(16));
  });
  it('mean 0, low 0 and high 0 are kept', () => {
    const w = init.truncatedNormal([1000], { low: 0, seed: 2 });
    expect(Math.min(...w.data)).toBeGreaterThanOrEqual(0);
    expect(init.uniform([5], { low: 0, high: 0, seed: 3 }).data).toEqual(new Float32Array(5));
    expect(init.uniform([5], { low: -1, high: 0, seed: 3 }).data.every((x) => x <= 0)).toBe(true);
  });
  it('gain 0 gives zeros', () => {
    for (const w of [
      init.xavierUniform([8, 8], { gain: 0, seed: 4 }),
      init.xavierNormal([8, 8], { gain: 0, seed: 4 }),
      init.orthogonal([8, 8], { gain: 0, seed: 4 }),
    ]) {
      expect(maxAbs(w.data)).toBe(0);
    }
  });
  it('a = 0 is ReLU, not leaky ReLU with slope 0.01', () => {
    const relu = init.kaimingUniform([16, 16], { nonlinearity: 'relu', seed: 5 });
    expectSameBits(init.kaimingUniform([16, 16], { a: 0, seed: 5 }), relu);
    expectSameBits(init.kaimingUniform([16, 16], { seed: 5 }), relu);
  });
  it('scale 0 gives zeros in every distribution', () => {
    for (const distribution of ['truncatedNormal', 'untruncatedNormal', 'uniform'] as const) {
      expect(maxAbs(init.varianceScaling([8, 8], { scale: 0, distribution, seed: 6 }).data)).toBe(0);
    }
  });
  it('constant value 0 and seed 0', () => {
    expect(init.constant([3], { value: 0 }).data).toEqual(new Float32Array(3));
    expectSameBits(init.normal([9], { seed: 0 }), init.normal([9], { rng: new Rng(0) }));
  });
});

describe('errors', () => {
  const everyInitializer: Array<[string, (shape: number[]) => Tensor]> = [
    ['zeros', (s) => init.zeros(s)],
    ['ones', (s) => init.ones(s)],
    ['constant', (s) => init.constant(s, { value: 1 })],
    ['uniform', (s) => init.uniform(s)],
    ['normal', (s) => init.normal(s)],
    ['truncatedNormal', (s) => init.truncatedNormal(s)],
    ['xavierUniform', (s) => init.xavierUniform(s)],
    ['xavierNormal', (s) => init.xavierNormal(s)],
    ['kaimingUniform', (s) => init.kaimingUniform(s)],
    ['kaimingNormal', (s) => init.kaimingNormal(s)],
    ['lecunUniform', (s) => init.lecunUniform(s)],
    ['lecunNormal', (s) => init.lecunNormal(s)],
    ['varianceScaling', (s) => init.varianceScaling(s)],
    ['orthogonal', (s) => init.orthogonal(s)],
    ['sparse', (s) => init.sparse(s, { sparsity: 0.1 })],
    ['eye', (s) => init.eye(s)],
    ['dirac', (s) => init.dirac(s)],
  ];
  it.each(everyInitializer)('%s rejects empty, zero, negative, fractional and non-array shapes', (_, make) => {
    expectThrows(() => make([]), ShapeError, 'shape', '[]');
    expectThrows(() => make([3, 0, 3]), ShapeError, 'shape[1]', 'got 0', '[3, 0, 3]');
    expectThrows(() => make([3, -1, 3]), ShapeError, 'shape[1]', '-1');
    expectThrows(() => make([2.5, 3, 3]), ShapeError, 'shape[0]', '2.5');
    expectThrows(() => make([3, NaN, 3]), ShapeError, 'NaN');
    expectThrows(() => make('3x3' as unknown as number[]), ShapeError, '"3x3"');
  });

  it.each([
    ['xavierUniform', (s: number[]) => init.xavierUniform(s)],
    ['xavierNormal', (s: number[]) => init.xavierNormal(s)],
    ['kaimingUniform', (s: number[]) => init.kaimingUniform(s)],
    ['kaimingNormal', (s: number[]) => init.kaimingNormal(s)],
    ['lecunUniform', (s: number[]) => init.lecunUniform(s)],
    ['lecunNormal', (s: number[]) => init.lecunNormal(s)],
    ['varianceScaling', (s: number[]) => init.varianceScaling(s)],
    ['fans', (s: number[]) => init.fans(s)],
  ])('%s: the fans of a 1-D shape are an E_SHAPE naming the shape', (_, make) => {
    expectThrows(() => make([10]), ShapeError, 'at least 2 dimensions', '[10]');
  });

  it('shape-specific initializers name their rank', () => {
    expectThrows(() => init.orthogonal([5]), ShapeError, 'orthogonal', '[5]');
    expectThrows(() => init.sparse([4, 4, 4], { sparsity: 0.5 }), ShapeError, 'sparse', '2-D', '[4, 4, 4]');
    expectThrows(() => init.eye([2, 2, 2]), ShapeError, 'eye', '[2, 2, 2]');
    expectThrows(() => init.dirac([3, 3]), ShapeError, 'dirac', '3, 4 or 5', '[3, 3]');
    expectThrows(() => init.dirac([1, 1, 1, 1, 1, 1]), ShapeError, 'dirac');
  });

  it('NaN, ±∞ and out-of-float32 parameters name the parameter and the value', () => {
    expectThrows(() => init.normal([3], { std: NaN }), ParamError, 'std', 'NaN');
    expectThrows(() => init.normal([3], { mean: Infinity }), ParamError, 'mean', 'Infinity');
    expectThrows(() => init.uniform([3], { low: -Infinity }), ParamError, 'low', '-Infinity');
    expectThrows(() => init.uniform([3], { high: NaN }), ParamError, 'high', 'NaN');
    expectThrows(() => init.truncatedNormal([3], { high: Infinity }), ParamError, 'high', 'Infinity');
    expectThrows(() => init.constant([3], { value: 1e39 }), ParamError, 'value', '1e+39');
    expectThrows(() => init.xavierNormal([3, 3], { gain: NaN }), ParamError, 'gain', 'NaN');
    expectThrows(() => init.kaimingUniform([3, 3], { a: Infinity }), ParamError, 'a ', 'Infinity');
    expectThrows(() => init.varianceScaling([3, 3], { scale: NaN }), ParamError, 'scale', 'NaN');
    expectThrows(() => init.orthogonal([3, 3], { gain: -Infinity }), ParamError, 'gain', '-Infinity');
    expectThrows(() => init.calculateGain('leakyRelu', NaN), ParamError, 'param', 'NaN');
    expectThrows(() => init.normal([3], { std: '1' as unknown as number }), ParamError, 'std', '"1"');
  });

  it('negative std, gain or scale, and inverted ranges', () => {
    expectThrows(() => init.normal([3], { std: -1 }), ParamError, 'std', '-1');
    expectThrows(() => init.truncatedNormal([3], { std: -0.5 }), ParamError, 'std', '-0.5');
    expectThrows(() => init.sparse([3, 3], { sparsity: 0.5, std: -2 }), ParamError, 'std', '-2');
    expectThrows(() => init.xavierUniform([3, 3], { gain: -1 }), ParamError, 'gain', '-1');
    expectThrows(() => init.varianceScaling([3, 3], { scale: -2 }), ParamError, 'scale', '-2');
    expectThrows(() => init.uniform([3], { low: 2, high: 1 }), ParamError, 'low=2', 'high=1');
    expectThrows(() => init.truncatedNormal([3], { low: 1, high: 1 }), ParamError, 'low=1', 'high=1');
    expectThrows(() => init.truncatedNormal([3], { mean: 10, std: 1 }), ParamError, 'low=-2', 'high=2');
  });

  it('required parameters', () => {
    expectThrows(() => init.constant([3], {} as { value: number }), ParamError, 'value', 'undefined');
    expectThrows(() => init.sparse([3, 3], {} as { sparsity: number }), ParamError, 'sparsity', 'undefined');
    expectThrows(() => init.calculateGain(undefined as unknown as 'relu'), ParamError, 'nonlinearity', 'undefined');
  });

  it('sparsity outside [0, 1)', () => {
    expectThrows(() => init.sparse([3, 3], { sparsity: 1 }), ParamError, 'sparsity', '[0, 1)', 'got 1');
    expectThrows(() => init.sparse([3, 3], { sparsity: -0.1 }), ParamError, 'sparsity', '-0.1');
    expectThrows(() => init.sparse([3, 3], { sparsity: NaN }), ParamError, 'sparsity', 'NaN');
  });

  it('unknown names: nonlinearity, mode, distribution, layout', () => {
    expectThrows(() => init.calculateGain('relu6' as 'relu'), ParamError, 'nonlinearity', '"relu6"', '"leakyRelu"');
    expectThrows(() => init.kaimingNormal([3, 3], { nonlinearity: 'gelu' as 'relu' }), ParamError, 'nonlinearity', '"gelu"');
    expectThrows(() => init.kaimingNormal([3, 3], { mode: 'fanAvg' as 'fanIn' }), ParamError, 'mode', '"fanAvg"', '"fanOut"');
    expectThrows(() => init.varianceScaling([3, 3], { mode: 'fanavg' as 'fanAvg' }), ParamError, 'mode', '"fanavg"');
    // Keras's 'normal' alias means truncated; we make the caller say so.
    expectThrows(
      () => init.varianceScaling([3, 3], { distribution: 'normal' as 'uniform' }),
      ParamError,
      'distribution',
      '"normal"',
      '"truncatedNormal"',
    );
    expectThrows(() => init.xavierUniform([3, 3], { layout: 'io' as 'inOut' }), ParamError, 'layout', '"io"', '"outIn"');
    expectThrows(() => init.fans([3, 3], 'OutIn' as 'outIn'), ParamError, 'layout', '"OutIn"');
    expectThrows(() => init.dirac([3, 3, 3], { layout: 'nchw' as 'outIn' }), ParamError, 'layout', '"nchw"');
  });

  it('dirac groups must be a positive integer dividing the output channels', () => {
    expectThrows(() => init.dirac([6, 4, 3], { groups: 4 }), ParamError, 'groups', '6 output channels', 'got 4');
    expectThrows(() => init.dirac([6, 4, 3], { groups: 0 }), ParamError, 'groups', 'got 0');
    expectThrows(() => init.dirac([6, 4, 3], { groups: 1.5 }), ParamError, 'groups', '1.5');
    expectThrows(() => init.dirac([3, 4, 6], { groups: 4, layout: 'inOut' }), ParamError, 'groups', '6 output channels');
  });

  it('unknown option keys are rejected, naming the key and the accepted ones', () => {
    expectThrows(() => init.normal([3], { seeds: 1 } as object), ParamError, 'init.normal', '"seeds"', 'mean, std, seed, rng');
    expectThrows(() => init.kaimingUniform([3, 3], { gain: 2 } as object), ParamError, '"gain"', 'nonlinearity');
    expectThrows(() => init.zeros([3], { value: 1 } as never), ParamError, 'init.zeros', '"value"', 'takes no options');
    expectThrows(() => init.eye([3, 3], { seed: 1 } as never), ParamError, 'init.eye', '"seed"');
  });

  it('options must be an object, and an Rng goes in { rng }', () => {
    expectThrows(() => init.normal([3], null as unknown as object), ParamError, 'options', 'null');
    expectThrows(() => init.normal([3], 7 as unknown as object), ParamError, 'options', '7');
    expectThrows(() => init.normal([3], new Rng(1) as unknown as object), ParamError, '{ rng }');
  });

  it('bad seed or rng', () => {
    expectThrows(() => init.normal([3], { seed: -1 }), ParamError, 'seed', '-1');
    expectThrows(() => init.uniform([3], { seed: 1.5 }), ParamError, 'seed', '1.5');
    expectThrows(() => init.orthogonal([3, 3], { rng: {} as Rng }), ParamError, 'rng');
  });

  it('a failed call does not advance the rng', () => {
    const rng = new Rng(3);
    expect(() => init.sparse([4, 4], { sparsity: 2, rng })).toThrow();
    expect(() => init.truncatedNormal([4], { mean: 10, rng })).toThrow();
    expect(rng.block).toBe(0);
  });
});
