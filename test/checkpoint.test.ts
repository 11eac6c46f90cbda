// Checkpoints and resume: a fit interrupted after some epochs and resumed from its checkpoint
// ends with the same bits as the fit that was never interrupted.
import { beforeAll, describe, expect, it } from 'vitest';
import { FormatError, ParamError } from '../src/errors.js';
import { load } from '../src/io/models.js';
import { Mlp, type MlpOptions } from '../src/nn/mlp.js';
import * as layers from '../src/layers/index.js';
import { Sequential } from '../src/layers/sequential.js';
import type { FitOptions } from '../src/nn/fit.js';
import { adam, cosineSchedule, sgd } from '../src/optim/index.js';
import { ready } from '../src/runtime/index.js';
import { blobs } from './nn-helpers.js';
import { hashBytes, hashFloats } from './checkpoint-helpers.js';
import { RBM, type FitOptions as RbmFitOptions } from '../src/rbm/rbm.js';
import { DBN, type PretrainOptions } from '../src/dbn/dbn.js';
import { Rng } from '../src/random.js';
import type { Tensor } from '../src/tensor.js';

beforeAll(() => ready());

const mlpHash = (mlp: Mlp) => hashFloats(mlp.layers.flatMap((l) => [l.weight.data, l.bias.data]));

const MLP: MlpOptions = { layers: [10, 24, 16, 3], activation: 'tanh', init: 'heNormal', seed: 7 };
const data = blobs(230, 10, 3, 4);

/** An uninterrupted fit, and the same fit stopped after `stopAfter` epochs then resumed from its checkpoint. */
async function interruptedAndResumed(options: () => FitOptions, stopAfter: number, how: 'onEpoch' | 'throw' = 'onEpoch') {
  const whole = new Mlp(MLP);
  const wholeHistory = await whole.fit(data.x, data.y, options());
  const saved: Uint8Array[] = [];
  const first = new Mlp(MLP);
  const fitting = first.fit(data.x, data.y, {
    ...options(),
    checkpoint: {
      save: (bytes) => {
        if (how === 'throw' && saved.length === stopAfter) throw new Error('the machine went down');
        saved.push(bytes);
      },
    },
    onEpoch: (log) => (how === 'onEpoch' ? log.epoch < stopAfter : undefined),
  });
  if (how === 'throw') await expect(fitting).rejects.toThrow('the machine went down');
  else await fitting;
  expect(saved.length).toBe(stopAfter);
  const resumed = Mlp.load(saved[stopAfter - 1]);
  const resumedHistory = await resumed.fit(data.x, data.y, { ...options(), resume: true });
  const result = { whole: mlpHash(whole), resumed: mlpHash(resumed), wholeHistory, resumedHistory, wholeBytes: whole.save(), resumedBytes: resumed.save() };
  for (const m of [whole, first, resumed]) m.dispose();
  return result;
}

