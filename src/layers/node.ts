import { show } from '../errors.js';
import type { Rng } from '../random.js';
import type { F32Buffer } from '../runtime/index.js';
import type { ParamRange } from '../optim/state.js';
import type { LayerKind } from './specs.js';

/*
 * How a batch sits in wasm memory between layers. A flat activation of F features is [rows, F]
 * row-major, as the dense layers (and Mlp) keep it. An image activation [C, H, W] is stored
 * channel-major, [C, rows, H, W]: a whole batch's convolution is then one matrix product whose
 * result is already in that layout (assembly/conv.ts), batch norm reduces contiguous rows, and
 * pooling sees rows·C independent planes. Inputs arrive as PyTorch's [rows, C, H, W] and are
 * swapped once; flatten() swaps back to PyTorch's feature order.
 */

/** The shape of one row's activation. */
export type Shape =
  | { readonly kind: 'flat'; readonly features: number }
  | { readonly kind: 'image'; readonly channels: number; readonly height: number; readonly width: number };

export function flatShape(features: number): Shape {
  return { kind: 'flat', features };
}

export function imageShape(channels: number, height: number, width: number): Shape {
  return { kind: 'image', channels, height, width };
}

/** Floats per row. */
export function elementsOf(shape: Shape): number {
  return shape.kind === 'flat' ? shape.features : shape.channels * shape.height * shape.width;
}

/** `[512]` or `[16, 12, 12]`: a shape as a PyTorch user reads it, without the batch axis. */
export function showShape(shape: Shape): string {
  return shape.kind === 'flat' ? show([shape.features]) : show([shape.channels, shape.height, shape.width]);
}

/** What every node of one network shares: the parameter and gradient buffers and a scratch buffer. */
export interface NetContext {
  readonly params: F32Buffer;
  readonly grads: F32Buffer;
  /** Pointer of the shared scratch buffer (a convolution's patch gradient), valid after allocation. */
  scratch: number;
}

/** A named tensor of a node's state, in PyTorch's name and shape. */
export interface StateEntry {
  /** The suffix after the node's path: 'weight', 'running_mean', … */
  name: string;
  shape: readonly number[];
  /** Element offset in the parameter buffer; -1 for num_batches_tracked, which the node keeps itself. */
  offset: number;
}

/** Hands out workspace buffers; the network frees them all together. */
export type Take = (length: number) => F32Buffer;

/**
 * One layer of a built network. Forward and backward take and return pointers into wasm memory;
 * buffers are allocated once per capacity (`allocate`) and reused by every batch.
 */
export abstract class Node {
  /** Element offset of this node's first parameter in the parameter (and gradient) buffer. */
  offset = 0;
  /** Set per fit from `freeze`: no parameter gradients, and batch norm runs on its running statistics. */
  frozen = false;
  /** Whether forward writes its output over its input (decided by `planInPlace`). */
  inPlace = false;
  /** The output buffer after `allocate` (the input's, when in place). */
  outputPtr = 0;

  constructor(
    readonly ctx: NetContext,
    /** PyTorch's module path: '3', '2.branch.0'. */
    readonly path: string,
    readonly kind: LayerKind,
    readonly input: Shape,
    readonly output: Shape,
  ) {}

  /** Floats this node keeps in the parameter buffer (trainable ones first, then running statistics). */
  get paramLength(): number {
    return 0;
  }

  /** Its trainable parameters as ranges of the parameter buffer. */
  trainableRanges(): ParamRange[] {
    return [];
  }

  /** Floats of trainable parameters (in this node and those inside it). */
  get trainableLength(): number {
    return 0;
  }

  /** Whether backward computes any parameter gradient (has trainable parameters and is not frozen). */
  get learns(): boolean {
    return !this.frozen && this.trainableLength > 0;
  }

  /** Elementwise nodes may overwrite their input (see `planInPlace`). */
  get canRunInPlace(): boolean {
    return false;
  }

  /** Whether backward reads this node's own output (activations take their derivative from it). */
  get readsOwnOutput(): boolean {
    return false;
  }

  /** The m×n×k of every matrix product a batch of `rows` runs, to reserve GEMM's workspace up front. */
  products(_rows: number): Array<[number, number, number]> {
    return [];
  }

  /** Floats of the shared scratch buffer a batch of `rows` needs. */
  scratchLength(_rows: number): number {
    return 0;
  }

