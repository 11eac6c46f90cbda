/**
 * The f32 summation order of nninit's GEMM kernel (assembly/gemm.ts, assembly/tile.ts), replayed in
 * scalar JavaScript: each element of C sums its depth steps one after another in f32, restarting
 * from zero at every depth block (k split into equal blocks of at most 256), and each block's sum
 * is scaled by alpha and added onto C (beta·C for the first block, C for the later ones). Any
 * kernel that keeps this order gives these bits exactly, whatever its tile shape or cache blocking.
 * `fused` replays the FMA build: each multiply-add rounded once (f32x4.relaxed_madd on a CPU with
 * FMA) instead of twice.
 */
export function orderedGemm(
  transA: boolean,
  transB: boolean,
  m: number,
  n: number,
  k: number,
  alpha: number,
  a: ArrayLike<number>,
  lda: number,
  b: ArrayLike<number>,
  ldb: number,
  beta: number,
  c: Float32Array,
  ldc: number,
  fused = false,
): void {
  const f = Math.fround;
  const aI = transA ? 1 : lda;
  const aP = transA ? lda : 1;
  const bP = transB ? 1 : ldb;
  const bJ = transB ? ldb : 1;
  const kcStep = blockStep(k, 256, 1);
  const fAlpha = f(alpha);
  const fBeta = f(beta);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      const at = i * ldc + j;
      if (alpha === 0 || k === 0) {
        c[at] = fBeta === 0 ? 0 : f(fBeta * c[at]);
        continue;
      }
      for (let pc = 0; pc < k; pc += kcStep) {
        let acc = 0;
        const end = Math.min(k, pc + kcStep);
        for (let p = pc; p < end; p++) {
          const x = a[i * aI + p * aP];
          const y = b[p * bP + j * bJ];
          // A product or sum of two f32 computed in f64 and rounded to f32 is the f32 result exactly
          // (f64 has more than 2·24 + 2 bits); a multiply-add is not, hence fmaF32.
          acc = fused ? fmaF32(x, y, acc) : f(acc + f(x * y));
        }
        const scaled = f(acc * fAlpha);
        const blockBeta = pc === 0 ? fBeta : 1;
        c[at] = blockBeta === 0 ? scaled : f(scaled + f(blockBeta * c[at]));
      }
    }
  }
}

function blockStep(total: number, max: number, align: number): number {
  const blocks = Math.floor((total + max - 1) / max);
  const even = Math.floor((total + blocks - 1) / blocks);
  return Math.floor((even + align - 1) / align) * align;
}

const scratch = new Float64Array(1);
const scratchBits = new BigInt64Array(scratch.buffer);

/** The f64 neighbour of x (finite, nonzero direction) towards +∞ (up) or −∞. */
function nextF64(x: number, up: boolean): number {
  if (x === 0) return up ? Number.MIN_VALUE : -Number.MIN_VALUE;
  scratch[0] = x;
  scratchBits[0] += (x > 0) === up ? 1n : -1n;
  return scratch[0];
}

/**
 * x·y + z rounded once to f32 (x, y, z f32 values). x·y is exact in f64 (48 bits); the f64 sum s
 * may round, but by the TwoSum error e the exact value is s + e with |e| ≤ half an f64 ulp, so
 * rounding s to f32 is right except when s lies exactly halfway between two f32 values, where the
 * sign of e decides.
 */
export function fmaF32(x: number, y: number, z: number): number {
  const p = x * y;
  const s = p + z;
  const bb = s - p;
  const e = p - (s - bb) + (z - bb);
  const r = Math.fround(s);
  if (e === 0 || !Number.isFinite(s) || r === s) return r;
  // The f32 neighbour of r on s's other side; s is a tie when it is their exact midpoint.
  const other = Math.fround(s + (s - r));
  if ((r + other) / 2 !== s) return r;
  return Math.fround(nextF64(s, e > 0));
}
