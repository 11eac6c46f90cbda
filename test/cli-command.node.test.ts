import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderFigure } from '../src/cli/charts.js';
import {
  choices,
  commandHelp,
  defineCommand,
  flag,
  integer,
  parseChoices,
  parseCommand,
  parseInteger,
  parseNumber,
  parseSizes,
  Progress,
  runCommand,
  text,
  UsageError,
  wantsHelp,
  type Io,
} from '../src/cli/command.js';
import { EXPERIMENTS } from '../src/cli/experiments/index.js';
import {
  claimCells,
  claimHeader,
  defineExperiment,
  experimentCommand,
  meanAndSd,
  seedsOf,
  toJson,
} from '../src/cli/experiments/harness.js';
import { formatTable } from '../src/text-table.js';
import { ParamError } from '../src/errors.js';

describe('value parsers: the one place numbers and lists are read', () => {
  it('integers are decimal digits only, within their range', () => {
    expect(parseInteger('--n', '0')).toBe(0);
    expect(parseInteger('--n', '42', 1)).toBe(42);
    expect(parseInteger('--n', '-3', -5)).toBe(-3);
    for (const bad of ['1e1', '', ' 7', '7 ', '7.0', '+7', '0x10', '1_000', 'Infinity', '9007199254740993']) {
      expect(() => parseInteger('--n', bad), JSON.stringify(bad)).toThrow(UsageError);
    }
    expect(() => parseInteger('--epochs', '0', 1)).toThrow(/^--epochs must be a positive integer, got "0"$/);
    expect(() => parseInteger('--seed', '-1', 0)).toThrow(/^--seed must be an integer >= 0, got "-1"$/);
    expect(() => parseInteger('--threads', '300', 1, 256)).toThrow(/^--threads must be an integer from 1 to 256, got "300"$/);
  });

  it('numbers are finite decimals, with an exponent if wanted', () => {
    expect(parseNumber('--lr', '0.001', true)).toBe(0.001);
    expect(parseNumber('--lr', '1e-3', true)).toBe(0.001);
    expect(parseNumber('--x', '.5')).toBe(0.5);
    expect(parseNumber('--x', '-2')).toBe(-2);
    for (const bad of ['', ' 1', '1,5', 'Infinity', 'NaN', '0x1', '1e', 'fast']) expect(() => parseNumber('--x', bad), JSON.stringify(bad)).toThrow(UsageError);
    expect(() => parseNumber('--lr', '0', true)).toThrow(/^--lr must be a positive number, got "0"$/);
  });

  it('lists: sizes and names, every item checked', () => {
    expect(parseSizes('--layers', '784,256,10', 2)).toEqual([784, 256, 10]);
    expect(() => parseSizes('--layers', '784', 2)).toThrow(/at least 2 comma-separated sizes/);
    expect(() => parseSizes('--layers', '784,,10')).toThrow(/--layers must be a positive integer, got ""/);
    expect(() => parseSizes('--layers', '784, 10')).toThrow(/got " 10"/);
    expect(parseChoices('--inits', 'he,zeros', ['zeros', 'he', 'dbn'])).toEqual(['he', 'zeros']);
    expect(() => parseChoices('--inits', 'he,', ['zeros', 'he'])).toThrow(/--inits takes a comma-separated list of zeros, he; got ""/);
  });
});

