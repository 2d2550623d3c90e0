/**
 * The training loss of shopfloor's neural estimators as one op: Σᵢ wᵢ·lossᵢ / m over a mini-batch of
 * m rows, with its gradient with respect to the network output z, computed in one pass over the
 * (small: m × units) arrays.
 *
 * Written with tf ops the weighted binary cross-entropy is ~12 kernels forward and ~25 backward (relu,
 * abs, exp, log1p, their gradients, casts, reshapes …), each with tfjs's fixed per-kernel cost: for the
 * table models (batches of 64, three small Dense layers) that was a third of the kernels of a
 * training step. The arithmetic is the same (float64 here, then rounded to float32):
 * - `binary` (logits): max(z, 0) − z·y + log(1 + e^−|z|), gradient σ(z) − y;
 * - `softmax` (logits, y one-hot or soft): −Σⱼ yⱼ·log softmax(z)ⱼ, gradient softmax(z)·Σⱼ yⱼ − y;
 * - `mse`: (z − y)², gradient 2(z − y).
 * Any backend (it reads z with dataSync).
 */
import { tf } from './backend.js';

export type LossKind = 'binary' | 'softmax' | 'mse';

/**
 * Σᵢ wᵢ·loss(zᵢ, yᵢ) / m for z [m, units], targets y and weights w (JS arrays of at least m·units
 * and m values, read at once), as a scalar tensor with its gradient with respect to z.
 */
export function weightedLoss(z: tf.Tensor, y: Float32Array, w: Float32Array, kind: LossKind, m: number): tf.Scalar {
  const units = z.shape[1] as number;
  const op = tf.customGrad((...args: unknown[]) => {
    const zt = args[0] as tf.Tensor;
    const zv = zt.dataSync() as Float32Array;
    const g = new Float32Array(zv.length);
    let total = 0;
    for (let i = 0; i < m; i++) {
      const wi = (w[i] as number) / m;
      const o = i * units;
      if (kind === 'binary') {
        const zi = zv[o] as number;
        const yi = y[o] as number;
        total += wi * (Math.max(zi, 0) - zi * yi + Math.log1p(Math.exp(-Math.abs(zi))));
        const s = zi >= 0 ? 1 / (1 + Math.exp(-zi)) : Math.exp(zi) / (1 + Math.exp(zi));
        g[o] = wi * (s - yi);
      } else if (kind === 'mse') {
        for (let j = o; j < o + units; j++) {
          const d = (zv[j] as number) - (y[j] as number);
          total += wi * d * d;
          g[j] = wi * 2 * d;
        }
      } else {
        let mx = -Infinity;
        for (let j = o; j < o + units; j++) mx = Math.max(mx, zv[j] as number);
        let se = 0;
        let ys = 0;
        for (let j = o; j < o + units; j++) {
          se += Math.exp((zv[j] as number) - mx);
          ys += y[j] as number;
        }
        const lse = mx + Math.log(se);
        for (let j = o; j < o + units; j++) {
          const yj = y[j] as number;
          total -= wi * yj * ((zv[j] as number) - lse);
          g[j] = wi * (Math.exp((zv[j] as number) - lse) * ys - yj);
        }
      }
    }
    const value = tf.scalar(total);
    const gradFunc = (dy: tf.Tensor | tf.Tensor[]): tf.Tensor[] => {
      const s = (dy as tf.Tensor).dataSync()[0] as number;
      if (s !== 1) for (let i = 0; i < g.length; i++) g[i] = (g[i] as number) * s;
      return [tf.tensor(g, zt.shape, 'float32')];
    };
    return { value, gradFunc };
  });
  return op(z) as tf.Scalar;
}
