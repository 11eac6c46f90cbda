import { activate, activationDerivative, type Activation, type OutputName } from '../../src/nn/activations.js';

/*
 * The f64 reference of a dense network's forward and backward pass, written for clarity: plain
 * loops, derivatives taken from pre-activations (the wasm path takes them from outputs, so the two
 * share no shortcut). Gradient checks compare it with finite differences, then the wasm path with it.
 */

/** A dense network in f64: layer l maps sizes[l] → sizes[l+1], weight [out, in] row-major. */
export interface ReferenceNet {
  sizes: number[];
  weights: Float64Array[];
  biases: Float64Array[];
  activation: Activation;
  output: OutputName;
}

/** Pre-activations of every layer (pre[l] for layer l, [rows, sizes[l+1]]) and inputs to each. */
export interface ReferencePass {
  /** inputs[l] is what layer l reads: inputs[0] = x, inputs[l] = activate(pre[l−1]). */
  inputs: Float64Array[];
  pre: Float64Array[];
}

export function referenceForward(net: ReferenceNet, x: Float64Array, rows: number): ReferencePass {
  const inputs: Float64Array[] = [x];
  const pre: Float64Array[] = [];
  const layers = net.weights.length;
  for (let l = 0; l < layers; l++) {
    const nIn = net.sizes[l];
    const nOut = net.sizes[l + 1];
    const w = net.weights[l];
    const input = inputs[l];
    const z = new Float64Array(rows * nOut);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < nOut; o++) {
        let sum = net.biases[l][o];
        for (let i = 0; i < nIn; i++) sum += input[r * nIn + i] * w[o * nIn + i];
        z[r * nOut + o] = sum;
      }
    }
    pre.push(z);
    if (l + 1 < layers) inputs.push(z.map((v) => activate(net.activation, v)));
  }
  return { inputs, pre };
}

/** The output function applied to logits: softmax per row, sigmoid per element, or identity. */
export function referenceOutputs(output: OutputName, logits: Float64Array, rows: number, cols: number): Float64Array {
  if (output === 'linear') return logits.slice();
  if (output === 'sigmoid') return logits.map((z) => 1 / (1 + Math.exp(-z)));
  const out = new Float64Array(logits.length);
  for (let r = 0; r < rows; r++) {
    const row = logits.subarray(r * cols, (r + 1) * cols);
    const max = Math.max(...row);
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += Math.exp(row[j] - max);
    for (let j = 0; j < cols; j++) out[r * cols + j] = Math.exp(row[j] - max) / sum;
  }
  return out;
}

/**
 * The loss of logits against targets: softmax cross-entropy averaged over rows; binary
 * cross-entropy and squared error averaged over every element (as torch.nn's defaults).
 */
export function referenceLoss(output: OutputName, logits: Float64Array, targets: Float64Array, rows: number, cols: number): number {
  let total = 0;
  if (output === 'softmax') {
    const probabilities = referenceOutputs(output, logits, rows, cols);
    for (let i = 0; i < logits.length; i++) if (targets[i] !== 0) total -= targets[i] * Math.log(probabilities[i]);
    return total / rows;
  }
  for (let i = 0; i < logits.length; i++) {
    const z = logits[i];
    const t = targets[i];
    if (output === 'sigmoid') {
      const p = 1 / (1 + Math.exp(-z));
      total -= t * Math.log(p) + (1 - t) * Math.log(1 - p);
    } else {
      total += (z - t) ** 2;
    }
  }
  return total / (rows * cols);
}

/** ∂loss/∂logits for referenceLoss. */
export function referenceLossGradient(
  output: OutputName,
  logits: Float64Array,
  targets: Float64Array,
  rows: number,
  cols: number,
): Float64Array {
  const grad = new Float64Array(logits.length);
  if (output === 'softmax') {
    const probabilities = referenceOutputs(output, logits, rows, cols);
    for (let r = 0; r < rows; r++) {
      let targetSum = 0;
      for (let j = 0; j < cols; j++) targetSum += targets[r * cols + j];
      for (let j = 0; j < cols; j++) {
        const i = r * cols + j;
        grad[i] = (probabilities[i] * targetSum - targets[i]) / rows;
      }
    }
    return grad;
  }
  const probabilities = referenceOutputs(output, logits, rows, cols);
  const factor = output === 'sigmoid' ? 1 : 2;
  for (let i = 0; i < logits.length; i++) grad[i] = (factor * (probabilities[i] - targets[i])) / (rows * cols);
  return grad;
}

export interface ReferenceGradients {
  loss: number;
  weights: Float64Array[];
  biases: Float64Array[];
}

/** Loss and its gradient with respect to every weight and bias, by backpropagation. */
export function referenceGradients(net: ReferenceNet, x: Float64Array, targets: Float64Array, rows: number): ReferenceGradients {
  const layers = net.weights.length;
  const { inputs, pre } = referenceForward(net, x, rows);
  const outputs = net.sizes[layers];
  const loss = referenceLoss(net.output, pre[layers - 1], targets, rows, outputs);
  let delta = referenceLossGradient(net.output, pre[layers - 1], targets, rows, outputs);
  const weights: Float64Array[] = new Array(layers);
  const biases: Float64Array[] = new Array(layers);
  for (let l = layers - 1; l >= 0; l--) {
    const nIn = net.sizes[l];
    const nOut = net.sizes[l + 1];
    const gw = new Float64Array(nOut * nIn);
    const gb = new Float64Array(nOut);
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < nOut; o++) {
        const d = delta[r * nOut + o];
        gb[o] += d;
        for (let i = 0; i < nIn; i++) gw[o * nIn + i] += d * inputs[l][r * nIn + i];
      }
    }
    weights[l] = gw;
    biases[l] = gb;
    if (l === 0) break;
    const below = new Float64Array(rows * nIn);
    for (let r = 0; r < rows; r++) {
      for (let i = 0; i < nIn; i++) {
        let sum = 0;
        for (let o = 0; o < nOut; o++) sum += delta[r * nOut + o] * net.weights[l][o * nIn + i];
        below[r * nIn + i] = sum * activationDerivative(net.activation, pre[l - 1][r * nIn + i]);
      }
    }
    delta = below;
  }
  return { loss, weights, biases };
}

/** The loss alone, for finite differences. */
export function referenceNetLoss(net: ReferenceNet, x: Float64Array, targets: Float64Array, rows: number): number {
  const { pre } = referenceForward(net, x, rows);
  const layers = net.weights.length;
  return referenceLoss(net.output, pre[layers - 1], targets, rows, net.sizes[layers]);
}
