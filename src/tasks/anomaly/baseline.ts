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
