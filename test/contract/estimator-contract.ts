/**
 * The estimator contract suite (after scikit-learn's `check_estimator`; ../shared/GUIDE.md, "Testing").
 *
 * Every model that implements `Estimator` (src/models/estimator.ts) runs this suite from its own
 * `*.contract.test.ts`:
 *
 * ```ts
 * import { describeEstimatorContract } from './estimator-contract.js';
 * describeEstimatorContract(
 *   'mlp',
 *   ({ task, seed }) => new Mlp({ task, seed, epochs: 5 }),   // fresh, small, fast model
 *   undefined,                                             // default synthetic data (makeContractData)
 *   { tasks: ['binary', 'multiclass'], invalidOptions: [() => new Mlp({ epochs: -1 })] },
 * );
 * ```
 *
 * What it asserts, per supported task:
 * - `fit` resolves to the estimator itself; `task` and `nClasses` match the data;
 * - `predict` / `predictProba` before `fit` throw NotFittedError;
 * - two fits with the same seed give identical predictions and probabilities;
 * - `save` → `loadEstimator(dir)` (kind read from `model.json`, loader from the registry) → identical
 *   predictions; every saved JSON file carries `formatVersion`;
 * - `fit` and `predict` do not mutate their input arrays (x, y, sample weights, validation data);
 * - classifiers: `predictProba` is n × nClasses, each row sums to 1, values in [0, 1], `predict` is a class index;
 *   regression: `predictProba` throws ConfigError, `predict` gives finite numbers;
 * - the model learns: on the (learnable) synthetic data it beats the constant baseline on held-out rows;
 * - every constructor in `invalidOptions` throws ConfigError.
 */
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, NotFittedError } from '../../src/core/errors.js';
import { Rng } from '../../src/core/random.js';
import { estimatorLoader, loadEstimator, tabular, type Estimator, type FitOptions, type Samples, type TaskKind } from '../../src/models/estimator.js';

/** What the factory gets: the task, its number of classes (1 for regression) and a seed. */
export interface EstimatorSpec {
  readonly task: TaskKind;
  readonly nClasses: number;
  readonly seed: number;
}

/** Train and held-out data for one task. */
export interface ContractData {
  readonly train: Samples;
  readonly yTrain: Float64Array;
  readonly test: Samples;
  readonly yTest: Float64Array;
  /** Number of classes (1 for regression). */
  readonly nClasses: number;
}

/** Model-specific settings of the suite. */
export interface ContractOptions {
  /** Tasks the model supports. Default ['binary', 'multiclass']. */
  readonly tasks?: readonly TaskKind[];
  /** Constructors with invalid options; each must throw ConfigError. At least one is required. */
  readonly invalidOptions: readonly (() => unknown)[];
  /** Extra fit options (e.g. a short epoch budget is better set in the factory). */
  readonly fitOptions?: (data: ContractData) => FitOptions;
  /**
   * Whether to assert the model beats the constant baseline on the synthetic data. Default true;
   * switch off only for models that cannot learn in a test-sized budget, and say why.
   */
  readonly checkLearns?: boolean;
}

/**
 * Seeded synthetic data: 4 informative features (a nonlinear interaction included), 2 noise features,
 * a few NaN-free rows. Binary: 2 classes; multiclass: 3 classes; regression: a smooth target plus noise.
 */
export function makeContractData(task: TaskKind, seed = 7, nTrain = 400, nTest = 200): ContractData {
  const rng = new Rng(seed);
  const d = 6;
  const nClasses = task === 'regression' ? 1 : task === 'binary' ? 2 : 3;
  const gen = (n: number): { x: Float32Array; y: Float64Array } => {
    const x = new Float32Array(n * d);
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      for (let f = 0; f < d; f++) x[i * d + f] = rng.normal();
      const a = x[i * d] as number;
      const b = x[i * d + 1] as number;
      const c = x[i * d + 2] as number;
      const e = x[i * d + 3] as number;
      const s = 1.5 * a - b + 0.8 * c * e + 0.3 * rng.normal();
      if (task === 'regression') y[i] = s;
      else if (task === 'binary') y[i] = s > 0 ? 1 : 0;
      else y[i] = s < -0.7 ? 0 : s < 0.7 ? 1 : 2;
    }
    return { x, y };
  };
  const tr = gen(nTrain);
  const te = gen(nTest);
  return { train: tabular(tr.x, nTrain, d), yTrain: tr.y, test: tabular(te.x, nTest, d), yTest: te.y, nClasses };
}

