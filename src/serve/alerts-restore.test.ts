/**
 * Alert-rule state across a restart: a new AlertEngine on the same (reopened) SQLite file rebuilds
 * hysteresis, de-duplication, pending minimum-duration timers and rate state from the store.
 * Each case also runs without `restore` to show the behaviour it prevents.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { Alert, Reading } from '../storage/store.js';
import { AlertEngine, type AlertRule } from './alerts.js';
import { EventHub } from './events.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-alert-restore-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const NOW = Date.UTC(2026, 5, 1, 12);
let n = 0;

/** A "process": a store on `file` and an engine, with the readings stored before they are fed (as ingestion does). */
async function boot(file: string, rules: AlertRule[], restore: boolean) {
  const store = new SqliteStore({ file });
  await store.upsertAsset({ id: 'm1', site: 's', type: 't', name: 'M1' });
  for (const s of ['temp', 'rpm']) await store.upsertSensor({ assetId: 'm1', id: s, unit: null, description: '' });
  const e = new AlertEngine(store, new EventHub(), rules);
  const sunk: Alert[] = [];
  e.addSink((a) => void sunk.push(a));
  const restored = restore ? await e.restore(NOW) : null;
  const feed = async (sensorId: string, t: number, v: number): Promise<void> => {
    const r: Reading = { assetId: 'm1', sensorId, t, v, q: 'good' };
    await store.insertReadings([r]);
    await e.onValue('m1', sensorId, t, v);
  };
  return { store, e, sunk, restored, feed };
}

async function scenario(rules: AlertRule[], before: (p: Awaited<ReturnType<typeof boot>>) => Promise<void>, after: (p: Awaited<ReturnType<typeof boot>>) => Promise<void>, restore: boolean) {
  const file = path.join(dir, `a${n++}.db`);
  const p1 = await boot(file, rules, restore);
  await before(p1);
  await p1.store.close();
  const p2 = await boot(file, rules, restore);
  await after(p2);
  const alerts = await p2.store.listAlerts();
  await p2.store.close();
  return { first: p1, second: p2, alerts };
}

const hot: AlertRule = { id: 'hot', kind: 'threshold', sensorId: 'temp', above: 100, clear: 90 };

