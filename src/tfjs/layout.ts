/*
 * PyTorch stores a weight as [out, in, ...kernel], TF.js as [...kernel, in, out]. Both keep the
 * kernel dimensions in the same order, so flattening them to one axis k makes the move a
 * transpose of a 3-D array: [O, I, K] ↔ [K, I, O]. A dense weight is the case K = 1.
 */

/** The PyTorch shape of a TF.js weight shape: [...kernel, in, out] → [out, in, ...kernel]. */
export function torchShapeOf(tfjsShape: readonly number[]): number[] {
  const rank = tfjsShape.length;
  if (rank < 2) return tfjsShape.slice();
  return [tfjsShape[rank - 1], tfjsShape[rank - 2], ...tfjsShape.slice(0, rank - 2)];
}

function axes(torchShape: readonly number[]): { outputs: number; inputs: number; kernel: number } {
  let kernel = 1;
  for (let axis = 2; axis < torchShape.length; axis++) kernel *= torchShape[axis];
  return { outputs: torchShape[0], inputs: torchShape[1], kernel };
}

/** Values of a PyTorch-layout weight of `torchShape`, reordered into TF.js's layout. */
export function torchToTfjs(data: Float32Array, torchShape: readonly number[]): Float32Array {
  if (torchShape.length < 2) return data.slice();
  const { outputs, inputs, kernel } = axes(torchShape);
  const out = new Float32Array(data.length);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) {
      const from = (o * inputs + i) * kernel;
      for (let k = 0; k < kernel; k++) out[(k * inputs + i) * outputs + o] = data[from + k];
    }
  }
  return out;
}

/** Values of a TF.js-layout weight whose PyTorch shape is `torchShape`, reordered into PyTorch's layout. */
export function tfjsToTorch(data: Float32Array, torchShape: readonly number[]): Float32Array {
  if (torchShape.length < 2) return data.slice();
  const { outputs, inputs, kernel } = axes(torchShape);
  const out = new Float32Array(data.length);
  for (let o = 0; o < outputs; o++) {
    for (let i = 0; i < inputs; i++) {
      const to = (o * inputs + i) * kernel;
      for (let k = 0; k < kernel; k++) out[to + k] = data[(k * inputs + i) * outputs + o];
    }
  }
  return out;
}
