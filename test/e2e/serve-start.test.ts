/**
 * What `npm start` runs (`shopfloor serve --demo`), as a child process the way a user starts it: the
 * first start trains the demo model, streams the simulated fleet over the embedded broker, prints one
 * line per new alert and status lines with live scores, and stops cleanly after `--duration`. The
 * database then holds the readings and exactly the alerts that were printed. A second start reuses the
 * cached model and stops cleanly on SIGTERM.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { spawnCli } from './spawn.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-start-'));
const db = path.join(dir, 'demo.db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ALERT_RE = /^ALERT (\d{4}-\d\d-\d\dT[\d:.]+Z) +(info|warning|critical) +(mill-\d) +([a-z-]+) +value=(-?[\d.e+-]+)/;

describe('npm start (serve --demo)', () => {
  it('trains on first start, prints alerts and live scores, stops after --duration with readings and alerts stored', async () => {
    const child = spawnCli(['serve', '--demo', '--port', '0', '--mqtt-port', '0', '--db', db, '--demo-interval-ms', '20', '--status-every', '2', '--duration', '20']);
    const r = await child.exit(240_000);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines.some((l) => l.startsWith('training the demo failure model'))).toBe(true);
    expect(lines.some((l) => /^shopfloor serve: http:\/\/127\.0\.0\.1:\d+/.test(l))).toBe(true);
    const alerts = lines.filter((l) => l.startsWith('ALERT '));
    expect(alerts.length).toBeGreaterThan(0);
    for (const l of alerts) expect(l).toMatch(ALERT_RE);
    // Live scoring: status lines carry a score per machine.
    expect(lines.some((l) => /^status .* scores: mill-1 0\.\d{3}, mill-2 0\.\d{3}, mill-3 0\.\d{3}/.test(l))).toBe(true);
    const stopped = lines.find((l) => l.startsWith('stopped (--duration 20)'));
    expect(stopped).toBeDefined();
    expect(r.stderr).not.toMatch(/PKCS#1|NODE-OPCUA/); // node-opcua is not even loaded without OPC UA

    const store = new SqliteStore({ file: db });
    try {
      const n = await store.countReadings();
      expect(n).toBeGreaterThan(100);
      expect(stopped).toContain(`${n} readings stored`);
      const stored = await store.listAlerts({ limit: 10_000 });
      // Exactly the printed alerts are in the database (re-occurrences are counted, not re-printed).
      expect(stored.length).toBe(alerts.length);
      const printed = alerts.map((l) => (ALERT_RE.exec(l) as RegExpExecArray).slice(3, 5).join(' ')).sort();
      expect(stored.map((a) => `${a.assetId} ${a.rule}`).sort()).toEqual(printed);
      expect((await store.listPredictions('mill-1', 5)).length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  }, 300_000);

  it('reuses the cached model on the next start and stops cleanly on SIGTERM', async () => {
    expect(existsSync(path.join(dir, 'shopfloor-demo-model', 'shopfloor-model.json'))).toBe(true);
    const child = spawnCli(['serve', '--demo', '--port', '0', '--mqtt-port', '0', '--db', db, '--demo-interval-ms', '50']);
    await child.waitForLine(/^Ctrl-C to stop\./, 120_000);
    await child.waitForLine(/^status /, 30_000);
    child.proc.kill('SIGTERM');
    const r = await child.exit(60_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toContain('training the demo failure model');
    expect(r.stdout).toMatch(/^stopped \(SIGTERM\): \d+ readings stored/m);
  }, 240_000);
});
