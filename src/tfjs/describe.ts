/** A short rendering of a value for an error message: strings quoted, arrays bracketed, long ones cut. */
export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 80 ? `${value.slice(0, 80)}…` : value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, 8).map(describe);
    if (value.length > 8) shown.push(`… ${value.length - 8} more`);
    return `[${shown.join(', ')}]`;
  }
  if (ArrayBuffer.isView(value)) return `${value.constructor.name}(${value.byteLength} bytes)`;
  if (typeof value === 'object' && value !== null) return value.constructor?.name ?? 'object';
  return String(value);
}
