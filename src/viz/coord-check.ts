import { renderFigure, type Panel } from '../cli/charts.js';
import { ParamError, show } from '../errors.js';
import type { CoordCheckResult } from '../nn/coord-check.js';

export interface CoordCheckSvgOptions {
  /** The figure's title (default 'Coordinate check'). */
  title?: string;
}

const ROLE_NAMES = { input: 'input layer', hidden: 'hidden layer', output: 'output logits' } as const;

/**
 * A coordinate check (`nninit.coordCheck`) as a standalone SVG document: one panel per layer,
 * width on the x axis, mean |coordinate| on the y axis (both log), one line per step. Flat lines
 * mean the layer's scale does not depend on width.
 */
export function coordCheck(result: CoordCheckResult, options: CoordCheckSvgOptions = {}): string {
  const ok = typeof result === 'object' && result !== null && Array.isArray(result.widths) && Array.isArray(result.layers);
  if (!ok) throw new ParamError(`viz.coordCheck: result must come from nninit.coordCheck, got ${show(result)}`);
  return renderFigure({
    title: options.title ?? 'Coordinate check',
    layout: { row: coordCheckPanels(result) },
    legend: { title: 'after step', names: stepNames(result.steps) },
  });
}

/** Names of the series: "t = 0" … "t = steps". */
export function stepNames(steps: number): string[] {
  return Array.from({ length: steps + 1 }, (_, t) => `t = ${t}`);
}

/** One panel per layer, shared by the SVG above and the experiment's figure. */
export function coordCheckPanels(result: CoordCheckResult, titlePrefix = '', size = { width: 200, height: 160 }): Panel[] {
  const names = stepNames(result.steps);
  return result.layers.map((layer) => ({
    title: `${titlePrefix}${ROLE_NAMES[layer.role]} ${layer.index + 1}`,
    x: { title: 'width', scale: 'log' as const },
    y: { title: 'mean |coordinate|', scale: 'log' as const },
    width: size.width,
    height: size.height,
    lines: names.map((name, t) => ({
      name,
      points: result.widths.map((width, w) => ({ x: width, y: layer.l1[w][t] })).filter((p) => p.y > 0 && Number.isFinite(p.y)),
    })),
  }));
}
