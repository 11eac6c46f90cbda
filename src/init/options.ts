import { ParamError, show } from '../errors.js';
import { checkKeys } from '../options.js';

export { positiveInteger } from '../options.js';

/*
 * Option parsing shared by the initializers. Every check treats `undefined` as "use the default"
 * and anything else, 0 included, as the caller's choice (TF.js's `args.x || default` would
 * silently replace an explicit 0; we must not).
 */

/** Largest finite float32. Parameters end up in a Float32Array, so they must fit one. */
const FLOAT32_MAX = 3.4028234663852886e38;

/** `checkKeys` for initializer `initializer`: its messages name `init.<initializer>`. */
export function checkOptions(initializer: string, options: unknown, allowed: readonly string[]): void {
  checkKeys(`init.${initializer}`, options, allowed);
}

/** A finite number within float32 range; `fallback` when undefined, or an error if there is no fallback. */
export function finiteNumber(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !(Math.abs(value) <= FLOAT32_MAX)) {
    throw new ParamError(`${name} must be a finite number (float32 range), got ${show(value)}`);
  }
  return value;
}

/** Like `finiteNumber`, and also at least 0. */
export function nonNegativeNumber(name: string, value: unknown, fallback?: number): number {
  const number = finiteNumber(name, value, fallback);
  if (number < 0) throw new ParamError(`${name} must be >= 0, got ${show(number)}`);
  return number;
}

/** PyTorch and Keras spell names in snake_case ('leaky_relu', 'fan_in'); ours are camelCase. */
function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * One of `accepted` (camelCase), also accepting its snake_case spelling; `fallback` when
 * undefined, or an error if there is no fallback. Returns the camelCase name.
 */
export function oneOf<T extends string>(name: string, value: unknown, accepted: readonly T[], fallback?: T): T {
  if (value === undefined && fallback !== undefined) return fallback;
  const camel = typeof value === 'string' ? snakeToCamel(value) : undefined;
  const match = accepted.find((candidate) => candidate === camel);
  if (match === undefined) {
    throw new ParamError(`${name} must be one of ${accepted.map(show).join(', ')}, got ${show(value)}`);
  }
  return match;
}
