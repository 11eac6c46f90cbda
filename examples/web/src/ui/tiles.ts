// Grids of 28 × 28 images on a canvas: digits (ink black on white) and filters (a diverging map).

const SIDE = 28;
const GAP = 1;
const GAP_RGBA = [214, 218, 224, 255];
/** The picture frame's background (style.css). */
const EMPTY_RGBA = [247, 248, 250, 255];

export type TileColors = 'ink' | 'diverging';

/** [r, g, b] for `t` in [-1, 1]: blue below 0, white at 0, red above (ColorBrewer RdBu ends). */
function diverging(t: number): [number, number, number] {
  const [r, g, b] = t >= 0 ? [178, 24, 43] : [33, 102, 172];
  const a = Math.min(1, Math.abs(t));
  return [255 + (r - 255) * a, 255 + (g - 255) * a, 255 + (b - 255) * a];
}

/**
 * Draws `count` images of 28 × 28 values from `pixels` (one after another) in a grid of `columns`,
 * each pixel `scale` canvas pixels wide (CSS then fits the canvas to its box). `ink`: 0 white, 1
 * black. `diverging`: each image on its own symmetric scale, 0 white, so a filter's sign shows.
 */
export function drawTiles(canvas: HTMLCanvasElement, pixels: Float32Array, count: number, columns: number, colors: TileColors, scale = 3): void {
  const rows = Math.ceil(count / columns);
  const step = SIDE * scale + GAP;
  canvas.width = columns * step - GAP;
  canvas.height = rows * step - GAP;
  const context = canvas.getContext('2d')!;
  const image = context.createImageData(canvas.width, canvas.height);
  // Gaps between tiles in light gray, so that white paper and white weights keep their edges.
  for (let at = 0; at < image.data.length; at += 4) image.data.set(GAP_RGBA, at);
  for (let tile = 0; tile < count; tile++) {
    const values = pixels.subarray(tile * SIDE * SIDE, (tile + 1) * SIDE * SIDE);
    let extent = 1;
    if (colors === 'diverging') {
      extent = 0;
      for (const v of values) extent = Math.max(extent, Math.abs(v));
      extent ||= 1;
    }
    const left = (tile % columns) * step;
    const top = Math.floor(tile / columns) * step;
    for (let p = 0; p < SIDE * SIDE; p++) {
      const v = values[p];
      const rgb: [number, number, number] = colors === 'ink' ? [255 * (1 - v), 255 * (1 - v), 255 * (1 - v)] : diverging(v / extent);
      const x0 = left + (p % SIDE) * scale;
      const y0 = top + Math.floor(p / SIDE) * scale;
      for (let dy = 0; dy < scale; dy++) {
        for (let dx = 0; dx < scale; dx++) {
          const at = 4 * ((y0 + dy) * canvas.width + x0 + dx);
          image.data[at] = rgb[0];
          image.data[at + 1] = rgb[1];
          image.data[at + 2] = rgb[2];
        }
      }
    }
  }
  // Cells of the last row that hold no image take the frame's colour rather than the gaps'.
  for (let cell = count; cell < rows * columns; cell++) {
    const left = (cell % columns) * step;
    const top = Math.floor(cell / columns) * step;
    for (let y = Math.max(0, top - GAP); y < Math.min(canvas.height, top + step); y++) {
      for (let x = Math.max(0, left - GAP); x < Math.min(canvas.width, left + step); x++) image.data.set(EMPTY_RGBA, 4 * (y * canvas.width + x));
    }
  }
  context.putImageData(image, 0, 0);
}
