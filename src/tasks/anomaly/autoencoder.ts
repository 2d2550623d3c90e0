/**
 * Autoencoder scorers: a network trained to reproduce normal inputs through a narrow bottleneck
 * reconstructs anomalous inputs badly, and the reconstruction error is the score (Sakurada & Yairi
 * 2014 for the dense form; Malhotra et al. 2016, "LSTM-based encoder-decoder for multi-sensor anomaly
 * detection", for the recurrent one). Both work on the standardised baseline channels of
 * baseline.ts (residual and dispersion z, clipped to ±{@link INPUT_CLIP}), so they need no scaling of
 * their own and learn the joint shape of normal residuals rather than the raw level.
 *
 * - `autoencoder` (dense): input = one time step, (z_res, z_disp) of every sensor; 2S → 16 → b → 16 → 2S
 *   (tanh, linear output), b = max(2, S). Score of sensor s = squared error on its two inputs.
 * - `window-autoencoder`: input = the last `window` steps of one sensor's (z_res, z_disp), flattened;
 *   one network shared by every sensor; 2w → 32 → 8 → 32 → 2w (tanh). Score of sensor s at t = mean
 *   squared error over the window ending at t (0 before the first full window).
 * - `lstm-autoencoder`: the same windows through LSTM(units) encoder → repeat → LSTM(units) decoder →
 *   dense(2) per step. TensorFlow.js runs recurrent steps as many small kernels, so this is ~100× slower
 *   than the windowed dense form on the CPU; it scores every `stride` (default 4) samples.
 *
 * Weights are initialised from seeds drawn from the {@link Rng} (glorot/orthogonal), mini-batches are
 * shuffled by it, and the weights are saved as plain numbers in the model JSON. Call `initBackend()`
 * before `fit` or `score`.
 */
import { ConfigError } from '../../core/errors.js';
import { Rng } from '../../core/random.js';
import { tf } from '../../models/tf/backend.js';
import { SeedSource } from '../../models/tf/neural-estimator.js';
import { assertIntRanges, assertLearningRate } from './net-options.js';
import { setWeightsFromJSON, weightsToJSON } from './net-weights.js';
import { SensorBaseline } from './baseline.js';
import { baselineChannels, fitBaselines, type MachineChannels, type Scorer, type ScorerState, type ScorerStream, type SensorSeries } from './scorers.js';

/** Inputs are clipped to ±this many robust sds so one extreme training value cannot dominate the loss. */
export const INPUT_CLIP = 10;

/** Options of the autoencoder scorers. */
export interface AutoencoderOptions {
  /** AR order of the baseline. Default 8. */
  readonly arOrder?: number;
  /** Dispersion window of the baseline. Default 8. */
  readonly dispersionWindow?: number;
  /** Training epochs (1 … 500). Default 8. */
  readonly epochs?: number;
  /** Mini-batch size. Default 64. */
  readonly batchSize?: number;
  /** Adam learning rate. Default 0.005. */
  readonly learningRate?: number;
  /** Training samples drawn (uniformly, seeded) from the fit data (16 … 1,000,000). Default 4000 (dense), 1500 (LSTM). */
  readonly maxSamples?: number;
  /** Window length, samples (`lstm-autoencoder`; 4 … 256). Default 16. */
  readonly window?: number;
  /** LSTM units (`lstm-autoencoder`; 1 … 256). Default 8. */
  readonly units?: number;
  /**
   * Windowed kinds: score a window every `stride` samples (1 … window) and hold its score until the
   * next one, trading up to stride − 1 samples of delay for stride× less scoring work. Default 1
   * (`window-autoencoder`), 4 (`lstm-autoencoder`, whose recurrent steps are slow on the CPU).
   */
  readonly stride?: number;
  /** Seed. Default 42. */
  readonly seed?: number;
}

type Resolved = Required<AutoencoderOptions>;

/** The autoencoder scorer kinds. */
export type AutoencoderKind = 'autoencoder' | 'window-autoencoder' | 'lstm-autoencoder';

