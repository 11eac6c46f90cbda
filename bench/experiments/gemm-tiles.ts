// GEMM tile and blocking experiment (not part of `npm run bench`): NN-only copies of nninit's
// packed GEMM (assembly/gemm.ts), generated here with different register tiles (MR×NR), A-panel
// packing, loop order, KC/MC/NC blocks and, where the runtime validates relaxed SIMD, fused
// multiply-add; compiled with asc into a temporary directory and timed in turns with nninit's own
// gemmInto and the roofline probe (bench/roofline.ts), in one process.
//
// Run (Node 20 needs the flag for the FMA variants; Node ≥ 22 does not):
//   npm run build:wasm && node --experimental-wasm-relaxed-simd node_modules/vite-node/vite-node.mjs bench/experiments/gemm-tiles.ts
// TILES_SAMPLES (default 9) sets the turns per shape; TILES_ONLY=name,name keeps some variants;
// TILES_KEEP=dir keeps the generated sources and binaries there.
//
// Before timing, every variant's product is checked against nninit's gemmInto on shapes with edges
// and several depth blocks: variants without FMA and with nninit's KC must match it bit for bit
// (tile shape, packing, loop order, MC and NC do not change which products are summed in which
// order); the others are checked against an f64 reference.
import asc from 'assemblyscript/asc';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { calibrate, compileProbes, cpuDescription, instantiateProbes } from '../roofline.js';

interface Variant {
  name: string;
  mr: number;
  nr: number;
  fma: boolean;
  /** 'broadcast': each A value stored as a whole f32x4 (nninit today); 'splat': 4 bytes, load32_splat in the kernel. */
  aPack: 'broadcast' | 'splat';
  /** 'jr': B micro-panel held in L1 across the A panels (nninit today); 'ir': A micro-panel held across B's. */
  order: 'jr' | 'ir';
  kc: number;
  mc: number;
  nc: number;
}

const BASE: Variant = { name: '', mr: 4, nr: 8, fma: false, aPack: 'broadcast', order: 'jr', kc: 256, mc: 128, nc: 1024 };
const v = (name: string, change: Partial<Variant>): Variant => ({ ...BASE, ...change, name });

const VARIANTS: Variant[] = [
  v('4x8 (nninit today)', {}),
  v('4x8 splat-A', { aPack: 'splat' }),
  v('4x8 A-in-L1 NC256', { order: 'ir', nc: 256 }),
  v('4x8 MC64', { mc: 64 }),
  v('4x8 MC256', { mc: 256 }),
  v('4x8 NC512', { nc: 512 }),
  v('4x8 KC128', { kc: 128 }),
  v('4x8 KC384', { kc: 384 }),
  v('4x8 KC512', { kc: 512 }),
  v('2x16', { mr: 2, nr: 16 }),
  v('2x16 splat-A', { mr: 2, nr: 16, aPack: 'splat' }),
  v('2x16 A-in-L1 NC256', { mr: 2, nr: 16, order: 'ir', nc: 256 }),
  v('2x16 MC64', { mr: 2, nr: 16, mc: 64 }),
  v('2x16 NC512', { mr: 2, nr: 16, nc: 512 }),
  // Tiles whose live vectors pass V8's 15 allocatable XMM registers (see the findings in bench/README.md).
  v('8x4', { mr: 8, nr: 4 }),
  v('5x8', { mr: 5 }),
  v('6x8', { mr: 6 }),
  v('3x12', { mr: 3, nr: 12 }),
  v('4x12', { mr: 4, nr: 12 }),
  v('4x8 FMA', { fma: true }),
  v('4x8 FMA splat-A', { fma: true, aPack: 'splat' }),
  v('2x16 FMA', { mr: 2, nr: 16, fma: true }),
  v('3x12 FMA', { mr: 3, nr: 12, fma: true }),
  v('3x12 FMA MC64', { mr: 3, nr: 12, fma: true, mc: 64 }),
  v('5x8 FMA', { mr: 5, fma: true }),
  v('6x8 FMA', { mr: 6, fma: true }),
  v('4x12 FMA', { mr: 4, nr: 12, fma: true }),
];

