import { ShapeError, show } from '../errors.js';
import { fillNormal, RANDOM_KEYS, resolveRng, type RandomOptions } from '../random-fill.js';
import { heap, isReady, kernels } from '../runtime/index.js';
import { checkShape, sizeOf, type Tensor } from '../tensor.js';
import { allocate } from './basic.js';
import { readLayout, type LayoutOption } from './fans.js';
import { orthonormalColumnsScalar } from './householder.js';
import { checkOptions, nonNegativeNumber } from '../options.js';

/** Options of {@link orthogonal}. */
export interface OrthogonalOptions extends RandomOptions, LayoutOption {
  /** Multiplies the orthogonal matrix (default 1). */
  gain?: number;
}

/**
 * The Q (m×n, column by column) of the thin QR decomposition of `a` (m×n, column by column,
 * m ≥ n) with R's diagonal made positive; `fill` writes `a` into the f64 array it is given. The
 * wasm kernel computes it once `ready()` has resolved, and before that householder.ts, whose
 * bits are the kernel's: initializers work before `ready()`, only slower.
 */
function orthonormalColumns(m: number, n: number, fill: (a: Float64Array) => void): Float64Array {
  if (!isReady()) {
    const a = new Float64Array(m * n);
    fill(a);
    return orthonormalColumnsScalar(a, m, n);
  }
  const wasm = heap();
  const bytes = m * n * 8;
  const pointers: number[] = [];
  try {
    for (const size of [bytes, bytes, n * 8, n * 8]) pointers.push(wasm.alloc(size));
    const [a, q, tau, signs] = pointers;
    // Views after every allocation: an allocation may grow (and so replace) the memory's buffer.
    fill(new Float64Array(wasm.memory.buffer, a, m * n));
    kernels().linalgOrthonormalColumns(a, m, n, q, tau, signs);
    return new Float64Array(wasm.memory.buffer, q, m * n).slice();
  } finally {
    for (const pointer of pointers) wasm.free(pointer);
  }
}

/**
 * A (semi-)orthogonal matrix, as `torch.nn.init.orthogonal_` (Saxe et al., 2013): the weight is
 * viewed as a rows × cols matrix (rows = `shape[0]`, cols = the product of the other dimensions;
 * with `layout: 'inOut'`, rows = the product of all but the last and cols = the last, as Keras
 * `Orthogonal`), filled with N(0, 1) samples, and replaced by the Q of its QR decomposition with
 * `q *= sign(diag(r))`, times `gain` (default 1). When rows < cols the transpose is factored, so
 * the rows are orthonormal (W·Wᵀ = gain²·I); otherwise the columns are (Wᵀ·W = gain²·I).
 *
 * Computed in f64 by Householder QR (a SIMD wasm kernel), then rounded to f32. Cost ~4·rows·cols·min(rows, cols) flops.
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or fewer than 2 dimensions (like PyTorch).
 * @throws ParamError (`E_PARAM`) for a negative or non-finite gain, an unknown layout or option.
 */
export function orthogonal(shape: readonly number[], options: OrthogonalOptions = {}): Tensor {
  checkOptions('init.orthogonal', options, { gain: true, layout: true, ...RANDOM_KEYS });
  const dims = checkShape(shape);
  if (dims.length < 2) {
    throw new ShapeError(`orthogonal needs a shape with at least 2 dimensions, got ${show(dims)}`);
  }
  const gain = nonNegativeNumber('gain', options.gain, 1);
  const size = sizeOf(dims);
  const rows = readLayout(options.layout) === 'outIn' ? dims[0] : size / dims[dims.length - 1];
  const cols = size / rows;
  const out = allocate(dims);
  fillNormal(resolveRng(options), out.data, 0, 1);

  // Factor the tall one of A and Aᵀ. Row-major A (rows × cols) read column by column is Aᵀ
  // (cols × rows), so when rows < cols the samples are already in place.
  const transposed = rows < cols;
  const m = transposed ? cols : rows;
  const n = transposed ? rows : cols;
  const q = orthonormalColumns(m, n, (a) => {
    if (transposed) a.set(out.data);
    else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[j * rows + i] = out.data[i * cols + j];
  });

  if (transposed) for (let i = 0; i < size; i++) out.data[i] = gain * q[i];
  else for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out.data[i * cols + j] = gain * q[j * rows + i];
  return out;
}
