import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { maxRelErr, onBackend, randn, useThreads } from '../testing/kernel-parity.js';
import { kernelsUnavailable, setKernelThreads } from './wasm-module.js';

/**
 * The fused Dense and Conv1D layers (./fused-layers.ts, asm/dense.ts, asm/conv.ts): outputs and
 * gradients (input, kernel, bias) against the same tfjs-layers layer on tfjs's reference `cpu`
 * backend, and against central finite differences, at odd sizes, every fused activation, on one and
 * two threads.
 */

type Act = 'linear' | 'relu' | 'tanh';
interface DenseCase {
  B: number;
  In: number;
  Out: number;
  act: Act;
  bias: boolean;
}
interface ConvCase {
  B: number;
  W: number;
  C: number;
  K: number;
  F: number;
  pad: 'same' | 'valid';
  act: Act;
  bias: boolean;
}

const DENSE: DenseCase[] = [
  { B: 1, In: 7, Out: 1, act: 'linear', bias: true }, // one row, one output (the output layer)
  { B: 9, In: 13, Out: 5, act: 'relu', bias: true }, // odd everything
  { B: 64, In: 7, Out: 64, act: 'relu', bias: true }, // the table MLP's first layer
  { B: 37, In: 101, Out: 67, act: 'tanh', bias: true },
  { B: 75, In: 201, Out: 70, act: 'tanh', bias: true }, // large enough to split over two threads (odd halves)
  { B: 256, In: 832, Out: 64, act: 'relu', bias: true }, // the window CNN's dense layer
  { B: 6, In: 3, Out: 10, act: 'tanh', bias: false },
];

const CONV: ConvCase[] = [
  { B: 1, W: 7, C: 1, K: 3, F: 5, pad: 'valid', act: 'relu', bias: true }, // table CNN, one row
  { B: 9, W: 13, C: 3, K: 4, F: 7, pad: 'same', act: 'tanh', bias: true }, // odd batch (split), even kernel
  { B: 17, W: 30, C: 14, K: 10, F: 10, pad: 'same', act: 'tanh', bias: true }, // the RUL CNN's first layer
  { B: 33, W: 30, C: 14, K: 10, F: 10, pad: 'same', act: 'relu', bias: true }, // large enough to split (16 + 17 rows)
  { B: 11, W: 11, C: 5, K: 5, F: 9, pad: 'valid', act: 'linear', bias: true },
  { B: 10, W: 9, C: 2, K: 3, F: 1, pad: 'same', act: 'tanh', bias: false }, // one filter
];

/** Build the layer's weights with one call. */
function built(layer: tf.layers.Layer, inShape: number[]): tf.layers.Layer {
  tf.tidy(() => layer.apply(tf.zeros([1, ...inShape])) as tf.Tensor);
  return layer;
}

function denseLayer(c: DenseCase): tf.layers.Layer {
  return built(tf.layers.dense({ units: c.Out, activation: c.act, useBias: c.bias, inputShape: [c.In], kernelInitializer: tf.initializers.glorotNormal({ seed: c.In }), biasInitializer: tf.initializers.randomNormal({ seed: c.Out }) }), [c.In]);
}
function convLayer(c: ConvCase): tf.layers.Layer {
  return built(tf.layers.conv1d({ filters: c.F, kernelSize: c.K, padding: c.pad, activation: c.act, useBias: c.bias, inputShape: [c.W, c.C], kernelInitializer: tf.initializers.glorotNormal({ seed: c.W }), biasInitializer: tf.initializers.randomNormal({ seed: c.F }) }), [c.W, c.C]);
}

/**
 * Output and the gradients of Σ y ⊙ r (r fixed random weights) with respect to x and every weight,
 * on the current backend.
 */
