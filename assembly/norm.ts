// Batch normalization (Ioffe & Szegedy 2015) as torch.nn.BatchNorm1d/2d, for any layout: value e of
// channel c sits at base + (c·channelStride + e·elementStride)·4. A flat batch [rows, features]
// has channelStride 1 and elementStride features; a channel-major batch [channels, rows·h·w] has
// channelStride rows·h·w and elementStride 1. Statistics are summed in f64.

// @ts-ignore: decorator
@inline function at(base: usize, c: i32, e: i32, channelStride: i32, elementStride: i32): usize {
  return base + ((<usize>c * <usize>channelStride + <usize>e * <usize>elementStride) << 2);
}

/**
 * y = (x − mean)·invStd·gamma + beta per channel, over `count` values per channel.
 * Training: mean and the biased variance of the batch, saved (mean, 1/√(var + eps)) for the
 * backward pass, and the running statistics updated as PyTorch does: running ← (1 − momentum)·running
 * + momentum·batch, with the unbiased variance var·count/(count − 1) (count must be ≥ 2).
 * Evaluation: the running statistics, also written to saveMean / saveInvStd.
 */
export function normForward(
  x: usize,
  channels: i32,
  count: i32,
  channelStride: i32,
  elementStride: i32,
  gamma: usize,
  beta: usize,
  eps: f32,
  training: i32,
  momentum: f32,
  runningMean: usize,
  runningVar: usize,
  saveMean: usize,
  saveInvStd: usize,
  y: usize,
): void {
  for (let c = 0; c < channels; c++) {
    const offset = <usize>c << 2;
    let mean: f64;
    let variance: f64;
    if (training) {
      let sum: f64 = 0;
      for (let e = 0; e < count; e++) sum += <f64>load<f32>(at(x, c, e, channelStride, elementStride));
      mean = sum / <f64>count;
      let squares: f64 = 0;
      for (let e = 0; e < count; e++) {
        const d = <f64>load<f32>(at(x, c, e, channelStride, elementStride)) - mean;
        squares += d * d;
      }
      variance = squares / <f64>count;
      const m = <f64>momentum;
      store<f32>(runningMean + offset, <f32>((1 - m) * <f64>load<f32>(runningMean + offset) + m * mean));
      const unbiased = (squares / <f64>(count - 1));
      store<f32>(runningVar + offset, <f32>((1 - m) * <f64>load<f32>(runningVar + offset) + m * unbiased));
    } else {
      mean = <f64>load<f32>(runningMean + offset);
      variance = <f64>load<f32>(runningVar + offset);
    }
    const invStd = 1 / Math.sqrt(variance + <f64>eps);
    store<f32>(saveMean + offset, <f32>mean);
    store<f32>(saveInvStd + offset, <f32>invStd);
    const scale = <f64>load<f32>(gamma + offset) * invStd;
    const shift = <f64>load<f32>(beta + offset) - mean * scale;
    for (let e = 0; e < count; e++) {
      const v = <f64>load<f32>(at(x, c, e, channelStride, elementStride));
      store<f32>(at(y, c, e, channelStride, elementStride), <f32>(v * scale + shift));
    }
  }
}

/**
 * Gradients of normForward with the statistics it saved. With x̂ = (x − mean)·invStd:
 * dGamma = Σ dy·x̂ and dBeta = Σ dy (skipped when dGamma is 0); dx (skipped when 0) is, in
 * training, gamma·invStd·(dy − Σdy/count − x̂·Σ(dy·x̂)/count) (the batch statistics depend on x),
 * and in evaluation gamma·invStd·dy.
 */
export function normBackward(
  x: usize,
  dy: usize,
  channels: i32,
  count: i32,
  channelStride: i32,
  elementStride: i32,
  gamma: usize,
  saveMean: usize,
  saveInvStd: usize,
  training: i32,
  dGamma: usize,
  dBeta: usize,
  dx: usize,
): void {
  for (let c = 0; c < channels; c++) {
    const offset = <usize>c << 2;
    const mean = <f64>load<f32>(saveMean + offset);
    const invStd = <f64>load<f32>(saveInvStd + offset);
    let sumDy: f64 = 0;
    let sumDyXhat: f64 = 0;
    if (dGamma != 0 || training) {
      for (let e = 0; e < count; e++) {
        const g = <f64>load<f32>(at(dy, c, e, channelStride, elementStride));
        const xhat = (<f64>load<f32>(at(x, c, e, channelStride, elementStride)) - mean) * invStd;
        sumDy += g;
        sumDyXhat += g * xhat;
      }
    }
    if (dGamma != 0) {
      store<f32>(dGamma + offset, <f32>sumDyXhat);
      store<f32>(dBeta + offset, <f32>sumDy);
    }
    if (dx == 0) continue;
    const scale = <f64>load<f32>(gamma + offset) * invStd;
    if (training) {
      const meanDy = sumDy / <f64>count;
      const meanDyXhat = sumDyXhat / <f64>count;
      for (let e = 0; e < count; e++) {
        const g = <f64>load<f32>(at(dy, c, e, channelStride, elementStride));
        const xhat = (<f64>load<f32>(at(x, c, e, channelStride, elementStride)) - mean) * invStd;
        store<f32>(at(dx, c, e, channelStride, elementStride), <f32>(scale * (g - meanDy - xhat * meanDyXhat)));
      }
    } else {
      for (let e = 0; e < count; e++) {
        const g = <f64>load<f32>(at(dy, c, e, channelStride, elementStride));
        store<f32>(at(dx, c, e, channelStride, elementStride), <f32>(scale * g));
      }
    }
  }
}
