import type * as nninit from '../index.js';

/** The hidden activations an Mlp takes by name, as --activation accepts them. */
export const ACTIVATION_NAMES = ['relu', 'sigmoid', 'tanh', 'leakyRelu', 'selu', 'linear'] as const satisfies readonly nninit.ActivationName[];
