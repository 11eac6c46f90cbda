import { describe, expect, it } from 'vitest';
import { init, Mlp, NninitError } from '../src/index.js';
import { bivariateExpectation, criticalPoint, gaussianExpectation, meanField, type MeanFieldActivation } from '../src/init/mean-field.js';

/*
 * The mean-field tools against an independent computation: composite Simpson rules on uniform
 * grids (the implementation uses adaptive Gauss–Kronrod with cut points), bisection (it uses
 * Brent's method), and closed forms for ReLU and linear.
 */

/** ReLU's derivative with the mean of its one-sided values at 0, where a Simpson node sits: exact there. */
const step = (u: number) => (u > 0 ? 1 : u === 0 ? 0.5 : 0);
const density = (z: number) => Math.exp(-0.5 * z * z) / Math.sqrt(2 * Math.PI);

/** Simpson weights on `intervals` (even) equal steps over [−limit, limit]: nodes and weights × density. */
function simpsonGrid(limit: number, intervals: number): { z: Float64Array; w: Float64Array } {
  const h = (2 * limit) / intervals;
  const z = new Float64Array(intervals + 1);
  const w = new Float64Array(intervals + 1);
  for (let i = 0; i <= intervals; i++) {
    z[i] = -limit + i * h;
    w[i] = ((i === 0 || i === intervals ? 1 : i % 2 === 1 ? 4 : 2) * h * density(z[i])) / 3;
  }
  return { z, w };
}

// 1-D: steps of 0.0005 over [−12, 12]; z = 0 is a node between two Simpson panels (ReLU's kink).
const fine = simpsonGrid(12, 48_000);
// 2-D: a product grid with steps of 0.02 over [−10, 10]².
const coarse = simpsonGrid(10, 1000);

/** ∫Dz g(√q z) by Simpson. */
function simpson(g: (u: number) => number, q: number): number {
  const r = Math.sqrt(q);
  let sum = 0;
  for (let i = 0; i < fine.z.length; i++) sum += fine.w[i] * g(r * fine.z[i]);
  return sum;
}

/** ∫Dz₁Dz₂ g(u₁)g(u₂), u₁ = √q z₁, u₂ = √q (c z₁ + √(1−c²) z₂), by Simpson on the product grid. */
function simpson2(g: (u: number) => number, q: number, c: number): number {
  const { z, w } = coarse;
  const r = Math.sqrt(q);
  const s = Math.sqrt(1 - c * c);
  let sum = 0;
  for (let i = 0; i < z.length; i++) {
    let inner = 0;
    for (let j = 0; j < z.length; j++) inner += w[j] * g(r * (c * z[i] + s * z[j]));
    sum += w[i] * g(r * z[i]) * inner;
  }
  return sum;
}

/** A root of f in [a, b] (f(a) and f(b) of opposite signs) by bisection. */
function bisect(f: (x: number) => number, a: number, b: number, iterations = 60): number {
  let fa = f(a);
  for (let i = 0; i < iterations; i++) {
    const mid = 0.5 * (a + b);
    const fm = f(mid);
    if (Math.sign(fm) === Math.sign(fa)) {
      a = mid;
      fa = fm;
    } else b = mid;
  }
  return 0.5 * (a + b);
}

const phis: Record<'tanh' | 'sigmoid', { f: (u: number) => number; d: (u: number) => number }> = {
  tanh: { f: Math.tanh, d: (u) => 1 / Math.cosh(u) ** 2 },
  sigmoid: { f: (u) => 1 / (1 + Math.exp(-u)), d: (u) => Math.exp(-u) / (1 + Math.exp(-u)) ** 2 },
};

