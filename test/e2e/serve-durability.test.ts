/**
 * Kill -9 during ingestion loses no acknowledged reading: the service runs as a child process,
 * readings go in over MQTT QoS 1 and HTTP, the child is SIGKILLed mid-stream, and every reading that
 * was acknowledged (PUBACK / HTTP 2xx) must be in the database when it is opened again.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import mqtt from 'mqtt';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = mkdtempSync(path.join(tmpdir(), 'sf-kill-'));
const db = path.join(dir, 'db.sqlite');
const T0 = Date.UTC(2026, 0, 1);
let child: ChildProcess | null = null;
afterAll(() => {
  child?.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

function startChild(): Promise<{ url: string; mqttUrl: string; adminToken: string }> {
  const server = path.join(root, 'src/serve/server.ts');
  const code = `import { startService } from ${JSON.stringify(server)};
const s = await startService({ port: 0, mqttPort: 0, dbFile: ${JSON.stringify(db)}, mqttPassword: 'pw' });
console.log(JSON.stringify({ url: s.url, mqttUrl: s.mqttUrl, adminToken: s.adminToken }));`;
  child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child!.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { url: string; mqttUrl: string; adminToken: string });
    });
    child!.stderr!.on('data', (c: Buffer) => (err += c.toString()));
    child!.once('exit', (c) => reject(new Error(`server exited ${c}: ${err}`)));
  });
}

describe('durability', () => {
  it('keeps every acknowledged reading across kill -9', async () => {
    const setup = new SqliteStore({ file: db });
    await setup.upsertAsset({ id: 'm1', site: 'p', type: 't', name: 'n' });
    await setup.upsertSensor({ assetId: 'm1', id: 'x', unit: null, description: '' });
    await setup.upsertSensor({ assetId: 'm1', id: 'h', unit: null, description: '' });
    await setup.close();

    const svc = await startChild();
    const client = await mqtt.connectAsync(svc.mqttUrl, { username: 'shopfloor', password: 'pw', reconnectPeriod: 0 });
    client.on('error', () => undefined);
    const acked: number[] = [];
    const httpAcked: number[] = [];
    let killed = false;
    const pumps: Promise<void>[] = [];
    // 8 concurrent MQTT publishers and 2 HTTP writers, until the kill.
    for (let w = 0; w < 8; w++) {
      pumps.push(
        (async () => {
          for (let i = 0; !killed; i++) {
            const t = T0 + (i * 8 + w) * 10;
            try {
              await client.publishAsync('shopfloor/p/m1/x', JSON.stringify({ v: i, t }), { qos: 1 });
              if (!killed) acked.push(t);
            } catch {
              return;
            }
          }
        })(),
      );
    }
    for (let w = 0; w < 2; w++) {
      pumps.push(
        (async () => {
          for (let i = 0; !killed; i++) {
            const readings = Array.from({ length: 10 }, (_, k) => ({ asset: 'm1', sensor: 'h', t: T0 + ((i * 2 + w) * 10 + k) * 10, v: k }));
            try {
              const res = await fetch(`${svc.url}/readings`, { method: 'POST', headers: { authorization: `Bearer ${svc.adminToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ readings }) });
              if (res.ok && !killed) httpAcked.push(...readings.map((r) => r.t));
            } catch {
              return;
            }
          }
        })(),
      );
    }
    while (acked.length < 400 || httpAcked.length < 200) await new Promise((r) => setTimeout(r, 5));
    const exited = new Promise((r) => child!.once('exit', r));
    child!.kill('SIGKILL');
    await exited;
    killed = true;
    client.end(true);
    await Promise.allSettled(pumps);

    const after = new SqliteStore({ file: db });
    const xs = new Set((await after.queryReadings({ assetId: 'm1', sensorId: 'x', from: 0, to: 8.64e15, limit: 1e7 })).map((r) => r.t));
    const hs = new Set((await after.queryReadings({ assetId: 'm1', sensorId: 'h', from: 0, to: 8.64e15, limit: 1e7 })).map((r) => r.t));
    await after.close();
    expect(acked.length).toBeGreaterThanOrEqual(400);
    expect(acked.filter((t) => !xs.has(t))).toEqual([]);
    expect(httpAcked.filter((t) => !hs.has(t))).toEqual([]);
  }, 120_000);
});
