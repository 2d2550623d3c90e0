/**
 * Streaming (incremental) anomaly scoring: the online form of {@link AnomalyDetector.detect}.
 *
 * `createStreamScorer(model)` keeps, per asset (machine), the scorer's rolling state (baseline
 * differences and dispersion sums, EWMA states, autoencoder / forecaster windows), the last timestamp
 * and the open alarm event. `push({ asset, ts, values })` scores one reading and returns the same score
 * `detect` gives at that position of the asset's series — bit for bit, every scorer kind (tested in
 * stream.test.ts by feeding a stream one reading at a time and comparing with batch `detect`):
 *
 * - score = the detector's normalised, aggregated score; `isAnomaly` = score > threshold (the
 *   detector's current `threshold`, read at every push, so an edit applies at once);
 * - `alarmStart` is true on the first alarm of a new event (alert on this for the earliest signal);
 * - `event` is set when an event becomes final: `minGapSamples` + 1 readings after its last alarm no
 *   later alarm can join it. Events are then exactly those of `detect` (call {@link StreamScorer.flush}
 *   at the end of a stream to close the open ones).
 *
 * Bad input never throws and never changes state: the reading is rejected with a reason and the stream
 * goes on (docs/anomaly.md, "Streaming"):
 *
 * | reason | code | when |
 * |---|---|---|
 * | `bad-timestamp` | SF_DATA_PARSE | `ts` is not a finite number (epoch ms) |
 * | `duplicate` | SF_DATA_PARSE | `ts` equals the asset's last accepted timestamp |
 * | `out-of-order` | SF_DATA_PARSE | `ts` is before the asset's last accepted timestamp |
 * | `missing-value` | SF_DATA_PARSE | a sensor value is NaN, ±Infinity, null or absent (batch scoring would carry the last value forward; a live stream rejects it so the gap is visible) |
 * | `wrong-sensors` | SF_DATA_SCHEMA | an array of the wrong length, or `values` neither an array nor an object |
 * | `bad-asset` | SF_DATA_PARSE | `asset` is given and not a string |
 * | `too-many-assets` | SF_DATA_SCHEMA | a new asset beyond `maxAssets` (call `remove` for retired assets) |
 *
 * Memory: per asset O(window × sensors) numbers (the scorer's window, not the stream's length), and
 * at most `maxAssets` assets — bounded whatever the stream's length.
 *
 * @example
 * await initBackend();                                   // neural detectors only
 * const { detector } = await loadAnomalyModel('det');
 * const live = createStreamScorer(detector);
 * const r = live.push({ asset: 'M001', ts: Date.parse('2024-01-01T00:00:00Z'), values: { temperature: 65.2, current: 31.9 } });
 * if (r.accepted && r.alarmStart) alert(r.asset, r.sensor, r.score);
 */
import { ConfigError } from '../../core/errors.js';
import { AnomalyDetector } from './detector.js';
import type { LoadedAnomalyModel } from './model-dir.js';
import type { ScorerStream } from './scorers.js';

/** One reading of every sensor of an asset at one time. */
export interface StreamReading {
  /** Asset (machine) id; default '' (a single series). */
  readonly asset?: string;
  /** Time of the reading, epoch ms (any strictly increasing number per asset works). */
  readonly ts: number;
  /** Sensor values: an array in the model's sensor order, or an object keyed by sensor name (extra keys are ignored). */
  readonly values: ArrayLike<number> | Readonly<Record<string, number | null | undefined>>;
}

/** Why a reading was rejected (see the module comment). */
export type StreamRejectReason = 'bad-timestamp' | 'duplicate' | 'out-of-order' | 'missing-value' | 'wrong-sensors' | 'bad-asset' | 'too-many-assets';

/** A rejected reading: the stream's state is unchanged. */
export interface StreamRejection {
  readonly accepted: false;
  readonly asset: string;
  readonly ts: number;
  readonly reason: StreamRejectReason;
  readonly code: 'SF_DATA_PARSE' | 'SF_DATA_SCHEMA';
  readonly message: string;
}

/** A finished alarm event of one asset (the streaming form of {@link AlarmEvent}, with timestamps). */
export interface StreamEvent {
  readonly asset: string;
  /** Sample indices within the asset's accepted readings (0 = its first), inclusive. */
  readonly start: number;
  readonly end: number;
  readonly startTs: number;
  readonly endTs: number;
  /** Highest score in the event, where and on which sensor. */
  readonly peak: number;
  readonly peakIndex: number;
  readonly peakTs: number;
  readonly channel: number;
  readonly sensor: string;
}

