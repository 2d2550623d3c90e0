/**
 * shopfloor — AI on the factory floor. The library entry point: everything a Node.js integrator
 * needs without the CLI.
 *
 * @example
 * import { readCsv, trainFailureModel } from 'shopfloor';
 * const table = await readCsv('ai4i2020.csv');
 * const result = await trainFailureModel(table, 'ai4i2020.csv', { target: 'Machine failure', model: 'gbdt' });
 */
export * from './core/errors.js';
export { Rng } from './core/random.js';
export * from './core/table.js';
export * from './io/csv/index.js';
export { writeCsv, formatCsv, writeFileAtomic } from './io/write.js';
export * from './io/datasets/index.js';
export * from './io/validate.js';
export * from './preprocess/index.js';
export { PairwiseCrosses, type PairwiseCrossesOptions, type CrossOp } from './preprocess/interactions.js';
export * from './models/estimator.js';
export { GradientBoostedTrees, loadGradientBoostedTrees, type GradientBoostedTreesOptions, type ImportanceType } from './models/trees/index.js';
export * from './models/tf/index.js';
export * from './sim/index.js';
export * from './evaluation/metrics.js';
export { trainFailureModel, detectLeakage, prepareTarget, type FailureTaskOptions, type FailureTrainResult } from './tasks/maintenance/failure.js';
export { loadModelDir, scoreTable, checkSchema, type LoadedModel, type ModelManifest } from './tasks/maintenance/artifact.js';
export { failureReportHtml, failureMetricsJson } from './evaluation/failure-report.js';
export * from './tasks/scheduling/index.js';
export * from './io/instances/index.js';
export * from './tasks/rul/index.js';
export * from './tasks/vibration/index.js';
export { readMat, parseMat, formatMat, MI, type MatFile, type MatVariable, type MatSkipped, type MatClass, type MatReadOptions, type MatWriteVariable } from './io/mat.js';
export * from './tasks/anomaly/index.js';
