/**
 * The estimator contract (test/contract/estimator-contract.ts) applied to the WDCNN. The contract's
 * tabular rows (6 features) are read as 1-channel windows [6, 1], so the net is shrunk to fit: a
 * first convolution of kernel 2, stride 1, and one stage. The full-size network on real windows is
 * tested in ./vibration.test.ts and test/real/cwru.real.test.ts.
 */
import { beforeAll } from 'vitest';
import type { TaskKind } from '../../models/estimator.js';
import { initBackend } from '../../models/tf/index.js';
import { describeEstimatorContract, makeContractData, type EstimatorSpec } from '../../../test/contract/estimator-contract.js';
import { WDCNN } from './cnn.js';

beforeAll(async () => {
  await initBackend();
});

const windows = (task: TaskKind, seed: number) => {
  const d = makeContractData(task, seed, 200, 100);
  return { ...d, train: { ...d.train, shape: [6, 1] }, test: { ...d.test, shape: [6, 1] } };
};

describeEstimatorContract(
  'wdcnn',
  (s: EstimatorSpec) =>
    new WDCNN({
      task: s.task === 'regression' ? 'regression' : 'classification',
      seed: s.seed,
      batchSize: 64,
      patience: 4,
      firstKernel: 2,
      firstStride: 1,
      filters: [32],
      denseUnits: 32,
      epochs: 40,
      learningRate: 0.01,
    }),
  windows,
  {
    tasks: ['binary', 'multiclass', 'regression'],
    invalidOptions: [
      () => new WDCNN({ filters: [] }),
      () => new WDCNN({ firstStride: 0 }),
      () => new WDCNN({ firstKernel: 1 }),
      () => new WDCNN({ kernel: 3 } as never),
    ],
  },
);
