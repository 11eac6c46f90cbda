import { FormatError, MemoryError, ParamError, show } from '../errors.js';

/*
 * The IDX format (LeCun et al., the MNIST distribution files):
 *   bytes 0–1  zero
 *   byte 2     element type: 0x08 u8, 0x09 i8, 0x0B i16, 0x0C i32, 0x0D f32, 0x0E f64
 *   byte 3     number of dimensions, n ≥ 1
 *   n × u32    dimension sizes, big-endian
 *   the rest   elements, big-endian, row-major; exactly the product of the dimensions
 */

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Idx {
  shape: number[];
  dtype: IdxDtype;
  data: IdxData;
}

export interface ReadIdxOptions {
  /** Largest element data accepted, in bytes, and the bound on gzip expansion (default 1 GiB). */
  maxBytes?: number;
}

export const DEFAULT_IDX_MAX_BYTES = 2 ** 30;

interface ElementType {
  dtype: IdxDtype;
  bytes: number;
  allocate: (length: number) => IdxData;
  /** Reads one big-endian element; absent for single bytes, which are copied as a block. */
  read?: (view: DataView, position: number) => number;
}

const ELEMENT_TYPES: ReadonlyMap<number, ElementType> = new Map([
  [0x08, { dtype: 'u8', bytes: 1, allocate: (n) => new Uint8Array(n) }],
  [0x09, { dtype: 'i8', bytes: 1, allocate: (n) => new Int8Array(n) }],
  [0x0b, { dtype: 'i16', bytes: 2, allocate: (n) => new Int16Array(n), read: (v, p) => v.getInt16(p) }],
  [0x0c, { dtype: 'i32', bytes: 4, allocate: (n) => new Int32Array(n), read: (v, p) => v.getInt32(p) }],
  [0x0d, { dtype: 'f32', bytes: 4, allocate: (n) => new Float32Array(n), read: (v, p) => v.getFloat32(p) }],
  [0x0e, { dtype: 'f64', bytes: 8, allocate: (n) => new Float64Array(n), read: (v, p) => v.getFloat64(p) }],
]);

/** Bytes of the largest possible IDX header: magic, then 255 dimensions. */
const IDX_MAX_HEADER_BYTES = 4 + 4 * 255;

/**
 * Reads an IDX file (raw, or gzipped as MNIST ships them) into a typed array of its element type.
 * Async because gzip goes through the platform's `DecompressionStream` (Node ≥ 18, browsers),
 * whose output is counted as it streams and cut off past the cap. The header is checked against
 * the file before anything is allocated; any problem throws `FormatError` (E_FORMAT).
 *
 * ```ts
 * const images = await readIdx(await fs.readFile('train-images-idx3-ubyte.gz'));
 * images.shape; // [60000, 28, 28]
 * ```
 */
export async function readIdx(bytes: Uint8Array, options: ReadIdxOptions = {}): Promise<Idx> {
  if (!(bytes instanceof Uint8Array)) throw new ParamError(`bytes must be a Uint8Array, got ${show(bytes)}`);
  if (typeof options !== 'object' || options === null) {
    throw new ParamError(`options must be an object, got ${show(options)}`);
  }
  const { maxBytes = DEFAULT_IDX_MAX_BYTES } = options;
  if (!Number.isSafeInteger(maxBytes) || maxBytes < 0) {
    throw new ParamError(`maxBytes must be a non-negative integer, got ${show(maxBytes)}`);
  }
  const isGzip = bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
  const raw = isGzip ? await gunzip(bytes, maxBytes + IDX_MAX_HEADER_BYTES) : bytes;
  return parseIdx(raw, maxBytes);
}

function fail(problem: string): never {
  throw new FormatError(`IDX: ${problem}`);
}

