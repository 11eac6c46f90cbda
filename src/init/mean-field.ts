import { ParamError, show } from '../errors.js';
import { checkOptions, numberIn } from '../options.js';

/*
 * Mean-field signal propagation in wide random networks (Poole et al. 2016, "Exponential
 * expressivity in deep neural networks through transient chaos"; Schoenholz et al. 2017, "Deep
 * information propagation"). Weights ~ N(0, σ_w²/N), biases ~ N(0, σ_b²), N the fan-in; a
 * pre-activation h = W·φ(h_prev) + b has, over the random weights, length q = E[h²]:
 *
 *   length map        q ← σ_w² ∫Dz φ(√q z)² + σ_b²                      fixed point q*
 *   correlation map   c ← (σ_w² ∫Dz₁Dz₂ φ(u₁)φ(u₂) + σ_b²) / q*,
 *                     u₁ = √q* z₁, u₂ = √q* (c z₁ + √(1−c²) z₂)         fixed points 1 and c*
 *   its slope         χ(c) = σ_w² ∫Dz₁Dz₂ φ′(u₁)φ′(u₂),  χ₁ = χ(1) = σ_w² ∫Dz φ′(√q* z)²
 *   depth scale       ξ_c = −1 / ln χ(c*)
 *
 * The Gaussian integrals run on adaptive Gauss–Kronrod (7/15 points) over z ∈ [−10, 10], cut at
 * the points where the activation bends, each piece halved until the Gauss and Kronrod sums agree
 * to 1e-10 overall (the Kronrod sum is then good to about 1e-14). ReLU and linear, positively
 * homogeneous, use their closed forms.
 */

/** Activations with mean-field formulas: those of the Mlp's hidden layers that the papers treat. */
export type MeanFieldActivation = 'tanh' | 'relu' | 'sigmoid' | 'linear';
const MEAN_FIELD_ACTIVATIONS: readonly MeanFieldActivation[] = ['tanh', 'relu', 'sigmoid', 'linear'];

/** Options of {@link meanField}. */
export interface MeanFieldOptions {
  activation: MeanFieldActivation;
  /** Weight scale: weights ~ N(0, σ_w²/fanIn), so `heNormal` for ReLU is σ_w = √2. Finite, > 0, ≤ 1e4. */
  sigmaW: number;
  /** Bias standard deviation: biases ~ N(0, σ_b²) (default 0). Finite, ≥ 0, ≤ 1e4. */
  sigmaB?: number;
}

/** Options of {@link criticalPoint}. */
export interface CriticalPointOptions {
  activation: MeanFieldActivation;
  /** Bias standard deviation σ_b (default 0). Finite, ≥ 0, ≤ 1e4. */
  sigmaB?: number;
}

/**
 * Where a network lies with respect to the order–chaos transition, by χ₁: `'ordered'` (χ₁ < 1:
 * inputs' correlations go to 1, gradients vanish), `'critical'` (|χ₁ − 1| ≤ 1e-9: the edge of
 * chaos) or `'chaotic'` (χ₁ > 1: nearby inputs decorrelate, gradients explode; for ReLU and linear
 * the lengths diverge there instead, see {@link MeanField.qStar}).
 */
export type MeanFieldPhase = 'ordered' | 'critical' | 'chaotic';

