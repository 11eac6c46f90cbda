// An RBM trained on unlabeled digits, posting its filters and a few reconstructions every epoch.
import * as nninit from 'nninit';
import type { JobContext } from 'nninit/worker';
import { digits } from './digits';

/** Digits shown with their reconstructions. */
export const SHOWN_DIGITS = 8;

export interface RbmParams {
  trainSize: number;
  nHidden: number;
  epochs: number;
  seed: number;
}

export interface RbmProgress {
  /** 0: the random start, before training. */
  epoch: number;
  /** Mean squared difference per pixel between the training digits and their reconstructions. */
  reconstructionError: number;
  /** W [nHidden, 784]: one filter per hidden unit. */
  filters: Float32Array;
  /** SHOWN_DIGITS digits, then their reconstructions. */
  digits: Float32Array;
}

export async function trainRbm(params: RbmParams, { progress }: JobContext<RbmProgress>): Promise<{ seconds: number }> {
  const started = performance.now();
  const { train } = await digits(params.trainSize, 1, params.seed);
  const shown = nninit.tensor(train.x.data.slice(0, SHOWN_DIGITS * 784), [SHOWN_DIGITS, 784]);
  const rbm = new nninit.RBM({ nVisible: 784, nHidden: params.nHidden, seed: params.seed });
  const post = (epoch: number, reconstructionError: number) => {
    const filters = rbm.weights.W.data;
    const pictures = new Float32Array(2 * SHOWN_DIGITS * 784);
    pictures.set(shown.data);
    pictures.set(rbm.reconstruct(shown).data, SHOWN_DIGITS * 784);
    progress({ epoch, reconstructionError, filters, digits: pictures }, [filters.buffer, pictures.buffer]);
  };
  // The same rows fit's per-epoch statistics use (its default monitor: the first 1000).
  const monitored = Math.min(1000, params.trainSize);
  post(0, rbm.reconstructionError(nninit.tensor(train.x.data.subarray(0, monitored * 784), [monitored, 784])));
  await rbm.fit(train.x, {
    epochs: params.epochs,
    batchSize: 50,
    learningRate: 0.05,
    onEpoch: (stats) => post(stats.epoch, stats.reconstructionError),
  });
  rbm.dispose();
  return { seconds: (performance.now() - started) / 1000 };
}
