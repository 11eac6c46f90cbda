/* Wasm memory of one RBM, and the workspaces its kernels compute in. */
import { allocF32, type F32Buffer } from '../runtime/index.js';
import { kernels } from '../runtime/index.js';

/**
 * The wasm buffers one model owns: allocated through it and freed together by `dispose()` or,
 * for a model that is never disposed, by the finalizer (which holds `list`, never the model).
 */
export class OwnedBuffers {
  readonly list: F32Buffer[] = [];

  alloc(length: number): F32Buffer {
    const buffer = allocF32(length);
    this.list.push(buffer);
    return buffer;
  }

  /** Frees one buffer before the others. */
  release(buffer: F32Buffer): void {
    buffer.free();
    const at = this.list.indexOf(buffer);
    if (at >= 0) this.list.splice(at, 1);
  }

  freeAll(): void {
    for (let i = this.list.length - 1; i >= 0; i--) this.list[i].free();
    this.list.length = 0;
  }
}

/**
 * One kernel workspace (rbmWorkspaceBytes for `rows` rows) per thread that a call is split over,
 * made when first needed: a call split into n blocks uses the first n.
 */
export class KernelWorkspaces {
  private readonly spaces: F32Buffer[] = [];
  private readonly floats: number;

  constructor(
    private readonly memory: OwnedBuffers,
    readonly rows: number,
    nVisible: number,
    nHidden: number,
  ) {
    this.floats = Math.ceil(kernels().rbmWorkspaceBytes(rows, nVisible, nHidden) / 4);
  }

  /** Pointers to `count` workspaces (allocating first, so that none moves while a call runs). */
  take(count: number): number[] {
    while (this.spaces.length < count) this.spaces.push(this.memory.alloc(this.floats));
    return this.spaces.slice(0, count).map((space) => space.ptr);
  }

  free(): void {
    for (const space of this.spaces) this.memory.release(space);
    this.spaces.length = 0;
  }
}
