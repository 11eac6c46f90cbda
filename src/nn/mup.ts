import { ParamError, show } from '../errors.js';

/*
 * μP, the maximal update parametrization (Yang & Hu, Tensor Programs V), in the conventions of
 * Microsoft's `mup` package. A model of width n is compared with a base model whose hidden layers
 * all have `baseWidth` units; a dimension that differs from its base size is "infinite" and has
 * width multiplier n / baseWidth (inputs and outputs never are). Each parameter tensor is then:
 *   - matrix-like (two infinite dimensions: hidden-to-hidden weights),
 *   - vector-like (one: the input layer's weight, hidden biases, the output layer's weight),
 *   - or fixed (none: the output bias).
 * The output layer is the package's MuReadout: its input is multiplied by 1/widthMult in the
 * forward pass, and its drawn weight and bias are multiplied by √widthMult (set_base_shapes'
 * rescale). Other layers keep their fan-in initialization; their biases are multiplied by
 * √(fan-in multiplier) (the package's rescale_linear_bias; a no-op for zero biases). The
 * optimizer's per-tensor rules are MuAdam's and MuSGD's (see optim/state.ts).
 */

export type Parametrization = 'standard' | 'mup';
export const PARAMETRIZATIONS: readonly Parametrization[] = ['standard', 'mup'];

/** How a parameter tensor grows with width: the mup package's InfShape, reduced to what the rules read. */
export interface WidthScaling {
  /** Dimensions whose size differs from the base model's (InfShape.ninf()): 0, 1 or 2. */
  infiniteDims: 0 | 1 | 2;
  /**
   * Width multiplier of the tensor's main dimension (InfShape.width_mult()): the last infinite
   * one in [out, in] order, so the fan-in for a matrix-like weight; 1 without infinite dimensions.
   */
  widthMult: number;
  /** Fan-in over fan-out width multiplier (InfShape.fanin_fanout_mult_ratio()); 1 for biases. */
  fanRatio: number;
}

/** One dense layer's μP scaling. */
export interface MupLayerScaling {
  weight: WidthScaling;
  bias: WidthScaling;
  /** The forward pass multiplies the layer's input by this: 1/widthMult for the output layer, else 1. */
  inputMultiplier: number;
  /** Factors applied to the drawn initial weight and bias. */
  weightInitScale: number;
  biasInitScale: number;
}

/** The per-layer μP scaling of an Mlp with `sizes` (input first) against hidden width `baseWidth`. */
export function mupScaling(sizes: readonly number[], baseWidth: number): MupLayerScaling[] {
  const last = sizes.length - 1;
  const infinite = (i: number) => i > 0 && i < last && sizes[i] !== baseWidth;
  const mult = (i: number) => (infinite(i) ? sizes[i] / baseWidth : 1);
  const layers: MupLayerScaling[] = [];
  for (let l = 0; l < last; l++) {
    const fanIn = l;
    const fanOut = l + 1;
    const count = (Number(infinite(fanIn)) + Number(infinite(fanOut))) as 0 | 1 | 2;
    const main = infinite(fanIn) ? fanIn : infinite(fanOut) ? fanOut : -1;
    const weight: WidthScaling = { infiniteDims: count, widthMult: main < 0 ? 1 : mult(main), fanRatio: mult(fanIn) / mult(fanOut) };
    const bias: WidthScaling = { infiniteDims: infinite(fanOut) ? 1 : 0, widthMult: mult(fanOut), fanRatio: 1 };
    const readout = l === last - 1;
    layers.push({
      weight,
      bias,
      inputMultiplier: readout ? 1 / weight.widthMult : 1,
      weightInitScale: readout ? Math.sqrt(weight.widthMult) : 1,
      biasInitScale: Math.sqrt(readout ? weight.widthMult : mult(fanIn)),
    });
  }
  return layers;
}

/** Checks `parametrization` and `baseWidth` together; returns the base width (undefined for standard). */
export function checkParametrization(parametrization: unknown, baseWidth: unknown, sizes: readonly number[]): { parametrization: Parametrization; baseWidth: number | undefined } {
  const p = parametrization ?? 'standard';
  if (!PARAMETRIZATIONS.includes(p as Parametrization)) {
    throw new ParamError(`parametrization must be 'standard' or 'mup', got ${show(parametrization)}`);
  }
  if (p === 'standard') {
    if (baseWidth !== undefined) throw new ParamError(`baseWidth is a μP option; pass parametrization: 'mup' with it, got baseWidth ${show(baseWidth)} with 'standard'`);
    return { parametrization: 'standard', baseWidth: undefined };
  }
  if (sizes.length < 3) throw new ParamError(`parametrization 'mup' needs at least one hidden layer, got layers ${show(sizes)}`);
  if (baseWidth === undefined) throw new ParamError(`parametrization 'mup' needs baseWidth, the hidden width its learning rates were tuned at`);
  if (typeof baseWidth !== 'number' || !Number.isInteger(baseWidth) || baseWidth < 1) {
    throw new ParamError(`baseWidth must be a positive integer, got ${show(baseWidth)}`);
  }
  return { parametrization: 'mup', baseWidth };
}
