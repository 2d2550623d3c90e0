/**
 * Row → record conversions shared by the SQL stores (./sqlite-store.ts, ./pg-store.ts) where both
 * drivers hand back the same kind of values: text as strings, integers as numbers (SQLite) or numeric
 * strings (PostgreSQL BIGINT), hence `Number`. The conversions that differ stay in each store: model
 * manifests (SQLite TEXT holding JSON, PostgreSQL JSONB already parsed) and flags (SQLite INTEGER 0/1,
 * PostgreSQL BOOLEAN).
 */
import { ConfigError } from '../core/errors.js';
import { QUALITIES, type Alert, type AlertSeverity, type AlertStatus, type Asset, type MaintenanceEvent, type MaintenanceKind, type Quality, type Sensor } from './store.js';

/** One result row, column name → driver value. */
export type Row = Record<string, unknown>;

/** The stored code of a reading quality: its index in QUALITIES (written out: this runs once per reading). */
export function qCode(q: Quality): number {
  const i = q === 'good' ? 0 : q === 'uncertain' ? 1 : q === 'bad' ? 2 : -1;
  if (i < 0) throw new ConfigError(`quality: expected one of ${QUALITIES.join(', ')}; got '${String(q)}'.`, { value: q });
  return i;
}

/** The quality of a stored code ('bad' for an unknown one). */
export const qName = (c: unknown): Quality => QUALITIES[Number(c)] ?? 'bad';

export const toAsset = (r: Row): Asset => ({ id: String(r.id), site: String(r.site), type: String(r.type), name: String(r.name), createdAt: Number(r.created_at) });
export const toSensor = (r: Row): Sensor => ({ assetId: String(r.asset_id), id: String(r.id), unit: r.unit === null ? null : String(r.unit), description: String(r.description) });
export const toAlert = (r: Row): Alert => ({
  id: Number(r.id),
  assetId: String(r.asset_id),
  rule: String(r.rule),
  severity: r.severity as AlertSeverity,
  status: r.status as AlertStatus,
  message: String(r.message),
  value: r.value === null ? null : Number(r.value),
  dedupKey: String(r.dedup_key),
  raisedAt: Number(r.raised_at),
  updatedAt: Number(r.updated_at),
  acknowledgedBy: r.acknowledged_by === null ? null : String(r.acknowledged_by),
  occurrences: Number(r.occurrences),
});
export const toMaintenance = (r: Row): MaintenanceEvent => ({
  id: Number(r.id),
  assetId: String(r.asset_id),
  t: Number(r.t),
  kind: r.kind as MaintenanceKind,
  note: r.note === null ? null : String(r.note),
  recordedBy: String(r.recorded_by),
  recordedAt: Number(r.recorded_at),
});
