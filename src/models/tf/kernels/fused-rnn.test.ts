import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rng } from '../../../core/random.js';
import { initBackend, tf } from '../backend.js';
import { fusedGruLayer, fusedLstmLayer } from './fused-rnn-layers.js';
import { fusedRnn } from './fused-rnn.js';
import { maxRelErr, randn } from '../testing/kernel-parity.js';
import { kernelModule, kernelThreads, kernelsUnavailable, setKernelThreads, type KernelFn } from './wasm-module.js';

/**
 * The fused LSTM/GRU (shopfloor's wasm module, asm/rnn.ts) against tfjs's own layers on the reference
 * `cpu` backend, and against central finite differences, at odd shapes (batch 1 and 3, T = 1, hidden
 * sizes that are not multiples of 4).
 */

type Kind = 'lstm' | 'gru';

interface Case {
  kind: Kind;
  B: number;
  T: number;
  F: number;
  H: number;
  seq: boolean;
}

/** Output and gradients (x, kernel, recurrent kernel, bias) of sum(out ∘ w) for one layer. */
function run(layer: tf.layers.Layer, x: tf.Tensor, w: tf.Tensor, withGrads: boolean): Float32Array[] {
  return tf.tidy(() => {
    const vars = layer.trainableWeights.map((v) => v.read() as tf.Variable);
    const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.mul(layer.apply(xi) as tf.Tensor, w));
    const out = layer.apply(x) as tf.Tensor;
    if (!withGrads) return [new Float32Array(out.dataSync())];
    const dx = tf.grad(f)(x);
    const { grads } = tf.variableGrads(() => f(x), vars);
    return [out, dx, ...vars.map((v) => grads[v.name] as tf.Tensor)].map((t) => new Float32Array(t.dataSync()));
  });
}

function makeLayer(kind: Kind, fused: boolean, c: Case, seed: number): tf.layers.Layer {
  const args = {
    units: c.H,
    returnSequences: c.seq,
    recurrentActivation: 'sigmoid' as const,
    inputShape: [c.T, c.F],
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    recurrentInitializer: tf.initializers.orthogonal({ seed: seed + 1 }),
    biasInitializer: tf.initializers.randomNormal({ seed: seed + 2, stddev: 0.3 }),
  };
  if (fused) return kind === 'lstm' ? fusedLstmLayer(args) : fusedGruLayer(args);
  return kind === 'lstm' ? tf.layers.lstm(args) : tf.layers.gru(args);
}

beforeAll(async () => {
  await initBackend({ backend: 'wasm' });
});
afterAll(async () => {
  await tf.setBackend('wasm');
});

const CASES: Case[] = [
  { kind: 'lstm', B: 1, T: 1, F: 1, H: 1, seq: false },
  { kind: 'lstm', B: 3, T: 5, F: 2, H: 5, seq: true },
  { kind: 'lstm', B: 3, T: 7, F: 3, H: 8, seq: false },
  { kind: 'lstm', B: 6, T: 4, F: 5, H: 13, seq: true },
  { kind: 'lstm', B: 9, T: 6, F: 14, H: 20, seq: false },
  { kind: 'gru', B: 1, T: 1, F: 1, H: 1, seq: true },
  { kind: 'gru', B: 3, T: 5, F: 2, H: 5, seq: false },
  { kind: 'gru', B: 3, T: 7, F: 3, H: 8, seq: true },
  { kind: 'gru', B: 6, T: 4, F: 5, H: 13, seq: false },
  { kind: 'gru', B: 9, T: 6, F: 14, H: 20, seq: true },
  // batches ≥ 16 are split between two threads (when the worker is up)
  { kind: 'lstm', B: 37, T: 5, F: 3, H: 7, seq: true },
  { kind: 'gru', B: 33, T: 4, F: 2, H: 6, seq: false },
];

