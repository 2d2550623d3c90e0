/**
 * The baseline of the ingestion benchmark: a minimal mqtt.js subscriber on mosquitto writing the
 * same rows into the same SQLite table (WAL, synchronous = FULL) with one prepared statement in
 * batched transactions (flush at 1,000 messages or every 5 ms). It parses both payload styles but
 * validates nothing and acknowledges on receipt (mqtt.js default), i.e. before the row is durable —
 * less work and a weaker guarantee than the service, so it is the floor to compare against.
 * IPC like ingest-server.ts.
 */
import Database from 'better-sqlite3';
import mqtt from 'mqtt';
import { ingestChildIpc, type IngestChildArgs } from './common.js';

const a = JSON.parse(process.argv[2] as string) as IngestChildArgs & { mqttUrl: string };

const db = new Database(a.db);
db.pragma('journal_mode = WAL');
db.pragma('synchronous = FULL');
db.exec(`CREATE TABLE IF NOT EXISTS readings (asset_id TEXT NOT NULL, sensor_id TEXT NOT NULL, t INTEGER NOT NULL, v REAL, q INTEGER NOT NULL, PRIMARY KEY (asset_id, sensor_id, t)) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS readings_t ON readings (t);`);
const insert = db.prepare('INSERT OR IGNORE INTO readings (asset_id, sensor_id, t, v, q) VALUES (?, ?, ?, ?, 0)');
type Row = [string, string, number, number];
let buf: Row[] = [];
let stored = 0;
const flushRows = db.transaction((rows: Row[]) => {
  for (const r of rows) stored += insert.run(r[0], r[1], r[2], r[3]).changes;
});
const flush = (): void => {
  if (!buf.length) return;
  const rows = buf;
  buf = [];
  flushRows(rows);
};
setInterval(flush, 5);

const client = await mqtt.connectAsync(a.mqttUrl, { clientId: `baseline-${process.pid}`, clean: false, reconnectPeriod: 1000 });
client.on('message', (topic, payload) => {
  const p = topic.split('/');
  const body = JSON.parse(payload.toString()) as Record<string, number>;
  if (p.length === 4) buf.push([p[2] as string, p[3] as string, body.t as number, body.v as number]);
  else for (const k in body) if (k !== 't') buf.push([p[2] as string, k, body.t as number, body[k] as number]);
  if (buf.length >= 1000) flush();
});
await client.subscribeAsync(['shopfloor/+/+', 'shopfloor/+/+/+'], { qos: 1 });

void ingestChildIpc(
  { mqttUrl: a.mqttUrl },
  () => ({ ingested: stored, rejected: 0 }),
  async () => {
    await client.endAsync();
    flush();
    db.close();
  },
).then(() => process.exit(0));
