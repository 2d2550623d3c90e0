/**
 * The service core shared by every front end (HTTP, MQTT, demo): store, event hub, metrics, ingestion,
 * model cache, alert rules and streaming scoring, wired together once.
 */
import type { ReadingStore } from '../storage/store.js';
import { AlertEngine, type AlertRule } from './alerts.js';
import { EventHub } from './events.js';
import { Ingestor } from './ingest.js';
import { Metrics } from './metrics.js';
import { ModelCache } from './models.js';
import { ScoringEngine } from './scoring.js';

/** Everything the front ends need. */
export interface ServiceCore {
  readonly store: ReadingStore;
  readonly hub: EventHub;
  readonly metrics: Metrics;
  readonly ingestor: Ingestor;
  readonly models: ModelCache;
  readonly alerts: AlertEngine;
  readonly scoring: ScoringEngine;
  /** Clock (epoch ms). */
  readonly now: () => number;
}

/** Options of `createServiceCore`. */
export interface ServiceCoreOptions {
  /** Alert rules (default none). */
  readonly rules?: readonly AlertRule[];
  /** Clock (default Date.now). */
  readonly now?: () => number;
  /** RUL/anomaly row assembly: values within this many ms form one row (default 0: equal times). */
  readonly rowToleranceMs?: number;
  /** RUL/anomaly sample-and-hold: a missing sensor takes its latest value at most this many ms old (default 0: never). */
  readonly rowHoldMs?: number;
}

/**
 * Wire a service core around a store. Streaming scoring is attached to ingestion: every stored batch
 * is scored before `ingest` resolves, so tests can assert on predictions right after.
 * @throws ConfigError for an invalid alert rule.
 */
export function createServiceCore(store: ReadingStore, opts: ServiceCoreOptions = {}): ServiceCore {
  const hub = new EventHub();
  const metrics = new Metrics();
  const ingestor = new Ingestor(store, hub, metrics);
  const models = new ModelCache({
    ...(opts.rowToleranceMs !== undefined ? { rowToleranceMs: opts.rowToleranceMs } : {}),
    ...(opts.rowHoldMs !== undefined ? { rowHoldMs: opts.rowHoldMs } : {}),
  });
  const alerts = new AlertEngine(store, hub, opts.rules ?? []);
  const scoring = new ScoringEngine(store, models, hub, metrics, alerts);
  ingestor.onReadings((rs) => scoring.onReadings(rs));
  metrics.gauge('shopfloor_event_subscribers', 'Connected event subscribers (SSE clients and sinks).', () => hub.subscribers);
  return { store, hub, metrics, ingestor, models, alerts, scoring, now: opts.now ?? Date.now };
}