describe('fused LSTM/GRU', () => {
  it('the wasm module is built', () => {
    expect(kernelsUnavailable()).toBeNull();
  });

  it.each(CASES)('$kind B=$B T=$T F=$F H=$H seq=$seq: wasm fused = tfjs layer on cpu', async (c) => {
    const rng = new Rng(c.B * 1000 + c.T * 100 + c.H);
    const x = randn(rng, c.B * c.T * c.F);
    const w = randn(rng, c.B * (c.seq ? c.T : 1) * c.H);
    const wShape = c.seq ? [c.B, c.T, c.H] : [c.B, c.H];
    const seed = c.H + c.T;
    await tf.setBackend('cpu');
    const ref = makeLayer(c.kind, false, c, seed);
    ref.apply(tf.zeros([1, c.T, c.F]));
    const refOut = run(ref, tf.tensor3d(x, [c.B, c.T, c.F]), tf.tensor(w, wShape), c.T > 1);
    const weights = ref.getWeights().map((t) => new Float32Array(t.dataSync()));
    await tf.setBackend('wasm');
    const fused = makeLayer(c.kind, true, c, seed);
    fused.apply(tf.zeros([1, c.T, c.F]));
    fused.setWeights(weights.map((a, i) => tf.tensor(a, ref.getWeights()[i]?.shape)));
    const got = run(fused, tf.tensor3d(x, [c.B, c.T, c.F]), tf.tensor(w, wShape), true);
    const names = ['output', 'dx', 'dkernel', 'drecurrent', 'dbias'];
    // tfjs's own layers cannot differentiate a 1-step sequence (Unpack's gradient throws): for T = 1
    // the forward pass is compared here and the gradients against finite differences below.
    for (let i = 0; i < (c.T === 1 ? 1 : names.length); i++) {
      expect(maxRelErr(got[i] as Float32Array, refOut[i] as Float32Array, 1e-3), names[i]).toBeLessThan(2e-5);
    }
  });

  it.each(['lstm', 'gru'] as const)('%s: the batch split over two threads gives the one-thread result', async (kind) => {
    setKernelThreads(2);
    const rng = new Rng(5);
    const B = 41;
    const T = 6;
    const F = 4;
    const H = 9;
    const g = kind === 'lstm' ? 4 : 3;
    const ts = [tf.tensor(randn(rng, B * T * F), [B, T, F]), tf.tensor(randn(rng, F * g * H, 0.4), [F, g * H]), tf.tensor(randn(rng, H * g * H, 0.4), [H, g * H]), tf.tensor(randn(rng, g * H, 0.4), [g * H])];
    const w = tf.tensor(randn(rng, B * T * H), [B, T, H]);
    const run1 = (): Float32Array[] =>
      tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor): tf.Scalar => tf.sum(tf.mul(fusedRnn(kind, a, b, c, d, true), w));
        const out = fusedRnn(kind, ts[0] as tf.Tensor, ts[1] as tf.Tensor, ts[2] as tf.Tensor, ts[3] as tf.Tensor, true);
        return [out, ...tf.grads(f)(ts)].map((t) => new Float32Array(t.dataSync()));
      });
    // the worker starts asynchronously: wait for it (the first call starts it)
    run1();
    for (let i = 0; i < 100 && kernelThreads() < 2; i++) await new Promise((r) => setTimeout(r, 50));
    expect(kernelThreads()).toBe(2);
    const two = run1();
    setKernelThreads(1);
    const one = run1();
    setKernelThreads(2);
    for (let i = 0; i < one.length; i++) expect(maxRelErr(two[i] as Float32Array, one[i] as Float32Array, 1e-3)).toBeLessThan(1e-6);
  });

  it.each([
    ['lstm', true, 3, 4, 3, 5],
    ['lstm', false, 3, 4, 3, 5],
    ['lstm', false, 1, 1, 2, 3],
    ['lstm', true, 2, 3, 1, 1],
    ['gru', true, 3, 4, 3, 5],
    ['gru', false, 3, 4, 3, 5],
    ['gru', false, 1, 1, 2, 3],
    ['gru', true, 2, 3, 1, 1],
  ] as const)('%s (returnSequences %s, B=%i T=%i F=%i H=%i): gradients match central finite differences', (kind, seq, B, T, F, H) => {
    const rng = new Rng((kind === 'lstm' ? 11 : 12) + B * 7 + T);
    const g = kind === 'lstm' ? 4 : 3;
    const inputs = [randn(rng, B * T * F), randn(rng, F * g * H, 0.5), randn(rng, H * g * H, 0.5), randn(rng, g * H, 0.5)];
    const shapes = [
      [B, T, F],
      [F, g * H],
      [H, g * H],
      [g * H],
    ];
    const w = randn(rng, B * (seq ? T : 1) * H);
    const loss = (arrs: Float32Array[]): tf.Scalar =>
      tf.tidy(() => {
        const ts = arrs.map((a, i) => tf.tensor(a, shapes[i]));
        const out = fusedRnn(kind, ts[0] as tf.Tensor, ts[1] as tf.Tensor, ts[2] as tf.Tensor, ts[3] as tf.Tensor, seq);
        return tf.sum(tf.mul(out, tf.tensor(w, out.shape)));
      });
    const analytic = tf.tidy(() =>
      tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor, d: tf.Tensor) => {
        const out = fusedRnn(kind, a, b, c, d, seq);
        return tf.sum(tf.mul(out, tf.tensor(w, out.shape)));
      })(inputs.map((a, i) => tf.tensor(a, shapes[i]))).map((t) => new Float32Array(t.dataSync())),
    );
    const eps = 1e-2;
    for (let which = 0; which < 4; which++) {
      const src = inputs[which] as Float32Array;
      // a handful of coordinates per input (first, last, some in between)
      const picks = [0, src.length - 1, Math.floor(src.length / 3), Math.floor((2 * src.length) / 3)];
      for (const k of picks) {
        const plus = inputs.map((a) => a.slice());
        const minus = inputs.map((a) => a.slice());
        (plus[which] as Float32Array)[k] = (src[k] as number) + eps;
        (minus[which] as Float32Array)[k] = (src[k] as number) - eps;
        const fd = ((loss(plus).dataSync()[0] as number) - (loss(minus).dataSync()[0] as number)) / (2 * eps);
        const an = (analytic[which] as Float32Array)[k] as number;
        expect(Math.abs(fd - an), `input ${which} coordinate ${k}: fd ${fd} analytic ${an}`).toBeLessThan(2e-3 + 2e-3 * Math.abs(an));
      }
    }
  });
});