/** The mean-field fixed points of a deep network at (activation, σ_w, σ_b); see {@link meanField}. */
export interface MeanField {
  /**
   * Fixed point q* of the length map reached from any input length q⁰ > 0: the variance of a
   * deep layer's pre-activations. 0 when lengths shrink to nothing (σ_b = 0 in the ordered
   * phase). `Infinity` when there is no fixed point and lengths grow without bound (ReLU with
   * σ_w² ≥ 2, linear with σ_w ≥ 1, except at the critical point with σ_b = 0). `NaN` where every
   * length is a fixed point (ReLU at σ_w² = 2, linear at σ_w = 1, both with σ_b = 0): the map
   * is the identity and there is no single q*.
   */
  qStar: number;
  /** χ₁ = σ_w² ∫Dz φ′(√q* z)²: the slope of the correlation map at c = 1, also the factor by which squared gradients grow per layer backwards. */
  chi1: number;
  /**
   * The stable fixed point of the correlation map, where the correlation of two inputs ends up
   * after many layers: 1 in the ordered phase and at criticality, below 1 in the chaotic phase
   * (0 for tanh with σ_b = 0). 1 also for ReLU and linear when q* is infinite: with growing
   * lengths the bias stops mattering, and their bias-free correlation map has slope 1 at c = 1.
   */
  cStar: number;
  /** χ(c*) = σ_w² ∫Dz₁Dz₂ φ′(u₁)φ′(u₂) at c*, the correlation map's slope there; equal to chi1 when c* = 1 and q* is finite. */
  chiC: number;
  /**
   * The correlation depth scale ξ_c = −1/ln χ(c*) of Schoenholz et al. (their eq. 9 and its
   * chaotic-phase counterpart): information about how two inputs differ decays as e^(−l/ξ_c)
   * with depth l, and networks deeper than about 6 ξ_c do not train. In the ordered phase it is
   * −1/ln χ₁; in the chaotic phase −1/ln χ(c*) with c* < 1; `Infinity` at criticality and
   * wherever the slope at the stable fixed point is 1 (ReLU and linear with infinite q*). With
   * q* = 0 (σ_b = 0, ordered) the formulas are the limit σ_b → 0⁺.
   */
  depthScale: number;
  phase: MeanFieldPhase;
}

/** |χ₁ − 1| at most this counts as critical: a depth scale over 10⁹ layers. */
const CRITICAL_TOLERANCE = 1e-9;
/** The largest σ_w and σ_b accepted: beyond, σ² approaches overflow in nothing but absurd nets. */
const SIGMA_MAX = 1e4;

interface Nonlinearity {
  f(u: number): number;
  derivative(u: number): number;
  /** Largest value of f² (bounds the length map from above). */
  maxSquare: number;
}

const tanh: Nonlinearity = {
  f: Math.tanh,
  derivative(u) {
    const c = Math.cosh(u); // 1/cosh², exact in the tails where 1 − tanh² would round to 0
    return 1 / (c * c);
  },
  maxSquare: 1,
};

const sigmoid: Nonlinearity = {
  f: (u) => 1 / (1 + Math.exp(-u)),
  derivative(u) {
    const e = Math.exp(-Math.abs(u));
    return e / ((1 + e) * (1 + e));
  },
  maxSquare: 1,
};

// ---- Gaussian integrals ----------------------------------------------------------------------

/** |z| ≤ 10 holds all but 1.5e-23 of a standard normal's mass. */
const Z_MAX = 10;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
/** Absolute tolerance of a Gaussian expectation, spread over its pieces by length. */
const TOLERANCE = 1e-10;
const MAX_HALVINGS = 40;

// Gauss–Kronrod 7/15: the Kronrod nodes in [0, 1) (the Gauss nodes are those at odd indices and
// the centre), Kronrod weights, then the Gauss weights of the odd-index nodes and the centre.
const KRONROD_NODES = [
  0.991455371120812639206854697526329, 0.949107912342758524526189684047851, 0.864864423359769072789712788640926,
  0.741531185599394439863864773280788, 0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
  0.207784955007898467600689403773245,
];
const KRONROD_WEIGHTS = [
  0.02293532201052922496373200805897, 0.063092092629978553290700663189204, 0.104790010322250183839876322541518,
  0.140653259715525918745189590510238, 0.16900472663926790282658342659855, 0.190350578064785409913256402421014,
  0.204432940075298892414161999234649,
];
const KRONROD_CENTRE_WEIGHT = 0.209482141084727828012999174891714;
const GAUSS_WEIGHTS = [0.129484966168869693270611432679082, 0.27970539148927666790146777142378, 0.381830050505118944950369775488975];
const GAUSS_CENTRE_WEIGHT = 0.417959183673469387755102040816327;

