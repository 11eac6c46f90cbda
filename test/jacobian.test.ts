import { beforeAll, describe, expect, it } from 'vitest';
import { diagnose } from '../src/diagnose/index.js';
import { gramMatrix, inputJacobians, symmetricEigenvalues } from '../src/diagnose/jacobian.js';
import { NninitError } from '../src/errors.js';
import type { ActivationName } from '../src/nn/activations.js';
import { Mlp } from '../src/nn/mlp.js';
import { Rng } from '../src/random.js';
import { ready } from '../src/runtime/index.js';
import { randomTensor } from './nn-helpers.js';

/*
 * The input–output Jacobian of diagnose: each J against central finite differences of an f64
 * forward pass written here, the singular values against closed forms and invariants of JJᵀ
 * formed here, the eigenvalue routine against matrices of known spectrum, and orthogonal
 * linear networks, whose Jacobian is exactly an isometry times gain^depth.
 */

beforeAll(() => ready());

const SELU_ALPHA = 1.6732632423543772;
const SELU_SCALE = 1.0507009873554805;
const activations: Record<ActivationName, (z: number) => number> = {
  relu: (z) => Math.max(z, 0),
  sigmoid: (z) => 1 / (1 + Math.exp(-z)),
  tanh: Math.tanh,
  leakyRelu: (z) => (z > 0 ? z : 0.01 * z),
  selu: (z) => (z > 0 ? SELU_SCALE * z : SELU_SCALE * SELU_ALPHA * Math.expm1(z)),
  linear: (z) => z,
};

/** The logits of one input, in f64, from the model's weights. */
function logitsOf(mlp: Mlp, input: Float64Array): Float64Array {
  const f = activations[mlp.activation.name];
  let h = input;
  mlp.layers.forEach(({ weight, bias }, l) => {
    const [nOut, nIn] = weight.shape;
    const z = new Float64Array(nOut);
    for (let o = 0; o < nOut; o++) {
      let s = bias.data[o];
      for (let i = 0; i < nIn; i++) s += weight.data[o * nIn + i] * h[i];
      z[o] = l < mlp.layers.length - 1 ? f(s) : s;
    }
    h = z;
  });
  return h;
}

/** ∂logits/∂x [outputs][inputs] by central differences with step 1e-6. */
function finiteDifferenceJacobian(mlp: Mlp, input: Float64Array): number[][] {
  const nIn = mlp.sizes[0];
  const nOut = mlp.sizes[mlp.sizes.length - 1];
  const j = Array.from({ length: nOut }, () => new Array<number>(nIn).fill(0));
  const h = 1e-6;
  for (let i = 0; i < nIn; i++) {
    const plus = Float64Array.from(input);
    const minus = Float64Array.from(input);
    plus[i] += h;
    minus[i] -= h;
    const up = logitsOf(mlp, plus);
    const down = logitsOf(mlp, minus);
    for (let o = 0; o < nOut; o++) j[o][i] = (up[o] - down[o]) / (2 * h);
  }
  return j;
}

function rowOf(x: { data: Float32Array }, r: number, width: number): Float64Array {
  return Float64Array.from(x.data.subarray(r * width, (r + 1) * width));
}

/** J·Jᵀ of a dense [rows][cols] matrix, in f64. */
function gram(j: number[][]): number[][] {
  return j.map((a) => j.map((b) => a.reduce((s, v, k) => s + v * b[k], 0)));
}

