/**
 * The fitted baseline of one sensor: what "normal" looks like, learned from normal readings, as two
 * standardised residual channels that every scorer builds on.
 *
 * 1. **Prediction residual.** An autoregressive model AR(p) of the first differences Δx_t = x_t − x_{t−1},
 *    fitted by least squares (Box & Jenkins, *Time Series Analysis*, ch. 3 and 7). Differencing removes
 *    the machine-specific level, so one model serves every machine; the AR terms follow slow cycles
 *    (a sinusoid obeys Δx_t ≈ 2cos(ω)Δx_{t−1} − Δx_{t−2}), so the residual is close to the measurement
 *    noise. The residual is robust-standardised with the median and MAD of the training residuals.
 * 2. **Dispersion.** log of the standard deviation of the last `dispersionWindow` differences, robust-
 *    standardised the same way: a stuck sensor (identical readings) drives it far below normal, a noise
 *    burst above — the two-sided log-variance chart (cf. Montgomery, *Introduction to Statistical
 *    Quality Control*, §6.4).
 *
 * Missing readings are carried forward (see {@link fillMissing}); the first samples of a series, before
 * the model has enough history, get z = 0.
 */
import { ConfigError } from '../../core/errors.js';
import { robustLocationScale, solveSpd } from './stats.js';

/** Options of {@link SensorBaseline}. */
export interface BaselineOptions {
  /** Order p of the AR model of the differences (1 … 64). Default 8. */
  readonly arOrder?: number;
  /** Samples in the rolling dispersion window (3 … 1000). Default 8. */
  readonly dispersionWindow?: number;
}

/** Saved state of a fitted {@link SensorBaseline} (plain JSON). */
export interface SensorBaselineState {
  readonly arOrder: number;
  readonly dispersionWindow: number;
  /** AR coefficients of the differences, lag 1 first. */
  readonly ar: number[];
  readonly residual: { center: number; scale: number };
  readonly dispersion: { center: number; scale: number };
  /** Added to the rolling sd before the log, so a stuck sensor gives a large finite z. */
  readonly epsilon: number;
}

/** Standardised channels of one series: `residual` and `dispersion` z-scores, 0 during warm-up. */
export interface BaselineChannels {
  readonly residual: Float64Array;
  readonly dispersion: Float64Array;
}

const MAX_FIT_ROWS = 200_000;
const Z_CLAMP = 1e3;

/**
 * Fit and apply the baseline of one sensor.
 * @example
 * const b = new SensorBaseline().fit([train]);   // one Float64Array per machine
 * const { residual, dispersion } = b.transform(test);
 */
export class SensorBaseline {
  private state: SensorBaselineState | null = null;
  private readonly arOrder: number;
  private readonly dispersionWindow: number;

  /** @throws ConfigError for an order or window out of range. */
  constructor(opts: BaselineOptions = {}) {
    this.arOrder = opts.arOrder ?? 8;
    this.dispersionWindow = opts.dispersionWindow ?? 8;
    if (!Number.isInteger(this.arOrder) || this.arOrder < 1 || this.arOrder > 64) {
      throw new ConfigError(`arOrder: expected an integer in [1, 64]; got ${this.arOrder}.`, { option: 'arOrder', value: this.arOrder });
    }
    if (!Number.isInteger(this.dispersionWindow) || this.dispersionWindow < 3 || this.dispersionWindow > 1000) {
      throw new ConfigError(`dispersionWindow: expected an integer in [3, 1000]; got ${this.dispersionWindow}.`, {
        option: 'dispersionWindow',
        value: this.dispersionWindow,
      });
    }
  }

