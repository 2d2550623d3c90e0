/**
 * Ingestion from an external broker: a separate, plain aedes broker on 127.0.0.1 stands in for
 * mosquitto; the service connects to it as a client.
 */
import net from 'node:net';
import { Aedes } from 'aedes';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { createServiceCore, type ServiceCore } from '../../src/serve/core.js';
import { connectExternalBroker, type ExternalBrokerClient } from '../../src/serve/mqtt/external.js';

const T0 = Date.UTC(2026, 0, 1);
let broker: Aedes;
let server: net.Server;
let url = '';
let core: ServiceCore;
let ext: ExternalBrokerClient;
let device: MqttClient;
const errors: { topic: string; reason: string }[] = [];
/** Stored readings at the moment each PUBACK from the service reached the broker. */
const storedAtAck: number[] = [];

beforeAll(async () => {
  broker = await Aedes.createBroker();
  server = net.createServer((s) => broker.handle(s));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  core = createServiceCore(new SqliteStore());
  await core.store.upsertAsset({ id: 'm1', site: 'plant', type: 't', name: 'n' });
  await core.store.upsertSensor({ assetId: 'm1', id: 'temp', unit: null, description: '' });
  ext = await connectExternalBroker(core, { url, clientId: 'shopfloor-test' });
  const db = (core.store as SqliteStore).database;
  broker.on('ack', (packet, client) => {
    // (the service also receives, and acknowledges, its own messages on the errors topic)
    if (client?.id === 'shopfloor-test' && packet && 'topic' in packet && !packet.topic.endsWith('/errors')) storedAtAck.push(Number(db.prepare('SELECT COUNT(*) FROM readings').pluck().get()));
  });
  device = await mqtt.connectAsync(url, { reconnectPeriod: 0 });
  await device.subscribeAsync('shopfloor/plant/errors', { qos: 1 });
  device.on('message', (topic, p) => topic.endsWith('/errors') && errors.push(JSON.parse(p.toString()) as never));
});
afterAll(async () => {
  await device?.endAsync();
  await ext?.close();
  await new Promise<void>((r) => broker.close(() => r()));
  await new Promise<void>((r) => server.close(() => r()));
  await core?.store.close();
});

const waitFor = async (cond: () => Promise<boolean> | boolean): Promise<void> => {
  const end = Date.now() + 3000;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
};

describe('external broker ingestion', () => {
  it('stores readings a device publishes to the external broker, and reports bad ones on the error topic', async () => {
    // one message at a time, each until the service's PUBACK reached the broker
    const send = async (topic: string, payload: string, acks: number): Promise<void> => {
      await device.publishAsync(topic, payload, { qos: 1 });
      await waitFor(() => storedAtAck.length >= acks);
    };
    await send('shopfloor/plant/m1/temp', JSON.stringify({ v: 21.5, t: T0 }), 1);
    await send('shopfloor/plant/m1/temp', '"Infinity"', 2);
    await send('shopfloor/plant/m1', JSON.stringify({ t: T0 + 1000, temp: 22 }), 3);
    await waitFor(async () => (await core.store.countReadings('m1')) === 2);
    const rs = await core.store.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 8.64e15 });
    expect(rs.map((r) => [r.t, r.v])).toEqual([
      [T0, 21.5],
      [T0 + 1000, 22],
    ]);
    await waitFor(() => errors.length === 1);
    // Stored (or rejected) by the time each PUBACK reached the broker. In-process this cannot prove the
    // order by itself (an early ack loses the race to the store on loopback); the code path is
    // mqtt.js handleMessage, which sends the PUBACK after its callback.
    expect(storedAtAck).toEqual([1, 1, 2]);
    expect(errors[0]).toMatchObject({ topic: 'shopfloor/plant/m1/temp' });
    expect(errors[0]?.reason).toMatch(/finite number/);
  });
});
