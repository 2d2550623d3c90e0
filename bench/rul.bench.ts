/**
 * RUL on C-MAPSS FD001: shopfloor's TensorFlow.js deep CNN (Li et al. 2018) and LSTM against the same
 * networks in PyTorch (bench/rul_torch.py, Debian python3-torch, one thread), trained in the same run on
 * the very same windows: the TypeScript side prepares them (piece-wise linear target capped at 125,
 * windows of 30 cycles, the 14 informative sensors, per-regime normalisation), writes them as float32
 * files, trains its models, then runs the Python peer on the files. Same architecture, batch size,
 * Adam learning rate, epochs (fixed: no early stopping, so both sides do the same work), input and
 * target standardisation. Reports test RMSE and PHM08 score at the last cycle of each test unit, and
 * seconds per epoch as a ratio (TF.js / PyTorch; the machine is shared and noisy, only the ratio means
 * something). Writes bench/results/rul.json.
 *
 *   npx tsx bench/rul.bench.ts            (RUL_BENCH_EPOCHS=3, RUL_BENCH_MODELS=cnn1d,lstm, RUL_BENCH_SEED=42,
 *                                          RUL_BENCH_INIT=keras|torch, RUL_BENCH_RESULT=file, RUL_BENCH_DIR=dir to keep
 *                                          the window files, RUL_BENCH_PATIENCE=P for early stopping, see below;
 *                                          RUL_BENCH_THREADS=1|2 kernel threads [cores];
 *                                          peer: RUL_TORCH_INIT=glorot, RUL_TORCH_EPS,
 *                                          RUL_TORCH_BIAS=one|two, see bench/rul_torch.py; RUL_BENCH_PEER=0 skips it)
 *
 * Short runs (a few epochs) compare speed and early learning, not converged accuracy: docs/rul.md has
 * the converged (early-stopped) shopfloor numbers.
 *
 * RUL_BENCH_PATIENCE=P (> 0) trains both sides with early stopping instead of a fixed number of epochs,
 * as `shopfloor train` does: the windows of 20 % of the training units (groupSplit, seed
 * RUL_BENCH_SPLIT_SEED=42, the same units for every seed) are held out; standardisation and training use
 * the rest; after each epoch the validation MSE; stop after P epochs without a strictly lower one (at most
 * RUL_BENCH_EPOCHS) and keep the best epoch's weights. Both sides get the same validation windows.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rmse, phmScore } from '../src/evaluation/metrics.js';
import { backendInfo, initBackend } from '../src/models/tf/backend.js';
import { LSTM } from '../src/models/tf/index.js';
import { takeSamples, type Estimator, type Samples } from '../src/models/estimator.js';
import type { InitScheme } from '../src/models/tf/torch-init.js';
import { DeepCNN1D } from '../src/tasks/rul/dcnn.js';
import { DEFAULT_INIT } from '../src/tasks/rul/models.js';
import { groupSplit } from '../src/preprocess/splits.js';
import { fd001Windows } from './fd001-windows.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = process.env.SHOPFLOOR_DATA ?? path.resolve(here, '../../shared/data');
const EPOCHS = Number(process.env.RUL_BENCH_EPOCHS ?? 3);
const MODELS = (process.env.RUL_BENCH_MODELS ?? 'cnn1d,lstm').split(',');
/** Our networks' initialisation: RUL_BENCH_INIT=keras|torch, else the RUL task's default per model (DEFAULT_INIT). */
const OUR_INIT = process.env.RUL_BENCH_INIT as InitScheme | undefined;
const BATCH = 256;
const LR = 1e-3;
/** Seed of both sides (initialisation and batch order) [42]; RUL_BENCH_SEED to repeat the comparison over seeds. */
const SEED = Number(process.env.RUL_BENCH_SEED ?? 42);
/** Where the results go [bench/results/rul.json]. */
const RESULT = process.env.RUL_BENCH_RESULT;
/** Where the window files go; kept when given (to re-run bench/rul_torch.py on them), else a temporary directory. */
const KEEP_DIR = process.env.RUL_BENCH_DIR;
const CAP = 125;
const W = 30;
/** Early stopping patience [0: fixed epochs]; see the header. */
const PATIENCE = Number(process.env.RUL_BENCH_PATIENCE ?? 0);
const SPLIT_SEED = Number(process.env.RUL_BENCH_SPLIT_SEED ?? 42);

