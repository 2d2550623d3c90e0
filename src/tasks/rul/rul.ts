/**
 * Remaining-useful-life regression, end to end: {@link trainRul} fits a model on run-to-failure
 * series and writes a model directory; {@link evaluateRul} predicts the RUL at the last cycle of each
 * test unit and scores it (RMSE and the PHM08 score of Saxena et al. 2008) — the standard C-MAPSS
 * protocol of ../shared/data/DATASETS.md §2. Works unchanged on every C-MAPSS subset (FD001–FD004,
 * plain or gzipped; multi-regime data normalised per operating condition) and on any CSV with a unit
 * and a time column.
 *
 * Model directory (written atomically: a temp directory renamed into place):
 *
 *   shopfloor-model.json   manifest: formatVersion, task 'rul', model, options, window, cap, columns,
 *                          sensors kept (and why others were dropped), normaliser state, members
 *   members/<i>-<name>/    each member estimator's own files (its save())
 *   metrics.json           validation metrics (units held out by group for early stopping)
 *   report.html            predicted vs true RUL per validation unit, sample RUL trajectories
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ConfigError, ModelFormatError, NotFoundError } from '../../core/errors.js';
import type { Table } from '../../core/table.js';
import { readCsv } from '../../io/csv/index.js';
import { loadCmapss, loadCmapssRul } from '../../io/datasets/cmapss.js';
import { writeFileAtomic } from '../../io/write.js';
import { estimatorLoader, takeSamples, type Estimator, type Samples } from '../../models/estimator.js';
import '../../models/trees/index.js';
import '../../models/tf/index.js';
import '../../models/tf/transformer.js';
import { initBackend } from '../../models/tf/backend.js';
import { groupSplit } from '../../preprocess/splits.js';
import { slidingWindows } from '../../preprocess/windows.js';
import { mae, phmScore, rmse } from '../../evaluation/metrics.js';
import { fileSha256, writeModelDir } from '../maintenance/artifact.js';
import { DEFAULT_HISTORY, DEFAULT_RUL_CAP, RulPreprocessor, finalWindows, trainingWindows, type HistoryOptions, type RulPreprocessorState } from './data.js';
import './dcnn.js';
import { cutMetrics, truncationCuts, type TruncationCut } from './validate.js';
import {
  DEFAULT_ENSEMBLE,
  DEFAULT_NET_INPUTS,
  NET_INPUTS,
  RUL_MODELS,
  parseMembers,
  createMember,
  defaultMemberOptions,
  defaultMemberWindow,
  inputOf,
  meanPrediction,
  memberInput,
  type GbdtFeatures,
  type MemberSettings,
  type NetInputs,
  type RulInput,
  type RulMemberName,
  type RulModelName,
} from './models.js';
import { rulReportHtml, type RulUnitResult, type RulTrajectory } from './report.js';

/** Version of the RUL model directory layout. */
export const RUL_FORMAT_VERSION = 1;
/** Manifest file name (shared with the other tasks' model directories). */
export const RUL_MANIFEST_FILE = 'shopfloor-model.json';
/** C-MAPSS operating-setting columns. */
export const CMAPSS_SETTINGS = ['op_setting_1', 'op_setting_2', 'op_setting_3'] as const;

/** Input file layout. */
export type RulFormat = 'cmapss' | 'csv';

/** Where the series are and how to read them. */
export interface RulDataOptions {
  /** Data file (plain or gzip). */
  readonly data: string;
  /** 'cmapss' (NASA layout, no header) or 'csv' (header; give unit and time). Default: 'cmapss' for *FD00x*.txt, else 'csv'. */
  readonly format?: RulFormat;
  /** Unit column [cmapss: 'unit']. Required for CSV. */
  readonly unit?: string;
  /** Time/cycle column [cmapss: 'cycle']. Required for CSV. */
  readonly time?: string;
}

