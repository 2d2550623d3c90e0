/**
 * Micro-benchmark of the ingest path without MQTT: `Ingestor.ingest` (store + scoring hooks) on a
 * SQLite file (WAL, synchronous = FULL) in batches, against raw better-sqlite3 (one prepared statement,
 * one transaction per batch). Run: `npx tsx bench/service/store-micro.ts [--readings 500000] [--batch 1000]`.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { createServiceCore } from '../../src/serve/core.js';
import type { Reading } from '../../src/storage/store.js';
import { flags, machineLoad } from './common.js';

const f = flags(process.argv.slice(2));
const N = Number(f.readings ?? 500_000);
const B = Number(f.batch ?? 1000);
const T0 = Date.UTC(2026, 0, 1);
const dir = mkdtempSync(path.join(os.tmpdir(), 'sf-micro-'));
const batch = (b: number): Reading[] =>
  Array.from({ length: B }, (_, i) => {
    const k = b * B + i;
    return { assetId: `a${k % 100}`, sensorId: `s${Math.floor(k / 100) % 10}`, t: T0 + Math.floor(k / 1000) * 10, v: k % 1000, q: 'good' as const };
  });

async function ours(direct = false): Promise<number> {
  const store = new SqliteStore({ file: path.join(dir, 'ours.db') });
  for (let a = 0; a < 100; a++) {
    await store.upsertAsset({ id: `a${a}`, site: 'b', type: 'b', name: 'b' });
    for (let s = 0; s < 10; s++) await store.upsertSensor({ assetId: `a${a}`, id: `s${s}`, unit: null, description: '' });
  }
  const core = createServiceCore(store);
  const t0 = performance.now();
  for (let b = 0; b < N / B; b++) await (direct ? store.insertReadings(batch(b)) : core.ingestor.ingest(batch(b), 'mqtt'));
  const s = (performance.now() - t0) / 1000;
  await store.close();
  return N / s;
}
function raw(): number {
  const db = new Database(path.join(dir, 'raw.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.exec('CREATE TABLE readings (asset_id TEXT NOT NULL, sensor_id TEXT NOT NULL, t INTEGER NOT NULL, v REAL, q INTEGER NOT NULL, PRIMARY KEY (asset_id, sensor_id, t)) WITHOUT ROWID; CREATE INDEX readings_t ON readings (t);');
  const ins = db.prepare('INSERT OR IGNORE INTO readings (asset_id, sensor_id, t, v, q) VALUES (?, ?, ?, ?, 0)');
  const tx = db.transaction((rs: Reading[]) => {
    for (const r of rs) ins.run(r.assetId, r.sensorId, r.t, r.v);
  });
  const t0 = performance.now();
  for (let b = 0; b < N / B; b++) tx(batch(b));
  const s = (performance.now() - t0) / 1000;
  db.close();
  return N / s;
}
console.log(`load ${machineLoad().loadavg.join(' ')}`);
for (let rep = 0; rep < Number(f.reps ?? 2); rep++) {
  const r = raw();
  const o = await ours();
  for (const s of ['', '-wal', '-shm']) rmSync(path.join(dir, 'ours.db' + s), { force: true });
  const d = await ours(true);
  console.log(`raw ${Math.round(r)}/s  store ${Math.round(d)}/s  ingestor ${Math.round(o)}/s  ratio ingestor/raw ${(o / r).toFixed(2)}`);
  for (const x of ['raw.db', 'ours.db']) for (const s of ['', '-wal', '-shm']) rmSync(path.join(dir, x + s), { force: true });
}
rmSync(dir, { recursive: true, force: true });
