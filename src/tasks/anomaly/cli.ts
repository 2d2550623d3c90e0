/**
 * The anomaly-detection commands' bodies, kept beside the task so the CLI files stay thin:
 *
 *   shopfloor train --task anomaly --data normal.csv --out DIR [--detector robust-z|ewma|iforest|autoencoder|window-autoencoder|lstm-autoencoder|transformer]
 *                   [--false-alarm-rate 0.001] [--columns a,b] [--unit machine] [--time timestamp]
 *                   [--eval-data streams.csv --labels labels.csv]
 *   shopfloor detect --model DIR --data FILE [--out alarms.csv] [--labels FILE] [--json]
 *
 * `trainAnomalyCommandRun` and `detectAnomaliesRun` take parsed options and a CommandContext, exactly
 * like a CommandSpec's `run`.
 */
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import { Table, categoricalColumn, isCategorical, missingColumnError, numericColumn, type Column } from '../../core/table.js';
import { readCsv, readCsvWithInfo } from '../../io/csv/index.js';
import { writeCsv, writeFileAtomic } from '../../io/write.js';
import { initBackend } from '../../models/tf/backend.js';
import { list, num, str } from '../../cli/args.js';
import type { CommandContext, OptionSpec, OptionValues } from '../../cli/command.js';
import { CSV_OPTIONS, csvOptionsFrom } from '../../cli/data-options.js';
import { libraryVersions, shopfloorVersion } from '../../cli/version.js';
import { fileSha256, writeModelDir } from '../maintenance/artifact.js';
import { AGGREGATE_MODES, type AggregateMode } from './aggregate.js';
import { machinesFromTable, sensorColumns, type ColumnRoles, type MachineData } from './data.js';
import { AnomalyDetector, type DetectionResult } from './detector.js';
import { evaluateEvents, labelSpans, type EventEvaluation, type LabelSpan } from './evaluate.js';
import { ANOMALY_MANIFEST_FILE, ANOMALY_MODEL_FORMAT_VERSION, DETECTOR_FILE, detectorJsonText, isNeuralDetector, loadAnomalyModel, readAnomalyManifest, type AnomalyManifest } from './model-dir.js';
import { anomalyReportHtml } from './report.js';
import { SCORER_KINDS, type ScorerKind } from './scorers.js';

/** Options of `train --task anomaly` that the failure-prediction `train` does not have. */
export const ANOMALY_ONLY_OPTIONS: readonly OptionSpec[] = [
  { name: 'detector', type: 'string', default: 'robust-z', choices: SCORER_KINDS, description: 'Anomaly scorer (see docs/anomaly.md).' },
  { name: 'false-alarm-rate', type: 'number', default: 0.001, min: 1e-7, max: 0.5, description: 'Target share of normal samples that alarm; the threshold is this upper quantile of normal calibration scores.' },
  { name: 'columns', type: 'string', multiple: true, description: 'Sensor columns (comma-separated or repeated; default: every numeric column except --unit and --time).' },
  { name: 'unit', type: 'string', description: "Machine column; default: the only text/id column if there is exactly one; 'none' for one series." },
  { name: 'time', type: 'string', description: "Time column; default: the only timestamp column if there is exactly one; 'none' for row order." },
  { name: 'aggregate', type: 'string', default: 'max', choices: AGGREGATE_MODES, description: 'Combine normalised sensor scores per machine by max or mean.' },
  { name: 'min-gap', type: 'integer', default: 10, min: 1, max: 100_000, description: 'Alarms at most this many samples apart form one event.' },
  { name: 'calibration-fraction', type: 'number', default: 0.2, min: 0.05, max: 0.5, description: "Share of each machine's series (its end) held out to calibrate the threshold." },
  { name: 'epochs', type: 'integer', min: 1, max: 500, description: 'Training epochs of the neural scorers: autoencoders and transformer (default 8).' },
  { name: 'eval-data', type: 'string', description: 'CSV with anomalies to evaluate on with --labels (default: the training data).' },
  { name: 'labels', type: 'string', description: 'Labelled anomalies (machine, kind, start, end inclusive): adds the event-wise evaluation table.' },
  { name: 'tolerance', type: 'integer', default: 10, min: 0, max: 100_000, description: 'Samples after a label\'s end in which an alarm still detects it.' },
];