/** Options of {@link trainRul}. Defaults in brackets. */
export interface TrainRulOptions extends RulDataOptions {
  /** Model directory to write (replaced atomically). */
  readonly out: string;
  /** ['gbdt'] or any of {@link RUL_MODELS}. */
  readonly model?: RulModelName;
  /** Ensemble members (models.ts parseMembers specs, e.g. cnn1d:all) [DEFAULT_ENSEMBLE: gru, gru, gru]. */
  readonly members?: readonly string[];
  /** Window length in cycles, for every member [per member: see defaultMemberWindow — 30]. */
  readonly window?: number;
  /**
   * Shortest history (cycles) a training window may end at; windows ending earlier than the window
   * length are edge-padded as short test units are [the window: fully observed windows only].
   */
  readonly minHistory?: number;
  /** Statistics gbdt members read: 'basic' (last, mean, slope, min, max) or 'stats' (multi-scale) ['basic']. */
  readonly gbdtFeatures?: GbdtFeatures;
  /** Cap of the piece-wise linear target [125]. */
  readonly cap?: number;
  /** Unit-history channels after the sensors (data.ts historyChannels) [DEFAULT_HISTORY]; null for none. */
  readonly history?: HistoryOptions | null;
  /**
   * Channels the network members read: 'sensors', or 'all' (sensors + unit-history channels as extra
   * window channels; needs `history`) [per model: DEFAULT_NET_INPUTS]. gbdt members ignore it.
   */
  readonly netInputs?: NetInputs;
  /** Operating-setting columns [cmapss: op_setting_1..3; csv: none]. */
  readonly settings?: readonly string[];
  /** Candidate sensor columns [every other numeric column]. */
  readonly sensors?: readonly string[];
  /** Near-constant rule threshold [0.95] (see data.ts). */
  readonly constantShare?: number;
  /** Share of training units held out for early stopping [0.2]. */
  readonly valFraction?: number;
  /** Seed [42]. */
  readonly seed?: number;
  /**
   * gbdt members: after early stopping on the held-out units, train again on all units (held-out ones
   * included) for the best number of rounds [DEFAULT_REFIT]. The manifest's validation metrics are those of the
   * early-stopped model.
   */
  readonly refit?: boolean;
  /**
   * Held-out units of the repeated network members of an ensemble (a seeded bag such as gru,gru,gru)
   * [DEFAULT_COPY_HOLDOUT]: 'same' — every member early-stops on the same `valFraction` of the units;
   * 'rotate' — copy k early-stops on block k of a rotating hold-out (groupSplit `block`; copy 0 keeps the
   * usual units), so the copies together learn from every unit. The ensemble's validation metrics then
   * use only the members that held the usual units out (see RulMemberInfo.holdoutBlock).
   */
  readonly copyHoldout?: CopyHoldout;
  /** Overrides of the members' default training settings. */
  readonly settingsOverride?: Omit<MemberSettings, 'seed'>;
  /** Progress lines. */
  readonly onInfo?: (message: string) => void;
  /** Per-epoch progress of the member being trained. */
  readonly onEpoch?: (member: RulMemberName, epoch: number, loss: number, valLoss: number | undefined) => void;
}

/** One trained member in the manifest. */
export interface RulMemberInfo {
  readonly name: RulMemberName;
  readonly kind: string;
  readonly input: RulInput;
  /** Steps of the shared window the member reads (its last `window` cycles); absent in older models: all. */
  readonly window?: number;
  /** Window channels a network member reads (models.ts NetInputs); absent in older models and for gbdt: 'sensors'. */
  readonly channels?: NetInputs;
  readonly dir: string;
  readonly options: Record<string, unknown>;
  readonly parameters: number | null;
  readonly bestEpoch: number;
  readonly trainSeconds: number;
  /** RMSE on the member's own held-out windows (those of block `holdoutBlock`). */
  readonly valRmse: number;
  /**
   * Block of the rotating hold-out the member early-stopped on (TrainRulOptions.copyHoldout 'rotate');
   * absent: the model's usual held-out units (block 0), those of the manifest's validation.
   */
  readonly holdoutBlock?: number;
}

