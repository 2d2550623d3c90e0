import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';

/** The kernels shopfloor replaces on wasm (BatchMatMul, Conv2DBackpropInput) against the cpu backend's. */

function randn(rng: Rng, n: number): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal();
  return a;
}

function onCpu(kernelName: string, inputs: Record<string, { v: Float32Array; shape: number[] }>, attrs: Record<string, unknown>): Float32Array {
  const cpu = tf.findBackend('cpu');
  const k = tf.getKernel(kernelName, 'cpu');
  if (!cpu || !k) throw new Error('cpu backend unavailable');
  const infos: Record<string, tf.TensorInfo> = {};
  for (const [name, { v, shape }] of Object.entries(inputs)) infos[name] = { dataId: cpu.write(v, shape, 'float32'), shape, dtype: 'float32' };
  const out = k.kernelFunc({ inputs: infos, backend: cpu, attrs: attrs as tf.NamedAttrMap }) as tf.TensorInfo;
  const r = new Float32Array(cpu.readSync(out.dataId) as Float32Array);
  for (const t of Object.values(infos)) cpu.disposeData(t.dataId);
  cpu.disposeData(out.dataId);
  return r;
}

function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let scale = 1e-6;
  let m = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i] as number));
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m / scale;
}

beforeAll(async () => {
  const info = await initBackend({ backend: 'wasm' });
  expect(info.patchedKernels).toEqual(expect.arrayContaining(['BatchMatMul', 'Conv2DBackpropInput']));
});

describe('BatchMatMul on wasm (transposed operands)', () => {
  it.each([
    [false, false, [1, 5, 7], [1, 7, 3]],
    [true, false, [1, 7, 5], [1, 7, 3]],
    [false, true, [1, 5, 7], [1, 3, 7]],
    [true, true, [2, 7, 5], [2, 3, 7]],
    [true, false, [33, 17], [33, 9]],
    [false, true, [4, 3, 1, 6], [4, 3, 5, 6]],
  ])('transposeA=%s transposeB=%s %j × %j matches cpu', (ta, tb, as, bs) => {
    const rng = new Rng(as.reduce((p, q) => p * 7 + q, 1));
    const av = randn(rng, as.reduce((p, q) => p * q, 1));
    const bv = randn(rng, bs.reduce((p, q) => p * q, 1));
    const before = tf.memory().numTensors;
    const ours = tf.tidy(() => tf.matMul(tf.tensor(av, as), tf.tensor(bv, bs), ta, tb).dataSync());
    expect(tf.memory().numTensors).toBe(before);
    const ref = onCpu('BatchMatMul', { a: { v: av, shape: as }, b: { v: bv, shape: bs } }, { transposeA: ta, transposeB: tb });
    expect(relErr(ours, ref)).toBeLessThan(1e-5);
  });
});

describe('Conv2DBackpropInput on wasm', () => {
  // [batch, height, width, inC, outC, filterH, filterW, strideH, strideW, pad]
  const cases: [number, number, number, number, number, number, number, number, number, 'valid' | 'same' | number][] = [
    [3, 1, 7, 1, 4, 1, 3, 1, 1, 'valid'],
    [2, 1, 30, 14, 8, 1, 5, 1, 1, 'same'],
    [5, 1, 11, 3, 5, 1, 4, 1, 2, 'valid'],
    [4, 1, 13, 2, 3, 1, 5, 1, 3, 'same'],
    [1, 1, 9, 5, 7, 1, 2, 1, 1, 1],
    [2, 5, 6, 3, 2, 3, 2, 2, 1, 'same'],
  ];
  it.each(cases)('x[%i,%i,%i,%i] outC=%i filter %ix%i stride %i,%i pad %s matches cpu', (b, h, w, c, oc, fh, fw, sh, sw, pad) => {
    const rng = new Rng(b * 100 + w * 10 + c + oc);
    const fv = randn(rng, fh * fw * c * oc);
    const info = tf.backend_util.computeConv2DInfo([b, h, w, c], [fh, fw, c, oc], [sh, sw], 1, pad);
    const dyShape = [b, info.outHeight, info.outWidth, oc];
    const dyv = randn(rng, dyShape.reduce((p, q) => p * q, 1));
    const attrs = { strides: [sh, sw], pad, dataFormat: 'NHWC', inputShape: [b, h, w, c] };
    const ours = tf.tidy(() =>
      (
        tf.engine().runKernel('Conv2DBackpropInput', { dy: tf.tensor(dyv, dyShape), filter: tf.tensor(fv, [fh, fw, c, oc]) }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor
      ).dataSync(),
    );
    const ref = onCpu('Conv2DBackpropInput', { dy: { v: dyv, shape: dyShape }, filter: { v: fv, shape: [fh, fw, c, oc] } }, attrs);
    expect(relErr(ours, ref)).toBeLessThan(1e-5);
  });
});

describe('MaxPoolGrad on wasm', () => {
  it.each([
    [3, 1, 7, 4, 1, 2, 1, 2, 'valid'],
    [2, 1, 26, 5, 1, 2, 1, 2, 'valid'],
    [2, 1, 11, 3, 1, 3, 1, 2, 'same'],
    [2, 4, 5, 2, 2, 2, 1, 1, 'valid'],
  ] as const)('x[%i,%i,%i,%i] pool %ix%i stride %i,%i %s matches cpu', (b, h, w, c, ph, pw, sh, sw, pad) => {
    const rng = new Rng(b + h * 3 + w * 7 + c);
    const shape: number[] = [b, h, w, c];
    const xv = randn(rng, b * h * w * c);
    xv[c] = xv[0] as number; // a tie inside the first window: the first maximum must win on both backends
    const info = tf.backend_util.computePool2DInfo([b, h, w, c], [ph, pw], [sh, sw], 1, pad);
    const dyShape = [b, info.outHeight, info.outWidth, c];
    const dyv = randn(rng, dyShape.reduce((p, q) => p * q, 1));
    const attrs = { filterSize: [ph, pw], strides: [sh, sw], pad };
    const ours = tf.tidy(() => {
      const x = tf.tensor(xv, shape);
      const y = tf.maxPool(x as tf.Tensor4D, [ph, pw], [sh, sw], pad);
      return (tf.engine().runKernel('MaxPoolGrad', { dy: tf.tensor(dyv, dyShape), input: x, output: y }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor).dataSync();
    });
    const yRef = tf.tidy(() => new Float32Array(tf.maxPool(tf.tensor4d(xv, [b, h, w, c]), [ph, pw], [sh, sw], pad).dataSync()));
    const ref = onCpu('MaxPoolGrad', { dy: { v: dyv, shape: dyShape }, input: { v: xv, shape }, output: { v: yRef, shape: dyShape } }, attrs);
    expect(relErr(ours, ref)).toBeLessThan(1e-6);
  });
});
