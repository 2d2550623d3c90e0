/**
 * The service side of the ingestion benchmark: `startService` (SQLite store in WAL with
 * synchronous = FULL, the HTTP API, and either the embedded aedes broker or a subscription to an
 * external broker), with the bench's assets and sensors registered. IPC: `ready` with the MQTT URL,
 * `progress` (readings stored) every 100 ms, and on `stop` a clean close and `stopped` with peak RSS.
 */
import { startService } from '../../src/serve/server.js';
import { ingestChildIpc, type IngestChildArgs } from './common.js';

const a = JSON.parse(process.argv[2] as string) as IngestChildArgs;

const svc = await startService({ port: 0, mqttPort: 0, dbFile: a.db, ...(a.mqttUrl ? { mqttUrl: a.mqttUrl } : { mqttPassword: 'bench' }) });
for (const id of a.assets) {
  await svc.core.store.upsertAsset({ id, site: a.site, type: 'bench', name: id });
  for (const s of a.sensors) await svc.core.store.upsertSensor({ assetId: id, id: s, unit: null, description: '' });
}
const ingested = (): number => svc.core.metrics.value('shopfloor_readings_ingested_total', { source: 'mqtt' });
const rejected = (): number => svc.core.metrics.value('shopfloor_readings_rejected_total', { source: 'mqtt' });
void ingestChildIpc({ mqttUrl: svc.mqttUrl, user: svc.mqttUser, password: svc.mqttPassword, url: svc.url }, () => ({ ingested: ingested(), rejected: rejected() }), () => svc.close());
