/**
 * OPC UA ingestion end to end: a node-opcua server simulating two machines on 127.0.0.1 (ephemeral
 * port) → the service's OPC UA client → SQLite → readings queried through the HTTP API, with the OPC UA
 * status codes kept as quality and the source timestamps as `t`. The server is then restarted on the
 * same port and ingestion must resume on its own. Bad mappings (unknown node, a String variable) fail
 * the start with SF_OPCUA naming each node; the browse helper suggests a mapping.
 */
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../src/serve/server.js';
import { startMachineServer, type MachineServer } from '../../src/serve/opcua/machine-server.js';
import { parseMapping } from '../../src/serve/opcua/mapping.js';
import { startOpcuaIngestion, suggestOpcuaMapping } from '../../src/serve/opcua/client.js';
import { createServiceCore } from '../../src/serve/core.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-opcua-'));
/** Client PKI outside $HOME, kept across runs (creating the client certificate takes a moment). */
const pkiDir = path.join(tmpdir(), 'shopfloor-opcua-test-client-pki');
let machine: MachineServer;
let svc: RunningService | null = null;
const logs: string[] = [];

beforeAll(async () => {
  machine = await startMachineServer({ machines: 2, intervalMs: 100, secure: true });
}, 60_000);
afterAll(async () => {
  await svc?.close();
  await machine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(f: () => Promise<T | null | undefined | false>, ms: number, what: string): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}\n${logs.join('\n')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface ApiReading {
  t: number;
  v: number | null;
  q: string;
}

const mapping = () =>
  parseMapping({
    site: 'opcua-plant',
    samplingIntervalMs: 100,
    publishingIntervalMs: 200,
    nodes: {
      [machine.nodeIds['Machine1.Temperature'] as string]: { asset: 'mill-1', sensor: 'temperature', unit: 'C' },
      [machine.nodeIds['Machine1.Vibration'] as string]: { asset: 'mill-1', sensor: 'vibration', unit: 'mm/s' },
      [machine.nodeIds['Machine1.ToolWear'] as string]: { asset: 'mill-1', sensor: 'tool_wear' },
      [machine.nodeIds['Machine1.Running'] as string]: { asset: 'mill-1', sensor: 'running' },
      [machine.nodeIds['Machine2.SpindleSpeed'] as string]: { asset: 'mill-2', sensor: 'spindle_speed', samplingIntervalMs: 50 },
    },
  });

describe('OPC UA ingestion (node-opcua server on 127.0.0.1)', () => {
  it('stores subscribed values with their quality and source time, queryable over HTTP; resumes after a server restart', async () => {
    const t0 = Date.now();
    svc = await startService({ port: 0, mqttPort: 0, dbFile: path.join(dir, 'opcua.db'), opcua: { endpoint: machine.endpoint, mapping: mapping(), pkiDir }, log: (l) => logs.push(l) });
    const h = { authorization: `Bearer ${svc.adminToken}` };
    const get = async (asset: string, sensor: string): Promise<ApiReading[]> => {
      const r = await fetch(`${svc!.url}/assets/${asset}/sensors/${sensor}/readings?from=${t0 - 60_000}&to=${Date.now() + 60_000}`, { headers: h });
      expect(r.status).toBe(200);
      return ((await r.json()) as { readings: ApiReading[] }).readings;
    };
    // Assets and sensors were created from the mapping.
    const assets = (await (await fetch(`${svc.url}/assets`, { headers: h })).json()) as { id: string; site: string }[];
    expect(assets.map((a) => [a.id, a.site])).toEqual([
      ['mill-1', 'opcua-plant'],
      ['mill-2', 'opcua-plant'],
    ]);
    // Vibration is Bad (BadSensorFailure, no value) every 5th update of the simulated machine.
    const vib = await waitFor(async () => {
      const rs = await get('mill-1', 'vibration');
      return rs.some((r) => r.q === 'bad') && rs.filter((r) => r.q === 'good').length >= 4 ? rs : null;
    }, 20_000, 'good and bad vibration readings');
    for (const r of vib) {
      if (r.q === 'bad') expect(r.v).toBeNull();
      else expect(typeof r.v).toBe('number');
      expect(r.t).toBeGreaterThanOrEqual(t0 - 60_000); // the source timestamp, set by the simulated machine
      expect(r.t).toBeLessThanOrEqual(Date.now());
    }
    // Temperature is Uncertain (UncertainLastUsableValue) every 7th update, with a value.
    const temp = await waitFor(async () => {
      const rs = await get('mill-1', 'temperature');
      return rs.some((r) => r.q === 'uncertain') ? rs : null;
    }, 20_000, 'an uncertain temperature reading');
    expect(temp.filter((r) => r.q === 'uncertain').every((r) => typeof r.v === 'number')).toBe(true);
    expect(temp.some((r) => r.q === 'good')).toBe(true);
    // Boolean as 0/1, and the second machine at its own sampling interval.
    const running = await get('mill-1', 'running');
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((r) => r.v === 0 || r.v === 1)).toBe(true);
    await waitFor(async () => (await get('mill-2', 'spindle_speed')).length > 3, 10_000, 'spindle speed readings');
    // Tool wear counts updates: strictly increasing values in time order.
    const wear = await get('mill-1', 'tool_wear');
    for (let i = 1; i < wear.length; i++) expect((wear[i] as ApiReading).v as number).toBeGreaterThan((wear[i - 1] as ApiReading).v as number);

    const metrics = await (await fetch(`${svc.url}/metrics`, { headers: h })).text();
    expect(metrics).toMatch(/shopfloor_readings_ingested_total\{source="opcua"\} [1-9]/);
    expect(metrics).toMatch(/shopfloor_opcua_values_total\{quality="bad"\} [1-9]/);
    expect(metrics).toContain('shopfloor_opcua_connected 1');

    // Restart the server on the same port: the client reconnects and the subscription is restored.
    const port = machine.port;
    const machine2Speed = machine.nodeIds['Machine2.SpindleSpeed'] as string;
    await machine.stop();
    await waitFor(async () => !svc!.opcua!.stats().connected, 15_000, 'the client to notice the lost connection');
    await svc.opcua!.flush();
    const before = await svc.core.store.countReadings('mill-1');
    // It comes back with one machine only: the nodes of Machine2 are gone and must be reported.
    machine = await startMachineServer({ machines: 1, intervalMs: 100, port, secure: true });
    await waitFor(async () => svc!.opcua!.stats().reconnects >= 1, 40_000, 'the reconnection');
    const after = await waitFor(async () => {
      const n = await svc!.core.store.countReadings('mill-1');
      return n >= before + 20 ? n : null;
    }, 20_000, 'readings after the restart');
    expect(after).toBeGreaterThanOrEqual(before + 20);
    expect(logs.some((l) => /lost; reconnecting/.test(l))).toBe(true);
    expect(logs.some((l) => /reconnected/.test(l))).toBe(true);
    await waitFor(async () => logs.some((l) => l === `OPC UA: monitored item ${machine2Speed} (→ mill-2/spindle_speed) failed: BadNodeIdUnknown`), 10_000, 'the vanished node to be reported');
    const fresh = (await get('mill-1', 'vibration')).filter((r) => r.t > Date.now() - 5000);
    expect(fresh.length).toBeGreaterThan(0);
    await svc.close();
    svc = null;
    // Back to two machines for the next tests.
    await machine.stop();
    machine = await startMachineServer({ machines: 2, intervalMs: 100, secure: true });
  }, 150_000);

  it('refuses a mapping with an unknown node and a non-numeric variable, naming both; skip mode goes on', async () => {
    const bad = parseMapping({
      nodes: {
        'ns=1;s=Machine1.NoSuchThing': { asset: 'm1', sensor: 'x' },
        [machine.nodeIds['Machine1.SerialNumber'] as string]: { asset: 'm1', sensor: 'serial' },
        [machine.nodeIds['Machine1.Temperature'] as string]: { asset: 'm1', sensor: 'temperature' },
      },
    });
    const db = path.join(dir, 'bad.db');
    const err = await startService({ port: 0, mqttPort: 0, dbFile: db, opcua: { endpoint: machine.endpoint, mapping: bad, pkiDir } }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('SF_OPCUA');
    expect(err?.message).toContain('ns=1;s=Machine1.NoSuchThing (→ m1/x): no such node on the server');
    expect(err?.message).toContain('Machine1.SerialNumber (→ m1/serial): data type String is not numeric');
    expect(err?.message).not.toContain('Machine1.Temperature');

    const skipLogs: string[] = [];
    svc = await startService({ port: 0, mqttPort: 0, dbFile: db, opcua: { endpoint: machine.endpoint, mapping: bad, onBadNode: 'skip', pkiDir }, log: (l) => skipLogs.push(l) });
    expect(svc.opcua!.nodes.map((n) => n.sensor)).toEqual(['temperature']);
    expect(skipLogs.filter((l) => l.startsWith('OPC UA: skipping')).length).toBe(2);
    await waitFor(async () => (await svc!.core.store.countReadings('m1')) > 0, 10_000, 'readings in skip mode');
    await svc.close();
    svc = null;
  }, 60_000);

  it('fails clearly when the endpoint does not answer', async () => {
    const err = await startService({
      port: 0,
      mqttPort: 0,
      dbFile: path.join(dir, 'down.db'),
      opcua: { endpoint: 'opc.tcp://127.0.0.1:1/UA/Nothing', mapping: mapping(), connectTimeoutMs: 2000, pkiDir },
    }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('SF_OPCUA');
    expect(err?.message).toMatch(/cannot connect to opc\.tcp:\/\/127\.0\.0\.1:1\/UA\/Nothing/);
  }, 30_000);

  it('browses the server and suggests a mapping of its numeric variables', async () => {
    const { mapping: m, skipped } = await suggestOpcuaMapping({ endpoint: machine.endpoint, site: 'plant', pkiDir });
    const nodes = m.nodes as Record<string, { asset: string; sensor: string }>;
    expect(nodes[machine.nodeIds['Machine1.Temperature'] as string]).toEqual({ asset: 'machine1', sensor: 'temperature' });
    expect(nodes[machine.nodeIds['Machine2.SpindleSpeed'] as string]).toEqual({ asset: 'machine2', sensor: 'spindle_speed' });
    expect(Object.keys(nodes)).toHaveLength(10); // 5 numeric variables (Boolean included) × 2 machines
    expect(skipped.map((s) => s.path.join('/')).sort()).toEqual(['Machine1/SerialNumber', 'Machine2/SerialNumber']);
    expect(() => parseMapping(m)).not.toThrow(); // the suggestion is a valid mapping file
  }, 30_000);

  it('SignAndEncrypt: an untrusted server certificate is refused with the fix; trusted, it ingests', async () => {
    const securePki = path.join(dir, 'pki'); // fresh: the server certificate is not trusted yet
    const m = parseMapping({ samplingIntervalMs: 100, publishingIntervalMs: 200, nodes: { [machine.nodeIds['Machine1.Temperature'] as string]: { asset: 'sec', sensor: 'temperature' } } });
    const db = path.join(dir, 'secure.db');
    const opcua = { endpoint: machine.endpoint, mapping: m, securityMode: 'SignAndEncrypt' as const, pkiDir: securePki };
    const err = await startService({ port: 0, mqttPort: 0, dbFile: db, opcua }).then(
      () => null,
      (e: unknown) => e as { code: string; message: string },
    );
    expect(err?.code).toBe('SF_OPCUA');
    expect(err?.message).toContain('BadCertificateUntrusted');
    expect(err?.message).toContain(`move it from ${path.join(securePki, 'rejected')} to ${path.join(securePki, 'trusted', 'certs')}`);
    // The documented fix: trust the rejected server certificate.
    const [cert] = readdirSync(path.join(securePki, 'rejected'));
    expect(cert).toMatch(/\.pem$/);
    mkdirSync(path.join(securePki, 'trusted', 'certs'), { recursive: true });
    renameSync(path.join(securePki, 'rejected', cert as string), path.join(securePki, 'trusted', 'certs', cert as string));
    const secLogs: string[] = [];
    svc = await startService({ port: 0, mqttPort: 0, dbFile: db, opcua, log: (l) => secLogs.push(l) });
    expect(secLogs).toContain(`OPC UA: connected to ${machine.endpoint} (security SignAndEncrypt/Basic256Sha256, anonymous)`);
    await waitFor(async () => (await svc!.core.store.countReadings('sec')) > 3, 15_000, 'readings over SignAndEncrypt');
    await svc.close();
    svc = null;
  }, 90_000);

  it('a store that falls behind costs bounded memory: the oldest waiting readings are dropped and counted', async () => {
    const store = new SqliteStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const insert = store.insertReadings.bind(store);
    store.insertReadings = async (rs) => {
      await gate; // the store hangs until released
      return insert(rs);
    };
    const core = createServiceCore(store);
    const lines: string[] = [];
    const m = parseMapping({ samplingIntervalMs: 50, publishingIntervalMs: 100, nodes: { [machine.nodeIds['Machine1.ToolWear'] as string]: { asset: 'slow', sensor: 'wear' } } });
    const ing = await startOpcuaIngestion(core, { endpoint: machine.endpoint, mapping: m, pkiDir, maxPending: 10, log: (l) => lines.push(l) });
    try {
      await waitFor(async () => ing.stats().rejected >= 5, 15_000, 'readings to be dropped');
      // One batch is stuck in the store; behind it at most 10 wait.
      expect(ing.stats().pending).toBeLessThanOrEqual(10);
      expect(lines.filter((l) => l.includes('dropping the oldest'))).toEqual(['OPC UA: more than 10 readings waiting for the store; dropping the oldest']);
      expect(core.metrics.value('shopfloor_readings_rejected_total', { source: 'opcua' })).toBe(ing.stats().rejected);
    } finally {
      release();
      await ing.close();
      await store.close();
    }
    const s = ing.stats();
    expect(s.stored + s.rejected + s.duplicates).toBe(s.notifications); // every notification accounted for
  }, 60_000);
});
