import type { OutputName } from '../nn/activations.js';
import type { FitNetwork } from '../nn/fit.js';
import { reserveGemmWorkspace } from '../ops/gemm.js';
import type { Optimizer } from '../optim/optimizers.js';
import { OptimizerState, type ParamRange } from '../optim/state.js';
import type { Rng } from '../random.js';
import { allocF32, kernels, type F32Buffer } from '../runtime/index.js';
import { buildNodes } from './build.js';
import {
  allocateSequence,
  backwardSequence,
  deltaLength,
  elementsOf,
  forwardSequence,
  planInPlace,
  walk,
  type NetContext,
  type Node,
  type Shape,
} from './node.js';
import type { Layer } from './specs.js';

/** Buffers for batches of up to `rows` rows, reused until a larger batch needs more. */
interface Workspace {
  rows: number;
  /** Staging for a gathered batch: inputs [rows, inputs] and targets [rows, outputs]. */
  input: F32Buffer;
  targets: F32Buffer;
  /** One entry per top-level layer, its output's pointer (only `ptr` is set); the last holds the logits. */
  outputs: F32Buffer[];
  /** The top-level sequence's delta buffers. */
  deltas: [F32Buffer, F32Buffer];
}

/**
 * A layer graph living in wasm memory: parameters, gradients, optimizer state and workspaces,
 * allocated once and reused by every batch. It is a `FitNetwork`, so a Sequential trains by Mlp's
 * fit loop (`fitNet`), batch for batch.
 */
export class SequentialNet implements FitNetwork {
  readonly nodes: readonly Node[];
  readonly params: F32Buffer;
  readonly grads: F32Buffer;
  readonly inputs: number;
  readonly outputs: number;
  readonly shape: { readonly output: OutputName };
  /** The mode of the layers in training batches: PyTorch's `module.training` (true until eval()). */
  training = true;
  private readonly ctx: NetContext;
  private work: Workspace | null = null;
  private held: F32Buffer[] = [];
  private staging = 0;
  private pair: [number, number] = [0, 0];
  private optimizerState: OptimizerState | null = null;
  private freed = false;

  constructor(
    layers: readonly Layer[],
    readonly input: Shape,
    output: OutputName,
  ) {
    const ctx = { params: null as unknown as F32Buffer, grads: null as unknown as F32Buffer, scratch: 0 };
    this.ctx = ctx;
    this.nodes = buildNodes(ctx, layers, input);
    planInPlace(this.nodes);
    this.inputs = elementsOf(input);
    const last = this.nodes[this.nodes.length - 1].output;
    this.outputs = elementsOf(last);
    this.shape = { output };
    let length = 0;
    const place = (nodes: readonly Node[], start: number): void => {
      let cursor = start;
      for (const node of nodes) {
        node.offset = cursor;
        place(node.children, cursor);
        cursor += node.paramLength;
      }
      length = Math.max(length, cursor);
    };
    place(this.nodes, 0);
    // At least one float, so a network without parameters still owns valid buffers.
    this.params = allocF32(Math.max(1, length));
    try {
      this.grads = allocF32(Math.max(1, length));
    } catch (error) {
      this.params.free();
      throw error;
    }
    this.grads.view.fill(0);
    ctx.params = this.params;
    ctx.grads = this.grads;
  }

  /**
   * Draws every node's starting parameters into a staging copy, then into wasm memory; without
   * `draw` only the nodes' random streams are taken (the caller writes every parameter next).
   */
  initialize(rng: Rng, draw = true): void {
    const staging = new Float32Array(draw ? this.params.length : 0);
    for (const node of walk(this.nodes)) node.initialize(rng, staging, draw);
    if (draw) this.params.write(staging);
  }

  get layerCount(): number {
    return this.nodes.length;
  }

  get isFreed(): boolean {
    return this.freed;
  }

  /** The workspace, (re)allocated when `rows` exceeds its capacity. */
  workspace(rows: number): Workspace {
    if (this.work && this.work.rows >= rows) return this.work;
    this.freeWorkspace();
    // GEMM's shared packing space grows to the largest product of a batch now, not mid-batch.
    for (const node of walk(this.nodes)) for (const [m, n, k] of node.products(rows)) reserveGemmWorkspace(m, n, k);
    const held: F32Buffer[] = [];
    const take = (length: number): F32Buffer => {
      const buffer = allocF32(Math.max(1, length));
      held.push(buffer);
      return buffer;
    };
    try {
      const input = take(rows * this.inputs);
      const targets = take(rows * this.outputs);
      const image = this.input.kind === 'image' && this.input.channels > 1;
      this.staging = image ? take(rows * this.inputs).ptr : 0;
      const length = deltaLength(this.nodes, rows);
      const deltas: [F32Buffer, F32Buffer] = [take(length), take(length)];
      this.pair = [deltas[0].ptr, deltas[1].ptr];
      allocateSequence(this.nodes, rows, take, 0);
      let scratch = 0;
      for (const node of walk(this.nodes)) scratch = Math.max(scratch, node.scratchLength(rows));
      this.ctx.scratch = scratch > 0 ? take(scratch).ptr : 0;
      const outputs = this.nodes.map((node) => ({ ptr: node.outputPtr }) as F32Buffer);
      this.work = { rows, input, targets, outputs, deltas };
      this.held = held;
    } catch (error) {
      for (const buffer of held) buffer.free();
      throw error;
    }
    return this.work;
  }