describe('the Jacobian against finite differences', () => {
  const cases: Array<[number[], ActivationName]> = [
    [[5, 4, 3, 2], 'tanh'], // fewer outputs: built from the output side
    [[2, 4, 3, 5], 'sigmoid'], // more outputs: built from the input side (Jᵀ)
    [[4, 6, 4], 'relu'],
    [[3, 7, 7, 3], 'selu'],
    [[6, 5, 3], 'leakyRelu'],
    [[4, 3], 'linear'], // no hidden layer: J is the weight
  ];

  it.each(cases)('%j %s, three inputs, to 1e-5 of the largest entry', (layers, activation) => {
    const mlp = new Mlp({ layers, activation, init: 'xavierNormal', biasInit: { name: 'normal', std: 0.3 }, seed: 7 });
    const x = randomTensor([3, layers[0]], 8);
    const { rows, cols, transposed, matrices } = inputJacobians(mlp, x, 3);
    const nIn = layers[0];
    const nOut = layers[layers.length - 1];
    expect(transposed).toBe(nIn < nOut);
    expect([rows, cols]).toEqual([Math.min(nIn, nOut), Math.max(nIn, nOut)]);
    expect(matrices.length).toBe(3);
    matrices.forEach((matrix, r) => {
      const expected = finiteDifferenceJacobian(mlp, rowOf(x, r, nIn));
      const scale = Math.max(...expected.flat().map(Math.abs));
      for (let o = 0; o < nOut; o++) {
        for (let i = 0; i < nIn; i++) {
          const got = transposed ? matrix[i * nOut + o] : matrix[o * nIn + i];
          expect(Math.abs(got - expected[o][i])).toBeLessThan(1e-5 * scale);
        }
      }
    });
    mlp.dispose();
  });

  it('inputs split into groups give the same Jacobians as one input at a time', () => {
    const mlp = new Mlp({ layers: [300, 120, 120, 20], activation: 'tanh', init: 'xavierNormal', seed: 3 });
    const x = randomTensor([5, 300], 4);
    const all = inputJacobians(mlp, x, 5, 2 * 20 * 300).matrices; // groups of 2, 2 and 1
    for (let r = 0; r < 5; r++) {
      const one = inputJacobians(mlp, { shape: [1, 300], data: x.data.slice(r * 300, (r + 1) * 300) }, 1).matrices[0];
      let worst = 0;
      for (let k = 0; k < one.length; k++) worst = Math.max(worst, Math.abs(one[k] - all[r][k]));
      expect(worst).toBeLessThan(1e-6);
    }
    mlp.dispose();
  });
});

describe('singular values', () => {
  it('two outputs: the closed form of the 2×2 JJᵀ from the finite-difference Jacobian', () => {
    const mlp = new Mlp({ layers: [6, 8, 8, 2], activation: 'tanh', init: 'xavierNormal', seed: 11 });
    const x = randomTensor([1, 6], 12);
    const report = diagnose(mlp, x, undefined, { jacobian: true }).jacobian!;
    const [[a, b], [, c]] = gram(finiteDifferenceJacobian(mlp, rowOf(x, 0, 6)));
    const mid = (a + c) / 2;
    const radius = Math.sqrt(((a - c) / 2) ** 2 + b * b);
    const expected = [Math.sqrt(mid + radius), Math.sqrt(mid - radius)];
    expect(report.inputs).toBe(1);
    report.singularValues.forEach((s, k) => expect(Math.abs(s - expected[k])).toBeLessThan(1e-5 * expected[0]));
    expect(Math.abs(report.meanSquared - (a + c) / 2)).toBeLessThan(1e-5 * a);
    expect(report.max).toBe(report.singularValues[0]);
    mlp.dispose();
  });

  it('three outputs: Σσ², Σσ⁴ and Πσ² are the trace, squared norm and determinant of JJᵀ', () => {
    const mlp = new Mlp({ layers: [7, 9, 3], activation: 'sigmoid', init: 'xavierNormal', seed: 2 });
    const x = randomTensor([1, 7], 5);
    const s2 = diagnose(mlp, x, undefined, { jacobian: true }).jacobian!.singularValues.map((s) => s * s);
    const g = gram(finiteDifferenceJacobian(mlp, rowOf(x, 0, 7)));
    const trace = g[0][0] + g[1][1] + g[2][2];
    const norm2 = g.flat().reduce((s, v) => s + v * v, 0);
    const det =
      g[0][0] * (g[1][1] * g[2][2] - g[1][2] * g[2][1]) - g[0][1] * (g[1][0] * g[2][2] - g[1][2] * g[2][0]) + g[0][2] * (g[1][0] * g[2][1] - g[1][1] * g[2][0]);
    expect(Math.abs(s2[0] + s2[1] + s2[2] - trace)).toBeLessThan(1e-5 * trace);
    expect(Math.abs(s2[0] ** 2 + s2[1] ** 2 + s2[2] ** 2 - norm2)).toBeLessThan(1e-5 * norm2);
    expect(Math.abs(s2[0] * s2[1] * s2[2] - det)).toBeLessThan(1e-4 * det);
    expect(s2[0]).toBeGreaterThanOrEqual(s2[1]);
    expect(s2[1]).toBeGreaterThanOrEqual(s2[2]);
    mlp.dispose();
  });

  it("averages the k-th singular value over the inputs, and max is the largest of any input's", () => {
    const mlp = new Mlp({ layers: [10, 16, 16, 4], activation: 'relu', init: 'heNormal', seed: 5 });
    const x = randomTensor([6, 10], 6);
    const report = diagnose(mlp, x, undefined, { jacobian: true, jacobianInputs: 4 }).jacobian!;
    const each = [0, 1, 2, 3].map((r) => diagnose(mlp, { shape: [1, 10], data: x.data.slice(r * 10, (r + 1) * 10) }, undefined, { jacobian: true }).jacobian!);
    expect(report.inputs).toBe(4);
    report.singularValues.forEach((s, k) => expect(s).toBeCloseTo(each.reduce((sum, e) => sum + e.singularValues[k], 0) / 4, 6));
    expect(report.meanSquared).toBeCloseTo(each.reduce((sum, e) => sum + e.meanSquared, 0) / 4, 6);
    expect(report.max).toBeCloseTo(Math.max(...each.map((e) => e.max)), 6);
    mlp.dispose();
  });

  it('an orthogonal linear network is an isometry times gain^depth, from either side', () => {
    for (const [layers, gain] of [
      [[16, 16, 16, 16, 16], 1],
      [[16, 16, 16, 16, 16], 1.1],
      [[32, 16, 16, 8], 1], // rows orthonormal: J has 8 unit singular values
      [[8, 16, 16, 32], 0.9], // columns orthonormal: built from the input side
    ] as const) {
      const mlp = new Mlp({ layers, activation: 'linear', output: 'linear', init: { name: 'orthogonal', gain }, seed: 9 });
      const depth = layers.length - 1;
      const report = diagnose(mlp, randomTensor([3, layers[0]], 1), undefined, { jacobian: true }).jacobian!;
      expect(report.singularValues.length).toBe(Math.min(layers[0], layers[depth]));
      for (const s of report.singularValues) expect(Math.abs(s - gain ** depth)).toBeLessThan(1e-5);
      expect(Math.abs(report.meanSquared - gain ** (2 * depth))).toBeLessThan(1e-5);
      expect(Math.abs(report.max - gain ** depth)).toBeLessThan(1e-5);
      mlp.dispose();
    }
  });

  it('a deep Gaussian linear network keeps mean σ² near 1 but spreads its singular values (Saxe et al.)', () => {
    const layers = new Array(17).fill(64);
    const gaussian = new Mlp({ layers, activation: 'linear', output: 'linear', init: { name: 'normal', std: 1 / 8 }, seed: 4 });
    const orthogonal = new Mlp({ layers, activation: 'linear', output: 'linear', init: 'orthogonal', seed: 4 });
    const x = randomTensor([2, 64], 3);
    const g = diagnose(gaussian, x, undefined, { jacobian: true }).jacobian!;
    const o = diagnose(orthogonal, x, undefined, { jacobian: true }).jacobian!;
    expect(g.meanSquared).toBeGreaterThan(0.3);
    expect(g.meanSquared).toBeLessThan(3);
    expect(g.max).toBeGreaterThan(3);
    expect(g.singularValues[63]).toBeLessThan(0.01);
    expect(o.max - o.singularValues[63]).toBeLessThan(1e-4);
    gaussian.dispose();
    orthogonal.dispose();
  });
});

