import { ParamError, show } from './errors.js';
import type { OptionKeys } from './options.js';
import { heap, isReady, kernels, registerWarmup, withBuffers } from './runtime/index.js';
import {
  blocksFor,
  randomSeed,
  referenceFillBernoulli,
  referenceFillNormal,
  referenceFillTruncatedNormal,
  referenceFillUniform,
  Rng,
  splitBlockIndex,
  TRUNCATED_MAX_ATTEMPTS,
} from './random.js';

/**
 * Bulk random fills. Each consumes blocksFor(n) blocks of the Rng and writes the bits the
 * reference in random.ts defines, through the wasm SIMD kernels of assembly/random.ts.
 *
 * Before `ready()` has resolved, the Float32Array fills run the TypeScript reference instead of
 * throwing: initializers are synchronous and the bits are the same either way, so a caller who
 * skipped `ready()` gets correct (only slower) results. `fillNormalAt` writes wasm memory and so
 * needs the runtime.
 */

/** Options every random initializer and model takes. */
export interface RandomOptions {
  /** Seed for a fresh Rng (integer in [0, 2^53)). */
  seed?: number;
  /** An existing stream to draw from (advances it). Takes precedence over `seed`. */
  rng?: Rng;
}

/** The keys of {@link RandomOptions}, for the option records of everything that takes them. */
export const RANDOM_KEYS: OptionKeys<RandomOptions> = { seed: true, rng: true };

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

function checkUniform(low: number, high: number): void {
  checkFinite('low', low);
  checkFinite('high', high);
  if (!(low <= high)) throw new ParamError(`low must be <= high, got low=${show(low)}, high=${show(high)}`);
}

function checkNormal(mean: number, std: number): void {
  checkFinite('mean', mean);
  checkFinite('std', std);
  if (std < 0) throw new ParamError(`std must be >= 0, got ${show(std)}`);
}

function checkBernoulli(p: number): void {
  checkFinite('p', p);
  if (p < 0 || p > 1) throw new ParamError(`p must be in [0, 1], got ${show(p)}`);
}

/** Checks that ptr..ptr+4n is an aligned f32 range inside wasm memory, so a kernel cannot trap. */
function checkRange(ptr: number, n: number): void {
  if (!Number.isInteger(n) || n < 0) throw new ParamError(`n must be a non-negative integer, got ${show(n)}`);
  const end = ptr + 4 * n;
  if (!Number.isInteger(ptr) || ptr < 0 || ptr % 4 !== 0 || end > heap().memory.buffer.byteLength) {
    throw new ParamError(`ptr must be a 4-byte-aligned wasm address with room for n=${n} floats, got ${show(ptr)}`);
  }
}

const fround = Math.fround;

/** Values per scratch chunk: bounds the wasm memory a fill of any size borrows (256 KiB). */
const SCRATCH_VALUES = 1 << 16; // a multiple of 4, so every chunk starts on a block boundary

type KernelFill = (ptr: number, n: number, block: number) => void;

/** Fills `out` by running `fill` into a wasm scratch buffer chunk by chunk and copying out. */
function fillThroughScratch(out: Float32Array, start: number, fill: KernelFill): void {
  const chunk = Math.min(out.length, SCRATCH_VALUES);
  withBuffers([chunk], (scratch) => {
    for (let offset = 0; offset < out.length; offset += chunk) {
      const n = Math.min(chunk, out.length - offset);
      fill(scratch.ptr, n, start + offset / 4);
      out.set(n === chunk ? scratch.view : scratch.view.subarray(0, n), offset);
    }
  });
}

function uniformKernel(rng: Rng, low: number, high: number): KernelFill {
  const k = kernels();
  const l = fround(low);
  const range = fround(fround(high) - l);
  return (ptr, n, block) => k.randomFillUniform({ ptr, n, k0: rng.key0, k1: rng.key1, ...splitBlockIndex(block), low: l, range });
}

function normalKernel(rng: Rng, mean: number, std: number): KernelFill {
  const k = kernels();
  return (ptr, n, block) => k.randomFillNormal({ ptr, n, k0: rng.key0, k1: rng.key1, ...splitBlockIndex(block), substream: 0, mean, std });
}

