import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError } from '../src/errors.js';
import { decodeSafetensors } from '../src/io/safetensors.js';
import { readIdx } from '../src/data/idx.js';

/*
 * Fuzzing of the two readers of untrusted bytes. Every input either decodes to something
 * self-consistent and within the caps, or fails with FormatError: never a RangeError, TypeError
 * or SyntaxError, never a hang (async runs have a time limit; sync ones are timed), never an
 * allocation bigger than the input justifies or the cap allows.
 */

const SEED = 0x5afe;
/** Slowest single decode tolerated; real ones take microseconds. Generous for a loaded machine. */
const SLOW_MS = 2000;

const NASTY_NUMBERS = [
  '-1',
  '0',
  '1.5',
  '-0',
  '1e308',
  '9007199254740993',
  '18446744073709551616',
  '4294967296',
  '2147483648',
  '1e-7',
  '[]',
  '"x"',
  'null',
  '{}',
  'true',
];
const NASTY_U32 = [0, 1, 2, 0x7fffffff, 0x80000000, 0xffffffff, 0x10000, 784, 60000];

// --- safetensors ------------------------------------------------------------------------------

/** Small enough that some valid files exceed it. */
const SAFETENSORS_CAP = 256;
const DTYPES = [
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['F64', 8],
] as const;

/** A valid file of any dtype mix, built by hand (not by the encoder), tensors in any offset order. */
const validSafetensors = fc
  .record({
    specs: fc.uniqueArray(
      fc.record({
        name: fc.string({ maxLength: 6 }).filter((s) => s !== '__metadata__'),
        dtype: fc.constantFrom(...DTYPES),
        shape: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 3 }),
      }),
      { selector: (s) => s.name, maxLength: 4 },
    ),
    metadata: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.string({ maxLength: 4 }), { maxKeys: 2 })),
    layoutOrder: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
    padding: fc.integer({ min: 0, max: 7 }),
    payloadSeed: fc.nat(),
  })
  .map(({ specs, metadata, layoutOrder, padding, payloadSeed }) => {
    const order = specs.map((_, i) => i).sort((a, b) => layoutOrder[a] - layoutOrder[b] || a - b);
    const offsets = new Array<[number, number]>(specs.length);
    let offset = 0;
    for (const i of order) {
      const bytes = specs[i].shape.reduce((a, b) => a * b, 1) * specs[i].dtype[1];
      offsets[i] = [offset, offset + bytes];
      offset += bytes;
    }
    const header: [string, unknown][] = metadata === null ? [] : [['__metadata__', metadata]];
    specs.forEach((s, i) => header.push([s.name, { dtype: s.dtype[0], shape: s.shape, data_offsets: offsets[i] }]));
    const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)) + ' '.repeat(padding));
    const out = new Uint8Array(8 + json.length + offset);
    new DataView(out.buffer).setUint32(0, json.length, true);
    out.set(json, 8);
    const view = new DataView(out.buffer);
    const dataStart = 8 + json.length;
    let state = payloadSeed;
    const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0);
    specs.forEach((s, i) => {
      const [start, end] = offsets[i];
      // Random bits are valid for the 32- and 16-bit types (NaNs included); F64 needs values within f32 range.
      if (s.dtype[0] === 'F64')
        for (let at = start; at < end; at += 8) view.setFloat64(dataStart + at, next() / 2 ** 16 - 32768, true);
      else for (let at = start; at < end; at++) out[dataStart + at] = next() >>> 24;
    });
    return out;
  });

function headerLengthOf(bytes: Uint8Array): number {
  return bytes.length >= 8 ? new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true) : 0;
}

function setHeaderLength(bytes: Uint8Array, length: bigint): Uint8Array {
  const out = Uint8Array.from(bytes.length >= 8 ? bytes : [...bytes, ...new Uint8Array(8 - bytes.length)]);
  new DataView(out.buffer).setBigUint64(0, length, true);
  return out;
}

