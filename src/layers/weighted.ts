import { drawInit, type InitSpec } from '../nn/init-spec.js';
import { gemmInto } from '../ops/gemm.js';
import type { ParamRange } from '../optim/state.js';
import type { Rng } from '../random.js';
import { kernels } from '../runtime/index.js';
import { Node, flatShape, imageShape, type NetContext, type Shape, type StateEntry, type Take } from './node.js';
import type { Conv2d, Dense } from './specs.js';

// The layers with weights: dense (flat [rows, in] → [rows, out], exactly the products and kernels
// of Mlp's layers) and conv2d (channel-major images, one product per batch on an im2col matrix).
// Every product of forward and backward runs on the packed GEMM, transposes absorbed by packing.

/** PyTorch's default weight init for Linear and Conv2d: kaiming_uniform_(a=√5), a bound of 1/√fanIn. */
const TORCH_DEFAULT_INIT: InitSpec = { name: 'kaimingUniform', a: Math.sqrt(5) };

/** PyTorch's default bias init: U(−1/√fanIn, 1/√fanIn). */
function torchDefaultBias(fanIn: number): InitSpec {
  const bound = 1 / Math.sqrt(fanIn);
  return { name: 'uniform', low: -bound, high: bound };
}

/** Draws weight and bias, each from its own fork of `rng`, as Mlp does (weight fork first). */
function drawWeights(
  label: string,
  spec: { init?: InitSpec; biasInit?: InitSpec; bias: boolean },
  shape: number[],
  fanIn: number,
  rng: Rng,
  params: Float32Array,
  offset: number,
  draw: boolean,
): void {
  const weightRng = rng.fork();
  const biasRng = spec.bias ? rng.fork() : null;
  if (!draw) return;
  const weight = drawInit(spec.init ?? TORCH_DEFAULT_INIT, shape, weightRng, `${label}: init`);
  params.set(weight.data, offset);
  if (biasRng) {
    const bias = drawInit(spec.biasInit ?? torchDefaultBias(fanIn), [shape[0]], biasRng, `${label}: biasInit`);
    params.set(bias.data, offset + weight.data.length);
  }
}

export class DenseNode extends Node {
  private inputPtr = 0;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: Dense,
    input: Shape,
  ) {
    super(ctx, path, 'dense', input, flatShape(spec.outFeatures));
  }

  private get weightLength(): number {
    return this.spec.outFeatures * this.spec.inFeatures;
  }

  override get paramLength(): number {
    return this.weightLength + (this.spec.bias ? this.spec.outFeatures : 0);
  }

  override get trainableLength(): number {
    return this.paramLength;
  }

  override trainableRanges(): ParamRange[] {
    return [{ offset: this.offset, length: this.paramLength }];
  }

  override products(rows: number): Array<[number, number, number]> {
    const { inFeatures: nIn, outFeatures: nOut } = this.spec;
    return [
      [rows, nOut, nIn], // forward: X·Wᵀ
      [nOut, nIn, rows], // weight gradient: δᵀ·X
      [rows, nIn, nOut], // input gradient: δ·W
    ];
  }

  override initialize(rng: Rng, params: Float32Array, draw: boolean): void {
    drawWeights(this.label, this.spec, [this.spec.outFeatures, this.spec.inFeatures], this.spec.inFeatures, rng, params, this.offset, draw);
  }

  override stateEntries(): StateEntry[] {
    const { inFeatures, outFeatures, bias } = this.spec;
    const entries: StateEntry[] = [{ name: 'weight', shape: [outFeatures, inFeatures], offset: this.offset }];
    if (bias) entries.push({ name: 'bias', shape: [outFeatures], offset: this.offset + this.weightLength });
    return entries;
  }

  forward(x: number, rows: number): number {
    const { inFeatures: nIn, outFeatures: nOut, bias } = this.spec;
    const y = this.outputPtr;
    this.inputPtr = x;
    gemmInto(false, true, rows, nOut, nIn, 1, x, nIn, this.paramPtr(), nIn, 0, y, nOut);
    if (bias) kernels().elementwiseBiasAdd(y, this.paramPtr(this.weightLength), y, rows, nOut);
    return y;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    const { inFeatures: nIn, outFeatures: nOut, bias } = this.spec;
    if (!this.frozen) {
      // dW [out, in] = δᵀ·X: the TN product reads δ [rows, out] transposed without copying it.
      gemmInto(true, false, nOut, nIn, rows, 1, dy, nOut, this.inputPtr, nIn, 0, this.gradPtr(), nIn);
      if (bias) kernels().nnColumnSums(dy, rows, nOut, this.gradPtr(this.weightLength));
    }
    if (!needDx) return 0;
    // δ below [rows, in] = δ·W (NN).
    gemmInto(false, false, rows, nIn, nOut, 1, dy, nOut, this.paramPtr(), nIn, 0, spare, nIn);
    return spare;
  }
}

/** Output size of a convolution or pooling axis: ⌊(size + 2·pad − kernel) / stride⌋ + 1. */
export function outputSize(size: number, kernel: number, stride: number, pad: number): number {
  return Math.floor((size + 2 * pad - kernel) / stride) + 1;
}

