import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { FusedAdam, setLearningRateScale } from './adam.js';
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

  // PyTorch's LSTM has two biases that always get the same gradient: one bias at twice the step is the
  // same trajectory. Checked on the wasm kernel (24 values: SIMD) and on tf.train.adam (cpu fallback).
  it.each(['wasm', 'cpu'])('setLearningRateScale(b, 2) trains b as the sum of two biases with the same gradient (%s)', async (backend) => {
    const prev = tf.getBackend();
    await tf.setBackend(backend);
    try {
      const rng = new Rng(5);
      const n = 24;
      const b1 = Float32Array.from({ length: n }, () => rng.normal() * 0.3);
      const b2 = Float32Array.from({ length: n }, () => rng.normal() * 0.3);
      const w0 = Float32Array.from({ length: n }, () => rng.normal());
      const x = tf.tensor2d(Float32Array.from({ length: 10 * n }, () => rng.normal()), [10, n]);
      const y = tf.tensor2d(Float32Array.from({ length: 10 * n }, () => rng.normal()), [10, n]);
      const loss = (w: tf.Variable, bias: () => tf.Tensor) => (): tf.Scalar => tf.tidy(() => tf.mean(tf.square(tf.sub(tf.tanh(tf.add(tf.mul(x, w), bias())), y))) as tf.Scalar);
      // one bias, scaled step
      const w = tf.variable(tf.tensor1d(w0));
      const b = tf.variable(tf.add(tf.tensor1d(b1), tf.tensor1d(b2)));
      setLearningRateScale(b, 2);
      const one = new FusedAdam([w, b], 0.01);
      // two biases, plain steps
      const wT = tf.variable(tf.tensor1d(w0));
      const p = tf.variable(tf.tensor1d(b1));
      const q = tf.variable(tf.tensor1d(b2));
      const two = new FusedAdam([wT, p, q], 0.01);
      for (let s = 0; s < 40; s++) {
        one.minimize(loss(w, () => b));
        two.minimize(loss(wT, () => tf.add(p, q)));
      }
      const sum = tf.add(p, q).dataSync();
      const got = b.dataSync();
      const moved = Math.max(...Array.from(got, (v, i) => Math.abs(v - ((b1[i] as number) + (b2[i] as number)))));
      expect(moved).toBeGreaterThan(0.05); // it trained
      for (let i = 0; i < n; i++) expect(Math.abs((got[i] as number) - (sum[i] as number))).toBeLessThan(2e-5);
      const wd = wT.dataSync();
      w.dataSync().forEach((v, i) => expect(Math.abs(v - (wd[i] as number))).toBeLessThan(2e-5));
      // and without the scale the one-bias run differs (the test can fail)
      const b0 = tf.variable(tf.add(tf.tensor1d(b1), tf.tensor1d(b2)));
      const w1 = tf.variable(tf.tensor1d(w0));
      const plain = new FusedAdam([w1, b0], 0.01);
      for (let s = 0; s < 40; s++) plain.minimize(loss(w1, () => b0));
      const pd = b0.dataSync();
      expect(Math.max(...Array.from(pd, (v, i) => Math.abs(v - (sum[i] as number))))).toBeGreaterThan(1e-3);
      one.dispose();
      two.dispose();
      plain.dispose();
      tf.dispose([w, b, wT, p, q, b0, w1, x, y]);
    } finally {
      await tf.setBackend(prev);
    }
  });
});