function resolve(kind: AutoencoderKind, o: AutoencoderOptions): Resolved {
  const r: Resolved = {
    arOrder: o.arOrder ?? 8,
    dispersionWindow: o.dispersionWindow ?? 8,
    epochs: o.epochs ?? 8,
    batchSize: o.batchSize ?? 64,
    learningRate: o.learningRate ?? 0.005,
    maxSamples: o.maxSamples ?? (kind === 'autoencoder' ? 4000 : 1500),
    window: o.window ?? 16,
    units: o.units ?? 8,
    stride: o.stride ?? (kind === 'lstm-autoencoder' ? 4 : 1),
    seed: o.seed ?? 42,
  };
  const ints: [keyof Resolved, number, number][] = [
    ['epochs', 1, 500],
    ['batchSize', 1, 65_536],
    ['maxSamples', 16, 1_000_000],
    ['window', 4, 256],
    ['units', 1, 256],
  ];
  assertIntRanges(r, ints);
  if (!Number.isInteger(r.stride) || r.stride < 1 || r.stride > r.window) {
    throw new ConfigError(`stride: expected an integer in [1, ${r.window}] (the window); got ${r.stride}.`, { option: 'stride', value: r.stride });
  }
  assertLearningRate(r.learningRate);
  new SensorBaseline({ arOrder: r.arOrder, dispersionWindow: r.dispersionWindow });
  return r;
}

function clip(v: number): number {
  return v > INPUT_CLIP ? INPUT_CLIP : v < -INPUT_CLIP ? -INPUT_CLIP : v;
}

/** Dense, windowed dense or LSTM autoencoder scorer (see the module comment). */
export class AutoencoderScorer implements Scorer {
  readonly kind: AutoencoderKind;
  private readonly o: Resolved;
  private baselines: SensorBaseline[] | null = null;
  private model: tf.LayersModel | null = null;

  /** @throws ConfigError for out-of-range options. */
  constructor(kind: AutoencoderKind, opts: AutoencoderOptions = {}) {
    this.kind = kind;
    this.o = resolve(kind, opts);
  }

