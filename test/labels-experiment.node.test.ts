import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Progress, runCommand } from '../src/cli/command.js';
import { bundledDigits } from '../src/cli/dataset.js';
import { experimentCommand } from '../src/cli/experiments/harness.js';
import { labels as labelsExperiment, labelsTable, LABELS_FULL, stopsHelping } from '../src/cli/experiments/labels.js';
import type { Mnist } from '../src/data/index.js';
import { ParamError } from '../src/errors.js';
import { balancedRows, gainsOf, labelSplit, runLabels, summarize, type LabelsConfig, type LabelsResult, type LabelsRun } from '../src/experiments/labels.js';
import { ready } from '../src/runtime/index.js';

beforeAll(() => ready());

/** How many rows of each class `rows` picks from `y`. */
function perClass(y: Int32Array, rows: Int32Array): number[] {
  const counts = new Array(10).fill(0);
  for (const row of rows) counts[y[row]]++;
  return counts;
}

/** Each row's pixels as a string key, to compare rows by content. */
function rowKeys(x: { shape: readonly number[]; data: Float32Array }): string[] {
  const width = x.shape[1];
  return Array.from({ length: x.shape[0] }, (_, r) => Buffer.from(x.data.buffer, x.data.byteOffset + r * width * 4, width * 4).toString('base64'));
}

describe('the balanced label draw', () => {
  const y = Int32Array.from({ length: 500 }, (_, i) => (i * 7) % 10);

  it('takes the same number of rows of every class, distinct and in row order', () => {
    const rows = balancedRows(y, 10, 3);
    expect(rows).toHaveLength(100);
    expect(perClass(y, rows)).toEqual(new Array(10).fill(10));
    expect(new Set(rows).size).toBe(100);
    expect(Array.from(rows)).toEqual(Array.from(rows).sort((a, b) => a - b));
  });

  it('draws by seed, and a larger draw keeps every row of a smaller one', () => {
    expect(balancedRows(y, 5, 1)).toEqual(balancedRows(y, 5, 1));
    expect(balancedRows(y, 5, 1)).not.toEqual(balancedRows(y, 5, 2));
    const larger = new Set(balancedRows(y, 20, 4));
    for (const row of balancedRows(y, 2, 4)) expect(larger.has(row)).toBe(true);
  });

  it('refuses a draw the classes cannot fill, and counts that are no balanced draw', () => {
    expect(() => balancedRows(y, 51, 0)).toThrowError(ParamError);
    expect(() => balancedRows(y, 51, 0)).toThrow(/perClass is 51 but class \d has only 50 rows/);
    expect(() => balancedRows(y, 0, 0)).toThrow(/perClass must be a positive integer, got 0/);
    const digits: Mnist = { train: { x: { shape: [500, 1], data: new Float32Array(500) }, y }, test: { x: { shape: [1, 1], data: new Float32Array(1) }, y: new Int32Array(1) } };
    expect(() => labelSplit(digits, 55, 0)).toThrow(/labels must be a multiple of 10 .* got 55/);
  });
});

describe('the splits of the real digits', () => {
  let digits: Mnist;
  beforeAll(async () => {
    digits = await bundledDigits(8000, 2000, 0, 'the full split');
  });

  it('pretrain on every training digit and on no test digit', () => {
    const split = labelSplit(digits, 100, 0);
    // The very training tensor: all 8000 rows, nothing added.
    expect(split.unlabeled).toBe(digits.train.x);
    expect(split.test).toBe(digits.test);
    // The package's 10,000 digits are all distinct images, so equal pixels would mean the same digit.
    const pretraining = new Set(rowKeys(split.unlabeled));
    expect(pretraining.size).toBe(8000);
    const leaked = rowKeys(digits.test.x).filter((key) => pretraining.has(key));
    expect(leaked).toEqual([]);
  });

  it('fine-tune on balanced rows of the training digits, with their own labels', () => {
    for (const [labels, each] of [[100, 10], [1000, 100]] as const) {
      const split = labelSplit(digits, labels, 7);
      expect(perClass(digits.train.y, split.labeled.rows)).toEqual(new Array(10).fill(each));
      expect(Array.from(split.labeled.y)).toEqual(Array.from(split.labeled.rows, (row) => digits.train.y[row]));
      const train = rowKeys(digits.train.x);
      expect(rowKeys(split.labeled.x)).toEqual(Array.from(split.labeled.rows, (row) => train[row]));
    }
    const all = labelSplit(digits, 8000, 7);
    expect(all.labeled.rows).toEqual(Int32Array.from({ length: 8000 }, (_, i) => i));
    expect(all.labeled.x.data).toEqual(digits.train.x.data);
  });
});

