import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { checkOptions, type OptionKeys } from '../src/options.js';
import type { RandomOptions } from '../src/random-fill.js';

/*
 * The one validation vocabulary: option records checked against their types (at compile time,
 * by `tsc --noEmit` over this file, and at run time), and one matrix check behind every API that
 * takes a matrix, with the same error codes everywhere.
 */

beforeAll(() => nninit.ready());

interface Example {
  size: number;
  label?: string;
}

describe('option keys', () => {
  it('are a record checked against the options type both ways', () => {
    const complete: OptionKeys<Example> = { size: true, label: true };
    // @ts-expect-error an option of the type is missing from the record
    const missing: OptionKeys<Example> = { size: true };
    // @ts-expect-error the record names an option the type does not have
    const extra: OptionKeys<Example> = { size: true, label: true, colour: true };
    const random: OptionKeys<RandomOptions> = { seed: true, rng: true };
    expect([complete, missing, extra, random].map((keys) => Object.keys(keys).length)).toEqual([2, 1, 3, 2]);
  });

  it('reject an unknown key naming it and the known ones, in declaration order', () => {
    const options = { size: 1, sise: 2 } as Example;
    expect(() => checkOptions('example', options, { size: true, label: true })).toThrowError(
      'example: unknown option "sise" (it takes size, label)',
    );
    expect(checkOptions('example', { size: 3 } as Example, { size: true, label: true })).toEqual({ size: 3 });
    expect(checkOptions<Example>('example', undefined, { size: true, label: true })).toEqual({});
  });
});

describe('matrix arguments', () => {
  const notTensors: unknown[] = [[1, 2, 3, 4], { shape: [2, 2], data: [1, 2, 3, 4] }, null, 7];
  const mlp = () => new nninit.Mlp({ layers: [2, 3], seed: 1 });
  const matrix = nninit.tensor([1, 2, 3, 4], [2, 2]);
  const takers: Array<[string, (x: never) => unknown]> = [
    ['Mlp.predict', (x) => mlp().predict(x)],
    ['ops.matmul', (x) => nninit.ops.matmul(x, matrix)],
    ['data.standardize', (x) => nninit.data.standardize(x)],
    ['viz.filters', (x) => nninit.viz.filters(x, { width: 2, height: 1 })],
    ['init.lsuv', (x) => nninit.init.lsuv(mlp(), x)],
    ['RBM.transform', (x) => new nninit.RBM({ nVisible: 2, nHidden: 3, seed: 1 }).transform(x)],
  ];

  it('a non-Tensor is E_PARAM wherever a matrix is taken', () => {
    for (const [name, take] of takers) {
      for (const x of notTensors) {
        expect(() => take(x as never), `${name}(${JSON.stringify(x)})`).toThrowError(
          expect.objectContaining({ code: 'E_PARAM', message: expect.stringMatching(/must be a 2-D Tensor/) }),
        );
      }
    }
  });

  it('a Tensor of the wrong rank, or whose data does not fit its shape, is E_SHAPE', () => {
    const wrong = [nninit.tensor([1, 2, 3, 4], [4]), nninit.tensor(new Float32Array(8), [2, 2, 2]), { shape: [2, 2], data: new Float32Array(3) }];
    for (const [name, take] of takers) {
      for (const x of wrong) {
        expect(() => take(x as never), `${name}(shape ${JSON.stringify(x.shape)})`).toThrowError(expect.objectContaining({ code: 'E_SHAPE' }));
      }
    }
  });
});
