import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { createServiceCore, type ServiceCore } from '../../src/serve/core.js';
import { createApp } from '../../src/serve/http/app.js';
import { trainDemoModel } from '../../src/serve/demo.js';

const T0 = Date.UTC(2026, 0, 1);
let dir: string;
let modelDir: string;
let core: ServiceCore;
let app: FastifyInstance;
let admin: string;
let operator: string;
let viewer: string;

const auth = (t: string) => ({ authorization: `Bearer ${t}` });
type Json = Record<string, unknown> & { error?: { code: string; message: string; details: Record<string, unknown> } };

async function call(method: 'GET' | 'POST' | 'PUT', url: string, token: string | null, payload?: unknown, headers: Record<string, string> = {}) {
  const res = await app.inject({ method, url, headers: { ...(token ? auth(token) : {}), ...headers }, ...(payload === undefined ? {} : typeof payload === 'string' ? { payload, headers: { ...(token ? auth(token) : {}), 'content-type': 'application/json', ...headers } } : { payload: payload as object }) });
  return { status: res.statusCode, body: (String(res.headers['content-type']).includes('json') ? res.json() : res.body) as Json, res };
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sf-http-'));
  modelDir = await trainDemoModel(path.join(dir, 'model'), { rows: 1500 });
  core = createServiceCore(new SqliteStore({ file: path.join(dir, 'db.sqlite') }), { rules: [{ id: 'torque-high', kind: 'threshold', sensorId: 'torque', above: 60, clear: 55 }] });
  app = await createApp(core, { bodyLimitBytes: 64 * 1024, rateLimitPerMinute: 1000 });
  admin = (await core.store.createToken('admin', 'admin')).token;
  operator = (await core.store.createToken('op', 'operator')).token;
  viewer = (await core.store.createToken('view', 'viewer')).token;
  await call('PUT', '/assets/mill-1', operator, { site: 'plant-a', type: 'milling', name: 'Mill 1' });
  for (const s of ['air_temperature', 'process_temperature', 'rotational_speed', 'torque', 'tool_wear']) await call('PUT', `/assets/mill-1/sensors/${s}`, operator, { unit: null });
}, 60_000);
afterAll(async () => {
  await app?.close();
  await core?.store.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('auth', () => {
  it('serves /health without a token, everything else needs one', async () => {
    expect((await call('GET', '/health', null)).status).toBe(200);
    const r = await call('GET', '/assets', null);
    expect(r.status).toBe(401);
    expect(r.body.error?.code).toBe('SF_UNAUTHORIZED');
    expect((await call('GET', '/assets', 'sf_wrong')).status).toBe(401);
    expect((await call('GET', '/metrics', null)).status).toBe(401);
  });
  it('enforces roles: viewer cannot write, operator cannot deploy', async () => {
    const r = await call('PUT', '/assets/x1', viewer, { site: 's' });
    expect(r.status).toBe(403);
    expect(r.body.error).toMatchObject({ code: 'SF_FORBIDDEN', details: { required: 'operator', role: 'viewer' } });
    expect((await call('POST', '/models', operator, { dir: modelDir })).status).toBe(403);
    expect((await call('POST', '/tokens', operator, { name: 'x', role: 'admin' })).status).toBe(403);
  });
  it('creates tokens that work, as admin', async () => {
    const r = await call('POST', '/tokens', admin, { name: 'new', role: 'viewer' });
    expect(r.status).toBe(201);
    expect((await call('GET', '/assets', String(r.body.token))).status).toBe(200);
  });
});

describe('readings', () => {
  it('inserts a batch, counts duplicates (idempotent), accepts out-of-order, queries ascending', async () => {
    const readings = [
      { asset: 'mill-1', sensor: 'torque', t: T0 + 2000, v: 42 },
      { asset: 'mill-1', sensor: 'torque', t: T0 + 1000, v: 40, q: 'uncertain' },
      { asset: 'mill-1', sensor: 'torque', t: new Date(T0 + 3000).toISOString(), v: 44 },
    ];
    const a = await call('POST', '/readings', operator, { readings });
    expect(a.status).toBe(200);
    expect(a.body).toEqual({ inserted: 3, duplicates: 0 });
    const b = await call('POST', '/readings', operator, { readings: [readings[0], { asset: 'mill-1', sensor: 'torque', t: T0 + 2000, v: 99 }] });
    expect(b.body).toEqual({ inserted: 0, duplicates: 2 });
    const q = await call('GET', `/assets/mill-1/sensors/torque/readings?from=${T0}&to=${T0 + 10_000}`, viewer);
    expect(q.status).toBe(200);
    expect(q.body.readings).toEqual([
      { t: T0 + 1000, v: 40, q: 'uncertain' },
      { t: T0 + 2000, v: 42, q: 'good' },
      { t: T0 + 3000, v: 44, q: 'good' },
    ]);
    const d = await call('GET', `/assets/mill-1/sensors/torque/readings?from=${new Date(T0).toISOString()}&to=${T0 + 10_000}&bucketMs=10000`, viewer);
    expect(d.body.readings).toEqual([{ t: T0, min: 40, max: 44, avg: 42, count: 3, q: 'uncertain' }]);
  });

  it.each([
    ['malformed JSON', '{"readings": [', 'SF_BAD_JSON'],
    ['a string where a number belongs', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: '42' }] }, 'SF_VALIDATION'],
    ['"NaN" as a value', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: 'NaN' }] }, 'SF_VALIDATION'],
    ['"Infinity" as a value', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: 'Infinity' }] }, 'SF_VALIDATION'],
    ['a bare NaN token', '{"readings":[{"asset":"mill-1","sensor":"torque","t":1767225600000,"v":NaN}]}', 'SF_BAD_JSON'],
    ['null without quality bad', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: null }] }, 'SF_DATA_TYPE'],
    ['seconds instead of ms', { readings: [{ asset: 'mill-1', sensor: 'torque', t: 1767225600, v: 1 }] }, 'SF_DATA_TYPE'],
    ['an unknown field', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: 1, extra: 1 }] }, 'SF_VALIDATION'],
    ['an unknown quality', { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0, v: 1, q: 'meh' }] }, 'SF_VALIDATION'],
    ['an empty batch', { readings: [] }, 'SF_VALIDATION'],
  ])('rejects %s with 400 and a reason', async (_name, payload, code) => {
    const before = await core.store.countReadings();
    const r = await call('POST', '/readings', operator, payload);
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe(code);
    expect(r.body.error?.message.length).toBeGreaterThan(10);
    expect(await core.store.countReadings()).toBe(before);
  });

  it('rejects an unknown asset or sensor with 404 naming it, storing nothing of the batch', async () => {
    const before = await core.store.countReadings();
    const r = await call('POST', '/readings', operator, { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0 + 50_000, v: 1 }, { asset: 'mill-1', sensor: 'ghost', t: T0, v: 1 }] });
    expect(r.status).toBe(404);
    expect(r.body.error).toMatchObject({ code: 'SF_NOT_FOUND', details: { index: 1, sensorId: 'ghost' } });
    expect((await call('POST', '/readings', operator, { readings: [{ asset: 'nope', sensor: 'torque', t: T0, v: 1 }] })).status).toBe(404);
    expect(await core.store.countReadings()).toBe(before);
  });

  it('accepts a bad-quality reading with a null value', async () => {
    const r = await call('POST', '/readings', operator, { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0 + 7000, v: null, q: 'bad' }] });
    expect(r.body).toEqual({ inserted: 1, duplicates: 0 });
  });

  it('back-fills from CSV upload, skipping empty cells, and rejects text in a sensor column', async () => {
    const csv = `t,torque,tool_wear\n${new Date(T0 + 900_000).toISOString()},41.5,12\n${new Date(T0 + 901_000).toISOString()},,13\n`;
    const r = await app.inject({ method: 'POST', url: '/assets/mill-1/readings/csv', headers: { ...auth(operator), 'content-type': 'text/csv' }, payload: csv });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ inserted: 3, duplicates: 0, rows: 2 });
    const q = await call('GET', `/assets/mill-1/sensors/tool_wear/readings?from=${T0 + 900_000}&to=${T0 + 902_000}`, viewer);
    expect((q.body.readings as { v: number }[]).map((x) => x.v)).toEqual([12, 13]);
    const bad = await app.inject({ method: 'POST', url: '/assets/mill-1/readings/csv', headers: { ...auth(operator), 'content-type': 'text/csv' }, payload: `t,torque\n${T0},high\n` });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('SF_DATA_TYPE');
    const ghost = await app.inject({ method: 'POST', url: '/assets/mill-1/readings/csv', headers: { ...auth(operator), 'content-type': 'text/csv' }, payload: `t,ghost\n${T0},1\n` });
    expect(ghost.statusCode).toBe(404);
  });

  it('refuses an oversized payload with 413', async () => {
    const readings = Array.from({ length: 2000 }, (_, i) => ({ asset: 'mill-1', sensor: 'torque', t: T0 + 100_000 + i, v: i }));
    const r = await call('POST', '/readings', operator, { readings });
    expect(r.status).toBe(413);
    expect(r.body.error?.code).toBe('SF_PAYLOAD_TOO_LARGE');
  });
});

