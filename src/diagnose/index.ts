import { formatTable } from '../text-table.js';
import { ParamError, show } from '../errors.js';
import { forwardByLayer, meanAndVariance } from '../nn/layerwise.js';
import { gradientsOf, Mlp } from '../nn/mlp.js';
import { activate, type ActivationName } from '../nn/activations.js';
import type { Targets } from '../nn/targets.js';
import type { Tensor } from '../tensor.js';
import { describeJacobian, jacobianRequest, jacobianSpectrum, type DiagnoseOptions, type JacobianSpectrum } from './jacobian.js';

export type { DiagnoseOptions, JacobianSpectrum } from './jacobian.js';

/** Bins of each layer's activation histogram. */
export const HISTOGRAM_BINS = 20;

/** Counts of values in HISTOGRAM_BINS equal bins over [low, high]. */
export interface Histogram {
  low: number;
  high: number;
  counts: number[];
}

/** One dense layer at the current weights, on the diagnosed batch. */
export interface LayerDiagnostics {
  /** 0-based; layer l maps sizes[l] → sizes[l+1]. */
  layer: number;
  inputs: number;
  outputs: number;
  /** What follows the layer: the hidden activation, or 'output' for the last layer (logits). */
  activation: ActivationName | 'output';
  /** Mean and standard deviation (population) of the pre-activation x·Wᵀ + b over every row and unit. */
  mean: number;
  std: number;
  /**
   * Fraction saturated: sigmoid — activations outside [0.01, 0.99]; tanh — activations with
   * |y| > 0.99 (both over every row and unit); relu — dead units, whose output is 0 on every
   * row of the batch. null for leakyRelu, selu and linear (they do not saturate) and the output layer.
   */
  saturated: number | null;
  /** Frobenius norm of the loss gradient for the layer's weight; null when no labels were given. */
  gradientNorm: number | null;
  /** The layer's activations (logits for the output layer). Sigmoid bins span [0, 1], tanh [−1, 1], others the values' range. */
  histogram: Histogram;
}

/** The report of {@link diagnose}: data, and a table from `toString()`. */
export class Diagnostics {
  constructor(
    /** Rows of the batch. */
    readonly rows: number,
    readonly activation: ActivationName,
    /** Mean loss on the batch; null without labels. */
    readonly loss: number | null,
    readonly layers: LayerDiagnostics[],
    /** Singular values of ∂logits/∂x; null unless diagnose was asked `{ jacobian: true }`. */
    readonly jacobian: JacobianSpectrum | null = null,
  ) {}

  /** Gradient norm of the first layer over that of the last hidden layer; null without labels or hidden layers. */
  get gradientRatio(): number | null {
    const first = this.layers[0].gradientNorm;
    const lastHidden = this.layers.length >= 2 ? this.layers[this.layers.length - 2].gradientNorm : null;
    return first === null || lastHidden === null ? null : first / lastHidden;
  }

  toString(): string {
    const header = ['layer', 'shape', 'then', 'pre mean', 'pre std', this.saturationHeader(), 'grad norm'];
    const rows = this.layers.map((d) => [
      String(d.layer),
      `${d.inputs}→${d.outputs}`,
      d.activation,
      formatNumber(d.mean),
      formatNumber(d.std),
      d.saturated === null ? '-' : d.saturated.toFixed(4),
      d.gradientNorm === null ? '-' : formatNumber(d.gradientNorm),
    ]);
    const notes = [`${this.rows} rows; ${SATURATION_RULES[this.activation] ?? `${this.activation} does not saturate`}`];
    if (this.loss !== null) notes.push(`loss ${formatNumber(this.loss)}; grad norm of layer 0 / last hidden layer: ${formatNumber(this.gradientRatio ?? NaN)}`);
    if (this.jacobian !== null) notes.push(describeJacobian(this.jacobian));
    return `${formatTable(header, rows)}\n${notes.join('\n')}`;
  }

  private saturationHeader(): string {
    if (this.activation === 'relu') return 'dead';
    return this.activation === 'sigmoid' || this.activation === 'tanh' ? 'saturated' : 'saturated (n/a)';
  }
}

const SATURATION_RULES: Partial<Record<ActivationName, string>> = {
  sigmoid: 'saturated: fraction of activations outside [0.01, 0.99]',
  tanh: 'saturated: fraction of activations with |y| > 0.99',
  relu: 'dead: fraction of units that output 0 on every row',
};

/** Four significant digits, in exponent form for very small or large magnitudes. */
function formatNumber(value: number): string {
  const magnitude = Math.abs(value);
  if (value === 0 || (magnitude >= 1e-3 && magnitude < 1e5)) return value.toFixed(4);
  return value.toExponential(3);
}

