import { join } from 'node:path';
import { renderFigure } from '../charts.js';
import { defineCommand, flag, integer, text, type Command, type Options, type Progress, type Values } from '../command.js';
import { prepareDirectory, writeOutput, wroteLine } from '../files.js';

/*
 * What every `nninit experiment <name>` shares: the common flags, the run → print → write steps,
 * the "paper beside ours" columns, mean ± sd over seeds and the accuracy-per-epoch chart. An
 * experiment is a defineExperiment({...}) in its own file, listed in ./index.ts (docs/experiments.md).
 */

function seedsOption(fallback: number) {
  return integer('replicates: every run repeats with seeds --seed … --seed+N−1, reported as mean ± sd', { min: 1, default: fallback });
}

/** The flags every experiment takes (with --threads, which every command takes). */
export const EXPERIMENT_OPTIONS = {
  quick: flag('a small version of the same runs, a minute or less (what CI runs)'),
  seed: integer('the first seed: data split, weights and every other random choice', { min: 0, default: 0 }),
  seeds: seedsOption(1),
  out: text('DIR', 'where the JSON results and SVG charts go; created if missing, checked before any run', { default: 'out' }),
};

export type CommonValues = Values<typeof EXPERIMENT_OPTIONS>;

/** What an experiment hands back; the harness prints it and writes the files. */
export interface ExperimentOutput {
  /** Printed first: the table(s), with the paper's figures beside ours. */
  report: string;
  /** Files to write under --out, by name: results (`toJson`), charts (`renderFigure`), images (PNG bytes). */
  files: Record<string, string | Uint8Array>;
  /** A line printed after the report, before the list of files written (totals, timings). */
  summary?: string;
}

export interface Experiment<O extends Options = Options> {
  /** `nninit experiment <name>`. */
  readonly name: string;
  /** One line for `nninit experiment --help`. */
  readonly summary: string;
  /** What it runs and what to look for, for its --help: the setting, --quick's setting, the paper. */
  readonly description: string;
  /** Its own options, beside EXPERIMENT_OPTIONS. */
  readonly options: O;
  /** false for an experiment without replicates: --seeds is then no option of it. */
  readonly replicates?: boolean;
  /** --seeds when not given (default 1), for an experiment whose claim needs replicates. */
  readonly defaultSeeds?: number;
  run(values: CommonValues & Values<O>, progress: Progress): Promise<ExperimentOutput>;
}

export function defineExperiment<O extends Options>(experiment: Experiment<O>): Experiment<O> {
  return experiment;
}

/** `nninit experiment <name>` as a command: checks --out, runs, prints the report, writes the files. */
export function experimentCommand(experiment: Experiment): Command<Options, ExperimentOutput> {
  const { seeds, ...withoutSeeds } = EXPERIMENT_OPTIONS;
  const replicates = experiment.defaultSeeds === undefined ? seeds : seedsOption(experiment.defaultSeeds);
  const common: Options = experiment.replicates === false ? withoutSeeds : { ...withoutSeeds, seeds: replicates };
  return defineCommand({
    name: `experiment ${experiment.name}`,
    summary: experiment.summary,
    description: experiment.description,
    options: { ...common, ...experiment.options },
    async run(values, _positionals, io) {
      const out = values.out as string;
      await prepareDirectory('--out', out);
      const output = await experiment.run(values as CommonValues & Values<Options>, io.progress);
      io.progress.done();
      io.print(output.report);
      const paths: string[] = [];
      for (const [name, contents] of Object.entries(output.files)) {
        const path = join(out, name);
        await writeOutput(path, contents);
        paths.push(path);
      }
      io.print(`\n${output.summary === undefined ? '' : `${output.summary}\n`}${wroteLine(paths)}`);
      return output;
    },
  });
}

/** Results as the JSON files are written: indented, ending with a newline. */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/** "[3/10] He normal, relu" — the start of a run's progress line. */
export function runLabel(index: number, total: number, what: string): string {
  return `[${index}/${total}] ${what}`;
}

/** The seeds of the replicates: --seed, --seed + 1, … (--seeds of them). */
export function seedsOf(values: { seed: number; seeds?: number }): number[] {
  return Array.from({ length: values.seeds ?? 1 }, (_, i) => values.seed + i);
}

// ---------------------------------------------------------------------------------------------
// The paper beside ours.

/** What a paper reports for a row of our table, and whether our run agrees with it. */
export interface Claim {
  /** The paper's number or finding, cell-sized: "81.7%", "≥ 0.75 after 4 epochs", "stalls". */
  paper: string;
  /** Does our run agree? null when there is nothing to judge (a --quick run is too short to compare). */
  agrees: boolean | null;
}

/** The two columns a claim adds to a table's header: the paper's figure (with its source) and the verdict. */
export function claimHeader(source: string): string[] {
  return [`paper (${source})`, 'agrees'];
}

/** A row's claim cells; a row the paper says nothing about gets empty cells. */
export function claimCells(claim: Claim | undefined): string[] {
  if (claim === undefined) return ['', ''];
  return [claim.paper, claim.agrees === null ? '-' : claim.agrees ? 'yes' : 'NO'];
}

// ---------------------------------------------------------------------------------------------
// Replicates.

export function mean(values: readonly number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** Sample standard deviation (n − 1); 0 for a single value. */
export function standardDeviation(values: readonly number[]): number {
  if (values.length < 2) return 0;
  const m = mean(values);
  return Math.sqrt(values.reduce((sum, v) => sum + (v - m) ** 2, 0) / (values.length - 1));
}

export function geometricMean(values: readonly number[]): number {
  return Math.exp(mean(values.map(Math.log)));
}

/** "0.9512" for one value; "0.9512 ± 0.0031" (mean ± sample sd) for several. */
export function meanAndSd(values: readonly number[], digits = 4): string {
  return values.length === 1 ? values[0].toFixed(digits) : `${mean(values).toFixed(digits)} ± ${standardDeviation(values).toFixed(digits)}`;
}

// ---------------------------------------------------------------------------------------------
// The chart most experiments draw.

/** One point of an accuracy chart: test accuracy of a run after an epoch (1-based). */
export interface AccuracyPoint {
  init: string;
  activation: string;
  epoch: number;
  accuracy: number;
}

/** Lower end of the zoomed row's accuracy axis. */
const ZOOM_FROM = 0.85;

/**
 * Test accuracy per epoch, one line per initialization and one panel per activation; on top the
 * full range (zeros and N(0,1) sit far below the rest), below the band where good starts differ.
 */
export function accuracyChart(points: readonly AccuracyPoint[], title: string): string {
  const inits = [...new Set(points.map((p) => p.init))];
  const activations = [...new Set(points.map((p) => p.activation))];
  const row = (domain: [number, number], yTitle: string) => ({
    row: activations.map((activation) => ({
      title: `hidden activation: ${activation}`,
      x: { title: 'epoch', integer: true },
      y: { title: yTitle, domain },
      lines: inits.map((init) => ({
        name: init,
        points: points.filter((p) => p.init === init && p.activation === activation).map((p) => ({ x: p.epoch, y: p.accuracy })),
      })),
    })),
  });
  return renderFigure({
    title,
    layout: { column: [row([0, 1], 'test accuracy'), row([ZOOM_FROM, 1], `test accuracy (${ZOOM_FROM}–1)`)] },
    legend: { title: 'initialization', names: inits },
  });
}