/** Every option `train --task anomaly` needs (merge with the train command's own; `data`/`out`/`backend`/CSV are shared). */
export const ANOMALY_TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', required: true, description: 'CSV of normal (or mostly normal) readings (plain or gzip).' },
  { name: 'out', type: 'string', required: true, description: 'Model directory to write (replaced atomically if it exists).' },
  ...ANOMALY_ONLY_OPTIONS,
  { name: 'backend', type: 'string', default: 'auto', choices: ['auto', 'wasm', 'tensorflow', 'cpu'], description: 'TensorFlow.js backend for the neural scorers (autoencoders, transformer).' },
  ...CSV_OPTIONS,
];

/** Options of `shopfloor detect`. */
export const DETECT_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', required: true, description: 'Model directory written by shopfloor train --task anomaly.' },
  { name: 'data', type: 'string', required: true, description: 'CSV of readings with the model\'s sensor, unit and time columns.' },
  { name: 'out', type: 'string', description: 'Write per-row scores and alarms to this CSV (atomically).' },
  { name: 'labels', type: 'string', description: 'Labelled anomalies (machine, kind, start, end inclusive): adds the event-wise evaluation.' },
  { name: 'tolerance', type: 'integer', default: 10, min: 0, max: 100_000, description: 'Samples after a label\'s end in which an alarm still detects it.' },
  { name: 'threshold', type: 'number', description: "Override the model's threshold for this run (the saved one is in detector.json)." },
  { name: 'backend', type: 'string', default: 'auto', choices: ['auto', 'wasm', 'tensorflow', 'cpu'], description: 'TensorFlow.js backend for the neural scorers (autoencoders, transformer).' },
  ...CSV_OPTIONS,
];

/** Choose the unit and time columns: explicit, 'none', or the single obvious candidate. */
function resolveRoles(table: Table, opts: OptionValues, source: string, ctx: CommandContext): { unit: string | undefined; time: string | undefined } {
  const pick = (option: 'unit' | 'time', candidates: string[], what: string): string | undefined => {
    const v = str(opts, option);
    if (v === 'none') return undefined;
    if (v !== undefined) {
      if (!table.has(v)) throw missingColumnError(v, table.names, source);
      return v;
    }
    if (candidates.length === 1) {
      ctx.info(`--${option}: using column '${candidates[0] as string}' (the only ${what} column)`);
      return candidates[0];
    }
    if (candidates.length > 1) {
      throw new ConfigError(`--${option}: ${source} has several ${what} columns (${candidates.map((c) => `'${c}'`).join(', ')}); say which with --${option} NAME, or --${option} none.`, {
        option,
        candidates,
      });
    }
    return undefined;
  };
  const unit = pick('unit', table.columns.filter((c) => isCategorical(c)).map((c) => c.name), 'text/id');
  const time = pick('time', table.columns.filter((c) => c.kind === 'timestamp').map((c) => c.name), 'timestamp');
  return { unit, time };
}

interface Scored {
  readonly machines: MachineData[];
  readonly results: DetectionResult[];
  readonly spans?: LabelSpan[];
  readonly evaluation?: EventEvaluation;
}

