/**
 * Scorers: the first layer of anomaly detection (after darts' `AnomalyScorer`): fitted on normal
 * readings, they turn each machine's sensor series into one score series per channel (one channel per
 * sensor), higher = more anomalous. They know nothing of thresholds; see detector.ts and aggregate.ts.
 *
 * Every scorer starts from the per-sensor {@link SensorBaseline} (AR residual and dispersion z-scores)
 * and differs in what it does with them:
 *
 * | kind | score of sensor s at time t |
 * |---|---|
 * | `robust-z` | max(|z_res|, |z_disp|): robust z-scores (median/MAD of the fitted baseline's training residuals) |
 * | `ewma` | max(|EWMA_λ(z_res)|, |EWMA_λ(z_disp)|) / √(λ/(2−λ)): the EWMA chart of the residuals (Roberts 1959; Lucas & Saccucci 1990) |
 * | `iforest` | isolation-forest score (Liu et al. 2008) of (z_res, z_disp, EWMA(z_res)) — one forest per sensor |
 * | `autoencoder`, `window-autoencoder`, `lstm-autoencoder` | reconstruction error; see autoencoder.ts |
 * | `transformer` | normalised one-step forecast error of a Transformer encoder; see forecaster.ts |
 *
 * Every scorer also scores one reading at a time ({@link Scorer.stream}), giving the same numbers as
 * `score` on the whole series; stream.ts builds the online detector on it.
 */
import { ConfigError, ModelFormatError } from '../../core/errors.js';
import { SensorBaseline, type BaselineOptions, type BaselineStream, type SensorBaselineState } from './baseline.js';
import { IsolationForest, type IsolationForestState } from './isolation-forest.js';

/** The scorer kinds, as given to `--detector`. */
export const SCORER_KINDS = ['robust-z', 'ewma', 'iforest', 'autoencoder', 'window-autoencoder', 'lstm-autoencoder', 'transformer'] as const;
/** The kinds that train a TensorFlow.js network (and need `initBackend()` before fit, load or score). */
export const NEURAL_SCORER_KINDS: readonly ScorerKind[] = ['autoencoder', 'window-autoencoder', 'lstm-autoencoder', 'transformer'];
/** One of {@link SCORER_KINDS}. */
export type ScorerKind = (typeof SCORER_KINDS)[number];

/** The readings of one machine: one filled (no NaN) array per sensor, all the same length, in time order. */
export type SensorSeries = readonly Float64Array[];

/** Saved state of any scorer (plain JSON); `kind` selects the class when loading. */
export interface ScorerState {
  readonly kind: ScorerKind;
  readonly options: Record<string, unknown>;
  /** Per-sensor baselines (every kind but `transformer`, which normalises its own inputs; [] there). */
  readonly baselines: SensorBaselineState[];
  readonly [extra: string]: unknown;
}

/** A fitted-on-normal-data scorer: one score channel per sensor. */
export interface Scorer {
  readonly kind: ScorerKind;
  /**
   * Fit on normal readings: one {@link SensorSeries} per machine, same sensors in the same order.
   * Returns `this`. Async because the neural scorers train with TensorFlow.js.
   */
  fit(machines: readonly SensorSeries[]): Promise<this>;
  /** Scores of one machine's readings: one Float64Array per sensor, same length as the input. */
  score(series: SensorSeries): Float64Array[];
  /** The fitted state as plain JSON. */
  toJSON(): ScorerState;
  /**
   * Fresh per-machine state for scoring one reading at a time: `push(values)` (one value per sensor,
   * in order, finite) returns the channels of that reading — identical to what {@link score} returns
   * at the same position of the whole series. Memory is bounded by the scorer's window, not the series.
   */
  stream(): ScorerStream;
}

/** Incremental scoring state of one machine (see {@link Scorer.stream}). */
export interface ScorerStream {
  /** Score the next reading: one value per sensor in; one channel score per sensor out. */
  push(values: ArrayLike<number>): Float64Array;
}

