/**
 * The Transformer as a forecaster whose normalised forecast error is the anomaly score (the
 * prediction-error family of anomaly detectors: Malhotra et al. 2015 with LSTMs, Hundman et al. 2018
 * "Detecting spacecraft anomalies using LSTMs and nonparametric dynamic thresholding"; with a
 * Transformer encoder as the forecaster, e.g. Xu et al. 2022 "Anomaly Transformer" use its
 * reconstruction; here it is the plain next-step forecast).
 *
 * 1. **Inputs.** Per sensor, the first differences Δx_t = x_t − x_{t−1}, robust-standardised with the
 *    median and MAD × 1.4826 of the training differences (differencing removes each machine's level, so
 *    one network serves the fleet; the same reason as the AR baseline of baseline.ts) and clipped to
 *    ±{@link FORECAST_CLIP}.
 * 2. **Forecaster.** A Transformer encoder (the building blocks of src/models/tf/transformer.ts:
 *    linear projection to `dModel`, sinusoidal positional encoding, `layers` pre-LN blocks of multi-head
 *    self-attention and a ReLU feed-forward, final LayerNorm — {@link LayerNorm} (transformer.ts), the same
 *    function as tfjs's layer without its slow Tile) reads the last `window` steps of **all**
 *    sensors and predicts the next step of all sensors from the encoding of the last step. Trained on
 *    normal data only, mean squared error, Adam, seeded.
 * 3. **Score** of sensor s at t (the forecast of step t is made from steps t − window … t − 1):
 *    - z_e = (e_t − median e) / (MAD e × 1.4826), e_t = actual − forecast of the standardised
 *      difference; median and MAD of the forecast errors on the training data;
 *    - z_v = the log RMS of z_e over the last `energyWindow` steps, robust-standardised the same way:
 *      two-sided, so a stuck sensor (forecastable zeros: the error energy collapses) and a noise burst
 *      (the error energy grows) both stand out, as the dispersion channel does for the baseline scorers;
 *    - score = max(|z_e|, |z_v|); 0 before the first full window (the first `window` + 1 readings).
 *    The detector (detector.ts) then normalises each channel by its median and MAD on the held-out
 *    calibration part of the normal data and sets the threshold there, as for every scorer.
 *
 * `score` and `stream` share the arithmetic (and per-row TensorFlow.js kernels), so scoring one reading
 * at a time gives the same numbers as scoring the series. Weights are saved as numbers in the model JSON.
 * Call `initBackend()` before `fit`, `fromJSON` or scoring.
 */
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { tf } from '../../models/tf/backend.js';
import { SeedSource } from '../../models/tf/neural-estimator.js';
import { assertIntRanges, assertLearningRate } from './net-options.js';
import { setWeightsFromJSON, weightsToJSON } from './net-weights.js';
import { LastStep, PositionalEncoding, encoderBlocks } from '../../models/tf/transformer.js';
import type { Scorer, ScorerState, ScorerStream, SensorSeries } from './scorers.js';
import { robustLocationScale } from './stats.js';

/** Standardised differences are clipped to ±this in the network's inputs and training targets. */
export const FORECAST_CLIP = 10;
/** Added to the RMS of z_e before the log, so an exactly forecast (stuck) stretch gives a finite z_v. */
const ENERGY_EPS = 1e-3;
/** At most this many windows per fit are scored to estimate the error statistics. */
const MAX_STAT_WINDOWS = 40_000;
/** Windows per TensorFlow.js call when scoring. */
const CHUNK = 2048;

/** Options of {@link TransformerForecastScorer}. */
export interface ForecasterOptions {
  /** Past steps the forecast reads (4 … 256). Default 32. */
  readonly window?: number;
  /** Width of the model (4 … 256), a multiple of `heads`. Default 16. */
  readonly dModel?: number;
  /** Attention heads (1 … 16). Default 2. */
  readonly heads?: number;
  /** Encoder blocks (1 … 8). Default 1. */
  readonly layers?: number;
  /** Hidden units of each block's feed-forward network (1 … 4096). Default 2 · dModel. */
  readonly ffUnits?: number;
  /** Training epochs (1 … 500). Default 8. */
  readonly epochs?: number;
  /** Mini-batch size. Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate. Default 0.003. */
  readonly learningRate?: number;
  /** Training windows drawn (uniformly, seeded) from the fit data (16 … 1,000,000). Default 4000. */
  readonly maxSamples?: number;
  /** Steps of the rolling error energy z_v (2 … 256). Default 8. */
  readonly energyWindow?: number;
  /** Seed of the weights and the batches. Default 42. */
  readonly seed?: number;
}

