// Elementwise throughput (elements/s) on 1M-element buffers: nninit's wasm SIMD kernels beside
// @tensorflow/tfjs-backend-wasm 4.22 (SIMD, one thread) and a plain JS loop.
// Run: npx vite-node bench/elementwise.bench.ts   (run `npm run build:wasm` first)
//
// Each peer runs in its own process (`--peer nninit|tfjs|js`, spawned by this file when run without
// it) so that one's JIT and heap state cannot slow another; the peers take turns for
// ELEMENTWISE_BENCH_ROUNDS rounds (default 3), so that load from other processes hits them alike,
// and a figure is the median over rounds. Within a process every case is warmed up first (V8
// swaps in optimized code only on a later call), then timed as the median of several samples,
// each of enough calls to last ≥ 50 ms. Time is the process's CPU time, not wall time: on a
// shared machine wall time also counts other processes' time slices (on an idle one they agree).
// Softmax uses 1024 rows × 1024 columns.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROWS = 1024;
const COLS = 1024;
const N = ROWS * COLS;
const SAMPLES = 9;
const ROUNDS = Number(process.env.ELEMENTWISE_BENCH_ROUNDS ?? 3);
const MIN_SAMPLE_S = 0.05;
const WARMUP_MS = 300;

const CASES = ['sigmoid', 'tanh', 'relu', 'softmax'] as const;
type CaseName = (typeof CASES)[number];
type Runner = () => void;

interface Measurement {
  peer: string;
  case: CaseName;
  elementsPerSec: number;
}

/** CPU seconds this process has used (user + system). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** Median elements/s of `run` after a warm-up, timed in process CPU time. */
function measure(run: Runner): number {
  const warmupEnd = performance.now() + WARMUP_MS;
  let calls = 0;
  const warmupStart = cpuSeconds();
  while (performance.now() < warmupEnd || calls < 5) {
    run();
    calls++;
  }
  const perCall = (cpuSeconds() - warmupStart) / calls;
  const repetitions = Math.max(1, Math.ceil(MIN_SAMPLE_S / Math.max(perCall, 1e-6)));
  const rates: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = cpuSeconds();
    for (let r = 0; r < repetitions; r++) run();
    rates.push((N * repetitions) / (cpuSeconds() - t0));
  }
  rates.sort((a, b) => a - b);
  return rates[SAMPLES >> 1];
}

/** Inputs every peer uses: x uniform in [−4, 4). */
function inputs(): { x: Float32Array } {
  let state = 12345;
  const next = () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32;
  };
  return {
    x: Float32Array.from({ length: N }, () => next() * 8 - 4),
  };
}

async function nninitRunners(): Promise<Record<string, Runner>> {
  const { allocF32, kernels, ready } = await import('../src/runtime/index.js');
  const nninit = await import('../src/index.js');
  await ready();
  const k = kernels();
  const { x } = inputs();
  const xBuf = allocF32(N);
  const out = allocF32(N);
  xBuf.write(x);
  const t = nninit.tensor(x, [ROWS, COLS]);
  return {
    sigmoid: () => k.elementwiseSigmoid(xBuf.ptr, out.ptr, N),
    tanh: () => k.elementwiseTanh(xBuf.ptr, out.ptr, N),
    relu: () => k.elementwiseRelu(xBuf.ptr, out.ptr, N),
    softmax: () => k.elementwiseSoftmax(xBuf.ptr, out.ptr, ROWS, COLS),
    // The public Tensor API: copies in and out of wasm memory around the same kernels.
    'sigmoid|ops': () => nninit.ops.sigmoid(t),
    'tanh|ops': () => nninit.ops.tanh(t),
    'relu|ops': () => nninit.ops.relu(t),
    'softmax|ops': () => nninit.ops.softmax(t),
  };
}

async function tfjsRunners(): Promise<Record<string, Runner>> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const dist = join(dirname(fileURLToPath(import.meta.url)), '../node_modules/@tensorflow/tfjs-backend-wasm/dist/');
  wasm.setWasmPaths(dist);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  await tf.setBackend('wasm');
  await tf.ready();
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm backend runs without SIMD');
  const { x } = inputs();
  const xt = tf.tensor2d(x, [ROWS, COLS]);
  const once = (op: () => unknown) => () => tf.dispose(tf.tidy(op as () => never));
  return {
    sigmoid: once(() => tf.sigmoid(xt)),
    tanh: once(() => tf.tanh(xt)),
    relu: once(() => tf.relu(xt)),
    softmax: once(() => tf.softmax(xt)),
  };
}

