/**
 * The training engine shared by shopfloor's TensorFlow.js estimators (logreg, mlp, cnn1d, lstm, gru).
 *
 * A subclass only builds its layers (`buildLayers`); this class owns everything else:
 * - input checks, per-feature standardisation (fitted on the training part only), regression target
 *   standardisation;
 * - a custom training loop: Adam (fused into one kernel per variable on wasm, ./adam.ts), mini-batches in a seeded shuffled order, per-sample weights
 *   (`FitOptions.sampleWeight` × class weights, normalised to mean 1 so the learning rate keeps its
 *   meaning), early stopping on validation loss with best-weights restore (`FitOptions.validation`, or a
 *   seeded stratified `validationFraction` of the training data);
 * - numerically stable losses on logits: the network's last layer is linear and the sigmoid/softmax is
 *   applied in the loss (log-sum-exp form, as PyTorch's BCEWithLogits/CrossEntropy) and in predictProba;
 * - determinism: initialisers seeded from `seed`, batch order from a seeded `Rng`; tfjs-wasm kernels are
 *   deterministic, so two fits with the same seed give bit-identical weights;
 * - save/load: `model.json` (kind, options, task, classes, scalers, history, tfjs topology and weight
 *   specs, `formatVersion`) and `weights.bin` (tfjs weight data).
 *
 * Tensors are disposed: after `dispose()` the tfjs tensor count is back where it was before `fit`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, DataError, ModelFormatError, NotFittedError, NotFoundError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { sampleSize, type Estimator, type FitHistory, type FitOptions, type Samples, type TaskKind } from '../estimator.js';
import { initBackend, tf } from './backend.js';
import { FusedAdam } from './adam.js';
import { weightedLoss, type LossKind } from './loss.js';
import { boolOption, enumOption, intOption, numOption, positiveOption } from './options.js';

/** Version of the saved `model.json` layout. Bump on incompatible change. */
export const NEURAL_FORMAT_VERSION = 1;

/** What to learn: class indices (binary/multiclass, decided by the labels) or a number. */
export type NeuralTask = 'classification' | 'regression';

/** Options every neural estimator takes (defaults in brackets). */
export interface NeuralOptions {
  /** ['classification'] or 'regression' (e.g. remaining useful life). */
  readonly task?: NeuralTask;
  /** Maximum number of epochs [100], 1–100000. */
  readonly epochs?: number;
  /** Mini-batch size [32], 1–65536. */
  readonly batchSize?: number;
  /** Adam learning rate [0.001], (0, 1]. */
  readonly learningRate?: number;
  /** Early stopping: epochs without validation improvement before stopping [10], 0–10000; 0 = off. */
  readonly patience?: number;
  /** Improvement smaller than this does not count [0], 0–1. */
  readonly minDelta?: number;
  /** Fraction held out (seeded, stratified) for early stopping when `fit` gets no validation [0.1], 0–0.5. */
  readonly validationFraction?: number;
  /** ['none'], 'balanced' (n / (k·n_c), for the rare failure class) or one weight per class. */
  readonly classWeight?: 'none' | 'balanced' | readonly number[];
  /** L2 penalty on kernels [0], 0–10. */
  readonly l2?: number;
  /** Standardise each input feature with the training mean and standard deviation [true]. */
  readonly standardize?: boolean;
  /** Seed of initialisers, shuffling and the validation split [42]. */
  readonly seed?: number;
}

const COMMON_KEYS = [
  'task',
  'epochs',
  'batchSize',
  'learningRate',
  'patience',
  'minDelta',
  'validationFraction',
  'classWeight',
  'l2',
  'standardize',
  'seed',
] as const;

/** Fully resolved common options. */
export interface ResolvedNeuralOptions {
  task: NeuralTask;
  epochs: number;
  batchSize: number;
  learningRate: number;
  patience: number;
  minDelta: number;
  validationFraction: number;
  classWeight: 'none' | 'balanced' | number[];
  l2: number;
  standardize: boolean;
  seed: number;
}

