/**
 * Remaining-useful-life regression (docs/rul.md): data preparation, the model zoo, training and
 * evaluation with the standard C-MAPSS protocol, and the CLI entry points.
 */
export {
  DEFAULT_RUL_CAP,
  DEFAULT_RUL_WINDOW,
  DEFAULT_MIN_HISTORY,
  DEFAULT_CONSTANT_SHARE,
  DEFAULT_HISTORY,
  historyChannels,
  type HistoryOptions,
  RulPreprocessor,
  rulTargets,
  trainingWindows,
  finalWindows,
  windowFeatures,
  windowStatsFeatures,
  leadingPadding,
  WINDOW_STATS_RICH,
  WINDOW_STAT_SPANS,
  WINDOW_STAT_ALPHAS,
  windowFeatureNames,
  WINDOW_STATS,
  type RulColumns,
  type RulPreprocessOptions,
  type RulPreprocessorState,
  type DroppedSensor,
} from './data.js';
export { DeepCNN1D, type DeepCNN1DOptions } from './dcnn.js';
export { RUL_MODELS, DEFAULT_ENSEMBLE, DEFAULT_INIT, DEFAULT_NET_INPUTS, NET_INPUTS, defaultMemberWindow, type GbdtFeatures, type NetInputs, type RulModelName, type RulMemberName, type RulInput } from './models.js';
export {
  trainRul,
  evaluateRul,
  loadRulModel,
  isRulModelDir,
  predictWindows,
  RUL_FORMAT_VERSION,
  RUL_MANIFEST_FILE,
  CMAPSS_SETTINGS,
  COPY_HOLDOUTS,
  DEFAULT_COPY_HOLDOUT,
  type CopyHoldout,
  type TrainRulOptions,
  type TrainRulResult,
  type EvaluateRulOptions,
  type EvaluateRulResult,
  type RulManifest,
  type RulMemberInfo,
  type LoadedRulModel,
  type RulFormat,
} from './rul.js';
export { truncationCuts, unitFolds, cutMetrics, type TruncationCut, type TruncationCutOptions } from './validate.js';
export { RUL_TRAIN_OPTIONS, RUL_EVALUATE_OPTIONS, runTrainRul, runEvaluateRul } from './cli.js';
