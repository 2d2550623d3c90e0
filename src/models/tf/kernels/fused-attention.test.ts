import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { SeedSource } from '../neural-estimator.js';
import { FeedForward, LayerNorm, MultiHeadSelfAttention, encoderBlocks } from '../transformer.js';
import { maxRelErr, randn } from '../testing/kernel-parity.js';
import { fusedAttentionAvailable, fusedFeedForwardAvailable, fusedLayerNormAvailable, fusedSelfAttention, type AttentionWeights } from './fused-attention.js';
import { kernelThreads, setKernelThreads } from './wasm-module.js';

/**
 * The fused multi-head self-attention (asm/attention.ts through ./fused-attention.ts) against the
 * same layer's tfjs-op path on the reference `cpu` backend and against central finite differences,
 * at odd shapes (T = 1 and odd T, head sizes 1, 3, 5, batches of 1, odd and ≥ 16 — split over two
 * threads), on one thread and on two.
 */

const NAMES = ['wq', 'wk', 'wv', 'wo', 'bq', 'bk', 'bv', 'bo'] as const;

/** Random weights in the layer's order (wq, wk, wv, wo, bq, bk, bv, bo). */
function randWeights(rng: Rng, d: number): Float32Array[] {
  return NAMES.map((n) => randn(rng, n.startsWith('w') ? d * d : d, n.startsWith('w') ? 0.8 / Math.sqrt(d) : 0.3));
}

/** Output and the gradients (x, then the 8 weights) of sum(out ∘ w) through the layer. */
function runLayer(layer: MultiHeadSelfAttention, x: tf.Tensor, w: tf.Tensor): Float32Array[] {
  return tf.tidy(() => {
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, w));
    const out = layer.apply(x) as tf.Tensor;
    const dx = tf.grad(f)(x);
    const { grads } = tf.variableGrads(() => f(x), vars);
    return [out, dx, ...vars.map((v) => grads[v.name] as tf.Tensor)].map((t) => new Float32Array(t.dataSync()));
  });
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

interface Case {
  B: number;
  T: number;
  d: number;
  heads: number;
}

const CASES: Case[] = [
  { B: 1, T: 1, d: 4, heads: 1 },
  { B: 1, T: 3, d: 2, heads: 2 },
  { B: 3, T: 5, d: 6, heads: 2 },
  { B: 5, T: 7, d: 12, heads: 4 },
  { B: 2, T: 30, d: 32, heads: 4 },
  // batches ≥ 16 are split between two threads (when the worker is up); odd batch and head size 5
  { B: 17, T: 9, d: 10, heads: 2 },
  { B: 33, T: 11, d: 9, heads: 3 },
];

