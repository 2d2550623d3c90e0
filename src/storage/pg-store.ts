/**
 * The PostgreSQL `ReadingStore` (scale-out: several `serve` processes on one database). Same policies
 * as the SQLite store, checked by the same contract suite. Durability comes from PostgreSQL's own
 * commit (`synchronous_commit = on`, the default): a batch is acknowledged after COMMIT returned.
 */
import pg from 'pg';
import { ConfigError, NotFoundError } from '../core/errors.js';
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

/** Options of `PgStore.open`. */
export interface PgStoreOptions {
  /** Connection string, e.g. postgres://user@127.0.0.1:5432/shopfloor. */
  readonly connectionString: string;
  /** Schema to use (created if missing; default 'public'). */
  readonly schema?: string;
  /** Pool size (default 10). */
  readonly max?: number;
  /** Clock for createdAt fields (default Date.now). */
  readonly now?: () => number;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS assets (id TEXT PRIMARY KEY, site TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, created_at BIGINT NOT NULL);
CREATE TABLE IF NOT EXISTS sensors (asset_id TEXT NOT NULL REFERENCES assets(id), id TEXT NOT NULL, unit TEXT, description TEXT NOT NULL, PRIMARY KEY (asset_id, id));
CREATE TABLE IF NOT EXISTS readings (asset_id TEXT NOT NULL, sensor_id TEXT NOT NULL, t BIGINT NOT NULL, v DOUBLE PRECISION, q SMALLINT NOT NULL, PRIMARY KEY (asset_id, sensor_id, t));
CREATE INDEX IF NOT EXISTS readings_t ON readings (t);
CREATE TABLE IF NOT EXISTS predictions (id BIGSERIAL PRIMARY KEY, asset_id TEXT NOT NULL, model_id BIGINT NOT NULL, t BIGINT NOT NULL, score DOUBLE PRECISION NOT NULL, label TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS predictions_asset ON predictions (asset_id, t);
CREATE TABLE IF NOT EXISTS alerts (id BIGSERIAL PRIMARY KEY, asset_id TEXT NOT NULL, rule TEXT NOT NULL, severity TEXT NOT NULL, status TEXT NOT NULL, message TEXT NOT NULL, value DOUBLE PRECISION, dedup_key TEXT NOT NULL, raised_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, acknowledged_by TEXT, occurrences INTEGER NOT NULL DEFAULT 1);
CREATE INDEX IF NOT EXISTS alerts_dedup ON alerts (dedup_key, status);
CREATE TABLE IF NOT EXISTS models (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, version INTEGER NOT NULL, kind TEXT NOT NULL, dir TEXT NOT NULL, manifest JSONB NOT NULL, created_at BIGINT NOT NULL, UNIQUE (name, version));
CREATE TABLE IF NOT EXISTS deployments (id BIGSERIAL PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES assets(id), model_id BIGINT NOT NULL REFERENCES models(id), deployed_at BIGINT NOT NULL, deployed_by TEXT NOT NULL, rolled_back BOOLEAN NOT NULL DEFAULT FALSE);
CREATE TABLE IF NOT EXISTS maintenance (id BIGSERIAL PRIMARY KEY, asset_id TEXT NOT NULL REFERENCES assets(id), t BIGINT NOT NULL, kind TEXT NOT NULL, note TEXT, recorded_by TEXT NOT NULL, recorded_at BIGINT NOT NULL);
CREATE INDEX IF NOT EXISTS maintenance_asset ON maintenance (asset_id, t);
CREATE TABLE IF NOT EXISTS tokens (id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL, hash TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL, revoked BOOLEAN NOT NULL DEFAULT FALSE);
`;

const n = (x: unknown): number => Number(x);
const nn = (x: unknown): number | null => (x === null ? null : Number(x));
const toModel = (r: Row): ModelRecord => ({ id: n(r.id), name: String(r.name), version: n(r.version), kind: String(r.kind), dir: String(r.dir), manifest: r.manifest as Record<string, unknown>, createdAt: n(r.created_at) });
const toDeployment = (r: Row): Deployment => ({ id: n(r.id), assetId: String(r.asset_id), modelId: n(r.model_id), deployedAt: n(r.deployed_at), deployedBy: String(r.deployed_by), rolledBack: r.rolled_back === true });
const toToken = (r: Row): TokenRecord => ({ id: n(r.id), name: String(r.name), role: r.role as Role, createdAt: n(r.created_at), revoked: r.revoked === true });

/**
 * PostgreSQL implementation of `ReadingStore`.
 * @example const store = await PgStore.open({ connectionString: 'postgres://shopfloor@127.0.0.1/shopfloor' });
 */
export class PgStore implements ReadingStore {
  private constructor(
    private readonly pool: pg.Pool,
    private readonly now: () => number,
  ) {}

  /** Connect and create the schema if needed. Throws ConfigError for a bad schema name. */
  static async open(o: PgStoreOptions): Promise<PgStore> {
    const schema = o.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) throw new ConfigError(`schema: expected a lower-case SQL identifier; got '${schema}'.`, { schema });
    const pool = new pg.Pool({ connectionString: o.connectionString, max: o.max ?? 10, options: `-c search_path=${schema}` });
    try {
      await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await pool.query(SCHEMA);
    } catch (e) {
      await pool.end();
      throw e;
    }
    return new PgStore(pool, o.now ?? Date.now);
  }

  private async rows(sql: string, args: unknown[] = []): Promise<Row[]> {
    return (await this.pool.query(sql, args)).rows as Row[];
  }
  private async tx<T>(f: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const c = await this.pool.connect();
    try {
      await c.query('BEGIN');
      const v = await f(c);
      await c.query('COMMIT');
      return v;
    } catch (e) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw e;
    } finally {
      c.release();
    }
  }

  async upsertAsset(a: Omit<Asset, 'createdAt'>): Promise<Asset> {
    const [r] = await this.rows(
      'INSERT INTO assets (id, site, type, name, created_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO UPDATE SET site = EXCLUDED.site, type = EXCLUDED.type, name = EXCLUDED.name RETURNING *',
      [a.id, a.site, a.type, a.name, this.now()],
    );
    return toAsset(r as Row);
  }
  async getAsset(id: string): Promise<Asset | null> {
    const [r] = await this.rows('SELECT * FROM assets WHERE id = $1', [id]);
    return r ? toAsset(r) : null;
  }
  async listAssets(): Promise<Asset[]> {
    return (await this.rows('SELECT * FROM assets ORDER BY id')).map(toAsset);
  }
  async upsertSensor(s: Sensor): Promise<Sensor> {
    if (!(await this.getAsset(s.assetId))) throw new NotFoundError(`Unknown asset '${s.assetId}': create it first (PUT /assets/${s.assetId}).`, { assetId: s.assetId });
    await this.rows('INSERT INTO sensors (asset_id, id, unit, description) VALUES ($1, $2, $3, $4) ON CONFLICT (asset_id, id) DO UPDATE SET unit = EXCLUDED.unit, description = EXCLUDED.description', [
      s.assetId,
      s.id,
      s.unit,
      s.description,
    ]);
    return { ...s };
  }
  async listSensors(assetId: string): Promise<Sensor[]> {
    return (await this.rows('SELECT * FROM sensors WHERE asset_id = $1 ORDER BY id', [assetId])).map(toSensor);
  }

  async insertReadings(readings: readonly Reading[]): Promise<InsertResult> {
    if (readings.length === 0) return { inserted: 0, duplicates: 0, duplicateIndexes: [] };
    return this.tx(async (c) => {
      const pairs = [...new Set(readings.map((r) => `${r.assetId}\u0000${r.sensorId}`))];
      const known = await c.query('SELECT asset_id, id FROM sensors WHERE (asset_id, id) IN (SELECT * FROM unnest($1::text[], $2::text[]))', [pairs.map((p) => p.split('\u0000')[0]), pairs.map((p) => p.split('\u0000')[1])]);
      const ok = new Set((known.rows as Row[]).map((r) => `${String(r.asset_id)}\u0000${String(r.id)}`));
      const bad = readings.findIndex((r) => !ok.has(`${r.assetId}\u0000${r.sensorId}`));
      if (bad >= 0) {
        const r = readings[bad] as Reading;
        throw new NotFoundError(`Reading ${bad}: unknown sensor '${r.sensorId}' of asset '${r.assetId}'; register it first (PUT /assets/${r.assetId}/sensors/${r.sensorId}).`, { index: bad, assetId: r.assetId, sensorId: r.sensorId });
      }
      const res = await c.query('INSERT INTO readings (asset_id, sensor_id, t, v, q) SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::float8[], $5::smallint[]) ON CONFLICT DO NOTHING RETURNING asset_id, sensor_id, t', [
        readings.map((r) => r.assetId),
        readings.map((r) => r.sensorId),
        readings.map((r) => r.t),
        readings.map((r) => r.v),
        readings.map((r) => qCode(r.q)),
      ]);
      // The first occurrence of a key in the batch is the one stored; later ones are duplicates.
      const fresh = new Set((res.rows as Row[]).map((r) => `${String(r.asset_id)}\u0000${String(r.sensor_id)}\u0000${String(r.t)}`));
      const duplicateIndexes: number[] = [];
      readings.forEach((r, i) => {
        const k = `${r.assetId}\u0000${r.sensorId}\u0000${r.t}`;
        if (fresh.has(k)) fresh.delete(k);
        else duplicateIndexes.push(i);
      });
      const inserted = readings.length - duplicateIndexes.length;
      return { inserted, duplicates: duplicateIndexes.length, duplicateIndexes };
    });
  }
  async queryReadings(q: ReadingQuery): Promise<Reading[]> {
    const sql = q.latest
      ? 'SELECT t, v, q FROM (SELECT t, v, q FROM readings WHERE asset_id = $1 AND sensor_id = $2 AND t >= $3 AND t < $4 ORDER BY t DESC LIMIT $5) last ORDER BY t'
      : 'SELECT t, v, q FROM readings WHERE asset_id = $1 AND sensor_id = $2 AND t >= $3 AND t < $4 ORDER BY t LIMIT $5';
    const rows = await this.rows(sql, [q.assetId, q.sensorId, q.from, q.to, q.limit ?? 10_000]);
    return rows.map((r) => ({ assetId: q.assetId, sensorId: q.sensorId, t: n(r.t), v: nn(r.v), q: qName(r.q) }));
  }
  async queryBuckets(q: ReadingQuery & { bucketMs: number }): Promise<ReadingBucket[]> {
    if (!(q.bucketMs > 0) || !Number.isInteger(q.bucketMs)) throw new ConfigError(`bucketMs: expected a positive integer; got ${q.bucketMs}.`, { bucketMs: q.bucketMs });
    const rows = await this.rows(
      `SELECT (t - $3::bigint) / $5::bigint AS k, MIN(v) FILTER (WHERE q < 2) AS mn, MAX(v) FILTER (WHERE q < 2) AS mx, AVG(v) FILTER (WHERE q < 2) AS av, COUNT(*) AS n, MAX(q) AS worst
       FROM readings WHERE asset_id = $1 AND sensor_id = $2 AND t >= $3 AND t < $4 GROUP BY k ORDER BY k LIMIT $6`,
      [q.assetId, q.sensorId, q.from, q.to, q.bucketMs, q.limit ?? 10_000],
    );
    return rows.map((r) => ({ t: q.from + n(r.k) * q.bucketMs, min: nn(r.mn), max: nn(r.mx), avg: nn(r.av), count: n(r.n), q: n(r.worst) === 0 ? 'good' : 'uncertain' }));
  }
  async countReadings(assetId?: string): Promise<number> {
    const [r] = assetId === undefined ? await this.rows('SELECT COUNT(*) AS c FROM readings') : await this.rows('SELECT COUNT(*) AS c FROM readings WHERE asset_id = $1', [assetId]);
    return n(r?.c);
  }
  async deleteReadingsBefore(before: number): Promise<number> {
    return (await this.pool.query('DELETE FROM readings WHERE t < $1', [before])).rowCount ?? 0;
  }

  async insertPrediction(p: Omit<Prediction, 'id'>): Promise<Prediction> {
    const [r] = await this.rows('INSERT INTO predictions (asset_id, model_id, t, score, label) VALUES ($1, $2, $3, $4, $5) RETURNING id', [p.assetId, p.modelId, p.t, p.score, p.label]);
    return { id: n(r?.id), ...p };
  }
  async listPredictions(assetId: string, limit = 100): Promise<Prediction[]> {
    const rows = await this.rows('SELECT * FROM predictions WHERE asset_id = $1 ORDER BY t DESC, id DESC LIMIT $2', [assetId, limit]);
    return rows.map((r) => ({ id: n(r.id), assetId: String(r.asset_id), modelId: n(r.model_id), t: n(r.t), score: n(r.score), label: String(r.label) }));
  }

  async raiseAlert(a: { assetId: string; rule: string; severity: AlertSeverity; message: string; value: number | null; dedupKey: string; t: number }): Promise<{ alert: Alert; created: boolean }> {
    return this.tx(async (c) => {
      // Serialise raisers of the same key (several serve processes) for the rest of the transaction.
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [a.dedupKey]);
      const open = (await c.query("SELECT * FROM alerts WHERE dedup_key = $1 AND status <> 'resolved' ORDER BY id DESC LIMIT 1", [a.dedupKey])).rows[0] as Row | undefined;
      if (open) {
        const r = (await c.query('UPDATE alerts SET occurrences = occurrences + 1, updated_at = $1, value = $2 WHERE id = $3 RETURNING *', [a.t, a.value, open.id])).rows[0] as Row;
        return { alert: toAlert(r), created: false };
      }
      const r = (
        await c.query("INSERT INTO alerts (asset_id, rule, severity, status, message, value, dedup_key, raised_at, updated_at) VALUES ($1, $2, $3, 'open', $4, $5, $6, $7, $7) RETURNING *", [
          a.assetId,
          a.rule,
          a.severity,
          a.message,
          a.value,
          a.dedupKey,
          a.t,
        ])
      ).rows[0] as Row;
      return { alert: toAlert(r), created: true };
    });
  }
  async getAlert(id: number): Promise<Alert | null> {
    const [r] = await this.rows('SELECT * FROM alerts WHERE id = $1', [id]);
    return r ? toAlert(r) : null;
  }
  async listAlerts(f: AlertFilter = {}): Promise<Alert[]> {
    const where: string[] = [];
    const args: unknown[] = [];
    for (const [col, v] of [
      ['asset_id', f.assetId],
      ['status', f.status],
      ['severity', f.severity],
      ['rule', f.rule],
    ] as const) {
      if (v === undefined) continue;
      args.push(v);
      where.push(`${col} = $${args.length}`);
    }
    args.push(f.limit ?? 100);
    return (await this.rows(`SELECT * FROM alerts ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY raised_at DESC, id DESC LIMIT $${args.length}`, args)).map(toAlert);
  }
  async setAlertStatus(id: number, status: 'acknowledged' | 'resolved', by: string, t: number): Promise<Alert> {
    const cur = await this.getAlert(id);
    if (!cur) throw new NotFoundError(`Unknown alert ${id}.`, { alertId: id });
    if (cur.status === 'resolved') return cur;
    const [r] =
      status === 'acknowledged'
        ? await this.rows("UPDATE alerts SET status = 'acknowledged', acknowledged_by = $1, updated_at = $2 WHERE id = $3 RETURNING *", [by, t, id])
        : await this.rows("UPDATE alerts SET status = 'resolved', updated_at = $1 WHERE id = $2 RETURNING *", [t, id]);
    return toAlert(r as Row);
  }

  async registerModel(m: { name: string; kind: string; dir: string; manifest: Record<string, unknown> }): Promise<ModelRecord> {
    return this.tx(async (c) => {
      await c.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`model:${m.name}`]);
      const r = (
        await c.query('INSERT INTO models (name, version, kind, dir, manifest, created_at) SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4, $5 FROM models WHERE name = $1 RETURNING *', [
          m.name,
          m.kind,
          m.dir,
          JSON.stringify(m.manifest),
          this.now(),
        ])
      ).rows[0] as Row;
      return toModel(r);
    });
  }
  async getModel(id: number): Promise<ModelRecord | null> {
    const [r] = await this.rows('SELECT * FROM models WHERE id = $1', [id]);
    return r ? toModel(r) : null;
  }
  async listModels(): Promise<ModelRecord[]> {
    return (await this.rows('SELECT * FROM models ORDER BY name, version')).map(toModel);
  }
  async deploy(assetId: string, modelId: number, by: string): Promise<Deployment> {
    if (!(await this.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
    if (!(await this.getModel(modelId))) throw new NotFoundError(`Unknown model ${modelId}: list registered models with GET /models.`, { modelId });
    const [r] = await this.rows('INSERT INTO deployments (asset_id, model_id, deployed_at, deployed_by) VALUES ($1, $2, $3, $4) RETURNING *', [assetId, modelId, this.now(), by]);
    return toDeployment(r as Row);
  }
  async currentDeployment(assetId: string): Promise<Deployment | null> {
    const [r] = await this.rows('SELECT * FROM deployments WHERE asset_id = $1 AND NOT rolled_back ORDER BY id DESC LIMIT 1', [assetId]);
    return r ? toDeployment(r) : null;
  }
  async rollback(assetId: string): Promise<Deployment | null> {
    const cur = await this.currentDeployment(assetId);
    if (!cur) throw new NotFoundError(`Asset '${assetId}' has no live deployment to roll back.`, { assetId });
    await this.rows('UPDATE deployments SET rolled_back = TRUE WHERE id = $1', [cur.id]);
    return this.currentDeployment(assetId);
  }
  async deploymentHistory(assetId: string): Promise<Deployment[]> {
    return (await this.rows('SELECT * FROM deployments WHERE asset_id = $1 ORDER BY id DESC', [assetId])).map(toDeployment);
  }

  async recordMaintenance(e: { assetId: string; t: number; kind: MaintenanceKind; note: string | null; by: string }): Promise<MaintenanceEvent> {
    if (!(await this.getAsset(e.assetId))) throw new NotFoundError(`Unknown asset '${e.assetId}'.`, { assetId: e.assetId });
    const [r] = await this.rows('INSERT INTO maintenance (asset_id, t, kind, note, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING *', [e.assetId, e.t, e.kind, e.note, e.by, this.now()]);
    return toMaintenance(r as Row);
  }
  async listMaintenance(assetId: string, limit = 1000): Promise<MaintenanceEvent[]> {
    return (await this.rows('SELECT * FROM maintenance WHERE asset_id = $1 ORDER BY t DESC, id DESC LIMIT $2', [assetId, limit])).map(toMaintenance);
  }
  async lastRenewal(assetId: string, t = Number.MAX_SAFE_INTEGER): Promise<number | null> {
    const [r] = await this.rows("SELECT MAX(t) AS t FROM maintenance WHERE asset_id = $1 AND kind = 'renewal' AND t <= $2", [assetId, t]);
    return r?.t === null || r?.t === undefined ? null : n(r.t);
  }

  async createToken(name: string, role: Role): Promise<{ token: string; record: TokenRecord }> {
    const token = generateToken();
    const [r] = await this.rows('INSERT INTO tokens (name, role, hash, created_at) VALUES ($1, $2, $3, $4) RETURNING *', [name, role, hashToken(token), this.now()]);
    return { token, record: toToken(r as Row) };
  }
  async verifyToken(token: string): Promise<TokenRecord | null> {
    const [r] = await this.rows('SELECT * FROM tokens WHERE hash = $1 AND NOT revoked', [hashToken(token)]);
    return r ? toToken(r) : null;
  }
  async revokeToken(id: number): Promise<void> {
    if (((await this.pool.query('UPDATE tokens SET revoked = TRUE WHERE id = $1', [id])).rowCount ?? 0) === 0) throw new NotFoundError(`Unknown token ${id}.`, { tokenId: id });
  }
  async listTokens(): Promise<TokenRecord[]> {
    return (await this.rows('SELECT * FROM tokens ORDER BY id')).map(toToken);
  }
  async close(): Promise<void> {
    await this.pool.end();
  }
}
