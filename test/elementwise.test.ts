import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import * as ref from './reference/elementwise.js';
import { heap, kernels, ready, withBuffers, type Kernels } from '../src/runtime/index.js';

/*
 * Every kernel of assembly/elementwise.ts against the f64 reference in test/reference/elementwise.ts.
 *
 * Accuracy bounds asserted here (err = |kernel − f64 reference|; measured worst cases in brackets):
 *   sigmoid   err ≤ 1e-6 and err ≤ 5e-7·|ref|               [abs 8.9e-8, rel 1.5e-7]
 *   tanh      err ≤ 2e-6 and err ≤ 5e-7·|ref|               [abs 1.5e-7, rel 1.7e-7]
 *   softplus  err ≤ 5e-7·|ref| + 1e-37                       [rel 2.3e-7; 0 where e^x is subnormal]
 *   relu, bias add: exact (one f32 rounding of the exact result); leaky relu: 0.5 ulp
 *   softmax   err ≤ (5e-7 + 2^-24·|x − max|)·|ref| + 1e-37 (x − max rounds to f32, as in any f32
 *             softmax), rows sum to 1 within 1e-6
 *   log-softmax err ≤ 3e-7·|ref| + 1e-7, and exp(log-softmax) = softmax within 1e-6
 * Every buffer sits between guard elements that must stay untouched (no stray partial stores),
 * which also puts the data 4 bytes off 16-byte alignment.
 */

const GUARD = 5;
const SENTINEL = Math.fround(12345.678);
const LENGTHS = [...Array.from({ length: 71 }, (_, i) => i), 1000, 4099, 100_003];

let k: Kernels;
beforeAll(async () => {
  await ready();
  k = kernels();
});

/** Deterministic f32 values uniform in [low, high) (mulberry32). */
function values(n: number, low: number, high: number, seed = n + 1): Float32Array {
  let state = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = low + ((((t ^ (t >>> 14)) >>> 0) / 2 ** 32) * (high - low));
  }
  return out;
}

/**
 * Copies `arrays` into guarded wasm buffers, runs `fn` on their pointers, checks the guards and
 * returns the buffers' contents afterwards.
 */
function guarded(arrays: ArrayLike<number>[], fn: (...ptrs: number[]) => void): Float32Array[] {
  return withBuffers(
    arrays.map((a) => a.length + 2 * GUARD),
    (...buffers) => {
      buffers.forEach((b, i) => {
        b.view.fill(SENTINEL);
        b.write(arrays[i], GUARD);
      });
      fn(...buffers.map((b) => b.ptr + 4 * GUARD));
      return buffers.map((b, i) => {
        const v = b.view;
        for (let g = 0; g < GUARD; g++) {
          if (v[g] !== SENTINEL || v[v.length - 1 - g] !== SENTINEL) {
            throw new Error(`buffer ${i} (length ${arrays[i].length}): a guard element was overwritten`);
          }
        }
        return v.slice(GUARD, v.length - GUARD);
      });
    },
  );
}

interface Bound {
  abs?: number;
  rel?: number;
  /** Extra tolerance for element i, added to abs + rel·|ref|. */
  extra?: (i: number) => number;
}

/** Asserts every element within abs + rel·|ref| (NaN where the reference is NaN, equal infinities). */
function expectClose(got: Float32Array, want: ArrayLike<number>, bound: Bound, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    const w = want[i];
    const g = got[i];
    if (Number.isNaN(w) || !Number.isFinite(w)) {
      if (!Object.is(g, w)) throw new Error(`${label}: element ${i} is ${g}, want ${w}`);
      continue;
    }
    const err = Math.abs(g - w);
    const tolerance = (bound.abs ?? 0) + (bound.rel ?? 0) * Math.abs(w) + (bound.extra?.(i) ?? 0);
    if (!(err <= tolerance)) throw new Error(`${label}: element ${i} is ${g}, want ${w} (error ${err} > ${tolerance})`);
  }
}

/** Asserts the same values bit for bit (NaN equals NaN, +0 differs from −0). */
function expectIdentical(got: Float32Array, want: Float32Array, label: string): void {
  expect(got.length, label).toBe(want.length);
  for (let i = 0; i < got.length; i++) {
    if (!Object.is(got[i], want[i])) throw new Error(`${label}: element ${i} is ${got[i]}, want ${want[i]}`);
  }
}

