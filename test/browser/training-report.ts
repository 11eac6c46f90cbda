// Fingerprints of short seeded trainings (RBM and Mlp), computed in Node by the chromium
// project's global setup and again in Chromium by same-bits.test.ts: the two must match.
import { Mlp, optim, RBM, Rng, type Tensor } from '../../src/index.js';

type Hash = (floats: Float32Array) => string;

/** Binary rows drawn from three noisy prototypes, with the prototype as the label. */
function prototypes(rows: number, columns: number, seed: number): { x: Tensor; y: Int32Array } {
  const rng = new Rng(seed);
  const protos = Array.from({ length: 3 }, () => Array.from({ length: columns }, () => (rng.uniform() < 0.5 ? 1 : 0)));
  const x = new Float32Array(rows * columns);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = r % 3;
    for (let c = 0; c < columns; c++) x[r * columns + c] = rng.uniform() < 0.1 ? 1 - protos[y[r]][c] : protos[y[r]][c];
  }
  return { x: { shape: [rows, columns], data: x }, y };
}

export async function trainingReport(hash: Hash): Promise<Record<string, string>> {
  const { x, y } = prototypes(96, 24, 21);
  const out: Record<string, string> = {};

  const rbm = new RBM({ nVisible: 24, nHidden: 10, seed: 22 });
  await rbm.fit(x, { epochs: 3, batchSize: 16, learningRate: 0.1, k: 1 });
  const { W, visibleBias, hiddenBias } = rbm.weights;
  out.rbmWeights = hash(W.data);
  out.rbmBiases = hash(Float32Array.of(...visibleBias.data, ...hiddenBias.data));
  out.rbmFeatures = hash(rbm.transform(x).data);
  rbm.dispose();

  const mlp = new Mlp({ layers: [24, 16, 3], activation: 'tanh', init: 'heNormal', seed: 23 });
  await mlp.fit(x, y, { epochs: 3, batchSize: 16, optimizer: optim.adam({ lr: 0.01 }) });
  out.mlpWeights = hash(Float32Array.from(mlp.layers.flatMap((layer) => [...layer.weight.data, ...layer.bias.data])));
  out.mlpPredictions = hash(mlp.predict(x).data);
  mlp.dispose();
  return out;
}