function parseIdx(bytes: Uint8Array, maxBytes: number): Idx {
  if (bytes.length < 4) fail(`the input is ${bytes.length} bytes, too short for the 4-byte magic number`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    fail(`magic number starts with 0x${hex(bytes[0])} 0x${hex(bytes[1])}, not 0x00 0x00; this is not an IDX file`);
  }
  const type = ELEMENT_TYPES.get(bytes[2]);
  if (type === undefined) fail(`element type 0x${hex(bytes[2])} is not one of 0x08 0x09 0x0B 0x0C 0x0D 0x0E`);
  const ndim = bytes[3];
  if (ndim === 0) fail('the file declares 0 dimensions; IDX needs at least 1');
  const headerBytes = 4 + 4 * ndim;
  if (bytes.length < headerBytes) {
    fail(`the input is ${bytes.length} bytes, too short for the ${headerBytes}-byte header of ${ndim} dimensions`);
  }

  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  for (let i = 0; i < ndim; i++) shape.push(view.getUint32(4 + 4 * i));
  const available = bytes.length - headerBytes;
  // Multiply up only while the product still fits in the file: past it, the product only grows
  // and may stop being exact.
  let count = shape.includes(0) ? 0 : 1;
  let multiplied = 0;
  while (multiplied < ndim && count <= available) count *= shape[multiplied++];
  const needed = count * type.bytes;
  const dims = describeShape(shape);
  if (needed !== available) {
    const exact = multiplied === ndim && Number.isSafeInteger(needed);
    fail(
      exact
        ? `dimensions ${dims} of ${type.dtype} need ${needed} data bytes but the file has ${available} after its ${headerBytes}-byte header`
        : `dimensions ${dims} of ${type.dtype} need more than the ${available} data bytes the file has after its ${headerBytes}-byte header`,
    );
  }
  if (needed > maxBytes) {
    fail(`dimensions ${dims} of ${type.dtype} hold ${needed} bytes, over the maxBytes cap of ${maxBytes}`);
  }

  let data: IdxData;
  try {
    data = type.allocate(count);
  } catch {
    throw new MemoryError(`IDX: cannot allocate ${count} ${type.dtype} elements`);
  }
  const read = type.read;
  if (read === undefined) {
    data.set(bytes.subarray(headerBytes)); // set() wraps u8 values into i8 exactly
  } else {
    for (let i = 0, position = headerBytes; i < count; i++, position += type.bytes) data[i] = read(view, position);
  }
  return { shape, dtype: type.dtype, data };
}

/** The dimensions for a message; a hostile file may declare 255 of them. */
function describeShape(shape: readonly number[]): string {
  const shown = shape.slice(0, 6).join(', ');
  return shape.length > 6 ? `[${shown}, … (${shape.length} dimensions)]` : `[${shown}]`;
}

function hex(byte: number): string {
  return byte.toString(16).padStart(2, '0').toUpperCase();
}

/** Inflates gzip bytes, failing as soon as the output passes `limit` bytes. */
async function gunzip(bytes: Uint8Array, limit: number): Promise<Uint8Array> {
  if (typeof DecompressionStream !== 'function') {
    fail(
      'the input is gzipped and this runtime has no DecompressionStream (Node ≥ 18 and current browsers have it); decompress the file first',
    );
  }
  const stream = new DecompressionStream('gzip');
  const writer = stream.writable.getWriter();
  // Errors surface on the reader; these promises only need handling so none goes unobserved.
  writer.write(bytes as Uint8Array<ArrayBuffer>).catch(() => {});
  writer.close().catch(() => {});
  const reader = stream.readable.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (error) {
      return fail(`gzip data is corrupt or truncated (${error instanceof Error ? error.message : String(error)})`);
    }
    if (chunk.done) break;
    total += chunk.value.length;
    if (total > limit) {
      reader.cancel().catch(() => {});
      fail(`gzip data inflates past ${limit} bytes, the maxBytes cap plus the largest IDX header`);
    }
    chunks.push(chunk.value);
  }
  const out = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}
