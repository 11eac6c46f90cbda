// nninit.viz.filters: PNG bytes that real decoders read — pngjs in Node, the browser's own image
// decoder in Chromium (this suite runs in both).
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { RBM } from '../src/rbm/index.js';
import type { Tensor } from '../src/tensor.js';
import { filters } from '../src/viz/index.js';

beforeAll(() => nninit.ready());

/** A specifier vite does not pre-bundle: pngjs is Node-only and is loaded only there. */
const PNGJS = 'pngjs';

/** The part of pngjs this suite uses (it ships no type declarations). */
interface PngJs {
  PNG: { sync: { read(bytes: Uint8Array): { width: number; height: number; data: Uint8Array } } };
}

interface Gray {
  width: number;
  height: number;
  pixels: Uint8Array;
}

async function decode(png: Uint8Array): Promise<Gray> {
  if (typeof document === 'undefined') {
    const { PNG } = (await import(/* @vite-ignore */ PNGJS)) as PngJs;
    const image = PNG.sync.read(Buffer.from(png));
    return { width: image.width, height: image.height, pixels: Uint8Array.from({ length: image.width * image.height }, (_, i) => image.data[4 * i]) };
  }
  const bitmap = await createImageBitmap(new Blob([png.slice()], { type: 'image/png' }));
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const context = canvas.getContext('2d')!;
  context.drawImage(bitmap, 0, 0);
  const rgba = context.getImageData(0, 0, bitmap.width, bitmap.height).data;
  return { width: bitmap.width, height: bitmap.height, pixels: Uint8Array.from({ length: bitmap.width * bitmap.height }, (_, i) => rgba[4 * i]) };
}

const tensor = (data: ArrayLike<number>, shape: number[]): Tensor => ({ shape, data: Float32Array.from(data) });

function expectCode(fn: () => unknown, code: string, message: RegExp): void {
  expect(fn).toThrowError(message);
  try {
    fn();
  } catch (error) {
    expect((error as nninit.NninitError).code).toBe(code);
  }
}

describe('viz.filters', () => {
  it('tiles units in a grid with padding and scale, each stretched over the gray range', async () => {
    // 10 units of 3 × 2 pixels; unit u's pixel p holds u + p, so each spans [u, u + 5].
    const W = tensor(Array.from({ length: 60 }, (_, k) => Math.floor(k / 6) + (k % 6)), [10, 6]);
    const image = await decode(filters(W, { width: 3, height: 2, columns: 4, scale: 2 }));
    expect([image.width, image.height]).toEqual([4 * 6 + 5, 3 * 4 + 4]);
    const at = (x: number, y: number) => image.pixels[y * image.width + x];
    for (let unit = 0; unit < 10; unit++) {
      const left = 1 + (unit % 4) * 7;
      const top = 1 + Math.floor(unit / 4) * 5;
      for (let p = 0; p < 6; p++) {
        const [x, y] = [left + 2 * (p % 3), top + 2 * Math.floor(p / 3)];
        const expected = Math.round((p * 255) / 5);
        // every pixel of the 2 × 2 block
        expect([at(x, y), at(x + 1, y), at(x, y + 1), at(x + 1, y + 1)]).toEqual([expected, expected, expected, expected]);
      }
      expect(at(left - 1, top)).toBe(0); // padding
    }
    expect(at(1 + 2 * 7 + 3, 1 + 2 * 5 + 1)).toBe(0); // the grid's empty slots stay black
  });

  it("normalize: 'all' shares one range; a constant unit is mid-gray", async () => {
    const W = tensor([0, 1, 2, 3, 4, 5, 7, 7], [4, 2]);
    const shared = await decode(filters(W, { width: 2, height: 1, columns: 4, padding: 0, normalize: 'all' }));
    expect(Array.from(shared.pixels)).toEqual([0, 36, 73, 109, 146, 182, 255, 255]);
    const each = await decode(filters(W, { width: 2, height: 1, columns: 4, padding: 0 }));
    expect(Array.from(each.pixels)).toEqual([0, 255, 0, 255, 0, 255, 128, 128]);
  });

  it("draws an RBM's 256 filters of 28 × 28 (an image larger than one deflate block)", async () => {
    const rbm = new RBM({ nVisible: 784, nHidden: 256, seed: 1 });
    const { W } = rbm.weights;
    rbm.dispose();
    const bytes = filters(W, { width: 28, height: 28, columns: 16 });
    expect(Array.from(bytes.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const image = await decode(bytes);
    expect([image.width, image.height]).toEqual([16 * 29 + 1, 16 * 29 + 1]);
    // Unit 17's pixel (5, 9) sits in grid cell (1, 1).
    const unit = W.data.subarray(17 * 784, 18 * 784);
    const low = Math.min(...unit);
    const high = Math.max(...unit);
    expect(image.pixels[(1 + 29 + 9) * image.width + 1 + 29 + 5]).toBe(Math.round(((unit[9 * 28 + 5] - low) * 255) / (high - low)));
  });

  it('rejects bad input clearly', () => {
    expectCode(() => filters(tensor([1, 2, 3], [1, 3]), { width: 2, height: 2 }), 'E_SHAPE', /does not hold 2×2 images/);
    expectCode(() => filters(tensor([1, 2, 3, 4], [4])), 'E_SHAPE', /2-D Tensor/);
    expectCode(() => filters(tensor([1, NaN, 3, 4], [1, 4]), { width: 2, height: 2 }), 'E_DATA', /W\[0, 1\] is NaN/);
    expectCode(() => filters(tensor([1, 2, 3, 4], [1, 4]), { width: 2, height: 2, columns: 0 }), 'E_PARAM', /columns .* got 0/);
    expectCode(() => filters(tensor([1, 2, 3, 4], [1, 4]), { width: 2, height: 2, normalize: 'none' as never }), 'E_PARAM', /normalize/);
    expectCode(() => filters(tensor([1, 2, 3, 4], [1, 4]), { size: 2 } as never), 'E_PARAM', /viz.filters: unknown option "size" \(it takes width, height/);
  });
});
