/*
 * The CLI's charts, drawn as plain SVG: panels with axes (linear or log), lines with points, bars
 * over categories and histogram bins, laid out in rows and columns with one colour legend. Small
 * on purpose — a charting library would be most of the package's size for these few figures.
 * Every mark carries an aria-label with its value (and a <title>, shown on hover in a browser).
 */

export interface Axis {
  title: string;
  /** 'log' draws positive values only (a bar of 0 is marked "0" at the baseline). Default linear. */
  scale?: 'linear' | 'log';
  /** A fixed range: lines are clipped to it. Default: the data's range, rounded out to ticks (from 0 for bars). */
  domain?: [number, number];
  /** Ticks at whole numbers only (epochs). */
  integer?: boolean;
}

export interface Series {
  /** The legend's name for it; its colour. */
  name: string;
  /** `error`: an error bar from y − error to y + error (a standard deviation, say). */
  points: { x: number; y: number; error?: number }[];
  /** Pixels to shift the series sideways, so that error bars of several series at one x stay apart. */
  dodge?: number;
}

/** A bar over a category of the x axis; `key` picks its colour from the legend. */
export interface Bar {
  category: string;
  value: number;
  key?: string;
}

/** A histogram bin: a bar over [low, high] of a quantitative x axis. */
export interface Bin {
  low: number;
  high: number;
  value: number;
}

export interface Panel {
  title?: string;
  x: Axis;
  y: Axis;
  lines?: Series[];
  bars?: Bar[];
  bins?: Bin[];
  /** Plot area in pixels (default 320 × 200). */
  width?: number;
  height?: number;
}

/** Panels side by side (`row`) or one under another (`column`), nested as needed. */
export type Layout = Panel | { row: Layout[] } | { column: Layout[] };

export interface Figure {
  title: string;
  layout: Layout;
  /** The colour legend: names in colour order (lines by series name, bars by key). */
  legend?: { title: string; names: string[] };
}

/** Tableau 10, the palette most plotting tools start from. */
export const PALETTE = ['#4c78a8', '#f58518', '#e45756', '#72b7b2', '#54a24b', '#eeca3b', '#b279a2', '#ff9da6', '#9d755d', '#bab0ac'];

const FONT = 11;
const CHAR = 0.6 * FONT; // estimated width of a character: enough to lay out labels without a font engine
const GAP = 16;

const px = (value: number) => String(Math.round(value * 100) / 100);

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A short form for labels: 0.25, 1.5e-4, 12000. */
export function formatValue(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const magnitude = Math.abs(value);
  return magnitude >= 1e-3 && magnitude < 1e6 ? String(Number(value.toPrecision(4))) : value.toExponential(2);
}

// ---------------------------------------------------------------------------------------------
// Scales: a domain, a position function and the ticks.

interface Scale {
  domain: [number, number];
  ticks: { value: number; label: string }[];
  /** 0 at the domain's low end, 1 at its high end. */
  at(value: number): number;
}

