/**
 * The RUL commands the CLI dispatches to from `--task rul`:
 *
 *   shopfloor train --task rul --data train_FD001.txt --format cmapss --out DIR [--model cnn1d|lstm|gru|transformer|gbdt|ensemble] [--window W] [--min-history H] [--cap 125]
 *   shopfloor evaluate --model DIR --data test_FD001.txt --format cmapss --rul RUL_FD001.txt --json
 *
 * Any CSV with a unit and a time column works with `--format csv --unit COL --time COL`.
 * The option specs are exported for the lead's `train`/`evaluate` commands to merge.
 */
import { ConfigError } from '../../core/errors.js';
import { list, num, str } from '../../cli/args.js';
import type { CommandContext, OptionSpec, OptionValues } from '../../cli/command.js';
import { DEFAULT_CONSTANT_SHARE, DEFAULT_MIN_HISTORY, DEFAULT_RUL_CAP, type HistoryOptions } from './data.js';
import { INIT_SCHEMES, type InitScheme } from '../../models/tf/torch-init.js';
import { DEFAULT_ENSEMBLE, DEFAULT_INIT, DEFAULT_NET_INPUTS, INIT_MODELS, NET_INPUTS, RUL_MODELS, type NetInputs, type RulModelName } from './models.js';
import { COPY_HOLDOUTS, DEFAULT_COPY_HOLDOUT, evaluateRul, trainRul, type CopyHoldout, type RulFormat } from './rul.js';

const FORMAT: OptionSpec = { name: 'format', type: 'string', choices: ['cmapss', 'csv'], description: "Input layout: 'cmapss' (NASA train/test_FD00x.txt, plain or gzip) or 'csv' (header; needs --unit and --time). Default: cmapss for *_FD00x.txt names, else csv." };
const UNIT: OptionSpec = { name: 'unit', type: 'string', description: "Unit (engine, machine) column of a CSV (cmapss: 'unit')." };
const TIME: OptionSpec = { name: 'time', type: 'string', description: "Time/cycle column of a CSV (cmapss: 'cycle')." };

