// Roofline probe: this machine's 128-bit SIMD peak, measured by register-only wasm loops compiled
// here with asc (no memory traffic in the timed loop). The GEMM bench runs it in the same process
// as nninit's GEMM, in turns with the products, and reports each product as a share of it.
//
// Two loops:
// - f32x4 mul + add (what nninit's kernels use): 6 independent chains m = m·c and 6 of acc += m,
//   so every multiply and every add sits on a chain of its own kind (latency 3–4 cycles) and the
//   pipes, not latency, set the pace. 8 flops per mul + add pair. A chain a = a·x + y instead puts
//   both on one 6–8 cycle chain; with the 12 chains the 15 allocatable XMM registers allow, that
//   form stays latency-bound (~2/3 of the peak on Zen 4): CHAINED_SOURCE keeps it for comparison.
// - f32x4.relaxed_madd (fused multiply-add where the CPU has it): 10 independent chains
//   acc = x·c + acc, 8 flops each. Relaxed SIMD validates in Node ≥ 22 and Chromium; Node 20
//   needs `--experimental-wasm-relaxed-simd` (bench/roofline.bench.ts passes it to a child).
import asc from 'assemblyscript/asc';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

export const MUL_ADD_CHAINS = 6;
export const MADD_CHAINS = 10;
/** Flops per f32x4 multiply + add pair, and per f32x4 fused multiply-add: 4 lanes × 2. */
const FLOPS_PER_PAIR = 8;

function chains(count: number, line: (i: number) => string): string {
  return Array.from({ length: count }, (_, i) => line(i)).join('\n');
}

// The constant goes through memory: V8 re-materializes f32x4.splat(param) inside the loop (an extra
// shuffle per iteration on the FP pipes), but keeps a loaded vector in a register.
const MUL_ADD_SOURCE = `
export function mulAdd(iterations: i32, c: f32): f32 {
  v128.store(64, f32x4.splat(c));
  const vc = v128.load(64);
${chains(MUL_ADD_CHAINS, (i) => `  let m${i} = f32x4.splat(${(1 + i / 16).toFixed(4)});\n  let a${i} = f32x4.splat(0);`)}
  for (let i = 0; i < iterations; i++) {
${chains(MUL_ADD_CHAINS, (i) => `    m${i} = f32x4.mul(m${i}, vc);\n    a${i} = f32x4.add(a${i}, m${i});`)}
  }
  let sum = f32x4.splat(0);
${chains(MUL_ADD_CHAINS, (i) => `  sum = f32x4.add(sum, f32x4.add(a${i}, m${i}));`)}
  return f32x4.extract_lane(sum, 0);
}
`;

export const CHAINED_CHAINS = 12;
const CHAINED_SOURCE = `
export function chained(iterations: i32, c: f32): f32 {
  v128.store(64, f32x4.splat(c));
  v128.store(80, f32x4.splat(0.5));
  const vc = v128.load(64);
  const vy = v128.load(80);
${chains(CHAINED_CHAINS, (i) => `  let a${i} = f32x4.splat(${(1 + i / 16).toFixed(4)});`)}
  for (let i = 0; i < iterations; i++) {
${chains(CHAINED_CHAINS, (i) => `    a${i} = f32x4.add(f32x4.mul(a${i}, vc), vy);`)}
  }
  let sum = f32x4.splat(0);
${chains(CHAINED_CHAINS, (i) => `  sum = f32x4.add(sum, a${i});`)}
  return f32x4.extract_lane(sum, 0);
}
`;

const MADD_SOURCE = `
export function madd(iterations: i32, c: f32): f32 {
  v128.store(64, f32x4.splat(c));
  v128.store(80, f32x4.splat(1.0009765625));
  const vc = v128.load(64);
  const vx = v128.load(80);
${chains(MADD_CHAINS, (i) => `  let a${i} = f32x4.splat(${(i / 16).toFixed(4)});`)}
  for (let i = 0; i < iterations; i++) {
${chains(MADD_CHAINS, (i) => `    a${i} = f32x4.relaxed_madd(vx, vc, a${i});`)}
  }
  let sum = f32x4.splat(0);
${chains(MADD_CHAINS, (i) => `  sum = f32x4.add(sum, a${i});`)}
  return f32x4.extract_lane(sum, 0);
}
`;

export interface ProbeBinaries {
  mulAdd: Uint8Array<ArrayBuffer>;
  chained: Uint8Array<ArrayBuffer>;
  madd: Uint8Array<ArrayBuffer>;
}