export class ConvNode extends Node {
  /** A 1×1 kernel at stride 1 without padding reads its input as the patch matrix itself. */
  private readonly pointwise: boolean;
  private colBuffer = 0;
  private colPtr = 0;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: Conv2d,
    input: Shape & { kind: 'image' },
  ) {
    const [kh, kw] = spec.kernelSize;
    const [sh, sw] = spec.stride;
    const [ph, pw] = spec.padding;
    super(ctx, path, 'conv2d', input, imageShape(spec.outChannels, outputSize(input.height, kh, sh, ph), outputSize(input.width, kw, sw, pw)));
    this.pointwise = kh === 1 && kw === 1 && sh === 1 && sw === 1 && ph === 0 && pw === 0;
  }

  private get image(): { channels: number; height: number; width: number } {
    return this.input as Shape & { kind: 'image' };
  }

  /** Rows of the patch matrix: inChannels·kh·kw, PyTorch's fan in. */
  private get depth(): number {
    return this.spec.inChannels * this.spec.kernelSize[0] * this.spec.kernelSize[1];
  }

  private columns(rows: number): number {
    const out = this.output as Shape & { kind: 'image' };
    return rows * out.height * out.width;
  }

  private get weightLength(): number {
    return this.spec.outChannels * this.depth;
  }

  override get paramLength(): number {
    return this.weightLength + (this.spec.bias ? this.spec.outChannels : 0);
  }

  override get trainableLength(): number {
    return this.paramLength;
  }

  override trainableRanges(): ParamRange[] {
    return [{ offset: this.offset, length: this.paramLength }];
  }

  override products(rows: number): Array<[number, number, number]> {
    const out = this.spec.outChannels;
    const n = this.columns(rows);
    return [
      [out, n, this.depth], // forward: W·col
      [out, this.depth, n], // weight gradient: δ·colᵀ
      [this.depth, n, out], // patch gradient: Wᵀ·δ
    ];
  }

  override scratchLength(rows: number): number {
    return this.pointwise ? 0 : this.depth * this.columns(rows);
  }

  override allocate(rows: number, take: Take, inputPtr: number): void {
    super.allocate(rows, take, inputPtr);
    this.colBuffer = this.pointwise ? 0 : take(this.depth * this.columns(rows)).ptr;
  }

  override initialize(rng: Rng, params: Float32Array, draw: boolean): void {
    const { outChannels, inChannels, kernelSize } = this.spec;
    drawWeights(this.label, this.spec, [outChannels, inChannels, kernelSize[0], kernelSize[1]], this.depth, rng, params, this.offset, draw);
  }

  override stateEntries(): StateEntry[] {
    const { outChannels, inChannels, kernelSize, bias } = this.spec;
    const entries: StateEntry[] = [{ name: 'weight', shape: [outChannels, inChannels, kernelSize[0], kernelSize[1]], offset: this.offset }];
    if (bias) entries.push({ name: 'bias', shape: [outChannels], offset: this.offset + this.weightLength });
    return entries;
  }

  private geometry(rows: number) {
    const { channels, height, width } = this.image;
    const out = this.output as Shape & { kind: 'image' };
    const [kernelH, kernelW] = this.spec.kernelSize;
    const [strideH, strideW] = this.spec.stride;
    const [padH, padW] = this.spec.padding;
    return { channels, batch: rows, height, width, kernelH, kernelW, strideH, strideW, padH, padW, outH: out.height, outW: out.width };
  }

  forward(x: number, rows: number): number {
    const n = this.columns(rows);
    const out = this.spec.outChannels;
    const y = this.outputPtr;
    if (this.pointwise) this.colPtr = x;
    else {
      kernels().convIm2col({ x, ...this.geometry(rows), col: this.colBuffer });
      this.colPtr = this.colBuffer;
    }
    gemmInto(false, false, out, n, this.depth, 1, this.paramPtr(), this.depth, this.colPtr, n, 0, y, n);
    if (this.spec.bias) kernels().convBiasAdd(y, this.paramPtr(this.weightLength), out, n);
    return y;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    const n = this.columns(rows);
    const out = this.spec.outChannels;
    const depth = this.depth;
    if (!this.frozen) {
      // dW [out, depth] = δ [out, n] · colᵀ: col is stored [depth, n], read transposed by packing.
      gemmInto(false, true, out, depth, n, 1, dy, n, this.colPtr, n, 0, this.gradPtr(), depth);
      if (this.spec.bias) kernels().convRowSums(dy, out, n, this.gradPtr(this.weightLength));
    }
    if (!needDx) return 0;
    // dcol [depth, n] = Wᵀ·δ, then scattered back onto the input's pixels.
    const target = this.pointwise ? spare : this.ctx.scratch;
    gemmInto(true, false, depth, n, out, 1, this.paramPtr(), depth, dy, n, 0, target, n);
    if (!this.pointwise) kernels().convCol2im({ col: target, ...this.geometry(rows), dx: spare });
    return spare;
  }
}
