/**
 * RUL and anomaly deployments in the live service (in-process: createApp + the embedded MQTT broker):
 * small models trained here on simulator data, registered and deployed through the API, fed readings
 * over HTTP and MQTT; the stored predictions must equal the offline predictions on the same data
 * (RUL: predictWindows on every full window of the unit's series; anomaly: detector.detect), and the
 * alert rules on them must fire as the offline scores say. Plus the refusals.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import mqtt, { type MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { numericColumn, type Table } from '../../src/core/table.js';
import { writeCsv } from '../../src/io/write.js';
import { slidingWindows } from '../../src/preprocess/windows.js';
import { createServiceCore, type ServiceCore } from '../../src/serve/core.js';
import { createApp } from '../../src/serve/http/app.js';
import { startBroker, type RunningBroker } from '../../src/serve/mqtt/broker.js';
import { simulateAnomalyStreams, simulateRunToFailure } from '../../src/sim/index.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import type { Prediction } from '../../src/storage/store.js';
import { loadAnomalyModel } from '../../src/tasks/anomaly/model-dir.js';
import { trainAnomalyCommandRun } from '../../src/tasks/anomaly/cli.js';
import { machinesFromTable } from '../../src/tasks/anomaly/data.js';
import { loadRulModel, predictWindows, trainRul } from '../../src/tasks/rul/rul.js';

const WINDOW = 8;
const RUL_BELOW = 25;
let dir: string;
let core: ServiceCore;
let app: FastifyInstance;
let broker: RunningBroker;
let client: MqttClient;
let admin: string;
let rulDir: string;
/** The same RUL model without unit-history channels (rolling window only). */
let rulPlainDir: string;
let anomalyDir: string;
/** The held-out run-to-failure unit streamed into the service. */
let rulUnit: Table;
let rulInputs: string[];
/** The anomaly stream of one machine. */
let anomalyStream: Table;
const ANOMALY_SENSORS = ['temperature', 'vibration', 'current'];