function jsRunners(): Record<string, Runner> {
  const { x } = inputs();
  const out = new Float32Array(N);
  return {
    sigmoid: () => {
      for (let i = 0; i < N; i++) out[i] = 1 / (1 + Math.exp(-x[i]));
    },
    tanh: () => {
      for (let i = 0; i < N; i++) out[i] = Math.tanh(x[i]);
    },
    relu: () => {
      for (let i = 0; i < N; i++) out[i] = x[i] > 0 ? x[i] : 0;
    },
    softmax: () => {
      for (let r = 0; r < N; r += COLS) {
        let max = -Infinity;
        for (let c = 0; c < COLS; c++) max = Math.max(max, x[r + c]);
        let sum = 0;
        for (let c = 0; c < COLS; c++) sum += out[r + c] = Math.exp(x[r + c] - max);
        for (let c = 0; c < COLS; c++) out[r + c] /= sum;
      }
    },
  };
}

const PEERS = { nninit: nninitRunners, tfjs: tfjsRunners, js: async () => jsRunners() };
type PeerName = keyof typeof PEERS;

async function runPeer(peer: PeerName): Promise<void> {
  const runners = await PEERS[peer]();
  for (const [name, run] of Object.entries(runners)) {
    const [caseName, variant] = name.split('|');
    const measurement = { peer: variant ? `${peer}.${variant}` : peer, case: caseName, elementsPerSec: measure(run) };
    console.log(JSON.stringify(measurement));
  }
}

function spawnPeer(peer: PeerName): Measurement[] {
  const self = fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [process.argv[1], self, '--peer', peer], { encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`peer ${peer} failed (exit ${child.status}):\n${child.stderr}`);
  return child.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Measurement);
}

const millions = (v: number | undefined) => (v === undefined ? '–' : (v / 1e6).toFixed(0));

function median(values: number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[sorted.length >> 1];
}

function report(measurements: Measurement[]): void {
  const rate = (peer: string, c: CaseName) =>
    median(measurements.filter((m) => m.peer === peer && m.case === c).map((m) => m.elementsPerSec));
  console.log(
    `elementwise, ${N} elements (softmax: ${ROWS}×${COLS}), M elements/s in CPU time, ` +
      `median over ${ROUNDS} rounds of the median of ${SAMPLES} samples`,
  );
  const load = loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`${new Date().toISOString().slice(0, 10)}, ${cpus()[0]?.model ?? 'unknown CPU'} (${cpus().length} vCPUs, load ${load}), Node ${process.version}`);
  console.log('| case | nninit kernel | nninit.ops (copies) | TF.js wasm | plain JS | nninit / TF.js |');
  console.log('|---|---:|---:|---:|---:|---:|');
  const rows = CASES.map((c) => {
    const nninit = rate('nninit', c);
    const tfjs = rate('tfjs', c);
    const ratio = nninit !== undefined && tfjs !== undefined ? nninit / tfjs : undefined;
    const row = { case: c, nninit, nninitOps: rate('nninit.ops', c), tfjs, js: rate('js', c), ratio };
    const ratioText = ratio === undefined ? '–' : `${ratio.toFixed(2)}×`;
    console.log(
      `| ${c} | ${millions(nninit)} | ${millions(row.nninitOps)} | ${millions(tfjs)} | ${millions(row.js)} | ${ratioText} |`,
    );
    return row;
  });
  for (const row of rows) {
    const round = (v: number | undefined) => (v === undefined ? null : Math.round(v));
    console.log(
      JSON.stringify({
        bench: 'elementwise',
        case: row.case,
        n: N,
        unit: 'elements/s',
        nninit: round(row.nninit),
        nninitOps: round(row.nninitOps),
        tfjs: round(row.tfjs),
        js: round(row.js),
        ratioToTfjs: row.ratio === undefined ? null : Number(row.ratio.toFixed(3)),
      }),
    );
  }
}

const peerFlag = process.argv.indexOf('--peer');
if (peerFlag >= 0) {
  const peer = process.argv[peerFlag + 1] as PeerName;
  if (!(peer in PEERS)) throw new Error(`unknown peer ${peer}; one of ${Object.keys(PEERS).join(', ')}`);
  await runPeer(peer);
} else {
  const measurements: Measurement[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const peer of Object.keys(PEERS) as PeerName[]) measurements.push(...spawnPeer(peer));
  }
  report(measurements);
}