/** Validate the common options (ConfigError naming the option, the allowed range and the value). */
export function resolveNeuralOptions(owner: string, o: NeuralOptions, defaults: Partial<ResolvedNeuralOptions> = {}): ResolvedNeuralOptions {
  let classWeight: ResolvedNeuralOptions['classWeight'];
  const cw = o.classWeight ?? defaults.classWeight ?? 'none';
  if (typeof cw === 'string') {
    classWeight = enumOption(owner, 'classWeight', cw, 'none', ['none', 'balanced'] as const);
  } else {
    if (!Array.isArray(cw) || cw.length < 2 || cw.some((w) => !Number.isFinite(w) || w < 0)) {
      throw new ConfigError(
        `${owner}.classWeight: expected 'none', 'balanced' or one non-negative weight per class; got ${JSON.stringify(cw)}.`,
        { option: `${owner}.classWeight`, value: cw as unknown },
      );
    }
    classWeight = [...cw];
  }
  const seed = o.seed ?? 42;
  if (!Number.isInteger(seed)) {
    throw new ConfigError(`${owner}.seed: expected an integer; got ${String(seed)}.`, { option: `${owner}.seed`, value: seed });
  }
  return {
    task: enumOption(owner, 'task', o.task, defaults.task ?? 'classification', ['classification', 'regression'] as const),
    epochs: intOption(owner, 'epochs', o.epochs, defaults.epochs ?? 100, 1, 100_000),
    batchSize: intOption(owner, 'batchSize', o.batchSize, defaults.batchSize ?? 32, 1, 65_536),
    learningRate: positiveOption(owner, 'learningRate', o.learningRate, defaults.learningRate ?? 1e-3, 1),
    patience: intOption(owner, 'patience', o.patience, defaults.patience ?? 10, 0, 10_000),
    minDelta: numOption(owner, 'minDelta', o.minDelta, defaults.minDelta ?? 0, 0, 1),
    validationFraction: numOption(owner, 'validationFraction', o.validationFraction, defaults.validationFraction ?? 0.1, 0, 0.5),
    classWeight,
    l2: numOption(owner, 'l2', o.l2, defaults.l2 ?? 0, 0, 10),
    standardize: boolOption(owner, 'standardize', o.standardize, defaults.standardize ?? true),
    seed,
  };
}

/** A tfjs initialiser instance. */
export type Initializer = ReturnType<typeof tf.initializers.glorotUniform>;
/** A tfjs regulariser instance. */
export type Regularizer = ReturnType<typeof tf.regularizers.l2>;

/** Seeds for the layer initialisers, drawn in order from one `Rng`. */
export class SeedSource {
  private readonly rng: Rng;
  constructor(seed: number) {
    this.rng = new Rng(seed).fork(0x1417);
  }
  /** A seed for the next initialiser. */
  next(): number {
    return this.rng.nextUint32() % 2147483647;
  }
  /** Glorot-uniform (Keras's default for Dense/Conv/RNN kernels), seeded. */
  glorot(): Initializer {
    return tf.initializers.glorotUniform({ seed: this.next() });
  }
  /** He-uniform (for ReLU layers), seeded. */
  he(): Initializer {
    return tf.initializers.heUniform({ seed: this.next() });
  }
  /**
   * Orthogonal (Keras's default for recurrent kernels), seeded. TF.js warns "Slowness may result" for
   * any matrix over 2,000 elements, i.e. for every recurrent kernel of 32+ units. Ours are small (64 ×
   * 256 at the RUL defaults) and initialised once per fit, so the warning only cluttered every LSTM/GRU
   * build; it is switched off on the instance (other TF.js warnings are untouched).
   */
  orthogonal(): Initializer {
    const init = tf.initializers.orthogonal({ seed: this.next() });
    (init as unknown as { ELEMENTS_WARN_SLOW: number }).ELEMENTS_WARN_SLOW = Number.POSITIVE_INFINITY;
    return init;
  }
}

/** What `buildLayers` gets. */
export interface BuildContext {
  /** Per-sample input shape as given to fit (`[features]` or `[steps, features]`). */
  readonly inputShape: readonly number[];
  /** Units of the linear output layer (1 for binary and regression, k for k classes). */
  readonly outputUnits: number;
  readonly seeds: SeedSource;
  /** L2 regulariser for kernels, or undefined when l2 = 0. */
  readonly kernelRegularizer: Regularizer | undefined;
}

interface Scaler {
  mean: number[];
  std: number[];
}

interface SavedModel {
  formatVersion: number;
  kind: string;
  options: Record<string, unknown>;
  task: TaskKind;
  nClasses: number;
  inputShape: number[];
  scaler: Scaler | null;
  target: { mean: number; std: number } | null;
  history: FitHistory;
  modelTopology: unknown;
  weightSpecs: tf.io.WeightsManifestEntry[];
}

