import { FormatError, MemoryError, ParamError, ShapeError, show } from '../errors.js';
import type { Tensor } from '../tensor.js';

/*
 * The safetensors format (huggingface/safetensors):
 *   8 bytes   N, the header length, unsigned little-endian
 *   N bytes   UTF-8 JSON object: name → { dtype, shape, data_offsets: [start, end] },
 *             plus an optional "__metadata__": { string: string }
 *   the rest  tensor data, little-endian, row-major; offsets are relative to this part and the
 *             tensors tile it exactly (no gaps, no overlap, no trailing bytes)
 *
 * The reader treats its input as hostile: every number in the header is checked against the
 * file before anything is allocated from it, and the result is returned only when every tensor
 * has decoded, so a failure never leaves a half-read model behind.
 */

/** Bytes per element of the dtypes nninit reads. It writes F32, and I64 where asked. */
const DTYPE_BYTES: ReadonlyMap<string, number> = new Map([
  ['F32', 4],
  ['F16', 2],
  ['BF16', 2],
  ['F64', 8],
  ['I64', 8],
]);

/** Largest integer magnitude an I64 element may have: beyond it an f32 no longer holds every integer. */
export const MAX_EXACT_INTEGER = 2 ** 24;

/** The reference implementation's header cap. */
export const DEFAULT_MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;
const F32_EXPONENT_MASK = 0x7f800000;
const F16_EXPONENT_MASK = 0x7c00;

export interface DecodeSafetensorsOptions {
  /** Largest JSON header accepted, in bytes (default 100 000 000, as the reference). */
  maxHeaderBytes?: number;
  /** Largest total size of the decoded f32 tensors, in bytes (default: no cap beyond the input). */
  maxTotalBytes?: number;
  /** Accept NaN and ±Infinity in the data (default false: they are E_FORMAT). */
  allowNonFinite?: boolean;
}

export interface Safetensors {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** Each tensor's dtype as stored in the file ('F32', 'F16', 'BF16', 'F64', 'I64'). */
  dtypes: Record<string, string>;
}

/** The dtypes `encodeSafetensors` writes. */
export type WriteDtype = 'F32' | 'I64';

export interface EncodeSafetensorsOptions {
  /**
   * Tensors to store as I64 (e.g. a batch norm's `num_batches_tracked`, which PyTorch keeps as
   * int64); their values must be integers. Every other tensor is F32.
   */
  dtypes?: Record<string, WriteDtype>;
}

/** One checked header entry, offsets relative to the data part. */
interface Entry {
  name: string;
  dtype: string;
  shape: number[];
  count: number;
  start: number;
  end: number;
}

/**
 * Serializes f32 tensors to safetensors bytes, as F32 unless `options.dtypes` names a tensor I64.
 * The layout matches the reference writer: tensors sorted by name (code point order),
 * `__metadata__` first in the header, header padded with spaces to a multiple of 8 bytes so the
 * data starts 8-byte aligned in the file.
 */
export function encodeSafetensors(
  tensors: Record<string, Tensor>,
  metadata?: Record<string, string>,
  options: EncodeSafetensorsOptions = {},
): Uint8Array {
  if (typeof tensors !== 'object' || tensors === null) {
    throw new ParamError(`tensors must be an object of name → Tensor, got ${show(tensors)}`);
  }
  const dtypes = checkWriteDtypes(options, tensors);
  const header: [string, unknown][] = [];
  if (metadata !== undefined) header.push([METADATA_KEY, checkMetadataArgument(metadata)]);
  const names = Object.keys(tensors).sort(compareCodePoints);
  const datas: { data: Float32Array; dtype: WriteDtype }[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === METADATA_KEY) throw new ParamError(`"${METADATA_KEY}" is reserved and cannot name a tensor`);
    const { shape, data } = checkTensorArgument(tensors[name], name);
    const dtype = dtypes.get(name) ?? 'F32';
    if (dtype === 'I64') checkIntegers(data, name);
    const bytes = data.length * (dtype === 'I64' ? 8 : 4);
    header.push([name, { dtype, shape, data_offsets: [offset, offset + bytes] }]);
    datas.push({ data, dtype });
    offset += bytes;
  }
  const json = new TextEncoder().encode(JSON.stringify(Object.fromEntries(header)));
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let position = 8 + headerLength;
  for (const { data, dtype } of datas) {
    if (dtype === 'I64') {
      for (let i = 0; i < data.length; i++, position += 8) view.setBigInt64(position, BigInt(data[i]), true);
      continue;
    }
    // Copy bit patterns, not numbers, so NaN payloads survive.
    const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
    for (let i = 0; i < bits.length; i++, position += 4) view.setUint32(position, bits[i], true);
  }
  return out;
}

