/**
 * A tabular preprocessing pipeline: the model input of a table, fitted on the training rows only and
 * saved as one JSON state with the model. Numeric features are imputed then scaled; categorical
 * features are (optionally) imputed then one-hot encoded. The output is row-major Float32 samples in
 * feature order, a categorical feature expanding in place into its one-hot columns.
 */
import { ConfigError, ModelFormatError, NotFittedError } from '../core/errors.js';
import { isCategorical, type Table } from '../core/table.js';
import { Imputer, type ImputeStrategy } from './imputer.js';
import type { SamplesLike } from './matrix.js';
import { OneHotEncoder, type MissingCategoryHandling, type UnknownCategoryHandling } from './one-hot.js';
import { MinMaxScaler, StandardScaler } from './scalers.js';
import { enumField, numArray, objField, readHeader, strField, type JsonObject } from './serial.js';

/** How a feature enters the model. */
export type FeatureKind = 'numeric' | 'categorical';

/** One input feature; `kind` defaults to the column's kind in the table given to `fit`. */
export interface FeatureSpec {
  readonly name: string;
  readonly kind?: FeatureKind;
}

/** Options of {@link TabularPipeline}. */
export interface TabularPipelineOptions {
  /** Input features in output order: names, or specs with an explicit kind. */
  readonly features: readonly (string | FeatureSpec)[];
  /** Imputation of numeric features (default 'mean'); 'none' leaves NaN (for models that handle missing values). */
  readonly numericImpute?: ImputeStrategy | 'none';
  /** Fill of numeric features with numericImpute 'constant' (default 0). */
  readonly numericFillValue?: number;
  /** Imputation of categorical features (default 'none': the encoder's handleMissing decides). */
  readonly categoricalImpute?: 'most-frequent' | 'constant' | 'none';
  /** Scaling of numeric features (default 'standard'). */
  readonly scaler?: 'standard' | 'minmax' | 'none';
  /** Range of the 'minmax' scaler (default [0, 1]). */
  readonly featureRange?: readonly [number, number];
  /** Unseen categories: 'error' (default) or 'ignore' (all zeros). */
  readonly handleUnknown?: UnknownCategoryHandling;
  /** Missing categories: 'zeros' (default), 'indicator' or 'error'. */
  readonly handleMissing?: MissingCategoryHandling;
}

type Resolved = Required<Omit<TabularPipelineOptions, 'features' | 'featureRange'>> & { featureRange: [number, number] };

interface PipelineState {
  readonly features: { name: string; kind: FeatureKind }[];
  readonly numImputer: Imputer | null;
  readonly catImputer: Imputer | null;
  readonly scaler: StandardScaler | MinMaxScaler | null;
  /** One encoder per categorical feature, keyed by name. */
  readonly encoders: Map<string, OneHotEncoder>;
}

const NUM_IMPUTE = ['mean', 'median', 'most-frequent', 'constant', 'none'] as const;
const CAT_IMPUTE = ['most-frequent', 'constant', 'none'] as const;
const SCALERS = ['standard', 'minmax', 'none'] as const;

/**
 * Table → model samples, fitted on training rows.
 *
 * @example
 * const pipe = new TabularPipeline({ features: ['Air temperature', 'Torque', { name: 'Type', kind: 'categorical' }] });
 * const { train, test } = stratifiedSplit(y, { seed: 1 });
 * const xTrain = pipe.fit(table, train).transform(table, train);
 * const xTest = pipe.transform(table, test); // scaled with the training statistics
 * pipe.featureNames; // ['Air temperature', 'Torque', 'Type=H', 'Type=L', 'Type=M']
 * const same = TabularPipeline.fromJSON(JSON.parse(JSON.stringify(pipe.toJSON())));
 * @throws ConfigError for invalid options or a feature whose kind does not fit its column.
 */
export class TabularPipeline {
  static readonly kind = 'tabular-pipeline';
  static readonly formatVersion = 1;
  readonly options: Resolved & { features: FeatureSpec[] };
  private state: PipelineState | null = null;

