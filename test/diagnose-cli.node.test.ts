import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { commandHelp, Progress, runCommand, UsageError, type Io } from '../src/cli/command.js';
import { diagnose, parseInitSpec } from '../src/cli/diagnose.js';
import { deepFiles, deepTable, DEEP_FULL, runDeepExperiment } from '../src/cli/experiments/deep.js';
import { ParamError } from '../src/errors.js';
import { ready } from '../src/runtime/index.js';

beforeAll(() => ready());

let out: string;
beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'nninit-diagnose-'));
});
afterAll(() => rm(out, { recursive: true, force: true }));

const printed: string[] = [];
const io: Io = { print: (text) => printed.push(text), progress: new Progress({ isTTY: false, write: () => true } as unknown as NodeJS.WriteStream) };
const run = (args: string[]) => runCommand(diagnose, args, io);

/** The bars of the SVG panel titled `title`: label (aria-label) and drawn height. */
function barsOf(svg: string, title: string): { label: string; height: number }[] {
  const start = svg.indexOf(`<g class="panel" aria-label="${title}"`);
  expect(start, `a panel titled "${title}"`).toBeGreaterThanOrEqual(0);
  const end = svg.indexOf('<g class="panel"', start + 1);
  const panel = svg.slice(start, end < 0 ? undefined : end);
  return [...panel.matchAll(/<rect class="bar"[^>]* aria-label="([^"]*)"[^>]* height="([^"]+)"/g)].map((m) => ({ label: m[1], height: Number(m[2]) }));
}

function yTicksOf(svg: string, title: string): string[] {
  const start = svg.indexOf(`<g class="panel" aria-label="${title}"`);
  const axis = svg.slice(svg.indexOf('<g class="axis y"', start), svg.indexOf('</g>', svg.indexOf('<g class="axis y"', start)));
  return [...axis.matchAll(/<text class="tick"[^>]*>([^<]+)<\/text>/g)].map((m) => m[1]);
}

