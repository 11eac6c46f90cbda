import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { FormatError, ParamError } from '../src/errors.js';
import { readIdx } from '../src/data/idx.js';

/** An IDX file by hand: magic 0 0 type ndim, big-endian u32 dims, then the payload as given. */
function idx(type: number, dims: number[], payload: ArrayLike<number> = []): Uint8Array {
  const out = new Uint8Array(4 + 4 * dims.length + payload.length);
  const view = new DataView(out.buffer);
  out[2] = type;
  out[3] = dims.length;
  dims.forEach((d, i) => view.setUint32(4 + 4 * i, d));
  out.set(payload, 4 + 4 * dims.length);
  return out;
}

/** Big-endian bytes of values written with a DataView setter. */
function bigEndian(
  bytesPer: number,
  values: number[],
  set: (view: DataView, at: number, value: number) => void,
): Uint8Array {
  const out = new Uint8Array(values.length * bytesPer);
  const view = new DataView(out.buffer);
  values.forEach((v, i) => set(view, i * bytesPer, v));
  return out;
}

async function formatMessage(run: () => Promise<unknown>): Promise<string> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).code).toBe('E_FORMAT');
    return (error as FormatError).message;
  }
  throw new Error('expected a FormatError, but nothing was thrown');
}

describe('readIdx: element types', () => {
  it('reads an MNIST-style label file (0x00000801) byte for byte', async () => {
    const bytes = Uint8Array.from([0x00, 0x00, 0x08, 0x01, 0x00, 0x00, 0x00, 0x05, 5, 0, 4, 1, 9]);
    const result = await readIdx(bytes);
    expect(result.shape).toEqual([5]);
    expect(result.dtype).toBe('u8');
    expect(result.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(result.data)).toEqual([5, 0, 4, 1, 9]);
  });

  it('reads a u8 image file [2, 2, 3] row-major', async () => {
    const pixels = [0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255];
    const result = await readIdx(idx(0x08, [2, 2, 3], pixels));
    expect(result.shape).toEqual([2, 2, 3]);
    expect(Array.from(result.data)).toEqual(pixels);
  });

  it('reads i8, i16, i32, f32 and f64 big-endian', async () => {
    const i8 = await readIdx(idx(0x09, [3], [0x80, 0xff, 0x7f]));
    expect(i8.dtype).toBe('i8');
    expect(i8.data).toBeInstanceOf(Int8Array);
    expect(Array.from(i8.data)).toEqual([-128, -1, 127]);

    const i16 = await readIdx(idx(0x0b, [2], [0x12, 0x34, 0xff, 0xfe]));
    expect(i16.dtype).toBe('i16');
    expect(Array.from(i16.data)).toEqual([0x1234, -2]);

    const i32Values = [-(2 ** 31), 2 ** 31 - 1, 0x01020304];
    const i32 = await readIdx(
      idx(
        0x0c,
        [3, 1],
        bigEndian(4, i32Values, (v, at, x) => v.setInt32(at, x)),
      ),
    );
    expect(i32.shape).toEqual([3, 1]);
    expect(Array.from(i32.data)).toEqual(i32Values);

    const f32 = await readIdx(idx(0x0d, [2], [0x3f, 0x80, 0x00, 0x00, 0xc0, 0x20, 0x00, 0x00]));
    expect(f32.dtype).toBe('f32');
    expect(Array.from(f32.data)).toEqual([1, -2.5]);

    const f64Values = [0.1, -1e300, 2 ** -1074];
    const f64 = await readIdx(
      idx(
        0x0e,
        [3],
        bigEndian(8, f64Values, (v, at, x) => v.setFloat64(at, x)),
      ),
    );
    expect(f64.data).toBeInstanceOf(Float64Array);
    expect(Array.from(f64.data)).toEqual(f64Values);
  });

  it('accepts a dimension of size 0 with no data', async () => {
    const result = await readIdx(idx(0x08, [0, 28, 28]));
    expect(result.shape).toEqual([0, 28, 28]);
    expect(result.data.length).toBe(0);
  });

  it('copies: the result does not alias the input', async () => {
    const bytes = idx(0x08, [2], [1, 2]);
    const result = await readIdx(bytes);
    bytes[8] = 99;
    expect(Array.from(result.data)).toEqual([1, 2]);
  });
});