/** q* and χ₁ by Simpson and bisection on [σ_b², σ_w² + σ_b²] (φ² ≤ 1 for tanh and sigmoid). */
function reference(activation: 'tanh' | 'sigmoid', sigmaW: number, sigmaB: number, iterations = 40): { qStar: number; chi1: number } {
  const { f, d } = phis[activation];
  const w2 = sigmaW ** 2;
  const b2 = sigmaB ** 2;
  const qStar = bisect((q) => w2 * simpson((u) => f(u) ** 2, q) + b2 - q, Math.max(b2, 1e-3), w2 + b2, iterations);
  return { qStar, chi1: w2 * simpson((u) => d(u) ** 2, qStar) };
}

describe('Gaussian quadrature against closed forms', () => {
  const relu = (u: number) => Math.max(u, 0);

  it('one-dimensional: ReLU, its square, a polynomial and an exponential', () => {
    for (const s of [0.1, 1, 3, 40]) {
      expect(gaussianExpectation(relu, 0, s)).toBeCloseTo(s / Math.sqrt(2 * Math.PI), 12);
      expect(gaussianExpectation((u) => relu(u) ** 2, 0, s) / s ** 2).toBeCloseTo(0.5, 12);
      expect(gaussianExpectation(step, 0, s)).toBeCloseTo(0.5, 12);
    }
    // E[u²] = m² + s², E[eᵘ] = e^(m + s²/2) for u ~ N(m, s²).
    for (const [m, s] of [
      [0.7, 0.3],
      [-2, 1.5],
      [5, 0.01],
    ]) {
      expect(gaussianExpectation((u) => u * u, m, s)).toBeCloseTo(m * m + s * s, 11);
      expect(gaussianExpectation(Math.exp, m, s) / Math.exp(m + (s * s) / 2)).toBeCloseTo(1, 11);
    }
    expect(gaussianExpectation(Math.tanh, 0.4, 0)).toBe(Math.tanh(0.4));
  });

  it('two-dimensional: the arc-cosine kernels of ReLU and its derivative (Cho & Saul 2009)', () => {
    for (const q of [0.5, 2]) {
      for (const c of [-0.9, -0.3, 0, 0.4, 0.8, 0.99, 1]) {
        const theta = Math.acos(c);
        const kernel = (q / (2 * Math.PI)) * (Math.sqrt(1 - c * c) + (Math.PI - theta) * c);
        expect(Math.abs(bivariateExpectation(relu, relu, q, c) - kernel)).toBeLessThan(1e-11);
        expect(Math.abs(bivariateExpectation(step, step, q, c) - (Math.PI - theta) / (2 * Math.PI))).toBeLessThan(1e-11);
      }
    }
  });
});

