import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FormatError, ParamError, ShapeError } from '../src/errors.js';
import { decodeSafetensors, encodeSafetensors } from '../src/io/safetensors.js';
import type { Tensor } from '../src/tensor.js';

/** A safetensors file assembled by hand: length prefix, header text, then the payload bytes as given. */
function file(header: string, payload: ArrayLike<number> = []): Uint8Array {
  const json = new TextEncoder().encode(header);
  const out = new Uint8Array(8 + json.length + payload.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(payload, 8 + json.length);
  return out;
}

/** A file whose 8-byte length field says `length`, whatever follows. */
function withHeaderLength(length: bigint, rest: Uint8Array): Uint8Array {
  const out = new Uint8Array(8 + rest.length);
  new DataView(out.buffer).setBigUint64(0, length, true);
  out.set(rest, 8);
  return out;
}

function entry(dtype: string, shape: number[], start: number, end: number): string {
  return JSON.stringify({ dtype, shape, data_offsets: [start, end] });
}

/** Little-endian bytes of f32 bit patterns. */
function f32Bytes(bits: number[]): Uint8Array {
  const out = new Uint8Array(bits.length * 4);
  const view = new DataView(out.buffer);
  bits.forEach((b, i) => view.setUint32(i * 4, b, true));
  return out;
}

function u16Bytes(words: number[]): Uint8Array {
  const out = new Uint8Array(words.length * 2);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => view.setUint16(i * 2, w, true));
  return out;
}

function f64Bytes(values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 8);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => view.setFloat64(i * 8, v, true));
  return out;
}

const bitsOf = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));
const tensorOfBits = (bits: number[], shape: number[]): Tensor => ({
  shape,
  data: new Float32Array(Uint32Array.from(bits).buffer),
});

/** Runs `run`, requires a FormatError, and returns its message. */
function formatMessage(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe('E_FORMAT');
    return (error as FormatError).message;
  }
  throw new Error('expected a FormatError, but nothing was thrown');
}

describe('hand-made fixture', () => {
  // Written byte by byte, independently of the encoder.
  const header =
    '{"__metadata__":{"format":"pt","note":"hand-made"},' +
    '"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},' +
    '"h":{"dtype":"F16","shape":[3],"data_offsets":[16,22]},' +
    '"b":{"dtype":"BF16","shape":[3],"data_offsets":[22,28]},' +
    '"d":{"dtype":"F64","shape":[2],"data_offsets":[28,44]}}';
  const payload = [
    // w: 1.0, -2.5, 0.5, 3.0 as F32 little-endian
    0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x20, 0xc0, 0x00, 0x00, 0x00, 0x3f, 0x00, 0x00, 0x40, 0x40,
    // h: 1.0 (0x3C00), -2.0 (0xC000), smallest subnormal 2^-24 (0x0001)
    0x00, 0x3c, 0x00, 0xc0, 0x01, 0x00,
    // b: 1.0 (0x3F80), -0.5 (0xBF00), 3.140625 (0x4049)
    0x80, 0x3f, 0x00, 0xbf, 0x49, 0x40,
    // d: 0.1 (0x3FB999999999999A), -0 (0x8000000000000000)
    0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x80,
  ];

  it('decodes every dtype to the known values', () => {
    const { tensors, metadata } = decodeSafetensors(file(header, payload));
    expect(metadata).toEqual({ format: 'pt', note: 'hand-made' });
    expect(Object.keys(tensors)).toEqual(['w', 'h', 'b', 'd']);
    expect(tensors.w.shape).toEqual([2, 2]);
    expect(Array.from(tensors.w.data)).toEqual([1, -2.5, 0.5, 3]);
    expect(tensors.h.shape).toEqual([3]);
    expect(Array.from(tensors.h.data)).toEqual([1, -2, 2 ** -24]);
    expect(Array.from(tensors.b.data)).toEqual([1, -0.5, 3.140625]);
    expect(tensors.d.data[0]).toBe(Math.fround(0.1));
    expect(Object.is(tensors.d.data[1], -0)).toBe(true);
  });

  it('decodes from a Uint8Array that is a view into a larger, unaligned buffer', () => {
    const bytes = file(header, payload);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 1);
    const { tensors } = decodeSafetensors(padded.subarray(1, 1 + bytes.length));
    expect(Array.from(tensors.w.data)).toEqual([1, -2.5, 0.5, 3]);
  });
});

