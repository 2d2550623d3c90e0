import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { conv2DBackpropFilterWasm } from './conv2d-backprop-filter.js';

type Pad = 'valid' | 'same' | number;

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

/** Run the cpu backend's own Conv2DBackpropFilter kernel on the same data (no backend switch). */
function cpuReference(
  x: Float32Array,
  xShape: number[],
  dy: Float32Array,
  dyShape: number[],
  attrs: Record<string, unknown>,
): Float32Array {
  const cpu = tf.findBackend('cpu');
  const kernel = tf.getKernel('Conv2DBackpropFilter', 'cpu');
  if (!cpu || !kernel) throw new Error('cpu backend unavailable');
  const xi = { dataId: cpu.write(x, xShape, 'float32'), shape: xShape, dtype: 'float32' as const };
  const dyi = { dataId: cpu.write(dy, dyShape, 'float32'), shape: dyShape, dtype: 'float32' as const };
  const out = kernel.kernelFunc({ inputs: { x: xi, dy: dyi }, backend: cpu, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const v = new Float32Array(cpu.readSync(out.dataId) as Float32Array);
  cpu.disposeData(xi.dataId);
  cpu.disposeData(dyi.dataId);
  cpu.disposeData(out.dataId);
  return v;
}

function maxRelErr(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  for (const v of b) scale = Math.max(scale, Math.abs(v));
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m / scale;
}

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(info.name).toBe('wasm');
  expect(info.patchedKernels).toContain('Conv2DBackpropFilter');
});

