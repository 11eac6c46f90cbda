import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand, UsageError, type Io } from '../src/cli/command.js';
import { depth, type DepthResult } from '../src/cli/experiments/depth.js';
import { edgeOfChaos, type EdgeResult } from '../src/cli/experiments/edge-of-chaos.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { EXPERIMENTS } from '../src/cli/experiments/index.js';
import { DEEP_RELU_FULL, runDeepRelu } from '../src/experiments/index.js';
import { ready } from '../src/runtime/index.js';

/*
 * `nninit experiment depth` and `nninit experiment edge-of-chaos` through the command, on small
 * settings of their --quick runs, with the real bundled digits; and He et al.'s effect at a
 * reduced size.
 */

let out: string;
beforeAll(async () => {
  await ready();
  out = await mkdtemp(join(tmpdir(), 'nninit-depth-'));
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

describe('nninit experiment depth', () => {
  it('is registered after the classic experiments', () => {
    expect(EXPERIMENTS.map((e) => e.name)).toEqual(expect.arrayContaining(['depth', 'edge-of-chaos']));
  });

  it('runs both parts on a small --quick setting, prints the tables and writes JSON and SVG', async () => {
    const dir = join(out, 'depth');
    const { io, printed, progress } = captureIo();
    const output = await runCommand(experimentCommand(depth), ['--quick', '--epochs', '1', '--depths', '2,4', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/^He normal\s+0\.\d{3}\s+0\.\d{3}\s+[\d.]+\s+converges\s+(yes|NO)$/m);
    expect(report).toMatch(/^Xavier uniform\s+0\.\d{3}\s/m);
    expect(report).toMatch(/^\s+2\s+1\.00\s+\d+\s+\d+$/m);
    expect(report).toMatch(/^\s+4\s+0\.500\s/m);
    expect(report).toMatch(/SGD lr 0\.005 momentum 0\.9, batch 100, 4000\/1000 digits, seed 0/);
    expect(report).toMatch(/lr = 2\/depth/);
    expect(report).toContain('wrote ');
    expect(progress.some((line) => /^\[2\/2\] \(a\) Xavier uniform, seed 0: epoch 1\/1, test accuracy 0\.\d{4}\n$/.test(line))).toBe(true);
    expect(progress.some((line) => /^\[4\/4\] \(b\) scaled Gaussian, depth 4, lr 0\.500, seed 0: step \d+/.test(line))).toBe(true);

    const saved = JSON.parse(await readFile(join(dir, 'depth.json'), 'utf8')) as DepthResult;
    expect(saved.relu!.runs.map((r) => [r.init, r.accuracy.length])).toEqual([['he', 1], ['xavier', 1]]);
    expect(saved.relu!.layers).toEqual([784, ...new Array(30).fill(256), 10]);
    expect(saved.linear!.runs.map((r) => `${r.depth}/${r.init}`)).toEqual(['2/orthogonal', '2/gaussian', '4/orthogonal', '4/gaussian']);
    // The learning-rate check runs at depth 32 only: not among --depths 2,4.
    expect(saved.linear!.config.sweep).toBeNull();
    expect(Object.keys(output.files)).toEqual(['depth.json', 'depth-relu.svg', 'depth-linear.svg']);
    for (const name of ['depth-relu.svg', 'depth-linear.svg']) {
      const svg = await readFile(join(dir, name), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(wellFormed(svg)).toBe(true);
    }
    const relu = await readFile(join(dir, 'depth-relu.svg'), 'utf8');
    expect([...relu.matchAll(/<g class="line" aria-label="([^"]+)">/g)].map((m) => m[1])).toEqual(['majority class', 'He normal', 'Xavier uniform']);
    const linear = await readFile(join(dir, 'depth-linear.svg'), 'utf8');
    expect(linear).toContain('aria-label="orthogonal, 4: ');
    expect(linear).toContain('aria-label="scaled Gaussian, 2: ');
  }, 120_000);

  it('refuses bad depths as usage errors', async () => {
    await expect(runCommand(experimentCommand(depth), ['--depths', '2,0', '--out', out])).rejects.toThrow(UsageError);
    await expect(runCommand(experimentCommand(depth), ['--parts', 'conv', '--out', out])).rejects.toThrow(/--parts takes a comma-separated list of relu, linear/);
  });
});

describe('nninit experiment edge-of-chaos', () => {
  it('runs the grid and the spectra on a small --quick setting, prints the tables and writes JSON and SVG', async () => {
    const dir = join(out, 'edge');
    const { io, printed } = captureIo();
    await runCommand(experimentCommand(edgeOfChaos), ['--quick', '--depths', '3,2', '--sigma-w2', '2,1', '--isometry-depths', '2', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/^depth \\ σ_w²\s+1\s+2$/m);
    expect(report).toMatch(/^2\s+0\.\d\d\s+0\.\d\d$/m);
    expect(report).toMatch(/^6ξ_c\s+22\s+151$/m);
    expect(report).toMatch(/^\s+1\s+ordered\s+0\.759\s+3\.6\s+\S+\s+trains to depth ≈ 6ξ_c = 22\s+yes$/m);
    expect(report).toMatch(/^\s*0\.05\s+0\.570\s+1\.3270\s+2\s+orthogonal\s/m);
    expect(report).toMatch(/^0\.001\s+0\.107\s+1\.0905\s+2\s+Gaussian\s/m);

    const saved = JSON.parse(await readFile(join(dir, 'edge-of-chaos.json'), 'utf8')) as EdgeResult;
    expect(saved.grid!.config.depths).toEqual([2, 3]);
    expect(saved.grid!.cells.map((c) => `${c.depth}/${c.sigmaW2}`)).toEqual(['2/1', '2/2', '3/1', '3/2']);
    expect(saved.grid!.theory.map((t) => t.trainableDepth!.toFixed(1))).toEqual(['21.8', '151.3']);
    expect(saved.isometry!.runs.map((r) => `${r.sigmaB2}/${r.init}/${r.depth}`)).toEqual(['0.05/orthogonal/2', '0.05/gaussian/2', '0.001/orthogonal/2', '0.001/gaussian/2']);
    for (const run of saved.isometry!.runs) expect(run.jacobian.singularValues).toHaveLength(64);

    const heat = await readFile(join(dir, 'edge-of-chaos.svg'), 'utf8');
    expect(wellFormed(heat)).toBe(true);
    expect(heat.match(/<rect class="cell"/g)).toHaveLength(4);
    expect(heat).toContain('aria-label="σ_w² 2, depth (hidden layers) 3: ');
    expect(heat).toContain('<g class="line" aria-label="6ξ_c (mean field)">');
    const spectra = await readFile(join(dir, 'edge-of-chaos-spectra.svg'), 'utf8');
    expect(wellFormed(spectra)).toBe(true);
    expect(spectra.match(/<g class="panel"/g)).toHaveLength(4);
    expect(spectra).toContain('aria-label="orthogonal, σ_b² 0.001, depth 2"');
  }, 120_000);

  it('refuses a σ_w² given twice or not positive', async () => {
    await expect(runCommand(experimentCommand(edgeOfChaos), ['--sigma-w2', '1,2,1', '--out', out])).rejects.toThrow(/--sigma-w2 lists a value twice/);
    await expect(runCommand(experimentCommand(edgeOfChaos), ['--sigma-w2', '1,-2', '--out', out])).rejects.toThrow(/--sigma-w2 must be a positive number, got "-2"/);
  });
});

describe("He et al.'s effect at a reduced size", () => {
  // 30 hidden ReLU layers of 128 on 3000 digits for 3 epochs: He's start learns, Xavier's stays
  // on the majority class (seeds 0–2 gave He 0.50–0.66 and Xavier exactly the majority class).
  it('He trains and Xavier stalls at 30 layers', async () => {
    const result = await runDeepRelu({ ...DEEP_RELU_FULL, width: 128, epochs: 3, trainSize: 3000, testSize: 1000, seeds: [0] });
    const [he, xavier] = result.runs;
    expect(he.init).toBe('he');
    expect(Math.max(...he.accuracy)).toBeGreaterThan(0.4);
    expect(Math.max(...xavier.accuracy)).toBeLessThanOrEqual(xavier.majority + 0.02);
  }, 120_000);
});
