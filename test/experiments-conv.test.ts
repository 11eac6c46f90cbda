import { beforeAll, describe, expect, it } from 'vitest';
import {
  CNN_FULL,
  RESIDUAL_FULL,
  TRANSFER_FULL,
  adaptationSchedule,
  cnnTarget,
  fineTuneGain,
  labelledRows,
  residualLayers,
  residualModel,
  runCnn,
  runResidual,
  runTransfer,
  summarizeResidual,
  type CnnProgress,
  type CnnResult,
  type DigitSplit,
  type ResidualResult,
  type ResidualRun,
  type TransferProgress,
  type TransferResult,
} from '../src/experiments/index.js';
import * as nninit from '../src/index.js';

/*
 * The cnn, residual and transfer experiment cores on tiny configurations, in Node and in Chromium
 * (a browser worker runs the same code). The digits are a learnable stand-in: each class lights
 * its own band of pixels over uniform noise, classes in equal turns.
 */

beforeAll(() => nninit.ready());

async function bandDigits({ trainSize, testSize, seed }: DigitSplit): Promise<nninit.data.Mnist> {
  const rng = new nninit.Rng(seed);
  const make = (rows: number) => {
    const x = nninit.init.uniform([rows, 784], { low: 0, high: 0.2, rng });
    const y = new Int32Array(rows);
    for (let r = 0; r < rows; r++) {
      y[r] = (r * 7 + seed) % 10;
      for (let p = y[r] * 78; p < y[r] * 78 + 78; p++) x.data[r * 784 + p] += 0.8;
    }
    return { x, y };
  };
  return { train: make(trainSize), test: make(testSize) };
}

describe('cnn: the small CNN from different starts', () => {
  const config = { ...CNN_FULL, channels: [2, 4] as [number, number], starts: ['he' as const, 'zeros' as const], epochs: 2, trainSize: 60, testSize: 20, batchSize: 6, lr: 0.01, seeds: [3] };
  let result: CnnResult;
  const events: CnnProgress[] = [];
  beforeAll(async () => {
    result = await runCnn(config, { digits: bandDigits, onProgress: (p) => events.push(p) });
  }, 60_000);

  it('trains every start and the MLP, scoring the test rows after each epoch', () => {
    expect(result.runs.map((r) => `${r.model}/${r.start}`)).toEqual(['cnn/he', 'cnn/zeros', 'mlp/he']);
    // conv 1→2 (5×5) + conv 2→4 (5×5) + dense 64→128 + dense 128→10; the MLP 784-256-256-10.
    const cnnParameters = 2 * 25 + 2 + 4 * 2 * 25 + 4 + 64 * 128 + 128 + 128 * 10 + 10;
    expect(result.runs.map((r) => r.parameters)).toEqual([cnnParameters, cnnParameters, 785 * 256 + 257 * 256 + 257 * 10]);
    for (const run of result.runs) {
      expect(run.accuracy).toHaveLength(2);
      expect(run.loss).toHaveLength(2);
    }
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(events.map((e) => `${e.run}/${e.runs}:${e.epoch}`)).toEqual(['1/3:1', '1/3:2', '2/3:1', '2/3:2', '3/3:1', '3/3:2']);
  });

  it('leaves the zero start where it began: one class for every row', () => {
    // Every conv and dense weight gets a zero gradient; only the classifier's biases move, so
    // every test row gets the same answer: one class of ten in equal turns.
    for (const a of result.runs[1].accuracy) expect(a).toBeCloseTo(0.1, 12);
    expect(Math.max(...result.runs[0].accuracy)).toBeGreaterThan(0.3);
  });

  it('judges the target on the He start only', () => {
    expect(cnnTarget(result)!.value).toBe(result.runs[0].accuracy[1]);
    expect(cnnTarget({ ...result, runs: result.runs.filter((r) => r.start !== 'he') })).toBeNull();
  });

  it('rejects a bad config with the field named', async () => {
    await expect(runCnn({ ...config, starts: ['he', 'lecun' as 'he'] })).rejects.toThrow(/starts\[1\] must be one of he, xavier, orthogonal, zeros/);
    await expect(runCnn({ ...config, channels: [2] as unknown as [number, number] })).rejects.toThrow(nninit.ParamError);
  });
});

