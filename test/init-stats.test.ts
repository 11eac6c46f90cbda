import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { init, ready } from '../src/index.js';
import { normalCdf } from '../src/random-fill.js';

/*
 * Kolmogorov–Smirnov tests of every random initializer against the exact CDF of the distribution
 * its formula promises, with the scale parameters computed by hand (Python, f64) rather than by
 * the code under test. Fixed seeds, so each D below is reproducible.
 *
 * KS_TABLE=1 npx vitest run test/init-stats.test.ts   prints the statistics as a markdown table.
 */

/** Asymptotic critical value of √n·D at α = 0.001 (Kolmogorov distribution). */
const KS_CRITICAL_0001 = 1.949;

interface KsRow {
  initializer: string;
  params: string;
  n: number;
  d: number;
  critical: number;
}
const ksRows: KsRow[] = [];

/** D = sup |F_n(x) − F(x)| of `samples` against `cdf`. */
function ksStatistic(samples: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(samples).sort();
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    d = Math.max(d, f - i / n, (i + 1) / n - f);
  }
  return d;
}

/** Records D and asserts it is below the α = 0.001 critical value. */
function expectKs(initializer: string, params: string, samples: ArrayLike<number>, cdf: (x: number) => number): void {
  const n = samples.length;
  expect(n).toBeGreaterThanOrEqual(100_000);
  const d = ksStatistic(samples, cdf);
  const critical = KS_CRITICAL_0001 / Math.sqrt(n);
  ksRows.push({ initializer, params, n, d, critical });
  expect(d).toBeLessThan(critical);
}

const uniformCdf = (low: number, high: number) => (x: number) => Math.min(1, Math.max(0, (x - low) / (high - low)));
const normalCdfOf = (mean: number, std: number) => (x: number) => normalCdf((x - mean) / std);
function truncatedNormalCdf(mean: number, std: number, low: number, high: number): (x: number) => number {
  const below = normalCdf((low - mean) / std);
  const mass = normalCdf((high - mean) / std) - below;
  return (x) => (x <= low ? 0 : x >= high ? 1 : (normalCdf((x - mean) / std) - below) / mass);
}
/** Keras's truncated normal: σ cut at ±2σ around 0. */
const truncatedAt2Sigma = (sigma: number) => truncatedNormalCdf(0, sigma, -2 * sigma, 2 * sigma);

/**
 * CDF of one coordinate of a uniformly random unit vector in R^m, density ∝ (1 − x²)^((m−3)/2):
 * the marginal of every entry of a Haar-orthogonal matrix's m-long columns. Tabulated by the
 * trapezoid rule over ±12 standard deviations (1/√m) and normalized numerically.
 */
function unitVectorCoordinateCdf(m: number): (x: number) => number {
  const half = 12 / Math.sqrt(m);
  const steps = 200_000;
  const h = (2 * half) / steps;
  const density = (x: number) => Math.exp(((m - 3) / 2) * Math.log1p(-x * x));
  const cumulative = new Float64Array(steps + 1);
  for (let i = 1; i <= steps; i++) {
    cumulative[i] = cumulative[i - 1] + (h / 2) * (density(-half + (i - 1) * h) + density(-half + i * h));
  }
  const total = cumulative[steps];
  return (x) => {
    if (x <= -half) return 0;
    if (x >= half) return 1;
    const position = (x + half) / h;
    const i = Math.min(Math.floor(position), steps - 1);
    const t = position - i;
    return ((1 - t) * cumulative[i] + t * cumulative[i + 1]) / total;
  };
}

beforeAll(() => ready());

afterAll(() => {
  if (!process.env.KS_TABLE) return;
  const lines = [
    '| initializer | params | n | D | critical (α = 0.001) | √n·D |',
    '| --- | --- | ---: | ---: | ---: | ---: |',
    ...ksRows.map(({ initializer, params, n, d, critical }) => {
      const scaled = (Math.sqrt(n) * d).toFixed(3);
      return `| ${initializer} | ${params} | ${n} | ${d.toFixed(5)} | ${critical.toFixed(5)} | ${scaled} |`;
    }),
  ];
  console.log(lines.join('\n'));
});

