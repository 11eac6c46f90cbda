import type { ParamRange } from '../optim/state.js';
import type { Rng } from '../random.js';
import { kernels } from '../runtime/index.js';
import {
  Node,
  allocateSequence,
  backwardSequence,
  deltaLength,
  elementsOf,
  forwardSequence,
  type NetContext,
  type Shape,
  type StateEntry,
  type Take,
} from './node.js';
import type { Residual } from './specs.js';

/**
 * x + f(x), or x + g·f(x) with a learnable scalar gate g (state_dict name `gate`, shape [1]). The
 * branch f is a sequence of nodes with its own pair of delta buffers, so the gradient arriving
 * from above stays intact while the branch backpropagates. Parameters: the branch's, then the gate.
 */
export class ResidualNode extends Node {
  private pair: [number, number] = [0, 0];
  private branchOutput = 0;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: Residual,
    input: Shape,
    readonly branch: readonly Node[],
  ) {
    super(ctx, path, 'residual', input, input);
  }

  override get children(): readonly Node[] {
    return this.branch;
  }

  private get gated(): boolean {
    return this.spec.gate !== null;
  }

  /** Offset of the gate, after the branch's parameters. */
  private get gateAt(): number {
    return this.branch.reduce((sum, node) => sum + node.paramLength, 0);
  }

  override get paramLength(): number {
    return this.gateAt + (this.gated ? 1 : 0);
  }

  override get trainableLength(): number {
    return this.branch.reduce((sum, node) => sum + node.trainableLength, 0) + (this.gated ? 1 : 0);
  }

  override trainableRanges(): ParamRange[] {
    const ranges = this.branch.flatMap((node) => node.trainableRanges());
    if (this.gated) ranges.push({ offset: this.offset + this.gateAt, length: 1 });
    return ranges;
  }

  override products(rows: number): Array<[number, number, number]> {
    return this.branch.flatMap((node) => node.products(rows));
  }

  override scratchLength(rows: number): number {
    return Math.max(0, ...this.branch.map((node) => node.scratchLength(rows)));
  }

  override allocate(rows: number, take: Take, inputPtr: number): void {
    super.allocate(rows, take, inputPtr);
    this.branchOutput = allocateSequence(this.branch, rows, take, inputPtr);
    const length = deltaLength(this.branch, rows);
    this.pair = [take(length).ptr, take(length).ptr];
  }

  override initialize(_rng: Rng, params: Float32Array, draw: boolean): void {
    if (draw && this.gated) params[this.offset + this.gateAt] = this.spec.gate!;
  }

  override stateEntries(): StateEntry[] {
    return this.gated ? [{ name: 'gate', shape: [1], offset: this.offset + this.gateAt }] : [];
  }

  private gate(): number {
    return this.gated ? this.ctx.params.view[this.offset + this.gateAt] : 1;
  }

  forward(x: number, rows: number, training: boolean): number {
    const f = forwardSequence(this.branch, x, rows, training);
    this.branchOutput = f;
    kernels().layersAddScaled(x, f, this.gate(), this.outputPtr, rows * elementsOf(this.input));
    return this.outputPtr;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    const k = kernels();
    const n = rows * elementsOf(this.input);
    if (this.gated && !this.frozen) this.ctx.grads.view[this.offset + this.gateAt] = k.layersDot(dy, this.branchOutput, n);
    const branchNeedsDx = needDx || this.branch.some((node) => node.learns);
    if (!branchNeedsDx) return 0;
    // The branch's output gradient is g·dy, in the branch's own buffer (its layers may work in place).
    const start = this.pair[0];
    if (this.gated) k.layersScale(dy, this.gate(), start, n);
    else k.layersCopy(dy, start, n);
    const dxBranch = backwardSequence(this.branch, this.pair, start, rows, needDx);
    if (!needDx) return 0;
    k.layersAddScaled(dy, dxBranch, 1, spare, n);
    return spare;
  }
}
