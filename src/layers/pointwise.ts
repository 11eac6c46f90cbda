import type { ParamRange } from '../optim/state.js';
import { blocksFor, splitBlockIndex, type Rng } from '../random.js';
import { heap, kernels } from '../runtime/index.js';
import { Node, elementsOf, type NetContext, type Shape, type StateEntry, type Take } from './node.js';
import type { ActivationLayer, Dropout } from './specs.js';

// Elementwise layers: activations (the kernels and derivative-from-output rule of Mlp's hidden
// layers), dropout and Fixup's scalar bias. All may run in place over their input.

export class ActivationNode extends Node {
  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: ActivationLayer,
    input: Shape,
  ) {
    super(ctx, path, spec.kind, input, input);
  }

  override get canRunInPlace(): boolean {
    return true;
  }

  override get readsOwnOutput(): boolean {
    return true;
  }

  forward(x: number, rows: number): number {
    const k = kernels();
    const y = this.outputPtr;
    const n = rows * elementsOf(this.input);
    switch (this.spec.kind) {
      case 'relu':
        k.elementwiseRelu(x, y, n);
        break;
      case 'leakyRelu':
        k.elementwiseLeakyRelu(x, y, n, this.spec.negativeSlope);
        break;
      case 'sigmoid':
        k.elementwiseSigmoid(x, y, n);
        break;
      case 'tanh':
        k.elementwiseTanh(x, y, n);
        break;
      case 'selu':
        if (x !== y) kernels().layersCopy(x, y, n);
        k.nnSelu(y, n);
        break;
    }
    return y;
  }

  /** dy ← dy ⊙ f′, with f′ taken from the output y, in place over dy. */
  backward(dy: number, _spare: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    const k = kernels();
    const y = this.outputPtr;
    const n = rows * elementsOf(this.input);
    switch (this.spec.kind) {
      case 'relu':
        k.elementwiseReluBackward(y, dy, dy, n);
        break;
      case 'leakyRelu':
        k.elementwiseLeakyReluBackward(y, dy, dy, n, this.spec.negativeSlope);
        break;
      case 'sigmoid':
        k.elementwiseSigmoidBackward(y, dy, dy, n);
        break;
      case 'tanh':
        k.elementwiseTanhBackward(y, dy, dy, n);
        break;
      case 'selu':
        k.nnSeluBackward(dy, y, n);
        break;
    }
    return dy;
  }
}

/** Inverted dropout with a mask drawn from the layer's own Philox stream, one draw per training batch. */
export class DropoutNode extends Node {
  private mask = 0;
  private stream: Rng | null = null;
  private masked = false;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: Dropout,
    input: Shape,
  ) {
    super(ctx, path, 'dropout', input, input);
  }

  override get canRunInPlace(): boolean {
    return true;
  }

  override allocate(rows: number, take: Take, inputPtr: number): void {
    super.allocate(rows, take, inputPtr);
    this.mask = take(rows * elementsOf(this.input)).ptr;
  }

  override initialize(rng: Rng): void {
    this.stream = rng.fork();
  }

  override randomStream(): Rng | null {
    return this.stream;
  }

  forward(x: number, rows: number, training: boolean): number {
    const y = this.outputPtr;
    const n = rows * elementsOf(this.input);
    const k = kernels();
    this.masked = training && this.spec.p > 0;
    if (!this.masked) {
      if (x !== y) k.layersCopy(x, y, n);
      return y;
    }
    const rng = this.stream!;
    const keep = 1 - this.spec.p;
    k.randomFillBernoulli({ ptr: this.mask, n, k0: rng.key0, k1: rng.key1, ...splitBlockIndex(rng.takeBlocks(blocksFor(n))), p: keep });
    k.layersDropout(x, this.mask, y, n, keep);
    return y;
  }

  /** @internal The last training batch's mask (divided by the keep probability) in PyTorch's layout, for tests. */
  lastMask(rows: number): Float32Array {
    const mask = heap().f32(this.mask, rows * elementsOf(this.input)).slice();
    const input = this.input;
    if (input.kind === 'flat') return mask;
    const plane = input.height * input.width;
    const out = new Float32Array(mask.length);
    for (let c = 0; c < input.channels; c++) {
      for (let r = 0; r < rows; r++) out.set(mask.subarray((c * rows + r) * plane, (c * rows + r + 1) * plane), (r * input.channels + c) * plane);
    }
    return out;
  }

  backward(dy: number, _spare: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    if (this.masked) kernels().layersMultiply(dy, this.mask, dy, rows * elementsOf(this.input));
    return dy;
  }
}

/** y = x + b with one learnable scalar b (state_dict name `bias`, shape [1]), starting at 0. */
export class ScalarBiasNode extends Node {
  constructor(ctx: NetContext, path: string, input: Shape) {
    super(ctx, path, 'scalarBias', input, input);
  }

  override get canRunInPlace(): boolean {
    return true;
  }

  override get paramLength(): number {
    return 1;
  }

  override get trainableLength(): number {
    return 1;
  }

  override trainableRanges(): ParamRange[] {
    return [{ offset: this.offset, length: 1 }];
  }

  override stateEntries(): StateEntry[] {
    return [{ name: 'bias', shape: [1], offset: this.offset }];
  }

  forward(x: number, rows: number): number {
    const bias = this.ctx.params.view[this.offset];
    kernels().layersAddScalar(x, bias, this.outputPtr, rows * elementsOf(this.input));
    return this.outputPtr;
  }

  backward(dy: number, _spare: number, rows: number, needDx: boolean): number {
    if (!this.frozen) this.ctx.grads.view[this.offset] = kernels().layersSum(dy, rows * elementsOf(this.input));
    return needDx ? dy : 0;
  }
}
