/**
 * The server side of the HTTP benchmark. `ours`: the service's HTTP app (`createApp`, with its auth
 * hook, schemas, rate-limit plugin set high enough not to refuse the load, metrics) on a SQLite store,
 * an asset with the demo failure model (gradient-boosted trees) deployed. `baseline`: a bare Fastify
 * route that parses the same JSON body and returns a constant. IPC: `ready` with URL, token and pid.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import Fastify from 'fastify';

interface Args {
  kind: 'ours' | 'baseline';
  db?: string;
  modelDir?: string;
}
const a = JSON.parse(process.argv[2] as string) as Args;
const send = (m: unknown): void => void process.send?.(m);

if (a.kind === 'baseline') {
  const app = Fastify({ logger: false });
  app.post('/assets/:assetId/predict', async () => ({ assetId: 'm1', modelId: 1, modelVersion: 1, score: 0.01, label: '0' }));
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  send({ type: 'ready', url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, token: 'none', pid: process.pid });
} else {
  // Imported here so that the baseline process loads only Fastify.
  const { SqliteStore } = await import('../../src/storage/sqlite-store.js');
  const { createServiceCore } = await import('../../src/serve/core.js');
  const { createApp } = await import('../../src/serve/http/app.js');
  const { DEMO_SENSORS } = await import('../../src/serve/demo.js');
  const { MANIFEST_FILE } = await import('../../src/tasks/maintenance/artifact.js');
  const store = new SqliteStore({ file: a.db as string });
  await store.upsertAsset({ id: 'm1', site: 'bench', type: 'milling', name: 'm1' });
  for (const s of DEMO_SENSORS) await store.upsertSensor({ assetId: 'm1', id: s.id, unit: s.unit, description: s.column });
  const manifest = JSON.parse(readFileSync(path.join(a.modelDir as string, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
  const model = await store.registerModel({ name: 'bench-failure', kind: String(manifest.kind), dir: a.modelDir as string, manifest });
  await store.deploy('m1', model.id, 'bench');
  const { token } = await store.createToken('bench', 'viewer');
  const core = createServiceCore(store);
  const app = await createApp(core, { rateLimitPerMinute: 100_000_000, version: 'bench' });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  send({ type: 'ready', url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, token, pid: process.pid });
}
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') process.exit(0);
});