describe('the symmetric eigenvalue routine', () => {
  /** Q·diag(λ)·Qᵀ for Q a product of three random Householder reflections, in f64. */
  function withSpectrum(lambda: number[], seed: number): Float64Array {
    const n = lambda.length;
    const rng = new Rng(seed);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) a[i * n + i] = lambda[i];
    for (let reflection = 0; reflection < 3; reflection++) {
      const v = Array.from({ length: n }, () => rng.normal());
      const vv = v.reduce((s, x) => s + x * x, 0);
      // A ← H·A·H with H = I − 2vvᵀ/vᵀv.
      for (let pass = 0; pass < 2; pass++) {
        for (let col = 0; col < n; col++) {
          let dot = 0;
          for (let i = 0; i < n; i++) dot += v[i] * a[i * n + col];
          for (let i = 0; i < n; i++) a[i * n + col] -= (2 * v[i] * dot) / vv;
        }
        for (let i = 0; i < n; i++) for (let j = 0; j < i; j++) [a[i * n + j], a[j * n + i]] = [a[j * n + i], a[i * n + j]];
      }
    }
    return a;
  }

  const sorted = (values: number[]) => values.slice().sort((x, y) => y - x);

  it.each([
    [[3]],
    [[2, -1]],
    [[5, 5, 1]],
    [Array.from({ length: 40 }, (_, i) => (i % 7 === 0 ? 0 : Math.cos(i) * 10 ** (i % 5)))],
    [Array.from({ length: 100 }, (_, i) => (i < 50 ? 1 : 1e-8 * i))],
  ])('a matrix of known spectrum %#', (lambda) => {
    const got = sorted(symmetricEigenvalues(withSpectrum(lambda, lambda.length), lambda.length));
    const scale = Math.max(...lambda.map(Math.abs));
    sorted(lambda).forEach((l, k) => expect(Math.abs(got[k] - l)).toBeLessThan(1e-12 * scale * lambda.length));
  });

  it('the 1-D Laplacian tridiagonal, 2 − 2cos(kπ/(n+1)), from its lower triangle alone', () => {
    const n = 60;
    const a = new Float64Array(n * n).fill(NaN); // the upper triangle is never read
    for (let i = 0; i < n; i++) {
      a[i * n + i] = 2;
      if (i > 0) a[i * n + i - 1] = -1;
      for (let j = i - 2; j >= 0; j--) a[i * n + j] = 0;
    }
    const got = sorted(symmetricEigenvalues(a, n));
    const expected = sorted(Array.from({ length: n }, (_, k) => 2 - 2 * Math.cos(((k + 1) * Math.PI) / (n + 1))));
    expected.forEach((l, k) => expect(Math.abs(got[k] - l)).toBeLessThan(1e-13));
  });

  it('gramMatrix is M·Mᵀ in f64', () => {
    const m = Float32Array.from({ length: 3 * 5 }, (_, i) => Math.sin(i + 1));
    const g = gramMatrix(m, 3, 5);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 5; k++) s += m[i * 5 + k] * m[j * 5 + k];
        expect(g[i * 3 + j]).toBeCloseTo(s, 14);
      }
    }
  });
});

