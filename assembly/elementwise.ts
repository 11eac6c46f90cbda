// Elementwise kernels on raw f32 buffers: bias add, activations and their derivatives, row-wise
// softmax and log-softmax, softplus.
//
// Pointers are byte addresses of f32 arrays; counts are elements (0 does nothing). An output may be
// the same buffer as an input (in place) unless the kernel says otherwise. Matrices are row-major
// rows × cols. The last 1–3 elements of a run go through the same lane code as the others, with
// partial loads and stores, so an element's result never depends on where it sits or on the length.
//
// Loops compute four vectors, then store them: V8 materializes each v128 constant inside the loop,
// and four independent chains share them (sigmoid ~420 → ~800 M elements/s; storing each vector
// right after computing it gave ~560; relu ~6.7 → ~8 G elements/s).
import { expLanes, sigmoidLanes, softplusLanes, tanhLanes } from './simd-math';

// --- partial vectors -------------------------------------------------------------------------------

/** The first `count` (1..3) f32 at ptr in the low lanes, zeros above. */
// @ts-ignore: decorator
@inline function loadFirstLanes(ptr: usize, count: i32): v128 {
  if (count == 1) return v128.load32_zero(ptr);
  const low = v128.load64_zero(ptr);
  return count == 2 ? low : v128.load32_lane(ptr, low, 2, 8);
}

/** Stores the low `count` (1..3) lanes of v at ptr. */
// @ts-ignore: decorator
@inline function storeFirstLanes(ptr: usize, v: v128, count: i32): void {
  if (count == 1) {
    v128.store32_lane(ptr, v, 0);
    return;
  }
  v128.store64_lane(ptr, v, 0);
  if (count == 3) v128.store32_lane(ptr, v, 2, 8);
}

/** Stores four vectors at ptr, ptr + 16, ptr + 32, ptr + 48. */
// @ts-ignore: decorator
@inline function storeFour(ptr: usize, v0: v128, v1: v128, v2: v128, v3: v128): void {
  v128.store(ptr, v0);
  v128.store(ptr, v1, 16);
  v128.store(ptr, v2, 32);
  v128.store(ptr, v3, 48);
}

/** All-ones in the low `count` lanes, zeros above. */
// @ts-ignore: decorator
@inline function firstLanesMask(count: i32): v128 {
  return i32x4.gt_s(i32x4.splat(count), i32x4(0, 1, 2, 3));
}

// --- the two mapping loops ----------------------------------------------------------------------------
// Every call passes a constant op, so inlining leaves only that op's branch (checked in the .wat).

const enum Unary {
  Sigmoid,
  Tanh,
  Relu,
  LeakyRelu,
  Softplus,
  Scale,
  Subtract,
}

/** One vector of a unary op; `param` is the slope, factor or subtrahend of the ops that take one. */
// @ts-ignore: decorator
@inline function unaryLanes(op: Unary, x: v128, param: v128): v128 {
  const zero = f32x4.splat(0);
  switch (op) {
    case Unary.Sigmoid:
      return sigmoidLanes(x);
    case Unary.Tanh:
      return tanhLanes(x);
    case Unary.Relu:
      // Clears exactly the lanes where x ≤ 0 holds, which NaN's do not: NaN stays NaN, −0 becomes +0.
      return v128.andnot(x, f32x4.le(x, zero));
    case Unary.LeakyRelu:
      return v128.bitselect(x, f32x4.mul(x, param), f32x4.gt(x, zero));
    case Unary.Softplus:
      return softplusLanes(x);
    case Unary.Scale:
      return f32x4.mul(x, param);
    default:
      return f32x4.sub(x, param);
  }
}

/** out[i] = op(x[i]) for i < n. */
// @ts-ignore: decorator
@inline function mapUnary(op: Unary, x: usize, out: usize, n: i32, param: v128): void {
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    const v0 = unaryLanes(op, v128.load(x + o), param);
    const v1 = unaryLanes(op, v128.load(x + o, 16), param);
    const v2 = unaryLanes(op, v128.load(x + o, 32), param);
    const v3 = unaryLanes(op, v128.load(x + o, 48), param);
    storeFour(out + o, v0, v1, v2, v3);
  }
  for (; o + 16 <= bytes; o += 16) v128.store(out + o, unaryLanes(op, v128.load(x + o), param));
  const rest = <i32>(bytes - o) >> 2;
  if (rest > 0) storeFirstLanes(out + o, unaryLanes(op, loadFirstLanes(x + o, rest), param), rest);
}

const enum Binary {
  Add,
  SigmoidGrad,
  TanhGrad,
  ReluGrad,
  LeakyReluGrad,
}

