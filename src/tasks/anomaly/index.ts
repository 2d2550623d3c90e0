/**
 * Anomaly detection without labels (issue 5 §4; docs/anomaly.md), layered as in darts:
 * scorer (scorers.ts, autoencoder.ts, forecaster.ts) → detector with a calibrated, editable threshold
 * (detector.ts) → aggregator and alarm events (aggregate.ts); streaming, one reading at a time, with the
 * same scores as batch (stream.ts); event-wise evaluation without point-adjust (evaluate.ts); the model
 * directory (model-dir.ts) and the command bodies (cli.ts).
 *
 * @example
 * const machines = machinesFromTable(table, { unit: 'machine', time: 'timestamp' }, sensors, 'normal.csv');
 * const det = await AnomalyDetector.fit(machines.map((m) => m.series), sensors, { detector: 'iforest', falseAlarmRate: 0.001 });
 * const { events } = det.detect(machines[0].series);
 * const live = createStreamScorer(det);                  // online: per-asset state, same scores
 * const r = live.push({ asset: 'M001', ts: Date.now(), values: [65.1, 4.4, 31.8, 6.2] });
 */
export { SensorBaseline, BaselineStream, type BaselineOptions, type SensorBaselineState, type BaselineChannels } from './baseline.js';
export {
  SCORER_KINDS,
  NEURAL_SCORER_KINDS,
  RobustZScorer,
  EwmaScorer,
  IForestScorer,
  createClassicalScorer,
  classicalScorerFromJSON,
  ewma,
  type ScorerKind,
  type Scorer,
  type ScorerState,
  type ScorerStream,
  type SensorSeries,
  type ClassicalScorerOptions,
} from './scorers.js';
export { AutoencoderScorer, INPUT_CLIP, type AutoencoderKind, type AutoencoderOptions } from './autoencoder.js';
export { IsolationForest, averagePathLength, type IsolationForestOptions, type IsolationForestState } from './isolation-forest.js';
export { AGGREGATE_MODES, aggregateScores, fitChannelNorms, mergeAlarms, type AggregateMode, type AlarmEvent, type ChannelNorm, type AggregatedScore } from './aggregate.js';
export { TransformerForecastScorer, FORECAST_CLIP, type ForecasterOptions } from './forecaster.js';
export { AnomalyDetector, DETECTOR_FORMAT_VERSION, type AnomalyDetectorOptions, type DetectorState, type DetectionResult, type ScorerOptions } from './detector.js';
export {
  createStreamScorer,
  type StreamScorer,
  type StreamScorerOptions,
  type StreamReading,
  type StreamScore,
  type StreamRejection,
  type StreamRejectReason,
  type StreamEvent,
} from './stream.js';
export { machinesFromTable, sensorColumns, type ColumnRoles, type MachineData } from './data.js';
export { evaluateEvents, labelSpans, type EventEvaluation, type EventMetrics, type LabelSpan, type MachineAlarms } from './evaluate.js';
export {
  ANOMALY_MODEL_FORMAT_VERSION,
  ANOMALY_MANIFEST_FILE,
  DETECTOR_FILE,
  loadAnomalyModel,
  readAnomalyManifest,
  detectorJsonText,
  isNeuralDetector,
  type AnomalyManifest,
  type LoadedAnomalyModel,
} from './model-dir.js';
export { anomalyReportHtml, type AnomalyReportInput } from './report.js';