describe('Conv2DBackpropFilter on wasm', () => {
  // [batch, height, width, inC, outC, filterH, filterW, strideH, strideW, pad]
  const cases: [number, number, number, number, number, number, number, number, number, Pad][] = [
    [3, 1, 7, 1, 4, 1, 3, 1, 1, 'valid'], // tabular row as a 1-channel sequence
    [2, 1, 30, 14, 8, 1, 3, 1, 1, 'same'], // window [30 steps × 14 sensors]
    [5, 1, 11, 3, 5, 1, 4, 1, 2, 'valid'], // odd width, even filter, stride 2
    [4, 1, 13, 2, 3, 1, 5, 1, 3, 'same'], // stride 3, same padding
    [1, 1, 9, 5, 7, 1, 2, 1, 1, 1], // explicit numeric padding
    [2, 5, 6, 3, 2, 3, 2, 2, 1, 'same'], // a genuine 2-D case
  ];
  it.each(cases)(
    'x[%i,%i,%i,%i] outC=%i filter %ix%i stride %i,%i pad %s matches cpu',
    (b, h, w, c, oc, fh, fw, sh, sw, pad) => {
      const rng = new Rng(b * 1000 + w * 10 + c);
      const x = tf.tensor4d(randn(rng, b * h * w * c), [b, h, w, c]);
      const filter = tf.tensor4d(randn(rng, fh * fw * c * oc), [fh, fw, c, oc]);
      const y = tf.conv2d(x, filter, [sh, sw], pad);
      const dy = tf.tensor(randn(rng, y.size), y.shape);
      const attrs = { strides: [sh, sw], pad, dataFormat: 'NHWC', filterShape: [fh, fw, c, oc] };
      const ours = tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
      expect(tf.getBackend()).toBe('wasm');
      const ref = cpuReference(x.dataSync() as Float32Array, x.shape, dy.dataSync() as Float32Array, dy.shape, attrs);
      expect(maxRelErr(ours.dataSync() as Float32Array, ref)).toBeLessThan(1e-5);
      tf.dispose([x, filter, y, dy, ours]);
    },
  );

  it('channels-first input (direct loop) matches cpu', () => {
    const rng = new Rng(7);
    const [b, c, h, w, oc] = [2, 3, 1, 9, 4];
    const x = randn(rng, b * c * h * w);
    const dy = randn(rng, b * oc * h * 7);
    const attrs = { strides: [1, 1], pad: 'valid', dataFormat: 'NCHW', filterShape: [1, 3, c, oc] };
    const backend = tf.backend();
    const xi = { dataId: backend.write(x, [b, c, h, w], 'float32'), shape: [b, c, h, w], dtype: 'float32' as const };
    const dyi = { dataId: backend.write(dy, [b, oc, h, 7], 'float32'), shape: [b, oc, h, 7], dtype: 'float32' as const };
    const out = conv2DBackpropFilterWasm({ inputs: { x: xi, dy: dyi }, backend, attrs: attrs as tf.NamedAttrMap });
    const ours = new Float32Array(backend.readSync(out.dataId) as Float32Array);
    backend.disposeData(xi.dataId);
    backend.disposeData(dyi.dataId);
    backend.disposeData(out.dataId);
    const ref = cpuReference(x, [b, c, h, w], dy, [b, oc, h, 7], attrs);
    expect(maxRelErr(ours, ref)).toBeLessThan(1e-5);
  });

  it.each([
    [1, 'valid'],
    [2, 'same'],
    [1, 'causal'],
  ] as const)('tf.conv1d filter and input gradients agree with finite differences (stride %i, %s)', (stride, pad) => {
    const rng = new Rng(11);
    const [b, w, c, oc, k] = [3, 10, 2, 3, 3];
    const xv = randn(rng, b * w * c);
    const fv = randn(rng, k * c * oc);
    const yShape = tf.tidy(() => {
      const y =
        pad === 'causal'
          ? tf.conv1d(tf.pad(tf.tensor3d(xv, [b, w, c]), [[0, 0], [k - 1, 0], [0, 0]]), tf.tensor3d(fv, [k, c, oc]), stride, 'valid')
          : tf.conv1d(tf.tensor3d(xv, [b, w, c]), tf.tensor3d(fv, [k, c, oc]), stride, pad);
      return y.shape;
    });
    const r = randn(rng, yShape.reduce((p, q) => p * q, 1));
    // f(x, filter) = Σ r ⊙ conv1d(x, filter): a random linear functional of the output.
    const f = (xx: tf.Tensor3D, ff: tf.Tensor3D): tf.Scalar => {
      const xin = pad === 'causal' ? tf.pad(xx, [[0, 0], [k - 1, 0], [0, 0]]) : xx;
      const y = tf.conv1d(xin, ff, stride, pad === 'causal' ? 'valid' : pad);
      return tf.sum(tf.mul(y, tf.tensor(r, y.shape)));
    };
    const [gx, gf] = tf.tidy(() =>
      tf.grads((xx: tf.Tensor, ff: tf.Tensor) => f(xx as tf.Tensor3D, ff as tf.Tensor3D))([
        tf.tensor3d(xv, [b, w, c]),
        tf.tensor3d(fv, [k, c, oc]),
      ]).map((g) => g.dataSync() as Float32Array),
    ) as [Float32Array, Float32Array];
    const evalAt = (xa: Float32Array, fa: Float32Array): number =>
      tf.tidy(() => f(tf.tensor3d(xa, [b, w, c]), tf.tensor3d(fa, [k, c, oc])).dataSync()[0] as number);
    const eps = 1e-2;
    // f is linear in each argument, so central differences are exact up to float32 rounding.
    for (let i = 0; i < fv.length; i++) {
      const p = fv.slice();
      const m = fv.slice();
      p[i] = (p[i] as number) + eps;
      m[i] = (m[i] as number) - eps;
      const fd = (evalAt(xv, p) - evalAt(xv, m)) / (2 * eps);
      expect(Math.abs(fd - (gf[i] as number))).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
    for (let i = 0; i < xv.length; i += 3) {
      const p = xv.slice();
      const m = xv.slice();
      p[i] = (p[i] as number) + eps;
      m[i] = (m[i] as number) - eps;
      const fd = (evalAt(p, fv) - evalAt(m, fv)) / (2 * eps);
      expect(Math.abs(fd - (gx[i] as number))).toBeLessThan(2e-2 * Math.max(1, Math.abs(fd)));
    }
  });

  it('does not leak tensors', () => {
    const before = tf.memory().numTensors;
    tf.tidy(() => {
      const x = tf.randomNormal([4, 12, 3], 0, 1, 'float32', 1) as tf.Tensor3D;
      const g = tf.grad((ff: tf.Tensor) => tf.sum(tf.conv1d(x, ff as tf.Tensor3D, 1, 'same')))(tf.ones([3, 3, 5]));
      return g.dataSync();
    });
    expect(tf.memory().numTensors).toBe(before);
  });
});
