import { DataError, ParamError, ShapeError, show } from '../errors.js';
import { checkOptions, integerIn } from '../options.js';
import { checkMatrix, type Tensor } from '../tensor.js';
import { encodeGrayPng } from './png.js';

/** Largest width, height, column count, padding or scale accepted. */
const MAX_SIDE = 1 << 16;

export interface FiltersOptions {
  /** Width of one unit's image in pixels (width · height = the weights per unit). Default 28. */
  width?: number;
  /** Height of one unit's image. Default 28. */
  height?: number;
  /** Images per row of the grid. Default ⌈√units⌉. */
  columns?: number;
  /** Pixels between images (drawn black). Default 1. */
  padding?: number;
  /** Each image pixel becomes a scale × scale block. Default 1. */
  scale?: number;
  /**
   * 'unit' (default): each image is stretched over the full gray range, so that every unit's
   * pattern shows; 'all': one range for all of them, so that magnitudes compare.
   */
  normalize?: 'unit' | 'all';
}

/**
 * Tiles each hidden unit's weights (a row of W [nHidden, width·height], e.g. `rbm.weights.W`)
 * as a grayscale image — light for large weights, dark for small ones — and returns the grid as
 * PNG bytes. Works in Node and in browsers: write the bytes to a file, or show them through
 * `URL.createObjectURL(new Blob([bytes], { type: 'image/png' }))`.
 *
 * ```ts
 * const png = nninit.viz.filters(rbm.weights.W, { width: 28, height: 28, columns: 16 });
 * ```
 */
export function filters(W: Tensor, options: FiltersOptions = {}): Uint8Array {
  checkOptions('viz.filters', options, { width: true, height: true, columns: true, padding: true, scale: true, normalize: true });
  const width = integerIn('width', options.width ?? 28, 1, MAX_SIDE);
  const height = integerIn('height', options.height ?? 28, 1, MAX_SIDE);
  const { rows: units, cols: size } = checkMatrix(W, 'W');
  if (size !== width * height) {
    throw new ShapeError(`W of shape ${show(W.shape)} does not hold ${width}×${height} images: it needs shape [units, ${width * height}]`);
  }
  const columns = integerIn('columns', options.columns ?? Math.ceil(Math.sqrt(units)), 1, MAX_SIDE);
  const padding = integerIn('padding', options.padding ?? 1, 0, MAX_SIDE);
  const scale = integerIn('scale', options.scale ?? 1, 1, MAX_SIDE);
  const normalize = options.normalize ?? 'unit';
  if (normalize !== 'unit' && normalize !== 'all') throw new ParamError(`normalize must be 'unit' or 'all', got ${show(normalize)}`);
  for (let k = 0; k < W.data.length; k++) {
    if (!Number.isFinite(W.data[k])) throw new DataError(`W[${Math.floor(k / size)}, ${k % size}] is ${show(W.data[k])}; values must be finite`);
  }

  const rows = Math.ceil(units / columns);
  const tileWidth = width * scale;
  const tileHeight = height * scale;
  const imageWidth = columns * tileWidth + (columns + 1) * padding;
  const imageHeight = rows * tileHeight + (rows + 1) * padding;
  if (imageWidth * imageHeight > 2 ** 28) throw new ParamError(`the image would be ${imageWidth}×${imageHeight} pixels, too large`);
  const pixels = new Uint8Array(imageWidth * imageHeight);
  const range = (from: number, to: number): [number, number] => {
    let low = Infinity;
    let high = -Infinity;
    for (let k = from; k < to; k++) {
      low = Math.min(low, W.data[k]);
      high = Math.max(high, W.data[k]);
    }
    return [low, high];
  };
  const overall = range(0, W.data.length);
  for (let unit = 0; unit < units; unit++) {
    const [low, high] = normalize === 'all' ? overall : range(unit * size, (unit + 1) * size);
    // A constant image is drawn mid-gray.
    const gain = high > low ? 255 / (high - low) : 0;
    const left = padding + (unit % columns) * (tileWidth + padding);
    const top = padding + Math.floor(unit / columns) * (tileHeight + padding);
    for (let y = 0; y < tileHeight; y++) {
      const rowStart = (top + y) * imageWidth + left;
      const weights = unit * size + Math.floor(y / scale) * width;
      for (let x = 0; x < tileWidth; x++) {
        const w = W.data[weights + Math.floor(x / scale)];
        pixels[rowStart + x] = gain === 0 ? 128 : Math.round((w - low) * gain);
      }
    }
  }
  return encodeGrayPng(pixels, imageWidth, imageHeight);
}