async function scoreFile(detector: AnomalyDetector, file: string, roles: ColumnRoles, labelsFile: string | undefined, tolerance: number, opts: OptionValues, ctx: CommandContext): Promise<Scored & { table: Table }> {
  const table = await readCsv(file, csvOptionsFrom(opts, ctx));
  const machines = machinesFromTable(table, roles, detector.sensors, file);
  const results = machines.map((m) => detector.detect(m.series));
  if (labelsFile === undefined) return { table, machines, results };
  const labels = await readCsv(labelsFile, csvOptionsFrom(opts, ctx));
  const { spans, unknownMachines } = labelSpans(labels, machines, roles.unit, labelsFile);
  if (unknownMachines.length) ctx.warn(`${labelsFile}: labels for machines not in ${file} were ignored: ${unknownMachines.slice(0, 10).join(', ')}`);
  const evaluation = evaluateEvents(
    machines.map((m, k) => ({ machine: m, events: (results[k] as DetectionResult).events, alarm: (results[k] as DetectionResult).alarm })),
    spans,
    tolerance,
  );
  return { table, machines, results, spans, evaluation };
}

function evaluationText(e: EventEvaluation): string {
  const f = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const rows = [...e.byKind, { kind: 'all', ...e.overall }].map(
    (k) => `  ${k.kind.padEnd(12)} ${String(k.detected).padStart(4)}/${String(k.labels).padEnd(4)} recall ${f(k.recall)}  precision ${f(k.precision)}  median delay ${f(k.medianDelay, 1)}`,
  );
  return [`event-wise evaluation (tolerance ${e.toleranceSamples} samples; ${e.overall.falseEvents} false events, ${f(e.falseEventsPer10k, 2)} per 10k samples):`, ...rows].join('\n');
}

/**
 * `shopfloor train --task anomaly`: fit a detector on normal readings, calibrate its threshold for the
 * target false-alarm rate, optionally evaluate on labelled data, and write the model directory
 * atomically. Returns (and reports through `ctx.result`) the summary.
 * @throws ConfigError / DataError for bad options or data (unknown column → closest name and the list).
 */