type NeuralFactory = (options: Record<string, unknown>) => NeuralEstimator;
const factories = new Map<string, NeuralFactory>();

/** Register how to construct a neural estimator of `kind` from its saved options (used by load). */
export function registerNeuralKind(kind: string, factory: NeuralFactory): void {
  factories.set(kind, factory);
}

/**
 * Read a neural estimator saved by {@link NeuralEstimator.save}.
 * @throws NotFoundError when `dir/model.json` is missing; ModelFormatError on a wrong version/kind or
 *   a corrupt file.
 */
export async function loadNeuralEstimator(dir: string, expectedKind?: string): Promise<NeuralEstimator> {
  let text: string;
  try {
    text = await readFile(join(dir, 'model.json'), 'utf8');
  } catch {
    throw new NotFoundError(`No neural model in '${dir}': model.json not found.`, { dir });
  }
  let saved: SavedModel;
  try {
    saved = JSON.parse(text) as SavedModel;
  } catch (e) {
    throw new ModelFormatError(`${join(dir, 'model.json')}: not valid JSON (${(e as Error).message}).`, { dir });
  }
  if (saved.formatVersion !== NEURAL_FORMAT_VERSION) {
    throw new ModelFormatError(
      `${join(dir, 'model.json')}: formatVersion ${String(saved.formatVersion)} is not supported (expected ${NEURAL_FORMAT_VERSION}).`,
      { dir, formatVersion: saved.formatVersion },
    );
  }
  if (expectedKind !== undefined && saved.kind !== expectedKind) {
    throw new ModelFormatError(`${join(dir, 'model.json')}: holds a '${saved.kind}' model, expected '${expectedKind}'.`, {
      dir,
      kind: saved.kind,
      expected: expectedKind,
    });
  }
  const factory = factories.get(saved.kind);
  if (!factory) throw new ModelFormatError(`${join(dir, 'model.json')}: unknown neural model kind '${saved.kind}'.`, { dir });
  const weights = await readFile(join(dir, 'weights.bin'));
  await initBackend();
  const est = factory(saved.options);
  const weightData = weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength);
  est.restore(saved, await tf.loadLayersModel(tf.io.fromMemory({ modelTopology: saved.modelTopology as object, weightSpecs: saved.weightSpecs, weightData })));
  return est;
}

function emptyHistory(): FitHistory {
  return { loss: [], valLoss: [], bestEpoch: -1 };
}

/** Base class of the TensorFlow.js estimators. Subclasses implement `buildLayers`. */
export abstract class NeuralEstimator implements Estimator {
  abstract readonly kind: string;
  /** Resolved common options. */
  protected readonly common: ResolvedNeuralOptions;
  /** Options as given, for save/load (plain JSON). */
  protected readonly rawOptions: Record<string, unknown>;

  private model: tf.LayersModel | null = null;
  private fittedTask: TaskKind | null = null;
  private classes = 0;
  private inShape: number[] = [];
  private scaler: Scaler | null = null;
  private target: { mean: number; std: number } | null = null;
  private hist: FitHistory = emptyHistory();

  /**
   * @param owner     kind, for error messages
   * @param options   the options object as given
   * @param extraKeys option names the subclass validates itself (any other unknown name is rejected:
   *                  a typo such as `epoch` must not silently train with the default)
   * @param defaults  subclass defaults for the common options
   */
  protected constructor(owner: string, options: NeuralOptions, extraKeys: readonly string[], defaults: Partial<ResolvedNeuralOptions> = {}) {
    const known = new Set<string>([...COMMON_KEYS, ...extraKeys]);
    for (const key of Object.keys(options)) {
      if (!known.has(key)) {
        throw new ConfigError(`${owner}: unknown option '${key}'; expected one of ${[...known].join(', ')}.`, {
          option: `${owner}.${key}`,
          allowed: [...known],
        });
      }
    }
    this.common = resolveNeuralOptions(owner, options, defaults);
    this.rawOptions = JSON.parse(JSON.stringify(options)) as Record<string, unknown>;
  }

  /** Build the network: input `ctx.inputShape`, a linear output of `ctx.outputUnits` units (logits). */
  protected abstract buildLayers(ctx: BuildContext): tf.LayersModel;

  /** Validate a per-sample shape for this kind (throw DataError if unusable). Default: any. */
  protected checkShape(_shape: readonly number[]): void {}

