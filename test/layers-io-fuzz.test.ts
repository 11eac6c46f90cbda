import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, NninitError } from '../src/errors.js';
import { load } from '../src/io/models.js';
import * as layers from '../src/layers/index.js';
import { Sequential } from '../src/layers/sequential.js';
import { heap, ready } from '../src/runtime/index.js';
import { editHeader } from './io-models-helpers.js';

/*
 * Saved Sequential files, mutated: whatever the bytes or the architecture in __metadata__, loading
 * returns a model or throws an NninitError, and a header that declares layers larger than the
 * file's tensors fails before anything is allocated for them.
 */

const SEED = 20261203;
let saved: Uint8Array;

beforeAll(async () => {
  await ready();
  const { conv2d, batchNorm2d, relu, maxPool2d, residual, flatten, dropout, dense } = layers;
  const model = new Sequential(
    [
      conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1 }),
      batchNorm2d({ numFeatures: 3 }),
      relu(),
      maxPool2d({ kernelSize: 2 }),
      residual([conv2d({ inChannels: 3, outChannels: 3, kernelSize: 1 })], { gate: 0 }),
      flatten(),
      dropout({ p: 0.1 }),
      dense({ inFeatures: 12, outFeatures: 3 }),
    ],
    { inputShape: [2, 4, 4], seed: 1 },
  );
  saved = model.save();
  model.dispose();
});

function tryLoad(bytes: Uint8Array): unknown {
  try {
    (load(bytes) as Sequential).dispose();
    return undefined;
  } catch (error) {
    return error;
  }
}

const outcomes = { loaded: 0, rejected: 0 };
function expectOnlyNninitErrors(bytes: Uint8Array): void {
  const error = tryLoad(bytes);
  if (error !== undefined && !(error instanceof NninitError)) throw error;
  outcomes[error === undefined ? 'loaded' : 'rejected']++;
}

const hostile = fc.oneof(
  fc.constantFrom(0, -1, 0.5, 1e9, 2 ** 31, Number.MAX_SAFE_INTEGER, null, true, 'relu', '', [], {}, [3, 3, 3], [0, 1]),
  fc.integer({ min: -4, max: 40 }),
  fc.string({ maxLength: 8 }),
);

/** Every leaf of a JSON value, as a path of keys. */
function leaves(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (typeof value !== 'object' || value === null) return [path];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, Array.isArray(value) ? Number(key) : key]));
}

describe('fuzzing Sequential files', () => {
  it('mutated bytes: only NninitError escapes', () => {
    Object.assign(outcomes, { loaded: 0, rejected: 0 });
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), (edits) => {
        const bytes = saved.slice();
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        expectOnlyNninitErrors(bytes);
      }),
      { seed: SEED, numRuns: 1500 },
    );
    expect(outcomes.loaded).toBeGreaterThan(50);
    expect(outcomes.rejected).toBeGreaterThan(50);
  });

  it('hostile values anywhere in the architecture JSON: only NninitError escapes', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(), hostile), { minLength: 1, maxLength: 3 }), (edits) => {
        const bytes = editHeader(saved, (header) => {
          const architecture = JSON.parse(header.__metadata__.layers);
          for (const [leafIndex, value] of edits) {
            const paths = leaves(architecture);
            const path = paths[leafIndex % paths.length];
            let target = architecture;
            for (const key of path.slice(0, -1)) target = target[key];
            target[path[path.length - 1]] = value;
          }
          header.__metadata__.layers = JSON.stringify(architecture);
        });
        expectOnlyNninitErrors(bytes);
      }),
      { seed: SEED, numRuns: 1500 },
    );
  });

  it('layers declared larger than the file’s tensors fail as E_FORMAT before allocating them', () => {
    const bytes = editHeader(saved, (header) => {
      const architecture = JSON.parse(header.__metadata__.layers);
      architecture[7].outFeatures = 5_000_000;
      architecture.push({ kind: 'dense', inFeatures: 5_000_000, outFeatures: 3, bias: true });
      header.__metadata__.layers = JSON.stringify(architecture);
    });
    const before = heap().memory.buffer.byteLength;
    expect(() => Sequential.load(bytes)).toThrow(FormatError);
    expect(() => Sequential.load(bytes)).toThrow(/tensor "7.weight" has shape \[3, 12\] but layer 7 \(dense\) in __metadata__.layers needs \[5000000, 12\]/);
    // The 7.5·10⁷ floats those layers declare were never allocated.
    expect(heap().memory.buffer.byteLength - before).toBeLessThan(1 << 20);
  });

  it('residual blocks nested deeper than files may: E_FORMAT, not a stack overflow', () => {
    // Written as text: JSON.stringify itself would run out of stack on this.
    const depth = 3000;
    const deep = `[${'{"kind":"residual","gate":null,"layers":['.repeat(depth)}{"kind":"relu"}${']}'.repeat(depth)}]`;
    const bytes = editHeader(saved, (header) => (header.__metadata__.layers = deep));
    expect(() => Sequential.load(bytes)).toThrow(/nests residual blocks more than 32 deep/);
  });
});
