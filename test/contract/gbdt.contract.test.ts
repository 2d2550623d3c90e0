/** The estimator contract (./estimator-contract.ts) applied to GradientBoostedTrees. */
import { GradientBoostedTrees, type GradientBoostedTreesOptions } from '../../src/models/trees/index.js';
import { describeEstimatorContract } from './estimator-contract.js';

describeEstimatorContract(
  'gbdt',
  ({ task, seed }) =>
    new GradientBoostedTrees({
      task: task === 'regression' ? 'regression' : 'classification',
      nEstimators: 30,
      learningRate: 0.2,
      maxLeaves: 8,
      minSamplesLeaf: 5,
      // Subsampling on, so that "seeded runs are identical" exercises the random paths.
      subsample: 0.8,
      colsampleByTree: 0.8,
      seed,
    }),
  undefined,
  {
    tasks: ['binary', 'multiclass', 'regression'],
    invalidOptions: [
      () => new GradientBoostedTrees({ learningRate: 0 }),
      () => new GradientBoostedTrees({ learningRate: 1.5 }),
      () => new GradientBoostedTrees({ nEstimators: 0 }),
      () => new GradientBoostedTrees({ nEstimators: 2.5 }),
      () => new GradientBoostedTrees({ maxBins: 256 }),
      () => new GradientBoostedTrees({ maxLeaves: 1 }),
      () => new GradientBoostedTrees({ subsample: 0 }),
      () => new GradientBoostedTrees({ colsampleByTree: Number.NaN }),
      () => new GradientBoostedTrees({ lambda: -1 }),
      () => new GradientBoostedTrees({ validationFraction: 0.9 }),
      () => new GradientBoostedTrees({ growth: 'random' as GradientBoostedTreesOptions['growth'] }),
      () => new GradientBoostedTrees({ classWeight: [1, -2] }),
      () => new GradientBoostedTrees({ task: 'regression', classWeight: 'balanced' }),
      () => new GradientBoostedTrees({ maxDepht: 3 } as GradientBoostedTreesOptions),
    ],
  },
);
