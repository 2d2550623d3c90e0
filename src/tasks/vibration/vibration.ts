/**
 * Vibration diagnosis (bearing health state from raw accelerometer windows): train on the train block
 * of each recording, report on its held-out test block (../shared/data/DATASETS.md, section 3).
 *
 * Models:
 * - `gbdt` (default): shopfloor's gradient-boosted trees on the window features of ./features.ts
 *   (time-domain statistics, FFT bands, envelope-spectrum peaks at the bearing defect frequencies);
 * - `logreg`: multinomial logistic regression on the same features;
 * - `wdcnn`: the WDCNN 1-D CNN (./cnn.ts) on the raw windows.
 *
 * Model directory (written atomically: a temp directory renamed into place):
 *
 *   shopfloor-model.json   manifest: formatVersion, task 'vibration', model, classes, window, hop,
 *                          split fractions, channel, feature options and names, the training
 *                          recordings (file, label, rpm, samples, sha256), test-block metrics
 *   estimator/             the estimator (model.json + weights), readable by loadEstimator
 */
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { ConfigError, ModelFormatError, NotFoundError, assertOneOf } from '../../core/errors.js';
import { writeFileAtomic } from '../../io/write.js';
import { loadEstimator, tabular, type Estimator, type EpochInfo, type Samples } from '../../models/estimator.js';
import { GradientBoostedTrees } from '../../models/trees/index.js';
import { LogisticRegression } from '../../models/tf/logistic-regression.js';
import { NeuralEstimator } from '../../models/tf/neural-estimator.js';
import { classificationReport } from '../../evaluation/metrics.js';
import { fileSha256, writeModelDir } from '../maintenance/artifact.js';
import { WDCNN } from './cnn.js';
import {
  classesOf,
  DEFAULT_HOP,
  DEFAULT_TEST_FRACTION,
  DEFAULT_VAL_FRACTION,
  DEFAULT_WINDOW,
  loadRecordings,
  makeWindows,
  resolveDataFiles,
  type Recording,
  type Segment,
  type WindowSet,
} from './data.js';
import { featureNames, resolveFeatureOptions, vibrationFeatures, type FeatureOptions, type ResolvedFeatureOptions } from './features.js';

/** Models of the vibration task. */
export const VIBRATION_MODELS = ['gbdt', 'logreg', 'wdcnn'] as const;
export type VibrationModelName = (typeof VIBRATION_MODELS)[number];

export const VIBRATION_MANIFEST_FILE = 'shopfloor-model.json';
export const VIBRATION_FORMAT_VERSION = 1;

/** Metrics on a set of windows. */
export interface VibrationMetrics {
  readonly accuracy: number;
  readonly macroF1: number;
  readonly perClass: { label: string; precision: number; recall: number; f1: number; support: number }[];
  /** Rows true class, columns predicted, in `labels` order. */
  readonly confusion: { labels: string[]; counts: number[][] };
  readonly windows: number;
}

/** The saved manifest. */
export interface VibrationManifest {
  readonly formatVersion: number;
  readonly task: 'vibration';
  readonly model: VibrationModelName;
  readonly classes: string[];
  readonly window: number;
  readonly hop: number;
  readonly testFraction: number;
  readonly valFraction: number;
  readonly channel: string;
  readonly sampleRateHz: number;
  readonly features: ResolvedFeatureOptions | null;
  readonly featureNames: string[] | null;
  readonly recordings: { file: string; label: string; rpm: number; samples: number; variable: string; sha256: string }[];
  readonly windows: { fit: number; val: number; test: number };
  readonly test: VibrationMetrics;
  readonly validation: VibrationMetrics;
  readonly trainSeconds: number;
  readonly epochs: number;
  readonly bestEpoch: number;
  readonly parameters: number | null;
  readonly seed: number;
}