/** Ticks at round steps (1, 2 or 5 × 10ᵏ), about one per 40 pixels of `length`. */
function linearTicks(low: number, high: number, integer: boolean, length: number): number[] {
  const raw = (high - low) / Math.min(8, Math.max(2, Math.floor(length / 40)));
  const power = 10 ** Math.floor(Math.log10(raw));
  let step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  if (integer) step = Math.max(1, Math.round(step));
  const ticks: number[] = [];
  for (let t = Math.ceil(low / step - 1e-9) * step; t <= high + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

function decimalsOf(ticks: number[]): number {
  return Math.max(0, ...ticks.map((t) => (String(t).split('.')[1] ?? '').length));
}

/** m × 10ᵉ as a tick label: "0.002", "50", "2e-7". */
function logLabel(mantissa: number, exponent: number): string {
  return exponent >= -3 && exponent <= 4 ? String(Number((mantissa * 10 ** exponent).toPrecision(1))) : `${mantissa}e${exponent}`;
}

/**
 * A log axis' range for `values` in whole decades, reaching at least a third of a decade below the
 * smallest so that its bar shows. Give it as the `domain` of several panels to share one scale.
 */
export function logDomain(values: readonly number[]): [number, number] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  let low = Math.floor(Math.log10(Math.min(...positive, Infinity)) - 0.3);
  let high = Math.ceil(Math.log10(Math.max(...positive, -Infinity)));
  if (!Number.isFinite(low) || !Number.isFinite(high)) [low, high] = [0, 1];
  if (high <= low) [low, high] = [low - 1, high + 1];
  return [10 ** low, 10 ** high];
}

function makeScale(axis: Axis, values: number[], fromZero: boolean, length: number): Scale {
  if (axis.scale === 'log') {
    const [low, high] = (axis.domain ?? logDomain(values)).map(Math.log10);
    // A tick per decade (fewer past 8 decades); over two decades or less, at 2 and 5 too.
    const every = Math.ceil((Math.floor(high) - Math.ceil(low) + 1) / 8);
    const mantissas = high - low <= 2 ? [1, 2, 5] : [1];
    const ticks: Scale['ticks'] = [];
    // Skipping decades, keep the ones that are multiples of the step: 1 stays labelled.
    for (let e = Math.ceil(Math.floor(low) / every) * every; e <= Math.floor(high); e += every) {
      for (const m of mantissas) {
        const at = Math.log10(m) + e;
        if (at >= low - 1e-9 && at <= high + 1e-9) ticks.push({ value: m * 10 ** e, label: logLabel(m, e) });
      }
    }
    return { domain: [10 ** low, 10 ** high], ticks, at: (v) => (Math.log10(v) - low) / (high - low) };
  }
  const finite = values.filter(Number.isFinite);
  let [low, high] = axis.domain ?? [Math.min(...finite, ...(fromZero ? [0] : [])), Math.max(...finite, ...(fromZero ? [0] : []))];
  if (!Number.isFinite(low) || !Number.isFinite(high)) [low, high] = [0, 1];
  if (high === low) [low, high] = [low - (Math.abs(low) || 1) / 2, high + (Math.abs(high) || 1) / 2];
  let ticks = linearTicks(low, high, axis.integer ?? false, length);
  if (!axis.domain) {
    // Round the range out to the ticks around it, as plotting tools do ("nice").
    const step = ticks.length > 1 ? ticks[1] - ticks[0] : high - low;
    low = Math.min(low, Math.floor(low / step + 1e-9) * step);
    high = Math.max(high, Math.ceil(high / step - 1e-9) * step);
    ticks = linearTicks(low, high, axis.integer ?? false, length);
  }
  const decimals = decimalsOf(ticks);
  return {
    domain: [low, high],
    ticks: ticks.map((value) => ({ value, label: value.toFixed(decimals) })),
    at: (v) => (v - low) / (high - low),
  };
}

// ---------------------------------------------------------------------------------------------
// Panels.

interface Drawn {
  width: number;
  height: number;
  svg: string;
}

interface Context {
  colour(name: string): string;
  clipIds: number;
}

function categoriesOf(bars: Bar[]): string[] {
  return [...new Set(bars.map((b) => b.category))];
}

function drawPanel(panel: Panel, context: Context): Drawn {
  const width = panel.width ?? 320;
  const height = panel.height ?? 200;
  const lines = panel.lines ?? [];
  const bars = panel.bars ?? [];
  const bins = panel.bins ?? [];
  const categories = categoriesOf(bars);
  const xValues = [...lines.flatMap((s) => s.points.map((p) => p.x)), ...bins.flatMap((b) => [b.low, b.high])];
  const yValues = [...lines.flatMap((s) => s.points.flatMap((p) => (p.error === undefined ? [p.y] : [p.y - p.error, p.y + p.error]))), ...bars.map((b) => b.value), ...bins.map((b) => b.value)];
  const x = categories.length > 0 ? null : makeScale(panel.x, xValues, false, width);
  const y = makeScale(panel.y, yValues, bars.length + bins.length > 0, height);
  const yLabelWidth = Math.max(...y.ticks.map((t) => t.label.length * CHAR), 0);
  const band = categories.length > 0 ? width / categories.length : 0;
  const widest = Math.max(0, ...categories.map((c) => c.length * CHAR));
  const rotate = categories.length > 0 && widest > band - 4;
  const xLabelsHeight = rotate ? widest * Math.SQRT1_2 + FONT : FONT + 4;
  const left = 18 + yLabelWidth + 8;
  const top = panel.title ? 22 : 8;
  const bottom = 6 + xLabelsHeight + 18;
  const right = 12;
  const toX = (v: number) => x!.at(v) * width;
  const toY = (v: number) => height - Math.min(1, Math.max(0, y.at(v))) * height;
  const parts: string[] = [];

  if (panel.title) parts.push(`<text class="panel-title" x="${px(width / 2)}" y="-10" text-anchor="middle" font-weight="bold">${escapeXml(panel.title)}</text>`);
  // Axes: grid lines and tick labels, then the axis titles.
  const yTicks = y.ticks.map((t) => {
    const at = px(toY(t.value));
    return `<line x1="0" x2="${width}" y1="${at}" y2="${at}" stroke="#ddd"/><text class="tick" x="-6" y="${at}" dy="0.32em" text-anchor="end">${t.label}</text>`;
  });
  parts.push(`<g class="axis y" aria-label="${escapeXml(panel.y.title)}">${yTicks.join('')}</g>`);
  if (x) {
    const xTicks = x.ticks.map((t) => {
      const at = px(toX(t.value));
      return `<line x1="${at}" x2="${at}" y1="${height}" y2="${height + 5}" stroke="#888"/><text class="tick" x="${at}" y="${height + 7}" dy="0.71em" text-anchor="middle">${t.label}</text>`;
    });
    parts.push(`<g class="axis x" aria-label="${escapeXml(panel.x.title)}">${xTicks.join('')}</g>`);
  } else {
    const labels = categories.map((c, i) => {
      const at = px((i + 0.5) * band);
      return rotate
        ? `<text class="tick" transform="translate(${at},${height + 8}) rotate(-45)" text-anchor="end" dy="0.32em">${escapeXml(c)}</text>`
        : `<text class="tick" x="${at}" y="${height + 7}" dy="0.71em" text-anchor="middle">${escapeXml(c)}</text>`;
    });
    parts.push(`<g class="axis x" aria-label="${escapeXml(panel.x.title)}">${labels.join('')}</g>`);
  }
  parts.push(`<line x1="0" x2="${width}" y1="${height}" y2="${height}" stroke="#888"/><line x1="0" x2="0" y1="0" y2="${height}" stroke="#888"/>`);
  parts.push(`<text class="axis-title" x="${px(width / 2)}" y="${px(height + xLabelsHeight + 18)}" text-anchor="middle">${escapeXml(panel.x.title)}</text>`);
  parts.push(`<text class="axis-title" transform="translate(${px(-left + 12)},${px(height / 2)}) rotate(-90)" text-anchor="middle">${escapeXml(panel.y.title)}</text>`);

  // Marks: bins, bars, then lines on top, clipped to the plot area.
  const clip = `clip${context.clipIds++}`;
  // A few pixels of slack so that points on the edges show whole.
  parts.push(`<clipPath id="${clip}"><rect x="-4" y="-4" width="${width + 8}" height="${height + 8}"/></clipPath>`);
  const marks: string[] = [];
  const rect = (label: string, value: number, left: number, barWidth: number, fill: string) => {
    const aria = `${escapeXml(label)}: ${formatValue(value)}`;
    if (!(value > 0) && panel.y.scale === 'log') {
      return `<text class="zero" x="${px(left + barWidth / 2)}" y="${height - 3}" text-anchor="middle" aria-label="${aria}">${formatValue(value)}</text>`;
    }
    const top = toY(value);
    const base = toY(panel.y.scale === 'log' ? y.domain[0] : 0);
    return (
      `<rect class="bar" role="graphics-symbol" aria-roledescription="bar" aria-label="${aria}" x="${px(left)}" y="${px(Math.min(top, base))}" ` +
      `width="${px(barWidth)}" height="${px(Math.abs(base - top))}" fill="${fill}"><title>${aria}</title></rect>`
    );
  };
  for (const bin of bins) marks.push(rect(`${formatValue(bin.low)}–${formatValue(bin.high)}`, bin.value, toX(bin.low), toX(bin.high) - toX(bin.low), PALETTE[0]));
  bars.forEach((bar) => {
    const i = categories.indexOf(bar.category);
    marks.push(rect(bar.category, bar.value, (i + 0.1) * band, band * 0.8, bar.key === undefined ? PALETTE[0] : context.colour(bar.key)));
  });
  for (const series of lines) {
    const colour = context.colour(series.name);
    const points = series.points.filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y) && (panel.y.scale !== 'log' || p.y > 0));
    const atX = (v: number) => toX(v) + (series.dodge ?? 0);
    const d = points.map((p, i) => `${i === 0 ? 'M' : 'L'}${px(atX(p.x))},${px(height - y.at(p.y) * height)}`).join('');
    const dots = points.map((p) => {
      const error = p.error === undefined ? '' : ` ± ${formatValue(p.error)}`;
      const aria = `${escapeXml(series.name)}, ${formatValue(p.x)}: ${formatValue(p.y)}${error}`;
      const cx = px(atX(p.x));
      const [low, high] = p.error === undefined ? [] : [px(toY(p.y - p.error)), px(toY(p.y + p.error))];
      const bar = p.error !== undefined ? `<path class="error" d="M${cx},${low}V${high}M${px(atX(p.x) - 3)},${low}h6M${px(atX(p.x) - 3)},${high}h6" stroke="${colour}" stroke-width="1"/>` : '';
      return `${bar}<circle cx="${cx}" cy="${px(height - y.at(p.y) * height)}" r="2.5" fill="${colour}" aria-label="${aria}"><title>${aria}</title></circle>`;
    });
    marks.push(`<g class="line" aria-label="${escapeXml(series.name)}"><path d="${d}" fill="none" stroke="${colour}" stroke-width="1.5"/>${dots.join('')}</g>`);
  }
  parts.push(`<g clip-path="url(#${clip})">${marks.join('')}</g>`);
  const label = panel.title ?? panel.y.title;
  return {
    width: left + width + right,
    height: top + height + bottom,
    svg: `<g class="panel" aria-label="${escapeXml(label)}" transform="translate(${px(left)},${px(top)})">${parts.join('')}</g>`,
  };
}

