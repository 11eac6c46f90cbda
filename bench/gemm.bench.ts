// GEMM throughput: nninit's packed SIMD kernel beside TF.js's wasm backend (4.22, SIMD, one
// thread), a plain JS loop (the f64-accumulating reference) and, where Debian's python3-numpy is
// installed, numpy's sgemm on one OpenBLAS thread (native code: AVX2/AVX-512 FMA), in GFLOPS
// (2·m·n·k per product). Every row is also given as a share of this machine's 128-bit peak: the
// register-only f32x4 multiply-add loop of bench/roofline.ts, run in nninit's process in every
// turn. Run: `npm run bench` (builds first), or `npx vite-node bench/gemm.bench.ts` after a build.
//
// Each peer lives in its own process (GEMM_BENCH_PEER=nninit|tfjs|js makes this file one; numpy
// is bench/native/peers.py speaking the same protocol), so no peer's heap, JIT or memory touches
// another's. The coordinator keeps all three alive and
// has them take turns one timed sample at a time: on a machine shared with other work, load
// comes in bursts of seconds, and samples taken in turns see the same bursts. Ratios are medians
// of the ratios within each turn; a second table gives each peer's fastest sample and their ratio. Every product is warmed up first (V8 swaps in optimized wasm
// only on a call after a function got hot). Operands are resident in each peer's memory (nninit:
// gemmInto on wasm heap buffers; TF.js: tf.matMul on wasm tensors, results disposed unread).
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { nativeAvailable, nativeEnv, nativeVersions, PEERS_SCRIPT, PYTHON } from './native.js';
import { calibrate, compileProbes, cpuDescription, instantiateProbes } from './roofline.js';

interface Row {
  name: string;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  /** Whether the plain JS loop runs it too (it is slow). */
  js: boolean;
  /** Whether numpy runs it too (NN products only: a transposed numpy operand is a view, not a product form). */
  numpy?: boolean;
}

const ROWS: Row[] = [
  { name: '128³', m: 128, n: 128, k: 128, transA: false, transB: false, js: true },
  { name: '512³', m: 512, n: 512, k: 512, transA: false, transB: false, js: false, numpy: true },
  { name: '1024³', m: 1024, n: 1024, k: 1024, transA: false, transB: false, js: false, numpy: true },
  { name: '[128×784]·[784×256]', m: 128, n: 256, k: 784, transA: false, transB: false, js: true, numpy: true },
  { name: 'xᵀg [784×128]ᵀ·[128×256]', m: 784, n: 256, k: 128, transA: true, transB: false, js: true },
  { name: 'g·Wᵀ [128×256]·[784×256]ᵀ', m: 128, n: 784, k: 256, transA: false, transB: true, js: true },
  { name: 'NT 512³', m: 512, n: 512, k: 512, transA: false, transB: true, js: false },
  { name: 'TN 512³', m: 512, n: 512, k: 512, transA: true, transB: false, js: false },
];

const PEERS = ['nninit', 'nninitFma', 'tfjs', 'js'] as const;
type Peer = (typeof PEERS)[number] | 'numpy';
/** Suffix of nninit's NN product on a transposed row's shape, for the "within 15% of NN" check. */
const SAME_SHAPE_NN = ' | NN';
/** nninit's case for the roofline probe: register-only f32x4 multiply + add (bench/roofline.ts). */
const PEAK = 'peak';
/** numpy's case name for a row: ASCII, for the line protocol with Python. */
const numpyCase = (row: Row) => `row${ROWS.indexOf(row)}`;

const flops = (row: Row) => 2 * row.m * row.n * row.k;

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((x, y) => x - y);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

function randomValues(length: number): Float32Array {
  const values = new Float32Array(length);
  for (let i = 0; i < length; i++) values[i] = Math.random() - 0.5;
  return values;
}

// --- peer side: a process that times the products it is asked for --------------------------------

