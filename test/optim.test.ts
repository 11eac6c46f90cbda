import { beforeAll, describe, expect, it } from 'vitest';
import { ParamError } from '../src/errors.js';
import { adam, adamw, cosineSchedule, sgd, stepSchedule, type Optimizer } from '../src/optim/index.js';
import { learningRate } from '../src/optim/optimizers.js';
import { OptimizerState, type ParamRange } from '../src/optim/state.js';
import { allocF32, ready } from '../src/runtime/index.js';

/**
 * Runs `steps` updates of `optimizer` on params p0 with the gradient sequence `grads` (one array
 * per step) and returns the parameters after each step.
 */
function run(optimizer: Optimizer, p0: number[], grads: number[][], ranges?: ParamRange[], lrs?: number[]): Float32Array[] {
  const n = p0.length;
  const params = allocF32(n);
  const g = allocF32(n);
  const state = new OptimizerState(optimizer, n);
  params.write(p0);
  const out: Float32Array[] = [];
  try {
    grads.forEach((step, t) => {
      g.write(step);
      state.step(params.ptr, g.ptr, ranges ?? [{ offset: 0, length: n }], lrs?.[t] ?? optimizer.lr);
      out.push(params.toArray());
    });
  } finally {
    state.free();
    g.free();
    params.free();
  }
  return out;
}

const f32 = Math.fround;

describe('optimizer steps against hand-computed values', () => {
  beforeAll(() => ready());

  it('plain SGD: p − lr·g', () => {
    const [p1] = run(sgd({ lr: 0.1 }), [1, -2, 0.5], [[0.5, -1, 2]]);
    expect(Array.from(p1)).toEqual([f32(0.95), f32(-1.9), f32(0.3)]);
  });

  it('SGD with momentum 0.9 under a constant gradient 1 moves 0.1, then 0.19', () => {
    const [p1, p2] = run(sgd({ lr: 0.1, momentum: 0.9 }), [0, 0, 0, 0, 0], [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]);
    expect(p1[4]).toBeCloseTo(-0.1, 7);
    expect(p2[0]).toBeCloseTo(-0.29, 6);
    expect(p2[4]).toBeCloseTo(-0.29, 6); // the scalar tail of the SIMD loop agrees
  });

  it('Nesterov steps g + momentum·v: 0.19, then 0.271', () => {
    const [p1, p2] = run(sgd({ lr: 0.1, momentum: 0.9, nesterov: true }), [0, 0, 0, 0, 0], [[1, 1, 1, 1, 1], [1, 1, 1, 1, 1]]);
    expect(p1[0]).toBeCloseTo(-0.19, 6);
    expect(p2[4]).toBeCloseTo(-0.461, 6);
  });

  it('SGD weight decay adds wd·p to the gradient', () => {
    const [p1] = run(sgd({ lr: 0.5, weightDecay: 0.1 }), [2], [[0]]);
    expect(p1[0]).toBeCloseTo(2 - 0.5 * 0.1 * 2, 6);
  });

  it("Adam's first step is lr·g/(|g| + ε) after bias correction", () => {
    const [p1] = run(adam({ lr: 0.1 }), [1, 1, 1, 1, 1], [[0.5, -0.25, 4, 1e-3, -8]]);
    for (let i = 0; i < 5; i++) expect(p1[i]).toBeCloseTo(1 - 0.1 * Math.sign([0.5, -0.25, 4, 1e-3, -8][i]), 5);
  });

  it('Adam and AdamW over five steps follow torch.optim formulas (f64 reference)', () => {
    const grads = [
      [0.3, -1.2, 0.05, 2, -0.7, 0.01],
      [0.1, -0.9, -0.4, 1.5, 0.2, 0.02],
      [-0.2, 0.3, 0.6, -1, 0.9, -0.03],
      [0.5, 0.5, -0.5, 0.5, -0.5, 0.04],
      [0, -0.1, 0.2, -0.3, 0.4, -0.05],
    ];
    const p0 = [0.5, -0.3, 1.2, -2, 0.1, 0.7];
    for (const kind of ['adam', 'adamw'] as const) {
      const o = (kind === 'adam' ? adam : adamw)({ lr: 0.01, beta1: 0.8, beta2: 0.95, eps: 1e-6, weightDecay: 0.1 });
      const got = run(o, p0, grads);
      const p = p0.slice();
      const m = p.map(() => 0);
      const v = p.map(() => 0);
      grads.forEach((g, t) => {
        for (let i = 0; i < p.length; i++) {
          if (kind === 'adamw') p[i] *= 1 - o.lr * o.weightDecay;
          const gi = kind === 'adam' ? g[i] + o.weightDecay * p[i] : g[i];
          m[i] = o.beta1 * m[i] + (1 - o.beta1) * gi;
          v[i] = o.beta2 * v[i] + (1 - o.beta2) * gi * gi;
          const mHat = m[i] / (1 - o.beta1 ** (t + 1));
          const vHat = v[i] / (1 - o.beta2 ** (t + 1));
          p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + o.eps);
        }
        for (let i = 0; i < p.length; i++) expect(got[t][i], `${kind} step ${t + 1} [${i}]`).toBeCloseTo(p[i], 6);
      });
    }
  });

  it('AdamW decays weights even with a zero gradient; Adam with decay 0 does not move them', () => {
    const [decayed] = run(adamw({ lr: 0.1, weightDecay: 0.5 }), [2], [[0]]);
    expect(decayed[0]).toBeCloseTo(2 * (1 - 0.05), 6);
    const [still] = run(adam({ lr: 0.1 }), [2], [[0]]);
    expect(still[0]).toBe(2);
  });

  it('clipNorm rescales the whole gradient to the given global norm', () => {
    const [p1] = run(sgd({ lr: 1, clipNorm: 1 }), [0, 0], [[3, 4]]);
    expect(p1[0]).toBeCloseTo(-0.6, 6);
    expect(p1[1]).toBeCloseTo(-0.8, 6);
    const [small] = run(sgd({ lr: 1, clipNorm: 10 }), [0, 0], [[3, 4]]);
    expect(Array.from(small)).toEqual([-3, -4]); // under the limit: untouched
  });

  it('clipValue clamps each element', () => {
    const [p1] = run(sgd({ lr: 1, clipValue: 0.5 }), [0, 0, 0, 0, 0], [[3, -4, 0.2, -0.1, 9]]);
    expect(Array.from(p1)).toEqual([-0.5, 0.5, f32(-0.2), f32(0.1), -0.5]);
  });

  it('only the given ranges move; the rest stay bit-identical', () => {
    const p0 = [1.1, 2.2, 3.3, 4.4, 5.5, 6.6, 7.7];
    const [p1] = run(adam({ lr: 0.1 }), p0, [[1, 1, 1, 1, 1, 1, 1]], [{ offset: 1, length: 2 }, { offset: 5, length: 1 }]);
    expect([p1[0], p1[3], p1[4], p1[6]]).toEqual([f32(1.1), f32(4.4), f32(5.5), f32(7.7)]);
    expect(p1[1]).toBeCloseTo(2.1, 5);
    expect(p1[5]).toBeCloseTo(6.5, 5);
  });

  it('uses the learning rate it is given for each step', () => {
    const [p1, p2] = run(sgd({ lr: 1 }), [0], [[1], [1]], undefined, [0.5, 0.25]);
    expect(p1[0]).toBe(-0.5);
    expect(p2[0]).toBe(-0.75);
  });
});