describe('init.meanField against Simpson on a uniform grid', () => {
  const cases: Array<['tanh' | 'sigmoid', number, number]> = [
    ['tanh', 0.5, 0.5],
    ['tanh', 1, Math.sqrt(0.05)],
    ['tanh', 1.5, Math.sqrt(0.05)],
    ['tanh', 2, 0.3],
    ['tanh', 3, 0],
    ['tanh', 1.2, 0],
    ['sigmoid', 2, 0.5],
    ['sigmoid', 12, 0],
  ];

  it.each(cases)('%s, σ_w %d, σ_b %d: q*, χ₁ and ξ_c to 1e-8', (activation, sigmaW, sigmaB) => {
    const result = meanField({ activation, sigmaW, sigmaB });
    const expected = reference(activation, sigmaW, sigmaB);
    expect(Math.abs(result.qStar - expected.qStar)).toBeLessThan(1e-8);
    expect(Math.abs(result.chi1 - expected.chi1)).toBeLessThan(1e-8);
    expect(result.phase).toBe(expected.chi1 < 1 ? 'ordered' : 'chaotic');
    expect(result.depthScale).toBe(-1 / Math.log(result.chiC));
    if (result.phase === 'ordered') {
      expect(result.cStar).toBe(1);
      expect(result.chiC).toBe(result.chi1);
    }
  });

  // The cases above where χ₁ > 1 (the first test checks the phase against Simpson's χ₁).
  const chaotic = cases.filter(([a, w, b]) => meanField({ activation: a, sigmaW: w, sigmaB: b }).phase === 'chaotic');

  it('five of the cases are chaotic', () => expect(chaotic.length).toBe(5));

  it.each(chaotic)(
    'chaotic %s, σ_w %d, σ_b %d: c* is the stable fixed point of the correlation map, χ(c*) to 1e-7',
    (activation, sigmaW, sigmaB) => {
      const { f, d } = phis[activation];
      const result = meanField({ activation, sigmaW, sigmaB });
      const w2 = sigmaW ** 2;
      const map = (c: number) => (w2 * simpson2(f, result.qStar, c) + sigmaB ** 2) / result.qStar;
      expect(result.cStar).toBeGreaterThanOrEqual(0);
      expect(result.cStar).toBeLessThan(1);
      expect(Math.abs(map(result.cStar) - result.cStar)).toBeLessThan(1e-7);
      // Stable: the map lies above the diagonal below c*, and under it between c* and 1.
      const below = result.cStar / 2;
      const above = (result.cStar + 1) / 2;
      if (result.cStar > 0) expect(map(below)).toBeGreaterThan(below);
      expect(map(above)).toBeLessThan(above);
      expect(Math.abs(result.chiC - w2 * simpson2(d, result.qStar, result.cStar))).toBeLessThan(1e-7);
      expect(result.chiC).toBeLessThan(1);
    },
  );

  it('tanh with σ_b = 0 decorrelates to c* = 0 in the chaotic phase, and χ(0) = σ_w² (∫Dz φ′)²', () => {
    const result = meanField({ activation: 'tanh', sigmaW: 3 });
    expect(result.cStar).toBe(0);
    const slope = simpson(phis.tanh.d, result.qStar);
    expect(Math.abs(result.chiC - 9 * slope * slope)).toBeLessThan(1e-9);
  });

  it('tanh with σ_b = 0 and σ_w ≤ 1: lengths shrink to q* = 0 and χ₁ = σ_w²', () => {
    expect(meanField({ activation: 'tanh', sigmaW: 0.8 })).toEqual({
      qStar: 0,
      chi1: 0.8 ** 2,
      cStar: 1,
      chiC: 0.8 ** 2,
      depthScale: -1 / Math.log(0.8 ** 2),
      phase: 'ordered',
    });
    expect(meanField({ activation: 'tanh', sigmaW: 1 }).phase).toBe('critical');
  });
});

describe('init.meanField for ReLU and linear: closed forms', () => {
  it('ordered: q* = σ_b² / (1 − χ₁), χ₁ = σ_w²/2 (ReLU) or σ_w² (linear), which Simpson confirms', () => {
    const relu = meanField({ activation: 'relu', sigmaW: 1.2, sigmaB: 0.1 });
    const reluChi1 = 1.44 * simpson(step, 0.7);
    expect(Math.abs(relu.chi1 - reluChi1)).toBeLessThan(1e-12);
    expect(relu.qStar).toBeCloseTo(0.01 / (1 - 0.72), 14);
    // The length map at q*: σ_w² ∫Dz relu(√q* z)² + σ_b², by Simpson.
    expect(Math.abs(1.44 * simpson((u) => Math.max(u, 0) ** 2, relu.qStar) + 0.01 - relu.qStar)).toBeLessThan(1e-12);
    expect(relu).toMatchObject({ cStar: 1, chiC: relu.chi1, depthScale: -1 / Math.log(relu.chi1), phase: 'ordered' });
    const linear = meanField({ activation: 'linear', sigmaW: 0.9, sigmaB: 0.2 });
    expect(linear.chi1).toBeCloseTo(0.81, 15);
    expect(linear.qStar).toBeCloseTo(0.04 / 0.19, 14);
    expect(meanField({ activation: 'relu', sigmaW: 1 }).qStar).toBe(0);
  });

  it('no fixed point past criticality: q* = Infinity; at criticality without bias every q is one (NaN)', () => {
    for (const [activation, sigmaW] of [
      ['relu', 2],
      ['linear', 1.1],
    ] as const) {
      expect(meanField({ activation, sigmaW, sigmaB: 0.1 })).toEqual({ qStar: Infinity, chi1: activation === 'relu' ? 2 : 1.1 ** 2, cStar: 1, chiC: 1, depthScale: Infinity, phase: 'chaotic' });
      expect(meanField({ activation, sigmaW }).qStar).toBe(Infinity);
    }
    const critical = meanField({ activation: 'relu', sigmaW: Math.SQRT2 });
    expect(critical).toMatchObject({ cStar: 1, depthScale: Infinity, phase: 'critical' });
    expect(critical.qStar).toBeNaN();
    expect(critical.chi1).toBeCloseTo(1, 15);
    // With a bias the critical lengths grow linearly: no fixed point either.
    expect(meanField({ activation: 'relu', sigmaW: Math.SQRT2, sigmaB: 0.1 }).qStar).toBe(Infinity);
    expect(meanField({ activation: 'linear', sigmaW: 1 }).qStar).toBeNaN();
  });
});

