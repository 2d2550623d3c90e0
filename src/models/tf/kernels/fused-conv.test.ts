import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { maxRelErr, onBackend, randn, useThreads } from '../testing/kernel-parity.js';
import { kernelThreads, kernelsUnavailable, setKernelThreads } from './wasm-module.js';

/**
 * shopfloor's 1-D convolution, max-pool-gradient and tanh kernels (./fused-conv.ts, asm/conv.ts)
 * against tfjs's reference `cpu` backend and against finite differences, at odd shapes, on one and
 * two threads; and whole training runs of the seed CNN and the RUL deep CNN against the cpu backend.
 */

type Pad = 'same' | 'valid' | [[number, number], [number, number], [number, number], [number, number]];
interface ConvCase {
  B: number;
  W: number;
  C: number;
  K: number;
  F: number;
  pad: Pad;
}

const CASES: ConvCase[] = [
  { B: 1, W: 7, C: 1, K: 3, F: 5, pad: 'same' }, // batch 1, one channel
  { B: 9, W: 13, C: 3, K: 4, F: 7, pad: 'same' }, // odd batch (split 4 + 5), even kernel
  { B: 17, W: 30, C: 14, K: 10, F: 10, pad: 'same' }, // the RUL CNN's first layer
  { B: 11, W: 11, C: 5, K: 5, F: 9, pad: 'valid' },
  { B: 8, W: 6, C: 2, K: 6, F: 3, pad: 'valid' }, // kernel as long as the sequence: one output
  { B: 3, W: 5, C: 6, K: 1, F: 4, pad: 'same' }, // pointwise
  { B: 10, W: 6, C: 3, K: 2, F: 13, pad: [[0, 0], [0, 0], [3, 1], [0, 0]] }, // explicit, left pad > K − 1
];

function outWidth(c: ConvCase): number {
  if (c.pad === 'same') return c.W;
  if (c.pad === 'valid') return c.W - c.K + 1;
  return c.W + c.pad[2][0] + c.pad[2][1] - c.K + 1;
}

function convAttrs(c: ConvCase): tf.NamedAttrMap {
  return { strides: [1, 1], pad: c.pad, dataFormat: 'NHWC', dilations: [1, 1] } as unknown as tf.NamedAttrMap;
}

/** Forward, input gradient and filter gradient of one case, through the kernels of the current backend. */
function convKernels(c: ConvCase, x: Float32Array, w: Float32Array, dy: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const Wo = outWidth(c);
    const xt = tf.tensor4d(x, [c.B, 1, c.W, c.C]);
    const wt = tf.tensor4d(w, [1, c.K, c.C, c.F]);
    const dyt = tf.tensor4d(dy, [c.B, 1, Wo, c.F]);
    const a = convAttrs(c);
    const y = tf.engine().runKernel('Conv2D', { x: xt, filter: wt }, a) as tf.Tensor;
    const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy: dyt, filter: wt }, { ...a, inputShape: [c.B, 1, c.W, c.C] }) as tf.Tensor;
    const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy: dyt }, { ...a, filterShape: [1, c.K, c.C, c.F] }) as tf.Tensor;
    expect(y.shape).toEqual([c.B, 1, Wo, c.F]);
    return [y, dx, dw].map((t) => new Float32Array(t.dataSync()));
  });
}

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(kernelsUnavailable()).toBeNull();
  for (const k of ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Tanh', 'Sum']) expect(info.patchedKernels).toContain(`${k} (1-D, shopfloor wasm)`);
});
afterAll(async () => {
  setKernelThreads(2);
  await tf.setBackend('wasm');
});