describe('parseCommand', () => {
  const command = defineCommand({
    name: 'demo',
    summary: 'a command for the test',
    positionals: ['file'],
    options: {
      epochs: integer('epochs', { min: 1, default: 3 }),
      seed: integer('seed', { min: 0, default: 0 }),
      out: text('FILE', 'output', { default: 'a.out' }),
      from: text('FILE', 'input'),
      kinds: choices(['a', 'b', 'c'] as const, 'kinds'),
      quick: flag('quick'),
    },
    run: async () => undefined,
  });

  it('gives typed values: defaults, given values, flags and --threads', () => {
    const parsed = parseCommand(command, ['f.bin', '--epochs', '5', '--kinds=a,c', '--quick', '--threads', 'auto']);
    expect(parsed).toEqual({
      values: { epochs: 5, seed: 0, out: 'a.out', from: undefined, kinds: ['a', 'c'], quick: true },
      positionals: ['f.bin'],
      threads: 'auto',
    });
  });

  it('answers in nninit\'s words where util.parseArgs would answer in its own', () => {
    expect(() => parseCommand(command, ['f', '--seed', '-1'])).toThrow(/^--seed must be an integer >= 0, got "-1"$/);
    expect(() => parseCommand(command, ['f', '--epochs', '-1'])).toThrow(/^--epochs must be a positive integer, got "-1"$/);
    expect(() => parseCommand(command, ['f', '--epoch', '2'])).toThrow(/^unknown option --epoch \(did you mean --epochs\?\)$/);
    expect(() => parseCommand(command, ['f', '--frobnicate=2'])).toThrow(/^unknown option --frobnicate$/);
    expect(() => parseCommand(command, ['f', '-x'])).toThrow(/^unknown option -x$/);
    expect(() => parseCommand(command, ['f', '--out'])).toThrow(/^--out needs a value \(FILE\)$/);
    expect(() => parseCommand(command, ['f', '--out', '--quick'])).toThrow(/^--out needs a value \(FILE\), got the option --quick$/);
    expect(() => parseCommand(command, ['f', '--quick=yes'])).toThrow(/^--quick takes no value, got "yes"$/);
    expect(() => parseCommand(command, [])).toThrow(/^nninit demo takes <file>, got none$/);
    expect(() => parseCommand(command, ['f', 'g'])).toThrow(/^nninit demo takes <file>, got "f" "g"$/);
    expect(() => parseCommand(command, ['f', '--threads', '0'])).toThrow(/^--threads must be an integer from 1 to 256, got "0"$/);
    // A value may start with a dash when joined with "=", and "--" ends the options.
    expect(parseCommand(command, ['--out=-x', '--', '--quick']).values.out).toBe('-x');
    expect(parseCommand(command, ['--', '--quick']).positionals).toEqual(['--quick']);
    expect(() => parseCommand(command, ['f', '--from'])).toThrow(ParamError);
  });

  it('knows -h and --help wherever they stand, but not after --', () => {
    expect(wantsHelp(['--epochs', 'x', '-h'])).toBe(true);
    expect(wantsHelp(['--help'])).toBe(true);
    expect(wantsHelp(['--', '--help'])).toBe(false);
  });

  it('writes the usage from the same definitions it parses with', () => {
    const help = commandHelp(command);
    expect(help.split('\n')[0]).toBe('Usage: nninit demo <file> [options]');
    expect(help).toMatch(/^ {2}--epochs N +epochs \(default 3\)$/m);
    expect(help).toMatch(/^ {2}--kinds a,… +kinds \(default a,b,c\)$/m);
    expect(help).toMatch(/^ {2}--quick +quick$/m);
    expect(help).toMatch(/^ {2}-h, --help +show this help$/m);
    expect(help).toMatch(/^Exit status: 0 success, 1 failure .*, 2 usage error,\n130 interrupted by Ctrl-C .*\.$/m);
    for (const line of help.split('\n')) expect(line.length, line).toBeLessThanOrEqual(100);
  });
});

describe('Progress', () => {
  it('rewrites one line in place on a terminal and clears it when done', () => {
    const writes: string[] = [];
    const progress = new Progress({ isTTY: true, write: (t: string) => writes.push(t) } as unknown as NodeJS.WriteStream);
    progress.update('long first line');
    progress.update('short');
    progress.done();
    expect(writes).toEqual(['\rlong first line', '\rshort          ', '\r     \r']);
  });

  it('ends the line it was rewriting when stopped, so an error starts on a fresh line', () => {
    const writes: string[] = [];
    const progress = new Progress({ isTTY: true, write: (t: string) => writes.push(t) } as unknown as NodeJS.WriteStream);
    progress.update('epoch 3/10');
    progress.stop();
    progress.stop();
    expect(writes).toEqual(['\repoch 3/10', '\n']);
  });
});

