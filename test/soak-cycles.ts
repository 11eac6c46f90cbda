// The soak test's work, shared by test/soak.node.test.ts and the worker it bundles: create → fit →
// saveFile → loadFile → dispose, over the three kinds of model, many times in one thread.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import * as nninit from '../src/index.js';
import { loadFile, saveFile } from '../src/node/index.js';
import { heap } from '../src/runtime/index.js';

export interface SoakReport {
  cycles: number;
  /** Wasm bytes handed out by the heap: before the cycles, after the first, after the last. */
  bytesInUse: [number, number, number];
  /** The wasm memory's size after the first cycle and after the last. */
  memoryBytes: [number, number];
  /** Files left in the directory (the model file only). */
  files: string[];
  /** Models whose reloaded bytes differed from the saved ones. */
  mismatches: number;
}

const sameBytes = (a: Uint8Array, b: Uint8Array) => a.length === b.length && a.every((byte, i) => byte === b[i]);

/** A tiny dataset: 32 rows of 12 features in [0, 1), labels 0–2. */
function data(seed: number): { x: nninit.Tensor; y: Int32Array } {
  const x = nninit.init.uniform([32, 12], { seed });
  const y = Int32Array.from({ length: 32 }, (_, i) => i % 3);
  return { x, y };
}

async function cycle(i: number, path: string): Promise<boolean> {
  const { x, y } = data(i);
  let model: nninit.Mlp | nninit.RBM | nninit.DBN;
  switch (i % 3) {
    case 0: {
      const mlp = new nninit.Mlp({ layers: [12, 8, 3], seed: i });
      await mlp.fit(x, y, { epochs: 1, batchSize: 8 });
      model = mlp;
      break;
    }
    case 1: {
      const rbm = new nninit.RBM({ nVisible: 12, nHidden: 6, seed: i });
      await rbm.fit(x, { epochs: 1, batchSize: 8 });
      model = rbm;
      break;
    }
    default: {
      const dbn = new nninit.DBN({ layers: [12, 6, 4], seed: i });
      await dbn.pretrain(x, { epochs: 1, batchSize: 8 });
      model = dbn;
    }
  }
  await saveFile(model, path);
  const loaded = (await loadFile(path)) as nninit.Mlp | nninit.RBM | nninit.DBN;
  const same = sameBytes(loaded.save(), model.save());
  // A DBN keeps its weights in JavaScript (nothing to dispose); Mlp and RBM free their wasm memory.
  for (const done of [model, loaded]) if (!(done instanceof nninit.DBN)) done.dispose();
  return same;
}

export async function soak(cycles: number, directory: string, onProgress?: (done: number) => void): Promise<SoakReport> {
  await nninit.ready();
  const path = join(directory, 'model.safetensors');
  const before = heap().bytesInUse;
  let mismatches = (await cycle(0, path)) ? 0 : 1;
  const afterFirst = heap().bytesInUse;
  const memoryAfterFirst = heap().memory.buffer.byteLength;
  for (let i = 1; i < cycles; i++) {
    if (!(await cycle(i, path))) mismatches++;
    if ((i + 1) % 50 === 0) onProgress?.(i + 1);
  }
  return {
    cycles,
    bytesInUse: [before, afterFirst, heap().bytesInUse],
    memoryBytes: [memoryAfterFirst, heap().memory.buffer.byteLength],
    files: existsSync(directory) ? readdirSync(directory) : [],
    mismatches,
  };
}