describe('1-D convolution kernels: wasm module vs cpu backend', () => {
  for (const threads of [1, 2] as const) {
    it.each(CASES)(`${threads} thread(s): B=$B W=$W C=$C K=$K F=$F pad=$pad`, async (c) => {
      await useThreads(threads);
      const rng = new Rng(c.B * 131 + c.W * 17 + c.K * 3 + c.F);
      const x = randn(rng, c.B * c.W * c.C);
      const w = randn(rng, c.K * c.C * c.F, 0.5);
      const dy = randn(rng, c.B * outWidth(c) * c.F);
      const got = await onBackend('wasm', () => convKernels(c, x, w, dy));
      const ref = await onBackend('cpu', () => convKernels(c, x, w, dy));
      const names = ['forward', 'input grad', 'filter grad'];
      for (let i = 0; i < 3; i++) expect(maxRelErr(got[i] as Float32Array, ref[i] as Float32Array), names[i]).toBeLessThan(2e-6);
    });
  }

  it('defers to the backend kernel outside the 1-D case (stride 2, 2-D filter) with the same results as cpu', async () => {
    const rng = new Rng(3);
    const x = randn(rng, 3 * 5 * 9 * 2);
    const w = randn(rng, 2 * 3 * 2 * 4);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const xt = tf.tensor4d(x, [3, 5, 9, 2]);
        const wt = tf.tensor4d(w, [2, 3, 2, 4]);
        const a = tf.conv2d(xt, wt, [1, 1], 'same');
        const b = tf.conv1d(tf.tensor3d(x, [15, 9, 2]), tf.tensor3d(w.subarray(0, 3 * 2 * 4), [3, 2, 4]), 2, 'same');
        const g = tf.grad((t: tf.Tensor) => tf.sum(tf.square(tf.conv2d(t as tf.Tensor4D, wt, [1, 1], 'valid'))))(xt);
        return [a, b, g].map((t) => new Float32Array(t.dataSync()));
      });
    const got = await onBackend('wasm', run);
    const ref = await onBackend('cpu', run);
    for (let i = 0; i < got.length; i++) expect(maxRelErr(got[i] as Float32Array, ref[i] as Float32Array)).toBeLessThan(1e-5);
  });
});

describe('1-D max-pool gradient and tanh: wasm module vs cpu backend', () => {
  const POOLS = [
    { B: 1, W: 7, C: 3, P: 2, S: 2, pad: 'valid' as const },
    { B: 9, W: 26, C: 64, P: 2, S: 2, pad: 'valid' as const }, // the CNN workload's pooling, odd batch
    { B: 12, W: 9, C: 5, P: 3, S: 1, pad: 'same' as const },
    { B: 10, W: 11, C: 7, P: 3, S: 2, pad: 'valid' as const },
    { B: 41, W: 100, C: 67, P: 2, S: 2, pad: 'valid' as const }, // large enough to split over two threads
  ];
  for (const threads of [1, 2] as const) {
    it.each(POOLS)(`${threads} thread(s): maxPooling1d B=$B W=$W C=$C pool $P stride $S $pad`, async (p) => {
      await useThreads(threads);
      const rng = new Rng(p.B * 7 + p.W);
      const x = randn(rng, p.B * p.W * p.C);
      const run = (): Float32Array[] =>
        tf.tidy(() => {
          // as tf.layers.maxPooling1d does it: [B, W, 1, C] pooled over height
          const xt = tf.tensor4d(x, [p.B, p.W, 1, p.C]);
          const f = (t: tf.Tensor): tf.Tensor => tf.maxPool(t as tf.Tensor4D, [p.P, 1], [p.S, 1], p.pad);
          const r = tf.randomNormal(f(xt).shape, 0, 1, 'float32', 5);
          const g1 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), r)))(xt);
          // and tf.maxPool over width on [B, 1, W, C]
          const xw = tf.tensor4d(x, [p.B, 1, p.W, p.C]);
          const g2 = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, [1, p.P], [1, p.S], p.pad), r.reshape([p.B, 1, -1, p.C]))))(xw);
          return [g1, g2].map((t) => new Float32Array(t.dataSync()));
        });
      const got = await onBackend('wasm', run);
      const ref = await onBackend('cpu', run);
      expect(maxRelErr(got[0] as Float32Array, ref[0] as Float32Array)).toBeLessThan(1e-6);
      expect(maxRelErr(got[1] as Float32Array, ref[1] as Float32Array)).toBeLessThan(1e-6);
    });

    it.each([1, 7, 1000, 4099, 70_001, 300_007])(`${threads} thread(s): tanh of %i values`, async (n) => {
      await useThreads(threads);
      const rng = new Rng(n);
      const x = randn(rng, n, 4);
      for (let i = 0; i < n; i += 97) x[i] = (x[i] as number) * 1e-4; // tiny arguments: relative accuracy
      const got = await onBackend('wasm', () => tf.tidy(() => tf.tanh(tf.tensor1d(x)).dataSync()));
      let err = 0;
      for (let i = 0; i < n; i++) {
        const ref = Math.tanh(x[i] as number);
        err = Math.max(err, Math.abs((got[i] as number) - ref) / Math.max(Math.abs(ref), 1e-30));
      }
      expect(err).toBeLessThan(5e-7);
    });
  }
});