describe('models, deployments, predictions, alerts', () => {
  let modelId = 0;
  it('registers a model dir (and refuses a bad one), deploys, rolls back', async () => {
    expect((await call('POST', '/models', admin, { dir: path.join(dir, 'missing') })).status).toBe(404);
    const a = await call('POST', '/models', admin, { dir: modelDir, name: 'failure' });
    expect(a.status).toBe(201);
    const b = await call('POST', '/models', admin, { dir: modelDir, name: 'failure' });
    expect([a.body.version, b.body.version]).toEqual([1, 2]);
    modelId = Number(a.body.id);
    expect((await call('POST', '/assets/mill-1/deployments', admin, { modelId: 999 })).status).toBe(404);
    expect((await call('POST', '/assets/mill-1/deployments', admin, { modelId })).status).toBe(201);
    expect((await call('POST', '/assets/mill-1/deployments', admin, { modelId: Number(b.body.id) })).status).toBe(201);
    const rb = await call('POST', '/assets/mill-1/deployments/rollback', admin);
    expect((rb.body.live as { modelId: number }).modelId).toBe(modelId);
    expect(((await call('GET', '/models', viewer)).body as unknown as unknown[]).length).toBe(2);
  });

  it('predicts single and batch; a worn, overloaded machine scores higher than a healthy one', async () => {
    const healthy = { air_temperature: 300, process_temperature: 310, rotational_speed: 1500, torque: 40, tool_wear: 10 };
    const failing = { air_temperature: 303, process_temperature: 312, rotational_speed: 1250, torque: 75, tool_wear: 240 };
    const one = await call('POST', '/assets/mill-1/predict', viewer, { features: healthy });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ assetId: 'mill-1', modelId, modelVersion: 1 });
    const batch = await call('POST', '/assets/mill-1/predict/batch', viewer, { rows: [healthy, failing] });
    const scores = batch.body.scores as { score: number; label: string }[];
    expect(scores[0]?.score).toBeCloseTo(Number(one.body.score), 10);
    expect(scores[1]!.score).toBeGreaterThan(scores[0]!.score);
    expect(scores[1]?.label).toBe('1');
    const bad = await call('POST', '/assets/mill-1/predict', viewer, { features: { ...healthy, torque: 'NaN' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error?.code).toBe('SF_DATA_TYPE');
    const missing = await call('POST', '/assets/mill-1/predict', viewer, { features: { torque: 1 } });
    expect(missing.body.error?.code).toBe('SF_DATA_SCHEMA');
  });

  it('scores streamed readings, raises a threshold alert once, lists, acknowledges and resolves it', async () => {
    const t = T0 + 3_600_000;
    const vals = { air_temperature: 300, process_temperature: 310, rotational_speed: 1500, torque: 65, tool_wear: 10 };
    const readings = Object.entries(vals).map(([sensor, v]) => ({ asset: 'mill-1', sensor, t, v }));
    await call('POST', '/readings', operator, { readings });
    await call('POST', '/readings', operator, { readings: readings.map((r) => ({ ...r, t: t + 1000, v: r.v + 0.5 })) });
    const preds = await call('GET', '/assets/mill-1/predictions', viewer);
    expect((preds.body as unknown as { modelId: number; t: number }[])[0]).toMatchObject({ modelId, t: t + 1000 });
    const open = (await call('GET', '/alerts?status=open&assetId=mill-1', viewer)).body as unknown as { id: number; rule: string; occurrences: number; raisedAt: number; value: number }[];
    expect(open.map((a) => a.rule)).toEqual(['torque-high']);
    expect(open[0]?.occurrences).toBe(1); // still above the clear level: no re-fire
    // raised by the new reading, not by the duplicate (t0+2000, v 99) the readings test sent earlier
    expect(open[0]).toMatchObject({ raisedAt: t, value: 65 });
    const id = open[0]!.id;
    expect((await call('POST', `/alerts/${id}/acknowledge`, viewer)).status).toBe(403);
    expect((await call('POST', `/alerts/${id}/acknowledge`, operator)).body).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'op' });
    expect((await call('POST', `/alerts/${id}/resolve`, operator)).body).toMatchObject({ status: 'resolved' });
    expect((await call('POST', '/alerts/99999/resolve', operator)).status).toBe(404);
    expect((await call('GET', '/alerts?status=bogus', viewer)).status).toBe(400);
  });
});

