import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { Alert } from '../storage/store.js';
import { AlertEngine, validateRule, webhookSink, type AlertRule } from './alerts.js';
import { EventHub } from './events.js';

const T0 = Date.UTC(2026, 0, 1);
const stores: SqliteStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function engine(rules: AlertRule[]) {
  const store = new SqliteStore();
  stores.push(store);
  const sunk: Alert[] = [];
  const e = new AlertEngine(store, new EventHub(), rules);
  e.addSink((a) => void sunk.push(a));
  return { e, store, sunk };
}

describe('AlertEngine', () => {
  it('rate of change: fires when |dv/dt| exceeds the limit, per second', async () => {
    const { e, store } = engine([{ id: 'jump', kind: 'rate', sensorId: 'temp', maxRatePerS: 2 }]);
    await e.onValue('m1', 'temp', T0, 10);
    await e.onValue('m1', 'temp', T0 + 1000, 11.5); // 1.5/s
    expect(await store.listAlerts()).toEqual([]);
    await e.onValue('m1', 'temp', T0 + 1500, 13); // 3/s
    const [a] = await store.listAlerts();
    expect(a).toMatchObject({ rule: 'jump', assetId: 'm1', value: 3 });
  });

  it('score rule with hysteresis fires once per excursion and per asset', async () => {
    const { e, store, sunk } = engine([{ id: 'risk', kind: 'score', above: 0.8, clear: 0.5, severity: 'critical' }]);
    for (const [t, s] of [
      [0, 0.9],
      [1, 0.7],
      [2, 0.95],
    ] as const)
      await e.onScore('m1', T0 + t, s);
    expect(sunk.length).toBe(1);
    expect((await store.listAlerts())[0]?.occurrences).toBe(1);
    await e.onScore('m2', T0, 0.99);
    expect(sunk.map((a) => a.assetId)).toEqual(['m1', 'm2']);
    expect(sunk[1]?.severity).toBe('critical');
  });

  it('below-threshold rules and asset filters', async () => {
    const { e, store } = engine([{ id: 'low', kind: 'threshold', sensorId: 'rpm', below: 100, assetId: 'm1' }]);
    await e.onValue('m2', 'rpm', T0, 5);
    await e.onValue('m1', 'rpm', T0, 150);
    expect(await store.listAlerts()).toEqual([]);
    await e.onValue('m1', 'rpm', T0 + 1, 50);
    expect((await store.listAlerts()).map((a) => a.assetId)).toEqual(['m1']);
  });

  it('score rules below a level (RUL) and restricted to one model task', async () => {
    const { e, store } = engine([
      { id: 'rul-low', kind: 'score', model: 'rul', below: 20, clear: 30 },
      { id: 'risk', kind: 'score', model: 'failure', above: 0.8 },
    ]);
    await e.onScore('m1', T0, 0.9, { task: 'rul' }); // a RUL of 0.9 cycles: low, and not a failure score
    expect((await store.listAlerts()).map((a) => a.rule)).toEqual(['rul-low']);
    expect((await store.listAlerts())[0]?.message).toBe('m1: RUL 0.9 below 20.');
    await e.onScore('m1', T0 + 1, 25, { task: 'rul' }); // not cleared (hysteresis up to 30)
    await e.onScore('m1', T0 + 2, 10, { task: 'rul' });
    expect((await store.listAlerts())[0]?.occurrences).toBe(1);
    await e.onScore('m1', T0 + 3, 35, { task: 'rul' }); // cleared
    await e.onScore('m1', T0 + 4, 5, { task: 'rul' });
    expect((await store.listAlerts())[0]?.occurrences).toBe(2);
    await e.onScore('m2', T0, 0.9); // default task: failure
    expect((await store.listAlerts({ assetId: 'm2' })).map((a) => a.rule)).toEqual(['risk']);
  });

  it('anomaly rule: fires on the flag of an anomaly model, clears when the flag goes, ignores other tasks', async () => {
    const { e, store } = engine([{ id: 'det', kind: 'anomaly', forMs: 1000 }]);
    await e.onScore('m1', T0, 99, { task: 'failure', flagged: true });
    await e.onScore('m1', T0, 7, { task: 'anomaly', flagged: true, threshold: 4, sensor: 'temperature' });
    await e.onScore('m1', T0 + 500, 7, { task: 'anomaly', flagged: true, threshold: 4, sensor: 'temperature' });
    expect(await store.listAlerts()).toEqual([]); // minimum duration not reached
    await e.onScore('m1', T0 + 1000, 8.5, { task: 'anomaly', flagged: true, threshold: 4, sensor: 'vibration' });
    const [a] = await store.listAlerts();
    expect(a).toMatchObject({ rule: 'det', value: 8.5, message: 'm1: anomaly score 8.5 above the detector threshold 4 (top sensor vibration) for 1000 ms.' });
    await e.onScore('m1', T0 + 2000, 1, { task: 'anomaly', flagged: false, threshold: 4 });
    await e.onScore('m1', T0 + 3000, 9, { task: 'anomaly', flagged: true, threshold: 4 });
    expect((await store.listAlerts())[0]?.occurrences).toBe(1); // pending again: 1000 ms not yet over
    await e.onScore('m1', T0 + 4000, 9, { task: 'anomaly', flagged: true, threshold: 4 });
    expect((await store.listAlerts())[0]?.occurrences).toBe(2);
  });

  it('rejects invalid score and anomaly rules', () => {
    expect(() => validateRule({ id: 'x', kind: 'score' })).toThrow(/above or below/);
    expect(() => validateRule({ id: 'x', kind: 'score', above: 1, below: 2 })).toThrow(/not both/);
    expect(() => validateRule({ id: 'x', kind: 'score', below: 20, clear: 10 })).toThrow(/safe side/);
    expect(() => validateRule({ id: 'x', kind: 'score', below: 20, model: 'weather' as never })).toThrow(/model must be/);
    expect(() => validateRule({ id: 'x', kind: 'anomaly', clear: 1 } as never)).toThrow(/no clear level/);
  });

  it('rejects invalid rules', () => {
    expect(() => validateRule({ id: 'x', kind: 'threshold', sensorId: 's' })).toThrow(/above or below/);
    expect(() => validateRule({ id: 'x', kind: 'score', above: 0.5, clear: 0.9 })).toThrow(/safe side/);
    expect(() => validateRule({ id: 'x', kind: 'rate', sensorId: 's', maxRatePerS: 0 })).toThrow(/maxRatePerS/);
  });
});

