/**
 * The model kinds the live service deploys, read from the model directory's manifest
 * (`shopfloor-model.json`, field `task`):
 *
 * - `failure` (`shopfloor train`, the default task): scores the asset's latest value of each input
 *   sensor after every stored batch (scoring.ts); the score is the failure probability.
 * - `rul` (`shopfloor train --task rul`): per asset a rolling window of the model's last `window`
 *   *rows*; a row is one timestamp at which every input sensor (operating settings and kept sensors)
 *   has a good value. Once the window is full the model scores every new row (each cycle); the
 *   prediction is the remaining useful life in the training data's time unit (cycles), clamped to
 *   [0, cap] as offline. Rows are normalised per row exactly as offline, so a streamed prediction
 *   equals the offline one of the same window. Models with unit-history channels (the default of
 *   `train --task rul`) also keep each asset's life (cycle count, first rows, EWMAs; the life is the
 *   asset's whole stored history) and equal the offline prediction of the unit truncated at that row.
 * - `anomaly` (`shopfloor train --task anomaly`): rows as for RUL, each pushed to the detector's
 *   online scorer (`createStreamScorer`, the same score as batch `detect`); the prediction is the
 *   aggregated anomaly score, its label `anomaly` when the score is above the calibrated threshold,
 *   else `normal`.
 *
 * Rows are assembled from readings of any source (HTTP, MQTT per-sensor topics or per-asset messages,
 * OPC UA): values of one timestamp are collected until complete, and complete rows are used in time
 * order. A row older than the last row used is late and dropped; an incomplete row that blocks newer
 * complete ones is dropped once more than {@link MAX_PENDING_ROWS} rows wait behind it (counted in
 * `shopfloor_scoring_rows_dropped_total`).
 *
 * Sources that stamp every sensor separately (OPC UA source timestamps, MQTT per-sensor topics
 * without `t`) give the values of one sampling instant slightly different times. With a row tolerance
 * ({@link LiveOptions.rowToleranceMs}, `serve --row-tolerance-ms`) a value joins the pending row whose
 * time is within the tolerance and that has no value for its sensor yet; the row keeps the time of
 * its first value. With 0 (the default) only equal timestamps form a row.
 *
 * Sensors sampled at different rates (a temperature every minute, currents every second) leave most
 * rows without the slow sensors. With sample-and-hold ({@link LiveOptions.rowHoldMs}, `serve
 * --row-hold-ms`) a row still missing some sensors once the stream has moved past its instant (a
 * newer row is pending, more than the tolerance later) takes each missing sensor's latest earlier
 * value, provided every such value is at most the hold time old (the age counts from the value's own
 * time, never from a row it was held into); otherwise the row waits, as without hold. A slow value
 * that arrives after its instant was completed by hold is late. Held values are counted in
 * `shopfloor_scoring_values_held_total`. Offline, the same is a forward fill of the export.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { ModelFormatError, NotFoundError } from '../core/errors.js';
import { Table, categoricalColumn, numericColumn } from '../core/table.js';
import { initBackend } from '../models/tf/backend.js';
import { loadModelDir, type LoadedModel } from '../tasks/maintenance/artifact.js';
import { loadRulModel, predictWindows, type LoadedRulModel } from '../tasks/rul/rul.js';
import { RulPreprocessor, type HistoryOptions } from '../tasks/rul/data.js';
import { loadAnomalyModel, isNeuralDetector, type LoadedAnomalyModel } from '../tasks/anomaly/model-dir.js';
import { createStreamScorer, type StreamScorer } from '../tasks/anomaly/stream.js';
import { featureSensorId } from './models.js';
import { compileOneRow, type OneRowScorer } from './fast-score.js';

/** The model tasks the service deploys. */
export const LIVE_TASKS = ['failure', 'rul', 'anomaly'] as const;
export type LiveTask = (typeof LIVE_TASKS)[number];

/** Most incomplete rows kept per asset and model before the oldest is dropped. */
export const MAX_PENDING_ROWS = 32;

/** How deployed RUL and anomaly models assemble rows. */
export interface LiveOptions {
  /** Values within this many ms of a pending row's time join it (default 0: equal times only). */
  readonly rowToleranceMs?: number;
  /** Sample-and-hold: a missing sensor takes its latest value at most this many ms old (default 0: never). */
  readonly rowHoldMs?: number;
}

