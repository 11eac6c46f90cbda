import {
  bestLrIndices,
  coordGrowth,
  MUP_FULL,
  MUP_QUICK,
  mupTargets,
  runMup,
  sweepLoss,
  type MupConfig,
  type MupParametrization,
  type MupResult,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { coordCheckPanels, stepNames } from '../coord-check-chart.js';
import { renderFigure } from '../charts.js';
import { choices, type Progress } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, claimHeader, defineExperiment, runLabel, seedsOf, toJson, type Claim } from './harness.js';

/*
 * `nninit experiment mup`: (a) the coordinate check, standard vs μP, widths 64 … 2048 with Adam;
 * (b) muTransfer, a learning-rate sweep at widths 128 … 1024 under both. The core is
 * src/experiments/mup.ts.
 */

type Part = 'coord' | 'transfer';
const PARTS: readonly Part[] = ['coord', 'transfer'];
const SOURCE = 'Yang et al. 2022';
const LABELS: Record<MupParametrization, string> = { standard: 'standard', mup: 'μP' };

/** "2^-7" for a power of two, else the number. */
function lrLabel(lr: number): string {
  const exponent = Math.log2(lr);
  return Number.isInteger(exponent) ? `2^${exponent}` : String(lr);
}

function coordClaim(parametrization: MupParametrization, role: string, growth: number): Claim | undefined {
  if (role !== 'hidden') return undefined;
  return parametrization === 'standard'
    ? { paper: 'grows with width', agrees: growth > 4 }
    : { paper: 'flat in width', agrees: growth <= 2 && growth >= 0.5 };
}

export function coordTable(result: MupResult): string {
  const { widths, steps, lr, batchSize, hiddenLayers, baseWidth, activation } = result.config.coord;
  const header = ['parametrization', 'layer', ...widths.map(String), `×(${widths[widths.length - 1]}/${widths[0]})`, ...claimHeader(SOURCE)];
  const rows: string[][] = [];
  for (const parametrization of result.config.parametrizations) {
    const check = result.coord?.[parametrization];
    if (!check) continue;
    const growth = new Map(coordGrowth(check).map((g) => [g.index, g.growth]));
    for (const layer of check.layers) {
      const values = layer.preActivation.map((series) => series[steps]);
      const ratio = values[values.length - 1] / values[0];
      rows.push([
        LABELS[parametrization],
        `${layer.index + 1} ${layer.role}`,
        ...values.map((v) => v.toPrecision(3)),
        ratio.toFixed(2),
        ...claimCells(coordClaim(parametrization, layer.role, growth.get(layer.index) ?? ratio)),
      ]);
    }
  }
  const seeds = result.config.seeds;
  return [
    `(a) coordinate check: 784-w×${hiddenLayers}-10 ${activation}, He normal, Adam lr ${lr}, ${steps} steps on batches of ${batchSize} digits, μP base width ${baseWidth}` +
      `${seeds.length > 1 ? `, mean of ${seeds.length} seeds` : ''}: mean |pre-activation| after step ${steps}, by width`,
    formatTable(header, rows),
  ].join('\n');
}

function transferClaim(result: MupResult, parametrization: MupParametrization): Claim {
  const best = bestLrIndices(result, parametrization).map((b) => b.index);
  if (parametrization === 'mup') return { paper: 'best lr stays put', agrees: Math.max(...best) - Math.min(...best) <= 1 };
  return { paper: 'best lr shrinks as width grows', agrees: best[best.length - 1] < best[0] };
}

export function transferTable(result: MupResult): string {
  const { widths, lrs, trainSize, batchSize, epochs, hiddenLayers, baseWidth, activation } = result.config.transfer;
  const header = ['parametrization', 'width', ...lrs.map(lrLabel), 'best lr', ...claimHeader(SOURCE)];
  const rows: string[][] = [];
  for (const parametrization of result.config.parametrizations) {
    const best = bestLrIndices(result, parametrization);
    const claim = transferClaim(result, parametrization);
    widths.forEach((width, w) => {
      const cells = lrs.map((lr, i) => {
        const loss = sweepLoss(result, parametrization, width, lr);
        const text = Number.isFinite(loss) ? loss.toFixed(3) : 'diverged';
        return i === best[w].index ? `${text}*` : text;
      });
      // The claim is about the rows together: shown once, on the first width.
      rows.push([LABELS[parametrization], String(width), ...cells, lrLabel(best[w].lr), ...claimCells(w === 0 ? claim : undefined)]);
    });
  }
  const seeds = result.config.seeds;
  return [
    `(b) muTransfer: 784-w×${hiddenLayers}-10 ${activation}, He normal, Adam, batch ${batchSize}, ${epochs} epoch${epochs > 1 ? 's' : ''} on ${trainSize} digits, ` +
      `μP base width ${baseWidth}${seeds.length > 1 ? `, mean of ${seeds.length} seeds` : ''}: training loss after the run, by learning rate (* the best)`,
    formatTable(header, rows),
  ].join('\n');
}

export function mupReport(result: MupResult): string {
  const tables = [result.coord && coordTable(result), result.transfer && transferTable(result)].filter(Boolean).join('\n\n');
  const targets = mupTargets(result).map((t) => `target: ${t.what}: ${t.value.toFixed(2)} ${t.met ? 'ok' : 'MISSED'}`);
  return targets.length > 0 ? `${tables}\n\n${targets.join('\n')}` : tables;
}