describe('fused LSTM/GRU activations and lazy input gradient', () => {
  // One step from zero input and zero kernel: the gates are the bias, so the output is a closed
  // form of σ and tanh, checked in float64. H = 203: 50 vectors and a 3-value scalar tail.
  const H = 203;
  const biasValues = (g: number): Float32Array => {
    const b = new Float32Array(g * H);
    for (let i = 0; i < b.length; i++) {
      const u = (i % H) / (H - 1); // 0..1
      // a spread over ±30, and every 7th value tiny (±1e-6 … 1e-3), where tanh's relative accuracy is hardest
      b[i] = i % 7 === 3 ? (i % 2 ? -1 : 1) * 10 ** (-6 + 3 * u) : -30 + 60 * (((i * 37) % (g * H)) / (g * H));
    }
    return b;
  };
  const sig = (v: number): number => 1 / (1 + Math.exp(-v));
  it.each(['lstm', 'gru'] as const)('%s: σ and tanh to ~1e-6 relative (one step, gates = bias)', (kind) => {
    const g = kind === 'lstm' ? 4 : 3;
    const b = biasValues(g);
    // GRU: h = (1 − z)·ĥ, and 1 − σ(z) cancels in float32 for large z whatever σ's accuracy: keep z ≤ 2
    if (kind === 'gru') for (let j = 0; j < H; j++) b[j] = Math.min(b[j] as number, 2);
    const out = tf.tidy(() => {
      const y = fusedRnn(kind, tf.zeros([2, 1, 3]), tf.zeros([3, g * H]), tf.ones([H, g * H]), tf.tensor1d(b), false);
      return new Float32Array(y.dataSync());
    });
    let worst = 0;
    for (let r = 0; r < 2; r++) {
      for (let j = 0; j < H; j++) {
        const at = (k: number): number => b[k * H + j] as number;
        const ref = kind === 'lstm' ? sig(at(3)) * Math.tanh(sig(at(0)) * Math.tanh(at(2))) : (1 - sig(at(0))) * Math.tanh(at(2));
        const got = out[r * H + j] as number;
        worst = Math.max(worst, Math.abs(got - ref) / Math.max(Math.abs(ref), 1e-30));
      }
    }
    expect(worst).toBeLessThan(1.5e-6);
  });

  it.each(['lstm', 'gru'] as const)('%s: the first layer of a model skips dx (variableGrads) and its weight gradients are unchanged', (kind) => {
    const m = kernelModule();
    if (!m) throw new Error('module not built');
    const job = kind === 'lstm' ? 'lstmLayerBackward' : 'gruLayerBackward';
    const rng = new Rng(kind === 'lstm' ? 31 : 32);
    const B = 5;
    const T = 4;
    const F = 3;
    const c: Case = { kind, B, T, F, H: 6, seq: true };
    const l1 = makeLayer(kind, true, c, 7);
    const l2 = makeLayer(kind, true, { ...c, F: 6, H: 5, seq: false }, 9);
    const x = tf.tensor3d(randn(rng, B * T * F), [B, T, F]);
    const f = (xi: tf.Tensor): tf.Scalar => tf.sum(tf.square(l2.apply(l1.apply(xi)) as tf.Tensor));
    f(x).dispose(); // build the layers
    const vars = [...l1.trainableWeights, ...l2.trainableWeights].map((v) => v.read() as tf.Variable);
    // record the dx pointer (argument 16) of every backward call this thread makes
    const ex = m.ex;
    const dxArgs: number[] = [];
    const spy: Record<string, KernelFn> = { ...ex };
    spy[job] = (...a: number[]) => {
      dxArgs.push(a[16] as number);
      (ex[job] as KernelFn)(...a);
    };
    m.ex = spy as typeof ex;
    try {
      const lazy = tf.tidy(() => {
        const { grads } = tf.variableGrads(() => f(x), vars);
        return vars.map((v) => new Float32Array((grads[v.name] as tf.Tensor).dataSync()));
      });
      const lazyDx = dxArgs.splice(0);
      // all gradients, the input's included
      const full = tf.tidy(() => tf.grads((xi: tf.Tensor, ...ws: tf.Tensor[]) => {
        void ws;
        return f(xi);
      })([x, ...vars]).slice(1).map((t) => new Float32Array(t.dataSync())));
      const fullDx = dxArgs.splice(0);
      // backward runs layer 2 then layer 1: layer 1 skipped dx only when nobody asked for it
      expect(lazyDx.length).toBeGreaterThan(0);
      expect(lazyDx.at(-1)).toBe(0);
      expect(lazyDx[0]).not.toBe(0);
      expect(fullDx.every((p) => p !== 0)).toBe(true);
      for (let i = 0; i < vars.length; i++) expect(maxRelErr(lazy[i] as Float32Array, full[i] as Float32Array, 1e-3), `weight ${i}`).toBeLessThan(1e-6);
    } finally {
      m.ex = ex;
      x.dispose();
      l1.dispose();
      l2.dispose();
    }
  });
});

