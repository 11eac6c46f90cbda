import { escapeXml, formatValue } from '../charts.js';

/*
 * A heat map as a standalone SVG, in the look of ../charts.ts: a grid of coloured cells (one per
 * x value × y value, e.g. σ_w² × depth) with lines drawn over it in data coordinates (e.g. the
 * 6 ξ_c curve), a vertical marker and a colour bar.
 */

export interface HeatmapLine {
  name: string;
  points: { x: number; y: number }[];
  colour: string;
  dashed?: boolean;
}

export interface Heatmap {
  title: string;
  x: { title: string; values: number[] };
  y: { title: string; values: number[] };
  /** value(i, j) for x.values[i], y.values[j]; null leaves the cell blank. */
  value(i: number, j: number): number | null;
  /** The colour scale's range and title. */
  scale: { domain: [number, number]; title: string };
  lines?: HeatmapLine[];
  /** Vertical lines at x positions, labelled. */
  markers?: { x: number; label: string }[];
}

// Viridis at nine stops (matplotlib's default sequential map): dark = low, yellow = high.
const VIRIDIS = ['#440154', '#472d7b', '#3b528b', '#2c728e', '#21918c', '#28ae80', '#5ec962', '#addc30', '#fde725'];

export function colourAt(t: number): string {
  const clamped = Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0));
  const at = clamped * (VIRIDIS.length - 1);
  const low = Math.floor(at);
  const high = Math.min(VIRIDIS.length - 1, low + 1);
  const mix = at - low;
  const rgb = (hex: string) => [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16));
  const [a, b] = [rgb(VIRIDIS[low]), rgb(VIRIDIS[high])];
  return `#${a.map((v, k) => Math.round(v + (b[k] - v) * mix).toString(16).padStart(2, '0')).join('')}`;
}

const FONT = 11;
const px = (value: number) => String(Math.round(value * 100) / 100);

/** Edges between sorted values: midpoints, and half a step beyond each end. */
function edges(values: number[]): number[] {
  const result = [values[0] - (values.length > 1 ? (values[1] - values[0]) / 2 : 0.5)];
  for (let i = 0; i + 1 < values.length; i++) result.push((values[i] + values[i + 1]) / 2);
  const n = values.length;
  result.push(values[n - 1] + (n > 1 ? (values[n - 1] - values[n - 2]) / 2 : 0.5));
  return result;
}

