// Dense-network kernels beyond GEMM and the elementwise activations: batch gathering, losses with
// their gradients from logits, bias gradients, SELU, gradient norms and clipping, and the optimizer updates.
// Pointers are byte addresses of f32 (or i32) arrays; nothing here allocates.

// SELU constants (Klambauer et al. 2017), as in torch.nn.SELU.
// @ts-ignore: decorator
@inline const SELU_ALPHA: f32 = 1.6732632423543772;
// @ts-ignore: decorator
@inline const SELU_SCALE: f32 = 1.0507009873554805;

/** dst row r = src row indices[r], for `count` rows of `cols` floats (indices are i32). */
export function nnGatherRows(src: usize, cols: i32, indices: usize, count: i32, dst: usize): void {
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < count; r++) {
    const from = <usize>load<i32>(indices + (<usize>r << 2));
    memory.copy(dst + <usize>r * rowBytes, src + from * rowBytes, rowBytes);
  }
}

/**
 * Softmax cross-entropy from logits, rows × cols, against target distributions (one-hot for class
 * ids). Returns Σ over rows of −Σⱼ tⱼ·log softmax(z)ⱼ, computed stably in f64 (log-sum-exp after
 * subtracting the row max). When `grad` is not 0 it also writes ∂/∂z = (softmax(z)·Σt − t)·scale.
 */
export function nnSoftmaxCrossEntropy(logits: usize, targets: usize, rows: i32, cols: i32, grad: usize, scale: f32): f64 {
  let total: f64 = 0;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const z = logits + <usize>r * rowBytes;
    const t = targets + <usize>r * rowBytes;
    let max: f64 = -Infinity;
    for (let j = 0; j < cols; j++) max = Math.max(max, <f64>load<f32>(z + (<usize>j << 2)));
    let sumExp: f64 = 0;
    for (let j = 0; j < cols; j++) sumExp += Math.exp(<f64>load<f32>(z + (<usize>j << 2)) - max);
    const logSumExp = max + Math.log(sumExp);
    let targetSum: f64 = 0;
    for (let j = 0; j < cols; j++) {
      const tj = <f64>load<f32>(t + (<usize>j << 2));
      targetSum += tj;
      // Skipping zero targets keeps 0·(+∞) from making NaN when a logit underflows its softmax.
      if (tj != 0) total += tj * (logSumExp - <f64>load<f32>(z + (<usize>j << 2)));
    }
    if (grad == 0) continue;
    const g = grad + <usize>r * rowBytes;
    for (let j = 0; j < cols; j++) {
      const offset = <usize>j << 2;
      const p = Math.exp(<f64>load<f32>(z + offset) - logSumExp);
      store<f32>(g + offset, <f32>((p * targetSum - <f64>load<f32>(t + offset)) * scale));
    }
  }
  return total;
}

/**
 * Binary cross-entropy from logits over n elements: Σ max(z, 0) − z·t + log(1 + e^−|z|) in f64,
 * the form that never takes the log of 0. When `grad` is not 0 it writes (σ(z) − t)·scale.
 */
export function nnSigmoidCrossEntropy(logits: usize, targets: usize, n: i32, grad: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const offset = <usize>i << 2;
    const z = <f64>load<f32>(logits + offset);
    const t = <f64>load<f32>(targets + offset);
    const e = Math.exp(-Math.abs(z));
    total += Math.max(z, 0) - z * t + Math.log1p(e);
    if (grad != 0) {
      const sigmoid = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      store<f32>(grad + offset, <f32>((sigmoid - t) * scale));
    }
  }
  return total;
}

/** Squared error over n elements: Σ (y − t)² in f64; when `grad` is not 0 it writes 2·(y − t)·scale. */
export function nnSquaredError(outputs: usize, targets: usize, n: i32, grad: usize, scale: f32): f64 {
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const offset = <usize>i << 2;
    const diff = load<f32>(outputs + offset) - load<f32>(targets + offset);
    total += <f64>diff * <f64>diff;
    if (grad != 0) store<f32>(grad + offset, 2 * diff * scale);
  }
  return total;
}

/**
 * Rows whose prediction matches the target: the first arg max of each row when cols > 1; with one
 * column, whether the output exceeds `threshold` exactly when the target exceeds 0.5.
 */
