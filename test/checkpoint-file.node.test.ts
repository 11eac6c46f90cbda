import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as nninit from '../src/index.js';
import { fileCheckpoint, loadFile } from '../src/node/index.js';
import { blobs } from './nn-helpers.js';
import { hashFloats } from './checkpoint-helpers.js';

let dir: string;
beforeAll(async () => {
  await nninit.ready();
  dir = await mkdtemp(join(tmpdir(), 'nninit-checkpoint-file-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const weights = (mlp: nninit.Mlp) => hashFloats(mlp.layers.flatMap((l) => [l.weight.data, l.bias.data]));

describe('fileCheckpoint', () => {
  it('writes each checkpoint to its path atomically; loadFile and resume: true finish the fit with the same bits', async () => {
    const data = blobs(200, 8, 3, 2);
    const options = (): nninit.FitOptions => ({ epochs: 5, batchSize: 20, optimizer: nninit.optim.adamw({ lr: 0.01 }) });
    const whole = new nninit.Mlp({ layers: [8, 16, 3], seed: 4 });
    await whole.fit(data.x, data.y, options());
    const path = join(dir, 'run.ckpt');
    const first = new nninit.Mlp({ layers: [8, 16, 3], seed: 4 });
    await first.fit(data.x, data.y, { ...options(), checkpoint: fileCheckpoint({ path, every: 2 }), onEpoch: (log) => log.epoch < 3 });
    // every: 2 — the file holds epoch 2's checkpoint, not epoch 3's.
    const resumed = (await loadFile(path)) as nninit.Mlp;
    const history = await resumed.fit(data.x, data.y, { ...options(), checkpoint: fileCheckpoint({ path }), resume: true });
    expect(history.epochs.map((e) => e.epoch)).toEqual([3, 4, 5]);
    expect(weights(resumed)).toBe(weights(whole));
    expect(await readdir(dir)).toEqual(['run.ckpt']);
    for (const m of [whole, first, resumed]) m.dispose();
  });

  it('checks its options, and a path that cannot be written ends the fit with an IoError', async () => {
    expect(() => fileCheckpoint({ path: '' })).toThrow(nninit.ParamError);
    expect(() => fileCheckpoint({ path: 'a', evry: 2 } as never)).toThrow(/unknown option "evry"/);
    const mlp = new nninit.Mlp({ layers: [8, 4, 2], seed: 1 });
    const data = blobs(20, 8, 2, 1);
    await expect(mlp.fit(data.x, data.y, { epochs: 1, checkpoint: fileCheckpoint({ path: join(dir, 'missing', 'x.ckpt') }) })).rejects.toThrow(nninit.IoError);
    mlp.dispose();
  });
});