/** Rewrites the JSON header text and, if asked, fixes the length field to match. */
function editHeader(bytes: Uint8Array, edit: (text: string) => string, fixLength: boolean): Uint8Array {
  const length = headerLengthOf(bytes);
  if (bytes.length < 8 + length) return bytes;
  const text = new TextDecoder().decode(bytes.subarray(8, 8 + length));
  const edited = new TextEncoder().encode(edit(text));
  const out = new Uint8Array(bytes.length - length + edited.length);
  out.set(bytes.subarray(0, 8));
  out.set(edited, 8);
  out.set(bytes.subarray(8 + length), 8 + edited.length);
  if (fixLength) new DataView(out.buffer).setUint32(0, edited.length, true);
  return out;
}

/** Replaces the k-th match of `pattern` (mod the number of matches) with `replacement`. */
function replaceNth(text: string, pattern: RegExp, k: number, replacement: string): string {
  const matches = [...text.matchAll(pattern)];
  if (matches.length === 0) return text;
  const m = matches[k % matches.length];
  return text.slice(0, m.index) + replacement + text.slice(m.index! + m[0].length);
}

type Mutation = (bytes: Uint8Array) => Uint8Array;

/** Mutations shared by both formats: bit flips, truncation, appended and overwritten bytes. */
const byteMutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.array(fc.nat(), { minLength: 1, maxLength: 8 }).map((positions) => (bytes: Uint8Array) => {
    const out = Uint8Array.from(bytes);
    if (out.length > 0) for (const p of positions) out[(p >>> 3) % out.length] ^= 1 << (p & 7);
    return out;
  }),
  fc.nat().map((at) => (bytes: Uint8Array) => bytes.slice(0, at % (bytes.length + 1))),
  fc
    .uint8Array({ minLength: 1, maxLength: 16 })
    .map((extra) => (bytes: Uint8Array) => Uint8Array.from([...bytes, ...extra])),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(([at, patch]) => (bytes: Uint8Array) => {
    const out = Uint8Array.from(bytes);
    for (let i = 0; i < patch.length && out.length > 0; i++) out[(at + i) % out.length] = patch[i];
    return out;
  }),
);

const safetensorsMutation: fc.Arbitrary<Mutation> = fc.oneof(
  byteMutation,
  fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }).map((length) => (bytes: Uint8Array) => setHeaderLength(bytes, length)),
  fc.integer({ min: -16, max: 16 }).map((delta) => (bytes: Uint8Array) => {
    const length = BigInt(headerLengthOf(bytes) + delta);
    return setHeaderLength(bytes, length < 0n ? 0n : length);
  }),
  // JSON edits: a number, string or bracket swapped for something hostile; huge dims included.
  fc.tuple(fc.nat(), fc.constantFrom(...NASTY_NUMBERS), fc.boolean()).map(
    ([k, value, fix]) =>
      (bytes: Uint8Array) =>
        editHeader(bytes, (t) => replaceNth(t, /-?\d+(\.\d+)?(e[+-]?\d+)?/g, k, value), fix),
  ),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(
        '"F32"',
        '"F16"',
        '"BF16"',
        '"F64"',
        '"I64"',
        '"dtype"',
        '"shape"',
        '"__metadata__"',
        '"__proto__"',
        '1',
        '[]',
      ),
      fc.boolean(),
    )
    .map(
      ([k, value, fix]) =>
        (bytes: Uint8Array) =>
          editHeader(bytes, (t) => replaceNth(t, /"[^"]*"/g, k, value), fix),
    ),
  fc.tuple(fc.nat(), fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '', ' '), fc.boolean()).map(
    ([k, value, fix]) =>
      (bytes: Uint8Array) =>
        editHeader(bytes, (t) => replaceNth(t, /[{}[\],:"]/g, k, value), fix),
  ),
  // Shifted offsets keep each tensor's size but open gaps, overlaps and overruns.
  fc.tuple(fc.nat(), fc.integer({ min: -8, max: 8 })).map(
    ([k, delta]) =>
      (bytes: Uint8Array) =>
        editHeader(
          bytes,
          (t) => {
            const match = [...t.matchAll(/"data_offsets":\[(\d+),(\d+)\]/g)][
              k % Math.max(1, t.split('data_offsets').length - 1)
            ];
            if (match === undefined) return t;
            const shifted = `"data_offsets":[${Number(match[1]) + delta},${Number(match[2]) + delta}]`;
            return t.slice(0, match.index) + shifted + t.slice(match.index! + match[0].length);
          },
          true,
        ),
  ),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 3 }), fc.constantFrom(2 ** 20, 2 ** 31, 2 ** 32, 2 ** 53 - 1, 2 ** 62))
    .map(
      ([k, count, dim]) =>
        (bytes: Uint8Array) =>
          editHeader(
            bytes,
            (t) => replaceNth(t, /"shape":\[[^\]]*\]/g, k, `"shape":[${new Array(count).fill(dim).join(',')}]`),
            true,
          ),
    ),
);

