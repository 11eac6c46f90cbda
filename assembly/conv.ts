// Convolution kernels for activations stored channel-major ("CNHW"): element (c, n, y, x) of a
// batch of `batch` images sits at ((c·batch + n)·height + y)·width + x. In that layout the
// convolution of a whole batch is one matrix product,
//   out [outChannels, batch·outH·outW] = W [outChannels, channels·kh·kw] · col [channels·kh·kw, batch·outH·outW],
// whose result is again channel-major, and every row of col is a run of contiguous copies.
//
// Pointers are byte addresses of f32 arrays. Nothing here allocates.

/** The first ow whose input column ow·stride − pad + j is ≥ 0. */
// @ts-ignore: decorator
@inline function firstInside(pad: i32, j: i32, stride: i32): i32 {
  const need = pad - j;
  return need <= 0 ? 0 : (need + stride - 1) / stride;
}

/** One past the last ow whose input column ow·stride − pad + j is < size, clamped to [0, out]. */
// @ts-ignore: decorator
@inline function endInside(size: i32, pad: i32, j: i32, stride: i32, out: i32): i32 {
  const last = size - 1 + pad - j;
  return last < 0 ? 0 : min(out, last / stride + 1);
}

/** dst[0..count) += src[0..count). */
// @ts-ignore: decorator
@inline function addInto(dst: usize, src: usize, count: i32): void {
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const offset = <usize>i << 2;
    v128.store(dst + offset, f32x4.add(v128.load(dst + offset), v128.load(src + offset)));
  }
  for (; i < count; i++) {
    const offset = <usize>i << 2;
    store<f32>(dst + offset, load<f32>(dst + offset) + load<f32>(src + offset));
  }
}

/**
 * The patch matrix of a channel-major batch: col row (c·kernelH + i)·kernelW + j, column
 * (n·outH + oh)·outW + ow holds x[c, n, oh·strideH − padH + i, ow·strideW − padW + j], or 0 where
 * that falls into the padding. Rows are ordered like PyTorch's weight [out, in, kh, kw] flattened.
 */
export function convIm2col(
  x: usize,
  channels: i32,
  batch: i32,
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
  col: usize,
): void {
  const rowBytes = <usize>width << 2;
  const planeBytes = <usize>height * rowBytes;
  const outRowBytes = <usize>outW << 2;
  let dst = col;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < kernelH; i++) {
      for (let j = 0; j < kernelW; j++) {
        const first = firstInside(padW, j, strideW);
        const end = max(first, endInside(width, padW, j, strideW, outW));
        for (let n = 0; n < batch; n++) {
          const plane = x + <usize>(c * batch + n) * planeBytes;
          for (let oh = 0; oh < outH; oh++, dst += outRowBytes) {
            const ih = oh * strideH - padH + i;
            if (ih < 0 || ih >= height) {
              memory.fill(dst, 0, outRowBytes);
              continue;
            }
            const row = plane + <usize>ih * rowBytes;
            if (first > 0) memory.fill(dst, 0, <usize>first << 2);
            if (strideW == 1) {
              memory.copy(dst + (<usize>first << 2), row + (<usize>(first - padW + j) << 2), <usize>(end - first) << 2);
            } else {
              for (let ow = first; ow < end; ow++) {
                store<f32>(dst + (<usize>ow << 2), load<f32>(row + (<usize>(ow * strideW - padW + j) << 2)));
              }
            }
            if (end < outW) memory.fill(dst + (<usize>end << 2), 0, <usize>(outW - end) << 2);
          }
        }
      }
    }
  }
}

/**
 * The adjoint of convIm2col: dx (channel-major, `channels` × `batch` planes) = 0, then every
 * element of col is added to the input element it was copied from. Elements in the padding are
 * dropped. Each input element sums its contributions in row order of col.
 */
export function convCol2im(
  col: usize,
  channels: i32,
  batch: i32,
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
  dx: usize,
): void {
  const rowBytes = <usize>width << 2;
  const planeBytes = <usize>height * rowBytes;
  const outRowBytes = <usize>outW << 2;
  memory.fill(dx, 0, <usize>channels * <usize>batch * planeBytes);
  let src = col;
  for (let c = 0; c < channels; c++) {
    for (let i = 0; i < kernelH; i++) {
      for (let j = 0; j < kernelW; j++) {
        const first = firstInside(padW, j, strideW);
        const end = max(first, endInside(width, padW, j, strideW, outW));
        for (let n = 0; n < batch; n++) {
          const plane = dx + <usize>(c * batch + n) * planeBytes;
          for (let oh = 0; oh < outH; oh++, src += outRowBytes) {
            const ih = oh * strideH - padH + i;
            if (ih < 0 || ih >= height) continue;
            const row = plane + <usize>ih * rowBytes;
            if (strideW == 1) {
              addInto(row + (<usize>(first - padW + j) << 2), src + (<usize>first << 2), end - first);
            } else {
              for (let ow = first; ow < end; ow++) {
                const at = row + (<usize>(ow * strideW - padW + j) << 2);
                store<f32>(at, load<f32>(at) + load<f32>(src + (<usize>ow << 2)));
              }
            }
          }
        }
      }
    }
  }
}

/** y[r, ·] += bias[r] over `rows` rows of `length` floats: a channel-major layer's bias. */
export function convBiasAdd(y: usize, bias: usize, rows: i32, length: i32): void {
  const rowBytes = <usize>length << 2;
  for (let r = 0; r < rows; r++) {
    const b = load<f32>(bias + (<usize>r << 2));
    const vb = f32x4.splat(b);
    const row = y + <usize>r * rowBytes;
    let i = 0;
    for (; i + 4 <= length; i += 4) {
      const at = row + (<usize>i << 2);
      v128.store(at, f32x4.add(v128.load(at), vb));
    }
    for (; i < length; i++) {
      const at = row + (<usize>i << 2);
      store<f32>(at, load<f32>(at) + b);
    }
  }
}

/**
 * out[r] = Σ x[r, ·] over `rows` rows of `length` floats (a channel-major layer's bias gradient):
 * f32x4 partial sums over runs of 1024 floats, folded into f64, so long rows keep their precision.
 */
export function convRowSums(x: usize, rows: i32, length: i32, out: usize): void {
  const rowBytes = <usize>length << 2;
  for (let r = 0; r < rows; r++) {
    const row = x + <usize>r * rowBytes;
    let total: f64 = 0;
    let i = 0;
    while (i + 4 <= length) {
      const end = min(length, i + 1024) & ~3;
      let partial = f32x4.splat(0);
      for (; i < end; i += 4) partial = f32x4.add(partial, v128.load(row + (<usize>i << 2)));
      total +=
        <f64>f32x4.extract_lane(partial, 0) +
        <f64>f32x4.extract_lane(partial, 1) +
        <f64>f32x4.extract_lane(partial, 2) +
        <f64>f32x4.extract_lane(partial, 3);
    }
    for (; i < length; i++) total += <f64>load<f32>(row + (<usize>i << 2));
    store<f32>(out + (<usize>r << 2), <f32>total);
  }
}