describe('init.criticalPoint', () => {
  it("ReLU: √2 at every σ_b, where bisection on Simpson's χ₁ = σ_w² ∫Dz relu′(√q z)² lands", () => {
    const half = simpson(step, 1);
    const root = bisect((w) => w * w * half - 1, 1, 2);
    expect(Math.abs(root - Math.SQRT2)).toBeLessThan(1e-10);
    for (const sigmaB of [0, 0.1, 1]) expect(criticalPoint({ activation: 'relu', sigmaB })).toBe(Math.SQRT2);
    expect(criticalPoint({ activation: 'linear' })).toBe(1);
  });

  it('tanh: 1 at σ_b = 0, with ordered just below and chaotic just above', () => {
    expect(criticalPoint({ activation: 'tanh' })).toBe(1);
    expect(criticalPoint({ activation: 'tanh', sigmaB: 0 })).toBe(1);
    expect(meanField({ activation: 'tanh', sigmaW: 0.99 }).phase).toBe('ordered');
    expect(meanField({ activation: 'tanh', sigmaW: 1.01 }).phase).toBe('chaotic');
  });

  it("tanh at σ_b² = 0.05: σ_w² ≈ 1.76 as Poole et al. and Schoenholz et al. draw it, and as bisection on Simpson's χ₁ finds to 1e-7", () => {
    const sigmaB = Math.sqrt(0.05);
    const sigmaW = criticalPoint({ activation: 'tanh', sigmaB });
    expect(sigmaW ** 2).toBeCloseTo(1.76, 2);
    const independent = bisect((w) => reference('tanh', w, sigmaB, 36).chi1 - 1, 1, 2, 26);
    expect(Math.abs(sigmaW - independent)).toBeLessThan(1e-7);
    const at = meanField({ activation: 'tanh', sigmaW, sigmaB });
    expect(at.phase).toBe('critical');
    expect(at.depthScale).toBe(Infinity);
    expect(Math.abs(at.chi1 - 1)).toBeLessThan(1e-9);
  });

  it('every bounded activation is critical at its critical point, and ξ_c grows towards it from both sides', () => {
    for (const [activation, sigmaB] of [
      ['tanh', 0.3],
      ['tanh', 2],
      ['sigmoid', 0],
      ['sigmoid', 0.5],
    ] as const) {
      const sigmaW = criticalPoint({ activation, sigmaB });
      expect(meanField({ activation, sigmaW, sigmaB }).phase).toBe('critical');
      const xi = (w: number) => meanField({ activation, sigmaW: w, sigmaB }).depthScale;
      expect(xi(sigmaW * 0.99)).toBeGreaterThan(xi(sigmaW * 0.9));
      expect(xi(sigmaW * 1.01)).toBeGreaterThan(xi(sigmaW * 1.1));
      expect(meanField({ activation, sigmaW: sigmaW * 0.99, sigmaB }).phase).toBe('ordered');
      expect(meanField({ activation, sigmaW: sigmaW * 1.01, sigmaB }).phase).toBe('chaotic');
    }
    // Sigmoid at σ_b = 0: about 10.15 (χ₁ ≤ σ_w²/16 keeps it above 4).
    expect(criticalPoint({ activation: 'sigmoid' })).toBeCloseTo(10.149, 3);
  });
});

