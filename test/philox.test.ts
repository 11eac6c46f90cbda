import { describe, expect, it } from 'vitest';
import { boxMuller, logf, philox4x32 } from '../src/random.js';

const hex = (a: Uint32Array) => Array.from(a, (w) => w.toString(16).padStart(8, '0')).join(' ');

describe('Philox4x32-10 known answers (Random123 kat_vectors)', () => {
  it('zero counter, zero key', () => {
    expect(hex(philox4x32(0, 0, 0, 0, 0, 0))).toBe('6627e8d5 e169c58d bc57ac4c 9b00dbd8');
  });
  it('all-ones counter and key', () => {
    const m = 0xffffffff;
    expect(hex(philox4x32(m, m, m, m, m, m))).toBe('408f276d 41c83b0e a20bc7c6 6d5451fd');
  });
  it('digits of pi', () => {
    expect(hex(philox4x32(0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344, 0xa4093822, 0x299f31d0))).toBe(
      'd16cfe09 94fdcceb 5001e420 24126ea1',
    );
  });
});

describe('f32 helpers', () => {
  it('logf is within 2 ulp-ish of Math.log over (2^-24, 1]', () => {
    let worst = 0;
    for (let i = 1; i <= 1 << 16; i++) {
      const x = Math.fround((i * 256 - 1) * 2 ** -24 + 2 ** -24);
      const err = Math.abs(logf(x) - Math.log(x));
      worst = Math.max(worst, err / Math.max(Math.abs(Math.log(x)), 1e-30));
    }
    expect(worst).toBeLessThan(3e-7);
    expect(logf(1)).toBe(0);
  });
  it('boxMuller matches f64 Box–Muller closely', () => {
    const out = new Float32Array(2);
    let worst = 0;
    for (let i = 0; i < 20000; i++) {
      const w0 = (Math.imul(i, 2654435761) >>> 0) | 0x100;
      const w1 = Math.imul(i + 7, 2246822519) >>> 0;
      boxMuller(w0, w1, out);
      const u1 = 1 - (w0 >>> 8) * 2 ** -24;
      const th = 2 * Math.PI * (w1 >>> 8) * 2 ** -24;
      const r = Math.sqrt(-2 * Math.log(u1));
      worst = Math.max(worst, Math.abs(out[0] - r * Math.cos(th)), Math.abs(out[1] - r * Math.sin(th)));
    }
    expect(worst).toBeLessThan(2e-6);
  });
});
