import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import * as nninitTf from '../src/tfjs/index.js';

/*
 * What a TF.js user who skips `await nninit.ready()` gets (TF.js builds layers synchronously, so
 * the initializers cannot wait for it): this file's module graph starts without the runtime.
 */

beforeAll(() => tf.setBackend('cpu'));

function kernelOf(initializer: nninitTf.NninitInitializer): Float32Array {
  const model = tfl.sequential({ layers: [tfl.layers.dense({ units: 9, inputShape: [13], kernelInitializer: initializer })] });
  const kernel = model.getWeights()[0].dataSync() as Float32Array;
  model.dispose();
  return kernel;
}

const bitsOf = (data: Float32Array) => Array.from(new Uint32Array(data.buffer, data.byteOffset, data.length));

describe('nninit/tfjs before nninit.ready()', () => {
  it('draws every initializer anyway, orthogonal included, with the bits it draws after ready()', async () => {
    expect(nninit.isReady()).toBe(false);
    const draw = () =>
      [nninitTf.heNormal({ seed: 1 }), nninitTf.lecunNormal({ seed: 2 }), nninitTf.sparse({ sparsity: 0.5, seed: 3 }), nninitTf.orthogonal({ seed: 4 })].map(
        kernelOf,
      );
    const before = draw();

    await nninitTf.ready(); // the same runtime as nninit.ready()
    expect(nninit.isReady()).toBe(true);
    const after = draw();
    after.forEach((kernel, i) => expect(bitsOf(kernel)).toEqual(bitsOf(before[i])));
    expect(after[3].length).toBe(13 * 9);
  });
});