describe('residual: a deep residual net without normalization', () => {
  it('starts ReZero, Fixup and ZerO blocks at the identity, the way their papers do', () => {
    const rezero = residualModel('rezero', 3, 8, 1).stateDict();
    for (let b = 2; b < 5; b++) expect(Array.from(rezero[`${b}.gate`].data)).toEqual([0]);
    const fixup = residualModel('fixup', 4, 8, 1).stateDict();
    const unscaled = new nninit.Sequential(residualLayers('fixup', 4, 8), { inputShape: [784], seed: 1 }).stateDict();
    // 4 branches of m = 2 layers: the first × 4^(−1/2), the last 0; the classifier 0; multipliers 1.
    expect(Array.from(fixup['2.branch.1.weight'].data)).toEqual(Array.from(unscaled['2.branch.1.weight'].data, (v) => Math.fround(v / 2)));
    expect(unscaled['2.branch.5.weight'].data.some((v) => v !== 0)).toBe(true);
    expect(fixup['2.branch.5.weight'].data.every((v) => v === 0)).toBe(true);
    expect(Array.from(fixup['3.gate'].data)).toEqual([1]);
    expect(fixup['6.weight'].data.every((v) => v === 0)).toBe(true);
    const zero = residualModel('zerO', 2, 4, 1).stateDict();
    expect(Array.from(zero['2.branch.0.weight'].data)).toEqual([1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]);
    expect(zero['2.branch.2.weight'].data.every((v) => v === 0)).toBe(true);
  });

  it("explodes from He's start at 32 blocks and stays sane from PyTorch's default", async () => {
    const { test } = await bandDigits({ trainSize: 1, testSize: 40, seed: 0 });
    const loss = (start: 'he' | 'default' | 'rezero') => {
      const model = residualModel(start, 32, 16, 2);
      try {
        return model.evaluate(test.x, test.y).loss;
      } finally {
        model.dispose();
      }
    };
    // Var grows ×3 per He block: logits ~ 3^16 ≈ 4e7 in scale.
    expect(loss('he')).toBeGreaterThan(1e4);
    expect(loss('default')).toBeLessThan(10);
    expect(loss('rezero')).toBeLessThan(100);
  });

  const config = { ...RESIDUAL_FULL, blocks: 3, width: 8, epochs: 3, trainSize: 60, testSize: 20, batchSize: 20, seeds: [1] };
  let result: ResidualResult;
  beforeAll(async () => {
    result = await runResidual({ ...config, lrs: [0.05, 1e6] }, { digits: bandDigits });
  }, 60_000);

  it('runs every start at every learning rate and stops a run whose loss is not finite', () => {
    expect(result.runs.map((r) => `${r.lr}/${r.start}`)).toEqual([0.05, 1e6].flatMap((lr) => ['he', 'default', 'fixup', 'zerO', 'rezero'].map((s) => `${lr}/${s}`)));
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    // lr 1e6 blows the starts up in their first epoch.
    const blown = result.runs.filter((r) => r.lr === 1e6 && r.status === 'diverged');
    expect(blown.map((r) => r.start)).toEqual(expect.arrayContaining(['he', 'default', 'rezero']));
    for (const run of blown) {
      expect(run.status).toBe('diverged');
      expect(run.divergedAt).toBe(1);
      expect(run.loss).toEqual([null]);
      expect(run.epochsRun).toBe(1);
      expect(run.final).toBeNull();
    }
    for (const run of result.runs.filter((r) => r.status !== 'diverged')) {
      expect(run.loss).toHaveLength(3);
      expect(run.final).toBe(run.accuracy[2]);
    }
    expect(result.parameters.fixup).toBe(result.parameters.he - 3 * 2 * 8 + 3 * (4 + 1));
  });

  it('summarizes which start trains at its best learning rate', () => {
    const run = (start: ResidualRun['start'], lr: number, final: number | null, status: ResidualRun['status']): ResidualRun => ({
      ...result.runs[0],
      start,
      lr,
      final,
      status,
    });
    const crafted: ResidualResult = {
      ...result,
      config: { ...result.config, starts: ['he', 'fixup'], lrs: [0.01, 0.05] },
      runs: [run('he', 0.01, null, 'diverged'), run('he', 0.05, 0.1, 'stalled'), run('fixup', 0.01, 0.93, 'trains'), run('fixup', 0.05, 0.96, 'trains')],
    };
    const [he, fixup] = summarizeResidual(crafted);
    expect(he).toMatchObject({ trains: false, best: null, meetsTarget: false });
    expect(he.byLr).toEqual([
      { lr: 0.01, final: null, diverged: 1, stalled: 0, seeds: 1 },
      { lr: 0.05, final: 0.1, diverged: 0, stalled: 1, seeds: 1 },
    ]);
    expect(fixup).toMatchObject({ trains: true, best: { lr: 0.05, final: 0.96 }, meetsTarget: true });
  });
});

