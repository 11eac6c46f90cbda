// The exact log-partition function by enumeration, behind RBM.logLikelihood (≤ 2^20 states).
import { addInto, softplusSum, subtractFrom } from './rbm/common';

/** Steps between rebuilds of the enumerated sums, so that f32 rounding cannot drift across 2^20 updates. */
const REBUILD_INTERVAL: u32 = 1024;

/** input = otherBias + Σ_{k in state} rows[k]; returns Σ_{k in state} enumBias[k] (f64). */
function rebuildInput(state: u32, rows: usize, enumBias: usize, otherBias: usize, otherSize: i32, input: usize): f64 {
  memory.copy(input, otherBias, <usize>otherSize << 2);
  let enumTerm: f64 = 0;
  for (let bits = state; bits != 0; bits &= bits - 1) {
    const k = ctz(bits);
    addInto(input, rows + <usize>k * (<usize>otherSize << 2), otherSize);
    enumTerm += <f64>load<f32>(enumBias + (<usize>k << 2));
  }
  return enumTerm;
}

/** Σ a²/2 over n floats, in f64. */
function halfSquareSum(a: usize, n: i32): f64 {
  let sum = f64x2.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const x = v128.load(a + (<usize>i << 2));
    const low = f64x2.promote_low_f32x4(x);
    const high = f64x2.promote_low_f32x4(i32x4.shuffle(x, x, 2, 3, 0, 1));
    sum = f64x2.add(sum, f64x2.add(f64x2.mul(low, low), f64x2.mul(high, high)));
  }
  let total = f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1);
  for (; i < n; i++) {
    const x = <f64>load<f32>(a + (<usize>i << 2));
    total += x * x;
  }
  return 0.5 * total;
}

/**
 * log Z by enumerating the 2^units binary states s of one layer in Gray-code order (one row added
 * or removed per state) with the other layer summed out:
 *   log Σ_s exp(s·enumBias + Σ_o g(a_o)),  a = otherBias + Σ_k s_k·rows[k, :],
 * g = softplus for Bernoulli units of the other layer; for Gaussian ones g(a) = (a² − b²)/2 + ½·log 2π
 * (b = otherBias). rows is [units, otherSize]: W to enumerate the hidden layer, Wᵀ for the visible
 * one. `input` holds otherSize floats of scratch. units ≤ 30.
 */
export function rbmLogPartition(rows: usize, enumBias: usize, otherBias: usize, units: i32, otherSize: i32, gaussianOther: i32, input: usize): f64 {
  const rowBytes = <usize>otherSize << 2;
  let max = -Infinity;
  let sum: f64 = 0;
  let state: u32 = 0;
  let enumTerm = rebuildInput(0, rows, enumBias, otherBias, otherSize, input);
  const states: u32 = 1 << units;
  for (let step: u32 = 0; step < states; step++) {
    if (step > 0) {
      const k = ctz(step);
      state ^= 1 << k;
      if (step % REBUILD_INTERVAL == 0) enumTerm = rebuildInput(state, rows, enumBias, otherBias, otherSize, input);
      else {
        const on = (state >> k) & 1;
        const row = rows + <usize>k * rowBytes;
        const bias = <f64>load<f32>(enumBias + (<usize>k << 2));
        if (on) {
          addInto(input, row, otherSize);
          enumTerm += bias;
        } else {
          subtractFrom(input, row, otherSize);
          enumTerm -= bias;
        }
      }
    }
    const t = enumTerm + (gaussianOther != 0 ? halfSquareSum(input, otherSize) : softplusSum(input, otherSize));
    if (t <= max) sum += Math.exp(t - max);
    else {
      sum = sum * Math.exp(max - t) + 1;
      max = t;
    }
  }
  let logZ = max + Math.log(sum);
  if (gaussianOther != 0) logZ += 0.5 * <f64>otherSize * Math.log(2 * Math.PI) - halfSquareSum(otherBias, otherSize);
  return logZ;
}
