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
  it('draws the random initializers anyway, with the bits it draws after ready(); orthogonal asks for ready()', async () => {
    expect(nninit.isReady()).toBe(false);
    const before = [nninitTf.heNormal({ seed: 1 }), nninitTf.lecunNormal({ seed: 2 }), nninitTf.sparse({ sparsity: 0.5, seed: 3 })].map(kernelOf);
    expect(() => kernelOf(nninitTf.orthogonal({ seed: 4 }))).toThrow(nninit.WasmError);
    expect(() => kernelOf(nninitTf.orthogonal({ seed: 4 }))).toThrow(/call `await nninit\.ready\(\)`/);

    await nninitTf.ready(); // the same runtime as nninit.ready()
    expect(nninit.isReady()).toBe(true);
    const after = [nninitTf.heNormal({ seed: 1 }), nninitTf.lecunNormal({ seed: 2 }), nninitTf.sparse({ sparsity: 0.5, seed: 3 })].map(kernelOf);
    after.forEach((kernel, i) => expect(bitsOf(kernel)).toEqual(bitsOf(before[i])));
    expect(kernelOf(nninitTf.orthogonal({ seed: 4 })).length).toBe(13 * 9);
  });
});
