/**
 * CWRU bearing diagnosis (../shared/data/cwru): shopfloor's TensorFlow.js WDCNN against the same
 * network in PyTorch (bench/cwru_torch.py, Debian python3-torch, one thread), trained in the same run
 * on the very same windows: the TypeScript side cuts them (2048 samples, hop 512 in the fit part of the
 * train block, non-overlapping windows in the last 30 % of each recording), writes them as float32
 * files, trains its model, then runs the Python peer on the files. Same architecture, initialisers,
 * batch size, Adam learning rate, fixed epochs (no early stopping: both sides do the same work), input
 * standardisation, no class weights. Reports test-block accuracy, macro-F1 and seconds per epoch as a
 * ratio (TF.js / PyTorch; the machine is shared and noisy, only the ratio means something). Also times
 * shopfloor's FFT (fft.js) against numpy's FFT per 2048-sample window, and the features + GBDT model
 * (trained with early stopping) for reference. Writes bench/results/cwru.json.
 *
 *   npx tsx bench/cwru.bench.ts            (CWRU_BENCH_EPOCHS=10)
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { backendInfo, initBackend } from '../src/models/tf/backend.js';
import { WDCNN } from '../src/tasks/vibration/cnn.js';
import { classesOf, loadRecordings, makeWindows, resolveDataFiles } from '../src/tasks/vibration/data.js';
import { magnitudeSpectrum } from '../src/tasks/vibration/fft.js';
import { featureMatrix, rawSamples, trainVibration, vibrationMetrics } from '../src/tasks/vibration/vibration.js';
import { Rng } from '../src/core/random.js';
import type { Estimator } from '../src/models/estimator.js';
import type { WindowSet } from '../src/tasks/vibration/data.js';

/** Test windows with white Gaussian noise added at `snrDb` (per window, as Zhang et al. 2017). */
function withNoise(w: WindowSet, snrDb: number, seed: number): WindowSet {
  const rng = new Rng(seed);
  const x = new Float32Array(w.x.length);
  for (let i = 0; i < w.n; i++) {
    let p = 0;
    for (let j = 0; j < w.window; j++) p += (w.x[i * w.window + j] as number) ** 2;
    const sd = Math.sqrt(p / w.window / 10 ** (snrDb / 10));
    for (let j = 0; j < w.window; j++) x[i * w.window + j] = (w.x[i * w.window + j] as number) + rng.normal(0, sd);
  }
  return { ...w, x };
}

async function accuracyOf(est: Estimator, x: Parameters<Estimator['predict']>[0], y: Float64Array): Promise<number> {
  const p = await est.predict(x);
  let ok = 0;
  for (let i = 0; i < y.length; i++) if (p[i] === y[i]) ok++;
  return ok / y.length;
}