describe('Mlp.fit checkpoints', () => {
  it('6 epochs of Adam with a cosine schedule and a validation split, stopped by onEpoch after 3 and resumed: the same bits', async () => {
    const options = (): FitOptions => ({ epochs: 6, batchSize: 32, validation: 0.2, optimizer: adam({ lr: 3e-3, schedule: cosineSchedule({ epochs: 6 }) }) });
    const r = await interruptedAndResumed(options, 3);
    expect(r.resumed).toBe(r.whole);
    expect(hashBytes(r.resumedBytes)).toBe(hashBytes(r.wholeBytes));
    expect(r.resumedHistory.epochs.map((e) => e.epoch)).toEqual([4, 5, 6]);
    // The resumed epochs log what the uninterrupted ones did: loss, accuracy and learning rate.
    expect(r.resumedHistory.loss).toEqual(r.wholeHistory.loss.slice(3));
    expect(r.resumedHistory.epochs.map((e) => e.lr)).toEqual(r.wholeHistory.epochs.slice(3).map((e) => e.lr));
  });

  it('SGD with Nesterov momentum, interrupted by an error thrown in save after 3 checkpoints', async () => {
    const options = (): FitOptions => ({ epochs: 6, batchSize: 20, optimizer: sgd({ lr: 0.05, momentum: 0.9, nesterov: true }) });
    const r = await interruptedAndResumed(options, 3, 'throw');
    expect(r.resumed).toBe(r.whole);
  });

  it('early stopping with restoreBest continues its patience and best epoch', async () => {
    const options = (): FitOptions => ({
      epochs: 12,
      batchSize: 16,
      validation: 0.3,
      optimizer: adam({ lr: 0.05 }),
      earlyStopping: { monitor: 'valLoss', patience: 2, restoreBest: true },
    });
    const r = await interruptedAndResumed(options, 2);
    expect(r.resumed).toBe(r.whole);
    expect(r.resumedHistory.bestEpoch).toBe(r.wholeHistory.bestEpoch);
    expect(r.resumedHistory.stoppedEarly).toBe(r.wholeHistory.stoppedEarly);
  });

  it('the resumed run differs when the optimizer state is not restored (the test can fail)', async () => {
    const options = (): FitOptions => ({ epochs: 4, batchSize: 32, optimizer: adam({ lr: 3e-3 }) });
    const whole = new Mlp(MLP);
    await whole.fit(data.x, data.y, options());
    let bytes: Uint8Array | undefined;
    const first = new Mlp(MLP);
    await first.fit(data.x, data.y, { ...options(), checkpoint: { every: 2, save: (b) => void (bytes ??= b) }, onEpoch: (log) => log.epoch < 2 });
    // Loaded as a plain model (the training state dropped): two more epochs from fresh Adam state.
    const plain = Mlp.load(bytes!);
    await plain.fit(data.x, data.y, { ...options(), epochs: 2 });
    expect(mlpHash(plain)).not.toBe(mlpHash(whole));
    for (const m of [whole, first, plain]) m.dispose();
  });

  it('every: 2 saves after epochs 2, 4 and the last; saves may be async and fit waits for them', async () => {
    const mlp = new Mlp(MLP);
    const epochs: number[] = [];
    let pending = 0;
    await mlp.fit(data.x, data.y, {
      epochs: 5,
      checkpoint: {
        every: 2,
        save: async (bytes) => {
          pending++;
          await new Promise((resolve) => setTimeout(resolve, 5));
          const model = load(bytes) as Mlp;
          epochs.push(model.sizes.length);
          model.dispose();
          pending--;
        },
      },
      onEpoch: () => {
        expect(pending).toBe(0);
      },
    });
    expect(epochs).toHaveLength(3);
    mlp.dispose();
  });

  it('a checkpoint is a model file: nninit.load reads it, and evaluate works before resuming', async () => {
    let bytes: Uint8Array | undefined;
    const mlp = new Mlp(MLP);
    await mlp.fit(data.x, data.y, { epochs: 1, checkpoint: { save: (b) => void (bytes = b) } });
    const loaded = load(bytes!);
    expect(loaded).toBeInstanceOf(Mlp);
    expect((loaded as Mlp).evaluate(data.x, data.y)).toEqual(mlp.evaluate(data.x, data.y));
    // Saved again, a loaded checkpoint is a plain model file.
    expect(hashBytes((loaded as Mlp).save())).toBe(hashBytes(mlp.save()));
    for (const m of [mlp, loaded as Mlp]) m.dispose();
  });

  it('resume: true without training state, or with options that break resuming, is a ParamError naming them', async () => {
    const fresh = new Mlp(MLP);
    await expect(fresh.fit(data.x, data.y, { epochs: 2, resume: true })).rejects.toThrow(/resume: true needs a model loaded from a checkpoint/);
    let bytes: Uint8Array | undefined;
    await fresh.fit(data.x, data.y, { epochs: 3, batchSize: 32, optimizer: adam({ lr: 1e-3 }), checkpoint: { save: (b) => void (bytes = b) } });
    const loaded = Mlp.load(bytes!);
    const attempt = loaded.fit(data.x, data.y, { epochs: 2, batchSize: 16, optimizer: sgd({ lr: 0.1 }), resume: true });
    await expect(attempt).rejects.toThrow(ParamError);
    await expect(loaded.fit(data.x, data.y, { epochs: 2, batchSize: 16, optimizer: sgd({ lr: 0.1 }), resume: true })).rejects.toThrow(
      /epochs is 2 but the checkpoint has 3 epochs done; batchSize is 16, the checkpoint's is 32; optimizer is "sgd", the checkpoint's is "adam"/,
    );
    // epochs equal to those done: nothing left to train.
    const done = await loaded.fit(data.x, data.y, { epochs: 3, batchSize: 32, optimizer: adam({ lr: 1e-3 }), resume: true });
    expect(done.epochs).toEqual([]);
    expect(mlpHash(loaded)).toBe(mlpHash(fresh));
    // A plain fit outdates the state of a loaded checkpoint.
    const outdated = Mlp.load(bytes!);
    await outdated.fit(data.x, data.y, { epochs: 1, batchSize: 32 });
    await expect(outdated.fit(data.x, data.y, { epochs: 4, batchSize: 32, resume: true })).rejects.toThrow(/holds no training state/);
    outdated.dispose();
    // Used once: a second resume has no training state left.
    await expect(loaded.fit(data.x, data.y, { epochs: 4, batchSize: 32, resume: true })).rejects.toThrow(/holds no training state/);
    await expect(fresh.fit(data.x, data.y, { epochs: 1, checkpoint: { every: 0, save: () => {} } })).rejects.toThrow(/checkpoint.every/);
    for (const m of [fresh, loaded]) m.dispose();
  });

  it('Sequential.fit with batch norm (cumulative statistics) and dropout, stopped after 2 of 5: the same bits', async () => {
    const make = () =>
      new Sequential(
        [
          layers.dense({ inFeatures: 10, outFeatures: 16 }),
          layers.batchNorm1d({ numFeatures: 16, momentum: null }),
          layers.relu(),
          layers.dropout({ p: 0.3 }),
          layers.dense({ inFeatures: 16, outFeatures: 3 }),
        ],
        { inputShape: [10], seed: 5 },
      );
    const options = (): FitOptions => ({ epochs: 5, batchSize: 24, optimizer: sgd({ lr: 0.05, momentum: 0.8 }) });
    const whole = make();
    await whole.fit(data.x, data.y, options());
    const saved: Uint8Array[] = [];
    const first = make();
    await first.fit(data.x, data.y, { ...options(), checkpoint: { save: (b) => void saved.push(b) }, onEpoch: (log) => log.epoch < 2 });
    const resumed = Sequential.load(saved[1]);
    await resumed.fit(data.x, data.y, { ...options(), resume: true });
    expect(hashBytes(resumed.save())).toBe(hashBytes(whole.save()));
    // Without the dropout stream's position the masks, and so the weights, differ.
    const plain = Sequential.load(saved[1]);
    await plain.fit(data.x, data.y, { ...options(), epochs: 3 });
    expect(hashBytes(plain.save())).not.toBe(hashBytes(whole.save()));
    for (const m of [whole, first, resumed, plain]) m.dispose();
  });

  it('a checkpoint with broken training state is a FormatError naming it', async () => {
    let bytes: Uint8Array | undefined;
    const mlp = new Mlp(MLP);
    await mlp.fit(data.x, data.y, { epochs: 1, checkpoint: { save: (b) => void (bytes = b) } });
    mlp.dispose();
    // Same-length edits inside the JSON header, so that every offset stays right.
    const corrupt = (from: string, to: string) => {
      expect(to.length).toBe(from.length);
      const needle = new TextEncoder().encode(from);
      const at = bytes!.findIndex((_, i) => needle.every((b, j) => bytes![i + j] === b));
      expect(at).toBeGreaterThan(0);
      const copy = bytes!.slice();
      copy.set(new TextEncoder().encode(to), at);
      return copy;
    };
    expect(() => Mlp.load(corrupt('"training.optimizer":"adam"', '"training.optimizer":"adaX"'))).toThrow(FormatError);
    expect(() => Mlp.load(corrupt('"training.epoch":"1"', '"training.epoch":"x"'))).toThrow(/training.epoch/);
    expect(() => Mlp.load(corrupt('training.optimizer.first', 'training.optimizer.fir5t'))).toThrow(FormatError);
  });
});