type Resolved = Required<ForecasterOptions>;

function resolve(o: ForecasterOptions): Resolved {
  const dModel = o.dModel ?? 16;
  const r: Resolved = {
    window: o.window ?? 32,
    dModel,
    heads: o.heads ?? 2,
    layers: o.layers ?? 1,
    ffUnits: o.ffUnits ?? 2 * dModel,
    epochs: o.epochs ?? 8,
    batchSize: o.batchSize ?? 64,
    learningRate: o.learningRate ?? 0.003,
    maxSamples: o.maxSamples ?? 4000,
    energyWindow: o.energyWindow ?? 8,
    seed: o.seed ?? 42,
  };
  const ints: [keyof Resolved, number, number][] = [
    ['window', 4, 256],
    ['dModel', 4, 256],
    ['heads', 1, 16],
    ['layers', 1, 8],
    ['ffUnits', 1, 4096],
    ['epochs', 1, 500],
    ['batchSize', 1, 65_536],
    ['maxSamples', 16, 1_000_000],
    ['energyWindow', 2, 256],
  ];
  assertIntRanges(r, ints);
  if (r.dModel % r.heads !== 0) {
    throw new ConfigError(`heads: dModel (${r.dModel}) must be a multiple of heads (${r.heads}).`, { option: 'heads', value: r.heads, dModel: r.dModel });
  }
  assertLearningRate(r.learningRate);
  if (!Number.isInteger(r.seed)) throw new ConfigError(`seed: expected an integer; got ${r.seed}.`, { option: 'seed', value: r.seed });
  return r;
}

function clip(v: number): number {
  return v > FORECAST_CLIP ? FORECAST_CLIP : v < -FORECAST_CLIP ? -FORECAST_CLIP : v;
}

interface Norm {
  readonly center: number;
  readonly scale: number;
}

/** Standardised differences of one machine: `f[s][t]`, t ≥ 1 (f[s][0] = 0, never used). */
function standardisedDiffs(series: SensorSeries, norms: readonly Norm[]): Float64Array[] {
  return series.map((x, s) => {
    const nm = norms[s] as Norm;
    const f = new Float64Array(x.length);
    for (let t = 1; t < x.length; t++) f[t] = ((x[t] as number) - (x[t - 1] as number) - nm.center) / nm.scale;
    return f;
  });
}

/**
 * Transformer forecaster scorer (see the module comment).
 * @example
 * await initBackend();
 * const sc = await new TransformerForecastScorer({ epochs: 8, seed: 1 }).fit(machines);
 * const channels = sc.score(series); // one Float64Array per sensor
 */
export class TransformerForecastScorer implements Scorer {
  readonly kind = 'transformer' as const;
  private readonly o: Resolved;
  private model: tf.LayersModel | null = null;
  private inputNorm: Norm[] = [];
  private errorNorm: Norm[] = [];
  private energyNorm: Norm[] = [];

  /** @throws ConfigError for out-of-range options. */
  constructor(opts: ForecasterOptions = {}) {
    this.o = resolve(opts);
  }

  /** The resolved options (defaults filled in). */
  get options(): Readonly<Resolved> {
    return this.o;
  }

  /** Sensors the fitted network forecasts (0 before fit). */
  get sensorCount(): number {
    return this.inputNorm.length;
  }

  /** Trainable parameters of the fitted network (0 before fit). */
  get parameterCount(): number {
    return this.model ? this.model.countParams() : 0;
  }

