/**
 * The model directory `shopfloor train` writes and `evaluate`/`predict`/`serve` read:
 *
 *   shopfloor-model.json   manifest: format version, task, target, classes, threshold, input schema,
 *                          split, seed, data hash, library versions, backend
 *   preprocess.json        the fitted TabularPipeline (imputer, scaler, one-hot) — train part only
 *   model/                 the estimator's own files (written by its save())
 *   metrics.json           held-out test metrics, cross-validation, model comparison
 *   report.html            the self-contained report
 *
 * Written atomically: everything goes to a temp directory beside the target, which is renamed into
 * place only when complete; an existing directory is replaced only then. A failed run leaves nothing.
 */
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import { DataError, ModelFormatError, NotFoundError } from '../../core/errors.js';
import { isCategorical, type Table } from '../../core/table.js';
import { closest } from '../../core/text.js';
import { estimatorLoader, type Estimator, type Samples } from '../../models/estimator.js';
import '../../models/trees/index.js';
import '../../models/tf/index.js';
import { PairwiseCrosses } from '../../preprocess/interactions.js';
import { TabularPipeline } from '../../preprocess/pipeline.js';
import { writeFileAtomic } from '../../io/write.js';
import { labelsFromProba, type FeatureInfo, type TargetInfo } from './failure.js';

export const MODEL_FORMAT_VERSION = 1;
export const MANIFEST_FILE = 'shopfloor-model.json';

export interface ModelManifest {
  readonly formatVersion: number;
  readonly task: 'failure';
  readonly kind: string;
  readonly target: TargetInfo;
  readonly threshold: number | null;
  readonly features: FeatureInfo[];
  readonly encodedFeatures: string[];
  /** Saved PairwiseCrosses applied before the pipeline, or null. */
  readonly crosses: Record<string, unknown> | null;
  readonly dropped: { name: string; reason: string }[];
  readonly leakage: { column: string; reason: string; excluded: boolean }[];
  readonly split: { kind: string; train: number; val: number; test: number };
  readonly seed: number;
  readonly data: { file: string; sha256: string; rows: number };
  readonly versions: Record<string, string>;
  readonly backend: string | null;
  readonly createdAt: string;
}

/** sha256 of a file's bytes, streamed. */
export async function fileSha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Write a model directory atomically.
 * @param write fills the temp directory (manifest, model, metrics, report)
 */
