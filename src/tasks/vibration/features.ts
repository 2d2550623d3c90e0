/**
 * Hand-crafted vibration features of one window (the classic condition-monitoring set; Lei et al.
 * 2020, "Applications of machine learning to machine fault diagnosis: a review"):
 *
 * - time domain: RMS, standard deviation, skewness, kurtosis, crest factor, peak-to-peak, impulse
 *   and shape factors;
 * - spectrum: log mean FFT magnitude in `bands` equal-width bands from 0 to fs/2, spectral centroid;
 * - envelope spectrum: the Hilbert envelope of the band-passed window, its spectrum, and for each
 *   defect frequency (BPFI, BPFO, BSF from the shaft speed and the bearing geometry) and harmonics
 *   1..`harmonics` the peak within ±`toleranceFraction` (at least ±2 bins) over the median level of
 *   the envelope spectrum (log10 ratio: 0 = no peak).
 */
import { ConfigError } from '../../core/errors.js';
import { defectFrequencies, SKF_6205, type BearingGeometry } from './bearing.js';
import { fft, hilbertEnvelope, isPowerOfTwo, magnitudeSpectrum } from './fft.js';

/** Options of {@link featureNames}/{@link vibrationFeatures}. */
export interface FeatureOptions {
  /** Sampling rate [12000] Hz. */
  readonly sampleRateHz?: number;
  /** Equal-width FFT magnitude bands from 0 to fs/2 [32]. */
  readonly bands?: number;
  /** Envelope analysis band [500, 5500] Hz (band-pass before the Hilbert transform). */
  readonly envelopeBandHz?: readonly [number, number];
  /** Harmonics of each defect frequency [3]. */
  readonly harmonics?: number;
  /** Search half-width around a defect harmonic as a fraction of its frequency [0.03]. */
  readonly toleranceFraction?: number;
  /** Bearing geometry [SKF 6205]. */
  readonly bearing?: BearingGeometry;
}

/** Resolved feature options (saved with the model). */
export interface ResolvedFeatureOptions {
  sampleRateHz: number;
  bands: number;
  envelopeBandHz: [number, number];
  harmonics: number;
  toleranceFraction: number;
  bearing: BearingGeometry;
}

/** Fill in defaults and validate. @throws ConfigError */
export function resolveFeatureOptions(o: FeatureOptions = {}): ResolvedFeatureOptions {
  const r: ResolvedFeatureOptions = {
    sampleRateHz: o.sampleRateHz ?? 12000,
    bands: o.bands ?? 32,
    envelopeBandHz: [...(o.envelopeBandHz ?? [500, 5500])] as [number, number],
    harmonics: o.harmonics ?? 3,
    toleranceFraction: o.toleranceFraction ?? 0.03,
    bearing: o.bearing ?? SKF_6205,
  };
  if (!(r.sampleRateHz > 0)) throw new ConfigError(`sampleRateHz: expected a positive number; got ${r.sampleRateHz}.`, { option: 'sampleRateHz' });
  if (!Number.isInteger(r.bands) || r.bands < 1 || r.bands > 1024) throw new ConfigError(`bands: expected an integer in [1, 1024]; got ${r.bands}.`, { option: 'bands' });
  if (!Number.isInteger(r.harmonics) || r.harmonics < 1 || r.harmonics > 10) throw new ConfigError(`harmonics: expected an integer in [1, 10]; got ${r.harmonics}.`, { option: 'harmonics' });
  const [lo, hi] = r.envelopeBandHz;
  if (!(lo >= 0 && hi > lo)) throw new ConfigError(`envelopeBandHz: expected 0 ≤ low < high; got [${lo}, ${hi}].`, { option: 'envelopeBandHz' });
  return r;
}

const TIME_FEATURES = ['rms', 'std', 'skewness', 'kurtosis', 'crest', 'peak_to_peak', 'impulse', 'shape'] as const;

/** Names of the features, in the order of {@link vibrationFeatures}. */
export function featureNames(o: ResolvedFeatureOptions): string[] {
  const names: string[] = [...TIME_FEATURES];
  for (let b = 0; b < o.bands; b++) names.push(`band_${b}`);
  names.push('spectral_centroid');
  for (const d of ['bpfi', 'bpfo', 'bsf']) for (let h = 1; h <= o.harmonics; h++) names.push(`env_${d}_${h}x`);
  names.push('env_rms', 'env_kurtosis');
  return names;
}

