import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { fusedRnn } from './fused-rnn.js';

/**
 * Accuracy of the fused LSTM over a RUL-length sequence (T = 30, the C-MAPSS window) against a float64
 * reference written out here (forward and backpropagation through time): output and all four gradients
 * within 1e-5 of the largest value. Measured (2026-11-29): output and dx 3–5e-7, dW / dU / db 1–2e-6 —
 * the weight gradients sum B·T = 7,680 rows in plain float32 order; PyTorch's float32 LSTM is ~2e-7 on
 * bench/lstm-parity.ts's first batch, where training still tracked PyTorch step by step). The kernel
 * tests of fused-rnn.test.ts compare with tfjs's float32 layer at T ≤ 7 and batches ≤ 37; this one
 * guards the error that accumulates over a long window and a large batch (a cruder tanh or σ, a lost
 * term in the cell gradient, a summation that loses precision).
 */

const sig = (v: number): number => 1 / (1 + Math.exp(-v));

/** float64 LSTM (tfjs gate order i, f, c, o; zero initial state): output and gradients of sum(out ∘ w). */
function reference(x: Float32Array, W: Float32Array, U: Float32Array, b: Float32Array, w: Float32Array, B: number, T: number, F: number, H: number, seq: boolean): Float64Array[] {
  const G = 4 * H;
  const gates = new Float64Array(B * T * G);
  const hs = new Float64Array(B * T * H);
  const cs = new Float64Array(B * T * H);
  const out = new Float64Array(seq ? B * T * H : B * H);
  for (let r = 0; r < B; r++) {
    for (let t = 0; t < T; t++) {
      const a = new Float64Array(G);
      for (let k = 0; k < G; k++) {
        let s = b[k] as number;
        for (let f = 0; f < F; f++) s += (x[(r * T + t) * F + f] as number) * (W[f * G + k] as number);
        if (t > 0) for (let j = 0; j < H; j++) s += (hs[(r * T + t - 1) * H + j] as number) * (U[j * G + k] as number);
        a[k] = s;
      }
      for (let j = 0; j < H; j++) {
        const i = sig(a[j] as number), fg = sig(a[H + j] as number), g = Math.tanh(a[2 * H + j] as number), o = sig(a[3 * H + j] as number);
        const at = (r * T + t) * G;
        gates[at + j] = i;
        gates[at + H + j] = fg;
        gates[at + 2 * H + j] = g;
        gates[at + 3 * H + j] = o;
        const c = i * g + (t > 0 ? fg * (cs[(r * T + t - 1) * H + j] as number) : 0);
        cs[(r * T + t) * H + j] = c;
        hs[(r * T + t) * H + j] = o * Math.tanh(c);
      }
    }
    for (let j = 0; j < H; j++) {
      if (seq) for (let t = 0; t < T; t++) out[(r * T + t) * H + j] = hs[(r * T + t) * H + j] as number;
      else out[r * H + j] = hs[(r * T + T - 1) * H + j] as number;
    }
  }
  const dx = new Float64Array(B * T * F);
  const dW = new Float64Array(F * G);
  const dU = new Float64Array(H * G);
  const db = new Float64Array(G);
  for (let r = 0; r < B; r++) {
    let dhNext = new Float64Array(H);
    let dcNext = new Float64Array(H);
    for (let t = T - 1; t >= 0; t--) {
      const dA = new Float64Array(G);
      const dc2 = new Float64Array(H);
      for (let j = 0; j < H; j++) {
        const at = (r * T + t) * G;
        const i = gates[at + j] as number, fg = gates[at + H + j] as number, g = gates[at + 2 * H + j] as number, o = gates[at + 3 * H + j] as number;
        const c = cs[(r * T + t) * H + j] as number;
        const cp = t > 0 ? (cs[(r * T + t - 1) * H + j] as number) : 0;
        const dy = seq ? (w[(r * T + t) * H + j] as number) : t === T - 1 ? (w[r * H + j] as number) : 0;
        const dh = dy + (dhNext[j] as number);
        const tc = Math.tanh(c);
        const dc = (dcNext[j] as number) + dh * o * (1 - tc * tc);
        dA[j] = dc * g * i * (1 - i);
        dA[H + j] = dc * cp * fg * (1 - fg);
        dA[2 * H + j] = dc * i * (1 - g * g);
        dA[3 * H + j] = dh * tc * o * (1 - o);
        dc2[j] = dc * fg;
      }
      const dhPrev = new Float64Array(H);
      for (let k = 0; k < G; k++) {
        const d = dA[k] as number;
        db[k] = (db[k] as number) + d;
        for (let f = 0; f < F; f++) {
          dW[f * G + k] = (dW[f * G + k] as number) + (x[(r * T + t) * F + f] as number) * d;
          dx[(r * T + t) * F + f] = (dx[(r * T + t) * F + f] as number) + d * (W[f * G + k] as number);
        }
        if (t > 0) {
          for (let j = 0; j < H; j++) {
            dU[j * G + k] = (dU[j * G + k] as number) + (hs[(r * T + t - 1) * H + j] as number) * d;
            dhPrev[j] = (dhPrev[j] as number) + d * (U[j * G + k] as number);
          }
        }
      }
      dhNext = dhPrev;
      dcNext = dc2;
    }
  }
  return [out, dx, dW, dU, db];
}

function relErr(got: Float32Array, ref: Float64Array): number {
  expect(got.length).toBe(ref.length);
  let scale = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    scale = Math.max(scale, Math.abs(ref[i] as number));
    err = Math.max(err, Math.abs((got[i] as number) - (ref[i] as number)));
  }
  return err / scale;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});

describe('fused LSTM accuracy over a RUL window (T = 30)', () => {
  it.each([false, true])('returnSequences %s: output and gradients within 1e-5 of float64', (seq) => {
    // the RUL bench's batch and window (B·T = 7,680 rows summed into the weight gradients; split over two threads when available)
    const B = 256, T = 30, F = 14, H = 32;
    const rng = new Rng(seq ? 7 : 8);
    const rnd = (n: number, sd: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal(0, sd));
    // standardised inputs; weights at the scale of Glorot / orthogonal initialisation after some training
    const x = rnd(B * T * F, 1);
    const W = rnd(F * 4 * H, 0.35);
    const U = rnd(H * 4 * H, 0.3);
    const b = rnd(4 * H, 0.5);
    const w = rnd(seq ? B * T * H : B * H, 1);
    const ref = reference(x, W, U, b, w, B, T, F, H, seq);
    const got = tf.tidy(() => {
      const xt = tf.tensor3d(x, [B, T, F]);
      const args = [xt, tf.tensor2d(W, [F, 4 * H]), tf.tensor2d(U, [H, 4 * H]), tf.tensor1d(b)] as const;
      const out = fusedRnn('lstm', ...args, seq);
      const wt = tf.tensor(w, out.shape);
      const grads = tf.grads((a: tf.Tensor, k: tf.Tensor, u: tf.Tensor, bb: tf.Tensor) => tf.sum(tf.mul(fusedRnn('lstm', a, k, u, bb, seq), wt)))([...args]);
      return [out, ...grads].map((t) => new Float32Array(t.dataSync()));
    });
    const names = ['output', 'dx', 'dW', 'dU', 'db'];
    names.forEach((name, i) => expect(relErr(got[i] as Float32Array, ref[i] as Float64Array), name).toBeLessThan(1e-5));
  });
});