const SHAPES = [
  { name: '512³', m: 512, n: 512, k: 512 },
  { name: '[128×784]·[784×256]', m: 128, n: 256, k: 784 },
];
/** Correctness shapes: edges in both dimensions, one to several depth blocks. */
const CHECK_SHAPES = [
  { m: 67, n: 53, k: 300 },
  { m: 128, n: 256, k: 784 },
  { m: 29, n: 100, k: 1030 },
];

const range = (count: number) => Array.from({ length: count }, (_, i) => i);

/** AssemblyScript for one variant, every name prefixed `p` so that variants share a module. */
function variantSource(variant: Variant, p: string): string {
  const { mr, nr, fma, aPack, order, kc, mc, nc } = variant;
  const aBytes = aPack === 'broadcast' ? 16 : 4;
  const vectors = nr / 4;
  const acc = (i: number, j: number) => `c${i}_${j}`;
  const loadA = (i: number) => (aPack === 'broadcast' ? `v128.load(pa, ${i * 16})` : `v128.load32_splat(pa, ${i * 4})`);
  const update = (i: number, j: number) =>
    fma ? `${acc(i, j)} = f32x4.relaxed_madd(a, b${j}, ${acc(i, j)});` : `${acc(i, j)} = f32x4.add(${acc(i, j)}, f32x4.mul(a, b${j}));`;
  const storeA = (r: number, value: string) =>
    aPack === 'broadcast' ? `v128.store(dst, f32x4.splat(${value}), ${r * 16});` : `store<f32>(dst, ${value}, ${r * 4});`;
  const macroBody = (inner: string) =>
    order === 'jr'
      ? `for (let jr = 0; jr < ncb; jr += ${nr}) {\n      for (let ir = 0; ir < mcb; ir += ${mr}) {\n        ${inner}\n      }\n    }`
      : `for (let ir = 0; ir < mcb; ir += ${mr}) {\n      for (let jr = 0; jr < ncb; jr += ${nr}) {\n        ${inner}\n      }\n    }`;
  return `
function ${p}micro(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, first: bool): void {
${range(mr).flatMap((i) => range(vectors).map((j) => `  let ${acc(i, j)} = f32x4.splat(0);`)).join('\n')}
  const end = pb + <usize>kc * ${nr * 4};
  while (pb < end) {
${range(vectors).map((j) => `    const b${j} = v128.load(pb, ${j * 16});`).join('\n')}
    let a: v128;
${range(mr).map((i) => `    a = ${loadA(i)};\n${range(vectors).map((j) => `    ${update(i, j)}`).join('\n')}`).join('\n')}
    pa += ${mr * aBytes};
    pb += ${nr * 4};
  }
  if (first) {
${range(mr).flatMap((i) => range(vectors).map((j) => `    v128.store(c + ${i} * ldc, ${acc(i, j)}, ${j * 16});`)).join('\n')}
  } else {
${range(mr).flatMap((i) => range(vectors).map((j) => `    v128.store(c + ${i} * ldc, f32x4.add(${acc(i, j)}, v128.load(c + ${i} * ldc, ${j * 16})), ${j * 16});`)).join('\n')}
  }
}

function ${p}packA(src: usize, lda: usize, rows: i32, kc: i32, dst: usize): void {
  for (let i = 0; i < rows; i += ${mr}) {
    const r0 = src + <usize>i * lda;
    const live = min(${mr}, rows - i);
    for (let p = 0; p < kc; p++) {
      const at = r0 + (<usize>p << 2);
      if (live == ${mr}) {
${range(mr).map((r) => `        ${storeA(r, `load<f32>(at + ${r} * lda)`)}`).join('\n')}
      } else {
${range(mr).map((r) => `        ${storeA(r, `${r} < live ? load<f32>(at + ${r} * lda) : <f32>0`)}`).join('\n')}
      }
      dst += ${mr * aBytes};
    }
  }
}

function ${p}packB(src: usize, ldb: usize, cols: i32, kc: i32, dst: usize): void {
  for (let j = 0; j < cols; j += ${nr}) {
    const live = min(${nr}, cols - j);
    let from = src + (<usize>j << 2);
    for (let p = 0; p < kc; p++) {
      if (live == ${nr}) {
${range(vectors).map((q) => `        v128.store(dst, v128.load(from, ${q * 16}), ${q * 16});`).join('\n')}
      } else {
        for (let q = 0; q < ${nr}; q++) store<f32>(dst + (<usize>q << 2), q < live ? load<f32>(from + (<usize>q << 2)) : <f32>0);
      }
      from += ldb;
      dst += ${nr * 4};
    }
  }
}

/** C = A·B, all row-major and dense (lda = k, ldb = ldc = n). */
export function ${p}gemm(m: i32, n: i32, k: i32, a: usize, b: usize, c: usize, ws: usize): void {
  const lda = <usize>k << 2;
  const ldb = <usize>n << 2;
  const ldc = <usize>n << 2;
  const mcStep = blockStep(m, ${mc}, ${mr});
  const kcStep = blockStep(k, ${kc}, 1);
  const ncStep = blockStep(n, ${nc}, ${nr});
  const packedA = ws;
  const packedB = (packedA + <usize>mcStep * <usize>kcStep * ${aBytes} + 63) & ~63;
  const tile = (packedB + <usize>ncStep * <usize>kcStep * 4 + 63) & ~63;
  for (let jc = 0; jc < n; jc += ncStep) {
    const ncb = min(ncStep, n - jc);
    for (let pc = 0; pc < k; pc += kcStep) {
      const kcb = min(kcStep, k - pc);
      ${p}packB(b + <usize>pc * ldb + (<usize>jc << 2), ldb, ncb, kcb, packedB);
      const first = pc == 0;
      for (let ic = 0; ic < m; ic += mcStep) {
        const mcb = min(mcStep, m - ic);
        ${p}packA(a + <usize>ic * lda + (<usize>pc << 2), lda, mcb, kcb, packedA);
        const cBlock = c + <usize>ic * ldc + (<usize>jc << 2);
        ${macroBody(`const pa = packedA + <usize>(ir / ${mr}) * <usize>kcb * ${mr * aBytes};
        const pb = packedB + <usize>(jr / ${nr}) * <usize>kcb * ${nr * 4};
        const mrb = min(${mr}, mcb - ir);
        const nrb = min(${nr}, ncb - jr);
        const cTile = cBlock + <usize>ir * ldc + (<usize>jr << 2);
        if (mrb == ${mr} && nrb == ${nr}) {
          ${p}micro(kcb, pa, pb, cTile, ldc, first);
        } else {
          ${p}micro(kcb, pa, pb, tile, ${nr * 4}, true);
          for (let i = 0; i < mrb; i++) {
            for (let j = 0; j < nrb; j++) {
              const from = tile + <usize>(i * ${nr} + j) * 4;
              const to = cTile + <usize>i * ldc + (<usize>j << 2);
              store<f32>(to, first ? load<f32>(from) : load<f32>(from) + load<f32>(to));
            }
          }
        }`)}
      }
    }
  }
}
`;
}

