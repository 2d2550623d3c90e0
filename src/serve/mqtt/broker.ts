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
import { ShopfloorError } from '../../core/errors.js';
import type { Alert, Reading } from '../../storage/store.js';
import type { ServiceCore } from '../core.js';
import { parseMessage, parseTopic, TOPIC_ROOT, type ParsedTopic } from './topics.js';

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

interface Pending {
  readings: Reading[];
  resolve: () => void;
  reject: (e: unknown) => void;
  topic: string;
  site: string;
}

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

  const rejectMessage = (site: string, topic: string, e: ShopfloorError): void => {
    core.ingestor.rejected('mqtt');
    void publish(`${TOPIC_ROOT}/${site}/errors`, { topic, code: e.code, reason: e.message, details: e.details, at: new Date(core.now()).toISOString() }).catch(() => undefined);
  };

  // Group commit: messages parsed in the same turn of the event loop go to the store together.
  let queue: Pending[] = [];
  let scheduled = false;
  const flush = async (): Promise<void> => {
    scheduled = false;
    const batch = queue;
    queue = [];
    try {
      await core.ingestor.ingest(
        batch.flatMap((p) => p.readings),
        'mqtt',
      );
      for (const p of batch) p.resolve();
    } catch (e) {
      if (!(e instanceof ShopfloorError)) {
        for (const p of batch) p.reject(e); // store failure: no PUBACK, the clients resend
        return;
      }
      // One bad message spoils the transaction: store the messages one by one to isolate it.
      for (const p of batch) {
        try {
          await core.ingestor.ingest(p.readings, 'mqtt');
          p.resolve();
        } catch (e2) {
          if (e2 instanceof ShopfloorError) {
            rejectMessage(p.site, p.topic, e2);
            p.resolve();
          } else p.reject(e2);
        }
      }
    }
  };

  const siteOf = new Map<string, string>();
  async function ingestPacket(topic: string, payload: Buffer): Promise<void> {
    let t: ParsedTopic | null = null;
    const site = topic.split('/')[1] ?? 'unknown';
    try {
      t = parseTopic(topic);
      if (!t) return; // not an ingestion topic: an ordinary message between clients
      let assetSite = siteOf.get(t.assetId);
      if (assetSite === undefined) {
        const a = await core.store.getAsset(t.assetId);
        if (a) siteOf.set(t.assetId, (assetSite = a.site));
      }
      if (assetSite !== undefined && assetSite !== t.site) {
        throw new ShopfloorError('SF_DATA_PARSE', `Topic '${topic}': asset '${t.assetId}' belongs to site '${assetSite}', not '${t.site}'.`, { topic });
      }
      const readings = parseMessage(t, topic, payload, core.now());
      await new Promise<void>((resolve, reject) => {
        queue.push({ readings, resolve, reject, topic, site });
        if (!scheduled) {
          scheduled = true;
          setImmediate(() => void flush());
        }
      });
    } catch (e) {
      if (e instanceof ShopfloorError) return rejectMessage(site, topic, e);
      throw e;
    }
  }

  // Alerts go out on shopfloor/<site>/alerts.
  core.alerts.addSink(async (alert: Alert) => {
    const a = await core.store.getAsset(alert.assetId);
    await publish(`${TOPIC_ROOT}/${a?.site ?? 'unknown'}/alerts`, { alert });
  });

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