  /** Runs `rows` rows at `input` ([rows, inputs], PyTorch's order) through the layers; returns the logits' pointer. */
  run(input: number, rows: number, training: boolean): number {
    let x = input;
    if (this.staging !== 0) {
      const image = this.input as Shape & { kind: 'image' };
      kernels().layersSwapAxes(input, rows, image.channels, image.height * image.width, this.staging);
      x = this.staging;
    }
    return forwardSequence(this.nodes, x, rows, training);
  }

  /** Inference: every layer in evaluation mode (running statistics, no dropout). */
  forward(input: number, rows: number): number {
    this.workspace(rows);
    return this.run(input, rows, false);
  }

  /**
   * Forward in the network's mode and backward over one batch: gradients of the mean loss for the
   * layers with `trainable[i]` (top-level indices), written to `grads`. Returns the summed loss.
   */
  backward(input: number, targets: number, rows: number, trainable: readonly boolean[]): number {
    this.nodes.forEach((node, i) => {
      for (const inner of walk([node])) inner.frozen = !trainable[i];
    });
    this.workspace(rows);
    const logits = this.run(input, rows, this.training);
    const loss = this.lossSum(logits, targets, rows, this.pair[0]);
    backwardSequence(this.nodes, this.pair, this.pair[0], rows, false);
    return loss;
  }

  /** The summed loss of logits against targets ([rows, outputs]); with `grad` ≠ 0 also the mean loss's gradient there. */
  lossSum(logits: number, targets: number, rows: number, grad: number): number {
    const k = kernels();
    const n = rows * this.outputs;
    switch (this.shape.output) {
      case 'softmax':
        return k.nnSoftmaxCrossEntropy(logits, targets, rows, this.outputs, grad, 1 / rows);
      case 'sigmoid':
        return k.nnSigmoidCrossEntropy(logits, targets, n, grad, 1 / n);
      case 'linear':
        return k.nnSquaredError(logits, targets, n, grad, 1 / n);
    }
  }

  /** What lossSum is divided by to make the mean loss: rows for cross-entropy, elements otherwise. */
  lossCount(rows: number): number {
    return this.shape.output === 'softmax' ? rows : rows * this.outputs;
  }

  /** Rows of logits whose prediction matches the targets (arg max; p > 0.5 for one sigmoid output). */
  countCorrect(logits: number, targets: number, rows: number): number {
    const threshold = this.shape.output === 'sigmoid' ? 0 : 0.5;
    return kernels().nnCountCorrect(logits, targets, rows, this.outputs, threshold);
  }

  /** The trainable parameters of the layers with `trainable[i]`, adjacent ranges merged. */
  trainableRanges(trainable: readonly boolean[]): ParamRange[] {
    const ranges: ParamRange[] = [];
    this.nodes.forEach((node, i) => {
      if (!trainable[i]) return;
      for (const range of node.trainableRanges()) {
        const last = ranges[ranges.length - 1];
        if (last && last.offset + last.length === range.offset) last.length += range.length;
        else ranges.push({ ...range });
      }
    });
    return ranges;
  }

  /** The state for `optimizer`: kept while the same optimizer object is passed, fresh otherwise. */
  optimizerFor(optimizer: Optimizer): OptimizerState {
    if (this.optimizerState?.optimizer !== optimizer) {
      this.optimizerState?.free();
      this.optimizerState = null;
      this.optimizerState = new OptimizerState(optimizer, this.params.length);
    }
    return this.optimizerState;
  }

  private freeWorkspace(): void {
    for (const buffer of this.held) buffer.free();
    this.held = [];
    this.work = null;
  }

  /** Frees every wasm buffer this network holds; idempotent. */
  free(): void {
    if (this.freed) return;
    this.freed = true;
    this.freeWorkspace();
    this.optimizerState?.free();
    this.optimizerState = null;
    this.grads.free();
    this.params.free();
  }
}