/** The score of an accepted reading. */
export interface StreamScore {
  readonly accepted: true;
  readonly asset: string;
  readonly ts: number;
  /** Index of this reading among the asset's accepted readings. */
  readonly index: number;
  /** Normalised, aggregated score (as `detect`'s `score`). */
  readonly score: number;
  /** score > threshold. */
  readonly isAnomaly: boolean;
  /** Sensor with the highest normalised score, and its index. */
  readonly sensor: string;
  readonly channel: number;
  /** Raw scorer channels of this reading, one per sensor (as `detect`'s `channels`). */
  readonly channels: Float64Array;
  /** True on the first alarm of a new event. */
  readonly alarmStart: boolean;
  /** An event that became final with this reading (an earlier one; see the module comment). */
  readonly event?: StreamEvent;
}

/** Options of {@link createStreamScorer}. */
export interface StreamScorerOptions {
  /** Most assets tracked at once (1 … 10,000,000). Default 10,000. */
  readonly maxAssets?: number;
}

/** The online scorer (see the module comment). */
export interface StreamScorer {
  /** The model's sensor names, in the order array `values` must follow. */
  readonly sensors: readonly string[];
  /** Assets with state. */
  readonly assetCount: number;
  /** Score one reading (never throws for bad input: see {@link StreamRejection}). */
  push(reading: StreamReading): StreamScore | StreamRejection;
  /** Close and return the open events (of one asset, or all), e.g. at the end of a replayed stream. */
  flush(asset?: string): StreamEvent[];
  /** Forget an asset (its next reading starts a new series, with warm-up); returns its open event, if any. */
  remove(asset: string): StreamEvent | undefined;
}

interface OpenEvent {
  start: number;
  last: number;
  startTs: number;
  lastTs: number;
  peak: number;
  peakIndex: number;
  peakTs: number;
  channel: number;
}

interface AssetState {
  readonly scorer: ScorerStream;
  lastTs: number;
  index: number;
  open: OpenEvent | null;
}

/**
 * Create an online scorer for a fitted detector (or a loaded model directory). Neural detectors need
 * `await initBackend()` first, as for `detect`.
 * @throws ConfigError for an invalid `maxAssets`.
 */
