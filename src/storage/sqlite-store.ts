/**
 * The embedded SQLite `ReadingStore` (better-sqlite3 12.x).
 *
 * Durability: WAL journal with `synchronous = FULL` by default. The service acknowledges a reading
 * (HTTP 2xx, MQTT PUBACK) only after its transaction committed, and "acknowledged" must mean durable:
 * in WAL mode `NORMAL` survives a process crash (kill -9) but may lose the last commits on power loss,
 * while `FULL` fsyncs the WAL on every commit and survives both. Batching many readings per transaction
 * keeps the fsync cost per reading small. Pass `synchronous: 'NORMAL'` to trade that for speed.
 */
import Database from 'better-sqlite3';
import { NotFoundError, ConfigError } from '../core/errors.js';
import { generateToken, hashToken } from './tokens.js';
import {
  type Alert,
  type AlertFilter,
  type AlertSeverity,
  type Asset,
  type Deployment,
  type InsertResult,
  type MaintenanceEvent,
  type MaintenanceKind,
  type ModelRecord,
  type Prediction,
  type Reading,
  type ReadingBucket,
  type ReadingQuery,
  type ReadingStore,
  type Role,
  type Sensor,
  type TokenRecord,
} from './store.js';
import { qCode, qName, toAlert, toAsset, toMaintenance, toSensor, type Row } from './rows.js';