type Json = Record<string, unknown> & { error?: { code: string; message: string; details: Record<string, unknown> } };
async function call(method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown): Promise<{ status: number; body: Json }> {
  const res = await app.inject({ method, url, headers: { authorization: `Bearer ${admin}` }, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.json() as Json };
}
const ctx = () => ({ json: true, quiet: true, seed: 42, info() {}, warn() {}, result() {}, progress: () => ({ update() {}, done() {} }) });
/**
 * The offline RUL at every cycle r ≥ WINDOW − 1 of the held-out unit, as `evaluate` computes it for a
 * unit truncated at r (the test protocol): preprocess the prefix 0..r, predict its last window.
 */
async function offlineRul(modelDir: string, unit: Table = rulUnit): Promise<{ t: number[]; rul: number[] }> {
  const model = await loadRulModel(modelDir);
  const ts = unit.numeric('timestamp');
  const t: number[] = [];
  const xs: Float32Array[] = [];
  let shape: [number, number] = [WINDOW, 0];
  for (let r = WINDOW - 1; r < unit.nRows; r++) {
    const w = slidingWindows(model.preprocessor.transform(unit.take(Array.from({ length: r + 1 }, (_, i) => i))), { windowSize: WINDOW });
    const last = w.samples.n - 1;
    shape = w.samples.shape as [number, number];
    const size = shape[0] * shape[1];
    xs.push(w.samples.x.slice(last * size, (last + 1) * size) as Float32Array);
    t.push(ts[r] as number);
  }
  const x = new Float32Array(xs.length * WINDOW * shape[1]);
  xs.forEach((v, i) => x.set(v, i * v.length));
  return { t, rul: Array.from(await predictWindows(model, { x, n: xs.length, shape })) };
}
const predictionsOf = async (assetId: string): Promise<Prediction[]> => (await core.store.listPredictions(assetId, 100_000)).reverse();

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sf-serve-models-'));
  // RUL: 13 units, one regime with settings; train on 12, stream the 13th (run to failure).
  const sim = simulateRunToFailure({ seed: 7, units: 13, testUnits: 0, sensors: 6, conditions: 1, onsetCycles: [10, 30], degradationCycles: [40, 60] });
  const units = sim.train.numeric('unit');
  const trainRows: number[] = [];
  const heldRows: number[] = [];
  units.forEach((u, i) => (u === 13 ? heldRows : trainRows).push(i));
  const keep = ['unit', 'cycle', 'op_setting_1', 'op_setting_2', 'op_setting_3', 's1', 's2', 's3', 's4', 's5', 's6'];
  const csv = path.join(dir, 'rtf.csv');
  writeCsv(csv, sim.train.take(trainRows).select(keep));
  rulUnit = sim.train.take(heldRows);
  rulDir = path.join(dir, 'rul');
  await trainRul({ data: csv, format: 'csv', unit: 'unit', time: 'cycle', settings: [], out: rulDir, model: 'gbdt', window: WINDOW, settingsOverride: { epochs: 60 }, seed: 1 });
  rulInputs = (await loadRulModel(rulDir)).manifest.preprocessor.sensors;
  rulPlainDir = path.join(dir, 'rul-plain');
  await trainRul({ data: csv, format: 'csv', unit: 'unit', time: 'cycle', settings: [], out: rulPlainDir, model: 'gbdt', window: WINDOW, history: null, settingsOverride: { epochs: 60 }, seed: 1 });

  // Anomaly: a robust-z detector on clean data of one machine; stream a machine with anomalies.
  const normal = path.join(dir, 'normal.csv');
  writeCsv(normal, simulateAnomalyStreams({ seed: 8, machines: 1, samples: 1500, sensorsPerMachine: 3 }).clean);
  anomalyDir = path.join(dir, 'anomaly');
  await trainAnomalyCommandRun({ data: normal, out: anomalyDir, detector: 'robust-z', 'false-alarm-rate': 0.01, delimiter: 'auto', 'date-order': 'auto', decimal: 'auto' }, ctx() as never);
  anomalyStream = simulateAnomalyStreams({ seed: 9, machines: 1, samples: 300, sensorsPerMachine: 3, anomaliesPerSensor: 2, kinds: ['spike', 'level_shift'] }).table;

  core = createServiceCore(new SqliteStore({ file: path.join(dir, 'db.sqlite') }), {
    rules: [
      { id: 'rul-low', kind: 'score', model: 'rul', below: RUL_BELOW, clear: RUL_BELOW + 10, severity: 'critical' },
      { id: 'detector', kind: 'anomaly', severity: 'warning' },
    ],
  });
  app = await createApp(core, { rateLimitPerMinute: 0 });
  admin = (await core.store.createToken('admin', 'admin')).token;
  broker = await startBroker(core, { port: 0, users: { line: 'pw' } });
  client = await mqtt.connectAsync(`mqtt://127.0.0.1:${broker.port}`, { username: 'line', password: 'pw', reconnectPeriod: 0 });
  await call('PUT', '/assets/engine-13', { site: 'plant', type: 'engine' });
  await call('PUT', '/assets/engine-bare', { site: 'plant', type: 'engine' });
  await call('PUT', '/assets/press-1', { site: 'plant', type: 'press' });
  for (const s of ['op_setting_1', 'op_setting_2', 'op_setting_3', 's1', 's2', 's3', 's4', 's5', 's6']) await call('PUT', `/assets/engine-13/sensors/${s}`, {});
  await call('PUT', '/assets/engine-bare/sensors/s1', {});
  await call('PUT', '/assets/engine-plain', { site: 'plant', type: 'engine-plain' });
  for (const s of ['op_setting_1', 'op_setting_2', 'op_setting_3', 's1', 's2', 's3', 's4', 's5', 's6']) await call('PUT', `/assets/engine-plain/sensors/${s}`, {});
  for (const s of ANOMALY_SENSORS) await call('PUT', `/assets/press-1/sensors/${s}`, {});
}, 120_000);

