import { ParamError, ShapeError, show } from '../errors.js';
import { checkShape, type Tensor } from '../tensor.js';
import { allocate, type NoOptions } from './basic.js';
import { readLayout, type LayoutOption } from './fans.js';
import { checkOptions, positiveInteger } from '../options.js';

/**
 * The identity matrix (`torch.nn.init.eye_`): ones on the main diagonal of a 2-D shape, zeros
 * elsewhere; a rectangular shape gets min(rows, cols) ones. Preserves the input in a linear layer
 * with as many outputs as inputs. Layout does not matter: eye of `[a, b]` is the transpose of eye
 * of `[b, a]`. (Keras's `Identity` also takes a gain; TF.js's accepts only square shapes.)
 *
 * @throws ShapeError (`E_SHAPE`) unless the shape is 2-D.
 */
export function eye(shape: readonly number[], options: NoOptions = {}): Tensor {
  checkOptions('init.eye', options, {});
  const dims = checkShape(shape);
  if (dims.length !== 2) throw new ShapeError(`eye needs a 2-D shape [rows, cols], got ${show(dims)}`);
  const [rows, cols] = dims;
  const out = allocate(dims);
  for (let i = 0; i < Math.min(rows, cols); i++) out.data[i * cols + i] = 1;
  return out;
}

/** Options of {@link dirac}. */
export interface DiracOptions extends LayoutOption {
  /** Number of groups the output channels split into, each an identity (default 1). */
  groups?: number;
}

/**
 * The Dirac delta (`torch.nn.init.dirac_`): a 3-, 4- or 5-D convolution weight that passes its
 * input through, each output channel copying one input channel at the kernel's centre
 * (index ⌊k/2⌋ in every kernel dimension). With `groups`, the output channels split into `groups`
 * blocks, and in each the first min(out / groups, in) channels copy input channels 0, 1, ….
 *
 * Layout `'outIn'` (default) is PyTorch's `[out, in, ...kernel]`; `'inOut'` is Keras's
 * `[...kernel, in, out]`.
 *
 * @throws ShapeError (`E_SHAPE`) unless the shape has 3, 4 or 5 dimensions.
 * @throws ParamError (`E_PARAM`) when groups is not a positive integer dividing the output channels.
 */
export function dirac(shape: readonly number[], options: DiracOptions = {}): Tensor {
  checkOptions('init.dirac', options, { groups: true, layout: true });
  const dims = checkShape(shape);
  const rank = dims.length;
  if (rank < 3 || rank > 5) {
    throw new ShapeError(`dirac needs a shape with 3, 4 or 5 dimensions, got ${show(dims)}`);
  }
  const outIn = readLayout(options.layout) === 'outIn';
  const groups = positiveInteger('groups', options.groups, 1);
  const outAxis = outIn ? 0 : rank - 1;
  const inAxis = outIn ? 1 : rank - 2;
  const kernelAxes = outIn ? [2, 3, 4].slice(0, rank - 2) : [0, 1, 2].slice(0, rank - 2);
  const outChannels = dims[outAxis];
  if (outChannels % groups !== 0) {
    throw new ParamError(`groups must divide the ${outChannels} output channels of ${show(dims)}, got ${show(groups)}`);
  }
  const strides = new Array<number>(rank);
  strides[rank - 1] = 1;
  for (let axis = rank - 2; axis >= 0; axis--) strides[axis] = strides[axis + 1] * dims[axis + 1];
  let centre = 0;
  for (const axis of kernelAxes) centre += Math.floor(dims[axis] / 2) * strides[axis];

  const out = allocate(dims);
  const outPerGroup = outChannels / groups;
  const copies = Math.min(outPerGroup, dims[inAxis]);
  for (let g = 0; g < groups; g++) {
    for (let d = 0; d < copies; d++) {
      out.data[(g * outPerGroup + d) * strides[outAxis] + d * strides[inAxis] + centre] = 1;
    }
  }
  return out;
}
