// A uPlot line chart with labelled axes and an HTML legend that always shows numbers: each series'
// latest value, or the value under the cursor while hovering. Legend entries are buttons that hide
// and show their series. Colour, dash and marker shape tell curves apart, so overlapping ones stay
// readable without colour.
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { element } from './dom';

export type Marker = 'circle' | 'square' | 'triangle' | 'diamond' | 'cross' | 'none';

export interface SeriesStyle {
  label: string;
  color: string;
  /** Canvas dash pattern in CSS pixels; solid when absent. */
  dash?: number[];
  marker?: Marker;
  /** Drawn as steps holding each value until the next x (a histogram), filled with this colour. */
  stepsFill?: string;
  width?: number;
}

export interface AxisOptions {
  /** Axis title with its unit, e.g. "test accuracy (%)". */
  label: string;
  log?: boolean;
  /** Fixed range; the data's otherwise. */
  range?: [number, number];
  /** Ticks on whole numbers only (epochs, layers). */
  integer?: boolean;
  /** Tick and legend text for a value. */
  format?: (value: number) => string;
}

export interface ChartOptions {
  /** Heading above the chart. */
  title: string;
  x: AxisOptions;
  y: AxisOptions;
  series: SeriesStyle[];
  /** One or two sentences under the chart: what to look for, and what to conclude. */
  caption: string;
  /** Shown over the empty plot until data arrives. */
  empty?: string;
}

/** Okabe–Ito colours (distinct under the common colour-vision deficiencies) with a dash and marker each. */
export const PALETTE: Required<Pick<SeriesStyle, 'color' | 'dash' | 'marker'>>[] = [
  { color: '#009e73', dash: [], marker: 'circle' },
  { color: '#0072b2', dash: [8, 4], marker: 'square' },
  { color: '#cc79a7', dash: [2, 3], marker: 'triangle' },
  { color: '#d55e00', dash: [12, 3, 3, 3], marker: 'diamond' },
  { color: '#555b66', dash: [4, 4], marker: 'cross' },
  { color: '#e69f00', dash: [1, 2], marker: 'circle' },
  { color: '#56b4e9', dash: [10, 2], marker: 'square' },
];

const FONT = '12px system-ui, sans-serif';
const AXIS_COLOR = '#4a5260';
const GRID = { stroke: '#e6e9ee', width: 1 };
const TICKS = { stroke: '#c9ced6', width: 1, size: 4 };

/** The path of `marker` centred on (x, y), radius r, in canvas pixels. */
function addMarker(path: Path2D, marker: Marker, x: number, y: number, r: number): void {
  switch (marker) {
    case 'circle':
      path.moveTo(x + r, y);
      path.arc(x, y, r, 0, 2 * Math.PI);
      break;
    case 'square':
      path.rect(x - r * 0.85, y - r * 0.85, r * 1.7, r * 1.7);
      break;
    case 'triangle':
      path.moveTo(x, y - r * 1.1);
      path.lineTo(x + r, y + r * 0.75);
      path.lineTo(x - r, y + r * 0.75);
      path.closePath();
      break;
    case 'diamond':
      path.moveTo(x, y - r * 1.2);
      path.lineTo(x + r, y);
      path.lineTo(x, y + r * 1.2);
      path.lineTo(x - r, y);
      path.closePath();
      break;
    case 'cross':
      path.moveTo(x - r, y - r);
      path.lineTo(x + r, y + r);
      path.moveTo(x + r, y - r);
      path.lineTo(x - r, y + r);
      break;
    case 'none':
      break;
  }
}

/** uPlot draws round points only; this draws each series' own marker shape. */
function markerPaths(marker: Marker): uPlot.Series.Points.PathBuilder {
  return (u, seriesIndex, first, last) => {
    const path = new Path2D();
    const xs = u.data[0];
    const ys = u.data[seriesIndex];
    const radius = 3.5 * devicePixelRatio;
    for (let i = first; i <= last; i++) {
      const y = ys[i];
      if (y == null) continue;
      addMarker(path, marker, u.valToPos(xs[i], 'x', true), u.valToPos(y, 'y', true), radius);
    }
    return { stroke: path, fill: marker === 'cross' ? null : path };
  };
}