function coordChart(result: MupResult): string {
  const { steps, lr, activation } = result.config.coord;
  const rows = result.config.parametrizations
    .filter((p) => result.coord?.[p])
    .map((p) => ({ row: coordCheckPanels(result.coord![p]!, { quantity: 'preActivation', titlePrefix: `${LABELS[p]}: `, width: 180, height: 150 }) }));
  return renderFigure({
    title: `Coordinate check, ${activation} MLP, Adam lr ${lr}: mean |pre-activation| by width (flat is right)`,
    layout: { column: rows },
    legend: { title: 'after step', names: stepNames(steps) },
  });
}

function transferChart(result: MupResult): string {
  const { widths, lrs } = result.config.transfer;
  const names = widths.map((w) => `width ${w}`);
  return renderFigure({
    title: 'muTransfer: training loss by learning rate (Adam); the best lr moves under standard, stays under μP',
    layout: {
      row: result.config.parametrizations.map((parametrization) => ({
        title: LABELS[parametrization],
        width: 300,
        height: 220,
        x: { title: 'learning rate', scale: 'log' as const, domain: [lrs[0] / 1.5, lrs[lrs.length - 1] * 1.5] as [number, number] },
        // Log and zoomed: the optima differ by hundredths; a diverged or barely trained run leaves the top.
        y: { title: 'training loss (log)', scale: 'log' as const, domain: [0.2, 2] as [number, number] },
        lines: widths.map((width, w) => ({
          name: names[w],
          points: lrs.map((lr) => ({ x: lr, y: sweepLoss(result, parametrization, width, lr) })).filter((p) => Number.isFinite(p.y)),
        })),
      })),
    },
    legend: { title: 'width', names },
  });
}

export function mupFiles(result: MupResult): Record<string, string> {
  const files: Record<string, string> = { 'mup.json': toJson(result) };
  if (result.coord) files['mup-coord.svg'] = coordChart(result);
  if (result.transfer) files['mup-transfer.svg'] = transferChart(result);
  return files;
}

export async function runMupCommand(config: MupConfig, progress?: Progress): Promise<MupResult> {
  return runMup(config, {
    digits: ({ trainSize, testSize, seed }) => bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`),
    onProgress: (p) => {
      const what = `${p.part === 'coord' ? '(a)' : '(b)'} ${LABELS[p.parametrization]}, width ${p.width}`;
      if (p.part === 'coord') progress?.update(`${runLabel(p.done, p.total, what)}, seed ${p.seed}: measured`);
      else progress?.update(`${runLabel(p.done, p.total, `${what}, lr ${lrLabel(p.lr)}`)}, seed ${p.seed}: loss ${p.loss === null ? 'diverged' : p.loss.toFixed(4)}`);
    },
  });
}

export const mup = defineExperiment({
  name: 'mup',
  summary: 'μP vs standard parametrization: the coordinate check over widths and muTransfer of the learning rate (Yang et al. 2022)',
  description:
    `(a) coordinate check: 784-w×${MUP_FULL.coord.hiddenLayers}-10 tanh MLPs, widths ${MUP_FULL.coord.widths.join(', ')}, ${MUP_FULL.coord.steps} Adam steps ` +
    `(lr ${MUP_FULL.coord.lr}) on batches of ${MUP_FULL.coord.batchSize} digits: each layer's mean |pre-activation| grows with width under the standard ` +
    `parametrization and stays flat under μP (base width ${MUP_FULL.coord.baseWidth}). (b) muTransfer: 784-w×${MUP_FULL.transfer.hiddenLayers}-10 tanh MLPs ` +
    `at widths ${MUP_FULL.transfer.widths.join(', ')}, Adam at lr ${lrLabel(MUP_FULL.transfer.lrs[0])} … ${lrLabel(MUP_FULL.transfer.lrs[MUP_FULL.transfer.lrs.length - 1])} ` +
    `(×2 steps), ${MUP_FULL.transfer.epochs} epoch on ${MUP_FULL.transfer.trainSize} digits: the best learning rate shrinks with width under standard and ` +
    `stays put under μP (base width ${MUP_FULL.transfer.baseWidth}). About 3 minutes on two cores; writes mup.json, mup-coord.svg and mup-transfer.svg. ` +
    `--quick: the same (a); (b) at widths ${MUP_QUICK.transfer!.widths.join(', ')} over ×4 steps on ${MUP_QUICK.transfer!.trainSize} digits. ` +
    '--seeds N averages the coordinate checks and the sweep losses over N seeds.',
  options: {
    parts: choices(PARTS, 'the parts to run: coord (a), transfer (b)'),
  },
  async run(values, progress) {
    const config: MupConfig = { ...MUP_FULL, ...(values.quick ? MUP_QUICK : {}), parts: values.parts, seeds: seedsOf(values) };
    const result = await runMupCommand(config, progress);
    const times = [result.coord && `(a) ${result.coordSeconds.toFixed(1)} s`, result.transfer && `(b) ${result.transferSeconds.toFixed(1)} s`].filter(Boolean);
    return { report: mupReport(result), files: mupFiles(result), summary: `${times.join(', ')}; total ${result.seconds.toFixed(1)} s` };
  },
});
