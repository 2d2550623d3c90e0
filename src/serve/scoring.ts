/**
 * Streaming scoring. Failure models: per asset, the latest good value of each sensor (a rolling window
 * of one sample per sensor — the failure models score the machine's current state); after each stored
 * batch every affected asset with a live failure deployment is scored once its model's inputs are all
 * known. RUL and anomaly models: rows (one timestamp, every input sensor) are assembled per asset and
 * scored in time order — RUL once its window is full, then at every new row; anomaly at every row
 * (live.ts). Each score is stored, published (SSE) and fed to the alert rules. Threshold and rate rules
 * see every value.
 */
import type { ModelRecord, Reading, ReadingStore } from '../storage/store.js';
import type { AlertEngine, ScoreInfo, ScoreTask } from './alerts.js';
import type { EventHub } from './events.js';
import type { Metrics } from './metrics.js';
import type { ModelCache } from './models.js';
import { resetAsset, rulOnRows, type LiveModel, type Row } from './live.js';

/** How long a looked-up deployment is reused without asking the store again. */
export const DEPLOYMENT_TTL_MS = 1000;
/** Rows of stored history replayed into an anomaly detector's state on its first batch (see warmFromStore). */
export const ANOMALY_WARM_ROWS = 256;

/** A live deployment: the registry record and the loaded model. */
export interface Live {
  readonly rec: ModelRecord;
  readonly model: LiveModel;
  /**
   * RUL models: where the asset's current life starts — its latest `renewal` maintenance record (epoch
   * ms), or null (its whole stored history). Readings before it are not part of the life.
   */
  readonly lifeStart: number | null;
}

/** Scores assets as their readings arrive. */
export class ScoringEngine {
  private readonly latest = new Map<string, Map<string, { t: number; v: number }>>();
  /** Sensors that some threshold or rate rule watches: only their values go to the alert engine. */
  private readonly watched: ReadonlySet<string>;
  /** Live deployment per asset (null: none), cached for DEPLOYMENT_TTL_MS; see `invalidate`. */
  private readonly deployments = new Map<string, { at: number; value: Promise<Live | null> }>();
  /** `modelId|assetId` of RUL/anomaly states already warmed from the store in this process → the life start they were warmed with. */
  private readonly warmed = new Map<string, number | null>();

  constructor(
    private readonly store: ReadingStore,
    private readonly models: ModelCache,
    private readonly hub: EventHub,
    private readonly metrics: Metrics,
    private readonly alerts: AlertEngine | null,
  ) {
    metrics.counter('shopfloor_predictions_total', 'Streaming predictions made.');
    metrics.counter('shopfloor_scoring_errors_total', 'Streaming scoring attempts that failed.');
    metrics.counter('shopfloor_scoring_rows_dropped_total', 'RUL/anomaly input rows dropped: late (older than the last row scored) or incomplete while newer rows waited.');
    metrics.counter('shopfloor_scoring_values_held_total', 'RUL/anomaly input values filled in by sample-and-hold (serve --row-hold-ms).');
    this.watched = new Set((alerts?.rules ?? []).flatMap((r) => (r.kind === 'score' || r.kind === 'anomaly' ? [] : [r.sensorId])));
  }

  /**
   * The live deployment of an asset with its loaded model, or null. Cached for DEPLOYMENT_TTL_MS so
   * that streaming does not query the store per batch and asset; deploy and rollback through this
   * process call `invalidate`, so only a change made elsewhere (another process on the same
   * PostgreSQL database) takes up to that long to be seen.
   */
  deployment(assetId: string): Promise<Live | null> {
    const now = Date.now();
    const c = this.deployments.get(assetId);
    if (c && now - c.at < DEPLOYMENT_TTL_MS) return c.value;
    const value = this.loadDeployment(assetId);
    this.deployments.set(assetId, { at: now, value });
    value.catch(() => this.deployments.delete(assetId));
    return value;
  }
  /** Forget the cached deployment of one asset (or of all): call after deploying or rolling back. */
  invalidate(assetId?: string): void {
    if (assetId === undefined) this.deployments.clear();
    else this.deployments.delete(assetId);
    // A new deployment starts the asset's RUL window and anomaly state afresh (warmed again from the store).
    if (assetId !== undefined) {
      for (const k of this.warmed.keys()) if (k.endsWith(`|${assetId}`)) this.warmed.delete(k);
      void this.models.all().then((ms) => ms.forEach((m) => resetAsset(m, assetId)));
    }
  }
  private async loadDeployment(assetId: string): Promise<Live | null> {
    const dep = await this.store.currentDeployment(assetId);
    if (!dep) return null;
    const rec = await this.store.getModel(dep.modelId);
    if (!rec) return null;
    const model = await this.models.get(rec);
    return { rec, model, lifeStart: model.task === 'rul' ? await this.store.lastRenewal(assetId) : null };
  }