afterAll(async () => {
  await client?.endAsync();
  await broker?.close();
  await app?.close();
  await core?.store.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('RUL deployment', () => {
  let modelId = 0;
  it('registers the RUL model directory with its task, sensors and window', async () => {
    const r = await call('POST', '/models', { dir: rulDir, name: 'rul-small' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ task: 'rul', kind: 'gbdt', window: WINDOW, sensors: rulInputs });
    modelId = Number(r.body.id);
  });
  it('refuses to deploy it to an asset that lacks its sensors, naming them', async () => {
    const r = await call('POST', '/assets/engine-bare/deployments', { modelId });
    expect(r.status).toBe(409);
    expect(r.body.error?.code).toBe('SF_MODEL_SENSORS');
    expect(r.body.error?.details.missing).toEqual(rulInputs.filter((s) => s !== 's1'));
    expect(r.body.error?.message).toContain(rulInputs.filter((s) => s !== 's1').join(', '));
  });
  it('streams (HTTP batch, then MQTT per-asset messages): stored RUL = offline predictWindows on every full window; the RUL-low rule fires', async () => {
    expect((await call('POST', '/assets/engine-13/deployments', { modelId })).status).toBe(201);
    // What /events (SSE) sends: every prediction event of the hub.
    const pushed: { task?: string; prediction: Prediction }[] = [];
    const unsubscribe = core.hub.subscribe((e) => void (e.type === 'prediction' && e.prediction.assetId === 'engine-13' && pushed.push(e)));
    const n = rulUnit.nRows;
    const ts = rulUnit.numeric('timestamp');
    const cols = rulInputs;
    // First half over HTTP, sensor-major (rows complete only when the last sensor arrives).
    const half = Math.floor(n / 2);
    const readings = cols.flatMap((c) => Array.from({ length: half }, (_, i) => ({ asset: 'engine-13', sensor: c, t: ts[i] as number, v: rulUnit.numeric(c)[i] as number })));
    expect((await call('POST', '/readings', { readings })).status).toBe(200);
    expect((await predictionsOf('engine-13')).length).toBe(half - WINDOW + 1);
    // The rest as one MQTT message per cycle.
    for (let i = half; i < n; i++) {
      const msg: Record<string, number> = { t: ts[i] as number };
      for (const c of cols) msg[c] = rulUnit.numeric(c)[i] as number;
      await client.publishAsync('shopfloor/plant/engine-13', JSON.stringify(msg), { qos: 1 });
    }
    const got = await predictionsOf('engine-13');
    unsubscribe();
    expect(got.length).toBe(n - WINDOW + 1);
    expect(pushed.map((e) => e.prediction)).toEqual(got);
    expect(pushed.every((e) => e.task === 'rul')).toBe(true);

    // The default RUL model reads unit-history channels: the offline reference is per prefix.
    expect((await loadRulModel(rulDir)).manifest.preprocessor.history).toBeTruthy();
    const off = await offlineRul(rulDir);
    const offline = off.rul;
    expect(got.map((p) => p.t)).toEqual(off.t);
    expect(got.map((p) => p.score)).toEqual(offline);
    expect(got.every((p) => p.label === 'rul' && p.modelId === modelId)).toBe(true);
    // The unit runs to failure: the RUL comes down, and the rule fired once (one unresolved alert).
    expect(Math.min(...offline)).toBeLessThan(RUL_BELOW);
    const alerts = (await call('GET', '/alerts?assetId=engine-13')).body as unknown as { rule: string; value: number; message: string }[];
    expect(alerts.map((a) => a.rule)).toEqual(['rul-low']);
    expect(alerts[0]?.value).toBe(offline.find((v) => v < RUL_BELOW));
    expect(alerts[0]?.message).toMatch(/RUL [\d.]+ below 25/);
    const listed = (await call('GET', '/assets/engine-13/predictions?limit=1')).body as unknown as { task: string }[];
    expect(listed[0]?.task).toBe('rul');
  });
  it('a model without history channels scores its rolling window: stored RUL = offline predictWindows of the whole unit', async () => {
    const r = await call('POST', '/models', { dir: rulPlainDir, name: 'rul-plain' });
    expect(r.status).toBe(201);
    expect((await loadRulModel(rulPlainDir)).manifest.preprocessor.history ?? null).toBeNull();
    expect((await call('POST', '/assets/engine-plain/deployments', { modelId: Number(r.body.id) })).status).toBe(201);
    const ts = rulUnit.numeric('timestamp');
    const readings = Array.from({ length: rulUnit.nRows }, (_, i) => rulInputs.map((c) => ({ asset: 'engine-plain', sensor: c, t: ts[i] as number, v: rulUnit.numeric(c)[i] as number }))).flat();
    expect((await call('POST', '/readings', { readings })).status).toBe(200);
    const got = await predictionsOf('engine-plain');
    const model = await loadRulModel(rulPlainDir);
    const w = slidingWindows(model.preprocessor.transform(rulUnit), { windowSize: WINDOW });
    const offline = await predictWindows(model, w.samples);
    expect(got.map((p) => p.t)).toEqual(Array.from(w.endRows, (i) => ts[i] as number));
    expect(got.map((p) => p.score)).toEqual(Array.from(offline));
  });
  it('a late row (older than the last scored one) is dropped and counted, not scored', async () => {
    const before = (await predictionsOf('engine-13')).length;
    const readings = rulInputs.map((c) => ({ asset: 'engine-13', sensor: c, t: (rulUnit.numeric('timestamp')[0] as number) + 1, v: 0 }));
    expect((await call('POST', '/readings', { readings })).status).toBe(200);
    expect((await predictionsOf('engine-13')).length).toBe(before);
    expect(core.metrics.value('shopfloor_scoring_rows_dropped_total')).toBeGreaterThanOrEqual(1);
  });
  it('a renewal (maintenance record) starts a new life: the RUL restarts and equals offline evaluate of the new life alone, also after a restart', async () => {
    await call('PUT', '/assets/engine-renewed', { site: 'plant', type: 'engine-renewed' });
    for (const s of rulInputs) await call('PUT', `/assets/engine-renewed/sensors/${s}`, {});
    const rec = ((await call('GET', '/models')).body as unknown as { id: number; name: string }[]).find((m) => m.name === 'rul-small') as { id: number };
    expect((await call('POST', '/assets/engine-renewed/deployments', { modelId: rec.id })).status).toBe(201);
    const ts = rulUnit.numeric('timestamp');
    const n = rulUnit.nRows;
    const step = (ts[1] as number) - (ts[0] as number);
    const send = async (from: number, to: number, shift: number) => {
      const readings = Array.from({ length: to - from }, (_, k) => rulInputs.map((c) => ({ asset: 'engine-renewed', sensor: c, t: (ts[from + k] as number) + shift, v: rulUnit.numeric(c)[from + k] as number }))).flat();
      expect((await call('POST', '/readings', { readings })).status).toBe(200);
    };
    // Life 1: the unit's first 40 cycles (then the engine is overhauled).
    const k1 = 40;
    await send(0, k1, 0);
    const off = await offlineRul(rulDir);
    expect((await predictionsOf('engine-renewed')).map((p) => p.score)).toEqual(off.rul.slice(0, k1 - WINDOW + 1));
    // The overhaul, recorded by an operator; refusals first.
    const shift = (ts[n - 1] as number) - (ts[0] as number) + 10 * step;
    const renewedAt = (ts[0] as number) + shift - step;
    expect((await call('POST', '/assets/engine-renewed/maintenance', { kind: 'renewal', t: Date.now() + 3_600_000 })).body.error?.code).toBe('SF_VALIDATION');
    expect((await call('POST', '/assets/engine-renewed/maintenance', { kind: 'overhaul' })).status).toBe(400);
    expect((await call('POST', '/assets/ghost/maintenance', { kind: 'renewal' })).status).toBe(404);
    const m = await call('POST', '/assets/engine-renewed/maintenance', { kind: 'renewal', t: renewedAt, note: 'engine overhaul' });
    expect(m.status).toBe(201);
    expect(m.body).toMatchObject({ assetId: 'engine-renewed', kind: 'renewal', t: renewedAt, note: 'engine overhaul', recordedBy: 'admin' });
    expect(((await call('GET', '/assets/engine-renewed/maintenance')).body as unknown as { t: number }[]).map((e) => e.t)).toEqual([renewedAt]);
    // Life 2: the whole unit again, later; a restart (state dropped, rebuilt from the store) halfway.
    await send(0, 60, shift);
    core.scoring.invalidate('engine-renewed');
    await send(60, n, shift);
    const got = await predictionsOf('engine-renewed');
    const life2 = got.slice(k1 - WINDOW + 1);
    // Without the renewal life 2 would be scored from its first row (the window is full) and with life 1's baseline.
    expect(life2.map((p) => p.t)).toEqual(off.t.map((t) => t + shift));
    expect(life2.map((p) => p.score)).toEqual(off.rul);
  });
  it('a network ensemble (cnn1d on sensors + history channels, lstm, gru on sensors) scores live as offline: one window at a time = the offline batch', async () => {
    // Networks run through tfjs (wasm): the service predicts each new window alone, offline predicts
    // every window in one batch — the stored RUL must still be the offline one.
    const netDir = path.join(dir, 'rul-net');
    await trainRul({ data: path.join(dir, 'rtf.csv'), format: 'csv', unit: 'unit', time: 'cycle', settings: [], out: netDir, model: 'ensemble', members: ['cnn1d:all', 'lstm:sensors', 'gru:sensors'], window: WINDOW, settingsOverride: { epochs: 2, patience: 1 }, seed: 1 });
    const model = await loadRulModel(netDir);
    expect(model.manifest.members.map((m) => `${m.name}:${m.channels}`)).toEqual(['cnn1d:all', 'lstm:sensors', 'gru:sensors']);
    const r = await call('POST', '/models', { dir: netDir, name: 'rul-net' });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ task: 'rul', kind: 'ensemble', window: WINDOW });
    await call('PUT', '/assets/engine-net', { site: 'plant', type: 'engine-net' });
    for (const s of rulInputs) await call('PUT', `/assets/engine-net/sensors/${s}`, {});
    expect((await call('POST', '/assets/engine-net/deployments', { modelId: Number(r.body.id) })).status).toBe(201);
    const ts = rulUnit.numeric('timestamp');
    // One MQTT message per cycle: every full window is scored on its own.
    for (let i = 0; i < rulUnit.nRows; i++) {
      const msg: Record<string, number> = { t: ts[i] as number };
      for (const c of rulInputs) msg[c] = rulUnit.numeric(c)[i] as number;
      await client.publishAsync('shopfloor/plant/engine-net', JSON.stringify(msg), { qos: 1 });
    }
    const got = await predictionsOf('engine-net');
    const off = await offlineRul(netDir);
    expect(got.map((p) => p.t)).toEqual(off.t);
    expect(got.map((p) => p.score)).toEqual(off.rul);
    // Not a constant: the networks' RUL moves over the unit's life.
    expect(Math.max(...off.rul) - Math.min(...off.rul)).toBeGreaterThan(1);
  }, 120_000);
  it('/predict on a RUL deployment answers 409 SF_MODEL_TASK', async () => {
    const r = await call('POST', '/assets/engine-13/predict', { features: { s1: 1 } });
    expect(r.status).toBe(409);
    expect(r.body.error?.code).toBe('SF_MODEL_TASK');
    expect(r.body.error?.message).toContain('/assets/engine-13/predictions');
  });
});

