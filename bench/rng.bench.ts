// Random fill speed, wasm SIMD kernels vs the TypeScript reference, same bits from both.
// Run: npx vite-node bench/rng.bench.ts   (builds nothing: run `npm run build:wasm` first)
// Each row: median time of several 1M-value fills after a warm-up (V8 optimizes wasm and JS
// only after the first calls), reported as values per second.
import { Bench } from 'tinybench';
import {
  fillBernoulli,
  fillBernoulliAt,
  fillNormal,
  fillNormalAt,
  fillTruncatedNormal,
  fillTruncatedNormalAt,
  fillUniform,
  fillUniformAt,
} from '../src/random-fill.js';
import {
  blocksFor,
  referenceFillBernoulli,
  referenceFillNormal,
  referenceFillTruncatedNormal,
  referenceFillUniform,
  Rng,
} from '../src/random.js';
import { allocF32, ready } from '../src/runtime/index.js';

const N = 1 << 20;

await ready();
const out = new Float32Array(N);
const inWasm = allocF32(N);
const rng = new Rng(42);
const start = () => rng.takeBlocks(blocksFor(N));

interface Case {
  name: string;
  /** Public fill into a Float32Array: kernel into wasm scratch, then copied out. */
  wasm: () => void;
  /** Pointer variant: the kernel alone, writing a buffer that lives in wasm memory. */
  wasmInPlace: () => void;
  reference: () => void;
}

const cases: Case[] = [
  {
    name: 'uniform',
    wasm: () => fillUniform(rng, out, 0, 1),
    wasmInPlace: () => fillUniformAt(rng, inWasm.ptr, N, 0, 1),
    reference: () => referenceFillUniform(rng, start(), out, 0, 1),
  },
  {
    name: 'normal',
    wasm: () => fillNormal(rng, out, 0, 1),
    wasmInPlace: () => fillNormalAt(rng, inWasm.ptr, N, 0, 1),
    reference: () => referenceFillNormal(rng, start(), out, 0, 1),
  },
  {
    name: 'bernoulli',
    wasm: () => fillBernoulli(rng, out, 0.5),
    wasmInPlace: () => fillBernoulliAt(rng, inWasm.ptr, N, 0.5),
    reference: () => referenceFillBernoulli(rng, start(), out, 0.5),
  },
  {
    name: 'truncatedNormal ±2σ',
    wasm: () => fillTruncatedNormal(rng, out, 0, 1, -2, 2),
    wasmInPlace: () => fillTruncatedNormalAt(rng, inWasm.ptr, N, 0, 1, -2, 2),
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