/** Binary rows: each of `patterns` prototypes with 10% of its bits flipped. */
function binaryData(rows: number, width: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const prototypes = Array.from({ length: 4 }, () => Array.from({ length: width }, () => (rng.uniform() < 0.5 ? 1 : 0)));
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const p = prototypes[rng.int(4)];
    for (let i = 0; i < width; i++) data[r * width + i] = rng.uniform() < 0.1 ? 1 - p[i] : p[i];
  }
  return { shape: [rows, width], data };
}

const rbmHash = (rbm: RBM) => {
  const w = rbm.weights;
  return hashFloats([w.W.data, w.visibleBias.data, w.hiddenBias.data]);
};

describe('RBM.fit checkpoints', () => {
  const x = binaryData(150, 30, 5);
  const held = binaryData(40, 30, 6);
  const RBM_OPTIONS = { nVisible: 30, nHidden: 20, seed: 11 };

  async function rbmRun(options: () => RbmFitOptions, stopAfter: number) {
    const whole = new RBM(RBM_OPTIONS);
    const wholeHistory = await whole.fit(x, options());
    const saved: Uint8Array[] = [];
    const first = new RBM(RBM_OPTIONS);
    await first.fit(x, { ...options(), checkpoint: { save: (bytes) => void saved.push(bytes) }, onEpoch: (stats) => stats.epoch < stopAfter });
    expect(saved).toHaveLength(stopAfter);
    const resumed = RBM.load(saved[stopAfter - 1]);
    const resumedHistory = await resumed.fit(x, { ...options(), resume: true });
    const result = { whole: rbmHash(whole), resumed: rbmHash(resumed), wholeHistory, resumedHistory };
    for (const m of [whole, first, resumed]) m.dispose();
    return result;
  }

  it('PCD (persistent chains), 6 epochs stopped after 3 and resumed: the same bits, the same statistics', async () => {
    // The default momentum schedule changes after epoch 5, sparsity keeps running means, and the
    // monitoring sample (pseudo-likelihood, free-energy gap) is drawn again on resume.
    const options = (): RbmFitOptions => ({ epochs: 6, batchSize: 16, learningRate: 0.05, persistent: true, sparsity: { target: 0.1, cost: 0.01 }, validation: held, monitorSize: 60 });
    const r = await rbmRun(options, 3);
    expect(r.resumed).toBe(r.whole);
    expect(r.resumedHistory.map((s) => s.epoch)).toEqual([4, 5, 6]);
    const stats = (h: typeof r.wholeHistory) => h.map(({ seconds: _, ...rest }) => rest);
    expect(stats(r.resumedHistory)).toEqual(stats(r.wholeHistory.slice(3)));
  });

  it('CD-2 with sampled visible units, stopped after 1', async () => {
    const options = (): RbmFitOptions => ({ epochs: 3, batchSize: 25, k: 2, sampleVisible: true, momentum: 0.7, weightDecay: 1e-3 });
    const r = await rbmRun(options, 1);
    expect(r.resumed).toBe(r.whole);
  });

  it('without the chains restored, PCD resumes differently (the test can fail)', async () => {
    const options = (): RbmFitOptions => ({ epochs: 4, batchSize: 16, persistent: true });
    const whole = new RBM(RBM_OPTIONS);
    await whole.fit(x, options());
    let bytes: Uint8Array | undefined;
    const first = new RBM(RBM_OPTIONS);
    await first.fit(x, { ...options(), checkpoint: { every: 2, save: (b) => void (bytes ??= b) }, onEpoch: (s) => s.epoch < 2 });
    const plain = RBM.load(bytes!);
    // A plain fit of the remaining epochs: fresh chains, zero momentum, a fresh stream position.
    await plain.fit(x, { ...options(), epochs: 2 });
    expect(rbmHash(plain)).not.toBe(rbmHash(whole));
    for (const m of [whole, first, plain]) m.dispose();
  });

  it('resume errors name the options; broken chains are a FormatError', async () => {
    const fresh = new RBM(RBM_OPTIONS);
    await expect(fresh.fit(x, { epochs: 1, resume: true })).rejects.toThrow(/RBM.fit: resume: true needs a model loaded from a checkpoint/);
    let bytes: Uint8Array | undefined;
    await fresh.fit(x, { epochs: 2, batchSize: 16, persistent: true, checkpoint: { save: (b) => void (bytes = b) } });
    const loaded = RBM.load(bytes!);
    await expect(loaded.fit(x, { epochs: 1, batchSize: 10, resume: true })).rejects.toThrow(
      /epochs is 1 but the checkpoint has 2 epochs done; batchSize is 10, the checkpoint's is 16; persistent is false, the checkpoint's is true/,
    );
    const states = new TextEncoder().encode('"training.chains.rows":"16"');
    const at = bytes!.findIndex((_, i) => states.every((b, j) => bytes![i + j] === b));
    expect(at).toBeGreaterThan(0);
    const corrupt = bytes!.slice();
    corrupt.set(new TextEncoder().encode('"training.chains.rows":"99"'), at);
    expect(() => RBM.load(corrupt)).toThrow(FormatError);
    for (const m of [fresh, loaded]) m.dispose();
  });
});

