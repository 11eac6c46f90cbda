import { ShapeError } from '../errors.js';
import type { ParamRange } from '../optim/state.js';
import type { Rng } from '../random.js';
import { kernels } from '../runtime/index.js';
import { Node, type NetContext, type Shape, type StateEntry, type Take } from './node.js';
import type { BatchNorm } from './specs.js';

/**
 * Batch normalization as torch.nn.BatchNorm1d/2d. Its parameter range holds weight (γ) and bias
 * (β), which train, then running_mean and running_var, which only the forward pass in training
 * mode updates; num_batches_tracked is kept here. A frozen layer runs on its running statistics.
 */
export class BatchNormNode extends Node {
  private saveMean = 0;
  private saveInvStd = 0;
  private inputPtr = 0;
  private ranTraining = false;
  private tracked = 0;

  constructor(
    ctx: NetContext,
    path: string,
    readonly spec: BatchNorm,
    input: Shape,
  ) {
    super(ctx, path, spec.kind, input, input);
  }

  private get channels(): number {
    return this.spec.numFeatures;
  }

  override get paramLength(): number {
    return 4 * this.channels;
  }

  override get trainableLength(): number {
    return 2 * this.channels;
  }

  override trainableRanges(): ParamRange[] {
    return [{ offset: this.offset, length: 2 * this.channels }];
  }

  override allocate(rows: number, take: Take, inputPtr: number): void {
    super.allocate(rows, take, inputPtr);
    this.saveMean = take(this.channels).ptr;
    this.saveInvStd = take(this.channels).ptr;
  }

  override initialize(_rng: Rng, params: Float32Array, draw: boolean): void {
    if (!draw) return;
    const c = this.channels;
    params.fill(1, this.offset, this.offset + c); // weight
    params.fill(0, this.offset + c, this.offset + 3 * c); // bias, running_mean
    params.fill(1, this.offset + 3 * c, this.offset + 4 * c); // running_var
  }

  override stateEntries(): StateEntry[] {
    const c = this.channels;
    return [
      { name: 'weight', shape: [c], offset: this.offset },
      { name: 'bias', shape: [c], offset: this.offset + c },
      { name: 'running_mean', shape: [c], offset: this.offset + 2 * c },
      { name: 'running_var', shape: [c], offset: this.offset + 3 * c },
      { name: 'num_batches_tracked', shape: [], offset: -1 },
    ];
  }

  override get batchesTracked(): number {
    return this.tracked;
  }

  override set batchesTracked(count: number) {
    this.tracked = count;
  }

  /** Where channel c's values are: channel and element strides for `rows` rows. */
  private layout(rows: number): { count: number; channelStride: number; elementStride: number } {
    const input = this.input;
    if (input.kind === 'flat') return { count: rows, channelStride: 1, elementStride: input.features };
    const count = rows * input.height * input.width;
    return { count, channelStride: count, elementStride: 1 };
  }

  forward(x: number, rows: number, training: boolean): number {
    const c = this.channels;
    const layout = this.layout(rows);
    const train = training && !this.frozen;
    if (train && layout.count < 2) {
      throw new ShapeError(
        `Sequential: ${this.label} needs more than 1 value per channel in training mode (as PyTorch), got a batch of ${rows} row` +
          `${rows === 1 ? '' : 's'}; use a batchSize that leaves no batch of 1 row, or eval()`,
      );
    }
    let momentum = 0;
    if (train) {
      this.tracked++;
      momentum = this.spec.momentum ?? 1 / this.tracked;
    }
    this.inputPtr = x;
    this.ranTraining = train;
    kernels().normForward({
      x,
      channels: c,
      ...layout,
      gamma: this.paramPtr(),
      beta: this.paramPtr(c),
      eps: this.spec.eps,
      training: train ? 1 : 0,
      momentum,
      runningMean: this.paramPtr(2 * c),
      runningVar: this.paramPtr(3 * c),
      saveMean: this.saveMean,
      saveInvStd: this.saveInvStd,
      y: this.outputPtr,
    });
    return this.outputPtr;
  }

  backward(dy: number, spare: number, rows: number, needDx: boolean): number {
    const c = this.channels;
    kernels().normBackward({
      x: this.inputPtr,
      dy,
      channels: c,
      ...this.layout(rows),
      gamma: this.paramPtr(),
      saveMean: this.saveMean,
      saveInvStd: this.saveInvStd,
      training: this.ranTraining ? 1 : 0,
      dGamma: this.frozen ? 0 : this.gradPtr(),
      dBeta: this.frozen ? 0 : this.gradPtr(c),
      dx: needDx ? spare : 0,
    });
    return needDx ? spare : 0;
  }
}
