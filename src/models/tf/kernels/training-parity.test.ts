import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';

/**
 * Whole-layer gradients on wasm (with shopfloor's kernels) against tfjs's reference `cpu` backend:
 * the layers the estimators train (Conv1D + MaxPool1D, LSTM, GRU) must give the same gradients.
 */

function randn(rng: Rng, n: number, sd = 1): Float32Array {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = rng.normal(0, sd);
  return a;
}

async function gradsOn(
  backend: 'wasm' | 'cpu',
  model: tf.LayersModel,
  x: Float32Array,
  xShape: number[],
  y: Float32Array,
): Promise<Float32Array[]> {
  if (!(await tf.setBackend(backend))) throw new Error(`cannot switch to ${backend}`);
  expect(tf.getBackend()).toBe(backend);
  return tf.tidy(() => {
    const xt = tf.tensor(x, xShape);
    const yt = tf.tensor(y, [xShape[0] ?? 0, 1]);
    const { grads } = tf.variableGrads(() => tf.losses.meanSquaredError(yt, model.apply(xt) as tf.Tensor) as tf.Scalar);
    return model.trainableWeights.map((w) => {
      const g = grads[w.originalName];
      if (!g) throw new Error(`no gradient for ${w.originalName}`);
      return new Float32Array(g.dataSync());
    });
  });
}

function build(kind: 'cnn' | 'lstm' | 'gru', steps: number, feats: number): tf.LayersModel {
  const m = tf.sequential();
  const init = (s: number) => tf.initializers.glorotUniform({ seed: s });
  if (kind === 'cnn') {
    m.add(tf.layers.conv1d({ inputShape: [steps, feats], filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1) }));
    m.add(tf.layers.maxPooling1d({ poolSize: 2 }));
    m.add(tf.layers.conv1d({ filters: 4, kernelSize: 2, strides: 2, activation: 'tanh', kernelInitializer: init(2) }));
    m.add(tf.layers.flatten());
  } else {
    const rnn = kind === 'lstm' ? tf.layers.lstm : tf.layers.gru;
    m.add(rnn({ inputShape: [steps, feats], units: 6, returnSequences: true, recurrentActivation: 'sigmoid', kernelInitializer: init(3), recurrentInitializer: tf.initializers.orthogonal({ seed: 4 }) }));
    m.add(rnn({ units: 4, kernelInitializer: init(5), recurrentInitializer: tf.initializers.orthogonal({ seed: 6 }) }));
  }
  m.add(tf.layers.dense({ units: 1, kernelInitializer: init(7) }));
  return m;
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

describe('layer gradients: wasm vs cpu', () => {
  it.each([
    ['cnn', 7, 1],
    ['cnn', 13, 3],
    ['lstm', 5, 3],
    ['gru', 6, 2],
  ] as const)('%s on [%i steps × %i features]', async (kind, steps, feats) => {
    const rng = new Rng(steps * 31 + feats);
    const batch = 5;
    const x = randn(rng, batch * steps * feats);
    const y = randn(rng, batch);
    const model = build(kind, steps, feats);
    const wasm = await gradsOn('wasm', model, x, [batch, steps, feats], y);
    const cpu = await gradsOn('cpu', model, x, [batch, steps, feats], y);
    await tf.setBackend('wasm');
    expect(wasm.length).toBe(model.trainableWeights.length);
    for (let i = 0; i < wasm.length; i++) {
      const a = wasm[i] as Float32Array;
      const b = cpu[i] as Float32Array;
      let scale = 1e-3;
      let err = 0;
      for (let j = 0; j < a.length; j++) {
        scale = Math.max(scale, Math.abs(b[j] as number));
        err = Math.max(err, Math.abs((a[j] as number) - (b[j] as number)));
      }
      expect(err / scale, `weight ${model.trainableWeights[i]?.name}`).toBeLessThan(1e-4);
    }
    model.dispose();
  });
});
