// RBM training beside native code: nninit's RBM.fit and scikit-learn's BernoulliRBM (Debian's
// python3-sklearn, numpy on one OpenBLAS thread), 784 → 256, batch 100, learning rate 0.05, the
// same 8000 MNIST digits (handed to Python through a temporary file) and the same epochs as
// bench/rbm.bench.ts (keep the constants below in step with it). scikit-learn's fit is persistent
// CD with one Gibbs step, no momentum: per batch it does the same five products and one sampling
// step as CD-1, so samples/s compare the same work.
//
// Run: `node bench/run.mjs rbm-sklearn` after `npm run build:wasm`. Each peer runs in its own
// process (RBM_SKLEARN_BENCH_PEER=nninit selects nninit's) and they take turns for
// RBM_BENCH_ROUNDS rounds (default 3). A process trains one warm-up epoch, then times
// RBM_BENCH_EPOCHS epochs (default 3) in one fit. Figures: median over rounds, wall clock and CPU time.
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { nativeAvailable, nativeVersions, runNative, writeDigits } from './native.js';
import { cpuDescription } from './roofline.js';

const N_VISIBLE = 784;
const N_HIDDEN = 256;
const BATCH = 100;
const LEARNING_RATE = 0.05;
const TRAIN_SIZE = 8000;
const SEED = 1;

interface Timing {
  peer: string;
  wallSeconds: number;
  cpuSeconds: number;
  samples: number;
}

async function digits() {
  const { mnist } = await import('../src/data/index.js');
  return (await mnist({ trainSize: TRAIN_SIZE, testSize: 1, seed: 0 })).train.x;
}

/** nninit's side, configured as bench/rbm.bench.ts's nninit peer. */
async function runNninit(epochs: number): Promise<void> {
  const { ready } = await import('../src/runtime/index.js');
  const { RBM } = await import('../src/rbm/index.js');
  await ready();
  const x = await digits();
  const rbm = new RBM({ nVisible: N_VISIBLE, nHidden: N_HIDDEN, seed: SEED });
  const train = (count: number) =>
    rbm.fit(x, { epochs: count, batchSize: BATCH, learningRate: LEARNING_RATE, momentum: 0.5, monitorSize: 0 });
  await train(1);
  const wall0 = performance.now();
  const cpu0 = process.cpuUsage();
  await train(epochs);
  const cpu = process.cpuUsage(cpu0);
  const timing: Timing = {
    peer: 'nninit',
    wallSeconds: (performance.now() - wall0) / 1000,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    samples: epochs * TRAIN_SIZE,
  };
  console.log(JSON.stringify(timing));
  rbm.dispose();
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

async function coordinate(): Promise<void> {
  if (!nativeAvailable(['numpy', 'sklearn'], 'scikit-learn BernoulliRBM rows')) return;
  const rounds = Number(process.env.RBM_BENCH_ROUNDS ?? 3);
  const epochs = Number(process.env.RBM_BENCH_EPOCHS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const file = writeDigits((await digits()).data, TRAIN_SIZE);
  const loadBefore = loadavg()[0];
  const rates = new Map<string, { wall: number[]; cpu: number[] }>();
  const record = (t: Timing) => {
    const entry = rates.get(t.peer) ?? { wall: [], cpu: [] };
    entry.wall.push(t.samples / t.wallSeconds);
    entry.cpu.push(t.samples / t.cpuSeconds);
    rates.set(t.peer, entry);
  };
  try {
    for (let round = 1; round <= rounds; round++) {
      console.error(`rbm-sklearn bench: round ${round}/${rounds}, nninit`);
      const result = spawnSync('npx', ['vite-node', self], {
        env: { ...process.env, RBM_SKLEARN_BENCH_PEER: 'nninit', RBM_BENCH_EPOCHS: String(epochs) },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      if (result.status !== 0) throw new Error(`rbm-sklearn bench nninit peer exited with ${result.status}`);
      for (const line of result.stdout.split('\n')) if (line.startsWith('{"peer"')) record(JSON.parse(line) as Timing);
      console.error(`rbm-sklearn bench: round ${round}/${rounds}, sklearn`);
      for (const line of runNative(['rbm', file.prefix, String(epochs)], 1)) record(line as unknown as Timing);
    }
  } finally {
    file.remove();
  }
  const loadAfter = loadavg()[0];
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpuDescription();
  const ours = rates.get('nninit')!;
  const labels: Record<string, string> = {
    nninit: 'nninit RBM.fit (CD-1, shuffled, momentum 0.5)',
    sklearn: 'scikit-learn BernoulliRBM (PCD-1, 1 OpenBLAS thread)',
  };
  console.log(
    `\nRBM ${N_VISIBLE}→${N_HIDDEN}, batch ${BATCH}, lr ${LEARNING_RATE}, ${TRAIN_SIZE} MNIST digits, single thread — ${date}, ${cpu}, ` +
      `Node ${process.version}, ${nativeVersions(['numpy', 'sklearn'])}, ${rounds} rounds × ${epochs} epochs after a warm-up epoch, ` +
      `load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log('| peer | samples/s (wall) | range | samples/s (CPU time) | nninit ÷ peer (wall) | nninit ÷ peer (CPU) |');
  console.log('|---|---|---|---|---|---|');
  for (const [peer, r] of rates) {
    const wall = median(r.wall);
    const cpuRate = median(r.cpu);
    console.log(
      `| ${labels[peer]} | ${wall.toFixed(0)} | ${Math.min(...r.wall).toFixed(0)}–${Math.max(...r.wall).toFixed(0)} | ${cpuRate.toFixed(0)} | ` +
        `${(median(ours.wall) / wall).toFixed(2)}× | ${(median(ours.cpu) / cpuRate).toFixed(2)}× |`,
    );
  }
  console.log('');
  for (const [peer, r] of rates) {
    console.log(
      JSON.stringify({
        bench: 'rbm-sklearn',
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
        native: peer === 'sklearn' ? nativeVersions(['numpy', 'sklearn']) : undefined,
      }),
    );
  }
}

const peer = process.env.RBM_SKLEARN_BENCH_PEER;
if (peer === undefined) await coordinate();
else if (peer === 'nninit') await runNninit(Number(process.env.RBM_BENCH_EPOCHS ?? 3));
else throw new Error(`RBM_SKLEARN_BENCH_PEER must be nninit, got ${peer}`);
