// GEMM scaling over threads: nninit.ready({ threads }) splits each product over workers sharing
// the wasm memory. GFLOPS (2·m·n·k per product) at 1, 2, 4, 8 and 16 threads, capped at the
// machine's logical cores, plus one thread on the ordinary (non-shared) memory nninit uses when
// nobody asks for threads, to show that the shared memory costs a single thread nothing.
// Run: `node bench/run.mjs threads` after a build, or `npx vite-node bench/threads.bench.ts`.
//
// Thread counts take turns one timed sample at a time (load on a shared machine comes in bursts;
// samples in turns see the same bursts). Every product is warmed up first. Wall clock is what a
// user waits; CPU time is summed over all threads (process.cpuUsage), so GFLOPS per CPU-second
// falls when threads wait for each other. The "round trip" row is the fixed cost of one split
// product (an 8×16×8 product forced onto every thread): what the split threshold must beat.
// The ordinary-memory column runs before the others, not in turns with them (the heap cannot go
// back from shared memory), so on a busy machine compare it with care.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { allocF32, ready, threads } from '../src/runtime/index.js';
import { gemmInto, PARALLEL_MIN_WORK, reserveGemmWorkspace, setParallelMinWork } from '../src/ops/gemm.js';

interface Row {
  name: string;
  m: number;
  n: number;
  k: number;
}

const ROWS: Row[] = [
  { name: '512³', m: 512, n: 512, k: 512 },
  { name: '1024³', m: 1024, n: 1024, k: 1024 },
  { name: '[128×784]·[784×256]', m: 128, n: 256, k: 784 },
];
const ROUND_TRIP: Row = { name: 'round trip 8×16×8', m: 8, n: 16, k: 8 };
const WANTED = [1, 2, 4, 8, 16];
const SAMPLES = Number(process.env.THREADS_BENCH_SAMPLES ?? 7);
const cores = availableParallelism();
const counts = WANTED.filter((t) => t <= cores);
const skipped = WANTED.filter((t) => t > cores);

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

await ready();
const cases = new Map<Row, () => void>();
for (const row of [...ROWS, ROUND_TRIP]) {
  const { m, n, k } = row;
  reserveGemmWorkspace(m, n, k);
  const a = allocF32(m * k);
  const b = allocF32(k * n);
  const c = allocF32(m * n);
  a.write(Float32Array.from({ length: m * k }, () => Math.random() - 0.5));
  b.write(Float32Array.from({ length: k * n }, () => Math.random() - 0.5));
  cases.set(row, () => gemmInto(false, false, m, n, k, 1, a.ptr, k, b.ptr, n, 0, c.ptr, n));
}

const batches = new Map<string, number>();

/** Calls ≥ 3 times and for ≥ 150 ms, then sizes a batch to last ≥ 20 ms. */
function warm(key: string, fn: () => void): void {
  let calls = 0;
  const start = performance.now();
  for (; calls < 3 || performance.now() - start < 150; calls++) fn();
  batches.set(key, Math.max(1, Math.ceil((20 * calls) / (performance.now() - start))));
}

function sample(key: string, fn: () => void): { wallMs: number; cpuMs: number } {
  const batch = batches.get(key) ?? 1;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < batch; i++) fn();
  const used = process.cpuUsage(c0);
  return { wallMs: (performance.now() - t0) / batch, cpuMs: (used.user + used.system) / 1000 / batch };
}

type Config = { label: string; threads: number };
const samples = new Map<string, Array<{ wallMs: number; cpuMs: number }>>();
const key = (config: Config, row: Row) => `${config.label}|${row.name}`;

async function use(config: Config): Promise<void> {
  await ready({ threads: config.threads });
  if (threads() !== config.threads) throw new Error(`asked for ${config.threads} threads, got ${threads()}`);
  setParallelMinWork(PARALLEL_MIN_WORK);
}

function measure(config: Config, first: boolean): void {
  for (const row of [...ROWS, ROUND_TRIP]) {
    const fn = cases.get(row)!;
    const run = fn;
    if (row === ROUND_TRIP) setParallelMinWork(0); // force the tiny product through the pool
    if (first) warm(key(config, row), run);
    const list = samples.get(key(config, row)) ?? [];
    list.push(sample(key(config, row), run));
    samples.set(key(config, row), list);
    setParallelMinWork(PARALLEL_MIN_WORK);
  }
}

console.error(`threads bench: ${cores} logical cores (${cpus()[0]?.model ?? 'unknown CPU'}); load ${loadavg()[0].toFixed(2)}`);
if (skipped.length > 0) {
  console.error(`threads bench: skipping ${skipped.join(', ')} threads: more than this machine's ${cores} logical cores`);
}

// One thread on ordinary memory first: after the first ready({ threads > 1 }) the heap lives on
// shared memory for good (a shared memory cannot become ordinary again).
const ordinary: Config = { label: '1 (ordinary memory)', threads: 1 };
for (let s = 0; s < SAMPLES; s++) measure(ordinary, s === 0);
const configs: Config[] = counts.map((t) => ({ label: t === 1 ? '1 (shared memory)' : String(t), threads: t }));
for (let s = 0; s < SAMPLES; s++) {
  for (const config of configs) {
    await use(config);
    measure(config, s === 0);
  }
}
await ready({ threads: 1 });

const all = [ordinary, ...configs];
const gflops = (row: Row, ms: number) => (2 * row.m * row.n * row.k) / (ms * 1e6);
console.log(`\nGEMM over threads on ${cores} logical cores, median of ${SAMPLES} samples${skipped.length ? ` (${skipped.join(', ')} threads skipped: more than the cores)` : ''}\n`);
console.log(`| product | ${all.map((c) => c.label).join(' | ')} |`);
console.log(`|---|${all.map(() => '---|').join('')}`);
for (const [clock, title] of [
  ['wallMs', 'GFLOPS, wall clock'],
  ['cpuMs', 'GFLOPS per CPU-second (all threads)'],
] as const) {
  for (const row of ROWS) {
    const cells = all.map((c) => gflops(row, median(samples.get(key(c, row))!.map((x) => x[clock]))).toFixed(1));
    console.log(`| ${row.name}, ${title} | ${cells.join(' | ')} |`);
  }
}
const trip = all.map((c) => (median(samples.get(key(c, ROUND_TRIP))!.map((x) => x.wallMs)) * 1000).toFixed(1));
console.log(`| ${ROUND_TRIP.name}, µs per product (wall) | ${trip.join(' | ')} |`);
console.log(`\nsplit threshold: m·n·k ≥ ${PARALLEL_MIN_WORK}\n`);

const date = new Date().toISOString();
for (const row of [...ROWS, ROUND_TRIP]) {
  for (const config of all) {
    const list = samples.get(key(config, row))!;
    const wallMs = median(list.map((x) => x.wallMs));
    const cpuMs = median(list.map((x) => x.cpuMs));
    console.log(
      JSON.stringify({
        bench: 'threads',
        row: row.name,
        m: row.m,
        n: row.n,
        k: row.k,
        threads: config.threads,
        memory: config.label.includes('ordinary') ? 'ordinary' : 'shared',
        gflopsWall: +gflops(row, wallMs).toPrecision(4),
        gflopsCpu: +gflops(row, cpuMs).toPrecision(4),
        wallMs: +wallMs.toPrecision(4),
        cpuMs: +cpuMs.toPrecision(4),
        samples: list.length,
        cores,
        skippedThreads: skipped,
        date,
        node: process.version,
      }),
    );
  }
}
process.exit(0);
