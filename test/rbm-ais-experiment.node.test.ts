// `nninit experiment rbm`: its --quick setting end to end (table, JSON, SVG, filter PNGs written
// under --out), and the verdicts its table puts beside the published figures.
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type Io, Progress } from '../src/cli/command.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { rbm, rbmClaim, RBM_FULL, type RbmResult, type RbmRun } from '../src/cli/experiments/rbm.js';
import { ready } from '../src/runtime/index.js';

beforeAll(() => ready());

/** pngjs ships no type declarations: the one function used here (a specifier in a variable, so tsc does not look for them). */
const PNGJS = 'pngjs';
interface PngJs {
  PNG: { sync: { read(bytes: Uint8Array): { width: number; height: number } } };
}

describe('nninit experiment rbm --quick', () => {
  let out: string;
  let printed = '';
  const lines: string[] = [];
  let result: RbmResult;

  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'nninit-rbm-'));
    const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    const io: Io = { print: (text) => (printed += `${text}\n`), progress: new Progress(stream) };
    const output = (await runCommand(experimentCommand(rbm), ['--quick', '--out', out], io)) as { files: Record<string, unknown> };
    result = JSON.parse(String(output.files['rbm-experiment.json'])) as RbmResult;
  }, 180_000);
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('trains CD-1, CD-3 and PCD-1 on 784 → 256 with a log-likelihood, pseudo-likelihood and reconstruction error per epoch', () => {
    expect(result.runs.map((r) => `${r.hidden}/${r.label}`)).toEqual(['256/CD-1', '256/CD-3', '256/PCD-1']);
    for (const run of result.runs) {
      expect(run.epochs.map((e) => e.epoch)).toEqual([1, 2, 3]);
      // Learning from a random start raises the test log-likelihood and lowers the reconstruction error.
      expect(run.epochs[2].testLogLikelihood).toBeGreaterThan(run.epochs[0].testLogLikelihood);
      expect(run.epochs[2].reconstructionError).toBeLessThan(run.epochs[0].reconstructionError);
      // The final estimate: log-likelihoods of binarized digits, far above the uniform model's −784·log 2.
      expect(run.test.mean).toBeLessThan(0);
      expect(run.test.mean).toBeGreaterThan(-784 * Math.LN2 / 2);
      expect(run.test.stdError).toBeGreaterThan(run.logZStdError);
      expect(run.effectiveRuns).toBeGreaterThan(1);
      expect(run.effectiveRuns).toBeLessThanOrEqual(result.config.finalRuns);
    }
    expect(result.binarization).toMatch(/probability equal to its intensity/);
  });

  it('prints the table with the published figures and progress lines', () => {
    expect(printed).toMatch(/^hidden\s+method\s+recon\. error\s+pseudo-LL\s+test LL \(AIS 20×200\)\s+log Z\s+ESS\s+test LL \(AIS 50×2000\)/);
    expect(printed).toMatch(/256\s+CD-3 .*> CD-1 \(S&M\)\s+-/);
    expect(printed).toMatch(/256\s+PCD-1 .*PCD > CD-1 \(Tieleman\)\s+-/);
    expect(printed).toContain('2000 digits for 3 epochs (60 updates)');
    expect(lines.some((l) => /^\[3\/3\] 784 → 256, PCD-1: epoch 3\/3, pseudo-likelihood -?\d/.test(l))).toBe(true);
    expect(lines.some((l) => l.includes('final AIS (50 runs × 2000 temperatures) 100%'))).toBe(true);
  });

  it('writes the JSON, a chart with a line per method in each panel, and each run’s filters as PNG', async () => {
    const files = (await readdir(out)).sort();
    expect(files).toEqual(['rbm-experiment.json', 'rbm-experiment.svg', 'rbm-filters-256-cd1.png', 'rbm-filters-256-cd3.png', 'rbm-filters-256-pcd.png']);
    const saved = JSON.parse(await readFile(join(out, 'rbm-experiment.json'), 'utf8')) as RbmResult;
    expect(saved.filters).toBeUndefined();
    expect(saved.runs[0].test).toEqual(result.runs[0].test);
    const chart = await readFile(join(out, 'rbm-experiment.svg'), 'utf8');
    const lines = [...chart.matchAll(/<g class="line" aria-label="([^"]+)">(.*?)<\/g>/g)];
    expect(lines.map((m) => m[1])).toEqual(Array.from({ length: 3 }, () => ['CD-1', 'CD-3', 'PCD-1']).flat());
    for (const [, , marks] of lines) expect(marks.match(/<circle /g)).toHaveLength(3);
    const { PNG } = (await import(/* @vite-ignore */ PNGJS)) as PngJs;
    const png = PNG.sync.read(await readFile(join(out, 'rbm-filters-256-cd1.png')));
    // 16 × 16 filters of 28 × 28 pixels, 1 pixel apart.
    expect([png.width, png.height]).toEqual([16 * 29 + 1, 16 * 29 + 1]);
  });
});

describe('the verdicts beside the papers', () => {
  const run = (method: string, hidden: number, mean: number): RbmRun => ({
    method,
    label: method,
    hidden,
    epochs: [],
    logZ: 0,
    logZStdError: 0,
    effectiveRuns: 1,
    test: { mean, stdError: 0 },
    train: { mean, stdError: 0 },
    trainSeconds: 0,
    aisSeconds: 0,
  });
  const result = (runs: RbmRun[]): RbmResult => ({ config: RBM_FULL, binarization: '', runs, filters: {}, seconds: 0, node: '', version: '' });

  it('judges the order of the methods within a size, and prints the published figure for 500 hidden units', () => {
    const runs = [run('cd1', 500, -120), run('cd3', 500, -118), run('cd25', 500, -121), run('pcd', 500, -119), run('cd1', 256, -130), run('pcd', 256, -131)];
    const r = result(runs);
    expect(runs.map((x) => rbmClaim(r, x, true))).toEqual([
      { paper: '-125.53 (S&M)', agrees: null },
      { paper: '-105.50, > CD-1 (S&M)', agrees: true },
      { paper: '-86.34, > CD-1 (S&M)', agrees: false },
      { paper: 'PCD > CD-1 (Tieleman)', agrees: true },
      undefined,
      { paper: 'PCD > CD-1 (Tieleman)', agrees: false },
    ]);
    // Not judged outside the full setting.
    expect(rbmClaim(r, runs[1], false)).toEqual({ paper: '-105.50, > CD-1 (S&M)', agrees: null });
  });
});
