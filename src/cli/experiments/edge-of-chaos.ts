import {
  EDGE_OF_CHAOS_FULL,
  EDGE_OF_CHAOS_QUICK,
  ISOMETRY_FULL,
  ISOMETRY_QUICK,
  ISOMETRY_INITS,
  LEARNS,
  edgeColumns,
  edgeTheory,
  runEdgeOfChaos,
  runIsometry,
  type EdgeOfChaosConfig,
  type EdgeOfChaosResult,
  type IsometryConfig,
  type IsometryResult,
  type IsometryRun,
} from '../../experiments/index.js';
import { formatTable } from '../../text-table.js';
import { renderFigure, type Panel } from '../charts.js';
import { choices, parseNumber, parseSizes, UsageError, type Option, type Progress } from '../command.js';
import { bundledDigits } from '../dataset.js';
import { claimCells, claimHeader, defineExperiment, runLabel, seedsOf, toJson, type Claim } from './harness.js';
import { renderHeatmap } from './heatmap.js';

/*
 * `nninit experiment edge-of-chaos`: (a) a σ_w² × depth grid of briefly trained tanh nets with
 * 6 ξ_c over it (Schoenholz et al. 2017, src/experiments/edge-of-chaos.ts); (b) Jacobian spectra
 * and training speed of orthogonal vs Gaussian critical tanh nets (Pennington et al. 2017,
 * src/experiments/isometry.ts).
 */

type Part = 'grid' | 'isometry';
const PARTS: readonly Part[] = ['grid', 'isometry'];

export interface EdgeResult {
  grid: EdgeOfChaosResult | null;
  isometry: IsometryResult | null;
  seconds: number;
}

const depthText = (d: number | null) => (d === null ? '∞' : d.toFixed(1));

// ---------------------------------------------------------------------------------------------
// (a) the grid.

const SCHOENHOLZ_SOURCE = 'Schoenholz et al. 2017, Fig. 5';

export function gridTable(result: EdgeOfChaosResult): string {
  const { config } = result;
  const columns = edgeColumns(result);
  const matrix = formatTable(
    ['depth \\ σ_w²', ...config.sigmaW2.map(String)],
    [
      ...config.depths.map((depth, j) => [String(depth), ...columns.map((c) => c.accuracy[j].toFixed(2))]),
      ['6ξ_c', ...columns.map((c) => (c.trainableDepth === null ? '∞' : c.trainableDepth.toFixed(0)))],
    ],
  );
  const verdicts = formatTable(
    ['σ_w²', 'phase', 'χ₁', 'ξ_c', `deepest learning (acc ≥ ${LEARNS})`, ...claimHeader(SCHOENHOLZ_SOURCE)],
    columns.map((c) => {
      const claim: Claim = { paper: `trains to depth ≈ 6ξ_c = ${c.trainableDepth === null ? '∞' : c.trainableDepth.toFixed(0)}`, agrees: c.agrees };
      return [String(c.sigmaW2), c.phase, c.chi1.toFixed(3), depthText(c.depthScale), c.deepestLearning === null ? 'none' : String(c.deepestLearning), ...claimCells(claim)];
    }),
  );
  const deepest = Math.max(...columns.map((c) => c.deepestLearning ?? 0));
  const best = columns.filter((c) => (c.deepestLearning ?? 0) === deepest).map((c) => c.sigmaW2);
  const { sigmaB2, width, trainSize, testSize, epochs, batchSize, lr, momentum, seeds } = config;
  return [
    `(a) tanh nets ${width} wide, weights N(0, σ_w²/fanIn), biases N(0, ${sigmaB2}), SGD lr ${lr} momentum ${momentum}, batch ${batchSize}, ` +
      `${epochs} epoch${epochs > 1 ? 's' : ''} of ${trainSize} digits: test accuracy on ${testSize}${seeds.length > 1 ? ` (mean of ${seeds.length} seeds)` : ''}`,
    matrix,
    '',
    verdicts,
    `${columns.filter((c) => c.agrees).length} of ${columns.length} columns agree: no net deeper than 6ξ_c reaches accuracy ${LEARNS}` +
      `${columns.every((c) => c.agrees) ? '' : ' except at σ_w² ' + columns.filter((c) => !c.agrees).map((c) => c.sigmaW2).join(', ')}. ` +
      `Critical σ_w² = ${result.criticalSigmaW2.toFixed(4)} (init.criticalPoint); the deepest learning nets (depth ${deepest}) are at σ_w² ${best.join(', ')}.`,
  ].join('\n');
}