describe('anomaly deployment', () => {
  it('registers and deploys the detector; every streamed reading is scored as detector.detect scores it', async () => {
    const r = await call('POST', '/models', { dir: anomalyDir });
    expect(r.status).toBe(201);
    const det = (await loadAnomalyModel(anomalyDir)).detector;
    expect(r.body).toMatchObject({ task: 'anomaly', kind: 'robust-z', sensors: ANOMALY_SENSORS, threshold: det.threshold });
    expect((await call('POST', '/assets/press-1/deployments', { modelId: Number(r.body.id) })).status).toBe(201);
    const ts = anomalyStream.numeric('timestamp');
    const n = anomalyStream.nRows;
    // Half as one HTTP batch (rows interleaved), half over MQTT, one topic per sensor.
    const half = 150;
    const readings = Array.from({ length: half }, (_, i) => ANOMALY_SENSORS.map((s) => ({ asset: 'press-1', sensor: s, t: ts[i] as number, v: anomalyStream.numeric(s)[i] as number }))).flat();
    expect((await call('POST', '/readings', { readings })).status).toBe(200);
    for (let i = half; i < n; i++) {
      for (const s of ANOMALY_SENSORS) await client.publishAsync(`shopfloor/plant/press-1/${s}`, JSON.stringify({ t: ts[i], v: anomalyStream.numeric(s)[i] }), { qos: 1 });
    }
    const got = await predictionsOf('press-1');
    const [machine] = machinesFromTable(anomalyStream, { unit: 'machine', time: 'timestamp' }, ANOMALY_SENSORS, 'stream');
    const offline = det.detect(machine!.series);
    expect(got.length).toBe(n);
    expect(got.map((p) => p.t)).toEqual(Array.from(ts));
    expect(got.map((p) => p.score)).toEqual(Array.from(offline.score));
    expect(got.map((p) => (p.label === 'anomaly' ? 1 : 0))).toEqual(Array.from(offline.alarm));
    // The anomaly rule: one alert, its occurrences = the rising edges of the offline alarm.
    let edges = 0;
    offline.alarm.forEach((a, i) => (edges += a === 1 && (i === 0 || offline.alarm[i - 1] === 0) ? 1 : 0));
    expect(edges).toBeGreaterThan(0);
    const alerts = (await call('GET', '/alerts?assetId=press-1')).body as unknown as { rule: string; occurrences: number; message: string }[];
    expect(alerts.map((a) => a.rule)).toEqual(['detector']);
    expect(alerts[0]?.occurrences).toBe(edges);
    expect(alerts[0]?.message).toMatch(/anomaly score [\d.]+ above the detector threshold/);
  });
});

