/**
 * Streaming scoring: per asset, the latest good value of each sensor (a rolling window of one sample
 * per sensor — the failure models score the machine's current state). After each stored batch every
 * affected asset with a live deployment is scored once its model's inputs are all known; the score is
 * stored, published (SSE) and fed to the alert rules. Threshold and rate rules see every value.
 */
import type { ModelRecord, Reading, ReadingStore } from '../storage/store.js';
import type { AlertEngine } from './alerts.js';
import type { EventHub } from './events.js';
import type { Metrics } from './metrics.js';
import type { LoadedModel } from '../tasks/maintenance/artifact.js';
import { featureSensorId, scoreRows, type FeatureRow, type ModelCache } from './models.js';

/** How long a looked-up deployment is reused without asking the store again. */
export const DEPLOYMENT_TTL_MS = 1000;

/** A live deployment: the registry record and the loaded model. */
export interface Live {
  readonly rec: ModelRecord;
  readonly model: LoadedModel;
}

/** Scores assets as their readings arrive. */
export class ScoringEngine {
  private readonly latest = new Map<string, Map<string, { t: number; v: number }>>();
  /** Sensors that some threshold or rate rule watches: only their values go to the alert engine. */
  private readonly watched: ReadonlySet<string>;
  /** Live deployment per asset (null: none), cached for DEPLOYMENT_TTL_MS; see `invalidate`. */
  private readonly deployments = new Map<string, { at: number; value: Promise<Live | null> }>();

  constructor(
    private readonly store: ReadingStore,
    private readonly models: ModelCache,
    private readonly hub: EventHub,
    private readonly metrics: Metrics,
    private readonly alerts: AlertEngine | null,
  ) {
    metrics.counter('shopfloor_predictions_total', 'Streaming predictions made.');
    metrics.counter('shopfloor_scoring_errors_total', 'Streaming scoring attempts that failed.');
    this.watched = new Set((alerts?.rules ?? []).flatMap((r) => (r.kind === 'score' ? [] : [r.sensorId])));
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
  }
  private async loadDeployment(assetId: string): Promise<Live | null> {
    const dep = await this.store.currentDeployment(assetId);
    if (!dep) return null;
    const rec = await this.store.getModel(dep.modelId);
    if (!rec) return null;
    return { rec, model: await this.models.get(rec) };
  }

  /** The latest known values of an asset (sensor id → value). */
  latestValues(assetId: string): Record<string, number> {
    const m = this.latest.get(assetId);
    return m ? Object.fromEntries([...m].map(([k, x]) => [k, x.v])) : {};
  }

  /** Feed a stored batch. Never throws: a scoring failure is counted and the stream goes on. */
  async onReadings(readings: readonly Reading[]): Promise<void> {
    const touched = new Map<string, number>();
    for (const r of readings) {
      if (r.q === 'bad' || r.v === null) continue;
      let m = this.latest.get(r.assetId);
      if (!m) this.latest.set(r.assetId, (m = new Map()));
      const cur = m.get(r.sensorId);
      if (!cur || r.t >= cur.t) m.set(r.sensorId, { t: r.t, v: r.v });
      touched.set(r.assetId, Math.max(touched.get(r.assetId) ?? -Infinity, r.t));
      if (this.alerts && this.watched.has(r.sensorId)) await this.alerts.onValue(r.assetId, r.sensorId, r.t, r.v).catch(() => this.metrics.inc('shopfloor_scoring_errors_total'));
    }
    for (const [assetId, t] of touched) {
      try {
        await this.scoreAsset(assetId, t);
      } catch {
        this.metrics.inc('shopfloor_scoring_errors_total');
      }
    }
  }

  /** Score one asset from its latest values; null when no model is deployed or inputs are missing. */
  async scoreAsset(assetId: string, t: number): Promise<number | null> {
    const live = await this.deployment(assetId);
    if (!live) return null;
    const { rec, model } = live;
    const values = this.latest.get(assetId);
    const row: FeatureRow = {};
    for (const f of model.manifest.features) {
      const x = values?.get(featureSensorId(f.name));
      if (f.kind === 'numeric') {
        if (!x) return null; // not all inputs seen yet
        row[f.name] = x.v;
      } else row[f.name] = null; // categorical inputs are not streamed: encoded as unseen
    }
    const [s] = await scoreRows(model, [row]);
    if (!s) return null;
    const prediction = await this.store.insertPrediction({ assetId, modelId: rec.id, t, score: s.score, label: s.label });
    this.metrics.inc('shopfloor_predictions_total');
    this.hub.publish({ type: 'prediction', prediction });
    if (this.alerts) await this.alerts.onScore(assetId, t, s.score);
    return s.score;
  }
}