  get task(): TaskKind {
    return this.fittedTask ?? (this.common.task === 'regression' ? 'regression' : 'binary');
  }

  get nClasses(): number {
    return this.common.task === 'regression' ? 1 : this.classes;
  }

  get history(): FitHistory {
    return { loss: [...this.hist.loss], valLoss: [...this.hist.valLoss], bestEpoch: this.hist.bestEpoch };
  }

  /** Number of trainable parameters (after fit). */
  get parameterCount(): number {
    return this.requireModel().countParams();
  }

  /** Release the network's tensors. The estimator is unfitted afterwards. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
    this.fittedTask = null;
  }

  /**
   * Train a new network (any previous one is disposed). Resolves to `this`.
   * @throws DataError on inconsistent samples/targets/weights; ConfigError when `classWeight` does not
   *   match the number of classes; ShopfloorError `SF_BACKEND` when no backend can start.
   */
  async fit(x: Samples, y: Float64Array, opts: FitOptions = {}): Promise<this> {
    await initBackend();
    const d = this.checkSamples(x, 'fit');
    this.checkShape(x.shape);
    if (y.length !== x.n) {
      throw new DataError('SF_DATA_TARGET', `fit: ${x.n} samples but ${y.length} targets; give one target per sample.`, {
        samples: x.n,
        targets: y.length,
      });
    }
    if (x.n < 2) throw new DataError('SF_DATA_EMPTY', `fit: need at least 2 samples, got ${x.n}.`, { samples: x.n });
    const sw = opts.sampleWeight;
    if (sw && (sw.length !== x.n || sw.some((w) => !(w >= 0) || !Number.isFinite(w)))) {
      throw new DataError('SF_DATA_TARGET', `fit: sampleWeight needs ${x.n} finite non-negative values (got ${sw.length}).`, {
        samples: x.n,
        weights: sw.length,
      });
    }
    const c = this.common;
    const regression = c.task === 'regression';
    let k = 1;
    for (let i = 0; i < y.length; i++) {
      const v = y[i] as number;
      if (!Number.isFinite(v)) throw new DataError('SF_DATA_TARGET', `fit: target ${i} is not a finite number (${v}).`, { index: i });
      if (!regression) {
        if (!Number.isInteger(v) || v < 0) {
          throw new DataError('SF_DATA_TARGET', `fit: classification targets must be class indices 0..k-1; target ${i} is ${v}.`, { index: i, value: v });
        }
        k = Math.max(k, v + 1);
      }
    }
    if (!regression) {
      k = Math.max(2, k);
      if (Array.isArray(c.classWeight) && c.classWeight.length !== k) {
        throw new ConfigError(`classWeight: ${c.classWeight.length} weights given but the targets have ${k} classes.`, {
          option: 'classWeight',
          value: c.classWeight,
        });
      }
    }
    if (opts.validation) {
      const vd = this.checkSamples(opts.validation.x, 'fit (validation)');
      if (vd !== d || opts.validation.x.shape.join() !== x.shape.join() || opts.validation.y.length !== opts.validation.x.n) {
        throw new DataError('SF_DATA_SCHEMA', `fit: validation samples must have shape [${x.shape.join(', ')}] and one target each.`, {
          expected: [...x.shape],
          got: [...opts.validation.x.shape],
        });
      }
    }

    // ---- split --------------------------------------------------------------------------------
    const rng = new Rng(c.seed);
    const splitRng = rng.fork(1);
    const shuffleRng = rng.fork(2);
    let trainIdx: Int32Array;
    let valX: Float32Array | null = null;
    let valY: Float64Array | null = null;
    let valW: Float64Array | null = null;
    let valN = 0;
    const earlyStopping = c.patience > 0;
    if (opts.validation) {
      trainIdx = Int32Array.from({ length: x.n }, (_, i) => i);
      valX = opts.validation.x.x;
      valY = opts.validation.y;
      valN = opts.validation.x.n;
    } else if (earlyStopping && c.validationFraction > 0) {
      const split = splitIndices(y, regression ? 1 : k, c.validationFraction, splitRng, regression);
      trainIdx = split.train;
      if (split.val.length > 0) {
        valN = split.val.length;
        valX = gatherRows(x.x, split.val, d);
        valY = Float64Array.from(split.val, (i) => y[i] as number);
        if (sw) valW = Float64Array.from(split.val, (i) => sw[i] as number);
      }
    } else {
      trainIdx = Int32Array.from({ length: x.n }, (_, i) => i);
    }
    const nTrain = trainIdx.length;

    // ---- scalers (training part only) --------------------------------------------------------
    const feat = x.shape.length > 0 ? (x.shape[x.shape.length - 1] as number) : 1;
    this.scaler = c.standardize ? fitScaler(x.x, trainIdx, d, feat) : null;
    if (regression) {
      let m = 0;
      for (const i of trainIdx) m += y[i] as number;
      m /= nTrain;
      let v = 0;
      for (const i of trainIdx) v += ((y[i] as number) - m) ** 2;
      const s = Math.sqrt(v / nTrain);
      this.target = { mean: m, std: s > 1e-12 ? s : 1 };
    } else {
      this.target = null;
    }
    const xs = this.scaleCopy(x.x);
    const valXs = valX ? this.scaleCopy(valX) : null;

    // ---- weights ------------------------------------------------------------------------------
    const classW = regression ? null : classWeights(c.classWeight, y, trainIdx, k);
    const w = new Float64Array(x.n);
    let wSum = 0;
    for (const i of trainIdx) {
      const wi = (sw ? (sw[i] as number) : 1) * (classW ? (classW[y[i] as number] as number) : 1);
      w[i] = wi;
      wSum += wi;
    }
    if (!(wSum > 0)) throw new DataError('SF_DATA_TARGET', 'fit: every training sample has weight 0.', {});
    const wScale = nTrain / wSum;
    for (const i of trainIdx) w[i] = (w[i] as number) * wScale;
    if (valY) {
      const vw = new Float64Array(valN);
      for (let i = 0; i < valN; i++) {
        vw[i] = (valW ? (valW[i] as number) : 1) * (classW ? (classW[valY[i] as number] ?? 1) : 1) * wScale;
      }
      valW = vw;
    }

    // ---- model --------------------------------------------------------------------------------
    this.dispose();
    this.classes = regression ? 1 : k;
    this.fittedTask = regression ? 'regression' : k === 2 ? 'binary' : 'multiclass';
    this.inShape = [...x.shape];
    const outUnits = regression || k === 2 ? 1 : k;
    const model = this.buildLayers({
      inputShape: x.shape,
      outputUnits: outUnits,
      seeds: new SeedSource(c.seed),
      kernelRegularizer: c.l2 > 0 ? tf.regularizers.l2({ l2: c.l2 }) : undefined,
    });
    this.model = model;
    // An explicit variable list: without one tfjs differentiates with respect to every trainable
    // variable in the process (other models' too).
    const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const optimizer = new FusedAdam(varList, c.learningRate);
    const lossKind: LossKind = regression ? 'mse' : k === 2 ? 'binary' : 'softmax';
    const yt = regression && this.target ? Float64Array.from(y, (v) => (v - (this.target as { mean: number }).mean) / (this.target as { std: number }).std) : y;
    const valYt = valY && regression && this.target ? Float64Array.from(valY, (v) => (v - (this.target as { mean: number }).mean) / (this.target as { std: number }).std) : valY;

    const loss: number[] = [];
    const valLoss: number[] = [];
    let best = Infinity;
    let bestEpoch = -1;
    let bestWeights: Float32Array[] | null = null;
    const bs = Math.min(c.batchSize, nTrain);
    const xBuf = new Float32Array(bs * d);
    const yBuf = new Float32Array(bs * outUnits);
    const wBuf = new Float32Array(bs);
    try {
      for (let epoch = 0; epoch < c.epochs; epoch++) {
        const order = shuffleRng.shuffle(Int32Array.from(trainIdx));
        let total = 0;
        for (let start = 0; start < nTrain; start += bs) {
          const m = Math.min(bs, nTrain - start);
          for (let r = 0; r < m; r++) {
            const i = order[start + r] as number;
            // short rows (tables): a plain loop; a subarray per row costs more than the copy
            if (d <= 64) for (let j = 0, a = i * d, b = r * d; j < d; j++) xBuf[b + j] = xs[a + j] as number;
            else xBuf.set(xs.subarray(i * d, i * d + d), r * d);
            fillTarget(yBuf, r, yt[i] as number, lossKind, outUnits);
            wBuf[r] = w[i] as number;
          }
          const value = tf.tidy(() => {
            const xb = tf.tensor(xBuf.subarray(0, m * d), [m, ...x.shape]);
            return optimizer.minimize(() => {
              const z = model.apply(xb, { training: true }) as tf.Tensor2D;
              // one op for the weighted loss and its gradient (./loss.ts; perSampleLoss's arithmetic)
              let total: tf.Tensor = weightedLoss(z, yBuf, wBuf, lossKind, m);
              for (const reg of model.losses) total = tf.add(total, reg());
              return total as tf.Scalar;
            });
          });
          total += value * m;
        }
        const epochLoss = total / nTrain;
        loss.push(epochLoss);
        let vl: number | undefined;
        if (valXs && valYt && valW && valN > 0) {
          vl = this.evalLoss(valXs, valYt, valW, valN, lossKind, outUnits);
          valLoss.push(vl);
        }
        const improved = vl === undefined ? true : vl < best - c.minDelta;
        if (vl !== undefined && improved) {
          best = vl;
          bestEpoch = epoch;
          if (earlyStopping) bestWeights = model.getWeights().map((t) => new Float32Array(t.dataSync()));
        } else if (vl === undefined) {
          bestEpoch = epoch;
        }
        opts.onEpoch?.(vl === undefined ? { epoch, loss: epochLoss } : { epoch, loss: epochLoss, valLoss: vl });
        if (!Number.isFinite(epochLoss)) break;
        if (earlyStopping && vl !== undefined && epoch - bestEpoch >= c.patience) break;
      }
      if (bestWeights && bestEpoch < loss.length - 1) {
        const old = model.getWeights();
        const restored = bestWeights.map((v, i) => tf.tensor(v, (old[i] as tf.Tensor).shape));
        model.setWeights(restored);
        tf.dispose(restored);
      }
    } finally {
      optimizer.dispose();
    }
    // Without early stopping the last epoch's weights are kept, whatever the validation curve says.
    this.hist = { loss, valLoss, bestEpoch: earlyStopping && bestWeights ? Math.max(0, bestEpoch) : loss.length - 1 };
    return this;
  }

