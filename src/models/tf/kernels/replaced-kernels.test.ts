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

describe('Slice and Identity on wasm', () => {
  it.each([
    [[7], [2], [4]],
    [[5, 6], [1, 2], [3, 3]],
    [[5, 6], [2, 0], [2, 6]],
    [[4, 30, 14], [0, 7, 0], [4, 1, 14]],
    [[3, 4, 5, 6], [1, 0, 2, 1], [2, 4, 2, 4]],
    [[2, 3, 2, 3, 4], [0, 1, 0, 1, 1], [2, 2, 2, 2, 2]],
    [[3, 4], [0, 0], [0, 4]],
  ])('slice of %j at %j size %j matches cpu', (shape, begin, size) => {
    const rng = new Rng(shape.length * 13 + (begin[0] ?? 0));
    const xv = randn(rng, shape.reduce((p, q) => p * q, 1));
    const ours = tf.tidy(() => tf.slice(tf.tensor(xv, shape), begin, size).dataSync());
    const ref = onCpu('Slice', { x: { v: xv, shape } }, { begin, size });
    expect(Array.from(ours)).toEqual(Array.from(ref));
  });

  it.each([
    [[4, 6, 3], 1],
    [[5, 2], 0],
    [[2, 3, 4], -1],
  ])('unstack of %j along %i and split match cpu', (shape, axis) => {
    const rng = new Rng(shape.length * 5 + axis);
    const xv = randn(rng, shape.reduce((p, q) => p * q, 1));
    const parts = tf.tidy(() => tf.unstack(tf.tensor(xv, shape), axis).map((t) => ({ v: Array.from(t.dataSync()), shape: t.shape })));
    const n = shape.at(axis) as number;
    expect(parts).toHaveLength(n);
    const refs = tf.getKernel('Unpack', 'cpu');
    const cpu = tf.findBackend('cpu');
    if (!refs || !cpu) throw new Error('cpu backend unavailable');
    const xi = { dataId: cpu.write(xv, shape, 'float32'), shape, dtype: 'float32' as const };
    const outs = refs.kernelFunc({ inputs: { value: xi }, backend: cpu, attrs: { axis } }) as tf.TensorInfo[];
    outs.forEach((o, i) => {
      expect(parts[i]?.shape).toEqual(o.shape);
      expect(parts[i]?.v).toEqual(Array.from(cpu.readSync(o.dataId) as Float32Array));
      cpu.disposeData(o.dataId);
    });
    cpu.disposeData(xi.dataId);
    const sizes = [1, n - 1];
    const split = tf.tidy(() => tf.split(tf.tensor(xv, shape), sizes, axis).map((t) => Array.from(t.dataSync())));
    const joined = tf.tidy(() => Array.from(tf.concat(split.map((v, i) => {
      const sh = [...shape];
      sh[(axis + shape.length) % shape.length] = sizes[i] as number;
      return tf.tensor(v, sh);
    }), axis).dataSync()));
    expect(joined).toEqual(Array.from(xv));
  });

  it('int32 slices and clones keep their values; a clone outlives its source', () => {
    const x = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32');
    const s = tf.slice(x, [0, 1], [2, 2]);
    expect(Array.from(s.dataSync())).toEqual([2, 3, 5, 6]);
    const c = tf.clone(x);
    x.dispose();
    expect(Array.from(c.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    tf.dispose([s, c]);
  });

  it('a variable initialised from a clone is not changed by updates to it, and vice versa', () => {
    const base = tf.tensor1d([1, 2, 3]);
    const v = tf.variable(tf.clone(base));
    v.assign(tf.tensor1d([9, 9, 9]));
    expect(Array.from(base.dataSync())).toEqual([1, 2, 3]);
    expect(Array.from(v.dataSync())).toEqual([9, 9, 9]);
    tf.dispose([base, v]);
  });
});