  private build(nSensors: number): tf.LayersModel {
    const { window: w, dModel, heads, layers, ffUnits } = this.o;
    const seeds = new SeedSource(this.o.seed);
    const input = tf.input({ shape: [w, nSensors] });
    let x = tf.layers.dense({ units: dModel, kernelInitializer: seeds.glorot() }).apply(input) as tf.SymbolicTensor;
    x = new PositionalEncoding({}).apply(x) as tf.SymbolicTensor;
    x = encoderBlocks(x, { dModel, heads, layers, ffUnits, seeds });
    x = new LastStep({}).apply(x) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: nSensors, kernelInitializer: seeds.glorot() }).apply(x) as tf.SymbolicTensor;
    return tf.model({ inputs: input, outputs: out });
  }

  /** Forecasts of `b` windows in `buf` (b × window × S, step-major): b × S values. Shared by score and stream. */
  private forecast(model: tf.LayersModel, buf: Float32Array, b: number, S: number): Float32Array {
    const w = this.o.window;
    return tf.tidy(() => (model.predict(tf.tensor3d(buf.subarray(0, b * w * S), [b, w, S])) as tf.Tensor).dataSync() as Float32Array);
  }

  /** Write the window of machine features `f` that forecasts step t (steps t − w … t − 1) at `off`. */
  private writeWindow(f: readonly Float64Array[], t: number, buf: Float32Array, off: number): void {
    const w = this.o.window;
    const S = f.length;
    for (let k = 0; k < w; k++) for (let s = 0; s < S; s++) buf[off + k * S + s] = clip((f[s] as Float64Array)[t - w + k] as number);
  }

  /** Forecast errors e[s][t] (actual − forecast, standardised scale) for t ≥ window + 1, from `from` to `to`. */
  private errorsOf(f: readonly Float64Array[], from: number, to: number): Float64Array[] {
    const model = this.model as tf.LayersModel;
    const w = this.o.window;
    const S = f.length;
    const n = (f[0] as Float64Array).length;
    const e = f.map(() => new Float64Array(n));
    const buf = new Float32Array(CHUNK * w * S);
    for (let start = Math.max(from, w + 1); start < to; start += CHUNK) {
      const b = Math.min(CHUNK, to - start);
      for (let r = 0; r < b; r++) this.writeWindow(f, start + r, buf, r * w * S);
      const pred = this.forecast(model, buf, b, S);
      for (let r = 0; r < b; r++) {
        for (let s = 0; s < S; s++) (e[s] as Float64Array)[start + r] = ((f[s] as Float64Array)[start + r] as number) - (pred[r * S + s] as number);
      }
    }
    return e;
  }

  async fit(machines: readonly SensorSeries[]): Promise<this> {
    const first = machines[0];
    if (!first || first.length === 0) throw new ConfigError('transformer scorer: no training series (need at least one machine with one sensor).');
    const S = first.length;
    const w = this.o.window;
    for (const m of machines) {
      if (m.length !== S) throw new ConfigError(`transformer scorer: every machine needs ${S} sensors; got ${m.length}.`);
    }
    // Input standardisation: robust location/scale of every machine's differences, per sensor.
    this.inputNorm = [];
    for (let s = 0; s < S; s++) {
      const diffs: number[] = [];
      for (const m of machines) {
        const x = m[s] as Float64Array;
        const stride = Math.max(1, Math.ceil(x.length / 200_000));
        for (let t = 1; t < x.length; t += stride) diffs.push((x[t] as number) - (x[t - 1] as number));
      }
      this.inputNorm.push(robustLocationScale(diffs, 1e-9));
    }
    const feats = machines.map((m) => standardisedDiffs(m, this.inputNorm));
    const counts = feats.map((f) => Math.max(0, (f[0] as Float64Array).length - (w + 1)));
    const total = counts.reduce((a, c) => a + c, 0);
    if (total < 16) {
      throw new ConfigError(`transformer scorer: too little training data (${total} windows of ${w} + 1 readings; need at least 16, i.e. ${w + 17} readings on one machine).`, {
        windows: total,
      });
    }
    const rng = new Rng(this.o.seed).fork(0x7f);
    const m = Math.min(this.o.maxSamples, total);
    const size = w * S;
    const x = new Float32Array(m * size);
    const y = new Float32Array(m * S);
    for (let k = 0; k < m; k++) {
      let i = rng.int(total);
      let src = 0;
      while (i >= (counts[src] as number)) i -= counts[src++] as number;
      const f = feats[src] as Float64Array[];
      const t = w + 1 + i;
      this.writeWindow(f, t, x, k * size);
      for (let s = 0; s < S; s++) y[k * S + s] = clip((f[s] as Float64Array)[t] as number);
    }
    this.model?.dispose();
    const model = this.build(S);
    this.model = model;
    const optimizer = tf.train.adam(this.o.learningRate);
    const varList = model.trainableWeights.map((v) => v.read() as tf.Variable);
    const bs = Math.min(this.o.batchSize, m);
    const xb = new Float32Array(bs * size);
    const yb = new Float32Array(bs * S);
    try {
      for (let epoch = 0; epoch < this.o.epochs; epoch++) {
        const order = rng.shuffle(Int32Array.from({ length: m }, (_, i) => i));
        for (let start = 0; start < m; start += bs) {
          const b = Math.min(bs, m - start);
          for (let r = 0; r < b; r++) {
            const i = order[start + r] as number;
            xb.set(x.subarray(i * size, (i + 1) * size), r * size);
            yb.set(y.subarray(i * S, (i + 1) * S), r * S);
          }
          tf.tidy(() => {
            const xt = tf.tensor3d(xb.subarray(0, b * size), [b, w, S]);
            const yt = tf.tensor2d(yb.subarray(0, b * S), [b, S]);
            optimizer.minimize(() => tf.mean(tf.square(tf.sub(model.apply(xt, { training: true }) as tf.Tensor, yt))) as tf.Scalar, false, varList);
          });
        }
      }
    } finally {
      optimizer.dispose();
    }
    // Error statistics on (a prefix of each machine's) training windows.
    const perMachine = Math.ceil(MAX_STAT_WINDOWS / machines.length);
    const errs: number[][] = Array.from({ length: S }, () => []);
    const errSeries: Float64Array[][] = [];
    feats.forEach((f) => {
      const n = (f[0] as Float64Array).length;
      const to = Math.min(n, w + 1 + perMachine);
      const e = this.errorsOf(f, w + 1, to);
      errSeries.push(e.map((es) => es.subarray(0, to)));
      e.forEach((es, s) => {
        for (let t = w + 1; t < to; t++) (errs[s] as number[]).push(es[t] as number);
      });
    });
    this.errorNorm = errs.map((v) => robustLocationScale(v, 1e-9));
    this.energyNorm = [];
    const K = this.o.energyWindow;
    for (let s = 0; s < S; s++) {
      const v: number[] = [];
      for (const e of errSeries) {
        const z = this.zErrors(e[s] as Float64Array, s);
        for (let t = w + K; t < z.length; t++) v.push(this.logEnergy(z, t - K + 1, t));
      }
      this.energyNorm.push(robustLocationScale(v, 1e-6));
    }
    return this;
  }

  /** z_e of one sensor's errors (0 before the first forecast). */
  private zErrors(e: Float64Array, s: number): Float64Array {
    const nm = this.errorNorm[s] as Norm;
    const z = new Float64Array(e.length);
    for (let t = this.o.window + 1; t < e.length; t++) z[t] = ((e[t] as number) - nm.center) / nm.scale;
    return z;
  }

  /** log(RMS of z[from..to] + ε), summed oldest first (the order {@link stream} uses). */
  private logEnergy(z: ArrayLike<number>, from: number, to: number): number {
    let sq = 0;
    for (let k = from; k <= to; k++) sq += (z[k] as number) ** 2;
    return Math.log(Math.sqrt(sq / (to - from + 1)) + ENERGY_EPS);
  }

  /** max(|z_e|, |z_v|) at t, given z_e at t and the log energy (or NaN before `energyWindow` errors). */
  private combine(ze: number, logE: number, s: number): number {
    if (Number.isNaN(logE)) return Math.abs(ze);
    const nm = this.energyNorm[s] as Norm;
    return Math.max(Math.abs(ze), Math.abs((logE - nm.center) / nm.scale));
  }

  private check(nSensors: number): tf.LayersModel {
    if (!this.model) throw new Error('transformer scorer used before fit');
    if (nSensors !== this.inputNorm.length) throw new Error(`transformer scorer: expected ${this.inputNorm.length} sensors, got ${nSensors}`);
    return this.model;
  }

  score(series: SensorSeries): Float64Array[] {
    this.check(series.length);
    const w = this.o.window;
    const K = this.o.energyWindow;
    const f = standardisedDiffs(series, this.inputNorm);
    const n = (series[0] as Float64Array).length;
    const e = this.errorsOf(f, w + 1, n);
    return e.map((es, s) => {
      const z = this.zErrors(es, s);
      const out = new Float64Array(n);
      for (let t = w + 1; t < n; t++) out[t] = this.combine(z[t] as number, t >= w + K ? this.logEnergy(z, t - K + 1, t) : Number.NaN, s);
      return out;
    });
  }

  /**
   * One reading at a time (see {@link Scorer.stream}): keeps the previous reading, the last `window`
   * standardised differences of every sensor and the last `energyWindow` z_e — O(window · sensors).
   */
  stream(): ScorerStream {
    const S = this.inputNorm.length;
    const model = this.check(S);
    const w = this.o.window;
    const K = this.o.energyWindow;
    const prev = new Float64Array(S);
    const ring = new Float64Array(w * S); // clipped features, step t at slot t mod w
    const zring = new Float64Array(K * S); // z_e, step t at slot t mod K
    const buf = new Float32Array(w * S);
    const cur = new Float64Array(S);
    let t = 0;
    return {
      push: (values) => {
        const out = new Float64Array(S);
        for (let s = 0; s < S; s++) {
          const v = values[s] as number;
          const nm = this.inputNorm[s] as Norm;
          cur[s] = t === 0 ? 0 : (v - (prev[s] as number) - nm.center) / nm.scale;
          prev[s] = v;
        }
        if (t >= w + 1) {
          for (let k = 0; k < w; k++) {
            const slot = (t - w + k) % w;
            for (let s = 0; s < S; s++) buf[k * S + s] = ring[slot * S + s] as number;
          }
          const pred = this.forecast(model, buf, 1, S);
          const zk = new Float64Array(K);
          for (let s = 0; s < S; s++) {
            const en = this.errorNorm[s] as Norm;
            const ze = ((cur[s] as number) - (pred[s] as number) - en.center) / en.scale;
            zring[(t % K) * S + s] = ze;
            let logE = Number.NaN;
            if (t >= w + K) {
              for (let j = 0; j < K; j++) zk[j] = zring[((t - K + 1 + j) % K) * S + s] as number;
              logE = this.logEnergy(zk, 0, K - 1);
            }
            out[s] = this.combine(ze, logE, s);
          }
        }
        for (let s = 0; s < S; s++) ring[(t % w) * S + s] = clip(cur[s] as number);
        t++;
        return out;
      },
    };
  }

  toJSON(): ScorerState {
    if (!this.model) throw new Error('transformer scorer saved before fit');
    const weights = weightsToJSON(this.model);
    return { kind: 'transformer', options: { ...this.o }, baselines: [], inputNorm: this.inputNorm, errorNorm: this.errorNorm, energyNorm: this.energyNorm, weights };
  }

  /**
   * Restore from {@link toJSON} (after `initBackend()`).
   * @throws Error naming what is wrong when the state is damaged (the detector wraps it in a ModelFormatError).
   */
  static fromJSON(s: ScorerState): TransformerForecastScorer {
    const sc = new TransformerForecastScorer(s.options as ForecasterOptions);
    const norms = (k: string): Norm[] => {
      const v = s[k];
      if (!Array.isArray(v) || v.length === 0 || !v.every((n: Norm) => Number.isFinite(n?.center) && Number.isFinite(n?.scale) && n.scale > 0)) {
        throw new Error(`'${k}' missing or not a list of {center, scale}`);
      }
      return v as Norm[];
    };
    sc.inputNorm = norms('inputNorm');
    sc.errorNorm = norms('errorNorm');
    sc.energyNorm = norms('energyNorm');
    const S = sc.inputNorm.length;
    if (sc.errorNorm.length !== S || sc.energyNorm.length !== S) throw new Error('inputNorm, errorNorm and energyNorm differ in length');
    const model = sc.build(S);
    setWeightsFromJSON(model, s.weights);
    sc.model = model;
    return sc;
  }

  /** Free the network's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