/** A deployed failure model. */
export interface FailureLive {
  readonly task: 'failure';
  readonly loaded: LoadedModel;
  /** Sensor ids of the numeric inputs (categorical inputs are not streamed). */
  readonly sensors: readonly string[];
  /** One-row scorer, bit-identical to the batch path (fast-score.ts). */
  readonly oneRow: OneRowScorer;
}

/** A deployed RUL model and its per-asset windows. */
export interface RulLive {
  readonly task: 'rul';
  readonly loaded: LoadedRulModel;
  /** Input columns in the order rows hold them (operating settings, then kept sensors). */
  readonly columns: readonly string[];
  readonly sensors: readonly string[];
  readonly window: number;
  readonly rows: RowAssembler;
  /** Per asset: the last `window` rows (raw values) and their timestamps. */
  readonly windows: Map<string, { rows: Float64Array[]; ts: number[] }>;
  /**
   * Models with unit-history channels (drift of EWMAs from the unit's own first cycles, cycle count):
   * the preprocessor without them (the per-row normalisation), the history options, and per asset the
   * state of its life so far (an asset's life is its whole stored history; see historyWindow).
   */
  readonly history: { readonly base: RulPreprocessor; readonly options: HistoryOptions; readonly lives: Map<string, AssetLife> } | null;
}

/** Per asset, for a RUL model with history channels: its life so far and its last `window` rows. */
export interface AssetLife {
  /** Rows seen (the next row's 0-based cycle index). */
  q: number;
  /** The first `baseline` normalised rows (the baseline is their mean). */
  readonly first: Float32Array[];
  /** The EWMA of every smoothing factor and sensor (α-major), after the last row. */
  readonly e: Float64Array;
  /** The last `window` rows: normalised values, EWMAs after the row, cycle index, time. */
  readonly win: { v: Float32Array; e: Float64Array; q: number; t: number }[];
}

/** A deployed anomaly detector and its online scorer (per-asset state inside). */
export interface AnomalyLive {
  readonly task: 'anomaly';
  readonly loaded: LoadedAnomalyModel;
  readonly columns: readonly string[];
  readonly sensors: readonly string[];
  readonly rows: RowAssembler;
  readonly stream: StreamScorer;
}

export type LiveModel = FailureLive | RulLive | AnomalyLive;

/** The task of a model directory, from its manifest. Throws NotFoundError / ModelFormatError. */
export function readModelTask(dir: string): LiveTask {
  if (!existsSync(dir)) throw new NotFoundError(`Model directory not found: ${dir}.`, { dir });
  const mf = path.join(dir, 'shopfloor-model.json');
  if (!existsSync(mf)) throw new NotFoundError(`${dir} is not a shopfloor model directory: shopfloor-model.json is missing (train one with 'shopfloor train … --out ${dir}').`, { dir });
  let m: { task?: unknown };
  try {
    m = JSON.parse(readFileSync(mf, 'utf8')) as { task?: unknown };
  } catch (e) {
    throw new ModelFormatError(`${mf}: not valid JSON (${(e as Error).message}).`, { file: mf });
  }
  const task = m?.task;
  if (typeof task === 'string' && (LIVE_TASKS as readonly string[]).includes(task)) return task as LiveTask;
  throw new ModelFormatError(
    `${mf}: the manifest's task is ${JSON.stringify(task ?? null)}; the live service deploys ${LIVE_TASKS.map((t) => `'${t}'`).join(', ')} models (shopfloor train [--task rul|anomaly]).`,
    { file: mf, task: task ?? null, supported: [...LIVE_TASKS] },
  );
}

