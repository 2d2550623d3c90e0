/**
 * One-row scoring of a failure model without building a Table: the model's preprocessing (pairwise
 * crosses, numeric imputation, standard or min-max scaling, one-hot encoding) is compiled once into
 * per-feature steps that write straight into a reused Float32Array, which goes to the estimator.
 *
 * Bit-identical to the batch path (`scoreRows` → Table → `PairwiseCrosses.apply` →
 * `TabularPipeline.transform` → `predictProba`): every step does the same Float64 arithmetic in the
 * same order and the result is rounded to Float32 once, as the pipeline does; one-hot slices are
 * computed by the pipeline itself (once per category value, cached). fast-score.test.ts checks the
 * equality on many rows, nulls and unseen categories included.
 */
import { DataError } from '../core/errors.js';
import { Table, categoricalColumn, numericColumn, type Column } from '../core/table.js';
import type { LoadedModel } from '../tasks/maintenance/artifact.js';
import { labelsFromProba } from '../tasks/maintenance/failure.js';

/** One row of model inputs: feature name (or its sensor id) → value. */
export type OneRow = Readonly<Record<string, number | string | null | undefined>>;

/** A compiled one-row scorer. */
export interface OneRowScorer {
  /** Failure score (1 − P(first class), or P for one output) and label of one row. */
  score(row: OneRow): Promise<{ score: number; label: string }>;
  /** True when the preprocessing was compiled (false: a pipeline state this module does not know; the Table path is used). */
  readonly compiled: boolean;
  /** The model input of one row (for tests): a fresh copy. */
  encode(row: OneRow): Float32Array;
}

type Step = (raw: Float64Array, cats: (string | null)[], out: Float32Array) => void;

