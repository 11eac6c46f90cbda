import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { IoError, NninitError, ParamError, ShapeError, show } from '../src/errors.js';

describe('show', () => {
  it('renders short values whole, as before', () => {
    expect(show([256, -3])).toBe('[256, -3]');
    expect(show(-0)).toBe('-0');
    expect(show(NaN)).toBe('NaN');
    expect(show('relu')).toBe('"relu"');
    expect(show(undefined)).toBe('undefined');
    expect(show(null)).toBe('null');
    expect(show(12n)).toBe('12n');
    expect(show([])).toBe('[]');
    expect(show({})).toBe('{}');
  });

  it('cuts a typed array to its type, length and first values', () => {
    expect(show(new Float32Array(6_272_000))).toBe('Float32Array(6272000) [0, 0, 0, 0, 0, 0, 0, 0, …]');
    expect(show(Int32Array.of(1, 2, 3))).toBe('Int32Array(3) [1, 2, 3]');
    expect(show(new Uint8Array(0))).toBe('Uint8Array(0) []');
    expect(show(new ArrayBuffer(1 << 20))).toBe('ArrayBuffer(1048576 bytes)');
  });

  it('cuts long arrays, strings and objects', () => {
    expect(show(Array.from({ length: 1_000_000 }, (_, i) => i))).toBe('Array(1000000) [0, 1, 2, 3, 4, 5, 6, 7, …]');
    const long = show('x'.repeat(1_000_000));
    expect(long).toBe(`"${'x'.repeat(80)}…" (1000000 characters)`);
    const keys = show(Object.fromEntries(Array.from({ length: 100_000 }, (_, i) => [`k${i}`, i])));
    expect(keys).toBe('{ k0: 0, k1: 1, k2: 2, k3: 3, k4: 4, k5: 5, … 99994 more }');
    const wide = show(Array.from({ length: 8 }, () => 'y'.repeat(1000)));
    expect(wide.length).toBeLessThanOrEqual(200);
    expect(wide.endsWith('…')).toBe(true);
  });

  it('shows a tensor-like object by its fields, and nested values to a depth', () => {
    expect(show({ shape: [2, 3], data: new Float32Array(6) })).toBe('{ shape: [2, 3], data: Float32Array(6) [0, 0, 0, 0, 0, 0] }');
    expect(show([[[[1]]]])).toBe('[[Array(1) […]]]');
    expect(show({ a: { b: { c: 1 } } })).toBe('{ a: { b: {…} } }');
    expect(show({ 'not an identifier': 1 })).toBe('{ "not an identifier": 1 }');
  });

  it('shows class instances by name, and values that throw when read', () => {
    class Model {
      readonly weights = new Float32Array(1000);
    }
    expect(show(new Model())).toBe('Model {…}');
    expect(show(new Map([[1, 2]]))).toBe('Map(1)');
    expect(show(() => 1)).toBe('a function');
    expect(show(new ShapeError('bad'))).toBe('ShapeError: bad');
    const hostile = {
      get a(): number {
        throw new Error('no');
      },
    };
    expect(show(hostile)).toBe('a value that cannot be shown');
  });

  it('never exceeds 200 characters, whatever the value', () => {
    fc.assert(fc.property(fc.anything({ withTypedArray: true, withBigInt: true, withMap: true, withSet: true, maxDepth: 4 }), (value) => show(value).length <= 200));
  });
});

describe('NninitError', () => {
  it('prints like Node’s own errors: name, [code], message, in String() and on the stack’s first line', () => {
    const error = new ShapeError('shape[1] must be a positive integer, got -3 in [256, -3]');
    expect(String(error)).toBe('ShapeError [E_SHAPE]: shape[1] must be a positive integer, got -3 in [256, -3]');
    expect(error.stack?.split('\n')[0]).toBe(String(error));
    expect(error.name).toBe('ShapeError');
    expect(error.code).toBe('E_SHAPE');
    expect(error).toBeInstanceOf(NninitError);
  });

  it('keeps a cause', () => {
    const cause = Object.assign(new Error('ENOENT: no such file or directory'), { code: 'ENOENT' });
    const error = new IoError('path "/missing" cannot be read: ENOENT: no such file or directory', { cause });
    expect(error.cause).toBe(cause);
    expect(error.code).toBe('E_IO');
    expect(new ParamError('x').cause).toBeUndefined();
  });
});