/** Options shared by the classical scorers. */
export interface ClassicalScorerOptions extends BaselineOptions {
  /** EWMA smoothing λ in (0, 1] (`ewma` and `iforest`). Default 0.2. */
  readonly lambda?: number;
  /** Trees of each isolation forest (`iforest`). Default 100. */
  readonly trees?: number;
  /** Subsample size ψ of each tree (`iforest`). Default 256. */
  readonly sampleSize?: number;
  /** Seed (`iforest`). Default 42. */
  readonly seed?: number;
}

/** Standardised baseline channels of one machine: per sensor, residual and dispersion z. */
export interface MachineChannels {
  readonly residual: Float64Array[];
  readonly dispersion: Float64Array[];
}

/** Fit one {@link SensorBaseline} per sensor on every machine's readings. */
export function fitBaselines(machines: readonly SensorSeries[], opts: BaselineOptions): SensorBaseline[] {
  const first = machines[0];
  if (!first || first.length === 0) throw new ConfigError('Anomaly scorer: no training series (need at least one machine with one sensor).');
  return first.map((_, s) => new SensorBaseline(opts).fit(machines.map((m) => m[s] as Float64Array)));
}

/** Apply fitted baselines to one machine's readings. */
export function baselineChannels(baselines: readonly SensorBaseline[], series: SensorSeries): MachineChannels {
  const residual: Float64Array[] = [];
  const dispersion: Float64Array[] = [];
  baselines.forEach((b, s) => {
    const c = b.transform(series[s] as Float64Array);
    residual.push(c.residual);
    dispersion.push(c.dispersion);
  });
  return { residual, dispersion };
}

/** Exponentially weighted moving average s_t = λx_t + (1 − λ)s_{t−1}, s_{−1} = 0. */
export function ewma(x: Float64Array, lambda: number): Float64Array {
  const out = new Float64Array(x.length);
  let s = 0;
  for (let t = 0; t < x.length; t++) {
    s = lambda * (x[t] as number) + (1 - lambda) * s;
    out[t] = s;
  }
  return out;
}

function checkLambda(l: number): number {
  if (!(l > 0 && l <= 1)) throw new ConfigError(`lambda: expected a number in (0, 1]; got ${l}.`, { option: 'lambda', value: l });
  return l;
}

abstract class BaselineScorer implements Scorer {
  abstract readonly kind: ScorerKind;
  protected baselines: SensorBaseline[] | null = null;
  protected readonly baselineOptions: BaselineOptions;
  constructor(opts: BaselineOptions) {
    this.baselineOptions = { arOrder: opts.arOrder ?? 8, dispersionWindow: opts.dispersionWindow ?? 8 };
    new SensorBaseline(this.baselineOptions); // validate now, not at fit time
  }
  fit(machines: readonly SensorSeries[]): Promise<this> {
    this.baselines = fitBaselines(machines, this.baselineOptions);
    this.fitRest(machines);
    return Promise.resolve(this);
  }
  protected fitRest(_machines: readonly SensorSeries[]): void {}
  protected channels(series: SensorSeries): MachineChannels {
    if (!this.baselines) throw new Error(`${this.kind} scorer used before fit`);
    if (series.length !== this.baselines.length) {
      throw new Error(`${this.kind} scorer: expected ${this.baselines.length} sensors, got ${series.length}`);
    }
    return baselineChannels(this.baselines, series);
  }
  abstract score(series: SensorSeries): Float64Array[];
  abstract stream(): ScorerStream;
  /** Baseline streams for one machine, one per sensor. */
  protected baselineStreams(): BaselineStream[] {
    if (!this.baselines) throw new Error(`${this.kind} scorer used before fit`);
    return this.baselines.map((b) => b.stream());
  }
  protected abstract options(): Record<string, unknown>;
  toJSON(): ScorerState {
    if (!this.baselines) throw new Error(`${this.kind} scorer saved before fit`);
    return { kind: this.kind, options: this.options(), baselines: this.baselines.map((b) => b.toJSON()) };
  }
  /** @internal restore baselines after construction from saved options. */
  restore(s: ScorerState): this {
    this.baselines = s.baselines.map((b) => SensorBaseline.fromJSON(b));
    return this;
  }
}

