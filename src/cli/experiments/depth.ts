import {
  DEEP_LINEAR_FULL,
  DEEP_LINEAR_QUICK,
  DEEP_RELU_FULL,
  DEEP_RELU_INITS,
  DEEP_RELU_QUICK,
  deepReluTargets,
  meanAccuracyCurve,
  medianSteps,
  runDeepLinear,
  runDeepRelu,
  type DeepLinearConfig,
  type DeepLinearInit,
  type DeepLinearResult,
  type DeepReluConfig,
  type DeepReluInit,
  type DeepReluResult,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure } from '../charts.js';
import { choices, integer, parseNumber, parseSizes, type Option, type Progress } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, claimHeader, defineExperiment, mean, meanAndSd, runLabel, seedsOf, toJson, type Claim } from './harness.js';

/*
 * `nninit experiment depth`: how deep a network trains from a given start. (a) He et al. 2015's
 * 30-layer ReLU net, Xavier vs He (src/experiments/deep-relu.ts); (b) Saxe et al. 2014's deep
 * linear networks, steps to a fixed loss vs depth from orthogonal and scaled Gaussian starts
 * (src/experiments/deep-linear.ts).
 */

type Part = 'relu' | 'linear';
const PARTS: readonly Part[] = ['relu', 'linear'];

export interface DepthResult {
  relu: DeepReluResult | null;
  linear: DeepLinearResult | null;
  seconds: number;
}

// ---------------------------------------------------------------------------------------------
// (a) the 30-layer ReLU net.

const HE_SOURCE = 'He et al. 2015, Fig. 3';

/** The qualitative claim of a row: He's start trains, Xavier's stalls at the majority class. */
function reluClaim(result: DeepReluResult, init: DeepReluInit): Claim {
  const curve = meanAccuracyCurve(result, init);
  const majority = mean(result.runs.map((run) => run.majority));
  const judged = Math.min(4, curve.length);
  if (init === 'he') return { paper: 'converges', agrees: Math.max(...curve) >= majority + 0.3 };
  return { paper: 'stalls (30 layers)', agrees: curve[judged - 1] <= 0.3 };
}

export function reluTable(result: DeepReluResult): string {
  const { epochs } = result.config;
  const epochColumns = Array.from({ length: epochs }, (_, e) => `e${e + 1}`);
  const seeds = result.config.seeds;
  const header = ['init', ...epochColumns, `e${epochs} (mean ± sd)`, 'train s', ...claimHeader(HE_SOURCE)];
  const rows = result.config.inits.map((init) => {
    const runs = result.runs.filter((run) => run.init === init);
    return [
      DEEP_RELU_INITS[init].label,
      ...meanAccuracyCurve(result, init).map((a) => a.toFixed(3)),
      meanAndSd(runs.map((run) => run.accuracy[epochs - 1]), 3),
      mean(runs.map((run) => run.seconds)).toFixed(1),
      ...claimCells(reluClaim(result, init)),
    ];
  });
  const { lr, momentum, batchSize, trainSize, testSize, hiddenLayers, width } = result.config;
  const majority = mean(result.runs.map((run) => run.majority));
  const lines = [
    `(a) ${result.layers[0]}-${width}×${hiddenLayers}-10 ReLU, SGD lr ${lr} momentum ${momentum}, batch ${batchSize}, ` +
      `${trainSize}/${testSize} digits, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}: test accuracy after each epoch` +
      `${seeds.length > 1 ? ` (mean of ${seeds.length} seeds)` : ''}`,
    formatTable(header, rows),
    `majority class: ${majority.toFixed(3)}`,
  ];
  const targets = deepReluTargets(result);
  if (targets) {
    for (const t of targets) {
      const per = t.seeds > 1 ? ` (${t.seedsMet}/${t.seeds} seeds)` : '';
      lines.push(`target: ${DEEP_RELU_INITS[t.init].label} ${t.what}: ${t.value.toFixed(3)} ${t.met ? 'ok' : 'MISSED'}${per}`);
    }
  }
  return lines.join('\n');
}