  constructor(options: TabularPipelineOptions) {
    if (!options || !Array.isArray(options.features) || options.features.length === 0) {
      throw new ConfigError('TabularPipeline: features must be a non-empty array of column names or {name, kind}.', { option: 'features' });
    }
    const features: FeatureSpec[] = options.features.map((f) => (typeof f === 'string' ? { name: f } : { ...f }));
    const seen = new Set<string>();
    for (const f of features) {
      if (typeof f.name !== 'string') throw new ConfigError('TabularPipeline: every feature needs a name.', { option: 'features' });
      if (seen.has(f.name)) throw new ConfigError(`TabularPipeline: feature '${f.name}' is listed twice.`, { option: 'features', feature: f.name });
      if (f.kind !== undefined && f.kind !== 'numeric' && f.kind !== 'categorical') {
        throw new ConfigError(`TabularPipeline: feature '${f.name}' has kind '${String(f.kind)}'; expected 'numeric' or 'categorical'.`, {
          option: 'features',
          feature: f.name,
        });
      }
      seen.add(f.name);
    }
    const pick = <T extends string>(option: string, v: unknown, allowed: readonly T[], dflt: T): T => {
      const x = v ?? dflt;
      if (!(allowed as readonly unknown[]).includes(x)) {
        throw new ConfigError(`TabularPipeline: ${option} must be one of ${allowed.join(', ')}; got '${String(x)}'.`, { option, allowed: [...allowed] });
      }
      return x as T;
    };
    const fillValue = options.numericFillValue ?? 0;
    if (!Number.isFinite(fillValue)) throw new ConfigError(`TabularPipeline: numericFillValue must be finite, got ${String(fillValue)}.`);
    this.options = {
      features,
      numericImpute: pick('numericImpute', options.numericImpute, NUM_IMPUTE, 'mean'),
      numericFillValue: fillValue,
      categoricalImpute: pick('categoricalImpute', options.categoricalImpute, CAT_IMPUTE, 'none'),
      scaler: pick('scaler', options.scaler, SCALERS, 'standard'),
      featureRange: [...(options.featureRange ?? [0, 1])] as [number, number],
      handleUnknown: pick('handleUnknown', options.handleUnknown, ['error', 'ignore'] as const, 'error'),
      handleMissing: pick('handleMissing', options.handleMissing, ['zeros', 'indicator', 'error'] as const, 'zeros'),
    };
    // Validate the encoder and scaler options now rather than at fit.
    new OneHotEncoder({ handleUnknown: this.options.handleUnknown, handleMissing: this.options.handleMissing });
    if (this.options.scaler === 'minmax') new MinMaxScaler({ featureRange: this.options.featureRange });
  }

  /** Fit every step on the training rows: `rows` of `table` if given, else all of it. Returns this. */
  fit(table: Table, rows?: ArrayLike<number>): this {
    const t = rows ? table.take(rows) : table;
    const features = this.options.features.map((f) => {
      const col = table.column(f.name, 'TabularPipeline.fit');
      const kind: FeatureKind = f.kind ?? (isCategorical(col) ? 'categorical' : 'numeric');
      if (kind === 'numeric' && isCategorical(col)) {
        throw new ConfigError(`TabularPipeline: feature '${f.name}' is declared numeric, but the column is ${col.kind}.`, { feature: f.name });
      }
      if (kind === 'categorical' && !isCategorical(col)) {
        throw new ConfigError(
          `TabularPipeline: feature '${f.name}' is declared categorical, but the column is ${col.kind}. Read it as categorical (schema override) or declare it numeric.`,
          { feature: f.name },
        );
      }
      return { name: f.name, kind };
    });
    const num = features.filter((f) => f.kind === 'numeric').map((f) => f.name);
    const cat = features.filter((f) => f.kind === 'categorical').map((f) => f.name);
    const o = this.options;
    let cur = t;
    let numImputer: Imputer | null = null;
    if (num.length > 0 && o.numericImpute !== 'none') {
      numImputer = new Imputer({ columns: num, strategy: o.numericImpute, fillValue: o.numericFillValue }).fit(cur);
      cur = numImputer.transform(cur);
    }
    let catImputer: Imputer | null = null;
    if (cat.length > 0 && o.categoricalImpute !== 'none') {
      catImputer = new Imputer({ columns: cat, categoricalStrategy: o.categoricalImpute }).fit(cur);
      cur = catImputer.transform(cur);
    }
    let scaler: StandardScaler | MinMaxScaler | null = null;
    if (num.length > 0 && o.scaler !== 'none') {
      scaler = o.scaler === 'standard' ? new StandardScaler({ columns: num }) : new MinMaxScaler({ columns: num, featureRange: o.featureRange });
      scaler.fit(cur);
    }
    const encoders = new Map<string, OneHotEncoder>();
    for (const c of cat) {
      encoders.set(c, new OneHotEncoder({ columns: [c], handleUnknown: o.handleUnknown, handleMissing: o.handleMissing }).fit(cur));
    }
    this.state = { features, numImputer, catImputer, scaler, encoders };
    return this;
  }

  /** Model samples (Float32, row-major, shape [featureNames.length]) of `rows` of `table` (default all). */
  transform(table: Table, rows?: ArrayLike<number>): SamplesLike {
    const s = this.fitted();
    let cur = rows ? table.take(rows) : table;
    if (s.numImputer) cur = s.numImputer.transform(cur);
    if (s.catImputer) cur = s.catImputer.transform(cur);
    if (s.scaler) cur = s.scaler.transform(cur);
    const n = cur.nRows;
    const width = this.featureNames.length;
    const x = new Float32Array(n * width);
    let off = 0;
    for (const f of s.features) {
      const enc = s.encoders.get(f.name);
      if (enc) {
        const m = enc.encode(cur);
        for (let i = 0; i < n; i++) for (let j = 0; j < m.nCols; j++) x[i * width + off + j] = m.data[i * m.nCols + j] as number;
        off += m.nCols;
      } else {
        const v = cur.numeric(f.name, 'TabularPipeline.transform');
        for (let i = 0; i < n; i++) x[i * width + off] = v[i] as number;
        off += 1;
      }
    }
    return { x, n, shape: [width] };
  }

