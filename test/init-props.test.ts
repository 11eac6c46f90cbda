import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { init, NninitError, ready, type Tensor } from '../src/index.js';

/* Property tests of nninit.init: fans under both layouts, shape validation, bounds, orthogonality. */

beforeAll(() => ready());

const product = (dims: number[]) => dims.reduce((a, b) => a * b, 1);
const maxAbs = (data: Float32Array) => data.reduce((max, x) => Math.max(max, Math.abs(x)), 0);
/** Same length and same bits (vitest's deep equality is slow on large arrays). */
function identical(a: Float32Array, b: Float32Array): boolean {
  if (a.length !== b.length) return false;
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.every((word, i) => word === y[i]);
}

/** A PyTorch-layout weight shape [out, in, ...kernel] with 0–3 kernel dimensions. */
const outInShape = fc.tuple(
  fc.integer({ min: 1, max: 512 }),
  fc.integer({ min: 1, max: 512 }),
  fc.array(fc.integer({ min: 1, max: 7 }), { maxLength: 3 }),
);
/** The same weight in Keras layout: [...kernel, in, out]. */
const toInOut = ([out, inputs, kernel]: [number, number, number[]]) => [...kernel, inputs, out];

/** A small valid shape of rank 1–4. */
const smallShape = fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 4 });

/** A shape with at least one invalid dimension: 0, negative, fractional, NaN or ±∞. */
const badDim = fc.oneof(
  fc.constant(0),
  fc.integer({ min: -1000, max: -1 }),
  fc.double({ min: 0.01, max: 100, noInteger: true, noNaN: true }),
  fc.constantFrom(NaN, Infinity, -Infinity),
);
const goodDims = (maxLength: number) => fc.array(fc.integer({ min: 1, max: 5 }), { maxLength });
const badShape = fc
  .tuple(goodDims(3), badDim, goodDims(2))
  .map(([before, bad, after]) => [...before, bad, ...after]);

const everyInitializer: Array<[string, (shape: number[]) => Tensor]> = [
  ['zeros', (s) => init.zeros(s)],
  ['ones', (s) => init.ones(s)],
  ['constant', (s) => init.constant(s, { value: 2 })],
  ['uniform', (s) => init.uniform(s, { seed: 1 })],
  ['normal', (s) => init.normal(s, { seed: 1 })],
  ['truncatedNormal', (s) => init.truncatedNormal(s, { seed: 1 })],
  ['xavierUniform', (s) => init.xavierUniform(s, { seed: 1 })],
  ['xavierNormal', (s) => init.xavierNormal(s, { seed: 1 })],
  ['kaimingUniform', (s) => init.kaimingUniform(s, { seed: 1 })],
  ['kaimingNormal', (s) => init.kaimingNormal(s, { seed: 1 })],
  ['lecunUniform', (s) => init.lecunUniform(s, { seed: 1 })],
  ['lecunNormal', (s) => init.lecunNormal(s, { seed: 1 })],
  ['varianceScaling', (s) => init.varianceScaling(s, { seed: 1 })],
  ['orthogonal', (s) => init.orthogonal(s, { seed: 1 })],
  ['sparse', (s) => init.sparse(s, { sparsity: 0.5, seed: 1 })],
  ['eye', (s) => init.eye(s)],
  ['dirac', (s) => init.dirac(s)],
];

describe('fans', () => {
  it('outIn [out, in, ...kernel] and inOut [...kernel, in, out] agree', () => {
    fc.assert(
      fc.property(outInShape, (weight) => {
        const [out, inputs, kernel] = weight;
        expect(init.fans(toInOut(weight), 'inOut')).toEqual(init.fans([out, inputs, ...kernel]));
      }),
    );
  });
  it('fanIn = in · receptive field and fanOut = out · receptive field', () => {
    fc.assert(
      fc.property(outInShape, ([out, inputs, kernel]) => {
        const receptiveField = product(kernel);
        const { fanIn, fanOut } = init.fans([out, inputs, ...kernel]);
        expect(fanIn).toBe(inputs * receptiveField);
        expect(fanOut).toBe(out * receptiveField);
        // Every weight is counted once from each side.
        expect(fanIn * out).toBe(product([out, inputs, ...kernel]));
        expect(fanOut * inputs).toBe(fanIn * out);
      }),
    );
  });
  it('a fan-based initializer gives the same bits for a weight in either layout', () => {
    // Same fans, so the same bound; the fill depends only on the size, the bound and the seed.
    fc.assert(
      fc.property(outInShape, fc.nat(1000), (weight, seed) => {
        const [out, inputs, kernel] = weight;
        fc.pre(product([out, inputs, ...kernel]) <= 20_000);
        const outIn = init.kaimingUniform([out, inputs, ...kernel], { seed }).data;
        const inOut = init.kaimingUniform(toInOut(weight), { seed, layout: 'inOut' }).data;
        expect(identical(inOut, outIn)).toBe(true);
      }),
      { numRuns: 50 },
    );
  });
  it('shapes of rank < 2 have no fans', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom('outIn' as const, 'inOut' as const), (n, layout) => {
        expect(() => init.fans([n], layout)).toThrow(NninitError);
      }),
    );
  });
});

