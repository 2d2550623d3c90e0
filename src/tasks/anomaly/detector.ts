/**
 * The detector: a fitted scorer + per-channel normalisation + aggregation + a threshold calibrated on
 * normal data for a target false-alarm rate (darts' `AnomalyDetector` layered over `AnomalyScorer`).
 *
 * Calibration (why it is honest): each machine's normal series is split in time; the scorer is fitted
 * on the first `1 − calibrationFraction` and the threshold is the `1 − falseAlarmRate` quantile of the
 * aggregated scores on the held-out rest, so the threshold is set on data the scorer has not seen. The
 * achievable rate is limited by the calibration size: with n calibration samples, a rate below 1/n
 * sets the threshold at the largest calibration score (a warning says so).
 *
 * Saved as plain JSON ({@link DetectorState}, `formatVersion` {@link DETECTOR_FORMAT_VERSION}). The
 * `threshold` field is a plain number on the aggregated, normalised score scale and may be edited by
 * hand: raise it for fewer alarms, lower it for earlier ones (see docs/anomaly.md).
 */
import { ConfigError, ModelFormatError, assertOneOf } from '../../core/errors.js';
import { AGGREGATE_MODES, aggregateScores, fitChannelNorms, mergeAlarms, type AggregateMode, type AlarmEvent, type ChannelNorm } from './aggregate.js';
import type { AutoencoderOptions } from './autoencoder.js';
import type { ForecasterOptions } from './forecaster.js';
import {
  SCORER_KINDS,
  classicalScorerFromJSON,
  createClassicalScorer,
  type ClassicalScorerOptions,
  type Scorer,
  type ScorerKind,
  type ScorerState,
  type ScorerStream,
  type SensorSeries,
} from './scorers.js';
import { quantile } from './stats.js';

/** Version of the saved detector JSON; bumped on incompatible changes. */
export const DETECTOR_FORMAT_VERSION = 1;

/** Options of {@link AnomalyDetector.fit}. */
export interface AnomalyDetectorOptions {
  /** Scorer kind. Default `robust-z`. */
  readonly detector?: ScorerKind;
  /** Target share of normal samples that alarm, in (0, 0.5]. Default 0.001. */
  readonly falseAlarmRate?: number;
  /** Aggregation of sensor channels. Default `max`. */
  readonly aggregate?: AggregateMode;
  /** Alarms at most this many samples apart form one event (1 … 100,000). Default 10. */
  readonly minGapSamples?: number;
  /** Share of each machine's series (its end) held out to calibrate the threshold, [0.05, 0.5]. Default 0.2. */
  readonly calibrationFraction?: number;
  /** Seed of every random choice (isolation forest, network weights and batches). Default 42. */
  readonly seed?: number;
  /** Options of the scorer (see scorers.ts, autoencoder.ts and forecaster.ts; each kind reads its own). */
  readonly scorer?: ScorerOptions;
  /** Called with warnings (e.g. a rate below what the calibration size can resolve). */
  readonly onWarning?: (message: string) => void;
}

/** The saved detector (plain JSON). Edit `threshold` to change the alarm level. */
export interface DetectorState {
  readonly formatVersion: number;
  readonly kind: 'anomaly-detector';
  readonly detector: ScorerKind;
  /** Sensor columns, in the order the scorer expects them. */
  readonly sensors: string[];
  /** Alarm when the aggregated normalised score is strictly above this. */
  readonly threshold: number;
  readonly falseAlarmRate: number;
  readonly aggregate: AggregateMode;
  readonly minGapSamples: number;
  readonly calibration: { readonly samples: number; readonly fraction: number; readonly alarmRate: number };
  readonly norms: ChannelNorm[];
  readonly scorer: ScorerState;
}

/** Scores and alarms of one machine's series. */
export interface DetectionResult {
  /** Raw scorer output, one array per sensor. */
  readonly channels: Float64Array[];
  /** Aggregated normalised score per sample. */
  readonly score: Float64Array;
  /** Sensor (index into `sensors`) with the highest normalised score per sample. */
  readonly top: Int32Array;
  /** 1 where score > threshold. */
  readonly alarm: Uint8Array;
  readonly events: AlarmEvent[];
}

/** Options of every scorer kind (each kind reads its own; `window` is the autoencoders' or the forecaster's). */
export type ScorerOptions = ClassicalScorerOptions & AutoencoderOptions & ForecasterOptions;

