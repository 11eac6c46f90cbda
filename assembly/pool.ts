// 2-D max and average pooling over `planes` independent height × width planes (one per channel
// and image, in whichever order the caller stores them), with PyTorch's window rules: windows
// start at o·stride − pad, implicit padding never wins a max and, for the average, counts towards
// the divisor only with countIncludePad. Pointers are byte addresses of f32 arrays (argmax: i32).

/**
 * y[p, oh, ow] = the largest input in the window, argmax[p, oh, ow] = its index ih·width + iw in
 * the plane (the first one in row-major window order on ties, as PyTorch's CPU kernel).
 */
export function poolMax(
  x: usize,
  planes: i32,
  height: i32,
  width: i32,
  kernelH: i32,
  kernelW: i32,
  strideH: i32,
  strideW: i32,
  padH: i32,
  padW: i32,
  outH: i32,
  outW: i32,
  y: usize,
  argmax: usize,
): void {
  const planeIn = <usize>height * <usize>width;
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeIn * 4;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hEnd = min(h0 + kernelH, height);
      const hStart = max(h0, 0);
      for (let ow = 0; ow < outW; ow++, out++) {
        const w0 = ow * strideW - padW;
        const wEnd = min(w0 + kernelW, width);
        const wStart = max(w0, 0);
        let best: f32 = -Infinity;
        let index = hStart * width + wStart;
        for (let ih = hStart; ih < hEnd; ih++) {
          for (let iw = wStart; iw < wEnd; iw++) {
            const at = ih * width + iw;
            const v = load<f32>(plane + (<usize>at << 2));
            // NaN wins, like PyTorch's `val > maxval || isnan(val)`.
            if (v > best || v != v) {
              best = v;
              index = at;
            }
          }
        }
        store<f32>(y + (out << 2), best);
        store<i32>(argmax + (out << 2), index);
      }
    }
  }
}

/** dx = 0, then dy[p, o] is added at the input element argmax[p, o] of plane p. */
export function poolMaxBackward(dy: usize, argmax: usize, planes: i32, height: i32, width: i32, outH: i32, outW: i32, dx: usize): void {
  const planeIn = <usize>height * <usize>width;
  const planeOut = <usize>outH * <usize>outW;
  memory.fill(dx, 0, <usize>planes * planeIn * 4);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * planeIn * 4;
    for (let o: usize = 0; o < planeOut; o++, out++) {
      const at = plane + (<usize>load<i32>(argmax + (out << 2)) << 2);
      store<f32>(at, load<f32>(at) + load<f32>(dy + (out << 2)));
    }
  }
}

/**
 * The window of output (oh, ow) clipped to the input, and its divisor: PyTorch's avg_pool2d, where
 * the window first clips to the padded input (that size is the divisor with countIncludePad),
 * then to the input itself (whose size is the divisor otherwise).
 */
// @ts-ignore: decorator
@inline function averageDivisor(h0: i32, w0: i32, kernelH: i32, kernelW: i32, height: i32, width: i32, padH: i32, padW: i32, countIncludePad: i32): f32 {
  if (countIncludePad) {
    const hEnd = min(h0 + kernelH, height + padH);
    const wEnd = min(w0 + kernelW, width + padW);
    return <f32>((hEnd - h0) * (wEnd - w0));
  }
  return <f32>((min(h0 + kernelH, height) - max(h0, 0)) * (min(w0 + kernelW, width) - max(w0, 0)));
}

/** y[p, oh, ow] = the window's sum divided by its divisor (see averageDivisor). */
export function poolAverage(
  x: usize,
  planes: i32,
  height: i32,
  width: i32,
  kernelH: i32,
  kernelW: i32,
  strideH: i32,
  strideW: i32,
  padH: i32,
  padW: i32,
  outH: i32,
  outW: i32,
  countIncludePad: i32,
  y: usize,
): void {
  const planeIn = <usize>height * <usize>width;
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = x + <usize>p * planeIn * 4;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hStart = max(h0, 0);
      const hEnd = min(h0 + kernelH, height);
      for (let ow = 0; ow < outW; ow++, out++) {
        const w0 = ow * strideW - padW;
        const wStart = max(w0, 0);
        const wEnd = min(w0 + kernelW, width);
        let sum: f32 = 0;
        for (let ih = hStart; ih < hEnd; ih++) {
          const row = plane + (<usize>(ih * width) << 2);
          for (let iw = wStart; iw < wEnd; iw++) sum += load<f32>(row + (<usize>iw << 2));
        }
        store<f32>(y + (out << 2), sum / averageDivisor(h0, w0, kernelH, kernelW, height, width, padH, padW, countIncludePad));
      }
    }
  }
}

/** The adjoint of poolAverage: dx = 0, then dy / divisor is added to every input of each window. */
export function poolAverageBackward(
  dy: usize,
  planes: i32,
  height: i32,
  width: i32,
  kernelH: i32,
  kernelW: i32,
  strideH: i32,
  strideW: i32,
  padH: i32,
  padW: i32,
  outH: i32,
  outW: i32,
  countIncludePad: i32,
  dx: usize,
): void {
  const planeIn = <usize>height * <usize>width;
  memory.fill(dx, 0, <usize>planes * planeIn * 4);
  let out: usize = 0;
  for (let p = 0; p < planes; p++) {
    const plane = dx + <usize>p * planeIn * 4;
    for (let oh = 0; oh < outH; oh++) {
      const h0 = oh * strideH - padH;
      const hStart = max(h0, 0);
      const hEnd = min(h0 + kernelH, height);
      for (let ow = 0; ow < outW; ow++, out++) {
        const w0 = ow * strideW - padW;
        const wStart = max(w0, 0);
        const wEnd = min(w0 + kernelW, width);
        const g = load<f32>(dy + (out << 2)) / averageDivisor(h0, w0, kernelH, kernelW, height, width, padH, padW, countIncludePad);
        for (let ih = hStart; ih < hEnd; ih++) {
          const row = plane + (<usize>(ih * width) << 2);
          for (let iw = wStart; iw < wEnd; iw++) {
            const at = row + (<usize>iw << 2);
            store<f32>(at, load<f32>(at) + g);
          }
        }
      }
    }
  }
}