function reluChart(result: DeepReluResult): string {
  const { lr, momentum, batchSize, trainSize, testSize, hiddenLayers, width, seeds } = result.config;
  const labels = result.config.inits.map((init) => DEEP_RELU_INITS[init].label);
  const majority = mean(result.runs.map((run) => run.majority));
  const epochs = Array.from({ length: result.config.epochs }, (_, e) => e + 1);
  const over = seeds.length > 1 ? `, mean of ${seeds.length} seeds` : '';
  return renderFigure({
    title: `${width}×${hiddenLayers} ReLU on MNIST ${trainSize}/${testSize}, SGD lr ${lr} momentum ${momentum}, batch ${batchSize}${over}`,
    layout: {
      width: 420,
      height: 240,
      x: { title: 'epoch', integer: true },
      y: { title: 'test accuracy', domain: [0, 1] },
      // The majority class first: a stalled run's line lies on it and must stay visible.
      lines: [
        { name: 'majority class', points: epochs.map((x) => ({ x, y: majority })) },
        ...result.config.inits.map((init, i) => ({ name: labels[i], points: meanAccuracyCurve(result, init).map((y, e) => ({ x: e + 1, y })) })),
      ],
    },
    legend: { title: 'initialization', names: [...labels, 'majority class'] },
  });
}

// ---------------------------------------------------------------------------------------------
// (b) deep linear networks.

const SAXE_SOURCE = 'Saxe et al. 2014';

const LINEAR_LABELS: Record<DeepLinearInit, string> = { orthogonal: 'orthogonal', gaussian: 'scaled Gaussian' };

function stepsOf(result: DeepLinearResult, init: DeepLinearInit, depth: number, runs = result.runs, lrScale = result.config.lrScale): number | null {
  return medianSteps(runs.filter((run) => run.init === init && run.depth === depth && run.lrScale === lrScale));
}

function stepsCell(steps: number | null, result: DeepLinearResult, runs: DeepLinearResult['runs']): string {
  if (steps !== null) return String(steps);
  return runs.some((run) => run.diverged) ? 'diverged' : `> ${result.config.maxSteps}`;
}

/** Orthogonal: flat at depth (deepest within 1.5× of the middle depth); Gaussian: ≥ 3× slower at the deepest than the shallowest, and than orthogonal there. */
export function linearClaims(result: DeepLinearResult): { init: DeepLinearInit; paper: string; ours: string; agrees: boolean }[] {
  const { depths } = result.config;
  const sorted = [...depths].sort((a, b) => a - b);
  const shallow = sorted[0];
  const middle = sorted[Math.floor((sorted.length - 1) / 2)];
  const deep = sorted[sorted.length - 1];
  const steps = (init: DeepLinearInit, depth: number) => stepsOf(result, init, depth) ?? Infinity;
  const show = (v: number) => (Number.isFinite(v) ? String(v) : `> ${result.config.maxSteps}`);
  const claims: { init: DeepLinearInit; paper: string; ours: string; agrees: boolean }[] = [];
  if (result.config.inits.includes('orthogonal')) {
    const ratio = steps('orthogonal', deep) / steps('orthogonal', middle);
    claims.push({
      init: 'orthogonal',
      paper: 'depth-independent time (a finite delay)',
      ours: `${show(steps('orthogonal', middle))} steps at depth ${middle}, ${show(steps('orthogonal', deep))} at ${deep} (×${Number.isFinite(ratio) ? ratio.toFixed(2) : '∞'})`,
      agrees: ratio <= 1.5,
    });
  }
  if (result.config.inits.includes('gaussian')) {
    const growth = steps('gaussian', deep) / steps('gaussian', shallow);
    const orthogonal = result.config.inits.includes('orthogonal') ? steps('orthogonal', deep) : 0;
    claims.push({
      init: 'gaussian',
      paper: 'time grows with depth',
      ours: `${show(steps('gaussian', shallow))} steps at depth ${shallow}, ${show(steps('gaussian', deep))} at ${deep}`,
      agrees: growth >= 3 && steps('gaussian', deep) >= 3 * orthogonal,
    });
  }
  return claims;
}

