import { ParamError, show } from '../errors.js';
import * as init from '../init/index.js';
import type { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';

/** The name of an `nninit.init` initializer. */
export type InitName = Exclude<keyof typeof init, 'calculateGain' | 'fans' | 'meanField' | 'criticalPoint'>;

// Helpers of the init namespace that draw no tensor from a shape (meanField and criticalPoint compute numbers).
const NOT_INITIALIZERS = new Set(['calculateGain', 'fans', 'meanField', 'criticalPoint']);

/** An initializer by name, or by name with its options: `'heNormal'`, `{ name: 'normal', std: 1 }`. */
export type InitSpec = InitName | ({ name: InitName } & Record<string, unknown>);

type Initializer = (shape: number[], options?: Record<string, unknown>) => Tensor;

// These take no randomness, so they reject `rng`.
const DETERMINISTIC = new Set(['zeros', 'ones', 'constant', 'eye', 'dirac', 'zerO', 'fromTensor']);

function initializer(name: unknown, what: string): Initializer {
  const fn = typeof name === 'string' && !NOT_INITIALIZERS.has(name) ? (init as Record<string, unknown>)[name] : undefined;
  if (name === 'lsuv') {
    throw new ParamError(`${what} cannot be 'lsuv': it needs data; build the Mlp, then call nninit.init.lsuv(mlp, batch)`);
  }
  if (typeof fn !== 'function') {
    throw new ParamError(`${what} must name an nninit.init initializer (e.g. 'xavierUniform', 'heNormal'), got ${show(name)}`);
  }
  return fn as Initializer;
}

/** Checks a spec early, so that a typo fails at construction with the option's name. */
export function checkInitSpec(spec: unknown, what: string): InitSpec {
  if (typeof spec === 'object' && spec !== null && !Array.isArray(spec)) {
    initializer((spec as { name?: unknown }).name, `${what}.name`);
    return spec as InitSpec;
  }
  initializer(spec, what);
  return spec as InitSpec;
}

/**
 * Draws a tensor of `shape` from a spec. Random initializers use `rng` unless the spec carries its
 * own `seed` or `rng`.
 */
export function drawInit(spec: InitSpec, shape: number[], rng: Rng, what: string): Tensor {
  const { name, ...options } = typeof spec === 'string' ? { name: spec } : spec;
  const fn = initializer(name, what);
  const random = !DETERMINISTIC.has(name);
  const ownStream = options.seed !== undefined || options.rng !== undefined;
  return fn(shape, random && !ownStream ? { ...options, rng } : options);
}