/** Build a scorer; the neural modules (and TensorFlow.js) are loaded only when one is asked for. */
async function createScorer(kind: ScorerKind, opts: ScorerOptions): Promise<Scorer> {
  if (kind === 'transformer') {
    const { TransformerForecastScorer } = await import('./forecaster.js');
    return new TransformerForecastScorer(opts);
  }
  if (kind === 'autoencoder' || kind === 'window-autoencoder' || kind === 'lstm-autoencoder') {
    const { AutoencoderScorer } = await import('./autoencoder.js');
    return new AutoencoderScorer(kind, opts);
  }
  return createClassicalScorer(kind, opts);
}

/**
 * An anomaly detector fitted on normal readings.
 * @example
 * const det = await AnomalyDetector.fit(machines.map((m) => m.series), ['temperature', 'current'], { detector: 'iforest' });
 * const { events } = det.detect(series);
 * writeFileAtomic('detector.json', JSON.stringify(det.toJSON()));
 */
export class AnomalyDetector {
  /** Alarm level on the aggregated score; editable (see the module comment). */
  threshold: number;
  private constructor(
    readonly state: Omit<DetectorState, 'threshold' | 'scorer'>,
    threshold: number,
    private readonly scorer: Scorer,
  ) {
    this.threshold = threshold;
  }

  /** Sensor column names, in order. */
  get sensors(): readonly string[] {
    return this.state.sensors;
  }

  /**
   * Fit the scorer, the channel normalisation and the threshold on normal series (one per machine,
   * sensors in the order of `sensors`).
   * @throws ConfigError for invalid options or too little data.
   */
  static async fit(machines: readonly SensorSeries[], sensors: readonly string[], opts: AnomalyDetectorOptions = {}): Promise<AnomalyDetector> {
    const kind = assertOneOf('detector', opts.detector ?? 'robust-z', SCORER_KINDS);
    const far = opts.falseAlarmRate ?? 0.001;
    if (!(far > 0 && far <= 0.5)) throw new ConfigError(`falseAlarmRate: expected a number in (0, 0.5]; got ${far}.`, { option: 'falseAlarmRate', value: far });
    const mode = assertOneOf('aggregate', opts.aggregate ?? 'max', AGGREGATE_MODES);
    const minGap = opts.minGapSamples ?? 10;
    if (!Number.isInteger(minGap) || minGap < 1 || minGap > 100_000) {
      throw new ConfigError(`minGapSamples: expected an integer in [1, 100000]; got ${minGap}.`, { option: 'minGapSamples', value: minGap });
    }
    const cf = opts.calibrationFraction ?? 0.2;
    if (!(cf >= 0.05 && cf <= 0.5)) throw new ConfigError(`calibrationFraction: expected a number in [0.05, 0.5]; got ${cf}.`, { option: 'calibrationFraction', value: cf });
    if (machines.length === 0) throw new ConfigError('Anomaly detector: no training data.');
    const scorer = await createScorer(kind, { seed: opts.seed ?? 42, ...opts.scorer });
    const cut = machines.map((m) => Math.floor((m[0]?.length ?? 0) * (1 - cf)));
    await scorer.fit(machines.map((m, k) => m.map((x) => x.subarray(0, cut[k]))));
    const cal = machines.map((m, k) => scorer.score(m).map((c) => c.slice(cut[k])));
    const norms = fitChannelNorms(cal);
    const calScores = cal.map((c) => aggregateScores(c, norms, mode).score);
    const all = new Float64Array(calScores.reduce((a, s) => a + s.length, 0));
    let off = 0;
    for (const s of calScores) {
      all.set(s, off);
      off += s.length;
    }
    if (all.length * far < 1) {
      opts.onWarning?.(
        `false-alarm rate ${far} is below 1 / ${all.length} calibration samples: the threshold is the largest calibration score, and the actual rate on new normal data may be higher. Train on more normal data for a rate this low.`,
      );
    }
    const threshold = quantile(all, 1 - far);
    let above = 0;
    for (const v of all) if (v > threshold) above++;
    return new AnomalyDetector(
      {
        formatVersion: DETECTOR_FORMAT_VERSION,
        kind: 'anomaly-detector',
        detector: kind,
        sensors: [...sensors],
        falseAlarmRate: far,
        aggregate: mode,
        minGapSamples: minGap,
        calibration: { samples: all.length, fraction: cf, alarmRate: all.length ? above / all.length : 0 },
        norms,
      },
      threshold,
      scorer,
    );
  }