/** A tiny version of the experiment: 16-16 hidden units, 600/200 digits, a few updates. */
const TINY: LabelsConfig = {
  ...LABELS_FULL,
  hidden: [16, 16],
  labels: [20, 100, 600],
  seeds: [0, 1],
  trainSize: 600,
  testSize: 200,
  pretrain: { ...LABELS_FULL.pretrain, epochs: 1 },
  fineTune: { ...LABELS_FULL.fineTune, updates: 20, minEpochs: 2, headUpdates: 10 },
};

describe('the experiment on a tiny setting', () => {
  let result: LabelsResult;
  const loaded = new Map<number, Mnist>();
  const events: string[] = [];
  const runEpochs: number[][] = [];
  beforeAll(async () => {
    const digits = async ({ trainSize, testSize, seed }: { trainSize: number; testSize: number; seed: number }) => {
      const data = await bundledDigits(trainSize, testSize, seed, 'tiny');
      loaded.set(seed, data);
      return data;
    };
    result = await runLabels(TINY, {
      digits,
      onPretrainEpoch: ({ seed, layer }) => events.push(`pretrain ${seed} ${layer}`),
      onPretrainLayer: ({ layer, weights }) => events.push(`layer ${layer} ${weights.shape.join('x')}`),
      onRunStart: () => void runEpochs.push([]),
      onRunEpoch: ({ epoch }) => void runEpochs[runEpochs.length - 1].push(epoch),
      onRun: (run, index, total) => events.push(`run ${index}/${total} ${run.start}`),
    });
  });

  it('runs every seed × label count × start, each scored on the test digits', () => {
    expect(result.runs).toHaveLength(2 * 3 * 3);
    expect(result.layers).toEqual([784, 16, 16, 10]);
    expect(result.trainRows).toBe(600);
    expect(result.runs.map((r) => `${r.seed}/${r.labels}/${r.start}`).slice(0, 4)).toEqual(['0/20/dbn', '0/20/xavier', '0/20/he', '0/100/dbn']);
    for (const run of result.runs) {
      expect(run.accuracy).toBeGreaterThanOrEqual(0);
      expect(run.accuracy).toBeLessThanOrEqual(1);
      expect(run.accuracy * TINY.testSize).toBeCloseTo(Math.round(run.accuracy * TINY.testSize), 6);
      expect(Number.isFinite(run.loss)).toBe(true);
      // The fixed budget: about 20 updates whatever the label count, and 2 epochs at least.
      expect(run.updates).toBeGreaterThanOrEqual(16);
      expect(run.updates).toBeLessThanOrEqual(24);
      expect(run.epochs).toBeGreaterThanOrEqual(2);
    }
    // Only the pretrained start fits its output layer alone first: 10 updates, or the epochs nearest them.
    for (const run of result.runs) expect(run.headUpdates).toBe(run.start === 'dbn' ? ({ 20: 10, 100: 10, 600: 12 } as Record<number, number>)[run.labels] : 0);
    // 600 labels with 20 updates of 100 rows is 3 epochs: enough to leave chance (0.1) far behind.
    const all = result.runs.filter((r) => r.labels === 600);
    expect(Math.max(...all.map((r) => r.accuracy))).toBeGreaterThan(0.3);
    expect(events).toContain('layer 0 16x784');
    expect(events).toContain('run 18/18 he');
  });

  it('numbers every fine-tuning epoch from 1, as fit logs them', () => {
    expect(runEpochs.map((epochs) => epochs.join())).toEqual(result.runs.map((run) => Array.from({ length: run.epochs }, (_, i) => i + 1).join()));
  });

  it('pretrains once per seed on all the training digits and nothing else', () => {
    expect(result.pretraining.map((p) => [p.seed, p.rows])).toEqual([[0, 600], [1, 600]]);
    expect(events.filter((e) => e.startsWith('pretrain 0 ')).length).toBe(2); // one epoch per RBM
  });

  it('fine-tunes on the draws labelSplit makes, balanced', () => {
    expect(result.draws.map((d) => [d.seed, d.labels])).toEqual([[0, 20], [0, 100], [1, 20], [1, 100]]);
    for (const draw of result.draws) {
      const digits = loaded.get(draw.seed)!;
      expect(draw.rows).toEqual(Array.from(labelSplit(digits, draw.labels, draw.seed).labeled.rows));
      expect(perClass(digits.train.y, Int32Array.from(draw.rows))).toEqual(new Array(10).fill(draw.labels / 10));
    }
  });

  it('summarizes mean ± sd per label count and start, and the gain over the best random start', () => {
    expect(result.cells.map((c) => `${c.labels}/${c.start}/${c.runs}`)).toEqual(
      ['20', '100', '600'].flatMap((n) => ['dbn', 'xavier', 'he'].map((s) => `${n}/${s}/2`)),
    );
    const cell = result.cells[0];
    const accuracies = result.runs.filter((r) => r.labels === 20 && r.start === 'dbn').map((r) => r.accuracy);
    expect(cell.mean).toBeCloseTo((accuracies[0] + accuracies[1]) / 2, 12);
    expect(cell.sd).toBeCloseTo(Math.abs(accuracies[0] - accuracies[1]) / Math.SQRT2, 12);
    expect(result.gains.map((g) => g.labels)).toEqual([20, 100, 600]);
  });

  it('fits the output layer alone first for the pretrained start only', async () => {
    const seeds = [0];
    const without = await runLabels({ ...TINY, seeds, labels: [100], fineTune: { ...TINY.fineTune, headUpdates: 0 } }, { digits: async () => loaded.get(0)! });
    const withHead = result.runs.filter((run) => run.seed === 0 && run.labels === 100);
    expect(without.runs.map((run) => run.headUpdates)).toEqual([0, 0, 0]);
    // Same seed, same draws: the random starts' runs are bit for bit those of the run with the head phase.
    expect(without.runs.filter((run) => run.start !== 'dbn').map((run) => run.accuracy)).toEqual(withHead.filter((run) => run.start !== 'dbn').map((run) => run.accuracy));
    expect(without.runs.filter((run) => run.start !== 'dbn').map((run) => run.loss)).toEqual(withHead.filter((run) => run.start !== 'dbn').map((run) => run.loss));
    expect(without.runs[0].loss).not.toBe(withHead[0].loss);
  });

  it('refuses a label count that is no balanced draw before any work', async () => {
    let loads = 0;
    const digits = async () => {
      loads++;
      return loaded.get(0)!;
    };
    await expect(runLabels({ ...TINY, labels: [25] }, { digits })).rejects.toThrow(/labels holds 25: a balanced draw needs a multiple of 10/);
    await expect(runLabels({ ...TINY, starts: ['lsuv' as never] }, { digits })).rejects.toThrowError(ParamError);
    await expect(runLabels({ ...TINY, fineTune: { ...TINY.fineTune, headUpdates: -1 } }, { digits })).rejects.toThrow(/fineTune.headUpdates must be an integer ≥ 0, got -1/);
    expect(loads).toBe(0);
  });
});

