/**
 * Streaming scoring: per asset, the latest good value of each sensor (a rolling window of one sample
 * per sensor — the failure models score the machine's current state). After each stored batch every
 * affected asset with a live deployment is scored once its model's inputs are all known; the score is
 * stored, published (SSE) and fed to the alert rules. Threshold and rate rules see every value.
 */
import type { Reading, ReadingStore } from '../storage/store.js';
import type { AlertEngine } from './alerts.js';
import type { EventHub } from './events.js';
import type { Metrics } from './metrics.js';
import { featureSensorId, scoreRows, type FeatureRow, type ModelCache } from './models.js';

/** Scores assets as their readings arrive. */
export class ScoringEngine {
  private readonly latest = new Map<string, Map<string, { t: number; v: number }>>();

  constructor(
    private readonly store: ReadingStore,
    private readonly models: ModelCache,
    private readonly hub: EventHub,
    private readonly metrics: Metrics,
    private readonly alerts: AlertEngine | null,
  ) {
    metrics.counter('shopfloor_predictions_total', 'Streaming predictions made.');
    metrics.counter('shopfloor_scoring_errors_total', 'Streaming scoring attempts that failed.');
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
      if (this.alerts) await this.alerts.onValue(r.assetId, r.sensorId, r.t, r.v).catch(() => this.metrics.inc('shopfloor_scoring_errors_total'));
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
    const dep = await this.store.currentDeployment(assetId);
    if (!dep) return null;
    const rec = await this.store.getModel(dep.modelId);
    if (!rec) return null;
    const model = await this.models.get(rec);
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