export function nnCountCorrect(outputs: usize, targets: usize, rows: i32, cols: i32, threshold: f32): i32 {
  let correct = 0;
  const rowBytes = <usize>cols << 2;
  for (let r = 0; r < rows; r++) {
    const y = outputs + <usize>r * rowBytes;
    const t = targets + <usize>r * rowBytes;
    if (cols == 1) {
      if ((load<f32>(y) > threshold) == (load<f32>(t) > 0.5)) correct++;
      continue;
    }
    if (argMax(y, cols) == argMax(t, cols)) correct++;
  }
  return correct;
}

function argMax(row: usize, cols: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(row);
  for (let j = 1; j < cols; j++) {
    const v = load<f32>(row + (<usize>j << 2));
    if (v > bestValue) {
      bestValue = v;
      best = j;
    }
  }
  return best;
}

/** dst[j] = Σ over rows of src[r, j]: the bias gradient from a batch of deltas. */
export function nnColumnSums(src: usize, rows: i32, cols: i32, dst: usize): void {
  const rowBytes = <usize>cols << 2;
  let j = 0;
  for (; j + 4 <= cols; j += 4) {
    let sum = f32x4.splat(0);
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      sum = f32x4.add(sum, v128.load(p));
      p += rowBytes;
    }
    v128.store(dst + (<usize>j << 2), sum);
  }
  for (; j < cols; j++) {
    let sum: f32 = 0;
    let p = src + (<usize>j << 2);
    for (let r = 0; r < rows; r++) {
      sum += load<f32>(p);
      p += rowBytes;
    }
    store<f32>(dst + (<usize>j << 2), sum);
  }
}

/** In place: x ← λ·x for x > 0, λ·α·(eˣ − 1) otherwise. */
export function nnSelu(x: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const p = x + (<usize>i << 2);
    const v = load<f32>(p);
    store<f32>(p, v > 0 ? SELU_SCALE * v : SELU_SCALE * SELU_ALPHA * Mathf.expm1(v));
  }
}

/**
 * In place: delta ← delta·selu′, with the derivative taken from the SELU output y: λ where y > 0,
 * else λ·α·eˣ = y + λ·α. Storing outputs only (not pre-activations) halves activation memory.
 */
export function nnSeluBackward(delta: usize, outputs: usize, n: i32): void {
  const scale = f32x4.splat(SELU_SCALE);
  const shift = f32x4.splat(SELU_SCALE * SELU_ALPHA);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const y = v128.load(outputs + offset);
    const derivative = v128.bitselect(scale, f32x4.add(y, shift), f32x4.gt(y, zero));
    v128.store(delta + offset, f32x4.mul(v128.load(delta + offset), derivative));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    const y = load<f32>(outputs + offset);
    store<f32>(delta + offset, load<f32>(delta + offset) * (y > 0 ? SELU_SCALE : y + SELU_SCALE * SELU_ALPHA));
  }
}

/** Σ x² over n elements, in f64 (for the global gradient norm). */
export function nnSumOfSquares(x: usize, n: i32): f64 {
  let total: f64 = 0;
  let i = 0;
  // f32x4 partial sums over short runs, folded into f64 so long vectors keep their precision.
  while (i + 4 <= n) {
    const end = min(n, i + 1024) & ~3;
    let partial = f32x4.splat(0);
    for (; i < end; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      partial = f32x4.add(partial, f32x4.mul(v, v));
    }
    total +=
      <f64>f32x4.extract_lane(partial, 0) +
      <f64>f32x4.extract_lane(partial, 1) +
      <f64>f32x4.extract_lane(partial, 2) +
      <f64>f32x4.extract_lane(partial, 3);
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(x + (<usize>i << 2));
    total += v * v;
  }
  return total;
}

/** In place: x ← clamp(x, −limit, limit). */
export function nnClampValues(x: usize, n: i32, limit: f32): void {
  const high = f32x4.splat(limit);
  const low = f32x4.splat(-limit);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const p = x + (<usize>i << 2);
    v128.store(p, f32x4.pmax(f32x4.pmin(v128.load(p), high), low));
  }
  for (; i < n; i++) {
    const p = x + (<usize>i << 2);
    store<f32>(p, max(min(load<f32>(p), limit), -limit));
  }
}