/** Options of {@link trainVibration}. */
export interface TrainVibrationOptions {
  /** A directory of .mat files, a file, or a list of files. */
  readonly data: string | readonly string[];
  /** Model directory to write; omit to train without saving. */
  readonly out?: string;
  readonly model?: VibrationModelName;
  /** `PATTERN=LABEL` pairs; default: labels from CWRU file names. */
  readonly labels?: readonly [string, string][];
  /** Channel ['DE']. */
  readonly channel?: string;
  /** Shaft speed for files without an RPM variable. */
  readonly rpm?: number;
  /** Window length in samples [2048]; a power of two for the feature models. */
  readonly window?: number;
  /** Hop between training windows [512]. */
  readonly hop?: number;
  /** Share of each recording (its end) held out as the test block [0.3]. */
  readonly testFraction?: number;
  /** Share of the train block (its end) held out for early stopping [0.2]. */
  readonly valFraction?: number;
  readonly seed?: number;
  /** Feature options (gbdt, logreg). */
  readonly features?: FeatureOptions;
  /** Maximum epochs (wdcnn, logreg) or boosting rounds (gbdt). */
  readonly epochs?: number;
  readonly batchSize?: number;
  readonly learningRate?: number;
  /** Early-stopping patience in epochs/rounds. */
  readonly patience?: number;
  readonly onInfo?: (message: string) => void;
  readonly onEpoch?: (info: EpochInfo) => void;
}

/** What {@link trainVibration} returns. */
export interface TrainVibrationResult {
  readonly manifest: VibrationManifest;
  readonly estimator: Estimator;
  readonly out: string | null;
}

function checkInt(option: string, v: number, min: number, max: number): number {
  if (!Number.isInteger(v) || v < min || v > max) throw new ConfigError(`${option}: expected an integer in [${min}, ${max}]; got ${v}.`, { option, value: v });
  return v;
}

function checkFraction(option: string, v: number, min: number, max: number): number {
  if (!Number.isFinite(v) || v < min || v > max) throw new ConfigError(`${option}: expected a number in [${min}, ${max}]; got ${v}.`, { option, value: v });
  return v;
}

/** Feature matrix (n × d, float32) of a window set. */
export function featureMatrix(w: WindowSet, o: ResolvedFeatureOptions): Samples {
  const d = featureNames(o).length;
  const x = new Float32Array(w.n * d);
  for (let i = 0; i < w.n; i++) x.set(vibrationFeatures(w.x.subarray(i * w.window, (i + 1) * w.window), w.rpm[i] as number, o), i * d);
  return tabular(x, w.n, d);
}

/** Raw windows as `[window, 1]` samples. */
export function rawSamples(w: WindowSet): Samples {
  return { x: w.x, n: w.n, shape: [w.window, 1] };
}

/** Accuracy, macro-F1, per-class scores and the confusion matrix. */
export function vibrationMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, prob: ArrayLike<number>, classes: readonly string[]): VibrationMetrics {
  const rep = classificationReport(yTrue, yPred, prob, classes);
  const k = classes.length;
  const counts: number[][] = [];
  for (let t = 0; t < k; t++) counts.push(rep.confusion.counts.slice(t * k, (t + 1) * k));
  return {
    accuracy: rep.accuracy,
    macroF1: rep.macroF1,
    perClass: rep.perClass.map((c) => ({ label: c.label, precision: c.precision, recall: c.recall, f1: c.f1, support: c.support })),
    confusion: { labels: [...classes], counts },
    windows: yTrue.length,
  };
}

function makeEstimator(model: VibrationModelName, o: TrainVibrationOptions, seed: number): Estimator {
  const neural = {
    ...(o.epochs !== undefined ? { epochs: o.epochs } : {}),
    ...(o.batchSize !== undefined ? { batchSize: o.batchSize } : {}),
    ...(o.learningRate !== undefined ? { learningRate: o.learningRate } : {}),
    ...(o.patience !== undefined ? { patience: o.patience } : {}),
    seed,
  };
  if (model === 'gbdt') {
    return new GradientBoostedTrees({
      nEstimators: o.epochs ?? 300,
      learningRate: o.learningRate ?? 0.1,
      earlyStoppingRounds: o.patience ?? 30,
      classWeight: 'balanced',
      seed,
    });
  }
  if (model === 'logreg') return new LogisticRegression({ classWeight: 'balanced', ...neural });
  return new WDCNN({ epochs: 40, batchSize: 64, patience: 8, classWeight: 'balanced', ...neural });
}

async function predictAll(est: Estimator, x: Samples): Promise<{ pred: Float64Array; prob: Float64Array }> {
  const prob = await est.predictProba(x);
  const k = est.nClasses;
  const pred = new Float64Array(x.n);
  for (let i = 0; i < x.n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((prob[i * k + c] as number) > (prob[i * k + best] as number)) best = c;
    pred[i] = best;
  }
  return { pred, prob };
}