function bernoulliKernel(rng: Rng, p: number): KernelFill {
  const k = kernels();
  return (ptr, n, block) => k.randomFillBernoulli({ ptr, n, k0: rng.key0, k1: rng.key1, ...splitBlockIndex(block), p });
}

function truncatedNormalKernel(rng: Rng, mean: number, std: number, low: number, high: number): KernelFill {
  const k = kernels();
  return (ptr, n, block) =>
    k.randomFillTruncatedNormal({
      ptr,
      n,
      k0: rng.key0,
      k1: rng.key1,
      ...splitBlockIndex(block),
      mean,
      std,
      low,
      high,
      maxAttempts: TRUNCATED_MAX_ATTEMPTS,
    });
}

/** f32 values uniform in [low, high) into `out`. */
export function fillUniform(rng: Rng, out: Float32Array, low: number, high: number): void {
  checkUniform(low, high);
  const start = rng.takeBlocks(blocksFor(out.length));
  if (out.length === 0) return;
  if (isReady()) fillThroughScratch(out, start, uniformKernel(rng, low, high));
  else referenceFillUniform(rng, start, out, low, high);
}

/** f32 values from N(mean, std²) into `out` (Box–Muller). */
export function fillNormal(rng: Rng, out: Float32Array, mean: number, std: number): void {
  checkNormal(mean, std);
  const start = rng.takeBlocks(blocksFor(out.length));
  if (out.length === 0) return;
  if (isReady()) fillThroughScratch(out, start, normalKernel(rng, mean, std));
  else referenceFillNormal(rng, start, out, mean, std);
}

/** 1 with probability p, else 0, into `out`. */
export function fillBernoulli(rng: Rng, out: Float32Array, p: number): void {
  checkBernoulli(p);
  const start = rng.takeBlocks(blocksFor(out.length));
  if (out.length === 0) return;
  if (isReady()) fillThroughScratch(out, start, bernoulliKernel(rng, p));
  else referenceFillBernoulli(rng, start, out, p);
}

/** Like fillNormal, into n floats of wasm memory at ptr (for buffers a model keeps there). */
export function fillNormalAt(rng: Rng, ptr: number, n: number, mean: number, std: number): void {
  checkNormal(mean, std);
  checkRange(ptr, n);
  normalKernel(rng, mean, std)(ptr, n, rng.takeBlocks(blocksFor(n)));
}

/** Smallest probability mass [low, high] may hold for rejection sampling to be sound and quick. */
export const TRUNCATED_MIN_MASS = 0.05;

function checkTruncatedNormal(mean: number, std: number, low: number, high: number): void {
  checkNormal(mean, std);
  checkFinite('low', low);
  checkFinite('high', high);
  if (!(low < high)) throw new ParamError(`low must be < high, got low=${show(low)}, high=${show(high)}`);
  const mass = std === 0 ? (mean >= low && mean <= high ? 1 : 0) : normalCdf((high - mean) / std) - normalCdf((low - mean) / std);
  if (mass < TRUNCATED_MIN_MASS) {
    throw new ParamError(
      `truncated normal: [low=${show(low)}, high=${show(high)}] holds only ${mass.toPrecision(3)} of ` +
        `N(${show(mean)}, ${show(std)}²); nninit samples it by rejection and needs at least ${TRUNCATED_MIN_MASS}`,
    );
  }
}

/** f32 values from N(mean, std²) restricted to the absolute bounds [low, high] into `out`. */
export function fillTruncatedNormal(
  rng: Rng,
  out: Float32Array,
  mean: number,
  std: number,
  low: number,
  high: number,
): void {
  checkTruncatedNormal(mean, std, low, high);
  const start = rng.takeBlocks(blocksFor(out.length));
  if (out.length === 0) return;
  if (isReady()) fillThroughScratch(out, start, truncatedNormalKernel(rng, mean, std, low, high));
  else referenceFillTruncatedNormal(rng, start, out, mean, std, low, high);
}

/** Runs every fill kernel a few times at ready() so V8 has optimized them before first use. */
function warmUp(): void {
  const rng = new Rng(0);
  const out = new Float32Array(4096);
  for (let i = 0; i < 4; i++) {
    fillUniform(rng, out, 0, 1);
    fillNormal(rng, out, 0, 1);
    fillBernoulli(rng, out, 0.5);
    fillTruncatedNormal(rng, out, 0, 1, -2, 2);
  }
}
registerWarmup(warmUp);

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