const PRELUDE = `
// @ts-ignore: decorator
@inline
function blockStep(total: i32, max: i32, align: i32): i32 {
  const blocks = (total + max - 1) / max;
  const even = (total + blocks - 1) / blocks;
  return (even + align - 1) / align * align;
}
`;

type Gemm = (m: number, n: number, k: number, a: number, b: number, c: number, ws: number) => void;
interface Module {
  memory: WebAssembly.Memory;
  gemms: Map<string, Gemm>;
}

const MEMORY_PAGES = 1024; // 64 MiB: operands of the largest shape and every variant's workspace
const A_AT = 1 << 20;
const B_AT = 8 << 20;
const C_AT = 16 << 20;
const WS_AT = 24 << 20;

async function compileVariants(dir: string, variants: Variant[], relaxed: boolean): Promise<Module | undefined> {
  if (variants.length === 0) return undefined;
  const file = join(dir, relaxed ? 'relaxed.ts' : 'plain.ts');
  writeFileSync(file, PRELUDE + variants.map((variant, i) => variantSource(variant, `v${i}_`)).join('\n'));
  writeFileSync(join(dir, 'asconfig.json'), '{}');
  const out = file.replace(/\.ts$/, '.wasm');
  const { error, stderr } = await asc.main(
    [file, '--config', join(dir, 'asconfig.json'), '--enable', relaxed ? 'simd,relaxed-simd' : 'simd', '--runtime', 'stub', '-O3', '--noAssert', '--initialMemory', String(MEMORY_PAGES), '-o', out],
    {},
  );
  if (error) throw new Error(`variants did not compile: ${stderr.toString()}`);
  const bytes = new Uint8Array(readFileSync(out));
  if (!WebAssembly.validate(bytes)) return undefined;
  const { instance } = await WebAssembly.instantiate(bytes, { env: { abort: () => { throw new Error('abort'); } } });
  const gemms = new Map<string, Gemm>();
  variants.forEach((variant, i) => gemms.set(variant.name, instance.exports[`v${i}_gemm`] as Gemm));
  return { memory: instance.exports.memory as WebAssembly.Memory, gemms };
}

