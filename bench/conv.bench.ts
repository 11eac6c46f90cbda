// Convolution speed: one LeNet-sized conv layer, forward and forward + backward (a training step
// without the optimizer), nninit beside TF.js 4.22 and, where Debian's python3-torch is installed,
// torch on one thread. Run: `node bench/run.mjs conv` after `npm run build`.
//
// Cases, batch 64, 5×5 kernels, stride 1, no padding (LeNet's two conv layers on 28×28 digits):
//   conv1  1 → 6 channels on 28×28 (output 24×24): the first layer, backward to weights and bias
//   conv2  6 → 16 channels on 14×14 (output 10×10): backward to weights, bias and the input
// The step is the same everywhere: y = conv(x) + b, mean squared error against fixed targets,
// gradients of the weights and bias (and of x for conv2). Peers:
//   nninit      a SequentialNet of conv2d (for conv2, a scalarBias() before it, so that the conv
//               computes its input gradient as a second layer does), net.backward, one thread
//   tfjs-wasm   tf.conv2d (the op tfjs-layers' conv2d calls) on the wasm backend, SIMD, one thread.
//               Its forward runs; it has no Conv2DBackpropFilter kernel, so it cannot train a
//               conv layer: the bench tries the step and reports the error it raises
//   tfjs-cpu    the same on @tensorflow/tfjs-backend-cpu (plain JS), which has every kernel
//   torch       torch.nn.Conv2d, torch.set_num_threads(1) (bench/native/conv.py)
//
// Each peer runs in its own process (CONV_BENCH_PEER selects one); the peers take turns for
// CONV_BENCH_ROUNDS rounds (default 3) so that load from other processes hits all alike. In a
// process every case and mode is warmed up (≥ 0.3 s), then timed in CONV_BENCH_SAMPLES batches
// (default 7) of calls lasting ≥ 50 ms; a round's figure is the median batch. Reported: ms per
// call by wall clock, median over rounds, and nninit ÷ peer as throughput ratios.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAvailable, nativeEnv, nativeVersions, PYTHON } from './native.js';
import { cpuDescription } from './roofline.js';

const JS_PEERS = ['nninit', 'tfjs-wasm', 'tfjs-cpu'] as const;
type Peer = (typeof JS_PEERS)[number] | 'torch';
const LABELS: Record<Peer, string> = {
  nninit: 'nninit, 1 thread',
  'tfjs-wasm': 'TF.js wasm (SIMD), 1 thread',
  'tfjs-cpu': 'TF.js cpu (JS)',
  torch: 'torch, 1 thread',
};
type Mode = 'forward' | 'train';
const MODES: readonly Mode[] = ['forward', 'train'];

interface ConvCase {
  name: string;
  batch: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  height: number;
  width: number;
  /** Whether the step needs the input's gradient (every conv layer but the first). */
  dx: boolean;
}

const CASES: readonly ConvCase[] = [
  { name: 'conv1', batch: 64, inChannels: 1, outChannels: 6, kernel: 5, height: 28, width: 28, dx: false },
  { name: 'conv2', batch: 64, inChannels: 6, outChannels: 16, kernel: 5, height: 14, width: 14, dx: true },
];

const SAMPLES = Number(process.env.CONV_BENCH_SAMPLES ?? 7);

