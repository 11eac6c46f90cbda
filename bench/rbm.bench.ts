// RBM training throughput: CD-1, 784 → 256, batch 100, learning rate 0.05, on 8000 MNIST digits.
// nninit's RBM.fit beside a hand-written TF.js (wasm backend 4.22, SIMD, one thread) CD-1 in two
// forms: "natural" (tf.matMul with transpose flags, which TF.js's wasm backend runs on a slow
// path) and "tuned" (explicit tf.transpose, plain products, one product for both statistics).
// Then one quality run: nninit after 10 epochs, pseudo-likelihood and mean-field reconstruction
// error on the training digits.
//
// Run: `npx vite-node bench/rbm.bench.ts` after `npm run build:wasm` (or `npm run bench -- rbm`).
// Each peer runs in its own process (RBM_BENCH_PEER selects one) and the peers take turns for
// RBM_BENCH_ROUNDS rounds (default 3), so load from other processes hits them alike. A process
// loads the digits, trains one warm-up epoch (V8 swaps in optimized wasm only after a while), then
// times RBM_BENCH_EPOCHS epochs (default 3) in one run. Figures are medians over rounds, in wall
// clock and in CPU time (which excludes time the scheduler gave to other processes; with threads
// it adds up every thread's). RBM_BENCH_THREADS=2 (or another count) adds nninit on that many
// threads (`ready({ threads })`, same bits) as a peer; the TF.js peers always run on one.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';

const N_VISIBLE = 784;
const N_HIDDEN = 256;
const BATCH = 100;
const LEARNING_RATE = 0.05;
const TRAIN_SIZE = 8000;
const QUALITY_EPOCHS = 10;
const SEED = 1;

/** Threads of the extra nninit peer (RBM_BENCH_THREADS, default 2 where there are 2 cores), or 1 for none. */
const THREADS = Number(process.env.RBM_BENCH_THREADS ?? Math.min(2, cpus().length));
const THREADED_PEER = `nninit-${THREADS}threads`;
const SPEED_PEERS = ['nninit', ...(THREADS > 1 ? [THREADED_PEER] : []), 'nninit-fma', 'tfjs-natural', 'tfjs-tuned'];
const PEER_LABELS: Record<string, string> = {
  nninit: 'nninit RBM.fit (CD-1, shuffled)',
  [THREADED_PEER]: `nninit RBM.fit (CD-1, shuffled), ${THREADS} threads`,
  'nninit-fma': 'nninit RBM.fit (CD-1, shuffled), ready({ fma: true })',
  'tfjs-natural': 'TF.js wasm, natural (matMul transpose flags)',
  'tfjs-tuned': 'TF.js wasm, tuned (explicit transposes)',
};

interface Timing {
  wallSeconds: number;
  cpuSeconds: number;
  samples: number;
}

async function digits() {
  const { mnist } = await import('../src/data/index.js');
  return (await mnist({ trainSize: TRAIN_SIZE, testSize: 1, seed: 0 })).train.x;
}

