/**
 * Deployed models in the live service: a cache of loaded model directories, the mapping from model
 * features to sensor ids, and scoring of feature rows.
 */
import { DataError } from '../core/errors.js';
import { Table, categoricalColumn, numericColumn, type Column } from '../core/table.js';
import { scoreTable, type LoadedModel } from '../tasks/maintenance/artifact.js';
import type { ModelRecord } from '../storage/store.js';
import { loadLiveModel, type LiveModel, type LiveOptions } from './live.js';

/**
 * The sensor id that feeds a model feature: lower case, the unit in brackets dropped, every run of
 * other characters turned into '_'. 'Air temperature [K]' → 'air_temperature', 'Tool wear' → 'tool_wear'.
 */
export function featureSensorId(feature: string): string {
  return feature
    .replace(/\[[^\]]*\]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/** One row of model inputs: feature name (or its sensor id) → value. */
export type FeatureRow = Record<string, number | string | null>;

/** A model score: `score` is the probability of the positive (non-first) class; `label` the class. */
export interface Score {
  readonly score: number;
  readonly label: string;
}

/**
 * Loads registered model directories once and keeps them (keyed by model id), with their streaming
 * state (RUL windows, anomaly scorer state per asset; see live.ts).
 */
export class ModelCache {
  private readonly loaded = new Map<number, Promise<LiveModel>>();
  /** @param opts how RUL and anomaly models assemble rows (row tolerance, sample-and-hold). */
  constructor(private readonly opts: LiveOptions = {}) {}

  /** The loaded model of a registry record (loaded on first use). */
  get(record: ModelRecord): Promise<LiveModel> {
    let p = this.loaded.get(record.id);
    if (!p) {
      p = loadLiveModel(record.dir, this.opts);
      p.catch(() => this.loaded.delete(record.id));
      this.loaded.set(record.id, p);
    }
    return p;
  }
  /** Every loaded model (to reset an asset's streaming state after a deployment change). */
  async all(): Promise<LiveModel[]> {
    const out: LiveModel[] = [];
    for (const p of this.loaded.values()) {
      const m = await p.catch(() => null);
      if (m) out.push(m);
    }
    return out;
  }
}

/**
 * Score rows with a loaded model. A row may name a feature by its manifest name or its sensor id.
 * Throws DataError (SF_DATA_SCHEMA) naming the first row and feature that is missing or of the wrong type.
 */
export async function scoreRows(model: LoadedModel, rows: readonly FeatureRow[]): Promise<Score[]> {
  if (rows.length === 0) return [];
  const m = model.manifest;
  const cols: Column[] = [];
  for (const f of m.features) {
    const alt = featureSensorId(f.name);
    const values = rows.map((r, i) => {
      const v = f.name in r ? r[f.name] : r[alt];
      if (v === undefined) {
        throw new DataError('SF_DATA_SCHEMA', `Row ${i}: feature '${f.name}' (sensor '${alt}') is missing. The model expects: ${m.features.map((x) => x.name).join(', ')}.`, { row: i, feature: f.name });
      }
      if (f.kind === 'numeric' && v !== null && typeof v !== 'number') {
        throw new DataError('SF_DATA_TYPE', `Row ${i}: feature '${f.name}' must be a number; got ${JSON.stringify(v)}.`, { row: i, feature: f.name });
      }
      return v;
    });
    if (f.kind === 'numeric') cols.push(numericColumn(f.name, values.map((v) => (v === null ? NaN : (v as number))), f.unit));
    else cols.push(categoricalColumn(f.name, values.map((v) => (v === null ? null : String(v)))));
  }
  const { prob, labels } = await scoreTable(model, new Table(cols));
  const k = m.target.classes.length;
  return rows.map((_, i) => {
    // Failure probability = 1 − P(first class), the first class being "no failure".
    const score = k >= 2 ? 1 - (prob[i * k] as number) : (prob[i] as number);
    const label = m.target.classes[labels[i] as number] ?? String(labels[i]);
    return { score, label };
  });
}