/** The products one peer can run, by case name (a row name, or a row name + SAME_SHAPE_NN). */
async function peerCases(peer: Peer): Promise<{ cases: Map<string, () => void>; peakFlops?: number; tileRows?: number }> {
  const cases = new Map<string, () => void>();
  let peakFlops: number | undefined;
  let tileRows: number | undefined;
  if (peer === 'nninit' || peer === 'nninitFma') {
    const { ready, allocF32, fma } = await import('../src/runtime/index.js');
    const { gemmInto, gemmTileRows, reserveGemmWorkspace } = await import('../src/ops/gemm.js');
    await ready(peer === 'nninitFma' ? { fma: true } : undefined);
    // Without relaxed SIMD (a Node 20 without the flag) the FMA peer offers nothing: no rows.
    if (peer === 'nninitFma' && !fma()) return { cases };
    tileRows = gemmTileRows();
    // The probe runs in this process, between this process's products, so that a share of peak is
    // measured against what this process gets of the core in the same seconds.
    const probe = (await instantiateProbes(await compileProbes())).mulAdd;
    const iterations = calibrate(probe, 0.5);
    peakFlops = probe.flopsPerIteration * iterations;
    cases.set(PEAK, () => probe.run(iterations));
    for (const row of ROWS) reserveGemmWorkspace(row.m, row.n, row.k);
    for (const row of ROWS) {
      const { m, n, k, transA, transB } = row;
      const a = allocF32(m * k);
      const b = allocF32(k * n);
      const c = allocF32(m * n);
      a.write(randomValues(m * k));
      b.write(randomValues(k * n));
      const product = (tA: boolean, tB: boolean) => () =>
        gemmInto(tA, tB, m, n, k, 1, a.ptr, tA ? m : k, b.ptr, tB ? k : n, 0, c.ptr, n);
      cases.set(row.name, product(transA, transB));
      if (transA || transB) cases.set(row.name + SAME_SHAPE_NN, product(false, false));
    }
  } else if (peer === 'tfjs') {
    const tf = await import('@tensorflow/tfjs-core');
    const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
    const wasmFile = createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm');
    tfwasm.setWasmPaths(`${dirname(wasmFile)}/`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialize');
    await tf.ready();
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm backend runs without SIMD');
    console.error(`TF.js ${tf.version_core}, backend ${tf.getBackend()}, SIMD on, ${tfwasm.getThreadsCount()} thread`);
    for (const row of ROWS) {
      const { m, n, k, transA, transB } = row;
      const a = tf.tensor2d(randomValues(m * k), transA ? [k, m] : [m, k]);
      const b = tf.tensor2d(randomValues(k * n), transB ? [n, k] : [k, n]);
      cases.set(row.name, () => tf.matMul(a, b, transA, transB).dispose());
    }
  } else {
    const { referenceGemm } = await import('../test/reference/gemm.js');
    for (const row of ROWS.filter((r) => r.js)) {
      const { m, n, k, transA, transB } = row;
      const a = randomValues(m * k);
      const b = randomValues(k * n);
      const c = new Float32Array(m * n);
      cases.set(row.name, () => referenceGemm(transA, transB, m, n, k, 1, a, transA ? m : k, b, transB ? k : n, 0, c, n));
    }
  }
  return { cases, peakFlops, tileRows };
}

/**
 * Serves commands on stdin, one JSON reply per line on stdout:
 * `warm <case>` calls it ≥ 3 times and for ≥ 150 ms, then sizes a batch to last ≥ 2 ms;
 * `sample <case>` times one batch and replies milliseconds per call, wall clock and CPU time
 * (CPU time leaves out the time the scheduler gave to other processes).
 */
async function servePeer(peer: Peer): Promise<void> {
  const { cases, peakFlops, tileRows } = await peerCases(peer);
  const batches = new Map<string, number>();
  const reply = (value: object) => process.stdout.write(`${JSON.stringify(value)}\n`);
  reply({ cases: [...cases.keys()], peakFlops, tileRows });
  for await (const line of createInterface({ input: process.stdin })) {
    const [command, ...rest] = line.split(' ');
    const fn = cases.get(rest.join(' '));
    if (command === 'exit') break;
    if (!fn) throw new Error(`gemm bench peer ${peer}: no case in ${JSON.stringify(line)}`);
    if (command === 'warm') {
      let calls = 0;
      const start = performance.now();
      for (; calls < 3 || performance.now() - start < 150; calls++) fn();
      batches.set(rest.join(' '), Math.max(1, Math.ceil((2 * calls) / (performance.now() - start))));
      reply({ warm: true });
    } else {
      const batch = batches.get(rest.join(' ')) ?? 1;
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      for (let i = 0; i < batch; i++) fn();
      const used = process.cpuUsage(c0);
      reply({ wallMs: (performance.now() - t0) / batch, cpuMs: (used.user + used.system) / 1000 / batch });
    }
  }
  process.exit(0);
}

// --- coordinator side ----------------------------------------------------------------------------

interface PeerProcess {
  cases: Set<string>;
  /** Flops of one call of nninit's PEAK case. */
  peakFlops?: number;
  /** The GEMM tile height ready()'s probe chose in an nninit peer. */
  tileRows?: number;
  request(command: string): Promise<Record<string, unknown>>;
  close(): void;
}

const VITE_NODE = fileURLToPath(new URL('../node_modules/vite-node/vite-node.mjs', import.meta.url));

/** Node 20 validates relaxed SIMD only with this flag on its command line; Node ≥ 22 needs none. */
function relaxedSimdFlags(): string[] {
  return Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
}

function startPeer(peer: Peer): Promise<PeerProcess> {
  const child =
    peer === 'numpy'
      ? spawn(PYTHON, [PEERS_SCRIPT, 'gemm-serve', ...ROWS.filter((r) => r.numpy).map((r) => `${numpyCase(r)}=${r.m},${r.n},${r.k}`)], {
          env: nativeEnv(1),
          stdio: ['pipe', 'pipe', 'inherit'],
        })
      : spawn(process.execPath, [...(peer === 'nninitFma' ? relaxedSimdFlags() : []), VITE_NODE, fileURLToPath(import.meta.url)], {
          env: { ...process.env, GEMM_BENCH_PEER: peer },
          stdio: ['pipe', 'pipe', 'inherit'],
        });
  const waiting: Array<{ resolve: (value: Record<string, unknown>) => void; reject: (error: Error) => void }> = [];
  let failure: Error | undefined;
  child.on('exit', (code) => {
    failure = new Error(`gemm bench peer ${peer} exited with code ${code}`);
    for (const { reject } of waiting.splice(0)) reject(failure);
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    if (line.startsWith('{')) waiting.shift()?.resolve(JSON.parse(line) as Record<string, unknown>);
  });
  const next = () =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      if (failure) reject(failure);
      else waiting.push({ resolve, reject });
    });
  return next().then((hello) => ({
    cases: new Set(hello.cases as string[]),
    peakFlops: hello.peakFlops as number | undefined,
    tileRows: hello.tileRows as number | undefined,
    request(command: string) {
      const answer = next();
      child.stdin!.write(`${command}\n`);
      return answer;
    },
    close() {
      child.stdin!.end('exit\n');
    },
  }));
}