describe('tanh does not depend on batching', () => {
  it('a value gives the same bits in a long array and alone (the scalar tail uses the vector code)', async () => {
    const x = randn(new Rng(8), 4099, 2);
    const all = await onBackend('wasm', () => tf.tidy(() => tf.tanh(tf.tensor1d(x)).dataSync()));
    for (const [start, len] of [[4096, 3], [4097, 1], [5, 2], [0, 1], [1000, 7]] as const) {
      const part = await onBackend('wasm', () => tf.tidy(() => tf.tanh(tf.tensor1d(x.slice(start, start + len))).dataSync()));
      expect(Array.from(part)).toEqual(Array.from(all.subarray(start, start + len)));
    }
  });
});

describe('bias-gradient Sum: wasm module vs cpu backend', () => {
  for (const threads of [1, 2] as const) {
    it.each([
      [[257, 10], [0], false],
      [[33, 30, 13], [0, 1], false],
      [[40, 1, 26, 64], [0, 1, 2], true],
      [[9, 1, 30, 10], [-4, -3, -2], false],
      [[1100, 1, 1, 257], [0, 1, 2], false], // large enough to split over two threads
      [[64, 70], [1], false], // not a bias gradient: tfjs's kernel
    ] as const)(`${threads} thread(s): sum of %j over %j (keepDims %s)`, async (shape, axes, keep) => {
      await useThreads(threads);
      const n = (shape as readonly number[]).reduce((p, q) => p * q, 1);
      const x = randn(new Rng(n), n);
      const run = (): [Float32Array, number[]] => {
        const t = tf.tidy(() => tf.sum(tf.tensor(x, [...shape]), [...axes], keep));
        const out: [Float32Array, number[]] = [new Float32Array(t.dataSync()), t.shape];
        t.dispose();
        return out;
      };
      const got = await onBackend('wasm', run);
      const ref = await onBackend('cpu', run);
      expect(got[1]).toEqual(ref[1]);
      expect(maxRelErr(got[0], ref[0])).toBeLessThan(1e-5);
    });
  }
});

describe('1-D kernels against central finite differences', () => {
  /** Σ f(x)·r in float64 from a float32 forward on wasm. */
  function lossOf(f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, shape: number[], r: Float32Array): number {
    return tf.tidy(() => {
      const y = f(tf.tensor(x, shape)).dataSync();
      let s = 0;
      for (let i = 0; i < y.length; i++) s += (y[i] as number) * (r[i] as number);
      return s;
    });
  }
  function checkFd(f: (x: tf.Tensor) => tf.Tensor, x: Float32Array, shape: number[], r: Float32Array, eps: number, tol: number, rng: Rng): void {
    const g = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(f(t), tf.tensor(r, f(t).shape))))(tf.tensor(x, shape)).dataSync());
    let scale = 1e-3;
    for (let i = 0; i < g.length; i++) scale = Math.max(scale, Math.abs(g[i] as number));
    for (let k = 0; k < 12; k++) {
      const i = Math.floor(rng.uniform(0, 1) * x.length);
      const xp = x.slice();
      const xm = x.slice();
      xp[i] = (x[i] as number) + eps;
      xm[i] = (x[i] as number) - eps;
      const fd = (lossOf(f, xp, shape, r) - lossOf(f, xm, shape, r)) / (2 * eps);
      expect(Math.abs(fd - (g[i] as number)) / scale, `coordinate ${i}`).toBeLessThan(tol);
    }
  }

  it.each([
    [7, 13, 3, 4, 5, 'same'],
    [1, 9, 2, 3, 4, 'valid'],
    [10, 30, 10, 10, 10, 'same'],
  ] as const)('conv1d B=%i W=%i C=%i K=%i F=%i %s: input and filter gradients', async (B, W, C, K, F, pad) => {
    await useThreads(2);
    const rng = new Rng(B + W + C);
    const x = randn(rng, B * W * C);
    const w = randn(rng, K * C * F, 0.5);
    const Wo = pad === 'same' ? W : W - K + 1;
    const r = randn(rng, B * Wo * F);
    // linear in each argument: central differences are exact up to rounding, so a large step is fine
    checkFd((t) => tf.conv1d(t as tf.Tensor3D, tf.tensor3d(w, [K, C, F]), 1, pad), x, [B, W, C], r, 0.25, 1e-4, rng);
    checkFd((t) => tf.conv1d(tf.tensor3d(x, [B, W, C]), t as tf.Tensor3D, 1, pad), w, [K, C, F], r, 0.25, 1e-4, rng);
  });

  it('max pooling over time (pool 3, stride 2) and tanh', async () => {
    await useThreads(2);
    const rng = new Rng(77);
    const B = 9;
    const W = 11;
    const C = 6;
    const x = randn(rng, B * W * C);
    const pool = (t: tf.Tensor): tf.Tensor => tf.maxPool(t.reshape([B, W, 1, C]) as tf.Tensor4D, [3, 1], [2, 1], 'valid');
    // piecewise linear: a step below the gaps between window values is exact
    checkFd(pool, x, [B, W, C], randn(rng, B * 5 * C), 1e-3, 1e-3, rng);
    const big = randn(rng, 40 * 50, 1.5);
    checkFd((t) => tf.tanh(t), big, [40, 50], randn(rng, 40 * 50), 1e-2, 1e-3, rng);
  });
});

