import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose, HISTOGRAM_BINS } from '../src/diagnose/index.js';
import { MemoryError, ShapeError } from '../src/errors.js';
import { Mlp } from '../src/nn/mlp.js';
import { ready } from '../src/runtime/index.js';
import { blobs } from './nn-helpers.js';

beforeAll(() => ready());

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** A 2-2-2 network with hand-picked parameters, so that every expected value is short arithmetic. */
function tinyNet(activation: 'sigmoid' | 'relu' | 'tanh'): Mlp {
  const mlp = new Mlp({ layers: [2, 2, 2], activation, seed: 0 });
  mlp.setLayer(0, { weight: { shape: [2, 2], data: Float32Array.of(1, -2, 3, 0.5) }, bias: { shape: [2], data: Float32Array.of(0.5, -2.25) } });
  mlp.setLayer(1, { weight: { shape: [2, 2], data: Float32Array.of(2, -1, 0.5, 1) }, bias: { shape: [2], data: Float32Array.of(0, 0.25) } });
  return mlp;
}
const x = { shape: [2, 2], data: Float32Array.of(1, 2, -1, 0.5) };
const y = [0, 1];
// Layer 0 by hand: row 0 → [1 − 4 + 0.5, 3 + 1 − 2.25] = [−2.5, 1.75]; row 1 → [−1 − 1 + 0.5, −3 + 0.25 − 2.25] = [−1.5, −5].
const pre0 = [
  [-2.5, 1.75],
  [-1.5, -5],
];

function meanStd(values: number[]): [number, number] {
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  return [mean, Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length)];
}

/**
 * The two layers' pre-activations and weight-gradient norms of the tiny net for softmax
 * cross-entropy averaged over rows, written out for this 2-2-2 shape only.
 */
function byHand(f: (z: number) => number, fPrime: (z: number) => number) {
  const w1 = [
    [2, -1],
    [0.5, 1],
  ];
  const b1 = [0, 0.25];
  const h = pre0.map((row) => row.map(f));
  const logits = h.map((row) => w1.map((w, o) => w[0] * row[0] + w[1] * row[1] + b1[o]));
  const gW0 = [0, 0, 0, 0];
  const gW1 = [0, 0, 0, 0];
  logits.forEach((z, r) => {
    const e = z.map(Math.exp);
    const p = e.map((v) => v / (e[0] + e[1]));
    const dz = p.map((pj, j) => (pj - (y[r] === j ? 1 : 0)) / 2);
    for (let o = 0; o < 2; o++) for (let i = 0; i < 2; i++) gW1[o * 2 + i] += dz[o] * h[r][i];
    const dh = [0, 1].map((i) => (dz[0] * w1[0][i] + dz[1] * w1[1][i]) * fPrime(pre0[r][i]));
    const xr = [x.data[r * 2], x.data[r * 2 + 1]];
    for (let o = 0; o < 2; o++) for (let i = 0; i < 2; i++) gW0[o * 2 + i] += dh[o] * xr[i];
  });
  const norm = (g: number[]) => Math.sqrt(g.reduce((a, b) => a + b * b, 0));
  return { logits: logits.flat(), gradientNorms: [norm(gW0), norm(gW1)] };
}

