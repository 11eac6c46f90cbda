import { renderFigure, type Panel } from '../cli/charts.js';
import { ParamError, show } from '../errors.js';
import type { CoordCheckResult } from '../nn/coord-check.js';

export interface CoordCheckSvgOptions {
  /** The figure's title (default 'Coordinate check'). */
  title?: string;
  /** What to draw: each layer's output after its activation (default) or before it. */
  quantity?: CoordQuantity;
}

export type CoordQuantity = 'activation' | 'preActivation';

const ROLE_NAMES = { input: 'input layer', hidden: 'hidden', output: 'output logits' } as const;

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

/** Names of the series: "t = 0" … "t = steps". */
export function stepNames(steps: number): string[] {
  return Array.from({ length: steps + 1 }, (_, t) => `t = ${t}`);
}

/** One panel per layer, shared by the SVG above and the experiment's figure. */
export function coordCheckPanels(
  result: CoordCheckResult,
  { quantity = 'activation', titlePrefix = '', width = 200, height = 160, layers }: { quantity?: CoordQuantity; titlePrefix?: string; width?: number; height?: number; layers?: readonly number[] } = {},
): Panel[] {
  const names = stepNames(result.steps);
  return result.layers
    .filter((layer) => layers === undefined || layers.includes(layer.index))
    .map((layer) => {
      const values = quantity === 'activation' ? layer.l1 : layer.preActivation;
      return {
        title: `${titlePrefix}layer ${layer.index + 1} (${ROLE_NAMES[layer.role]})`,
        // The widths' own range, not whole decades: widths 64 … 2048 fill the panel.
        x: { title: 'width', scale: 'log' as const, domain: [result.widths[0] / 1.25, result.widths[result.widths.length - 1] * 1.25] as [number, number] },
        y: { title: quantity === 'activation' ? 'mean |activation|' : 'mean |pre-activation|', scale: 'log' as const },
        width,
        height,
        lines: names.map((name, t) => ({
          name,
          points: result.widths.map((x, w) => ({ x, y: values[w][t] })).filter((p) => p.y > 0 && Number.isFinite(p.y)),
        })),
      };
    });
}