describe('transfer: pretrained on 0–4, adapted to 5–9', () => {
  const config = { ...TRANSFER_FULL, channels: [2, 4] as [number, number], trainSize: 100, testSize: 50, pretrainEpochs: 1, steps: 6, labels: [2, 'all' as const], seeds: [0, 1] };
  let result: TransferResult;
  const events: TransferProgress[] = [];
  beforeAll(async () => {
    result = await runTransfer(config, { digits: bandDigits, onProgress: (p) => events.push(p) });
  }, 60_000);

  it('pretrains once per seed and adapts every method on the same labelled rows', () => {
    expect(result.pretrain.map((p) => [p.seed, p.rows])).toEqual([
      [0, 50],
      [1, 50],
    ]);
    expect(result.testRows).toBe(25);
    expect(result.runs.map((r) => `${r.seed}/${r.labels}/${r.method}/${r.rows}`)).toEqual(
      [0, 1].flatMap((seed) => [2, 'all'].flatMap((labels) => ['frozen', 'finetune', 'scratch'].map((m) => `${seed}/${labels}/${m}/${labels === 2 ? 10 : 50}`))),
    );
    for (const run of result.runs) expect(run.accuracy).toBeGreaterThanOrEqual(0), expect(run.accuracy).toBeLessThanOrEqual(1);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
    expect(events.filter((e) => e.phase === 'pretrain').map((e) => `${e.run}/${e.runs}`)).toEqual(['1/14', '8/14']);
    expect(events[events.length - 1]).toMatchObject({ run: 14, phase: 'adapt', labels: 'all', method: 'scratch' });
  });

  it('pairs fine-tuned and from-scratch runs per seed', () => {
    const gain = fineTuneGain(result, 2)!;
    const of = (seed: number, method: string) => result.runs.find((r) => r.seed === seed && r.labels === 2 && r.method === method)!.accuracy;
    expect(gain.perSeed).toEqual([of(0, 'finetune') - of(0, 'scratch'), of(1, 'finetune') - of(1, 'scratch')]);
    expect(gain.mean).toBeCloseTo((gain.perSeed[0] + gain.perSeed[1]) / 2, 12);
    expect(fineTuneGain(result, 100)).toBeNull();
  });

  it('draws k rows of each class 5–9, seeded, and sizes batches for about `steps` steps', () => {
    const y = Int32Array.from({ length: 200 }, (_, i) => i % 10);
    const rows = labelledRows(y, 3, new nninit.Rng(4));
    expect(rows).toHaveLength(15);
    expect(rows.map((r) => y[r])).toEqual([5, 5, 5, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9]);
    expect(new Set(rows).size).toBe(15);
    expect(labelledRows(y, 3, new nninit.Rng(4))).toEqual(rows);
    expect(labelledRows(y, 'all', new nninit.Rng(4))).toHaveLength(100);
    expect(() => labelledRows(y, 21, new nninit.Rng(4))).toThrow(/21 labels per class asked, but the training split has only 20 rows of digit 5/);
    const schedule = (rows: number) => adaptationSchedule(rows, TRANSFER_FULL);
    expect(schedule(50)).toEqual({ batchSize: 10, epochs: 60 });
    expect(schedule(500)).toEqual({ batchSize: 31, epochs: 18 });
    expect(schedule(4000)).toEqual({ batchSize: 64, epochs: 5 });
    expect(schedule(5)).toEqual({ batchSize: 5, epochs: 300 });
  });

  it('rejects a bad config with the field named', async () => {
    await expect(runTransfer({ ...config, labels: [10, 0] })).rejects.toThrow(/labels\[1\] must be a positive integer, got 0/);
    await expect(runTransfer({ ...config, methods: ['linear' as 'frozen'] })).rejects.toThrow(/methods\[0\] must be one of frozen, finetune, scratch/);
    await expect(runTransfer({ ...config, minBatch: 100 })).rejects.toThrow(/minBatch \(100\) must be <= maxBatch \(64\)/);
  });
});
