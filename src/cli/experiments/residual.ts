import {
  RESIDUAL_FULL,
  RESIDUAL_QUICK,
  RESIDUAL_STARTS,
  RESIDUAL_TARGET,
  runResidual,
  summarizeResidual,
  type ResidualConfig,
  type ResidualResult,
  type ResidualStart,
  type ResidualSummary,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure, type Panel } from '../charts.js';
import { choices, integer, parseNumber, type Option } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, defineExperiment, mean, runLabel, seedsOf, toJson, type Claim } from './harness.js';

/*
 * `nninit experiment residual`: a deep residual network without normalization from the standard
 * start, PyTorch's default, Fixup, ZerO and ReZero — which train, which diverge or stall
 * (src/experiments/residual.ts).
 */

const STARTS = Object.keys(RESIDUAL_STARTS) as ResidualStart[];

function claimOf(summary: ResidualSummary, judge: boolean): Claim {
  const verdict = (ok: boolean) => (judge ? ok : null);
  switch (summary.start) {
    case 'he':
      return { paper: 'explodes without normalization; fails (Zhang et al. 2019)', agrees: verdict(!summary.trains) };
    case 'default':
      return { paper: 'no claim (branches start 1/18 of He’s variance)', agrees: null };
    case 'fixup':
      return { paper: 'trains without normalization (Zhang et al. 2019)', agrees: verdict(summary.trains) };
    case 'zerO':
      return { paper: 'trains from a deterministic start (Zhao et al. 2021)', agrees: verdict(summary.trains) };
    case 'rezero':
      return { paper: 'trains, and fast (Bachlechner et al. 2020; De & Smith 2020)', agrees: verdict(summary.trains) };
  }
}

const lossText = (value: number | null | undefined) => (value === undefined ? '—' : value === null ? 'NaN' : value >= 1e4 ? value.toExponential(1) : value.toFixed(4));

export function residualTables(result: ResidualResult, judge: boolean): string {
  const { epochs, blocks, width, lrs, momentum, batchSize, trainSize, testSize, seeds } = result.config;
  const perRun = result.runs.map((run) => [
    run.label,
    String(run.lr),
    String(run.seed),
    lossText(run.initialLoss),
    ...Array.from({ length: epochs }, (_, e) => lossText(run.loss[e])),
    run.final === null ? '—' : run.final.toFixed(4),
    run.status === 'diverged' ? `diverged (epoch ${run.divergedAt})` : run.status,
  ]);
  const summaries = summarizeResidual(result);
  const verdicts = summaries.map((s) => [
    RESIDUAL_STARTS[s.start].label,
    String(result.parameters[s.start]),
    ...s.byLr.map((b) => (b.final === null ? `diverged ${b.diverged}/${b.seeds}` : `${b.final.toFixed(4)}${b.stalled > 0 ? ` (stalled ${b.stalled}/${b.seeds})` : ''}`)),
    s.trains ? 'yes' : 'no',
    ...claimCells(claimOf(s, judge)),
  ]);
  const majority = mean(result.runs.map((run) => run.majority));
  const lines = [
    `784 → dense ${width} → ReLU → ${blocks} residual blocks x + f(x), f = dense ${width} → ReLU → dense ${width}, no normalization → dense 10; ` +
      `SGD momentum ${momentum} with a cosine schedule, batch ${batchSize}, ${trainSize}/${testSize} digits, seed${seeds.length > 1 ? 's' : ''} ${seeds.join(', ')}. ` +
      'Test loss at the start, then mean training loss per epoch (NaN: diverged, the run stops) and test accuracy after the last epoch:',
    formatTable(['start', 'lr', 'seed', 'loss at init', ...Array.from({ length: epochs }, (_, e) => `loss e${e + 1}`), 'test acc', 'status'], perRun),
    '',
    `Which train (test accuracy after ${epochs} epochs${seeds.length > 1 ? `, mean of ${seeds.length} seeds` : ''}; stalled: within 0.05 of the majority class, ${majority.toFixed(4)}):`,
    formatTable(['start', 'params', ...lrs.map((lr) => `lr ${lr}`), 'trains', 'claim', 'agrees'], verdicts),
  ];
  for (const s of summaries) {
    if (s.start === 'he') lines.push(`target: ${RESIDUAL_STARTS.he.label} does not train: ${s.trains ? 'it trains' : 'ok'}${judge ? '' : ' (not judged on --quick)'}`);
    if (s.start === 'fixup' || s.start === 'zerO' || s.start === 'rezero') {
      const value = s.best === null ? 'diverged' : `${s.best.final.toFixed(4)} at lr ${s.best.lr}`;
      lines.push(`target: ${RESIDUAL_STARTS[s.start].label} >= ${RESIDUAL_TARGET}: ${value} ${judge ? (s.meetsTarget ? 'ok' : 'MISSED') : '(not judged on --quick)'}`);
    }
  }
  lines.push('', 'The starts:', ...result.config.starts.map((start) => `  ${RESIDUAL_STARTS[start].label}: ${RESIDUAL_STARTS[start].how}`));
  return lines.join('\n');
}