type Clock = 'cpuMs' | 'wallMs';
interface Participant {
  label: string;
  peer: PeerProcess;
  caseName: string;
  samples: Record<Clock, number[]>;
}

async function coordinate(): Promise<void> {
  const samplesPerRow = Math.max(3, Math.floor(Number(process.env.GEMM_BENCH_SAMPLES ?? 15)) || 15);
  const loadBefore = loadavg()[0];
  const withNumpy = nativeAvailable(['numpy'], 'numpy sgemm rows');
  const peers = new Map<Peer, PeerProcess>();
  for (const peer of [...PEERS, ...(withNumpy ? (['numpy'] as const) : [])]) peers.set(peer, await startPeer(peer));
  const peakFlops = peers.get('nninit')!.peakFlops!;

  const results: Array<{ row: Row; participants: Participant[] }> = [];
  for (const row of ROWS) {
    const participants: Participant[] = [];
    const join = (label: string, peer: Peer, caseName: string) => {
      const peerProcess = peers.get(peer)!;
      if (peerProcess.cases.has(caseName)) participants.push({ label, peer: peerProcess, caseName, samples: { cpuMs: [], wallMs: [] } });
    };
    join('nninit', 'nninit', row.name);
    join('nninitNN', 'nninit', row.name + SAME_SHAPE_NN);
    join('fma', 'nninitFma', row.name);
    join('tfjs', 'tfjs', row.name);
    join('js', 'js', row.name);
    if (withNumpy) join('numpy', 'numpy', numpyCase(row));
    join(PEAK, 'nninit', PEAK);
    console.error(`gemm bench: ${row.name} (${participants.map((p) => p.label).join(', ')})`);
    for (const p of participants) await p.peer.request(`warm ${p.caseName}`);
    for (let turn = 0; turn < samplesPerRow; turn++) {
      // Rotate who goes first so that no participant always follows the same one.
      for (let i = 0; i < participants.length; i++) {
        const p = participants[(turn + i) % participants.length];
        const sample = await p.peer.request(`sample ${p.caseName}`);
        p.samples.cpuMs.push(sample.cpuMs as number);
        p.samples.wallMs.push(sample.wallMs as number);
      }
    }
    results.push({ row, participants });
  }
  for (const peer of peers.values()) peer.close();
  const loadAfter = loadavg()[0];

  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpuDescription();
  console.log(
    `\nGEMM f32, single thread — ${date}, ${cpu}, Node ${process.version}, ` +
      `${samplesPerRow} samples per product, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}` +
      (withNumpy ? `; numpy peer: ${nativeVersions(['numpy'])}, 1 thread` : '') +
      `; GEMM tile chosen by ready(): ${peers.get('nninit')!.tileRows}×8, with fma: ${peers.get('nninitFma')!.tileRows ?? '—'}×8`,
  );
  const peakGflops = (ms: number) => peakFlops / ms / 1e6;
  const allPeakMs = (clock: Clock) => results.flatMap(({ participants }) => participants.find((p) => p.label === PEAK)!.samples[clock]);
  const peakMs = allPeakMs('cpuMs');
  console.log(
    `\n128-bit peak (bench/roofline.ts: register-only f32x4 multiply + add, in nninit's process, one sample in every turn), ` +
      `GFLOPS by CPU time: median ${peakGflops(median(peakMs)).toFixed(1)} ` +
      `(${peakGflops(quantile(peakMs, 0.75)).toFixed(1)}–${peakGflops(quantile(peakMs, 0.25)).toFixed(1)}), fastest ${peakGflops(Math.min(...peakMs)).toFixed(1)}`,
  );
  const summarize = (row: Row, participants: Participant[], clock: Clock) => {
    const by = new Map(participants.map((p) => [p.label, p.samples[clock]]));
    const gflops = (ms: number) => flops(row) / ms / 1e6;
    /** Median over turns of a peer's GFLOPS ÷ the probe's in the same turn. */
    const shareOfPeak = (label: string) => {
      const ms = by.get(label);
      const peak = by.get(PEAK)!;
      return ms && median(ms.map((t, i) => gflops(t) / peakGflops(peak[i])));
    };
    const figure = (label: string) => {
      const ms = by.get(label);
      // Quartiles of time, turned into GFLOPS: the slow quartile gives the low figure.
      return ms && { median: gflops(median(ms)), low: gflops(quantile(ms, 0.75)), high: gflops(quantile(ms, 0.25)) };
    };
    /** Median over turns of time(other) / time(nninit): how many times faster nninit was. */
    const pairedSpeedup = (other: string) => {
      const ours = by.get('nninit');
      const theirs = by.get(other);
      return ours && theirs ? median(ours.map((t, i) => theirs[i] / t)) : undefined;
    };
    /** Fastest sample of each peer in GFLOPS, and their ratio: each peer at its least disturbed. */
    const best = (label: string) => {
      const ms = by.get(label);
      return ms && gflops(Math.min(...ms));
    };
    const bestOver = (other: string) =>
      by.has('nninit') && by.has(other) ? Math.min(...by.get(other)!) / Math.min(...by.get('nninit')!) : undefined;
    return {
      bestNninit: best('nninit'),
      bestTfjs: best('tfjs'),
      bestNumpy: best('numpy'),
      bestOverTfjs: bestOver('tfjs'),
      bestOverNumpy: bestOver('numpy'),
      nninit: figure('nninit'),
      fma: figure('fma'),
      fmaOfPeak: shareOfPeak('fma'),
      // nninit with ready({ fma: true }) ÷ without, per turn: above 1 FMA is faster.
      fmaOverNninit: (() => {
        const speedup = pairedSpeedup('fma');
        return speedup && 1 / speedup;
      })(),
      tfjs: figure('tfjs'),
      js: figure('js'),
      numpy: figure('numpy'),
      nninitNN: figure('nninitNN'),
      peak: (() => {
        const ms = by.get(PEAK)!;
        return { median: peakGflops(median(ms)), best: peakGflops(Math.min(...ms)) };
      })(),
      nninitOfPeak: shareOfPeak('nninit'),
      tfjsOfPeak: shareOfPeak('tfjs'),
      numpyOfPeak: shareOfPeak('numpy'),
      bestNninitOfPeak: by.has('nninit') ? Math.min(...by.get(PEAK)!) / Math.min(...by.get('nninit')!) * (flops(row) / peakFlops) : undefined,
      overTfjs: pairedSpeedup('tfjs'),
      overNumpy: pairedSpeedup('numpy'),
      // nninit's transposed product relative to its NN one: 1 = as fast, 0.85 = 15% slower.
      toNN: (() => {
        const speedup = pairedSpeedup('nninitNN');
        return speedup && 1 / speedup;
      })(),
    };
  };

  const percent = (x: number | undefined) => (x === undefined ? '—' : `${(100 * x).toFixed(0)}%`);
  const times = (x: number | undefined) => (x === undefined ? '—' : `${x.toFixed(2)}×`);
  const value = (x: number | undefined, digits: number) => (x === undefined ? '—' : x.toFixed(digits));
  for (const clock of ['cpuMs', 'wallMs'] as const) {
    const title =
      clock === 'cpuMs' ? 'CPU time (what each peer does while it runs)' : 'wall clock (includes time other processes took)';
    console.log(`\nGFLOPS by ${title}: median (interquartile range); % of peak: median over turns of nninit ÷ the probe\n`);
    console.log('| product | nninit | % of peak | TF.js wasm | numpy | JS loop | nninit / TF.js | nninit / numpy | nninit vs its NN, same shape |');
    console.log('|---|---|---|---|---|---|---|---|---|');
    for (const { row, participants } of results) {
      const s = summarize(row, participants, clock);
      const cell = (f: { median: number; low: number; high: number } | undefined) =>
        f ? `${f.median.toFixed(1)} (${f.low.toFixed(1)}–${f.high.toFixed(1)})` : '—';
      console.log(
        `| ${row.name} | ${cell(s.nninit)} | ${percent(s.nninitOfPeak)} | ${cell(s.tfjs)} | ${cell(s.numpy)} | ${value(s.js?.median, 2)} | ` +
          `${times(s.overTfjs)} | ${times(s.overNumpy)} | ${percent(s.toNN)} |`,
      );
    }
  }
  console.log(
    `\nready({ fma: true }) (relaxed-SIMD multiply-add; node ${relaxedSimdFlags().join(' ') || 'without flags'}), GFLOPS by CPU time, ` +
      'median (interquartile range); FMA ÷ default: median over turns\n',
  );
  console.log('| product | nninit | nninit fma | % of peak, default | % of peak, fma | fma ÷ default |');
  console.log('|---|---|---|---|---|---|');
  for (const { row, participants } of results) {
    const s = summarize(row, participants, 'cpuMs');
    const cell = (f: { median: number; low: number; high: number } | undefined) =>
      f ? `${f.median.toFixed(1)} (${f.low.toFixed(1)}–${f.high.toFixed(1)})` : '—';
    console.log(
      `| ${row.name} | ${cell(s.nninit)} | ${cell(s.fma)} | ${percent(s.nninitOfPeak)} | ${percent(s.fmaOfPeak)} | ${times(s.fmaOverNninit)} |`,
    );
  }
  console.log('\nShare of the 128-bit peak by CPU time, median over turns of each peer ÷ the probe in the same turn ' +
    '(numpy runs native 256/512-bit FMA code, so it can pass 100%)\n');
  console.log('| product | probe GFLOPS | nninit | TF.js wasm | numpy |');
  console.log('|---|---|---|---|---|');
  for (const { row, participants } of results) {
    const s = summarize(row, participants, 'cpuMs');
    console.log(`| ${row.name} | ${s.peak.median.toFixed(1)} | ${percent(s.nninitOfPeak)} | ${percent(s.tfjsOfPeak)} | ${percent(s.numpyOfPeak)} |`);
  }
  // On a shared host, load comes in windows that slow FP-bound code most; the fastest sample of
  // each peer shows what it does undisturbed (the medians above stay the headline figures).
  console.log(`\nGFLOPS by CPU time, fastest of ${samplesPerRow} samples per peer (% of peak: nninit's fastest ÷ the probe's fastest)\n`);
  console.log('| product | nninit | % of peak | TF.js wasm | numpy | nninit / TF.js | nninit / numpy |');
  console.log('|---|---|---|---|---|---|---|');
  for (const { row, participants } of results) {
    const s = summarize(row, participants, 'cpuMs');
    console.log(
      `| ${row.name} | ${value(s.bestNninit, 1)} | ${percent(s.bestNninitOfPeak)} | ${value(s.bestTfjs, 1)} | ${value(s.bestNumpy, 1)} | ` +
        `${times(s.bestOverTfjs)} | ${times(s.bestOverNumpy)} |`,
    );
  }
  console.log('');
  for (const { row, participants } of results) {
    const { m, n, k, transA, transB } = row;
    const record = (clock: Clock) => {
      const s = summarize(row, participants, clock);
      const round = (x: number | undefined) => (x === undefined ? undefined : +x.toPrecision(4));
      return {
        gflops: {
          nninit: round(s.nninit?.median),
          tfjs: round(s.tfjs?.median),
          js: round(s.js?.median),
          numpy: round(s.numpy?.median),
          nninitNN: round(s.nninitNN?.median),
          fma: round(s.fma?.median),
          peak: round(s.peak.median),
        },
        fmaOverNninit: round(s.fmaOverNninit),
        ofPeak: { nninit: round(s.nninitOfPeak), fma: round(s.fmaOfPeak), tfjs: round(s.tfjsOfPeak), numpy: round(s.numpyOfPeak) },
        nninitOverTfjs: round(s.overTfjs),
        nninitOverNumpy: round(s.overNumpy),
        best: {
          nninit: round(s.bestNninit),
          tfjs: round(s.bestTfjs),
          numpy: round(s.bestNumpy),
          peak: round(s.peak.best),
          nninitOfPeak: round(s.bestNninitOfPeak),
          nninitOverTfjs: round(s.bestOverTfjs),
          nninitOverNumpy: round(s.bestOverNumpy),
        },
        nninitToNN: round(s.toNN),
      };
    };
    console.log(
      JSON.stringify({
        bench: 'gemm',
        row: row.name,
        m,
        n,
        k,
        transA,
        transB,
        cpuTime: record('cpuMs'),
        wallClock: record('wallMs'),
        samples: samplesPerRow,
        date,
        cpu,
        node: process.version,
        numpy: withNumpy ? nativeVersions(['numpy']) : undefined,
      }),
    );
  }
}

const peer = process.env.GEMM_BENCH_PEER;
if (peer === undefined) await coordinate();
else if ((PEERS as readonly string[]).includes(peer)) await servePeer(peer as Peer);
else throw new Error(`GEMM_BENCH_PEER must be one of ${PEERS.join(', ')}, got ${peer}`);
