/**
 * The server side of the HTTP benchmark. `ours`: the service's HTTP app (`createApp`, with its auth
 * hook, schemas, rate-limit plugin set high enough not to refuse the load, metrics) on a SQLite store,
 * an asset with the demo failure model (gradient-boosted trees) deployed. `baseline`: a bare Fastify
 * route that parses the same JSON body and returns a constant. IPC: `ready` with URL, token and pid.
 *
 * Server-side timing: an onResponse hook records `reply.elapsedTime` of every 2xx response (Fastify
 * starts that clock when it routes the request, before the onRequest hooks, and stops it when the
 * response is handed to the socket), and `monitorEventLoopDelay` samples the event-loop delay.
 * IPC `reset` clears both; `stats` answers with every recorded time (ms) and the loop-delay
 * percentiles, so the bench separates server time from client and queueing time.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Fastify, { type FastifyInstance } from 'fastify';

interface Args {
  kind: 'ours' | 'baseline';
  db?: string;
  modelDir?: string;
}
const a = JSON.parse(process.argv[2] as string) as Args;
const send = (m: unknown): void => void process.send?.(m);

let times = new Float64Array(1 << 20);
let count = 0;
const loop = monitorEventLoopDelay({ resolution: 1 });
loop.enable();
function timed(app: FastifyInstance): void {
  app.addHook('onResponse', (_req, reply, done) => {
    if (reply.statusCode < 300) {
      if (count === times.length) {
        const t = new Float64Array(times.length * 2);
        t.set(times);
        times = t;
      }
      times[count++] = reply.elapsedTime;
    }
    done();
  });
}

if (a.kind === 'baseline') {
  const app = Fastify({ logger: false });
  timed(app);
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
  timed(app);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const addr = app.server.address();
  send({ type: 'ready', url: `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`, token, pid: process.pid });
}
process.on('message', (m: { type: string }) => {
  if (m.type === 'stop') process.exit(0);
  if (m.type === 'reset') {
    count = 0;
    loop.reset();
    send({ type: 'reset-done' });
  }
  if (m.type === 'stats') {
    const ms = (ns: number): number => ns / 1e6;
    send({
      type: 'stats',
      times: Array.from(times.subarray(0, count)),
      loopDelayMs: { p50: ms(loop.percentile(50)), p99: ms(loop.percentile(99)), max: ms(loop.max), mean: ms(loop.mean) },
    });
  }
});
