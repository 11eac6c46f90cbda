import {
  CNN_FULL,
  CNN_QUICK,
  CNN_STARTS,
  cnnRunsOf,
  cnnTarget,
  meanCurve,
  MLP_LAYERS,
  runCnn,
  type CnnConfig,
  type CnnResult,
  type CnnRun,
  type CnnStart,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure } from '../charts.js';
import { choices, flag, integer } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, defineExperiment, mean, meanAndSd, runLabel, seedsOf, toJson, type Claim } from './harness.js';

/*
 * `nninit experiment cnn`: the small CNN from He, Xavier, delta-orthogonal and zero starts beside
 * the 784-256-256-10 MLP (src/experiments/cnn.ts).
 */

const STARTS = Object.keys(CNN_STARTS) as CnnStart[];

/** What is published (or known) about each row, and whether our run agrees; null verdicts for --quick. */
function claimOf(result: CnnResult, model: 'cnn' | 'mlp', start: CnnStart, judge: boolean): Claim {
  const final = (runs: CnnRun[]) => {
    const curve = meanCurve(runs);
    return curve[curve.length - 1];
  };
  const ours = final(cnnRunsOf(result, model, start));
  const verdict = (ok: boolean) => (judge ? ok : null);
  if (model === 'mlp') return { paper: '≈ 0.96 (nninit experiment classic)', agrees: verdict(Math.abs(ours - 0.96) <= 0.015) };
  const he = cnnRunsOf(result, 'cnn', 'he');
  switch (start) {
    case 'he':
      return { paper: 'converges (He et al. 2015)', agrees: verdict(ours >= 0.95) };
    case 'xavier':
      return { paper: 'converges at this depth; stalls at 30 layers (He et al. 2015)', agrees: verdict(ours >= 0.95) };
    case 'orthogonal':
      // Xiao et al.'s claim is about depth (10,000 tanh layers); at two layers it should match a Gaussian start.
      return {
        paper: 'trains as a Gaussian start does (Xiao et al. 2018)',
        agrees: he.length === 0 ? null : verdict(Math.abs(ours - final(he)) <= 0.01),
      };
    case 'zeros': {
      const majority = mean(result.runs.map((run) => run.majority));
      return { paper: 'cannot learn: no symmetry breaking', agrees: verdict(ours <= majority + 0.05) };
    }
  }
}

export function cnnTable(result: CnnResult, judge: boolean): string {
  const { epochs, seeds, channels, lr, batchSize, trainSize, testSize } = result.config;
  const rows: Array<{ model: 'cnn' | 'mlp'; start: CnnStart }> = [
    ...result.config.starts.map((start) => ({ model: 'cnn' as const, start })),
    ...(result.config.mlp ? [{ model: 'mlp' as const, start: 'he' as const }] : []),
  ];
  const header = ['model, start', 'params', ...Array.from({ length: epochs }, (_, e) => `e${e + 1}`), `e${epochs} (mean ± sd)`, 'train s', 'claim', 'agrees'];
  const body = rows.map(({ model, start }) => {
    const runs = cnnRunsOf(result, model, start);
    return [
      runs[0].label,
      String(runs[0].parameters),
      ...meanCurve(runs).map((a) => a.toFixed(4)),
      meanAndSd(runs.map((run) => run.accuracy[epochs - 1]), 4),
      mean(runs.map((run) => run.seconds)).toFixed(1),
      ...claimCells(claimOf(result, model, start, judge)),
    ];
  });
  const majority = mean(result.runs.map((run) => run.majority));
  const lines = [
    `CNN conv5×${channels[0]}→ReLU→pool2→conv5×${channels[1]}→ReLU→pool2→dense128→ReLU→dropout0.5→dense10 and MLP ${MLP_LAYERS.join('-')} (ReLU), ` +
      `Adam ${lr} with a cosine schedule, batch ${batchSize}, ${trainSize}/${testSize} digits, biases 0, ` +
      `seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}: test accuracy after each epoch${seeds.length > 1 ? ` (mean of ${seeds.length} seeds)` : ''}`,
    formatTable(header, body),
    `majority class: ${majority.toFixed(4)}`,
  ];
  const target = cnnTarget(result);
  if (target) lines.push(`target: CNN from He normal >= 0.98 test accuracy: ${target.value.toFixed(4)} ${judge ? (target.met ? 'ok' : 'MISSED') : '(not judged on --quick)'}`);
  return lines.join('\n');
}