describe('KS: basic distributions', () => {
  it('uniform [400, 250] low −0.5 high 2', () => {
    const w = init.uniform([400, 250], { low: -0.5, high: 2, seed: 1 });
    expectKs('uniform', 'low −0.5, high 2', w.data, uniformCdf(-0.5, 2));
  });
  it('normal [100000] mean 1 std 0.5', () => {
    const w = init.normal([100_000], { mean: 1, std: 0.5, seed: 2 });
    expectKs('normal', 'mean 1, std 0.5', w.data, normalCdfOf(1, 0.5));
  });
  it('truncatedNormal [100000] defaults: N(0, 1) on [−2, 2]', () => {
    const w = init.truncatedNormal([100_000], { seed: 3 });
    expectKs('truncatedNormal', 'defaults (N(0,1) on [−2, 2])', w.data, truncatedNormalCdf(0, 1, -2, 2));
  });
  it('truncatedNormal [100000] asymmetric absolute bounds', () => {
    const w = init.truncatedNormal([100_000], { mean: 0.5, std: 2, low: -1, high: 3, seed: 4 });
    expectKs('truncatedNormal', 'mean 0.5, std 2, low −1, high 3', w.data, truncatedNormalCdf(0.5, 2, -1, 3));
  });
});

describe('KS: Xavier and Kaiming (PyTorch formulas)', () => {
  it('xavierUniform [256, 784]: bound √(6/1040)', () => {
    const w = init.xavierUniform([256, 784], { seed: 5 });
    const bound = 0.07595545253127499;
    expectKs('xavierUniform', '[256, 784], bound √(6/1040)', w.data, uniformCdf(-bound, bound));
  });
  it('xavierNormal [256, 784] gain 5/3: std 5/3·√(2/1040)', () => {
    const w = init.xavierNormal([256, 784], { gain: 5 / 3, seed: 6 });
    expectKs('xavierNormal', '[256, 784], gain 5/3, std 0.073088', w.data, normalCdfOf(0, 0.07308816827558577));
  });
  it('kaimingUniform [256, 64, 3, 3] defaults: bound √(6/576)', () => {
    const w = init.kaimingUniform([256, 64, 3, 3], { seed: 7 });
    const bound = 0.10206207261596575;
    expectKs('kaimingUniform', '[256, 64, 3, 3] defaults, bound √(6/576)', w.data, uniformCdf(-bound, bound));
  });
  it('kaimingUniform [3, 3, 64, 256] inOut, a 0.2: bound √3·√(2/1.04)/24', () => {
    const w = init.kaimingUniform([3, 3, 64, 256], { layout: 'inOut', a: 0.2, seed: 8 });
    const bound = 0.10008009612817945;
    expectKs('kaimingUniform', '[3, 3, 64, 256] inOut, a 0.2, bound 0.100080', w.data, uniformCdf(-bound, bound));
  });
  it('kaimingNormal [256, 64, 3, 3] fanOut relu: std √(2/2304)', () => {
    const w = init.kaimingNormal([256, 64, 3, 3], { mode: 'fanOut', nonlinearity: 'relu', seed: 9 });
    expectKs('kaimingNormal', '[256, 64, 3, 3] fanOut relu, std √(2/2304)', w.data, normalCdfOf(0, 0.029462782549439483));
  });
});

