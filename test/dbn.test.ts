import { beforeAll, describe, expect, it } from 'vitest';
import { DBN, type LayerDone } from '../src/dbn/index.js';
import { ParamError, ShapeError } from '../src/errors.js';
import { Rng } from '../src/random.js';
import { ready } from '../src/runtime/index.js';
import type { Tensor } from '../src/tensor.js';

beforeAll(() => ready());

/** Binary-ish patterns: four prototypes of 24 pixels with 10% of pixels flipped. */
function patterns(rows: number, seed: number): Tensor {
  const rng = new Rng(seed);
  const width = 24;
  const prototypes = Array.from({ length: 4 }, () => Array.from({ length: width }, () => rng.int(2)));
  const data = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const p = prototypes[rng.int(4)];
    for (let i = 0; i < width; i++) data[r * width + i] = rng.uniform() < 0.1 ? 1 - p[i] : p[i];
  }
  return { shape: [rows, width], data };
}

const OPTIONS = { epochs: 3, batchSize: 20, learningRate: 0.1, monitorSize: 0 };

describe('DBN', () => {
  it('trains each RBM on the hidden probabilities of the one below', async () => {
    const x = patterns(120, 1);
    const dbn = new DBN({ layers: [24, 12, 6], seed: 2 });
    const seen: Array<Omit<LayerDone, 'rbm'> & { below?: Tensor }> = [];
    const epochs: string[] = [];
    await dbn.pretrain(x, {
      ...OPTIONS,
      onEpoch: (layer, stats) => void epochs.push(`${layer}:${stats.epoch}`),
      onLayer: ({ layer, rbm, input, history }) => void seen.push({ layer, input, history, below: rbm.transform(input) }),
    });
    expect(epochs).toEqual(['0:1', '0:2', '0:3', '1:1', '1:2', '1:3']);
    expect(seen.map((s) => s.layer)).toEqual([0, 1]);
    expect(seen[0].input).toBe(x);
    expect(seen[1].input.shape).toEqual([120, 12]);
    expect(seen[1].input.data).toEqual(seen[0].below!.data);
    expect(dbn.transform(x).data).toEqual(seen[1].below!.data);
    expect(dbn.layers.map((l) => l.W.shape)).toEqual([
      [12, 24],
      [6, 12],
    ]);
  });

  it('onEpoch sees the RBM being trained, and returning false ends that layer only', async () => {
    const x = patterns(120, 5);
    const dbn = new DBN({ layers: [24, 12, 6], seed: 6 });
    const shapes: string[] = [];
    const snapshots: Float32Array[] = [];
    const histories = await dbn.pretrain(x, {
      ...OPTIONS,
      epochs: 4,
      onEpoch: (layer, stats, rbm) => {
        shapes.push(`${layer}:${stats.epoch}:${rbm.nHidden}x${rbm.nVisible}`);
        if (layer === 0) snapshots.push(rbm.weights.W.data);
        return layer === 0 && stats.epoch === 2 ? false : undefined;
      },
    });
    expect(shapes).toEqual(['0:1:12x24', '0:2:12x24', '1:1:6x12', '1:2:6x12', '1:3:6x12', '1:4:6x12']);
    expect(histories.map((h) => h.length)).toEqual([2, 4]);
    // The RBM trains between the calls: its weights after epoch 1 are not those after epoch 2,
    // and the DBN keeps the weights of the epoch training ended at.
    expect(snapshots[1]).not.toEqual(snapshots[0]);
    expect(dbn.layers[0].W.data).toEqual(snapshots[1]);
  });

  it('toMlp copies weights and hidden biases and draws the new head with headInit', async () => {
    const x = patterns(80, 3);
    const dbn = new DBN({ layers: [24, 10, 8], seed: 4 });
    await dbn.pretrain(x, OPTIONS);
    const mlp = dbn.toMlp({ outputs: 3, headInit: { name: 'constant', value: 0.25 } });
    expect(mlp.sizes).toEqual([24, 10, 8, 3]);
    expect(mlp.activation.name).toBe('sigmoid');
    const layers = mlp.layers;
    dbn.layers.forEach((rbm, l) => {
      expect(layers[l].weight.data).toEqual(rbm.W.data);
      expect(layers[l].bias.data).toEqual(rbm.hiddenBias.data);
    });
    expect(layers[2].weight.shape).toEqual([3, 8]);
    expect(layers[2].weight.data.every((w) => w === 0.25)).toBe(true);
    expect(layers[2].bias.data.every((b) => b === 0)).toBe(true);
    mlp.dispose();
    // Other activations get the pretrained layers scaled to match the sigmoid's slope at 0.
    const relu = dbn.toMlp({ outputs: 2, activation: 'relu', output: 'sigmoid' });
    expect([relu.activation.name, relu.output]).toEqual(['relu', 'sigmoid']);
    const rbm = dbn.layers[0];
    expect(relu.layers[0].weight.data).toEqual(rbm.W.data.map((w) => w * 0.25));
    expect(relu.layers[0].bias.data).toEqual(rbm.hiddenBias.data.map((b) => b * 0.25));
    relu.dispose();
    const unscaled = dbn.toMlp({ outputs: 2, activation: 'tanh', pretrainedScale: 1 });
    expect(unscaled.layers[1].weight.data).toEqual(dbn.layers[1].W.data);
    unscaled.dispose();
  });

  it('is deterministic for a seed', async () => {
    const x = patterns(60, 5);
    const train = async (seed: number) => {
      const dbn = new DBN({ layers: [24, 8, 4], seed });
      await dbn.pretrain(x, OPTIONS);
      return dbn.layers;
    };
    const [a, b, c] = [await train(6), await train(6), await train(7)];
    a.forEach((layer, l) => expect(layer.W.data).toEqual(b[l].W.data));
    expect(c[0].W.data).not.toEqual(a[0].W.data);
  });

  it('checks every option before the first layer trains', async () => {
    const dbn = new DBN({ layers: [24, 12, 6], seed: 1 });
    const x = patterns(40, 2);
    const trained: number[] = [];
    const onLayer = ({ layer }: LayerDone) => void trained.push(layer);
    // Validation data and log-likelihood estimates only the first RBM could read (24 columns): unknown options of pretrain.
    await expect(dbn.pretrain(x, { ...OPTIONS, onLayer, validation: x } as never)).rejects.toThrowError(
      /DBN.pretrain: unknown option "validation"/,
    );
    await expect(dbn.pretrain(x, { ...OPTIONS, onLayer, logLikelihood: { data: x } } as never)).rejects.toThrowError(
      /DBN.pretrain: unknown option "logLikelihood"/,
    );
    // Bad values fail as DBN.pretrain's, whatever the layer.
    await expect(dbn.pretrain(x, { ...OPTIONS, onLayer, batchSize: 0 })).rejects.toThrowError(/batchSize must be an integer/);
    await expect(dbn.pretrain(x, { ...OPTIONS, onLayer, momentum: 1 })).rejects.toThrowError(ParamError);
    await expect(dbn.pretrain(x, { ...OPTIONS, onLayer: 'log' } as never)).rejects.toThrowError(/onLayer must be a function/);
    await expect(dbn.pretrain(x, null as never)).rejects.toThrowError(/DBN.pretrain: options must be an object/);
    expect(trained).toEqual([]);
    expect(dbn.isPretrained).toBe(false);
  });

  it('rejects misuse with typed errors', async () => {
    expect(() => new DBN({ layers: [24] })).toThrowError(ShapeError);
    expect(() => new DBN({ layers: [24, 8], visible: 'binary' as never })).toThrowError(/visible must be 'bernoulli' or 'gaussian', got "binary"/);
    const dbn = new DBN({ layers: [24, 8], seed: 1 });
    expect(() => dbn.toMlp({ outputs: 2 })).toThrowError(ParamError);
    expect(() => dbn.toMlp({ outputs: 2 })).toThrowError(/pretrain/);
    await expect(dbn.pretrain(patterns(10, 1), { epochs: 1, learningrate: 1 } as never)).rejects.toThrowError(/DBN.pretrain: unknown option "learningrate"/);
    const wide: Tensor = { shape: [10, 25], data: new Float32Array(250) };
    await expect(dbn.pretrain(wide, { epochs: 1 })).rejects.toThrowError(ShapeError);
    await dbn.pretrain(patterns(40, 2), { ...OPTIONS, epochs: 1 });
    expect(() => dbn.toMlp({ outputs: 0 })).toThrowError(/outputs must be a positive integer, got 0/);
  });
});