function randomMatrix(length: number, seed: number): Float32Array {
  const out = new Float32Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state / 2 ** 32 - 0.5;
  }
  return out;
}

function median(values: number[]): number {
  const sorted = [...values].sort((x, y) => x - y);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const only = process.env.TILES_ONLY?.split(',').map((s) => s.trim());
const variants = VARIANTS.filter((variant) => !only || only.includes(variant.name) || variant === VARIANTS[0]);
const dir = process.env.TILES_KEEP ?? mkdtempSync(join(tmpdir(), 'nninit-tiles-'));
let plain: Module | undefined;
let relaxed: Module | undefined;
try {
  plain = await compileVariants(dir, variants.filter((x) => !x.fma), false);
  relaxed = await compileVariants(dir, variants.filter((x) => x.fma), true);
} finally {
  if (!process.env.TILES_KEEP) rmSync(dir, { recursive: true, force: true });
}
if (!relaxed && variants.some((x) => x.fma)) {
  console.log(`FMA variants skipped: Node ${process.version} does not validate relaxed SIMD (run with --experimental-wasm-relaxed-simd, or Node ≥ 22)`);
}
const modules = [plain!, ...(relaxed ? [relaxed] : [])];
const moduleOf = (name: string) => modules.find((mod) => mod.gemms.has(name));
const runnable = variants.filter((variant) => moduleOf(variant.name));

// nninit's own kernel, through the entry point the GEMM bench uses.
const { ready, allocF32 } = await import('../../src/runtime/index.js');
const { gemmInto, reserveGemmWorkspace } = await import('../../src/ops/gemm.js');
await ready();

function runVariant(name: string, m: number, n: number, k: number, a: Float32Array, b: Float32Array): Float32Array {
  const mod = moduleOf(name)!;
  new Float32Array(mod.memory.buffer, A_AT, a.length).set(a);
  new Float32Array(mod.memory.buffer, B_AT, b.length).set(b);
  new Float32Array(mod.memory.buffer, C_AT, m * n).fill(Number.NaN);
  mod.gemms.get(name)!(m, n, k, A_AT, B_AT, C_AT, WS_AT);
  return new Float32Array(mod.memory.buffer, C_AT, m * n).slice();
}

function runNninit(m: number, n: number, k: number, a: Float32Array, b: Float32Array) {
  reserveGemmWorkspace(m, n, k);
  const [pa, pb, pc] = [allocF32(m * k), allocF32(k * n), allocF32(m * n)];
  pa.write(a);
  pb.write(b);
  gemmInto(false, false, m, n, k, 1, pa.ptr, k, pb.ptr, n, 0, pc.ptr, n);
  const out = pc.toArray();
  for (const buffer of [pa, pb, pc]) buffer.free();
  return out;
}

// --- correctness --------------------------------------------------------------------------------
const sameBits = new Map<string, boolean>();
const worstError = new Map<string, number>();
for (const { m, n, k } of CHECK_SHAPES) {
  const a = randomMatrix(m * k, 1);
  const b = randomMatrix(k * n, 2);
  const want = runNninit(m, n, k, a, b);
  // Error relative to Σ|a||b| per element, against an f64 reference.
  const reference = new Float64Array(m * n);
  const scale = new Float64Array(m * n);
  for (let i = 0; i < m; i++)
    for (let p = 0; p < k; p++) {
      const x = a[i * k + p];
      for (let j = 0; j < n; j++) {
        reference[i * n + j] += x * b[p * n + j];
        scale[i * n + j] += Math.abs(x * b[p * n + j]);
      }
    }
  for (const variant of runnable) {
    const got = runVariant(variant.name, m, n, k, a, b);
    const bits = new Uint32Array(got.buffer);
    const wantBits = new Uint32Array(want.buffer);
    let identical = true;
    let error = 0;
    for (let i = 0; i < got.length; i++) {
      if (bits[i] !== wantBits[i]) identical = false;
      error = Math.max(error, Math.abs(got[i] - reference[i]) / scale[i]);
    }
    sameBits.set(variant.name, (sameBits.get(variant.name) ?? true) && identical);
    worstError.set(variant.name, Math.max(worstError.get(variant.name) ?? 0, error));
  }
}
for (const variant of runnable) {
  const mustMatch = !variant.fma && variant.kc === BASE.kc;
  const error = worstError.get(variant.name)!;
  if ((mustMatch && !sameBits.get(variant.name)) || !(error < 1e-5)) {
    throw new Error(`variant ${variant.name} is wrong: same bits as nninit ${sameBits.get(variant.name)}, relative error ${error}`);
  }
}

// --- timing -------------------------------------------------------------------------------------
const samples = Math.max(3, Number(process.env.TILES_SAMPLES ?? 9));
const probe = (await instantiateProbes(await compileProbes())).mulAdd;
const probeIterations = calibrate(probe, 1);
const probeFlops = probe.flopsPerIteration * probeIterations;
const loadBefore = loadavg()[0];

interface Participant {
  name: string;
  call: () => void;
  flops: number;
  batch: number;
  ms: number[];
}

function cpuMs(fn: () => void, calls: number): number {
  const c0 = process.cpuUsage();
  for (let i = 0; i < calls; i++) fn();
  const used = process.cpuUsage(c0);
  return (used.user + used.system) / 1000 / calls;
}

const results = new Map<string, Map<string, { gflops: number; ofPeak: number; overBase: number; best: number }>>();
for (const shape of SHAPES) {
  const { m, n, k } = shape;
  const a = randomMatrix(m * k, 3);
  const b = randomMatrix(k * n, 4);
  for (const mod of modules) {
    new Float32Array(mod.memory.buffer, A_AT, a.length).set(a);
    new Float32Array(mod.memory.buffer, B_AT, b.length).set(b);
  }
  reserveGemmWorkspace(m, n, k);
  const [pa, pb, pc] = [allocF32(m * k), allocF32(k * n), allocF32(m * n)];
  pa.write(a);
  pb.write(b);
  const flops = 2 * m * n * k;
  const participants: Participant[] = [
    { name: 'nninit gemmInto (built)', call: () => gemmInto(false, false, m, n, k, 1, pa.ptr, k, pb.ptr, n, 0, pc.ptr, n), flops, batch: 1, ms: [] },
    ...runnable.map((variant) => {
      const gemm = moduleOf(variant.name)!.gemms.get(variant.name)!;
      return { name: variant.name, call: () => gemm(m, n, k, A_AT, B_AT, C_AT, WS_AT), flops, batch: 1, ms: [] };
    }),
    { name: 'peak', call: () => probe.run(probeIterations), flops: probeFlops, batch: 1, ms: [] },
  ];
  console.error(`gemm tiles: ${shape.name}, ${participants.length} participants, ${samples} turns`);
  for (const p of participants) {
    let calls = 0;
    const start = performance.now();
    for (; calls < 3 || performance.now() - start < 100; calls++) p.call();
    p.batch = Math.max(1, Math.ceil((2 * calls) / (performance.now() - start)));
  }
  for (let turn = 0; turn < samples; turn++) {
    for (let i = 0; i < participants.length; i++) {
      const p = participants[(turn + i) % participants.length];
      p.ms.push(cpuMs(p.call, p.batch));
    }
  }
  for (const buffer of [pa, pb, pc]) buffer.free();
  const peak = participants.at(-1)!;
  const base = participants.find((p) => p.name === VARIANTS[0].name)!;
  const row = new Map<string, { gflops: number; ofPeak: number; overBase: number; best: number }>();
  for (const p of participants.slice(0, -1)) {
    const gflops = p.ms.map((ms) => p.flops / ms / 1e6);
    row.set(p.name, {
      gflops: median(gflops),
      ofPeak: median(p.ms.map((ms, i) => peak.ms[i] / ms * (p.flops / peak.flops))),
      overBase: median(p.ms.map((ms, i) => base.ms[i] / ms)),
      best: Math.max(...gflops),
    });
  }
  row.set('peak', { gflops: median(peak.ms.map((ms) => peak.flops / ms / 1e6)), ofPeak: 1, overBase: NaN, best: Math.max(...peak.ms.map((ms) => peak.flops / ms / 1e6)) });
  results.set(shape.name, row);
}
const loadAfter = loadavg()[0];

console.log(
  `\nGEMM tile experiment — ${new Date().toISOString().slice(0, 10)}, ${cpuDescription()}, Node ${process.version}` +
    `${process.execArgv.length ? ` ${process.execArgv.join(' ')}` : ''}, ${samples} turns, load average ${loadBefore.toFixed(1)} → ${loadAfter.toFixed(1)}`,
);
console.log('GFLOPS by CPU time, median over turns (fastest); % of peak and ÷ 4x8 today: medians of the per-turn ratios.');
console.log(`Probe (f32x4 mul + add peak) per shape: ${SHAPES.map((s) => `${s.name} ${results.get(s.name)!.get('peak')!.gflops.toFixed(1)}`).join(', ')}\n`);
console.log(`| variant | same bits as nninit | ${SHAPES.map((s) => `${s.name} GFLOPS | % of peak | ÷ today`).join(' | ')} |`);
console.log(`|---|---|${SHAPES.map(() => '---|---|---').join('|')}|`);
for (const name of ['nninit gemmInto (built)', ...runnable.map((x) => x.name)]) {
  const cells = SHAPES.map((s) => {
    const r = results.get(s.name)!.get(name)!;
    return `${r.gflops.toFixed(1)} (${r.best.toFixed(1)}) | ${(100 * r.ofPeak).toFixed(0)}% | ${r.overBase.toFixed(2)}×`;
  });
  const bits = name.startsWith('nninit') ? '—' : sameBits.get(name) ? 'yes' : 'no';
  console.log(`| ${name} | ${bits} | ${cells.join(' | ')} |`);
}
