import { describe, expect, it } from 'vitest';
import { ConfigError, ShopfloorError } from '../../core/errors.js';
import { backendInfo, backendName, initBackend, tf } from './backend.js';

describe('initBackend', () => {
  it('reports nothing before initialisation', () => {
    expect(() => backendName()).toThrow(/initBackend/);
  });

  it('picks wasm when tfjs-node is not installed, once, and says so', async () => {
    const a = initBackend();
    const b = initBackend();
    expect(b).toBe(a);
    const info = await a;
    expect(info.name).toBe('wasm'); // @tensorflow/tfjs-node cannot install on this machine
    expect(backendName()).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.simd).toBe(true);
    expect(info.threads).toBeGreaterThanOrEqual(1);
    const conv1d = ['Conv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Tanh', 'Sum'].map((k) => `${k} (1-D, shopfloor wasm)`);
    const layers = ['Dense', 'Conv1D', 'MaxPooling1D'].map((l) => `${l} layer (fused, shopfloor wasm)`);
    expect(backendInfo().patchedKernels).toEqual(['Conv2DBackpropFilter', 'BatchMatMul', 'Conv2DBackpropInput', 'MaxPoolGrad', 'Slice', 'Unpack', 'SplitV', 'Identity', ...conv1d, ...layers, 'LSTM (fused)', 'GRU (fused)']);
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('asking for the running backend again is fine; switching is refused with SF_BACKEND', async () => {
    await expect(initBackend({ backend: 'wasm' })).resolves.toMatchObject({ name: 'wasm' });
    const err = await initBackend({ backend: 'cpu' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ShopfloorError);
    expect((err as ShopfloorError).code).toBe('SF_BACKEND');
    expect(tf.getBackend()).toBe('wasm');
  });

  it('rejects an unknown backend name with ConfigError', () => {
    expect(() => initBackend({ backend: 'webgpu' as 'wasm' })).toThrow(ConfigError);
  });
});