  /** Fit on one or more series (one per machine, missing values already filled). Returns `this`. */
  fit(series: readonly Float64Array[]): this {
    const p = this.arOrder;
    let rows = 0;
    for (const x of series) rows += Math.max(0, x.length - p - 1);
    if (rows < 2 * p + 2) {
      throw new ConfigError(`Too little training data for the anomaly baseline: need at least ${3 * p + 3} readings per sensor; got ${rows + p + 1}.`, {
        rows,
      });
    }
    const stride = Math.max(1, Math.ceil(rows / MAX_FIT_ROWS));
    const xtx = new Float64Array(p * p);
    const xty = new Float64Array(p);
    const lag = new Float64Array(p);
    let diffScale = 0;
    let k = 0;
    for (const x of series) {
      for (let t = p + 1; t < x.length; t++, k++) {
        if (k % stride !== 0) continue;
        for (let j = 0; j < p; j++) lag[j] = (x[t - 1 - j] as number) - (x[t - 2 - j] as number);
        const y = (x[t] as number) - (x[t - 1] as number);
        diffScale += y * y;
        for (let i = 0; i < p; i++) {
          xty[i] = (xty[i] as number) + (lag[i] as number) * y;
          for (let j = 0; j <= i; j++) xtx[i * p + j] = (xtx[i * p + j] as number) + (lag[i] as number) * (lag[j] as number);
        }
      }
    }
    // Small ridge (1e-6 of the mean diagonal) so a constant series still gives a solvable system.
    let trace = 0;
    for (let i = 0; i < p; i++) trace += xtx[i * p + i] as number;
    const ridge = Math.max(1e-12, (1e-6 * trace) / p);
    for (let i = 0; i < p; i++) {
      xtx[i * p + i] = (xtx[i * p + i] as number) + ridge;
      for (let j = 0; j < i; j++) xtx[j * p + i] = xtx[i * p + j] as number;
    }
    const ar = Array.from(solveSpd(xtx, xty, p));
    const rmsDiff = Math.sqrt(diffScale / Math.max(1, Math.ceil(rows / stride)));
    const epsilon = Math.max(1e-9, 1e-3 * rmsDiff);
    const raw: { r: number[]; d: number[] } = { r: [], d: [] };
    const partial = { arOrder: p, dispersionWindow: this.dispersionWindow, ar, epsilon };
    for (const x of series) {
      const { residual, dispersion } = rawChannels(x, partial);
      for (let t = p + 1; t < x.length; t += stride) raw.r.push(residual[t] as number);
      for (let t = this.dispersionWindow; t < x.length; t += stride) raw.d.push(dispersion[t] as number);
    }
    this.state = {
      ...partial,
      residual: robustLocationScale(raw.r, 1e-12),
      dispersion: robustLocationScale(raw.d, 1e-6),
    };
    return this;
  }

  /** True after {@link fit} or {@link fromJSON}. */
  get fitted(): boolean {
    return this.state !== null;
  }

  /** Standardised residual and dispersion channels of `x` (missing values already filled). */
  transform(x: Float64Array): BaselineChannels {
    const s = this.state;
    if (!s) throw new Error('SensorBaseline.transform before fit'); // internal: scorers check fitted first
    const { residual, dispersion } = rawChannels(x, s);
    for (let t = 0; t < x.length; t++) {
      residual[t] = t <= s.arOrder ? 0 : clamp(((residual[t] as number) - s.residual.center) / s.residual.scale);
      dispersion[t] = t < s.dispersionWindow ? 0 : clamp(((dispersion[t] as number) - s.dispersion.center) / s.dispersion.scale);
    }
    return { residual, dispersion };
  }

  /**
   * An incremental form of {@link transform}: push one reading at a time (missing values already
   * handled by the caller) and get the same (z_res, z_disp) that `transform` gives at that position of
   * the series — bit for bit: the same arithmetic in the same order, including the running sums of the
   * dispersion window and their recomputation every 1024 steps. State: the last max(p, w) + 1
   * differences.
   */
  stream(): BaselineStream {
    const s = this.state;
    if (!s) throw new Error('SensorBaseline.stream before fit');
    return new BaselineStream(s);
  }

  /** The fitted state as plain JSON. */
  toJSON(): SensorBaselineState {
    if (!this.state) throw new Error('SensorBaseline.toJSON before fit');
    return this.state;
  }

  /** Restore from {@link toJSON}. */
  static fromJSON(s: SensorBaselineState): SensorBaseline {
    const b = new SensorBaseline({ arOrder: s.arOrder, dispersionWindow: s.dispersionWindow });
    if (!Array.isArray(s.ar) || s.ar.length !== s.arOrder || !s.residual || !s.dispersion || !Number.isFinite(s.epsilon)) {
      throw new Error('bad baseline state');
    }
    b.state = s;
    return b;
  }
}

function clamp(z: number): number {
  return z > Z_CLAMP ? Z_CLAMP : z < -Z_CLAMP ? -Z_CLAMP : z;
}