/** A small SVG of the series' line and marker, for its legend entry. */
function swatch({ color, dash = [], marker = 'none', stepsFill }: SeriesStyle): SVGSVGElement {
  const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
  svg.setAttribute('width', '28');
  svg.setAttribute('height', '14');
  svg.setAttribute('aria-hidden', 'true');
  if (stepsFill) {
    svg.innerHTML = `<rect x="3" y="3" width="22" height="9" fill="${stepsFill}" stroke="${color}" />`;
    return svg;
  }
  const markerPath = new Path2DString();
  addMarker(markerPath as unknown as Path2D, marker, 14, 7, 3.5);
  svg.innerHTML =
    `<line x1="1" y1="7" x2="27" y2="7" stroke="${color}" stroke-width="2" stroke-dasharray="${dash.join(' ')}" />` +
    (marker === 'none' ? '' : `<path d="${markerPath.d}" fill="${marker === 'cross' ? 'none' : '#fff'}" stroke="${color}" stroke-width="1.5" />`);
  return svg;
}

/** The subset of Path2D that addMarker uses, written out as SVG path data. */
class Path2DString {
  d = '';
  moveTo(x: number, y: number) {
    this.d += `M${x} ${y}`;
  }
  lineTo(x: number, y: number) {
    this.d += `L${x} ${y}`;
  }
  rect(x: number, y: number, w: number, h: number) {
    this.d += `M${x} ${y}h${w}v${h}h${-w}Z`;
  }
  arc(x: number, y: number, r: number) {
    this.d += `M${x - r} ${y}a${r} ${r} 0 1 0 ${2 * r} 0a${r} ${r} 0 1 0 ${-2 * r} 0`;
  }
  closePath() {
    this.d += 'Z';
  }
}

const defaultFormat = (value: number) => (Math.abs(value) >= 1000 || (Math.abs(value) < 0.01 && value !== 0) ? value.toExponential(2) : String(Number(value.toPrecision(3))));

export class LineChart {
  /** The figure: title, legend, plot and caption. */
  readonly element: HTMLElement;
  private readonly plot: uPlot;
  private readonly host: HTMLElement;
  private readonly emptyNote: HTMLElement;
  private readonly legendAt: HTMLElement;
  private readonly values: HTMLOutputElement[] = [];
  private summary: (string | null)[] | null = null;
  private xRange: [number, number] | null = null;
  private readonly options: ChartOptions;