/** ∫_a^b f, halving [a, b] until the 15-point Kronrod and 7-point Gauss sums agree within tolerance. */
function integrate(f: (z: number) => number, a: number, b: number, tolerance: number, halvings: number): number {
  const centre = 0.5 * (a + b);
  const half = 0.5 * (b - a);
  const fc = f(centre);
  let kronrod = fc * KRONROD_CENTRE_WEIGHT;
  let gauss = fc * GAUSS_CENTRE_WEIGHT;
  for (let j = 0; j < 7; j++) {
    const dz = half * KRONROD_NODES[j];
    const pair = f(centre - dz) + f(centre + dz);
    kronrod += KRONROD_WEIGHTS[j] * pair;
    if (j % 2 === 1) gauss += GAUSS_WEIGHTS[j >> 1] * pair;
  }
  kronrod *= half;
  gauss *= half;
  if (Math.abs(kronrod - gauss) <= tolerance || halvings === 0) return kronrod;
  return integrate(f, a, centre, tolerance / 2, halvings - 1) + integrate(f, centre, b, tolerance / 2, halvings - 1);
}

// Where, in units of the activation's argument, the activations bend: cutting the z axis there
// keeps every piece smooth (ReLU's kink at 0) and makes narrow features (φ′ at a large √q) seen.
const BENDS = [-16, -4, -1, -0.25, 0, 0.25, 1, 4, 16];
const GAUSSIAN_CUTS = [-Z_MAX, -6, -3, -1, 0, 1, 3, 6, Z_MAX];

/**
 * @internal E[g(mean + std·z)] for z ~ N(0, 1), to an absolute error of about `tolerance` times
 * the size of g (exact for std = 0).
 */
export function gaussianExpectation(g: (u: number) => number, mean: number, std: number, tolerance = TOLERANCE): number {
  if (std === 0) return g(mean);
  const cuts = GAUSSIAN_CUTS.slice();
  for (const bend of BENDS) {
    const z = (bend - mean) / std;
    if (z > -Z_MAX && z < Z_MAX) cuts.push(z);
  }
  cuts.sort((a, b) => a - b);
  const integrand = (z: number) => g(mean + std * z) * Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
  let sum = 0;
  for (let i = 1; i < cuts.length; i++) {
    const a = cuts[i - 1];
    const b = cuts[i];
    if (b > a) sum += integrate(integrand, a, b, (tolerance * (b - a)) / (2 * Z_MAX), MAX_HALVINGS);
  }
  return sum;
}

/**
 * @internal E[g₁(u₁)·g₂(u₂)] for (u₁, u₂) centred Gaussian with variances q and correlation c:
 * u₁ = √q z₁, u₂ = √q (c z₁ + √(1−c²) z₂), as nested one-dimensional expectations.
 */
export function bivariateExpectation(g1: (u: number) => number, g2: (u: number) => number, q: number, c: number): number {
  const r = Math.sqrt(q);
  const s = Math.sqrt(Math.max(0, 1 - c * c));
  if (s === 0) return gaussianExpectation((u) => g1(u) * g2(c * u), 0, r);
  return gaussianExpectation(
    (u1) => {
      const v = g1(u1);
      return v === 0 ? 0 : v * gaussianExpectation(g2, c * u1, r * s);
    },
    0,
    r,
  );
}

// ---- Root finding ----------------------------------------------------------------------------

/**
 * A root of f in [a, b], where f(a) and f(b) differ in sign (or one is 0), to within `xtol`:
 * Brent's method (inverse quadratic interpolation, secant and bisection), as netlib's zeroin.
 */
function brent(f: (x: number) => number, a: number, b: number, fa: number, fb: number, xtol: number): number {
  if (fa === 0) return a;
  if (fb === 0) return b;
  let c = a;
  let fc = fa;
  let d = b - a;
  let e = d;
  for (let iteration = 0; iteration < 200; iteration++) {
    if (Math.sign(fb) === Math.sign(fc)) {
      c = a;
      fc = fa;
      d = b - a;
      e = d;
    }
    if (Math.abs(fc) < Math.abs(fb)) {
      a = b;
      b = c;
      c = a;
      fa = fb;
      fb = fc;
      fc = fa;
    }
    const tol = 2 * Number.EPSILON * Math.abs(b) + 0.5 * xtol;
    const m = 0.5 * (c - b);
    if (Math.abs(m) <= tol || fb === 0) return b;
    if (Math.abs(e) >= tol && Math.abs(fa) > Math.abs(fb)) {
      const s = fb / fa;
      let p: number;
      let q: number;
      if (a === c) {
        p = 2 * m * s;
        q = 1 - s;
      } else {
        const qa = fa / fc;
        const r = fb / fc;
        p = s * (2 * m * qa * (qa - r) - (b - a) * (r - 1));
        q = (qa - 1) * (r - 1) * (s - 1);
      }
      if (p > 0) q = -q;
      else p = -p;
      if (2 * p < Math.min(3 * m * q - Math.abs(tol * q), Math.abs(e * q))) {
        e = d;
        d = p / q;
      } else {
        d = m;
        e = m;
      }
    } else {
      d = m;
      e = m;
    }
    a = b;
    fa = fb;
    b += Math.abs(d) > tol ? d : m > 0 ? tol : -tol;
    fb = f(b);
  }
  return b;
}