/** Unstandardised residual of the AR model and log rolling sd of the differences. */
function rawChannels(x: Float64Array, s: { arOrder: number; dispersionWindow: number; ar: readonly number[]; epsilon: number }): BaselineChannels {
  const n = x.length;
  const p = s.arOrder;
  const w = s.dispersionWindow;
  const residual = new Float64Array(n);
  const dispersion = new Float64Array(n);
  const d = new Float64Array(n);
  for (let t = 1; t < n; t++) d[t] = (x[t] as number) - (x[t - 1] as number);
  for (let t = p + 1; t < n; t++) {
    let pred = 0;
    for (let j = 0; j < p; j++) pred += (s.ar[j] as number) * (d[t - 1 - j] as number);
    residual[t] = (d[t] as number) - pred;
  }
  // Rolling sd of the last w differences d[t−w+1..t], by running sums (recomputed every 1024 steps
  // to bound floating-point drift).
  let sum = 0;
  let sq = 0;
  for (let t = 1; t < n; t++) {
    if (t % 1024 === 0) {
      sum = 0;
      sq = 0;
      for (let k = Math.max(1, t - w); k < t; k++) {
        sum += d[k] as number;
        sq += (d[k] as number) ** 2;
      }
    }
    sum += d[t] as number;
    sq += (d[t] as number) ** 2;
    if (t - w >= 1) {
      sum -= d[t - w] as number;
      sq -= (d[t - w] as number) ** 2;
    }
    if (t >= w) {
      const m = Math.min(t, w);
      const v = Math.max(0, (sq - (sum * sum) / m) / (m - 1));
      dispersion[t] = Math.log(Math.sqrt(v) + s.epsilon);
    }
  }
  return { residual, dispersion };
}

/**
 * Per-reading state of one sensor's baseline (see {@link SensorBaseline.stream}). `push` returns the
 * standardised residual and dispersion of the new reading; memory is O(max(arOrder, dispersionWindow)).
 */
export class BaselineStream {
  /** Readings pushed so far (the index t of the next reading is this value). */
  count = 0;
  private prev = 0;
  private sum = 0;
  private sq = 0;
  /** Ring of the last `size` differences, d[t] at t mod size; d[0] = 0. */
  private readonly ring: Float64Array;
  private readonly size: number;
  /** Last outputs (read after push). */
  residual = 0;
  dispersion = 0;

  constructor(private readonly s: SensorBaselineState) {
    this.size = Math.max(s.arOrder, s.dispersionWindow) + 1;
    this.ring = new Float64Array(this.size);
  }

  private d(k: number): number {
    return this.ring[k % this.size] as number;
  }

  /** Push reading x_t; sets and returns {@link residual} (z_res) — read {@link dispersion} for z_disp. */
  push(x: number): number {
    const s = this.s;
    const t = this.count++;
    const p = s.arOrder;
    const w = s.dispersionWindow;
    const dt = t === 0 ? 0 : x - this.prev;
    this.prev = x;
    this.ring[t % this.size] = dt;
    let rawRes = 0;
    if (t >= p + 1) {
      let pred = 0;
      for (let j = 0; j < p; j++) pred += (s.ar[j] as number) * this.d(t - 1 - j);
      rawRes = dt - pred;
    }
    let rawDisp = 0;
    if (t >= 1) {
      if (t % 1024 === 0) {
        this.sum = 0;
        this.sq = 0;
        for (let k = Math.max(1, t - w); k < t; k++) {
          this.sum += this.d(k);
          this.sq += this.d(k) ** 2;
        }
      }
      this.sum += dt;
      this.sq += dt ** 2;
      if (t - w >= 1) {
        this.sum -= this.d(t - w);
        this.sq -= this.d(t - w) ** 2;
      }
      if (t >= w) {
        const m = Math.min(t, w);
        const v = Math.max(0, (this.sq - (this.sum * this.sum) / m) / (m - 1));
        rawDisp = Math.log(Math.sqrt(v) + s.epsilon);
      }
    }
    this.residual = t <= p ? 0 : clamp((rawRes - s.residual.center) / s.residual.scale);
    this.dispersion = t < w ? 0 : clamp((rawDisp - s.dispersion.center) / s.dispersion.scale);
    return this.residual;
  }
}
