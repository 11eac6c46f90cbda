import { kernels } from '../runtime/index.js';
import { Node, elementsOf, flatShape, imageShape, type NetContext, type Shape, type Take } from './node.js';
import type { Pool2d } from './specs.js';
import { outputSize } from './weighted.js';

type Image = Shape & { kind: 'image' };

/** Max or average pooling; a channel-major batch is rows·channels independent planes. */
export class PoolNode extends Node {
  private argmax = 0;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: Pool2d,
    input: Image,
  ) {
    const [kh, kw] = spec.kernelSize;
    const [sh, sw] = spec.stride;
    const [ph, pw] = spec.padding;
    super(ctx, path, spec.kind, input, imageShape(input.channels, outputSize(input.height, kh, sh, ph), outputSize(input.width, kw, sw, pw)));
  }

  override allocate(rows: number, take: Take, inputPtr: number): void {
    super.allocate(rows, take, inputPtr);
    if (this.spec.kind === 'maxPool2d') this.argmax = take(rows * elementsOf(this.output)).ptr;
  }

  private geometry(rows: number) {
    const input = this.input as Image;
    const out = this.output as Image;
    const [kernelH, kernelW] = this.spec.kernelSize;
    const [strideH, strideW] = this.spec.stride;
    const [padH, padW] = this.spec.padding;
    return {
      planes: rows * input.channels,
      height: input.height,
      width: input.width,
      kernelH,
      kernelW,
      strideH,
      strideW,
      padH,
      padW,
      outH: out.height,
      outW: out.width,
    };
  }

  forward(x: number, rows: number): number {
    const k = kernels();
    const y = this.outputPtr;
    if (this.spec.kind === 'maxPool2d') k.poolMax({ x, ...this.geometry(rows), y, argmax: this.argmax });
    else k.poolAverage({ x, ...this.geometry(rows), countIncludePad: this.spec.countIncludePad ? 1 : 0, y });
    return y;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    const k = kernels();
    const g = this.geometry(rows);
    if (this.spec.kind === 'maxPool2d') {
      k.poolMaxBackward({ dy, argmax: this.argmax, planes: g.planes, height: g.height, width: g.width, outH: g.outH, outW: g.outW, dx: spare });
    } else {
      k.poolAverageBackward({ dy, ...g, countIncludePad: this.spec.countIncludePad ? 1 : 0, dx: spare });
    }
    return spare;
  }
}

/**
 * Flattens a channel-major image batch [C, rows, H·W] into PyTorch's flat order [rows, C·H·W]
 * (a swap of the two outer axes); a flat input is copied through.
 */
export class FlattenNode extends Node {
  constructor(ctx: NetContext, path: string, input: Shape) {
    super(ctx, path, 'flatten', input, flatShape(elementsOf(input)));
  }

  forward(x: number, rows: number): number {
    const y = this.outputPtr;
    const input = this.input;
    if (input.kind === 'image') kernels().layersSwapAxes(x, input.channels, rows, input.height * input.width, y);
    else kernels().layersCopy(x, y, rows * input.features);
    return y;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    if (!needDx) return 0;
    const input = this.input;
    if (input.kind === 'flat') return dy;
    kernels().layersSwapAxes(dy, rows, input.channels, input.height * input.width, spare);
    return spare;
  }
}