export function linearTable(result: DeepLinearResult): string {
  const { depths, inits, width, rows, lrScale, targetFraction, maxSteps, seeds } = result.config;
  const header = ['depth', 'lr', ...inits.map((init) => `${LINEAR_LABELS[init]} steps`)];
  const body = depths.map((depth) => [
    String(depth),
    (lrScale / depth).toPrecision(3),
    ...inits.map((init) => {
      const runs = result.runs.filter((run) => run.init === init && run.depth === depth);
      return stepsCell(stepsOf(result, init, depth), result, runs);
    }),
  ]);
  const claims = linearClaims(result);
  const lines = [
    `(b) deep linear nets, ${width} wide: whitened inputs x ~ N(0, I), teacher y = T x (T ~ N(0, 1/${width})), ${rows} rows, ` +
      `full-batch gradient descent, lr = ${lrScale}/depth; steps until MSE <= ${targetFraction} E[y²] (at most ${maxSteps})` +
      `${seeds.length > 1 ? `, median of ${seeds.length} seeds` : ''}`,
    formatTable(header, body),
    '',
    formatTable(
      ['init', 'ours', ...claimHeader(SAXE_SOURCE)],
      claims.map((c) => [LINEAR_LABELS[c.init], c.ours, ...claimCells({ paper: c.paper, agrees: c.agrees })]),
    ),
  ];
  if (result.config.sweep && result.sweep.length > 0) {
    const { depth, lrScales } = result.config.sweep;
    lines.push(
      '',
      `learning-rate check at depth ${depth}: steps to the target for lr = s/${depth}`,
      formatTable(
        ['s', 'lr', ...inits.map((init) => `${LINEAR_LABELS[init]} steps`)],
        lrScales.map((s) => [
          String(s),
          (s / depth).toPrecision(3),
          ...inits.map((init) => {
            const runs = result.sweep.filter((run) => run.init === init && run.lrScale === s);
            return stepsCell(stepsOf(result, init, depth, result.sweep, s), result, runs);
          }),
        ]),
      ),
    );
  }
  return lines.join('\n');
}

function linearChart(result: DeepLinearResult): string {
  const { depths, inits, maxSteps, lrScale, targetFraction, width } = result.config;
  const names = inits.map((init) => LINEAR_LABELS[init]);
  const deepest = Math.max(...depths);
  // A run that did not reach the target is drawn at the budget, on the budget's line.
  const stepLines = inits.map((init, i) => ({
    name: names[i],
    points: depths.map((depth) => ({ x: depth, y: Math.max(1, stepsOf(result, init, depth) ?? maxSteps) })),
  }));
  const curves = inits.map((init, i) => {
    const run = result.runs.find((r) => r.init === init && r.depth === deepest)!;
    return { name: names[i], points: run.curve.filter((p) => p.step > 0).map((p) => ({ x: p.step, y: p.loss })) };
  });
  return renderFigure({
    title: `Deep linear nets, ${width} wide, gradient descent with lr = ${lrScale}/depth`,
    layout: {
      row: [
        {
          title: `steps until MSE <= ${targetFraction} E[y²]`,
          width: 300,
          height: 220,
          x: { title: 'depth (weight matrices)', scale: 'log' },
          y: { title: 'steps (log)', scale: 'log' },
          lines: [...stepLines, { name: `budget (${maxSteps}: not reached or diverged)`, points: depths.map((x) => ({ x, y: maxSteps })) }],
        },
        {
          title: `training loss at depth ${deepest}`,
          width: 300,
          height: 220,
          x: { title: 'step', scale: 'log', domain: [1, maxSteps] },
          y: { title: 'MSE / E[y²] (log)', scale: 'log' },
          lines: [...curves, { name: 'target', points: [1, maxSteps].map((x) => ({ x, y: targetFraction })) }],
        },
      ],
    },
    legend: { title: 'start', names: [...names, `budget (${maxSteps}: not reached or diverged)`, 'target'] },
  });
}

// ---------------------------------------------------------------------------------------------
// The command.

/** Comma-separated positive integers with no default of its own (the setting's applies). */
const depthsOption: Option<number[] | undefined> = {
  placeholder: 'N,N,…',
  help: `(b) the depths (weight matrices) to train (default ${DEEP_LINEAR_FULL.depths.join(',')}; ${DEEP_LINEAR_QUICK.depths!.join(',')} with --quick)`,
  absent: undefined,
  parse: (text, flag) => parseSizes(flag, text),
};

const lrOption: Option<number | undefined> = {
  placeholder: 'X',
  help: `(a) the SGD learning rate (default ${DEEP_RELU_FULL.lr})`,
  absent: undefined,
  parse: (text, flag) => parseNumber(flag, text, true),
};

export interface DepthSettings {
  parts: Part[];
  relu: DeepReluConfig;
  linear: DeepLinearConfig;
}