/**
 * Train a vibration-diagnosis model on the train block of each recording, score it on the test block,
 * and write the model directory (when `out` is given).
 * @throws ConfigError on invalid options; DataError/NotFoundError for unusable files (see loadRecordings).
 */
export async function trainVibration(o: TrainVibrationOptions): Promise<TrainVibrationResult> {
  const model = assertOneOf('--model', o.model ?? 'gbdt', VIBRATION_MODELS);
  const window = checkInt('--window', o.window ?? DEFAULT_WINDOW, 64, 1 << 16);
  const hop = checkInt('--hop', o.hop ?? DEFAULT_HOP, 1, 1 << 16);
  const testFraction = checkFraction('--test-fraction', o.testFraction ?? DEFAULT_TEST_FRACTION, 0.05, 0.9);
  const valFraction = checkFraction('--val-fraction', o.valFraction ?? DEFAULT_VAL_FRACTION, 0.05, 0.5);
  const seed = o.seed ?? 42;
  const channel = o.channel ?? 'DE';
  const feat = model === 'wdcnn' ? null : resolveFeatureOptions(o.features);
  if (feat && (window & (window - 1)) !== 0) throw new ConfigError(`--window: the feature models need a power of two (FFT); got ${window}.`, { option: 'window', value: window });
  const files = resolveDataFiles(o.data);
  const recs = await loadRecordings(files, { ...(o.labels ? { labels: o.labels } : {}), channel, ...(o.rpm !== undefined ? { rpm: o.rpm } : {}) });
  const classes = classesOf(recs);
  if (classes.length < 2) throw new ConfigError(`need recordings of at least 2 classes; got ${classes.join(', ')}.`, { classes });
  const wo = { window, hop, testFraction, valFraction };
  const fitW = makeWindows(recs, classes, 'fit', wo);
  const valW = makeWindows(recs, classes, 'val', wo);
  const testW = makeWindows(recs, classes, 'test', wo);
  o.onInfo?.(
    `${recs.length} recordings (${classes.join(', ')}); windows of ${window} samples: ${fitW.n} fit (hop ${hop}), ${valW.n} validation, ${testW.n} test (no overlap)`,
  );
  const toSamples = (w: WindowSet): Samples => (feat ? featureMatrix(w, feat) : rawSamples(w));
  const t0 = performance.now();
  const xFit = toSamples(fitW);
  const xVal = toSamples(valW);
  const est = makeEstimator(model, o, seed);
  await est.fit(xFit, fitW.y, { validation: { x: xVal, y: valW.y }, ...(o.onEpoch ? { onEpoch: o.onEpoch } : {}) });
  const trainSeconds = (performance.now() - t0) / 1000;
  const xTest = toSamples(testW);
  const v = await predictAll(est, xVal);
  const t = await predictAll(est, xTest);
  const validation = vibrationMetrics(valW.y, v.pred, v.prob, classes);
  const test = vibrationMetrics(testW.y, t.pred, t.prob, classes);
  const hist = est.history;
  const manifest: VibrationManifest = {
    formatVersion: VIBRATION_FORMAT_VERSION,
    task: 'vibration',
    model,
    classes,
    window,
    hop,
    testFraction,
    valFraction,
    channel,
    sampleRateHz: feat?.sampleRateHz ?? 12000,
    features: feat,
    featureNames: feat ? featureNames(feat) : null,
    recordings: await Promise.all(
      recs.map(async (r) => ({ file: path.basename(r.file), label: r.label, rpm: r.rpm, samples: r.signal.length, variable: r.variable, sha256: await fileSha256(r.file) })),
    ),
    windows: { fit: fitW.n, val: valW.n, test: testW.n },
    test,
    validation,
    trainSeconds,
    epochs: hist.loss.length,
    bestEpoch: hist.bestEpoch,
    parameters: est instanceof NeuralEstimator ? est.parameterCount : null,
    seed,
  };
  let out: string | null = null;
  if (o.out) {
    out = path.resolve(o.out);
    await writeModelDir(out, async (dir) => {
      const estDir = path.join(dir, 'estimator');
      await mkdir(estDir, { recursive: true });
      await est.save(estDir);
      writeFileAtomic(path.join(dir, VIBRATION_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    });
  }
  return { manifest, estimator: est, out };
}

/** True when `dir` holds a vibration model. */
export function isVibrationModelDir(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, VIBRATION_MANIFEST_FILE), 'utf8')) as { task?: unknown }).task === 'vibration';
  } catch {
    return false;
  }
}

