// Experiment: the same network trained from different starts, with all the labels or only a few.
import { HIDDEN, PRETRAIN_EPOCHS, TEST_DIGITS, type Start } from '../jobs/compare';
import { PALETTE, type SeriesStyle } from '../ui/chart';
import { numberField, selectField } from '../ui/controls';
import { element } from '../ui/dom';
import type { SectionSpec } from '../ui/section';
import { drawTiles } from '../ui/tiles';

/** The starts compared, in legend order; a new one is a line here (and its InitSpec in the job). */
const STARTS: { init: Start; style: SeriesStyle }[] = [
  // Solid and a little heavier: the start this section is about.
  { init: 'dbn', style: { label: 'DBN-pretrained', ...PALETTE[5], dash: [], width: 2.5 } },
  { init: 'heNormal', style: { label: 'He normal', ...PALETTE[0] } },
  { init: 'xavierUniform', style: { label: 'Xavier uniform', ...PALETTE[1] } },
  { init: 'orthogonal', style: { label: 'Orthogonal', ...PALETTE[2] } },
  { init: { name: 'normal', std: 1 }, style: { label: 'N(0, 1)', ...PALETTE[3] } },
  { init: 'zeros', style: { label: 'All zeros', ...PALETTE[4] } },
];

/** The filters shown of the DBN's hidden units: the first 64, in an 8 × 8 grid. */
const SHOWN_FILTERS = 64;

const percent = (fraction: number) => `${(100 * fraction).toFixed(1)}%`;