describe('CNN training with the 1-D kernels', () => {
  type Kind = 'seed-cnn' | 'rul-cnn';
  /** The seed's CNN (src/models/tf/cnn1d.ts) and the RUL deep CNN (src/tasks/rul/dcnn.ts), small. */
  function build(kind: Kind, steps: number, feats: number): tf.Sequential {
    const m = tf.sequential();
    const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
    if (kind === 'seed-cnn') {
      m.add(tf.layers.conv1d({ inputShape: [steps, feats], filters: 8, kernelSize: 3, activation: 'relu', kernelInitializer: init(1) }));
      m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 16, activation: 'relu', kernelInitializer: init(2) }));
    } else {
      for (let l = 0; l < 4; l++) {
        m.add(tf.layers.conv1d({ ...(l === 0 ? { inputShape: [steps, feats] } : {}), filters: 10, kernelSize: 10, padding: 'same', activation: 'tanh', kernelInitializer: init(10 + l) }));
      }
      m.add(tf.layers.conv1d({ filters: 1, kernelSize: 3, padding: 'same', activation: 'tanh', kernelInitializer: init(20) }));
      m.add(tf.layers.flatten());
      m.add(tf.layers.dense({ units: 20, activation: 'tanh', kernelInitializer: init(21) }));
    }
    m.add(tf.layers.dense({ units: 1, kernelInitializer: init(30) }));
    m.compile({ optimizer: tf.train.adam(0.005), loss: 'meanSquaredError' });
    return m;
  }

  it.each([
    ['seed-cnn', 17, 1],
    ['rul-cnn', 20, 5],
  ] as const)('%s on [%i × %i]: model.fit on wasm follows the cpu backend loss curve', async (kind, steps, feats) => {
    await useThreads(2);
    const rng = new Rng(steps * feats);
    const n = kind === 'rul-cnn' ? 43 : 75; // batches of 16 and a last one of 11 (odd, split 5 + 6)
    const x = randn(rng, n * steps * feats);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.tanh((x[i * steps * feats] as number) + 0.5 * (x[(i + 1) * steps * feats - 1] as number));
    const train = async (backend: 'cpu' | 'wasm'): Promise<number[]> => {
      await tf.setBackend(backend);
      const m = build(kind, steps, feats);
      const xs = tf.tensor3d(x, [n, steps, feats]);
      const ys = tf.tensor2d(y, [n, 1]);
      const h = await m.fit(xs, ys, { epochs: 6, batchSize: 16, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      m.dispose();
      return h.history['loss'] as number[];
    };
    const ref = await train('cpu');
    const got = await train('wasm');
    await tf.setBackend('wasm');
    expect(got.length).toBe(6);
    expect(ref[5] as number).toBeLessThan((ref[0] as number) * 0.9);
    for (let e = 0; e < 6; e++) expect(Math.abs((got[e] as number) - (ref[e] as number)), `epoch ${e}`).toBeLessThan(1e-4 + 1e-3 * (ref[e] as number));
  }, 60_000);

  it('a seeded run gives the same weights on one thread and on two (fixed halves for the partial sums)', async () => {
    const rng = new Rng(99);
    const n = 70;
    const [steps, feats] = [24, 3];
    const x = randn(rng, n * steps * feats);
    const y = randn(rng, n);
    const train = async (threads: 1 | 2): Promise<Float32Array[]> => {
      await useThreads(threads);
      const m = build('rul-cnn', steps, feats);
      const xs = tf.tensor3d(x, [n, steps, feats]);
      const ys = tf.tensor2d(y, [n, 1]);
      await m.fit(xs, ys, { epochs: 2, batchSize: 35, shuffle: false, verbose: 0 });
      const w = m.getWeights().map((t) => new Float32Array(t.dataSync()));
      tf.dispose([xs, ys]);
      m.dispose();
      return w;
    };
    const one = await train(1);
    const two = await train(2);
    expect(kernelThreads()).toBe(2);
    expect(two).toEqual(one);
  }, 60_000);
});