/** One peer's figure for one case and mode, or why it could not run it. */
interface Record_ {
  peer: Peer;
  case: string;
  mode: Mode;
  ms?: number;
  cpuMs?: number;
  error?: string;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function describe(c: ConvCase): string {
  const out = c.height - c.kernel + 1;
  return `${c.name}: batch ${c.batch}, ${c.inChannels}→${c.outChannels} channels, ${c.kernel}×${c.kernel}, ${c.height}×${c.width} → ${out}×${out}${c.dx ? ', with input gradient' : ''}`;
}

/** FLOPs of the step: forward 2·MACs; backward one product per gradient (weights, and input where asked). */
function flops(c: ConvCase, mode: Mode): number {
  const out = c.height - c.kernel + 1;
  const macs = c.batch * c.outChannels * out * out * c.inChannels * c.kernel * c.kernel;
  return 2 * macs * (mode === 'forward' ? 1 : c.dx ? 3 : 2);
}

/** Median ms per call (wall clock and CPU time) over SAMPLES batches of calls lasting ≥ 50 ms, after warming up. */
function timed(fn: () => void): { ms: number; cpuMs: number } {
  let calls = 0;
  const start = performance.now();
  while (calls < 3 || performance.now() - start < 300) {
    fn();
    calls++;
  }
  const perCall = (performance.now() - start) / calls;
  const batch = Math.max(1, Math.ceil(50 / perCall));
  const walls: number[] = [];
  const cpus: number[] = [];
  for (let s = 0; s < SAMPLES; s++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    for (let i = 0; i < batch; i++) fn();
    const used = process.cpuUsage(c0);
    walls.push((performance.now() - t0) / batch);
    cpus.push((used.user + used.system) / 1000 / batch);
  }
  return { ms: median(walls), cpuMs: median(cpus) };
}

function emit(record: Record_): void {
  console.log(JSON.stringify(record));
}

/** Seeded uniform [0, 1) values (the inputs: non-negative, like pixels and post-ReLU maps). */
function uniform(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    out[i] = (state >>> 0) / 2 ** 32;
  }
  return out;
}

async function runNninit(): Promise<void> {
  const nninit = await import('../src/index.js');
  const { SequentialNet } = await import('../src/layers/network.js');
  const { imageShape } = await import('../src/layers/node.js');
  const { allocF32 } = await import('../src/runtime/index.js');
  await nninit.ready();
  for (const c of CASES) {
    const { conv2d, scalarBias } = nninit.layers;
    const conv = conv2d({ inChannels: c.inChannels, outChannels: c.outChannels, kernelSize: c.kernel, init: 'kaimingNormal' });
    // A learning layer below the conv makes backprop compute the conv's input gradient.
    const layers = c.dx ? [scalarBias(), conv] : [conv];
    const net = new SequentialNet(layers, imageShape(c.inChannels, c.height, c.width), 'linear');
    net.initialize(new nninit.Rng(1));
    const x = allocF32(c.batch * net.inputs);
    const targets = allocF32(c.batch * net.outputs);
    x.write(uniform(x.length, 1));
    targets.write(uniform(targets.length, 2));
    const trainable = layers.map(() => true);
    net.workspace(c.batch);
    const steps: Record<Mode, () => void> = {
      forward: () => void net.forward(x.ptr, c.batch),
      train: () => void net.backward(x.ptr, targets.ptr, c.batch, trainable),
    };
    for (const mode of MODES) emit({ peer: 'nninit', case: c.name, mode, ...timed(steps[mode]) });
    x.free();
    targets.free();
    net.free();
  }
}