function residualChart(result: ResidualResult): string {
  const { lrs, epochs, blocks, width, seeds } = result.config;
  const labels = result.config.starts.map((start) => RESIDUAL_STARTS[start].label);
  const first = seeds[0];
  const runOf = (start: ResidualStart, lr: number) => result.runs.find((r) => r.start === start && r.lr === lr && r.seed === first)!;
  const lossPanel = (lr: number): Panel => ({
    title: `training loss, lr ${lr} (diverged runs end where the loss became NaN)`,
    width: 320,
    height: 200,
    x: { title: 'epoch', integer: true, domain: [1, epochs] },
    y: { title: 'loss (log)', scale: 'log' },
    lines: result.config.starts.map((start, i) => ({
      name: labels[i],
      points: runOf(start, lr).loss.flatMap((y, e) => (y !== null && y > 0 ? [{ x: e + 1, y }] : [])),
    })),
  });
  const accuracyPanel = (lr: number): Panel => ({
    title: `test accuracy, lr ${lr}`,
    width: 320,
    height: 200,
    x: { title: 'epoch', integer: true, domain: [1, epochs] },
    y: { title: 'test accuracy', domain: [0, 1] },
    lines: result.config.starts.map((start, i) => ({
      name: labels[i],
      points: runOf(start, lr).accuracy.map((y, e) => ({ x: e + 1, y })),
    })),
  });
  return renderFigure({
    title: `${blocks} residual blocks (${width} wide) without normalization, SGD momentum ${result.config.momentum}, seed ${first}`,
    layout: { column: [{ row: lrs.map(lossPanel) }, { row: lrs.map(accuracyPanel) }] },
    legend: { title: 'start', names: labels },
  });
}

/** Comma-separated learning rates (> 0). */
const lrsOption: Option<number[] | undefined> = {
  placeholder: 'X,X,…',
  help: `SGD learning rates; every start runs at each (default ${RESIDUAL_FULL.lrs.join(',')})`,
  absent: undefined,
  parse: (text, flag) => text.split(',').map((item) => parseNumber(flag, item, true)),
};

export const residual = defineExperiment({
  name: 'residual',
  summary: 'a 32-block residual net without normalization from He, PyTorch default, Fixup, ZerO and ReZero starts: which train, which diverge',
  description:
    `784 → dense ${RESIDUAL_FULL.width} → ReLU → ${RESIDUAL_FULL.blocks} blocks x + f(x) (f = dense → ReLU → dense) → dense 10, no normalization, ` +
    `on the 8000/2000 split, SGD momentum ${RESIDUAL_FULL.momentum} with a cosine schedule at lr ${RESIDUAL_FULL.lrs.join(' and ')}, batch ` +
    `${RESIDUAL_FULL.batchSize}, ${RESIDUAL_FULL.epochs} epochs, from He normal (the standard start, whose output variance grows as 3^blocks), ` +
    "PyTorch's default, Fixup (Zhang et al. 2019), ZerO (Zhao et al. 2021) and ReZero / SkipInit (Bachlechner et al. 2020; De & Smith 2020). " +
    'The loss per epoch, NaN flagged (a diverged run stops), test accuracy, which start trains (target: Fixup, ZerO, ReZero >= 0.95) and the ' +
    `papers' claims. About 3 minutes on two cores; writes residual.json and residual.svg. --quick: ${RESIDUAL_QUICK.width} wide, ` +
    `${RESIDUAL_QUICK.epochs} epochs on ${RESIDUAL_QUICK.trainSize}/${RESIDUAL_QUICK.testSize} digits (the same ${RESIDUAL_FULL.blocks} blocks).`,
  options: {
    inits: choices(STARTS, 'the starts to run: he, default (PyTorch), fixup, zerO, rezero'),
    epochs: integer(`training epochs (default ${RESIDUAL_FULL.epochs}; ${RESIDUAL_QUICK.epochs} with --quick)`, { min: 1 }),
    blocks: integer(`residual blocks (default ${RESIDUAL_FULL.blocks})`, { min: 1 }),
    width: integer(`units per block (default ${RESIDUAL_FULL.width}; ${RESIDUAL_QUICK.width} with --quick)`, { min: 1 }),
    lrs: lrsOption,
  },
  async run(values, progress) {
    const config: ResidualConfig = { ...RESIDUAL_FULL, ...(values.quick ? RESIDUAL_QUICK : {}), starts: values.inits, seeds: seedsOf(values) };
    if (values.epochs !== undefined) config.epochs = values.epochs;
    if (values.blocks !== undefined) config.blocks = values.blocks;
    if (values.width !== undefined) config.width = values.width;
    if (values.lrs !== undefined) config.lrs = values.lrs;
    const result = await runResidual(config, {
      digits: ({ trainSize, testSize, seed }) => bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`),
      onProgress: (p) =>
        progress.update(
          `${runLabel(p.run, p.runs, `${p.label}, lr ${p.lr}, seed ${p.seed}`)}: epoch ${p.epoch}/${p.epochs}, loss ${Number.isFinite(p.trainLoss) ? p.trainLoss.toPrecision(4) : 'NaN'}, test accuracy ${p.testAccuracy.toFixed(4)}`,
        ),
    });
    const judge = !values.quick && result.config.epochs >= RESIDUAL_FULL.epochs && result.config.blocks >= RESIDUAL_FULL.blocks;
    return {
      report: residualTables(result, judge),
      files: { 'residual.json': toJson(result), 'residual.svg': residualChart(result) },
      summary: `total ${result.seconds.toFixed(1)} s`,
    };
  },
});