/** Runs `train(1)` to warm up, then `train(epochs)` under both clocks. */
async function timeEpochs(train: (epochs: number) => Promise<void>, epochs: number): Promise<Timing> {
  await train(1);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  await train(epochs);
  const cpu = process.cpuUsage(cpu0);
  return { wallSeconds: (performance.now() - wall0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6, samples: epochs * TRAIN_SIZE };
}

const emitTiming = (peer: string, timing: Timing) => console.log(JSON.stringify({ peer, ...timing }));

async function runNninit(epochs: number, threads: number, fma = false): Promise<void> {
  const { ready, threads: threadsInUse, fma: fmaInUse } = await import('../src/runtime/index.js');
  const { RBM } = await import('../src/rbm/index.js');
  await ready({ threads, fma });
  if (threadsInUse() !== threads) throw new Error(`nninit runs on ${threadsInUse()} threads, not ${threads}`);
  if (fmaInUse() !== fma) throw new Error(`ready({ fma: ${fma} }) gave fma ${fmaInUse()}`);
  const x = await digits();
  const rbm = new RBM({ nVisible: N_VISIBLE, nHidden: N_HIDDEN, seed: SEED });
  // Per-epoch statistics off: the TF.js peers compute none either.
  const train = async (count: number) => {
    await rbm.fit(x, { epochs: count, batchSize: BATCH, learningRate: LEARNING_RATE, momentum: 0.5, monitorSize: 0 });
  };
  emitTiming(fma ? 'nninit-fma' : threads > 1 ? THREADED_PEER : 'nninit', await timeEpochs(train, epochs));
  rbm.dispose();
  await ready({ threads: 1 });
}

async function runQuality(): Promise<void> {
  const { ready } = await import('../src/runtime/index.js');
  const { RBM } = await import('../src/rbm/index.js');
  await ready();
  const x = await digits();
  const rbm = new RBM({ nVisible: N_VISIBLE, nHidden: N_HIDDEN, seed: SEED });
  const history = await rbm.fit(x, { epochs: QUALITY_EPOCHS, batchSize: BATCH, learningRate: LEARNING_RATE });
  console.log(
    JSON.stringify({
      peer: 'quality',
      pseudoLikelihood: rbm.pseudoLikelihood(x, { seed: 0 }),
      reconstructionError: rbm.reconstructionError(x),
      seconds: history.reduce((total, e) => total + e.seconds, 0),
      perEpoch: history.map((e) => ({ pseudoLikelihood: +e.pseudoLikelihood!.toFixed(2), reconstructionError: +e.reconstructionError.toFixed(5) })),
    }),
  );
  rbm.dispose();
}

async function runTfjs(form: 'natural' | 'tuned', epochs: number): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  tfwasm.setWasmPaths(`${wasmDir}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfwasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialize');
  await tf.ready();
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm backend runs without SIMD');
  console.error(`TF.js ${tf.version_core} backend ${tf.getBackend()}, SIMD on, ${tfwasm.getThreadsCount()} thread, ${form} form`);

  const x = await digits();
  const data = tf.tensor2d(x.data, [TRAIN_SIZE, N_VISIBLE]);
  // Same initialization as nninit: W ~ N(0, 0.01²), hidden bias 0, visible bias log(p/(1 − p)).
  const W = tf.variable(tf.randomNormal([N_HIDDEN, N_VISIBLE], 0, 0.01, 'float32', SEED));
  const p = tf.clipByValue(tf.mean(data, 0), 1e-3, 1 - 1e-3);
  const b = tf.variable(tf.log(tf.div(p, tf.sub(1, p))));
  const c = tf.variable(tf.zeros([N_HIDDEN]));
  const vW = tf.variable(tf.zerosLike(W));
  const vb = tf.variable(tf.zerosLike(b));
  const vc = tf.variable(tf.zerosLike(c));
  const momentum = tf.scalar(0.5);

  const update = (gW: Tensor, gb: Tensor, gc: Tensor, rows: number) => {
    const step = tf.scalar(LEARNING_RATE / rows);
    vW.assign(tf.add(tf.mul(vW, momentum), tf.mul(gW, step)));
    vb.assign(tf.add(tf.mul(vb, momentum), tf.mul(gb, step)));
    vc.assign(tf.add(tf.mul(vc, momentum), tf.mul(gc, step)));
    W.assign(tf.add(W, vW));
    b.assign(tf.add(b, vb));
    c.assign(tf.add(c, vc));
  };
  const sampleHidden = (ph: Tensor) => tf.cast(tf.less(tf.randomUniform(ph.shape), ph), 'float32');

  const natural = (v0: Tensor2D, rows: number) => {
    const ph0 = tf.sigmoid(tf.add(tf.matMul(v0, W, false, true), c));
    const pv1 = tf.sigmoid(tf.add(tf.matMul(sampleHidden(ph0), W), b));
    const ph1 = tf.sigmoid(tf.add(tf.matMul(pv1, W, false, true), c));
    const gW = tf.sub(tf.matMul(ph0, v0, true, false), tf.matMul(ph1, pv1, true, false));
    update(gW, tf.sum(tf.sub(v0, pv1), 0), tf.sum(tf.sub(ph0, ph1), 0), rows);
  };
  const tuned = (v0: Tensor2D, rows: number) => {
    const Wt = tf.transpose(W);
    const ph0 = tf.sigmoid(tf.add(tf.matMul(v0, Wt), c));
    const pv1 = tf.sigmoid(tf.add(tf.matMul(sampleHidden(ph0), W), b));
    const ph1 = tf.sigmoid(tf.add(tf.matMul(pv1, Wt), c));
    // Both statistics in one product over the concatenated batch: [ph0; −ph1]ᵀ · [v0; pv1].
    const hidden = tf.transpose(tf.concat([ph0, tf.neg(ph1)], 0));
    const gW = tf.matMul(hidden, tf.concat([v0, pv1], 0));
    update(gW, tf.sum(tf.sub(v0, pv1), 0), tf.sum(tf.sub(ph0, ph1), 0), rows);
  };
  const step = form === 'natural' ? natural : tuned;
  const train = async (count: number) => {
    for (let e = 0; e < count; e++) {
      for (let first = 0; first < TRAIN_SIZE; first += BATCH) {
        const rows = Math.min(BATCH, TRAIN_SIZE - first);
        tf.tidy(() => step(tf.slice(data, [first, 0], [rows, N_VISIBLE]), rows));
      }
    }
    await W.data(); // wait for the work to finish
  };
  emitTiming(`tfjs-${form}`, await timeEpochs(train, epochs));
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function spawnPeer(self: string, peer: string, epochs: number): string[] {
  // Node 20 validates relaxed SIMD only with this flag on its command line (Node >= 22: no flag).
  const flags = peer === 'nninit-fma' && Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  const vite = fileURLToPath(new URL('../node_modules/vite-node/vite-node.mjs', import.meta.url));
  const result = spawnSync(process.execPath, [...flags, vite, self], {
    env: { ...process.env, RBM_BENCH_PEER: peer, RBM_BENCH_EPOCHS: String(epochs) },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`rbm bench peer ${peer} exited with ${result.status}`);
  return result.stdout.split('\n').filter((line) => line.startsWith('{"peer"'));
}

/** Runs each peer in its own process, round after round, then the quality run; prints the table and JSON lines. */
function coordinate(): void {
  const rounds = Number(process.env.RBM_BENCH_ROUNDS ?? 3);
  const epochs = Number(process.env.RBM_BENCH_EPOCHS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const loadBefore = loadavg()[0];
  const rates = new Map<string, { wall: number[]; cpu: number[] }>();
  for (let round = 1; round <= rounds; round++) {
    for (const peer of SPEED_PEERS) {
      console.error(`rbm bench: round ${round}/${rounds}, ${peer}`);
      for (const line of spawnPeer(self, peer, epochs)) {
        const t = JSON.parse(line) as Timing & { peer: string };
        const entry = rates.get(t.peer) ?? { wall: [], cpu: [] };
        entry.wall.push(t.samples / t.wallSeconds);
        entry.cpu.push(t.samples / t.cpuSeconds);
        rates.set(t.peer, entry);
      }
    }
  }
  console.error('rbm bench: quality run');
  const quality = JSON.parse(spawnPeer(self, 'quality', QUALITY_EPOCHS)[0]) as {
    pseudoLikelihood: number;
    reconstructionError: number;
    seconds: number;
    perEpoch: unknown[];
  };
  const loadAfter = loadavg()[0];

  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  const ours = rates.get('nninit')!;
  console.log(
    `\nRBM CD-1 ${N_VISIBLE}→${N_HIDDEN}, batch ${BATCH}, lr ${LEARNING_RATE}, ${TRAIN_SIZE} MNIST digits, TF.js on one thread — ${date}, ${cpu}, ` +
      `Node ${process.version}, ${rounds} rounds × ${epochs} epochs after a warm-up epoch, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('| peer | samples/s (wall) | range | samples/s (CPU time) | nninit ÷ peer (wall) | nninit ÷ peer (CPU) |');
  console.log('|---|---|---|---|---|---|');
  for (const peer of SPEED_PEERS) {
    const r = rates.get(peer)!;
    const wall = median(r.wall);
    const cpuRate = median(r.cpu);
    console.log(
      `| ${PEER_LABELS[peer]} | ${wall.toFixed(0)} | ${Math.min(...r.wall).toFixed(0)}–${Math.max(...r.wall).toFixed(0)} | ${cpuRate.toFixed(0)} | ` +
        `${(median(ours.wall) / wall).toFixed(2)}× | ${(median(ours.cpu) / cpuRate).toFixed(2)}× |`,
    );
  }
  console.log(
    `\nQuality after ${QUALITY_EPOCHS} epochs (practical-guide defaults: momentum 0.5 → 0.9, visible bias from data): ` +
      `pseudo-likelihood ${quality.pseudoLikelihood.toFixed(2)} (target ≥ −100, aim −71), ` +
      `mean-field reconstruction MSE ${quality.reconstructionError.toFixed(5)} (target ≤ 0.0225, aim 0.009), ${quality.seconds.toFixed(2)} s with monitoring\n`,
  );
  for (const peer of SPEED_PEERS) {
    const r = rates.get(peer)!;
    console.log(
      JSON.stringify({
        bench: 'rbm',
        peer,
        samplesPerSecond: +median(r.wall).toFixed(0),
        samplesPerSecondCpu: +median(r.cpu).toFixed(0),
        range: [+Math.min(...r.wall).toFixed(0), +Math.max(...r.wall).toFixed(0)],
        nninitOverPeer: +(median(ours.wall) / median(r.wall)).toFixed(3),
        nninitOverPeerCpu: +(median(ours.cpu) / median(r.cpu)).toFixed(3),
        rounds,
        epochs,
        date,
        cpu,
        node: process.version,
      }),
    );
  }
  console.log(JSON.stringify({ bench: 'rbm', peer: 'nninit-quality', epochs: QUALITY_EPOCHS, ...quality, date, cpu, node: process.version }));
}

const peer = process.env.RBM_BENCH_PEER;
const epochs = Number(process.env.RBM_BENCH_EPOCHS ?? 3);
if (peer === undefined) coordinate();
else if (peer === 'nninit') await runNninit(epochs, 1);
else if (peer === THREADED_PEER) await runNninit(epochs, THREADS);
else if (peer === 'nninit-fma') await runNninit(epochs, 1, true);
else if (peer === 'quality') await runQuality();
else if (peer === 'tfjs-natural') await runTfjs('natural', epochs);
else if (peer === 'tfjs-tuned') await runTfjs('tuned', epochs);
else throw new Error(`RBM_BENCH_PEER must be one of ${[...SPEED_PEERS, 'quality'].join(', ')}, got ${peer}`);
