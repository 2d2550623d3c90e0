import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from './backend.js';
import { SeedSource, type BuildContext } from './neural-estimator.js';
import { GRU, LSTM } from './recurrent.js';

beforeAll(async () => {
  await initBackend();
});

/** The weights each estimator's buildLayers produces for `init` and `seed` (no training). */
function built(Net: typeof LSTM | typeof GRU, options: Record<string, unknown>, inputShape: number[], seed = 7): { name: string; shape: number[]; v: Float32Array }[] {
  class Probe extends (Net as typeof LSTM) {
    build(ctx: BuildContext): tf.LayersModel {
      return this.buildLayers(ctx);
    }
  }
  const net = new Probe({ task: 'regression', ...options, seed } as never);
  const m = net.build({ inputShape, outputUnits: 1, seeds: new SeedSource(seed), kernelRegularizer: undefined });
  const out = m.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], v: w.read().dataSync() as Float32Array }));
  m.dispose();
  return out;
}

const maxAbs = (v: Float32Array): number => v.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
const variance = (v: Float32Array): number => v.reduce((a, x) => a + x * x, 0) / v.length;

describe("LSTM/GRU init: 'torch' (PyTorch's default initialisation)", () => {
  it.each([
    ['lstm', LSTM, 4],
    ['gru', GRU, 3],
  ] as const)('%s: weights U(±1/√H), bias the sum of two U(±1/√H), dense U(±1/√fanIn)', (_k, Net, gates) => {
    const w = built(Net, { init: 'torch', units: [64, 32], denseUnits: [32] }, [30, 14]);
    for (const [i, h] of [64, 32].entries()) {
      const [k, r, b] = w.slice(3 * i, 3 * i + 3) as { shape: number[]; v: Float32Array }[];
      const bound = 1 / Math.sqrt(h);
      expect(k?.shape[1]).toBe(gates * h);
      expect(r?.shape).toEqual([h, gates * h]);
      for (const x of [k, r]) {
        expect(maxAbs(x?.v as Float32Array)).toBeLessThanOrEqual(bound + 1e-7);
        expect(maxAbs(x?.v as Float32Array)).toBeGreaterThan(0.9 * bound);
      }
      // Triangular on ±2/√H: variance 2·bound²/3 (one uniform: bound²/3), some values beyond one bound.
      const bv = b?.v as Float32Array;
      expect(maxAbs(bv)).toBeLessThanOrEqual(2 * bound + 1e-7);
      expect(maxAbs(bv)).toBeGreaterThan(bound);
      expect(variance(bv)).toBeGreaterThan(0.7 * ((2 * bound * bound) / 3));
      expect(variance(bv)).toBeLessThan(1.3 * ((2 * bound * bound) / 3));
    }
    const d1 = w[6] as { shape: number[]; v: Float32Array };
    const d1b = w[7] as { v: Float32Array };
    expect(d1.shape).toEqual([32, 32]);
    expect(maxAbs(d1.v)).toBeLessThanOrEqual(1 / Math.sqrt(32) + 1e-7);
    expect(maxAbs(d1b.v)).toBeGreaterThan(0);
    // Keras default: orthogonal recurrent kernel, zero bias.
    const kw = built(Net, { units: [64, 32], denseUnits: [32] }, [30, 14]);
    expect(maxAbs((kw[2] as { v: Float32Array }).v)).toBe(0);
  });

  it('rejects an unknown scheme', () => {
    expect(() => new LSTM({ init: 'xavier' as never })).toThrow(/lstm\.init/);
  });
});
