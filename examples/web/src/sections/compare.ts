// Experiment: the same network trained from different starts.
import type * as nninit from 'nninit';
import { TEST_DIGITS } from '../jobs/compare';
import { PALETTE, type SeriesStyle } from '../ui/chart';
import { numberField } from '../ui/controls';
import type { SectionSpec } from '../ui/section';

/** The starts compared, in legend order; a new one is a line here (and its InitSpec in the job). */
const STARTS: { init: nninit.InitSpec; style: SeriesStyle }[] = [
  { init: 'heNormal', style: { label: 'He normal', ...PALETTE[0] } },
  { init: 'xavierUniform', style: { label: 'Xavier uniform', ...PALETTE[1] } },
  { init: 'orthogonal', style: { label: 'Orthogonal', ...PALETTE[2] } },
  { init: { name: 'normal', std: 1 }, style: { label: 'N(0, 1)', ...PALETTE[3] } },
  { init: 'zeros', style: { label: 'All zeros', ...PALETTE[4] } },
];

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;

export const compare: SectionSpec = {
  id: 'compare',
  nav: 'Starts compared',
  title: 'Same network, five starts',
  intro: `<p>Five copies of one network learn to read handwritten digits: 784 pixels → 128 ReLU units →
    10 classes. They see the same digits in the same order with the same optimizer (SGD, learning rate
    0.05, momentum 0.9). The <strong>only</strong> difference is the random weights they start from.</p>
    <p>After every epoch (one pass over the training digits) each network is scored on ${TEST_DIGITS.toLocaleString('en')}
    digits it never trains on. Fewer digits or epochs finish sooner but blur the differences; the
    defaults show them clearly.</p>`,
  build(section) {
    const form = section.controls({
      trainSize: numberField('Training digits', { value: 5000, min: 100, max: 9000, step: 100 }),
      epochs: numberField('Epochs', { value: 8, min: 1, max: 30 }),
    });
    const series = STARTS.map(({ style }) => style);
    const epochAxis = { label: 'epoch', integer: true };
    const accuracy = section.chart({
      title: 'Test accuracy',
      x: epochAxis,
      y: { label: 'test digits right (%)', range: [0, 100], format: (v) => `${Number(v.toFixed(1))}` },
      series,
      caption: `Look at epoch 1. He, Xavier and orthogonal starts keep each layer’s signal at a steady
        scale, so they climb steeply at once and end together (their curves overlap: hide one in the
        legend to see the others). N(0, 1) starts with outputs far too large and stays behind. All zeros never leaves the
        majority class (≈ 10%): every hidden unit computes the same thing and gets the same gradient —
        here none at all — so the hidden layer never learns.`,
    });
    const loss = section.chart({
      title: 'Test loss (cross-entropy, log scale)',
      x: epochAxis,
      y: { label: 'loss (nats)', log: true },
      series,
      caption: `A log scale: each grid line down is a loss ten times smaller. Scaled starts begin near
        ln 10 ≈ 2.3, the loss of guessing uniformly, and fall. N(0, 1) begins near 100 — confidently
        wrong on every digit — and stays several times higher. All zeros stays at 2.3: it only ever
        learns how often each class occurs.`,
    });

    // One row per epoch (0 = the start), one column per start.
    let accuracies: (number | null)[][] = [];
    let losses: (number | null)[][] = [];
    const epochsOf = (epochs: number) => Array.from({ length: epochs + 1 }, (_, epoch) => epoch);

    section.job(form, {
      job: 'compareInits',
      runLabel: 'Train all five',
      params: ({ trainSize, epochs }) => ({ inits: STARTS.map(({ init }) => init), trainSize, epochs, seed: 1 }),
      begin({ epochs }) {
        accuracies = STARTS.map(() => new Array(epochs + 1).fill(null));
        losses = STARTS.map(() => new Array(epochs + 1).fill(null));
        for (const chart of [accuracy, loss]) {
          chart.setXRange(0, epochs);
          chart.setData([], []);
        }
        return 'Loading the digits…';
      },
      progress({ index, epoch, testAccuracy, testLoss }, { epochs }) {
        accuracies[index][epoch] = 100 * testAccuracy;
        losses[index][epoch] = testLoss;
        accuracy.setData(epochsOf(epochs), accuracies);
        loss.setData(epochsOf(epochs), losses);
        const status = epoch === 0 ? 'Scoring the starts before training…' : `Epoch ${epoch} of ${epochs}: ${STARTS[index].style.label} ${percent(testAccuracy)} right.`;
        return { status, done: epoch * STARTS.length + index + 1, total: (epochs + 1) * STARTS.length };
      },
      finish({ accuracies, seconds }, { epochs, trainSize }) {
        const results = STARTS.map(({ style }, i) => `${style.label} ${percent(accuracies[i])}`).join(', ');
        return `After ${epochs} epoch${epochs === 1 ? '' : 's'} on ${trainSize.toLocaleString('en')} digits (${seconds.toFixed(1)} s), test digits right: ${results}.`;
      },
    });
  },
};
