// Experiment: an RBM learns features from unlabeled digits (the first step of DBN pretraining).
import { SHOWN_DIGITS } from '../jobs/rbm';
import { PALETTE } from '../ui/chart';
import { numberField } from '../ui/controls';
import { element } from '../ui/dom';
import type { SectionSpec } from '../ui/section';
import { drawTiles } from '../ui/tiles';

export const rbm: SectionSpec = {
  id: 'rbm',
  nav: 'RBM features',
  title: 'Features learned without labels',
  intro: `<p>No labels here. A restricted Boltzmann machine (RBM) sees only pixels and learns hidden units
    whose on/off pattern can rebuild each image. Stacking RBMs this way and then fine-tuning with labels
    — a deep belief net (Hinton et al., 2006) — was the first recipe that trained deep networks, years
    before the scaled random starts above.</p>
    <p>Training uses contrastive divergence (CD-1): nudge the weights so that real digits become more
    likely than the RBM’s own reconstructions of them.</p>`,
  build(section) {
    const form = section.controls({
      trainSize: numberField('Training digits', { value: 5000, min: 100, max: 9000, step: 100 }),
      nHidden: numberField('Hidden units', { value: 64, min: 4, max: 256 }),
      epochs: numberField('Epochs', { value: 10, min: 1, max: 50 }),
    });
    const filters = element('canvas', { class: 'tiles', role: 'img', 'aria-label': 'Filters: one 28 by 28 image of weights per hidden unit' });
    const pictures = element('canvas', { class: 'tiles', role: 'img', 'aria-label': 'Training digits above their reconstructions' });
    section.figure(
      'Filters: one per hidden unit',
      filters,
      `Each tile is one hidden unit’s 784 weights as an image (red > 0, blue < 0, white ≈ 0). At epoch 0
        they are random noise; within a few epochs they turn into strokes, blobs and pieces of digits —
        features learned without a single label.`,
    ).classList.add('wide');
    section.figure(
      'Digits and their reconstructions',
      pictures,
      `Top row: training digits. Bottom row: what the RBM rebuilds from its hidden units alone. Once the
        rebuilt digits look like the originals, the hidden units hold what makes a digit.`,
    );
    const error = section.chart({
      title: 'Reconstruction error (mean squared, per pixel)',
      x: { label: 'epoch', integer: true },
      y: { label: 'error per pixel' },
      series: [{ label: 'reconstruction error', ...PALETTE[1], dash: [] }],
      caption: `Falls fast over the first epochs, then slowly. More hidden units rebuild the digits better
        (a lower floor); more epochs only creep down it.`,
    });

    const blank = (canvas: HTMLCanvasElement, count: number, columns: number) => drawTiles(canvas, new Float32Array(count * 784), count, columns, 'ink');
    const columnsFor = (nHidden: number) => Math.ceil(Math.sqrt(nHidden));
    blank(filters, 64, columnsFor(64));
    blank(pictures, 2 * SHOWN_DIGITS, SHOWN_DIGITS);
    let curve: number[] = [];

    section.job(form, {
      job: 'trainRbm',
      runLabel: 'Train the RBM',
      params: ({ trainSize, nHidden, epochs }) => ({ trainSize, nHidden, epochs, seed: 1 }),
      begin({ nHidden, epochs }) {
        curve = [];
        error.setXRange(0, epochs);
        error.setData([], [[]]);
        blank(filters, nHidden, columnsFor(nHidden));
        return 'Loading the digits…';
      },
      progress({ epoch, reconstructionError, filters: weights, digits }, { nHidden, epochs }) {
        drawTiles(filters, weights, nHidden, columnsFor(nHidden), 'diverging');
        drawTiles(pictures, digits, 2 * SHOWN_DIGITS, SHOWN_DIGITS, 'ink');
        curve[epoch] = reconstructionError;
        error.setData(curve.map((_, i) => i), [curve]);
        const status = epoch === 0 ? 'The random start, before training.' : `Epoch ${epoch} of ${epochs}: reconstruction error ${reconstructionError.toFixed(4)}.`;
        return { status, done: epoch, total: epochs };
      },
      finish({ seconds }, { epochs }) {
        const last = curve[epochs];
        return `Trained ${epochs} epoch${epochs === 1 ? '' : 's'} in ${seconds.toFixed(1)} s: reconstruction error ${curve[0].toFixed(4)} → ${last.toFixed(4)}.`;
      },
    });
  },
};