  /**
   * Forget the cached deployment of an asset without touching its state: call after recording
   * maintenance, so that the next batch sees a new life start (a RUL state warmed with another life
   * start is then rebuilt from the store, from the renewal on).
   */
  refresh(assetId: string): void {
    this.deployments.delete(assetId);
  }

  /** The latest known values of an asset (sensor id → value). */
  latestValues(assetId: string): Record<string, number> {
    const m = this.latest.get(assetId);
    return m ? Object.fromEntries([...m].map(([k, x]) => [k, x.v])) : {};
  }

  /** Feed a stored batch. Never throws: a scoring failure is counted and the stream goes on. */
  async onReadings(readings: readonly Reading[]): Promise<void> {
    const touched = new Map<string, number>();
    const byAsset = new Map<string, Reading[]>();
    for (const r of readings) {
      if (r.q === 'bad' || r.v === null) continue;
      let m = this.latest.get(r.assetId);
      if (!m) this.latest.set(r.assetId, (m = new Map()));
      const cur = m.get(r.sensorId);
      if (!cur || r.t >= cur.t) m.set(r.sensorId, { t: r.t, v: r.v });
      touched.set(r.assetId, Math.max(touched.get(r.assetId) ?? -Infinity, r.t));
      let b = byAsset.get(r.assetId);
      if (!b) byAsset.set(r.assetId, (b = []));
      b.push(r);
      if (this.alerts && this.watched.has(r.sensorId)) await this.alerts.onValue(r.assetId, r.sensorId, r.t, r.v).catch(() => this.metrics.inc('shopfloor_scoring_errors_total'));
    }
    for (const [assetId, t] of touched) {
      try {
        const live = await this.deployment(assetId);
        if (!live) continue;
        if (live.model.task === 'failure') await this.scoreAsset(assetId, t);
        else await this.scoreRows(assetId, live, byAsset.get(assetId) ?? []);
      } catch {
        this.metrics.inc('shopfloor_scoring_errors_total');
      }
    }
  }

  /** Score one asset's latest values with its failure model; null when none is deployed or inputs are missing. */
  async scoreAsset(assetId: string, t: number): Promise<number | null> {
    const live = await this.deployment(assetId);
    if (!live || live.model.task !== 'failure') return null;
    const { rec, model } = live;
    const values = this.latest.get(assetId);
    const row: Record<string, number | null> = {};
    const feats = model.loaded.manifest.features;
    for (let j = 0, k = 0; j < feats.length; j++) {
      const f = feats[j] as (typeof feats)[number];
      if (f.kind === 'numeric') {
        const x = values?.get(model.sensors[k++] as string);
        if (!x) return null; // not all inputs seen yet
        row[f.name] = x.v;
      } else row[f.name] = null; // categorical inputs are not streamed: encoded as unseen
    }
    const s = await model.oneRow.score(row);
    await this.emit(assetId, rec.id, t, s.score, s.label, { task: 'failure' });
    return s.score;
  }

  /** RUL and anomaly models: assemble rows from the batch's readings and score the complete ones in time order. */
  private async scoreRows(assetId: string, live: Live, readings: readonly Reading[]): Promise<void> {
    const model = live.model;
    if (model.task === 'failure') return;
    const index = new Map(model.sensors.map((s, j) => [s, j]));
    const key = `${live.rec.id}|${assetId}`;
    const lifeStart = model.task === 'rul' ? live.lifeStart : null;
    if (lifeStart !== null) readings = readings.filter((r) => r.t >= lifeStart); // a late reading of the previous life
    if (this.warmed.has(key) && this.warmed.get(key) !== lifeStart) {
      // A renewal was recorded since the state was built: the asset starts a new life.
      resetAsset(model, assetId);
      this.warmed.delete(key);
    }
    let late = 0;
    let before = model.rows.dropped;
    const heldBefore = model.rows.held;
    let rows: Row[];
    if (!this.warmed.has(key)) {
      this.warmed.set(key, lifeStart);
      rows = await this.warmFromStore(assetId, model, index, readings, lifeStart ?? 0);
      before = model.rows.dropped;
    } else {
      for (const r of readings) {
        const j = index.get(r.sensorId);
        if (j !== undefined && !model.rows.put(assetId, r.t, j, r.v as number)) late++;
      }
      rows = model.rows.drain(assetId);
    }
    const dropped = late + model.rows.dropped - before;
    if (dropped > 0) this.metrics.inc('shopfloor_scoring_rows_dropped_total', {}, dropped);
    if (model.rows.held > heldBefore) this.metrics.inc('shopfloor_scoring_values_held_total', {}, model.rows.held - heldBefore);
    if (rows.length === 0) return;
    if (model.task === 'rul') {
      for (const p of await rulOnRows(model, assetId, rows)) await this.emit(assetId, live.rec.id, p.t, p.rul, 'rul', { task: 'rul' });
      return;
    }
    const threshold = model.loaded.detector.threshold;
    for (const row of rows) {
      const r = model.stream.push({ asset: assetId, ts: row.t, values: row.values });
      if (!r.accepted) {
        this.metrics.inc('shopfloor_scoring_rows_dropped_total');
        continue;
      }
      await this.emit(assetId, live.rec.id, row.t, r.score, r.isAnomaly ? 'anomaly' : 'normal', { task: 'anomaly', flagged: r.isAnomaly, threshold, sensor: model.columns[r.channel] as string });
    }
  }