/**
 * One SGD step as torch.optim.SGD (dampening 0): g ← gradScale·grad + weightDecay·p; with momentum
 * v ← momentum·v + g and the step is v (or g + momentum·v for Nesterov); p ← p − lr·step.
 * `velocity` is ignored when momentum is 0.
 */
export function nnSgdStep(
  params: usize,
  grads: usize,
  velocity: usize,
  n: i32,
  lr: f32,
  momentum: f32,
  nesterov: i32,
  weightDecay: f32,
  gradScale: f32,
): void {
  const vLr = f32x4.splat(lr);
  const vMomentum = f32x4.splat(momentum);
  const vDecay = f32x4.splat(weightDecay);
  const vScale = f32x4.splat(gradScale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const p = v128.load(params + offset);
    let g = f32x4.add(f32x4.mul(v128.load(grads + offset), vScale), f32x4.mul(p, vDecay));
    if (momentum != 0) {
      const v = f32x4.add(f32x4.mul(v128.load(velocity + offset), vMomentum), g);
      v128.store(velocity + offset, v);
      g = nesterov ? f32x4.add(g, f32x4.mul(v, vMomentum)) : v;
    }
    v128.store(params + offset, f32x4.sub(p, f32x4.mul(g, vLr)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    const p = load<f32>(params + offset);
    let g = load<f32>(grads + offset) * gradScale + p * weightDecay;
    if (momentum != 0) {
      const v = load<f32>(velocity + offset) * momentum + g;
      store<f32>(velocity + offset, v);
      g = nesterov ? g + v * momentum : v;
    }
    store<f32>(params + offset, p - g * lr);
  }
}

/**
 * One Adam/AdamW step as torch.optim: g ← gradScale·grad + l2·p; m ← β₁m + (1−β₁)g;
 * v ← β₂v + (1−β₂)g²; p ← decay·p − stepSize·m / (√v·denomScale + ε), where the caller passes
 * stepSize = lr / (1 − β₁ᵗ), denomScale = 1 / √(1 − β₂ᵗ), l2 = Adam's weight decay and
 * decay = 1 − lr·weightDecay for AdamW's decoupled decay (1 otherwise).
 */
export function nnAdamStep(
  params: usize,
  grads: usize,
  m: usize,
  v: usize,
  n: i32,
  stepSize: f32,
  denomScale: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  l2: f32,
  decay: f32,
  gradScale: f32,
): void {
  const vStep = f32x4.splat(stepSize);
  const vDenomScale = f32x4.splat(denomScale);
  const vBeta1 = f32x4.splat(beta1);
  const vBeta2 = f32x4.splat(beta2);
  const vOneMinusBeta1 = f32x4.splat(1 - beta1);
  const vOneMinusBeta2 = f32x4.splat(1 - beta2);
  const vEps = f32x4.splat(eps);
  const vL2 = f32x4.splat(l2);
  const vDecay = f32x4.splat(decay);
  const vScale = f32x4.splat(gradScale);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const offset = <usize>i << 2;
    const p = v128.load(params + offset);
    const g = f32x4.add(f32x4.mul(v128.load(grads + offset), vScale), f32x4.mul(p, vL2));
    const m1 = f32x4.add(f32x4.mul(v128.load(m + offset), vBeta1), f32x4.mul(g, vOneMinusBeta1));
    const v1 = f32x4.add(f32x4.mul(v128.load(v + offset), vBeta2), f32x4.mul(f32x4.mul(g, g), vOneMinusBeta2));
    v128.store(m + offset, m1);
    v128.store(v + offset, v1);
    const denom = f32x4.add(f32x4.mul(f32x4.sqrt(v1), vDenomScale), vEps);
    v128.store(params + offset, f32x4.sub(f32x4.mul(p, vDecay), f32x4.div(f32x4.mul(m1, vStep), denom)));
  }
  for (; i < n; i++) {
    const offset = <usize>i << 2;
    const p = load<f32>(params + offset);
    const g = load<f32>(grads + offset) * gradScale + p * l2;
    const m1 = load<f32>(m + offset) * beta1 + g * (1 - beta1);
    const v1 = load<f32>(v + offset) * beta2 + g * g * (1 - beta2);
    store<f32>(m + offset, m1);
    store<f32>(v + offset, v1);
    store<f32>(params + offset, p * decay - (m1 * stepSize) / (Mathf.sqrt(v1) * denomScale + eps));
  }
}
