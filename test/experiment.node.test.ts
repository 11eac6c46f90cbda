import { beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand, UsageError } from '../src/cli/command.js';
import { resolveExperiment } from '../src/cli/experiment.js';
import {
  classic,
  classicFiles,
  experimentTable,
  FULL,
  runExperiment,
  targetChecks,
  type ExperimentResult,
  type RunResult,
} from '../src/cli/experiments/classic.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { ParamError } from '../src/errors.js';
import { ready } from '../src/runtime/index.js';

beforeAll(() => ready());

const SMALL = { ...FULL, epochs: 2, pretrainEpochs: 1, trainSize: 600, testSize: 300, inits: ['zeros', 'he', 'dbn'], activations: ['relu' as const] };

describe('the experiment', () => {
  let result: ExperimentResult;
  const lines: string[] = [];
  beforeAll(async () => {
    const stream = { isTTY: false, write: (text: string) => lines.push(text) } as unknown as NodeJS.WriteStream;
    result = await runExperiment(SMALL, new Progress(stream));
  });

  it('runs every init × activation, reporting test accuracy per epoch', () => {
    expect(result.runs.map((r) => `${r.init}/${r.activation}`)).toEqual(['zeros/relu', 'he/relu', 'dbn/relu']);
    for (const run of result.runs) {
      expect(run.accuracy).toHaveLength(2);
      expect(run.final).toBe(run.accuracy[1]);
      expect(run.seconds).toBeGreaterThan(0);
    }
    expect(result.pretrainSeconds).toBeGreaterThan(0);
    const he = result.runs.find((r) => r.init === 'he')!;
    expect(he.final).toBeGreaterThan(0.7);
    // The all-zero ReLU network can only learn the output biases: it answers the majority class.
    expect(result.runs[0].final).toBe(result.majority.accuracy);
  });

  it('shows progress as plain lines when stderr is not a terminal', () => {
    expect(lines.some((l) => l.startsWith('DBN pretraining: RBM 2/2, epoch 1/1'))).toBe(true);
    expect(lines).toContain('[2/3] He normal, relu: epoch 2/2, test accuracy ' + result.runs[1].final.toFixed(4) + '\n');
  });

  it('prints a table with a column per epoch', () => {
    const table = experimentTable(result).split('\n');
    expect(table[0]).toMatch(/^init\s+activation\s+e1\s+e2\s+final\s+seconds$/);
    expect(table[2]).toMatch(/^zeros\s+relu\s/);
    expect(table).toHaveLength(2 + 3);
  });

  it('makes the results JSON and an SVG chart with a line per run', () => {
    const files = classicFiles(result);
    expect(Object.keys(files)).toEqual(['experiment.json', 'experiment.svg']);
    const saved = JSON.parse(files['experiment.json']) as ExperimentResult;
    expect(saved.runs.map((r) => r.accuracy)).toEqual(result.runs.map((r) => r.accuracy));
    expect(saved.config).toEqual(SMALL);
    const chart = files['experiment.svg'];
    expect(chart.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    for (const label of ['He normal', 'DBN-pretrained', 'zeros', 'test accuracy']) expect(chart).toContain(label);
    // Two panels (full range and zoom) for the one activation, a line of 2 epochs per run in each.
    const lines = [...chart.matchAll(/<g class="line" aria-label="([^"]+)">(.*?)<\/g>/g)];
    expect(lines.map((m) => m[1])).toEqual(['zeros', 'He normal', 'DBN-pretrained', 'zeros', 'He normal', 'DBN-pretrained']);
    for (const [, , marks] of lines) expect(marks.match(/<circle /g)).toHaveLength(2);
  });
});

describe('target checks', () => {
  const run = (init: string, activation: 'relu' | 'sigmoid', final: number): RunResult => ({
    init,
    label: init,
    activation,
    accuracy: [final],
    loss: [0],
    final,
    seconds: 1,
    samplesPerSecond: 1,
  });
  const result = (runs: RunResult[]): ExperimentResult => ({
    config: FULL,
    majority: { digit: 1, accuracy: 0.1095 },
    runs,
    pretrainSeconds: null,
    seconds: 1,
    node: '',
    version: '',
  });

  it('marks each named target ok or MISSED', () => {
    const runs = [
      run('zeros', 'relu', 0.1095),
      run('normal', 'relu', 0.85),
      run('xavier', 'relu', 0.947),
      run('he', 'relu', 0.96),
      run('xavier', 'sigmoid', 0.94),
      run('dbn', 'sigmoid', 0.945),
      run('dbn', 'relu', 0.956),
    ];
    const checks = targetChecks(result(runs));
    expect(runs.map((r) => checks.get(r)?.split(' ').at(-1))).toEqual(['ok', 'ok', 'MISSED', 'ok', undefined, 'MISSED', 'ok']);
    expect(checks.get(runs[0])).toBe('= majority 0.1095 ok');
    // N(0,1) must trail Xavier by 3 points: 0.93 vs 0.95 is not clearly worse.
    const close = [run('normal', 'relu', 0.93), run('xavier', 'relu', 0.95)];
    expect(targetChecks(result(close)).get(close[0])).toBe('<= Xavier - 0.03 MISSED');
  });
});

describe('experiment command options', () => {
  const command = experimentCommand(classic);
  it.each([
    [['--epochs', '0'], /--epochs must be a positive integer, got "0"/],
    [['--inits', 'he,orthogonal'], /--inits takes .* got "orthogonal"/],
    [['--activation', 'tanh'], /--activation takes .* got "tanh"/],
    [['--seed=-1'], /--seed must be an integer >= 0, got "-1"/],
    [['--seed', '-1'], /--seed must be an integer >= 0, got "-1"/],
    [['--seeds', '3'], /unknown option --seeds/],
  ])('%j is a usage error (E_PARAM)', async (args, message) => {
    await expect(runCommand(command, args)).rejects.toThrowError(UsageError);
    await expect(runCommand(command, args)).rejects.toThrowError(ParamError);
    await expect(runCommand(command, args)).rejects.toThrowError(message);
  });
});

describe('nninit experiment [<name>]', () => {
  const resolved = (args: string[]) => {
    const { command, args: rest } = resolveExperiment(args);
    return [command.name, rest];
  };

  it('runs the classic comparison without a name, and others by name; --deep is the older spelling of deep', () => {
    expect(resolved([])).toEqual(['experiment classic', []]);
    expect(resolved(['--quick', '--seed', '2'])).toEqual(['experiment classic', ['--quick', '--seed', '2']]);
    expect(resolved(['classic', '--quick'])).toEqual(['experiment classic', ['--quick']]);
    expect(resolved(['deep', '--quick'])).toEqual(['experiment deep', ['--quick']]);
    expect(resolved(['--quick', '--deep', '--seeds', '2'])).toEqual(['experiment deep', ['--quick', '--seeds', '2']]);
    expect(() => resolveExperiment(['bogus'])).toThrow(/unknown experiment "bogus"; the experiments are classic, deep/);
  });
});
