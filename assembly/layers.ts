// Small kernels the layer graph needs between its products: dropout, the residual sum and gate,
// scalar biases, and the axis swap that moves a batch between image-major [n, c, ·] and
// channel-major [c, n, ·] layouts. Pointers are byte addresses of f32 arrays; an output may be
// an input (in place) unless said otherwise.

/**
 * Inverted dropout: `mask` holds Bernoulli(keep) draws (1 or 0) and becomes mask / keep (0 when
 * keep is 0), the factor the backward pass multiplies by; y = x · mask.
 */
export function layersDropout(x: usize, mask: usize, y: usize, n: i32, keep: f32): void {
  for (let i = 0; i < n; i++) {
    const offset = <usize>i << 2;
    const m: f32 = keep > 0 ? load<f32>(mask + offset) / keep : 0;
    store<f32>(mask + offset, m);
    store<f32>(y + offset, load<f32>(x + offset) * m);
  }
}

/** out = a · b elementwise. */
export function layersMultiply(a: usize, b: usize, out: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(out + offset, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(out + offset, load<f32>(a + offset) * load<f32>(b + offset));
  }
}

/** out = x + alpha · y (alpha 1 adds exactly). */
export function layersAddScaled(x: usize, y: usize, alpha: f32, out: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(out + offset, f32x4.add(v128.load(x + offset), f32x4.mul(va, v128.load(y + offset))));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(out + offset, load<f32>(x + offset) + alpha * load<f32>(y + offset));
  }
}

/** out = alpha · x. */
export function layersScale(x: usize, alpha: f32, out: usize, n: i32): void {
  const va = f32x4.splat(alpha);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(out + offset, f32x4.mul(va, v128.load(x + offset)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(out + offset, alpha * load<f32>(x + offset));
  }
}

/** dst = src, n floats (regions must not overlap). */
export function layersCopy(src: usize, dst: usize, n: i32): void {
  memory.copy(dst, src, <usize>n << 2);
}

/** out = x + value. */
export function layersAddScalar(x: usize, value: f32, out: usize, n: i32): void {
  const vv = f32x4.splat(value);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    v128.store(out + offset, f32x4.add(v128.load(x + offset), vv));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    store<f32>(out + offset, load<f32>(x + offset) + value);
  }
}

/** Σ a·b over n elements: f32x4 partial sums over runs of 1024, folded into f64. */
export function layersDot(a: usize, b: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i + 4 <= n) {
    const end = min(n, i + 1024) & ~3;
    let partial = f32x4.splat(0);
    for (; i < end; i += 4) {
      const offset = <usize>i << 2;
      partial = f32x4.add(partial, f32x4.mul(v128.load(a + offset), v128.load(b + offset)));
    }
    total +=
      <f64>f32x4.extract_lane(partial, 0) +
      <f64>f32x4.extract_lane(partial, 1) +
      <f64>f32x4.extract_lane(partial, 2) +
      <f64>f32x4.extract_lane(partial, 3);
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    total += <f64>load<f32>(a + offset) * <f64>load<f32>(b + offset);
  }
  return total;
}

/** Σ x over n elements, summed like layersDot. */
export function layersSum(x: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  while (i + 4 <= n) {
    const end = min(n, i + 1024) & ~3;
    let partial = f32x4.splat(0);
    for (; i < end; i += 4) partial = f32x4.add(partial, v128.load(x + (<usize>i << 2)));
    total +=
      <f64>f32x4.extract_lane(partial, 0) +
      <f64>f32x4.extract_lane(partial, 1) +
      <f64>f32x4.extract_lane(partial, 2) +
      <f64>f32x4.extract_lane(partial, 3);
  }
  for (; i < n; i++) total += <f64>load<f32>(x + (<usize>i << 2));
  return total;
}

/**
 * dst [inner, outer, length] = src [outer, inner, length] with the two outer axes swapped (not in
 * place): [n, c, h·w] ↔ [c, n, h·w].
 */
export function layersSwapAxes(src: usize, outer: i32, inner: i32, length: i32, dst: usize): void {
  const runBytes = <usize>length << 2;
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      memory.copy(dst + <usize>(i * outer + o) * runBytes, src + <usize>(o * inner + i) * runBytes, runBytes);
    }
  }
}
