/** Vibration diagnosis: bearing health from raw accelerometer windows (CWRU protocol). */
export { SKF_6205, defectFrequencies, type BearingGeometry, type DefectFrequencies } from './bearing.js';
export { fft, hilbertEnvelope, magnitudeSpectrum, isPowerOfTwo } from './fft.js';
export { envelopeSpectrum, featureNames, peakNear, resolveFeatureOptions, vibrationFeatures, type FeatureOptions, type ResolvedFeatureOptions } from './features.js';
export {
  CWRU_CLASSES,
  DEFAULT_HOP,
  DEFAULT_TEST_FRACTION,
  DEFAULT_VAL_FRACTION,
  DEFAULT_WINDOW,
  blocks,
  classesOf,
  labelFromFileName,
  loadRecordings,
  makeWindows,
  parseLabelMap,
  resolveDataFiles,
  type Recording,
  type Segment,
  type WindowSet,
} from './data.js';
export { WDCNN, type WDCNNOptions } from './cnn.js';
export { envelopeCheck, type DefectPeak, type EnvelopeCheck, type EnvelopeCheckOptions } from './physics.js';
export {
  VIBRATION_MODELS,
  evaluateVibration,
  featureMatrix,
  isVibrationModelDir,
  loadVibrationModel,
  rawSamples,
  trainVibration,
  vibrationMetrics,
  type EvaluateVibrationOptions,
  type EvaluateVibrationResult,
  type TrainVibrationOptions,
  type TrainVibrationResult,
  type VibrationManifest,
  type VibrationMetrics,
  type VibrationModelName,
} from './vibration.js';