describe('learning-rate schedules', () => {
  it('step: lr · gamma^⌊(epoch − 1)/stepSize⌋ over 1-based epochs', () => {
    const o = sgd({ lr: 0.8, schedule: stepSchedule({ stepSize: 2, gamma: 0.5 }) });
    expect([1, 2, 3, 4, 5].map((e) => learningRate(o, e))).toEqual([0.8, 0.8, 0.4, 0.4, 0.2]);
  });

  it('cosine: from lr down to minLr over `epochs`, then held', () => {
    const o = adam({ lr: 1, schedule: cosineSchedule({ epochs: 4, minLr: 0.1 }) });
    const rates = [1, 3, 5, 7].map((e) => learningRate(o, e));
    expect(rates[0]).toBe(1);
    expect(rates[1]).toBeCloseTo(0.55, 12);
    expect(rates[2]).toBeCloseTo(0.1, 12);
    expect(rates[3]).toBeCloseTo(0.1, 12);
  });

  it('constant without a schedule', () => {
    expect(learningRate(adam({ lr: 3e-4 }), 99)).toBe(3e-4);
  });
});

describe('optimizer options are checked', () => {
  it.each([
    [() => sgd({ lr: -1 }), /lr must be a finite number > 0, got -1/],
    [() => sgd({ lr: NaN }), /lr .* got NaN/],
    [() => sgd({ lr: 0.1, nesterov: true }), /nesterov needs momentum > 0/],
    [() => sgd({ lr: 0.1, momentum: 1 }), /momentum must be .* < 1, got 1/],
    [() => adam({ lr: 0.1, beta2: 1.5 }), /beta2 .* got 1.5/],
    [() => adam({ lr: 0.1, lrate: 2 } as never), /unknown option "lrate"/],
    [() => adamw({ lr: 0.1, clipNorm: 0 }), /clipNorm must be a finite number > 0, got 0/],
    [() => stepSchedule({ stepSize: 0 }), /stepSize must be a positive integer, got 0/],
    [() => adam({ lr: 0.1, schedule: (() => 1) as never }), /schedule must come from/],
  ])('%#: rejects with E_PARAM naming the value', (make, message) => {
    expect(make).toThrowError(ParamError);
    expect(make).toThrowError(message);
  });
});
