import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as nninit from '../index.js';

/*
 * Data and option parsing shared by `nninit pretrain`, `train` and `eval`: the bundled digits by
 * default, or IDX files (`--data <dir>` or `--data images.idx,labels.idx`, gzipped or not).
 */

export interface Examples {
  /** [rows, features], pixels of u8 images scaled to [0, 1]. */
  x: nninit.Tensor;
  y: Int32Array;
  /** Where the rows came from, for the progress line. */
  source: string;
}

export interface DataChoice {
  /** A directory of MNIST-named IDX files, or "images,labels" paths; absent: the bundled digits. */
  data?: string;
  /** The training or the test part: `train-*` or `t10k-*` files, or that part of the bundled split. */
  part: 'train' | 'test';
  /** Rows of the bundled split's train and test parts; with IDX files, the first `rows` of the part. */
  trainSize: number;
  testSize: number;
  /** Seed of the bundled digits' split. */
  seed: number;
}

/** The options every weights command takes for its data. */
export const DATA_OPTIONS = {
  data: { type: 'string' },
  'train-size': { type: 'string', default: '8000' },
  'test-size': { type: 'string', default: '2000' },
  seed: { type: 'string', default: '0' },
} as const;

export const DATA_USAGE = `[--data <dir> | --data images.idx,labels.idx] [--train-size 8000] [--test-size 2000] [--seed 0]`;

export function dataChoice(values: Record<string, string | boolean | undefined>, part: 'train' | 'test'): DataChoice {
  return {
    data: values.data as string | undefined,
    part,
    trainSize: positiveInt('train-size', values['train-size'] as string),
    testSize: positiveInt('test-size', values['test-size'] as string),
    seed: nonNegativeInt('seed', values.seed as string),
  };
}

export async function loadExamples(choice: DataChoice): Promise<Examples> {
  if (choice.data === undefined) {
    const { train, test } = await nninit.data.mnist({ trainSize: choice.trainSize, testSize: choice.testSize, seed: choice.seed });
    const examples = choice.part === 'train' ? train : test;
    return { x: examples.x, y: examples.y, source: `bundled digits, ${choice.part} part of seed ${choice.seed}` };
  }
  const [imagesPath, labelsPath] = await idxPaths(choice.data, choice.part);
  const rows = choice.part === 'train' ? choice.trainSize : choice.testSize;
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
    throw new nninit.ParamError(`--data must be a directory or "images.idx,labels.idx", got ${JSON.stringify(data)}`);
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

/** A file's bytes; a missing or unreadable file is a usage error with its path, not a stack trace. */
export async function readInput(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new nninit.ParamError(`cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
}

/** Checks that the model takes as many inputs as the data has features, before any work. */
export function checkWidth(inputs: number, examples: Examples): void {
  if (examples.x.shape[1] !== inputs) {
    throw new nninit.ParamError(`the model takes ${inputs} inputs but the data (${examples.source}) has ${examples.x.shape[1]} features per row`);
  }
}

export function positiveInt(name: string, text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1) throw new nninit.ParamError(`--${name} must be a positive integer, got ${JSON.stringify(text)}`);
  return value;
}

export function nonNegativeInt(name: string, text: string): number {
  if (!/^\d+$/.test(text)) throw new nninit.ParamError(`--${name} must be an integer >= 0, got ${JSON.stringify(text)}`);
  return Number(text);
}

export function positiveNumber(name: string, text: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || value <= 0) {
    throw new nninit.ParamError(`--${name} must be a positive number, got ${JSON.stringify(text)}`);
  }
  return value;
}

export function sizes(name: string, text: string): number[] {
  return text.split(',').map((part) => positiveInt(name, part.trim()));
}
