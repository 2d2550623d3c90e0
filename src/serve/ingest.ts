/**
 * The one ingestion path of the live service: HTTP batches and MQTT messages both end here. Readings
 * are validated, stored in one transaction, and only then announced (events, scoring) — so whatever a
 * caller acknowledges (HTTP 2xx, MQTT PUBACK) after `ingest` resolved is durable.
 *
 * Timestamp policy: `t` is epoch ms (integer) or an ISO 8601 string; out-of-order readings are
 * accepted; a duplicate (asset, sensor, t) is idempotent (first write wins, reported as a duplicate).
 */
import { DataError } from '../core/errors.js';
import { QUALITIES, type Quality, type Reading, type ReadingStore, type InsertResult } from '../storage/store.js';
import type { EventHub } from './events.js';
import type { Metrics } from './metrics.js';

/** Earliest and latest accepted timestamps (2000-01-01 .. 2100-01-01): anything else is a unit error. */
export const MIN_T = Date.UTC(2000, 0, 1);
export const MAX_T = Date.UTC(2100, 0, 1);

/**
 * Parse a timestamp given as epoch ms or ISO 8601. Throws DataError (SF_DATA_TYPE) with `where`.
 * @example parseTimestamp('2026-01-01T00:00:00Z', 'reading 0') // 1767225600000
 */
export function parseTimestamp(x: unknown, where: string): number {
  let t: number;
  if (typeof x === 'number') t = x;
  else if (typeof x === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(x)) t = Date.parse(x);
  else throw new DataError('SF_DATA_TYPE', `${where}: t must be epoch milliseconds or an ISO 8601 date-time; got ${JSON.stringify(x)}.`, { where, value: x });
  if (!Number.isInteger(t) || t < MIN_T || t >= MAX_T) {
    throw new DataError('SF_DATA_TYPE', `${where}: t ${JSON.stringify(x)} is not an integer epoch-ms time between 2000 and 2100 (seconds instead of milliseconds?).`, { where, value: x });
  }
  return t;
}

/**
 * Check one reading value: a finite number (or null with quality 'bad'). Strings such as "NaN" or
 * "Infinity" are refused: JSON cannot carry non-finite numbers, so they are never data.
 */
export function parseValue(v: unknown, q: Quality, where: string): number | null {
  if (v === null && q === 'bad') return null;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new DataError('SF_DATA_TYPE', `${where}: v must be a finite number${q === 'bad' ? ' or null' : ''}; got ${JSON.stringify(v) ?? String(v)}.`, { where, value: String(v) });
  }
  return v;
}

/** Parse an optional quality field (default 'good'). */
export function parseQuality(q: unknown, where: string): Quality {
  if (q === undefined) return 'good';
  if (typeof q === 'string' && (QUALITIES as readonly string[]).includes(q)) return q as Quality;
  throw new DataError('SF_DATA_TYPE', `${where}: q must be one of ${QUALITIES.join(', ')}; got ${JSON.stringify(q)}.`, { where, value: String(q) });
}

/** A listener told about readings after they were stored (e.g. streaming scoring). */
export type ReadingsListener = (readings: readonly Reading[]) => void | Promise<void>;

/** Validates, stores and announces readings. */
export class Ingestor {
  private readonly listeners: ReadingsListener[] = [];
  constructor(
    private readonly store: ReadingStore,
    private readonly hub: EventHub,
    private readonly metrics: Metrics,
  ) {
    metrics.counter('shopfloor_readings_ingested_total', 'Readings stored, by source.');
    metrics.counter('shopfloor_readings_duplicate_total', 'Readings ignored as duplicates (same asset, sensor, t).');
    metrics.counter('shopfloor_readings_rejected_total', 'Readings or messages rejected, by source.');
  }
  /** Call `fn` after each stored batch. */
  onReadings(fn: ReadingsListener): void {
    this.listeners.push(fn);
  }
  /** Store readings (one transaction) then announce them. Rejects with the store's errors. */
  async ingest(readings: readonly Reading[], source: 'http' | 'mqtt' | 'opcua' | 'demo'): Promise<InsertResult> {
    let res: InsertResult;
    try {
      res = await this.store.insertReadings(readings);
    } catch (e) {
      this.rejected(source, readings.length);
      throw e;
    }
    this.metrics.inc('shopfloor_readings_ingested_total', { source }, res.inserted);
    if (res.duplicates) this.metrics.inc('shopfloor_readings_duplicate_total', {}, res.duplicates);
    // Only newly stored readings go on: a redelivered duplicate must not move alert state or scores.
    const skip = new Set(res.duplicateIndexes);
    const fresh = skip.size ? readings.filter((_, i) => !skip.has(i)) : readings;
    const perAsset = new Map<string, { count: number; t: number }>();
    for (const r of fresh) {
      const a = perAsset.get(r.assetId) ?? { count: 0, t: r.t };
      a.count++;
      a.t = Math.max(a.t, r.t);
      perAsset.set(r.assetId, a);
    }
    for (const [assetId, a] of perAsset) this.hub.publish({ type: 'readings', assetId, count: a.count, t: a.t });
    if (fresh.length) for (const fn of this.listeners) await fn(fresh);
    return res;
  }
  /** Count a rejection (bad message) from `source`. */
  rejected(source: string, n = 1): void {
    this.metrics.inc('shopfloor_readings_rejected_total', { source }, n);
  }
}