describe('encodeSafetensors', () => {
  it('writes the layout of the reference writer: sorted names, metadata first, space padding to 8', () => {
    const bytes = encodeSafetensors(
      { b: { shape: [2], data: new Float32Array([1, 2]) }, a: { shape: [1], data: new Float32Array([3]) } },
      { format: 'pt' },
    );
    const json =
      '{"__metadata__":{"format":"pt"},' +
      '"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},' +
      '"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}';
    const padded = json + ' '.repeat((8 - (json.length % 8)) % 8);
    expect(Array.from(bytes)).toEqual(Array.from(file(padded, f32Bytes([0x40400000, 0x3f800000, 0x40000000]))));
    expect((bytes.length - 12) % 8).toBe(0);
  });

  it('orders names by code point, like the reference (UTF-8 byte order)', () => {
    // U+FF21 sorts before U+1F600 by code point, after it by UTF-16 code unit.
    const one = { shape: [1], data: new Float32Array([1]) };
    const { tensors } = decodeSafetensors(encodeSafetensors({ '\u{1F600}': one, '\uFF21': one, a: one }));
    expect(Object.keys(tensors)).toEqual(['a', '\uFF21', '\u{1F600}']);
  });

  it('rejects a reserved name, non-string metadata and data that does not fit its shape', () => {
    const one = { shape: [1], data: new Float32Array([1]) };
    expect(() => encodeSafetensors({ __metadata__: one })).toThrow(ParamError);
    expect(() => encodeSafetensors({ a: one }, { n: 1 as unknown as string })).toThrow(ParamError);
    expect(() => encodeSafetensors({ a: { shape: [2], data: new Float32Array(3) } })).toThrow(ShapeError);
    expect(() => encodeSafetensors({ a: { shape: [-1], data: new Float32Array(0) } })).toThrow(ShapeError);
    expect(() => encodeSafetensors({ a: { shape: [1], data: [1] as unknown as Float32Array } })).toThrow(ParamError);
  });
});