describe('fused multi-head self-attention', () => {
  it('is available on the wasm backend (module built)', () => {
    expect(fusedAttentionAvailable()).toBe(true);
  });

  it.each(CASES)('B=$B T=$T d=$d heads=$heads: wasm fused = the tfjs-op layer on cpu (output and all 9 gradients)', async (c) => {
    const rng = new Rng(c.B * 1000 + c.T * 10 + c.d);
    const x = randn(rng, c.B * c.T * c.d);
    const w = randn(rng, c.B * c.T * c.d);
    const weights = randWeights(rng, c.d);
    const results: Float32Array[][] = [];
    for (const backend of ['cpu', 'wasm'] as const) {
      await tf.setBackend(backend);
      const layer = new MultiHeadSelfAttention({ dModel: c.d, heads: c.heads, seed: 1 });
      layer.apply(tf.zeros([1, c.T, c.d]));
      layer.setWeights(weights.map((a) => tf.tensor(a, a.length === c.d ? [c.d] : [c.d, c.d])));
      results.push(runLayer(layer, tf.tensor3d(x, [c.B, c.T, c.d]), tf.tensor3d(w, [c.B, c.T, c.d])));
      layer.dispose();
    }
    await tf.setBackend('wasm');
    const [ref, got] = results as [Float32Array[], Float32Array[]];
    const names = ['output', 'dx', ...NAMES.map((n) => `d${n}`)];
    // dbk is zero in exact arithmetic (a key bias adds the same q·bk to a whole score row, which
    // the softmax ignores): compare it on the scale of dbq
    const bqScale = Math.max(1e-3, ...(ref[6] as Float32Array).map(Math.abs));
    for (let i = 0; i < names.length; i++) {
      expect(maxRelErr(got[i] as Float32Array, ref[i] as Float32Array, names[i] === 'dbk' ? bqScale : 1e-3), names[i]).toBeLessThan(3e-5);
    }
  });

  it('the batch split over two threads gives the one-thread result', async () => {
    setKernelThreads(2);
    const rng = new Rng(8);
    const [B, T, d, heads] = [37, 13, 12, 3];
    const ts = [tf.tensor(randn(rng, B * T * d), [B, T, d]), ...randWeights(rng, d).map((a) => tf.tensor(a, a.length === d ? [d] : [d, d]))];
    const w = tf.tensor(randn(rng, B * T * d), [B, T, d]);
    const f = (...a: tf.Tensor[]): tf.Scalar => {
      const [x, wq, wk, wv, wo, bq, bk, bv, bo] = a as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.sum(tf.mul(fusedSelfAttention(x, { wq, wk, wv, wo, bq, bk, bv, bo }, heads), w));
    };
    const run1 = (): Float32Array[] => tf.tidy(() => [f(...ts), ...tf.grads(f)(ts)].map((t) => new Float32Array(t.dataSync())));
    run1();
    for (let i = 0; i < 100 && kernelThreads() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(kernelThreads()).toBe(2);
    const two = run1();
    setKernelThreads(1);
    expect(kernelThreads()).toBe(1);
    const one = run1();
    setKernelThreads(2);
    // [loss, dx, dwq, dwk, dwv, dwo, dbq, dbk (zero up to rounding: see above), dbv, dbo]
    const bqScale = Math.max(1e-3, ...(one[6] as Float32Array).map(Math.abs));
    for (let i = 0; i < one.length; i++) expect(maxRelErr(two[i] as Float32Array, one[i] as Float32Array, i === 7 ? bqScale : 1e-3), `output ${i}`).toBeLessThan(1e-5);
  });

  it.each([
    [1, 1, 3, 1, 1],
    [3, 5, 6, 2, 1],
    [2, 4, 5, 1, 2],
    [19, 3, 6, 3, 2],
  ] as const)('B=%i T=%i d=%i heads=%i (%i threads): gradients match central finite differences', async (B, T, d, heads, threads) => {
    setKernelThreads(threads);
    const rng = new Rng(31 + B * 7 + T * 3 + d);
    const inputs = [randn(rng, B * T * d), ...randWeights(rng, d)];
    const shapes = [[B, T, d], ...NAMES.map((n) => (n.startsWith('w') ? [d, d] : [d]))];
    const w = randn(rng, B * T * d);
    const fn = (ts: tf.Tensor[]): tf.Scalar => {
      const [x, wq, wk, wv, wo, bq, bk, bv, bo] = ts as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
      return tf.sum(tf.mul(fusedSelfAttention(x, { wq, wk, wv, wo, bq, bk, bv, bo } satisfies AttentionWeights, heads), tf.tensor(w, [B, T, d])));
    };
    // the loss of the perturbed inputs summed in float64 (float32 sums would swamp the differences)
    const loss = (arrs: Float32Array[]): number =>
      tf.tidy(() => {
        const [x, wq, wk, wv, wo, bq, bk, bv, bo] = arrs.map((a, i) => tf.tensor(a, shapes[i])) as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        const out = fusedSelfAttention(x, { wq, wk, wv, wo, bq, bk, bv, bo }, heads).dataSync();
        let s = 0;
        for (let i = 0; i < out.length; i++) s += (out[i] as number) * (w[i] as number);
        return s;
      });
    const analytic = tf.tidy(() => tf.grads((...ts: tf.Tensor[]) => fn(ts))(inputs.map((a, i) => tf.tensor(a, shapes[i]))).map((t) => new Float32Array(t.dataSync())));
    if (threads === 2) {
      for (let i = 0; i < 100 && kernelThreads() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    }
    const eps = 1e-2;
    for (let which = 0; which < inputs.length; which++) {
      const src = inputs[which] as Float32Array;
      const picks = [...new Set([0, src.length - 1, Math.floor(src.length / 3), Math.floor((2 * src.length) / 3)])];
      for (const k of picks) {
        const plus = inputs.map((a) => a.slice());
        const minus = inputs.map((a) => a.slice());
        (plus[which] as Float32Array)[k] = (src[k] as number) + eps;
        (minus[which] as Float32Array)[k] = (src[k] as number) - eps;
        const fd = (loss(plus) - loss(minus)) / (2 * eps);
        const an = (analytic[which] as Float32Array)[k] as number;
        expect(Math.abs(fd - an), `input ${which} coordinate ${k}: fd ${fd} analytic ${an}`).toBeLessThan(3e-3 + 3e-3 * Math.abs(an));
      }
    }
    setKernelThreads(2);
  });
});

describe('Transformer training with the fused attention', () => {
  it('model.fit of two pre-LN encoder blocks on wasm (fused) follows the tfjs-op layers on cpu', async () => {
    const rng = new Rng(41);
    const [n, T, F, d] = [32, 7, 3, 8];
    const x = randn(rng, n * T * F);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.tanh((x[i * T * F] as number) - 0.5 * (x[i * T * F + T * F - 1] as number));
    const train = async (backend: 'cpu' | 'wasm'): Promise<number[]> => {
      await tf.setBackend(backend);
      const seeds = new SeedSource(3);
      const input = tf.input({ shape: [T, F] });
      let h = tf.layers.dense({ units: d, kernelInitializer: seeds.glorot() }).apply(input) as tf.SymbolicTensor;
      h = encoderBlocks(h, { dModel: d, heads: 2, layers: 2, ffUnits: 12, seeds });
      h = tf.layers.globalAveragePooling1d({}).apply(h) as tf.SymbolicTensor;
      const out = tf.layers.dense({ units: 1, kernelInitializer: seeds.glorot() }).apply(h) as tf.SymbolicTensor;
      const m = tf.model({ inputs: input, outputs: out });
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      const xs = tf.tensor3d(x, [n, T, F]);
      const ys = tf.tensor2d(y, [n, 1]);
      const hist = await m.fit(xs, ys, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      m.dispose();
      return hist.history['loss'] as number[];
    };
    const ref = await train('cpu');
    const got = await train('wasm');
    await tf.setBackend('wasm');
    expect(got.length).toBe(8);
    // the loss must fall, and the fused run follow the reference epoch by epoch
    expect(ref[7] as number).toBeLessThan((ref[0] as number) * 0.8);
    for (let e = 0; e < 8; e++) expect(Math.abs((got[e] as number) - (ref[e] as number)), `epoch ${e}`).toBeLessThan(1e-4 + 1e-3 * (ref[e] as number));
  });
});

describe('fused layer normalisation', () => {
  it.each([
    [1, 1, 1],
    [3, 5, 7],
    [4, 30, 32],
    [700, 1, 9],
  ] as const)('[%i, %i, %i]: wasm fused = the tfjs-op LayerNorm on cpu (output, dx, dgamma, dbeta), 1 and 2 threads', async (B, T, n) => {
    const rng = new Rng(B + T * 7 + n * 13);
    const x = randn(rng, B * T * n, 2);
    const w = randn(rng, B * T * n);
    const gamma = randn(rng, n, 0.5).map((v) => v + 1);
    const beta = randn(rng, n, 0.5);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const layer = new LayerNorm({});
        layer.build([B, T, n]);
        layer.setWeights([tf.tensor1d(gamma), tf.tensor1d(beta)]);
        const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
        const xt = tf.tensor3d(x, [B, T, n]);
        const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, tf.tensor3d(w, [B, T, n])));
        const out = layer.apply(xt) as tf.Tensor;
        const dx = tf.grad(f)(xt);
        const { grads } = tf.variableGrads(() => f(xt), vars);
        return [out, dx, ...vars.map((v) => grads[v.name] as tf.Tensor)].map((t) => new Float32Array(t.dataSync()));
      });
    await tf.setBackend('cpu');
    const ref = run();
    await tf.setBackend('wasm');
    expect(fusedLayerNormAvailable()).toBe(true);
    for (const threads of [1, 2]) {
      setKernelThreads(threads);
      const got = run();
      ['output', 'dx', 'dgamma', 'dbeta'].forEach((name, i) => expect(maxRelErr(got[i] as Float32Array, ref[i] as Float32Array, 1e-3), `${name}, ${threads} threads`).toBeLessThan(3e-5));
    }
    setKernelThreads(2);
  });
});