function forwardBackward(layer: tf.layers.Layer, x: Float32Array, xShape: number[], r: Float32Array): Float32Array[] {
  return tf.tidy(() => {
    const xt = tf.tensor(x, xShape);
    const ws = layer.trainableWeights.map((w) => w.read() as tf.Variable);
    const y = layer.apply(xt) as tf.Tensor;
    const { grads } = tf.variableGrads(() => {
      const out = layer.apply(xt) as tf.Tensor;
      return tf.sum(tf.mul(out, tf.tensor(r, out.shape))) as tf.Scalar;
    }, ws);
    const dx = tf.grad((xi: tf.Tensor) => {
      const out = layer.apply(xi) as tf.Tensor;
      return tf.sum(tf.mul(out, tf.tensor(r, out.shape))) as tf.Scalar;
    })(xt);
    return [y, dx, ...ws.map((w) => grads[w.name] as tf.Tensor)].map((t) => new Float32Array(t.dataSync()));
  });
}

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(kernelsUnavailable()).toBeNull();
  expect(info.patchedKernels).toContain('Dense layer (fused, shopfloor wasm)');
  expect(info.patchedKernels).toContain('Conv1D layer (fused, shopfloor wasm)');
  expect(info.patchedKernels).toContain('MaxPooling1D layer (fused, shopfloor wasm)');
});
afterAll(async () => {
  setKernelThreads(2);
  await tf.setBackend('wasm');
});

function check(layer: tf.layers.Layer, x: Float32Array, xShape: number[], r: Float32Array, wasm: Float32Array[], cpu: Float32Array[]): void {
  const names = ['y', 'dx', ...layer.trainableWeights.map((w) => `d ${w.name}`)];
  expect(wasm.length).toBe(cpu.length);
  for (let i = 0; i < wasm.length; i++) expect(maxRelErr(wasm[i] as Float32Array, cpu[i] as Float32Array), names[i]).toBeLessThan(2e-5);
}

describe.each([1, 2] as const)('fused layers on %i thread(s)', (threads) => {
  beforeAll(async () => {
    await useThreads(threads);
  });

  it.each(DENSE)('Dense %o matches the cpu backend', async (c) => {
    const rng = new Rng(c.B * 131 + c.In * 7 + c.Out);
    const layer = denseLayer(c);
    const x = randn(rng, c.B * c.In);
    const r = randn(rng, c.B * c.Out);
    const wasm = forwardBackward(layer, x, [c.B, c.In], r);
    const cpu = await onBackend('cpu', () => forwardBackward(layer, x, [c.B, c.In], r));
    check(layer, x, [c.B, c.In], r, wasm, cpu);
    layer.dispose();
  });

  it.each(CONV)('Conv1D %o matches the cpu backend', async (c) => {
    const rng = new Rng(c.B * 131 + c.W * 7 + c.F);
    const layer = convLayer(c);
    const Wo = c.pad === 'same' ? c.W : c.W - c.K + 1;
    const x = randn(rng, c.B * c.W * c.C);
    const r = randn(rng, c.B * Wo * c.F);
    const wasm = forwardBackward(layer, x, [c.B, c.W, c.C], r);
    const cpu = await onBackend('cpu', () => forwardBackward(layer, x, [c.B, c.W, c.C], r));
    check(layer, x, [c.B, c.W, c.C], r, wasm, cpu);
    layer.dispose();
  });
});

describe.each([1, 2] as const)('fused MaxPooling1D on %i thread(s)', (threads) => {
  beforeAll(async () => {
    await useThreads(threads);
  });
  it.each([
    { B: 1, W: 7, C: 1, P: 2, S: 2, pad: 'valid' as const },
    { B: 9, W: 13, C: 5, P: 3, S: 2, pad: 'valid' as const }, // overlapping windows
    { B: 6, W: 11, C: 6, P: 2, S: 1, pad: 'same' as const },
    { B: 5, W: 10, C: 7, P: 4, S: 3, pad: 'same' as const },
    { B: 300, W: 60, C: 61, P: 2, S: 2, pad: 'valid' as const }, // large enough to split the gradient
  ])('%o matches the cpu backend (output and input gradient)', async (c) => {
    const rng = new Rng(c.B + c.W * 3 + c.C * 7);
    const layer = tf.layers.maxPooling1d({ poolSize: c.P, strides: c.S, padding: c.pad });
    // distinct values (ties would make the gradient's choice of maximum a convention)
    const x = randn(rng, c.B * c.W * c.C);
    const run = (): Float32Array[] =>
      tf.tidy(() => {
        const xt = tf.tensor(x, [c.B, c.W, c.C]);
        const y = layer.apply(xt) as tf.Tensor;
        const r = tf.tensor(randn(new Rng(9), y.size), y.shape);
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, r)) as tf.Scalar)(xt);
        return [new Float32Array(y.dataSync()), new Float32Array(dx.dataSync())];
      });
    const wasm = run();
    const cpu = await onBackend('cpu', run);
    expect(maxRelErr(wasm[0] as Float32Array, cpu[0] as Float32Array), 'y').toBe(0);
    expect(maxRelErr(wasm[1] as Float32Array, cpu[1] as Float32Array), 'dx').toBeLessThan(1e-6);
  });
});

