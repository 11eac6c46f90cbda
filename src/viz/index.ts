/** nninit.viz — pictures of models, as PNG bytes or SVG text (no DOM, no Node APIs: runs anywhere). */
export { filters, type FiltersOptions } from './filters.js';
export { coordCheck, type CoordCheckSvgOptions, type CoordQuantity } from './coord-check.js';
