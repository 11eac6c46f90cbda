// Experiment: μP against the standard parametrization — the coordinate check and muTransfer.
import { COORD_WIDTHS, SWEEP_LRS, SWEEP_WIDEST, sweepWidths } from '../jobs/mup';
import { LineChart, PALETTE } from '../ui/chart';
import { numberField } from '../ui/controls';
import type { SectionSpec } from '../ui/section';

const power = (lr: number) => `2^${Math.round(Math.log2(lr))}`;
/** The sweep's widths: 128 to 512 here (the CLI's goes to 1024). */
const SWEEP_WIDTHS = sweepWidths(SWEEP_WIDEST);

export const mup: SectionSpec = {
  id: 'mup',
  nav: 'Width (μP)',
  title: 'Wider networks: tune small, train wide with μP',
  intro: `<p>Make a network wider and its best learning rate usually changes: Adam moves every weight
    by about the learning rate, and a unit of a layer n wide adds up n such moves, so the same rate
    pushes a wide network’s activations n times as far. The maximal update parametrization (μP;
    Yang &amp; Hu 2021, Yang et al. 2022) scales the output layer and each layer’s learning rate with
    width so that a step changes every layer by the same amount at any width.</p>
    <p>Two checks, as the authors’ <code>mup</code> package makes them: how big the hidden activations
    get after 5 Adam steps at widths 64 to 2048, and a sweep of learning rates at several widths —
    the best rate found on the narrowest network should serve the widest (here 128 to 512 units;
    <code>nninit experiment mup</code> goes to 1024).</p>`,
  build(section) {
    const form = section.controls({
      trainSize: numberField('Training digits', { value: 2000, min: 200, max: 8000, step: 100, hint: 'for the sweep' }),
      epochs: numberField('Epochs', { value: 1, min: 1, max: 5, hint: 'per sweep run' }),
    });
    const coord = section.chart({
      title: 'Coordinate check: the last hidden layer after 5 Adam steps',
      x: { label: 'width (units per hidden layer)', log: true },
      y: { label: 'mean |pre-activation|', log: true },
      series: [
        { label: 'standard', ...PALETTE[3] },
        { label: 'μP', ...PALETTE[0] },
        { label: 'at the start (both)', ...PALETTE[4] },
      ],
      caption: `Flat is right. At the start both parametrizations agree; after 5 steps the standard
        network’s activations grow with width — roughly ten times larger at 2048 units than at 64 —
        while μP’s stay where the narrow network’s are.`,
    });
    const sweep = (title: string, caption: string) =>
      section.chart({
        title,
        x: { label: 'Adam learning rate', log: true, format: power },
        y: { label: 'training loss', range: [0, 2.5] },
        series: SWEEP_WIDTHS.map((w, i) => ({ label: `width ${w}`, ...PALETTE[i] })),
        caption,
      });
    const charts: Record<'standard' | 'mup', LineChart> = {
      standard: sweep(
        'Learning-rate sweep, standard parametrization',
        `Find each curve’s lowest point: under the standard parametrization it moves left, to smaller
          learning rates, as the network widens — a rate tuned on the narrow network is too large for the wide one.`,
      ),
      mup: sweep(
        'Learning-rate sweep, μP',
        `Under μP the lowest points line up: the rate that is best at 128 units is (within a step of
          the grid) best at every width, and wider is better at that rate — tuning transfers.`,
      ),
    };
    let coordColumns: (number | null)[][] = [];
    let losses: Record<'standard' | 'mup', (number | null)[][]> = { standard: [], mup: [] };
    // The planned ranges from the start, so that points land where the axes promise.
    // uPlot's log ticks step from the range's low end: from 50, in tens, they land on 100 and 1000.
    coord.setXRange(50, 2600);
    for (const chart of Object.values(charts)) chart.setXRange(SWEEP_LRS[0] / 1.5, SWEEP_LRS[SWEEP_LRS.length - 1] * 1.5);
    const drawSweeps = () => {
      for (const p of ['standard', 'mup'] as const) charts[p].setData(SWEEP_LRS, losses[p]);
    };
    section.job(form, {
      job: 'runMupDemo',
      runLabel: 'Run both checks',
      params: ({ trainSize, epochs }) => ({ widest: SWEEP_WIDEST, trainSize, epochs, seed: 0 }),
      begin: () => {
        coordColumns = [0, 1, 2].map(() => COORD_WIDTHS.map(() => null));
        coord.setData([], [[], [], []]);
        losses = { standard: SWEEP_WIDTHS.map(() => SWEEP_LRS.map(() => null)), mup: SWEEP_WIDTHS.map(() => SWEEP_LRS.map(() => null)) };
        drawSweeps();
        return 'Loading the digits…';
      },
      progress: (update, { widest }) => {
        const sweepRuns = 2 * sweepWidths(widest).length * SWEEP_LRS.length;
        const coordRuns = 2 * COORD_WIDTHS.length;
        if (update.kind === 'coord') {
          const w = COORD_WIDTHS.indexOf(update.width);
          coordColumns[update.parametrization === 'standard' ? 0 : 1][w] = update.end;
          coordColumns[2][w] = update.start;
          coord.setData(COORD_WIDTHS, coordColumns);
          return { status: `Coordinate check: ${update.parametrization === 'mup' ? 'μP' : 'standard'}, width ${update.width}.`, done: update.done, total: coordRuns + sweepRuns };
        }
        const row = SWEEP_WIDTHS.indexOf(update.width);
        losses[update.parametrization][row][SWEEP_LRS.indexOf(update.lr)] = update.loss === null ? null : Math.min(update.loss, 2.5);
        drawSweeps();
        const name = update.parametrization === 'mup' ? 'μP' : 'standard';
        const loss = update.loss === null ? 'diverged' : `training loss ${update.loss.toFixed(3)}`;
        return { status: `Sweep: ${name}, width ${update.width}, learning rate ${power(update.lr)}: ${loss}.`, done: coordRuns + update.done, total: coordRuns + sweepRuns };
      },
      finish: ({ seconds }) => {
        const best = (p: 'standard' | 'mup') =>
          losses[p]
            .map((row, i) => ({ width: SWEEP_WIDTHS[i], row }))
            .filter(({ row }) => row.some((v) => v !== null))
            .map(({ width, row }) => {
              const values = row.map((v) => v ?? Infinity);
              return `${width}: ${power(SWEEP_LRS[values.indexOf(Math.min(...values))])}`;
            })
            .join(', ');
        return `Done in ${seconds.toFixed(0)} s. Best learning rate by width — standard ${best('standard')}; μP ${best('mup')}.`;
      },
    });
  },
};
