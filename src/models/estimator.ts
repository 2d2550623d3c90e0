/**
 * The one estimator interface every model implements (after scikit-learn's estimator contract and
 * tfjs-layers' serialization; ../shared/GUIDE.md).
 *
 * - Settings go in the constructor (one `XxxOptions` object, validated there: invalid options throw
 *   ConfigError); data goes in `fit`; `fit` resolves to the estimator itself; learned state exists only
 *   after `fit`; predict before fit throws NotFittedError.
 * - Seeded: the same options (including `seed`) and data give identical predictions.
 * - Inputs are never mutated.
 * - `save(dir)` writes the model into an existing directory (the caller makes it atomic by writing to
 *   a temp directory and renaming); `loadEstimator(dir)` reads any registered kind back, and the loaded
 *   model predicts identically. Every saved file carries `formatVersion`.
 *
 * The contract test suite in `test/contract/` runs against every implementation.
 */

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { ModelFormatError } from '../core/errors.js';

/** What the model predicts. Classes are 0..nClasses-1. */
export type TaskKind = 'binary' | 'multiclass' | 'regression';

/**
 * Model input: `n` samples stored row-major in `x`, each of shape `shape`
 * (`[features]` for tables, `[steps, features]` for windows over time).
 */
export interface Samples {
  readonly x: Float32Array;
  readonly n: number;
  readonly shape: readonly number[];
}

export interface EpochInfo {
  readonly epoch: number;
  readonly loss: number;
  readonly valLoss?: number;
}

export interface FitOptions {
  /** Held-out data for early stopping (never the test set). */
  readonly validation?: { readonly x: Samples; readonly y: Float64Array };
  /** Per-sample weights (e.g. class weights expanded per row). */
  readonly sampleWeight?: Float64Array;
  /** Called after each epoch / boosting round block, for progress and training curves. */
  readonly onEpoch?: (info: EpochInfo) => void;
}

/** The learning history `fit` leaves behind, for reports (training curves). */
export interface FitHistory {
  readonly loss: number[];
  readonly valLoss: number[];
  /** Index of the epoch/round whose weights were kept (early stopping with best-weights restore). */
  readonly bestEpoch: number;
}

export interface Estimator {
  /** Registered kind, e.g. 'gbdt', 'mlp', 'cnn1d', 'lstm', 'logreg'. Used by `loadEstimator`. */
  readonly kind: string;
  readonly task: TaskKind;
  /** Number of classes for classifiers (2 for binary), 1 for regression. Valid after fit. */
  readonly nClasses: number;
  /** Train. `y` holds class indices (0..k-1) or regression targets. Resolves to `this`. */
  fit(x: Samples, y: Float64Array, opts?: FitOptions): Promise<this>;
  /** Class index (classifiers) or value (regression) per sample. */
  predict(x: Samples): Promise<Float64Array>;
  /**
   * Classifiers: n × nClasses probabilities, row-major (binary: 2 columns, P(class 1) in column 1).
   * Regression models throw ConfigError.
   */
  predictProba(x: Samples): Promise<Float64Array>;
  /** Learning history of the last fit (empty arrays for models without epochs). */
  readonly history: FitHistory;
  /** Write the fitted model into the existing directory `dir`. */
  save(dir: string): Promise<void>;
}

/** Reads a fitted estimator of one kind back from a directory written by its `save`. */
export type EstimatorLoader = (dir: string) => Promise<Estimator>;

const loaders = new Map<string, EstimatorLoader>();

/** Register the loader of a model kind (each model module calls this once at import). */
export function registerEstimator(kind: string, loader: EstimatorLoader): void {
  loaders.set(kind, loader);
}

/** Names of the registered kinds. */
export function registeredEstimators(): string[] {
  return [...loaders.keys()];
}

/** The loader for `kind`, or undefined. */
export function estimatorLoader(kind: string): EstimatorLoader | undefined {
  return loaders.get(kind);
}

/** The file in a model directory that names its kind: `{ "kind": …, "formatVersion": … }` (more fields allowed). */
export const MODEL_MANIFEST_FILE = 'model.json';

/**
 * Read any registered kind back from a directory written by its `save`: reads `kind` from
 * `dir/model.json` and calls that kind's loader. The kind's module must have been imported (it
 * registers itself).
 * @throws ModelFormatError when model.json is missing or unreadable, or names no registered kind.
 */
export async function loadEstimator(dir: string): Promise<Estimator> {
  const file = path.join(dir, MODEL_MANIFEST_FILE);
  let kind: unknown;
  try {
    kind = (JSON.parse(await readFile(file, 'utf8')) as { kind?: unknown }).kind;
  } catch (e) {
    throw new ModelFormatError(`Cannot read the model manifest ${file}: ${(e as Error).message}`, { file });
  }
  const loader = typeof kind === 'string' ? loaders.get(kind) : undefined;
  if (!loader) {
    throw new ModelFormatError(
      `${file}: model kind ${JSON.stringify(kind)} is not registered (known: ${[...loaders.keys()].join(', ') || 'none'}).`,
      { file, kind: typeof kind === 'string' ? kind : null, known: [...loaders.keys()] },
    );
  }
  return loader(dir);
}

/** Make tabular samples from a row-major Float32Array of n rows × d features. */
export function tabular(x: Float32Array, n: number, d: number): Samples {
  if (x.length !== n * d) throw new RangeError(`tabular: expected ${n * d} values, got ${x.length}`);
  return { x, n, shape: [d] };
}

/** Number of values per sample. */
export function sampleSize(s: Samples): number {
  let k = 1;
  for (const d of s.shape) k *= d;
  return k;
}

/** The samples at positions `idx` of `s`, in that order, as a new block (e.g. the training part of a split). */
export function takeSamples(s: Samples, idx: ArrayLike<number>): Samples {
  const d = sampleSize(s);
  const x = new Float32Array(idx.length * d);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k] as number;
    x.set(s.x.subarray(i * d, (i + 1) * d), k * d);
  }
  return { x, n: idx.length, shape: [...s.shape] };
}