export async function writeModelDir(out: string, write: (tmpDir: string) => Promise<void>): Promise<void> {
  const target = path.resolve(out);
  const parent = path.dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = path.join(parent, `.${path.basename(target)}.tmp-${process.pid}-${Date.now()}`);
  mkdirSync(tmp);
  try {
    await write(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  if (existsSync(target)) {
    const old = `${tmp}.old`;
    renameSync(target, old);
    renameSync(tmp, target);
    rmSync(old, { recursive: true, force: true });
  } else {
    renameSync(tmp, target);
  }
}

/** Save manifest, preprocessing and estimator into `dir` (inside writeModelDir). */
export async function saveModelFiles(dir: string, manifest: ModelManifest, pipeline: TabularPipeline, estimator: Estimator): Promise<void> {
  writeFileAtomic(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
  writeFileAtomic(path.join(dir, 'preprocess.json'), JSON.stringify(pipeline.toJSON()) + '\n');
  const modelDir = path.join(dir, 'model');
  mkdirSync(modelDir, { recursive: true });
  await estimator.save(modelDir);
}

export interface LoadedModel {
  readonly dir: string;
  readonly manifest: ModelManifest;
  readonly pipeline: TabularPipeline;
  readonly crosses: PairwiseCrosses | null;
  readonly estimator: Estimator;
}

/** Read a model directory written by `shopfloor train`. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const mf = path.join(dir, MANIFEST_FILE);
  if (!existsSync(dir)) throw new NotFoundError(`Model directory not found: ${dir}.`, { dir });
  if (!existsSync(mf)) {
    throw new NotFoundError(`${dir} is not a shopfloor model directory: ${MANIFEST_FILE} is missing (train one with 'shopfloor train ... --out ${dir}').`, { dir });
  }
  let manifest: ModelManifest;
  try {
    manifest = JSON.parse(readFileSync(mf, 'utf8')) as ModelManifest;
  } catch (e) {
    throw new ModelFormatError(`${mf}: not valid JSON (${(e as Error).message}).`, { file: mf });
  }
  if (manifest.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new ModelFormatError(`${mf}: format version ${String(manifest.formatVersion)} is not supported (this shopfloor reads ${MODEL_FORMAT_VERSION}).`, { file: mf });
  }
  const loader = estimatorLoader(manifest.kind);
  if (!loader) throw new ModelFormatError(`${mf}: unknown model kind '${manifest.kind}'.`, { file: mf });
  const pipeline = TabularPipeline.fromJSON(JSON.parse(readFileSync(path.join(dir, 'preprocess.json'), 'utf8')));
  const estimator = await loader(path.join(dir, 'model'));
  const crosses = manifest.crosses ? PairwiseCrosses.fromJSON(manifest.crosses) : null;
  return { dir, manifest, pipeline, crosses, estimator };
}

/** CSV read options that make a new file read with the model's column types. */
export function schemaOverrides(m: ModelManifest): Record<string, 'numeric' | 'categorical'> {
  return Object.fromEntries(m.features.map((f) => [f.name, f.kind]));
}

/**
 * Refuse a table whose columns do not match the model's input schema, naming every difference:
 * missing feature columns (with the closest existing name), and columns of the wrong type.
 * Extra columns are ignored. Returns warnings (unseen categories).
 */
export function checkSchema(m: ModelManifest, table: Table, source: string): string[] {
  const problems: string[] = [];
  for (const f of m.features) {
    if (!table.has(f.name)) {
      const near = closest(f.name, table.names);
      problems.push(`missing column '${f.name}'${near ? ` (closest: '${near}')` : ''}`);
      continue;
    }
    const c = table.column(f.name);
    const cat = isCategorical(c);
    if (f.kind === 'numeric' && cat) problems.push(`column '${f.name}' should be numeric but holds text`);
    if (f.kind === 'categorical' && !cat) problems.push(`column '${f.name}' should be categorical but was read as ${c.kind}`);
    if (f.unit && c.unit && f.unit !== c.unit) problems.push(`column '${f.name}' is in [${c.unit}], the model was trained on [${f.unit}]`);
  }
  if (problems.length) {
    throw new DataError(
      'SF_DATA_SCHEMA',
      `${source} does not match the model's input schema: ${problems.join('; ')}. The model expects: ${m.features.map((f) => `${f.name}${f.unit ? ` [${f.unit}]` : ''} (${f.kind})`).join(', ')}.`,
      { problems, expected: m.features },
    );
  }
  const warnings: string[] = [];
  for (const f of m.features) {
    if (f.kind !== 'categorical' || !f.categories) continue;
    const c = table.column(f.name);
    if (!isCategorical(c)) continue;
    const known = new Set(f.categories);
    const unseen = c.categories.filter((v) => !known.has(v));
    if (unseen.length) warnings.push(`column '${f.name}' has categories the model never saw (${unseen.slice(0, 5).join(', ')}): they are encoded as all-zero.`);
  }
  return warnings;
}

/** Probabilities (n × k) and labels for every row of `table`. */
export async function scoreTable(model: LoadedModel, table: Table): Promise<{ prob: Float64Array; labels: Float64Array }> {
  const s = model.pipeline.transform(model.crosses ? model.crosses.apply(table) : table);
  const x: Samples = { x: s.x, n: s.n, shape: s.shape };
  const prob = await model.estimator.predictProba(x);
  const labels = labelsFromProba(prob, model.manifest.target.classes.length, model.manifest.threshold);
  return { prob, labels };
}
