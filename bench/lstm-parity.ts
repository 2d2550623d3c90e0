/**
 * Exact-parity harness for the RUL LSTM and deep CNN (bench/rul.bench.ts's rows) against PyTorch: the same
 * standardised C-MAPSS FD001 windows, the same initial weights (ours, exported), the same mini-batch
 * order (our permutations, written to a file), then per-step training loss side by side, per-epoch
 * loss, the gradient of the first batch per parameter, and the test RMSE after training.
 * bench/lstm_parity.py is the PyTorch side (run with /usr/bin/python3, one thread).
 *
 *   npx tsx bench/lstm-parity.ts
 *     PARITY_MODEL=lstm     lstm | cnn1d (Li et al.'s deep CNN, src/tasks/rul/dcnn.ts)
 *     PARITY_EPOCHS=1       epochs to train on each side
 *     PARITY_SEED=42        initialisation and batch order
 *     PARITY_INIT=keras     our initialisation scheme (keras | torch)
 *     PARITY_LAYER=fused    fused (shopfloor's wasm kernels) | stock (tfjs's per-step LSTM layer); lstm only
 *     PARITY_ADAM=fused     fused (src/models/tf/adam.ts) | tfjs (tf.train.adam)
 *     PARITY_EPS=1e-7       our Adam ε
 *     PARITY_BACKEND=wasm   wasm | cpu (tfjs's reference backend; the fused layers fall back to stock)
 *     PARITY_DIR=/tmp/lstm-parity
 *   The peer: PARITY_TORCH_EPS=1e-8, PARITY_TORCH_BIAS=one|two (two: PyTorch's b_ih and b_hh both
 *   trained, which moves the effective bias twice as fast), PARITY_TORCH_DOUBLE=1 (float64 reference).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/random.js';
import { initBackend, tf } from '../src/models/tf/backend.js';
import { FusedAdam } from '../src/models/tf/adam.js';
import { LSTM } from '../src/models/tf/index.js';
import type { fusedLstmLayer } from '../src/models/tf/kernels/fused-rnn-layers.js';
import { weightedLoss } from '../src/models/tf/loss.js';
import { DeepCNN1D } from '../src/tasks/rul/dcnn.js';
import { SeedSource, type BuildContext } from '../src/models/tf/neural-estimator.js';
import type { InitScheme } from '../src/models/tf/torch-init.js';
import { fd001Windows } from './fd001-windows.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = process.env.SHOPFLOOR_DATA ?? path.resolve(here, '../../shared/data');
const env = (k: string, d: string): string => process.env[k] ?? d;
const EPOCHS = Number(env('PARITY_EPOCHS', '1'));
const SEED = Number(env('PARITY_SEED', '42'));
const INIT = env('PARITY_INIT', 'keras') as InitScheme;
const MODEL = env('PARITY_MODEL', 'lstm') as 'lstm' | 'cnn1d';
const LAYER = env('PARITY_LAYER', 'fused');
const ADAM = env('PARITY_ADAM', 'fused');
const EPS = Number(env('PARITY_EPS', '1e-7'));
const BACKEND = env('PARITY_BACKEND', 'wasm') as 'wasm' | 'cpu';
const DIR = env('PARITY_DIR', `/tmp/${MODEL}-parity`);
const BATCH = 256;
const LR = 1e-3;
const CAP = 125;
const W = 30;

/** The RUL bench's LSTM, built by the estimator's own buildLayers; `stock` swaps in tfjs's layer. */
class LstmNet extends LSTM {
  build(ctx: BuildContext): tf.LayersModel {
    return this.buildLayers(ctx);
  }
  protected override cell(): typeof fusedLstmLayer {
    return (LAYER === 'stock' ? ((args: Parameters<typeof tf.layers.lstm>[0]) => tf.layers.lstm(args)) : super.cell());
  }
}

/** The RUL bench's deep CNN, built by the estimator's own buildLayers. */
class CnnNet extends DeepCNN1D {
  build(ctx: BuildContext): tf.LayersModel {
    return this.buildLayers(ctx);
  }
}

function standardise(x: Float32Array, f: number, mean: Float64Array, std: Float64Array): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = ((x[i] as number) - (mean[i % f] as number)) / (std[i % f] as number);
  return out;
}