/** Options of `shopfloor train --task rul` (besides the global --json/--quiet/--seed). */
export const RUL_TRAIN_OPTIONS: readonly OptionSpec[] = [
  { name: 'data', type: 'string', required: true, description: 'Run-to-failure training series (C-MAPSS train_FD00x.txt or a CSV).' },
  { name: 'out', type: 'string', required: true, description: 'Model directory to write (replaced atomically if it exists).' },
  FORMAT,
  UNIT,
  TIME,
  { name: 'model', type: 'string', default: 'gbdt', choices: [...RUL_MODELS], description: 'RUL model: Li et al. deep CNN (cnn1d), lstm, gru, transformer, gbdt on window features, or the ensemble (mean of --members).' },
  { name: 'members', type: 'string', default: DEFAULT_ENSEMBLE.join(','), description: "Members of --model ensemble (comma-separated; a network may carry its channels, e.g. cnn1d:all — see --net-inputs; a repeated model is a seeded bag)." },
  { name: 'window', type: 'integer', min: 1, max: 1000, description: 'Window length in cycles for every member (default 30).' },
  { name: 'min-history', type: 'integer', min: 1, max: 1000, description: `Shortest history (cycles) a training window may end at; shorter histories are edge-padded like short test units (default: the window, i.e. fully observed windows only; e.g. ${DEFAULT_MIN_HISTORY}).` },
  { name: 'gbdt-features', type: 'string', choices: ['basic', 'stats'], description: "Window statistics of gbdt members: 'basic' (last, mean, slope, min, max per sensor) or 'stats' (multi-scale means/slopes, std, EWMA; padding-aware). Default basic." },
  { name: 'history', type: 'string', description: "Unit-history channels: EWMA smoothing factors (comma-separated, e.g. 0.1,0.3) of each sensor's drift from the unit's own baseline (first 10 cycles), plus the cycle count; 'none' for sensors only. gbdt reads their last values, the networks their windows (see --net-inputs). Default: see docs/rul.md." },
  {
    name: 'net-inputs',
    type: 'string',
    choices: [...NET_INPUTS],
    description: `Window channels of the cnn1d/lstm/gru/transformer networks: 'sensors', or 'all' (sensors plus the unit-history channels of --history as extra channels). Default per model: ${Object.entries(DEFAULT_NET_INPUTS).map(([k, v]) => `${k} ${v}`).join(', ')}.`,
  },
  {
    name: 'copy-holdout',
    type: 'string',
    choices: [...COPY_HOLDOUTS],
    description: `Repeated networks of an ensemble (e.g. gru,gru,gru): 'same' held-out units for every copy, or 'rotate' (copy k early-stops on the k-th block of units, so together they learn from all units). Default ${DEFAULT_COPY_HOLDOUT}.`,
  },
  { name: 'refit', type: 'string', choices: ['yes', 'no'], description: 'gbdt: after early stopping on the held-out units, train again on all units for the best number of rounds. Default: see docs/rul.md.' },
  { name: 'cap', type: 'number', default: DEFAULT_RUL_CAP, min: 1, max: 100000, description: 'Cap of the piece-wise linear RUL target (cycles).' },
  { name: 'settings', type: 'string', description: 'Operating-setting columns for per-regime normalisation (comma-separated; cmapss: op_setting_1..3; csv: none).' },
  { name: 'sensors', type: 'string', description: 'Candidate sensor columns (comma-separated; default: every other numeric column).' },
  { name: 'constant-share', type: 'number', default: DEFAULT_CONSTANT_SHARE, min: 0.01, max: 1, description: 'Drop a sensor whose most frequent value holds at least this share of the training rows (within regimes).' },
  { name: 'val-fraction', type: 'number', default: 0.2, min: 0.05, max: 0.5, description: 'Share of training units held out (whole units) for early stopping.' },
  { name: 'epochs', type: 'integer', min: 1, max: 100000, description: 'Maximum epochs (neural) or boosting rounds (gbdt); default per model.' },
  { name: 'batch-size', type: 'integer', min: 1, max: 65536, description: 'Mini-batch size of the neural models [256].' },
  { name: 'learning-rate', type: 'number', min: 1e-6, max: 1, description: 'Learning rate (Adam, or gbdt shrinkage); default per model.' },
  { name: 'patience', type: 'integer', min: 0, max: 10000, description: 'Early-stopping patience in epochs/rounds; default per model.' },
  { name: 'd-model', type: 'integer', min: 4, max: 1024, description: 'Transformer width [32].' },
  { name: 'heads', type: 'integer', min: 1, max: 64, description: 'Transformer attention heads [4].' },
  { name: 'layers', type: 'integer', min: 1, max: 24, description: 'Transformer encoder blocks [2].' },
  {
    name: 'init',
    type: 'string',
    choices: [...INIT_SCHEMES],
    description: `Weight initialisation of the cnn1d/lstm/gru networks: 'keras' (TF.js's Glorot/orthogonal, zero biases) or 'torch' (PyTorch's defaults). Default per model: ${INIT_MODELS.map((m) => `${m} ${DEFAULT_INIT[m]}`).join(', ')}.`,
  },
];

/** Options of `shopfloor evaluate` for a RUL model directory. */
export const RUL_EVALUATE_OPTIONS: readonly OptionSpec[] = [
  { name: 'model', type: 'string', required: true, description: 'RUL model directory written by train --task rul.' },
  { name: 'data', type: 'string', required: true, description: 'Test series, truncated before failure (C-MAPSS test_FD00x.txt or a CSV).' },
  { name: 'rul', type: 'string', description: 'True RUL at the last cycle of each test unit, one per line in unit order (RUL_FD00x.txt).' },
  FORMAT,
  UNIT,
  TIME,
  { name: 'report', type: 'string', description: 'Write an HTML report (predicted vs true per unit, sample trajectories) to this file.' },
];

