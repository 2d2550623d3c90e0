/**
 * The HTTP API of `shopfloor serve`, built by a factory so tests run it in-process (`app.inject`).
 *
 * Every route has JSON schemas (bodies are validated without type coercion and unknown fields are
 * refused); every error has one shape, `{error: {code, message, details}}`; unknown errors are a 500
 * with only a request id. Everything except `/health` needs `Authorization: Bearer <token>` with a role
 * of at least the route's `minRole` (viewer < operator < admin). The OpenAPI document is at `/openapi.json`.
 */
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import { DataError, NotFoundError } from '../../core/errors.js';
import { parseCsv } from '../../io/csv/index.js';
import { ID_PATTERN, MAINTENANCE_KINDS, QUALITIES, ROLES, type MaintenanceKind, type Reading, type Role, type TokenRecord } from '../../storage/store.js';
import type { ServiceCore } from '../core.js';
import { Metrics } from '../metrics.js';
import { parseQuality, parseTimestamp, parseValue } from '../ingest.js';
import { scoreRows, type FeatureRow } from '../models.js';
import type { LiveModel } from '../live.js';
import type { ServiceEvent } from '../events.js';
import { HttpError, errorHandler } from './errors.js';
import { featureSensorId } from '../models.js';
import { loadLiveModel } from '../live.js';
import { buildOpenApi, type RouteDoc } from './openapi.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Least role allowed, or 'public' (no token). Default 'viewer'. */
    minRole?: Role | 'public';
  }
  interface FastifyRequest {
    principal?: TokenRecord;
  }
}

/** Options of `createApp`. */
export interface AppOptions {
  /** Largest request body, bytes (default 1 MiB). Larger → 413 SF_PAYLOAD_TOO_LARGE. */
  readonly bodyLimitBytes?: number;
  /** Requests per minute per token (or per IP without one); default 6000. 0 disables. */
  readonly rateLimitPerMinute?: number;
  /** Most readings in one POST /readings (default 10,000). */
  readonly maxBatch?: number;
  /** Fastify logger on (default false). */
  readonly logger?: boolean;
  /** Largest SSE send buffer before a slow client is dropped, bytes (default 1 MiB). */
  readonly sseMaxBufferBytes?: number;
  /** Version shown in /health and the OpenAPI document. */
  readonly version?: string;
  /** How long a verified token is reused without asking the store (default TOKEN_CACHE_MS; 0 = every request). */
  readonly tokenCacheMs?: number;
}

/** Default lifetime of a cached token verification, ms: a revoked token stops working within this. */
export const TOKEN_CACHE_MS = 5000;

const id = { type: 'string', pattern: ID_PATTERN } as const;
const intString = { type: 'string', pattern: '^-?[0-9]{1,16}$' } as const;
const timeString = { type: 'string', pattern: '^(-?[0-9]{1,16}|[0-9]{4}-[0-9]{2}-[0-9]{2}T[^ ]+)$' } as const;
const errorSchema = {
  type: 'object',
  properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object', additionalProperties: true } } } },
} as const;
const asset = { type: 'object', properties: { id: { type: 'string' }, site: { type: 'string' }, type: { type: 'string' }, name: { type: 'string' }, createdAt: { type: 'integer' } } } as const;
const sensor = { type: 'object', properties: { assetId: { type: 'string' }, id: { type: 'string' }, unit: { type: ['string', 'null'] }, description: { type: 'string' } } } as const;
const alert = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    assetId: { type: 'string' },
    rule: { type: 'string' },
    severity: { type: 'string' },
    status: { type: 'string' },
    message: { type: 'string' },
    value: { type: ['number', 'null'] },
    dedupKey: { type: 'string' },
    raisedAt: { type: 'integer' },
    updatedAt: { type: 'integer' },
    acknowledgedBy: { type: ['string', 'null'] },
    occurrences: { type: 'integer' },
  },
} as const;
const model = {
  type: 'object',
  properties: {
    id: { type: 'integer' },
    name: { type: 'string' },
    version: { type: 'integer' },
    task: { type: 'string', enum: ['failure', 'rul', 'anomaly'], description: "From the manifest: 'failure' (score = failure probability), 'rul' (score = remaining useful life), 'anomaly' (score = anomaly score)." },
    kind: { type: 'string', description: 'Estimator (failure), model (rul) or detector (anomaly) kind.' },
    sensors: { type: 'array', items: { type: 'string' }, description: 'Sensor ids the model reads (an asset needs them all to deploy it).' },
    window: { type: ['integer', 'null'], description: 'RUL: rows per window (the first prediction comes at the window-th complete row).' },
    threshold: { type: ['number', 'null'], description: 'Anomaly: the calibrated threshold; failure: the decision threshold.' },
    dir: { type: 'string' },
    createdAt: { type: 'integer' },
  },
} as const;
const maintenance = {
  type: 'object',
  properties: { id: { type: 'integer' }, assetId: { type: 'string' }, t: { type: 'integer' }, kind: { type: 'string', enum: [...MAINTENANCE_KINDS] }, note: { type: ['string', 'null'] }, recordedBy: { type: 'string' }, recordedAt: { type: 'integer' } },
} as const;
/** Maintenance may be recorded this far ahead of the server's clock (clock skew), no further. */
export const MAINTENANCE_MAX_AHEAD_MS = 60_000;
const deployment = { type: 'object', properties: { id: { type: 'integer' }, assetId: { type: 'string' }, modelId: { type: 'integer' }, deployedAt: { type: 'integer' }, deployedBy: { type: 'string' }, rolledBack: { type: 'boolean' } } } as const;
const scoreSchema = { type: 'object', properties: { score: { type: 'number' }, label: { type: 'string' } } } as const;
const featureRow = { type: 'object', maxProperties: 200, additionalProperties: { type: ['number', 'string', 'null'] } } as const;
const assetParams = { type: 'object', required: ['assetId'], properties: { assetId: id } } as const;
const alertParams = { type: 'object', required: ['alertId'], properties: { alertId: intString } } as const;
const errs = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema } as const;

