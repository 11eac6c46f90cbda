import { ShapeError, show } from '../errors.js';
import { orthogonal } from '../init/orthogonal.js';
import { checkOptions, numberIn, type OptionKeys } from '../options.js';
import { RANDOM_KEYS, type RandomOptions } from '../random-fill.js';
import { checkShape, sizeOf, type Tensor } from '../tensor.js';
import { readLayout, type LayoutOption } from '../init/fans.js';

// Initializers made for convolutional and residual networks. Both place a matrix at the centre of
// a kernel, like `dirac`: index ⌊k/2⌋ along every kernel axis, zeros elsewhere.

/** Options of {@link deltaOrthogonal}. */
export interface DeltaOrthogonalOptions extends RandomOptions, LayoutOption {
  /** Multiplies the orthogonal matrix (default 1; Xiao et al. use σ_w). */
  gain?: number;
}

const DELTA_ORTHOGONAL_KEYS: OptionKeys<DeltaOrthogonalOptions> = { gain: true, layout: true, ...RANDOM_KEYS };

interface Kernel {
  outChannels: number;
  inChannels: number;
  /** Element index of (o, i) at the kernel's centre. */
  at(o: number, i: number): number;
}

function kernelOf(dims: number[], layout: unknown, what: string, ranks: readonly number[]): Kernel {
  if (!ranks.includes(dims.length)) {
    throw new ShapeError(`${what} needs a shape with ${ranks.join(', ').replace(/, (\d)$/, ' or $1')} dimensions, got ${show(dims)}`);
  }
  const rank = dims.length;
  const outIn = readLayout(layout) === 'outIn';
  const outAxis = outIn ? 0 : rank - 1;
  const inAxis = outIn ? 1 : rank - 2;
  const kernelAxes = outIn ? [2, 3, 4].slice(0, rank - 2) : [0, 1, 2].slice(0, rank - 2);
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1] * dims[axis + 1];
  let centre = 0;
  for (const axis of kernelAxes) centre += Math.floor(dims[axis] / 2) * strides[axis];
  return {
    outChannels: dims[outAxis],
    inChannels: dims[inAxis],
    at: (o, i) => o * strides[outAxis] + i * strides[inAxis] + centre,
  };
}

/**
 * Delta-orthogonal (Xiao et al. 2018, "Dynamical Isometry and a Mean Field Theory of CNNs"): a
 * 3-, 4- or 5-D convolution kernel [out, in, ...kernel] that is zero except at its centre, which
 * holds a random out × in matrix with orthonormal columns (times `gain`), so the convolution is an
 * orthogonal map of the channels at every pixel and preserves the norm of any input signal.
 *
 * Needs outChannels ≥ inChannels: with fewer outputs than inputs no kernel preserves every input's
 * norm, so the shape is refused (as jax.nn.initializers.delta_orthogonal does) rather than
 * silently giving a matrix with orthonormal rows. `layout: 'inOut'` reads Keras's [...kernel, in, out].
 *
 * @throws ShapeError (`E_SHAPE`) for a rank other than 3–5 or outChannels < inChannels.
 */
export function deltaOrthogonal(shape: readonly number[], options: DeltaOrthogonalOptions = {}): Tensor {
  const o = checkOptions('init.deltaOrthogonal', options, DELTA_ORTHOGONAL_KEYS);
  const dims = checkShape(shape);
  const kernel = kernelOf(dims, o.layout, 'deltaOrthogonal', [3, 4, 5]);
  const { outChannels, inChannels } = kernel;
  if (outChannels < inChannels) {
    throw new ShapeError(
      `deltaOrthogonal needs outChannels >= inChannels (an orthogonal kernel can only preserve norms then), got ${outChannels} outputs and ${inChannels} inputs in ${show(dims)}`,
    );
  }
  const gain = numberIn('gain', o.gain, { min: 0 }, 1);
  const q = orthogonal([outChannels, inChannels], { gain, rng: o.rng as RandomOptions['rng'], seed: o.seed as number | undefined });
  const data = new Float32Array(sizeOf(dims));
  for (let out = 0; out < outChannels; out++) {
    for (let i = 0; i < inChannels; i++) data[kernel.at(out, i)] = q.data[out * inChannels + i];
  }
  return { shape: dims, data };
}

/** Entry (i, j) of the 2^m × 2^m Sylvester–Hadamard matrix: (−1)^popcount(i & j). */
function hadamard(i: number, j: number): number {
  let bits = i & j;
  let sign = 1;
  while (bits !== 0) {
    sign = -sign;
    bits &= bits - 1;
  }
  return sign;
}

/**
 * ZerO (Zhao, Schäfer & Anandkumar 2021, "ZerO Initialization: Initializing Neural Networks with only
 * Zeros and Ones"): a deterministic weight of zeros and ones, up to one normalization. For a
 * matrix [out, in]: the identity when out = in; the partial identity [I 0] when out < in (the
 * first `out` inputs pass through); and when out > in, c·H[:out, :in] with H the 2^m × 2^m
 * Hadamard matrix, m = ⌈log₂ out⌉ and c = 2^(−(m−1)/2), so that the extra outputs are not copies
 * of the inputs or dead. A convolution kernel [out, in, ...kernel] gets that matrix at its centre,
 * zeros elsewhere. ZerO's residual networks start every block as the identity: give each
 * branch's last layer `init: 'zeros'` and its other layers `'zerO'`.
 *
 * @throws ShapeError (`E_SHAPE`) for a rank other than 2–5.
 */
export function zerO(shape: readonly number[], options: LayoutOption = {}): Tensor {
  const o = checkOptions('init.zerO', options, { layout: true });
  const dims = checkShape(shape);
  const kernel = kernelOf(dims, o.layout, 'zerO', [2, 3, 4, 5]);
  const { outChannels: out, inChannels: inputs } = kernel;
  const data = new Float32Array(sizeOf(dims));
  if (out <= inputs) {
    for (let i = 0; i < out; i++) data[kernel.at(i, i)] = 1;
  } else {
    const m = Math.ceil(Math.log2(out));
    const c = 2 ** (-(m - 1) / 2);
    for (let i = 0; i < out; i++) for (let j = 0; j < inputs; j++) data[kernel.at(i, j)] = c * hadamard(i, j);
  }
  return { shape: dims, data };
}
