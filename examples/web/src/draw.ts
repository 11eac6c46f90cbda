// Canvas drawings: a histogram under a density curve, and grids of 28 × 28 images.

const BINS = 80;

/** Histogram of `values` as a density (area 1), with `density` drawn over it in red. */
export function drawHistogram(canvas: HTMLCanvasElement, values: Float32Array, density: (x: number) => number): void {
  const context = canvas.getContext('2d')!;
  const { width, height } = canvas;
  const axis = 20;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const margin = (max - min) * 0.05 || 1;
  min -= margin;
  max += margin;
  const binWidth = (max - min) / BINS;
  const heights = new Float64Array(BINS);
  for (const v of values) heights[Math.min(BINS - 1, Math.floor((v - min) / binWidth))] += 1 / (values.length * binWidth);
  const curve = Array.from({ length: width }, (_, px) => density(min + ((max - min) * px) / width));
  // Scale to the curve, so that a spike (sparse's zeros) is clipped rather than flattening the rest.
  const top = 1.25 * Math.max(...curve) || Math.max(...heights);
  const y = (value: number) => height - axis - ((height - axis - 4) * Math.min(value, top)) / top;

  context.clearRect(0, 0, width, height);
  context.fillStyle = '#9bb7d4';
  heights.forEach((h, bin) => {
    const x0 = (bin / BINS) * width;
    context.fillRect(x0, y(h), width / BINS - 1, height - axis - y(h));
  });
  context.strokeStyle = '#c62828';
  context.lineWidth = 2;
  context.beginPath();
  curve.forEach((d, px) => (px === 0 ? context.moveTo(px, y(d)) : context.lineTo(px, y(d))));
  context.stroke();
  context.fillStyle = '#333';
  context.font = '12px system-ui';
  context.textAlign = 'left';
  context.fillText(min.toPrecision(3), 2, height - 5);
  context.textAlign = 'right';
  context.fillText(max.toPrecision(3), width - 2, height - 5);
}

/**
 * Draws `count` 28 × 28 images from `pixels` (one after another) in a grid of `columns`, scaled by
 * `scale`. Each image is stretched to its own range when `stretch`, else 0 is black and 1 white.
 */
export function drawTiles(canvas: HTMLCanvasElement, pixels: Float32Array, count: number, columns: number, scale: number, stretch: boolean): void {
  const side = 28;
  const rows = Math.ceil(count / columns);
  canvas.width = columns * (side * scale + 2);
  canvas.height = rows * (side * scale + 2);
  const context = canvas.getContext('2d')!;
  context.fillStyle = '#fff';
  context.fillRect(0, 0, canvas.width, canvas.height);
  const tile = context.createImageData(side, side);
  const scratch = document.createElement('canvas');
  scratch.width = scratch.height = side;
  const scratchContext = scratch.getContext('2d')!;
  context.imageSmoothingEnabled = false;
  for (let i = 0; i < count; i++) {
    const image = pixels.subarray(i * side * side, (i + 1) * side * side);
    let low = 0;
    let high = 1;
    if (stretch) {
      low = Math.min(...image);
      high = Math.max(...image);
    }
    const range = high - low || 1;
    image.forEach((v, p) => {
      const shade = Math.round((255 * (v - low)) / range);
      tile.data.set([shade, shade, shade, 255], p * 4);
    });
    scratchContext.putImageData(tile, 0, 0);
    const x = (i % columns) * (side * scale + 2);
    const y = Math.floor(i / columns) * (side * scale + 2);
    context.drawImage(scratch, x, y, side * scale, side * scale);
  }
}
