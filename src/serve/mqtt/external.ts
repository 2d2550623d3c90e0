/**
 * Ingestion from an external MQTT broker (mosquitto, EMQX, HiveMQ…) instead of the embedded one.
 * The service subscribes with QoS 1 to `shopfloor/+/+` and `shopfloor/+/+/+` — with `sharedGroup`
 * as shared subscriptions (`$share/<group>/…`), so several `serve` processes split one stream — and
 * acknowledges each message (PUBACK to the broker) only after it was stored or rejected for good, using
 * a persistent session (`clean: false`) so unacknowledged messages are redelivered after a reconnect.
 */
import { randomBytes } from 'node:crypto';
import mqtt, { type MqttClient } from 'mqtt';
import type { ServiceCore } from '../core.js';
import { alertTopicSink, createMqttIngest } from './ingest.js';

/** Options of `connectExternalBroker`. */
export interface ExternalBrokerOptions {
  /** Broker URL, e.g. mqtt://127.0.0.1:1883. */
  readonly url: string;
  readonly username?: string;
  readonly password?: string;
  /** Client id (default: random; give a stable one to keep the persistent session across restarts). */
  readonly clientId?: string;
  /** Subscribe as this shared-subscription group (MQTT 5 / mosquitto `$share`); default: plain subscriptions. */
  readonly sharedGroup?: string;
  /** Also publish new alerts to `shopfloor/<site>/alerts` on this broker (default true). */
  readonly publishAlerts?: boolean;
}

/** A connected ingestion client. */
export interface ExternalBrokerClient {
  readonly client: MqttClient;
  close(): Promise<void>;
}

/** Connect to an external broker and ingest what it delivers. Rejects when the first connect fails. */
export async function connectExternalBroker(core: ServiceCore, o: ExternalBrokerOptions): Promise<ExternalBrokerClient> {
  let client: MqttClient | null = null;
  const publish = async (topic: string, payload: unknown): Promise<void> => {
    await client?.publishAsync(topic, JSON.stringify(payload), { qos: 1 });
  };
  const { ingestPacket } = createMqttIngest(core, publish);
  client = await mqtt.connectAsync(o.url, {
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    clientId: o.clientId ?? `shopfloor-${randomBytes(6).toString('hex')}`,
    clean: false,
    reconnectPeriod: 1000,
  });
  // mqtt.js sends the PUBACK of a QoS 1 message only after handleMessage called back (and reads the
  // next message only then: back-pressure), so it goes out after the store committed or the message
  // was rejected for good. A store failure is passed on: no PUBACK, redelivery after reconnect.
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    ingestPacket(packet.topic, Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload)).then(
      () => callback(),
      (e: unknown) => callback(e as Error),
    );
  };
  const topics = ['shopfloor/+/+', 'shopfloor/+/+/+'].map((t) => (o.sharedGroup ? `$share/${o.sharedGroup}/${t}` : t));
  await client.subscribeAsync(topics, { qos: 1 });
  if (o.publishAlerts ?? true) core.alerts.addSink(alertTopicSink(core, publish));
  const c = client;
  return { client: c, close: () => c.endAsync() };
}
