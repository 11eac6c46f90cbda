// Philox4x32-10 helpers shared by the kernels that draw random numbers (random.ts, elementwise.ts).
// Not re-exported by index.ts. Bit-level definition: src/random.ts (the TypeScript reference).

// @ts-ignore: decorator
@inline export const PHILOX_M0: u32 = 0xd2511f53;
// @ts-ignore: decorator
@inline export const PHILOX_M1: u32 = 0xcd9e8d57;
// @ts-ignore: decorator
@inline export const PHILOX_W0: u32 = 0x9e3779b9;
// @ts-ignore: decorator
@inline export const PHILOX_W1: u32 = 0xbb67ae85;

/** Philox4x32-10 of counter (lo, hi, substream, 0), its 4 words stored at dst. */
// @ts-ignore: decorator
@inline export function philoxBlock(dst: usize, k0: u32, k1: u32, lo: u32, hi: u32, substream: u32): void {
  let c0 = lo;
  let c1 = hi;
  let c2 = substream;
  let c3: u32 = 0;
  for (let round = 0; round < 10; round++) {
    const p0 = <u64>PHILOX_M0 * <u64>c0;
    const p1 = <u64>PHILOX_M1 * <u64>c2;
    const n0 = <u32>(p1 >> 32) ^ c1 ^ k0;
    const n2 = <u32>(p0 >> 32) ^ c3 ^ k1;
    c1 = <u32>p1;
    c3 = <u32>p0;
    c0 = n0;
    c2 = n2;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  store<u32>(dst, c0);
  store<u32>(dst, c1, 4);
  store<u32>(dst, c2, 8);
  store<u32>(dst, c3, 12);
}

/**
 * The 16 words of blocks (blockLo, blockHi) + 0..3 of `substream`, stored at dst in stream order
 * (block b's words 0..3, then block b+1's, …). The 64-bit block index carries into blockHi.
 */
// @ts-ignore: decorator
@inline export function philoxWords16(dst: usize, k0: u32, k1: u32, blockLo: u32, blockHi: u32, substream: u32): void {
  for (let i: u32 = 0; i < 4; i++) {
    const lo = blockLo + i;
    philoxBlock(dst + (<usize>i << 4), k0, k1, lo, blockHi + <u32>(lo < blockLo), substream);
  }
}