  /**
   * n × nClasses probabilities (sigmoid/softmax of the network's logits).
   * @throws NotFittedError before fit; ConfigError for regression; DataError on a shape mismatch.
   */
  async predictProba(x: Samples): Promise<Float64Array> {
    this.requireModel();
    if (this.common.task === 'regression') {
      throw new ConfigError(`${this.kind}: predictProba is for classifiers; this model was configured with task 'regression'.`, {
        option: 'task',
      });
    }
    const z = this.logits(x);
    const k = this.classes;
    const out = new Float64Array(x.n * k);
    if (k === 2) {
      for (let i = 0; i < x.n; i++) {
        const p = sigmoid(z[i] as number);
        out[2 * i] = 1 - p;
        out[2 * i + 1] = p;
      }
    } else {
      for (let i = 0; i < x.n; i++) {
        let mx = -Infinity;
        for (let j = 0; j < k; j++) mx = Math.max(mx, z[i * k + j] as number);
        let s = 0;
        for (let j = 0; j < k; j++) s += Math.exp((z[i * k + j] as number) - mx);
        for (let j = 0; j < k; j++) out[i * k + j] = Math.exp((z[i * k + j] as number) - mx) / s;
      }
    }
    return out;
  }

  /**
   * Class index (probability > 0.5 for binary; tune thresholds on `predictProba` outside) or the
   * regression value in the target's units.
   * @throws NotFittedError before fit; DataError on a shape mismatch.
   */
  async predict(x: Samples): Promise<Float64Array> {
    const z = this.logits(x);
    const out = new Float64Array(x.n);
    if (this.common.task === 'regression') {
      const t = this.target ?? { mean: 0, std: 1 };
      for (let i = 0; i < x.n; i++) out[i] = (z[i] as number) * t.std + t.mean;
      return out;
    }
    const k = this.classes;
    if (k === 2) {
      for (let i = 0; i < x.n; i++) out[i] = (z[i] as number) > 0 ? 1 : 0;
    } else {
      for (let i = 0; i < x.n; i++) {
        let arg = 0;
        for (let j = 1; j < k; j++) if ((z[i * k + j] as number) > (z[i * k + arg] as number)) arg = j;
        out[i] = arg;
      }
    }
    return out;
  }