function csvList(opts: OptionValues, name: string): string[] | undefined {
  const v = list(opts, name);
  return v.length > 0 ? v : undefined;
}

/** `--history none` → null; `--history 0.1,0.3` → those smoothing factors, baseline 10, cycle count. */
function parseHistory(v: string | undefined): HistoryOptions | null | undefined {
  if (v === undefined) return undefined;
  if (v.trim() === 'none') return null;
  const alphas = v.split(',').map((x) => Number(x.trim()));
  if (alphas.length === 0 || alphas.some((a) => !(a > 0 && a <= 1))) {
    throw new ConfigError(`--history: expected 'none' or comma-separated smoothing factors in (0, 1] (e.g. 0.1,0.3); got '${v}'.`, { option: 'history', value: v });
  }
  return { alphas, baseline: 10, cycle: true };
}

function optNum(opts: OptionValues, name: string): number | undefined {
  return num(opts, name);
}

/**
 * `shopfloor train --task rul`: train and write the model directory.
 * @returns the JSON result (also given to `ctx.result`).
 */
export async function runTrainRul(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const model = (str(opts, 'model') ?? 'gbdt') as RulModelName;
  const format = str(opts, 'format') as RulFormat | undefined;
  const members = csvList(opts, 'members');
  if (members && model !== 'ensemble' && opts.members !== undefined && str(opts, 'members') !== DEFAULT_ENSEMBLE.join(',')) {
    throw new ConfigError(`--members applies to --model ensemble only (got --model ${model}).`, { option: 'members' });
  }
  const override = Object.fromEntries(
    (
      [
        ['epochs', optNum(opts, 'epochs')],
        ['batchSize', optNum(opts, 'batch-size')],
        ['learningRate', optNum(opts, 'learning-rate')],
        ['patience', optNum(opts, 'patience')],
        ['dModel', optNum(opts, 'd-model')],
        ['heads', optNum(opts, 'heads')],
        ['layers', optNum(opts, 'layers')],
      ] as const
    ).filter(([, v]) => v !== undefined),
  );
  const init = str(opts, 'init');
  if (init !== undefined) {
    const nets = model === 'ensemble' ? (members ?? [...DEFAULT_ENSEMBLE]).map((m) => m.split(':')[0] as string) : [model];
    if (!nets.some((m) => (INIT_MODELS as readonly string[]).includes(m))) {
      throw new ConfigError(`--init applies to ${INIT_MODELS.join(', ')} only (got --model ${model}${model === 'ensemble' ? ` with members ${nets.join(',')}` : ''}).`, { option: 'init', value: init });
    }
  }
  const settings = csvList(opts, 'settings');
  const sensors = csvList(opts, 'sensors');
  const unit = str(opts, 'unit');
  const time = str(opts, 'time');
  const history = parseHistory(str(opts, 'history'));
  const refit = str(opts, 'refit');
  const copyHoldout = str(opts, 'copy-holdout') as CopyHoldout | undefined;
  const netInputs = str(opts, 'net-inputs') as NetInputs | undefined;
  if (netInputs !== undefined) {
    const names = model === 'ensemble' ? (members ?? [...DEFAULT_ENSEMBLE]).map((m) => m.split(':')[0] as string) : [model];
    if (names.every((m) => m === 'gbdt')) throw new ConfigError(`--net-inputs applies to the networks (cnn1d, lstm, gru, transformer) only (got --model ${model}${model === 'ensemble' ? ` with members ${names.join(',')}` : ''}).`, { option: 'net-inputs', value: netInputs });
  }
  const r = await trainRul({
    ...(netInputs !== undefined ? { netInputs } : {}),
    ...(history !== undefined ? { history } : {}),
    ...(refit ? { refit: refit === 'yes' } : {}),
    ...(copyHoldout ? { copyHoldout } : {}),
    data: str(opts, 'data') as string,
    out: str(opts, 'out') as string,
    ...(format ? { format } : {}),
    ...(unit ? { unit } : {}),
    ...(time ? { time } : {}),
    model,
    ...(members && model === 'ensemble' ? { members } : {}),
    ...(num(opts, 'window') !== undefined ? { window: num(opts, 'window') as number } : {}),
    ...(str(opts, 'gbdt-features') ? { gbdtFeatures: str(opts, 'gbdt-features') as 'basic' | 'stats' } : {}),
    ...(num(opts, 'min-history') !== undefined ? { minHistory: num(opts, 'min-history') as number } : {}),
    cap: num(opts, 'cap') ?? DEFAULT_RUL_CAP,
    ...(settings ? { settings } : {}),
    ...(sensors ? { sensors } : {}),
    constantShare: num(opts, 'constant-share') ?? DEFAULT_CONSTANT_SHARE,
    valFraction: num(opts, 'val-fraction') ?? 0.2,
    seed: ctx.seed,
    settingsOverride: { ...override, ...(init !== undefined ? { init: init as InitScheme } : {}) },
    onInfo: (m) => ctx.info(m),
  });
  const m = r.manifest;
  const out = {
    out: r.out,
    task: 'rul',
    model: m.model,
    members: m.members.map((x) => ({ name: x.name, valRmse: x.valRmse, trainSeconds: x.trainSeconds, parameters: x.parameters })),
    window: m.window,
    cap: m.cap,
    regimes: m.preprocessor.nRegimes,
    sensors: m.preprocessor.sensors,
    dropped: m.preprocessor.dropped.map((d) => d.name),
    validation: m.validation,
    trainSeconds: m.trainSeconds,
  };
  ctx.result(
    out,
    `wrote ${r.out}: ${m.model} on ${m.data.units} units (${m.preprocessor.sensors.length} sensors, ${m.preprocessor.nRegimes} regime(s)); ` +
      `validation RMSE ${m.validation.rmse.toFixed(2)} on ${m.validation.units} held-out units` +
      (m.validation.members !== undefined ? ` (${m.validation.members} of ${m.members.length} members: the rotated copies trained on them)` : '') +
      (m.validation.cuts ? ` (test-like: ${m.validation.cuts.rmse.toFixed(2)} at ${m.validation.cuts.n} cuts)` : '') +
      `; trained in ${m.trainSeconds.toFixed(1)} s`,
  );
  return out;
}