/** Load a model directory of any deployable kind. Initialises the TensorFlow.js backend when a neural model needs it. */
export async function loadLiveModel(dir: string, opts: LiveOptions = {}): Promise<LiveModel> {
  const task = readModelTask(dir);
  const tol = opts.rowToleranceMs ?? 0;
  const hold = opts.rowHoldMs ?? 0;
  if (task === 'failure') {
    const loaded = await loadModelDir(dir);
    if (loaded.manifest.backend) await initBackend();
    const sensors = loaded.manifest.features.filter((f) => f.kind === 'numeric').map((f) => featureSensorId(f.name));
    return { task, loaded, sensors, oneRow: compileOneRow(loaded) };
  }
  if (task === 'rul') {
    const m0 = JSON.parse(readFileSync(path.join(dir, 'shopfloor-model.json'), 'utf8')) as { members?: { input?: string }[] };
    if ((m0.members ?? []).some((x) => x.input === 'windows')) await initBackend();
    const loaded = await loadRulModel(dir);
    const ps = loaded.manifest.preprocessor;
    const columns = [...(ps.regimeNormalizer ? ps.settings : []), ...ps.sensors];
    const history = ps.history ? { base: RulPreprocessor.fromState({ ...ps, history: null }), options: ps.history, lives: new Map<string, AssetLife>() } : null;
    return { task, loaded, columns, sensors: columns.map(featureSensorId), window: loaded.manifest.window, rows: new RowAssembler(columns.length, tol, hold), windows: new Map(), history };
  }
  const m0 = JSON.parse(readFileSync(path.join(dir, 'shopfloor-model.json'), 'utf8')) as { detector?: string };
  if (isNeuralDetector(String(m0.detector))) await initBackend();
  const loaded = await loadAnomalyModel(dir);
  const columns = [...loaded.detector.sensors];
  return { task, loaded, columns, sensors: columns.map(featureSensorId), rows: new RowAssembler(columns.length, tol, hold), stream: createStreamScorer(loaded.detector) };
}

/** One complete row: every input sensor at time `t`. */
export interface Row {
  readonly t: number;
  readonly values: Float64Array;
}

/**
 * Collects per-asset values of one timestamp into rows (see the module comment). `put` a value of
 * input `j`; `drain` returns the complete rows of an asset in time order.
 */
export class RowAssembler {
  private readonly assets = new Map<string, AssetRows>();
  /** Rows dropped (late, or incomplete and blocking). */
  dropped = 0;
  /** Values filled in by sample-and-hold (`holdMs`). */
  held = 0;
  /**
   * @param width values per row (the model's input columns)
   * @param toleranceMs a value joins a pending row at most this far from its time (0: equal times only)
   * @param holdMs sample-and-hold: once the stream has moved past a row's instant, a sensor still
   *   missing from it takes its latest earlier value when that is at most this old (0: never)
   */
  constructor(
    private readonly width: number,
    private readonly toleranceMs = 0,
    private readonly holdMs = 0,
  ) {}

  /** Add a value; returns false when the row is late (older than the last row used). */
  put(assetId: string, t: number, j: number, v: number): boolean {
    let a = this.assets.get(assetId);
    if (!a) {
      a = { last: -Infinity, pending: new Map(), heldV: new Float64Array(this.width).fill(NaN), heldT: new Float64Array(this.width).fill(-Infinity) };
      this.assets.set(assetId, a);
    }
    if (t <= a.last) return false;
    let r = a.pending.get(t);
    if (!r && this.toleranceMs > 0) {
      // (An equal time is the same instant even when the sensor is set: a duplicate, last value wins.)
      // Else the nearest pending row within the tolerance that still lacks this sensor.
      let best = Infinity;
      for (const [k, row] of a.pending) {
        const d = Math.abs(k - t);
        if (d <= this.toleranceMs && d < best && Number.isNaN(row.values[j] as number)) {
          best = d;
          r = row;
        }
      }
    }
    if (!r) {
      r = { values: new Float64Array(this.width).fill(NaN), filled: 0 };
      a.pending.set(t, r);
    }
    if (Number.isNaN(r.values[j] as number)) r.filled++;
    r.values[j] = v;
    return true;
  }