export function createStreamScorer(model: AnomalyDetector | LoadedAnomalyModel, opts: StreamScorerOptions = {}): StreamScorer {
  const detector = model instanceof AnomalyDetector ? model : model.detector;
  const maxAssets = opts.maxAssets ?? 10_000;
  if (!Number.isInteger(maxAssets) || maxAssets < 1 || maxAssets > 10_000_000) {
    throw new ConfigError(`maxAssets: expected an integer in [1, 10000000]; got ${maxAssets}.`, { option: 'maxAssets', value: maxAssets });
  }
  const sensors = detector.sensors;
  const S = sensors.length;
  const { norms, aggregate: mode, minGapSamples: minGap } = detector.state;
  const assets = new Map<string, AssetState>();
  const values = new Float64Array(S);

  const reject = (asset: string, ts: number, reason: StreamRejectReason, message: string): StreamRejection => ({
    accepted: false,
    asset,
    ts,
    reason,
    code: reason === 'wrong-sensors' || reason === 'too-many-assets' ? 'SF_DATA_SCHEMA' : 'SF_DATA_PARSE',
    message,
  });

  const finish = (asset: string, e: OpenEvent): StreamEvent => ({
    asset,
    start: e.start,
    end: e.last,
    startTs: e.startTs,
    endTs: e.lastTs,
    peak: e.peak,
    peakIndex: e.peakIndex,
    peakTs: e.peakTs,
    channel: e.channel,
    sensor: sensors[e.channel] as string,
  });

  /** Copy the reading's values into `values`; an error message, or null when all are finite. */
  const readValues = (v: StreamReading['values']): [StreamRejectReason, string] | null => {
    if (v === null || typeof v !== 'object') return ['wrong-sensors', `values: expected an array of ${S} numbers or an object keyed by sensor name; got ${v === null ? 'null' : typeof v}.`];
    if (Array.isArray(v) || ArrayBuffer.isView(v)) {
      const a = v as ArrayLike<number>;
      if (a.length !== S) return ['wrong-sensors', `values: expected ${S} numbers (${sensors.join(', ')}); got ${a.length}.`];
      for (let s = 0; s < S; s++) {
        const x = a[s];
        if (typeof x !== 'number' || !Number.isFinite(x)) return ['missing-value', `value of '${sensors[s] as string}' (position ${s}) is ${String(x)}; expected a finite number.`];
        values[s] = x;
      }
      return null;
    }
    const o = v as Readonly<Record<string, unknown>>;
    for (let s = 0; s < S; s++) {
      const name = sensors[s] as string;
      const x = o[name];
      if (typeof x !== 'number' || !Number.isFinite(x)) {
        return ['missing-value', `value of '${name}' is ${x === undefined ? 'absent' : String(x)}; expected a finite number (sensors: ${sensors.join(', ')}).`];
      }
      values[s] = x;
    }
    return null;
  };

  return {
    sensors,
    get assetCount() {
      return assets.size;
    },
    push(reading: StreamReading): StreamScore | StreamRejection {
      const rawAsset = (reading as { asset?: unknown } | null)?.asset;
      const ts = (reading as { ts?: unknown } | null)?.ts as number;
      if (rawAsset !== undefined && typeof rawAsset !== 'string') return reject(String(rawAsset), Number.NaN, 'bad-asset', `asset: expected a string; got ${typeof rawAsset}.`);
      const asset = rawAsset ?? '';
      if (typeof ts !== 'number' || !Number.isFinite(ts)) return reject(asset, Number.NaN, 'bad-timestamp', `ts: expected a finite number (epoch ms); got ${String(ts)}.`);
      let st = assets.get(asset);
      if (st) {
        if (ts === st.lastTs) return reject(asset, ts, 'duplicate', `${asset || 'series'}: a reading at ts ${ts} was already scored; this one is ignored.`);
        if (ts < st.lastTs) return reject(asset, ts, 'out-of-order', `${asset || 'series'}: ts ${ts} is before the last scored reading (${st.lastTs}); readings must arrive in time order.`);
      } else if (assets.size >= maxAssets) {
        return reject(asset, ts, 'too-many-assets', `${asset}: already tracking maxAssets = ${maxAssets} assets; remove retired ones or raise maxAssets.`);
      }
      const bad = readValues(reading.values);
      if (bad) return reject(asset, ts, bad[0], `${asset ? `${asset} ` : ''}at ts ${ts}: ${bad[1]}`);
      if (!st) {
        st = { scorer: detector.scorerStream(), lastTs: ts, index: 0, open: null };
        assets.set(asset, st);
      }
      const channels = st.scorer.push(values);
      // Normalise and aggregate exactly as aggregateScores does.
      let best = -Infinity;
      let arg = 0;
      let sum = 0;
      for (let c = 0; c < S; c++) {
        const nm = norms[c] as { center: number; scale: number };
        const z = ((channels[c] as number) - nm.center) / nm.scale;
        sum += z;
        if (z > best) {
          best = z;
          arg = c;
        }
      }
      const score = mode === 'max' ? best : sum / Math.max(1, S);
      const t = st.index++;
      st.lastTs = ts;
      const isAnomaly = score > detector.threshold;
      // Events exactly as mergeAlarms: an alarm more than minGap samples after the last one starts a new event.
      let event: StreamEvent | undefined;
      if (st.open && t - st.open.last > minGap) {
        event = finish(asset, st.open);
        st.open = null;
      }
      let alarmStart = false;
      if (isAnomaly) {
        if (!st.open) {
          st.open = { start: t, last: t, startTs: ts, lastTs: ts, peak: -Infinity, peakIndex: t, peakTs: ts, channel: arg };
          alarmStart = true;
        }
        const o = st.open;
        o.last = t;
        o.lastTs = ts;
        if (score > o.peak) {
          o.peak = score;
          o.peakIndex = t;
          o.peakTs = ts;
          o.channel = arg;
        }
      }
      return { accepted: true, asset, ts, index: t, score, isAnomaly, sensor: sensors[arg] as string, channel: arg, channels, alarmStart, ...(event ? { event } : {}) };
    },
    flush(asset?: string): StreamEvent[] {
      const out: StreamEvent[] = [];
      for (const [id, st] of assets) {
        if (asset !== undefined && id !== asset) continue;
        if (st.open) out.push(finish(id, st.open));
        st.open = null;
      }
      return out;
    },
    remove(asset: string): StreamEvent | undefined {
      const st = assets.get(asset);
      if (!st) return undefined;
      assets.delete(asset);
      return st.open ? finish(asset, st.open) : undefined;
    },
  };
}
