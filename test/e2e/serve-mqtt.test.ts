import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import mqtt, { type MqttClient } from 'mqtt';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { createServiceCore, type ServiceCore } from '../../src/serve/core.js';
import { startBroker, type RunningBroker } from '../../src/serve/mqtt/broker.js';

const T0 = Date.UTC(2026, 0, 1);
let core: ServiceCore;
let broker: RunningBroker;
let client: MqttClient;
const errors: { topic: string; reason: string }[] = [];
const alerts: { alert: { rule: string; assetId: string } }[] = [];

function connect(username: string, password: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(`mqtt://127.0.0.1:${broker.port}`, { username, password, reconnectPeriod: 0, connectTimeout: 3000 });
    c.once('connect', () => resolve(c));
    c.once('error', (e) => {
      c.end(true);
      reject(e);
    });
  });
}
const pub = (topic: string, payload: string): Promise<unknown> => client.publishAsync(topic, payload, { qos: 1 });
const waitFor = async (cond: () => boolean, ms = 3000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
};

beforeAll(async () => {
  core = createServiceCore(new SqliteStore(), { rules: [{ id: 'hot', kind: 'threshold', sensorId: 'temp', above: 100, clear: 90, forMs: 2000 }] });
  await core.store.upsertAsset({ id: 'm1', site: 'plant', type: 'milling', name: 'M1' });
  for (const s of ['temp', 'rpm']) await core.store.upsertSensor({ assetId: 'm1', id: s, unit: null, description: '' });
  broker = await startBroker(core, { port: 0, users: { line: 's3cret' } });
  client = await connect('line', 's3cret');
  await client.subscribeAsync('shopfloor/+/errors', { qos: 1 });
  await client.subscribeAsync('shopfloor/plant/alerts', { qos: 1 });
  client.on('message', (topic, payload) => {
    const msg = JSON.parse(payload.toString()) as never;
    if (topic.endsWith('/errors')) errors.push(msg);
    if (topic.endsWith('/alerts')) alerts.push(msg);
  });
});
afterAll(async () => {
  await client?.endAsync();
  await broker?.close();
  await core?.store.close();
});

const stored = (sensorId: string) => core.store.queryReadings({ assetId: 'm1', sensorId, from: 0, to: 8.64e15 });

describe('MQTT ingestion (embedded aedes on 127.0.0.1)', () => {
  it('refuses a wrong password', async () => {
    await expect(connect('line', 'wrong')).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('stores a reading before the PUBACK (QoS 1): number, and {v,t,q} payloads', async () => {
    await pub('shopfloor/plant/m1/temp', '42.5');
    expect((await stored('temp')).map((r) => r.v)).toEqual([42.5]); // no wait: PUBACK means stored
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 43, t: T0, q: 'uncertain' }));
    const rs = await stored('temp');
    expect(rs[0]).toMatchObject({ t: T0, v: 43, q: 'uncertain' });
  });

  it('stores one message with many sensors', async () => {
    await pub('shopfloor/plant/m1', JSON.stringify({ t: T0 + 1000, temp: 50, rpm: { v: 1500, q: 'good' } }));
    expect((await stored('rpm')).map((r) => [r.t, r.v])).toEqual([[T0 + 1000, 1500]]);
  });

  it('sends each bad message to the error topic with a reason, and the stream goes on', async () => {
    const n0 = errors.length;
    const bad: [string, string, RegExp][] = [
      ['shopfloor/plant/m1/temp', 'not json', /not JSON/],
      ['shopfloor/plant/m1/temp', '"NaN"', /finite number/],
      ['shopfloor/plant/m1/temp', JSON.stringify({ v: 1, t: 1767225600 }), /seconds instead of milliseconds/],
      ['shopfloor/plant/m1/ghost', '1', /unknown sensor 'ghost'/],
      ['shopfloor/plant/nope/temp', '1', /unknown sensor 'temp' of asset 'nope'/],
      ['shopfloor/other/m1/temp', '1', /belongs to site 'plant'/],
      ['shopfloor/plant/m1', '[1,2]', /expected a JSON object/],
    ];
    for (const [topic, payload] of bad) await pub(topic, payload);
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 60, t: T0 + 5000 }));
    await waitFor(() => errors.length >= n0 + bad.length);
    const got = errors.slice(n0);
    bad.forEach(([topic, , re], i) => {
      expect(got[i]?.topic).toBe(topic);
      expect(got[i]?.reason).toMatch(re);
    });
    expect((await stored('temp')).some((r) => r.t === T0 + 5000 && r.v === 60)).toBe(true);
    expect(core.metrics.value('shopfloor_readings_rejected_total', { source: 'mqtt' })).toBeGreaterThanOrEqual(bad.length);
  });

  it('isolates a bad message committed in the same group as good ones', async () => {
    const before = (await stored('rpm')).length;
    await Promise.all([pub('shopfloor/plant/m1/rpm', JSON.stringify({ v: 1, t: T0 + 10 })), pub('shopfloor/plant/m1/zzz', '5'), pub('shopfloor/plant/m1/rpm', JSON.stringify({ v: 2, t: T0 + 20 }))]);
    expect((await stored('rpm')).length).toBe(before + 2);
  });

  it('treats a redelivered message (same t) as a duplicate, not a second reading', async () => {
    const msg = JSON.stringify({ v: 7, t: T0 + 99_000 });
    await pub('shopfloor/plant/m1/rpm', msg);
    await pub('shopfloor/plant/m1/rpm', msg);
    expect((await stored('rpm')).filter((r) => r.t === T0 + 99_000).length).toBe(1);
  });

  it('fires a threshold alert only after the minimum duration, once, and publishes it on the alerts topic', async () => {
    const t = T0 + 3_600_000;
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 120, t }));
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 121, t: t + 1000 }));
    expect(await core.store.listAlerts({ rule: 'hot' })).toEqual([]); // held 1 s < 2 s
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 95, t: t + 2000 })); // above clear (90): still on
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 122, t: t + 2500 }));
    const list = await core.store.listAlerts({ rule: 'hot' });
    expect(list.length).toBe(1);
    expect(list[0]?.occurrences).toBe(1);
    // falling to the clear level ends it; a new excursion must again last 2 s
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 80, t: t + 3000 }));
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 130, t: t + 4000 }));
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 85, t: t + 5000 }));
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 130, t: t + 6000 }));
    expect((await core.store.listAlerts({ rule: 'hot' }))[0]?.occurrences).toBe(1);
    await pub('shopfloor/plant/m1/temp', JSON.stringify({ v: 131, t: t + 8000 }));
    expect((await core.store.listAlerts({ rule: 'hot' }))[0]?.occurrences).toBe(2); // de-duplicated: same open alert
    await waitFor(() => alerts.length === 1);
    expect(alerts[0]?.alert).toMatchObject({ rule: 'hot', assetId: 'm1' });
  });

  it('refuses client publishes to the service topics', async () => {
    const c = await connect('line', 's3cret');
    const closed = new Promise<void>((r) => c.once('close', () => r()));
    c.publish('shopfloor/plant/errors', '{}', { qos: 1 });
    await closed;
    c.end(true);
  });
});
