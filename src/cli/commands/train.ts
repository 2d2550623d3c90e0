/** `shopfloor train`: fit a failure-prediction model, evaluate it honestly, write a model directory. */
import path from 'node:path';
import { assertOneOf, ConfigError } from '../../core/errors.js';
import { RUL_TRAIN_OPTIONS, runTrainRul } from '../../tasks/rul/cli.js';
import { RUL_MODELS } from '../../tasks/rul/models.js';
import { readCsvWithInfo } from '../../io/csv/index.js';
import { writeFileAtomic } from '../../io/write.js';
import { initBackend } from '../../models/tf/index.js';
import { AUTO_CANDIDATES, FAILURE_MODELS, isNeural, type FailureModelName } from '../../tasks/maintenance/candidates.js';
import { trainFailureModel } from '../../tasks/maintenance/failure.js';
import { fileSha256, MODEL_FORMAT_VERSION, saveModelFiles, writeModelDir, type ModelManifest } from '../../tasks/maintenance/artifact.js';
import { failureMetricsJson, failureReportHtml } from '../../evaluation/failure-report.js';
import { assertOptionsFor, list, num, str } from '../args.js';
import type { CommandContext, CommandSpec, OptionSpec, OptionValues } from '../command.js';
import { ANOMALY_TRAIN_OPTIONS, trainAnomalyCommandRun } from '../../tasks/anomaly/cli.js';
import { VIBRATION_TRAIN_OPTIONS, runTrainVibration } from '../../tasks/vibration/cli.js';
import { CSV_OPTIONS, csvOptionsFrom } from '../data-options.js';
import { libraryVersions, shopfloorVersion } from '../version.js';

export const TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', required: true, description: 'Training CSV (plain or gzip).' },
  { name: 'target', type: 'string', description: "Target column, e.g. 'Machine failure'; several 0/1 flag columns separated by commas make a multiclass target (none / flag / multiple)." },
  { name: 'model', type: 'string', default: 'auto', choices: ['auto', ...FAILURE_MODELS], description: "Model; 'auto' cross-validates the candidates on the training part and keeps the best PR-AUC." },
  { name: 'candidates', type: 'string', default: AUTO_CANDIDATES.join(','), description: `Models tried by --model auto (comma-separated; from ${FAILURE_MODELS.join(', ')}).` },
  { name: 'drop', type: 'string', multiple: true, description: 'Columns never used as features (comma-separated or repeated).' },
  { name: 'split', type: 'string', default: 'stratified', choices: ['stratified', 'group:', 'time:'], description: 'Train/test split: stratified by class, grouped by a machine column, or time-ordered by a time column.' },
  { name: 'test-fraction', type: 'number', default: 0.2, min: 0.05, max: 0.5, description: 'Share of rows held out as the test set.' },
  { name: 'cv-folds', type: 'integer', default: 5, min: 0, max: 20, description: 'Folds of the cross-validation report (0 = skip).' },
  { name: 'crosses', type: 'string', default: 'auto', choices: ['auto', 'pairwise', 'none'], description: "Add pairwise products/differences of numeric inputs (physics such as power = torque × speed); 'auto' when there are 2–12 numeric inputs." },
  { name: 'allow-leakage', type: 'string', multiple: true, description: 'Keep a column the leakage guard would exclude.' },
  { name: 'out', type: 'string', required: true, description: 'Model directory to write (replaced atomically if it exists).' },
  { name: 'backend', type: 'string', default: 'auto', choices: ['auto', 'wasm', 'tensorflow', 'cpu'], description: "TensorFlow.js backend for neural models ('auto': tfjs-node if installed, else wasm)." },
  ...CSV_OPTIONS,
];

const TASK_OPTION: OptionSpec = {
  name: 'task',
  type: 'string',
  default: 'failure',
  choices: ['failure', 'rul', 'anomaly', 'vibration'],
  description: 'failure: classify failures from labelled rows; rul: remaining useful life from run-to-failure series; anomaly: learn normal behaviour without labels; vibration: bearing fault class from raw vibration (MAT-files).',
};