async function main(): Promise<void> {
  await initBackend({ backend: BACKEND });
  const { prep, tw, te, truth } = await fd001Windows(DATA, W, CAP);
  const F = prep.sensors.length;
  const n = tw.samples.n;
  const d = W * F;
  // NeuralEstimator's scaling (float64 statistics over all training windows, per feature)
  const mean = new Float64Array(F);
  const sq = new Float64Array(F);
  for (let i = 0; i < n * d; i++) mean[i % F] = (mean[i % F] as number) + (tw.samples.x[i] as number);
  for (let j = 0; j < F; j++) mean[j] = (mean[j] as number) / (n * W);
  for (let i = 0; i < n * d; i++) sq[i % F] = (sq[i % F] as number) + ((tw.samples.x[i] as number) - (mean[i % F] as number)) ** 2;
  const std = Float64Array.from(sq, (s) => Math.max(Math.sqrt(s / (n * W)), 1e-12));
  const xs = standardise(tw.samples.x, F, mean, std);
  const xt = standardise(te.samples.x, F, mean, std);
  let ym = 0;
  for (const v of tw.y) ym += v;
  ym /= n;
  let yv = 0;
  for (const v of tw.y) yv += (v - ym) ** 2;
  const ysd = Math.sqrt(yv / n);
  const ys = Float32Array.from(tw.y, (v) => (v - ym) / ysd);

  const ctx: BuildContext = { inputShape: [W, F], outputUnits: 1, seeds: new SeedSource(SEED), kernelRegularizer: undefined };
  const model = MODEL === 'cnn1d' ? new CnnNet({ task: 'regression', init: INIT }).build(ctx) : new LstmNet({ task: 'regression', units: [64, 32], denseUnits: [32], init: INIT }).build(ctx);
  const vars = model.trainableWeights.map((w) => w.read() as tf.Variable);
  mkdirSync(DIR, { recursive: true });
  writeFileSync(path.join(DIR, 'x.f32'), xs);
  writeFileSync(path.join(DIR, 'y.f32'), ys);
  writeFileSync(path.join(DIR, 'xtest.f32'), xt);
  writeFileSync(path.join(DIR, 'ytest.f32'), Float32Array.from(truth));
  vars.forEach((v, i) => writeFileSync(path.join(DIR, `w${i}.f32`), v.dataSync() as Float32Array));
  // batch order: NeuralEstimator's (Rng(seed).fork(2), one shuffle of 0..n-1 per epoch)
  const shuffleRng = new Rng(SEED).fork(2);
  const perms = new Int32Array(EPOCHS * n);
  for (let e = 0; e < EPOCHS; e++) perms.set(shuffleRng.shuffle(Int32Array.from({ length: n }, (_, i) => i)), e * n);
  writeFileSync(path.join(DIR, 'perm.i32'), perms);

  const ones = new Float32Array(BATCH).fill(1);
  const xBuf = new Float32Array(BATCH * d);
  const yBuf = new Float32Array(BATCH);
  const batch = (e: number, start: number): number => {
    const m = Math.min(BATCH, n - start);
    for (let r = 0; r < m; r++) {
      const i = perms[e * n + start + r] as number;
      xBuf.set(xs.subarray(i * d, i * d + d), r * d);
      yBuf[r] = ys[i] as number;
    }
    return m;
  };
  const lossOf = (m: number) => (): tf.Scalar => {
    const z = model.apply(tf.tensor(xBuf.subarray(0, m * d), [m, W, F]), { training: true }) as tf.Tensor2D;
    return weightedLoss(z, yBuf, ones, 'mse', m);
  };
  // gradient of the first batch at the initial weights
  {
    const m = batch(0, 0);
    const { value, grads } = tf.variableGrads(lossOf(m), vars);
    writeFileSync(path.join(DIR, 'grad0.json'), JSON.stringify({ loss: value.dataSync()[0] }));
    vars.forEach((v, i) => writeFileSync(path.join(DIR, `g${i}.f32`), (grads[v.name] as tf.Tensor).dataSync() as Float32Array));
    tf.dispose([value, ...Object.values(grads)]);
  }
  const tfAdam = ADAM === 'tfjs' ? tf.train.adam(LR, 0.9, 0.999, EPS) : null;
  const fused = ADAM === 'tfjs' ? null : new FusedAdam(vars, LR, 0.9, 0.999, EPS);
  const steps: number[] = [];
  const epochs: number[] = [];
  const t0 = performance.now();
  for (let e = 0; e < EPOCHS; e++) {
    let total = 0;
    for (let start = 0; start < n; start += BATCH) {
      const m = batch(e, start);
      const v = tf.tidy(() => {
        if (fused) return fused.minimize(lossOf(m));
        const l = (tfAdam as tf.AdamOptimizer).minimize(lossOf(m), true, vars) as tf.Scalar;
        return l.dataSync()[0] as number;
      });
      steps.push(v);
      total += v * m;
    }
    epochs.push(total / n);
    console.log(`ours epoch ${e + 1}: loss ${(total / n).toFixed(6)} (${((performance.now() - t0) / 1000 / (e + 1)).toFixed(1)} s/epoch)`);
  }
  const p = tf.tidy(() => (model.predict(tf.tensor(xt, [te.samples.n, W, F]), { batchSize: te.samples.n }) as tf.Tensor).dataSync());
  let se = 0;
  for (let i = 0; i < p.length; i++) se += (Math.min(CAP, Math.max(0, (p[i] as number) * ysd + ym)) - (truth[i] as number)) ** 2;
  const rmse = Math.sqrt(se / p.length);
  writeFileSync(
    path.join(DIR, 'meta.json'),
    JSON.stringify({ model: MODEL, n, steps: W, features: F, nTest: te.samples.n, epochs: EPOCHS, batch: BATCH, lr: LR, cap: CAP, ym, ysd, shapes: vars.map((v) => v.shape), names: vars.map((v) => v.name) }),
  );
  writeFileSync(path.join(DIR, 'ours.json'), JSON.stringify({ config: { MODEL, SEED, INIT, LAYER, ADAM, EPS, BACKEND }, steps, epochs, rmse }));
  console.log(`ours: test RMSE ${rmse.toFixed(3)} (${MODEL}${MODEL === 'lstm' ? `, ${LAYER} layer` : ''}, ${ADAM} Adam ε ${EPS}, ${BACKEND}, init ${INIT}, seed ${SEED})`);
  const py = spawnSync('/usr/bin/python3', [path.join(here, 'lstm_parity.py'), DIR], { encoding: 'utf8', stdio: ['ignore', 'inherit', 'inherit'] });
  if (py.status !== 0) throw new Error(`lstm_parity.py failed (${py.status})`);
}

await main();
