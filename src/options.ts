import { ParamError, show } from './errors.js';
import { Rng } from './random.js';

/*
 * Option checks for models and optimizers. `undefined` means "use the default"; anything else,
 * 0 included, is the caller's choice and must be valid.
 */

/**
 * Rejects an options argument that is not a plain object, and any key not in `allowed`, so that
 * a typo such as `{ seeds: 1 }` fails loudly instead of being ignored. `undefined` means no
 * options. `what` names the function in the message (`init.normal`, `Mlp.fit`, …).
 */
export function checkKeys(what: string, options: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
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
  return options as Record<string, unknown>;
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