describe('fused LSTM/GRU training', () => {
  it.each(['lstm', 'gru'] as const)('%s: model.fit with the fused layers (wasm) follows the tfjs layers on cpu', async (kind) => {
    const rng = new Rng(kind === 'lstm' ? 21 : 22);
    const n = 48;
    const T = 6;
    const F = 3;
    const x = randn(rng, n * T * F);
    const y = new Float32Array(n);
    for (let i = 0; i < n; i++) y[i] = Math.tanh((x[i * T * F] as number) + 0.5 * (x[i * T * F + T * F - 1] as number));
    const build = (fused: boolean): tf.Sequential => {
      const m = tf.sequential();
      const make = fused ? (kind === 'lstm' ? fusedLstmLayer : fusedGruLayer) : kind === 'lstm' ? tf.layers.lstm : tf.layers.gru;
      const init = (s: number) => ({
        kernelInitializer: tf.initializers.glorotUniform({ seed: s }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: s + 1 }),
      });
      m.add(make({ inputShape: [T, F], units: 7, returnSequences: true, recurrentActivation: 'sigmoid', ...init(1) }));
      m.add(make({ units: 5, recurrentActivation: 'sigmoid', ...init(3) }));
      m.add(tf.layers.dense({ units: 1, kernelInitializer: tf.initializers.glorotUniform({ seed: 5 }) }));
      m.compile({ optimizer: tf.train.adam(0.01), loss: 'meanSquaredError' });
      return m;
    };
    const train = async (backend: 'cpu' | 'wasm', fused: boolean): Promise<number[]> => {
      await tf.setBackend(backend);
      const m = build(fused);
      const xs = tf.tensor3d(x, [n, T, F]);
      const ys = tf.tensor2d(y, [n, 1]);
      const h = await m.fit(xs, ys, { epochs: 8, batchSize: 16, shuffle: false, verbose: 0 });
      tf.dispose([xs, ys]);
      m.dispose();
      return h.history['loss'] as number[];
    };
    const ref = await train('cpu', false);
    const got = await train('wasm', true);
    await tf.setBackend('wasm');
    expect(got.length).toBe(8);
    // the loss must actually fall, and follow the reference curve step by step
    expect(ref[7] as number).toBeLessThan((ref[0] as number) * 0.9);
    for (let e = 0; e < 8; e++) expect(Math.abs((got[e] as number) - (ref[e] as number)), `epoch ${e}`).toBeLessThan(1e-4 + 1e-3 * (ref[e] as number));
  });
});

describe('fused LSTM/GRU without the built module', () => {
  it('falls back to the per-step layers with a logged note naming `npm run build`', () => {
    const backendUrl = new URL('../backend.ts', import.meta.url).href;
    const layersUrl = new URL('./fused-rnn-layers.ts', import.meta.url).href;
    const code = `
      const { initBackend, tf } = await import(${JSON.stringify(backendUrl)});
      const { fusedLstmLayer } = await import(${JSON.stringify(layersUrl)});
      const info = await initBackend({ backend: 'wasm' });
      const layer = fusedLstmLayer({ units: 3, inputShape: [4, 2], recurrentActivation: 'sigmoid' });
      const y = layer.apply(tf.ones([2, 4, 2]));
      console.log(JSON.stringify({ shape: y.shape, patched: info.patchedKernels }));
    `;
    const root = fileURLToPath(new URL('../../../../', import.meta.url));
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], {
      cwd: root,
      env: { ...process.env, SHOPFLOOR_KERNELS_WASM: '/nonexistent/kernels.wasm' },
      encoding: 'utf8',
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as { shape: number[]; patched: string[] };
    expect(out.shape).toEqual([2, 3]);
    expect(out.patched).not.toContain('LSTM (fused)');
    expect(r.stderr + r.stdout).toContain('npm run build');
  }, 120_000);
});
