import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { DBN, init, load, Mlp, NninitError, RBM, type Model } from '../src/index.js';
import { ready } from '../src/runtime/index.js';
import { editHeader } from './io-models-helpers.js';

/*
 * Saved models, mutated: whatever the bytes, loading either returns a model or throws an
 * NninitError. Nothing else escapes (no TypeError from a missing field, no RangeError from an
 * allocation sized by the file), and every run finishes.
 */

const SEED = 20261123;
let saved: Uint8Array[] = [];

beforeAll(async () => {
  await ready();
  const dbn = new DBN({ layers: [6, 4, 3], seed: 1 });
  await dbn.pretrain(init.uniform([10, 6], { seed: 4 }), { epochs: 1, batchSize: 5 });
  saved = [
    new Mlp({ layers: [5, 4, 3], activation: { name: 'leakyRelu', slope: 0.1 }, seed: 2 }).save(),
    new RBM({ nVisible: 5, nHidden: 3, seed: 3 }).save(),
    dbn.save(),
  ];
});

/** Loads and disposes what loaded; returns the error thrown, if any. */
function tryLoad(bytes: Uint8Array): unknown {
  let model: Model | undefined;
  try {
    model = load(bytes);
    return undefined;
  } catch (error) {
    return error;
  } finally {
    if (model instanceof Mlp || model instanceof RBM) model.dispose();
  }
}

/** Outcomes of the current property, so that a test can check it reached both. */
const outcomes = { loaded: 0, rejected: 0 };

function expectOnlyNninitErrors(bytes: Uint8Array): void {
  const error = tryLoad(bytes);
  if (error !== undefined && !(error instanceof NninitError)) throw error;
  outcomes[error === undefined ? 'loaded' : 'rejected']++;
}

const byteEdits = fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 });

/** Header values a hostile file might hold in place of the real ones. */
const hostileValue = fc.oneof(
  fc.constantFrom('', '0', '-1', '1e309', 'NaN', '3,4', '5,4,3', '5,4,3,2', '5,0,3', '16777217,1', ' 5,4,3', 'relu', 'softmax', 'gaussian', 'mlp', 'rbm', 'dbn'),
  fc.string({ maxLength: 12 }),
  fc.integer(),
  fc.constantFrom(null, true, [], {}, [5, 4], [2 ** 53, 1], [-1], 'F16', 'I64'),
);

describe('fuzzing the model loaders', () => {
  it('mutated bytes: only NninitError escapes', () => {
    Object.assign(outcomes, { loaded: 0, rejected: 0 });
    fc.assert(
      fc.property(fc.nat(2), byteEdits, (which, edits) => {
        const bytes = saved[which].slice();
        for (const [position, value] of edits) bytes[position % bytes.length] = value;
        expectOnlyNninitErrors(bytes);
      }),
      { seed: SEED, numRuns: 3000 },
    );
    // Edits in the data mostly load (as other numbers); edits in the header mostly fail.
    expect(outcomes.loaded).toBeGreaterThan(100);
    expect(outcomes.rejected).toBeGreaterThan(100);
  });

  it('truncated and extended files: only NninitError escapes', () => {
    fc.assert(
      fc.property(fc.nat(2), fc.nat(), fc.uint8Array({ maxLength: 16 }), (which, cut, tail) => {
        const original = saved[which];
        const kept = original.subarray(0, cut % (original.length + 1));
        const bytes = new Uint8Array(kept.length + tail.length);
        bytes.set(kept);
        bytes.set(tail, kept.length);
        expectOnlyNninitErrors(bytes);
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it('header fields replaced by hostile values: only NninitError escapes', () => {
    fc.assert(
      fc.property(fc.nat(2), fc.array(fc.tuple(fc.nat(), fc.nat(), hostileValue), { minLength: 1, maxLength: 3 }), (which, edits) => {
        const bytes = editHeader(saved[which], (header) => {
          for (const [entryIndex, fieldIndex, value] of edits) {
            const names = Object.keys(header);
            const entry = header[names[entryIndex % names.length]];
            const fields = Object.keys(entry);
            entry[fields[fieldIndex % fields.length]] = value;
          }
        });
        expectOnlyNninitErrors(bytes);
      }),
      { seed: SEED, numRuns: 3000 },
    );
  });

  it('a layer resized in the metadata and its tensors alike loads, or fails as E_FORMAT', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 9 }), (units) => {
        const bytes = editHeader(saved[0], (header) => (header.__metadata__.layers = `5,${units},3`));
        const error = tryLoad(bytes);
        // The tensors still hold 4 units: only units = 4 agrees with them.
        expect(error === undefined).toBe(units === 4);
        if (error !== undefined) expect((error as NninitError).code).toBe('E_FORMAT');
      }),
      { seed: SEED, numRuns: 50 },
    );
  });
});