/** Nearest class mean of log RMS (fit windows → test windows): how far amplitude alone goes. */
function rmsBaseline(fit: WindowSet, test: WindowSet, k: number): number {
  const lr = (w: WindowSet, i: number): number => {
    let s = 0;
    for (let j = 0; j < w.window; j++) s += (w.x[i * w.window + j] as number) ** 2;
    return Math.log(Math.sqrt(s / w.window));
  };
  const sum = new Float64Array(k);
  const cnt = new Float64Array(k);
  for (let i = 0; i < fit.n; i++) {
    sum[fit.y[i] as number] = (sum[fit.y[i] as number] as number) + lr(fit, i);
    cnt[fit.y[i] as number] = (cnt[fit.y[i] as number] as number) + 1;
  }
  const mean = Array.from(sum, (v, c) => v / (cnt[c] as number));
  let ok = 0;
  for (let i = 0; i < test.n; i++) {
    const v = lr(test, i);
    let best = 0;
    for (let c = 1; c < k; c++) if (Math.abs(v - (mean[c] as number)) < Math.abs(v - (mean[best] as number))) best = c;
    if (best === test.y[i]) ok++;
  }
  return ok / test.n;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = process.env.SHOPFLOOR_DATA ?? path.resolve(here, '../../shared/data');
const EPOCHS = Number(process.env.CWRU_BENCH_EPOCHS ?? 10);
const WINDOW = 2048;
const HOP = 512;
const BATCH = 64;
const LR = 1e-3;
const SEED = 42;

async function main(): Promise<void> {
  await initBackend();
  const recs = await loadRecordings(resolveDataFiles(path.join(DATA, 'cwru')));
  const classes = classesOf(recs);
  const wo = { window: WINDOW, hop: HOP, testFraction: 0.3, valFraction: 0.2 };
  const fit = makeWindows(recs, classes, 'fit', wo);
  const test = makeWindows(recs, classes, 'test', wo);
  const dir = mkdtempSync(path.join(tmpdir(), 'cwru-bench-'));
  try {
    writeFileSync(path.join(dir, 'xfit.f32'), fit.x);
    writeFileSync(path.join(dir, 'yfit.f32'), Float32Array.from(fit.y));
    writeFileSync(path.join(dir, 'xtest.f32'), test.x);
    writeFileSync(path.join(dir, 'ytest.f32'), Float32Array.from(test.y));
    writeFileSync(
      path.join(dir, 'meta.json'),
      JSON.stringify({ window: WINDOW, classes: classes.length, nFit: fit.n, nTest: test.n, epochs: EPOCHS, batchSize: BATCH, learningRate: LR, seed: SEED }),
    );

    // shopfloor FFT rate on the same windows (magnitude spectrum of each fit window, 3 passes).
    let t0 = performance.now();
    for (let rep = 0; rep < 3; rep++) for (let i = 0; i < fit.n; i++) magnitudeSpectrum(fit.x.subarray(i * WINDOW, (i + 1) * WINDOW));
    const fftMs = (performance.now() - t0) / (3 * fit.n);

    const net = new WDCNN({ epochs: EPOCHS, batchSize: BATCH, learningRate: LR, patience: 0, seed: SEED });
    const times: number[] = [];
    let last = performance.now();
    await net.fit(rawSamples(fit), fit.y, {
      onEpoch: () => {
        const now = performance.now();
        times.push((now - last) / 1000);
        last = now;
      },
    });
    const prob = await net.predictProba(rawSamples(test));
    const pred = await net.predict(rawSamples(test));
    const ours = vibrationMetrics(test.y, pred, prob, classes);
    times.sort((a, b) => a - b);
    const oursSpe = times[Math.floor(times.length / 2)] as number;
    const oursParams = net.parameterCount;
    console.log(`shopfloor wdcnn: accuracy ${ours.accuracy.toFixed(3)}, macro-F1 ${ours.macroF1.toFixed(3)}, ${oursSpe.toFixed(2)} s/epoch`);

    t0 = performance.now();
    const gbdt = await trainVibration({ data: path.join(DATA, 'cwru'), model: 'gbdt', window: WINDOW, hop: HOP, seed: SEED });
    const gbdtSeconds = (performance.now() - t0) / 1000;
    console.log(`shopfloor features+gbdt: accuracy ${gbdt.manifest.test.accuracy.toFixed(3)}, macro-F1 ${gbdt.manifest.test.macroF1.toFixed(3)}, ${gbdtSeconds.toFixed(1)} s (features + training)`);

    // Robustness: the same test windows with white noise (models trained on clean data).
    const rms = rmsBaseline(fit, test, classes.length);
    console.log(`log-RMS nearest-mean baseline: accuracy ${rms.toFixed(3)}`);
    const noise: { snrDb: number; wdcnn: number; gbdt: number }[] = [];
    const feat = gbdt.manifest.features;
    if (!feat) throw new Error('gbdt without feature options');
    for (const snrDb of [10, 4, 0, -4]) {
      const nw = withNoise(test, snrDb, SEED + snrDb);
      const row = { snrDb, wdcnn: await accuracyOf(net, rawSamples(nw), nw.y), gbdt: await accuracyOf(gbdt.estimator, featureMatrix(nw, feat), nw.y) };
      noise.push(row);
      console.log(`test windows + white noise at ${snrDb} dB SNR: wdcnn ${row.wdcnn.toFixed(3)}, features+gbdt ${row.gbdt.toFixed(3)}`);
    }
    net.dispose();

    const env = {
      ...process.env,
      MALLOC_MMAP_THRESHOLD_: '4000000000',
      MALLOC_TRIM_THRESHOLD_: '4000000000',
      MALLOC_TOP_PAD_: '1000000000',
    };
    const py = spawnSync('/usr/bin/python3', [path.join(here, 'cwru_torch.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 24, env });
    if (py.status !== 0) throw new Error(`cwru_torch.py failed (${py.status}): ${py.stderr}`);
    const torch = JSON.parse(py.stdout) as {
      torch: string;
      threads: number;
      wdcnn: { accuracy: number; macroF1: number; confusion: number[][]; secondsPerEpoch: number; parameters: number };
      numpyFftMsPerWindow: number;
    };
    const ratio = oursSpe / torch.wdcnn.secondsPerEpoch;
    console.log(`\nCWRU 12k DE, window ${WINDOW}, ${fit.n} fit windows (hop ${HOP}), ${test.n} test windows; ${EPOCHS} epochs, batch ${BATCH}, Adam lr ${LR}`);
    console.log('model          | accuracy | macro-F1 | s/epoch');
    console.log(`shopfloor tfjs | ${ours.accuracy.toFixed(3).padStart(8)} | ${ours.macroF1.toFixed(3).padStart(8)} | ${oursSpe.toFixed(2).padStart(7)}`);
    console.log(`PyTorch        | ${torch.wdcnn.accuracy.toFixed(3).padStart(8)} | ${torch.wdcnn.macroF1.toFixed(3).padStart(8)} | ${torch.wdcnn.secondsPerEpoch.toFixed(2).padStart(7)}`);
    console.log(`epoch-time ratio (tfjs / PyTorch): ${ratio.toFixed(2)}`);
    console.log(`FFT per 2048-sample window: shopfloor ${(fftMs * 1000).toFixed(1)} µs, numpy ${(torch.numpyFftMsPerWindow * 1000).toFixed(1)} µs (ratio ${(fftMs / torch.numpyFftMsPerWindow).toFixed(2)})`);
    const result = {
      benchmark: 'cwru-wdcnn',
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, model: cpus()[0]?.model ?? 'unknown', loadavg: loadavg(), node: process.version, backend: backendInfo() },
      protocol: { window: WINDOW, hop: HOP, testFraction: 0.3, fitWindows: fit.n, testWindows: test.n, classes, epochs: EPOCHS, batchSize: BATCH, learningRate: LR, seed: SEED, earlyStopping: false, classWeights: 'none' },
      pytorch: { version: torch.torch, threads: torch.threads },
      wdcnn: {
        shopfloor: { accuracy: ours.accuracy, macroF1: ours.macroF1, confusion: ours.confusion.counts, secondsPerEpoch: oursSpe, parameters: oursParams },
        pytorch: torch.wdcnn,
        epochTimeRatio: ratio,
      },
      fft: { shopfloorMsPerWindow: fftMs, numpyMsPerWindow: torch.numpyFftMsPerWindow, ratio: fftMs / torch.numpyFftMsPerWindow },
      rmsBaselineAccuracy: rms,
      noise,
      featuresGbdt: { accuracy: gbdt.manifest.test.accuracy, macroF1: gbdt.manifest.test.macroF1, confusion: gbdt.manifest.test.confusion.counts, seconds: gbdtSeconds, rounds: gbdt.manifest.epochs },
    };
    mkdirSync(path.join(here, 'results'), { recursive: true });
    writeFileSync(path.join(here, 'results', 'cwru.json'), JSON.stringify(result, null, 2) + '\n');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
