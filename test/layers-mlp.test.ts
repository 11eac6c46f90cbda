import { beforeAll, describe, expect, it } from 'vitest';
import { dense, leakyRelu, relu, selu, tanh } from '../src/layers/specs.js';
import { Sequential } from '../src/layers/sequential.js';
import type { ActivationSpec } from '../src/nn/activations.js';
import type { FitOptions } from '../src/nn/fit.js';
import { Mlp } from '../src/nn/mlp.js';
import { adam, adamw, sgd } from '../src/optim/optimizers.js';
import { ready } from '../src/runtime/index.js';
import { firstBitDifference } from './layers-helpers.js';
import { blobs } from './nn-helpers.js';

// Mlp is one case of Sequential: dense layers alternating with an activation compute exactly what
// an Mlp computes, with the same kernels in the same order, so a seeded fit ends on the same bits.

const SIZES = [20, 16, 12, 4];

function activationLayer(spec: ActivationSpec) {
  if (spec === 'relu') return relu();
  if (spec === 'tanh') return tanh();
  if (spec === 'selu') return selu();
  return leakyRelu({ negativeSlope: (spec as { slope: number }).slope });
}

function sequentialLike(activation: ActivationSpec, seed: number): Sequential {
  const stack = SIZES.slice(1).flatMap((out, l) => {
    const layer = dense({ inFeatures: SIZES[l], outFeatures: out, init: 'xavierUniform', biasInit: 'zeros' });
    return l + 2 < SIZES.length ? [layer, activationLayer(activation)] : [layer];
  });
  return new Sequential(stack, { inputShape: [SIZES[0]], seed });
}

const cases: Array<{ name: string; activation: ActivationSpec; options: () => FitOptions; freezeMlp?: number[] }> = [
  { name: 'relu, Adam, validation split', activation: 'relu', options: () => ({ epochs: 3, batchSize: 16, optimizer: adam({ lr: 1e-2 }), validation: 0.25 }) },
  { name: 'tanh, SGD with Nesterov momentum and clipNorm', activation: 'tanh', options: () => ({ epochs: 3, batchSize: 10, optimizer: sgd({ lr: 0.05, momentum: 0.9, nesterov: true, clipNorm: 0.5 }) }) },
  { name: 'selu, AdamW, the first layer frozen', activation: 'selu', options: () => ({ epochs: 2, batchSize: 32, optimizer: adamw({ lr: 3e-3 }) }), freezeMlp: [0] },
  { name: 'leaky relu, the middle layer frozen', activation: { name: 'leakyRelu', slope: 0.1 }, options: () => ({ epochs: 2, batchSize: 7, optimizer: adam({ lr: 3e-3 }) }), freezeMlp: [1] },
];

describe('a Sequential of dense layers is an Mlp', () => {
  beforeAll(() => ready());

  it.each(cases)('$name: same starting weights, same history, same bits after the fit', async ({ activation, options, freezeMlp }) => {
    const seed = 31;
    const mlp = new Mlp({ layers: SIZES, activation, init: 'xavierUniform', seed });
    const model = sequentialLike(activation, seed);
    try {
      const weights = () => mlp.layers.flatMap((layer, l) => [[`${2 * l}.weight`, layer.weight.data], [`${2 * l}.bias`, layer.bias.data]] as const);
      const check = () => {
        const state = model.stateDict();
        for (const [name, data] of weights()) expect(firstBitDifference(state[name].data, data), name).toBe(-1);
      };
      check();
      const { x, y } = blobs(150, SIZES[0], SIZES[3], 4);
      const mlpOptions = { ...options(), ...(freezeMlp ? { freeze: freezeMlp } : {}) };
      const seqOptions = { ...options(), ...(freezeMlp ? { freeze: freezeMlp.map((l) => 2 * l) } : {}) };
      const mlpHistory = await mlp.fit(x, y, mlpOptions);
      const seqHistory = await model.fit(x, y, seqOptions);
      expect(seqHistory.loss).toEqual(mlpHistory.loss);
      expect(seqHistory.valLoss).toEqual(mlpHistory.valLoss);
      check();
      expect(Array.from(model.predict(x).data)).toEqual(Array.from(mlp.predict(x).data));
      expect(model.evaluate(x, y)).toEqual(mlp.evaluate(x, y));
    } finally {
      mlp.dispose();
      model.dispose();
    }
  });
});

describe("Sequential.fit numbers and stops as Mlp.fit", () => {
  beforeAll(() => ready());

  it('epochs and batches from 1, bestEpoch 1-based, and onEpoch returning false stops after that epoch', async () => {
    const model = sequentialLike('relu', 5);
    try {
      const { x, y } = blobs(40, SIZES[0], SIZES[3], 6);
      const epochs: number[] = [];
      const batches: string[] = [];
      const history = await model.fit(x, y, {
        epochs: 5,
        batchSize: 16,
        onBatch: (log) => void batches.push(`${log.epoch}.${log.batch}:${log.rows}`),
        onEpoch: (log) => {
          epochs.push(log.epoch);
          return log.epoch < 2;
        },
      });
      expect(epochs).toEqual([1, 2]);
      expect(batches).toEqual(['1.1:16', '1.2:16', '1.3:8', '2.1:16', '2.2:16', '2.3:8']);
      expect(history.epochs.map((log) => log.epoch)).toEqual([1, 2]);
      expect(history.stoppedEarly).toBe(true);

      // An lr of 100 makes the second epoch worse: patience 0 stops there, and the best is the first.
      const stopped = await model.fit(x, y, { epochs: 4, batchSize: 40, optimizer: sgd({ lr: 100 }), earlyStopping: { monitor: 'loss' } });
      expect(stopped.loss).toHaveLength(2);
      expect(stopped.loss[1]).toBeGreaterThan(stopped.loss[0]);
      expect(stopped.bestEpoch).toBe(1);
    } finally {
      model.dispose();
    }
  });
});