/** The sensor id of a feature name (as models.ts `featureSensorId`; duplicated to avoid an import cycle). */
function sensorIdOf(feature: string): string {
  return feature
    .replace(/\[[^\]]*\]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Compile the one-row path of a loaded failure model.
 * @throws nothing for a well-formed model; a pipeline state it does not understand falls back to the
 *   Table path inside `score` (same result, slower).
 */
export function compileOneRow(model: LoadedModel): OneRowScorer {
  const m = model.manifest;
  const feats = m.features.map((f) => ({ name: f.name, alt: sensorIdOf(f.name), kind: f.kind }));
  const numIndex = new Map<string, number>();
  feats.forEach((f, j) => numIndex.set(f.name, j));
  const pj = model.pipeline.toJSON() as unknown as {
    features: { name: string; kind: 'numeric' | 'categorical' }[];
    numImputer: { columns: string[] | null; fills: { type: string; value: number | string }[] } | null;
    scaler: { kind: string; columns: string[] | null; mean?: number[]; scale?: number[]; min?: number[]; range?: number[]; featureRange?: [number, number]; clip?: boolean } | null;
  };
  const width = model.pipeline.featureNames.length;
  const classes = m.target.classes;
  const k = classes.length;
  const fills = new Map<string, number>();
  if (pj.numImputer?.columns) pj.numImputer.columns.forEach((c, j) => fills.set(c, pj.numImputer?.fills[j]?.value as number));
  const scale = new Map<string, (x: number) => number>();
  const sc = pj.scaler;
  if (sc?.columns) {
    sc.columns.forEach((c, j) => {
      if (sc.kind === 'standard-scaler') {
        const mu = sc.mean?.[j] as number;
        const s = sc.scale?.[j] as number;
        scale.set(c, (x) => (x - mu) / s);
      } else {
        const mn = sc.min?.[j] as number;
        const rg = sc.range?.[j] as number;
        const [lo, hi] = sc.featureRange ?? [0, 1];
        const clip = sc.clip === true;
        scale.set(c, (x) => {
          const y = lo + ((x - mn) / rg) * (hi - lo);
          return clip ? Math.min(hi, Math.max(lo, y)) : y;
        });
      }
    });
  }
  const crossCols = model.crosses ? model.crosses.columns : [];
  const crossOps = model.crosses ? model.crosses.ops : [];
  const sym: Record<string, string> = { product: '*', difference: '-', ratio: '/' };
  const crossOf = new Map<string, { a: number; b: number; op: string }>();
  for (let i = 0; i < crossCols.length; i++) {
    for (let j = i + 1; j < crossCols.length; j++) {
      for (const op of crossOps) crossOf.set(`${crossCols[i]}${sym[op]}${crossCols[j]}`, { a: numIndex.get(crossCols[i] as string) ?? -1, b: numIndex.get(crossCols[j] as string) ?? -1, op });
    }
  }
  const catFeatures = feats.filter((f) => f.kind === 'categorical');
  const catPos = new Map(catFeatures.map((f, i) => [f.name, i]));
  /** The one-hot slice of a categorical value, computed by the pipeline itself on a one-row table. */
  const oneHotCache = new Map<string, Map<string | null, Float32Array>>();
  const encodeCategory = (name: string, value: string | null, off: number, n: number): Float32Array => {
    let cache = oneHotCache.get(name);
    if (!cache) oneHotCache.set(name, (cache = new Map()));
    let v = cache.get(value);
    if (!v) {
      const cols: Column[] = m.features.map((f) => (f.kind === 'numeric' ? numericColumn(f.name, [0]) : categoricalColumn(f.name, [f.name === name ? value : null])));
      const t = new Table(cols);
      const x = model.pipeline.transform(model.crosses ? model.crosses.apply(t) : t).x;
      v = Float32Array.from(x.subarray(off, off + n));
      if (cache.size < 1000) cache.set(value, v);
    }
    return v;
  };

  let ok = true;
  const steps: Step[] = [];
  const names = model.pipeline.featureNames;
  let off = 0;
  for (const f of pj.features) {
    const o = off;
    if (f.kind === 'categorical') {
      let n = 0;
      while (o + n < width && (names[o + n] as string).startsWith(`${f.name}=`)) n++;
      // Count the encoder's columns exactly: the names of the next feature start after them.
      const p = catPos.get(f.name);
      if (p === undefined) ok = false;
      const count = n;
      steps.push((_raw, cats, out) => out.set(encodeCategory(f.name, cats[p as number] ?? null, o, count), o));
      off += count;
      continue;
    }
    const direct = numIndex.get(f.name);
    const cross = crossOf.get(f.name);
    if (direct === undefined && (!cross || cross.a < 0 || cross.b < 0)) ok = false;
    const fill = fills.get(f.name);
    const scl = scale.get(f.name);
    const get: (raw: Float64Array) => number =
      direct !== undefined
        ? (raw) => raw[direct] as number
        : cross
          ? cross.op === 'product'
            ? (raw) => (raw[cross.a] as number) * (raw[cross.b] as number)
            : cross.op === 'difference'
              ? (raw) => (raw[cross.a] as number) - (raw[cross.b] as number)
              : (raw) => ((raw[cross.b] as number) === 0 ? NaN : (raw[cross.a] as number) / (raw[cross.b] as number))
          : () => NaN;
    steps.push((raw, _cats, out) => {
      let x = get(raw);
      if (fill !== undefined && Number.isNaN(x)) x = fill;
      out[o] = scl ? scl(x) : x;
    });
    off += 1;
  }
  if (off !== width) ok = false;

  const raw = new Float64Array(feats.length);
  const cats: (string | null)[] = new Array<string | null>(catFeatures.length).fill(null);

  const read = (row: OneRow): void => {
    for (let j = 0; j < feats.length; j++) {
      const f = feats[j] as (typeof feats)[number];
      let v = row[f.name];
      if (v === undefined) v = row[f.alt];
      if (v === undefined) {
        throw new DataError('SF_DATA_SCHEMA', `Row 0: feature '${f.name}' (sensor '${f.alt}') is missing. The model expects: ${m.features.map((q) => q.name).join(', ')}.`, { row: 0, feature: f.name });
      }
      if (f.kind === 'numeric') {
        if (v !== null && typeof v !== 'number') throw new DataError('SF_DATA_TYPE', `Row 0: feature '${f.name}' must be a number; got ${JSON.stringify(v)}.`, { row: 0, feature: f.name });
        raw[j] = v === null ? NaN : v;
      } else {
        raw[j] = NaN;
        cats[catPos.get(f.name) as number] = v === null ? null : String(v);
      }
    }
  };
  // A fresh input per call: an estimator may read it after an await, while another request encodes.
  const encodeInto = (row: OneRow): Float32Array => {
    read(row);
    const x = new Float32Array(width);
    for (const s of steps) s(raw, cats, x);
    return x;
  };
  const slow = (row: OneRow): Float32Array => {
    const cols: Column[] = m.features.map((f, j) => {
      const v = row[f.name] !== undefined ? row[f.name] : row[(feats[j] as (typeof feats)[number]).alt];
      return f.kind === 'numeric' ? numericColumn(f.name, [v === null || v === undefined ? NaN : (v as number)]) : categoricalColumn(f.name, [v === null || v === undefined ? null : String(v)]);
    });
    read(row); // validation and its messages
    const t = new Table(cols);
    return model.pipeline.transform(model.crosses ? model.crosses.apply(t) : t).x as Float32Array;
  };

  return {
    compiled: ok,
    encode(row) {
      return ok ? encodeInto(row) : Float32Array.from(slow(row));
    },
    async score(row) {
      let prob: Float64Array;
      if (ok) prob = await model.estimator.predictProba({ x: encodeInto(row), n: 1, shape: [width] });
      else prob = await model.estimator.predictProba({ x: slow(row), n: 1, shape: [width] });
      const label = labelsFromProba(prob, k, m.threshold)[0] as number;
      // Failure probability = 1 − P(first class), the first class being "no failure".
      const score = k >= 2 ? 1 - (prob[0] as number) : (prob[0] as number);
      return { score, label: classes[label] ?? String(label) };
    },
  };
}
