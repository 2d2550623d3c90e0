/**
 * The vibration commands the CLI dispatches to from `--task vibration`:
 *
 *   shopfloor train --task vibration --data DIR_OR_FILES --out DIR [--model gbdt|logreg|wdcnn] [--window-size 2048] [--hop 512]
 *   shopfloor evaluate --model DIR --data DIR_OR_FILES [--segment test|all] --json
 *     → {"accuracy", "macroF1", "perClass", "confusion", "windows", …}
 *
 * Labels come from CWRU-style file names (normal, IR007, B007, OR007) or `--labels PATTERN=LABEL,…`.
 * `train` and `evaluate` merge option lists across tasks (same name = same meaning) and fill other
 * tasks' defaults, so the runners here read a shared option (test-fraction, val-fraction, epochs…)
 * only when the user typed it.
 */
import { assertOneOf } from '../../core/errors.js';
import { givenOptions, num, str } from '../../cli/args.js';
import type { CommandContext, OptionSpec, OptionValues } from '../../cli/command.js';
import { DEFAULT_HOP, DEFAULT_TEST_FRACTION, DEFAULT_VAL_FRACTION, DEFAULT_WINDOW, parseLabelMap } from './data.js';
import { evaluateVibration, trainVibration, VIBRATION_MODELS, type VibrationMetrics } from './vibration.js';

const LABELS: OptionSpec = {
  name: 'labels',
  type: 'string',
  description: 'Class of each file as PATTERN=LABEL pairs, comma-separated (a file takes the first pattern found in its name); default: from CWRU names (normal, IR, B, OR).',
};
const RPM: OptionSpec = { name: 'rpm', type: 'number', min: 1, max: 1e6, description: 'Shaft speed for files without an RPM variable.' };

/** Options of `shopfloor train --task vibration` (besides the global --json/--quiet/--seed). */
export const VIBRATION_TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', required: true, description: 'A directory of MAT-files or a comma-separated list of files (one recording each).' },
  { name: 'out', type: 'string', required: true, description: 'Model directory to write (replaced atomically if it exists).' },
  { name: 'model', type: 'string', choices: [...VIBRATION_MODELS], description: 'gbdt (default) or logreg on window features, or wdcnn (1-D CNN) on raw windows.' },
  LABELS,
  { name: 'channel', type: 'string', default: 'DE', description: "Accelerometer: DE, FE, BA (variable X…_<channel>_time) or a variable name." },
  RPM,
  { name: 'window-size', type: 'integer', default: DEFAULT_WINDOW, min: 64, max: 65536, description: 'Window length in samples (a power of two for the feature models).' },
  { name: 'hop', type: 'integer', default: DEFAULT_HOP, min: 1, max: 65536, description: 'Hop between training windows in samples (test windows never overlap).' },
  { name: 'test-fraction', type: 'number', min: 0.05, max: 0.5, description: `Share of each recording (its end) held out as the test block [${DEFAULT_TEST_FRACTION}].` },
  { name: 'val-fraction', type: 'number', min: 0.05, max: 0.5, description: `Share of the train block (its end) used for early stopping [${DEFAULT_VAL_FRACTION}].` },
  { name: 'epochs', type: 'integer', min: 1, max: 100000, description: 'Maximum epochs (wdcnn [40], logreg [300]) or boosting rounds (gbdt [300]).' },
  { name: 'batch-size', type: 'integer', min: 1, max: 65536, description: 'Mini-batch size of the neural models (wdcnn [64]).' },
  { name: 'learning-rate', type: 'number', min: 1e-6, max: 1, description: 'Learning rate (Adam, or gbdt shrinkage).' },
  { name: 'patience', type: 'integer', min: 0, max: 10000, description: 'Early-stopping patience in epochs/rounds (wdcnn [8], gbdt [30]).' },
];

