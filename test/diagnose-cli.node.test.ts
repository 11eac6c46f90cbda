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
});
