/**
 * The storage interface of the live service (`shopfloor serve`): assets and their sensors, readings
 * with OPC UA-style quality, predictions, alerts, the model registry with per-asset deployments, and
 * API tokens. Every implementation (SQLite now, PostgreSQL later) passes the same contract suite in
 * `test/contract/store.contract.ts`, so the interface is asynchronous even where SQLite is not.
 *
 * Policies every implementation keeps (the contract suite checks each):
 * - Time is epoch milliseconds (integers).
 * - A reading is keyed by (asset, sensor, t). A second reading with the same key is **idempotent**:
 *   the first write wins and the duplicate is counted, not stored and not an error. MQTT QoS 1 is
 *   at-least-once, so redelivered messages must be harmless.
 * - Out-of-order readings are accepted; queries always return ascending time.
 * - A batch is one transaction: all of it is stored or none of it.
 * - Aggregates (downsampling) skip `bad` samples; a bucket with any non-good sample is `uncertain`.
 */

/** OPC UA-style data quality of a reading (Good / Uncertain / Bad status code families). */
export type Quality = 'good' | 'uncertain' | 'bad';
/** All qualities, in order of their stored codes (0, 1, 2). */
export const QUALITIES: readonly Quality[] = ['good', 'uncertain', 'bad'];

/** A machine on the floor. `id` is unique across sites; it is also the MQTT topic level. */
export interface Asset {
  readonly id: string;
  readonly site: string;
  readonly type: string;
  readonly name: string;
  readonly createdAt: number;
}

/** One measured quantity of an asset. */
export interface Sensor {
  readonly assetId: string;
  readonly id: string;
  readonly unit: string | null;
  readonly description: string;
}

/** One sample. `v` is null only for a `bad` reading that carried no usable value. */
export interface Reading {
  readonly assetId: string;
  readonly sensorId: string;
  readonly t: number;
  readonly v: number | null;
  readonly q: Quality;
}

/** What a batch insert did: stored readings and ignored duplicates (same asset, sensor, t). */
export interface InsertResult {
  readonly inserted: number;
  readonly duplicates: number;
  /** Indexes (into the batch) of the readings not stored because they were duplicates, ascending. */
  readonly duplicateIndexes: readonly number[];
}

/** Range query. Without `bucketMs` raw readings come back; with it, one row per bucket. */
export interface ReadingQuery {
  readonly assetId: string;
  readonly sensorId: string;
  /** Inclusive start (epoch ms). */
  readonly from: number;
  /** Exclusive end (epoch ms). */
  readonly to: number;
  /** Bucket width for downsampling, ms. Buckets start at `from`. */
  readonly bucketMs?: number;
  /** At most this many rows (default 10,000). */
  readonly limit?: number;
  /** Raw readings only: the last `limit` readings of the range instead of the first (still ascending). */
  readonly latest?: boolean;
}

/** One downsampled bucket. Aggregates skip bad samples; `min/max/avg` are null when all were bad. */
export interface ReadingBucket {
  readonly t: number;
  readonly min: number | null;
  readonly max: number | null;
  readonly avg: number | null;
  /** Samples in the bucket, bad ones included. */
  readonly count: number;
  readonly q: Quality;
}

/** A stored model score. */
export interface Prediction {
  readonly id: number;
  readonly assetId: string;
  readonly modelId: number;
  readonly t: number;
  readonly score: number;
  readonly label: string;
}

export type AlertStatus = 'open' | 'acknowledged' | 'resolved';
export type AlertSeverity = 'info' | 'warning' | 'critical';

/** A raised alert. `dedupKey` identifies "the same problem": one open alert per key. */
export interface Alert {
  readonly id: number;
  readonly assetId: string;
  readonly rule: string;
  readonly severity: AlertSeverity;
  readonly status: AlertStatus;
  readonly message: string;
  readonly value: number | null;
  readonly dedupKey: string;
  readonly raisedAt: number;
  readonly updatedAt: number;
  readonly acknowledgedBy: string | null;
  /** How many times the condition fired again while this alert was not resolved. */
  readonly occurrences: number;
}

/** Filter for `listAlerts`; every field optional. Newest first. */
export interface AlertFilter {
  readonly assetId?: string;
  readonly status?: AlertStatus;
  readonly severity?: AlertSeverity;
  readonly rule?: string;
  readonly limit?: number;
}

/** A registered model version. `manifest` is the parsed shopfloor-model.json. */
export interface ModelRecord {
  readonly id: number;
  readonly name: string;
  readonly version: number;
  readonly kind: string;
  readonly dir: string;
  readonly manifest: Record<string, unknown>;
  readonly createdAt: number;
}

/** One deployment of a model to an asset. The newest not-rolled-back one is live. */
export interface Deployment {
  readonly id: number;
  readonly assetId: string;
  readonly modelId: number;
  readonly deployedAt: number;
  readonly deployedBy: string;
  readonly rolledBack: boolean;
}

/**
 * Kinds of maintenance record. A `renewal` (the machine or the monitored component replaced or
 * overhauled to as good as new) starts a new life: RUL models count an asset's life from its latest
 * renewal. The other kinds are recorded for people and for later labelling; they change no state.
 */
export type MaintenanceKind = 'renewal' | 'repair' | 'inspection' | 'failure';
export const MAINTENANCE_KINDS: readonly MaintenanceKind[] = ['renewal', 'repair', 'inspection', 'failure'];

