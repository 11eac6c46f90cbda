// Monitoring sums: free energies, scikit-learn's pseudo-likelihood and squared errors, in f64.
// Rows are independent, so a batch of rows may be split over threads.
import { addInto, softplusSum } from './rbm/common';
import { softplusLanes } from './simd-math';
import { hiddenInputs } from './rbm/products';

/** The visible units' term of the free energy: −b·v (Bernoulli) or ½‖v − b‖² (Gaussian), in f64. */
function visibleEnergy(v: usize, visibleBias: usize, nVisible: i32, gaussian: i32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < nVisible; i++) {
    const x = <f64>load<f32>(v + (<usize>i << 2));
    const b = <f64>load<f32>(visibleBias + (<usize>i << 2));
    total += gaussian != 0 ? 0.5 * (x - b) * (x - b) : -b * x;
  }
  return total;
}

/**
 * Free energy of each row of v into out (f64): F(v) = −b·v − Σ_j softplus(c_j + W_j·v) for Bernoulli
 * visible units, ½‖v − b‖² − Σ_j softplus(…) for Gaussian ones. W comes packed by rbmPackWeights;
 * `pre` holds rows × nHidden floats.
 */
export function rbmFreeEnergy(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  packedWeights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  gaussian: i32,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  hiddenInputs(v, rows, nVisible, nHidden, packedWeights, pre, workspace);
  const hiddenRowBytes = <usize>nHidden << 2;
  for (let r = 0; r < rows; r++) {
    const row = pre + <usize>r * hiddenRowBytes;
    addInto(row, hiddenBias, nHidden);
    const visibleRow = v + <usize>r * (<usize>nVisible << 2);
    store<f64>(out + (<usize>r << 3), visibleEnergy(visibleRow, visibleBias, nVisible, gaussian) - softplusSum(row, nHidden));
  }
}

/**
 * scikit-learn's pseudo-likelihood terms for Bernoulli visible units: for row r, flip unit
 * i = flips[r] (v_i → 1 − v_i) and write nVisible · log σ(F(ṽ) − F(v)) to out[r] (f64).
 * Flipping one unit moves the hidden inputs by δ·W[:, i], so no second product is needed.
 * W comes both plain and packed (rbmPackWeights). `pre` holds rows × nHidden floats.
 */
export function rbmPseudoLikelihood(
  v: usize,
  rows: i32,
  nVisible: i32,
  nHidden: i32,
  weights: usize,
  packedWeights: usize,
  visibleBias: usize,
  hiddenBias: usize,
  flips: usize,
  pre: usize,
  out: usize,
  workspace: usize,
): void {
  hiddenInputs(v, rows, nVisible, nHidden, packedWeights, pre, workspace);
  const hiddenRowBytes = <usize>nHidden << 2;
  const weightRowBytes = <usize>nVisible << 2;
  for (let r = 0; r < rows; r++) {
    const row = pre + <usize>r * hiddenRowBytes;
    addInto(row, hiddenBias, nHidden);
    const i = load<i32>(flips + (<usize>r << 2));
    const vi = load<f32>(v + <usize>r * weightRowBytes + (<usize>i << 2));
    const delta: f32 = 1 - 2 * vi;
    // F(ṽ) − F(v) = −b_i·δ − Σ_j [softplus(pre_j + δ·W_ji) − softplus(pre_j)]
    let gap = -<f64>load<f32>(visibleBias + (<usize>i << 2)) * <f64>delta;
    for (let j = 0; j < nHidden; j++) {
      const x = load<f32>(row + (<usize>j << 2));
      const flipped = x + delta * load<f32>(weights + <usize>j * weightRowBytes + (<usize>i << 2));
      const pair = softplusLanes(f32x4.replace_lane(f32x4.splat(x), 1, flipped));
      gap -= <f64>f32x4.extract_lane(pair, 1) - <f64>f32x4.extract_lane(pair, 0);
    }
    // log σ(g) = −softplus(−g), in f64
    const logSigmoid = gap >= 0 ? -Math.log1p(Math.exp(-gap)) : gap - Math.log1p(Math.exp(gap));
    store<f64>(out + (<usize>r << 3), <f64>nVisible * logSigmoid);
  }
}

/** Σ (a[i] − b[i])² over n floats, in f64. */
export function rbmSquaredError(a: usize, b: usize, n: i32): f64 {
  let sum = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const x = v128.load(a + offset);
    const y = v128.load(b + offset);
    const low = f64x2.sub(f64x2.promote_low_f32x4(x), f64x2.promote_low_f32x4(y));
    const high = f64x2.sub(f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1)), f64x2.promote_low_f32x4(i32x4.shuffle(y, y, 2, 3, 0, 1)));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const d = <f64>load<f32>(a + (<usize>i << 2)) - <f64>load<f32>(b + (<usize>i << 2));
    total += d * d;
  }
  return total;
}