function gridChart(result: EdgeOfChaosResult): string {
  const { config } = result;
  const columns = edgeColumns(result);
  const top = Math.max(...config.depths) * 1.2;
  // The curve on a fine σ_w² grid with the critical point in it, so that it shows its peak; clipped below the grid.
  const [low, high] = [config.sigmaW2[0], config.sigmaW2[config.sigmaW2.length - 1]];
  const fine = Array.from({ length: 121 }, (_, i) => low + ((high - low) * i) / 120);
  if (result.criticalSigmaW2 > low && result.criticalSigmaW2 < high) fine.push(result.criticalSigmaW2);
  fine.sort((a, b) => a - b);
  const curve = edgeTheory(fine, config.sigmaB2).map((t) => ({ x: t.sigmaW2, y: Math.min(top, t.trainableDepth ?? top) }));
  return renderHeatmap({
    title: `tanh, σ_b² = ${config.sigmaB2}, ${config.width} wide, SGD ${config.epochs} epoch${config.epochs > 1 ? 's' : ''} on ${config.trainSize} digits: test accuracy`,
    x: { title: 'σ_w²', values: config.sigmaW2 },
    y: { title: 'depth (hidden layers)', values: config.depths },
    value: (i, j) => columns[i].accuracy[j],
    scale: { domain: [0, 1], title: 'test accuracy' },
    lines: [{ name: '6ξ_c (mean field)', points: curve, colour: '#ff4040' }],
    markers: [{ x: result.criticalSigmaW2, label: `critical σ_w² = ${result.criticalSigmaW2.toFixed(3)}` }],
  });
}

// ---------------------------------------------------------------------------------------------
// (b) spectra and speed.

const PENNINGTON_SOURCE = 'Pennington et al. 2017';

function sameSetting(a: IsometryRun, b: IsometryRun): boolean {
  return a.depth === b.depth && a.sigmaB2 === b.sigmaB2 && a.seed === b.seed;
}

const finalAccuracy = (run: IsometryRun) => run.accuracy[run.accuracy.length - 1];

/**
 * Pennington et al.'s claims, judged by the share of σ within a factor 2 of 1 and the final accuracy: the orthogonal
 * start at the smallest q* is near-isometric (narrower than Gaussian there) and learns faster;
 * at a larger q* its spectrum widens; a Gaussian start is broad at every q* (wider than that
 * near-isometric orthogonal one at the same depth) and learns slower than orthogonal.
 */
function isometryClaim(result: IsometryResult, run: IsometryRun): Claim {
  const smallest = Math.min(...result.runs.map((r) => r.qStar));
  const reference = result.runs.find((r) => r.init === 'orthogonal' && r.qStar === smallest && r.depth === run.depth && r.seed === run.seed);
  const other = result.runs.find((r) => r !== run && sameSetting(r, run));
  if (run.init === 'orthogonal' && run.qStar === smallest) {
    const paper = 'near-isometric as q* → 0; learns faster';
    if (!other) return { paper, agrees: null };
    return { paper, agrees: run.jacobian.nearOne > other.jacobian.nearOne && finalAccuracy(run) > finalAccuracy(other) };
  }
  if (run.init === 'orthogonal') {
    return { paper: 'widens as q* grows', agrees: reference ? run.jacobian.nearOne < reference.jacobian.nearOne : null };
  }
  const paper = 'broad at any q*; learns slower';
  if (!reference || !other) return { paper, agrees: null };
  return { paper, agrees: run.jacobian.nearOne < reference.jacobian.nearOne && finalAccuracy(run) < finalAccuracy(other) };
}

/** 0.912, 0.0341, 2.1e-5. */
function formatSigma(value: number): string {
  return value >= 0.01 ? value.toPrecision(3) : value.toExponential(1);
}

export function isometryTable(result: IsometryResult): string {
  const { epochs, width, trainSize, lr, momentum, batchSize, jacobianInputs } = result.config;
  const header = [
    'σ_b²',
    'q*',
    'σ_w',
    'depth',
    'init',
    'mean σ²',
    'median σ',
    'max σ',
    'σ in [0.5, 2]',
    ...Array.from({ length: epochs }, (_, e) => `e${e + 1}`),
    ...claimHeader(PENNINGTON_SOURCE),
  ];
  const rows = result.runs.map((run) => [
    String(run.sigmaB2),
    run.qStar.toFixed(3),
    run.sigmaW.toFixed(4),
    String(run.depth),
    run.label,
    run.jacobian.meanSquared.toFixed(3),
    formatSigma(run.jacobian.median),
    run.jacobian.max.toFixed(2),
    `${Math.round(run.jacobian.nearOne * 100)}%`,
    ...run.accuracy.map((a) => a.toFixed(3)),
    ...claimCells(isometryClaim(result, run)),
  ]);
  return [
    `(b) critical tanh (σ_w = init.criticalPoint at each σ_b²): singular values σ of the ${width}×${width} Jacobian D_L W_L ⋯ D_1 W_1 of the hidden layers at ` +
      `inputs tanh(z), z ~ N(0, q*), averaged over ${jacobianInputs}; then 784-${width}×depth-10 from the same start, SGD lr ${lr} ` +
      `momentum ${momentum}, batch ${batchSize}, on ${trainSize} digits: test accuracy after each epoch`,
    formatTable(header, rows),
  ].join('\n');
}

