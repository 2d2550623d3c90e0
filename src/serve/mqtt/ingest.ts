/**
 * MQTT message ingestion shared by the embedded broker and external-broker clients: topic and payload
 * parsing, group commit (messages arriving in the same turn of the event loop are stored in one
 * transaction; a bad one among them is isolated), rejection to `shopfloor/<site>/errors`.
 */
import { ShopfloorError } from '../../core/errors.js';
import type { Alert, Reading } from '../../storage/store.js';
import type { ServiceCore } from '../core.js';
import type { AlertSink } from '../alerts.js';
import { parseMessage, parseTopic, TOPIC_ROOT, type ParsedTopic } from './topics.js';

/** Most distinct topics whose parse is cached. */
const TOPIC_CACHE = 100_000;

/** Publishes a JSON service message (errors, alerts). */
export type JsonPublisher = (topic: string, payload: unknown) => Promise<void>;

interface Pending {
  readings: Reading[];
  resolve: () => void;
  reject: (e: unknown) => void;
  topic: string;
  site: string;
}

/**
 * Build the ingestion function for MQTT messages. `ingestPacket` resolves once the message is stored
 * or rejected for good (reason published on the errors topic); it rejects only when the store itself
 * failed — then the message must not be acknowledged.
 */
export function createMqttIngest(core: ServiceCore, publish: JsonPublisher): { ingestPacket(topic: string, payload: Buffer): Promise<void> } {
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
  // Parsed topics, keyed by topic string: a plant repeats a bounded set of topics, so the split and id
  // checks run once per topic instead of once per message. Cleared when it grows past TOPIC_CACHE.
  const topics = new Map<string, ParsedTopic | null>();
  const enqueue = (readings: Reading[], topic: string, site: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      queue.push({ readings, resolve, reject, topic, site });
      if (!scheduled) {
        scheduled = true;
        setImmediate(() => void flush());
      }
    });
  const checkSite = (t: ParsedTopic, topic: string, assetSite: string): void => {
    if (assetSite !== t.site) throw new ShopfloorError('SF_DATA_PARSE', `Topic '${topic}': asset '${t.assetId}' belongs to site '${assetSite}', not '${t.site}'.`, { topic });
  };
  // Not async on purpose: the common path (known topic and asset) parses and queues synchronously,
  // with one promise per message.
  function ingestPacket(topic: string, payload: Buffer): Promise<void> {
    let t = topics.get(topic);
    try {
      if (t === undefined) {
        t = parseTopic(topic);
        if (topics.size >= TOPIC_CACHE) topics.clear();
        topics.set(topic, t);
      }
      if (!t) return Promise.resolve(); // not an ingestion topic: an ordinary message between clients
      const assetSite = siteOf.get(t.assetId);
      if (assetSite === undefined) return firstOfAsset(t, topic, payload);
      checkSite(t, topic, assetSite);
      return enqueue(parseMessage(t, topic, payload, core.now()), topic, t.site);
    } catch (e) {
      if (e instanceof ShopfloorError) {
        rejectMessage(t?.site ?? topic.split('/')[1] ?? 'unknown', topic, e);
        return Promise.resolve();
      }
      return Promise.reject(e);
    }
  }
  async function firstOfAsset(t: ParsedTopic, topic: string, payload: Buffer): Promise<void> {
    try {
      const a = await core.store.getAsset(t.assetId);
      if (a) {
        siteOf.set(t.assetId, a.site);
        checkSite(t, topic, a.site);
      }
      await enqueue(parseMessage(t, topic, payload, core.now()), topic, t.site);
    } catch (e) {
      if (e instanceof ShopfloorError) return rejectMessage(t.site, topic, e);
      throw e;
    }
  }
  return { ingestPacket };
}

/** A sink publishing each new alert on `shopfloor/<site>/alerts`. */
export function alertTopicSink(core: ServiceCore, publish: JsonPublisher): AlertSink {
  return async (alert: Alert) => {
    const a = await core.store.getAsset(alert.assetId);
    await publish(`${TOPIC_ROOT}/${a?.site ?? 'unknown'}/alerts`, { alert });
  };
}
