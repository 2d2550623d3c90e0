/** Small robust statistics shared by the anomaly scorers, detector and evaluation. */

/** 1 / Φ⁻¹(3/4): makes the MAD a consistent estimator of σ for Gaussian data (Rousseeuw & Croux 1993). */
export const MAD_TO_SD = 1.482602218505602;

/** The q-quantile (0 ≤ q ≤ 1) of the finite values, linear interpolation (Hyndman & Fan type 7). NaN if none. */
export function quantile(values: ArrayLike<number>, q: number): number {
  const xs: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (Number.isFinite(v)) xs.push(v);
  }
  if (xs.length === 0) return Number.NaN;
  xs.sort((a, b) => a - b);
  const h = (xs.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(xs.length - 1, lo + 1);
  return (xs[lo] as number) + (h - lo) * ((xs[hi] as number) - (xs[lo] as number));
}

/** Median and MAD-based scale (σ-consistent) of the finite values. The scale is never below `floor`. */
export function robustLocationScale(values: ArrayLike<number>, floor = 1e-12): { center: number; scale: number } {
  const center = quantile(values, 0.5);
  const dev = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) dev[i] = Math.abs((values[i] as number) - center);
  const mad = quantile(dev, 0.5) * MAD_TO_SD;
  return { center: Number.isFinite(center) ? center : 0, scale: Number.isFinite(mad) && mad > floor ? mad : floor };
}

/** Forward-fill NaN (leading NaN take the first finite value; all-NaN becomes zeros). Returns a copy. */
export function fillMissing(x: Float64Array): Float64Array {
  const out = new Float64Array(x.length);
  let first = Number.NaN;
  for (let i = 0; i < x.length; i++) {
    if (Number.isFinite(x[i] as number)) {
      first = x[i] as number;
      break;
    }
  }
  let last = Number.isFinite(first) ? first : 0;
  for (let i = 0; i < x.length; i++) {
    const v = x[i] as number;
    if (Number.isFinite(v)) last = v;
    out[i] = last;
  }
  return out;
}

/** Solve the symmetric positive-definite system A x = b (A row-major p×p) by Cholesky. A is not modified. */
export function solveSpd(a: Float64Array, b: Float64Array, p: number): Float64Array {
  const l = new Float64Array(p * p);
  for (let i = 0; i < p; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * p + j] as number;
      for (let k = 0; k < j; k++) s -= (l[i * p + k] as number) * (l[j * p + k] as number);
      if (i === j) l[i * p + i] = Math.sqrt(Math.max(s, 1e-300));
      else l[i * p + j] = s / (l[j * p + j] as number);
    }
  }
  const y = new Float64Array(p);
  for (let i = 0; i < p; i++) {
    let s = b[i] as number;
    for (let k = 0; k < i; k++) s -= (l[i * p + k] as number) * (y[k] as number);
    y[i] = s / (l[i * p + i] as number);
  }
  const x = new Float64Array(p);
  for (let i = p - 1; i >= 0; i--) {
    let s = y[i] as number;
    for (let k = i + 1; k < p; k++) s -= (l[k * p + i] as number) * (x[k] as number);
    x[i] = s / (l[i * p + i] as number);
  }
  return x;
}