/** Both bounds at once: err ≤ abs and err ≤ rel·|ref| (each alone). */
function expectWithin(got: Float32Array, want: ArrayLike<number>, abs: number, rel: number, label: string): void {
  expectClose(got, want, { abs }, `${label} (absolute)`);
  expectClose(got, want, { rel, abs: 1e-37 }, `${label} (relative)`);
}

interface Unary {
  name: string;
  run(x: number, out: number, n: number): void;
  reference(x: Float32Array): Float64Array;
  check(got: Float32Array, want: Float64Array, label: string): void;
}

const SLOPE = 0.2;
const unaries: Unary[] = [
  {
    name: 'sigmoid',
    run: (x, out, n) => k.elementwiseSigmoid(x, out, n),
    reference: ref.referenceSigmoid,
    check: (got, want, label) => expectWithin(got, want, 1e-6, 5e-7, label),
  },
  {
    name: 'tanh',
    run: (x, out, n) => k.elementwiseTanh(x, out, n),
    reference: ref.referenceTanh,
    check: (got, want, label) => expectWithin(got, want, 2e-6, 5e-7, label),
  },
  {
    name: 'relu',
    run: (x, out, n) => k.elementwiseRelu(x, out, n),
    reference: ref.referenceRelu,
    check: (got, want, label) => expectClose(got, want, {}, label),
  },
  {
    name: 'leakyRelu',
    run: (x, out, n) => k.elementwiseLeakyRelu(x, out, n, SLOPE),
    reference: (x) => ref.referenceLeakyRelu(x, Math.fround(SLOPE)),
    check: (got, want, label) => expectClose(got, want, { rel: 2 ** -24 }, label),
  },
  {
    name: 'softplus',
    run: (x, out, n) => k.elementwiseSoftplus(x, out, n),
    reference: ref.referenceSoftplus,
    check: (got, want, label) => expectClose(got, want, { rel: 5e-7, abs: 1e-37 }, label),
  },
];

describe('elementwise activations match the f64 reference', () => {
  for (const op of unaries) {
    it(`${op.name}: every length 0..70 and large ones, out of place and in place`, () => {
      for (const n of LENGTHS) {
        const x = values(n, -12, 12);
        const want = op.reference(x);
        const [, outOfPlace] = guarded([x, new Float32Array(n)], (px, po) => op.run(px, po, n));
        op.check(outOfPlace, want, `${op.name} n=${n}`);
        const [inPlace] = guarded([x], (px) => op.run(px, px, n));
        expectIdentical(inPlace, outOfPlace, `${op.name} in place n=${n}`);
      }
    });
  }

  it('sigmoid, tanh and softplus hold their bounds over a dense sweep of [−100, 100]', () => {
    const n = 1_000_000;
    const x = new Float32Array(n);
    for (let i = 0; i < n; i++) x[i] = -100 + (200 * i) / n;
    for (const op of unaries) {
      const [got] = guarded([x], (px) => op.run(px, px, n));
      op.check(got, op.reference(x), `${op.name} sweep`);
    }
  });

  it('tanh keeps relative accuracy near 0', () => {
    const x = new Float32Array(4000).map((_, i) => (i % 2 ? -1 : 1) * Math.fround(1e-30 * 10 ** (i / 137)));
    const [got] = guarded([x], (px) => k.elementwiseTanh(px, px, x.length));
    expectClose(got, ref.referenceTanh(x), { rel: 5e-7 }, 'tanh near 0');
  });

  it('sigmoid keeps relative accuracy in its lower tail', () => {
    const x = new Float32Array(4000).map((_, i) => -87 * (i / 4000));
    const [got] = guarded([x], (px) => k.elementwiseSigmoid(px, px, x.length));
    expectClose(got, ref.referenceSigmoid(x), { rel: 5e-7 }, 'sigmoid tail');
  });
});