describe('metrics, openapi, errors, events', () => {
  it('serves Prometheus text with ingestion counters', async () => {
    const r = await call('GET', '/metrics', viewer);
    expect(r.res.headers['content-type']).toContain('text/plain');
    expect(String(r.body)).toMatch(/# TYPE shopfloor_readings_ingested_total counter\nshopfloor_readings_ingested_total\{source="http"\} \d+/);
  });
  it('documents every route in /openapi.json', async () => {
    const doc = (await call('GET', '/openapi.json', viewer)).body as unknown as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    for (const p of ['/readings', '/assets/{assetId}/predict', '/alerts/{alertId}/acknowledge', '/health', '/metrics', '/events']) expect(Object.keys(doc.paths)).toContain(p);
    expect(doc.paths['/readings']?.post).toHaveProperty('requestBody');
  });
  it('gives unknown routes the one error shape', async () => {
    const r = await call('GET', '/nope', viewer);
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe('SF_NOT_FOUND');
  });
  it('hides internal errors behind a request id', async () => {
    const boom = await createApp({ ...core, store: { ...core.store, verifyToken: core.store.verifyToken.bind(core.store), listAssets: async () => { throw new Error('secret db path /var/x'); } } as typeof core.store });
    const res = await boom.inject({ method: 'GET', url: '/assets', headers: auth(viewer) });
    await boom.close();
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('secret');
    expect(res.json()).toMatchObject({ error: { code: 'SF_INTERNAL', details: { requestId: expect.any(String) } } });
  });
  it('rate-limits per token with 429', async () => {
    const small = await createApp(core, { rateLimitPerMinute: 3 });
    const codes: number[] = [];
    for (let i = 0; i < 5; i++) codes.push((await small.inject({ method: 'GET', url: '/assets', headers: auth(viewer) })).statusCode);
    const last = await small.inject({ method: 'GET', url: '/assets', headers: auth(viewer) });
    await small.close();
    expect(codes).toEqual([200, 200, 200, 429, 429]);
    expect(last.json().error.code).toBe('SF_RATE_LIMIT');
  });
  it('drops a server-sent-events client that stops reading instead of buffering without bound', async () => {
    const srv = await createApp(core, { sseMaxBufferBytes: 64 * 1024 });
    await srv.listen({ host: '127.0.0.1', port: 0 });
    const port = (srv.server.address() as AddressInfo).port;
    const base = core.hub.subscribers;
    const sock = net.connect(port, '127.0.0.1');
    sock.write(`GET /events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${viewer}\r\n\r\n`);
    await new Promise<void>((r) => sock.once('data', () => r()));
    sock.pause(); // a consumer that never reads again
    expect(core.hub.subscribers).toBe(base + 1);
    const pad = 'x'.repeat(1000);
    for (let i = 0; i < 20_000 && core.hub.subscribers > base; i++) {
      core.hub.publish({ type: 'readings', assetId: pad, count: i, t: 0 });
      if (i % 500 === 0) await new Promise((r) => setImmediate(r));
    }
    expect(core.hub.subscribers).toBe(base); // dropped: memory stays bounded
    sock.destroy();
    await srv.close();
  });
  it('pushes predictions and alerts over server-sent events', async () => {
    const srv = await createApp(core);
    await srv.listen({ host: '127.0.0.1', port: 0 });
    const port = (srv.server.address() as AddressInfo).port;
    const got: string[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port, path: `/events?assetId=mill-1&access_token=${viewer}` }, (res) => {
        expect(res.statusCode).toBe(200);
        res.setEncoding('utf8');
        res.on('data', (c: string) => {
          got.push(c);
          if (got.join('').includes('event: prediction')) {
            req.destroy();
            resolve();
          }
        });
        void call('POST', '/readings', operator, { readings: [{ asset: 'mill-1', sensor: 'torque', t: T0 + 7_200_000, v: 41 }] });
      });
      req.on('error', reject);
    });
    await done;
    await srv.close();
    expect(got.join('')).toContain('event: readings');
    expect(got.join('')).toMatch(/event: prediction\ndata: \{"type":"prediction","prediction":\{[^\n]*"assetId":"mill-1"/);
  });
});