/** Decodes, and checks whatever comes out against the input size and the cap. */
function checkSafetensors(bytes: Uint8Array, allowNonFinite: boolean): void {
  const started = performance.now();
  let result: ReturnType<typeof decodeSafetensors>;
  try {
    result = decodeSafetensors(bytes, { maxTotalBytes: SAFETENSORS_CAP, allowNonFinite });
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return;
  } finally {
    expect(performance.now() - started).toBeLessThan(SLOW_MS);
  }
  let total = 0;
  for (const tensor of Object.values(result.tensors)) {
    expect(tensor.data.length).toBe(tensor.shape.reduce((a, b) => a * b, 1));
    total += tensor.data.byteLength;
  }
  // F16/BF16 double in size when decoded to f32; nothing else grows.
  expect(total).toBeLessThanOrEqual(Math.min(SAFETENSORS_CAP, 2 * bytes.length));
}

describe('fuzzing decodeSafetensors', () => {
  it('valid files decode (sanity check of the generator)', () => {
    fc.assert(
      fc.property(validSafetensors, (bytes) => {
        expect(() => decodeSafetensors(bytes, { allowNonFinite: true })).not.toThrow();
      }),
      { seed: SEED, numRuns: 200 },
    );
  });

  it('6000 mutated files: only FormatError, bounded output', () => {
    fc.assert(
      fc.property(
        validSafetensors,
        fc.array(safetensorsMutation, { minLength: 1, maxLength: 3 }),
        fc.boolean(),
        (bytes, mutations, allowNonFinite) => {
          checkSafetensors(
            mutations.reduce<Uint8Array>((b, mutate) => mutate(b), bytes),
            allowNonFinite,
          );
        },
      ),
      { seed: SEED, numRuns: 6000 },
    );
  });

  it('2000 random files and random JSON headers: only FormatError', () => {
    const header = (json: string, payload: Uint8Array) => {
      const text = new TextEncoder().encode(json);
      const out = new Uint8Array(8 + text.length + payload.length);
      new DataView(out.buffer).setUint32(0, text.length, true);
      out.set(text, 8);
      out.set(payload, 8 + text.length);
      return out;
    };
    const entryOf = fc.record(
      { dtype: fc.jsonValue(), shape: fc.jsonValue(), data_offsets: fc.jsonValue() },
      { requiredKeys: [] },
    );
    const randomFile = fc.oneof(
      fc.uint8Array({ maxLength: 256 }),
      fc.tuple(fc.json(), fc.uint8Array({ maxLength: 64 })).map(([json, payload]) => header(json, payload)),
      fc
        .tuple(fc.dictionary(fc.string({ maxLength: 4 }), entryOf, { maxKeys: 3 }), fc.uint8Array({ maxLength: 64 }))
        .map(([entries, payload]) => header(JSON.stringify(entries), payload)),
    );
    fc.assert(
      fc.property(randomFile, fc.boolean(), (bytes, allowNonFinite) => checkSafetensors(bytes, allowNonFinite)),
      { seed: SEED, numRuns: 2000 },
    );
  });
});

// --- IDX --------------------------------------------------------------------------------------

const IDX_CAP = 4096;
const IDX_TYPES = [
  [0x08, 1],
  [0x09, 1],
  [0x0b, 2],
  [0x0c, 4],
  [0x0d, 4],
  [0x0e, 8],
] as const;