describe('round trips', () => {
  const special = [
    0x00000000,
    0x80000000, // ±0
    0x00000001,
    0x807fffff,
    0x00400000, // subnormals
    0x7f7fffff,
    0xff7fffff, // ±max
    0x7f800000,
    0xff800000, // ±∞
    0x7fc00000,
    0x7fc00001,
    0xffc12345,
    0x7f800001, // NaNs: quiet, payloads, signaling
  ];

  it('keeps every f32 bit pattern, -0, subnormals and NaN payloads included (with allowNonFinite)', () => {
    const bytes = encodeSafetensors({ x: tensorOfBits(special, [special.length]) });
    const { tensors } = decodeSafetensors(bytes, { allowNonFinite: true });
    expect(bitsOf(tensors.x.data)).toEqual(special);
  });

  it('rejects the same file by default, naming the tensor and the element', () => {
    const bytes = encodeSafetensors({ x: tensorOfBits(special, [special.length]) });
    expect(formatMessage(() => decodeSafetensors(bytes))).toMatch(/tensor "x": element 7 is Infinity; non-finite/);
  });

  it('round-trips random tensors and metadata bit-exact (property)', () => {
    const name = fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s !== '__metadata__');
    const tensor = fc.array(fc.integer({ min: 0, max: 5 }), { maxLength: 3 }).chain((shape) => {
      const size = shape.reduce((a, b) => a * b, 1);
      return fc
        .array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: size, maxLength: size })
        .map((bits) => tensorOfBits(bits, shape));
    });
    fc.assert(
      fc.property(
        fc.dictionary(name, tensor, { maxKeys: 5 }),
        fc.option(fc.dictionary(fc.string(), fc.string(), { maxKeys: 3 }), { nil: undefined }),
        (tensors, metadata) => {
          const bytes = encodeSafetensors(tensors, metadata);
          const decoded = decodeSafetensors(bytes, { allowNonFinite: true });
          expect(Object.keys(decoded.tensors).sort()).toEqual(Object.keys(tensors).sort());
          for (const [key, t] of Object.entries(tensors)) {
            expect(decoded.tensors[key].shape).toEqual(t.shape);
            expect(bitsOf(decoded.tensors[key].data)).toEqual(bitsOf(t.data));
          }
          expect(decoded.metadata).toEqual(metadata ?? {});
        },
      ),
      { seed: 20240601, numRuns: 300 },
    );
  });

  it('keeps a tensor named "__proto__" as an ordinary entry', () => {
    const one = { shape: [1], data: new Float32Array([7]) };
    const { tensors, metadata } = decodeSafetensors(encodeSafetensors({ ['__proto__']: one }, { ['__proto__']: 'x' }));
    expect(Object.hasOwn(tensors, '__proto__')).toBe(true);
    expect(Object.getPrototypeOf(tensors)).toBe(Object.prototype);
    expect(Object.hasOwn(metadata, '__proto__')).toBe(true);
  });

  it('round-trips an empty set of tensors, scalars and zero-size tensors', () => {
    const { tensors } = decodeSafetensors(
      encodeSafetensors({
        s: { shape: [], data: new Float32Array([2]) },
        z: { shape: [0, 3], data: new Float32Array(0) },
      }),
    );
    expect(tensors.s).toEqual({ shape: [], data: new Float32Array([2]) });
    expect(tensors.z).toEqual({ shape: [0, 3], data: new Float32Array(0) });
    expect(decodeSafetensors(encodeSafetensors({}))).toEqual({ tensors: {}, metadata: {}, dtypes: {} });
  });
});

describe('conversions', () => {
  /** The value of an IEEE half, computed arithmetically as a reference. */
  function halfValue(h: number): number {
    const sign = h & 0x8000 ? -1 : 1;
    const exponent = (h >> 10) & 0x1f;
    const mantissa = h & 0x3ff;
    if (exponent === 0x1f) return mantissa ? NaN : sign * Infinity;
    if (exponent === 0) return sign * mantissa * 2 ** -24;
    return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
  }

  it('decodes all 65536 F16 values exactly (NaN payloads kept)', () => {
    const halves = Array.from({ length: 65536 }, (_, i) => i);
    const header = `{"h":${entry('F16', [65536], 0, 131072)}}`;
    const { tensors } = decodeSafetensors(file(header, u16Bytes(halves)), { allowNonFinite: true });
    const bits = bitsOf(tensors.h.data);
    for (const h of halves) {
      const expected = halfValue(h);
      if (Number.isNaN(expected)) {
        expect(bits[h]).toBe((((h & 0x8000) << 16) | 0x7f800000 | ((h & 0x3ff) << 13)) >>> 0);
      } else if (!Object.is(tensors.h.data[h], expected)) {
        expect.fail(`half 0x${h.toString(16)} decoded to ${tensors.h.data[h]}, expected ${expected}`);
      }
    }
  });

  it('decodes all 65536 BF16 values exactly as the top half of an f32', () => {
    const words = Array.from({ length: 65536 }, (_, i) => i);
    const header = `{"b":${entry('BF16', [256, 256], 0, 131072)}}`;
    const { tensors } = decodeSafetensors(file(header, u16Bytes(words)), { allowNonFinite: true });
    expect(tensors.b.shape).toEqual([256, 256]);
    expect(bitsOf(tensors.b.data)).toEqual(words.map((w) => (w << 16) >>> 0));
  });

  it('rounds F64 to the nearest f32 and rejects finite values past the f32 range', () => {
    const values = [0.1, 1 / 3, 1e-50, -1e-45, 3.4028235e38, 2 ** -149, -0];
    const { tensors } = decodeSafetensors(file(`{"d":${entry('F64', [7], 0, 56)}}`, f64Bytes(values)));
    expect(Array.from(tensors.d.data)).toEqual(values.map(Math.fround));
    expect(Object.is(tensors.d.data[6], -0)).toBe(true);
    const tooBig = file(`{"d":${entry('F64', [2], 0, 16)}}`, f64Bytes([1, 1e300]));
    expect(formatMessage(() => decodeSafetensors(tooBig, { allowNonFinite: true }))).toMatch(
      /tensor "d": element 1 is 1e\+300, beyond the f32 range/,
    );
  });

  it('rejects non-finite values of every dtype by default, accepts them when allowed', () => {
    const cases: [string, Uint8Array][] = [
      [`{"a":${entry('F32', [2], 0, 8)}}`, f32Bytes([0, 0x7fc00000])],
      [`{"a":${entry('F16', [2], 0, 4)}}`, u16Bytes([0, 0xfc00])],
      [`{"a":${entry('BF16', [2], 0, 4)}}`, u16Bytes([0, 0x7f80])],
      [`{"a":${entry('F64', [2], 0, 16)}}`, f64Bytes([0, NaN])],
    ];
    for (const [header, payload] of cases) {
      expect(formatMessage(() => decodeSafetensors(file(header, payload)))).toMatch(
        /tensor "a": element 1 is (NaN|-?Infinity)/,
      );
      expect(
        Number.isFinite(decodeSafetensors(file(header, payload), { allowNonFinite: true }).tensors.a.data[1]),
      ).toBe(false);
    }
  });
});