describe('AlertEngine.restore', () => {
  it('an alert raised before the restart is not counted again while its condition holds (dedup + hysteresis)', async () => {
    const run = (restore: boolean) =>
      scenario(
        [hot],
        async (p) => {
          await p.feed('temp', NOW - 3000, 95);
          await p.feed('temp', NOW - 2000, 105);
          expect(p.sunk.length).toBe(1);
        },
        async (p) => {
          if (restore) expect(p.restored).toMatchObject({ active: 1, pending: 0 });
          await p.feed('temp', NOW + 1000, 106); // still the same excursion
          await p.feed('temp', NOW + 2000, 80); // back past clear
          await p.feed('temp', NOW + 3000, 110); // a real re-occurrence
        },
        restore,
      );
    const withRestore = await run(true);
    expect(withRestore.alerts.length).toBe(1);
    expect(withRestore.alerts[0]?.occurrences).toBe(2); // the first excursion and the re-occurrence
    expect(withRestore.second.sunk.length).toBe(0); // nothing re-announced
    const without = await run(false);
    expect(without.alerts[0]?.occurrences).toBe(3); // the restart alone counted an extra occurrence
  });

  it('a condition pending its minimum duration keeps its start time across the restart', async () => {
    const rule: AlertRule = { id: 'hot-for', kind: 'threshold', sensorId: 'temp', above: 100, clear: 90, forMs: 2000 };
    const run = (restore: boolean) =>
      scenario(
        [rule],
        async (p) => {
          await p.feed('temp', NOW - 1500, 105);
          await p.feed('temp', NOW - 500, 104);
          expect(p.sunk.length).toBe(0);
        },
        async (p) => {
          if (restore) expect(p.restored).toMatchObject({ active: 0, pending: 1 });
          await p.feed('temp', NOW + 600, 103); // 2.1 s after the condition began
        },
        restore,
      );
    const withRestore = await run(true);
    expect(withRestore.second.sunk.map((a) => a.rule)).toEqual(['hot-for']);
    expect(withRestore.alerts[0]?.message).toContain('for 2000 ms');
    const without = await run(false);
    expect(without.alerts.length).toBe(0); // the timer restarted at NOW + 600
  });

  it('an active rule whose value came back before the restart is cleared by the replay', async () => {
    const { second, alerts } = await scenario(
      [hot],
      async (p) => {
        await p.feed('temp', NOW - 3000, 105);
        await p.feed('temp', NOW - 1000, 85); // cleared; the alert stays open until someone resolves it
      },
      async (p) => {
        expect(p.restored).toMatchObject({ active: 0, pending: 0 });
        await p.feed('temp', NOW + 1000, 107); // a new excursion: counted on the open alert
      },
      true,
    );
    expect(alerts[0]?.occurrences).toBe(2);
    expect(second.sunk.length).toBe(0); // de-duplicated onto the open alert
  });

  it('a rate rule keeps its last value across the restart', async () => {
    const rule: AlertRule = { id: 'jump', kind: 'rate', sensorId: 'rpm', maxRatePerS: 5 };
    const run = (restore: boolean) =>
      scenario(
        [rule],
        async (p) => p.feed('rpm', NOW - 1000, 100),
        async (p) => p.feed('rpm', NOW, 120), // 20 per second
        restore,
      );
    expect((await run(true)).alerts.map((a) => a.value)).toEqual([20]);
    expect((await run(false)).alerts).toEqual([]);
  });

  it('a resolved alert does not make its rule active again', async () => {
    const { second } = await scenario(
      [hot],
      async (p) => {
        await p.feed('temp', NOW - 60_000_000, 105); // long ago, outside the replay window
        const [a] = await p.store.listAlerts();
        await p.store.setAlertStatus(a!.id, 'resolved', 'op', NOW - 50_000_000);
      },
      async (p) => {
        expect(p.restored).toMatchObject({ active: 0, pending: 0 });
        await p.feed('temp', NOW, 108);
      },
      true,
    );
    expect(second.sunk.length).toBe(1); // a fresh alert for a fresh excursion
  });

  it('score rules are rebuilt from the stored predictions', async () => {
    const rule: AlertRule = { id: 'risk', kind: 'score', above: 0.8, clear: 0.5, forMs: 1000 };
    const run = (restore: boolean) =>
      scenario(
        [rule],
        async (p) => {
          const model = await p.store.registerModel({ name: 'm', kind: 'gbdt', dir: '/nowhere', manifest: {} });
          for (const [t, score] of [
            [NOW - 1500, 0.9],
            [NOW - 800, 0.85],
          ] as const) {
            await p.store.insertPrediction({ assetId: 'm1', modelId: model.id, t, score, label: '1' });
            await p.e.onScore('m1', t, score);
          }
        },
        async (p) => p.e.onScore('m1', NOW, 0.88), // 1.5 s into the condition
        restore,
      );
    expect((await run(true)).alerts.map((a) => a.rule)).toEqual(['risk']);
    expect((await run(false)).alerts).toEqual([]);
  });

  it('RUL and anomaly rules replay only the predictions of their model task', async () => {
    const rules: AlertRule[] = [
      { id: 'rul-low', kind: 'score', model: 'rul', below: 20, forMs: 1000 },
      { id: 'det', kind: 'anomaly', forMs: 1000 },
    ];
    const run = (restore: boolean) =>
      scenario(
        rules,
        async (p) => {
          const rul = await p.store.registerModel({ name: 'r', kind: 'gbdt', dir: '/nowhere', manifest: { task: 'rul' } });
          const det = await p.store.registerModel({ name: 'a', kind: 'robust-z', dir: '/nowhere', manifest: { task: 'anomaly' } });
          const failure = await p.store.registerModel({ name: 'f', kind: 'gbdt', dir: '/nowhere', manifest: { task: 'failure' } });
          // A failure score of 0.1 would be "below 20" if the task were ignored: the RUL condition would have
          // reached its minimum duration in the replay, become active silently, and raise nothing after.
          await p.store.insertPrediction({ assetId: 'm1', modelId: failure.id, t: NOW - 2600, score: 0.1, label: '0' });
          await p.store.insertPrediction({ assetId: 'm1', modelId: rul.id, t: NOW - 1500, score: 15, label: 'rul' });
          await p.e.onScore('m1', NOW - 1500, 15, { task: 'rul' });
          await p.store.insertPrediction({ assetId: 'm1', modelId: det.id, t: NOW - 1200, score: 9, label: 'anomaly' });
          await p.e.onScore('m1', NOW - 1200, 9, { task: 'anomaly', flagged: true, threshold: 4 });
        },
        async (p) => {
          await p.e.onScore('m1', NOW, 12, { task: 'rul' }); // 1.5 s into the RUL condition
          await p.e.onScore('m1', NOW, 9, { task: 'anomaly', flagged: true, threshold: 4 }); // 1.2 s into the flag
        },
        restore,
      );
    const restored = await run(true);
    expect(restored.alerts.map((a) => a.rule).sort()).toEqual(['det', 'rul-low']);
    expect(restored.second.restored).toMatchObject({ pending: 2 });
    expect((await run(false)).alerts).toEqual([]);
  });
});