describe('nninit diagnose', () => {
  it('parses init specs: a name, or name:std', () => {
    expect(parseInitSpec('heNormal')).toBe('heNormal');
    expect(parseInitSpec('normal:0.01')).toEqual({ name: 'normal', std: 0.01 });
    expect(() => parseInitSpec('normal:')).toThrow(ParamError);
    expect(() => parseInitSpec('normal:x')).toThrow(/--init normal:std must be a positive number, got "x"/);
    expect(() => parseInitSpec('normal:1:2')).toThrow(/--init takes name or name:std/);
    expect(() => parseInitSpec('hee')).toThrow(/"hee" is no initializer; use lsuv or one of .*heNormal/);
    expect(() => parseInitSpec('heNormal:0.1')).toThrow(/heNormal takes no std/);
  });

  it('prints the table and writes the SVG and JSON', async () => {
    await run(['--layers', '784,32,32,10', '--activation', 'sigmoid', '--init', 'normal:0.01', '--rows', '50', '--out', out]);
    const text = printed.join('\n');
    expect(text).toMatch(/784-32-32-10 sigmoid, init normal:0\.01, 50 MNIST digits/);
    expect(text).toMatch(/0\s+784→32\s+sigmoid/);
    const svg = await readFile(join(out, 'diagnose.svg'), 'utf8');
    expect(svg).toMatch(/^<svg/);
    expect(svg).toContain('0: 784→32 sigmoid');
    const json = JSON.parse(await readFile(join(out, 'diagnose.json'), 'utf8'));
    expect(json.layers).toHaveLength(3);
    expect(json.gradientRatio).toBeLessThan(0.1);
  });

  // The gradient norms span seven decades for sigmoid from N(0, 0.01²) and stay near one for
  // ReLU from He: on the log axis both must give visible bars whose heights follow the norms.
  it.each([
    ['sigmoid', 'normal:0.01'],
    ['relu', 'heNormal'],
  ])('draws the gradient-norm panel: a bar per layer, heights ordered like the norms on a log axis (%s, %s)', async (activation, init) => {
    const dir = join(out, `${activation}-${init.replace(':', '-')}`);
    await run(['--layers', '784,64,64,64,64,10', '--activation', activation, '--init', init, '--rows', '100', '--out', dir]);
    const norms: number[] = JSON.parse(await readFile(join(dir, 'diagnose.json'), 'utf8')).layers.map((l: { gradientNorm: number }) => l.gradientNorm);
    const bars = barsOf(await readFile(join(dir, 'diagnose.svg'), 'utf8'), 'weight gradient norm per layer');
    expect(bars.map((b) => b.label.split(':').slice(0, 2).join(':'))).toEqual(norms.map((_, l) => `${l}: ${[784, 64, 64, 64, 64, 10][l]}→${[784, 64, 64, 64, 64, 10][l + 1]} ${l === 4 ? 'output' : activation}`));
    for (const bar of bars) expect(bar.height).toBeGreaterThan(1);
    const rank = (values: number[]) => values.map((v) => values.filter((w) => w < v).length);
    expect(rank(bars.map((b) => b.height))).toEqual(rank(norms));
    // Log axis: height differences are proportional to differences of log10(norm).
    const perDecade = (bars[0].height - bars[4].height) / (Math.log10(norms[0]) - Math.log10(norms[4]));
    for (let l = 1; l < 4; l++) expect((bars[l].height - bars[4].height) / (Math.log10(norms[l]) - Math.log10(norms[4]))).toBeCloseTo(perDecade, 0);
    expect(yTicksOf(await readFile(join(dir, 'diagnose.svg'), 'utf8'), 'weight gradient norm per layer').length).toBeGreaterThanOrEqual(2);
  });

  it('runs the initialization its help names as the default', async () => {
    const help = commandHelp(diagnose);
    const entry = help.split(/\n(?= {2}-)/).find((e) => e.startsWith('  --init '))!;
    const shown = /\(default ([^)]+)\)/.exec(entry.replace(/\s+/g, ' '))![1];
    await run(['--layers', '784,8,10', '--rows', '20', '--out', join(out, 'default')]);
    const { title } = JSON.parse(await readFile(join(out, 'default', 'diagnose.json'), 'utf8'));
    expect(title).toContain(`init ${shown},`);
    expect(shown).toBe('xavierUniform');
  });

  it('runs LSUV for --init lsuv and rejects a bad network', async () => {
    await run(['--layers', '784,16,10', '--activation', 'relu', '--init', 'lsuv', '--rows', '40', '--out', out]);
    const json = JSON.parse(await readFile(join(out, 'diagnose.json'), 'utf8'));
    for (const layer of json.layers) expect(Math.abs(layer.std ** 2 - 1)).toBeLessThan(0.1);
    await expect(run(['--layers', '100,10', '--out', out])).rejects.toThrow(/--layers must start with 784 inputs/);
    await expect(run(['--rows', '1', '--out', out])).rejects.toThrow(/--rows must be an integer >= 2/);
    await expect(run(['--rows', '20000', '--out', out])).rejects.toThrow(/^--rows 20000 plus one test digit exceeds the 10000 bundled digits$/);
    await expect(run(['--activation', 'softmax', '--out', out])).rejects.toThrow(UsageError);
  });
});

describe('the deep experiment', () => {
  it('runs every initialization, reports ratios and draws its charts', async () => {
    const config = { ...DEEP_FULL, epochs: 1, trainSize: 300, testSize: 100, activations: ['sigmoid' as const] };
    const result = await runDeepExperiment(config);
    expect(result.runs.map((r) => r.label)).toEqual(['N(0,0.01)', 'N(0,1)', 'Xavier uniform', 'He normal', 'LSUV']);
    const small = result.runs[0];
    const xavier = result.runs[2];
    expect(small.gradientRatio).toBeLessThan(xavier.gradientRatio / 100);
    expect(result.runs[4].lsuvSeconds).toBeGreaterThan(0);
    expect(deepTable(result)).toMatch(/LSUV\s+sigmoid/);
    const files = deepFiles(result);
    expect(Object.keys(files)).toEqual(['deep-experiment.json', 'deep-experiment.svg', 'deep-gradients.svg']);
    for (const name of ['deep-experiment.svg', 'deep-gradients.svg']) expect(files[name]).toMatch(/^<svg/);
    const bars = barsOf(files['deep-gradients.svg'], 'hidden activation: sigmoid');
    expect(bars.map((b) => b.label.split(':')[0])).toEqual(result.runs.map((r) => r.label));
    expect(bars[0].height).toBeLessThan(bars[2].height);
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