  /**
   * The first batch of an asset for a RUL/anomaly model in this process (after a start, a restart or
   * a new deployment): rebuild the rolling state from the readings already stored, so that a restart
   * does not wait `window` new cycles for the next RUL. Reads the last readings of each input sensor
   * up to this batch (which is already stored), assembles rows, feeds the rows older than the batch
   * to the state without emitting (they were scored before, or belong to a previous deployment), and
   * returns the batch's rows for scoring. RUL: the last `window − 1` rows (with history channels: the
   * asset's whole stored life — from its latest renewal, see {@link Live.lifeStart} —, read in pages); anomaly: the last
   * {@link ANOMALY_WARM_ROWS} rows (the detectors' rolling windows are shorter; EWMA states converge).
   */
  private async warmFromStore(assetId: string, model: Exclude<LiveModel, { task: 'failure' }>, index: Map<string, number>, readings: readonly Reading[], lifeStart: number): Promise<Row[]> {
    let tmin = Infinity;
    let tmax = -Infinity;
    const perSensor = new Map<string, number>();
    for (const r of readings) {
      if (!index.has(r.sensorId)) continue;
      tmin = Math.min(tmin, r.t);
      tmax = Math.max(tmax, r.t);
      perSensor.set(r.sensorId, (perSensor.get(r.sensorId) ?? 0) + 1);
    }
    if (perSensor.size === 0) return [];
    if (model.task === 'rul' && model.history) {
      // History channels need the asset's whole life: every stored reading, in pages.
      for (const [sensorId, j] of index) {
        for (let from = lifeStart; ; ) {
          const got = await this.store.queryReadings({ assetId, sensorId, from, to: tmax + 1, limit: 10_000 });
          for (const g of got) if (g.q !== 'bad' && g.v !== null) model.rows.put(assetId, g.t, j, g.v);
          if (got.length < 10_000) break;
          from = (got[got.length - 1] as Reading).t + 1;
        }
      }
    } else {
      const need = (model.task === 'rul' ? model.window - 1 : ANOMALY_WARM_ROWS) + 8;
      for (const [sensorId, j] of index) {
        const got = await this.store.queryReadings({ assetId, sensorId, from: model.task === 'rul' ? lifeStart : 0, to: tmax + 1, latest: true, limit: need + (perSensor.get(sensorId) ?? 0) });
        for (const g of got) if (g.q !== 'bad' && g.v !== null) model.rows.put(assetId, g.t, j, g.v);
      }
    }
    const rows = model.rows.drain(assetId);
    const old = rows.filter((r) => r.t < tmin);
    if (model.task === 'rul') await rulOnRows(model, assetId, old, false);
    else for (const r of old) model.stream.push({ asset: assetId, ts: r.t, values: r.values });
    return rows.filter((r) => r.t >= tmin);
  }

  /** Store, publish and feed a score to the alert rules. */
  private async emit(assetId: string, modelId: number, t: number, score: number, label: string, info: ScoreInfo & { task: ScoreTask }): Promise<void> {
    const prediction = await this.store.insertPrediction({ assetId, modelId, t, score, label });
    this.metrics.inc('shopfloor_predictions_total');
    this.hub.publish({ type: 'prediction', prediction, task: info.task, ...(info.threshold !== undefined ? { threshold: info.threshold } : {}) });
    if (this.alerts) await this.alerts.onScore(assetId, t, score, info);
  }
}
