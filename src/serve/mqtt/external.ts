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
  /**
   * Most QoS 1 messages being stored at once before reading pauses (default 1000). The broker's own
   * in-flight window usually binds first: mosquitto's max_inflight_messages is 20 unless configured.
   */
  readonly maxPending?: number;
  /** Also publish new alerts to `shopfloor/<site>/alerts` on this broker (default true). */
  readonly publishAlerts?: boolean;
}

/**
 * Passed to mqtt.js's handleMessage callback when we send the PUBACK ourselves after the commit:
 * mqtt.js then sends none and reads on (its QoS 1 handler skips the PUBACK on an error and only
 * continues the packet loop with it — mqtt 5.16, pinned).
 */
const ACK_LATER = new Error('PUBACK sent by shopfloor after the commit');

/** Send the PUBACK of a QoS 1 message (mqtt.js's internal packet writer; see ACK_LATER). */
function sendPuback(client: MqttClient, messageId: number): void {
  if (!client.connected) return; // the broker redelivers on the next connection
  (client as unknown as { _sendPacket(p: { cmd: 'puback'; messageId: number }): void })._sendPacket({ cmd: 'puback', messageId });
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
  const c: MqttClient = (client = await mqtt.connectAsync(o.url, {
    ...(o.username !== undefined ? { username: o.username } : {}),
    ...(o.password !== undefined ? { password: o.password } : {}),
    clientId: o.clientId ?? `shopfloor-${randomBytes(6).toString('hex')}`,
    clean: false,
    reconnectPeriod: 1000,
  }));
  // mqtt.js sends the PUBACK of a QoS 1 message when handleMessage calls back, and reads the next
  // packet only then: one message per commit (one fsync each). To let messages that arrive together
  // share a commit (group commit, as on the embedded broker), a QoS 1 message is acknowledged by us
  // once stored — in arrival order, PUBACK after commit as before — while handleMessage calls back at
  // once with a marker that makes mqtt.js skip its own PUBACK and read on. The broker's in-flight window
  // (mosquitto: max_inflight_messages) bounds how many are pending; past `maxPending` we fall back to
  // mqtt.js's own path, which stops reading until the store caught up (back-pressure). A store failure
  // sends no PUBACK: the broker redelivers on the next connection of this persistent session.
  const maxPending = o.maxPending ?? 1000;
  let pending = 0;
  client.handleMessage = (packet, callback) => {
    if (packet.cmd !== 'publish') return callback();
    const payload = Buffer.isBuffer(packet.payload) ? packet.payload : Buffer.from(packet.payload);
    const id = packet.messageId;
    if (packet.qos !== 1 || id === undefined || pending >= maxPending) {
      ingestPacket(packet.topic, payload).then(
        () => callback(),
        (e: unknown) => callback(e as Error),
      );
      return;
    }
    pending++;
    ingestPacket(packet.topic, payload).then(
      () => {
        pending--;
        sendPuback(c, id);
      },
      () => {
        pending--; // no PUBACK: redelivered after a reconnect
      },
    );
    callback(ACK_LATER);
  };
  const topics = ['shopfloor/+/+', 'shopfloor/+/+/+'].map((t) => (o.sharedGroup ? `$share/${o.sharedGroup}/${t}` : t));
  await client.subscribeAsync(topics, { qos: 1 });
  if (o.publishAlerts ?? true) core.alerts.addSink(alertTopicSink(core, publish));
  return { client: c, close: () => c.endAsync() };
}
