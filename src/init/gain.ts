import { finiteNumber, oneOf } from '../options.js';

/** Nonlinearity names `calculateGain` knows, camelCase; PyTorch's snake_case spellings work too. */
export type Nonlinearity =
  | 'linear'
  | 'conv1d'
  | 'conv2d'
  | 'conv3d'
  | 'convTranspose1d'
  | 'convTranspose2d'
  | 'convTranspose3d'
  | 'sigmoid'
  | 'tanh'
  | 'relu'
  | 'leakyRelu'
  | 'selu'
  | 'conv_transpose1d'
  | 'conv_transpose2d'
  | 'conv_transpose3d'
  | 'leaky_relu';

const NONLINEARITIES = [
  'linear',
  'conv1d',
  'conv2d',
  'conv3d',
  'convTranspose1d',
  'convTranspose2d',
  'convTranspose3d',
  'sigmoid',
  'tanh',
  'relu',
  'leakyRelu',
  'selu',
] as const;

/** Leaky ReLU's negative slope when none is given (PyTorch's default). */
const DEFAULT_NEGATIVE_SLOPE = 0.01;

/**
 * The recommended gain for a nonlinearity, exactly as `torch.nn.init.calculate_gain`: the factor
 * by which to scale a weight's standard deviation so that activations keep their variance.
 *
 * | nonlinearity                                   | gain                   |
 * | ---------------------------------------------- | ---------------------- |
 * | linear, conv1d/2d/3d, convTranspose1d/2d/3d    | 1                      |
 * | sigmoid                                        | 1                      |
 * | tanh                                           | 5/3                    |
 * | relu                                           | √2                     |
 * | leakyRelu                                      | √(2 / (1 + slope²))    |
 * | selu                                           | 3/4                    |
 *
 * `param` is leaky ReLU's negative slope (default 0.01; an explicit 0 is honoured and gives √2,
 * like PyTorch); other nonlinearities ignore it, as PyTorch does. The snake_case spellings
 * PyTorch uses (`'leaky_relu'`, `'conv_transpose2d'`) are accepted too.
 *
 * @throws ParamError (`E_PARAM`) for an unknown nonlinearity or a `param` that is not a finite number.
 */
export function calculateGain(nonlinearity: Nonlinearity, param?: number): number {
  const name = oneOf('nonlinearity', nonlinearity, NONLINEARITIES);
  const slope = finiteNumber('param', param, DEFAULT_NEGATIVE_SLOPE);
  switch (name) {
    case 'tanh':
      return 5 / 3;
    case 'relu':
      return Math.SQRT2;
    case 'leakyRelu':
      return Math.sqrt(2 / (1 + slope * slope));
    case 'selu':
      return 3 / 4;
    default:
      return 1;
  }
}