describe('the table', () => {
  const run = (labels: number, start: LabelsRun['start'], seed: number, accuracy: number): LabelsRun => ({
    seed,
    labels,
    start,
    accuracy,
    loss: 0,
    trainAccuracy: 1,
    epochs: 1,
    updates: 500,
    headUpdates: start === 'dbn' ? 500 : 0,
    seconds: 1,
  });
  /** A full-setting result with these mean accuracies over five seeds, each ± 0.05 points around it. */
  function result(means: Record<number, [number, number, number]>): LabelsResult {
    const runs = Object.entries(means).flatMap(([labels, [dbn, xavier, he]]) =>
      [0, 1, 2, 3, 4].flatMap((seed) => {
        const jitter = (seed - 2) * 0.0005;
        return [run(+labels, 'dbn', seed, dbn + jitter), run(+labels, 'xavier', seed, xavier + jitter), run(+labels, 'he', seed, he + jitter)];
      }),
    );
    const cells = summarize(runs, LABELS_FULL);
    return { config: LABELS_FULL, layers: [784, 256, 256, 10], trainRows: 8000, runs, pretraining: [], cells, gains: gainsOf(cells, LABELS_FULL), draws: [], seconds: 1 };
  }

  it('marks the target, the findings that agree with the paper, and where pretraining stops helping', () => {
    const met = result({ 100: [0.8, 0.76, 0.75], 1000: [0.93, 0.89, 0.9], 8000: [0.96, 0.958, 0.955] });
    const table = labelsTable(met);
    expect(table).toMatch(/^100 .* \+4\.00 ± 0\.\d\d vs Xavier uniform +helps +81\.70% vs 76\.02% \(\+5\.68\) +yes$/m);
    expect(table).toMatch(/^1000 .* \+3\.00 ± 0\.\d\d vs He normal +helps +93\.65% vs 88\.71% \(\+4\.94\) +yes$/m);
    // All labels: +0.2 points is below one point, as the paper's +0.53 with all 60k.
    expect(table).toMatch(/^8000 \(all\) .* \+0\.20 ± 0\.\d\d vs Xavier uniform +< 1 point +all 60k: 98\.73% vs 98\.20% \(\+0\.53\) +yes$/m);
    expect(table).toContain('target: at 1000 labels, pretrained ≥ best random + 3 points: +3.00 ok');
    expect(stopsHelping(met)).toBe('pretraining helps at 100 and 1000 labels; at 8000 labels its gain falls to +0.20 ± 0.05 points: it stops helping (by the 1-point bar) between 1000 and 8000 labels');

    const missed = labelsTable(result({ 100: [0.77, 0.76, 0.75], 1000: [0.905, 0.89, 0.9], 8000: [0.96, 0.958, 0.955] }));
    expect(missed).toMatch(/^1000 .* \+0\.50 ± 0\.\d\d vs He normal +< 1 point +93\.65% vs 88\.71% \(\+4\.94\) +NO$/m);
    expect(missed).toContain('target: at 1000 labels, pretrained ≥ best random + 3 points: +0.50 MISSED');
  });
});