  /** `fit(table, rows)` then `transform(table, rows)`. */
  fitTransform(table: Table, rows?: ArrayLike<number>): SamplesLike {
    return this.fit(table, rows).transform(table, rows);
  }

  /** Output feature names after encoding, in output order. */
  get featureNames(): string[] {
    const s = this.fitted();
    return s.features.flatMap((f) => s.encoders.get(f.name)?.featureNames ?? [f.name]);
  }

  /** Features with their resolved kinds. */
  get features(): { name: string; kind: FeatureKind }[] {
    return this.fitted().features.map((f) => ({ ...f }));
  }

  /** One JSON-safe state for the whole pipeline, with `kind` and `formatVersion`. */
  toJSON(): JsonObject {
    const s = this.fitted();
    const o = this.options;
    return {
      kind: TabularPipeline.kind,
      formatVersion: TabularPipeline.formatVersion,
      options: {
        numericImpute: o.numericImpute,
        numericFillValue: o.numericFillValue,
        categoricalImpute: o.categoricalImpute,
        scaler: o.scaler,
        featureRange: [...o.featureRange],
        handleUnknown: o.handleUnknown,
        handleMissing: o.handleMissing,
      },
      features: s.features.map((f) => ({ ...f })),
      numImputer: s.numImputer?.toJSON() ?? null,
      catImputer: s.catImputer?.toJSON() ?? null,
      scaler: s.scaler?.toJSON() ?? null,
      encoders: s.features.filter((f) => f.kind === 'categorical').map((f) => (s.encoders.get(f.name) as OneHotEncoder).toJSON()),
    };
  }

  /** Read a pipeline saved by `toJSON`. @throws ModelFormatError */
  static fromJSON(json: unknown): TabularPipeline {
    const k = TabularPipeline.kind;
    const o = readHeader(json, k, TabularPipeline.formatVersion);
    const opts = objField(o, 'options', k);
    const rawFeatures = o.features;
    if (!Array.isArray(rawFeatures)) throw new ModelFormatError(`Saved ${k}: field 'features' should be an array.`, { kind: k });
    const features = rawFeatures.map((f: unknown, j) => {
      if (typeof f !== 'object' || f === null) throw new ModelFormatError(`Saved ${k}: features[${j}] should be an object.`, { kind: k });
      const fo = f as JsonObject;
      return { name: strField(fo, 'name', `${k} features[${j}]`), kind: enumField(fo, 'kind', `${k} features[${j}]`, ['numeric', 'categorical'] as const) };
    });
    const fr = numArray(opts, 'featureRange', k, 2);
    const p = new TabularPipeline({
      features,
      numericImpute: enumField(opts, 'numericImpute', k, NUM_IMPUTE),
      numericFillValue: typeof opts.numericFillValue === 'number' ? opts.numericFillValue : 0,
      categoricalImpute: enumField(opts, 'categoricalImpute', k, CAT_IMPUTE),
      scaler: enumField(opts, 'scaler', k, SCALERS),
      featureRange: [fr[0] as number, fr[1] as number],
      handleUnknown: enumField(opts, 'handleUnknown', k, ['error', 'ignore'] as const),
      handleMissing: enumField(opts, 'handleMissing', k, ['zeros', 'indicator', 'error'] as const),
    });
    const scalerJson = o.scaler as JsonObject | null;
    const scaler =
      scalerJson === null || scalerJson === undefined
        ? null
        : scalerJson.kind === MinMaxScaler.kind
          ? MinMaxScaler.fromJSON(scalerJson)
          : StandardScaler.fromJSON(scalerJson);
    const encJson = o.encoders;
    if (!Array.isArray(encJson)) throw new ModelFormatError(`Saved ${k}: field 'encoders' should be an array.`, { kind: k });
    const cats = features.filter((f) => f.kind === 'categorical');
    if (encJson.length !== cats.length) {
      throw new ModelFormatError(`Saved ${k}: ${cats.length} categorical features but ${encJson.length} encoders.`, { kind: k });
    }
    const encoders = new Map(cats.map((f, j) => [f.name, OneHotEncoder.fromJSON(encJson[j])]));
    p.state = {
      features,
      numImputer: o.numImputer ? Imputer.fromJSON(o.numImputer) : null,
      catImputer: o.catImputer ? Imputer.fromJSON(o.catImputer) : null,
      scaler,
      encoders,
    };
    return p;
  }

  private fitted(): PipelineState {
    if (!this.state) throw new NotFittedError('TabularPipeline');
    return this.state;
  }
}