/** One vector of a binary op on (a, b); the gradients take (activation, dy). */
// @ts-ignore: decorator
@inline function binaryLanes(op: Binary, a: v128, b: v128, param: v128): v128 {
  const zero = f32x4.splat(0);
  const one = f32x4.splat(1);
  switch (op) {
    case Binary.Add:
      return f32x4.add(a, b);
    case Binary.SigmoidGrad: // dy · y(1 − y)
      return f32x4.mul(b, f32x4.mul(a, f32x4.sub(one, a)));
    case Binary.TanhGrad: // dy · (1 − y)(1 + y), accurate as |y| → 1 where 1 − y² is not
      return f32x4.mul(b, f32x4.mul(f32x4.sub(one, a), f32x4.add(one, a)));
    case Binary.ReluGrad: // x > 0 ? dy : 0
      return v128.and(b, f32x4.gt(a, zero));
    default: // LeakyReluGrad: x > 0 ? dy : slope · dy
      return v128.bitselect(b, f32x4.mul(b, param), f32x4.gt(a, zero));
  }
}

/** out[i] = op(a[i], b[i]) for i < n. */
// @ts-ignore: decorator
@inline function mapBinary(op: Binary, a: usize, b: usize, out: usize, n: i32, param: v128): void {
  const bytes = <usize>n << 2;
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    const v0 = binaryLanes(op, v128.load(a + o), v128.load(b + o), param);
    const v1 = binaryLanes(op, v128.load(a + o, 16), v128.load(b + o, 16), param);
    const v2 = binaryLanes(op, v128.load(a + o, 32), v128.load(b + o, 32), param);
    const v3 = binaryLanes(op, v128.load(a + o, 48), v128.load(b + o, 48), param);
    storeFour(out + o, v0, v1, v2, v3);
  }
  for (; o + 16 <= bytes; o += 16) v128.store(out + o, binaryLanes(op, v128.load(a + o), v128.load(b + o), param));
  const rest = <i32>(bytes - o) >> 2;
  if (rest > 0) {
    storeFirstLanes(out + o, binaryLanes(op, loadFirstLanes(a + o, rest), loadFirstLanes(b + o, rest), param), rest);
  }
}

// --- bias, activations and their derivatives ------------------------------------------------------------

/** out[r, c] = x[r, c] + bias[c]. */
export function elementwiseBiasAdd(x: usize, bias: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * rowBytes;
    mapBinary(Binary.Add, x + offset, bias, out + offset, cols, f32x4.splat(0));
  }
}

/** out = σ(x) = 1 / (1 + e^−x). */
export function elementwiseSigmoid(x: usize, out: usize, n: i32): void {
  mapUnary(Unary.Sigmoid, x, out, n, f32x4.splat(0));
}

/** dx = dy · y · (1 − y), from the sigmoid's output y. */
export function elementwiseSigmoidBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  mapBinary(Binary.SigmoidGrad, y, dy, dx, n, f32x4.splat(0));
}

/** out = tanh(x). */
export function elementwiseTanh(x: usize, out: usize, n: i32): void {
  mapUnary(Unary.Tanh, x, out, n, f32x4.splat(0));
}

/** dx = dy · (1 − y²), from tanh's output y. */
export function elementwiseTanhBackward(y: usize, dy: usize, dx: usize, n: i32): void {
  mapBinary(Binary.TanhGrad, y, dy, dx, n, f32x4.splat(0));
}

/** out = max(x, 0); NaN stays NaN (like PyTorch). */
export function elementwiseRelu(x: usize, out: usize, n: i32): void {
  mapUnary(Unary.Relu, x, out, n, f32x4.splat(0));
}

/** dx = x > 0 ? dy : 0; x may be the pre-activation or relu's output (same sign test). */
export function elementwiseReluBackward(x: usize, dy: usize, dx: usize, n: i32): void {
  mapBinary(Binary.ReluGrad, x, dy, dx, n, f32x4.splat(0));
}

/** out = x > 0 ? x : slope · x. */
export function elementwiseLeakyRelu(x: usize, out: usize, n: i32, slope: f32): void {
  mapUnary(Unary.LeakyRelu, x, out, n, f32x4.splat(slope));
}

/** dx = x > 0 ? dy : slope · dy; x is the pre-activation (or the output, when slope > 0). */
export function elementwiseLeakyReluBackward(x: usize, dy: usize, dx: usize, n: i32, slope: f32): void {
  mapBinary(Binary.LeakyReluGrad, x, dy, dx, n, f32x4.splat(slope));
}

/** out = softplus(x) = log(1 + e^x), as max(x, 0) + log1p(e^−|x|). */
export function elementwiseSoftplus(x: usize, out: usize, n: i32): void {
  mapUnary(Unary.Softplus, x, out, n, f32x4.splat(0));
}

