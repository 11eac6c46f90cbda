import { renderFigure } from '../cli/charts.js';
import { coordCheckPanels, stepNames, type CoordQuantity } from '../cli/coord-check-chart.js';
import { ParamError, show } from '../errors.js';
import type { CoordCheckResult } from '../nn/coord-check.js';

export interface CoordCheckSvgOptions {
  /** The figure's title (default 'Coordinate check'). */
  title?: string;
  /** What to draw: each layer's output after its activation (default) or before it. */
  quantity?: CoordQuantity;
}

export type { CoordQuantity };


/**
 * A coordinate check (`nninit.coordCheck`) as a standalone SVG document: one panel per layer,
 * width on the x axis, mean |coordinate| on the y axis (both log), one line per step. Flat lines
 * mean the layer's scale does not depend on width.
 */
export function coordCheck(result: CoordCheckResult, options: CoordCheckSvgOptions = {}): string {
  const ok = typeof result === 'object' && result !== null && Array.isArray(result.widths) && Array.isArray(result.layers);
  if (!ok) throw new ParamError(`viz.coordCheck: result must come from nninit.coordCheck, got ${show(result)}`);
  if (options.quantity !== undefined && options.quantity !== 'activation' && options.quantity !== 'preActivation') {
    throw new ParamError(`viz.coordCheck: quantity must be 'activation' or 'preActivation', got ${show(options.quantity)}`);
  }
  return renderFigure({
    title: options.title ?? 'Coordinate check',
    layout: { row: coordCheckPanels(result, { quantity: options.quantity }) },
    legend: { title: 'after step', names: stepNames(result.steps) },
  });
}