describe('readIdx: gzip', () => {
  it('reads gzipped files to the same result as raw ones', async () => {
    const raw = idx(
      0x0b,
      [2, 3],
      bigEndian(2, [1, -2, 3, -4, 5, -32768], (v, at, x) => v.setInt16(at, x)),
    );
    const fromRaw = await readIdx(raw);
    const fromGzip = await readIdx(gzipSync(raw));
    expect(fromGzip).toEqual(fromRaw);
  });

  it('reads a larger gzipped image file that arrives in many chunks', async () => {
    const pixels = Uint8Array.from({ length: 100 * 784 }, (_, i) => (i * 7919) % 256);
    const result = await readIdx(gzipSync(idx(0x08, [100, 28, 28], pixels)));
    expect(result.shape).toEqual([100, 28, 28]);
    expect(result.data).toEqual(pixels);
  });

  it('stops inflating a gzip bomb at the cap', async () => {
    const bomb = gzipSync(new Uint8Array(64 << 20)); // 64 MiB of zeros in about 64 kB
    expect(bomb.length).toBeLessThan(1 << 17);
    const started = performance.now();
    expect(await formatMessage(() => readIdx(bomb, { maxBytes: 1 << 20 }))).toMatch(
      /gzip data inflates past 1049600 bytes/,
    );
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it.each<[string, Uint8Array, RegExp]>([
    [
      'corrupt deflate data',
      (() => {
        const g = Uint8Array.from(gzipSync(idx(0x08, [64], new Uint8Array(64).fill(3))));
        g[12] ^= 0xff;
        return g;
      })(),
      /gzip data is corrupt or truncated/,
    ],
    [
      'truncated gzip',
      gzipSync(idx(0x08, [64], new Uint8Array(64))).subarray(0, 20),
      /gzip data is corrupt or truncated/,
    ],
    ['only the gzip magic', Uint8Array.from([0x1f, 0x8b]), /gzip data is corrupt or truncated/],
    [
      'gzip of something that is not IDX',
      gzipSync(new TextEncoder().encode('hello')),
      /not 0x00 0x00; this is not an IDX file/,
    ],
    [
      'gzip of an IDX file with missing data',
      gzipSync(idx(0x08, [10], [1, 2, 3])),
      /dimensions \[10\] of u8 need 10 data bytes but the file has 3/,
    ],
  ])('rejects %s', async (_, bytes, message) => {
    expect(await formatMessage(() => readIdx(bytes))).toMatch(message);
  });
});

describe('readIdx: validation before allocation', () => {
  it.each<[string, Uint8Array, RegExp]>([
    ['an empty input', new Uint8Array(0), /input is 0 bytes, too short for the 4-byte magic number/],
    ['3 bytes', Uint8Array.from([0, 0, 8]), /input is 3 bytes, too short/],
    [
      'a nonzero magic prefix',
      Uint8Array.from([0x01, 0x00, 0x08, 0x01, 0, 0, 0, 0]),
      /magic number starts with 0x01 0x00/,
    ],
    ['an unknown element type', idx(0x0a, [1], [0]), /element type 0x0A is not one of/],
    ['zero dimensions', Uint8Array.from([0, 0, 8, 0]), /declares 0 dimensions/],
    [
      'a header cut inside the dimensions',
      idx(0x08, [1, 2, 3]).subarray(0, 12),
      /12 bytes, too short for the 16-byte header of 3 dimensions/,
    ],
    [
      'missing data',
      idx(0x08, [2, 3], [1, 2, 3, 4, 5]),
      /dimensions \[2, 3\] of u8 need 6 data bytes but the file has 5 after its 12-byte header/,
    ],
    ['trailing data', idx(0x08, [2], [1, 2, 3]), /dimensions \[2\] of u8 need 2 data bytes but the file has 3/],
    [
      'data not a whole number of elements',
      idx(0x0c, [1], [1, 2, 3]),
      /dimensions \[1\] of i32 need 4 data bytes but the file has 3/,
    ],
    [
      'huge dimensions',
      idx(0x0e, [0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff], [1, 2, 3, 4]),
      /need more than the 4 data bytes the file has after its 20-byte header/,
    ],
    [
      '255 dimensions of 2^32 − 1',
      idx(0x08, new Array(255).fill(0xffffffff), [0]),
      /\[4294967295, 4294967295, 4294967295, 4294967295, 4294967295, 4294967295, … \(255 dimensions\)\] of u8 need more than the 1 data bytes/,
    ],
  ])('rejects %s', async (_, bytes, message) => {
    expect(await formatMessage(() => readIdx(bytes))).toMatch(message);
  });

  it('rejects data over maxBytes, raw or gzipped', async () => {
    const file = idx(0x0c, [4, 4], new Uint8Array(64));
    expect((await readIdx(file, { maxBytes: 64 })).data.length).toBe(16);
    expect(await formatMessage(() => readIdx(file, { maxBytes: 63 }))).toMatch(
      /hold 64 bytes, over the maxBytes cap of 63/,
    );
    expect(await formatMessage(() => readIdx(gzipSync(file), { maxBytes: 63 }))).toMatch(/over the maxBytes cap of 63/);
  });

  it('rejects bad arguments with ParamError', async () => {
    await expect(readIdx('abc' as unknown as Uint8Array)).rejects.toThrow(ParamError);
    await expect(readIdx(new Uint8Array(4), { maxBytes: -1 })).rejects.toThrow(ParamError);
    await expect(readIdx(new Uint8Array(4), { maxBytes: 0.5 })).rejects.toThrow(ParamError);
  });
});
