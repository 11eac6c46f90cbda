import type { CoordCheckResult } from '../nn/coord-check.js';
import type { Panel } from './charts.js';

/*
 * A coordinate check as chart panels, for nninit.viz.coordCheck (main entry) and
 * `nninit experiment mup` (CLI): stateless, like charts.ts, so each bundle may carry it.
 */

export type CoordQuantity = 'activation' | 'preActivation';

const ROLE_NAMES = { input: 'input layer', hidden: 'hidden', output: 'output logits' } as const;

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
