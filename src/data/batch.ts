import { DataError, ParamError, ShapeError, show } from '../errors.js';
import { integerIn } from '../options.js';
import { Rng, randomSeed } from '../random.js';
import { checkMatrix, type Tensor } from '../tensor.js';

/** Where randomness comes from: a stream, or a seed to start one. */
export interface RandomOptions {
  rng?: Rng;
  seed?: number;
}

/** Class ids, one per row. */
export type Labels = Int32Array | readonly number[];

/** The stream to draw from: `rng`, else a new one from `seed`, else from a crypto seed. */
function rngFrom({ rng, seed }: RandomOptions): Rng {
  if (rng !== undefined) {
    if (!(rng instanceof Rng)) throw new ParamError(`rng must be an nninit Rng, got ${show(rng)}`);
    return rng;
  }
  return new Rng(seed ?? randomSeed());
}

/** 0, 1, …, n − 1. */
function identity(n: number): Int32Array {
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order;
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates on `rng.int`, unbiased). */
export function permutation(n: number, rng: Rng): Int32Array {
  integerIn('n', n, 0);
  if (n > 0x7fffffff) throw new ParamError(`n must be below 2^31, got ${n}`);
  if (!(rng instanceof Rng)) throw new ParamError(`rng must be an nninit Rng, got ${show(rng)}`);
  const order = identity(n);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const held = order[i];
    order[i] = order[j];
    order[j] = held;
  }
  return order;
}

/**
 * One-hot rows for class ids: a Tensor [labels.length, classes] with a 1 at each label.
 *
 * ```ts
 * oneHot([2, 0], 3).data; // [0, 0, 1, 1, 0, 0]
 * ```
 */
export function oneHot(labels: Labels, classes: number): Tensor {
  integerIn('classes', classes, 1);
  const ids = toLabels(labels, 'labels');
  const out = new Float32Array(ids.length * classes);
  for (let i = 0; i < ids.length; i++) {
    const label = ids[i];
    if (label < 0 || label >= classes) {
      throw new DataError(`labels[${i}] must be a class id in [0, ${classes}), got ${show(label)}`);
    }
    out[i * classes + label] = 1;
  }
  return { shape: [ids.length, classes], data: out };
}

/**
 * Row indices for mini-batches over `n` rows: `ceil(n / batchSize)` Int32Arrays, the last one
 * shorter when `batchSize` does not divide `n`. With `shuffle`, the order is a seeded permutation
 * (drawn now, from `rng` or `seed`; with neither, from a crypto seed).
 *
 * ```ts
 * for (const rows of batches(8000, 100, { shuffle: true, seed: 1 })) { ... }
 * ```
 */
export function batches(
  n: number,
  batchSize: number,
  options: { shuffle?: boolean } & RandomOptions = {},
): IterableIterator<Int32Array> {
  integerIn('n', n, 0);
  integerIn('batchSize', batchSize, 1);
  const order = options.shuffle ? permutation(n, rngFrom(options)) : identity(n);
  return (function* () {
    for (let start = 0; start < n; start += batchSize) yield order.slice(start, Math.min(start + batchSize, n));
  })();
}

/** The rows of a 2-D tensor at `indices`, copied into a new Tensor [indices.length, features]. */
export function takeRows(x: Tensor, indices: Int32Array | readonly number[]): Tensor {
  const { rows, cols: columns } = checkMatrix(x, 'x');
  const out = new Float32Array(indices.length * columns);
  for (let i = 0; i < indices.length; i++) {
    const row = indices[i];
    if (!Number.isInteger(row) || row < 0 || row >= rows) {
      throw new ParamError(`indices[${i}] must be a row of x in [0, ${rows}), got ${show(row)}`);
    }
    out.set(x.data.subarray(row * columns, (row + 1) * columns), i * columns);
  }
  return { shape: [indices.length, columns], data: out };
}

/** Per-feature statistics from `standardize`, to apply the same shift and scale to other data. */
export interface Standardization {
  /** Feature means, Tensor [features]. */
  mean: Tensor;
  /** Feature standard deviations (population, divided by n), Tensor [features]; 0 for constant features. */
  std: Tensor;
}

/**
 * Shifts and scales each feature (column) of `x` [rows, features] to mean 0 and standard
 * deviation 1. Features that do not vary come out as 0, not NaN. Pass the statistics of the
 * training set as `using` to apply them to validation or test data.
 *
 * ```ts
 * const train = standardize(trainX);
 * const test = standardize(testX, train); // same mean and std as the training data
 * ```
 */
export function standardize(x: Tensor, using?: Standardization): { x: Tensor } & Standardization {
  const { rows, cols: columns } = checkMatrix(x, 'x');
  for (let i = 0; i < x.data.length; i++) {
    if (!Number.isFinite(x.data[i])) {
      throw new DataError(`x[${Math.floor(i / columns)}, ${i % columns}] is ${show(x.data[i])}; values must be finite`);
    }
  }
  let statistics: Standardization;
  if (using === undefined) {
    const [mean, std] = columnStatistics(x.data, rows, columns);
    statistics = { mean: { shape: [columns], data: mean }, std: { shape: [columns], data: std } };
  } else {
    checkStatistic(using.mean, 'using.mean', columns, false);
    checkStatistic(using.std, 'using.std', columns, true);
    statistics = { mean: using.mean, std: using.std };
  }
  const mean = statistics.mean.data;
  const std = statistics.std.data;
  const out = new Float32Array(x.data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const i = r * columns + c;
      out[i] = std[c] === 0 ? 0 : (x.data[i] - mean[c]) / std[c];
    }
  }
  return { x: { shape: [rows, columns], data: out }, ...statistics };
}