export function renderHeatmap(map: Heatmap): string {
  const cellWidth = Math.max(18, Math.min(44, 520 / map.x.values.length));
  const cellHeight = Math.max(14, Math.min(32, 360 / map.y.values.length));
  const width = cellWidth * map.x.values.length;
  const height = cellHeight * map.y.values.length;
  const left = 62;
  const top = 40;
  const xEdges = edges(map.x.values);
  const yEdges = edges(map.y.values);
  // Data → pixels: x grows rightwards, y upwards.
  const toX = (x: number) => ((x - xEdges[0]) / (xEdges[xEdges.length - 1] - xEdges[0])) * width;
  const toY = (y: number) => height - ((y - yEdges[0]) / (yEdges[yEdges.length - 1] - yEdges[0])) * height;
  const [low, high] = map.scale.domain;
  const parts: string[] = [];
  map.x.values.forEach((x, i) => {
    map.y.values.forEach((y, j) => {
      const value = map.value(i, j);
      if (value === null) return;
      const x0 = toX(xEdges[i]);
      const y0 = toY(yEdges[j + 1]);
      const aria = `${map.x.title} ${formatValue(x)}, ${map.y.title} ${formatValue(y)}: ${formatValue(value)}`;
      parts.push(
        `<rect class="cell" role="graphics-symbol" aria-label="${escapeXml(aria)}" x="${px(x0)}" y="${px(y0)}" width="${px(toX(xEdges[i + 1]) - x0)}" ` +
          `height="${px(toY(yEdges[j]) - y0)}" fill="${colourAt((value - low) / (high - low))}"><title>${escapeXml(aria)}</title></rect>`,
      );
    });
  });
  // Lines over the cells, clipped to the grid.
  const overlays: string[] = [];
  for (const marker of map.markers ?? []) {
    const at = px(toX(marker.x));
    overlays.push(
      `<g class="marker" aria-label="${escapeXml(marker.label)}"><line x1="${at}" x2="${at}" y1="0" y2="${px(height)}" stroke="#fff" stroke-width="1.5" stroke-dasharray="2 3"/></g>`,
    );
  }
  for (const line of map.lines ?? []) {
    const points = line.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y));
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(toX(p.x))},${px(toY(p.y))}`).join('');
    overlays.push(
      `<g class="line" aria-label="${escapeXml(line.name)}"><path d="${d}" fill="none" stroke="${line.colour}" stroke-width="2.5"${line.dashed ? ' stroke-dasharray="6 4"' : ''}/></g>`,
    );
  }
  const xTicks = map.x.values.map(
    (x) => `<text class="tick" x="${px(toX(x))}" y="${px(height + 7)}" dy="0.71em" text-anchor="middle">${formatValue(x)}</text>`,
  );
  const yTicks = map.y.values.map((y) => `<text class="tick" x="-6" y="${px(toY(y))}" dy="0.32em" text-anchor="end">${formatValue(y)}</text>`);
  // Colour bar and legend to the right.
  const barX = width + 24;
  // The bar runs from high (top) to low (bottom).
  const stops = VIRIDIS.map((_, i) => `<stop offset="${px((i / (VIRIDIS.length - 1)) * 100)}%" stop-color="${VIRIDIS[VIRIDIS.length - 1 - i]}"/>`);
  const legendLines = [
    ...(map.lines ?? []).map(
      (line, i) =>
        `<g transform="translate(0,${i * 16})"><line x1="0" x2="18" y1="0" y2="0" stroke="${line.colour}" stroke-width="2.5"${line.dashed ? ' stroke-dasharray="6 4"' : ''}/>` +
        `<text x="24" y="0" dy="0.32em">${escapeXml(line.name)}</text></g>`,
    ),
    ...(map.markers ?? []).map(
      (marker, i) =>
        `<g transform="translate(0,${((map.lines ?? []).length + i) * 16})"><line x1="0" x2="18" y1="0" y2="0" stroke="#888" stroke-width="1.5" stroke-dasharray="2 3"/>` +
        `<text x="24" y="0" dy="0.32em">${escapeXml(marker.label)}</text></g>`,
    ),
  ];
  const legendWidth = Math.max(...[...(map.lines ?? []).map((l) => l.name), ...(map.markers ?? []).map((m) => m.label)].map((s) => s.length), 0) * FONT * 0.6 + 30;
  const bar =
    `<g class="colour-bar" transform="translate(${px(barX)},0)" aria-label="${escapeXml(map.scale.title)}">` +
    `<defs><linearGradient id="heat" x1="0" x2="0" y1="0" y2="1">${stops.join('')}</linearGradient></defs>` +
    `<rect x="0" y="0" width="14" height="${px(Math.min(height, 200))}" fill="url(#heat)"/>` +
    `<text x="20" y="0" dy="0.71em">${formatValue(high)}</text><text x="20" y="${px(Math.min(height, 200))}">${formatValue(low)}</text>` +
    `<text x="0" y="-8">${escapeXml(map.scale.title)}</text>` +
    `<g transform="translate(0,${px(Math.min(height, 200) + 28)})">${legendLines.join('')}</g></g>`;
  const totalWidth = Math.ceil(Math.max(left + barX + 60 + legendWidth, map.title.length * 13 * 0.6 + 10));
  const totalHeight = Math.ceil(top + height + 48);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${totalWidth}" height="${totalHeight}" viewBox="0 0 ${totalWidth} ${totalHeight}" ` +
    `font-family="sans-serif" font-size="${FONT}" role="img" aria-label="${escapeXml(map.title)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text class="title" x="5" y="18" font-size="13" font-weight="bold">${escapeXml(map.title)}</text>` +
    `<g transform="translate(${left},${top})">` +
    `<clipPath id="grid"><rect x="0" y="0" width="${px(width)}" height="${px(height)}"/></clipPath>` +
    `<g class="cells">${parts.join('')}</g><g clip-path="url(#grid)">${overlays.join('')}</g>` +
    `<g class="axis x" aria-label="${escapeXml(map.x.title)}">${xTicks.join('')}</g>` +
    `<g class="axis y" aria-label="${escapeXml(map.y.title)}">${yTicks.join('')}</g>` +
    `<text class="axis-title" x="${px(width / 2)}" y="${px(height + 36)}" text-anchor="middle">${escapeXml(map.x.title)}</text>` +
    `<text class="axis-title" transform="translate(-44,${px(height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(map.y.title)}</text>` +
    `${bar}</g></svg>\n`
  );
}