describe('webhookSink', () => {
  let server: http.Server | null = null;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('retries 5xx with exponential back-off until the hook accepts', async () => {
    const times: number[] = [];
    const bodies: string[] = [];
    server = http.createServer((req, res) => {
      times.push(Date.now());
      let b = '';
      req.on('data', (c: Buffer) => (b += c.toString()));
      req.on('end', () => {
        bodies.push(b);
        res.statusCode = times.length < 3 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    let gaveUp = false;
    const alert = { id: 1, rule: 'r' } as Alert;
    await webhookSink({ url, baseDelayMs: 40, onGiveUp: () => (gaveUp = true) })(alert);
    expect(times.length).toBe(3);
    expect(gaveUp).toBe(false);
    expect(JSON.parse(bodies[2] ?? '')).toEqual({ alert });
    const gap1 = (times[1] as number) - (times[0] as number);
    const gap2 = (times[2] as number) - (times[1] as number);
    expect(gap1).toBeGreaterThanOrEqual(35);
    expect(gap2).toBeGreaterThanOrEqual(75); // doubled
  });

  it('gives up after maxAttempts on a dead endpoint, and does not retry a 400', async () => {
    let n = 0;
    server = http.createServer((_req, res) => {
      n++;
      res.statusCode = 400;
      res.end();
    });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const reasons: string[] = [];
    await webhookSink({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, baseDelayMs: 1, onGiveUp: (_a, why) => reasons.push(why) })({ id: 1 } as Alert);
    expect(n).toBe(1);
    await webhookSink({ url: 'http://127.0.0.1:1/', maxAttempts: 3, baseDelayMs: 1, onGiveUp: (_a, why) => reasons.push(why) })({ id: 2 } as Alert);
    expect(reasons[0]).toBe('HTTP 400');
    expect(reasons.length).toBe(2);
  });
});