describe('deployment per asset type', () => {
  it('deploys to every asset of the type, all or none', async () => {
    const rec = (await call('GET', '/models')).body as unknown as { id: number; task: string }[];
    const rul = rec.find((m) => m.task === 'rul') as { id: number };
    // engine-bare (type engine) lacks sensors: nothing is deployed, engine-13 keeps its deployment.
    const before = (await call('GET', '/assets/engine-13/deployments')).body as unknown as unknown[];
    const r = await call('POST', '/asset-types/engine/deployments', { modelId: rul.id });
    expect(r.status).toBe(409);
    expect(r.body.error).toMatchObject({ code: 'SF_MODEL_SENSORS', details: { assetId: 'engine-bare' } });
    expect(((await call('GET', '/assets/engine-13/deployments')).body as unknown as unknown[]).length).toBe(before.length);
    for (const s of rulInputs) await call('PUT', `/assets/engine-bare/sensors/${s}`, {});
    const ok = await call('POST', '/asset-types/engine/deployments', { modelId: rul.id });
    expect(ok.status).toBe(201);
    expect((ok.body as unknown as { assetId: string; modelId: number }[]).map((d) => [d.assetId, d.modelId]).sort()).toEqual([
      ['engine-13', rul.id],
      ['engine-bare', rul.id],
    ]);
    expect((await call('POST', '/asset-types/no-such-type/deployments', { modelId: rul.id })).status).toBe(404);
  });
});

