// Random fills of f32 buffers, bit-identical to the reference fills in src/random.ts.
// Every fill writes n values from the Philox stream of key (k0, k1) starting at block
// (blockHi·2^32 + blockLo): value i comes from word i mod 4 of block start + ⌊i/4⌋, so 16 values
// are one lane batch of 4 blocks; the last, partial batch stores only the values it owns.
import {
  cosLanes,
  philoxBatch,
  philoxLanes,
  philoxWord0,
  philoxWord1,
  philoxWord2,
  philoxWord3,
  radiusLanes,
  sinLanes,
  storeTransposed,
  uniform01Lanes,
} from './philox';

// @ts-ignore: decorator
@inline function startBlock(blockLo: u32, blockHi: u32): u64 {
  return (<u64>blockHi << 32) | blockLo;
}

// @ts-ignore: decorator
@inline function uniformBatch(dst: usize, count: i32, k0: u32, k1: u32, block: u64, low: v128, range: v128): void {
  philoxBatch(k0, k1, block, 0);
  storeTransposed(
    dst,
    f32x4.add(f32x4.mul(range, uniform01Lanes(philoxWord0)), low),
    f32x4.add(f32x4.mul(range, uniform01Lanes(philoxWord1)), low),
    f32x4.add(f32x4.mul(range, uniform01Lanes(philoxWord2)), low),
    f32x4.add(f32x4.mul(range, uniform01Lanes(philoxWord3)), low),
    count,
  );
}

/** n values uniform in [low, low + range): f32(f32(range · uniform01(w)) + low). */
export function randomFillUniform(ptr: usize, n: i32, k0: u32, k1: u32, blockLo: u32, blockHi: u32, low: f32, range: f32): void {
  const lowLanes = f32x4.splat(low);
  const rangeLanes = f32x4.splat(range);
  let block = startBlock(blockLo, blockHi);
  let i = 0;
  for (; i + 16 <= n; i += 16, block += 4) uniformBatch(ptr + (<usize>i << 2), 16, k0, k1, block, lowLanes, rangeLanes);
  if (i < n) uniformBatch(ptr + (<usize>i << 2), n - i, k0, k1, block, lowLanes, rangeLanes);
}

// @ts-ignore: decorator
@inline function normalBatch(
  dst: usize,
  count: i32,
  k0: u32,
  k1: u32,
  block: u64,
  substream: u32,
  mean: v128,
  std: v128,
): void {
  philoxBatch(k0, k1, block, substream);
  // Box–Muller pairs are words (0, 1) and (2, 3) of each block.
  const radiusA = radiusLanes(philoxWord0);
  const radiusB = radiusLanes(philoxWord2);
  const angleA = philoxWord1;
  const angleB = philoxWord3;
  storeTransposed(
    dst,
    f32x4.add(f32x4.mul(std, f32x4.mul(radiusA, cosLanes(angleA))), mean),
    f32x4.add(f32x4.mul(std, f32x4.mul(radiusA, sinLanes(angleA))), mean),
    f32x4.add(f32x4.mul(std, f32x4.mul(radiusB, cosLanes(angleB))), mean),
    f32x4.add(f32x4.mul(std, f32x4.mul(radiusB, sinLanes(angleB))), mean),
    count,
  );
}

/** n values from N(mean, std²) on `substream`: f32(f32(std · z) + mean), z by Box–Muller. */
export function randomFillNormal(
  ptr: usize,
  n: i32,
  k0: u32,
  k1: u32,
  blockLo: u32,
  blockHi: u32,
  substream: u32,
  mean: f32,
  std: f32,
): void {
  const meanLanes = f32x4.splat(mean);
  const stdLanes = f32x4.splat(std);
  let block = startBlock(blockLo, blockHi);
  let i = 0;
  for (; i + 16 <= n; i += 16, block += 4) normalBatch(ptr + (<usize>i << 2), 16, k0, k1, block, substream, meanLanes, stdLanes);
  if (i < n) normalBatch(ptr + (<usize>i << 2), n - i, k0, k1, block, substream, meanLanes, stdLanes);
}

// @ts-ignore: decorator
@inline function bernoulliLanes(w: v128, p: v128): v128 {
  return v128.and(f32x4.lt(uniform01Lanes(w), p), f32x4.splat(1));
}

// @ts-ignore: decorator
@inline function bernoulliBatch(dst: usize, count: i32, k0: u32, k1: u32, block: u64, p: v128): void {
  philoxBatch(k0, k1, block, 0);
  storeTransposed(
    dst,
    bernoulliLanes(philoxWord0, p),
    bernoulliLanes(philoxWord1, p),
    bernoulliLanes(philoxWord2, p),
    bernoulliLanes(philoxWord3, p),
    count,
  );
}

