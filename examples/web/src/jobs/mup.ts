// μP against the standard parametrization (`nninit experiment mup`): the coordinate check one
// width at a time, then the learning-rate sweeps, posting every number as it is measured.
import type { JobContext } from 'nninit/worker';
import type { DigitSplit } from '../../../../src/experiments/common';
import { MUP_FULL, runMup, type MupConfig, type MupParametrization } from '../../../../src/experiments/mup';
import { digits } from './digits';

export interface MupParams {
  /** The widest network of the learning-rate sweep (its widths double from 128 up to this). */
  widest: number;
  trainSize: number;
  epochs: number;
  seed: number;
}

export type MupProgress =
  | {
      kind: 'coord';
      parametrization: MupParametrization;
      width: number;
      /** The last hidden layer's mean |pre-activation| at the start and after the last step. */
      start: number;
      end: number;
      done: number;
      total: number;
    }
  | { kind: 'transfer'; parametrization: MupParametrization; width: number; lr: number; loss: number | null; done: number; total: number };

/** The coordinate check's widths and the sweep's learning rates, for the page's axes. */
export const COORD_WIDTHS = MUP_FULL.coord.widths;
export const SWEEP_LRS = MUP_FULL.transfer.lrs;
/** The page's sweep stops at 512 units: four times the base, at a browser's pace. */
export const SWEEP_WIDEST = 512;

export function sweepWidths(widest: number): number[] {
  const widths: number[] = [];
  for (let width = 128; width <= widest; width *= 2) widths.push(width);
  return widths;
}

export async function runMupDemo(params: MupParams, { progress }: JobContext<MupProgress>): Promise<{ seconds: number }> {
  const started = performance.now();
  const load = (split: DigitSplit) => digits(split.trainSize, split.testSize, split.seed);
  const coord = MUP_FULL.coord;
  const parametrizations: MupParametrization[] = ['standard', 'mup'];
  // One width per coordinate check, so that each point reaches the chart as soon as it is measured.
  let done = 0;
  for (const parametrization of parametrizations) {
    for (const width of coord.widths) {
      const config: MupConfig = { ...MUP_FULL, parts: ['coord'], parametrizations: [parametrization], coord: { ...coord, widths: [width] }, seeds: [params.seed] };
      const result = await runMup(config, { digits: load });
      const check = result.coord![parametrization]!;
      const last = check.layers[check.layers.length - 2].preActivation[0];
      progress({ kind: 'coord', parametrization, width, start: last[0], end: last[check.steps], done: ++done, total: parametrizations.length * coord.widths.length });
    }
  }
  const transfer = { ...MUP_FULL.transfer, widths: sweepWidths(params.widest), trainSize: params.trainSize, epochs: params.epochs };
  await runMup(
    { ...MUP_FULL, parts: ['transfer'], transfer, seeds: [params.seed] },
    {
      digits: load,
      onProgress: (p) => {
        if (p.part === 'transfer') progress({ kind: 'transfer', parametrization: p.parametrization, width: p.width, lr: p.lr, loss: p.loss, done: p.done, total: p.total });
      },
    },
  );
  return { seconds: (performance.now() - started) / 1000 };
}
