// Shared by the checkpoint tests: short names for "the same bits".

/** FNV-1a over the bytes: a short name for "the same bits". */
export function hashBytes(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (const b of bytes) h = Math.imul(h ^ b, 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/** One hash over every parameter's bits, layer by layer. */
export function hashFloats(arrays: readonly Float32Array[]): string {
  const all = new Float32Array(arrays.reduce((n, a) => n + a.length, 0));
  let at = 0;
  for (const a of arrays) {
    all.set(a, at);
    at += a.length;
  }
  return hashBytes(new Uint8Array(all.buffer));
}