/** Options of `shopfloor evaluate` for a vibration model directory. */
export const VIBRATION_EVALUATE_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', required: true, description: 'Vibration model directory written by train --task vibration.' },
  { name: 'data', type: 'string', required: true, description: 'A directory of MAT-files or a comma-separated list of files.' },
  LABELS,
  RPM,
  { name: 'segment', type: 'string', choices: ['test', 'all'], description: "Windows from the held-out 'test' block of each recording (protocol; default) or from 'all' of it (new recordings)." },
];

function given(opts: OptionValues, name: string): number | undefined {
  return givenOptions(opts).includes(name) ? num(opts, name) : undefined;
}

function metricsText(m: VibrationMetrics): string {
  const rows = m.confusion.labels.map((l, i) => `  ${l.padEnd(12)} ${(m.confusion.counts[i] ?? []).map((c) => String(c).padStart(5)).join('')}`);
  return [
    `accuracy ${m.accuracy.toFixed(3)}, macro-F1 ${m.macroF1.toFixed(3)} over ${m.windows} windows`,
    `confusion (rows true, columns predicted: ${m.confusion.labels.join(', ')}):`,
    ...rows,
  ].join('\n');
}

/**
 * `shopfloor train --task vibration`: train, score the held-out test blocks, write the model directory.
 * @returns the JSON result (also given to `ctx.result`).
 */
export async function runTrainVibration(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const model = assertOneOf('--model', str(opts, 'model') ?? 'gbdt', VIBRATION_MODELS);
  const labels = str(opts, 'labels');
  const rpm = num(opts, 'rpm');
  const override = {
    testFraction: given(opts, 'test-fraction'),
    valFraction: given(opts, 'val-fraction'),
    epochs: given(opts, 'epochs'),
    batchSize: given(opts, 'batch-size'),
    learningRate: given(opts, 'learning-rate'),
    patience: given(opts, 'patience'),
  };
  const r = await trainVibration({
    data: str(opts, 'data') as string,
    out: str(opts, 'out') as string,
    model,
    ...(labels ? { labels: parseLabelMap(labels) } : {}),
    channel: str(opts, 'channel') ?? 'DE',
    ...(rpm !== undefined ? { rpm } : {}),
    window: num(opts, 'window-size') ?? DEFAULT_WINDOW,
    hop: num(opts, 'hop') ?? DEFAULT_HOP,
    ...Object.fromEntries(Object.entries(override).filter(([, v]) => v !== undefined)),
    seed: ctx.seed,
    onInfo: (m) => ctx.info(m),
  });
  const m = r.manifest;
  const out = {
    out: r.out,
    task: 'vibration',
    model: m.model,
    classes: m.classes,
    window: m.window,
    hop: m.hop,
    windows: m.windows,
    trainSeconds: m.trainSeconds,
    epochs: m.epochs,
    parameters: m.parameters,
    validation: { accuracy: m.validation.accuracy, macroF1: m.validation.macroF1 },
    test: m.test,
  };
  ctx.result(
    out,
    `wrote ${r.out}: ${m.model} on ${m.recordings.length} recordings (${m.windows.fit} training windows of ${m.window} samples), trained in ${m.trainSeconds.toFixed(1)} s\n` +
      `held-out test blocks (last ${Math.round(m.testFraction * 100)} % of each recording): ${metricsText(m.test)}`,
  );
  return out;
}

/**
 * `shopfloor evaluate` on a vibration model directory: `{accuracy, macroF1, perClass, confusion, windows, …}`.
 * @returns the JSON result (also given to `ctx.result`).
 */
export async function runEvaluateVibration(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const labels = str(opts, 'labels');
  const rpm = num(opts, 'rpm');
  const segment = str(opts, 'segment') as 'test' | 'all' | undefined;
  const r = await evaluateVibration({
    model: str(opts, 'model') as string,
    data: str(opts, 'data') as string,
    ...(labels ? { labels: parseLabelMap(labels) } : {}),
    ...(rpm !== undefined ? { rpm } : {}),
    ...(segment ? { segment } : {}),
  });
  ctx.result(r, `${r.kind} (${r.model}) on the ${r.segment === 'test' ? 'held-out test blocks' : 'whole recordings'}: ${metricsText(r)}`);
  return { ...r };
}