/** The manifest of a RUL model directory. */
export interface RulManifest {
  readonly formatVersion: number;
  readonly task: 'rul';
  readonly model: RulModelName;
  readonly window: number;
  /** Shortest history a training window ended at (absent in older models: the window). */
  readonly minHistory?: number;
  readonly cap: number;
  readonly format: RulFormat;
  readonly preprocessor: RulPreprocessorState;
  readonly members: RulMemberInfo[];
  readonly validation: {
    readonly units: number;
    readonly windows: number;
    /**
     * How many members these metrics average, when fewer than all: with a rotating hold-out
     * (TrainRulOptions.copyHoldout) the rotated copies trained on these units and are left out.
     */
    readonly members?: number;
    readonly rmse: number;
    readonly score: number;
    /**
     * Test-like validation (validate.ts; absent in older models): the held-out units cut at cycles drawn
     * uniformly over their life, one prediction per cut, against the uncapped truth — over the cuts
     * whose truth is within the cap (`cutRmse`, the selection metric of docs/rul.md) and over all cuts.
     */
    readonly cuts?: { readonly n: number; readonly rmse: number; readonly score: number; readonly nAll: number; readonly rmseAll: number };
  };
  readonly seed: number;
  readonly data: { readonly file: string; readonly sha256: string; readonly rows: number; readonly units: number; readonly windows: number };
  readonly trainSeconds: number;
  readonly createdAt: string;
}

/** What {@link trainRul} returns. */
export interface TrainRulResult {
  readonly out: string;
  readonly manifest: RulManifest;
}

/** Whether gbdt members are refit on every unit after early stopping (TrainRulOptions.refit). */
export const DEFAULT_REFIT = true;

/**
 * How the repeated network members of an ensemble hold units out (TrainRulOptions.copyHoldout).
 * 'rotate' since session 7, chosen on the 5-fold test-like CV by a rule fixed before the run
 * (docs/rul.md "Rotating hold-out"): bags of three GRUs 10.22 (mean of two disjoint bags) vs 10.44 with
 * the same held-out units, while the copies alone score the same (10.79 vs 10.81).
 */
export const COPY_HOLDOUTS = ['same', 'rotate'] as const;
export type CopyHoldout = (typeof COPY_HOLDOUTS)[number];
export const DEFAULT_COPY_HOLDOUT: CopyHoldout = 'rotate';

/** Column names that look like operating settings (C-MAPSS `op_setting_1`, `setting2`, `operating_setting 3`). */
const SETTING_LIKE = /^(op|operating)?[ _-]?setting[ _-]?\d+$/i;

/** Format from the option or the file name. */
export function resolveFormat(file: string, format: RulFormat | undefined): RulFormat {
  if (format) return format;
  return /(train|test)_FD00\d\.txt(\.gz)?$/i.test(path.basename(file)) ? 'cmapss' : 'csv';
}

async function readSeries(o: RulDataOptions, format: RulFormat): Promise<{ table: Table; unit: string; time: string }> {
  if (format === 'cmapss') return { table: await loadCmapss(o.data), unit: o.unit ?? 'unit', time: o.time ?? 'cycle' };
  if (!o.unit || !o.time) {
    throw new ConfigError(`RUL from a CSV needs its unit and time columns: give --unit COLUMN and --time COLUMN (file ${o.data}).`, { option: o.unit ? 'time' : 'unit' });
  }
  return { table: await readCsv(o.data, { schema: { [o.unit]: 'categorical' } }), unit: o.unit, time: o.time };
}

/**
 * Train a RUL model and write its directory.
 * @example await trainRul({ data: 'train_FD001.txt', out: 'rul-model', model: 'gbdt' });
 * @throws ConfigError for invalid options; DataError for unusable data; NotFoundError for a missing file.
 */
