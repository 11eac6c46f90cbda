// This machine's 128-bit SIMD peak (bench/roofline.ts): f32x4 multiply + add, the instructions
// nninit's kernels use, and f32x4.relaxed_madd, what fused multiply-add would give; beside them the
// latency-bound a = a·x + y form, which understates the peak (shown so that figures taken with it
// can be read). The loops take turns, one ~2 ms sample each, ROOFLINE_BENCH_SAMPLES turns (default 25), in one process.
// Where this runtime does not validate relaxed SIMD (Node 20), the bench runs itself again in a
// child Node with --experimental-wasm-relaxed-simd on its command line (V8 flags cannot go in
// NODE_OPTIONS) and reports both loops from that process. Chromium and Node ≥ 22 validate relaxed
// SIMD without a flag: `npx -y -p node@24 node node_modules/vite-node/vite-node.mjs bench/roofline.bench.ts`.
// Run: `node bench/run.mjs roofline` (no build needed), or `npx vite-node bench/roofline.bench.ts`.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import {
  calibrate,
  CHAINED_CHAINS,
  compileProbes,
  cpuDescription,
  instantiateProbes,
  MADD_CHAINS,
  MUL_ADD_CHAINS,
  type Probe,
  sample,
} from './roofline.js';

const SAMPLES = Math.max(3, Math.floor(Number(process.env.ROOFLINE_BENCH_SAMPLES ?? 25)) || 25);
const RELAXED_FLAG = '--experimental-wasm-relaxed-simd';

interface Figures {
  median: number;
  low: number;
  high: number;
  best: number;
}

interface Measured {
  node: string;
  flags: string[];
  mulAdd: Figures;
  chained: Figures;
  madd: Figures | null;
  /** Medians over turns of madd (chained) ÷ mul + add within the turn. */
  maddOverMulAdd: number | null;
  chainedOverMulAdd: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

const figures = (values: number[]): Figures => ({
  median: median(values),
  low: quantile(values, 0.25),
  high: quantile(values, 0.75),
  best: Math.max(...values),
});

async function measureHere(): Promise<Measured> {
  const probes = await instantiateProbes(await compileProbes());
  const entries: Array<[string, Probe]> = [
    ['mulAdd', probes.mulAdd],
    ['chained', probes.chained],
  ];
  if (probes.madd) entries.push(['madd', probes.madd]);
  const iterations = new Map(entries.map(([name, probe]) => [name, calibrate(probe)]));
  const samples = new Map<string, number[]>(entries.map(([name]) => [name, []]));
  for (let turn = 0; turn < SAMPLES; turn++) {
    for (let i = 0; i < entries.length; i++) {
      const [name, probe] = entries[(turn + i) % entries.length];
      samples.get(name)!.push(sample(probe, iterations.get(name)!));
    }
  }
  const mulAdd = samples.get('mulAdd')!;
  const madd = samples.get('madd');
  return {
    node: process.version,
    flags: process.execArgv.filter((arg) => arg === RELAXED_FLAG),
    mulAdd: figures(mulAdd),
    chained: figures(samples.get('chained')!),
    madd: madd ? figures(madd) : null,
    maddOverMulAdd: madd ? median(madd.map((g, i) => g / mulAdd[i])) : null,
    chainedOverMulAdd: median(samples.get('chained')!.map((g, i) => g / mulAdd[i])),
  };
}

/** The same measurement in a child Node with relaxed SIMD switched on, or why it could not run. */
function measureInFlaggedChild(): Measured | string {
  const viteNode = createRequire(import.meta.url).resolve('vite-node/package.json').replace(/package\.json$/, 'vite-node.mjs');
  const result = spawnSync(process.execPath, [RELAXED_FLAG, viteNode, fileURLToPath(import.meta.url)], {
    env: { ...process.env, ROOFLINE_BENCH_CHILD: '1' },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const line = result.stdout?.split('\n').find((l) => l.startsWith('{"child"'));
  if (result.status !== 0 || !line) return `child Node with ${RELAXED_FLAG} failed: ${(result.stderr ?? '').trim().split('\n')[0] ?? result.status}`;
  return (JSON.parse(line) as { child: Measured }).child;
}

if (process.env.ROOFLINE_BENCH_CHILD) {
  console.log(JSON.stringify({ child: await measureHere() }));
} else {
  const loadBefore = loadavg()[0];
  const here = await measureHere();
  const flagged = here.madd ? undefined : measureInFlaggedChild();
  const loadAfter = loadavg()[0];
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpuDescription();
  console.log(
    `\nRoofline, 128-bit SIMD, one thread — ${date}, ${cpu}, Node ${process.version}, ` +
      `${SAMPLES} turns of ~2 ms per loop, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('GFLOPS by CPU time: median (interquartile range), fastest sample\n');
  console.log('| loop | runtime | GFLOPS | fastest | ÷ f32x4 mul + add, same turns |');
  console.log('|---|---|---|---|---|');
  const cell = (f: Figures) => `${f.median.toFixed(1)} (${f.low.toFixed(1)}–${f.high.toFixed(1)})`;
  const runtime = (m: Measured) => `Node ${m.node}${m.flags.length ? ` ${m.flags.join(' ')}` : ''}`;
  const rows: Array<{ loop: string; id: string; measured: Measured; figures: Figures; ratio: number | null }> = [];
  const add = (m: Measured) => {
    rows.push({ loop: `f32x4 mul + add (${MUL_ADD_CHAINS} + ${MUL_ADD_CHAINS} chains): the peak`, id: 'f32x4 mul+add', measured: m, figures: m.mulAdd, ratio: null });
    if (m.madd) {
      rows.push({ loop: `f32x4.relaxed_madd (${MADD_CHAINS} chains)`, id: 'f32x4.relaxed_madd', measured: m, figures: m.madd, ratio: m.maddOverMulAdd });
    }
    rows.push({
      loop: `f32x4 a = a·x + y (${CHAINED_CHAINS} chains, latency-bound)`,
      id: 'f32x4 chained a*x+y',
      measured: m,
      figures: m.chained,
      ratio: m.chainedOverMulAdd,
    });
  };
  add(here);
  if (flagged && typeof flagged !== 'string') add(flagged);
  for (const row of rows) {
    console.log(
      `| ${row.loop} | ${runtime(row.measured)} | ${cell(row.figures)} | ${row.figures.best.toFixed(1)} | ${row.ratio ? `${row.ratio.toFixed(2)}×` : '—'} |`,
    );
  }
  if (typeof flagged === 'string') console.log(`\nf32x4.relaxed_madd: not validated by Node ${process.version}, and ${flagged}`);
  console.log('');
  for (const row of rows) {
    const round = (x: number) => +x.toPrecision(4);
    console.log(
      JSON.stringify({
        bench: 'roofline',
        loop: row.id,
        gflops: round(row.figures.median),
        interquartile: [round(row.figures.low), round(row.figures.high)],
        best: round(row.figures.best),
        overMulAdd: row.ratio === null ? undefined : round(row.ratio),
        node: row.measured.node,
        flags: row.measured.flags,
        samples: SAMPLES,
        date,
        cpu,
      }),
    );
  }
}