function checkWriteDtypes(options: EncodeSafetensorsOptions, tensors: Record<string, Tensor>): Map<string, WriteDtype> {
  if (typeof options !== 'object' || options === null) throw new ParamError(`options must be an object, got ${show(options)}`);
  for (const key of Object.keys(options)) {
    if (key !== 'dtypes') throw new ParamError(`encodeSafetensors: unknown option ${show(key)} (it takes dtypes)`);
  }
  const dtypes = new Map<string, WriteDtype>();
  if (options.dtypes === undefined) return dtypes;
  if (!isPlainObject(options.dtypes)) throw new ParamError(`dtypes must be an object of tensor name → 'F32' | 'I64', got ${show(options.dtypes)}`);
  for (const [name, dtype] of Object.entries(options.dtypes)) {
    if (dtype !== 'F32' && dtype !== 'I64') throw new ParamError(`dtypes[${quote(name)}] must be 'F32' or 'I64', got ${show(dtype)}`);
    if (!Object.hasOwn(tensors, name)) throw new ParamError(`dtypes names ${quote(name)}, which is not among the tensors`);
    dtypes.set(name, dtype);
  }
  return dtypes;
}

function checkIntegers(data: Float32Array, name: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isInteger(data[i])) throw new ParamError(`tensors[${quote(name)}][${i}] is ${show(data[i])}; an I64 tensor holds integers only`);
  }
}

/**
 * Reads safetensors bytes into f32 tensors. F32 is read bit-exact; F16 and BF16 convert exactly;
 * F64 rounds to the nearest f32 (a finite value beyond the f32 range is an error); I64 (PyTorch's
 * integer counters) converts exactly, and a value beyond ±2^24, where f32 skips integers, is an
 * error. `dtypes` says what each tensor was stored as. Any problem
 * throws `FormatError` (E_FORMAT) naming the tensor and what is wrong with it.
 */
export function decodeSafetensors(bytes: Uint8Array, options: DecodeSafetensorsOptions = {}): Safetensors {
  if (!(bytes instanceof Uint8Array)) throw new ParamError(`bytes must be a Uint8Array, got ${brief(bytes)}`);
  const { maxHeaderBytes, maxTotalBytes, allowNonFinite } = checkDecodeOptions(options);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  if (bytes.length < 8) fail(`the input is ${bytes.length} bytes, too short for the 8-byte header length`);
  // Past 2^53 the conversion rounds, but such a length fails the cap check anyway.
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength < 2) fail(`header length ${headerLength} is too small for a JSON object`);
  if (headerLength > maxHeaderBytes) fail(`header length ${headerLength} is over the cap of ${maxHeaderBytes} bytes`);
  if (headerLength > bytes.length - 8) {
    fail(`header length ${headerLength} runs past the end of the ${bytes.length}-byte input`);
  }
  const header = parseHeader(bytes.subarray(8, 8 + headerLength));

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: Record<string, string> = {};
  const entries: Entry[] = [];
  for (const [name, value] of Object.entries(header)) {
    if (name === METADATA_KEY) metadata = checkMetadataEntry(value);
    else entries.push(checkEntry(name, value, dataLength));
  }
  checkTiling(entries, dataLength);

  let totalBytes = 0;
  for (const entry of entries) totalBytes += entry.count * 4;
  if (totalBytes > maxTotalBytes) {
    fail(`the tensors decode to ${totalBytes} bytes of f32, over the maxTotalBytes cap of ${maxTotalBytes}`);
  }

  const tensors: [string, Tensor][] = [];
  for (const entry of entries) {
    const data = decodeData(view, dataStart + entry.start, entry, allowNonFinite);
    tensors.push([entry.name, { shape: entry.shape, data }]);
  }
  // fromEntries defines own properties, so a tensor named "__proto__" stays a tensor.
  return { tensors: Object.fromEntries(tensors), metadata, dtypes: Object.fromEntries(entries.map((e) => [e.name, e.dtype])) };
}