// --- row-wise softmax ---------------------------------------------------------------------------------
// Stable form: e^(x − max) never overflows. Sums are accumulated in f64. As in PyTorch, a row
// holding NaN or +∞, or only −∞, comes out all NaN (through ∞ − ∞ and the NaN sum); −∞ gives 0.

/** Largest element of a row. NaN elements are skipped: they turn the row's sum NaN anyway. */
// @ts-ignore: decorator
@inline function rowMax(src: usize, bytes: usize): f32 {
  // Two accumulators halve the chain of dependent pmax.
  let best0 = f32x4.splat(-Infinity);
  let best1 = best0;
  let o: usize = 0;
  for (; o + 32 <= bytes; o += 32) {
    best0 = f32x4.pmax(best0, v128.load(src + o));
    best1 = f32x4.pmax(best1, v128.load(src + o, 16));
  }
  if (o + 16 <= bytes) {
    best0 = f32x4.pmax(best0, v128.load(src + o));
    o += 16;
  }
  let best = f32x4.pmax(best0, best1);
  best = f32x4.pmax(best, i32x4.shuffle(best, best, 2, 3, 0, 1));
  best = f32x4.pmax(best, i32x4.shuffle(best, best, 1, 0, 3, 2));
  let result = f32x4.extract_lane(best, 0);
  for (; o < bytes; o += 4) {
    const v = load<f32>(src + o);
    if (v > result) result = v;
  }
  return result;
}

/** The four lanes of v added in f64 (exact: two f32 sum exactly in f64), as an f64x2. */
// @ts-ignore: decorator
@inline function pairSumF64(v: v128): v128 {
  return f64x2.add(f64x2.promote_low_f32x4(v), f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3)));
}

// @ts-ignore: decorator
@inline function lanesSumF64(acc: v128): f64 {
  return f64x2.extract_lane(acc, 0) + f64x2.extract_lane(acc, 1);
}

/** Σ e^(x − shift) over a row; the terms are also stored to dst when `store`. */
// @ts-ignore: decorator
@inline function expShiftedSum(src: usize, dst: usize, bytes: usize, shift: f32, store: bool): f64 {
  const shiftLanes = f32x4.splat(shift);
  let acc = f64x2.splat(0);
  let o: usize = 0;
  for (; o + 64 <= bytes; o += 64) {
    const e0 = expLanes(f32x4.sub(v128.load(src + o), shiftLanes));
    const e1 = expLanes(f32x4.sub(v128.load(src + o, 16), shiftLanes));
    const e2 = expLanes(f32x4.sub(v128.load(src + o, 32), shiftLanes));
    const e3 = expLanes(f32x4.sub(v128.load(src + o, 48), shiftLanes));
    if (store) storeFour(dst + o, e0, e1, e2, e3);
    // The terms are positive: adding four in f32 first costs at most two roundings (≤ 1.2e-7
    // relative) whatever the row length, and saves most of the f64 conversions.
    acc = f64x2.add(acc, pairSumF64(f32x4.add(f32x4.add(e0, e1), f32x4.add(e2, e3))));
  }
  for (; o + 16 <= bytes; o += 16) {
    const e = expLanes(f32x4.sub(v128.load(src + o), shiftLanes));
    if (store) v128.store(dst + o, e);
    acc = f64x2.add(acc, pairSumF64(e));
  }
  const rest = <i32>(bytes - o) >> 2;
  if (rest > 0) {
    const e = v128.and(expLanes(f32x4.sub(loadFirstLanes(src + o, rest), shiftLanes)), firstLanesMask(rest));
    if (store) storeFirstLanes(dst + o, e, rest);
    acc = f64x2.add(acc, pairSumF64(e));
  }
  return lanesSumF64(acc);
}

/** out[r, :] = softmax(x[r, :]) = e^(x − max) / Σ e^(x − max). */
export function elementwiseSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * rowBytes;
    const src = x + offset;
    const dst = out + offset;
    const sum = expShiftedSum(src, dst, rowBytes, rowMax(src, rowBytes), true);
    mapUnary(Unary.Scale, dst, dst, cols, f32x4.splat(<f32>(1 / sum)));
  }
}

/** out[r, :] = log-softmax(x[r, :]) = (x − max) − log Σ e^(x − max). */
export function elementwiseLogSoftmax(x: usize, out: usize, rows: i32, cols: i32): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const offset = <usize>r * rowBytes;
    const src = x + offset;
    const dst = out + offset;
    const max = rowMax(src, rowBytes);
    const logSum = <f32>Math.log(expShiftedSum(src, 0, rowBytes, max, false));
    // x − max first, exact where x is near max, where the result is small and needs its bits.
    mapUnary(Unary.Subtract, src, dst, cols, f32x4.splat(max));
    mapUnary(Unary.Subtract, dst, dst, cols, f32x4.splat(logSum));
  }
}