  /** Allocates the buffers for batches of up to `rows` rows; `inputPtr` is the input's buffer (0: outside). */
  allocate(rows: number, take: Take, inputPtr: number): void {
    this.outputPtr = this.inPlace ? inputPtr : take(rows * elementsOf(this.output)).ptr;
  }

  /**
   * Writes the starting parameters into `params` (a staging copy of the parameter buffer), taking
   * this node's streams from `rng`; without `draw` (a model about to load its weights) only the
   * streams are taken, so that dropout masks and later draws are those of a built model.
   */
  initialize(_rng: Rng, _params: Float32Array, _draw: boolean): void {}

  /** The node's own random stream (dropout's masks), whose position a fit's checkpoint keeps. */
  randomStream(): Rng | null {
    return null;
  }

  /** The named tensors of this node's state_dict. */
  stateEntries(): StateEntry[] {
    return [];
  }

  /** num_batches_tracked of a batch norm layer. */
  get batchesTracked(): number {
    return 0;
  }

  set batchesTracked(_count: number) {}

  /** Runs `rows` rows at x; returns the output pointer. */
  abstract forward(x: number, rows: number, training: boolean): number;

  /**
   * From the gradient dy of the output (a pointer into the caller's delta buffers) computes the
   * parameter gradients (unless frozen) and, with `needDx`, the gradient of the input, which it
   * writes to `spare` or over dy; returns where it is (0 without needDx).
   */
  abstract backward(dy: number, spare: number, rows: number, needDx: boolean): number;

  /** Nodes inside this one (a residual block's branch). */
  get children(): readonly Node[] {
    return [];
  }

  /** The node's name in messages: `layer 3 (conv2d)`. */
  get label(): string {
    return `layer ${this.path} (${this.kind})`;
  }

  protected paramPtr(at = 0): number {
    return this.ctx.params.ptr + (this.offset + at) * 4;
  }

  protected gradPtr(at = 0): number {
    return this.ctx.grads.ptr + (this.offset + at) * 4;
  }
}

/** Every node of a tree of nodes, depth first. */
export function* walk(nodes: readonly Node[]): Generator<Node> {
  for (const node of nodes) {
    yield node;
    yield* walk(node.children);
  }
}

/**
 * Which nodes overwrite their input: an elementwise node whose input is the output of the node
 * before it in the same sequence, when that node's backward does not read its own output. Never
 * the first node of a sequence, whose input belongs to the caller or to a residual's skip path.
 */
export function planInPlace(nodes: readonly Node[]): void {
  nodes.forEach((node, i) => {
    node.inPlace = i > 0 && node.canRunInPlace && !nodes[i - 1].readsOwnOutput;
    planInPlace(node.children);
  });
}

/** Delta buffers of a sequence: two of the largest activation it sees, for ping-pong. */
export function deltaLength(nodes: readonly Node[], rows: number): number {
  let widest = 0;
  for (const node of nodes) widest = Math.max(widest, elementsOf(node.input), elementsOf(node.output));
  return rows * widest;
}

/** Allocates every node of a sequence in order; returns the sequence's output pointer. */
export function allocateSequence(nodes: readonly Node[], rows: number, take: Take, inputPtr: number): number {
  let ptr = inputPtr;
  for (const node of nodes) {
    node.allocate(rows, take, ptr);
    ptr = node.outputPtr;
  }
  return ptr;
}

export function forwardSequence(nodes: readonly Node[], x: number, rows: number, training: boolean): number {
  let ptr = x;
  for (const node of nodes) ptr = node.forward(ptr, rows, training);
  return ptr;
}

/**
 * Backpropagates dy (in `pair[0]` or `pair[1]`) through a sequence, ping-ponging between the pair.
 * Without `needDx`, stops at the lowest node that learns. Returns the input gradient's pointer
 * (0 without needDx).
 */
export function backwardSequence(nodes: readonly Node[], pair: readonly [number, number], dy: number, rows: number, needDx: boolean): number {
  const lowest = needDx ? 0 : nodes.findIndex((node) => node.learns);
  if (lowest < 0) return 0;
  let ptr = dy;
  for (let i = nodes.length - 1; i >= lowest; i--) {
    const spare = ptr === pair[0] ? pair[1] : pair[0];
    ptr = nodes[i].backward(ptr, spare, rows, needDx || i > lowest);
  }
  return needDx ? ptr : 0;
}