function copySamples(s: Samples): Samples {
  return { x: s.x.slice(), n: s.n, shape: [...s.shape] };
}

function meanSquared(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += ((a[i] as number) - (b[i] as number)) ** 2;
  return s / a.length;
}

/**
 * Register the contract tests for one estimator.
 *
 * @param name        label in the test report, e.g. 'gbdt'
 * @param makeEstimator a fresh, unfitted estimator for the spec (keep it small: the suite fits ~6 models per task)
 * @param makeData    data per task; default {@link makeContractData}
 * @param options     tasks supported, invalid-option constructors, …
 */
export function describeEstimatorContract(
  name: string,
  makeEstimator: (spec: EstimatorSpec) => Estimator,
  makeData: (task: TaskKind, seed: number) => ContractData = makeContractData,
  options: ContractOptions,
): void {
  const tasks = options.tasks ?? (['binary', 'multiclass'] as const);
  const dirs: string[] = [];
  const tempDir = async (): Promise<string> => {
    const d = await mkdtemp(path.join(os.tmpdir(), `sf-contract-${name}-`));
    dirs.push(d);
    return d;
  };

  describe(`estimator contract: ${name}`, () => {
    afterAll(async () => {
      await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
    });

    it('rejects invalid options with ConfigError', () => {
      expect(options.invalidOptions.length).toBeGreaterThan(0);
      for (const make of options.invalidOptions) expect(make).toThrow(ConfigError);
    });

    for (const task of tasks) {
      describe(task, () => {
        const data = makeData(task, 7);
        const spec: EstimatorSpec = { task, nClasses: data.nClasses, seed: 123 };
        const fitOpts = (): FitOptions => options.fitOptions?.(data) ?? {};

        it('predict and predictProba before fit throw NotFittedError', async () => {
          const m = makeEstimator(spec);
          await expect(m.predict(data.test)).rejects.toThrow(NotFittedError);
          await expect(m.predictProba(data.test)).rejects.toThrow(NotFittedError);
        });

        it('fit resolves to the estimator itself, and task / nClasses match the data', async () => {
          const m = makeEstimator(spec);
          const r = await m.fit(data.train, data.yTrain, fitOpts());
          expect(r).toBe(m);
          expect(m.task).toBe(task);
          expect(m.nClasses).toBe(data.nClasses);
          expect(Array.isArray(m.history.loss)).toBe(true);
          expect(Array.isArray(m.history.valLoss)).toBe(true);
        });

        it('does not mutate its inputs', async () => {
          const train = copySamples(data.train);
          const y = data.yTrain.slice();
          const sw = new Float64Array(y.length).fill(1);
          const val = { x: copySamples(data.test), y: data.yTest.slice() };
          const before = { x: train.x.slice(), y: y.slice(), sw: sw.slice(), vx: val.x.x.slice(), vy: val.y.slice() };
          const m = makeEstimator(spec);
          await m.fit(train, y, { ...fitOpts(), sampleWeight: sw, validation: val });
          expect(train.x).toEqual(before.x);
          expect(y).toEqual(before.y);
          expect(sw).toEqual(before.sw);
          expect(val.x.x).toEqual(before.vx);
          expect(val.y).toEqual(before.vy);
          const test = copySamples(data.test);
          await m.predict(test);
          if (task !== 'regression') await m.predictProba(test);
          expect(test.x).toEqual(data.test.x);
        });

        it('seeded runs are identical', async () => {
          const a = await makeEstimator(spec).fit(data.train, data.yTrain, fitOpts());
          const b = await makeEstimator(spec).fit(data.train, data.yTrain, fitOpts());
          expect(await b.predict(data.test)).toEqual(await a.predict(data.test));
          if (task !== 'regression') expect(await b.predictProba(data.test)).toEqual(await a.predictProba(data.test));
          expect(b.history).toEqual(a.history);
        });

        it('save → load through the registry predicts identically', async () => {
          const m = await makeEstimator(spec).fit(data.train, data.yTrain, fitOpts());
          const dir = await tempDir();
          await m.save(dir);
          const files = await readdir(dir);
          expect(files.length).toBeGreaterThan(0);
          // Every saved JSON file carries formatVersion.
          const jsons = files.filter((f) => f.endsWith('.json'));
          expect(jsons.length).toBeGreaterThan(0);
          for (const f of jsons) {
            const j = JSON.parse(await readFile(path.join(dir, f), 'utf8')) as Record<string, unknown>;
            expect(j).toHaveProperty('formatVersion');
          }
          expect(estimatorLoader(m.kind), `no loader registered for kind '${m.kind}'`).toBeDefined();
          // Generic load: model.json names the kind, the registry finds the loader.
          const loaded = await loadEstimator(dir);
          expect(loaded.kind).toBe(m.kind);
          expect(loaded.task).toBe(m.task);
          expect(loaded.nClasses).toBe(m.nClasses);
          expect(await loaded.predict(data.test)).toEqual(await m.predict(data.test));
          if (task !== 'regression') expect(await loaded.predictProba(data.test)).toEqual(await m.predictProba(data.test));
        });

        it('prediction shapes and values are well-formed, and the model learns', async () => {
          const m = await makeEstimator(spec).fit(data.train, data.yTrain, fitOpts());
          const n = data.test.n;
          const pred = await m.predict(data.test);
          expect(pred).toBeInstanceOf(Float64Array);
          expect(pred.length).toBe(n);
          if (task === 'regression') {
            for (const v of pred) expect(Number.isFinite(v)).toBe(true);
            await expect(m.predictProba(data.test)).rejects.toThrow(ConfigError);
            if (options.checkLearns ?? true) {
              let mean = 0;
              for (const v of data.yTrain) mean += v / data.yTrain.length;
              const constant = new Float64Array(n).fill(mean);
              expect(meanSquared(pred, data.yTest)).toBeLessThan(0.8 * meanSquared(constant, data.yTest));
            }
            return;
          }
          const k = data.nClasses;
          const proba = await m.predictProba(data.test);
          expect(proba).toBeInstanceOf(Float64Array);
          expect(proba.length).toBe(n * k);
          for (let i = 0; i < n; i++) {
            let s = 0;
            let best = 0;
            for (let c = 0; c < k; c++) {
              const p = proba[i * k + c] as number;
              expect(p).toBeGreaterThanOrEqual(0);
              expect(p).toBeLessThanOrEqual(1);
              s += p;
              if (p > (proba[i * k + best] as number)) best = c;
            }
            expect(s).toBeCloseTo(1, 6);
            const yi = pred[i] as number;
            expect(Number.isInteger(yi) && yi >= 0 && yi < k).toBe(true);
            // predict agrees with the most probable class (ties aside).
            expect(proba[i * k + yi]).toBeCloseTo(proba[i * k + best] as number, 9);
          }
          if (options.checkLearns ?? true) {
            let correct = 0;
            const counts = new Float64Array(k);
            for (let i = 0; i < n; i++) {
              if (pred[i] === data.yTest[i]) correct++;
              counts[data.yTest[i] as number] = (counts[data.yTest[i] as number] as number) + 1;
            }
            const majority = Math.max(...counts) / n;
            expect(correct / n).toBeGreaterThan(majority + 0.1);
          }
        });
      });
    }
  });
}
