import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../core/random.js';
import { initBackend, tf } from './backend.js';
import { weightedLoss, type LossKind } from './loss.js';

/** The fused training loss against the same loss written with tf ops (value and gradient), per kind. */

function reference(z: tf.Tensor2D, y: tf.Tensor2D, w: tf.Tensor1D, kind: LossKind, m: number): tf.Scalar {
  let l: tf.Tensor;
  if (kind === 'binary') l = tf.reshape(tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), [-1]);
  else if (kind === 'softmax') l = tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1));
  else l = tf.reshape(tf.square(tf.sub(z, y)), [-1]);
  return tf.div(tf.sum(tf.mul(l, w)), m) as tf.Scalar;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('weightedLoss', () => {
  it.each([
    ['binary', 1, 64],
    ['binary', 1, 5],
    ['mse', 1, 33],
    ['mse', 1, 256],
    ['softmax', 4, 17],
  ] as const)('%s with %i unit(s) × %i rows matches the tf-ops loss and its gradient', (kind, units, m) => {
    const rng = new Rng(units * 100 + m);
    const zv = Float32Array.from({ length: m * units }, () => rng.normal(0, 3));
    const yv = new Float32Array(m * units);
    for (let i = 0; i < m; i++) {
      if (kind === 'softmax') yv[i * units + rng.int(units)] = 1;
      else for (let j = 0; j < units; j++) yv[i * units + j] = kind === 'binary' ? (rng.next() < 0.3 ? 1 : 0) : rng.normal();
    }
    const wv = Float32Array.from({ length: m }, () => rng.uniform(0, 2));
    tf.tidy(() => {
      const z = tf.tensor2d(zv, [m, units]);
      const f = (fused: boolean) => (zz: tf.Tensor): tf.Scalar =>
        tf.mul(fused ? weightedLoss(zz, yv, wv, kind, m) : reference(zz as tf.Tensor2D, tf.tensor2d(yv, [m, units]), tf.tensor1d(wv), kind, m), 1.5) as tf.Scalar;
      const a = tf.valueAndGrad(f(true))(z);
      const b = tf.valueAndGrad(f(false))(z);
      const va = a.value.dataSync()[0] as number;
      const vb = b.value.dataSync()[0] as number;
      expect(Math.abs(va - vb)).toBeLessThan(1e-5 * Math.max(1, Math.abs(vb)));
      const ga = a.grad.dataSync();
      const gb = b.grad.dataSync();
      let err = 0;
      let scale = 1e-6;
      for (let i = 0; i < ga.length; i++) {
        err = Math.max(err, Math.abs((ga[i] as number) - (gb[i] as number)));
        scale = Math.max(scale, Math.abs(gb[i] as number));
      }
      expect(err / scale).toBeLessThan(1e-5);
    });
  });
});
