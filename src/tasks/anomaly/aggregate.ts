/**
 * Aggregation: the last layer (darts' `Aggregator`). Per-sensor score channels are put on one scale —
 * each channel minus its median on normal calibration data, divided by its MAD × 1.4826 — and combined
 * per machine by `max` (one sensor is enough to alarm; default) or `mean` (many sensors slightly off).
 * Alarm samples of one machine are merged into events when they are at most `minGapSamples` apart.
 */
import { robustLocationScale } from './stats.js';

/** How per-sensor normalised scores become one machine score. */
export type AggregateMode = 'max' | 'mean';
/** Every {@link AggregateMode}. */
export const AGGREGATE_MODES: readonly AggregateMode[] = ['max', 'mean'];

/** Robust location and scale of one score channel on normal data. */
export interface ChannelNorm {
  readonly center: number;
  readonly scale: number;
}

/** Fit each channel's normalisation on normal data: `channels[machine][channel]` score arrays. */
export function fitChannelNorms(channels: readonly (readonly Float64Array[])[]): ChannelNorm[] {
  const nCh = channels[0]?.length ?? 0;
  const out: ChannelNorm[] = [];
  for (let c = 0; c < nCh; c++) {
    const parts = channels.map((m) => m[c] as Float64Array);
    const all = new Float64Array(parts.reduce((a, p) => a + p.length, 0));
    let off = 0;
    for (const p of parts) {
      all.set(p, off);
      off += p.length;
    }
    // The scale floor keeps a channel that is constant on normal data (e.g. all zeros) from dividing by 0.
    const rs = robustLocationScale(all, 1e-9);
    out.push(rs);
  }
  return out;
}

/** The machine score and, per sample, which channel contributed most. */
export interface AggregatedScore {
  readonly score: Float64Array;
  /** Index of the channel with the highest normalised score at each sample. */
  readonly top: Int32Array;
}

/** Normalise each channel and combine them with `mode`. */
export function aggregateScores(channels: readonly Float64Array[], norms: readonly ChannelNorm[], mode: AggregateMode): AggregatedScore {
  const n = channels[0]?.length ?? 0;
  const score = new Float64Array(n);
  const top = new Int32Array(n);
  for (let t = 0; t < n; t++) {
    let best = -Infinity;
    let arg = 0;
    let sum = 0;
    for (let c = 0; c < channels.length; c++) {
      const nm = norms[c] as ChannelNorm;
      const z = (((channels[c] as Float64Array)[t] as number) - nm.center) / nm.scale;
      sum += z;
      if (z > best) {
        best = z;
        arg = c;
      }
    }
    score[t] = mode === 'max' ? best : sum / Math.max(1, channels.length);
    top[t] = arg;
  }
  return { score, top };
}

/** A run of alarms on one machine: sample indices (inclusive) within that machine's series. */
export interface AlarmEvent {
  readonly start: number;
  readonly end: number;
  /** Highest score in the event and where it was. */
  readonly peak: number;
  readonly peakIndex: number;
  /** Channel (sensor) that scored highest at the peak. */
  readonly channel: number;
}

/**
 * Merge the samples whose score exceeds `threshold` into events: two alarm samples at most
 * `minGapSamples` apart (1 = only adjacent samples) belong to the same event.
 */
export function mergeAlarms(score: Float64Array, threshold: number, minGapSamples: number, top?: Int32Array): AlarmEvent[] {
  const events: AlarmEvent[] = [];
  let start = -1;
  let last = -1;
  let peak = -Infinity;
  let peakIndex = -1;
  const close = (): void => {
    if (start >= 0) events.push({ start, end: last, peak, peakIndex, channel: top ? (top[peakIndex] as number) : 0 });
  };
  for (let t = 0; t < score.length; t++) {
    const v = score[t] as number;
    if (!(v > threshold)) continue;
    if (start < 0 || t - last > minGapSamples) {
      close();
      start = t;
      peak = -Infinity;
    }
    last = t;
    if (v > peak) {
      peak = v;
      peakIndex = t;
    }
  }
  close();
  return events;
}
