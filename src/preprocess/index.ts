/**
 * Preprocessing: imputation, scaling, one-hot encoding, tabular pipelines, sliding windows,
 * per-regime normalisation and splits. Every transformer is fitted on the training rows only and
 * saved with the model through `toJSON()` / `fromJSON()`.
 */
export { matrix, isMatrix, type Matrix, type SamplesLike } from './matrix.js';
export { Imputer, type ImputerOptions, type ImputeSpec, type ImputeStrategy } from './imputer.js';
export { StandardScaler, MinMaxScaler, type StandardScalerOptions, type MinMaxScalerOptions } from './scalers.js';
export {
  OneHotEncoder,
  MISSING_INDICATOR,
  type OneHotEncoderOptions,
  type UnknownCategoryHandling,
  type MissingCategoryHandling,
} from './one-hot.js';
export {
  randomSplit,
  stratifiedSplit,
  groupSplit,
  timeSplit,
  kFold,
  stratifiedKFold,
  groupKFold,
  type Labels,
  type SplitOptions,
  type SplitResult,
  type Fold,
  type KFoldOptions,
} from './splits.js';
export { TabularPipeline, type TabularPipelineOptions, type FeatureSpec, type FeatureKind } from './pipeline.js';
export {
  slidingWindows,
  lastWindows,
  seriesFromTable,
  type SeriesData,
  type SeriesColumns,
  type WindowOptions,
  type WindowPadding,
  type WindowResult,
} from './windows.js';
export { RegimeNormalizer, type RegimeNormalizerOptions } from './regimes.js';
export { kMeans, nearestCentroid, type KMeansOptions, type KMeansResult } from './kmeans.js';
export { transformerFromJSON, type Transformer } from './saved.js';