describe('KS: LeCun and varianceScaling (Keras 3 formulas)', () => {
  it('lecunUniform [256, 784]: limit √(3/784)', () => {
    const w = init.lecunUniform([256, 784], { seed: 10 });
    const limit = 0.06185895741317419;
    expectKs('lecunUniform', '[256, 784], limit √(3/784)', w.data, uniformCdf(-limit, limit));
  });
  it('lecunNormal [256, 784]: σ = √(1/784)/0.8796 cut at ±2σ, sample std √(1/784)', () => {
    const w = init.lecunNormal([256, 784], { seed: 11 });
    const sigma = 0.040601686940662726;
    expectKs('lecunNormal', '[256, 784], σ √(1/784)/0.8796 on ±2σ', w.data, truncatedAt2Sigma(sigma));
    let squares = 0;
    for (const x of w.data) squares += x * x;
    expect(Math.sqrt(squares / w.data.length)).toBeCloseTo(1 / 28, 3);
  });
  it('varianceScaling [3, 3, 96, 160] inOut fanAvg scale 2 truncated: σ = √(2/1152)/0.8796', () => {
    const w = init.varianceScaling([3, 3, 96, 160], { layout: 'inOut', mode: 'fanAvg', scale: 2, seed: 12 });
    const sigma = 0.047368634764106514;
    expectKs('varianceScaling', '[3, 3, 96, 160] inOut, fanAvg, scale 2, truncatedNormal', w.data, truncatedAt2Sigma(sigma));
  });
  it('varianceScaling [128, 1024] fanOut scale 0.5 untruncated: std √(0.5/128)', () => {
    const w = init.varianceScaling([128, 1024], { mode: 'fanOut', scale: 0.5, distribution: 'untruncatedNormal', seed: 13 });
    expectKs('varianceScaling', '[128, 1024], fanOut, scale 0.5, untruncatedNormal', w.data, normalCdfOf(0, 0.0625));
  });
  it('varianceScaling [3, 3, 96, 160] inOut fanAvg scale 2 uniform: limit √(6/1152)', () => {
    const w = init.varianceScaling([3, 3, 96, 160], {
      layout: 'inOut',
      mode: 'fanAvg',
      scale: 2,
      distribution: 'uniform',
      seed: 14,
    });
    const limit = 0.07216878364870322;
    expectKs('varianceScaling', '[3, 3, 96, 160] inOut, fanAvg, scale 2, uniform', w.data, uniformCdf(-limit, limit));
  });
});

describe('KS: orthogonal and sparse', () => {
  it('orthogonal [784, 256]: entries follow a unit-vector coordinate in R^784', () => {
    const w = init.orthogonal([784, 256], { seed: 15 });
    const params = '[784, 256], marginal of a Haar column (orthogonality tested in init.test.ts)';
    expectKs('orthogonal', params, w.data, unitVectorCoordinateCdf(784));
  });
  it('sparse [1000, 250] sparsity 0.6 std 0.05: 600 zeros per column, the rest N(0, 0.05²)', () => {
    const rows = 1000;
    const cols = 250;
    const w = init.sparse([rows, cols], { sparsity: 0.6, std: 0.05, seed: 16 });
    const nonzeros: number[] = [];
    const zerosPerRow = new Float64Array(rows);
    for (let col = 0; col < cols; col++) {
      let zeros = 0;
      for (let row = 0; row < rows; row++) {
        const x = w.data[row * cols + col];
        if (x === 0) {
          zeros++;
          zerosPerRow[row]++;
        } else nonzeros.push(x);
      }
      expect(zeros).toBe(600);
    }
    expectKs('sparse', '[1000, 250], sparsity 0.6, std 0.05 (nonzeros)', nonzeros, normalCdfOf(0, 0.05));
    // Each row is zeroed in a column with probability 0.6, independently across columns, so the
    // counts per row are Binomial(250, 0.6): their chi-square statistic is about χ²(999).
    let chiSquare = 0;
    for (const zeros of zerosPerRow) chiSquare += (zeros - cols * 0.6) ** 2 / (cols * 0.6 * 0.4);
    expect(Math.abs(chiSquare - 999)).toBeLessThan(5 * Math.sqrt(2 * 999));
  });
});
