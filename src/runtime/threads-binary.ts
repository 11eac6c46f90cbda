// The kernels import their memory (asc --importMemory) declared with a maximum: limits flag 0x01.
// A module that imports a *shared* memory must declare it shared (flag 0x03), and nothing else in
// the binary differs, so threads get their module by flipping that one byte instead of shipping a
// second embedded build (docs/wasm-notes.md: the base64 module is most of the bundle).

/** Where the memory import's limits start in a module binary, and what they say. */
export interface MemoryImport {
  /** Byte offset of the limits flag (0x00 min only, 0x01 min+max, 0x03 shared min+max). */
  flagOffset: number;
  flags: number;
  /** Pages. */
  initial: number;
  /** Pages, or undefined when the import declares no maximum. */
  maximum: number | undefined;
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw new Error('unexpected end of the wasm binary');
    return this.bytes[this.pos++];
  }

  /** Unsigned LEB128, up to 32 bits. */
  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new Error('malformed LEB128 in the wasm binary');
    }
  }

  skip(n: number): void {
    this.pos += n;
  }

  name(): void {
    this.skip(this.u32());
  }

  limits(): { flags: number; min: number; max: number | undefined } {
    const flags = this.byte();
    const min = this.u32();
    const max = flags & 1 ? this.u32() : undefined;
    return { flags, min, max };
  }
}

/**
 * Finds the `env.memory` import of a module binary (the first memory import), or null when the
 * module defines its own memory. Parses only the section headers and the import section.
 */
export function findMemoryImport(bytes: Uint8Array): MemoryImport | null {
  const r = new Reader(bytes);
  const magic = [0x00, 0x61, 0x73, 0x6d];
  for (const m of magic) if (r.byte() !== m) throw new Error('not a wasm binary');
  r.skip(4); // version
  while (r.pos < bytes.length) {
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id !== 2) {
      r.pos = end;
      continue;
    }
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      r.name();
      r.name();
      const kind = r.byte();
      if (kind === 0x00) r.u32(); // function: type index
      else if (kind === 0x01) {
        r.byte(); // table: element type
        r.limits();
      } else if (kind === 0x02) {
        const flagOffset = r.pos;
        const { flags, min, max } = r.limits();
        return { flagOffset, flags, initial: min, maximum: max };
      } else if (kind === 0x03) r.skip(2); // global: value type, mutability
      else if (kind === 0x04) {
        r.byte(); // tag: attribute
        r.u32();
      } else throw new Error(`unknown import kind ${kind} in the wasm binary`);
    }
    return null;
  }
  return null;
}

/**
 * A copy of `bytes` whose memory import is declared shared (limits flag 0x01 → 0x03), which is
 * what lets it be instantiated with `new WebAssembly.Memory({ ..., shared: true })`. Throws when
 * the module has no memory import with a maximum (a shared memory must declare one).
 */
export function sharedMemoryVariant(bytes: Uint8Array): Uint8Array<ArrayBuffer> {
  const found = findMemoryImport(bytes);
  if (found === null) throw new Error('the wasm module does not import its memory');
  if (found.flags !== 0x01 && found.flags !== 0x03) {
    throw new Error(`the wasm module's memory import has no maximum (limits flag ${found.flags})`);
  }
  const out = new Uint8Array(bytes);
  out[found.flagOffset] = 0x03;
  return out;
}