describe('fused feed-forward (encoder block FFN)', () => {
  it.each([
    [1, 1, 3, 1],
    [3, 5, 6, 7],
    [9, 30, 32, 64],
    [5, 7, 5, 9],
  ] as const)('[%i, %i, d=%i] → %i units: wasm fused = the same layer on cpu (output, dx, dW1, db1, dW2, db2), 1 and 2 threads', async (B, T, d, f) => {
    const rng = new Rng(B * 3 + T * 5 + d * 7 + f);
    const x = randn(rng, B * T * d);
    const w = randn(rng, B * T * d);
    const weights = [randn(rng, d * f, 0.5), randn(rng, f, 0.3), randn(rng, f * d, 0.5), randn(rng, d, 0.3)];
    const shapes = [[d, f], [f], [f, d], [d]];
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const layer = new FeedForward({ units: f, seeds: [1, 2], l2: 0 });
        layer.build([B, T, d]);
        layer.setWeights(weights.map((a, i) => tf.tensor(a, shapes[i])));
        const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
        const xt = tf.tensor3d(x, [B, T, d]);
        const fn = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, tf.tensor3d(w, [B, T, d])));
        const out = layer.apply(xt) as tf.Tensor;
        const dx = tf.grad(fn)(xt);
        const { grads } = tf.variableGrads(() => fn(xt), vars);
        return [out, dx, ...vars.map((v) => grads[v.name] as tf.Tensor)].map((t) => new Float32Array(t.dataSync()));
      });
    await tf.setBackend('cpu');
    const ref = run();
    await tf.setBackend('wasm');
    expect(fusedFeedForwardAvailable()).toBe(true);
    for (const threads of [1, 2]) {
      setKernelThreads(threads);
      const got = run();
      ['output', 'dx', 'dW1', 'db1', 'dW2', 'db2'].forEach((name, i) => expect(maxRelErr(got[i] as Float32Array, ref[i] as Float32Array, 1e-3), `${name}, ${threads} threads`).toBeLessThan(3e-5));
    }
    setKernelThreads(2);
  });

  it('applies the L2 penalty to both kernels, as the Dense pair did', () => {
    const layer = new FeedForward({ units: 4, seeds: [1, 2], l2: 0.01 });
    layer.build([2, 3, 5]);
    expect(layer.losses.length).toBe(2);
    const plain = new FeedForward({ units: 4, seeds: [1, 2], l2: 0 });
    plain.build([2, 3, 5]);
    expect(plain.losses.length).toBe(0);
  });
});
