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
  return { ingestPacket };
}

/** A sink publishing each new alert on `shopfloor/<site>/alerts`. */
export function alertTopicSink(core: ServiceCore, publish: JsonPublisher): AlertSink {
  return async (alert: Alert) => {
    const a = await core.store.getAsset(alert.assetId);
    await publish(`${TOPIC_ROOT}/${a?.site ?? 'unknown'}/alerts`, { alert });
  };
}