describe('DBN.pretrain checkpoints', () => {
  const x = binaryData(120, 30, 8);
  const DBN_OPTIONS = { layers: [30, 20, 12, 8], seed: 3 };
  const dbnHash = (dbn: DBN) => hashFloats(dbn.layers.flatMap((w) => [w.W.data, w.visibleBias.data, w.hiddenBias.data]));
  const options = (): PretrainOptions => ({ epochs: 3, batchSize: 16, learningRate: 0.05, persistent: true, monitorSize: 40 });

  it('interrupted in layer 2 (an error thrown in save) and resumed: the same bits as the uninterrupted pretrain', async () => {
    const whole = new DBN(DBN_OPTIONS);
    const wholeHistories = await whole.pretrain(x, options());
    const saved: Uint8Array[] = [];
    const first = new DBN(DBN_OPTIONS);
    // Saves: layer 1 after epochs 1, 2, 3; layer 2 after epoch 1, then the machine goes down.
    const attempt = first.pretrain(x, {
      ...options(),
      checkpoint: {
        save: (bytes) => {
          if (saved.length === 4) throw new Error('power cut');
          saved.push(bytes);
        },
      },
    });
    await expect(attempt).rejects.toThrow('power cut');
    const loaded = DBN.load(saved[3]);
    expect(loaded.isPretrained).toBe(false);
    const layersSeen: number[] = [];
    const epochsSeen: string[] = [];
    const histories = await loaded.pretrain(x, {
      ...options(),
      resume: true,
      onEpoch: (layer, stats) => void epochsSeen.push(`${layer}:${stats.epoch}`),
      onLayer: ({ layer }) => void layersSeen.push(layer),
    });
    expect(dbnHash(loaded)).toBe(dbnHash(whole));
    expect(hashBytes(loaded.save())).toBe(hashBytes(whole.save()));
    expect(epochsSeen).toEqual(['1:2', '1:3', '2:1', '2:2', '2:3']);
    expect(layersSeen).toEqual([1, 2]);
    expect(histories[0]).toEqual([]);
    expect(histories[2].map((s) => s.reconstructionError)).toEqual(wholeHistories[2].map((s) => s.reconstructionError));
  });

  it('a checkpoint after a layer\'s last epoch resumes with the next layer', async () => {
    const whole = new DBN(DBN_OPTIONS);
    await whole.pretrain(x, options());
    let bytes: Uint8Array | undefined;
    const first = new DBN(DBN_OPTIONS);
    await expect(
      first.pretrain(x, { ...options(), checkpoint: { every: 3, save: (b) => { if (bytes) throw new Error('stop'); bytes = b; } } }),
    ).rejects.toThrow('stop');
    const loaded = DBN.load(bytes!);
    await loaded.pretrain(x, { ...options(), resume: true });
    expect(dbnHash(loaded)).toBe(dbnHash(whole));
  });

  it('resume: true on a DBN without training state is a ParamError', async () => {
    await expect(new DBN(DBN_OPTIONS).pretrain(x, { ...options(), resume: true })).rejects.toThrow(/DBN.pretrain: resume: true needs a DBN loaded from a checkpoint/);
  });
});