// ---- The maps --------------------------------------------------------------------------------

/** q* of a bounded activation: the largest root of σ_w² E[φ(√q z)²] + σ_b² − q, which iterating the map from any q⁰ > 0 reaches. */
function lengthFixedPoint(phi: Nonlinearity, odd: boolean, sigmaW2: number, sigmaB2: number): number {
  // Odd φ with φ′(0) = 1 (tanh) and no bias: tanh(x)² < x² puts the map under the diagonal when
  // σ_w ≤ 1, so lengths shrink to 0.
  if (odd && sigmaB2 === 0 && sigmaW2 <= 1) return 0;
  const excess = (q: number) => sigmaW2 * gaussianExpectation((u) => phi.f(u) ** 2, 0, Math.sqrt(q)) + sigmaB2 - q;
  // The map never exceeds σ_w²·max φ² + σ_b², so the root lies below that; walk down by halves
  // until the map lies above the diagonal, then close in.
  let upper = sigmaW2 * phi.maxSquare + sigmaB2;
  let atUpper = excess(upper);
  let lower = upper / 2;
  let atLower = excess(lower);
  for (let halving = 0; atLower <= 0; halving++) {
    if (halving === 200) return 0; // q* below 1e-60: numerically none but 0
    upper = lower;
    atUpper = atLower;
    lower /= 2;
    atLower = excess(lower);
  }
  return brent(excess, lower, upper, atLower, atUpper, upper * 1e-15);
}

/** The stable fixed point c* < 1 of the correlation map in the chaotic phase (χ₁ > 1), from [0, 1). */
function correlationFixedPoint(phi: Nonlinearity, odd: boolean, sigmaW2: number, sigmaB2: number, qStar: number): number {
  // c = 0: the two inputs are independent, and ∫Dz₁Dz₂ φ(u₁)φ(u₂) = (∫Dz φ(√q* z))², zero for odd φ.
  if (odd && sigmaB2 === 0) return 0;
  const excess = (c: number) => (sigmaW2 * bivariateExpectation(phi.f, phi.f, qStar, c) + sigmaB2) / qStar - c;
  const mean = gaussianExpectation(phi.f, 0, Math.sqrt(qStar));
  const atZero = (sigmaW2 * mean * mean + sigmaB2) / qStar;
  // The map is increasing and convex on [0, 1] (its Hermite series has nonnegative coefficients),
  // so it lies above the diagonal below c* and under it between c* and 1: halve towards 1 until under.
  let low = 0;
  let atLow = atZero;
  for (let step = 0; step < 60; step++) {
    const mid = 0.5 * (low + 1);
    const atMid = excess(mid);
    if (atMid < 0) return brent(excess, low, mid, atLow, atMid, 1e-13);
    low = mid;
    atLow = atMid;
  }
  return 1;
}

const depthScaleOf = (slope: number) => (slope < 1 ? -1 / Math.log(slope) : Infinity);

/** ReLU and linear: the length map is the line q ← a·q + σ_b² (a = χ₁), the rest follows. */
function homogeneous(chi1: number, sigmaB2: number): MeanField {
  if (chi1 < 1 - CRITICAL_TOLERANCE) {
    return { qStar: sigmaB2 / (1 - chi1), chi1, cStar: 1, chiC: chi1, depthScale: depthScaleOf(chi1), phase: 'ordered' };
  }
  const critical = chi1 <= 1 + CRITICAL_TOLERANCE;
  return {
    qStar: critical && sigmaB2 === 0 ? NaN : Infinity,
    chi1,
    cStar: 1,
    chiC: 1,
    depthScale: Infinity,
    phase: critical ? 'critical' : 'chaotic',
  };
}