/**
 * Robust z-score: per sensor, max(|z_res|, |z_disp|) — the residual of the fitted AR baseline and the
 * rolling dispersion, each centred on the training median and scaled by the training MAD × 1.4826.
 */
export class RobustZScorer extends BaselineScorer {
  readonly kind = 'robust-z' as const;
  constructor(opts: ClassicalScorerOptions = {}) {
    super(opts);
  }
  score(series: SensorSeries): Float64Array[] {
    const c = this.channels(series);
    return c.residual.map((r, s) => {
      const d = c.dispersion[s] as Float64Array;
      const out = new Float64Array(r.length);
      for (let t = 0; t < r.length; t++) out[t] = Math.max(Math.abs(r[t] as number), Math.abs(d[t] as number));
      return out;
    });
  }
  stream(): ScorerStream {
    const bs = this.baselineStreams();
    return {
      push: (values) =>
        Float64Array.from(bs, (b, s) => {
          const r = b.push(values[s] as number);
          return Math.max(Math.abs(r), Math.abs(b.dispersion));
        }),
    };
  }
  protected options(): Record<string, unknown> {
    return { ...this.baselineOptions };
  }
}

/**
 * EWMA residual: per sensor, max(|EWMA(z_res)|, |EWMA(z_disp)|) divided by √(λ/(2−λ)), the stationary
 * sd of an EWMA of unit-variance white noise, so the score reads as a z-score (Lucas & Saccucci 1990).
 * Smoothing trades a slower reaction to spikes for sensitivity to small persistent changes.
 */
export class EwmaScorer extends BaselineScorer {
  readonly kind = 'ewma' as const;
  private readonly lambda: number;
  constructor(opts: ClassicalScorerOptions = {}) {
    super(opts);
    this.lambda = checkLambda(opts.lambda ?? 0.2);
  }
  score(series: SensorSeries): Float64Array[] {
    const c = this.channels(series);
    const sd = Math.sqrt(this.lambda / (2 - this.lambda));
    return c.residual.map((r, s) => {
      const er = ewma(r, this.lambda);
      const ed = ewma(c.dispersion[s] as Float64Array, this.lambda);
      const out = new Float64Array(r.length);
      for (let t = 0; t < r.length; t++) out[t] = Math.max(Math.abs(er[t] as number), Math.abs(ed[t] as number)) / sd;
      return out;
    });
  }
  stream(): ScorerStream {
    const bs = this.baselineStreams();
    const l = this.lambda;
    const sd = Math.sqrt(l / (2 - l));
    const er = new Float64Array(bs.length);
    const ed = new Float64Array(bs.length);
    return {
      push: (values) =>
        Float64Array.from(bs, (b, s) => {
          const r = b.push(values[s] as number);
          er[s] = l * r + (1 - l) * (er[s] as number);
          ed[s] = l * b.dispersion + (1 - l) * (ed[s] as number);
          return Math.max(Math.abs(er[s] as number), Math.abs(ed[s] as number)) / sd;
        }),
    };
  }
  protected options(): Record<string, unknown> {
    return { ...this.baselineOptions, lambda: this.lambda };
  }
}

/**
 * Isolation forest per sensor over (z_res, z_disp, EWMA_λ(z_res)). Per sensor rather than one forest
 * over all sensors because an anomaly on one sensor of many is diluted when each split picks a random
 * feature among all (Liu et al. 2008 note the same for high-dimensional data), and per-sensor channels
 * tell the operator which sensor alarmed.
 */