  constructor(options: ChartOptions) {
    this.options = options;
    const { title, x, y, series, caption } = options;
    this.legendAt = element('span', { class: 'legend-at' });
    const entries = series.map((style, i) => {
      const value = element('output', { class: 'legend-value' }, '–');
      this.values.push(value);
      const button = element('button', { type: 'button', class: 'legend-item', 'aria-pressed': 'true', title: `Hide or show ${style.label}` }, [
        swatch(style),
        element('span', { class: 'legend-label' }, style.label),
        value,
      ]);
      button.addEventListener('click', () => {
        const show = button.getAttribute('aria-pressed') !== 'true';
        button.setAttribute('aria-pressed', String(show));
        this.plot.setSeries(i + 1, { show });
      });
      return button;
    });
    this.host = element('div', { class: 'plot' });
    // The section's state (style.css) picks which line shows.
    this.emptyNote = element('p', { class: 'plot-empty' }, [
      element('span', { class: 'when-idle' }, options.empty ?? 'Press Run to draw this chart.'),
      element('span', { class: 'when-running' }, 'Waiting for the first results…'),
    ]);
    this.element = element('figure', { class: 'chart' }, [
      element('h3', { class: 'figure-title' }, title),
      element('div', { class: 'legend', role: 'group', 'aria-label': `${title}: series (press to hide or show)` }, [this.legendAt, ...entries]),
      element('div', { class: 'plot-frame' }, [this.host, this.emptyNote]),
      element('figcaption', { class: 'look' }, caption),
    ]);

    // On a log axis, grid lines and ticks at powers of ten only (uPlot's labels already are): 2…9
    // between them would crowd it.
    const decades = (_u: uPlot, ticks: number[]) => ticks.map((v) => (Math.abs(Math.log10(v) - Math.round(Math.log10(v))) < 1e-6 ? v : null));
    const axis = (options: AxisOptions): uPlot.Axis => ({
      label: options.label,
      stroke: AXIS_COLOR,
      font: FONT,
      labelFont: `600 ${FONT}`,
      labelSize: 20,
      grid: options.log ? { ...GRID, filter: decades } : GRID,
      ticks: options.log ? { ...TICKS, filter: decades } : TICKS,
      ...(options.integer ? { incrs: [1, 2, 5, 10, 20, 50, 100] } : {}),
      ...(options.format ? { values: (_u: uPlot, ticks: number[]) => ticks.map((v) => (v == null ? '' : options.format!(v))) } : {}),
    });
    // Wide enough for the longest tick label, plus the axis title.
    const ySize = (_u: uPlot, values: string[] | null) => 18 + 7 * Math.max(2, ...(values ?? []).map((v) => (v ?? '').length));
    const scale = (options: AxisOptions): uPlot.Scale => ({
      ...(options.log ? { distr: 3 } : {}),
      ...(options.range ? { range: options.range } : {}),
    });
    this.plot = new uPlot(
      {
        width: 400,
        height: 240,
        legend: { show: false },
        cursor: { drag: { x: false, y: false }, points: { size: 8 } },
        scales: {
          x: {
            time: false,
            ...scale(x),
            // A planned range (setXRange) holds while the data fills it; otherwise the data's own.
            range: (_u, min, max) => {
              if (this.xRange) return this.xRange;
              if (x.range) return x.range;
              // No data yet: a placeholder range (a log axis cannot start at 0).
              if (min == null || max == null) return x.log ? [1, 10] : [0, 1];
              return x.log ? uPlot.rangeLog(min, max, 10, true) : uPlot.rangeNum(min, max, 0.05, true);
            },
          },
          y: scale(y),
        },
        axes: [{ ...axis(x), size: 34 }, { ...axis(y), size: ySize }],
        series: [
          {},
          ...series.map(
            (style): uPlot.Series => ({
              label: style.label,
              stroke: style.color,
              width: style.width ?? 2,
              dash: style.dash,
              ...(style.stepsFill ? { fill: style.stepsFill, paths: uPlot.paths.stepped!({ align: 1 }) } : {}),
              points:
                style.marker && style.marker !== 'none'
                  ? { show: true, size: 7, width: 1.5, stroke: style.color, fill: '#fff', paths: markerPaths(style.marker) }
                  : { show: false },
            }),
          ),
        ],
        hooks: { setCursor: [(u) => this.showLegend(u.cursor.idx ?? null)] },
      },
      [[], ...series.map(() => [])],
      this.host,
    );
    new ResizeObserver(() => this.fit()).observe(this.host);
  }

  /** Follows the frame's width; the height keeps a readable aspect on phones and desktops. */
  private fit(): void {
    const width = this.host.clientWidth;
    if (width === 0) return;
    const height = Math.round(Math.max(240, Math.min(300, width * 0.55)));
    if (width !== this.plot.width || height !== this.plot.height) this.plot.setSize({ width, height });
  }

  /** Replaces the data: x values, and one column per series (null where a series has no value yet). */
  setData(x: number[], columns: (number | null)[][]): void {
    const filled = this.options.series.map((_, i) => columns[i] ?? new Array(x.length).fill(null));
    this.plot.setData([x, ...filled] as uPlot.AlignedData);
    this.emptyNote.hidden = x.length > 0;
    this.showLegend(this.plot.cursor.idx ?? null);
  }

  /** Fixes the x range (e.g. to the epochs planned), so a curve grows across the axis. */
  setXRange(min: number, max: number): void {
    this.xRange = [min, max];
    this.plot.setScale('x', { min, max });
  }

  /** Legend text when not hovering, one per series, instead of the latest values. */
  setSummary(texts: (string | null)[] | null): void {
    this.summary = texts;
    this.showLegend(this.plot.cursor.idx ?? null);
  }

  private showLegend(index: number | null): void {
    const { x, y } = this.options;
    const xs = this.plot.data[0] as number[];
    const format = y.format ?? defaultFormat;
    const hovering = index !== null && index < xs.length;
    this.legendAt.textContent = hovering ? `at ${x.label.replace(/ \(.*\)$/, '')} ${(x.format ?? defaultFormat)(xs[index])}` : this.summary ? '' : 'latest';
    this.values.forEach((output, i) => {
      const column = this.plot.data[i + 1] as (number | null)[];
      let value: number | null | undefined;
      if (hovering) value = column[index];
      else if (this.summary?.[i] != null) return void (output.textContent = this.summary[i]);
      else for (let j = column.length - 1; j >= 0 && value == null; j--) value = column[j];
      output.textContent = value == null || !Number.isFinite(value) ? '–' : format(value);
    });
  }
}