describe('refusals', () => {
  it('a model directory of a task the service does not deploy: 400 SF_MODEL_FORMAT naming the task and the supported ones', async () => {
    const d = path.join(dir, 'sched');
    mkdirSync(d);
    writeFileSync(path.join(d, 'shopfloor-model.json'), JSON.stringify({ formatVersion: 1, task: 'scheduling' }));
    const r = await call('POST', '/models', { dir: d });
    expect(r.status).toBe(400);
    expect(r.body.error?.code).toBe('SF_MODEL_FORMAT');
    expect(r.body.error?.message).toMatch(/"scheduling".*'failure', 'rul', 'anomaly'/);
  });
  it('a directory without a manifest: 404 SF_NOT_FOUND', async () => {
    const r = await call('POST', '/models', { dir: path.join(dir, 'nothing-here') });
    expect(r.status).toBe(404);
    expect(r.body.error?.code).toBe('SF_NOT_FOUND');
  });
  it('the OpenAPI document describes model tasks and the new fields', async () => {
    const doc = JSON.stringify((await call('GET', '/openapi.json')).body);
    expect(doc).toContain('remaining useful life');
  });
});

describe('row tolerance (sources that stamp each sensor separately)', () => {
  /** Stream the held-out unit with sensor j stamped j ms after the cycle's time; return the stored predictions. */
  async function streamJittered(rowToleranceMs: number | undefined, name: string, slow?: { sensor: string; every: number; holdMs: number }): Promise<Prediction[]> {
    const opts = { ...(rowToleranceMs === undefined ? {} : { rowToleranceMs }), ...(slow ? { rowHoldMs: slow.holdMs } : {}) };
    const c2 = createServiceCore(new SqliteStore({ file: path.join(dir, `${name}.sqlite`) }), opts);
    const app2 = await createApp(c2, { rateLimitPerMinute: 0 });
    try {
      const token = (await c2.store.createToken('admin', 'admin')).token;
      const req = async (method: 'POST' | 'PUT', url: string, payload: object): Promise<number> =>
        (await app2.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload })).statusCode;
      await req('PUT', '/assets/engine-13', { site: 'plant', type: 'engine' });
      for (const s of rulInputs) await req('PUT', `/assets/engine-13/sensors/${s}`, {});
      const id = (await app2.inject({ method: 'POST', url: '/models', headers: { authorization: `Bearer ${token}` }, payload: { dir: rulDir } })).json() as { id: number };
      expect(await req('POST', '/assets/engine-13/deployments', { modelId: id.id })).toBe(201);
      const ts = rulUnit.numeric('timestamp');
      const readings = Array.from({ length: rulUnit.nRows }, (_, i) =>
        rulInputs.filter((c) => !slow || c !== slow.sensor || i % slow.every === 0).map((c) => ({ asset: 'engine-13', sensor: c, t: (ts[i] as number) + rulInputs.indexOf(c), v: rulUnit.numeric(c)[i] as number })),
      ).flat();
      expect(await req('POST', '/readings', { readings })).toBe(200);
      return (await c2.store.listPredictions('engine-13', 100_000)).reverse();
    } finally {
      await app2.close();
      await c2.store.close();
    }
  }

  it('without a tolerance, values a few ms apart never form a row: nothing is scored', async () => {
    expect(await streamJittered(undefined, 'tol0')).toEqual([]);
  });
  it('with rowToleranceMs 50 they form one row per cycle: the stored RUL equals offline predictWindows', async () => {
    const got = await streamJittered(50, 'tol50');
    const off = await offlineRul(rulDir);
    expect(got.map((p) => p.t)).toEqual(off.t);
    expect(got.map((p) => p.score)).toEqual(off.rul);
  });
  it('a sensor sampled every 3rd cycle: without hold only its cycles form rows; with rowHoldMs each cycle holds its last value and the RUL equals offline on the forward-filled unit', async () => {
    const sensor = rulInputs[rulInputs.length - 1] as string;
    const ts = rulUnit.numeric('timestamp');
    const period = (ts[1] as number) - (ts[0] as number);
    const noHold = await streamJittered(50, 'slow-nohold', { sensor, every: 3, holdMs: 0 });
    // rows only at cycles 0, 3, 6, …: far fewer full windows than cycles
    expect(noHold.length).toBeLessThan(rulUnit.nRows / 3);
    const got = await streamJittered(50, 'slow-hold', { sensor, every: 3, holdMs: 2 * period + 100 });
    const v = rulUnit.numeric(sensor);
    const filled = Float64Array.from(v, (_, i) => v[i - (i % 3)] as number);
    const off = await offlineRul(rulDir, rulUnit.withColumns([numericColumn(sensor, filled)]));
    // The last cycle is the newest row: unless the slow sensor reported there, its instant has not
    // passed, so it waits for the next reading.
    const k = (rulUnit.nRows - 1) % 3 === 0 ? off.t.length : off.t.length - 1;
    expect(got.length).toBeGreaterThan(rulUnit.nRows - WINDOW - 1);
    expect(got.map((p) => p.t)).toEqual(off.t.slice(0, k));
    expect(got.map((p) => p.score)).toEqual(off.rul.slice(0, k));
    // and the forward fill matters: the scores differ from the unfilled unit's
    const raw = await offlineRul(rulDir);
    expect(got.map((p) => p.score)).not.toEqual(raw.rul.slice(0, k));
  });
});