/** One maintenance record of an asset: what was done (`kind`) at time `t`, and who recorded it when. */
export interface MaintenanceEvent {
  readonly id: number;
  readonly assetId: string;
  /** When the work was done (epoch ms). */
  readonly t: number;
  readonly kind: MaintenanceKind;
  readonly note: string | null;
  readonly recordedBy: string;
  readonly recordedAt: number;
}

export type Role = 'viewer' | 'operator' | 'admin';
/** Roles in increasing order of power. */
export const ROLES: readonly Role[] = ['viewer', 'operator', 'admin'];

/** A stored API token. The plaintext is never stored, only its sha256. */
export interface TokenRecord {
  readonly id: number;
  readonly name: string;
  readonly role: Role;
  readonly createdAt: number;
  readonly revoked: boolean;
}

/** The storage of the live service. See the module comment for the policies. */
export interface ReadingStore {
  /** Create or update an asset (idempotent PUT semantics). */
  upsertAsset(a: Omit<Asset, 'createdAt'>): Promise<Asset>;
  getAsset(id: string): Promise<Asset | null>;
  listAssets(): Promise<Asset[]>;
  /** Create or update a sensor. Throws NotFoundError for an unknown asset. */
  upsertSensor(s: Sensor): Promise<Sensor>;
  listSensors(assetId: string): Promise<Sensor[]>;

  /**
   * Store readings in one transaction. Throws NotFoundError (nothing stored) when any reading names an
   * unknown asset or sensor; duplicates are ignored and counted.
   */
  insertReadings(readings: readonly Reading[]): Promise<InsertResult>;
  /** Raw readings in [from, to), ascending. */
  queryReadings(q: ReadingQuery & { bucketMs?: undefined }): Promise<Reading[]>;
  /** Downsampled buckets in [from, to), ascending; empty buckets are omitted. */
  queryBuckets(q: ReadingQuery & { bucketMs: number }): Promise<ReadingBucket[]>;
  /** Number of stored readings (for one asset, or all). */
  countReadings(assetId?: string): Promise<number>;
  /** Delete readings older than `before` (retention). Returns how many were deleted. */
  deleteReadingsBefore(before: number): Promise<number>;

  insertPrediction(p: Omit<Prediction, 'id'>): Promise<Prediction>;
  listPredictions(assetId: string, limit?: number): Promise<Prediction[]>;

  /**
   * Raise an alert, de-duplicated by `dedupKey`: if an alert with that key is open or acknowledged,
   * its `occurrences` grows and it is returned with `created: false`.
   */
  raiseAlert(a: { assetId: string; rule: string; severity: AlertSeverity; message: string; value: number | null; dedupKey: string; t: number }): Promise<{ alert: Alert; created: boolean }>;
  getAlert(id: number): Promise<Alert | null>;
  listAlerts(f?: AlertFilter): Promise<Alert[]>;
  /** Move an alert to acknowledged or resolved. Throws NotFoundError; resolving twice is a no-op. */
  setAlertStatus(id: number, status: 'acknowledged' | 'resolved', by: string, t: number): Promise<Alert>;

  /** Register a model directory under `name`; the version is the next integer for that name. */
  registerModel(m: { name: string; kind: string; dir: string; manifest: Record<string, unknown> }): Promise<ModelRecord>;
  getModel(id: number): Promise<ModelRecord | null>;
  listModels(): Promise<ModelRecord[]>;
  /** Deploy a model to an asset (it becomes live). Throws NotFoundError for unknown asset or model. */
  deploy(assetId: string, modelId: number, by: string): Promise<Deployment>;
  /** The live deployment of an asset, or null. */
  currentDeployment(assetId: string): Promise<Deployment | null>;
  /** Mark the live deployment rolled back; the previous one becomes live. Returns it (null: none left). */
  rollback(assetId: string): Promise<Deployment | null>;
  deploymentHistory(assetId: string): Promise<Deployment[]>;

  /** Record maintenance done on an asset. Throws NotFoundError for an unknown asset. */
  recordMaintenance(e: { assetId: string; t: number; kind: MaintenanceKind; note: string | null; by: string }): Promise<MaintenanceEvent>;
  /** An asset's maintenance records, newest first (by `t`, then by id), at most `limit` (default 1,000). */
  listMaintenance(assetId: string, limit?: number): Promise<MaintenanceEvent[]>;
  /** Time of the asset's latest `renewal` at or before `t` (default: any), or null: where its current life starts. */
  lastRenewal(assetId: string, t?: number): Promise<number | null>;

  /** Create a token; returns the plaintext once. */
  createToken(name: string, role: Role): Promise<{ token: string; record: TokenRecord }>;
  /** The record of a valid, unrevoked token, or null. */
  verifyToken(token: string): Promise<TokenRecord | null>;
  revokeToken(id: number): Promise<void>;
  listTokens(): Promise<TokenRecord[]>;

  close(): Promise<void>;
}

/** Allowed ids for assets, sensors and sites: they are MQTT topic levels and URL path segments. */
export const ID_PATTERN = '^[A-Za-z0-9_.-]{1,64}$';
const ID_RE = new RegExp(ID_PATTERN);
/** True when `s` is a valid asset, sensor or site id. */
export function isValidId(s: string): boolean {
  return ID_RE.test(s);
}