/** Compiles both probes with asc into a temporary directory (removed afterwards). */
export async function compileProbes(): Promise<ProbeBinaries> {
  const dir = mkdtempSync(join(tmpdir(), 'nninit-roofline-'));
  try {
    const compile = async (name: string, source: string, features: string) => {
      writeFileSync(join(dir, `${name}.ts`), source);
      // An empty config keeps asc from reading the project's asconfig.json (entries included).
      writeFileSync(join(dir, 'asconfig.json'), '{}');
      const { error, stderr } = await asc.main(
        [join(dir, `${name}.ts`), '--config', join(dir, 'asconfig.json'), '--enable', features, '--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', '1', '-o', join(dir, `${name}.wasm`)],
        {},
      );
      if (error) throw new Error(`roofline probe ${name} did not compile: ${stderr.toString()}`);
      return new Uint8Array(readFileSync(join(dir, `${name}.wasm`)));
    };
    return {
      mulAdd: await compile('mul-add', MUL_ADD_SOURCE, 'simd'),
      chained: await compile('chained', CHAINED_SOURCE, 'simd'),
      madd: await compile('madd', MADD_SOURCE, 'simd,relaxed-simd'),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A probe ready to time: `run(iterations)` and the flops one iteration does. */
export interface Probe {
  run(iterations: number): number;
  flopsPerIteration: number;
}

/** The probes this runtime validates (relaxed madd only where relaxed SIMD is on). */
export async function instantiateProbes(binaries: ProbeBinaries): Promise<{ mulAdd: Probe; chained: Probe; madd?: Probe }> {
  const load = async (bytes: Uint8Array<ArrayBuffer>, name: string) => {
    const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => { throw new Error('roofline probe aborted'); } } });
    return instance.exports[name] as (iterations: number, c: number) => number;
  };
  const mulAdd = await load(binaries.mulAdd, 'mulAdd');
  const chained = await load(binaries.chained, 'chained');
  const probes: { mulAdd: Probe; chained: Probe; madd?: Probe } = {
    // c = 1: m stays put (no overflow, no denormals) and acc grows by m until it stops moving in f32.
    mulAdd: { run: (iterations) => mulAdd(iterations, 1), flopsPerIteration: FLOPS_PER_PAIR * MUL_ADD_CHAINS },
    // a = a·0.5 + 0.5 settles at 1.
    chained: { run: (iterations) => chained(iterations, 0.5), flopsPerIteration: FLOPS_PER_PAIR * CHAINED_CHAINS },
  };
  if (WebAssembly.validate(binaries.madd)) {
    const madd = await load(binaries.madd, 'madd');
    probes.madd = { run: (iterations) => madd(iterations, 0.5), flopsPerIteration: FLOPS_PER_PAIR * MADD_CHAINS };
  }
  return probes;
}

/** Iterations per call so that one call lasts about `ms` milliseconds (after warming the probe up). */
export function calibrate(probe: Probe, ms = 2): number {
  let iterations = 1 << 14;
  for (let warm = 0; warm < 20; warm++) probe.run(iterations);
  for (;;) {
    const t0 = performance.now();
    probe.run(iterations);
    const elapsed = performance.now() - t0;
    if (elapsed >= ms / 4 || iterations >= 1 << 30) return Math.max(1, Math.round((iterations * ms) / Math.max(elapsed, 1e-3)));
    iterations *= 4;
  }
}

/** GFLOPS of one call of `iterations` (about 2 ms after calibrate), by CPU time of the process. */
export function sample(probe: Probe, iterations: number): number {
  const c0 = process.cpuUsage();
  probe.run(iterations);
  const used = process.cpuUsage(c0);
  const ms = Math.max((used.user + used.system) / 1000, 1e-3);
  return (probe.flopsPerIteration * iterations) / ms / 1e6;
}

/** The CPU as lscpu names it, from /proc/cpuinfo where there is one (Linux). */
export function cpuDescription(): string {
  let info = '';
  try {
    info = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return cpus()[0]?.model.trim() ?? 'unknown CPU';
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(info)?.[1].trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const simd = ['avx2', 'fma', 'avx512f'].filter((flag) => flags.has(flag));
  const family = field('cpu family');
  const model = field('model');
  return (
    `${field('model name') ?? cpus()[0]?.model.trim() ?? 'unknown CPU'}` +
    (family ? ` (family ${family}, model ${model})` : '') +
    `, ${cpus().length} vCPUs` +
    (simd.length ? `, ${simd.join(' ')}` : '')
  );
}
