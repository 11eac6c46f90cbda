import { ParamError, show } from '../errors.js';

/** Hidden-layer nonlinearity. */
export type ActivationName = 'relu' | 'sigmoid' | 'tanh' | 'leakyRelu' | 'selu' | 'linear';
export const ACTIVATIONS: readonly ActivationName[] = ['relu', 'sigmoid', 'tanh', 'leakyRelu', 'selu', 'linear'];
/** A name, or leaky ReLU with its negative slope (default 0.01, as torch.nn.LeakyReLU). */
export type ActivationSpec = ActivationName | { name: 'leakyRelu'; slope?: number };

/**
 * The output layer's function, which also fixes the loss: softmax → cross-entropy, sigmoid →
 * binary cross-entropy (both computed from the logits, stably), linear → mean squared error.
 */
export type OutputName = 'softmax' | 'sigmoid' | 'linear';
export const OUTPUTS: readonly OutputName[] = ['softmax', 'sigmoid', 'linear'];

/** An activation with its parameter resolved. */
export interface Activation {
  readonly name: ActivationName;
  /** Negative slope of leaky ReLU; 0 for every other activation. */
  readonly slope: number;
}

export const DEFAULT_LEAKY_SLOPE = 0.01;
export const SELU_ALPHA = 1.6732632423543772;
export const SELU_SCALE = 1.0507009873554805;

export function resolveActivation(spec: unknown): Activation {
  if (typeof spec === 'string' && (ACTIVATIONS as readonly string[]).includes(spec)) {
    return { name: spec as ActivationName, slope: spec === 'leakyRelu' ? DEFAULT_LEAKY_SLOPE : 0 };
  }
  if (typeof spec === 'object' && spec !== null && (spec as { name?: unknown }).name === 'leakyRelu') {
    const slope = (spec as { slope?: unknown }).slope ?? DEFAULT_LEAKY_SLOPE;
    // Derivatives are taken from the outputs, which keep the sign of the input only for slope ≥ 0.
    if (typeof slope !== 'number' || !Number.isFinite(slope) || slope < 0) {
      throw new ParamError(`activation.slope must be a finite number >= 0, got ${show(slope)}`);
    }
    return { name: 'leakyRelu', slope };
  }
  throw new ParamError(
    `activation must be one of ${ACTIVATIONS.map((a) => show(a)).join(', ')} or { name: 'leakyRelu', slope }, got ${show(spec)}`,
  );
}

export function resolveOutput(output: unknown): OutputName {
  if (typeof output === 'string' && (OUTPUTS as readonly string[]).includes(output)) return output as OutputName;
  throw new ParamError(`output must be one of ${OUTPUTS.map((o) => show(o)).join(', ')}, got ${show(output)}`);
}

/** The activation at x in f64, for tools that look at a layer's values (diagnose) and for tests. */
export function activate(activation: Activation, x: number): number {
  switch (activation.name) {
    case 'relu':
      return Math.max(x, 0);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-x));
    case 'tanh':
      return Math.tanh(x);
    case 'leakyRelu':
      return x > 0 ? x : activation.slope * x;
    case 'selu':
      return x > 0 ? SELU_SCALE * x : SELU_SCALE * SELU_ALPHA * Math.expm1(x);
    case 'linear':
      return x;
  }
}

/** d activate / dx at x; at 0 the ReLU family takes the left derivative, as PyTorch does. */
export function activationDerivative(activation: Activation, x: number): number {
  switch (activation.name) {
    case 'relu':
      return x > 0 ? 1 : 0;
    case 'sigmoid': {
      const s = 1 / (1 + Math.exp(-x));
      return s * (1 - s);
    }
    case 'tanh':
      return 1 - Math.tanh(x) ** 2;
    case 'leakyRelu':
      return x > 0 ? 1 : activation.slope;
    case 'selu':
      return x > 0 ? SELU_SCALE : SELU_SCALE * SELU_ALPHA * Math.exp(x);
    case 'linear':
      return 1;
  }
}