describe('special values: NaN propagates, ±∞ and huge inputs behave', () => {
  const run = (fn: (x: number, out: number, n: number) => void, input: number[]) => {
    const [got] = guarded([input], (px) => fn(px, px, input.length));
    return Array.from(got);
  };

  it('sigmoid', () => {
    const got = run((x, o, n) => k.elementwiseSigmoid(x, o, n), [NaN, Infinity, -Infinity, 100, -100, 0, -0, 1e30, -1e30]);
    expect(got[0]).toBeNaN();
    expect(got.slice(1, 3)).toEqual([1, 0]);
    expect(got[3]).toBe(1);
    expect(got[4]).toBeGreaterThanOrEqual(0); // e^−100 = 3.7e-44 is subnormal in f32: flushed to 0
    expect(got[4]).toBeLessThan(1e-38);
    expect(got.slice(5, 7)).toEqual([0.5, 0.5]);
    expect(got.slice(7)).toEqual([1, 0]);
  });

  it('tanh', () => {
    const got = run((x, o, n) => k.elementwiseTanh(x, o, n), [NaN, Infinity, -Infinity, 0, -0, 20, -20, 1e-40]);
    expect(got[0]).toBeNaN();
    expect(got.slice(1, 3)).toEqual([1, -1]);
    expect(Object.is(got[3], 0)).toBe(true);
    expect(Object.is(got[4], -0)).toBe(true);
    expect(got.slice(5, 7)).toEqual([1, -1]);
    expect(got[7]).toBe(Math.fround(1e-40));
  });

  it('relu and leaky relu', () => {
    const input = [NaN, Infinity, -Infinity, -0, 3, -3];
    const relu = run((x, o, n) => k.elementwiseRelu(x, o, n), input);
    expect(relu[0]).toBeNaN();
    expect(relu.slice(1)).toEqual([Infinity, 0, 0, 3, 0]);
    expect(Object.is(relu[3], 0)).toBe(true);
    const leaky = run((x, o, n) => k.elementwiseLeakyRelu(x, o, n, 0.5), input);
    expect(leaky[0]).toBeNaN();
    expect(leaky.slice(1)).toEqual([Infinity, -Infinity, -0, 3, -1.5]);
  });

  it('softplus', () => {
    const got = run((x, o, n) => k.elementwiseSoftplus(x, o, n), [NaN, Infinity, -Infinity, 100, -100, 0, 20, -20]);
    expect(got[0]).toBeNaN();
    expect(got.slice(1, 3)).toEqual([Infinity, 0]);
    expect(got[3]).toBe(100);
    expect(got[4]).toBeGreaterThanOrEqual(0);
    expect(got[4]).toBeLessThan(1e-38);
    expect(got[5]).toBe(Math.fround(Math.LN2));
    expect(Math.abs(got[6] - (20 + Math.exp(-20)))).toBeLessThan(1e-6);
    expect(Math.abs(got[7] - Math.exp(-20)) / Math.exp(-20)).toBeLessThan(5e-7);
  });

  it('backward kernels propagate NaN through dy and y; relu′ of NaN input is 0 (like PyTorch)', () => {
    const y = [NaN, 0.5, 0.5];
    const dy = [1, NaN, 2];
    for (const name of ['elementwiseSigmoidBackward', 'elementwiseTanhBackward'] as const) {
      const [, , dx] = guarded([y, dy, [0, 0, 0]], (py, pdy, pdx) => k[name](py, pdy, pdx, 3));
      expect(dx[0], name).toBeNaN();
      expect(dx[1], name).toBeNaN();
      expect(Number.isFinite(dx[2]), name).toBe(true);
    }
    const [, , relu] = guarded([[NaN, 1, -Infinity, Infinity], [5, NaN, 7, 8], [0, 0, 0, 0]], (px, pdy, pdx) =>
      k.elementwiseReluBackward(px, pdy, pdx, 4),
    );
    expect(relu[0]).toBe(0);
    expect(relu[1]).toBeNaN();
    expect(Array.from(relu.slice(2))).toEqual([0, 8]);
  });
});

describe('derivatives', () => {
  it('sigmoid′ and tanh′ from the output y, relu′ and leaky relu′ from x, all lengths, in place', () => {
    for (const n of LENGTHS) {
      const y01 = values(n, 0, 1, 3 * n + 7);
      const y11 = values(n, -1, 1, 5 * n + 1);
      const x = values(n, -3, 3, 7 * n + 5);
      const dy = values(n, -2, 2, 11 * n + 3);
      const zeros = new Float32Array(n);
      const cases: Array<[string, Float32Array, (a: number, b: number, c: number) => void, Float64Array, Bound]> = [
        ['sigmoidBackward', y01, (a, b, c) => k.elementwiseSigmoidBackward(a, b, c, n), ref.referenceSigmoidBackward(y01, dy), { rel: 3e-7, abs: 1e-37 }],
        ['tanhBackward', y11, (a, b, c) => k.elementwiseTanhBackward(a, b, c, n), ref.referenceTanhBackward(y11, dy), { rel: 3e-7, abs: 1e-37 }],
        ['reluBackward', x, (a, b, c) => k.elementwiseReluBackward(a, b, c, n), ref.referenceReluBackward(x, dy), {}],
        [
          'leakyReluBackward',
          x,
          (a, b, c) => k.elementwiseLeakyReluBackward(a, b, c, n, SLOPE),
          ref.referenceLeakyReluBackward(x, dy, Math.fround(SLOPE)),
          { rel: 2 ** -24 },
        ],
      ];
      for (const [name, input, run, want, bound] of cases) {
        const [, , dx] = guarded([input, dy, zeros], run);
        expectClose(dx, want, bound, `${name} n=${n}`);
        const [, inPlace] = guarded([input, dy], (a, b) => run(a, b, b));
        expectIdentical(inPlace, dx, `${name} in place n=${n}`);
      }
    }
  });
});