  /**
   * Write `model.json` and `weights.bin` into the existing directory `dir` (the caller makes the
   * directory write atomic). Read back with `loadEstimator` / {@link loadNeuralEstimator}.
   * @throws NotFittedError before fit.
   */
  async save(dir: string): Promise<void> {
    const model = this.requireModel();
    let artifacts: tf.io.ModelArtifacts | null = null;
    await model.save(
      tf.io.withSaveHandler(async (a) => {
        artifacts = a;
        return { modelArtifactsInfo: { dateSaved: new Date(0), modelTopologyType: 'JSON' } };
      }),
    );
    const art = artifacts as tf.io.ModelArtifacts | null;
    if (!art?.weightData || !art.weightSpecs) throw new ModelFormatError(`${this.kind}: tfjs produced no weights to save.`);
    const data = art.weightData instanceof ArrayBuffer ? new Uint8Array(art.weightData) : new Uint8Array(tf.io.concatenateArrayBuffers(art.weightData));
    const saved: SavedModel = {
      formatVersion: NEURAL_FORMAT_VERSION,
      kind: this.kind,
      options: this.rawOptions,
      task: this.task,
      nClasses: this.classes,
      inputShape: this.inShape,
      scaler: this.scaler,
      target: this.target,
      history: this.hist,
      modelTopology: art.modelTopology,
      weightSpecs: art.weightSpecs,
    };
    await writeFile(join(dir, 'weights.bin'), data);
    await writeFile(join(dir, 'model.json'), JSON.stringify(saved));
  }

