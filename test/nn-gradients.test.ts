import { beforeAll, describe, expect, it } from 'vitest';
import { ready } from '../src/runtime/index.js';
import { ACTIVATIONS, OUTPUTS, resolveActivation, type ActivationSpec, type OutputName } from '../src/nn/activations.js';
import { Mlp, gradientsOf } from '../src/nn/mlp.js';
import { referenceGradients, referenceNetLoss, type ReferenceNet } from './reference/nn.js';
import { encodeTargets } from '../src/nn/targets.js';
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';
import { f64, maxAbs, maxAbsDiff, randomTensor } from './nn-helpers.js';

// Three dense layers, so that a gradient passes through two hidden activations; 7 rows and odd
// widths exercise the kernels' SIMD tails.
const SIZES = [6, 5, 7, 3];
const ROWS = 7;
const ACTIVATION_SPECS: ActivationSpec[] = [...ACTIVATIONS, { name: 'leakyRelu', slope: 0.2 }];

/** Targets each loss accepts: class ids for softmax, 0/1 and fractions for sigmoid, reals for linear. */
function targetsFor(output: OutputName, seed: number): Int32Array | Tensor {
  const rng = new Rng(seed);
  const outputs = SIZES[SIZES.length - 1];
  if (output === 'softmax') return Int32Array.from({ length: ROWS }, () => rng.int(outputs));
  if (output === 'sigmoid') {
    return { shape: [ROWS, outputs], data: Float32Array.from({ length: ROWS * outputs }, (_, i) => (i % 4 === 0 ? 0.3 : rng.int(2))) };
  }
  return randomTensor([ROWS, outputs], seed);
}

function referenceNetOf(mlp: Mlp): ReferenceNet {
  const layers = mlp.layers;
  return {
    sizes: [...mlp.sizes],
    weights: layers.map((l) => f64(l.weight.data)),
    biases: layers.map((l) => f64(l.bias.data)),
    activation: mlp.activation,
    output: mlp.output,
  };
}

function randomReferenceNet(activation: ActivationSpec, output: OutputName, seed: number): ReferenceNet {
  const rng = new Rng(seed);
  const draw = (n: number, std: number) => Float64Array.from({ length: n }, () => std * rng.normal());
  return {
    sizes: SIZES,
    weights: SIZES.slice(1).map((nOut, l) => draw(nOut * SIZES[l], 1 / Math.sqrt(SIZES[l]))),
    biases: SIZES.slice(1).map((nOut) => draw(nOut, 0.3)),
    activation: resolveActivation(activation),
    output,
  };
}

const label = (a: ActivationSpec) => (typeof a === 'string' ? a : `${a.name}(${a.slope})`);
const cases = ACTIVATION_SPECS.flatMap((activation) => OUTPUTS.map((output) => ({ activation, output, name: label(activation) })));

describe('f64 reference backprop matches central finite differences', () => {
  it.each(cases)('$output output, $name hidden', ({ activation, output }) => {
    const net = randomReferenceNet(activation, output, 11);
    const x = f64(randomTensor([ROWS, SIZES[0]], 12).data);
    const targets = f64(encodeTargets(targetsFor(output, 13), ROWS, SIZES[SIZES.length - 1], output));
    const analytic = referenceGradients(net, x, targets, ROWS);
    const h = 1e-6;
    let worst = 0;
    const groups: Array<[Float64Array[], Float64Array[]]> = [
      [net.weights, analytic.weights],
      [net.biases, analytic.biases],
    ];
    for (const [params, grads] of groups) {
      params.forEach((p, l) => {
        for (let i = 0; i < p.length; i++) {
          const held = p[i];
          p[i] = held + h;
          const up = referenceNetLoss(net, x, targets, ROWS);
          p[i] = held - h;
          const down = referenceNetLoss(net, x, targets, ROWS);
          p[i] = held;
          const numeric = (up - down) / (2 * h);
          worst = Math.max(worst, Math.abs(numeric - grads[l][i]) / Math.max(1e-3, Math.abs(numeric)));
        }
      });
    }
    expect(worst, label(activation)).toBeLessThan(1e-5);
  });
});

describe('wasm backprop matches the f64 reference', () => {
  beforeAll(() => ready());

  it.each(cases)('$output output, $name hidden', ({ activation, output }) => {
    const mlp = new Mlp({
      layers: SIZES,
      activation,
      output,
      init: { name: 'normal', std: 0.5 },
      biasInit: { name: 'normal', std: 0.3 },
      seed: 21,
    });
    const x = randomTensor([ROWS, SIZES[0]], 22);
    const y = targetsFor(output, 23);
    const wasm = gradientsOf(mlp, x, y);
    const targets = f64(encodeTargets(y, ROWS, SIZES[SIZES.length - 1], output));
    const reference = referenceGradients(referenceNetOf(mlp), f64(x.data), targets, ROWS);
    expect(wasm.loss).toBeCloseTo(reference.loss, 5);
    for (let l = 0; l < SIZES.length - 1; l++) {
      for (const [name, got, want] of [
        ['weight', wasm.weights[l], reference.weights[l]],
        ['bias', wasm.biases[l], reference.biases[l]],
      ] as const) {
        // f32 sums and the kernels' activation approximations (~1e-7) bound the agreement.
        expect(maxAbsDiff(got, want), `${label(activation)} layer ${l} ${name}`).toBeLessThan(2e-5 * maxAbs(want) + 1e-7);
        expect(maxAbs(want), `${label(activation)} layer ${l} ${name} gradient is not trivially zero`).toBeGreaterThan(1e-4);
      }
    }
    mlp.dispose();
  });

  it('batch rows beyond the first SIMD block and wide layers agree too', () => {
    const sizes = [37, 33, 19];
    const rows = 45;
    const mlp = new Mlp({ layers: sizes, activation: 'tanh', init: 'xavierNormal', biasInit: { name: 'uniform', low: -0.1, high: 0.1 }, seed: 5 });
    const x = randomTensor([rows, sizes[0]], 6);
    const rng = new Rng(7);
    const y = Int32Array.from({ length: rows }, () => rng.int(sizes[2]));
    const wasm = gradientsOf(mlp, x, y);
    const reference = referenceGradients(referenceNetOf(mlp), f64(x.data), f64(encodeTargets(y, rows, 19, 'softmax')), rows);
    for (let l = 0; l < 2; l++) {
      expect(maxAbsDiff(wasm.weights[l], reference.weights[l])).toBeLessThan(2e-5 * maxAbs(reference.weights[l]));
      expect(maxAbsDiff(wasm.biases[l], reference.biases[l])).toBeLessThan(2e-5 * maxAbs(reference.biases[l]));
    }
    mlp.dispose();
  });
});
