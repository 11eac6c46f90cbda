import { ParamError, show } from './errors.js';
import {
  blocksFor,
  randomSeed,
  referenceFillBernoulli,
  referenceFillNormal,
  referenceFillTruncatedNormal,
  referenceFillUniform,
  Rng,
} from './random.js';

/**
 * Bulk random fills. Each consumes blocksFor(words) blocks of the Rng, exactly like the
 * reference in random.ts, so results are the same whichever implementation ran.
 * (The wasm SIMD path replaces the reference calls below; the bits stay the same.)
 */

/** Options every random initializer and model takes. */
export interface RandomOptions {
  /** Seed for a fresh Rng (integer in [0, 2^53)). */
  seed?: number;
  /** An existing stream to draw from (advances it). Takes precedence over `seed`. */
  rng?: Rng;
}

/** The Rng an options object asks for: `rng`, else `new Rng(seed)`, else a fresh crypto seed. */
export function resolveRng(options: RandomOptions = {}): Rng {
  if (options.rng !== undefined) {
    if (!(options.rng instanceof Rng)) throw new ParamError(`rng must be an nninit.Rng, got ${show(options.rng)}`);
    return options.rng;
  }
  return new Rng(options.seed ?? randomSeed());
}

function checkFinite(name: string, value: number): void {
  if (!Number.isFinite(value)) throw new ParamError(`${name} must be a finite number, got ${show(value)}`);
}

export function fillUniform(rng: Rng, out: Float32Array, low: number, high: number): void {
  checkFinite('low', low);
  checkFinite('high', high);
  if (!(low <= high)) throw new ParamError(`low must be <= high, got low=${show(low)}, high=${show(high)}`);
  referenceFillUniform(rng, rng.takeBlocks(blocksFor(out.length)), out, low, high);
}

export function fillNormal(rng: Rng, out: Float32Array, mean: number, std: number): void {
  checkFinite('mean', mean);
  checkFinite('std', std);
  if (std < 0) throw new ParamError(`std must be >= 0, got ${show(std)}`);
  referenceFillNormal(rng, rng.takeBlocks(blocksFor(out.length)), out, mean, std);
}

export function fillBernoulli(rng: Rng, out: Float32Array, p: number): void {
  checkFinite('p', p);
  if (p < 0 || p > 1) throw new ParamError(`p must be in [0, 1], got ${show(p)}`);
  referenceFillBernoulli(rng, rng.takeBlocks(blocksFor(out.length)), out, p);
}

/** Smallest probability mass [low, high] may hold for rejection sampling to be sound and quick. */
export const TRUNCATED_MIN_MASS = 0.05;

export function fillTruncatedNormal(
  rng: Rng,
  out: Float32Array,
  mean: number,
  std: number,
  low: number,
  high: number,
): void {
  checkFinite('mean', mean);
  checkFinite('std', std);
  checkFinite('low', low);
  checkFinite('high', high);
  if (std < 0) throw new ParamError(`std must be >= 0, got ${show(std)}`);
  if (!(low < high)) throw new ParamError(`low must be < high, got low=${show(low)}, high=${show(high)}`);
  const mass = std === 0 ? (mean >= low && mean <= high ? 1 : 0) : normalCdf((high - mean) / std) - normalCdf((low - mean) / std);
  if (mass < TRUNCATED_MIN_MASS) {
    throw new ParamError(
      `truncated normal: [low=${show(low)}, high=${show(high)}] holds only ${mass.toPrecision(3)} of ` +
        `N(${show(mean)}, ${show(std)}²); nninit samples it by rejection and needs at least ${TRUNCATED_MIN_MASS}`,
    );
  }
  referenceFillTruncatedNormal(rng, rng.takeBlocks(blocksFor(out.length)), out, mean, std, low, high);
}

/** Standard normal CDF (W. J. Cody's erfc rational approximations would be exact to f64; this is ~1e-7). */
export function normalCdf(x: number): number {
  return 0.5 * erfc(-x / Math.SQRT2);
}

/** Complementary error function, Numerical Recipes' erfcc (relative error < 1.2e-7). */
function erfc(x: number): number {
  const z = Math.abs(x);
  const t = 1 / (1 + 0.5 * z);
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    );
  return x >= 0 ? r : 2 - r;
}