/** q* and χ₁ of a bounded activation. */
function lengthAndSlope(phi: Nonlinearity, odd: boolean, sigmaW2: number, sigmaB2: number): { qStar: number; chi1: number } {
  const qStar = lengthFixedPoint(phi, odd, sigmaW2, sigmaB2);
  return { qStar, chi1: sigmaW2 * gaussianExpectation((u) => phi.derivative(u) ** 2, 0, Math.sqrt(qStar)) };
}

function bounded(phi: Nonlinearity, odd: boolean, sigmaW2: number, sigmaB2: number): MeanField {
  const { qStar, chi1 } = lengthAndSlope(phi, odd, sigmaW2, sigmaB2);
  if (chi1 <= 1 + CRITICAL_TOLERANCE) {
    const critical = chi1 >= 1 - CRITICAL_TOLERANCE;
    return { qStar, chi1, cStar: 1, chiC: chi1, depthScale: critical ? Infinity : depthScaleOf(chi1), phase: critical ? 'critical' : 'ordered' };
  }
  const cStar = correlationFixedPoint(phi, odd, sigmaW2, sigmaB2, qStar);
  const chiC = sigmaW2 * bivariateExpectation(phi.derivative, phi.derivative, qStar, cStar);
  return { qStar, chi1, cStar, chiC, depthScale: depthScaleOf(chiC), phase: 'chaotic' };
}

function fixedPoints(activation: MeanFieldActivation, sigmaW: number, sigmaB: number): MeanField {
  const sigmaW2 = sigmaW * sigmaW;
  const sigmaB2 = sigmaB * sigmaB;
  switch (activation) {
    case 'relu':
      return homogeneous(sigmaW2 / 2, sigmaB2); // ∫Dz relu′(√q z)² = P(z > 0) = 1/2 for every q
    case 'linear':
      return homogeneous(sigmaW2, sigmaB2);
    case 'tanh':
      return bounded(tanh, true, sigmaW2, sigmaB2);
    case 'sigmoid':
      return bounded(sigmoid, false, sigmaW2, sigmaB2);
  }
}

// ---- Public API ------------------------------------------------------------------------------

function checkActivation(what: string, value: unknown): MeanFieldActivation {
  if (typeof value === 'string' && (MEAN_FIELD_ACTIVATIONS as readonly string[]).includes(value)) return value as MeanFieldActivation;
  throw new ParamError(`${what}: activation must be one of ${MEAN_FIELD_ACTIVATIONS.map((a) => show(a)).join(', ')}, got ${show(value)}`);
}

/**
 * Mean-field theory of a deep, wide random network (Poole et al. 2016; Schoenholz et al. 2017):
 * the length every layer's pre-activations settle to (q*), the slope χ₁ of the correlation map
 * at 1 — below 1 the network is ordered (gradients vanish), above 1 chaotic (they explode), at 1
 * critical, the "edge of chaos" — and the correlation depth scale ξ_c: how many layers
 * information about the input survives, so that a network trains only up to a depth of about
 * 6 ξ_c.
 *
 * Weights are drawn N(0, σ_w²/fanIn) and biases N(0, σ_b²): `init.normal` with std σ_w/√fanIn,
 * so `kaimingNormal` for ReLU is σ_w = √2 and `lecunNormal` σ_w = 1. The length map is
 * q ← σ_w² ∫Dz φ(√q z)² + σ_b² (∫Dz the standard Gaussian measure), χ₁ = σ_w² ∫Dz φ′(√q* z)²,
 * and ξ_c = −1/ln χ(c*) at the stable fixed point c* of the correlation map (see
 * {@link MeanField} for every field, the chaotic phase and the ReLU / linear edge cases).
 * Integrals are adaptive Gauss–Kronrod quadratures good to about 1e-12 (ReLU and linear are
 * closed forms); a call takes well under a millisecond in the ordered phase and tens of
 * milliseconds in the chaotic one (two-dimensional integrals for c*). Pure TypeScript: no
 * `ready()` needed.
 *
 * ```ts
 * nninit.init.meanField({ activation: 'tanh', sigmaW: 1.5, sigmaB: 0.05 ** 0.5 });
 * // { qStar: 0.8894, chi1: 1.0923, cStar: 0.5672, chiC: 0.9360, depthScale: 15.12, phase: 'chaotic' }
 * nninit.init.meanField({ activation: 'relu', sigmaW: 1.2, sigmaB: 0.1 });
 * // { qStar: 0.0357, chi1: 0.72, cStar: 1, chiC: 0.72, depthScale: 3.04, phase: 'ordered' }
 * ```
 */