const SHAPES: Array<[number, number]> = [
  ...Array.from({ length: 71 }, (_, c) => [3, c] as [number, number]),
  [1, 1],
  [0, 5],
  [7, 1],
  [2, 1000],
  [5, 4099],
  [64, 10],
];

describe('bias add', () => {
  it('x[r, c] + bias[c] for many shapes, exact, in place', () => {
    for (const [rows, cols] of SHAPES) {
      const x = values(rows * cols, -5, 5, rows * 31 + cols);
      const bias = values(cols, -5, 5, cols + 99);
      const want = Float32Array.from(ref.referenceBiasAdd(x, bias, cols));
      const [, , out] = guarded([x, bias, new Float32Array(rows * cols)], (px, pb, po) => k.elementwiseBiasAdd(px, pb, po, rows, cols));
      expectIdentical(out, want, `${rows}×${cols}`);
      const [inPlace] = guarded([x, bias], (px, pb) => k.elementwiseBiasAdd(px, pb, px, rows, cols));
      expectIdentical(inPlace, want, `${rows}×${cols} in place`);
    }
  });
});

describe('softmax and log-softmax, row-wise and stable', () => {
  it('match the reference for many shapes; rows sum to 1; exp(log-softmax) = softmax; in place', () => {
    for (const [rows, cols] of SHAPES) {
      const x = values(rows * cols, -40, 40, rows * 17 + cols);
      const n = rows * cols;
      const [, soft] = guarded([x, new Float32Array(n)], (px, po) => k.elementwiseSoftmax(px, po, rows, cols));
      const want = ref.referenceSoftmax(x, rows, cols);
      const shiftRounding = (i: number) => 2 ** -24 * Math.abs(Math.log(want[i])) * want[i];
      expectClose(soft, want, { rel: 5e-7, abs: 1e-37, extra: shiftRounding }, `softmax ${rows}×${cols}`);
      for (let r = 0; cols > 0 && r < rows; r++) {
        let sum = 0;
        for (let c = 0; c < cols; c++) sum += soft[r * cols + c];
        expect(Math.abs(sum - 1), `softmax ${rows}×${cols} row ${r} sum`).toBeLessThanOrEqual(1e-6);
      }
      const [, logSoft] = guarded([x, new Float32Array(n)], (px, po) => k.elementwiseLogSoftmax(px, po, rows, cols));
      expectClose(logSoft, ref.referenceLogSoftmax(x, rows, cols), { rel: 3e-7, abs: 1e-7 }, `logSoftmax ${rows}×${cols}`);
      expectClose(soft, Float64Array.from(logSoft, Math.exp), { abs: 1e-6 }, `exp(logSoftmax) ${rows}×${cols}`);

      const [softInPlace] = guarded([x], (px) => k.elementwiseSoftmax(px, px, rows, cols));
      expectIdentical(softInPlace, soft, 'softInPlace');
      const [logInPlace] = guarded([x], (px) => k.elementwiseLogSoftmax(px, px, rows, cols));
      expectIdentical(logInPlace, logSoft, 'logInPlace');
    }
  });

  const rowsOf = (fn: 'elementwiseSoftmax' | 'elementwiseLogSoftmax', data: number[][]) => {
    const cols = data[0].length;
    const [out] = guarded([data.flat()], (px) => k[fn](px, px, data.length, cols));
    return data.map((_, r) => Array.from(out.slice(r * cols, (r + 1) * cols)));
  };

  it('does not overflow or underflow on large inputs', () => {
    const [a, b, c] = rowsOf('elementwiseSoftmax', [
      [1000, 1001],
      [-1000, -1001],
      [-1000, 1000],
    ]);
    const e = 1 / (1 + Math.E);
    expect(Math.abs(a[0] - e)).toBeLessThan(1e-7);
    expect(Math.abs(a[1] - (1 - e))).toBeLessThan(1e-7);
    expect(Math.abs(b[0] - (1 - e))).toBeLessThan(1e-7);
    expect(Math.abs(b[1] - e)).toBeLessThan(1e-7);
    expect(c).toEqual([0, 1]);
    const [l] = rowsOf('elementwiseLogSoftmax', [[1000, 1001]]);
    expect(Math.abs(l[0] - (-1 - Math.log1p(Math.exp(-1))))).toBeLessThan(2e-7);
    expect(Math.abs(l[1] - -Math.log1p(Math.exp(-1)))).toBeLessThan(2e-7);
  });

  it('follows PyTorch on special values, row by row: NaN or +∞ (or only −∞) makes the row NaN, −∞ gives 0', () => {
    const input = [
      [Infinity, 1, 2],
      [NaN, 1, 2],
      [-Infinity, -Infinity, -Infinity],
      [-Infinity, 0, 0],
      [1, 2, 3],
    ];
    const soft = rowsOf('elementwiseSoftmax', input);
    for (const r of [0, 1, 2]) for (const v of soft[r]) expect(v, `row ${r}`).toBeNaN();
    expect(soft[3]).toEqual([0, 0.5, 0.5]);
    expectClose(Float32Array.from(soft[4]), ref.referenceSoftmax(input[4], 1, 3), { rel: 5e-7 }, 'finite row');
    const log = rowsOf('elementwiseLogSoftmax', input);
    for (const r of [0, 1, 2]) for (const v of log[r]) expect(v, `log row ${r}`).toBeNaN();
    expect(log[3][0]).toBe(-Infinity);
    expect(Math.abs(log[3][1] + Math.LN2)).toBeLessThan(1e-7);
  });
});

