import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError, ParamError, ShapeError } from '../src/errors.js';
import { lsuv } from '../src/nn/lsuv.js';
import { ACTIVATIONS } from '../src/nn/activations.js';
import { Mlp } from '../src/nn/mlp.js';
import { referenceForward } from './reference/nn.js';
import { ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';
import { blobs, f64 } from './nn-helpers.js';

beforeAll(() => ready());

const SIZES = [20, 33, 17, 17, 5];
const batch = blobs(120, SIZES[0], 5, 3).x;

/** Each layer's pre-activation variance over every row and unit, from the f64 reference forward pass. */
function layerVariances(mlp: Mlp, x: Tensor): number[] {
  const layers = mlp.layers;
  const net = {
    sizes: [...mlp.sizes],
    weights: layers.map((l) => f64(l.weight.data)),
    biases: layers.map((l) => f64(l.bias.data)),
    activation: mlp.activation,
    output: mlp.output,
  };
  return referenceForward(net, f64(x.data), x.shape[0]).pre.map((z) => {
    const mean = z.reduce((a, b) => a + b, 0) / z.length;
    return z.reduce((a, b) => a + (b - mean) ** 2, 0) / z.length;
  });
}

describe('lsuv', () => {
  it.each(ACTIVATIONS)('brings every layer to unit output variance with %s', (activation) => {
    const mlp = new Mlp({ layers: SIZES, activation, init: { name: 'normal', std: 0.01 }, biasInit: { name: 'normal', std: 0.1 }, seed: 1 });
    const tolerance = 0.05;
    const report = lsuv(mlp, batch, { tolerance, seed: 2 });
    expect(report.map((r) => r.layer)).toEqual([0, 1, 2, 3]);
    const variances = layerVariances(mlp, batch);
    for (const [l, variance] of variances.entries()) {
      expect(Math.abs(variance - 1)).toBeLessThan(tolerance);
      expect(report[l].converged).toBe(true);
      expect(report[l].variance).toBeCloseTo(variance, 4);
    }
    mlp.dispose();
  });

  it('starts from orthonormal weights: W·Wᵀ is a multiple of I for a layer with fewer outputs than inputs', () => {
    const mlp = new Mlp({ layers: SIZES, activation: 'relu', seed: 1 });
    lsuv(mlp, batch, { seed: 4 });
    const { data } = mlp.layers[0].weight; // [33, 20]: 20 orthogonal columns, so check WᵀW instead
    const [rows, cols] = [33, 20];
    const diagonal: number[] = [];
    for (let i = 0; i < cols; i++) {
      for (let j = 0; j < cols; j++) {
        let dot = 0;
        for (let r = 0; r < rows; r++) dot += data[r * cols + i] * data[r * cols + j];
        if (i === j) diagonal.push(dot);
        else expect(Math.abs(dot)).toBeLessThan(1e-4 * Math.abs(diagonal[0] ?? 1) + 1e-5);
      }
    }
    for (const d of diagonal) expect(d).toBeCloseTo(diagonal[0], 4);
    mlp.dispose();
  });

  it('with orthogonal: false only rescales the weights it was given', () => {
    const mlp = new Mlp({ layers: SIZES, activation: 'tanh', init: 'xavierNormal', seed: 5 });
    const before = mlp.layers.map((l) => l.weight.data);
    const report = lsuv(mlp, batch, { orthogonal: false });
    mlp.layers.forEach((layer, l) => {
      const ratio = layer.weight.data[0] / before[l][0];
      layer.weight.data.forEach((w, i) => expect(w).toBeCloseTo(before[l][i] * ratio, 5));
      expect(Math.abs(report[l].variance - 1)).toBeLessThan(0.1);
    });
    mlp.dispose();
  });

  it('is reproducible from its seed, and leaves biases alone', () => {
    const make = () => new Mlp({ layers: SIZES, activation: 'sigmoid', biasInit: { name: 'uniform', low: -0.1, high: 0.1 }, seed: 7 });
    const [a, b] = [make(), make()];
    const biases = a.layers.map((l) => l.bias.data);
    lsuv(a, batch, { seed: 9 });
    lsuv(b, batch, { seed: 9 });
    a.layers.forEach((layer, l) => {
      expect(layer.weight.data).toEqual(b.layers[l].weight.data);
      expect(layer.bias.data).toEqual(biases[l]);
    });
    a.dispose();
    b.dispose();
  });

  it('reports a layer that ran out of iterations as unconverged instead of looping', () => {
    // A large bias dominates the output variance, so rescaling the weight cannot reach 1 quickly.
    const mlp = new Mlp({ layers: [20, 8, 3], activation: 'relu', biasInit: { name: 'normal', std: 3 }, seed: 1 });
    const report = lsuv(mlp, batch, { maxIterations: 2, tolerance: 0.01, seed: 1 });
    expect(report[0].iterations).toBe(2);
    expect(report[0].converged).toBe(false);
    mlp.dispose();
  });

  describe('rejects bad input with typed errors', () => {
    let mlp: Mlp;
    beforeAll(() => {
      mlp = new Mlp({ layers: SIZES, activation: 'relu', seed: 1 });
    });
    afterAll(() => mlp.dispose());

    it('a batch of one row', () => {
      const one = { shape: [1, SIZES[0]], data: batch.data.slice(0, SIZES[0]) };
      expect(() => lsuv(mlp, one)).toThrow(ShapeError);
      expect(() => lsuv(mlp, one)).toThrow(/xBatch has 1 row.*at least 2/);
    });

    it('NaN in the batch', () => {
      const data = batch.data.slice();
      data[45] = NaN;
      const error = (() => {
        try {
          lsuv(mlp, { shape: batch.shape, data });
        } catch (e) {
          return e as DataError;
        }
      })();
      expect(error).toBeInstanceOf(DataError);
      expect(error?.code).toBe('E_DATA');
      expect(error?.message).toMatch(/xBatch\.data\[45\] is NaN/);
    });

    it('a batch of the wrong width', () => {
      expect(() => lsuv(mlp, blobs(10, 19, 2, 1).x)).toThrow(ShapeError);
      expect(() => lsuv(mlp, blobs(10, 19, 2, 1).x)).toThrow(/xBatch must be a 2-D Tensor of shape \[rows, 20\]/);
    });

    it('a layer whose output does not vary (all-zero batch, zero biases)', () => {
      const zeros = { shape: [10, SIZES[0]], data: new Float32Array(10 * SIZES[0]) };
      expect(() => lsuv(mlp, zeros)).toThrow(DataError);
      expect(() => lsuv(mlp, zeros)).toThrow(/layer 0's output variance on xBatch is 0/);
    });

    it('bad options', () => {
      expect(() => lsuv(mlp, batch, { tolerance: 0 })).toThrow(ParamError);
      expect(() => lsuv(mlp, batch, { tolerance: 0 })).toThrow(/tolerance must be a finite number > 0 and < 1, got 0/);
      expect(() => lsuv(mlp, batch, { maxIterations: 1.5 })).toThrow(/maxIterations must be a positive integer, got 1.5/);
      expect(() => lsuv(mlp, batch, { tol: 0.1 } as never)).toThrow(/unknown option "tol"/);
      expect(() => lsuv({} as Mlp, batch)).toThrow(ParamError);
    });

    it("'lsuv' as an Mlp init spec, which would need data", () => {
      expect(() => new Mlp({ layers: SIZES, init: 'lsuv' as never })).toThrow(/init cannot be 'lsuv'.*nninit\.init\.lsuv\(mlp, batch\)/);
    });
  });
});