  /**
   * Complete rows of an asset, ascending; drops blocking incomplete rows beyond MAX_PENDING_ROWS.
   * With `holdMs`, an incomplete row whose instant has passed (a pending row exists more than the
   * tolerance after it) is completed from each missing sensor's latest earlier value, if every such
   * value is at most `holdMs` old.
   */
  drain(assetId: string): Row[] {
    const a = this.assets.get(assetId);
    if (!a || a.pending.size === 0) return [];
    const out: Row[] = [];
    const times = [...a.pending.keys()].sort((x, y) => x - y);
    const newest = times[times.length - 1] as number;
    for (const t of times) {
      const r = a.pending.get(t) as { values: Float64Array; filled: number };
      // what was observed at t (held values are not observations: their age counts from their own time)
      let observed = r.values;
      if (r.filled < this.width && this.holdMs > 0 && newest > t + this.toleranceMs) {
        observed = r.values.slice();
        this.hold(a, t, r);
      }
      if (r.filled === this.width) {
        out.push({ t, values: r.values });
        a.pending.delete(t);
        a.last = t;
        if (this.holdMs > 0) this.remember(a, t, observed);
      } else if (a.pending.size > MAX_PENDING_ROWS) {
        a.pending.delete(t);
        this.dropped++;
        if (this.holdMs > 0) this.remember(a, t, r.values);
      } else break;
    }
    // Rows now older than the last used one can never be used.
    for (const [t, r] of a.pending) {
      if (t <= a.last) {
        a.pending.delete(t);
        this.dropped++;
        if (this.holdMs > 0) this.remember(a, t, r.values);
      }
    }
    return out;
  }

  /** Fill the missing values of row `t` from the held ones when all are fresh enough. */
  private hold(a: AssetRows, t: number, r: { values: Float64Array; filled: number }): void {
    for (let j = 0; j < this.width; j++) {
      if (Number.isNaN(r.values[j] as number) && !(t - (a.heldT[j] as number) <= this.holdMs)) return;
    }
    for (let j = 0; j < this.width; j++) {
      if (Number.isNaN(r.values[j] as number)) {
        r.values[j] = a.heldV[j] as number;
        r.filled++;
        this.held++;
      }
    }
  }

  /** Latest value of each sensor, from a row at time `t` that leaves the pending set. */
  private remember(a: AssetRows, t: number, values: Float64Array): void {
    for (let j = 0; j < this.width; j++) {
      const v = values[j] as number;
      if (!Number.isNaN(v) && t >= (a.heldT[j] as number)) {
        a.heldV[j] = v;
        a.heldT[j] = t;
      }
    }
  }

  /** Forget an asset (after a new deployment). */
  reset(assetId: string): void {
    this.assets.delete(assetId);
  }
}

interface AssetRows {
  /** Time of the last row used. */
  last: number;
  pending: Map<number, { values: Float64Array; filled: number }>;
  /** Sample-and-hold: each sensor's latest value from rows that left the pending set, and its time. */
  heldV: Float64Array;
  heldT: Float64Array;
}

/** A RUL prediction at the end of a full window. */
export interface RulPrediction {
  readonly t: number;
  readonly rul: number;
}

/**
 * Push rows of one asset into its window and predict the RUL at every row that completes a full
 * window (all windows of the call in one model call).
 */
export async function rulOnRows(live: RulLive, assetId: string, rows: readonly Row[], predict = true): Promise<RulPrediction[]> {
  if (live.history) return historyOnRows(live, live.history, assetId, rows, predict);
  let w = live.windows.get(assetId);
  if (!w) live.windows.set(assetId, (w = { rows: [], ts: [] }));
  const W = live.window;
  const ends: { t: number; rows: Float64Array[] }[] = [];
  for (const r of rows) {
    w.rows.push(r.values);
    w.ts.push(r.t);
    if (w.rows.length > W) {
      w.rows.shift();
      w.ts.shift();
    }
    if (predict && w.rows.length === W) ends.push({ t: r.t, rows: [...w.rows] });
  }
  if (ends.length === 0) return [];
  const pred = await predictRulWindows(live, ends.map((e) => e.rows));
  return ends.map((e, k) => ({ t: e.t, rul: pred[k] as number }));
}

/**
 * The RUL of each window (each `window` raw rows of the model's input columns, oldest first),
 * normalised with the model's preprocessor row by row as offline.
 */
export async function predictRulWindows(live: RulLive, windows: readonly (readonly Float64Array[])[]): Promise<Float64Array> {
  const x = normalizeRows(live, live.loaded.preprocessor, windows.flat());
  return predictWindows(live.loaded, { x, n: windows.length, shape: [live.window, x.length / (windows.length * live.window)] });
}