describe('diagnose({ jacobian })', () => {
  const mlp = () => new Mlp({ layers: [6, 8, 3], activation: 'tanh', seed: 1 });
  const x = randomTensor([12, 6], 2);

  it('is off by default, runs without labels, takes 8 rows by default (or all when fewer) and adds a line to the table', () => {
    const model = mlp();
    expect(diagnose(model, x).jacobian).toBeNull();
    const report = diagnose(model, x, undefined, { jacobian: true });
    expect(report.loss).toBeNull();
    expect(report.jacobian!.inputs).toBe(8);
    expect(report.jacobian!.singularValues.length).toBe(3);
    expect(String(report)).toMatch(/Jacobian ∂logits\/∂x over 8 inputs: 3 singular values \d\.\d{4} … \d\.\d{4} \(averaged\), max \d\.\d{4}, mean σ² \d\.\d{4}/);
    const withLabels = diagnose(model, x, Array.from({ length: 12 }, (_, i) => i % 3), { jacobian: true, jacobianInputs: 12 });
    expect(withLabels.loss).not.toBeNull();
    expect(withLabels.jacobian!.inputs).toBe(12);
    expect(diagnose(model, { shape: [5, 6], data: x.data.slice(0, 30) }, undefined, { jacobian: true }).jacobian!.inputs).toBe(5);
    model.dispose();
  });

  it('bad options are E_PARAM naming the option', () => {
    const model = mlp();
    const bad: Array<[unknown, RegExp]> = [
      [{ jacobian: 'yes' }, /diagnose: jacobian must be true or false, got "yes"/],
      [{ jacobian: true, jacobianInputs: 0 }, /jacobianInputs must be a positive integer, got 0/],
      [{ jacobian: true, jacobianInputs: 2.5 }, /jacobianInputs must be a positive integer, got 2.5/],
      [{ jacobian: true, jacobianInputs: 13 }, /jacobianInputs must be at most the 12 rows of x, got 13/],
      [{ jacobianInputs: 4 }, /jacobianInputs \(4\) needs jacobian: true/],
      [{ jacobians: true }, /unknown option "jacobians"/],
      [[true], /options must be an object/],
    ];
    for (const [options, pattern] of bad) {
      let caught: unknown;
      try {
        diagnose(model, x, undefined, options as never);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(NninitError);
      expect((caught as NninitError).code).toBe('E_PARAM');
      expect((caught as Error).message).toMatch(pattern);
    }
    model.dispose();
  });

  it('a Jacobian past f32 range is E_DATA, not NaN singular values', () => {
    const model = new Mlp({ layers: [4, 4, 4, 4], activation: 'linear', init: 'zeros', seed: 1 });
    for (let l = 0; l < 3; l++) model.setLayer(l, { weight: { shape: [4, 4], data: new Float32Array(16).fill(1e14) } });
    expect(() => diagnose(model, randomTensor([2, 4], 1), undefined, { jacobian: true })).toThrow(/Jacobian at row 0 of x is not finite/);
    model.dispose();
  });
});
