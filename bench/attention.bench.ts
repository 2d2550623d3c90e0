/**
 * Fused multi-head self-attention and layer norm (asm/attention.ts via
 * src/models/tf/kernels/fused-attention.ts) against the same functions as tfjs ops, both on the wasm
 * backend: forward + backward of one block per call, median ms of `--reps` calls after warm-up.
 *
 *   npx tsx bench/attention.bench.ts [--batch 256] [--steps 30] [--d 32] [--heads 4] [--reps 20] [--threads 2]
 *
 * For quick iteration on the kernels; the end-to-end comparison with PyTorch is `npm run bench:engine`.
 * The machine is shared: only the ratio printed in the same run means anything.
 */
import os from 'node:os';
import { initBackend, tf } from '../src/models/tf/backend.js';
import { fusedLayerNorm, fusedSelfAttention, type AttentionWeights } from '../src/models/tf/kernels/fused-attention.js';
import { kernelThreads, setKernelThreads } from '../src/models/tf/kernels/wasm-module.js';
import { Rng } from '../src/core/random.js';

const args = process.argv.slice(2);
const arg = (name: string, dflt: number): number => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
const B = arg('--batch', 256);
const T = arg('--steps', 30);
const d = arg('--d', 32);
const heads = arg('--heads', 4);
const reps = arg('--reps', 20);
const threads = arg('--threads', 2);

/** The tfjs-op path of MultiHeadSelfAttention.call (src/models/tf/transformer.ts). */
function opsAttention(x: tf.Tensor3D, w: AttentionWeights): tf.Tensor {
  const dk = d / heads;
  const flat = tf.reshape(x, [B * T, d]) as tf.Tensor2D;
  const proj = (wm: tf.Tensor, b: tf.Tensor): tf.Tensor3D =>
    tf.reshape(tf.transpose(tf.reshape(tf.add(tf.matMul(flat, wm as tf.Tensor2D), b), [B, T, heads, dk]), [0, 2, 1, 3]), [B * heads, T, dk]);
  const q = proj(w.wq, w.bq);
  const k = proj(w.wk, w.bk);
  const v = proj(w.wv, w.bv);
  const att = tf.softmax(tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(dk)));
  const ctx = tf.reshape(tf.transpose(tf.reshape(tf.matMul(att, v), [B, heads, T, dk]), [0, 2, 1, 3]), [B * T, d]) as tf.Tensor2D;
  return tf.reshape(tf.add(tf.matMul(ctx, w.wo as tf.Tensor2D), w.bo), [B, T, d]);
}

function opsLayerNorm(x: tf.Tensor, g: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const mean = tf.mean(x, -1, true);
  const c = tf.sub(x, mean);
  const v = tf.mean(tf.square(c), -1, true);
  return tf.add(tf.mul(tf.mul(c, tf.rsqrt(tf.add(v, 1e-5))), g), b);
}

function median(a: number[]): number {
  const s = [...a].sort((p, q) => p - q);
  return s[s.length >> 1] as number;
}

function time(f: () => void): number {
  for (let i = 0; i < 3; i++) f();
  const t: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    f();
    t.push(performance.now() - t0);
  }
  return median(t);
}

async function main(): Promise<void> {
  await initBackend({ backend: 'wasm', threads });
  setKernelThreads(threads);
  const rng = new Rng(3);
  const rand = (n: number, sd: number): Float32Array => Float32Array.from({ length: n }, () => rng.normal(0, sd));
  const x = tf.tensor3d(rand(B * T * d, 1), [B, T, d]);
  const dy = tf.tensor3d(rand(B * T * d, 1), [B, T, d]);
  const wts = ['wq', 'wk', 'wv', 'wo'].map(() => tf.tensor2d(rand(d * d, 1 / Math.sqrt(d)), [d, d]));
  const bs = ['bq', 'bk', 'bv', 'bo'].map(() => tf.tensor1d(rand(d, 0.1)));
  const all = [x, ...wts, ...bs];
  const weights = (t: tf.Tensor[]): AttentionWeights => {
    const [wq, wk, wv, wo, bq, bk, bv, bo] = t as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
    return { wq, wk, wv, wo, bq, bk, bv, bo };
  };
  const step = (fused: boolean) => (): void => {
    tf.tidy(() => {
      const f = (...t: tf.Tensor[]): tf.Tensor => (fused ? fusedSelfAttention(t[0] as tf.Tensor3D, weights(t.slice(1)), heads) : opsAttention(t[0] as tf.Tensor3D, weights(t.slice(1))));
      const g = tf.grads(f)(all, dy);
      g.forEach((t) => t.dataSync());
    });
  };
  // wait for the worker thread (started by the first split call)
  step(true)();
  for (let i = 0; i < 100 && threads >= 2 && kernelThreads() < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const fusedMs = time(step(true));
  const opsMs = time(step(false));
  const g = tf.tensor1d(rand(d, 0.3).map((v) => v + 1));
  const b = tf.tensor1d(rand(d, 0.3));
  const ln = (fused: boolean) => (): void => {
    tf.tidy(() => {
      const f = (xx: tf.Tensor, gg: tf.Tensor, bb: tf.Tensor): tf.Tensor => (fused ? fusedLayerNorm(xx, gg, bb, 1e-5) : opsLayerNorm(xx, gg, bb));
      tf.grads(f)([x, g, b], dy).forEach((t) => t.dataSync());
    });
  };
  const lnFused = time(ln(true));
  const lnOps = time(ln(false));
  const row = (what: string, fusedT: number, opsT: number): string =>
    JSON.stringify({ what, batch: B, steps: T, d, heads, threads: kernelThreads(), fused_ms: +fusedT.toFixed(2), tfjs_ops_ms: +opsT.toFixed(2), speedup: +(opsT / fusedT).toFixed(2) });
  console.log(row('self-attention forward+backward', fusedMs, opsMs));
  console.log(row('layer norm forward+backward', lnFused, lnOps));
  console.log(JSON.stringify({ load_average: os.loadavg().map((v) => +v.toFixed(2)) }));
}

await main();