function histogramOf(values: Float64Array, activation: ActivationName | 'output'): Histogram {
  let low = activation === 'sigmoid' ? 0 : activation === 'tanh' ? -1 : Infinity;
  let high = activation === 'sigmoid' || activation === 'tanh' ? 1 : -Infinity;
  if (low === Infinity) {
    for (const v of values) {
      if (v < low) low = v;
      if (v > high) high = v;
    }
    if (low === high) {
      low -= 0.5;
      high += 0.5;
    }
  }
  const counts = new Array<number>(HISTOGRAM_BINS).fill(0);
  const width = (high - low) / HISTOGRAM_BINS;
  for (const v of values) counts[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor((v - low) / width)))]++;
  return { low, high, counts };
}

/** The saturated fraction by the rule of LayerDiagnostics.saturated; y holds [rows, units] activations. */
function saturationOf(activation: ActivationName, y: Float64Array, units: number): number | null {
  switch (activation) {
    case 'sigmoid':
      return y.filter((v) => v < 0.01 || v > 0.99).length / y.length;
    case 'tanh':
      return y.filter((v) => Math.abs(v) > 0.99).length / y.length;
    case 'relu': {
      const alive = new Uint8Array(units);
      for (let i = 0; i < y.length; i++) if (y[i] > 0) alive[i % units] = 1;
      return alive.filter((a) => a === 0).length / units;
    }
    default:
      return null;
  }
}

/**
 * Looks inside an Mlp at its current weights, layer by layer, on the batch x [rows, inputs]: the
 * pre-activations' mean and std, the fraction of saturated (sigmoid, tanh) or dead (ReLU) units,
 * a histogram of the activations, and, when labels y are given, the norm of each layer's weight
 * gradient for the model's loss on the batch — where the signal vanishes or explodes, forwards
 * and backwards (Glorot & Bengio 2010).
 *
 * The forward pass and the gradients come from the model's own wasm kernels (the ones `fit`
 * runs), so the report shows what training will see. The batch is processed at once, so the
 * model's workspace grows to hold its rows: pass a batch (a few hundred rows), not a whole data set.
 *
 * With `{ jacobian: true }` the report also holds the singular values of the input–output
 * Jacobian at the first few rows (`report.jacobian`, see {@link JacobianSpectrum}): how far the
 * start is from dynamical isometry. Labels are optional for it: `diagnose(mlp, x, undefined, { jacobian: true })`.
 *
 * ```ts
 * const report = nninit.diagnose(mlp, batch.x, batch.y);
 * console.log(String(report)); // a table
 * report.layers[0].gradientNorm;
 * nninit.diagnose(mlp, batch.x, undefined, { jacobian: true }).jacobian; // { singularValues, meanSquared, max, inputs }
 * ```
 */
export function diagnose(mlp: Mlp, x: Tensor, y?: Targets, options?: DiagnoseOptions): Diagnostics {
  if (!(mlp instanceof Mlp)) throw new ParamError(`diagnose needs an nninit.Mlp, got ${show(mlp)}`);
  const jacobian = jacobianRequest(options);
  const hidden = mlp.activation;
  const lastLayer = mlp.sizes.length - 2;
  const layers: LayerDiagnostics[] = [];
  forwardByLayer(mlp, x, (layer, pre) => {
    const isOutput = layer === lastLayer;
    const activation = isOutput ? 'output' : hidden.name;
    const { mean, variance } = meanAndVariance(pre);
    const outputs = mlp.sizes[layer + 1];
    const activations = isOutput ? Float64Array.from(pre) : Float64Array.from(pre, (v) => activate(hidden, v));
    layers.push({
      layer,
      inputs: mlp.sizes[layer],
      outputs,
      activation,
      mean,
      std: Math.sqrt(variance),
      saturated: isOutput ? null : saturationOf(hidden.name, activations, outputs),
      gradientNorm: null,
      histogram: histogramOf(activations, activation),
    });
    return false;
  });
  let loss: number | null = null;
  if (y !== undefined) {
    const gradients = gradientsOf(mlp, x, y);
    loss = gradients.loss;
    gradients.weights.forEach((g, l) => {
      let squares = 0;
      for (let i = 0; i < g.length; i++) squares += g[i] * g[i];
      layers[l].gradientNorm = Math.sqrt(squares);
    });
  }
  return new Diagnostics(x.shape[0], hidden.name, loss, layers, jacobian && jacobianSpectrum(mlp, x, jacobian));
}