  private build(nSensors: number): tf.LayersModel {
    const seeds = new SeedSource(this.o.seed);
    if (this.kind === 'autoencoder') {
      const d = 2 * nSensors;
      const b = Math.max(2, nSensors);
      return tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [d], units: 16, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: b, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: 16, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: d, kernelInitializer: seeds.glorot() }),
        ],
      });
    }
    const w = this.o.window;
    if (this.kind === 'window-autoencoder') {
      return tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [2 * w], units: 32, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: 8, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: 32, activation: 'tanh', kernelInitializer: seeds.glorot() }),
          tf.layers.dense({ units: 2 * w, kernelInitializer: seeds.glorot() }),
        ],
      });
    }
    return tf.sequential({
      layers: [
        tf.layers.lstm({ inputShape: [w, 2], units: this.o.units, kernelInitializer: seeds.glorot(), recurrentInitializer: seeds.orthogonal() }),
        tf.layers.repeatVector({ n: w }),
        tf.layers.lstm({ units: this.o.units, returnSequences: true, kernelInitializer: seeds.glorot(), recurrentInitializer: seeds.orthogonal() }),
        tf.layers.timeDistributed({ layer: tf.layers.dense({ units: 2, kernelInitializer: seeds.glorot() }) }),
      ],
    });
  }

  /** Per-sample input size and, for one machine's channels, a function writing sample i into a buffer. */
  private inputs(c: MachineChannels, stride: number): { count: number; size: number; write: (i: number, buf: Float32Array, off: number) => void } {
    const S = c.residual.length;
    const n = (c.residual[0] as Float64Array).length;
    if (this.kind === 'autoencoder') {
      return {
        count: n,
        size: 2 * S,
        write: (t, buf, off) => {
          for (let s = 0; s < S; s++) {
            buf[off + 2 * s] = clip((c.residual[s] as Float64Array)[t] as number);
            buf[off + 2 * s + 1] = clip((c.dispersion[s] as Float64Array)[t] as number);
          }
        },
      };
    }
    const w = this.o.window;
    const per = n < w ? 0 : Math.floor((n - w) / stride) + 1;
    // Sample i = sensor ⌊i / per⌋, window starting at (i mod per) · stride.
    return {
      count: per * S,
      size: 2 * w,
      write: (i, buf, off) => {
        const s = Math.floor(i / per);
        const start = (i % per) * stride;
        const r = c.residual[s] as Float64Array;
        const d = c.dispersion[s] as Float64Array;
        for (let k = 0; k < w; k++) {
          buf[off + 2 * k] = clip(r[start + k] as number);
          buf[off + 2 * k + 1] = clip(d[start + k] as number);
        }
      },
    };
  }

  private shape(m: number): number[] {
    if (this.kind === 'lstm-autoencoder') return [m, this.o.window, 2];
    return [m, (this.model?.inputs[0]?.shape[1] as number | undefined) ?? 0];
  }

  async fit(machines: readonly SensorSeries[]): Promise<this> {
    this.baselines = fitBaselines(machines, { arOrder: this.o.arOrder, dispersionWindow: this.o.dispersionWindow });
    const baselines = this.baselines;
    const nSensors = baselines.length;
    const rng = new Rng(this.o.seed).fork(0xae);
    const chans = machines.map((m) => baselineChannels(baselines, m));
    const srcs = chans.map((c) => this.inputs(c, 1));
    const total = srcs.reduce((a, s) => a + s.count, 0);
    const size = srcs[0]?.size ?? 0;
    if (total < 16) throw new ConfigError(`${this.kind}: too little training data (${total} samples; need at least 16).`, { samples: total });
    const m = Math.min(this.o.maxSamples, total);
    const x = new Float32Array(m * size);
    for (let k = 0; k < m; k++) {
      let i = rng.int(total);
      let src = 0;
      while (i >= (srcs[src] as { count: number }).count) i -= (srcs[src++] as { count: number }).count;
      (srcs[src] as { write: (i: number, b: Float32Array, o: number) => void }).write(i, x, k * size);
    }
    this.model?.dispose();
    const model = this.build(nSensors);
    this.model = model;
    const optimizer = tf.train.adam(this.o.learningRate);
    const varList = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const bs = Math.min(this.o.batchSize, m);
    const buf = new Float32Array(bs * size);
    try {
      for (let epoch = 0; epoch < this.o.epochs; epoch++) {
        const order = rng.shuffle(Int32Array.from({ length: m }, (_, i) => i));
        for (let start = 0; start < m; start += bs) {
          const b = Math.min(bs, m - start);
          for (let r = 0; r < b; r++) {
            const i = order[start + r] as number;
            buf.set(x.subarray(i * size, (i + 1) * size), r * size);
          }
          tf.tidy(() => {
            const xb = tf.tensor(buf.subarray(0, b * size), this.shape(b));
            optimizer.minimize(() => tf.mean(tf.square(tf.sub(model.apply(xb, { training: true }) as tf.Tensor, xb))) as tf.Scalar, false, varList);
          });
        }
      }
    } finally {
      optimizer.dispose();
    }
    return this;
  }

  score(series: SensorSeries): Float64Array[] {
    const baselines = this.baselines;
    const model = this.model;
    if (!baselines || !model) throw new Error(`${this.kind} scorer used before fit`);
    const c = baselineChannels(baselines, series);
    const S = baselines.length;
    const n = (series[0] as Float64Array).length;
    const src = this.inputs(c, this.o.stride);
    const err = new Float64Array(src.count * (this.kind === 'autoencoder' ? S : 1));
    const chunk = 2048;
    const buf = new Float32Array(chunk * src.size);
    for (let start = 0; start < src.count; start += chunk) {
      const b = Math.min(chunk, src.count - start);
      for (let r = 0; r < b; r++) src.write(start + r, buf, r * src.size);
      err.set(this.errors(model, buf, b, S), start * (this.kind === 'autoencoder' ? S : 1));
    }
    const out = baselines.map(() => new Float64Array(n));
    if (this.kind === 'autoencoder') {
      for (let t = 0; t < n; t++) for (let s = 0; s < S; s++) (out[s] as Float64Array)[t] = err[t * S + s] as number;
    } else {
      const w = this.o.window;
      const st = this.o.stride;
      const per = n < w ? 0 : Math.floor((n - w) / st) + 1;
      // Window k ends at k·stride + w − 1; its error holds until the next window's end (causal).
      for (let s = 0; s < S; s++) {
        const o = out[s] as Float64Array;
        for (let k = 0; k < per; k++) {
          const end = k * st + w - 1;
          const until = k + 1 < per ? end + st : n;
          for (let t = end; t < until; t++) o[t] = err[s * per + k] as number;
        }
      }
    }
    return out;
  }

  /**
   * Reconstruction errors of `b` samples in `buf`: dense, per sensor the sum over its two inputs
   * (b × S values); windowed, the mean over the window (b values). Shared by {@link score} and
   * {@link stream} so both run the same kernels (per-row results do not depend on the batch size).
   */
  private errors(model: tf.LayersModel, buf: Float32Array, b: number, S: number): Float32Array {
    return tf.tidy(() => {
      const xb = tf.tensor(buf.subarray(0, b * this.sampleSize(S)), this.shape(b));
      const sq = tf.square(tf.sub(model.predict(xb) as tf.Tensor, xb));
      return (this.kind === 'autoencoder' ? tf.sum(tf.reshape(sq, [b, S, 2]), 2) : tf.mean(tf.reshape(sq, [b, -1]), 1)).dataSync() as Float32Array;
    });
  }

  private sampleSize(S: number): number {
    return this.kind === 'autoencoder' ? 2 * S : 2 * this.o.window;
  }

  /**
   * One reading at a time (see {@link Scorer.stream}): the dense kind scores every reading; the
   * windowed kinds keep the last `window` (z_res, z_disp) pairs per sensor and score all sensors' windows
   * when a window ends at k·stride + window − 1, holding the score in between — exactly as {@link score}.
   */
  stream(): ScorerStream {
    const baselines = this.baselines;
    const model = this.model;
    if (!baselines || !model) throw new Error(`${this.kind} scorer used before fit`);
    const bs = baselines.map((b) => b.stream());
    const S = bs.length;
    const size = this.sampleSize(S);
    if (this.kind === 'autoencoder') {
      const buf = new Float32Array(size);
      return {
        push: (values) => {
          bs.forEach((b, s) => {
            b.push(values[s] as number);
            buf[2 * s] = clip(b.residual);
            buf[2 * s + 1] = clip(b.dispersion);
          });
          return Float64Array.from(this.errors(model, buf, 1, S));
        },
      };
    }
    const w = this.o.window;
    const st = this.o.stride;
    const ring = new Float64Array(S * w * 2);
    const buf = new Float32Array(S * size);
    const held = new Float64Array(S);
    let t = 0;
    return {
      push: (values) => {
        const slot = t % w;
        bs.forEach((b, s) => {
          b.push(values[s] as number);
          ring[(s * w + slot) * 2] = b.residual;
          ring[(s * w + slot) * 2 + 1] = b.dispersion;
        });
        if (t >= w - 1 && (t - (w - 1)) % st === 0) {
          for (let s = 0; s < S; s++) {
            for (let k = 0; k < w; k++) {
              const from = (s * w + ((t - w + 1 + k) % w)) * 2;
              buf[s * size + 2 * k] = clip(ring[from] as number);
              buf[s * size + 2 * k + 1] = clip(ring[from + 1] as number);
            }
          }
          held.set(this.errors(model, buf, S, S));
        }
        t++;
        return held.slice();
      },
    };
  }

  toJSON(): ScorerState {
    if (!this.baselines || !this.model) throw new Error(`${this.kind} scorer saved before fit`);
    const weights = weightsToJSON(this.model);
    return { kind: this.kind, options: { ...this.o }, baselines: this.baselines.map((b) => b.toJSON()), weights };
  }

  /** Restore from {@link toJSON} (after `initBackend()`). */
  static fromJSON(s: ScorerState): AutoencoderScorer {
    const a = new AutoencoderScorer(s.kind as AutoencoderKind, s.options as AutoencoderOptions);
    a.baselines = s.baselines.map((b) => SensorBaseline.fromJSON(b));
    const model = a.build(a.baselines.length);
    setWeightsFromJSON(model, s.weights);
    a.model = model;
    return a;
  }

  /** Free the network's tensors. */
  dispose(): void {
    this.model?.dispose();
    this.model = null;
  }
}
