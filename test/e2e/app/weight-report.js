// What the consumer app reports, and what the e2e test computes in Node to compare.

/** FNV-1a over the bytes of a Float32Array, as 8 hex digits. */
export function fnv1a(floats) {
  const bytes = new Uint8Array(floats.buffer, floats.byteOffset, floats.byteLength);
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

export const KAIMING = { initializer: 'kaimingNormal', shape: [256, 784], options: { seed: 42 } };

/** Hashes of seeded weights and of a product of them, made on this thread. */
export function weightReport(nninit) {
  const weights = nninit.init.kaimingNormal(KAIMING.shape, KAIMING.options);
  const input = nninit.init.uniform([16, 256], { low: -1, high: 1, seed: 7 });
  return {
    kaimingNormal: fnv1a(weights.data),
    matmul: fnv1a(nninit.ops.matmul(input, weights).data),
  };
}
