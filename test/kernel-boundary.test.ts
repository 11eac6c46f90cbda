import { beforeAll, describe, expect, it } from 'vitest';
import { kernels, POOL_FUNCTIONS, ready, wasmExports, withBuffers } from '../src/runtime/index.js';
import { KERNEL_SIGNATURES, type WasmType } from '../src/runtime/kernels.generated.js';
import { MAX_POOL_ARGS } from '../src/runtime/threads.js';
import { wasmBase64 } from '../src/runtime/wasm-binary.generated.js';

/*
 * The generated declaration of the wasm boundary (src/runtime/kernels.generated.ts, written by
 * scripts/kernel-declarations.mjs from assembly/'s export signatures) against the compiled binary:
 * the same functions, each with the same parameter types in the same order and the same result.
 * The binary is read here with a parser of its own, so that neither side checks itself.
 */

interface BinarySignature {
  params: WasmType[];
  result: WasmType | 'void';
}

const VALUE_TYPES: Record<number, string> = { 0x7f: 'i32', 0x7e: 'i64', 0x7d: 'f32', 0x7c: 'f64', 0x7b: 'v128', 0x70: 'ref', 0x6f: 'ref' };

/** The function exports of a module binary with their signatures, from its type, import, function and export sections. */
function exportedFunctions(bytes: Uint8Array): Map<string, BinarySignature> {
  let pos = 8; // magic and version
  const byte = () => bytes[pos++];
  const u32 = () => {
    let result = 0;
    for (let shift = 0; ; shift += 7) {
      const b = byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
  };
  const name = () => {
    const length = u32();
    const text = new TextDecoder().decode(bytes.subarray(pos, pos + length));
    pos += length;
    return text;
  };
  const valueType = () => {
    const code = byte();
    const type = VALUE_TYPES[code];
    if (type === undefined) throw new Error(`unknown value type 0x${code.toString(16)}`);
    return type;
  };
  const isNumber = (type: string): type is WasmType => type !== 'v128' && type !== 'ref';
  const types: Array<BinarySignature | null> = [];
  const functionTypes: number[] = []; // imported functions first, then defined ones
  const exports = new Map<string, BinarySignature>();
  while (pos < bytes.length) {
    const id = byte();
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      for (let i = u32(); i > 0; i--) {
        expect(byte(), 'function type form').toBe(0x60);
        const params = Array.from({ length: u32() }, valueType);
        const results = Array.from({ length: u32() }, valueType);
        // Internal functions may pass v128 values; a kernel's signature holds numbers only.
        const numeric = [...params, ...results].every(isNumber) && results.length <= 1;
        types.push(numeric ? { params: params as WasmType[], result: (results[0] as WasmType | undefined) ?? 'void' } : null);
      }
    } else if (id === 2) {
      for (let i = u32(); i > 0; i--) {
        name();
        name();
        const kind = byte();
        if (kind === 0x00) functionTypes.push(u32());
        else if (kind === 0x02) {
          const flags = byte();
          u32();
          if (flags & 1) u32();
        } else throw new Error(`unexpected import kind ${kind}`);
      }
    } else if (id === 3) {
      for (let i = u32(); i > 0; i--) functionTypes.push(u32());
    } else if (id === 7) {
      for (let i = u32(); i > 0; i--) {
        const exportName = name();
        const kind = byte();
        const index = u32();
        if (kind !== 0x00) continue;
        const signature = types[functionTypes[index]];
        if (!signature) throw new Error(`export ${exportName} has a signature no kernel may have`);
        exports.set(exportName, signature);
      }
    }
    pos = end;
  }
  return exports;
}

function decodeBase64(b64: string): Uint8Array {
  const text = atob(b64);
  return Uint8Array.from(text, (c) => c.charCodeAt(0));
}

const binary = decodeBase64(wasmBase64);

describe('the kernel boundary', () => {
  beforeAll(() => ready());

  it('declares every function the binary exports, with its parameter types, order and result', () => {
    const compiled = exportedFunctions(binary);
    const declared = new Map(
      Object.entries(KERNEL_SIGNATURES).map(([name, s]) => [name, { params: s.params.map(([, type]) => type), result: s.result }]),
    );
    expect([...declared.keys()].sort()).toEqual([...compiled.keys()].sort());
    for (const [name, signature] of declared) expect(signature, name).toEqual(compiled.get(name));
    // Besides the functions, asc re-exports the imported memory; a global or table would be a leak.
    const others = WebAssembly.Module.exports(new WebAssembly.Module(binary as Uint8Array<ArrayBuffer>)).filter((e) => e.kind !== 'function');
    expect(others).toEqual([{ name: 'memory', kind: 'memory' }]);
  });

  it('the instantiated exports take the declared number of parameters', () => {
    const exports = wasmExports() as unknown as Record<string, (...args: number[]) => unknown>;
    for (const [name, signature] of Object.entries(KERNEL_SIGNATURES)) {
      expect(typeof exports[name], name).toBe('function');
      expect(exports[name].length, name).toBe(signature.params.length);
    }
  });

  it('every kernel the workers run fits a pool call', () => {
    // A worker's slot carries at most MAX_POOL_ARGS numbers; a wider kernel would fail only when split over threads.
    for (const name of POOL_FUNCTIONS) expect(KERNEL_SIGNATURES[name].params.length, name).toBeLessThanOrEqual(MAX_POOL_ARGS);
  });

  it('names every kernel after its family, the file it lives in', () => {
    for (const [name, { file }] of Object.entries(KERNEL_SIGNATURES)) {
      const family = /^assembly\/([a-z]+)[\w-]*\.ts$/.exec(file)?.[1];
      expect(family, `${name} in ${file}`).toBeDefined();
      expect(name.startsWith(family!), `${name} starts with ${family}`).toBe(true);
    }
  });

  it('passes named arguments to the kernel in the declared order', () => {
    // gemm's result tells its arguments apart: 2×3 A times 3×2 B, row-major, C = A·B.
    const k = kernels();
    const workspace = k.gemmWorkspaceBytes(2, 2, 3) >>> 0;
    withBuffers([6, 6, 4, workspace / 4 + 16], (a, b, c, scratch) => {
      a.write(Float32Array.of(1, 2, 3, 4, 5, 6));
      b.write(Float32Array.of(7, 8, 9, 10, 11, 12));
      k.gemm({
        ldc: 2,
        c: c.ptr,
        transA: 0,
        transB: 0,
        m: 2,
        n: 2,
        k: 3,
        alpha: 1,
        a: a.ptr,
        lda: 3,
        b: b.ptr,
        ldb: 2,
        beta: 0,
        workspace: (scratch.ptr + 63) & ~63,
      });
      expect(Array.from(c.view)).toEqual([58, 64, 139, 154]);
    });
  });
});