/** log10 σ histogram bins from 1e-4 to 1e2 (σ below 1e-4 counted in the first). */
const LOG_LOW = -4;
const LOG_HIGH = 2;
const BINS_PER_DECADE = 4;

function spectrumBins(values: number[]): { low: number; high: number; value: number }[] {
  const count = (LOG_HIGH - LOG_LOW) * BINS_PER_DECADE;
  const counts = new Array<number>(count).fill(0);
  for (const v of values) {
    const at = Math.floor((Math.log10(Math.max(v, 10 ** LOG_LOW)) - LOG_LOW) * BINS_PER_DECADE);
    counts[Math.min(count - 1, Math.max(0, at))]++;
  }
  return counts.map((value, i) => ({ low: 10 ** (LOG_LOW + i / BINS_PER_DECADE), high: 10 ** (LOG_LOW + (i + 1) / BINS_PER_DECADE), value }));
}

function isometryChart(result: IsometryResult): string {
  const { width } = result.config;
  const settings = [...new Set(result.runs.map((run) => `${run.sigmaB2}/${run.depth}`))];
  const rows = result.config.inits.map((init) => ({
    row: settings.map((setting): Panel => {
      const run = result.runs.find((r) => r.init === init && `${r.sigmaB2}/${r.depth}` === setting)!;
      return {
        title: `${ISOMETRY_INITS[init]}, σ_b² ${run.sigmaB2}, depth ${run.depth}`,
        width: 180,
        height: 120,
        x: { title: 'singular value σ (log)', scale: 'log', domain: [10 ** LOG_LOW, 10 ** LOG_HIGH] },
        y: { title: 'count', domain: [0, width] },
        bins: spectrumBins(run.jacobian.singularValues),
      };
    }),
  }));
  return renderFigure({
    title: `Jacobian singular values of critical tanh stacks, ${width} wide (σ ≤ 1e-4 in the first bin; isometry: all at 1)`,
    layout: { column: rows },
  });
}

// ---------------------------------------------------------------------------------------------
// The command.

function listOption<T>(placeholder: string, help: string, parse: (text: string, flag: string) => T): Option<T | undefined> {
  return { placeholder, help, absent: undefined, parse };
}

const parseVariances = (text: string, flag: string): number[] => text.split(',').map((part) => parseNumber(flag, part, true));

export interface EdgeSettings {
  parts: Part[];
  grid: EdgeOfChaosConfig;
  isometry: IsometryConfig;
}

export async function runEdge(settings: EdgeSettings, progress?: Progress): Promise<EdgeResult> {
  const started = performance.now();
  const digits = ({ trainSize, testSize, seed }: { trainSize: number; testSize: number; seed: number }) =>
    bundledDigits(trainSize, testSize, seed, `${trainSize} training plus ${testSize} test digits`);
  let grid: EdgeOfChaosResult | null = null;
  let isometry: IsometryResult | null = null;
  if (settings.parts.includes('grid')) {
    grid = await runEdgeOfChaos(settings.grid, {
      digits,
      onProgress: (p) =>
        progress?.update(`${runLabel(p.cell, p.cells, `(a) σ_w² ${p.sigmaW2}, depth ${p.depth}, seed ${p.seed}`)}: test accuracy ${p.accuracy.toFixed(3)}`),
    });
  }
  if (settings.parts.includes('isometry')) {
    isometry = await runIsometry(settings.isometry, {
      digits,
      onProgress: (p) =>
        progress?.update(
          `${runLabel(p.run, p.runs, `(b) ${ISOMETRY_INITS[p.init]}, σ_b² ${p.sigmaB2}, depth ${p.depth}, seed ${p.seed}`)}: mean σ² ${p.meanSquared.toFixed(3)}` +
            (p.testAccuracy === null ? '' : `, epoch ${p.epoch}, test accuracy ${p.testAccuracy.toFixed(3)}`),
        ),
    });
  }
  return { grid, isometry, seconds: (performance.now() - started) / 1000 };
}

export function edgeReport(result: EdgeResult): string {
  return [result.grid && gridTable(result.grid), result.isometry && isometryTable(result.isometry)].filter(Boolean).join('\n\n');
}