const validIdx = fc
  .tuple(
    fc.constantFrom(...IDX_TYPES),
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 4 }),
    fc.nat(),
  )
  .map(([[type, size], dims, seed]) => {
    const dataBytes = dims.reduce((a, b) => a * b, 1) * size;
    const out = new Uint8Array(4 + 4 * dims.length + dataBytes);
    const view = new DataView(out.buffer);
    out[2] = type;
    out[3] = dims.length;
    dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
    let state = seed;
    for (let i = 4 + 4 * dims.length; i < out.length; i++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      out[i] = state >>> 24;
    }
    return out;
  });

const idxMutation: fc.Arbitrary<Mutation> = fc.oneof(
  byteMutation,
  fc.tuple(fc.nat(), fc.constantFrom(...NASTY_U32)).map(([k, dim]) => (bytes: Uint8Array) => {
    const ndim = bytes.length >= 4 ? bytes[3] : 0;
    const at = 4 + 4 * (k % Math.max(ndim, 1));
    if (at + 4 > bytes.length) return bytes;
    const out = Uint8Array.from(bytes);
    new DataView(out.buffer).setUint32(at, dim);
    return out;
  }),
  fc
    .tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 255 }))
    .map(([at, value]) => (bytes: Uint8Array) => {
      const out = Uint8Array.from(bytes);
      if (at < out.length) out[at] = value;
      return out;
    }),
);

/** How a (possibly mutated) IDX file is delivered: raw, gzipped, or gzipped and then damaged. */
const delivery = fc.oneof(
  { weight: 6, arbitrary: fc.constant((bytes: Uint8Array) => bytes) },
  { weight: 2, arbitrary: fc.constant((bytes: Uint8Array) => new Uint8Array(gzipSync(bytes))) },
  {
    weight: 2,
    arbitrary: byteMutation.map((mutate) => (bytes: Uint8Array) => mutate(new Uint8Array(gzipSync(bytes)))),
  },
);

async function checkIdx(bytes: Uint8Array): Promise<void> {
  let result: Awaited<ReturnType<typeof readIdx>>;
  try {
    result = await readIdx(bytes, { maxBytes: IDX_CAP });
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    return;
  }
  expect(result.shape.length).toBeGreaterThanOrEqual(1);
  expect(result.data.length).toBe(result.shape.reduce((a, b) => a * b, 1));
  expect(result.data.byteLength).toBeLessThanOrEqual(IDX_CAP);
}

describe('fuzzing readIdx', () => {
  it('valid files read back (sanity check of the generator)', async () => {
    await fc.assert(
      fc.asyncProperty(validIdx, fc.boolean(), async (bytes, gzip) => {
        await expect(readIdx(gzip ? gzipSync(bytes) : bytes)).resolves.toBeDefined();
      }),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('3000 mutated files, raw and gzipped: only FormatError, bounded output, no hang', async () => {
    await fc.assert(
      fc.asyncProperty(
        validIdx,
        fc.array(idxMutation, { minLength: 1, maxLength: 3 }),
        delivery,
        async (bytes, mutations, deliver) => {
          await checkIdx(deliver(mutations.reduce<Uint8Array>((b, mutate) => mutate(b), bytes)));
        },
      ),
      { seed: SEED, numRuns: 3000, timeout: SLOW_MS },
    );
  });

  it('1000 random files, raw and gzipped: only FormatError', async () => {
    const randomFile = fc.oneof(
      fc.uint8Array({ maxLength: 128 }),
      fc.uint8Array({ maxLength: 128 }).map((b) => Uint8Array.from([0, 0, ...b])),
      fc.uint8Array({ maxLength: 128 }).map((b) => new Uint8Array(gzipSync(b))),
      fc.uint8Array({ maxLength: 128 }).map((b) => Uint8Array.from([0x1f, 0x8b, ...b])),
    );
    await fc.assert(fc.asyncProperty(randomFile, checkIdx), { seed: SEED, numRuns: 1000, timeout: SLOW_MS });
  });
});
