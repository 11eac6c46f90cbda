import { describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';

/*
 * Initializers are synchronous and promise to work before `ready()` has resolved, on TypeScript
 * code with the wasm kernels' bits (src/random-fill.ts, src/init/householder.ts). This file must
 * call them before anything in it awaits ready(): vitest gives each test file its own modules.
 */

type Draw = () => nninit.Tensor;

const DRAWS: Array<[string, Draw]> = [
  ['orthogonal, tall', () => nninit.init.orthogonal([40, 13], { seed: 3 })],
  ['orthogonal, wide, gain', () => nninit.init.orthogonal([7, 3, 5], { seed: 4, gain: 2 })],
  ['orthogonal, inOut', () => nninit.init.orthogonal([6, 9], { seed: 5, layout: 'inOut' })],
  ['kaimingNormal', () => nninit.init.kaimingNormal([16, 33], { seed: 6 })],
  ['truncatedNormal', () => nninit.init.truncatedNormal([101], { seed: 7 })],
  ['sparse', () => nninit.init.sparse([12, 10], { sparsity: 0.3, seed: 8 })],
];

describe('initializers before ready()', () => {
  it('give the bits they give after it, orthogonal included', async () => {
    expect(nninit.isReady()).toBe(false);
    const before = DRAWS.map(([, draw]) => draw().data);
    await nninit.ready();
    DRAWS.forEach(([name, draw], i) => {
      const after = draw().data;
      const first = after.findIndex((v, j) => !Object.is(v, before[i][j]));
      expect(first, `${name}: first differing element`).toBe(-1);
    });
  });
});