  /** @internal Used by {@link loadNeuralEstimator}. */
  restore(saved: SavedModel, model: tf.LayersModel): void {
    this.dispose();
    this.model = model;
    this.fittedTask = saved.task;
    this.classes = saved.nClasses;
    this.inShape = [...saved.inputShape];
    this.scaler = saved.scaler;
    this.target = saved.target;
    this.hist = saved.history;
  }

  // ---- internals ------------------------------------------------------------------------------

  private requireModel(): tf.LayersModel {
    if (!this.model) throw new NotFittedError(this.kind);
    return this.model;
  }

  private checkSamples(x: Samples, where: string): number {
    const d = sampleSize(x);
    if (!Number.isInteger(x.n) || x.n < 0 || x.x.length !== x.n * d || d === 0) {
      throw new DataError('SF_DATA_SCHEMA', `${where}: ${x.n} samples of shape [${x.shape.join(', ')}] need ${x.n * d} values; got ${x.x.length}.`, {
        n: x.n,
        shape: [...x.shape],
        values: x.x.length,
      });
    }
    return d;
  }

  private logits(x: Samples): Float32Array {
    const model = this.requireModel();
    const d = this.checkSamples(x, `${this.kind}.predict`);
    if (x.shape.join() !== this.inShape.join()) {
      throw new DataError('SF_DATA_SCHEMA', `${this.kind}.predict: samples have shape [${x.shape.join(', ')}]; the model was fitted on [${this.inShape.join(', ')}].`, {
        expected: this.inShape,
        got: [...x.shape],
      });
    }
    const xs = this.scaleCopy(x.x);
    const units = (model.outputs[0]?.shape[1] as number | null) ?? 1;
    const out = new Float32Array(x.n * units);
    const chunk = 2048;
    for (let s = 0; s < x.n; s += chunk) {
      const m = Math.min(chunk, x.n - s);
      // One forward pass per chunk (tfjs's default batchSize of 32 would split it into many small ones).
      const v = tf.tidy(() => (model.predict(tf.tensor(xs.subarray(s * d, (s + m) * d), [m, ...x.shape]), { batchSize: m }) as tf.Tensor).dataSync());
      out.set(v as Float32Array, s * units);
    }
    return out;
  }

  private scaleCopy(x: Float32Array): Float32Array {
    const out = new Float32Array(x);
    const sc = this.scaler;
    if (!sc) return out;
    const f = sc.mean.length;
    for (let i = 0; i < out.length; i++) {
      const j = i % f;
      out[i] = ((out[i] as number) - (sc.mean[j] as number)) / (sc.std[j] as number);
    }
    return out;
  }

