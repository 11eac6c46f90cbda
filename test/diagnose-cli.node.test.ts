import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deepTable, DEEP_FULL, runDeepExperiment, writeDeepResults } from '../src/cli/deep-experiment.js';
import { diagnoseCommand, parseInitSpec } from '../src/cli/diagnose.js';
import { ParamError, ShapeError } from '../src/errors.js';
import { ready } from '../src/runtime/index.js';

beforeAll(() => ready());

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'nninit-diagnose-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

describe('nninit diagnose', () => {
  it('parses init specs: a name, or name:std', () => {
    expect(parseInitSpec('heNormal')).toBe('heNormal');
    expect(parseInitSpec('normal:0.01')).toEqual({ name: 'normal', std: 0.01 });
    expect(() => parseInitSpec('normal:')).toThrow(ParamError);
    expect(() => parseInitSpec('normal:x')).toThrow(/--init takes name or name:std/);
  });

  it('prints the table and writes the SVG and JSON', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await diagnoseCommand(['--layers', '784,32,32,10', '--activation', 'sigmoid', '--init', 'normal:0.01', '--rows', '50', '--out', out]);
      const printed = log.mock.calls.map((c) => String(c[0])).join('\n');
      expect(printed).toMatch(/784-32-32-10 sigmoid, init normal:0\.01, 50 MNIST digits/);
      expect(printed).toMatch(/0\s+784→32\s+sigmoid/);
    } finally {
      log.mockRestore();
    }
    const svg = await readFile(join(out, 'diagnose.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('0: 784→32 sigmoid');
    const json = JSON.parse(await readFile(join(out, 'diagnose.json'), 'utf8'));
    expect(json.layers).toHaveLength(3);
    expect(json.gradientRatio).toBeLessThan(0.1);
  });

  it('runs LSUV for --init lsuv and rejects a bad network', async () => {
    const log = vi.spyOn(console, 'log').mockImplementation(() => {});
    try {
      await diagnoseCommand(['--layers', '784,16,10', '--activation', 'relu', '--init', 'lsuv', '--rows', '40', '--out', out]);
      const json = JSON.parse(await readFile(join(out, 'diagnose.json'), 'utf8'));
      for (const layer of json.layers) expect(Math.abs(layer.std ** 2 - 1)).toBeLessThan(0.1);
      await expect(diagnoseCommand(['--layers', '100,10', '--out', out])).rejects.toThrow(ShapeError);
      await expect(diagnoseCommand(['--rows', '1', '--out', out])).rejects.toThrow(/--rows must be an integer >= 2/);
    } finally {
      log.mockRestore();
    }
  });
});

describe('the deep experiment', () => {
  it('runs every initialization, reports ratios and writes its charts', async () => {
    const config = { ...DEEP_FULL, epochs: 1, trainSize: 300, testSize: 100, activations: ['sigmoid' as const] };
    const result = await runDeepExperiment(config);
    expect(result.runs.map((r) => r.label)).toEqual(['N(0,0.01)', 'N(0,1)', 'Xavier uniform', 'He normal', 'LSUV']);
    const small = result.runs[0];
    const xavier = result.runs[2];
    expect(small.gradientRatio).toBeLessThan(xavier.gradientRatio / 100);
    expect(result.runs[4].lsuvSeconds).toBeGreaterThan(0);
    expect(deepTable(result)).toMatch(/LSUV\s+sigmoid/);
    const paths = await writeDeepResults(result, out);
    for (const path of paths.slice(1)) expect(await readFile(path, 'utf8')).toMatch(/^<svg/);
  });

  it('repeats every run over seeds and reports mean ± sd with the LSUV-versus-He verdict per seed', async () => {
    const config = { ...DEEP_FULL, epochs: 2, trainSize: 300, testSize: 100, inits: ['he', 'lsuv'], activations: ['relu' as const], seed: 3, seeds: 2 };
    const result = await runDeepExperiment(config);
    expect(result.runs.map((r) => `${r.init}:${r.seed}`)).toEqual(['he:3', 'lsuv:3', 'he:4', 'lsuv:4']);
    // Different seeds are different replicates: other data split and other weights.
    expect(result.runs[0].accuracy).not.toEqual(result.runs[2].accuracy);
    const table = deepTable(result);
    const lsuvRow = table.split('\n').find((line) => line.startsWith('LSUV'))!;
    const [, e1Mean, e1Sd] = /(\d\.\d{4}) ± (\d\.\d{4})/.exec(lsuvRow)!;
    const e1 = result.runs.filter((r) => r.init === 'lsuv').map((r) => r.accuracy[0]);
    expect(Number(e1Mean)).toBeCloseTo((e1[0] + e1[1]) / 2, 4);
    expect(Number(e1Sd)).toBeCloseTo(Math.abs(e1[0] - e1[1]) / Math.SQRT2, 4);
    expect(lsuvRow).toMatch(/e1 >= He (ok|MISSED) \([0-2]\/2 seeds\), final >= He (ok|MISSED) \([0-2]\/2 seeds\)/);
    expect(table).toMatch(/2 seeds \(3–4\): mean ± sd/);
  });
});
