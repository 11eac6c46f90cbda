/** nninit.viz — pictures of models, as PNG bytes (no DOM, no Node APIs: runs anywhere). */
export { filters, type FiltersOptions } from './filters.js';
