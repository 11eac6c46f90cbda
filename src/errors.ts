/** Stable machine-readable error codes. Messages may change; codes do not. */
export type ErrorCode = 'E_SHAPE' | 'E_PARAM' | 'E_DATA' | 'E_FORMAT' | 'E_MEMORY' | 'E_WASM';

/** Base class of every error nninit throws on purpose. */
export class NninitError extends Error {
  readonly code: ErrorCode;
  constructor(code: ErrorCode, message: string) {
    super(message);
    this.code = code;
    this.name = new.target.name;
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

/** Renders a value for an error message: strings quoted, arrays bracketed, others as JS prints them. */
export function show(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(show).join(', ')}]`;
  if (typeof value === 'number' && Object.is(value, -0)) return '-0';
  return String(value);
}