function moments(x: ArrayLike<number>): { mean: number; std: number; skew: number; kurt: number } {
  const n = x.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += x[i] as number;
  mean /= n;
  let m2 = 0;
  let m3 = 0;
  let m4 = 0;
  for (let i = 0; i < n; i++) {
    const d = (x[i] as number) - mean;
    const d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  m2 /= n;
  m3 /= n;
  m4 /= n;
  const std = Math.sqrt(m2);
  return { mean, std, skew: m2 > 0 ? m3 / m2 ** 1.5 : 0, kurt: m2 > 0 ? m4 / (m2 * m2) : 0 };
}

function median(a: Float64Array): number {
  const s = Float64Array.from(a).sort();
  return s.length ? (s[s.length >> 1] as number) : 0;
}

/**
 * Envelope spectrum of a window: one-sided magnitude of the FFT of the (mean-removed) Hilbert envelope
 * of the band-passed signal. Bin k is at k·fs/n Hz.
 */
export function envelopeSpectrum(x: ArrayLike<number>, o: ResolvedFeatureOptions): Float64Array {
  return spectrumOfEnvelope(hilbertEnvelope(x, o.sampleRateHz, o.envelopeBandHz[0], o.envelopeBandHz[1]));
}

function spectrumOfEnvelope(env: Float64Array): Float64Array {
  let m = 0;
  for (let i = 0; i < env.length; i++) m += env[i] as number;
  m /= env.length;
  const re = new Float64Array(env.length);
  for (let i = 0; i < env.length; i++) re[i] = (env[i] as number) - m;
  const im = new Float64Array(env.length);
  fft(re, im);
  const out = new Float64Array((env.length >> 1) + 1);
  for (let k = 0; k < out.length; k++) out[k] = Math.sqrt((re[k] as number) ** 2 + (im[k] as number) ** 2) / env.length;
  return out;
}

/** Peak of `spec` within ±tolerance of `freqHz` (at least ±2 bins). */
export function peakNear(spec: Float64Array, freqHz: number, binHz: number, toleranceFraction: number): { value: number; freqHz: number } {
  const c = freqHz / binHz;
  const w = Math.max(2, (freqHz * toleranceFraction) / binHz);
  const lo = Math.max(0, Math.floor(c - w));
  const hi = Math.min(spec.length - 1, Math.ceil(c + w));
  let best = -Infinity;
  let at = lo;
  for (let k = lo; k <= hi; k++) {
    if ((spec[k] as number) > best) {
      best = spec[k] as number;
      at = k;
    }
  }
  return { value: best, freqHz: at * binHz };
}

/**
 * Features of one window (length a power of two) recorded at shaft speed `rpm`.
 * @throws ConfigError when the window length is not a power of two.
 */
export function vibrationFeatures(x: ArrayLike<number>, rpm: number, o: ResolvedFeatureOptions): Float64Array {
  const n = x.length;
  if (!isPowerOfTwo(n)) throw new ConfigError(`features: the window length must be a power of two; got ${n}.`, { window: n });
  const out: number[] = [];
  const mo = moments(x);
  let sumSq = 0;
  let sumAbs = 0;
  let max = -Infinity;
  let min = Infinity;
  let peak = 0;
  for (let i = 0; i < n; i++) {
    const v = x[i] as number;
    sumSq += v * v;
    sumAbs += Math.abs(v);
    if (v > max) max = v;
    if (v < min) min = v;
    if (Math.abs(v) > peak) peak = Math.abs(v);
  }
  const rms = Math.sqrt(sumSq / n);
  const meanAbs = sumAbs / n;
  out.push(rms, mo.std, mo.skew, mo.kurt, rms > 0 ? peak / rms : 0, max - min, meanAbs > 0 ? peak / meanAbs : 0, meanAbs > 0 ? rms / meanAbs : 0);

  const spec = magnitudeSpectrum(x);
  const binHz = o.sampleRateHz / n;
  const perBand = (spec.length - 1) / o.bands;
  let wsum = 0;
  let tot = 0;
  for (let b = 0; b < o.bands; b++) {
    const lo = Math.floor(1 + b * perBand);
    const hi = Math.max(lo + 1, Math.floor(1 + (b + 1) * perBand));
    let s = 0;
    for (let k = lo; k < hi && k < spec.length; k++) s += spec[k] as number;
    out.push(Math.log10(s / (hi - lo) + 1e-12));
  }
  for (let k = 1; k < spec.length; k++) {
    wsum += (spec[k] as number) * k * binHz;
    tot += spec[k] as number;
  }
  out.push(tot > 0 ? wsum / tot : 0);

  const envSignal = hilbertEnvelope(x, o.sampleRateHz, o.envelopeBandHz[0], o.envelopeBandHz[1]);
  const env = spectrumOfEnvelope(envSignal);
  const f = defectFrequencies(rpm, o.bearing);
  // Median level between 10 Hz and 600 Hz: the noise floor the defect peaks stand on.
  const floor = median(env.subarray(Math.ceil(10 / binHz), Math.min(env.length, Math.floor(600 / binHz) + 1))) + 1e-12;
  for (const fd of [f.bpfiHz, f.bpfoHz, f.bsfHz]) {
    for (let h = 1; h <= o.harmonics; h++) out.push(Math.log10(peakNear(env, fd * h, binHz, o.toleranceFraction).value / floor + 1e-12));
  }
  let envSq = 0;
  for (let k = 1; k < env.length; k++) envSq += (env[k] as number) ** 2;
  out.push(Math.sqrt(envSq), moments(envSignal).kurt);
  return Float64Array.from(out);
}