describe('nninit.ops: public elementwise functions', () => {
  it('return new Tensors of the same shape and leave the input alone', () => {
    const data = values(24, -3, 3);
    const t = nninit.tensor(data, [2, 3, 4]);
    const cases: Array<[string, nninit.Tensor, Float64Array, Bound]> = [
      ['sigmoid', nninit.ops.sigmoid(t), ref.referenceSigmoid(data), { abs: 1e-6 }],
      ['tanh', nninit.ops.tanh(t), ref.referenceTanh(data), { abs: 2e-6 }],
      ['relu', nninit.ops.relu(t), ref.referenceRelu(data), {}],
      ['leakyRelu', nninit.ops.leakyRelu(t), ref.referenceLeakyRelu(data, Math.fround(0.01)), { rel: 2 ** -24 }],
      ['softplus', nninit.ops.softplus(t), ref.referenceSoftplus(data), { rel: 5e-7 }],
      ['softmax', nninit.ops.softmax(t), ref.referenceSoftmax(data, 6, 4), { rel: 5e-7 }],
      ['logSoftmax', nninit.ops.logSoftmax(t), ref.referenceLogSoftmax(data, 6, 4), { rel: 3e-7, abs: 1e-7 }],
    ];
    for (const [name, out, want, bound] of cases) {
      expect(out.shape, name).toEqual([2, 3, 4]);
      expect(out.data, name).not.toBe(t.data);
      expectClose(out.data, want, bound, name);
    }
    expect(t.data).toEqual(data);
    expect(nninit.ops.leakyRelu(t, 0.5).data[0]).toBe(data[0] > 0 ? data[0] : Math.fround(0.5 * data[0]));
  });

  it('free their wasm memory', () => {
    const before = heap().bytesInUse;
    const t = nninit.tensor(values(10_000, -1, 1), [100, 100]);
    for (let i = 0; i < 5; i++) nninit.ops.softmax(nninit.ops.sigmoid(t));
    expect(heap().bytesInUse).toBe(before);
  });

  it('reject what is not a Tensor and bad slopes with typed errors', () => {
    expect(() => nninit.ops.sigmoid([1, 2] as unknown as nninit.Tensor)).toThrow(expect.objectContaining({ code: 'E_PARAM' }));
    expect(() => nninit.ops.softmax({ shape: [2, 2], data: new Float32Array(3) })).toThrow(
      expect.objectContaining({ code: 'E_SHAPE' }),
    );
    expect(() => nninit.ops.leakyRelu(nninit.tensor([1], [1]), NaN)).toThrow(expect.objectContaining({ code: 'E_PARAM' }));
  });
});