/** Column means and population standard deviations, accumulated in f64 in two passes. */
function columnStatistics(data: Float32Array, rows: number, columns: number): [Float32Array, Float32Array] {
  const sums = new Float64Array(columns);
  for (let r = 0; r < rows; r++) for (let c = 0; c < columns; c++) sums[c] += data[r * columns + c];
  const means = sums.map((s) => s / rows);
  const squares = new Float64Array(columns);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < columns; c++) {
      const d = data[r * columns + c] - means[c];
      squares[c] += d * d;
    }
  }
  return [Float32Array.from(means), Float32Array.from(squares, (s) => Math.sqrt(s / rows))];
}

function checkStatistic(value: Tensor, name: string, columns: number, nonNegative: boolean): void {
  if (
    typeof value !== 'object' ||
    value === null ||
    !(value.data instanceof Float32Array) ||
    value.data.length !== columns
  ) {
    throw new ShapeError(`${name} must be a Tensor of ${columns} values, one per feature of x`);
  }
  for (let c = 0; c < columns; c++) {
    if (!Number.isFinite(value.data[c]) || (nonNegative && value.data[c] < 0)) {
      throw new DataError(`${name}[${c}] is ${show(value.data[c])}; it must be finite${nonNegative ? ' and ≥ 0' : ''}`);
    }
  }
}

/** Inputs with their targets: class ids, or a Tensor of target rows. */
export interface Examples<Y extends Int32Array | Tensor = Int32Array> {
  x: Tensor;
  y: Y;
}

/** Rows for training and rows held out to validate on. */
export interface ValidationSplit<Y extends Int32Array | Tensor = Int32Array> {
  train: Examples<Y>;
  validation: Examples<Y>;
}

/**
 * Holds out `round(fraction · rows)` rows of (x, y) for validation. Without `rng` or `seed`
 * the last rows are held out (as Keras' `validation_split`); with one, the held-out rows are
 * drawn at random. `y` is class ids (returned as Int32Array) or a Tensor of target rows.
 *
 * ```ts
 * const { train, validation } = splitValidation(x, labels, 0.1, { seed: 3 });
 * ```
 */
export function splitValidation(
  x: Tensor,
  y: Labels,
  fraction: number,
  options?: RandomOptions,
): ValidationSplit<Int32Array>;
export function splitValidation(
  x: Tensor,
  y: Tensor,
  fraction: number,
  options?: RandomOptions,
): ValidationSplit<Tensor>;
export function splitValidation(
  x: Tensor,
  y: Labels | Tensor,
  fraction: number,
  options: RandomOptions = {},
): ValidationSplit<Int32Array> | ValidationSplit<Tensor> {
  const { rows } = checkMatrix(x, 'x');
  const targets = isTensor(y) ? y : toLabels(y, 'y');
  const targetRows = isTensor(targets) ? checkMatrix(targets, 'y').rows : targets.length;
  if (targetRows !== rows) throw new ShapeError(`x has ${rows} rows but y has ${targetRows}`);
  if (typeof fraction !== 'number' || !(fraction > 0 && fraction < 1)) {
    throw new ParamError(`fraction must be a number in (0, 1), got ${show(fraction)}`);
  }
  const held = Math.round(fraction * rows);
  if (held < 1 || held > rows - 1) {
    throw new ParamError(`fraction ${fraction} of ${rows} rows holds out ${held}; both parts need at least one row`);
  }
  const random = options.rng !== undefined || options.seed !== undefined;
  const order = random ? permutation(rows, rngFrom(options)) : identity(rows);
  const trainRows = order.subarray(0, rows - held);
  const validationRows = order.subarray(rows - held);
  if (isTensor(targets)) {
    return {
      train: { x: takeRows(x, trainRows), y: takeRows(targets, trainRows) },
      validation: { x: takeRows(x, validationRows), y: takeRows(targets, validationRows) },
    };
  }
  return {
    train: { x: takeRows(x, trainRows), y: Int32Array.from(trainRows, (i) => targets[i]) },
    validation: { x: takeRows(x, validationRows), y: Int32Array.from(validationRows, (i) => targets[i]) },
  };
}

function isTensor(value: unknown): value is Tensor {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'data' in value && 'shape' in value;
}

/** Class ids as an Int32Array; a fractional or non-numeric id is an error, not silently truncated. */
function toLabels(labels: Labels, name: string): Int32Array {
  if (labels instanceof Int32Array) return labels;
  if (!Array.isArray(labels)) {
    throw new DataError(`${name} must be class ids (Int32Array or number[]), got ${show(labels)}`);
  }
  for (let i = 0; i < labels.length; i++) {
    if (!Number.isInteger(labels[i]) || Math.abs(labels[i]) > 0x7fffffff) {
      throw new DataError(`${name}[${i}] must be an integer class id, got ${show(labels[i])}`);
    }
  }
  return Int32Array.from(labels);
}