describe('shapes', () => {
  it.each(everyInitializer)('%s rejects any shape with a non-positive-integer dimension (E_SHAPE)', (_, make) => {
    fc.assert(
      fc.property(badShape, (shape) => {
        let code: string | undefined;
        try {
          make(shape);
        } catch (error) {
          code = (error as NninitError).code;
        }
        expect(code).toBe('E_SHAPE');
      }),
      { numRuns: 40 },
    );
  });
  it('elementwise initializers accept any valid shape, sized and shaped as asked', () => {
    const elementwise = everyInitializer.slice(0, 6);
    fc.assert(
      fc.property(smallShape, (shape) => {
        for (const [, make] of elementwise) {
          const t = make(shape);
          expect(t.shape).toEqual(shape);
          expect(t.data.length).toBe(product(shape));
        }
      }),
      { numRuns: 60 },
    );
  });
});

describe('values', () => {
  it('kaimingUniform and xavierUniform stay within their bounds', () => {
    fc.assert(
      fc.property(outInShape, fc.nat(1_000_000), ([out, inputs, kernel], seed) => {
        const shape = [out, inputs, ...kernel];
        fc.pre(product(shape) <= 50_000);
        const { fanIn, fanOut } = init.fans(shape);
        const heBound = Math.fround(Math.sqrt(6 / fanIn));
        const glorotBound = Math.fround(Math.sqrt(6 / (fanIn + fanOut)));
        expect(maxAbs(init.kaimingUniform(shape, { seed }).data)).toBeLessThanOrEqual(heBound);
        expect(maxAbs(init.xavierUniform(shape, { seed }).data)).toBeLessThanOrEqual(glorotBound);
      }),
      { numRuns: 30 },
    );
  });
  it('truncatedNormal stays within [low, high]', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -5, max: 5, noNaN: true }),
        fc.double({ min: 0.1, max: 5, noNaN: true }),
        fc.double({ min: -1, max: 1, noNaN: true }),
        fc.nat(1000),
        (mean, std, offset, seed) => {
          // A window of ±2 std around a point within 1 std of the mean always holds > 5% of the mass.
          const low = mean + offset * std - 2 * std;
          const high = mean + offset * std + 2 * std;
          const data = init.truncatedNormal([500], { mean, std, low, high, seed }).data;
          expect(Math.min(...data)).toBeGreaterThanOrEqual(low);
          expect(Math.max(...data)).toBeLessThanOrEqual(high);
        },
      ),
      { numRuns: 50 },
    );
  });
  it('orthogonal has orthonormal rows or columns for any shape', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 2, maxLength: 4 }),
        fc.constantFrom('outIn' as const, 'inOut' as const),
        fc.nat(1000),
        (shape, layout, seed) => {
          const w = init.orthogonal(shape, { layout, seed }).data;
          const rows = layout === 'outIn' ? shape[0] : product(shape.slice(0, -1));
          const cols = w.length / rows;
          const byRows = rows <= cols;
          const count = byRows ? rows : cols;
          const length = byRows ? cols : rows;
          const at = (vector: number, i: number) => (byRows ? w[vector * cols + i] : w[i * cols + vector]);
          for (let p = 0; p < count; p++) {
            for (let q = 0; q < count; q++) {
              let dot = 0;
              for (let i = 0; i < length; i++) dot += at(p, i) * at(q, i);
              expect(Math.abs(dot - (p === q ? 1 : 0))).toBeLessThan(1e-5);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
  it('sparse zeros exactly ceil(sparsity·rows) per column', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 60 }),
        fc.integer({ min: 1, max: 20 }),
        fc.double({ min: 0, max: 0.99, noNaN: true }),
        fc.nat(1000),
        (rows, cols, sparsity, seed) => {
          const w = init.sparse([rows, cols], { sparsity, std: 1, seed }).data;
          for (let col = 0; col < cols; col++) {
            let zeros = 0;
            for (let row = 0; row < rows; row++) if (w[row * cols + col] === 0) zeros++;
            expect(zeros).toBe(Math.ceil(sparsity * rows));
          }
        },
      ),
      { numRuns: 60 },
    );
  });
  it('random initializers are deterministic in the seed', () => {
    const random = everyInitializer.filter(([name]) => !['zeros', 'ones', 'constant', 'eye', 'dirac'].includes(name));
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 12 }), fc.integer({ min: 2, max: 12 }), fc.nat(2 ** 53 - 1), (rows, cols, seed) => {
        for (const [name] of random) {
          const make = (init as unknown as Record<string, (s: number[], o: object) => Tensor>)[name];
          const options = name === 'sparse' ? { sparsity: 0.5, seed } : { seed };
          expect(identical(make([rows, cols], options).data, make([rows, cols], options).data)).toBe(true);
        }
      }),
      { numRuns: 20 },
    );
  });
});