async function runTfjs(peer: 'tfjs-wasm' | 'tfjs-cpu'): Promise<void> {
  const tf = await import('@tensorflow/tfjs-core');
  // What tfjs-layers imports: tfjs-core alone registers no gradient functions.
  await import('@tensorflow/tfjs-core/dist/register_all_gradients');
  if (peer === 'tfjs-wasm') {
    const tfwasm = await import('@tensorflow/tfjs-backend-wasm');
    const wasmDir = dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
    tfwasm.setWasmPaths(`${wasmDir}/`);
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    tfwasm.setThreadsCount(1);
    if (!(await tf.setBackend('wasm'))) throw new Error('TF.js wasm backend failed to initialize');
    await tf.ready();
    if (!(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'))) throw new Error('TF.js wasm backend runs without SIMD');
  } else {
    await import('@tensorflow/tfjs-backend-cpu');
    if (!(await tf.setBackend('cpu'))) throw new Error('TF.js cpu backend failed to initialize');
    await tf.ready();
  }
  console.error(`TF.js ${tf.version_core} backend ${tf.getBackend()}`);
  for (const c of CASES) {
    const out = c.height - c.kernel + 1;
    // TF.js's layout: NHWC images, HWIO filters.
    const x = tf.tensor4d(uniform(c.batch * c.height * c.width * c.inChannels, 1), [c.batch, c.height, c.width, c.inChannels]);
    const w = tf.randomNormal([c.kernel, c.kernel, c.inChannels, c.outChannels], 0, Math.sqrt(2 / (c.inChannels * c.kernel * c.kernel)), 'float32', 1) as import('@tensorflow/tfjs-core').Tensor4D;
    const b = tf.zeros([c.outChannels]) as import('@tensorflow/tfjs-core').Tensor1D;
    const target = tf.tensor4d(uniform(c.batch * out * out * c.outChannels, 2), [c.batch, out, out, c.outChannels]);
    const layer = (input: typeof x, filter: typeof w, bias: typeof b) => tf.add(tf.conv2d(input, filter, 1, 'valid'), bias) as typeof x;
    const loss = (input: typeof x, filter: typeof w, bias: typeof b) => tf.losses.meanSquaredError(target, layer(input, filter, bias)) as import('@tensorflow/tfjs-core').Scalar;
    const gradients = c.dx
      ? tf.valueAndGrads((input, filter, bias) => loss(input as typeof x, filter as typeof w, bias as typeof b))
      : tf.valueAndGrads((filter, bias) => loss(x, filter as typeof w, bias as typeof b));
    const steps: Record<Mode, () => void> = {
      forward: () => tf.tidy(() => void layer(x, w, b)),
      train: () =>
        tf.tidy(() => {
          const { value, grads } = gradients(c.dx ? [x, w, b] : [w, b]);
          value.dispose();
          for (const g of grads) g.dispose();
        }),
    };
    for (const mode of MODES) {
      try {
        steps[mode]();
      } catch (error) {
        emit({ peer, case: c.name, mode, error: (error as Error).message.split('\n')[0] });
        continue;
      }
      emit({ peer, case: c.name, mode, ...timed(steps[mode]) });
    }
    tf.dispose([x, w, b, target]);
  }
}

function runTorch(): Record_[] {
  const script = fileURLToPath(new URL('./native/conv.py', import.meta.url));
  const cases = CASES.map((c) => `${c.name}=${[c.batch, c.inChannels, c.outChannels, c.kernel, c.height, c.width, c.dx ? 1 : 0].join(',')}`);
  const result = spawnSync(PYTHON, [script, String(SAMPLES), ...cases], { encoding: 'utf8', env: nativeEnv(1), stdio: ['ignore', 'pipe', 'inherit'] });
  if (result.status !== 0) throw new Error(`native conv peer exited with ${result.status}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => ({ peer: 'torch' as const, ...(JSON.parse(line) as Omit<Record_, 'peer'>) }));
}

/** Runs each peer in its own process, round after round, then prints the tables and JSON lines. */
async function coordinate(): Promise<void> {
  const rounds = Number(process.env.CONV_BENCH_ROUNDS ?? 3);
  const self = fileURLToPath(import.meta.url);
  const withTorch = nativeAvailable(['torch'], 'torch rows');
  const peers: Peer[] = [...JS_PEERS, ...(withTorch ? (['torch'] as const) : [])];
  const loadBefore = loadavg()[0];
  const samples = new Map<string, Array<{ ms: number; cpuMs: number }>>(); // `${peer}|${case}|${mode}` → each round's figures
  const errors = new Map<string, string>();
  const record = (r: Record_) => {
    const key = `${r.peer}|${r.case}|${r.mode}`;
    if (r.error !== undefined) errors.set(key, r.error);
    else samples.set(key, [...(samples.get(key) ?? []), { ms: r.ms!, cpuMs: r.cpuMs! }]);
  };
  for (let round = 1; round <= rounds; round++) {
    for (const peer of peers) {
      console.error(`conv bench: round ${round}/${rounds}, ${peer}`);
      if (peer === 'torch') {
        runTorch().forEach(record);
        continue;
      }
      const result = spawnSync('npx', ['vite-node', self], { env: { ...process.env, CONV_BENCH_PEER: peer }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
      if (result.status !== 0) throw new Error(`conv bench peer ${peer} exited with ${result.status}`);
      for (const line of result.stdout.split('\n')) if (line.startsWith('{"peer"')) record(JSON.parse(line) as Record_);
    }
  }
  const loadAfter = loadavg()[0];
  const ms = (peer: Peer, c: ConvCase, mode: Mode, clock: 'ms' | 'cpuMs' = 'ms'): number | undefined => {
    const values = samples.get(`${peer}|${c.name}|${mode}`);
    return values ? median(values.map((v) => v[clock])) : undefined;
  };
  const date = new Date().toISOString().slice(0, 10);
  const cpu = cpuDescription();
  console.log(
    `\nConv layer forward and training step (forward + backward, no optimizer), batch 64, 5×5 kernels — ${date}, ${cpu}, Node ${process.version}` +
      `${withTorch ? `, ${nativeVersions(['torch'])}` : ''}, ${rounds} rounds, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}\n`,
  );
  console.log(
    'ms per call by wall clock, median over rounds (GFLOPS by wall clock in brackets); ratios are nninit ÷ peer, throughput over throughput, ' +
      'by wall clock (by CPU time of the process in brackets: what it got of the CPU on a shared machine).\n',
  );
  const json: object[] = [];
  for (const c of CASES) {
    console.log(`${describe(c)}\n`);
    console.log('| peer | forward, ms | training step, ms | nninit ÷ peer, forward | nninit ÷ peer, training step |');
    console.log('|---|---|---|---|---|');
    for (const peer of peers) {
      const cells = MODES.map((mode) => {
        const value = ms(peer, c, mode);
        if (value === undefined) return `— (${errors.get(`${peer}|${c.name}|${mode}`) ?? 'did not run'})`;
        return `${value.toFixed(2)} (${(flops(c, mode) / value / 1e6).toFixed(1)})`;
      });
      const ratios = MODES.map((mode) => {
        const theirs = ms(peer, c, mode);
        const ours = ms('nninit', c, mode);
        if (theirs === undefined || ours === undefined) return '—';
        return `${(theirs / ours).toFixed(2)}× (${(ms(peer, c, mode, 'cpuMs')! / ms('nninit', c, mode, 'cpuMs')!).toFixed(2)}×)`;
      });
      console.log(`| ${LABELS[peer]} | ${cells[0]} | ${cells[1]} | ${peer === 'nninit' ? '—' : ratios[0]} | ${peer === 'nninit' ? '—' : ratios[1]} |`);
      for (const mode of MODES) {
        const value = ms(peer, c, mode);
        const ours = ms('nninit', c, mode);
        json.push({
          bench: 'conv',
          peer,
          case: c.name,
          mode,
          ms: value === undefined ? null : +value.toFixed(3),
          cpuMs: value === undefined ? null : +ms(peer, c, mode, 'cpuMs')!.toFixed(3),
          error: errors.get(`${peer}|${c.name}|${mode}`),
          nninitOverPeer: value === undefined || ours === undefined ? null : +(value / ours).toFixed(3),
          rounds,
          date,
          cpu,
          node: process.version,
          native: peer === 'torch' ? nativeVersions(['torch']) : undefined,
        });
      }
    }
    console.log('');
  }
  // The target compares training steps; TF.js wasm cannot run one, so it is measured against the TF.js backend that can.
  for (const c of CASES) {
    const ours = ms('nninit', c, 'train');
    const parts = peers
      .filter((peer) => peer !== 'nninit' && ms(peer, c, 'train') !== undefined && ours !== undefined)
      .map((peer) => `${LABELS[peer]} ${(ms(peer, c, 'train')! / ours!).toFixed(2)}×`);
    console.log(`${c.name} training step, nninit ÷ ${parts.join(', ')}`);
  }
  console.log('');
  for (const line of json) console.log(JSON.stringify(line));
}

const peer = process.env.CONV_BENCH_PEER as Peer | undefined;
if (peer === undefined) await coordinate();
else if (peer === 'nninit') await runNninit();
else if (peer === 'tfjs-wasm' || peer === 'tfjs-cpu') await runTfjs(peer);
else throw new Error(`CONV_BENCH_PEER must be one of ${JS_PEERS.join(', ')}, got ${peer}`);
