/**
 * The estimator contract (./estimator-contract.ts) applied to the TensorFlow.js estimators. Data and
 * networks are tiny so the five suites stay fast on the wasm backend. CNN1D reads the tabular rows as
 * 1-channel sequences (the seed's use); LSTM/GRU get the same rows as one-step windows [1, 6] (the
 * suite's target is an interaction of features, not a sequence pattern: the sequence behaviour is
 * tested in src/models/tf/recurrent.test.ts).
 */
import { beforeAll } from 'vitest';
import type { TaskKind } from '../../src/models/estimator.js';
import { CNN1D, GRU, LSTM, LogisticRegression, MLP, initBackend } from '../../src/models/tf/index.js';
import { describeEstimatorContract, makeContractData, type EstimatorSpec } from './estimator-contract.js';

beforeAll(async () => {
  await initBackend();
});

const data = (task: TaskKind, seed: number) => makeContractData(task, seed, 200, 100);
const windows = (task: TaskKind, seed: number) => {
  const d = data(task, seed);
  return { ...d, train: { ...d.train, shape: [1, 6] }, test: { ...d.test, shape: [1, 6] } };
};
const task = (spec: EstimatorSpec) => (spec.task === 'regression' ? 'regression' : 'classification') as 'regression' | 'classification';
const tasks = ['binary', 'multiclass', 'regression'] as const;
// Short budgets; patience 4 on the engine's seeded internal validation split (early stopping is on).
const common = (spec: EstimatorSpec) => ({ task: task(spec), seed: spec.seed, batchSize: 64, patience: 4 });

describeEstimatorContract('logreg', (s) => new LogisticRegression({ ...common(s), epochs: 20, learningRate: 0.1 }), data, {
  tasks,
  invalidOptions: [
    () => new LogisticRegression({ epochs: 0 }),
    () => new LogisticRegression({ learningRate: 0 }),
    () => new LogisticRegression({ classWeight: [1, -1] }),
    () => new LogisticRegression({ seed: 1.5 }),
    () => new LogisticRegression({ tsk: 'regression' } as never),
  ],
});

describeEstimatorContract('mlp', (s) => new MLP({ ...common(s), hiddenUnits: [16], epochs: 20, learningRate: 0.02 }), data, {
  tasks,
  invalidOptions: [
    () => new MLP({ hiddenUnits: [] }),
    () => new MLP({ activation: 'gelu' as 'relu' }),
    () => new MLP({ dropout: 0.1 } as never),
    () => new MLP({ batchSize: 0 }),
  ],
});

describeEstimatorContract(
  'cnn1d',
  (s) => new CNN1D({ ...common(s), filters: 8, kernelSize: 2, poolSize: 1, denseUnits: [8], epochs: 15, learningRate: 0.03 }),
  data,
  {
    tasks,
    invalidOptions: [
      () => new CNN1D({ filters: 0 }),
      () => new CNN1D({ padding: 'full' as 'same' }),
      () => new CNN1D({ poolSize: 100 }),
      () => new CNN1D({ kernel: 3 } as never),
    ],
  },
);

describeEstimatorContract('lstm', (s) => new LSTM({ ...common(s), units: [16], epochs: 15, learningRate: 0.05 }), windows, {
  tasks,
  invalidOptions: [() => new LSTM({ units: [0] }), () => new LSTM({ validationFraction: 0.6 }), () => new LSTM({ l2: -1 })],
});

describeEstimatorContract('gru', (s) => new GRU({ ...common(s), units: [16], epochs: 15, learningRate: 0.05 }), windows, {
  tasks,
  invalidOptions: [() => new GRU({ units: [8, 0] }), () => new GRU({ patience: -1 }), () => new GRU({ classWeight: 'auto' as 'none' })],
});