export async function trainRul(o: TrainRulOptions): Promise<TrainRulResult> {
  const t0 = performance.now();
  const info = o.onInfo ?? ((): void => {});
  const model = o.model ?? 'gbdt';
  if (!(RUL_MODELS as readonly string[]).includes(model)) {
    throw new ConfigError(`--model: expected one of ${RUL_MODELS.join(', ')}; got '${String(model)}'.`, { option: 'model', value: String(model) });
  }
  const cap = o.cap ?? DEFAULT_RUL_CAP;
  const specs = model === 'ensemble' ? parseMembers(o.members ?? DEFAULT_ENSEMBLE) : [{ name: model }];
  const members: RulMemberName[] = specs.map((m) => m.name);
  const windowOf = members.map((m) => o.window ?? defaultMemberWindow(m));
  const window = Math.max(...windowOf);
  if (!Number.isInteger(window) || window < 1 || window > 1000) throw new ConfigError(`--window: expected an integer in [1, 1000]; got ${String(window)}.`, { option: 'window', value: window });
  if (!(cap > 0)) throw new ConfigError(`--cap: expected a positive number of cycles; got ${String(cap)}.`, { option: 'cap', value: cap });
  const valFraction = o.valFraction ?? 0.2;
  if (!(valFraction > 0 && valFraction < 0.9)) throw new ConfigError(`valFraction: expected a number in (0, 0.9); got ${String(valFraction)}.`, { option: 'val-fraction', value: valFraction });
  const seed = o.seed ?? 42;
  const copyHoldout = o.copyHoldout ?? DEFAULT_COPY_HOLDOUT;
  if (!(COPY_HOLDOUTS as readonly string[]).includes(copyHoldout)) {
    throw new ConfigError(`--copy-holdout: expected one of ${COPY_HOLDOUTS.join(', ')}; got '${String(copyHoldout)}'.`, { option: 'copy-holdout', value: String(copyHoldout) });
  }
  const minHistory = o.minHistory ?? window;
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window) {
    throw new ConfigError(`--min-history: expected an integer in [1, ${window}] (the window); got ${String(minHistory)}.`, { option: 'min-history', value: minHistory });
  }
  if (o.netInputs !== undefined && !NET_INPUTS.includes(o.netInputs)) {
    throw new ConfigError(`--net-inputs: expected one of ${NET_INPUTS.join(', ')}; got '${String(o.netInputs)}'.`, { option: 'net-inputs', value: String(o.netInputs) });
  }
  const historyOpt = o.history === undefined ? DEFAULT_HISTORY : o.history;
  if ((o.netInputs === 'all' || specs.some((m) => m.channels === 'all')) && !historyOpt) {
    throw new ConfigError("--net-inputs all feeds the unit-history channels to the networks, but --history is 'none': give --history (e.g. 0.1,0.3) or --net-inputs sensors.", { option: 'net-inputs', value: 'all' });
  }
  const format = resolveFormat(o.data, o.format);
  const { table, unit, time } = await readSeries(o, format);
  const settings = o.settings ?? (format === 'cmapss' ? [...CMAPSS_SETTINGS] : []);
  const prep = RulPreprocessor.fit(table, {
    unit,
    time,
    settings,
    ...(o.sensors ? { sensors: o.sensors } : {}),
    ...(o.constantShare !== undefined ? { constantShare: o.constantShare } : {}),
    history: historyOpt,
    seed,
  });
  const ps = prep.state;
  info(`${o.data}: ${table.nRows} rows; ${ps.nRegimes} operating regime(s); sensors kept: ${ps.sensors.join(', ')}` + (ps.dropped.length ? `; dropped: ${ps.dropped.map((d) => d.name).join(', ')}` : ''));
  const settingLike = o.settings === undefined && !o.sensors ? ps.sensors.filter((c) => SETTING_LIKE.test(c)) : [];
  if (settingLike.length > 0) {
    info(`note: ${settingLike.join(', ')} look like operating settings and are read as sensors; --settings ${settingLike.join(',')} normalises each sensor within its operating regime instead (C-MAPSS FD002/FD004-style data needs it)`);
  }
  const series = prep.transform(table, cap);
  const win = trainingWindows(series, window, minHistory);
  const split = groupSplit(win.units, { testFraction: valFraction, seed });
  const trainW = takeSamples(win.samples, split.train);
  const valW = takeSamples(win.samples, split.test);
  const yTrain = Float64Array.from(split.train, (i) => win.y[i] as number);
  const yVal = Float64Array.from(split.test, (i) => win.y[i] as number);
  const nUnits = new Set(win.units).size;
  const valUnits = new Set(Array.from(split.test, (i) => win.units[i])).size;
  info(`${win.samples.n} windows of ${window} cycles (ending at cycle ≥ ${minHistory}) from ${nUnits} units; ${valUnits} units held out for early stopping`);
  if (members.some((m) => inputOf(m) === 'windows')) await initBackend();

  const fitted: { name: RulMemberName; est: Estimator; input: RulInput; channels: NetInputs; steps: number; options: Record<string, unknown>; seconds: number; valPred: Float64Array | null; valRmse: number; block: number }[] = [];
  for (const [i, name] of members.entries()) {
    const copy = members.slice(0, i).filter((m) => m === name).length;
    // A rotated copy early-stops on block `copy` of the units; groupSplit wraps past the last whole block
    // (nUnits / valUnits of them), and block 0 is the usual split.
    const block = copyHoldout === 'rotate' && name !== 'gbdt' ? copy % Math.floor(nUnits / valUnits) : 0;
    const own = block > 0 ? groupSplit(win.units, { testFraction: valFraction, seed, block }) : null;
    const trX = own ? takeSamples(win.samples, own.train) : trainW;
    const trY = own ? Float64Array.from(own.train, (j) => win.y[j] as number) : yTrain;
    const vaX = own ? takeSamples(win.samples, own.test) : valW;
    const vaY = own ? Float64Array.from(own.test, (j) => win.y[j] as number) : yVal;
    const options = defaultMemberOptions(name, { ...(o.settingsOverride ?? {}), seed: seed + 1000 * copy });
    const est = createMember(name, options);
    const input = inputOf(name, o.gbdtFeatures ?? 'basic');
    const tm = performance.now();
    info(`training ${name} …`);
    const steps = windowOf[i] as number;
    const nSensors = ps.sensors.length;
    const channels: NetInputs = name === 'gbdt' || !ps.history ? 'sensors' : (specs[i]?.channels ?? o.netInputs ?? DEFAULT_NET_INPUTS[name]);
    const xv = memberInput(input, vaX, steps, nSensors, channels);
    await est.fit(memberInput(input, trX, steps, nSensors, channels), trY, {
      validation: { x: xv, y: vaY },
      onEpoch: (e) => o.onEpoch?.(name, e.epoch, e.loss, e.valLoss),
    });
    const valPred = clampPred(await est.predict(xv), cap);
    info(`${name}${channels === 'all' ? ' (sensor + unit-history channels)' : ''}: validation RMSE ${rmse(vaY, valPred).toFixed(2)}${own ? ` on hold-out block ${block}` : ''} (best round/epoch ${est.history.bestEpoch + 1})`);
    let final = est;
    let finalOptions = options;
    if (name === 'gbdt' && (o.refit ?? DEFAULT_REFIT)) {
      // Refit on every unit for the early-stopped number of rounds: 25 % more engines to learn from.
      finalOptions = { ...options, nEstimators: Math.max(1, est.history.bestEpoch + 1) };
      delete finalOptions.earlyStoppingRounds;
      final = createMember(name, finalOptions);
      await final.fit(memberInput(input, win.samples, steps, nSensors, channels), win.y);
      (est as { dispose?: () => void }).dispose?.();
      info(`${name}: refit on all ${nUnits} units for ${String(finalOptions.nEstimators)} rounds`);
    }
    const seconds = (performance.now() - tm) / 1000;
    info(`${name}: trained in ${seconds.toFixed(1)} s`);
    fitted.push({ name, est: final, input, channels, steps, options: finalOptions, seconds, valPred: own ? null : valPred, valRmse: rmse(vaY, valPred), block });
  }
  // The ensemble's validation: the members that did not train on the usual held-out units.
  const valPred = meanPrediction(fitted.flatMap((f) => (f.valPred ? [f.valPred] : [])));
  const trainSeconds = (performance.now() - t0) / 1000;
  const memberInfo: RulMemberInfo[] = fitted.map((f, i) => ({
    name: f.name,
    kind: f.est.kind,
    input: f.input,
    window: f.steps,
    ...(f.input === 'windows' ? { channels: f.channels } : {}),
    dir: `members/${i}-${f.name}`,
    options: f.options,
    parameters: 'parameterCount' in f.est ? (f.est as { parameterCount: number }).parameterCount : null,
    bestEpoch: f.est.history.bestEpoch,
    trainSeconds: f.seconds,
    valRmse: f.valRmse,
    ...(f.block ? { holdoutBlock: f.block } : {}),
  }));
  const manifest: RulManifest = {
    formatVersion: RUL_FORMAT_VERSION,
    task: 'rul',
    model,
    window,
    minHistory,
    cap,
    format,
    preprocessor: ps,
    members: memberInfo,
    validation: { units: valUnits, windows: split.test.length, ...(fitted.some((f) => !f.valPred) ? { members: fitted.filter((f) => f.valPred).length } : {}), rmse: rmse(yVal, valPred), score: phmScore(yVal, valPred), ...cutValidation(series, win, split.test, valPred, cap, seed, minHistory) },
    seed,
    data: { file: path.basename(o.data), sha256: await fileSha256(o.data), rows: table.nRows, units: nUnits, windows: win.samples.n },
    trainSeconds,
    createdAt: new Date().toISOString(),
  };

  // Report on the validation units: the prediction at each unit's last window and whole trajectories.
  const valIdx = Array.from(split.test);
  const lastByUnit = new Map<number | string, number>();
  valIdx.forEach((i, k) => lastByUnit.set(win.units[i] as number | string, k));
  const perUnit: RulUnitResult[] = [];
  const trajectories: RulTrajectory[] = [];
  for (const [u, k] of lastByUnit) perUnit.push({ unit: u, predicted: valPred[k] as number, true: yVal[k] as number });
  for (const u of [...lastByUnit.keys()].slice(0, 4)) {
    const ks = valIdx.map((i, k) => (win.units[i] === u ? k : -1)).filter((k) => k >= 0);
    trajectories.push({
      unit: u,
      cycle: ks.map((k) => series.time[win.endRows[split.test[k] as number] as number] as number),
      predicted: ks.map((k) => valPred[k] as number),
      true: ks.map((k) => yVal[k] as number),
    });
  }
  const metrics = { task: 'rul', model, validation: manifest.validation, members: memberInfo.map((m) => ({ name: m.name, valRmse: m.valRmse, trainSeconds: m.trainSeconds, parameters: m.parameters, bestEpoch: m.bestEpoch })), trainSeconds };

  await writeModelDir(o.out, async (dir) => {
    for (const [i, f] of fitted.entries()) {
      const md = path.join(dir, memberInfo[i]?.dir as string);
      mkdirSync(md, { recursive: true });
      await f.est.save(md);
    }
    writeFileAtomic(path.join(dir, RUL_MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n');
    writeFileAtomic(path.join(dir, 'metrics.json'), JSON.stringify(metrics, null, 2) + '\n');
    writeFileAtomic(
      path.join(dir, 'report.html'),
      rulReportHtml({ title: `RUL model (${model}) — validation units of ${manifest.data.file}`, manifest, perUnit, trajectories, metrics: { rmse: manifest.validation.rmse, score: manifest.validation.score, units: valUnits }, scope: 'validation' }),
    );
  });
  for (const f of fitted) (f.est as { dispose?: () => void }).dispose?.();
  return { out: o.out, manifest };
}

/**
 * Test-like metrics on the held-out units (validate.ts): 10 cuts per unit drawn uniformly over its life
 * (from cycle max(31, minHistory)), predictions of the held-out windows ending there, uncapped truth.
 */
function cutValidation(
  series: { units: ArrayLike<number | string>; time: ArrayLike<number> },
  win: { endRows: Int32Array },
  valIdx: Int32Array,
  valPred: Float64Array,
  cap: number,
  seed: number,
  minHistory: number,
): { cuts?: { n: number; rmse: number; score: number; nAll: number; rmseAll: number } } {
  const at = new Map<number, number>();
  valIdx.forEach((i, k) => at.set(win.endRows[i] as number, k));
  const cuts = truncationCuts(series.units, series.time, { cutsPerUnit: 10, minCut: Math.max(31, minHistory), seed }).filter((c) => at.has(c.row));
  if (cuts.length === 0) return {};
  const pred = cuts.map((c) => valPred[at.get(c.row) as number] as number);
  const inCap = cuts.map((c, i) => (c.rul <= cap ? i : -1)).filter((i) => i >= 0);
  const all = cutMetrics(cuts.map((c) => c.rul), pred);
  const sub = cutMetrics(inCap.map((i) => (cuts[i] as TruncationCut).rul), inCap.map((i) => pred[i] as number));
  return { cuts: { n: sub.n, rmse: sub.rmse, score: sub.score, nAll: all.n, rmseAll: all.rmse } };
}

/** Predictions can leave [0, cap] (linear outputs); the target cannot. */
function clampPred(p: Float64Array, cap: number): Float64Array {
  return p.map((v) => Math.min(cap, Math.max(0, v)));
}

/** A loaded RUL model: manifest, preprocessor and fitted members. */
export interface LoadedRulModel {
  readonly dir: string;
  readonly manifest: RulManifest;
  readonly preprocessor: RulPreprocessor;
  readonly members: { readonly info: RulMemberInfo; readonly estimator: Estimator }[];
}

/** Whether `dir` holds a RUL model (manifest with task 'rul') — for the CLI's dispatch. */
export function isRulModelDir(dir: string): boolean {
  try {
    return (JSON.parse(readFileSync(path.join(dir, RUL_MANIFEST_FILE), 'utf8')) as { task?: unknown }).task === 'rul';
  } catch {
    return false;
  }
}

/**
 * Read a model directory written by {@link trainRul}.
 * @throws NotFoundError when the directory or its manifest is missing; ModelFormatError for another
 *   task's directory, an unsupported version or an unknown member kind.
 */
export async function loadRulModel(dir: string): Promise<LoadedRulModel> {
  const mf = path.join(dir, RUL_MANIFEST_FILE);
  if (!existsSync(mf)) throw new NotFoundError(`${dir} is not a RUL model directory: ${RUL_MANIFEST_FILE} is missing (train one with 'shopfloor train --task rul ... --out ${dir}').`, { dir });
  let manifest: RulManifest;
  try {
    manifest = JSON.parse(readFileSync(mf, 'utf8')) as RulManifest;
  } catch (e) {
    throw new ModelFormatError(`${mf}: not valid JSON (${(e as Error).message}).`, { file: mf });
  }
  if (manifest.task !== 'rul') throw new ModelFormatError(`${mf}: holds a '${String(manifest.task)}' model, not a RUL model.`, { file: mf, task: String(manifest.task) });
  if (manifest.formatVersion !== RUL_FORMAT_VERSION) {
    throw new ModelFormatError(`${mf}: format version ${String(manifest.formatVersion)} is not supported (this shopfloor reads ${RUL_FORMAT_VERSION}).`, { file: mf });
  }
  const members = [];
  for (const info of manifest.members) {
    if (info.channels !== undefined && !NET_INPUTS.includes(info.channels)) {
      throw new ModelFormatError(`${mf}: member ${info.dir} reads unknown channels '${String(info.channels)}' (expected ${NET_INPUTS.join(' or ')}).`, { file: mf, channels: String(info.channels) });
    }
    if (info.channels === 'all' && !manifest.preprocessor.history) {
      throw new ModelFormatError(`${mf}: member ${info.dir} reads the unit-history channels, but the preprocessor has none.`, { file: mf });
    }
    const loader = estimatorLoader(info.kind);
    if (!loader) throw new ModelFormatError(`${mf}: unknown model kind '${info.kind}'.`, { file: mf, kind: info.kind });
    members.push({ info, estimator: await loader(path.join(dir, info.dir)) });
  }
  return { dir, manifest, preprocessor: RulPreprocessor.fromState(manifest.preprocessor), members };
}

/** Predict (clamped to [0, cap]) with every member on windows and average. */
export async function predictWindows(model: LoadedRulModel, windows: Samples): Promise<Float64Array> {
  const preds: Float64Array[] = [];
  const nSensors = model.manifest.preprocessor.sensors.length;
  for (const m of model.members) preds.push(clampPred(await m.estimator.predict(memberInput(m.info.input, windows, m.info.window, nSensors, m.info.channels ?? 'sensors')), model.manifest.cap));
  return meanPrediction(preds);
}

/** Options of {@link evaluateRul}. */
export interface EvaluateRulOptions extends RulDataOptions {
  /** Model directory written by {@link trainRul}. */
  readonly model: string;
  /** True RUL at the last cycle of each test unit, one number per line in unit order (C-MAPSS RUL_FD00x.txt). Without it only predictions are returned. */
  readonly rul?: string;
  /** Write an HTML report (predicted vs true per unit, trajectories of sample units) to this file. */
  readonly report?: string;
  /** Units whose RUL trajectory is drawn in the report [4]. */
  readonly sampleUnits?: number;
}

/** What {@link evaluateRul} returns (the `--json` document). */
export interface EvaluateRulResult {
  readonly rmse: number | null;
  /** PHM08 score (sum over units; lower is better). */
  readonly score: number | null;
  readonly mae: number | null;
  readonly units: number;
  readonly model: RulModelName;
  readonly members: string[];
  readonly window: number;
  readonly cap: number;
  readonly predictions: { unit: number | string; predicted: number; true: number | null }[];
}

/**
 * Predict the RUL at the last cycle of each test unit and score it against the truth file.
 * @example const r = await evaluateRul({ model: 'rul-model', data: 'test_FD001.txt', rul: 'RUL_FD001.txt' });
 * @throws NotFoundError / ModelFormatError for a bad model directory; DataError when the truth file
 *   has a different number of units than the test data.
 */
export async function evaluateRul(o: EvaluateRulOptions): Promise<EvaluateRulResult> {
  const model = await loadRulModel(o.model);
  const m = model.manifest;
  if (m.members.some((x) => x.input === 'windows')) await initBackend();
  const format = resolveFormat(o.data, o.format ?? m.format);
  const { table } = await readSeries({ ...o, unit: o.unit ?? m.preprocessor.unit, time: o.time ?? m.preprocessor.time }, format);
  const series = model.preprocessor.transform(table);
  const last = finalWindows(series, m.window);
  const pred = await predictWindows(model, last.samples);
  let truth: Float64Array | null = null;
  if (o.rul) {
    truth = await loadCmapssRul(o.rul);
    if (truth.length !== last.units.length) {
      throw new ConfigError(`${o.rul}: ${truth.length} true RUL values but ${o.data} has ${last.units.length} units; give one line per test unit, in unit order.`, {
        option: 'rul',
        values: truth.length,
        units: last.units.length,
      });
    }
  }
  const result: EvaluateRulResult = {
    rmse: truth ? rmse(truth, pred) : null,
    score: truth ? phmScore(truth, pred) : null,
    mae: truth ? mae(truth, pred) : null,
    units: last.units.length,
    model: m.model,
    members: m.members.map((x) => x.name),
    window: m.window,
    cap: m.cap,
    predictions: last.units.map((u, i) => ({ unit: u, predicted: pred[i] as number, true: truth ? (truth[i] as number) : null })),
  };
  if (o.report) {
    const perUnit: RulUnitResult[] = truth ? last.units.map((u, i) => ({ unit: u, predicted: pred[i] as number, true: truth[i] as number })) : [];
    const trajectories: RulTrajectory[] = [];
    const all = slidingWindows(series, { windowSize: m.window, padding: 'edge' });
    const picks = sampleUnitsOf(last.units, o.sampleUnits ?? 4);
    const allPred = await predictWindows(model, all.samples);
    for (const u of picks) {
      const ks = all.units.map((x, k) => (x === u ? k : -1)).filter((k) => k >= 0);
      const cycles = ks.map((k) => series.time[all.endRows[k] as number] as number);
      const lastCycle = Math.max(...cycles);
      const ui = last.units.indexOf(u);
      const finalTruth = truth ? (truth[ui] as number) : null;
      trajectories.push({
        unit: u,
        cycle: cycles,
        predicted: ks.map((k) => allPred[k] as number),
        true: finalTruth === null ? [] : cycles.map((c) => Math.min(m.cap, finalTruth + lastCycle - c)),
      });
    }
    writeFileAtomic(
      o.report,
      rulReportHtml({
        title: `RUL evaluation — ${path.basename(o.data)}`,
        manifest: m,
        perUnit,
        trajectories,
        metrics: { rmse: result.rmse, score: result.score, units: result.units },
        scope: 'test',
      }),
    );
  }
  return result;
}

/** A few units spread over the list (first, …, last). */
function sampleUnitsOf(units: readonly (number | string)[], k: number): (number | string)[] {
  if (units.length <= k) return [...units];
  return Array.from({ length: k }, (_, i) => units[Math.round((i * (units.length - 1)) / Math.max(1, k - 1))] as number | string);
}
