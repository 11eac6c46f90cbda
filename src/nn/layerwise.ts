import { checkMatrix, type Tensor } from '../tensor.js';
import { networkOf, type Mlp } from './mlp.js';

/**
 * @internal Runs x [rows, inputs] through the model layer by layer on the wasm path, for tools
 * that inspect or adjust one layer at a time (LSUV, diagnose). `visit(layer, pre)` sees the
 * layer's pre-activation x·Wᵀ + b [rows, out], a view into wasm memory valid during the call
 * only; it returns true to have that layer computed again (after it changed the layer's
 * parameters with `setLayer`), false to go on to the next layer.
 */
export function forwardByLayer(mlp: Mlp, x: Tensor, visit: (layer: number, pre: Float32Array) => boolean): void {
  const net = networkOf(mlp);
  const rows = checkMatrix(x, 'x', { cols: net.inputs, finite: true }).rows;
  const work = net.workspace(rows);
  work.input.write(x.data);
  let input = work.input.ptr;
  for (let l = 0; l < net.layerCount; l++) {
    const length = rows * net.shape.sizes[l + 1];
    let pre = net.linear(l, input, rows);
    while (visit(l, net.view(pre, length))) pre = net.linear(l, input, rows);
    if (l + 1 < net.layerCount) net.activate(pre, length);
    input = pre;
  }
}

/**
 * Mean and population variance of all values of a layer's pre-activation (every row and unit
 * together), summed in f64: what LSUV rescales by and what diagnose reports.
 */
export function meanAndVariance(values: Float32Array): { mean: number; variance: number } {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i];
  const mean = sum / values.length;
  let squares = 0;
  for (let i = 0; i < values.length; i++) squares += (values[i] - mean) ** 2;
  return { mean, variance: squares / values.length };
}