describe('χ₁ is increasing in σ_w', () => {
  const grid = Array.from({ length: 40 }, (_, i) => 0.1 + i * 0.1);
  it.each<[MeanFieldActivation, number]>([
    ['tanh', 0],
    ['tanh', 0.3],
    ['tanh', 1],
    ['relu', 0],
    ['relu', 0.5],
    ['sigmoid', 0.2],
    ['linear', 0.1],
  ])('%s, σ_b %d', (activation, sigmaB) => {
    const chi = grid.map((sigmaW) => meanField({ activation, sigmaW, sigmaB }).chi1);
    for (let i = 1; i < chi.length; i++) expect(chi[i]).toBeGreaterThan(chi[i - 1]);
  });
});

describe('bad arguments', () => {
  const codeOf = (fn: () => unknown): { code: string; message: string } => {
    try {
      fn();
    } catch (error) {
      expect(error).toBeInstanceOf(NninitError);
      return { code: (error as NninitError).code, message: (error as Error).message };
    }
    throw new Error('expected a throw');
  };

  it('E_PARAM naming the option and the value', () => {
    const bad: Array<[unknown, RegExp]> = [
      [{ activation: 'gelu', sigmaW: 1 }, /activation must be one of "tanh", "relu", "sigmoid", "linear", got "gelu"/],
      [{ sigmaW: 1 }, /activation .* got undefined/],
      [{ activation: 'tanh' }, /sigmaW must be a finite number > 0 .* got undefined/],
      [{ activation: 'tanh', sigmaW: 0 }, /sigmaW .* got 0/],
      [{ activation: 'tanh', sigmaW: -1 }, /sigmaW .* got -1/],
      [{ activation: 'relu', sigmaW: NaN }, /sigmaW .* got NaN/],
      [{ activation: 'relu', sigmaW: Infinity }, /sigmaW .* got Infinity/],
      [{ activation: 'relu', sigmaW: 1e5 }, /sigmaW .*<= 10000, got 100000/],
      [{ activation: 'relu', sigmaW: '1' }, /sigmaW .* got "1"/],
      [{ activation: 'tanh', sigmaW: 1, sigmaB: -0.1 }, /sigmaB must be a finite number >= 0 .* got -0.1/],
      [{ activation: 'tanh', sigmaW: 1, sigmaB: NaN }, /sigmaB .* got NaN/],
      [{ activation: 'tanh', sigmaW: 1, sigmaBias: 0 }, /unknown option "sigmaBias"/],
      [null, /options must be an object, got null/],
    ];
    for (const [options, pattern] of bad) {
      const { code, message } = codeOf(() => meanField(options as never));
      expect(code).toBe('E_PARAM');
      expect(message).toMatch(/^init\.meanField/);
      expect(message).toMatch(pattern);
    }
    for (const options of [{ activation: 'selu' }, { activation: 'tanh', sigmaB: -1 }, { activation: 'tanh', sigmaW: 1 }]) {
      const { code, message } = codeOf(() => criticalPoint(options as never));
      expect(code).toBe('E_PARAM');
      expect(message).toMatch(/^init\.criticalPoint: (activation|sigmaB|unknown option "sigmaW")/);
    }
  });

  it('is reachable as nninit.init', () => {
    expect(init.meanField({ activation: 'relu', sigmaW: 1 }).chi1).toBe(0.5);
    expect(init.criticalPoint({ activation: 'relu' })).toBe(Math.SQRT2);
  });

  it('is not an initializer an Mlp can be built with', () => {
    for (const name of ['meanField', 'criticalPoint']) {
      expect(() => new Mlp({ layers: [2, 2], init: name as never })).toThrow(/init must name an nninit.init initializer/);
    }
  });
});
