/**
 * Ingestion from a real external broker: Debian's mosquitto, started by the test on 127.0.0.1.
 * Two service cores subscribe as one shared-subscription group and must split the stream: every
 * message stored exactly once across both. Skipped without mosquitto locally; a failure in CI.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { createServiceCore, type ServiceCore } from '../../src/serve/core.js';
import { connectExternalBroker, type ExternalBrokerClient } from '../../src/serve/mqtt/external.js';

const bin = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;
const T0 = Date.UTC(2026, 0, 1);

const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
async function waitPort(port: number): Promise<void> {
  const end = Date.now() + 10_000;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`mosquitto did not listen on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

if (!bin && process.env.CI === 'true') {
  describe('mosquitto', () => {
    it('needs mosquitto in CI (apt-get install -y mosquitto)', () => {
      throw new Error('mosquitto not found');
    });
  });
} else if (bin) {
  let proc: ChildProcess | null = null;
  let dir = '';
  let url = '';
  const cores: ServiceCore[] = [];
  const clients: ExternalBrokerClient[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(path.join(tmpdir(), 'sf-mosq-'));
    chmodSync(dir, 0o755);
    const port = await freePort();
    const conf = path.join(dir, 'mosquitto.conf');
    writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    chmodSync(conf, 0o644);
    proc = spawn(bin, ['-c', conf], { stdio: 'ignore' });
    await waitPort(port);
    url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; i < 2; i++) {
      const core = createServiceCore(new SqliteStore());
      await core.store.upsertAsset({ id: 'm1', site: 'plant', type: 't', name: 'n' });
      await core.store.upsertSensor({ assetId: 'm1', id: 'temp', unit: null, description: '' });
      cores.push(core);
      clients.push(await connectExternalBroker(core, { url, clientId: `sf-share-${i}`, sharedGroup: 'shopfloor' }));
    }
  }, 20_000);
  afterAll(async () => {
    for (const c of clients) await c.close();
    for (const c of cores) await c.store.close();
    const p = proc;
    if (p && p.exitCode === null) await new Promise((r) => (p.once('exit', r), p.kill('SIGTERM')));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  describe('external broker: mosquitto with a shared subscription', () => {
    it('splits one stream between two services, storing every message exactly once', async () => {
      const device = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
      const n = 40;
      for (let i = 0; i < n; i++) await device.publishAsync('shopfloor/plant/m1/temp', JSON.stringify({ v: i, t: T0 + i * 1000 }), { qos: 1 });
      await device.endAsync();
      const end = Date.now() + 5000;
      let counts: number[] = [];
      for (;;) {
        counts = await Promise.all(cores.map((c) => c.store.countReadings()));
        if (counts.reduce((a, b) => a + b, 0) >= n || Date.now() > end) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(counts.reduce((a, b) => a + b, 0)).toBe(n);
      expect(Math.min(...counts)).toBeGreaterThan(0); // both members got a share
      const all = new Set<number>();
      for (const c of cores) for (const r of await c.store.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 8.64e15 })) all.add(r.t);
      expect(all.size).toBe(n);
    });
  });
} else {
  describe.skip('mosquitto (not installed: apt-get install -y mosquitto)', () => {
    it('skipped', () => undefined);
  });
}