function fail(problem: string, tensorName?: string): never {
  const where = tensorName === undefined ? '' : `tensor ${quote(tensorName)}: `;
  throw new FormatError(`safetensors: ${where}${problem}`);
}

/** A name for a message, cut short: hostile headers can hold names of megabytes. */
function quote(name: string): string {
  return JSON.stringify(name.length > 80 ? `${name.slice(0, 80)}…` : name);
}

/** A header value for a message, cut short and safe on any JSON value. */
function brief(value: unknown): string {
  let text: string;
  try {
    text = typeof value === 'object' && value !== null ? JSON.stringify(value) : show(value);
  } catch {
    text = Array.isArray(value) ? 'a deeply nested array' : 'a deeply nested object';
  }
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}

function checkDecodeOptions(options: DecodeSafetensorsOptions): Required<DecodeSafetensorsOptions> {
  if (typeof options !== 'object' || options === null) {
    throw new ParamError(`options must be an object, got ${show(options)}`);
  }
  const { maxHeaderBytes = DEFAULT_MAX_HEADER_BYTES, maxTotalBytes = Infinity, allowNonFinite = false } = options;
  if (!Number.isSafeInteger(maxHeaderBytes) || maxHeaderBytes < 2) {
    throw new ParamError(`maxHeaderBytes must be an integer ≥ 2, got ${show(maxHeaderBytes)}`);
  }
  if (typeof maxTotalBytes !== 'number' || Number.isNaN(maxTotalBytes) || maxTotalBytes < 0) {
    throw new ParamError(`maxTotalBytes must be a number ≥ 0, got ${show(maxTotalBytes)}`);
  }
  if (typeof allowNonFinite !== 'boolean') {
    throw new ParamError(`allowNonFinite must be a boolean, got ${show(allowNonFinite)}`);
  }
  return { maxHeaderBytes, maxTotalBytes, allowNonFinite };
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes);
  } catch {
    return fail('header is not valid UTF-8');
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (error) {
    // SyntaxError for bad JSON; RangeError if the engine gives up on extreme nesting.
    return fail(`header is not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (!isPlainObject(header)) fail(`header must be a JSON object, got ${brief(header)}`);
  return header;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkMetadataEntry(value: unknown): Record<string, string> {
  if (!isPlainObject(value)) fail(`${METADATA_KEY} must be an object of strings, got ${brief(value)}`);
  for (const [key, item] of Object.entries(value)) {
    if (typeof item !== 'string') fail(`${METADATA_KEY}[${quote(key)}] must be a string, got ${brief(item)}`);
  }
  return value as Record<string, string>;
}

function checkEntry(name: string, value: unknown, dataLength: number): Entry {
  if (!isPlainObject(value)) {
    fail(`entry must be an object with dtype, shape and data_offsets, got ${brief(value)}`, name);
  }
  for (const key of Object.keys(value)) {
    if (!(ENTRY_FIELDS as readonly string[]).includes(key)) fail(`unexpected field ${quote(key)}`, name);
  }
  for (const key of ENTRY_FIELDS) if (!Object.hasOwn(value, key)) fail(`missing field "${key}"`, name);

  const { dtype, shape, data_offsets: offsets } = value;
  const elementBytes = typeof dtype === 'string' ? DTYPE_BYTES.get(dtype) : undefined;
  if (elementBytes === undefined) fail(`dtype ${brief(dtype)} is not one nninit reads (F32, F16, BF16, F64, I64)`, name);

  if (!Array.isArray(shape)) fail(`shape must be an array of non-negative integers, got ${brief(shape)}`, name);
  const dims: number[] = [];
  let count = 1;
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      fail(`shape[${i}] must be a non-negative integer, got ${brief(d)}`, name);
    }
    dims.push(d + 0); // JSON may spell a dimension -0
    count *= d;
    if (count > Number.MAX_SAFE_INTEGER) fail(`shape ${brief(shape)} has too many elements to address`, name);
  }

  if (!Array.isArray(offsets) || offsets.length !== 2) {
    fail(`data_offsets must be [start, end], got ${brief(offsets)}`, name);
  }
  const [start, end]: unknown[] = offsets;
  if (
    typeof start !== 'number' ||
    typeof end !== 'number' ||
    !Number.isSafeInteger(start) ||
    !Number.isSafeInteger(end) ||
    start < 0 ||
    end < start
  ) {
    fail(`data_offsets must be integers 0 ≤ start ≤ end, got ${brief(offsets)}`, name);
  }
  const byteLength = count * elementBytes;
  if (byteLength !== end - start) {
    fail(
      `shape ${brief(shape)} of ${dtype} needs ${byteLength} bytes but data_offsets [${start}, ${end}] hold ${end - start}`,
      name,
    );
  }
  if (end > dataLength) fail(`data_offsets [${start}, ${end}] run past the end of the ${dataLength}-byte data`, name);
  return { name, dtype: dtype as string, shape: dims, count, start, end };
}

/** The tensors, in offset order, must cover the data exactly once. */
function checkTiling(entries: readonly Entry[], dataLength: number): void {
  const sorted = [...entries].sort((a, b) => a.start - b.start || a.end - b.end);
  let covered = 0;
  let previous: Entry | undefined;
  for (const entry of sorted) {
    if (entry.start < covered && previous !== undefined) {
      fail(
        `data_offsets [${entry.start}, ${entry.end}] overlap tensor ${quote(previous.name)} at [${previous.start}, ${previous.end}]`,
        entry.name,
      );
    }
    if (entry.start > covered) {
      fail(
        `data bytes [${covered}, ${entry.start}) before data_offsets [${entry.start}, ${entry.end}] belong to no tensor`,
        entry.name,
      );
    }
    covered = entry.end;
    previous = entry;
  }
  if (covered !== dataLength) {
    fail(
      previous === undefined
        ? `the header lists no tensors but ${dataLength} data bytes follow it`
        : `${dataLength - covered} trailing data bytes after the last tensor ${quote(previous.name)} belong to no tensor`,
    );
  }
}

function allocate(count: number, name: string): Float32Array {
  try {
    return new Float32Array(count);
  } catch {
    throw new MemoryError(`safetensors: tensor ${quote(name)}: cannot allocate ${count} f32 elements`);
  }
}

function decodeData(view: DataView, position: number, entry: Entry, allowNonFinite: boolean): Float32Array {
  const out = allocate(entry.count, entry.name);
  // Writing f32 bit patterns through a native-order Uint32Array view is exact on any platform.
  const bits = new Uint32Array(out.buffer);
  const nonFinite = (i: number): never =>
    fail(
      `element ${i} is ${show(out[i])}; non-finite values are rejected (pass { allowNonFinite: true } to accept them)`,
      entry.name,
    );
  switch (entry.dtype) {
    case 'F32':
      for (let i = 0; i < entry.count; i++, position += 4) {
        const word = view.getUint32(position, true);
        bits[i] = word;
        if ((word & F32_EXPONENT_MASK) === F32_EXPONENT_MASK && !allowNonFinite) nonFinite(i);
      }
      break;
    case 'BF16':
      for (let i = 0; i < entry.count; i++, position += 2) {
        const word = view.getUint16(position, true) << 16;
        bits[i] = word;
        if ((word & F32_EXPONENT_MASK) === F32_EXPONENT_MASK && !allowNonFinite) nonFinite(i);
      }
      break;
    case 'F16':
      for (let i = 0; i < entry.count; i++, position += 2) {
        const half = view.getUint16(position, true);
        bits[i] = halfToFloatBits(half);
        if ((half & F16_EXPONENT_MASK) === F16_EXPONENT_MASK && !allowNonFinite) nonFinite(i);
      }
      break;
    case 'I64':
      for (let i = 0; i < entry.count; i++, position += 8) {
        const value = view.getBigInt64(position, true);
        if (value > BigInt(MAX_EXACT_INTEGER) || value < -BigInt(MAX_EXACT_INTEGER)) {
          fail(`element ${i} is ${value}, beyond ±2^24 where f32 holds every integer`, entry.name);
        }
        out[i] = Number(value);
      }
      break;
    default: // F64
      for (let i = 0; i < entry.count; i++, position += 8) {
        const value = view.getFloat64(position, true);
        out[i] = value;
        if (!Number.isFinite(out[i])) {
          if (Number.isFinite(value)) fail(`element ${i} is ${value}, beyond the f32 range`, entry.name);
          if (!allowNonFinite) nonFinite(i);
        }
      }
  }
  return out;
}

/** The f32 bit pattern of an IEEE half: every half, subnormals and NaN payloads included, is exact in f32. */
function halfToFloatBits(half: number): number {
  const sign = (half & 0x8000) << 16;
  const exponent = (half >>> 10) & 0x1f;
  let mantissa = half & 0x3ff;
  if (exponent === 0x1f) return (sign | F32_EXPONENT_MASK | (mantissa << 13)) >>> 0;
  if (exponent !== 0) return (sign | ((exponent + 127 - 15) << 23) | (mantissa << 13)) >>> 0;
  if (mantissa === 0) return sign >>> 0;
  // Subnormal half: mantissa · 2^-24. Shift the leading 1 into the implicit-bit position.
  let f32Exponent = 127 - 14;
  while ((mantissa & 0x400) === 0) {
    mantissa <<= 1;
    f32Exponent--;
  }
  return (sign | (f32Exponent << 23) | ((mantissa & 0x3ff) << 13)) >>> 0;
}

/** Orders strings by code point, which is the reference's order (UTF-8 bytes) and not always JS's (UTF-16 units). */
function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length;) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}

function checkMetadataArgument(metadata: Record<string, string>): Record<string, string> {
  if (!isPlainObject(metadata)) throw new ParamError(`metadata must be an object of strings, got ${show(metadata)}`);
  for (const [key, value] of Object.entries(metadata)) {
    if (typeof value !== 'string') throw new ParamError(`metadata[${quote(key)}] must be a string, got ${show(value)}`);
  }
  return metadata;
}

function checkTensorArgument(value: Tensor, name: string): { shape: number[]; data: Float32Array } {
  if (
    typeof value !== 'object' ||
    value === null ||
    !(value.data instanceof Float32Array) ||
    !Array.isArray(value.shape)
  ) {
    throw new ParamError(`tensors[${quote(name)}] must be a Tensor { shape, data: Float32Array }, got ${show(value)}`);
  }
  let count = 1;
  for (const d of value.shape) {
    if (!Number.isSafeInteger(d) || d < 0) {
      throw new ShapeError(`tensors[${quote(name)}].shape must hold non-negative integers, got ${show(value.shape)}`);
    }
    count *= d;
  }
  if (count !== value.data.length) {
    throw new ShapeError(
      `tensors[${quote(name)}] has ${value.data.length} elements but shape ${show(value.shape)} needs ${count}`,
    );
  }
  return { shape: [...value.shape], data: value.data };
}
