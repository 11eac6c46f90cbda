import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand, type Io } from '../src/cli/command.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { EXPERIMENTS } from '../src/cli/experiments/index.js';
import { mup } from '../src/cli/experiments/mup.js';
import { bestLrIndices, checkMupConfig, coordGrowth, MUP_FULL, MUP_QUICK, mupTargets, type MupResult } from '../src/experiments/index.js';
import { ParamError } from '../src/errors.js';
import { ready } from '../src/runtime/index.js';

/*
 * `nninit experiment mup --quick` through the command, with the real bundled digits: the tables,
 * the targets' lines, the JSON and both SVGs.
 */

let out: string;
beforeAll(async () => {
  await ready();
  out = await mkdtemp(join(tmpdir(), 'nninit-mup-'));
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

describe('nninit experiment mup', () => {
  it('is registered after edge-of-chaos', () => {
    const names = EXPERIMENTS.map((e) => e.name);
    expect(names.indexOf('mup')).toBe(names.indexOf('edge-of-chaos') + 1);
  });

  it('--quick prints both tables with the paper beside ours and the targets, and writes JSON and two SVGs', async () => {
    const dir = join(out, 'quick');
    const { io, printed, progress } = captureIo();
    const output = await runCommand(experimentCommand(mup), ['--quick', '--out', dir], io);
    const report = printed.join('\n');
    expect(report).toMatch(/\(a\) coordinate check: 784-w×3-10 tanh, He normal, Adam lr 0\.01, 5 steps on batches of 64 digits, μP base width 64/);
    expect(report).toMatch(/^standard\s+2 hidden(\s+[\d.]+){7}\s+grows with width\s+(yes|NO)$/m);
    expect(report).toMatch(/^μP\s+3 hidden(\s+[\d.]+){7}\s+flat in width\s+(yes|NO)$/m);
    expect(report).toMatch(/^μP\s+4 output(\s+[\d.]+){7}$/m);
    expect(report).toMatch(/\(b\) muTransfer: 784-w×2-10 tanh, He normal, Adam, batch 64, 1 epoch on 2000 digits, μP base width 128/);
    expect(report).toMatch(/^standard\s+128(\s+[\d.]+\*?){6}\s+2\^-\d+\s+best lr shrinks as width grows\s+(yes|NO)$/m);
    expect(report).toMatch(/^μP\s+512(\s+[\d.]+\*?){6}\s+2\^-\d+$/m);
    expect(report).toMatch(/^target: μP: hidden scale at width 2048 within 2× of width 64 \(worst factor\): [\d.]+ (ok|MISSED)$/m);
    expect(report).toMatch(/^target: μP: best lr over the widths within one grid step \(spread in steps\): \d\.00 (ok|MISSED)$/m);
    expect(printed.join('\n')).toMatch(/\(a\) [\d.]+ s, \(b\) [\d.]+ s; total [\d.]+ s/);
    expect(progress.some((line) => /^\[6\/6\] \(a\) μP, width 2048, seed 0: measured\n$/.test(line))).toBe(true);
    expect(progress.some((line) => /^\[36\/36\] \(b\) μP, width 512, lr 2\^-4, seed 0: loss (\d\.\d{4}|diverged)\n$/.test(line))).toBe(true);

    const saved = JSON.parse(await readFile(join(dir, 'mup.json'), 'utf8')) as MupResult;
    expect(saved.config.transfer.widths).toEqual(MUP_QUICK.transfer!.widths);
    expect(saved.coord!.standard!.widths).toEqual(MUP_FULL.coord.widths);
    expect(saved.coord!.mup!.layers.map((l) => [l.role, l.preActivation.length, l.preActivation[0].length])).toEqual([
      ['input', 6, 6],
      ['hidden', 6, 6],
      ['hidden', 6, 6],
      ['output', 6, 6],
    ]);
    expect(saved.transfer!.length).toBe(2 * 3 * 6);
    expect(Object.keys(output.files)).toEqual(['mup.json', 'mup-coord.svg', 'mup-transfer.svg']);
    for (const name of ['mup-coord.svg', 'mup-transfer.svg']) {
      const svg = await readFile(join(dir, name), 'utf8');
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(wellFormed(svg)).toBe(true);
    }
    const transfer = await readFile(join(dir, 'mup-transfer.svg'), 'utf8');
    expect([...transfer.matchAll(/<g class="line" aria-label="([^"]+)">/g)].map((m) => m[1])).toEqual(['width 128', 'width 256', 'width 512', 'width 128', 'width 256', 'width 512']);

    // The coordinate check's effect is the same at --quick as in the full run: its setting is the full one.
    const [mupFlat, standardGrows] = mupTargets(saved);
    expect(mupFlat.met).toBe(true);
    expect(standardGrows.met).toBe(true);
    for (const { growth } of coordGrowth(saved.coord!.standard!)) expect(growth).toBeGreaterThan(4);
    // At the base width the two parametrizations are one network: the same losses.
    const at128 = (p: string) => saved.transfer!.filter((r) => r.width === 128 && r.parametrization === p).map((r) => r.loss);
    expect(at128('mup')).toEqual(at128('standard'));
    expect(bestLrIndices(saved, 'mup').map((b) => b.width)).toEqual([128, 256, 512]);
  }, 180_000);

  it('--parts coord runs only the coordinate check', async () => {
    const dir = join(out, 'coord');
    const { io } = captureIo();
    const output = await runCommand(experimentCommand(mup), ['--quick', '--parts', 'coord', '--out', dir], io);
    expect(Object.keys(output.files)).toEqual(['mup.json', 'mup-coord.svg']);
  }, 60_000);

  it('checks a config from a page: typed errors naming the field', () => {
    expect(() => checkMupConfig({ ...MUP_FULL, transfer: { ...MUP_FULL.transfer, lrs: [0.1, 0.01] } })).toThrow(/transfer.lrs must be ascending/);
    expect(() => checkMupConfig({ ...MUP_FULL, coord: { ...MUP_FULL.coord, widths: [] } })).toThrow(ParamError);
    expect(() => checkMupConfig({ ...MUP_FULL, coord: { ...MUP_FULL.coord, activation: 'gelu' as never } })).toThrow(/coord.activation/);
    expect(() => checkMupConfig({ ...MUP_FULL, parametrizations: ['sp' as never] })).toThrow(/parametrizations\[0\]/);
  });
});