/** The model's per-row normalisation of raw rows (regime normaliser or z-score), n × sensors, float32 as offline. */
function normalizeRows(live: RulLive, base: RulPreprocessor, rows: readonly Float64Array[]): Float32Array {
  const ps = live.loaded.manifest.preprocessor;
  const n = rows.length;
  const cols = live.columns.map((_, j) => Float64Array.from(rows, (r) => r[j] as number));
  const table = new Table([
    categoricalColumn(ps.unit, Array.from({ length: n }, () => 'live')),
    numericColumn(ps.time, Float64Array.from({ length: n }, (_, i) => i)),
    ...live.columns.map((c, j) => numericColumn(c, cols[j] as Float64Array)),
  ]);
  const v = base.transform(table).values;
  return v instanceof Float32Array ? v : Float32Array.from(v);
}

/**
 * RUL models with unit-history channels: update the asset's life with each row and predict at every
 * full window. The channels of a window are those `historyChannels` gives offline for the asset's
 * whole life up to the window's last row (so a streamed prediction equals the offline one on the
 * same prefix — the C-MAPSS test protocol: a unit truncated at that cycle).
 */
async function historyOnRows(live: RulLive, h: NonNullable<RulLive['history']>, assetId: string, rows: readonly Row[], predict: boolean): Promise<RulPrediction[]> {
  if (rows.length === 0) return [];
  const o = h.options;
  const F = live.loaded.manifest.preprocessor.sensors.length;
  const A = o.alphas.length;
  let life = h.lives.get(assetId);
  if (!life) h.lives.set(assetId, (life = { q: 0, first: [], e: new Float64Array(A * F), win: [] }));
  const V = normalizeRows(live, h.base, rows.map((r) => r.values));
  const W = live.window;
  const ends: { t: number; x: Float32Array }[] = [];
  rows.forEach((r, k) => {
    const L = life as AssetLife;
    const v = V.slice(k * F, (k + 1) * F);
    const q = L.q++;
    if (q < o.baseline) L.first.push(v);
    o.alphas.forEach((a, ai) => {
      for (let j = 0; j < F; j++) {
        const x = v[j] as number;
        L.e[ai * F + j] = q === 0 ? x : a * x + (1 - a) * (L.e[ai * F + j] as number);
      }
    });
    L.win.push({ v, e: L.e.slice(), q, t: r.t });
    if (L.win.length > W) L.win.shift();
    if (predict && L.win.length === W) ends.push({ t: r.t, x: historyWindow(L, o, F) });
  });
  if (ends.length === 0) return [];
  const C = F + A * F + (o.cycle ? 1 : 0);
  const x = new Float32Array(ends.length * W * C);
  ends.forEach((e, i) => x.set(e.x, i * W * C));
  const pred = await predictWindows(live.loaded, { x, n: ends.length, shape: [W, C] });
  return ends.map((e, k) => ({ t: e.t, rul: pred[k] as number }));
}

/** The window's channels [W × (F + αs·F + cycle)] as historyChannels computes them offline for the life so far. */
function historyWindow(life: AssetLife, o: HistoryOptions, F: number): Float32Array {
  const W = life.win.length;
  const A = o.alphas.length;
  const C = F + A * F + (o.cycle ? 1 : 0);
  const nb = Math.min(o.baseline, life.q);
  const b = new Float64Array(F);
  for (let i = 0; i < nb; i++) for (let j = 0; j < F; j++) b[j] = (b[j] as number) + ((life.first[i] as Float32Array)[j] as number) / nb;
  const out = new Float32Array(W * C);
  life.win.forEach((row, s) => {
    out.set(row.v, s * C);
    const on = row.q + 1 >= nb;
    for (let ai = 0; ai < A; ai++) for (let j = 0; j < F; j++) out[s * C + F + ai * F + j] = on ? (row.e[ai * F + j] as number) - (b[j] as number) : 0;
    if (o.cycle) out[s * C + C - 1] = row.q + 1;
  });
  return out;
}

/** Forget an asset's streaming state in a live model (after deploy or rollback). */
export function resetAsset(live: LiveModel, assetId: string): void {
  if (live.task === 'failure') return;
  live.rows.reset(assetId);
  if (live.task === 'rul') {
    live.windows.delete(assetId);
    live.history?.lives.delete(assetId);
  }
  else live.stream.remove(assetId);
}