function cnnChart(result: CnnResult): string {
  const { epochs, trainSize, testSize, lr, batchSize, seeds } = result.config;
  const series = [
    ...result.config.starts.map((start) => ({ name: `CNN, ${CNN_STARTS[start].label}`, runs: cnnRunsOf(result, 'cnn', start) })),
    ...(result.config.mlp ? [{ name: `MLP ${MLP_LAYERS.join('-')}`, runs: cnnRunsOf(result, 'mlp', 'he') }] : []),
  ];
  const majority = mean(result.runs.map((run) => run.majority));
  const xs = Array.from({ length: epochs }, (_, e) => e + 1);
  const lines = [
    { name: 'majority class', points: xs.map((x) => ({ x, y: majority })) },
    ...series.map((s) => ({ name: s.name, points: meanCurve(s.runs).map((y, e) => ({ x: e + 1, y })) })),
  ];
  const panel = (domain: [number, number], title: string) => ({ title, width: 340, height: 220, x: { title: 'epoch', integer: true }, y: { title: 'test accuracy', domain }, lines });
  return renderFigure({
    title: `Small CNN vs MLP on MNIST ${trainSize}/${testSize}, Adam ${lr} cosine, batch ${batchSize}${seeds.length > 1 ? `, mean of ${seeds.length} seeds` : ''}`,
    layout: { row: [panel([0, 1], 'full range'), panel([0.95, 1], 'zoomed: 0.95–1')] },
    legend: { title: 'model, start', names: [...series.map((s) => s.name), 'majority class'] },
  });
}

export const cnn = defineExperiment({
  name: 'cnn',
  summary: 'a small CNN from He, Xavier, delta-orthogonal and zero starts beside the 784-256-256-10 MLP (He et al. 2015; Xiao et al. 2018)',
  description:
    `conv5×16→ReLU→pool2→conv5×32→ReLU→pool2→dense128→ReLU→dropout0.5→dense10 on the 8000/2000 split, Adam ${CNN_FULL.lr} with a cosine schedule, batch ${CNN_FULL.batchSize}, ` +
    `${CNN_FULL.epochs} epochs, from He normal, Xavier uniform, delta-orthogonal (dense layers orthogonal) and zeros, biases 0; beside it the ` +
    `784-256-256-10 ReLU MLP from He normal with the same optimizer. Test accuracy after every epoch, the claims beside (He et al. 2015 for ` +
    'conv nets; Xiao et al. 2018; zeros cannot break symmetry) and the target (the He CNN >= 0.98). About 4 minutes on two cores; writes ' +
    `cnn.json and cnn.svg. --quick: ${CNN_QUICK.epochs} epochs on ${CNN_QUICK.trainSize}/${CNN_QUICK.testSize} digits.`,
  options: {
    inits: choices(STARTS, 'the CNN starts to run: he, xavier, orthogonal (delta-orthogonal), zeros'),
    epochs: integer(`training epochs (default ${CNN_FULL.epochs}; ${CNN_QUICK.epochs} with --quick)`, { min: 1 }),
    'no-mlp': flag('leave out the MLP baseline'),
  },
  async run(values, progress) {
    const config: CnnConfig = { ...CNN_FULL, ...(values.quick ? CNN_QUICK : {}), starts: values.inits, mlp: !values['no-mlp'], seeds: seedsOf(values) };
    if (values.epochs !== undefined) config.epochs = values.epochs;
    const result = await runCnn(config, {
      digits: ({ trainSize, testSize, seed }) => bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`),
      onProgress: (p) =>
        progress.update(`${runLabel(p.run, p.runs, `${p.label}, seed ${p.seed}`)}: epoch ${p.epoch}/${p.epochs}, loss ${p.trainLoss.toFixed(4)}, test accuracy ${p.testAccuracy.toFixed(4)}`),
    });
    const judge = !values.quick && result.config.epochs >= CNN_FULL.epochs;
    return {
      report: cnnTable(result, judge),
      files: { 'cnn.json': toJson(result), 'cnn.svg': cnnChart(result) },
      summary: `total ${result.seconds.toFixed(1)} s`,
    };
  },
});
