import { beforeAll, describe, expect, it } from 'vitest';
import {
  DEEP_LINEAR_FULL,
  DEEP_RELU_FULL,
  EDGE_OF_CHAOS_FULL,
  ISOMETRY_FULL,
  criticalSigmaW2,
  deepReluTargets,
  edgeColumns,
  edgeTheory,
  linearTeacherTask,
  medianSteps,
  meanAccuracyCurve,
  runDeepLinear,
  runDeepRelu,
  runEdgeOfChaos,
  runIsometry,
  summarizeSpectrum,
  type DeepLinearProgress,
  type DeepLinearRun,
  type DeepReluProgress,
  type DeepReluResult,
  type DigitSplit,
  type EdgeOfChaosProgress,
  type IsometryProgress,
} from '../src/experiments/index.js';
import * as nninit from '../src/index.js';

/*
 * The experiment cores on tiny configurations, in Node and in Chromium (they are the code a
 * browser worker runs). The MNIST cores get a small learnable stand-in for the digits through
 * their `digits` option: each class lights its own band of pixels over uniform noise.
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

describe('depth (a): the deep ReLU net', () => {
  const config = { ...DEEP_RELU_FULL, hiddenLayers: 3, width: 16, epochs: 2, trainSize: 100, testSize: 40, batchSize: 20, lr: 0.05, seeds: [3, 4] };
  let result: DeepReluResult;
  const events: DeepReluProgress[] = [];
  beforeAll(async () => {
    result = await runDeepRelu(config, { digits: bandDigits, onProgress: (p) => events.push(p) });
  }, 60_000);

  it('runs every init on every seed, with test accuracy and loss after each epoch', () => {
    expect(result.layers).toEqual([784, 16, 16, 16, 10]);
    expect(result.runs.map((r) => `${r.init}/${r.seed}`)).toEqual(['he/3', 'xavier/3', 'he/4', 'xavier/4']);
    for (const run of result.runs) {
      expect(run.accuracy).toHaveLength(2);
      expect(run.loss).toHaveLength(2);
      for (const a of run.accuracy) expect(a).toBeGreaterThanOrEqual(0), expect(a).toBeLessThanOrEqual(1);
      expect(run.majority).toBeCloseTo(0.1, 5); // the stand-in's classes come in equal turns
    }
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reports progress after every epoch, numbered from 1', () => {
    expect(events.map((e) => `${e.run}/${e.runs}:${e.epoch}/${e.epochs}`)).toEqual(['1/4:1/2', '1/4:2/2', '2/4:1/2', '2/4:2/2', '3/4:1/2', '3/4:2/2', '4/4:1/2', '4/4:2/2']);
    expect(events[1].testAccuracy).toBe(result.runs[0].accuracy[1]);
  });

  it('trains every epoch whatever onProgress returns (a false from fit\'s onEpoch would stop it)', async () => {
    const seen: number[] = [];
    const returnsFalse = ((p: DeepReluProgress) => {
      seen.push(p.epoch);
      return false;
    }) as (p: DeepReluProgress) => void;
    const short = await runDeepRelu({ ...config, inits: ['he'], seeds: [3] }, { digits: bandDigits, onProgress: returnsFalse });
    expect(seen).toEqual([1, 2]);
    expect(short.runs[0].accuracy).toEqual(result.runs[0].accuracy);
  }, 60_000);

  it('averages curves over seeds and judges the targets only on 8 epochs or more', () => {
    const he = result.runs.filter((r) => r.init === 'he');
    expect(meanAccuracyCurve(result, 'he')).toEqual([0, 1].map((e) => (he[0].accuracy[e] + he[1].accuracy[e]) / 2));
    expect(deepReluTargets(result)).toBeNull();
    const curve = (values: number[]) => values;
    const long: DeepReluResult = {
      ...result,
      config: { ...result.config, epochs: 8 },
      runs: [
        { ...result.runs[0], init: 'he', accuracy: curve([0.3, 0.5, 0.7, 0.8, 0.84, 0.86, 0.9, 0.88]) },
        { ...result.runs[0], init: 'he', accuracy: curve([0.3, 0.5, 0.6, 0.7, 0.8, 0.82, 0.84, 0.8]) },
        { ...result.runs[1], init: 'xavier', accuracy: curve(new Array(8).fill(0.11)) },
      ],
    };
    const targets = deepReluTargets(long)!;
    expect(targets.map((t) => [t.init, t.met, t.seedsMet, t.seeds])).toEqual([
      ['he', true, 1, 2], // mean 0.75 after epoch 4; one seed of two
      ['xavier', true, 1, 1],
      ['he', true, 1, 2], // best 0.9 and 0.84: mean 0.87
    ]);
    expect(targets[0].value).toBeCloseTo(0.75, 12);
  });

  it('rejects a bad config with the field named', async () => {
    await expect(runDeepRelu({ ...config, inits: ['he', 'lecun' as 'he'] })).rejects.toThrow(/inits\[1\] must be one of he, xavier/);
    await expect(runDeepRelu({ ...config, momentum: 1 })).rejects.toThrow(nninit.ParamError);
    await expect(runDeepRelu({ ...config, seeds: [] })).rejects.toThrow(/seeds must be a non-empty array/);
  });
});

describe('depth (b): deep linear networks', () => {
  const config = { ...DEEP_LINEAR_FULL, depths: [2, 4], width: 8, rows: 32, maxSteps: 150, seeds: [1], sweep: { depth: 2, lrScales: [1, 64] } };
  let result: Awaited<ReturnType<typeof runDeepLinear>>;
  const events: DeepLinearProgress[] = [];
  beforeAll(async () => {
    result = await runDeepLinear(config, { onProgress: (p) => events.push(p), progressEvery: 10 });
  });

  it('makes the task a whitened Gaussian input through a linear teacher, the same for a seed', () => {
    const task = linearTeacherTask(8, 32, 1);
    expect(task.x.shape).toEqual([32, 8]);
    expect(task.y.shape).toEqual([32, 8]);
    expect(linearTeacherTask(8, 32, 1).y.data).toEqual(task.y.data);
    expect(linearTeacherTask(8, 32, 2).y.data).not.toEqual(task.y.data);
    let sum = 0;
    for (const v of task.y.data) sum += v * v;
    expect(task.outputVariance).toBeCloseTo(sum / task.y.data.length, 6);
  });

  function checkRun(run: DeepLinearRun) {
    const steps = run.curve.map((p) => p.step);
    expect(steps[0]).toBe(0);
    for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1]);
    expect(run.initialLoss).toBe(run.curve[0].loss);
    expect(run.finalLoss).toBe(run.curve[run.curve.length - 1].loss);
    expect(run.lr).toBe(run.lrScale / run.depth);
    if (run.steps !== null) {
      expect(steps[steps.length - 1]).toBe(run.steps);
      expect(run.finalLoss).toBeLessThanOrEqual(config.targetFraction);
    } else if (!run.diverged) {
      expect(steps[steps.length - 1]).toBe(config.maxSteps);
      expect(run.finalLoss).toBeGreaterThan(config.targetFraction);
    }
  }

  it('runs every (depth, init), then the learning-rate check; each curve starts at step 0 and ends where the run stopped', () => {
    expect(result.runs.map((r) => `${r.depth}/${r.init}`)).toEqual(['2/orthogonal', '2/gaussian', '4/orthogonal', '4/gaussian']);
    expect(result.sweep.map((r) => `${r.lrScale}/${r.init}`)).toEqual(['1/orthogonal', '1/gaussian', '64/orthogonal', '64/gaussian']);
    for (const run of [...result.runs, ...result.sweep]) checkRun(run);
    // lr 32 on a depth-2 net overshoots: stopped as diverged, no steps.
    for (const run of result.sweep.filter((r) => r.lrScale === 64)) {
      expect(run.diverged).toBe(true);
      expect(run.steps).toBeNull();
    }
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  });

  it('reports progress per run in step order, ending with done', () => {
    for (let run = 1; run <= 8; run++) {
      const mine = events.filter((e) => e.run === run);
      expect(mine.length).toBeGreaterThan(0);
      for (let i = 1; i < mine.length; i++) expect(mine[i].step).toBeGreaterThan(mine[i - 1].step);
      expect(mine.map((e) => e.done)).toEqual([...new Array(mine.length - 1).fill(false), true]);
    }
  });

  it('takes the median over seeds, counting "not reached" as slowest', () => {
    const run = (steps: number | null) => ({ steps }) as DeepLinearRun;
    expect(medianSteps([run(5), run(null), run(3)])).toBe(5);
    expect(medianSteps([run(5), run(null), run(null)])).toBeNull();
    expect(medianSteps([run(4), run(6)])).toBe(5);
  });

  it('shows Saxe et al.\'s effect at a small size: Gaussian slows down with depth, orthogonal does not', async () => {
    const small = await runDeepLinear({ ...config, depths: [2, 16], width: 16, rows: 64, maxSteps: 400, sweep: null });
    const steps = (init: string, depth: number) => small.runs.find((r) => r.init === init && r.depth === depth)!.steps ?? Infinity;
    expect(steps('orthogonal', 16)).toBeLessThan(2 * steps('orthogonal', 2) + 40);
    expect(steps('gaussian', 16)).toBeGreaterThan(3 * steps('gaussian', 2));
    expect(steps('gaussian', 16)).toBeGreaterThan(3 * steps('orthogonal', 16));
  }, 60_000);

  it('rejects a bad config with the field named', async () => {
    await expect(runDeepLinear({ ...config, depths: [] })).rejects.toThrow(/depths must be a non-empty array/);
    await expect(runDeepLinear({ ...config, depths: [2, 0] })).rejects.toThrow(/depths\[1\] must be a positive integer/);
    await expect(runDeepLinear({ ...config, sweep: { depth: 2, lrScales: [-1] } })).rejects.toThrow(/sweep.lrScales\[0\]/);
  });
});

describe('edge-of-chaos (a): the σ_w² × depth grid', () => {
  it('draws 6 ξ_c from meanField, infinite (null) at the critical point', () => {
    const critical = criticalSigmaW2(0.05);
    expect(critical).toBe(nninit.init.criticalPoint({ activation: 'tanh', sigmaB: Math.sqrt(0.05) }) ** 2);
    const theory = edgeTheory([1, 2.5, 4], 0.05);
    for (const t of theory) {
      const field = nninit.init.meanField({ activation: 'tanh', sigmaW: Math.sqrt(t.sigmaW2), sigmaB: Math.sqrt(0.05) });
      expect(t.trainableDepth).toBe(6 * field.depthScale);
      expect(t.depthScale).toBe(field.depthScale);
      expect(t.chi1).toBe(field.chi1);
      expect(t.phase).toBe(field.phase);
    }
    expect(theory.map((t) => t.phase)).toEqual(['ordered', 'chaotic', 'chaotic']);
    const [atCritical] = edgeTheory([critical], 0.05);
    expect(atCritical.trainableDepth).toBeNull();
    expect(atCritical.phase).toBe('critical');
  });

  it('trains one net per cell and judges each column against 6 ξ_c', async () => {
    const events: EdgeOfChaosProgress[] = [];
    const config = { ...EDGE_OF_CHAOS_FULL, sigmaW2: [1, 2], depths: [2, 3], width: 8, trainSize: 60, testSize: 20, batchSize: 10 };
    const result = await runEdgeOfChaos(config, { digits: bandDigits, onProgress: (p) => events.push(p) });
    expect(result.cells.map((c) => `${c.depth}/${c.sigmaW2}`)).toEqual(['2/1', '2/2', '3/1', '3/2']);
    expect(events.map((e) => `${e.cell}/${e.cells}`)).toEqual(['1/4', '2/4', '3/4', '4/4']);
    for (const cell of result.cells) {
      expect(cell.accuracy).toBeGreaterThanOrEqual(0);
      expect(cell.accuracy).toBeLessThanOrEqual(1);
    }
    expect(result.theory).toEqual(edgeTheory([1, 2], 0.05));
    const columns = edgeColumns(result);
    expect(columns.map((c) => c.accuracy)).toEqual([
      [result.cells[0].accuracy, result.cells[2].accuracy],
      [result.cells[1].accuracy, result.cells[3].accuracy],
    ]);
    // Depths 2 and 3 are far below 6 ξ_c (22 and 151): nothing learning there can contradict the claim.
    expect(columns.every((c) => c.agrees)).toBe(true);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 60_000);

  it('counts a column as disagreeing when a net deeper than 6 ξ_c learns', () => {
    const theory = edgeTheory([1], 0.05); // 6 ξ_c ≈ 21.8
    const config = { ...EDGE_OF_CHAOS_FULL, sigmaW2: [1], depths: [10, 30], seeds: [0] };
    const cell = (depth: number, accuracy: number) => ({ sigmaW2: 1, depth, seed: 0, accuracy, trainLoss: 1, seconds: 0 });
    const judge = (deep: number) => edgeColumns({ config, criticalSigmaW2: 1.76, theory, cells: [cell(10, 0.9), cell(30, deep)], seconds: 0 })[0];
    expect(judge(0.11)).toMatchObject({ deepestLearning: 10, agrees: true });
    expect(judge(0.6)).toMatchObject({ deepestLearning: 30, agrees: false });
  });

  it('rejects a bad config with the field named', async () => {
    await expect(runEdgeOfChaos({ ...EDGE_OF_CHAOS_FULL, sigmaW2: [1, -2] })).rejects.toThrow(/sigmaW2\[1\] must be a finite number > 0/);
    await expect(runEdgeOfChaos({ ...EDGE_OF_CHAOS_FULL, sigmaB2: Number.NaN })).rejects.toThrow(/sigmaB2/);
  });
});

describe('edge-of-chaos (b): Jacobian spectra and training speed', () => {
  it('summarizes a spectrum: median and the share within a factor 2 of 1', () => {
    const summary = summarizeSpectrum({ singularValues: [2, 1, 0.5, 1e-9], meanSquared: 1.3, max: 2.5, inputs: 1 });
    expect(summary.median).toBe(0.75);
    expect(summary.nearOne).toBe(0.75);
    expect(summary.min).toBe(1e-9);
    expect(summary).toMatchObject({ meanSquared: 1.3, max: 2.5, singularValues: [2, 1, 0.5, 1e-9] });
    expect(summarizeSpectrum({ singularValues: [2.01, 1, 0.49], meanSquared: 1, max: 2.01, inputs: 1 }).nearOne).toBeCloseTo(1 / 3, 12);
  });

  it('measures each start\'s stack spectrum, then trains the MNIST-shaped net', async () => {
    const events: IsometryProgress[] = [];
    const config = { ...ISOMETRY_FULL, depths: [3], width: 8, sigmaB2: [0.05, 0], trainSize: 60, testSize: 20, epochs: 2, batchSize: 10, jacobianInputs: 2 };
    const result = await runIsometry(config, { digits: bandDigits, onProgress: (p) => events.push(p) });
    expect(result.runs.map((r) => `${r.sigmaB2}/${r.init}`)).toEqual(['0.05/orthogonal', '0.05/gaussian', '0/orthogonal', '0/gaussian']);
    for (const run of result.runs) {
      expect(run.sigmaW).toBe(nninit.init.criticalPoint({ activation: 'tanh', sigmaB: Math.sqrt(run.sigmaB2) }));
      expect(run.jacobian.singularValues).toHaveLength(8);
      const sorted = [...run.jacobian.singularValues].sort((a, b) => b - a);
      expect(run.jacobian.singularValues).toEqual(sorted);
      expect(run.jacobian.meanSquared).toBeGreaterThan(0);
      expect(run.accuracy).toHaveLength(2);
    }
    // σ_b = 0: criticality is σ_w = 1 and q* = 0, where tanh is linear: the orthogonal stack is exactly an isometry.
    const isometric = result.runs.find((r) => r.sigmaB2 === 0 && r.init === 'orthogonal')!;
    expect(isometric.sigmaW).toBeCloseTo(1, 9);
    expect(isometric.qStar).toBe(0);
    for (const value of isometric.jacobian.singularValues) expect(value).toBeCloseTo(1, 4);
    expect(events.filter((e) => e.stage === 'jacobian').map((e) => e.run)).toEqual([1, 2, 3, 4]);
    expect(events.filter((e) => e.run === 1).map((e) => `${e.stage}${e.epoch}`)).toEqual(['jacobian0', 'epoch1', 'epoch2']);
    expect(JSON.parse(JSON.stringify(result))).toEqual(result);
  }, 60_000);

  it('trains every epoch whatever onProgress returns', async () => {
    const config = { ...ISOMETRY_FULL, depths: [3], width: 8, sigmaB2: [0.05], inits: ['gaussian' as const], trainSize: 60, testSize: 20, epochs: 2, batchSize: 10, jacobianInputs: 2 };
    const stages: string[] = [];
    const returnsFalse = ((p: IsometryProgress) => {
      stages.push(`${p.stage}${p.epoch}`);
      return false;
    }) as (p: IsometryProgress) => void;
    const result = await runIsometry(config, { digits: bandDigits, onProgress: returnsFalse });
    expect(stages).toEqual(['jacobian0', 'epoch1', 'epoch2']);
    expect(result.runs[0].accuracy).toHaveLength(2);
  }, 60_000);
});