describe('fused layers against finite differences', () => {
  /** Central differences (float64 accumulate over the float32 loss) of Σ y ⊙ r at a few coordinates of x and of each weight. */
  function fdCheck(layer: tf.layers.Layer, x: Float32Array, xShape: number[], r: Float32Array): void {
    const an = forwardBackward(layer, x, xShape, r);
    const loss = (xv: Float32Array): number =>
      tf.tidy(() => {
        const y = layer.apply(tf.tensor(xv, xShape)) as tf.Tensor;
        const yv = y.dataSync();
        let s = 0;
        for (let i = 0; i < yv.length; i++) s += (yv[i] as number) * (r[i] as number);
        return s;
      });
    // small enough that a relu kink is rarely crossed, large enough for float32 (seeded: the same coordinates every run)
    const h = 1e-3;
    const rng = new Rng(5);
    // input coordinates
    for (let t = 0; t < 6; t++) {
      const i = rng.int(x.length);
      const xp = x.slice();
      const xm = x.slice();
      xp[i] = (xp[i] as number) + h;
      xm[i] = (xm[i] as number) - h;
      const fd = (loss(xp) - loss(xm)) / (2 * h);
      expect(Math.abs(fd - ((an[1] as Float32Array)[i] as number)), `dx[${i}]`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    // weight coordinates
    layer.trainableWeights.forEach((w, k) => {
      const v = w.read() as tf.Variable;
      const base = new Float32Array(v.dataSync());
      for (let t = 0; t < 4; t++) {
        const i = rng.int(base.length);
        const vp = base.slice();
        const vm = base.slice();
        vp[i] = (vp[i] as number) + h;
        vm[i] = (vm[i] as number) - h;
        v.assign(tf.tensor(vp, v.shape));
        const lp = loss(x);
        v.assign(tf.tensor(vm, v.shape));
        const lm = loss(x);
        v.assign(tf.tensor(base, v.shape));
        const fd = (lp - lm) / (2 * h);
        expect(Math.abs(fd - ((an[2 + k] as Float32Array)[i] as number)), `${w.name}[${i}]`).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
      }
    });
  }

  // Smooth activations only: a relu kink inside ±h over dozens of rows spoils central differences
  // (relu's gradient is the cpu comparison's business above).
  const smooth = <T extends { act: Act }>(c: T): T => ({ ...c, act: c.act === 'relu' ? 'tanh' : c.act });

  it.each(DENSE.filter((c) => c.B * c.In < 20_000).map(smooth))('Dense %o', (c) => {
    const rng = new Rng(c.In * 3 + 1);
    const layer = denseLayer(c);
    fdCheck(layer, randn(rng, c.B * c.In, 0.5), [c.B, c.In], randn(rng, c.B * c.Out));
    layer.dispose();
  });

  it.each(CONV.map(smooth))('Conv1D %o', (c) => {
    const rng = new Rng(c.W * 3 + 1);
    const layer = convLayer(c);
    const Wo = c.pad === 'same' ? c.W : c.W - c.K + 1;
    fdCheck(layer, randn(rng, c.B * c.W * c.C, 0.5), [c.B, c.W, c.C], randn(rng, c.B * Wo * c.F));
    layer.dispose();
  });
});