function draw(layout: Layout, context: Context): Drawn {
  if (!('row' in layout) && !('column' in layout)) return drawPanel(layout, context);
  const across = 'row' in layout;
  const children = (across ? layout.row : layout.column).map((child) => draw(child, context));
  let offset = 0;
  const svg = children.map((child) => {
    const placed = `<g transform="translate(${across ? offset : 0},${across ? 0 : offset})">${child.svg}</g>`;
    offset += (across ? child.width : child.height) + GAP;
    return placed;
  });
  const length = Math.max(0, offset - GAP);
  const breadth = Math.max(0, ...children.map((c) => (across ? c.height : c.width)));
  return { width: across ? length : breadth, height: across ? breadth : length, svg: svg.join('') };
}

/** The figure as a standalone SVG document. */
export function renderFigure(figure: Figure): string {
  const names = [...(figure.legend?.names ?? [])];
  const colour = (name: string) => {
    let i = names.indexOf(name);
    if (i < 0) i = names.push(name) - 1;
    return PALETTE[i % PALETTE.length];
  };
  const body = draw(figure.layout, { colour, clipIds: 0 });
  const titleHeight = 28;
  let width = body.width;
  let legend = '';
  if (figure.legend) {
    const rows = names.map(
      (name, i) =>
        `<g transform="translate(0,${18 + i * 16})"><line x1="0" x2="16" y1="0" y2="0" stroke="${colour(name)}" stroke-width="2"/>` +
        `<circle cx="8" cy="0" r="3" fill="${colour(name)}"/><text x="22" y="0" dy="0.32em">${escapeXml(name)}</text></g>`,
    );
    legend = `<g class="legend" transform="translate(${body.width + GAP},${titleHeight + 8})"><text font-weight="bold">${escapeXml(figure.legend.title)}</text>${rows.join('')}</g>`;
    width += GAP + 22 + Math.max(figure.legend.title.length, ...names.map((n) => n.length)) * CHAR;
  }
  const titleWidth = figure.title.length * 13 * 0.6;
  width = Math.ceil(Math.max(width, titleWidth) + 10);
  const height = Math.ceil(titleHeight + body.height + 10);
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
    `font-family="sans-serif" font-size="${FONT}" role="img" aria-label="${escapeXml(figure.title)}">` +
    `<rect width="100%" height="100%" fill="#fff"/>` +
    `<text class="title" x="5" y="18" font-size="13" font-weight="bold">${escapeXml(figure.title)}</text>` +
    `<g transform="translate(5,${titleHeight})">${body.svg}</g>${legend}</svg>\n`
  );
}