/** Options of `SqliteStore`. */
export interface SqliteStoreOptions {
  /** Database file, or ':memory:' (default). */
  readonly file?: string;
  /** SQLite synchronous pragma (default 'FULL': acknowledged = durable, see the module comment). */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Clock for createdAt fields (default Date.now); tests pass a fixed one. */
  readonly now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS assets (id TEXT PRIMARY KEY, site TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS sensors (asset_id TEXT NOT NULL REFERENCES assets(id), id TEXT NOT NULL, unit TEXT, description TEXT NOT NULL, PRIMARY KEY (asset_id, id));
CREATE TABLE IF NOT EXISTS readings (asset_id TEXT NOT NULL, sensor_id TEXT NOT NULL, t INTEGER NOT NULL, v REAL, q INTEGER NOT NULL, PRIMARY KEY (asset_id, sensor_id, t)) WITHOUT ROWID;
-- No index on t alone: every insert would maintain a second B-tree (about a third of the insert cost);
-- retention deletes per (asset, sensor) through the primary key instead. Dropped from older files.
DROP INDEX IF EXISTS readings_t;
CREATE TABLE IF NOT EXISTS predictions (id INTEGER PRIMARY KEY, asset_id TEXT NOT NULL, model_id INTEGER NOT NULL, t INTEGER NOT NULL, score REAL NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS predictions_asset ON predictions (asset_id, t);
CREATE TABLE IF NOT EXISTS alerts (id INTEGER PRIMARY KEY, asset_id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, value REAL, dedup_key TEXT NOT NULL, raised_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, acknowledged_by TEXT, occurrences INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS alerts_dedup ON alerts (dedup_key, status);
CREATE TABLE IF NOT EXISTS models (id INTEGER PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL, dir TEXT NOT NULL, manifest TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE (name, version));
CREATE TABLE IF NOT EXISTS deployments (id INTEGER PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES assets(id), model_id INTEGER NOT NULL REFERENCES models(id), deployed_at INTEGER NOT NULL, deployed_by TEXT NOT NULL, rolled_back INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS maintenance (id INTEGER PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES assets(id), t INTEGER NOT NULL, kind TEXT NOT NULL, note TEXT, recorded_by TEXT NOT NULL, recorded_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS maintenance_asset ON maintenance (asset_id, t);
CREATE TABLE IF NOT EXISTS tokens (id INTEGER PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);
`;

const toModel = (r: Row): ModelRecord => ({
  id: Number(r.id),
  name: String(r.name),
  version: Number(r.version),
  kind: String(r.kind),
  dir: String(r.dir),
  manifest: JSON.parse(String(r.manifest)) as Record<string, unknown>,
  createdAt: Number(r.created_at),
});
const toDeployment = (r: Row): Deployment => ({
  id: Number(r.id),
  assetId: String(r.asset_id),
  modelId: Number(r.model_id),
  deployedAt: Number(r.deployed_at),
  deployedBy: String(r.deployed_by),
  rolledBack: Number(r.rolled_back) === 1,
});
const toToken = (r: Row): TokenRecord => ({ id: Number(r.id), name: String(r.name), role: r.role as Role, createdAt: Number(r.created_at), revoked: Number(r.revoked) === 1 });

/**
 * SQLite implementation of `ReadingStore`.
 * @example
 * const store = new SqliteStore({ file: 'shopfloor.db' });
 * await store.upsertAsset({ id: 'mill-1', site: 'plant-a', type: 'milling', name: 'Mill 1' });
 */
export class SqliteStore implements ReadingStore {
  private readonly db: Database.Database;
  private readonly now: () => number;
  private readonly sensorKnown: Database.Statement;
  private readonly insertReading: Database.Statement;
  /**
   * (asset, sensor) pairs known to exist. Only positive answers are cached: sensors are never deleted
   * (the interface has no such method), so a cached pair stays valid even with other writers.
   */
  private readonly knownSensors = new Map<string, Set<string>>();
  private readonly statements = new Map<string, Database.Statement>();
  private readonly insertBatch: (rs: readonly Reading[], codes: Uint8Array) => InsertResult;

  constructor(opts: SqliteStoreOptions = {}) {
    this.db = new Database(opts.file ?? ':memory:');
    this.now = opts.now ?? Date.now;
    this.db.pragma('journal_mode = WAL');
    this.db.pragma(`synchronous = ${opts.synchronous ?? 'FULL'}`);
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    // A 32 MiB page cache (default 2 MiB) keeps the hot leaf pages of many series in memory during ingestion.
    this.db.pragma('cache_size = -32768');
    this.db.exec(SCHEMA);
    this.sensorKnown = this.db.prepare('SELECT 1 FROM sensors WHERE asset_id = ? AND id = ?').pluck();
    this.insertReading = this.db.prepare('INSERT OR IGNORE INTO readings (asset_id, sensor_id, t, v, q) VALUES (?, ?, ?, ?, ?)');
    this.insertBatch = this.db.transaction((rs: readonly Reading[], codes: Uint8Array): InsertResult => {
      const duplicateIndexes: number[] = [];
      for (let i = 0; i < rs.length; i++) {
        const r = rs[i] as Reading;
        if (this.insertReading.run(r.assetId, r.sensorId, r.t, r.v, codes[i]).changes === 0) duplicateIndexes.push(i);
      }
      return { inserted: rs.length - duplicateIndexes.length, duplicates: duplicateIndexes.length, duplicateIndexes };
    });
  }

  /** A prepared statement for `sql`, prepared once and reused (preparing costs more than a point query). */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) this.statements.set(sql, (st = this.db.prepare(sql)));
    return st;
  }

  async upsertAsset(a: Omit<Asset, 'createdAt'>): Promise<Asset> {
    this
      .stmt('INSERT INTO assets (id, site, type, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET site = excluded.site, type = excluded.type, name = excluded.name')
      .run(a.id, a.site, a.type, a.name, this.now());
    return (await this.getAsset(a.id)) as Asset;
  }
  async getAsset(id: string): Promise<Asset | null> {
    const r = this.stmt('SELECT * FROM assets WHERE id = ?').get(id) as Row | undefined;
    return r ? toAsset(r) : null;
  }
  async listAssets(): Promise<Asset[]> {
    return (this.stmt('SELECT * FROM assets ORDER BY id').all() as Row[]).map(toAsset);
  }
  async upsertSensor(s: Sensor): Promise<Sensor> {
    if (!(await this.getAsset(s.assetId))) throw new NotFoundError(`Unknown asset '${s.assetId}': create it first (PUT /assets/${s.assetId}).`, { assetId: s.assetId });
    this
      .stmt('INSERT INTO sensors (asset_id, id, unit, description) VALUES (?, ?, ?, ?) ON CONFLICT (asset_id, id) DO UPDATE SET unit = excluded.unit, description = excluded.description')
      .run(s.assetId, s.id, s.unit, s.description);
    return { ...s };
  }
  async listSensors(assetId: string): Promise<Sensor[]> {
    return (this.stmt('SELECT * FROM sensors WHERE asset_id = ? ORDER BY id').all(assetId) as Row[]).map(toSensor);
  }

  async insertReadings(readings: readonly Reading[]): Promise<InsertResult> {
    // Check every reading before writing any (the first unknown sensor is reported, nothing stored).
    const codes = new Uint8Array(readings.length);
    for (let i = 0; i < readings.length; i++) {
      const r = readings[i] as Reading;
      codes[i] = qCode(r.q);
      let known = this.knownSensors.get(r.assetId);
      if (known?.has(r.sensorId)) continue;
      if (!this.sensorKnown.get(r.assetId, r.sensorId)) {
        throw new NotFoundError(`Reading ${i}: unknown sensor '${r.sensorId}' of asset '${r.assetId}'; register it first (PUT /assets/${r.assetId}/sensors/${r.sensorId}).`, {
          index: i,
          assetId: r.assetId,
          sensorId: r.sensorId,
        });
      }
      if (!known) this.knownSensors.set(r.assetId, (known = new Set()));
      known.add(r.sensorId);
    }
    return this.insertBatch(readings, codes);
  }

  async queryReadings(q: ReadingQuery): Promise<Reading[]> {
    const sql = q.latest
      ? 'SELECT t, v, q FROM (SELECT t, v, q FROM readings WHERE asset_id = ? AND sensor_id = ? AND t >= ? AND t < ? ORDER BY t DESC LIMIT ?) ORDER BY t'
      : 'SELECT t, v, q FROM readings WHERE asset_id = ? AND sensor_id = ? AND t >= ? AND t < ? ORDER BY t LIMIT ?';
    const rows = this.stmt(sql).all(q.assetId, q.sensorId, q.from, q.to, q.limit ?? 10_000) as Row[];
    return rows.map((r) => ({ assetId: q.assetId, sensorId: q.sensorId, t: Number(r.t), v: r.v === null ? null : Number(r.v), q: qName(r.q) }));
  }

  async queryBuckets(q: ReadingQuery & { bucketMs: number }): Promise<ReadingBucket[]> {
    if (!(q.bucketMs > 0) || !Number.isInteger(q.bucketMs)) throw new ConfigError(`bucketMs: expected a positive integer; got ${q.bucketMs}.`, { bucketMs: q.bucketMs });
    // Bad samples are counted but excluded from min/max/avg (OPC UA aggregates skip Bad values).
    const rows = this
      .stmt(
        `SELECT CAST((t - @from) / @b AS INTEGER) AS k, MIN(CASE WHEN q < 2 THEN v END) AS mn, MAX(CASE WHEN q < 2 THEN v END) AS mx, AVG(CASE WHEN q < 2 THEN v END) AS av, COUNT(*) AS n, MAX(q) AS worst
         FROM readings WHERE asset_id = @a AND sensor_id = @s AND t >= @from AND t < @to GROUP BY k ORDER BY k LIMIT @limit`,
      )
      .all({ a: q.assetId, s: q.sensorId, from: q.from, to: q.to, b: q.bucketMs, limit: q.limit ?? 10_000 }) as Row[];
    return rows.map((r) => ({
      t: q.from + Number(r.k) * q.bucketMs,
      min: r.mn === null ? null : Number(r.mn),
      max: r.mx === null ? null : Number(r.mx),
      avg: r.av === null ? null : Number(r.av),
      count: Number(r.n),
      q: Number(r.worst) === 0 ? 'good' : 'uncertain',
    }));
  }

  async countReadings(assetId?: string): Promise<number> {
    return Number(
      assetId === undefined
        ? this.stmt('SELECT COUNT(*) FROM readings').pluck().get()
        : this.stmt('SELECT COUNT(*) FROM readings WHERE asset_id = ?').pluck().get(assetId),
    );
  }
  async deleteReadingsBefore(before: number): Promise<number> {
    // Per series through the primary key (asset, sensor, t): there is no index on t alone.
    const pairs = this.stmt('SELECT asset_id, id FROM sensors').all() as Row[];
    const del = this.stmt('DELETE FROM readings WHERE asset_id = ? AND sensor_id = ? AND t < ?');
    return this.db.transaction(() => {
      let n = 0;
      for (const p of pairs) n += del.run(p.asset_id, p.id, before).changes;
      return n;
    })();
  }

  async insertPrediction(p: Omit<Prediction, 'id'>): Promise<Prediction> {
    const info = this.stmt('INSERT INTO predictions (asset_id, model_id, t, score, label) VALUES (?, ?, ?, ?, ?)').run(p.assetId, p.modelId, p.t, p.score, p.label);
    return { id: Number(info.lastInsertRowid), ...p };
  }
  async listPredictions(assetId: string, limit = 100): Promise<Prediction[]> {
    const rows = this.stmt('SELECT * FROM predictions WHERE asset_id = ? ORDER BY t DESC, id DESC LIMIT ?').all(assetId, limit) as Row[];
    return rows.map((r) => ({ id: Number(r.id), assetId: String(r.asset_id), modelId: Number(r.model_id), t: Number(r.t), score: Number(r.score), label: String(r.label) }));
  }

  async raiseAlert(a: { assetId: string; rule: string; severity: AlertSeverity; message: string; value: number | null; dedupKey: string; t: number }): Promise<{ alert: Alert; created: boolean }> {
    const tx = this.db.transaction(() => {
      const open = this.stmt("SELECT * FROM alerts WHERE dedup_key = ? AND status != 'resolved' ORDER BY id DESC LIMIT 1").get(a.dedupKey) as Row | undefined;
      if (open) {
        this.stmt('UPDATE alerts SET occurrences = occurrences + 1, updated_at = ?, value = ? WHERE id = ?').run(a.t, a.value, open.id);
        return { id: Number(open.id), created: false };
      }
      const info = this.db
        .prepare("INSERT INTO alerts (asset_id, rule, severity, status, message, value, dedup_key, raised_at, updated_at) VALUES (?, ?, ?, 'open', ?, ?, ?, ?, ?)")
        .run(a.assetId, a.rule, a.severity, a.message, a.value, a.dedupKey, a.t, a.t);
      return { id: Number(info.lastInsertRowid), created: true };
    });
    const { id, created } = tx();
    return { alert: (await this.getAlert(id)) as Alert, created };
  }
  async getAlert(id: number): Promise<Alert | null> {
    const r = this.stmt('SELECT * FROM alerts WHERE id = ?').get(id) as Row | undefined;
    return r ? toAlert(r) : null;
  }
  async listAlerts(f: AlertFilter = {}): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    if (f.assetId !== undefined) {
      where.push('asset_id = ?');
      args.push(f.assetId);
    }
    if (f.status !== undefined) {
      where.push('status = ?');
      args.push(f.status);
    }
    if (f.severity !== undefined) {
      where.push('severity = ?');
      args.push(f.severity);
    }
    if (f.rule !== undefined) {
      where.push('rule = ?');
      args.push(f.rule);
    }
    const sql = `SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, id DESC LIMIT ?`;
    return (this.stmt(sql).all(...args, f.limit ?? 100) as Row[]).map(toAlert);
  }
  async setAlertStatus(id: number, status: 'acknowledged' | 'resolved', by: string, t: number): Promise<Alert> {
    const cur = await this.getAlert(id);
    if (!cur) throw new NotFoundError(`Unknown alert ${id}.`, { alertId: id });
    if (cur.status === 'resolved') return cur;
    if (status === 'acknowledged') this.stmt("UPDATE alerts SET status = 'acknowledged', acknowledged_by = ?, updated_at = ? WHERE id = ?").run(by, t, id);
    else this.stmt("UPDATE alerts SET status = 'resolved', updated_at = ? WHERE id = ?").run(t, id);
    return (await this.getAlert(id)) as Alert;
  }

  async registerModel(m: { name: string; kind: string; dir: string; manifest: Record<string, unknown> }): Promise<ModelRecord> {
    const tx = this.db.transaction(() => {
      const v = Number(this.stmt('SELECT COALESCE(MAX(version), 0) FROM models WHERE name = ?').pluck().get(m.name)) + 1;
      return Number(
        this.stmt('INSERT INTO models (name, version, kind, dir, manifest, created_at) VALUES (?, ?, ?, ?, ?, ?)').run(m.name, v, m.kind, m.dir, JSON.stringify(m.manifest), this.now())
          .lastInsertRowid,
      );
    });
    return (await this.getModel(tx())) as ModelRecord;
  }
  async getModel(id: number): Promise<ModelRecord | null> {
    const r = this.stmt('SELECT * FROM models WHERE id = ?').get(id) as Row | undefined;
    return r ? toModel(r) : null;
  }
  async listModels(): Promise<ModelRecord[]> {
    return (this.stmt('SELECT * FROM models ORDER BY name, version').all() as Row[]).map(toModel);
  }
  async deploy(assetId: string, modelId: number, by: string): Promise<Deployment> {
    if (!(await this.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
    if (!(await this.getModel(modelId))) throw new NotFoundError(`Unknown model ${modelId}: list registered models with GET /models.`, { modelId });
    const info = this.stmt('INSERT INTO deployments (asset_id, model_id, deployed_at, deployed_by) VALUES (?, ?, ?, ?)').run(assetId, modelId, this.now(), by);
    return toDeployment(this.stmt('SELECT * FROM deployments WHERE id = ?').get(info.lastInsertRowid) as Row);
  }
  async currentDeployment(assetId: string): Promise<Deployment | null> {
    const r = this.stmt('SELECT * FROM deployments WHERE asset_id = ? AND rolled_back = 0 ORDER BY id DESC LIMIT 1').get(assetId) as Row | undefined;
    return r ? toDeployment(r) : null;
  }
  async rollback(assetId: string): Promise<Deployment | null> {
    const cur = await this.currentDeployment(assetId);
    if (!cur) throw new NotFoundError(`Asset '${assetId}' has no live deployment to roll back.`, { assetId });
    this.stmt('UPDATE deployments SET rolled_back = 1 WHERE id = ?').run(cur.id);
    return this.currentDeployment(assetId);
  }
  async deploymentHistory(assetId: string): Promise<Deployment[]> {
    return (this.stmt('SELECT * FROM deployments WHERE asset_id = ? ORDER BY id DESC').all(assetId) as Row[]).map(toDeployment);
  }

  async recordMaintenance(e: { assetId: string; t: number; kind: MaintenanceKind; note: string | null; by: string }): Promise<MaintenanceEvent> {
    if (!(await this.getAsset(e.assetId))) throw new NotFoundError(`Unknown asset '${e.assetId}'.`, { assetId: e.assetId });
    const info = this.stmt('INSERT INTO maintenance (asset_id, t, kind, note, recorded_by, recorded_at) VALUES (?, ?, ?, ?, ?, ?)').run(e.assetId, e.t, e.kind, e.note, e.by, this.now());
    return toMaintenance(this.stmt('SELECT * FROM maintenance WHERE id = ?').get(info.lastInsertRowid) as Row);
  }
  async listMaintenance(assetId: string, limit = 1000): Promise<MaintenanceEvent[]> {
    return (this.stmt('SELECT * FROM maintenance WHERE asset_id = ? ORDER BY t DESC, id DESC LIMIT ?').all(assetId, limit) as Row[]).map(toMaintenance);
  }
  async lastRenewal(assetId: string, t = Number.MAX_SAFE_INTEGER): Promise<number | null> {
    const v = this.stmt("SELECT MAX(t) FROM maintenance WHERE asset_id = ? AND kind = 'renewal' AND t <= ?").pluck().get(assetId, t) as number | bigint | null;
    return v === null || v === undefined ? null : Number(v);
  }

  async createToken(name: string, role: Role): Promise<{ token: string; record: TokenRecord }> {
    const token = generateToken();
    const info = this.stmt('INSERT INTO tokens (name, role, hash, created_at) VALUES (?, ?, ?, ?)').run(name, role, hashToken(token), this.now());
    return { token, record: toToken(this.stmt('SELECT * FROM tokens WHERE id = ?').get(info.lastInsertRowid) as Row) };
  }
  async verifyToken(token: string): Promise<TokenRecord | null> {
    const r = this.stmt('SELECT * FROM tokens WHERE hash = ? AND revoked = 0').get(hashToken(token)) as Row | undefined;
    return r ? toToken(r) : null;
  }
  async revokeToken(id: number): Promise<void> {
    if (this.stmt('UPDATE tokens SET revoked = 1 WHERE id = ?').run(id).changes === 0) throw new NotFoundError(`Unknown token ${id}.`, { tokenId: id });
  }
  async listTokens(): Promise<TokenRecord[]> {
    return (this.stmt('SELECT * FROM tokens ORDER BY id').all() as Row[]).map(toToken);
  }

  /** Raw access for tests and tools (e.g. checking that no plaintext token is stored). */
  get database(): Database.Database {
    return this.db;
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
