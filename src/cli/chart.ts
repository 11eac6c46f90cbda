/** Lower end of the zoomed row's accuracy axis. */
const ZOOM_FROM = 0.85;

/** One point of the chart: test accuracy of a run after an epoch. */
export interface ChartPoint {
  init: string;
  activation: string;
  epoch: number;
  accuracy: number;
}

/**
 * An SVG line chart of test accuracy per epoch, one line per initializer and one panel per
 * activation: a vega-lite spec compiled to vega and rendered headless (no browser, no canvas;
 * vega estimates text widths). vega is loaded only here, so nothing else pays for it.
 */
export async function accuracyChart(points: ChartPoint[], title: string): Promise<string> {
  // Full range on top (zeros and N(0,1) sit far below the rest); below, the band where the good
  // initializations differ, clipped.
  const inits = [...new Set(points.map((p) => p.init))]; // legend and colours in run order
  const row = (domain: [number, number], yTitle: string) => ({
    mark: { type: 'line' as const, point: true, clip: true },
    encoding: {
      column: { field: 'activation', type: 'nominal' as const, title: 'hidden activation' },
      x: { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1 } },
      y: { field: 'accuracy', type: 'quantitative' as const, title: yTitle, scale: { domain } },
      color: { field: 'init', type: 'nominal' as const, title: 'initialization', sort: inits },
    },
    width: 320,
    height: 200,
  });
  return renderSvg({
    title,
    data: { values: points },
    vconcat: [row([0, 1], 'test accuracy'), row([ZOOM_FROM, 1], `test accuracy (${ZOOM_FROM}–1)`)],
  });
}

/** Compiles a vega-lite spec (without $schema) to vega and renders it headless to SVG. */
export async function renderSvg(spec: Record<string, unknown>): Promise<string> {
  const [vega, vegaLite] = await Promise.all([import('vega'), import('vega-lite')]);
  const compiled = vegaLite.compile({ $schema: 'https://vega.github.io/schema/vega-lite/v5.json', ...spec } as never).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
