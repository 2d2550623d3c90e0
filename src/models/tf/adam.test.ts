import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { FusedAdam } from './adam.js';
import { initBackend, tf } from './backend.js';

beforeAll(async () => {
  await initBackend();
});

describe('FusedAdam', () => {
  // 12 and 5 values: the JS loop; 42 and 17: the SIMD kernel of asm/adam.ts (with a scalar tail)
  it.each([
    [3, 5],
    [14, 17],
  ])('follows tf.train.adam step for step (float32 rounding), without leaking tensors: [4×%i] and [%i]', (cols, nb) => {
    const rng = new Rng(3);
    const init = [Float32Array.from({ length: 4 * cols }, () => rng.normal()), Float32Array.from({ length: nb }, () => rng.normal())];
    const xData = Float32Array.from({ length: 60 }, () => rng.normal());
    const loss = (w: tf.Variable, b: tf.Variable) => (): tf.Scalar =>
      tf.tidy(() => {
        const x = tf.tensor2d(xData, [15, 4]);
        const h = tf.tanh(tf.matMul(x, w.reshape([4, cols])));
        return tf.mean(tf.square(tf.sub(tf.sum(h, 1), tf.sum(b)))) as tf.Scalar;
      });
    const run = (fused: boolean): Float32Array[] => {
      const w = tf.variable(tf.tensor1d(init[0] as Float32Array));
      const b = tf.variable(tf.tensor1d(init[1] as Float32Array));
      const before = tf.memory().numTensors;
      const losses: number[] = [];
      if (fused) {
        const opt = new FusedAdam([w, b], 0.05);
        for (let s = 0; s < 25; s++) losses.push(tf.tidy(() => opt.minimize(loss(w, b))));
        opt.dispose();
      } else {
        const opt = tf.train.adam(0.05);
        for (let s = 0; s < 25; s++) {
          const l = opt.minimize(loss(w, b), true, [w, b]);
          losses.push(l?.dataSync()[0] as number);
          l?.dispose();
        }
        opt.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
      expect(losses.at(-1) as number).toBeLessThan((losses[0] as number) * 0.5);
      const out = [new Float32Array(w.dataSync()), new Float32Array(b.dataSync())];
      tf.dispose([w, b]);
      return out;
    };
    const ours = run(true);
    const ref = run(false);
    for (let k = 0; k < 2; k++) {
      const a = ours[k] as Float32Array;
      const r = ref[k] as Float32Array;
      for (let i = 0; i < a.length; i++) expect(Math.abs((a[i] as number) - (r[i] as number))).toBeLessThan(1e-4);
    }
  });
});