/** `--model` means a different set of models per task: validated by the task, default per task. */
const MODEL_OPTION: OptionSpec = {
  name: 'model',
  type: 'string',
  description: `Model. failure: auto (default; cross-validates --candidates), ${FAILURE_MODELS.join(', ')}. rul: ${RUL_MODELS.join(', ')} (default gbdt). vibration: gbdt (default), logreg, wdcnn.`,
};

/** Union of every task's options (same name = same meaning); each task rejects the others' options. */
function mergeOptions(...lists: readonly (readonly OptionSpec[])[]): OptionSpec[] {
  const out = new Map<string, OptionSpec>();
  for (const l of lists) for (const o of l) if (!out.has(o.name)) out.set(o.name, o);
  return [...out.values()];
}

export const trainCommand: CommandSpec = {
  name: 'train',
  summary: 'Train a model (failure prediction, or anomaly detection without labels) and write a model directory with honest metrics.',
  help: `Examples:
  shopfloor train --data ai4i2020.csv --target "Machine failure" --seed 42 --out m --json
  shopfloor train --data ai4i2020.csv --target TWF,HDF,PWF,OSF --model gbdt --out modes
  shopfloor train --task rul --data train_FD001.txt --format cmapss --model ensemble --out rul
  shopfloor train --task anomaly --data normal.csv --unit machine --time timestamp --detector iforest --out det
  shopfloor train --task vibration --data ../shared/data/cwru --model wdcnn --out bearing`,
  seeded: true,
  options: mergeOptions([TASK_OPTION, MODEL_OPTION], TRAIN_OPTIONS, RUL_TRAIN_OPTIONS, ANOMALY_TRAIN_OPTIONS, VIBRATION_TRAIN_OPTIONS),
  async run(opts, ctx) {
    const task = str(opts, 'task') ?? 'failure';
    if (task === 'rul') {
      assertOptionsFor(opts, [TASK_OPTION, ...RUL_TRAIN_OPTIONS], '--task rul');
      const model = assertOneOf('--model', str(opts, 'model') ?? 'gbdt', RUL_MODELS);
      await runTrainRul({ ...opts, model }, ctx);
      return;
    }
    if (task === 'vibration') {
      assertOptionsFor(opts, [TASK_OPTION, ...VIBRATION_TRAIN_OPTIONS], '--task vibration');
      await runTrainVibration(opts, ctx);
      return;
    }
    if (task === 'anomaly') {
      assertOptionsFor(opts, [TASK_OPTION, ...ANOMALY_TRAIN_OPTIONS], '--task anomaly');
      await trainAnomalyCommandRun(opts, ctx);
      return;
    }
    assertOptionsFor(opts, [TASK_OPTION, ...TRAIN_OPTIONS], '--task failure');
    opts = { ...opts, model: assertOneOf('--model', str(opts, 'model') ?? 'auto', ['auto', ...FAILURE_MODELS]) };
    if (str(opts, 'target') === undefined) {
      throw new ConfigError('shopfloor train: --target is required for --task failure (the column to predict, e.g. --target "Machine failure").', { option: 'target' });
    }
    await runTrain(opts, ctx);
  },
};

