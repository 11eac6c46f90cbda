// Native peers (bench/native/peers.py) for the benches: numpy sgemm, torch MLP training and
// scikit-learn's BernoulliRBM, run by Debian's /usr/bin/python3 (NNINIT_BENCH_PYTHON overrides).
// The benches install nothing: where a package is missing they print INSTALL_HINT and leave its
// rows out. Python gets the same digits as nninit through a temporary file, and a thread
// environment of its own (OpenBLAS, OpenMP), without CPU-type or cache overrides.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PYTHON = process.env.NNINIT_BENCH_PYTHON ?? '/usr/bin/python3';
export const PEERS_SCRIPT = fileURLToPath(new URL('./native/peers.py', import.meta.url));
export const INSTALL_HINT = 'apt-get install python3-torch python3-sklearn python3-numpy';

export type NativePackage = 'numpy' | 'torch' | 'sklearn';

export interface NativeCheck {
  python?: string;
  numpy?: string | null;
  torch?: string | null;
  sklearn?: string | null;
  /** OpenBLAS version and the kernel core it picked (numpy's BLAS). */
  blas?: string;
}

/** Environment for a native peer on `threads` threads. */
export function nativeEnv(threads: number): NodeJS.ProcessEnv {
  const env = { ...process.env };
  // Let OpenBLAS pick its kernels for this CPU as a user's install would.
  delete env.OPENBLAS_CORETYPE;
  delete env.OPENBLAS_L2_SIZE;
  for (const name of ['OPENBLAS_NUM_THREADS', 'OMP_NUM_THREADS', 'MKL_NUM_THREADS']) env[name] = String(threads);
  return env;
}

let checked: NativeCheck | undefined;

/** What /usr/bin/python3 can import (cached); an empty object when Python itself is missing. */
export function checkNative(): NativeCheck {
  if (checked) return checked;
  const result = spawnSync(PYTHON, [PEERS_SCRIPT, 'check'], { encoding: 'utf8', env: nativeEnv(1) });
  checked = result.status === 0 ? (JSON.parse(result.stdout.trim().split('\n').pop()!) as NativeCheck) : {};
  return checked;
}

/** Whether these packages are there; if not, prints one line saying what is skipped and how to install it. */
export function nativeAvailable(packages: NativePackage[], rows: string): boolean {
  const found = checkNative();
  const missing = packages.filter((name) => !found[name]);
  if (missing.length === 0) return true;
  const where = found.python ? `${PYTHON} (Python ${found.python}) cannot import ${missing.join(', ')}` : `${PYTHON} did not run`;
  console.log(`\nNative peers skipped (${rows}): ${where}. To include them: ${INSTALL_HINT}`);
  return false;
}

/** One-line description of the native packages, for table headers. */
export function nativeVersions(packages: NativePackage[]): string {
  const found = checkNative();
  const parts = packages.filter((name) => found[name]).map((name) => `${name} ${found[name]}`);
  if (packages.includes('numpy') && found.blas) parts.push(found.blas);
  return `Python ${found.python}, ${parts.join(', ')}`;
}

/**
 * Writes digits for peers.py to read: PREFIX.x.f32 (rows × 784 float32) and PREFIX.y.u8 (labels,
 * zeros when none are given). Returns the prefix and a function that removes the files.
 */
export function writeDigits(x: Float32Array, rows: number, labels?: ArrayLike<number>): { prefix: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'nninit-native-'));
  const prefix = join(dir, 'digits');
  writeFileSync(`${prefix}.x.f32`, new Uint8Array(x.buffer, x.byteOffset, rows * 784 * 4));
  writeFileSync(`${prefix}.y.u8`, labels ? Uint8Array.from(labels) : new Uint8Array(rows));
  return { prefix, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Runs one peers.py subcommand on `threads` threads and returns its JSON lines. */
export function runNative(args: string[], threads: number): Array<Record<string, unknown>> {
  const result = spawnSync(PYTHON, [PEERS_SCRIPT, ...args], {
    encoding: 'utf8',
    env: nativeEnv(threads),
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`native peer ${args[0]} exited with ${result.status}`);
  return result.stdout
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
