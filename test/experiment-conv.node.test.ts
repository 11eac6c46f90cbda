import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand, UsageError, type Io } from '../src/cli/command.js';
import { cnn } from '../src/cli/experiments/cnn.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { EXPERIMENTS } from '../src/cli/experiments/index.js';
import { residual } from '../src/cli/experiments/residual.js';
import { transfer } from '../src/cli/experiments/transfer.js';
import type { CnnResult, ResidualResult, TransferResult } from '../src/experiments/index.js';
import { ready } from '../src/runtime/index.js';

/*
 * `nninit experiment cnn`, `residual` and `transfer` through the command, on small settings of
 * their --quick runs, with the real bundled digits.
 */

let out: string;
beforeAll(async () => {
  await ready();
  out = await mkdtemp(join(tmpdir(), 'nninit-conv-experiments-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

function captureIo(): { io: Io; printed: string[]; progress: string[] } {
  const printed: string[] = [];
  const progress: string[] = [];
  const stream = { isTTY: false, write: (text: string) => progress.push(text) } as unknown as NodeJS.WriteStream;
  return { io: { print: (text) => printed.push(text), progress: new Progress(stream) }, printed, progress };
}

/** Every tag closed in order: the SVG is well-formed XML. */
function wellFormed(svg: string): boolean {
  const open: string[] = [];
  for (const [, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
    if (selfClosing) continue;
    if (close) {
      if (open.pop() !== name) return false;
    } else open.push(name);
  }
  return open.length === 0;
}

async function svgLines(path: string): Promise<string[]> {
  const svg = await readFile(path, 'utf8');
  expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
  expect(wellFormed(svg)).toBe(true);
  return [...svg.matchAll(/<g class="line" aria-label="([^"]+)">/g)].map((m) => m[1]);
}

it('registers cnn, residual and transfer', () => {
  expect(EXPERIMENTS.map((e) => e.name)).toEqual(expect.arrayContaining(['cnn', 'residual', 'transfer']));
});

describe('nninit experiment cnn', () => {
  it('runs a small --quick setting, prints the table and writes JSON and SVG', async () => {
    const dir = join(out, 'cnn');
    const { io, printed, progress } = captureIo();
    await runCommand(experimentCommand(cnn), ['--quick', '--epochs', '1', '--inits', 'he,zeros', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/Adam 0\.002 with a cosine schedule, batch 64, 4000\/1000 digits, biases 0, seed 0/);
    expect(report).toMatch(/^CNN, He normal\s+80202\s+0\.\d{4}\s+0\.\d{4}\s+[\d.]+\s+converges \(He et al\. 2015\)\s+-$/m);
    expect(report).toMatch(/^CNN, zeros\s+80202\s+0\.\d{4}\s/m);
    expect(report).toMatch(/^MLP 784-256-256-10, He normal\s+269322\s+0\.\d{4}\s/m);
    expect(report).toMatch(/^target: CNN from He normal >= 0\.98 test accuracy: 0\.\d{4} \(not judged on --quick\)$/m);
    expect(progress.some((line) => /^\[3\/3\] MLP 784-256-256-10, He normal, seed 0: epoch 1\/1, loss [\d.]+, test accuracy 0\.\d{4}\n$/.test(line))).toBe(true);

    const saved = JSON.parse(await readFile(join(dir, 'cnn.json'), 'utf8')) as CnnResult;
    expect(saved.runs.map((r) => `${r.model}/${r.start}/${r.accuracy.length}`)).toEqual(['cnn/he/1', 'cnn/zeros/1', 'mlp/he/1']);
    // Zeros cannot break symmetry: it stays on one class, the majority class of the training rows at best.
    expect(saved.runs[1].accuracy[0]).toBeLessThanOrEqual(saved.runs[1].majority + 0.05);
    expect(saved.runs[0].accuracy[0]).toBeGreaterThan(0.8);
    expect(await svgLines(join(dir, 'cnn.svg'))).toEqual([
      'majority class', 'CNN, He normal', 'CNN, zeros', 'MLP 784-256-256-10',
      'majority class', 'CNN, He normal', 'CNN, zeros', 'MLP 784-256-256-10',
    ]);
  }, 120_000);

  it('refuses an unknown start as a usage error', async () => {
    await expect(runCommand(experimentCommand(cnn), ['--inits', 'he,lecun', '--out', out])).rejects.toThrow(/--inits takes a comma-separated list of he, xavier, orthogonal, zeros/);
  });
});

describe('nninit experiment residual', () => {
  it('runs a small --quick setting, prints both tables and writes JSON and SVG', async () => {
    const dir = join(out, 'residual');
    const { io, printed } = captureIo();
    await runCommand(experimentCommand(residual), ['--quick', '--epochs', '1', '--lrs', '0.05', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/32 residual blocks x \+ f\(x\), f = dense 64 → ReLU → dense 64, no normalization/);
    // He's start: 32 blocks multiply the output's scale by ~3^16 before any step.
    const he = report.match(/^He normal\s+0\.05\s+0\s+(\S+)\s/m);
    expect(Number(he![1])).toBeGreaterThan(1e4);
    expect(report).toMatch(/^PyTorch default\s+0\.05\s+0\s+\d\.\d{4}\s/m);
    for (const label of ['Fixup', 'ZerO', 'ReZero / SkipInit']) expect(report).toMatch(new RegExp(`^${label.replace('/', '\\/')}\\s+\\d+\\s+(0\\.\\d{4}|diverged 1/1)`, 'm'));
    expect(report).toMatch(/^target: Fixup >= 0\.95: .* \(not judged on --quick\)$/m);

    const saved = JSON.parse(await readFile(join(dir, 'residual.json'), 'utf8')) as ResidualResult;
    expect(saved.runs.map((r) => r.start)).toEqual(['he', 'default', 'fixup', 'zerO', 'rezero']);
    expect(saved.config.blocks).toBe(32);
    for (const run of saved.runs) expect(run.epochsRun).toBe(1);
    const lines = await svgLines(join(dir, 'residual.svg'));
    expect(lines.filter((name) => name === 'Fixup')).toHaveLength(2);
  }, 120_000);

  it('refuses a learning rate that is not positive', async () => {
    await expect(runCommand(experimentCommand(residual), ['--lrs', '0.01,0', '--out', out])).rejects.toThrow(UsageError);
  });
});

describe('nninit experiment transfer', () => {
  it('runs a small --quick setting, prints the table and writes JSON and SVG', async () => {
    const dir = join(out, 'transfer');
    const { io, printed } = captureIo();
    await runCommand(experimentCommand(transfer), ['--quick', '--seeds', '2', '--labels', '10,all', '--steps', '20', '--pretrain-epochs', '1', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/pretrained on the \d{4} training rows of 0–4 \(1 epochs/);
    expect(report).toMatch(/^10\s+50\s+0\.\d{3} ± 0\.\d{3}\s+0\.\d{3} ± 0\.\d{3}\s+0\.\d{3} ± 0\.\d{3}\s+[+-]\d\.\d{3} ± \d\.\d{3}\s+fine-tuned ≥ from scratch \(Yosinski et al\. 2014\)\s+-$/m);
    expect(report).toMatch(/^all\s+\d{4}\s/m);
    expect(report).toMatch(/^target: with 10 labels per class, fine-tuned − scratch >= 0\.1: [+-]\d\.\d{3} \(per seed [+-]\d\.\d{3}, [+-]\d\.\d{3}\) \(not judged/m);

    const saved = JSON.parse(await readFile(join(dir, 'transfer.json'), 'utf8')) as TransferResult;
    expect(saved.config.seeds).toEqual([0, 1]);
    expect(saved.pretrain).toHaveLength(2);
    expect(saved.runs).toHaveLength(2 * 2 * 3);
    expect(saved.runs.filter((r) => r.labels === 10).every((r) => r.rows === 50)).toBe(true);
    // The pretrained CNN learned 0–4.
    for (const p of saved.pretrain) expect(p.accuracy).toBeGreaterThan(0.8);
    expect(await svgLines(join(dir, 'transfer.svg'))).toEqual(['frozen features + new head', 'fine-tuned', 'from scratch']);
  }, 120_000);

  it('takes three seeds by default and refuses a label count of 0', async () => {
    expect(experimentCommand(transfer).options.seeds.absent).toBe(3);
    await expect(runCommand(experimentCommand(transfer), ['--labels', '10,0', '--out', out])).rejects.toThrow(/--labels/);
  });
});