describe('nninit experiment labels', () => {
  let out: string;
  beforeAll(async () => {
    out = await mkdtemp(join(tmpdir(), 'nninit-labels-'));
  });
  afterAll(() => rm(out, { recursive: true, force: true }));

  it('runs --quick on tiny settings and writes labels.json and labels.svg', async () => {
    const printed: string[] = [];
    const progress: string[] = [];
    const stream = { isTTY: false, write: (text: string) => progress.push(text) } as unknown as NodeJS.WriteStream;
    const io = { print: (text: string) => printed.push(text), progress: new Progress(stream) };
    const args = ['--quick', '--seeds', '2', '--labels', '10,100,8000', '--updates', '5', '--pretrain-epochs', '1', '--out', out];
    await runCommand(experimentCommand(labelsExperiment), args, io);
    const report = printed.join('\n');
    expect(report).toMatch(/^labels +DBN-pretrained +Xavier uniform +He normal +gain \(points\) +pretraining +paper \(monsta-hd/m);
    expect(report).toMatch(/^10 +0\.\d{4} ± 0\.\d{4} /m);
    expect(report).toMatch(/^100 .*81\.70% vs 76\.02% \(\+5\.68\) +-$/m); // too short to judge
    expect(report).toMatch(/^2000 \(all\) /m); // --quick has 2000 training digits
    expect(report).toContain('Test accuracy on 500 test digits, mean ± sd over 2 seeds');
    expect(report).not.toContain('target:');
    expect(report).toMatch(/wrote .*labels\.json and .*labels\.svg/);
    expect(progress.some((line) => line.startsWith('seed 1: DBN pretraining, RBM 2/2, epoch 1/1'))).toBe(true);
    expect(progress.some((line) => line.startsWith('[18/18] He normal, 2000 labels, seed 1'))).toBe(true);

    const saved = JSON.parse(await readFile(join(out, 'labels.json'), 'utf8')) as LabelsResult;
    expect(saved.runs).toHaveLength(18);
    expect(saved.config.labels).toEqual([10, 100, 2000]);
    expect(saved.trainRows).toBe(2000);
    const svg = await readFile(join(out, 'labels.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const lines = [...svg.matchAll(/<g class="line" aria-label="([^"]+)">(.*?)<\/g>/g)];
    expect(lines.map((m) => m[1])).toEqual(['DBN-pretrained', 'Xavier uniform', 'He normal']);
    for (const [, , marks] of lines) {
      expect(marks.match(/<circle /g)).toHaveLength(3);
      expect(marks.match(/<path class="error"/g)).toHaveLength(3);
    }
  }, 120_000);

  it('takes five seeds unless told otherwise', () => {
    expect(experimentCommand(labelsExperiment).options.seeds.absent).toBe(5);
  });
});