export async function trainAnomalyCommandRun(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const file = str(opts, 'data');
  const out = str(opts, 'out');
  if (file === undefined) throw new ConfigError('shopfloor train --task anomaly: --data is required (CSV of normal readings).', { option: 'data' });
  if (out === undefined) throw new ConfigError('shopfloor train --task anomaly: --out is required (model directory to write).', { option: 'out' });
  const kind = (str(opts, 'detector') ?? 'robust-z') as ScorerKind;
  if (!(SCORER_KINDS as readonly string[]).includes(kind)) {
    throw new ConfigError(`--detector: expected one of ${SCORER_KINDS.join(', ')}; got '${kind}'.`, { option: 'detector', value: kind, allowed: [...SCORER_KINDS] });
  }
  const labelsFile = str(opts, 'labels');
  const evalFile = str(opts, 'eval-data');
  if (evalFile !== undefined && labelsFile === undefined) throw new ConfigError('--eval-data needs --labels (the anomalies to evaluate against).', { option: 'eval-data' });
  const { table, dialect } = await readCsvWithInfo(file, csvOptionsFrom(opts, ctx));
  ctx.info(`read ${file}: ${table.nRows} rows × ${table.columns.length} columns (delimiter ${JSON.stringify(dialect.delimiter)})`);
  const { unit, time } = resolveRoles(table, opts, file, ctx);
  const cols = list(opts, 'columns');
  const sensors = sensorColumns(table, { columns: cols, unit, time }, file);
  const roles: ColumnRoles = { columns: sensors, unit, time };
  const machines = machinesFromTable(table, roles, sensors, file);
  for (const m of machines) {
    m.missing.forEach((k, s) => {
      if (k > 0) ctx.warn(`${file}: ${k} missing readings of '${sensors[s] as string}'${m.id ? ` on ${m.id}` : ''} carried forward from the previous reading.`);
    });
  }
  let backend: string | null = null;
  if (isNeuralDetector(kind)) {
    const info = await initBackend({ backend: (str(opts, 'backend') ?? 'auto') as 'auto' });
    backend = info.name;
    ctx.info(`TensorFlow.js backend: ${backend}`);
  }
  const epochs = num(opts, 'epochs');
  const far = num(opts, 'false-alarm-rate') ?? 0.001;
  ctx.info(`fitting ${kind} on ${machines.length} machine(s) × ${sensors.length} sensor(s): ${sensors.join(', ')}`);
  const detector = await AnomalyDetector.fit(
    machines.map((m) => m.series),
    sensors,
    {
      detector: kind,
      falseAlarmRate: far,
      aggregate: (str(opts, 'aggregate') ?? 'max') as AggregateMode,
      minGapSamples: num(opts, 'min-gap') ?? 10,
      calibrationFraction: num(opts, 'calibration-fraction') ?? 0.2,
      seed: ctx.seed,
      scorer: epochs === undefined ? {} : { epochs },
      onWarning: (m) => ctx.warn(m),
    },
  );
  const tolerance = num(opts, 'tolerance') ?? 10;
  const traced: Scored =
    labelsFile !== undefined
      ? await scoreFile(detector, evalFile ?? file, roles, labelsFile, tolerance, opts, ctx)
      : { machines, results: machines.map((m) => detector.detect(m.series)) };
  const createdAt = new Date().toISOString();
  const sha = await fileSha256(file);
  const manifest: AnomalyManifest = {
    formatVersion: ANOMALY_MODEL_FORMAT_VERSION,
    task: 'anomaly',
    kind: 'anomaly-detector',
    detector: kind,
    sensors,
    unit: unit ?? null,
    time: time ?? null,
    seed: ctx.seed,
    data: { file, sha256: sha, rows: table.nRows },
    versions: libraryVersions(),
    backend,
    createdAt,
  };
  const state = detector.toJSON();
  const trainEvents = traced.results.reduce((a, r) => a + r.events.length, 0);
  const metrics = {
    task: 'anomaly',
    detector: kind,
    sensors,
    machines: machines.length,
    rows: table.nRows,
    threshold: state.threshold,
    falseAlarmRate: far,
    calibration: state.calibration,
    alarmEvents: trainEvents,
    evaluation: traced.evaluation ?? null,
  };
  await writeModelDir(out, async (dir) => {
    writeFileAtomic(path.join(dir, ANOMALY_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    writeFileAtomic(path.join(dir, DETECTOR_FILE), detectorJsonText(state));
    writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    writeFileAtomic(
      path.join(dir, 'report.html'),
      anomalyReportHtml({
        title: `Anomaly detector: ${kind}`,
        detector: kind,
        threshold: state.threshold,
        falseAlarmRate: far,
        sensors,
        calibration: state.calibration,
        trainFile: file,
        traceFile: labelsFile !== undefined ? (evalFile ?? file) : file,
        machines: traced.machines,
        results: traced.results,
        ...(traced.spans ? { spans: traced.spans } : {}),
        ...(traced.evaluation ? { evaluation: traced.evaluation } : {}),
        createdAt,
        version: shopfloorVersion(),
      }),
    );
  });
  const summary = { ...metrics, out: path.resolve(out), report: path.resolve(out, 'report.html') };
  const lines = [
    `detector: ${kind} on ${sensors.length} sensor(s), ${machines.length} machine(s)`,
    `threshold ${state.threshold.toFixed(3)} for a false-alarm rate of ${far} (measured ${state.calibration.alarmRate.toFixed(4)} on ${state.calibration.samples} held-out normal samples)`,
    ...(traced.evaluation ? [evaluationText(traced.evaluation)] : [`alarm events on the training data: ${trainEvents}`]),
    `model directory: ${path.resolve(out)} (edit 'threshold' in ${DETECTOR_FILE} to change the alarm level)`,
    `report: ${path.resolve(out, 'report.html')}`,
  ];
  ctx.result(summary, lines.join('\n'));
  return summary;
}

/**
 * `shopfloor detect`: score every row of a CSV with a saved detector, merge alarms into events, and
 * with `--labels` evaluate them event-wise. Writes per-row scores with `--out`.
 * @throws NotFoundError / ModelFormatError for a missing or damaged model; DataError for a CSV without
 *   the model's columns (closest name and the list of columns).
 */
export async function detectAnomaliesRun(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const dir = str(opts, 'model') as string;
  const file = str(opts, 'data') as string;
  const out = str(opts, 'out');
  const manifest = readAnomalyManifest(dir);
  if (isNeuralDetector(manifest.detector)) await initBackend({ backend: (str(opts, 'backend') ?? 'auto') as 'auto' });
  const { detector } = await loadAnomalyModel(dir);
  const override = num(opts, 'threshold');
  if (override !== undefined) detector.threshold = override;
  const roles: ColumnRoles = { columns: manifest.sensors, ...(manifest.unit !== null ? { unit: manifest.unit } : {}), ...(manifest.time !== null ? { time: manifest.time } : {}) };
  const { table, machines, results, evaluation } = await scoreFile(detector, file, roles, str(opts, 'labels'), num(opts, 'tolerance') ?? 10, opts, ctx);
  if (out !== undefined) {
    const n = table.nRows;
    const score = new Float64Array(n);
    const alarm = new Float64Array(n);
    const sensor: string[] = new Array<string>(n).fill('');
    machines.forEach((m, k) => {
      const r = results[k] as DetectionResult;
      m.rows.forEach((row, t) => {
        score[row] = Math.round((r.score[t] as number) * 1e4) / 1e4;
        alarm[row] = r.alarm[t] as number;
        sensor[row] = detector.sensors[r.top[t] as number] as string;
      });
    });
    const cols: Column[] = [numericColumn('row', Float64Array.from({ length: n }, (_, i) => i + 1))];
    if (manifest.unit !== null) cols.push(table.column(manifest.unit));
    if (manifest.time !== null) cols.push(table.column(manifest.time));
    cols.push(numericColumn('score', score), numericColumn('alarm', alarm), categoricalColumn('top_sensor', sensor));
    writeCsv(out, new Table(cols));
  }
  const events = machines.flatMap((m, k) =>
    (results[k] as DetectionResult).events.map((e) => ({
      machine: m.id,
      start: m.times[e.start] as number,
      end: m.times[e.end] as number,
      startRow: (m.rows[e.start] as number) + 1,
      endRow: (m.rows[e.end] as number) + 1,
      samples: e.end - e.start + 1,
      peak: Math.round(e.peak * 1e4) / 1e4,
      sensor: detector.sensors[e.channel] as string,
    })),
  );
  const isTime = manifest.time !== null && table.column(manifest.time).kind === 'timestamp';
  const jsonEvents = events.map((e) => (isTime ? { ...e, start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString() } : e));
  const summary = {
    model: dir,
    data: file,
    detector: manifest.detector,
    threshold: detector.threshold,
    rows: table.nRows,
    machines: machines.length,
    alarms: results.reduce((a, r) => a + r.alarm.reduce((x, y) => x + y, 0), 0),
    events: jsonEvents,
    ...(out !== undefined ? { out } : {}),
    evaluation: evaluation ?? null,
  };
  const lines = [
    `${file}: ${table.nRows} rows, ${machines.length} machine(s); ${summary.alarms} alarm samples in ${events.length} events (threshold ${detector.threshold.toFixed(3)})`,
    ...jsonEvents.slice(0, 20).map((e) => `  ${e.machine ? `${e.machine} ` : ''}${String(e.start)} … ${String(e.end)}  ${e.samples} samples, peak ${e.peak} on ${e.sensor}`),
    ...(events.length > 20 ? [`  … ${events.length - 20} more (use --json or --out)`] : []),
    ...(evaluation ? [evaluationText(evaluation)] : []),
    ...(out !== undefined ? [`wrote ${out}`] : []),
  ];
  ctx.result(summary, lines.join('\n'));
  return summary;
}
