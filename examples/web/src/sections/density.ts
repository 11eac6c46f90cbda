// The density each initializer draws from (torch.nn.init and Keras 3 formulas), to draw over the
// histogram of the weights it made.
import * as nninit from 'nninit';

export const SHOWN = [
  'uniform',
  'normal',
  'truncatedNormal',
  'xavierUniform',
  'xavierNormal',
  'kaimingUniform',
  'kaimingNormal',
  'lecunUniform',
  'lecunNormal',
  'orthogonal',
  'sparse',
] as const;
export type Shown = (typeof SHOWN)[number];

/** Options the demo passes; the others take their defaults. */
export const OPTIONS: Partial<Record<Shown, Record<string, number>>> = { sparse: { sparsity: 0.5 } };

export interface Theory {
  density: (x: number) => number;
  /** The distribution's standard deviation, to set beside the sample's. */
  std: number;
  /** The formula with its numbers, for the caption. */
  formula: string;
}

// Keras 3's truncated normal divides the std by the std of N(0, 1) cut at ±2.
const KERAS_TRUNCATION = 0.87962566103423978;

const gaussian = (mean: number, std: number) => (x: number) => Math.exp(-0.5 * ((x - mean) / std) ** 2) / (std * Math.sqrt(2 * Math.PI));
const flat = (low: number, high: number) => (x: number) => (x >= low && x < high ? 1 / (high - low) : 0);

/** erf to about 1e-7 (Abramowitz and Stegun 7.1.26), plenty for a drawing. */
function erf(x: number): number {
  const t = 1 / (1 + 0.3275911 * Math.abs(x));
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return Math.sign(x) * (1 - poly * Math.exp(-x * x));
}

function truncated(mean: number, std: number, low: number, high: number) {
  const cdf = (x: number) => 0.5 * (1 + erf((x - mean) / (std * Math.SQRT2)));
  const mass = cdf(high) - cdf(low);
  const inside = gaussian(mean, std);
  return (x: number) => (x < low || x > high ? 0 : inside(x) / mass);
}

/** ln Γ(z) for z > 0: Stirling's series after shifting z above 7. */
function logGamma(z: number): number {
  let shift = 0;
  while (z < 7) shift -= Math.log(z++);
  return shift + (z - 0.5) * Math.log(z) - z + 0.5 * Math.log(2 * Math.PI) + 1 / (12 * z) - 1 / (360 * z ** 3);
}

/** A coordinate of a uniformly random unit vector in Rⁿ: the entries of a random orthogonal matrix. */
function unitVectorCoordinate(n: number) {
  const logScale = logGamma(n / 2) - logGamma((n - 1) / 2) - 0.5 * Math.log(Math.PI);
  return (x: number) => (Math.abs(x) >= 1 ? 0 : Math.exp(logScale + ((n - 3) / 2) * Math.log(1 - x * x)));
}

const fixed = (x: number) => x.toPrecision(3);

export function theoryOf(name: Shown, shape: [number, number]): Theory {
  const { fanIn, fanOut } = nninit.init.fans(shape);
  switch (name) {
    case 'uniform':
      return { density: flat(0, 1), std: Math.sqrt(1 / 12), formula: 'U(0, 1)' };
    case 'normal':
      return { density: gaussian(0, 1), std: 1, formula: 'N(0, 1)' };
    case 'truncatedNormal':
      return { density: truncated(0, 1, -2, 2), std: KERAS_TRUNCATION, formula: 'N(0, 1) cut at −2 and 2' };
    case 'xavierUniform': {
      const bound = Math.sqrt(6 / (fanIn + fanOut));
      return { density: flat(-bound, bound), std: bound / Math.sqrt(3), formula: `U(−b, b), b = √(6 / (fanIn + fanOut)) = ${fixed(bound)}` };
    }
    case 'xavierNormal': {
      const std = Math.sqrt(2 / (fanIn + fanOut));
      return { density: gaussian(0, std), std, formula: `N(0, σ²), σ = √(2 / (fanIn + fanOut)) = ${fixed(std)}` };
    }
    case 'kaimingUniform': {
      const bound = nninit.init.calculateGain('leakyRelu', 0) * Math.sqrt(3 / fanIn);
      return { density: flat(-bound, bound), std: bound / Math.sqrt(3), formula: `U(−b, b), b = √2 · √(3 / fanIn) = ${fixed(bound)}` };
    }
    case 'kaimingNormal': {
      const std = nninit.init.calculateGain('leakyRelu', 0) / Math.sqrt(fanIn);
      return { density: gaussian(0, std), std, formula: `N(0, σ²), σ = √2 / √fanIn = ${fixed(std)}` };
    }
    case 'lecunUniform': {
      const bound = Math.sqrt(3 / fanIn);
      return { density: flat(-bound, bound), std: bound / Math.sqrt(3), formula: `U(−b, b), b = √(3 / fanIn) = ${fixed(bound)}` };
    }
    case 'lecunNormal': {
      const std = Math.sqrt(1 / fanIn) / KERAS_TRUNCATION;
      return { density: truncated(0, std, -2 * std, 2 * std), std: std * KERAS_TRUNCATION, formula: `N(0, σ²) cut at ±2σ, σ = √(1 / fanIn) / 0.8796 = ${fixed(std)}` };
    }
    case 'orthogonal': {
      const n = Math.max(...shape);
      return { density: unitVectorCoordinate(n), std: 1 / Math.sqrt(n), formula: `a coordinate of a random unit vector in R^${n}` };
    }
    case 'sparse': {
      const normal = gaussian(0, 0.01);
      return { density: (x) => 0.5 * normal(x), std: 0.01 * Math.SQRT1_2, formula: 'half of each column exactly 0 (the spike), the rest N(0, 0.01²)' };
    }
  }
}
