/**
 * The embedded MQTT broker (aedes) of `shopfloor serve`, with ingestion.
 *
 * Acknowledged = stored: aedes sends the PUBACK of a QoS 1 message right after `authorizePublish`
 * returns, so ingestion happens there. A message is acknowledged only after its readings committed, or
 * after it was rejected for good (then the reason goes to `shopfloor/<site>/errors` and the stream
 * goes on). If the store itself fails, the publish is refused: the client is disconnected without a
 * PUBACK and will resend. Messages arriving together are committed in one transaction (group commit),
 * which keeps one fsync per batch instead of one per message.
 */
import net from 'node:net';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Aedes, type AuthenticateError } from 'aedes';
import type { ServiceCore } from '../core.js';
import { alertTopicSink, createMqttIngest } from './ingest.js';
import { TOPIC_ROOT } from './topics.js';

/** Options of `startBroker`. */
export interface BrokerOptions {
  /** Port (0 = any free one; default 1883). */
  readonly port?: number;
  /** Interface (default 127.0.0.1). */
  readonly host?: string;
  /** Accepted username/password pairs. Required: an embedded broker is never open. */
  readonly users: Readonly<Record<string, string>>;
}

/** A running broker. */
export interface RunningBroker {
  readonly port: number;
  readonly broker: Aedes;
  /** Publish a service message (errors, alerts). */
  publish(topic: string, payload: unknown): Promise<void>;
  close(): Promise<void>;
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();


/** Start the embedded broker on `host:port` and ingest what it receives into `core`. */
export async function startBroker(core: ServiceCore, opts: BrokerOptions): Promise<RunningBroker> {
  const users = new Map(Object.entries(opts.users).map(([u, p]) => [u, digest(p)]));
  const broker = await Aedes.createBroker({
    authenticate: (_client, username, password, done) => {
      const want = username === undefined ? undefined : users.get(username);
      if (want && password && timingSafeEqual(want, digest(password.toString('utf8')))) return done(null, true);
      const err = new Error('Bad username or password') as AuthenticateError;
      err.returnCode = 4;
      done(err, false);
    },
    authorizePublish: (client, packet, callback) => {
      if (!client) return callback(null);
      const parts = packet.topic.split('/');
      if (parts[0] === TOPIC_ROOT && (parts[2] === 'errors' || parts[2] === 'alerts') && parts.length === 3) {
        return callback(new Error(`clients may not publish to ${packet.topic}`));
      }
      ingestPacket(packet.topic, packet.payload as Buffer).then(() => callback(null), (e: unknown) => callback(e as Error));
    },
  });

  const publish = (topic: string, payload: unknown): Promise<void> =>
    new Promise((resolve, reject) => broker.publish({ cmd: 'publish', topic, payload: Buffer.from(JSON.stringify(payload)), qos: 1, retain: false, dup: false }, (err) => (err ? reject(err) : resolve())));

  const { ingestPacket } = createMqttIngest(core, publish);
  core.alerts.addSink(alertTopicSink(core, publish));

  const server = net.createServer((socket) => broker.handle(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 1883, opts.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    port,
    broker,
    publish,
    close: async () => {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