describe('validation', () => {
  const good = `{"w":${entry('F32', [2], 0, 8)}}`;

  it.each<[string, Uint8Array, RegExp]>([
    ['input shorter than 8 bytes', new Uint8Array(7), /input is 7 bytes, too short/],
    ['header length 0', withHeaderLength(0n, new Uint8Array(16)), /header length 0 is too small/],
    ['header length 1', withHeaderLength(1n, new Uint8Array(16)), /header length 1 is too small/],
    [
      'header length past the file',
      withHeaderLength(100n, new TextEncoder().encode('{}')),
      /header length 100 runs past the end of the 10-byte input/,
    ],
    ['header length near 2^64', withHeaderLength(2n ** 64n - 1n, new TextEncoder().encode('{}')), /over the cap/],
    [
      'header length over the cap',
      withHeaderLength(100_000_001n, new TextEncoder().encode('{}')),
      /header length 100000001 is over the cap of 100000000/,
    ],
    ['invalid UTF-8', withHeaderLength(4n, Uint8Array.from([0x7b, 0xff, 0xfe, 0x7d])), /not valid UTF-8/],
    ['a byte-order mark', file('\uFEFF{}'), /not valid JSON/],
    ['invalid JSON', file('{"w":'), /not valid JSON/],
    ['an array header', file('[1,2]'), /must be a JSON object, got \[1,2\]/],
    ['a null header', file('null '), /must be a JSON object, got null/],
    ['a string header', file('"abc"'), /must be a JSON object, got "abc"/],
    ['metadata not an object', file('{"__metadata__":[]}'), /__metadata__ must be an object of strings/],
    ['metadata with a number', file('{"__metadata__":{"v":1}}'), /__metadata__\["v"\] must be a string, got 1/],
    ['an entry that is a number', file('{"w":5}'), /tensor "w": entry must be an object/],
    ['a missing field', file('{"w":{"dtype":"F32","shape":[0]}}'), /tensor "w": missing field "data_offsets"/],
    [
      'an extra field',
      file(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"extra":1}}`, new Uint8Array(8)),
      /tensor "w": unexpected field "extra"/,
    ],
    [
      'an unknown dtype',
      file(`{"w":${entry('I32', [1], 0, 4)}}`, new Uint8Array(4)),
      /tensor "w": dtype "I32" is not one nninit reads/,
    ],
    [
      'a dtype named like a prototype key',
      file(`{"w":${entry('constructor', [1], 0, 8)}}`, new Uint8Array(8)),
      /tensor "w": dtype "constructor"/,
    ],
    [
      'a dtype that is not a string',
      file('{"w":{"dtype":4,"shape":[1],"data_offsets":[0,4]}}', new Uint8Array(4)),
      /tensor "w": dtype 4/,
    ],
    [
      'a shape that is not an array',
      file('{"w":{"dtype":"F32","shape":4,"data_offsets":[0,16]}}', new Uint8Array(16)),
      /tensor "w": shape must be an array/,
    ],
    [
      'a negative dimension',
      file(`{"w":${entry('F32', [2, -1], 0, 8)}}`, new Uint8Array(8)),
      /tensor "w": shape\[1\] must be a non-negative integer, got -1/,
    ],
    [
      'a fractional dimension',
      file(`{"w":${entry('F32', [1.5], 0, 8)}}`, new Uint8Array(8)),
      /tensor "w": shape\[0\] must be a non-negative integer, got 1.5/,
    ],
    [
      'a string dimension',
      file('{"w":{"dtype":"F32","shape":["2"],"data_offsets":[0,8]}}', new Uint8Array(8)),
      /tensor "w": shape\[0\] must be a non-negative integer, got "2"/,
    ],
    [
      'dimensions whose product overflows',
      file(`{"w":${entry('F32', [2 ** 30, 2 ** 30, 2 ** 30], 0, 8)}}`, new Uint8Array(8)),
      /tensor "w": shape .* too many elements/,
    ],
    [
      'huge dimensions with offsets to match',
      file(`{"w":${entry('F32', [2 ** 20, 2 ** 20], 0, 2 ** 42)}}`, new Uint8Array(8)),
      /tensor "w": data_offsets \[0, 4398046511104\] run past the end of the 8-byte data/,
    ],
    [
      'offsets not a pair',
      file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,4,8]}}', new Uint8Array(8)),
      /tensor "w": data_offsets must be \[start, end\]/,
    ],
    [
      'offsets not an array',
      file('{"w":{"dtype":"F32","shape":[2],"data_offsets":8}}', new Uint8Array(8)),
      /tensor "w": data_offsets must be \[start, end\]/,
    ],
    [
      'a negative offset',
      file(`{"w":${entry('F32', [2], -8, 0)}}`, new Uint8Array(8)),
      /tensor "w": data_offsets must be integers 0 ≤ start ≤ end/,
    ],
    [
      'start after end',
      file(`{"w":${entry('F32', [0], 8, 0)}}`, new Uint8Array(8)),
      /tensor "w": data_offsets must be integers 0 ≤ start ≤ end/,
    ],
    [
      'offsets past 2^53',
      file('{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,1e20]}}', new Uint8Array(8)),
      /tensor "w": data_offsets must be integers/,
    ],
    [
      'a byte length that does not match the shape',
      file(`{"w":${entry('F32', [2, 2], 0, 12)}}`, new Uint8Array(12)),
      /tensor "w": shape \[2,2\] of F32 needs 16 bytes but data_offsets \[0, 12\] hold 12/,
    ],
    [
      'offsets past the data',
      file(`{"w":${entry('F32', [2], 4, 12)}}`, new Uint8Array(8)),
      /tensor "w": data_offsets \[4, 12\] run past the end of the 8-byte data/,
    ],
    [
      'overlapping tensors',
      file(`{"a":${entry('F32', [2], 0, 8)},"b":${entry('F32', [1], 4, 8)}}`, new Uint8Array(8)),
      /tensor "b": data_offsets \[4, 8\] overlap tensor "a" at \[0, 8\]/,
    ],
    [
      'two tensors on the same bytes',
      file(`{"a":${entry('F32', [2], 0, 8)},"b":${entry('F32', [2], 0, 8)}}`, new Uint8Array(8)),
      /tensor "(a|b)": data_offsets \[0, 8\] overlap tensor "(a|b)"/,
    ],
    [
      'a gap between tensors',
      file(`{"a":${entry('F32', [1], 0, 4)},"b":${entry('F32', [1], 8, 12)}}`, new Uint8Array(12)),
      /tensor "b": data bytes \[4, 8\) .* belong to no tensor/,
    ],
    [
      'a gap at the start',
      file(`{"a":${entry('F32', [1], 4, 8)}}`, new Uint8Array(8)),
      /tensor "a": data bytes \[0, 4\)/,
    ],
    ['trailing bytes', file(good, new Uint8Array(12)), /4 trailing data bytes after the last tensor "w"/],
    ['data but no tensors', file('{}', new Uint8Array(4)), /lists no tensors but 4 data bytes follow/],
  ])('rejects %s', (_, bytes, message) => {
    expect(formatMessage(() => decodeSafetensors(bytes))).toMatch(message);
  });

  it('reads a dimension spelled -0 in JSON as 0', () => {
    const { tensors } = decodeSafetensors(file('{"z":{"dtype":"F32","shape":[-0,2],"data_offsets":[-0,0]}}'));
    expect(Object.is(tensors.z.shape[0], 0)).toBe(true);
  });

  it('honours maxHeaderBytes and maxTotalBytes before decoding', () => {
    const bytes = file(good, new Uint8Array(8));
    expect(decodeSafetensors(bytes, { maxTotalBytes: 8 }).tensors.w.data.length).toBe(2);
    expect(formatMessage(() => decodeSafetensors(bytes, { maxHeaderBytes: 16 }))).toMatch(/over the cap of 16 bytes/);
    expect(formatMessage(() => decodeSafetensors(bytes, { maxTotalBytes: 7 }))).toMatch(
      /decode to 8 bytes of f32, over the maxTotalBytes cap of 7/,
    );
    // F16 doubles in size when decoded: the cap counts the f32 output.
    const half = file(`{"h":${entry('F16', [4], 0, 8)}}`, new Uint8Array(8));
    expect(formatMessage(() => decodeSafetensors(half, { maxTotalBytes: 8 }))).toMatch(/decode to 16 bytes/);
  });

  it('cuts hostile names and values short in messages', () => {
    const name = 'n'.repeat(10_000);
    const message = formatMessage(() =>
      decodeSafetensors(file(`{"${name}":${entry('F32', [1], 0, 8)}}`, new Uint8Array(8))),
    );
    expect(message.length).toBeLessThan(400);
    expect(message).toMatch(/tensor "n{80}…"/);
  });

  it('survives deeply nested JSON', () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    expect(formatMessage(() => decodeSafetensors(file(deep)))).toMatch(/header/);
    expect(formatMessage(() => decodeSafetensors(file(`{"w":${deep}}`)))).toMatch(
      /tensor "w": entry must be an object/,
    );
    expect(
      formatMessage(() => decodeSafetensors(file(`{"w":{"dtype":${deep},"shape":[],"data_offsets":[0,4]}}`))),
    ).toMatch(/tensor "w": dtype/);
  });

  it('rejects bad arguments and options with ParamError', () => {
    const bytes = file(good, new Uint8Array(8));
    expect(() => decodeSafetensors([1, 2, 3] as unknown as Uint8Array)).toThrow(ParamError);
    expect(() => decodeSafetensors(bytes, { maxHeaderBytes: 1.5 })).toThrow(ParamError);
    expect(() => decodeSafetensors(bytes, { maxTotalBytes: NaN })).toThrow(ParamError);
    expect(() => decodeSafetensors(bytes, { allowNonFinite: 'yes' as unknown as boolean })).toThrow(ParamError);
  });
});