  private evalLoss(xs: Float32Array, y: Float64Array, w: Float64Array, n: number, kind: LossKind, units: number): number {
    const model = this.requireModel();
    const d = xs.length / n;
    const shape = this.inShape;
    let total = 0;
    let wTotal = 0;
    const chunk = 2048;
    for (let s = 0; s < n; s += chunk) {
      const m = Math.min(chunk, n - s);
      const yb = new Float32Array(m * units);
      for (let r = 0; r < m; r++) fillTarget(yb, r, y[s + r] as number, kind, units);
      const wb = Float32Array.from(w.subarray(s, s + m));
      for (const v of wb) wTotal += v;
      total += tf.tidy(() => {
        const z = model.predict(tf.tensor(xs.subarray(s * d, (s + m) * d), [m, ...shape]), { batchSize: m }) as tf.Tensor2D;
        return tf.sum(tf.mul(perSampleLoss(z, tf.tensor2d(yb, [m, units]), kind), tf.tensor1d(wb))).dataSync()[0] as number;
      });
    }
    return wTotal > 0 ? total / wTotal : NaN;
  }
}


function fillTarget(buf: Float32Array, row: number, y: number, kind: LossKind, units: number): void {
  if (kind === 'softmax') {
    buf.fill(0, row * units, row * units + units);
    buf[row * units + y] = 1;
  } else {
    buf[row] = y;
  }
}

/** Per-sample loss on logits z (shape [m, units]) → [m]. */
function perSampleLoss(z: tf.Tensor2D, y: tf.Tensor2D, kind: LossKind): tf.Tensor1D {
  if (kind === 'binary') {
    // max(z, 0) − z·y + log(1 + exp(−|z|)): binary cross-entropy on logits without overflow.
    const l = tf.add(tf.sub(tf.relu(z), tf.mul(z, y)), tf.log1p(tf.exp(tf.neg(tf.abs(z)))));
    return tf.reshape(l, [-1]);
  }
  if (kind === 'softmax') return tf.neg(tf.sum(tf.mul(y, tf.logSoftmax(z)), 1)) as tf.Tensor1D;
  return tf.reshape(tf.square(tf.sub(z, y)), [-1]);
}

function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

function gatherRows(x: Float32Array, idx: Int32Array, d: number): Float32Array {
  const out = new Float32Array(idx.length * d);
  for (let r = 0; r < idx.length; r++) {
    const i = idx[r] as number;
    out.set(x.subarray(i * d, i * d + d), r * d);
  }
  return out;
}

/** Seeded split; stratified by class for classification so the rare class appears in both parts. */
function splitIndices(y: Float64Array, k: number, fraction: number, rng: Rng, regression: boolean): { train: Int32Array; val: Int32Array } {
  const groups: number[][] = regression ? [[]] : Array.from({ length: k }, () => []);
  for (let i = 0; i < y.length; i++) (groups[regression ? 0 : (y[i] as number)] as number[]).push(i);
  const train: number[] = [];
  const val: number[] = [];
  for (const g of groups) {
    rng.shuffle(g);
    // Keep at least one sample of each class for training.
    const nv = Math.min(Math.floor(g.length * fraction), Math.max(0, g.length - 1));
    val.push(...g.slice(0, nv));
    train.push(...g.slice(nv));
  }
  train.sort((a, b) => a - b);
  val.sort((a, b) => a - b);
  return { train: Int32Array.from(train), val: Int32Array.from(val) };
}

function fitScaler(x: Float32Array, idx: Int32Array, d: number, f: number): Scaler {
  const mean = new Float64Array(f);
  const sq = new Float64Array(f);
  const per = d / f;
  for (const i of idx) {
    for (let j = 0; j < d; j++) mean[j % f] = (mean[j % f] as number) + (x[i * d + j] as number);
  }
  const cnt = idx.length * per;
  for (let j = 0; j < f; j++) mean[j] = (mean[j] as number) / cnt;
  for (const i of idx) {
    for (let j = 0; j < d; j++) {
      const v = (x[i * d + j] as number) - (mean[j % f] as number);
      sq[j % f] = (sq[j % f] as number) + v * v;
    }
  }
  const std = Array.from(sq, (s) => {
    const v = Math.sqrt(s / cnt);
    return v > 1e-12 ? v : 1;
  });
  return { mean: Array.from(mean), std };
}

function classWeights(cw: ResolvedNeuralOptions['classWeight'], y: Float64Array, idx: Int32Array, k: number): number[] | null {
  if (cw === 'none') return null;
  if (Array.isArray(cw)) return cw;
  const counts = new Array<number>(k).fill(0);
  for (const i of idx) counts[y[i] as number] = (counts[y[i] as number] as number) + 1;
  // 'balanced' as in scikit-learn: n / (k · n_c); classes absent from training get weight 1.
  return counts.map((c) => (c > 0 ? idx.length / (k * c) : 1));
}
