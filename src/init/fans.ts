import { ShapeError, show } from '../errors.js';
import { checkShape } from '../tensor.js';
import { oneOf } from '../options.js';

/**
 * Where the input and output axes of a weight sit.
 * - `'outIn'` (default): PyTorch, `[out, in, ...kernel]`; a dense weight is `[out, in]`.
 * - `'inOut'`: Keras / TF.js, `[...kernel, in, out]`; a dense kernel is `[in, out]`.
 */
export type Layout = 'outIn' | 'inOut';

/** The layout option every fan-based initializer takes. */
export interface LayoutOption {
  /** `'outIn'` (PyTorch, default) or `'inOut'` (Keras / TF.js). */
  layout?: Layout;
}

/** Input and output connection counts of one unit of a weight tensor. */
export interface Fans {
  fanIn: number;
  fanOut: number;
}

const LAYOUTS: readonly Layout[] = ['outIn', 'inOut'];

/** @internal Parses a layout option (undefined means 'outIn'). */
export function readLayout(layout: unknown): Layout {
  return oneOf('layout', layout, LAYOUTS, 'outIn');
}

/** @internal Fans of an already checked shape. */
export function fansOf(shape: readonly number[], layout: Layout): Fans {
  const rank = shape.length;
  if (rank < 2) {
    throw new ShapeError(
      `fan in and fan out need a shape with at least 2 dimensions ([out, in, ...kernel] or ` +
        `[...kernel, in, out]), got ${show(shape)}`,
    );
  }
  const outIn = layout === 'outIn';
  const kernelDims = outIn ? shape.slice(2) : shape.slice(0, rank - 2);
  let receptiveField = 1;
  for (const d of kernelDims) receptiveField *= d;
  const inputs = outIn ? shape[1] : shape[rank - 2];
  const outputs = outIn ? shape[0] : shape[rank - 1];
  return { fanIn: inputs * receptiveField, fanOut: outputs * receptiveField };
}

/**
 * Fan in and fan out of a weight of `shape`, as `torch.nn.init._calculate_fan_in_and_fan_out`
 * (layout `'outIn'`) or Keras's `compute_fans` (layout `'inOut'`).
 *
 * With receptive field r = product of the kernel dimensions (those after the first two for
 * `'outIn'`, before the last two for `'inOut'`; 1 for a dense weight):
 * `fanIn = in · r`, `fanOut = out · r`.
 *
 * ```ts
 * fans([256, 784]);                 // { fanIn: 784, fanOut: 256 }   (PyTorch Linear(784, 256))
 * fans([64, 3, 3, 3]);              // { fanIn: 27,  fanOut: 576 }   (Conv2d(3, 64, 3))
 * fans([3, 3, 3, 64], 'inOut');     // { fanIn: 27,  fanOut: 576 }   (Keras Conv2D(64, 3))
 * ```
 *
 * @throws ShapeError (`E_SHAPE`) for an invalid shape or one with fewer than 2 dimensions
 *   (PyTorch raises too; Keras and TF.js invent fans for those, we do not).
 * @throws ParamError (`E_PARAM`) for an unknown layout.
 */
export function fans(shape: readonly number[], layout: Layout = 'outIn'): Fans {
  const dims = checkShape(shape);
  return fansOf(dims, readLayout(layout));
}