export async function runTrain(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const file = str(opts, 'data') as string;
  const out = str(opts, 'out') as string;
  const targetRaw = str(opts, 'target') as string;
  const target = targetRaw.includes(',') ? targetRaw.split(',').map((s) => s.trim()) : targetRaw;
  const model = (str(opts, 'model') ?? 'auto') as 'auto' | FailureModelName;
  const candidates = list(opts, 'candidates');
  for (const c of candidates) {
    if (!(FAILURE_MODELS as readonly string[]).includes(c)) {
      throw new ConfigError(`--candidates: '${c}' is not a model; expected some of ${FAILURE_MODELS.join(', ')}.`, { option: 'candidates', value: c });
    }
  }
  const { table, dialect } = await readCsvWithInfo(file, csvOptionsFrom(opts, ctx));
  ctx.info(`read ${file}: ${table.nRows} rows × ${table.columns.length} columns (delimiter ${JSON.stringify(dialect.delimiter)})`);
  const used = model === 'auto' ? (candidates as FailureModelName[]) : [model];
  let backend: string | null = null;
  if (used.some(isNeural)) {
    const info = await initBackend({ backend: (str(opts, 'backend') ?? 'auto') as 'auto' });
    backend = `${info.name}${info.name === 'wasm' ? ` (${info.threads} thread${info.threads > 1 ? 's' : ''}, SIMD ${info.simd ? 'on' : 'off'})` : ''}`;
    ctx.info(`TensorFlow.js backend: ${backend}`);
  }
  let bar: ReturnType<CommandContext['progress']> | null = null;
  let stage = '';
  const result = await trainFailureModel(table, file, {
    target,
    model,
    candidates: candidates as FailureModelName[],
    drop: list(opts, 'drop'),
    split: str(opts, 'split') ?? 'stratified',
    testFraction: num(opts, 'test-fraction') ?? 0.2,
    cvFolds: num(opts, 'cv-folds') ?? 5,
    seed: ctx.seed,
    allowLeakage: list(opts, 'allow-leakage'),
    crosses: (str(opts, 'crosses') ?? 'auto') as 'auto' | 'pairwise' | 'none',
    onWarning: (m) => ctx.warn(m),
    onProgress: (s, done, total) => {
      if (s !== stage) {
        bar?.done();
        stage = s;
        bar = ctx.progress(s, total);
      }
      bar?.update(done);
    },
  });
  (bar as ReturnType<CommandContext['progress']> | null)?.done();
  const sha = await fileSha256(file);
  const createdAt = new Date().toISOString();
  const reportCtx = { dataFile: file, dataSha256: sha, backend, seed: ctx.seed, createdAt, version: shopfloorVersion() };
  const metrics = failureMetricsJson(result, reportCtx);
  const manifest: ModelManifest = {
    formatVersion: MODEL_FORMAT_VERSION,
    task: 'failure',
    kind: result.estimator.kind,
    target: result.target,
    threshold: result.threshold,
    features: result.features,
    encodedFeatures: result.encodedFeatures,
    crosses: result.crosses ? result.crosses.toJSON() : null,
    dropped: result.dropped,
    leakage: result.leakage,
    split: result.split,
    seed: ctx.seed,
    data: { file, sha256: sha, rows: table.nRows },
    versions: libraryVersions(),
    backend,
    createdAt,
  };
  await writeModelDir(out, async (dir) => {
    await saveModelFiles(dir, manifest, result.pipeline, result.estimator);
    writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    writeFileAtomic(path.join(dir, 'report.html'), failureReportHtml(result, table, reportCtx));
  });
  const summary = { ...metrics, out: path.resolve(out), report: path.resolve(out, 'report.html') };
  const t = metrics.test as Record<string, number | undefined>;
  const lines = [
    `model: ${result.model}${result.comparison.length ? ` (chosen by ${result.comparison[0]?.folds}-fold CV from ${result.comparison.map((c) => c.model).join(', ')})` : ''}`,
    result.target.classes.length === 2
      ? `test (${result.split.test} rows): failure F1 ${f(t.failureF1)}, precision ${f(t.failurePrecision)}, recall ${f(t.failureRecall)}, ROC-AUC ${f(t.rocAuc)}, PR-AUC ${f(t.prAuc)} at threshold ${f(result.threshold ?? NaN)}`
      : `test (${result.split.test} rows): macro-F1 ${f(t.macroF1)}, balanced accuracy ${f(t.balancedAccuracy)}, ROC-AUC (one-vs-rest) ${f(t.rocAuc)}`,
    result.cv ? `cross-validation (${result.cv.folds} folds): F1 ${f(result.cv.f1.mean)} ± ${f(result.cv.f1.std)}, ROC-AUC ${f(result.cv.rocAuc.mean)} ± ${f(result.cv.rocAuc.std)}` : 'cross-validation: skipped',
    `accuracy ${f(result.test.accuracy)} (always '${result.baseline.majorityClass}' would score ${f(result.baseline.majorityAccuracy)} — see the report for why accuracy misleads)`,
    `model directory: ${path.resolve(out)}`,
    `report: ${path.resolve(out, 'report.html')}`,
  ];
  ctx.result(summary, lines.join('\n'));
  return summary;
}

function f(v: number | undefined): string {
  return v === undefined || !Number.isFinite(v) ? '—' : v.toFixed(3);
}
