// Random fill speed, wasm SIMD kernels vs the TypeScript reference, same bits from both.
// Run: npx vite-node bench/rng.bench.ts   (builds nothing: run `npm run build:wasm` first)
// Each row: median time of several 1M-value fills after a warm-up (V8 optimizes wasm and JS
// only after the first calls), reported as values per second.
import { Bench } from 'tinybench';
import { fillBernoulli, fillNormal, fillTruncatedNormal, fillUniform } from '../src/random-fill.js';
import {
  blocksFor,
  referenceFillBernoulli,
  referenceFillNormal,
  referenceFillTruncatedNormal,
  referenceFillUniform,
  Rng,
  splitBlockIndex,
  TRUNCATED_MAX_ATTEMPTS,
} from '../src/random.js';
import { allocF32, kernels, ready } from '../src/runtime/index.js';

const N = 1 << 20;

await ready();
const out = new Float32Array(N);
const inWasm = allocF32(N);
const rng = new Rng(42);
const start = () => rng.takeBlocks(blocksFor(N));
/** The kernel's arguments for a fill of the whole wasm buffer from the next blocks of `rng`. */
const at = () => ({ ptr: inWasm.ptr, n: N, k0: rng.key0, k1: rng.key1, ...splitBlockIndex(start()) });

interface Case {
  name: string;
  /** Public fill into a Float32Array: kernel into wasm scratch, then copied out. */
  wasm: () => void;
  /** The kernel alone, writing a buffer that lives in wasm memory. */
  wasmInPlace: () => void;
  reference: () => void;
}

const cases: Case[] = [
  {
    name: 'uniform',
    wasm: () => fillUniform(rng, out, 0, 1),
    wasmInPlace: () => kernels().randomFillUniform({ ...at(), low: 0, range: 1 }),
    reference: () => referenceFillUniform(rng, start(), out, 0, 1),
  },
  {
    name: 'normal',
    wasm: () => fillNormal(rng, out, 0, 1),
    wasmInPlace: () => kernels().randomFillNormal({ ...at(), substream: 0, mean: 0, std: 1 }),
    reference: () => referenceFillNormal(rng, start(), out, 0, 1),
  },
  {
    name: 'bernoulli',
    wasm: () => fillBernoulli(rng, out, 0.5),
    wasmInPlace: () => kernels().randomFillBernoulli({ ...at(), p: 0.5 }),
    reference: () => referenceFillBernoulli(rng, start(), out, 0.5),
  },
  {
    name: 'truncatedNormal ±2σ',
    wasm: () => fillTruncatedNormal(rng, out, 0, 1, -2, 2),
    wasmInPlace: () =>
      kernels().randomFillTruncatedNormal({ ...at(), mean: 0, std: 1, low: -2, high: 2, maxAttempts: TRUNCATED_MAX_ATTEMPTS }),
    reference: () => referenceFillTruncatedNormal(rng, start(), out, 0, 1, -2, 2),
  },
];

// The reference takes ~0.1–0.5 s per fill: few iterations, no time budget beyond them.
const bench = new Bench({ iterations: 7, time: 0, warmupIterations: 3, warmupTime: 0 });
for (const c of cases) {
  bench.add(`${c.name}|wasm`, c.wasm);
  bench.add(`${c.name}|wasm (in place)`, c.wasmInPlace);
  bench.add(`${c.name}|ts reference`, c.reference);
}
await bench.run();

const rows = bench.tasks.map((task) => {
  const [name, impl] = task.name.split('|');
  const result = task.result;
  if (result.state !== 'completed') throw new Error(`${task.name}: ${result.state}`);
  return { name, impl, valuesPerSec: N / (result.latency.p50 / 1000), medianMs: result.latency.p50 };
});

const wasmSpeed = new Map(rows.filter((r) => r.impl === 'wasm').map((r) => [r.name, r.valuesPerSec]));
console.log(`| case | impl | median ms (${N} values) | values/s | wasm speed-up |`);
console.log('|---|---|---|---|---|');
for (const r of rows) {
  const speedUp = r.impl === 'ts reference' ? `${((wasmSpeed.get(r.name) ?? 0) / r.valuesPerSec).toFixed(1)}×` : '';
  console.log(`| ${r.name} | ${r.impl} | ${r.medianMs.toFixed(2)} | ${(r.valuesPerSec / 1e6).toFixed(1)} M | ${speedUp} |`);
}
for (const r of rows) {
  console.log(JSON.stringify({ bench: 'rng', case: r.name, impl: r.impl, n: N, valuesPerSec: Math.round(r.valuesPerSec) }));
}
inWasm.free();
