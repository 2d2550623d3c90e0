/**
 * Histogram gradient-boosted trees (kind 'gbdt'). Importing this module registers the 'gbdt' loader.
 */
export {
  GradientBoostedTrees,
  loadGradientBoostedTrees,
  GBDT_FORMAT_VERSION,
  GBDT_MODEL_FILE,
  type GradientBoostedTreesOptions,
  type GbdtModelJson,
  type ImportanceType,
} from './gradient-boosted-trees.js';