  /** Score one machine's series (sensors in the order of {@link sensors}) and find alarms and events. */
  detect(series: SensorSeries): DetectionResult {
    const channels = this.scorer.score(series);
    const { score, top } = aggregateScores(channels, this.state.norms, this.state.aggregate);
    const alarm = new Uint8Array(score.length);
    for (let t = 0; t < score.length; t++) alarm[t] = (score[t] as number) > this.threshold ? 1 : 0;
    return { channels, score, top, alarm, events: mergeAlarms(score, this.threshold, this.state.minGapSamples, top) };
  }

  /**
   * Fresh per-machine scoring state for one reading at a time: `push(values)` returns the raw channels
   * of that reading, equal to {@link detect}'s `channels` at the same position. Used by stream.ts
   * ({@link createStreamScorer}), which adds normalisation, threshold and events.
   */
  scorerStream(): ScorerStream {
    return this.scorer.stream();
  }

  /** The detector as plain JSON (threshold included, editable). */
  toJSON(): DetectorState {
    return { ...this.state, threshold: this.threshold, scorer: this.scorer.toJSON() };
  }

  /**
   * Restore a saved detector. Neural detectors need `await initBackend()` first.
   * @throws ModelFormatError naming `file` for a wrong version, kind, or a damaged or edited-to-invalid field.
   */
  static async fromJSON(s: DetectorState, file = 'detector.json'): Promise<AnomalyDetector> {
    if (s === null || typeof s !== 'object') throw new ModelFormatError(`${file}: expected a JSON object.`, { file });
    if (s.formatVersion !== DETECTOR_FORMAT_VERSION) {
      throw new ModelFormatError(`${file}: format version ${String(s.formatVersion)} is not supported (this shopfloor reads ${DETECTOR_FORMAT_VERSION}).`, { file });
    }
    if (s.kind !== 'anomaly-detector') throw new ModelFormatError(`${file}: expected kind 'anomaly-detector'; got '${String(s.kind)}'.`, { file });
    if (typeof s.threshold !== 'number' || !Number.isFinite(s.threshold)) {
      throw new ModelFormatError(`${file}: 'threshold' must be a finite number; got ${JSON.stringify(s.threshold)}.`, { file, field: 'threshold' });
    }
    if (!(SCORER_KINDS as readonly string[]).includes(s.detector) || s.scorer?.kind !== s.detector) {
      throw new ModelFormatError(`${file}: unknown detector '${String(s.detector)}'; expected one of ${SCORER_KINDS.join(', ')}.`, { file });
    }
    if (!Array.isArray(s.sensors) || !Array.isArray(s.norms) || s.norms.length !== s.sensors.length || !(AGGREGATE_MODES as readonly string[]).includes(s.aggregate)) {
      throw new ModelFormatError(`${file}: 'sensors', 'norms' or 'aggregate' is missing or inconsistent.`, { file });
    }
    if (!Number.isInteger(s.minGapSamples) || s.minGapSamples < 1) {
      throw new ModelFormatError(`${file}: 'minGapSamples' must be a positive integer; got ${JSON.stringify(s.minGapSamples)}.`, { file, field: 'minGapSamples' });
    }
    if (!Array.isArray(s.scorer.baselines) || (s.detector !== 'transformer' && s.scorer.baselines.length !== s.sensors.length)) {
      throw new ModelFormatError(`${file}: the saved ${s.detector} scorer is damaged (expected ${s.sensors.length} sensor baselines).`, { file });
    }
    let scorer: Scorer;
    if (s.detector === 'transformer') {
      try {
        const { TransformerForecastScorer } = await import('./forecaster.js');
        const f = TransformerForecastScorer.fromJSON(s.scorer);
        if (f.sensorCount !== s.sensors.length) {
          f.dispose();
          throw new Error(`it forecasts ${f.sensorCount} sensors; 'sensors' lists ${s.sensors.length}`);
        }
        scorer = f;
      } catch (e) {
        throw new ModelFormatError(`${file}: the saved ${s.detector} scorer is damaged (${(e as Error).message}).`, { file });
      }
    } else if (s.detector === 'autoencoder' || s.detector === 'window-autoencoder' || s.detector === 'lstm-autoencoder') {
      try {
        const { AutoencoderScorer } = await import('./autoencoder.js');
        scorer = AutoencoderScorer.fromJSON(s.scorer);
      } catch (e) {
        if (e instanceof ModelFormatError) throw e;
        throw new ModelFormatError(`${file}: the saved ${s.detector} scorer is damaged (${(e as Error).message}).`, { file });
      }
    } else {
      scorer = classicalScorerFromJSON(s.scorer, file);
    }
    const { threshold, scorer: _scorer, ...rest } = s;
    return new AnomalyDetector(rest, threshold, scorer);
  }
}
