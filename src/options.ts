import { ParamError, show } from './errors.js';
import { Rng } from './random.js';

/*
 * The one vocabulary of option checks: initializers, models, optimizers, tools. `undefined` means
 * "use the default"; anything else, 0 included, is the caller's choice and must be valid (TF.js's
 * `args.x || default` would silently replace an explicit 0; we must not).
 */

/**
 * Every option of the options type `T`, each written `name: true`. The record is checked against
 * `T` both ways, so a key list cannot drift from its interface: an option added to `T` and not
 * here is a compile error, and so is an entry here that is not an option of `T`.
 */
export type OptionKeys<T> = { readonly [K in keyof T]-?: true };

/**
 * Rejects an options argument that is not a plain object, and any key that `keys` does not
 * list, so that a typo such as `{ seeds: 1 }` fails loudly instead of being ignored. `undefined`
 * means no options. `what` names the function in the message (`init.normal`, `Mlp.fit`, …).
 * Returns the options with every value still unchecked: each is validated where it is read.
 */
export function checkOptions<T extends object>(
  what: string,
  options: T | null | undefined,
  keys: NoInfer<OptionKeys<T>>,
): { readonly [K in keyof T]?: unknown } {
  if (options === undefined) return {};
  const allowed = Object.keys(keys);
  if (options instanceof Rng) {
    throw new ParamError(`${what}: options must be an object; pass a stream as { rng }, not the Rng itself`);
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new ParamError(`${what}: options must be an object, got ${show(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!allowed.includes(key)) {
      const takes = allowed.length === 0 ? 'it takes no options' : `it takes ${allowed.join(', ')}`;
      throw new ParamError(`${what}: unknown option ${show(key)} (${takes})`);
    }
  }
  return options as { readonly [K in keyof T]?: unknown };
}

interface Range {
  /** Inclusive lower bound. */
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  /** Exclusive upper bound. */
  below?: number;
  /** Inclusive upper bound. */
  max?: number;
}

/** A finite number within `range`; `fallback` when undefined (required when there is none). */
export function numberIn(name: string, value: unknown, range: Range, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  const ok =
    typeof value === 'number' &&
    Number.isFinite(value) &&
    (range.min === undefined || value >= range.min) &&
    (range.above === undefined || value > range.above) &&
    (range.below === undefined || value < range.below) &&
    (range.max === undefined || value <= range.max);
  if (!ok) throw new ParamError(`${name} must be a finite number${describe(range)}, got ${show(value)}`);
  return value as number;
}

function describe(range: Range): string {
  const parts: string[] = [];
  if (range.min !== undefined) parts.push(`>= ${range.min}`);
  if (range.above !== undefined) parts.push(`> ${range.above}`);
  if (range.below !== undefined) parts.push(`< ${range.below}`);
  if (range.max !== undefined) parts.push(`<= ${range.max}`);
  return parts.length ? ` ${parts.join(' and ')}` : '';
}

/** An integer in [min, max] (max defaults to the largest safe integer). */
export function integerIn(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `in [${min}, ${max}]`;
    throw new ParamError(`${name} must be an integer ${range}, got ${show(value)}`);
  }
  return value;
}

/** A positive integer; `fallback` when undefined (required when there is none). */
export function positiveInteger(name: string, value: unknown, fallback?: number): number {
  if (value === undefined && fallback !== undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ParamError(`${name} must be a positive integer, got ${show(value)}`);
  }
  return value;
}

export function booleanOption(name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') throw new ParamError(`${name} must be true or false, got ${show(value)}`);
  return value;
}

/** Largest finite float32. Initializer parameters end up in a Float32Array, so they must fit one. */
const FLOAT32_MAX = 3.4028234663852886e38;

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
