// AIS throughput: log Z of a 784 → 500 RBM (CD-1, a few epochs on 8000 MNIST digits) with 100
// runs over 10,000 temperatures (Salakhutdinov & Murray's setting), on one thread and, with
// AIS_BENCH_THREADS=2 (or another count), on that many (same bits).
//
// Run: `npx vite-node bench/ais.bench.ts` after `npm run build:wasm` (or `npm run bench -- ais`).
// AIS_BENCH_RUNS / AIS_BENCH_BETAS / AIS_BENCH_HIDDEN change the setting; AIS_BENCH_EPOCHS the
// training before (default 3).
import { cpuDescription } from './roofline.js';

const RUNS = Number(process.env.AIS_BENCH_RUNS ?? 100);
const BETAS = Number(process.env.AIS_BENCH_BETAS ?? 10000);
const HIDDEN = Number(process.env.AIS_BENCH_HIDDEN ?? 500);
const EPOCHS = Number(process.env.AIS_BENCH_EPOCHS ?? 3);
const THREADS = Number(process.env.AIS_BENCH_THREADS ?? 1);

async function main(): Promise<void> {
  const nninit = await import('../src/index.js');
  const { mnist } = await import('../src/data/index.js');
  await nninit.ready();
  const { train } = await mnist({ trainSize: 8000, testSize: 1, seed: 0 });
  const binary = { shape: train.x.shape, data: train.x.data.map((p) => (p >= 0.5 ? 1 : 0)) };
  const rbm = new nninit.RBM({ nVisible: 784, nHidden: HIDDEN, seed: 1 });
  await rbm.fit(binary, { epochs: EPOCHS, batchSize: 100, learningRate: 0.05, monitorSize: 0 });
  console.log(`AIS on a 784 → ${HIDDEN} RBM (CD-1, ${EPOCHS} epochs on 8000 binarized digits): ${RUNS} runs, ${BETAS} temperatures`);
  console.log(cpuDescription());
  for (const threads of THREADS > 1 ? [1, THREADS] : [1]) {
    await nninit.ready({ threads });
    // Warm-up: V8 swaps in optimized wasm only after a while.
    await rbm.logPartition({ runs: RUNS, betas: 200, seed: 2, data: binary });
    const wall0 = performance.now();
    const cpu0 = process.cpuUsage();
    const estimate = await rbm.logPartition({ runs: RUNS, betas: BETAS, seed: 2, data: binary });
    const cpu = process.cpuUsage(cpu0);
    const wallSeconds = (performance.now() - wall0) / 1000;
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    console.log(`${threads} thread(s): log Z = ${estimate.logZ.toFixed(3)} ± ${estimate.stdError.toFixed(3)}, ${wallSeconds.toFixed(1)} s wall, ${cpuSeconds.toFixed(1)} s CPU`);
    console.log(JSON.stringify({ bench: 'ais', hidden: HIDDEN, runs: RUNS, betas: BETAS, threads, wallSeconds, cpuSeconds, logZ: estimate.logZ, stdError: estimate.stdError }));
  }
  rbm.dispose();
  await nninit.ready({ threads: 1 });
}

await main();