export async function runDepth(settings: DepthSettings, progress?: Progress): Promise<DepthResult> {
  const started = performance.now();
  let relu: DeepReluResult | null = null;
  let linear: DeepLinearResult | null = null;
  if (settings.parts.includes('relu')) {
    relu = await runDeepRelu(settings.relu, {
      digits: ({ trainSize, testSize, seed }) => bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`),
      onProgress: (p) =>
        progress?.update(
          `${runLabel(p.run, p.runs, `(a) ${p.label}, seed ${p.seed}`)}: epoch ${p.epoch}/${p.epochs}, test accuracy ${p.testAccuracy.toFixed(4)}`,
        ),
    });
  }
  if (settings.parts.includes('linear')) {
    linear = await runDeepLinear(settings.linear, {
      onProgress: (p) =>
        progress?.update(
          `${runLabel(p.run, p.runs, `(b) ${LINEAR_LABELS[p.init]}, depth ${p.depth}, lr ${p.lr.toPrecision(3)}, seed ${p.seed}`)}: ` +
            `step ${p.step}, MSE/E[y²] ${p.loss.toPrecision(3)}${p.done ? (p.steps === null ? ' (stopped)' : ' (reached)') : ''}`,
        ),
    });
  }
  return { relu, linear, seconds: (performance.now() - started) / 1000 };
}

export function depthReport(result: DepthResult): string {
  return [result.relu && reluTable(result.relu), result.linear && linearTable(result.linear)].filter(Boolean).join('\n\n');
}

export function depthFiles(result: DepthResult): Record<string, string> {
  const files: Record<string, string> = { 'depth.json': toJson(result) };
  if (result.relu) files['depth-relu.svg'] = reluChart(result.relu);
  if (result.linear) files['depth-linear.svg'] = linearChart(result.linear);
  return files;
}

export const depth = defineExperiment({
  name: 'depth',
  summary: 'how deep a start trains: 30 ReLU layers from Xavier vs He (He et al. 2015); deep linear nets from orthogonal vs Gaussian (Saxe et al. 2014)',
  description:
    `(a) 784-256×30-10 ReLU on the 8000/2000 split, SGD lr ${DEEP_RELU_FULL.lr} momentum ${DEEP_RELU_FULL.momentum}, batch ${DEEP_RELU_FULL.batchSize}, ` +
    `${DEEP_RELU_FULL.epochs} epochs, from Xavier uniform and He normal: Xavier sits on the majority class while He trains (He et al. 2015, Fig. 3). ` +
    `(b) deep linear nets ${DEEP_LINEAR_FULL.width} wide on a random linear teacher with whitened Gaussian inputs, full-batch gradient descent with lr = ` +
    `${DEEP_LINEAR_FULL.lrScale}/depth, depths ${DEEP_LINEAR_FULL.depths.join(', ')}: steps until the MSE falls to ${DEEP_LINEAR_FULL.targetFraction} of E[y²], ` +
    `flat in depth from orthogonal starts, growing from N(0, 1/n) ones (Saxe et al. 2014), and a learning-rate check at depth ${DEEP_LINEAR_FULL.sweep!.depth}. ` +
    'About 5 minutes on two cores; writes depth.json, depth-relu.svg and depth-linear.svg. ' +
    `--quick: (a) ${DEEP_RELU_QUICK.epochs} epochs on ${DEEP_RELU_QUICK.trainSize}/${DEEP_RELU_QUICK.testSize} digits, (b) depths ${DEEP_LINEAR_QUICK.depths!.join(', ')} ` +
    `with at most ${DEEP_LINEAR_QUICK.maxSteps} steps, no learning-rate check. --seeds N repeats every run: accuracies as mean ± sd, steps as the median.`,
  options: {
    parts: choices(PARTS, 'the parts to run: relu (a), linear (b)'),
    epochs: integer(`(a) training epochs (default ${DEEP_RELU_FULL.epochs}; ${DEEP_RELU_QUICK.epochs} with --quick)`, { min: 1 }),
    lr: lrOption,
    depths: depthsOption,
  },
  async run(values, progress) {
    const seeds = seedsOf(values);
    const relu: DeepReluConfig = { ...DEEP_RELU_FULL, ...(values.quick ? DEEP_RELU_QUICK : {}), seeds };
    if (values.epochs !== undefined) relu.epochs = values.epochs;
    if (values.lr !== undefined) relu.lr = values.lr;
    const linear: DeepLinearConfig = { ...DEEP_LINEAR_FULL, ...(values.quick ? DEEP_LINEAR_QUICK : {}), seeds };
    if (values.depths !== undefined) {
      linear.depths = values.depths;
      if (linear.sweep && !values.depths.includes(linear.sweep.depth)) linear.sweep = null;
    }
    const result = await runDepth({ parts: values.parts, relu, linear }, progress);
    const times = [result.relu && `(a) ${result.relu.seconds.toFixed(1)} s`, result.linear && `(b) ${result.linear.seconds.toFixed(1)} s`].filter(Boolean);
    return { report: depthReport(result), files: depthFiles(result), summary: `${times.join(', ')}; total ${result.seconds.toFixed(1)} s` };
  },
});