describe('the experiment harness', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'nninit-harness-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  const calls: unknown[] = [];
  const toy = defineExperiment({
    name: 'toy',
    summary: 'a toy experiment',
    description: 'Adds its seeds.',
    options: { scale: integer('multiplier', { min: 1, default: 2 }) },
    async run(values, progress) {
      calls.push(values);
      const seeds = seedsOf(values);
      progress.update(`toy: ${seeds.length} seeds`);
      const ours = seeds.map((s) => s * values.scale);
      const rows = [['sum', meanAndSd(ours, 1), ...claimCells({ paper: '≥ 1', agrees: Math.min(...ours) >= 1 })]];
      return {
        report: formatTable(['measure', 'ours', ...claimHeader('Toy et al. 2020')], rows),
        files: { 'toy.json': toJson({ ours }), 'toy.svg': renderFigure({ title: 'toy', layout: { x: { title: 'x' }, y: { title: 'y' }, bars: [{ category: 'a', value: 1 }] } }) },
        summary: 'total 0 s',
      };
    },
  });

  it('parses the common flags, prints the table with the paper beside ours, writes the files', async () => {
    const printed: string[] = [];
    const lines: string[] = [];
    const io: Io = { print: (t) => printed.push(t), progress: new Progress({ isTTY: false, write: (t: string) => lines.push(t) } as unknown as NodeJS.WriteStream) };
    await runCommand(experimentCommand(toy), ['--seed', '1', '--seeds', '3', '--out', out, '--quick'], io);
    expect(calls.at(-1)).toEqual({ quick: true, seed: 1, seeds: 3, out, scale: 2 });
    expect(lines).toEqual(['toy: 3 seeds\n']);
    expect(printed[0].split('\n')).toEqual([
      'measure  ours       paper (Toy et al. 2020)  agrees',
      '-------  ---------  -----------------------  ------',
      'sum      4.0 ± 2.0  ≥ 1                      yes',
    ]);
    expect(printed[1]).toBe(`\ntotal 0 s\nwrote ${join(out, 'toy.json')} and ${join(out, 'toy.svg')}`);
    expect(JSON.parse(await readFile(join(out, 'toy.json'), 'utf8'))).toEqual({ ours: [2, 4, 6] });
    expect(await readFile(join(out, 'toy.svg'), 'utf8')).toMatch(/^<svg/);
    expect(claimCells({ paper: 'x', agrees: null })).toEqual(['x', '-']);
    expect(claimCells(undefined)).toEqual(['', '']);
  });

  it('checks --out before the experiment runs', async () => {
    const file = join(out, 'a-file');
    await writeFile(file, '');
    const before = calls.length;
    await expect(runCommand(experimentCommand(toy), ['--out', file])).rejects.toThrow(/--out ".*a-file" is a file; give a directory/);
    expect(calls.length).toBe(before);
  });

  it('every registered experiment has a unique name, a summary, a description and the common flags', () => {
    const names = EXPERIMENTS.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.slice(0, 2)).toEqual(['classic', 'deep']);
    for (const experiment of EXPERIMENTS) {
      expect(experiment.name).toMatch(/^[a-z][a-z-]*$/);
      expect(experiment.description.length).toBeGreaterThan(40);
      const options = Object.keys(experimentCommand(experiment).options);
      for (const common of ['quick', 'seed', 'out']) expect(options).toContain(common);
    }
  });
});

describe('charts', () => {
  /** Every tag closed in order: the SVG parses as XML. */
  function wellFormed(svg: string): boolean {
    const open: string[] = [];
    for (const [tag, close, name, selfClosing] of svg.matchAll(/<(\/?)([a-zA-Z]+)[^>]*?(\/?)>/g)) {
      if (selfClosing) continue;
      if (close) {
        if (open.pop() !== name) return false;
      } else open.push(name);
      void tag;
    }
    return open.length === 0;
  }

  it('escapes text, keeps tags balanced, labels log axes by decade and marks zero bars', () => {
    const svg = renderFigure({
      title: 'a <b> & "c"',
      layout: {
        row: [
          { title: 'log', x: { title: 'k' }, y: { title: 'norm', scale: 'log' }, bars: [{ category: 'x<1', value: 1e-6 }, { category: 'y', value: 0 }, { category: 'z', value: 0.5 }] },
          { x: { title: 'epoch', integer: true }, y: { title: 'acc', domain: [0, 1] }, lines: [{ name: 'He & co', points: [{ x: 1, y: 0.5 }, { x: 2, y: 0.75 }] }] },
        ],
      },
      legend: { title: 'init', names: ['He & co'] },
    });
    expect(wellFormed(svg)).toBe(true);
    expect(svg).toContain('a &lt;b&gt; &amp; &quot;c&quot;');
    expect(svg).not.toMatch(/<b>|& /);
    const ticks = [...svg.slice(0, svg.indexOf('aria-label="acc"')).matchAll(/<text class="tick"[^>]*>([^<]+)</g)].map((m) => m[1]);
    expect(ticks.slice(0, 4)).toEqual(['1e-7', '1e-6', '1e-5', '1e-4']);
    expect(svg).toMatch(/<text class="zero"[^>]*aria-label="y: 0">0<\/text>/);
    expect([...svg.matchAll(/<rect class="bar"/g)]).toHaveLength(2);
    expect(svg).toMatch(/<g class="line" aria-label="He &amp; co"><path d="M[\d.]+,100L[\d.]+,50"/);
  });
});