export function edgeFiles(result: EdgeResult): Record<string, string> {
  const files: Record<string, string> = { 'edge-of-chaos.json': toJson(result) };
  if (result.grid) files['edge-of-chaos.svg'] = gridChart(result.grid);
  if (result.isometry) files['edge-of-chaos-spectra.svg'] = isometryChart(result.isometry);
  return files;
}

const G = EDGE_OF_CHAOS_FULL;
const I = ISOMETRY_FULL;

export const edgeOfChaos = defineExperiment({
  name: 'edge-of-chaos',
  summary: 'tanh nets over σ_w² × depth with 6ξ_c drawn over (Schoenholz et al. 2017); Jacobian spectra of orthogonal vs Gaussian critical nets (Pennington et al. 2017)',
  description:
    `(a) tanh nets ${G.width} wide with weights N(0, σ_w²/fanIn), biases N(0, ${G.sigmaB2}), for σ_w² ${G.sigmaW2[0]}…${G.sigmaW2[G.sigmaW2.length - 1]} ` +
    `(step 0.25) and depths ${G.depths[0]}…${G.depths[G.depths.length - 1]}, each trained ${G.epochs} epoch on ${G.trainSize} digits ` +
    `(SGD lr ${G.lr} momentum ${G.momentum}, batch ${G.batchSize}): the test accuracy heat map with 6ξ_c from init.meanField over it — only nets ` +
    `shallower than about 6ξ_c learn (Schoenholz et al. 2017, Fig. 5). (b) at σ_w = init.criticalPoint for σ_b² ${I.sigmaB2.join(' and ')}, depths ` +
    `${I.depths.join(' and ')}: the singular values of the hidden stack's Jacobian from orthogonal and Gaussian weights, and the test accuracy after ` +
    `each of ${I.epochs} epochs — orthogonal is nearer dynamical isometry and learns faster (Pennington et al. 2017). About 5 minutes on two cores; ` +
    'writes edge-of-chaos.json, edge-of-chaos.svg (heat map) and edge-of-chaos-spectra.svg. ' +
    `--quick: σ_w² ${EDGE_OF_CHAOS_QUICK.sigmaW2!.join(', ')} × depths ${EDGE_OF_CHAOS_QUICK.depths!.join(', ')}; (b) at depth ${ISOMETRY_QUICK.depths!.join(', ')}, ` +
    `${ISOMETRY_QUICK.epochs} epoch. --seeds N averages every cell and repeats every run.`,
  options: {
    parts: choices(PARTS, 'the parts to run: grid (a), isometry (b)'),
    depths: listOption('N,N,…', `(a) the grid's depths (default ${G.depths[0]},${G.depths[1]},…,${G.depths[G.depths.length - 1]})`, (text, flag) => parseSizes(flag, text)),
    'sigma-w2': listOption('X,X,…', `(a) the grid's weight variances σ_w² (default ${G.sigmaW2[0]},${G.sigmaW2[1]},…,${G.sigmaW2[G.sigmaW2.length - 1]})`, parseVariances),
    'isometry-depths': listOption('N,N,…', `(b) the depths of the spectra and trainings (default ${I.depths.join(',')})`, (text, flag) => parseSizes(flag, text)),
  },
  async run(values, progress) {
    const seeds = seedsOf(values);
    const grid: EdgeOfChaosConfig = { ...G, ...(values.quick ? EDGE_OF_CHAOS_QUICK : {}), seeds };
    if (values.depths !== undefined) grid.depths = values.depths;
    if (values['sigma-w2'] !== undefined) {
      const sorted = [...values['sigma-w2']].sort((a, b) => a - b);
      if (new Set(sorted).size !== sorted.length) throw new UsageError(`--sigma-w2 lists a value twice: ${values['sigma-w2'].join(',')}`);
      grid.sigmaW2 = sorted;
    }
    grid.depths = [...new Set(grid.depths)].sort((a, b) => a - b);
    const isometry: IsometryConfig = { ...I, ...(values.quick ? ISOMETRY_QUICK : {}), seeds };
    if (values['isometry-depths'] !== undefined) isometry.depths = values['isometry-depths'];
    const result = await runEdge({ parts: values.parts, grid, isometry }, progress);
    const times = [result.grid && `(a) ${result.grid.seconds.toFixed(1)} s`, result.isometry && `(b) ${result.isometry.seconds.toFixed(1)} s`].filter(Boolean);
    return { report: edgeReport(result), files: edgeFiles(result), summary: `${times.join(', ')}; total ${result.seconds.toFixed(1)} s` };
  },
});