/** n values 1 with probability p, else 0: uniform01(w) < p. */
export function randomFillBernoulli(ptr: usize, n: i32, k0: u32, k1: u32, blockLo: u32, blockHi: u32, p: f32): void {
  const threshold = f32x4.splat(p);
  let block = startBlock(blockLo, blockHi);
  let i = 0;
  for (; i + 16 <= n; i += 16, block += 4) bernoulliBatch(ptr + (<usize>i << 2), 16, k0, k1, block, threshold);
  if (i < n) bernoulliBatch(ptr + (<usize>i << 2), n - i, k0, k1, block, threshold);
}

/** Bit i set where lane i of the f32 lanes v lies in [low, high], compared in f64 like the reference. */
// @ts-ignore: decorator
@inline function insideMask(v: v128, low: v128, high: v128): i32 {
  const first = f64x2.promote_low_f32x4(v);
  const second = f64x2.promote_low_f32x4(i32x4.shuffle(v, v, 2, 3, 2, 3));
  const firstInside = v128.and(f64x2.ge(first, low), f64x2.le(first, high));
  const secondInside = v128.and(f64x2.ge(second, low), f64x2.le(second, high));
  return i64x2.bitmask(firstInside) | (i64x2.bitmask(secondInside) << 2);
}

// @ts-ignore: decorator
@inline function laneAt(v: v128, lane: i32): f32 {
  return lane == 0
    ? f32x4.extract_lane(v, 0)
    : lane == 1
      ? f32x4.extract_lane(v, 1)
      : lane == 2
        ? f32x4.extract_lane(v, 2)
        : f32x4.extract_lane(v, 3);
}

/**
 * Value `index` of a truncated-normal fill that substream 1 rejected: tries substreams 2, 3, …,
 * maxAttempts, four per Philox call (one per lane), and returns the first inside [low, high]
 * (NaN if none is, as the reference).
 */
function redoTruncated(
  k0: u32,
  k1: u32,
  start: u64,
  index: i32,
  mean: f32,
  std: f32,
  low: f64,
  high: f64,
  maxAttempts: u32,
): f32 {
  const block = start + (<u64>index >> 2);
  const counterLo = i32x4.splat(<u32>block);
  const counterHi = i32x4.splat(<u32>(block >>> 32));
  const meanLanes = f32x4.splat(mean);
  const stdLanes = f32x4.splat(std);
  const lowLanes = f64x2.splat(low);
  const highLanes = f64x2.splat(high);
  const secondOfPair = (index & 2) != 0; // words (2, 3) rather than (0, 1)
  const useSin = (index & 1) != 0;
  for (let substream: u32 = 2; substream <= maxAttempts; substream += 4) {
    const substreams = i32x4.add(i32x4.splat(substream), i32x4(0, 1, 2, 3));
    philoxLanes(k0, k1, counterLo, counterHi, substreams);
    const radiusWord = secondOfPair ? philoxWord2 : philoxWord0;
    const angleWord = secondOfPair ? philoxWord3 : philoxWord1;
    const z = f32x4.mul(radiusLanes(radiusWord), useSin ? sinLanes(angleWord) : cosLanes(angleWord));
    const v = f32x4.add(f32x4.mul(stdLanes, z), meanLanes);
    const allowed = i32x4.bitmask(i32x4.le_u(substreams, i32x4.splat(maxAttempts)));
    const accepted = insideMask(v, lowLanes, highLanes) & allowed;
    if (accepted != 0) return laneAt(v, ctz(accepted));
  }
  return NaN;
}

/**
 * n values from N(mean, std²) restricted to [low, high], by rejection: value i is value i of a
 * normal fill on substream 1 if inside, else the first inside from substreams 2, 3, …, maxAttempts.
 */
export function randomFillTruncatedNormal(
  ptr: usize,
  n: i32,
  k0: u32,
  k1: u32,
  blockLo: u32,
  blockHi: u32,
  mean: f32,
  std: f32,
  low: f64,
  high: f64,
  maxAttempts: u32,
): void {
  randomFillNormal(ptr, n, k0, k1, blockLo, blockHi, 1, mean, std);
  const start = startBlock(blockLo, blockHi);
  const lowLanes = f64x2.splat(low);
  const highLanes = f64x2.splat(high);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const rejected = ~insideMask(v128.load(ptr + (<usize>i << 2)), lowLanes, highLanes) & 0xf;
    if (rejected == 0) continue;
    for (let lane = 0; lane < 4; lane++) {
      if ((rejected & (1 << lane)) == 0) continue;
      store<f32>(ptr + (<usize>(i + lane) << 2), redoTruncated(k0, k1, start, i + lane, mean, std, low, high, maxAttempts));
    }
  }
  for (; i < n; i++) {
    const v = <f64>load<f32>(ptr + (<usize>i << 2));
    if (v >= low && v <= high) continue;
    store<f32>(ptr + (<usize>i << 2), redoTruncated(k0, k1, start, i, mean, std, low, high, maxAttempts));
  }
}