export function meanField(options: MeanFieldOptions): MeanField {
  const o = checkOptions('init.meanField', options, { activation: true, sigmaW: true, sigmaB: true });
  const activation = checkActivation('init.meanField', o.activation);
  const sigmaW = numberIn('init.meanField: sigmaW', o.sigmaW, { above: 0, max: SIGMA_MAX });
  const sigmaB = numberIn('init.meanField: sigmaB', o.sigmaB, { min: 0, max: SIGMA_MAX }, 0);
  return fixedPoints(activation, sigmaW, sigmaB);
}

/**
 * The weight scale σ_w at which a deep network with this activation and bias scale σ_b is
 * critical (χ₁ = 1, the edge of chaos of {@link meanField}), with weights N(0, σ_w²/fanIn).
 * ReLU: √2 whatever σ_b (He et al.'s gain); linear: 1; tanh: 1 at σ_b = 0, rising with σ_b
 * (σ_w² ≈ 1.76 at σ_b² = 0.05); sigmoid: about 10.15 at σ_b = 0. Found by Brent's method on
 * χ₁(σ_w) − 1 to 1e-12.
 *
 * ```ts
 * const sigmaW = nninit.init.criticalPoint({ activation: 'tanh', sigmaB: 0.05 ** 0.5 }); // 1.327
 * const w = nninit.init.normal([256, 256], { std: sigmaW / Math.sqrt(256), seed: 1 });
 * ```
 */
export function criticalPoint(options: CriticalPointOptions): number {
  const o = checkOptions('init.criticalPoint', options, { activation: true, sigmaB: true });
  const activation = checkActivation('init.criticalPoint', o.activation);
  const sigmaB = numberIn('init.criticalPoint: sigmaB', o.sigmaB, { min: 0, max: SIGMA_MAX }, 0);
  switch (activation) {
    case 'relu':
      return Math.SQRT2;
    case 'linear':
      return 1;
    case 'tanh':
      // σ_b = 0, σ_w ≤ 1: q* = 0 and χ₁ = σ_w² tanh′(0)² = σ_w²; above 1, χ₁ > 1.
      if (sigmaB === 0) return 1;
      return chi1Root(tanh, true, 1, sigmaB);
    case 'sigmoid':
      // χ₁ ≤ σ_w²·max σ′² = σ_w²/16 < 1 below σ_w = 4.
      return chi1Root(sigmoid, false, 4, sigmaB);
  }
}

/** The σ_w > low where χ₁ crosses 1, given χ₁(low) < 1: doubling until above 1, then Brent. */
function chi1Root(phi: Nonlinearity, odd: boolean, low: number, sigmaB: number): number {
  const excess = (sigmaW: number) => lengthAndSlope(phi, odd, sigmaW * sigmaW, sigmaB * sigmaB).chi1 - 1;
  let lower = low;
  let atLower = excess(lower);
  let upper = 2 * low;
  let atUpper = excess(upper);
  while (atUpper <= 0) {
    if (upper >= SIGMA_MAX) throw new ParamError(`init.criticalPoint: no critical sigmaW up to ${SIGMA_MAX} at sigmaB ${show(sigmaB)}`);
    lower = upper;
    atLower = atUpper;
    upper *= 2;
    atUpper = excess(upper);
  }
  return brent(excess, lower, upper, atLower, atUpper, 1e-13);
}