describe('restart: RUL windows and anomaly state are rebuilt from the stored readings', () => {
  /** A service on `file` with the RUL model on engine-13 and the detector on press-1 (registered once, persisted). */
  async function service(file: string, first: boolean): Promise<{ c: ServiceCore; a: FastifyInstance; post: (url: string, payload: object) => Promise<number>; close: () => Promise<void> }> {
    const c = createServiceCore(new SqliteStore({ file }));
    const a = await createApp(c, { rateLimitPerMinute: 0 });
    const token = (await c.store.createToken('admin', 'admin')).token;
    const post = async (url: string, payload: object, method: 'POST' | 'PUT' = 'POST'): Promise<number> => (await a.inject({ method, url, headers: { authorization: `Bearer ${token}` }, payload })).statusCode;
    if (first) {
      await post('/assets/engine-13', { site: 'plant', type: 'engine' }, 'PUT');
      await post('/assets/press-1', { site: 'plant', type: 'press' }, 'PUT');
      for (const s of rulInputs) await post(`/assets/engine-13/sensors/${s}`, {}, 'PUT');
      for (const s of ANOMALY_SENSORS) await post(`/assets/press-1/sensors/${s}`, {}, 'PUT');
      for (const [d, asset] of [
        [rulDir, 'engine-13'],
        [anomalyDir, 'press-1'],
      ] as const) {
        const id = ((await a.inject({ method: 'POST', url: '/models', headers: { authorization: `Bearer ${token}` }, payload: { dir: d } })).json() as { id: number }).id;
        expect(await post(`/assets/${asset}/deployments`, { modelId: id })).toBe(201);
      }
    }
    return { c, a, post, close: async () => (await a.close(), await c.store.close()) };
  }
  const rulRows = (from: number, to: number) => {
    const ts = rulUnit.numeric('timestamp');
    return Array.from({ length: to - from }, (_, k) => rulInputs.map((c) => ({ asset: 'engine-13', sensor: c, t: ts[from + k] as number, v: rulUnit.numeric(c)[from + k] as number }))).flat();
  };
  const anomalyRows = (from: number, to: number) => {
    const ts = anomalyStream.numeric('timestamp');
    return Array.from({ length: to - from }, (_, k) => ANOMALY_SENSORS.map((s) => ({ asset: 'press-1', sensor: s, t: ts[from + k] as number, v: anomalyStream.numeric(s)[from + k] as number }))).flat();
  };

  it('after a restart the next cycle is scored at once, and every score equals the offline one (no gap, no duplicate)', async () => {
    const file = path.join(dir, 'restart.sqlite');
    const cut = Math.floor(rulUnit.nRows * 0.6);
    const aCut = 200;
    const s1 = await service(file, true);
    expect(await s1.post('/readings', { readings: rulRows(0, cut) })).toBe(200);
    expect(await s1.post('/readings', { readings: anomalyRows(0, aCut) })).toBe(200);
    await s1.close();
    // "restart": a new process state on the same database
    const s2 = await service(file, false);
    try {
      // one cycle at a time after the restart
      for (let i = cut; i < rulUnit.nRows; i++) expect(await s2.post('/readings', { readings: rulRows(i, i + 1) })).toBe(200);
      for (let i = aCut; i < anomalyStream.nRows; i++) expect(await s2.post('/readings', { readings: anomalyRows(i, i + 1) })).toBe(200);
      const rul = (await s2.c.store.listPredictions('engine-13', 100_000)).reverse();
      const offRul = await offlineRul(rulDir);
      expect(rul.map((p) => p.t)).toEqual(offRul.t);
      expect(rul.map((p) => p.score)).toEqual(offRul.rul);

      const det = (await loadAnomalyModel(anomalyDir)).detector;
      const [machine] = machinesFromTable(anomalyStream, { unit: 'machine', time: 'timestamp' }, ANOMALY_SENSORS, 'stream');
      const off = det.detect(machine!.series);
      const an = (await s2.c.store.listPredictions('press-1', 100_000)).reverse();
      expect(an.map((p) => p.t)).toEqual(Array.from(anomalyStream.numeric('timestamp')));
      expect(an.map((p) => p.score)).toEqual(Array.from(off.score));
    } finally {
      await s2.close();
    }
  });
});
