/**
 * The service side of the soak: `startService` (SQLite, embedded broker, HTTP API) with the demo
 * failure model deployed to every asset and alert rules (model score, torque threshold, torque rate),
 * so ingestion, streaming scoring, alerts and queries all run. IPC: `ready`, then a `sample` every
 * `sampleMs` with process.memoryUsage() and counters; `stop` closes cleanly.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startService } from '../../src/serve/server.js';
import { DEMO_SENSORS } from '../../src/serve/demo.js';
import { MANIFEST_FILE } from '../../src/tasks/maintenance/artifact.js';

interface Args {
  db: string;
  modelDir: string;
  site: string;
  assets: string[];
  sampleMs: number;
}
const a = JSON.parse(process.argv[2] as string) as Args;
const send = (m: unknown): void => void process.send?.(m);

const manifest = JSON.parse(readFileSync(path.join(a.modelDir, MANIFEST_FILE), 'utf8')) as Record<string, unknown> & { threshold: number | null };
const thr = manifest.threshold ?? 0.5;
const svc = await startService({
  port: 0,
  mqttPort: 0,
  dbFile: a.db,
  mqttPassword: 'soak',
  rules: [
    { id: 'failure-risk', kind: 'score', above: thr, clear: thr * 0.6, severity: 'critical' },
    { id: 'torque-high', kind: 'threshold', sensorId: 'torque', above: 65, clear: 60, forMs: 0, severity: 'warning' },
    { id: 'torque-rate', kind: 'rate', sensorId: 'torque', maxRatePerS: 5000, severity: 'info' },
  ],
});
const { store } = svc.core;
const model = await store.registerModel({ name: 'soak-failure', kind: String(manifest.kind), dir: a.modelDir, manifest });
for (const id of a.assets) {
  await store.upsertAsset({ id, site: a.site, type: 'milling', name: id });
  for (const s of DEMO_SENSORS) await store.upsertSensor({ assetId: id, id: s.id, unit: s.unit, description: s.column });
  await store.deploy(id, model.id, 'soak');
}
svc.core.scoring.invalidate();
const counter = (n: string, l: Record<string, string> = {}): number => svc.core.metrics.value(n, l);
send({ type: 'ready', url: svc.url, mqttUrl: svc.mqttUrl, user: svc.mqttUser, password: svc.mqttPassword, token: svc.adminToken, pid: process.pid });
const t0 = Date.now();
const sample = (): void => {
  const m = process.memoryUsage();
  send({
    type: 'sample',
    s: (Date.now() - t0) / 1000,
    rssMb: m.rss / 2 ** 20,
    heapUsedMb: m.heapUsed / 2 ** 20,
    heapTotalMb: m.heapTotal / 2 ** 20,
    externalMb: m.external / 2 ** 20,
    arrayBuffersMb: m.arrayBuffers / 2 ** 20,
    readings: counter('shopfloor_readings_ingested_total', { source: 'mqtt' }),
    predictions: counter('shopfloor_predictions_total'),
    scoringErrors: counter('shopfloor_scoring_errors_total'),
  });
};
sample();
const timer = setInterval(sample, a.sampleMs);
process.on('message', (m: { type: string }) => {
  if (m.type !== 'stop') return;
  clearInterval(timer);
  sample();
  void svc.close().then(() => {
    send({ type: 'stopped' });
    process.disconnect?.();
  });
});