export const compare: SectionSpec = {
  id: 'compare',
  nav: 'Starts compared',
  title: 'Same network, six starts, few labels or many',
  intro: `<p>Six copies of one network learn to read handwritten digits: 784 pixels → ${HIDDEN} ReLU units →
    10 classes. They see the same digits in the same order with the same optimizer (SGD, learning rate
    0.05, momentum 0.9). The <strong>only</strong> difference is the weights they start from: five
    random draws, and one <strong>pretrained</strong> start. Before any label is used, a deep belief net
    (here a single RBM) learns features from all the training digits without their labels; its weights
    become the network’s first layer.</p>
    <p><strong>Labels</strong> sets how many of the training digits come with their answer — the rest
    are only pictures. Labels are what costs in practice; pictures are cheap. After every epoch (as many
    weight updates as one pass over the training digits, whatever the label count) each network is
    scored on ${TEST_DIGITS.toLocaleString('en')} digits it never sees. Run it with all labels, then with
    100.</p>`,
  build(section) {
    const form = section.controls({
      trainSize: numberField('Training digits', { value: 5000, min: 100, max: 9000, step: 100, hint: '100–9,000, all used for pretraining' }),
      labels: selectField('Labels', {
        options: [
          ['all', 'All'],
          ['1000', '1,000'],
          ['100', '100'],
        ],
        value: 'all',
        hint: 'labelled digits, as many of each class',
      }),
      epochs: numberField('Epochs', { value: 8, min: 1, max: 30 }),
    });
    const series = STARTS.map(({ style }) => style);
    const epochAxis = { label: 'epoch', integer: true };
    const filters = element('canvas', { class: 'tiles', role: 'img', 'aria-label': `Filters: the first ${SHOWN_FILTERS} hidden units of the pretrained start` });
    section.figure(
      'Pretraining without labels: the DBN’s filters',
      filters,
      `Each tile is one hidden unit’s 784 weights (red > 0, blue < 0). They start as noise and, epoch by
        epoch, become strokes and pieces of digits — learned from the pictures alone, the labels unused.
        This is all the pretrained start knows before fine-tuning begins.`,
    );
    const accuracy = section.chart({
      title: 'Test accuracy',
      x: epochAxis,
      y: { label: 'test digits right (%)', range: [0, 100], format: (v) => `${Number(v.toFixed(1))}` },
      series,
      caption: `With all labels, He, Xavier, orthogonal and the pretrained start climb steeply and end
        within about a point of each other (hide some in the legend to see the others). Now set Labels to
        100 and run again: every curve ends lower — 100 digits are little to learn from — and the
        DBN-pretrained start ends a couple of points above He and Xavier: its features came from all the
        training digits, theirs from the 100 labelled ones. That is where pretraining pays: when labels are
        scarce. One run is one seed, and runs differ by a point or so; the command line’s
        “nninit experiment labels” averages five seeds of a deeper network (+5 points with 100
        labels, under 1 with all). N(0, 1) stays behind; all zeros never leaves the majority class (≈ 10%).`,
    });
    const loss = section.chart({
      title: 'Test loss (cross-entropy, log scale)',
      x: epochAxis,
      y: { label: 'loss (nats)', log: true },
      series,
      caption: `A log scale: each grid line down is a loss ten times smaller. Scaled starts begin near
        ln 10 ≈ 2.3, the loss of guessing uniformly, and fall. N(0, 1) begins near 100 — confidently
        wrong on every digit — and stays several times higher. All zeros stays at 2.3: it only ever
        learns how often each class occurs. With few labels every start ends with a higher test loss:
        it has learned its few digits by heart.`,
    });
    const none = element('tr', { class: 'none' }, element('td', { colspan: '5' }, 'No run yet.'));
    const runs = element('tbody', {}, none);
    const table = element('table', { class: 'runs' }, [
      element('thead', {}, element('tr', {}, ['Labels', 'DBN', 'He', 'Xavier', 'Gain'].map((text) => element('th', { scope: 'col' }, text)))),
      runs,
    ]);
    section.figure(
      'Your runs: final test accuracy',
      table,
      `One row per run, newest first. Gain is the pretrained start minus the better of He and Xavier, in
        points. Run all three label settings: the largest gain comes with 100 labels, where the random
        starts have the least to learn from.`,
    );

    // One row per epoch (0 = the start), one column per start.
    let accuracies: (number | null)[][] = [];
    let losses: (number | null)[][] = [];
    const epochsOf = (epochs: number) => Array.from({ length: epochs + 1 }, (_, epoch) => epoch);
    const blank = () => drawTiles(filters, new Float32Array(SHOWN_FILTERS * 784), SHOWN_FILTERS, 8, 'ink');
    blank();
    // The progress meter: pretraining epochs, then every start scored once per epoch.
    const steps = (epochs: number) => PRETRAIN_EPOCHS + (epochs + 1) * STARTS.length;

    section.job(form, {
      job: 'compareInits',
      runLabel: 'Train all six',
      params: ({ trainSize, labels, epochs }) => ({ inits: STARTS.map(({ init }) => init), trainSize, labels: labels === 'all' ? 0 : Number(labels), epochs, seed: 1 }),
      begin({ epochs }) {
        accuracies = STARTS.map(() => new Array(epochs + 1).fill(null));
        losses = STARTS.map(() => new Array(epochs + 1).fill(null));
        for (const chart of [accuracy, loss]) {
          chart.setXRange(0, epochs);
          chart.setData([], []);
        }
        blank();
        return 'Loading the digits…';
      },
      progress(update, { epochs }) {
        if (update.kind === 'pretrain') {
          drawTiles(filters, update.filters.subarray(0, SHOWN_FILTERS * 784), SHOWN_FILTERS, 8, 'diverging');
          return {
            status: `Pretraining without labels, epoch ${update.epoch} of ${update.epochs}: reconstruction error ${update.reconstructionError.toFixed(4)}.`,
            done: update.epoch,
            total: steps(epochs),
          };
        }
        const { index, epoch, testAccuracy, testLoss } = update;
        accuracies[index][epoch] = 100 * testAccuracy;
        losses[index][epoch] = testLoss;
        accuracy.setData(epochsOf(epochs), accuracies);
        loss.setData(epochsOf(epochs), losses);
        const status = epoch === 0 ? 'Scoring the starts before fine-tuning…' : `Epoch ${epoch} of ${epochs}: ${STARTS[index].style.label} ${percent(testAccuracy)} right.`;
        return { status, done: PRETRAIN_EPOCHS + epoch * STARTS.length + index + 1, total: steps(epochs) };
      },
      finish({ accuracies, labels, seconds }, { epochs, trainSize }) {
        const final = (label: string) => accuracies[STARTS.findIndex(({ style }) => style.label === label)];
        const [dbn, he, xavier] = ['DBN-pretrained', 'He normal', 'Xavier uniform'].map(final);
        const gain = 100 * (dbn - Math.max(he, xavier));
        const labelled = labels === trainSize ? `all ${labels.toLocaleString('en')}` : labels.toLocaleString('en');
        none.remove();
        runs.prepend(element('tr', {}, [labelled, percent(dbn), percent(he), percent(xavier), `${gain >= 0 ? '+' : '−'}${Math.abs(gain).toFixed(1)}`].map((text) => element('td', {}, text))));
        const results = STARTS.map(({ style }, i) => `${style.label} ${percent(accuracies[i])}`).join(', ');
        return `After ${epochs} epoch${epochs === 1 ? '' : 's'} with ${labelled} of ${trainSize.toLocaleString('en')} digits labelled (${seconds.toFixed(1)} s), test digits right: ${results}.`;
      },
    });
  },
};
