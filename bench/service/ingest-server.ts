/**
 * The service side of the ingestion benchmark: `startService` (SQLite store in WAL with
 * synchronous = FULL, the HTTP API, and either the embedded aedes broker or a subscription to an
 * external broker), with the bench's assets and sensors registered. IPC: `ready` with the MQTT URL,
 * `progress` (readings stored) every 100 ms, and on `stop` a clean close and `stopped` with peak RSS.
 */
import { startService } from '../../src/serve/server.js';
import { procMemory } from './common.js';

interface Args {
  db: string;
  /** External broker URL; without it the embedded broker runs. */
  mqttUrl?: string;
  site: string;
  assets: string[];
  sensors: string[];
}

const a = JSON.parse(process.argv[2] as string) as Args;
const send = (m: unknown): void => void process.send?.(m);

const svc = await startService({ port: 0, mqttPort: 0, dbFile: a.db, ...(a.mqttUrl ? { mqttUrl: a.mqttUrl } : { mqttPassword: 'bench' }) });
for (const id of a.assets) {
  await svc.core.store.upsertAsset({ id, site: a.site, type: 'bench', name: id });
  for (const s of a.sensors) await svc.core.store.upsertSensor({ assetId: id, id: s, unit: null, description: '' });
}
const ingested = (): number => svc.core.metrics.value('shopfloor_readings_ingested_total', { source: 'mqtt' });
const rejected = (): number => svc.core.metrics.value('shopfloor_readings_rejected_total', { source: 'mqtt' });
const cpu0 = process.cpuUsage();
send({ type: 'ready', mqttUrl: svc.mqttUrl, user: svc.mqttUser, password: svc.mqttPassword, url: svc.url, pid: process.pid });
const timer = setInterval(() => send({ type: 'progress', ingested: ingested(), rejected: rejected() }), 100);
process.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  const mem = procMemory(process.pid);
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  void svc.close().then(() => {
    send({ type: 'stopped', ingested: ingested(), rejected: rejected(), peakRssMb: mem?.peakRssMb ?? null, cpuSeconds });
    process.disconnect?.();
  });
});