export class IForestScorer extends BaselineScorer {
  readonly kind = 'iforest' as const;
  private readonly lambda: number;
  private readonly trees: number;
  private readonly sampleSize: number;
  private readonly seed: number;
  private forests: IsolationForest[] | null = null;
  constructor(opts: ClassicalScorerOptions = {}) {
    super(opts);
    this.lambda = checkLambda(opts.lambda ?? 0.2);
    this.trees = opts.trees ?? 100;
    this.sampleSize = opts.sampleSize ?? 256;
    this.seed = opts.seed ?? 42;
    new IsolationForest({ trees: this.trees, sampleSize: this.sampleSize, seed: this.seed });
  }
  private features(c: MachineChannels, s: number): Float64Array {
    const r = c.residual[s] as Float64Array;
    const d = c.dispersion[s] as Float64Array;
    const e = ewma(r, this.lambda);
    const x = new Float64Array(r.length * 3);
    for (let t = 0; t < r.length; t++) {
      x[3 * t] = r[t] as number;
      x[3 * t + 1] = d[t] as number;
      x[3 * t + 2] = e[t] as number;
    }
    return x;
  }
  protected override fitRest(machines: readonly SensorSeries[]): void {
    const chans = machines.map((m) => this.channels(m));
    const nSensors = (this.baselines as SensorBaseline[]).length;
    this.forests = [];
    for (let s = 0; s < nSensors; s++) {
      const parts = chans.map((c) => this.features(c, s));
      const total = parts.reduce((a, p) => a + p.length, 0);
      const x = new Float64Array(total);
      let off = 0;
      for (const p of parts) {
        x.set(p, off);
        off += p.length;
      }
      this.forests.push(new IsolationForest({ trees: this.trees, sampleSize: this.sampleSize, seed: this.seed + 7919 * s }).fit(x, total / 3, 3));
    }
  }
  score(series: SensorSeries): Float64Array[] {
    const c = this.channels(series);
    if (!this.forests) throw new Error('iforest scorer used before fit');
    return this.forests.map((f, s) => f.score(this.features(c, s), (c.residual[s] as Float64Array).length));
  }
  stream(): ScorerStream {
    const bs = this.baselineStreams();
    const forests = this.forests;
    if (!forests) throw new Error('iforest scorer used before fit');
    const l = this.lambda;
    const e = new Float64Array(bs.length);
    const x = new Float64Array(3);
    return {
      push: (values) =>
        Float64Array.from(bs, (b, s) => {
          const r = b.push(values[s] as number);
          e[s] = l * r + (1 - l) * (e[s] as number);
          x[0] = r;
          x[1] = b.dispersion;
          x[2] = e[s] as number;
          return (forests[s] as IsolationForest).score(x, 1)[0] as number;
        }),
    };
  }
  protected options(): Record<string, unknown> {
    return { ...this.baselineOptions, lambda: this.lambda, trees: this.trees, sampleSize: this.sampleSize, seed: this.seed };
  }
  override toJSON(): ScorerState {
    if (!this.forests) throw new Error('iforest scorer saved before fit');
    return { ...super.toJSON(), forests: this.forests.map((f) => f.toJSON()) };
  }
  override restore(s: ScorerState): this {
    super.restore(s);
    const forests = s.forests;
    if (!Array.isArray(forests) || forests.length !== s.baselines.length) throw new Error('forests missing');
    this.forests = (forests as IsolationForestState[]).map((f) => IsolationForest.fromJSON(f));
    return this;
  }
}

/** Build an unfitted classical scorer. The neural kinds are built by `createScorer` in autoencoder.ts. */
export function createClassicalScorer(kind: 'robust-z' | 'ewma' | 'iforest', opts: ClassicalScorerOptions = {}): Scorer & { restore(s: ScorerState): Scorer } {
  switch (kind) {
    case 'robust-z':
      return new RobustZScorer(opts);
    case 'ewma':
      return new EwmaScorer(opts);
    case 'iforest':
      return new IForestScorer(opts);
  }
}

/** Restore a classical scorer from its saved state. @throws ModelFormatError if the state is damaged. */
export function classicalScorerFromJSON(s: ScorerState, file: string): Scorer {
  try {
    return createClassicalScorer(s.kind as 'robust-z' | 'ewma' | 'iforest', s.options as ClassicalScorerOptions).restore(s);
  } catch (e) {
    throw new ModelFormatError(`${file}: the saved ${String(s.kind)} scorer is damaged (${(e as Error).message}).`, { file });
  }
}
