import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend, tf } from '../../models/tf/backend.js';
import { SeedSource, type BuildContext } from '../../models/tf/neural-estimator.js';
import { DeepCNN1D } from './dcnn.js';

beforeAll(async () => {
  await initBackend();
});

/** The weights buildLayers produces for the options and seed (no training). */
function built(options: Record<string, unknown>, inputShape: number[], seed = 7): { name: string; shape: number[]; v: Float32Array }[] {
  class Probe extends DeepCNN1D {
    build(ctx: BuildContext): tf.LayersModel {
      return this.buildLayers(ctx);
    }
  }
  const m = new Probe({ ...options, seed } as never).build({ inputShape, outputUnits: 1, seeds: new SeedSource(seed), kernelRegularizer: undefined });
  const out = m.weights.map((w) => ({ name: w.originalName, shape: w.shape as number[], v: w.read().dataSync() as Float32Array }));
  m.dispose();
  return out;
}

const maxAbs = (v: Float32Array): number => v.reduce((a, x) => Math.max(a, Math.abs(x)), 0);
const variance = (v: Float32Array): number => v.reduce((a, x) => a + x * x, 0) / v.length;

describe("DeepCNN1D init: 'torch' (PyTorch's default initialisation)", () => {
  it('deep CNN: kernels and biases U(±1/√fanIn), fanIn = channels × kernel length', () => {
    const w = built({ init: 'torch' }, [30, 14]);
    // conv 0: kernel [10, 14, 10] → fanIn 140; its bias is not zero any more.
    const k0 = w[0] as { shape: number[]; v: Float32Array };
    const b0 = w[1] as { shape: number[]; v: Float32Array };
    expect(k0.shape).toEqual([10, 14, 10]);
    const bound0 = 1 / Math.sqrt(140);
    expect(maxAbs(k0.v)).toBeLessThanOrEqual(bound0 + 1e-7);
    expect(maxAbs(k0.v)).toBeGreaterThan(0.9 * bound0);
    expect(Math.abs(variance(k0.v) - (bound0 * bound0) / 3)).toBeLessThan(0.2 * ((bound0 * bound0) / 3));
    expect(maxAbs(b0.v)).toBeLessThanOrEqual(bound0 + 1e-7);
    expect(maxAbs(b0.v)).toBeGreaterThan(0);
    // dense 100 after flatten of 30 steps × 1 filter: fanIn 30 (Glorot would give √(6/130) ≈ 0.215).
    const dense = w.find((x) => x.shape.join() === '30,100') as { v: Float32Array };
    expect(maxAbs(dense.v)).toBeLessThanOrEqual(1 / Math.sqrt(30) + 1e-7);
    expect(maxAbs(dense.v)).toBeGreaterThan(0.9 / Math.sqrt(30));
  });

  it("keras (default) keeps zero biases; 'torch' is seeded", () => {
    const a = built({}, [30, 14]);
    expect(maxAbs((a[1] as { v: Float32Array }).v)).toBe(0);
    const t1 = built({ init: 'torch' }, [30, 14]);
    const t2 = built({ init: 'torch' }, [30, 14]);
    const t3 = built({ init: 'torch' }, [30, 14], 8);
    expect(t1.map((x) => Array.from(x.v))).toEqual(t2.map((x) => Array.from(x.v)));
    expect(Array.from((t1[0] as { v: Float32Array }).v)).not.toEqual(Array.from((t3[0] as { v: Float32Array }).v));
  });


  it('rejects an unknown scheme', () => {
    expect(() => new DeepCNN1D({ init: 'he' as never })).toThrow(/dcnn\.init/);
  });
});