describe('diagnose on a hand-computed network', () => {
  it('sigmoid: pre-activation moments, saturation and gradient norms to 1e-6', () => {
    const mlp = tinyNet('sigmoid');
    const report = diagnose(mlp, x, y);
    const expected = byHand(sigmoid, (z) => sigmoid(z) * (1 - sigmoid(z)));
    const [mean0, std0] = meanStd(pre0.flat());
    const [mean1, std1] = meanStd(expected.logits);
    expect(Math.abs(report.layers[0].mean - mean0)).toBeLessThan(1e-6);
    expect(Math.abs(report.layers[0].std - std0)).toBeLessThan(1e-6);
    expect(Math.abs(report.layers[1].mean - mean1)).toBeLessThan(1e-6);
    expect(Math.abs(report.layers[1].std - std1)).toBeLessThan(1e-6);
    // σ(−5) ≈ 0.0067 is the only activation outside [0.01, 0.99].
    expect(report.layers[0].saturated).toBe(1 / 4);
    expect(report.layers[1].saturated).toBeNull();
    report.layers.forEach((layer, l) => expect(Math.abs(layer.gradientNorm! - expected.gradientNorms[l])).toBeLessThan(1e-6));
    expect(report.gradientRatio).toBe(1); // layer 0 is both the first and the last hidden layer
    expect(report.layers.map((l) => [l.layer, l.inputs, l.outputs, l.activation])).toEqual([
      [0, 2, 2, 'sigmoid'],
      [1, 2, 2, 'output'],
    ]);
    mlp.dispose();
  });

  it('relu: dead units are those that output 0 on every row', () => {
    const mlp = tinyNet('relu');
    // Unit 0's pre-activations −2.5 and −1.5 are both negative: dead. Unit 1 fires on row 0 only: alive.
    const report = diagnose(mlp, x, y);
    expect(report.layers[0].saturated).toBe(1 / 2);
    const expected = byHand((z) => Math.max(z, 0), (z) => (z > 0 ? 1 : 0));
    report.layers.forEach((layer, l) => expect(Math.abs(layer.gradientNorm! - expected.gradientNorms[l])).toBeLessThan(1e-6));
    mlp.dispose();
  });

  it('tanh: saturated activations have |y| > 0.99', () => {
    const mlp = tinyNet('tanh');
    // |tanh(z)| > 0.99 ⇔ |z| > 2.647: only −5 qualifies (tanh(−2.5) = −0.9866).
    expect(diagnose(mlp, x).layers[0].saturated).toBe(1 / 4);
    mlp.dispose();
  });

  it('without labels reports no gradients; the table names every layer', () => {
    const mlp = tinyNet('sigmoid');
    const report = diagnose(mlp, x);
    expect(report.loss).toBeNull();
    expect(report.gradientRatio).toBeNull();
    expect(report.layers.every((l) => l.gradientNorm === null)).toBe(true);
    const table = String(report);
    expect(table).toMatch(/layer\s+shape\s+then\s+pre mean\s+pre std\s+saturated\s+grad norm/);
    expect(table).toMatch(/2→2\s+sigmoid\s+-1\.8125/);
    expect(table).toMatch(/outside \[0\.01, 0\.99\]/);
    mlp.dispose();
  });

  it('histograms count every activation, over [0, 1] for sigmoid', () => {
    const mlp = tinyNet('sigmoid');
    const { histogram } = diagnose(mlp, x).layers[0];
    expect([histogram.low, histogram.high]).toEqual([0, 1]);
    expect(histogram.counts).toHaveLength(HISTOGRAM_BINS);
    expect(histogram.counts.reduce((a, b) => a + b, 0)).toBe(4);
    expect(histogram.counts[0]).toBe(1); // σ(−5)
    mlp.dispose();
  });

  it('reports leakyRelu, selu and linear saturation as null', () => {
    for (const activation of ['leakyRelu', 'selu', 'linear'] as const) {
      const mlp = new Mlp({ layers: [2, 3, 2], activation, seed: 1 });
      expect(diagnose(mlp, x).layers[0].saturated).toBeNull();
      mlp.dispose();
    }
  });

  it('rejects a batch of the wrong width and a disposed model', () => {
    const mlp = tinyNet('sigmoid');
    expect(() => diagnose(mlp, { shape: [1, 3], data: new Float32Array(3) })).toThrow(ShapeError);
    mlp.dispose();
    expect(() => diagnose(mlp, x)).toThrow(MemoryError);
  });
});

describe('diagnose on a deep network (Glorot & Bengio)', () => {
  // Seven dense layers, six hidden of 64 units, on inputs in [0, 1] like pixels.
  const layers = [32, 64, 64, 64, 64, 64, 64, 10];
  const data = blobs(256, layers[0], 10, 11, { noise: 0.2 });
  const inputs = { shape: data.x.shape, data: data.x.data.map((v) => Math.min(1, Math.max(0, (v + 1) / 2))) };
  const ratio = (activation: 'sigmoid' | 'tanh', init: ConstructorParameters<typeof Mlp>[0]['init']) => {
    const mlp = new Mlp({ layers, activation, init, seed: 3 });
    const value = diagnose(mlp, inputs, data.y).gradientRatio!;
    mlp.dispose();
    return value;
  };

  it('sigmoid from N(0, 0.01): the first layer gradient vanishes beside the last hidden layer', () => {
    expect(ratio('sigmoid', { name: 'normal', std: 0.01 })).toBeLessThan(1e-4);
  });

  it('sigmoid from Xavier: the gradient still shrinks (σ′ ≤ 1/4 per layer) but by orders of magnitude less', () => {
    const small = ratio('sigmoid', { name: 'normal', std: 0.01 });
    const xavier = ratio('sigmoid', 'xavierUniform');
    expect(xavier).toBeGreaterThan(100 * small);
  });

  it('tanh from Xavier: first and last hidden layer gradients within an order of magnitude', () => {
    const xavier = ratio('tanh', 'xavierUniform');
    expect(xavier).toBeGreaterThan(0.1);
    expect(xavier).toBeLessThan(10);
  });
});
