/** Stable machine-readable error codes. Messages may change; codes do not. */
export type ErrorCode = 'E_SHAPE' | 'E_PARAM' | 'E_DATA' | 'E_FORMAT' | 'E_IO' | 'E_MEMORY' | 'E_WASM';

/**
 * Base class of every error nninit throws on purpose. It prints the way Node's own errors do,
 * `ShapeError [E_SHAPE]: message`, from `String(error)` and on the first line of its stack.
 */
export class NninitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    // The stack's first line is formatted from `name` on first access: format it now with the
    // code in it, then give `name` back (Node's internal errors do the same).
    this.name = `${new.target.name} [${code}]`;
    void this.stack;
    this.name = new.target.name;
  }

  override toString(): string {
    return `${this.name} [${this.code}]: ${this.message}`;
  }
}

/** A shape is empty, negative, fractional, or does not fit the operation. */
export class ShapeError extends NninitError {
  constructor(message: string) {
    super('E_SHAPE', message);
  }
}

/** An option or argument has a value outside its domain (NaN, ∞, out of range, unknown name). */
export class ParamError extends NninitError {
  constructor(message: string) {
    super('E_PARAM', message);
  }
}

/** Input data is unusable: NaN, out of range, wrong labels. */
export class DataError extends NninitError {
  constructor(message: string) {
    super('E_DATA', message);
  }
}

/** A file or byte buffer is malformed. */
export class FormatError extends NninitError {
  constructor(message: string) {
    super('E_FORMAT', message);
  }
}

/** A file cannot be read or written (`nninit/node`); `cause` holds the system's error, e.g. ENOENT. */
export class IoError extends NninitError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_IO', message, options);
  }
}

/** WebAssembly memory would grow past its cap. */
export class MemoryError extends NninitError {
  constructor(message: string) {
    super('E_MEMORY', message);
  }
}

/** The WebAssembly runtime is missing, lacks a feature, or was used before `ready()`. */
export class WasmError extends NninitError {
  constructor(message: string) {
    super('E_WASM', message);
  }
}

/** Elements of an array shown before "…"; shapes (at most 5 dims) always fit. */
const SHOWN_ITEMS = 8;
/** Characters of a string shown before "…". */
const SHOWN_CHARACTERS = 80;
/** Keys of an object shown before "…". */
const SHOWN_KEYS = 6;
/** Nesting levels shown; deeper arrays and objects are summarized. */
const SHOWN_DEPTH = 2;
/** Longest rendering of one value: a message names values, it never dumps them. */
const SHOWN_LENGTH = 200;

/**
 * Renders a value for an error message, cut short: strings quoted, arrays bracketed (a typed
 * array with its type and length, `Float32Array(6272000) [0, 0, …]`), plain objects by their
 * first keys, class instances by their class name; never more than 200 characters.
 */
export function show(value: unknown): string {
  let text: string;
  try {
    text = render(value, SHOWN_DEPTH);
  } catch {
    text = 'a value that cannot be shown'; // a throwing getter or a revoked proxy
  }
  return text.length <= SHOWN_LENGTH ? text : `${text.slice(0, SHOWN_LENGTH - 1)}…`;
}

function cut(text: string): string {
  return text.length <= SHOWN_CHARACTERS ? text : `${text.slice(0, SHOWN_CHARACTERS)}…`;
}

type TypedArray = Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | Uint8Array | Uint8ClampedArray | Uint16Array | Uint32Array | BigInt64Array | BigUint64Array;

function render(value: unknown, depth: number): string {
  switch (typeof value) {
    case 'string':
      return value.length <= SHOWN_CHARACTERS
        ? JSON.stringify(value)
        : `${JSON.stringify(value.slice(0, SHOWN_CHARACTERS)).slice(0, -1)}…" (${value.length} characters)`;
    case 'number':
      return Object.is(value, -0) ? '-0' : String(value);
    case 'bigint':
      return `${value}n`;
    case 'function':
      return value.name ? `function ${value.name}` : 'a function';
    case 'object':
      break;
    default:
      return String(value);
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return items(value, value.length, depth, value.length > SHOWN_ITEMS ? `Array(${value.length}) ` : '');
  if (ArrayBuffer.isView(value)) {
    if (value instanceof DataView) return `DataView(${value.byteLength} bytes)`;
    const typed = value as TypedArray;
    return items(typed, typed.length, depth, `${typed.constructor.name}(${typed.length}) `);
  }
  if (value instanceof ArrayBuffer) return `ArrayBuffer(${value.byteLength} bytes)`;
  if (value instanceof Map || value instanceof Set) return `${value.constructor.name}(${value.size})`;
  if (value instanceof Error) return cut(`${value.name}: ${value.message}`);
  const prototype: unknown = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) {
    const name = (value as object).constructor?.name || 'an object';
    const toString = (value as object).toString;
    // A class that renders itself (a Date, a report) is shown that way, cut short.
    if (typeof toString === 'function' && toString !== Object.prototype.toString) {
      try {
        return `${name} ${cut(String(value))}`;
      } catch {
        return `${name} {…}`;
      }
    }
    return `${name} {…}`;
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return '{}';
  if (depth === 0) return '{…}';
  const shown = keys.slice(0, SHOWN_KEYS).map((key) => {
    const name = /^[A-Za-z_$][\w$]*$/.test(key) ? key : render(key, 0);
    return `${name}: ${render((value as Record<string, unknown>)[key], depth - 1)}`;
  });
  if (keys.length > SHOWN_KEYS) shown.push(`… ${keys.length - SHOWN_KEYS} more`);
  return `{ ${shown.join(', ')} }`;
}

/** The first elements of an array-like, `prefix [a, b, …]`. */
function items(array: ArrayLike<unknown>, length: number, depth: number, prefix: string): string {
  if (length === 0) return `${prefix}[]`;
  if (depth === 0) return `${prefix || `Array(${length}) `}[…]`;
  const shown: string[] = [];
  for (let i = 0; i < Math.min(length, SHOWN_ITEMS); i++) shown.push(render(array[i], depth - 1));
  if (length > SHOWN_ITEMS) shown.push('…');
  return `${prefix}[${shown.join(', ')}]`;
}