const PUBLISHED = [
  ['CNN (Babu et al. 2016)', 18.45],
  ['LSTM (Zheng et al. 2017)', 16.14],
  ['DCNN (Li et al. 2018)', 12.61],
  ['Transformers (2022–24)', '10.6–11.4'],
] as const;

async function main(): Promise<void> {
  // RUL_BENCH_THREADS=1: one kernel thread (e.g. while another bench shares the cores; results are
  // bit-identical either way, the kernels split batches in fixed halves).
  await initBackend(process.env.RUL_BENCH_THREADS ? { threads: Number(process.env.RUL_BENCH_THREADS) } : {});
  const { prep, tw, te, truth } = await fd001Windows(DATA, W, CAP);
  const F = prep.sensors.length;
  if (KEEP_DIR) mkdirSync(KEEP_DIR, { recursive: true });
  const dir = KEEP_DIR ?? mkdtempSync(path.join(tmpdir(), 'rul-bench-'));
  try {
    writeFileSync(path.join(dir, 'xtrain.f32'), tw.samples.x);
    writeFileSync(path.join(dir, 'ytrain.f32'), Float32Array.from(tw.y));
    writeFileSync(path.join(dir, 'xtest.f32'), te.samples.x);
    writeFileSync(path.join(dir, 'ytest.f32'), Float32Array.from(truth));
    // Early stopping: the validation units' windows (the same on both sides).
    const split = PATIENCE > 0 ? groupSplit(tw.units, { testFraction: 0.2, seed: SPLIT_SEED }) : null;
    if (split) writeFileSync(path.join(dir, 'valIdx.i32'), split.test);
    writeFileSync(
      path.join(dir, 'meta.json'),
      JSON.stringify({ steps: W, features: F, nTrain: tw.samples.n, nTest: te.samples.n, epochs: EPOCHS, batchSize: BATCH, learningRate: LR, seed: SEED, cap: CAP, models: MODELS, patience: PATIENCE }),
    );
    const part = (idx: Int32Array): { x: Samples; y: Float64Array } => ({ x: takeSamples(tw.samples, idx), y: Float64Array.from(idx, (i) => tw.y[i] as number) });
    const fitPart = split ? part(split.train) : { x: tw.samples, y: Float64Array.from(tw.y) };
    const valPart = split ? part(split.test) : null;
    const ours: Record<string, { rmse: number; score: number; secondsPerEpoch: number; parameters: number; epochs: number; bestEpoch: number }> = {};
    const inits: Record<string, InitScheme> = {};
    for (const name of MODELS) {
      // Without RUL_BENCH_PATIENCE no early stopping and no held-out part: every window trains, as on the PyTorch side.
      const init = OUR_INIT ?? DEFAULT_INIT[name as 'cnn1d' | 'lstm'];
      inits[name] = init;
      const common = { task: 'regression' as const, epochs: EPOCHS, batchSize: BATCH, learningRate: LR, patience: PATIENCE, validationFraction: 0, seed: SEED, init };
      const m: Estimator & { parameterCount: number; dispose(): void } =
        name === 'cnn1d' ? new DeepCNN1D(common) : new LSTM({ ...common, units: [64, 32], denseUnits: [32] });
      const times: number[] = [];
      let last = performance.now();
      await m.fit(fitPart.x, fitPart.y, {
        ...(valPart ? { validation: valPart } : {}),
        onEpoch: () => {
          const now = performance.now();
          times.push((now - last) / 1000);
          last = now;
        },
      });
      const p = (await m.predict(te.samples)).map((v) => Math.min(CAP, Math.max(0, v)));
      times.sort((a, b) => a - b);
      const epochs = m.history.loss.length;
      ours[name] = { rmse: rmse(truth, p), score: phmScore(truth, p), secondsPerEpoch: times[Math.floor(times.length / 2)] as number, parameters: m.parameterCount, epochs, bestEpoch: m.history.bestEpoch + 1 };
      console.log(`shopfloor ${name} (init ${init}): RMSE ${ours[name].rmse.toFixed(2)}, ${ours[name].secondsPerEpoch.toFixed(1)} s/epoch, ${epochs} epochs (best ${m.history.bestEpoch + 1})`);
      m.dispose();
    }
    type Peer = { torch: string; threads: number; models: Record<string, { rmse: number; score: number; secondsPerEpoch: number; parameters: number; epochs: number; bestEpoch: number }> };
    let torch: Peer = { torch: 'not run (RUL_BENCH_PEER=0)', threads: 0, models: {} };
    if (process.env.RUL_BENCH_PEER !== '0') {
      const py = spawnSync('/usr/bin/python3', [path.join(here, 'rul_torch.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 24 });
      if (py.status !== 0) throw new Error(`rul_torch.py failed (${py.status}): ${py.stderr}`);
      torch = JSON.parse(py.stdout) as Peer;
    }
    const rows = MODELS.map((name) => {
      const a = ours[name];
      const b = torch.models[name];
      return { model: name, shopfloor: a ? { ...a, init: inits[name] } : a, pytorch: b ? { ...b, init: process.env.RUL_TORCH_INIT ?? 'torch', eps: Number(process.env.RUL_TORCH_EPS ?? 1e-8), lstmBias: process.env.RUL_TORCH_BIAS ?? 'two' } : b, epochTimeRatio: a && b ? a.secondsPerEpoch / b.secondsPerEpoch : null };
    });
    const stopping = PATIENCE > 0 ? `early stopping (patience ${PATIENCE}, at most ${EPOCHS} epochs; ${valPart?.x.n} validation windows of 20 % of the units)` : `${EPOCHS} epochs`;
    console.log(`\nFD001, ${stopping}, batch ${BATCH}, Adam lr ${LR}, ${fitPart.x.n} training windows, 100 test units`);
    console.log('model   | shopfloor RMSE | PyTorch RMSE | shopfloor s/epoch | PyTorch s/epoch | ratio');
    for (const r of rows) {
      console.log(
        `${r.model.padEnd(7)} | ${r.shopfloor?.rmse.toFixed(2).padStart(14)} | ${r.pytorch?.rmse.toFixed(2).padStart(12)} | ${r.shopfloor?.secondsPerEpoch.toFixed(2).padStart(17)} | ${r.pytorch?.secondsPerEpoch.toFixed(2).padStart(15)} | ${r.epochTimeRatio?.toFixed(2)}`,
      );
    }
    console.log('published FD001 RMSE: ' + PUBLISHED.map(([k, v]) => `${k} ${v}`).join('; '));
    const result = {
      benchmark: 'rul-fd001',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg: loadavg(), node: process.version, backend: backendInfo() },
      protocol: {
        window: W,
        cap: CAP,
        sensors: prep.sensors,
        trainWindows: fitPart.x.n,
        validationWindows: valPart?.x.n ?? 0,
        testUnits: te.samples.n,
        epochs: EPOCHS,
        batchSize: BATCH,
        learningRate: LR,
        seed: SEED,
        earlyStopping: PATIENCE > 0 ? { patience: PATIENCE, validationUnits: 0.2, splitSeed: SPLIT_SEED } : false,
      },
      pytorch: { version: torch.torch, threads: torch.threads },
      rows,
      published: Object.fromEntries(PUBLISHED),
    };
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(RESULT ?? path.join(here, 'results', 'rul.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    if (!KEEP_DIR) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