/** A loaded vibration model. */
export interface VibrationModel {
  readonly dir: string;
  readonly manifest: VibrationManifest;
  readonly estimator: Estimator;
}

/**
 * Read a model directory written by {@link trainVibration}.
 * @throws NotFoundError when the manifest is missing; ModelFormatError for another task or version.
 */
export async function loadVibrationModel(dir: string): Promise<VibrationModel> {
  let m: VibrationManifest;
  const file = path.join(dir, VIBRATION_MANIFEST_FILE);
  try {
    m = JSON.parse(readFileSync(file, 'utf8')) as VibrationManifest;
  } catch {
    throw new NotFoundError(`No vibration model in '${dir}': ${VIBRATION_MANIFEST_FILE} not found or unreadable.`, { dir });
  }
  if (m.task !== 'vibration') throw new ModelFormatError(`${file}: a '${String(m.task)}' model, not a vibration model.`, { dir, task: m.task });
  if (m.formatVersion !== VIBRATION_FORMAT_VERSION) {
    throw new ModelFormatError(`${file}: formatVersion ${String(m.formatVersion)} is not supported (expected ${VIBRATION_FORMAT_VERSION}); retrain.`, { dir });
  }
  if (m.model === 'wdcnn') await import('./cnn.js');
  else await import('../../models/tf/index.js');
  return { dir, manifest: m, estimator: await loadEstimator(path.join(dir, 'estimator')) };
}

/** Options of {@link evaluateVibration}. */
export interface EvaluateVibrationOptions {
  readonly model: string;
  readonly data: string | readonly string[];
  readonly labels?: readonly [string, string][];
  /** Which part of each recording: the held-out 'test' block (protocol; default) or 'all' (new recordings). */
  readonly segment?: 'test' | 'all';
  readonly rpm?: number;
}

/** What {@link evaluateVibration} returns. */
export interface EvaluateVibrationResult extends VibrationMetrics {
  readonly model: string;
  readonly kind: VibrationModelName;
  readonly segment: 'test' | 'all';
  readonly recordings: { file: string; label: string; windows: number; accuracy: number }[];
}

/**
 * Score a saved model on the test block (or all) of labelled recordings.
 * @throws DataError when a recording's label is not one of the model's classes.
 */
export async function evaluateVibration(o: EvaluateVibrationOptions): Promise<EvaluateVibrationResult> {
  const vm = await loadVibrationModel(o.model);
  const m = vm.manifest;
  const segment = assertOneOf('--segment', o.segment ?? 'test', ['test', 'all'] as const);
  const recs = await loadRecordings(resolveDataFiles(o.data), { ...(o.labels ? { labels: o.labels } : {}), channel: m.channel, ...(o.rpm !== undefined ? { rpm: o.rpm } : {}) });
  const unknown = recs.filter((r) => !m.classes.includes(r.label));
  if (unknown.length) {
    throw new ConfigError(`${unknown.map((r) => `${r.file} (${r.label})`).join(', ')}: class not seen in training (model classes: ${m.classes.join(', ')}).`, {
      files: unknown.map((r) => r.file),
    });
  }
  const w = makeWindows(recs, m.classes, segment as Segment, { window: m.window, hop: m.window, testFraction: m.testFraction, valFraction: m.valFraction });
  const x = m.features ? featureMatrix(w, m.features) : rawSamples(w);
  const { pred, prob } = await predictAll(vm.estimator, x);
  const metrics = vibrationMetrics(w.y, pred, prob, m.classes);
  const perRec = recs.map((r: Recording, ri) => {
    let n = 0;
    let ok = 0;
    for (let i = 0; i < w.n; i++) {
      if (w.recording[i] !== ri) continue;
      n++;
      if (pred[i] === w.y[i]) ok++;
    }
    return { file: path.basename(r.file), label: r.label, windows: n, accuracy: n ? ok / n : 0 };
  });
  return { model: o.model, kind: m.model, segment, ...metrics, recordings: perRec };
}