/** The registry's `kind` of a loaded model: estimator (failure), model (rul) or detector (anomaly). */
function liveKind(m: LiveModel): string {
  return m.task === 'failure' ? m.loaded.manifest.kind : m.task === 'rul' ? m.loaded.manifest.model : m.loaded.manifest.detector;
}
/** The manifest stored with the registry record (anomaly: with the detector's threshold). */
function liveManifest(m: LiveModel): Record<string, unknown> {
  const mf = m.loaded.manifest as unknown as Record<string, unknown>;
  return m.task === 'anomaly' ? { ...mf, detectorThreshold: m.loaded.detector.threshold } : mf;
}

/**
 * Build the Fastify app around a service core. Call `await app.ready()` (inject does) before use and
 * `await app.close()` when done; closing the app does not close the store.
 * @example
 * const app = await createApp(createServiceCore(new SqliteStore()));
 * const res = await app.inject({ method: 'GET', url: '/health' });
 */
export async function createApp(core: ServiceCore, opts: AppOptions = {}): Promise<FastifyInstance> {
  const { store } = core;
  const app = Fastify({
    logger: opts.logger ?? false,
    bodyLimit: opts.bodyLimitBytes ?? 1024 * 1024,
    genReqId: () => randomUUID(),
    // No coercion ("12" is not 12) and no silent stripping of unknown fields: refuse them.
    ajv: { customOptions: { coerceTypes: false, removeAdditional: false, allErrors: false, allowUnionTypes: true } },
  });
  const routes: RouteDoc[] = [];
  app.addHook('onRoute', (r) => {
    for (const m of [r.method].flat()) routes.push({ method: m, url: r.url, schema: r.schema as Record<string, unknown> | undefined, minRole: r.config?.minRole ?? 'viewer' });
  });
  app.setErrorHandler(errorHandler);
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send({ error: { code: 'SF_NOT_FOUND', message: `No route ${req.method} ${req.url.split('?')[0] ?? ''}; see /openapi.json.`, details: {} } });
  });

  const metrics = core.metrics;
  metrics.counter('shopfloor_http_requests_total', 'HTTP requests, by method, route and status.');
  // Label keys per (method, route, status): rendered once, not per request.
  const requestKeys = new Map<string, string>();
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unknown';
    const k = `${req.method} ${reply.statusCode} ${route}`;
    let key = requestKeys.get(k);
    if (key === undefined) {
      key = Metrics.labelKey({ method: req.method, route, status: String(reply.statusCode) });
      if (requestKeys.size < 10_000) requestKeys.set(k, key);
    }
    metrics.incKey('shopfloor_http_requests_total', key);
  });

  // Verified tokens are cached for TOKEN_CACHE_MS (a hash and a store lookup per request otherwise);
  // a revoked token therefore works for at most that long in this process. Unknown tokens are not cached.
  const tokenCache = new Map<string, { principal: TokenRecord; until: number }>();
  const tokenTtl = opts.tokenCacheMs ?? TOKEN_CACHE_MS;
  async function verifyToken(token: string): Promise<TokenRecord | null> {
    const now = Date.now();
    const c = tokenCache.get(token);
    if (c && c.until > now) return c.principal;
    const principal = await store.verifyToken(token);
    if (principal && tokenTtl > 0) {
      if (tokenCache.size >= 10_000) tokenCache.clear();
      tokenCache.set(token, { principal, until: now + tokenTtl });
    } else tokenCache.delete(token);
    return principal;
  }

  // Authentication first (so a rate limit keyed by token sees a verified principal).
  app.addHook('onRequest', async (req) => {
    const minRole = req.routeOptions.config?.minRole ?? 'viewer';
    if (minRole === 'public') return;
    const h = req.headers.authorization;
    let token = typeof h === 'string' && h.startsWith('Bearer ') ? h.slice(7).trim() : undefined;
    // EventSource cannot send headers: /events also takes ?access_token=.
    if (!token && req.routeOptions.url === '/events') token = (req.query as Record<string, string | undefined>).access_token;
    if (!token) throw new HttpError(401, 'SF_UNAUTHORIZED', 'Missing bearer token: send Authorization: Bearer <token>.');
    const principal = await verifyToken(token);
    if (!principal) throw new HttpError(401, 'SF_UNAUTHORIZED', 'Invalid or revoked token.');
    if (ROLES.indexOf(principal.role) < ROLES.indexOf(minRole)) {
      throw new HttpError(403, 'SF_FORBIDDEN', `This needs role '${minRole}' or higher; the token has '${principal.role}'.`, { required: minRole, role: principal.role });
    }
    req.principal = principal;
  });
  const rpm = opts.rateLimitPerMinute ?? 6000;
  if (rpm > 0) {
    await app.register(rateLimit, {
      max: rpm,
      timeWindow: 60_000,
      hook: 'preHandler',
      keyGenerator: (req: FastifyRequest) => (req.principal ? `t${req.principal.id}` : req.ip),
    });
  }
  const who = (req: FastifyRequest): string => req.principal?.name ?? 'anonymous';

  // ---- health, metrics, openapi -------------------------------------------------------------------
  app.get('/health', { config: { minRole: 'public' }, schema: { summary: 'Liveness (no token).', response: { 200: { type: 'object', properties: { status: { type: 'string' }, version: { type: 'string' } } } } } }, async () => ({
    status: 'ok',
    version: opts.version ?? '0',
  }));
  app.get('/metrics', { schema: { summary: 'Prometheus metrics (text format 0.0.4).', response: { 200: { type: 'string' } } } }, async (_req, reply) => {
    void reply.type('text/plain; version=0.0.4');
    return metrics.render();
  });
  app.get('/openapi.json', { schema: { summary: 'This API as OpenAPI 3.1.', response: { 200: { type: 'object', additionalProperties: true } } } }, async () => buildOpenApi(routes, opts.version ?? '0'));

  // ---- assets and sensors ---------------------------------------------------------------------------
  app.get('/assets', { schema: { summary: 'List assets.', tags: ['assets'], response: { 200: { type: 'array', items: asset } } } }, async () => store.listAssets());
  app.put(
    '/assets/:assetId',
    {
      config: { minRole: 'operator' },
      schema: {
        summary: 'Create or update an asset.',
        tags: ['assets'],
        params: assetParams,
        body: { type: 'object', additionalProperties: false, required: ['site'], properties: { site: id, type: { type: 'string', maxLength: 64 }, name: { type: 'string', maxLength: 200 } } },
        response: { 200: asset, ...errs },
      },
    },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const b = req.body as { site: string; type?: string; name?: string };
      return store.upsertAsset({ id: assetId, site: b.site, type: b.type ?? '', name: b.name ?? assetId });
    },
  );
  app.get(
    '/assets/:assetId',
    { schema: { summary: 'One asset with its sensors.', tags: ['assets'], params: assetParams, response: { 200: { type: 'object', properties: { asset, sensors: { type: 'array', items: sensor } } }, ...errs } } },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const a = await store.getAsset(assetId);
      if (!a) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
      return { asset: a, sensors: await store.listSensors(assetId) };
    },
  );
  app.put(
    '/assets/:assetId/sensors/:sensorId',
    {
      config: { minRole: 'operator' },
      schema: {
        summary: 'Create or update a sensor of an asset.',
        tags: ['assets'],
        params: { type: 'object', required: ['assetId', 'sensorId'], properties: { assetId: id, sensorId: id } },
        body: { type: 'object', additionalProperties: false, properties: { unit: { type: ['string', 'null'], maxLength: 32 }, description: { type: 'string', maxLength: 500 } } },
        response: { 200: sensor, ...errs },
      },
    },
    async (req) => {
      const { assetId, sensorId } = req.params as { assetId: string; sensorId: string };
      const b = (req.body ?? {}) as { unit?: string | null; description?: string };
      return store.upsertSensor({ assetId, id: sensorId, unit: b.unit ?? null, description: b.description ?? '' });
    },
  );

  // ---- readings ---------------------------------------------------------------------------------------
  const maxBatch = opts.maxBatch ?? 10_000;
  app.post(
    '/readings',
    {
      config: { minRole: 'operator' },
      schema: {
        summary: 'Insert a batch of readings (one transaction). Duplicates (same asset, sensor, t) are idempotent: ignored and counted.',
        tags: ['readings'],
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['readings'],
          properties: {
            readings: {
              type: 'array',
              minItems: 1,
              maxItems: maxBatch,
              items: {
                type: 'object',
                additionalProperties: false,
                required: ['asset', 'sensor', 't', 'v'],
                properties: { asset: id, sensor: id, t: { type: ['integer', 'string'] }, v: { type: ['number', 'null'] }, q: { type: 'string', enum: [...QUALITIES] } },
              },
            },
          },
        },
        response: { 200: { type: 'object', properties: { inserted: { type: 'integer' }, duplicates: { type: 'integer' } } }, ...errs },
      },
    },
    async (req) => {
      const raw = (req.body as { readings: { asset: string; sensor: string; t: unknown; v: unknown; q?: unknown }[] }).readings;
      const readings: Reading[] = raw.map((r, i) => {
        const where = `readings[${i}]`;
        const q = parseQuality(r.q, where);
        return { assetId: r.asset, sensorId: r.sensor, t: parseTimestamp(r.t, where), v: parseValue(r.v, q, where), q };
      });
      return core.ingestor.ingest(readings, 'http');
    },
  );
  app.addContentTypeParser('text/csv', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  app.post(
    '/assets/:assetId/readings/csv',
    {
      config: { minRole: 'operator' },
      schema: {
        summary: "Back-fill from CSV (content-type text/csv): a time column 't' (epoch ms or ISO 8601) and one column per sensor id; an empty cell is no reading. One transaction; duplicates idempotent.",
        tags: ['readings'],
        params: assetParams,
        response: { 200: { type: 'object', properties: { inserted: { type: 'integer' }, duplicates: { type: 'integer' }, rows: { type: 'integer' } } }, ...errs },
      },
    },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const table = parseCsv(req.body as Buffer);
      const tcol = table.columns.find((c) => c.name === 't' || c.name === 'timestamp' || c.name === 'time');
      if (!tcol || !('values' in tcol)) {
        throw new DataError('SF_DATA_COLUMN', `CSV upload: need a time column 't' of epoch ms or ISO 8601 date-times; columns are ${table.names.join(', ')}.`, { columns: table.names });
      }
      const times = tcol.values;
      const readings: Reading[] = [];
      for (const c of table.columns) {
        if (c === tcol) continue;
        if (c.kind !== 'numeric') throw new DataError('SF_DATA_TYPE', `CSV upload: column '${c.name}' must hold numbers (it is read as ${c.kind}).`, { column: c.name });
        for (let i = 0; i < table.nRows; i++) {
          const v = c.values[i] as number;
          if (Number.isNaN(v)) continue;
          readings.push({ assetId, sensorId: c.name, t: parseTimestamp(times[i], `CSV row ${i + 2}`), v: parseValue(v, 'good', `CSV row ${i + 2}, column '${c.name}'`), q: 'good' });
        }
      }
      if (readings.length === 0) throw new DataError('SF_DATA_EMPTY', 'CSV upload: no readings in the file.', {});
      if (readings.length > maxBatch * 10) throw new HttpError(413, 'SF_PAYLOAD_TOO_LARGE', `CSV upload: ${readings.length} readings; at most ${maxBatch * 10} per upload.`);
      if (!(await store.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
      return { ...(await core.ingestor.ingest(readings, 'http')), rows: table.nRows };
    },
  );
  app.get(
    '/assets/:assetId/sensors/:sensorId/readings',
    {
      schema: {
        summary: 'Readings in [from, to), raw or downsampled into buckets (min/max/avg; bad samples skipped).',
        tags: ['readings'],
        params: { type: 'object', required: ['assetId', 'sensorId'], properties: { assetId: id, sensorId: id } },
        querystring: { type: 'object', additionalProperties: false, required: ['from', 'to'], properties: { from: timeString, to: timeString, bucketMs: intString, limit: intString } },
        response: { 200: { type: 'object', properties: { readings: { type: 'array', items: { type: 'object', additionalProperties: true } } } }, ...errs },
      },
    },
    async (req) => {
      const { assetId, sensorId } = req.params as { assetId: string; sensorId: string };
      const qs = req.query as { from: string; to: string; bucketMs?: string; limit?: string };
      const t = (s: string, name: string): number => parseTimestamp(/^-?\d+$/.test(s) ? Number(s) : s, name);
      const from = t(qs.from, 'from');
      const to = t(qs.to, 'to');
      const limit = qs.limit === undefined ? 10_000 : Math.min(100_000, Math.max(1, Number(qs.limit)));
      if (!(await store.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
      if (qs.bucketMs !== undefined) {
        const bucketMs = Number(qs.bucketMs);
        if (!(bucketMs > 0)) throw new HttpError(400, 'SF_VALIDATION', `bucketMs must be a positive integer; got ${qs.bucketMs}.`);
        return { readings: await store.queryBuckets({ assetId, sensorId, from, to, bucketMs, limit }) };
      }
      return { readings: (await store.queryReadings({ assetId, sensorId, from, to, limit })).map((r) => ({ t: r.t, v: r.v, q: r.q })) };
    },
  );

  // ---- models and deployments --------------------------------------------------------------------
  /** Registry record → API shape, with what the manifest says about the model. */
  const modelOut = (rec: Awaited<ReturnType<typeof store.listModels>>[number]) => {
    const mf = rec.manifest as Record<string, unknown> & { task?: string; window?: number; threshold?: number | null; features?: { name: string; kind: string }[]; sensors?: string[]; preprocessor?: { settings: string[]; sensors: string[]; regimeNormalizer: unknown } };
    const task = mf.task === 'rul' || mf.task === 'anomaly' ? mf.task : 'failure';
    const cols = task === 'failure' ? (mf.features ?? []).filter((f) => f.kind === 'numeric').map((f) => f.name) : task === 'rul' ? [...(mf.preprocessor?.regimeNormalizer ? mf.preprocessor.settings : []), ...(mf.preprocessor?.sensors ?? [])] : (mf.sensors ?? []);
    const threshold = task === 'anomaly' ? ((mf.detectorThreshold as number | undefined) ?? null) : task === 'failure' ? (mf.threshold ?? null) : null;
    return { ...rec, task, sensors: cols.map(featureSensorId), window: task === 'rul' ? (mf.window ?? null) : null, threshold };
  };
  app.get('/models', { schema: { summary: 'Registered model versions.', tags: ['models'], response: { 200: { type: 'array', items: model } } } }, async () => (await store.listModels()).map(modelOut));
  app.post(
    '/models',
    {
      config: { minRole: 'admin' },
      schema: {
        summary: 'Register a model directory written by `shopfloor train` (failure), `train --task rul` or `train --task anomaly` (a new version of `name`).',
        tags: ['models'],
        body: { type: 'object', additionalProperties: false, required: ['dir'], properties: { dir: { type: 'string', minLength: 1, maxLength: 4096 }, name: id } },
        response: { 201: model, ...errs },
      },
    },
    async (req, reply) => {
      const b = req.body as { dir: string; name?: string };
      const dir = path.resolve(b.dir);
      const live = await loadLiveModel(dir); // validates the directory and its kind; errors are 4xx
      const rec = await store.registerModel({ name: b.name ?? path.basename(dir), kind: liveKind(live), dir, manifest: liveManifest(live) });
      void reply.code(201);
      return modelOut(rec);
    },
  );
  app.post(
    '/assets/:assetId/deployments',
    {
      config: { minRole: 'admin' },
      schema: { summary: 'Deploy a model version to an asset.', tags: ['models'], params: assetParams, body: { type: 'object', additionalProperties: false, required: ['modelId'], properties: { modelId: { type: 'integer', minimum: 1 } } }, response: { 201: deployment, ...errs } },
    },
    async (req, reply) => {
      const { assetId } = req.params as { assetId: string };
      const modelId = (req.body as { modelId: number }).modelId;
      const rec = await store.getModel(modelId);
      if (rec && (await store.getAsset(assetId))) await checkSensors(assetId, rec);
      const d = await store.deploy(assetId, modelId, who(req));
      core.scoring.invalidate(assetId);
      void reply.code(201);
      return d;
    },
  );
  app.post(
    '/asset-types/:assetType/deployments',
    {
      config: { minRole: 'admin' },
      schema: {
        summary: 'Deploy a model version to every asset of a type (each gets its own deployment, as if deployed one by one; assets created later are not included). All or none: if any asset lacks a sensor the model reads, nothing is deployed.',
        tags: ['models'],
        params: { type: 'object', required: ['assetType'], properties: { assetType: { type: 'string', minLength: 1, maxLength: 64 } } },
        body: { type: 'object', additionalProperties: false, required: ['modelId'], properties: { modelId: { type: 'integer', minimum: 1 } } },
        response: { 201: { type: 'array', items: deployment }, ...errs },
      },
    },
    async (req, reply) => {
      const { assetType } = req.params as { assetType: string };
      const modelId = (req.body as { modelId: number }).modelId;
      const rec = await store.getModel(modelId);
      if (!rec) throw new NotFoundError(`Unknown model ${modelId}.`, { modelId });
      const assets = (await store.listAssets()).filter((a) => a.type === assetType);
      if (assets.length === 0) throw new NotFoundError(`No asset has type '${assetType}'.`, { assetType });
      for (const a of assets) await checkSensors(a.id, rec);
      const out = [];
      for (const a of assets) {
        out.push(await store.deploy(a.id, modelId, who(req)));
        core.scoring.invalidate(a.id);
      }
      void reply.code(201);
      return out;
    },
  );
  app.get('/assets/:assetId/deployments', { schema: { summary: 'Deployment history, newest first.', tags: ['models'], params: assetParams, response: { 200: { type: 'array', items: deployment } } } }, async (req) =>
    store.deploymentHistory((req.params as { assetId: string }).assetId),
  );
  app.post(
    '/assets/:assetId/deployments/rollback',
    { config: { minRole: 'admin' }, schema: { summary: 'Roll back the live deployment; the previous one becomes live.', tags: ['models'], params: assetParams, response: { 200: { type: 'object', properties: { live: { anyOf: [deployment, { type: 'null' }] } } }, ...errs } } },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const live = await store.rollback(assetId);
      core.scoring.invalidate(assetId);
      return { live };
    },
  );

  // ---- maintenance ----------------------------------------------------------------------------------
  app.post(
    '/assets/:assetId/maintenance',
    {
      config: { minRole: 'operator' },
      schema: {
        summary:
          "Record maintenance done on an asset. A `renewal` (machine or monitored component replaced or overhauled to as good as new) starts a new life: a deployed RUL model counts the asset's life from its latest renewal (readings before it no longer count; the next RUL comes once the new life fills the model's window). `t` defaults to now; it may lie in the past (work recorded late), not in the future. Predictions already stored are not recomputed.",
        tags: ['assets'],
        params: assetParams,
        body: {
          type: 'object',
          additionalProperties: false,
          required: ['kind'],
          properties: { kind: { type: 'string', enum: [...MAINTENANCE_KINDS] }, t: { type: 'integer', minimum: 0 }, note: { type: 'string', maxLength: 2000 } },
        },
        response: { 201: maintenance, ...errs },
      },
    },
    async (req, reply) => {
      const { assetId } = req.params as { assetId: string };
      const b = req.body as { kind: MaintenanceKind; t?: number; note?: string };
      const now = Date.now();
      const t = b.t ?? now;
      if (t > now + MAINTENANCE_MAX_AHEAD_MS) {
        throw new HttpError(400, 'SF_VALIDATION', `body/t: maintenance can be recorded once done; t = ${new Date(t).toISOString()} is in the future (server time ${new Date(now).toISOString()}).`, { t, now });
      }
      const e = await store.recordMaintenance({ assetId, t, kind: b.kind, note: b.note ?? null, by: who(req) });
      core.scoring.refresh(assetId);
      void reply.code(201);
      return e;
    },
  );
  app.get(
    '/assets/:assetId/maintenance',
    {
      schema: {
        summary: 'Maintenance records of an asset, newest first (by the time the work was done).',
        tags: ['assets'],
        params: assetParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: intString } },
        response: { 200: { type: 'array', items: maintenance }, ...errs },
      },
    },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      if (!(await store.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
      const { limit } = req.query as { limit?: string };
      return store.listMaintenance(assetId, limit ? Math.min(10_000, Number(limit)) : 1000);
    },
  );

  /** Every input sensor of the model must exist on the asset, or it would never be scored: 409 SF_MODEL_SENSORS. */
  async function checkSensors(assetId: string, rec: NonNullable<Awaited<ReturnType<typeof store.getModel>>>): Promise<void> {
    const live = await core.models.get(rec);
    const have = new Set((await store.listSensors(assetId)).map((x) => x.id));
    const missing = live.sensors.filter((x) => !have.has(x));
    if (missing.length === 0) return;
    throw new HttpError(
      409,
      'SF_MODEL_SENSORS',
      `Asset '${assetId}' lacks ${missing.length} sensor(s) that ${live.task} model ${rec.id} ('${rec.name}' v${rec.version}) reads: ${missing.join(', ')}. It reads ${live.sensors.join(', ')}; create the missing ones with PUT /assets/${assetId}/sensors/{sensorId}.`,
      { assetId, modelId: rec.id, task: live.task, missing, required: [...live.sensors] },
    );
  }

  // ---- predictions ----------------------------------------------------------------------------------
  async function deployedModel(assetId: string) {
    const live = await core.scoring.deployment(assetId); // cached: no store round trip per prediction
    if (live) return live;
    if (!(await store.getAsset(assetId))) throw new NotFoundError(`Unknown asset '${assetId}'.`, { assetId });
    const dep = await store.currentDeployment(assetId);
    if (!dep) throw new NotFoundError(`Asset '${assetId}' has no deployed model: POST /assets/${assetId}/deployments first.`, { assetId });
    const rec = await store.getModel(dep.modelId);
    if (!rec) throw new NotFoundError(`Model ${dep.modelId} is gone from the registry.`, { modelId: dep.modelId });
    return { rec, model: await core.models.get(rec), lifeStart: null };
  }
  /** /predict scores one row statelessly: failure models only (RUL and anomaly need the stream). */
  function failureModel(assetId: string, m: LiveModel): Extract<LiveModel, { task: 'failure' }> {
    if (m.task === 'failure') return m;
    throw new HttpError(
      409,
      'SF_MODEL_TASK',
      `Asset '${assetId}' has a ${m.task} model deployed; /predict scores failure models from one row. ${m.task === 'rul' ? 'RUL needs a window of rows' : 'Anomaly scores need the stream'}: send readings and read GET /assets/${assetId}/predictions (or /events).`,
      { assetId, task: m.task },
    );
  }
  app.post(
    '/assets/:assetId/predict',
    {
      schema: {
        summary: "Score one row with the asset's deployed model; without `features`, the asset's latest streamed values.",
        tags: ['predictions'],
        params: assetParams,
        body: { type: 'object', additionalProperties: false, properties: { features: featureRow } },
        response: { 200: { type: 'object', properties: { assetId: { type: 'string' }, modelId: { type: 'integer' }, modelVersion: { type: 'integer' }, score: { type: 'number' }, label: { type: 'string' } } }, ...errs },
      },
    },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const { rec, model: m } = await deployedModel(assetId);
      const row: FeatureRow = (req.body as { features?: FeatureRow } | undefined)?.features ?? core.scoring.latestValues(assetId);
      const s = await failureModel(assetId, m).oneRow.score(row);
      return { assetId, modelId: rec.id, modelVersion: rec.version, score: s.score, label: s.label };
    },
  );
  app.post(
    '/assets/:assetId/predict/batch',
    {
      schema: {
        summary: "Score many rows with the asset's deployed model.",
        tags: ['predictions'],
        params: assetParams,
        body: { type: 'object', additionalProperties: false, required: ['rows'], properties: { rows: { type: 'array', minItems: 1, maxItems: 10_000, items: featureRow } } },
        response: { 200: { type: 'object', properties: { modelId: { type: 'integer' }, scores: { type: 'array', items: scoreSchema } } }, ...errs },
      },
    },
    async (req) => {
      const { assetId } = req.params as { assetId: string };
      const { rec, model: m } = await deployedModel(assetId);
      return { modelId: rec.id, scores: await scoreRows(failureModel(assetId, m).loaded, (req.body as { rows: FeatureRow[] }).rows) };
    },
  );
  app.get(
    '/assets/:assetId/predictions',
    {
      schema: {
        summary: "Stored streaming predictions, newest first. `task` says what `score` is: failure probability, RUL (the training data's time unit, e.g. cycles) or anomaly score (`label` 'anomaly' above the detector's threshold, else 'normal').",
        tags: ['predictions'],
        params: assetParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: intString } },
        response: {
          200: {
            type: 'array',
            items: {
              type: 'object',
              properties: { id: { type: 'integer' }, assetId: { type: 'string' }, modelId: { type: 'integer' }, t: { type: 'integer' }, score: { type: 'number' }, label: { type: 'string' }, task: { type: 'string', enum: ['failure', 'rul', 'anomaly'] } },
            },
          },
        },
      },
    },
    async (req) => {
      const { limit } = req.query as { limit?: string };
      const preds = await store.listPredictions((req.params as { assetId: string }).assetId, limit ? Math.min(10_000, Number(limit)) : 100);
      const tasks = new Map<number, string>();
      for (const p of preds) {
        if (tasks.has(p.modelId)) continue;
        const rec = await store.getModel(p.modelId);
        const t = (rec?.manifest as { task?: string } | undefined)?.task;
        tasks.set(p.modelId, t === 'rul' || t === 'anomaly' ? t : 'failure');
      }
      return preds.map((p) => ({ ...p, task: tasks.get(p.modelId) }));
    },
  );

  // ---- alerts -------------------------------------------------------------------------------------
  app.get(
    '/alerts',
    {
      schema: {
        summary: 'Alerts, newest first, filtered.',
        tags: ['alerts'],
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: { assetId: id, status: { type: 'string', enum: ['open', 'acknowledged', 'resolved'] }, severity: { type: 'string', enum: ['info', 'warning', 'critical'] }, rule: { type: 'string' }, limit: intString },
        },
        response: { 200: { type: 'array', items: alert } },
      },
    },
    async (req) => {
      const q = req.query as Record<string, string | undefined>;
      return store.listAlerts({
        ...(q.assetId ? { assetId: q.assetId } : {}),
        ...(q.status ? { status: q.status as 'open' } : {}),
        ...(q.severity ? { severity: q.severity as 'info' } : {}),
        ...(q.rule ? { rule: q.rule } : {}),
        limit: q.limit ? Math.min(10_000, Number(q.limit)) : 100,
      });
    },
  );
  for (const action of ['acknowledge', 'resolve'] as const) {
    app.post(`/alerts/:alertId/${action}`, { config: { minRole: 'operator' }, schema: { summary: `${action === 'acknowledge' ? 'Acknowledge' : 'Resolve'} an alert.`, tags: ['alerts'], params: alertParams, response: { 200: alert, ...errs } } }, async (req) =>
      store.setAlertStatus(Number((req.params as { alertId: string }).alertId), action === 'acknowledge' ? 'acknowledged' : 'resolved', who(req), core.now()),
    );
  }

  // ---- tokens -------------------------------------------------------------------------------------
  app.post(
    '/tokens',
    {
      config: { minRole: 'admin' },
      schema: {
        summary: 'Create an API token (the plaintext is shown once).',
        tags: ['auth'],
        body: { type: 'object', additionalProperties: false, required: ['name', 'role'], properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, role: { type: 'string', enum: [...ROLES] } } },
        response: { 201: { type: 'object', properties: { token: { type: 'string' }, id: { type: 'integer' }, role: { type: 'string' } } }, ...errs },
      },
    },
    async (req, reply) => {
      const b = req.body as { name: string; role: Role };
      const { token, record } = await store.createToken(b.name, b.role);
      void reply.code(201);
      return { token, id: record.id, role: record.role };
    },
  );

  // ---- server-sent events ---------------------------------------------------------------------------
  const maxBuf = opts.sseMaxBufferBytes ?? 1024 * 1024;
  const open = new Set<import('node:http').ServerResponse>();
  app.addHook('onClose', async () => {
    for (const r of open) r.destroy();
  });
  app.get(
    '/events',
    { schema: { summary: 'Server-sent events: readings, prediction, alert. Token via header or ?access_token=.', tags: ['events'], querystring: { type: 'object', properties: { access_token: { type: 'string' }, assetId: id } } } },
    (req, reply) => {
      const only = (req.query as { assetId?: string }).assetId;
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
      res.write(': connected\n\n');
      open.add(res);
      const assetOf = (e: ServiceEvent): string => (e.type === 'readings' ? e.assetId : e.type === 'prediction' ? e.prediction.assetId : e.alert.assetId);
      const unsubscribe = core.hub.subscribe((e) => {
        if (only && assetOf(e) !== only) return;
        // Back-pressure: a client that cannot keep up is dropped instead of buffering without bound.
        if (res.writableLength > maxBuf) {
          res.destroy();
          return;
        }
        res.write(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`);
      });
      const ping = setInterval(() => res.write(': ping\n\n'), 15_000);
      ping.unref();
      res.on('close', () => {
        clearInterval(ping);
        open.delete(res);
        unsubscribe();
      });
    },
  );
  return app;
}