/**
 * `shopfloor evaluate` on a RUL model directory: `{"rmse", "score", "mae", "units", …, "predictions"}`.
 * @returns the JSON result (also given to `ctx.result`).
 */
export async function runEvaluateRul(opts: OptionValues, ctx: CommandContext): Promise<Record<string, unknown>> {
  const format = str(opts, 'format') as RulFormat | undefined;
  const rul = str(opts, 'rul');
  const report = str(opts, 'report');
  const unit = str(opts, 'unit');
  const time = str(opts, 'time');
  const r = await evaluateRul({
    model: str(opts, 'model') as string,
    data: str(opts, 'data') as string,
    ...(format ? { format } : {}),
    ...(unit ? { unit } : {}),
    ...(time ? { time } : {}),
    ...(rul ? { rul } : {}),
    ...(report ? { report } : {}),
  });
  if (!rul) ctx.warn('no --rul file: predictions only, no RMSE/score.');
  const text =
    r.rmse === null
      ? `${r.units} units predicted (model ${r.model}); give --rul to score them`
      : `RMSE ${r.rmse.toFixed(2)}, PHM08 score ${(r.score as number).toFixed(1)}, MAE ${(r.mae as number).toFixed(2)} over ${r.units} units (model ${r.model})` +
        (report ? `; report ${report}` : '');
  ctx.result(r, text);
  return { ...r };
}
