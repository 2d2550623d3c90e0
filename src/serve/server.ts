/**
 * `startService`: the whole live service in one call — SQLite store, HTTP API, embedded MQTT broker,
 * streaming scoring and alerts, and with `demo` a simulated milling fleet streaming into the broker.
 * Besides src/cli this is the only module that touches the process (timers, files, network).
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import mqtt from 'mqtt';
import { ConfigError } from '../core/errors.js';
import { MANIFEST_FILE } from '../tasks/maintenance/artifact.js';
import { PgStore } from '../storage/pg-store.js';
import { SqliteStore } from '../storage/sqlite-store.js';
import type { ReadingStore } from '../storage/store.js';
import { webhookSink, type AlertRule } from './alerts.js';
import { createServiceCore, type ServiceCore } from './core.js';
import { DEMO_SENSORS, demoFleetSamples, trainDemoModel } from './demo.js';
import { createApp } from './http/app.js';
import { startBroker } from './mqtt/broker.js';
import { connectExternalBroker } from './mqtt/external.js';
import type { OpcuaIngestion } from './opcua/client.js';
import type { OpcuaConnectOptions } from './opcua/options.js';
import { loadMapping, type OpcuaMapping } from './opcua/mapping.js';
import type { Alert } from '../storage/store.js';

/** Options of `startService`. */
export interface ServiceOptions {
  /** HTTP port (default 8080; 0 = any free port). */
  readonly port?: number;
  /** Interface for HTTP and MQTT (default 127.0.0.1). */
  readonly host?: string;
  /** SQLite file (default shopfloor.db), or a postgres:// URL for the PostgreSQL store. */
  readonly dbFile?: string;
  /** Embedded broker port (default 1883; 0 = any free port). */
  readonly mqttPort?: number;
  /** Use this external broker (mqtt://host:port) instead of the embedded one. */
  readonly mqttUrl?: string;
  /** External broker username. */
  readonly mqttUser?: string;
  /** Shared-subscription group on the external broker (several serve processes split the stream). */
  readonly mqttShareGroup?: string;
  /** Embedded broker password for user `shopfloor` (default: random, printed); external broker password. */
  readonly mqttPassword?: string;
  /** Alert rules (the demo adds its own). */
  readonly rules?: readonly AlertRule[];
  /** POST each new alert here (retried with back-off). */
  readonly webhookUrl?: string;
  /** RUL/anomaly models: readings of one asset within this many ms form one row (default 0: equal timestamps only). */
  readonly rowToleranceMs?: number;
  /** RUL/anomaly models: a sensor missing from a row takes its latest value at most this many ms old (sample-and-hold; default 0: never). */
  readonly rowHoldMs?: number;
  /** Delete readings older than this many days (checked hourly; default 0 = keep all). */
  readonly retentionDays?: number;
  /** Stream a simulated fleet, train and deploy a model on first start. */
  readonly demo?: boolean;
  /** Demo machines (default 3). */
  readonly demoMachines?: number;
  /** Demo: ms between two messages of one machine (default 1000). */
  readonly demoIntervalMs?: number;
  /** Demo: directory of the demo model (default <db dir>/shopfloor-demo-model). */
  readonly demoModelDir?: string;
  /** Ingest from an OPC UA server: endpoint and security, and the mapping (or a mapping file). */
  readonly opcua?: OpcuaConnectOptions & { readonly mapping?: OpcuaMapping; readonly mappingFile?: string; readonly onBadNode?: 'fail' | 'skip' };
  /** Called with every newly raised alert (e.g. to print it). */
  readonly onAlert?: (alert: Alert) => void;
  /** Log a line (default: nothing). */
  readonly log?: (line: string) => void;
}

/** A running service. */
export interface RunningService {
  readonly url: string;
  readonly mqttUrl: string;
  readonly mqttUser: string;
  readonly mqttPassword: string;
  /** A new admin token (earlier startup tokens are revoked). */
  readonly adminToken: string;
  readonly core: ServiceCore;
  /** The OPC UA ingestion, when configured. */
  readonly opcua: OpcuaIngestion | null;
  /**
   * Stop ingestion (demo fleet, OPC UA, HTTP, MQTT), then call `beforeStoreClose` (e.g. to count what was
   * stored), then close the store.
   */
  close(beforeStoreClose?: (store: ReadingStore) => Promise<void>): Promise<void>;
}

const STARTUP_TOKEN = 'startup-admin';

/** Start the service. Throws ConfigError for bad options and the store's errors. */
export async function startService(o: ServiceOptions = {}): Promise<RunningService> {
  const log = o.log ?? (() => undefined);
  const host = o.host ?? '127.0.0.1';
  // Check the OPC UA mapping before anything is opened: a bad file is a user error, not a half start.
  const opcuaMapping = o.opcua ? (o.opcua.mapping ?? (o.opcua.mappingFile ? loadMapping(o.opcua.mappingFile) : null)) : null;
  if (o.opcua && !opcuaMapping) throw new ConfigError('OPC UA ingestion needs a mapping (--opcua-map FILE).');
  const isPg = /^postgres(ql)?:\/\//.test(o.dbFile ?? '');
  const dbFile = isPg ? path.resolve('shopfloor.db') : path.resolve(o.dbFile ?? 'shopfloor.db');
  if (!isPg) mkdirSync(path.dirname(dbFile), { recursive: true });
  const store: ReadingStore = isPg ? await PgStore.open({ connectionString: o.dbFile as string }) : new SqliteStore({ file: dbFile });
  const timers: NodeJS.Timeout[] = [];
  const closers: (() => Promise<void>)[] = [];
  try {
    const rules: AlertRule[] = [...(o.rules ?? [])];
    let demoModelDir: string | null = null;
    if (o.demo) {
      demoModelDir = path.resolve(o.demoModelDir ?? path.join(path.dirname(dbFile), 'shopfloor-demo-model'));
      if (!existsSync(path.join(demoModelDir, MANIFEST_FILE))) {
        log(`training the demo failure model into ${demoModelDir} (first start only)…`);
        await trainDemoModel(demoModelDir);
      }
      const manifest = JSON.parse(readFileSync(path.join(demoModelDir, MANIFEST_FILE), 'utf8')) as { threshold: number | null };
      const thr = manifest.threshold ?? 0.5;
      rules.push(
        { id: 'failure-risk', kind: 'score', above: thr, clear: thr * 0.6, severity: 'critical' },
        { id: 'torque-high', kind: 'threshold', sensorId: 'torque', above: 65, clear: 60, forMs: 0, severity: 'warning' },
        { id: 'tool-wear', kind: 'threshold', sensorId: 'tool_wear', above: 220, clear: 20, severity: 'info' },
      );
    }
    const core = createServiceCore(store, {
      rules,
      ...(o.rowToleranceMs !== undefined ? { rowToleranceMs: o.rowToleranceMs } : {}),
      ...(o.rowHoldMs !== undefined ? { rowHoldMs: o.rowHoldMs } : {}),
    });
    // Alert-rule state survives a restart: rebuilt from unresolved alerts and the recent history.
    const restored = await core.alerts.restore(core.now());
    if (restored.active || restored.pending) log(`alert rules: ${restored.active} active and ${restored.pending} pending condition(s) restored from the store`);
    if (o.onAlert) core.alerts.addSink(o.onAlert);
    if (o.webhookUrl) core.alerts.addSink(webhookSink({ url: o.webhookUrl, onGiveUp: (a, why) => log(`webhook gave up on alert ${a.id}: ${why}`) }));

    for (const t of await store.listTokens()) if (t.name === STARTUP_TOKEN && !t.revoked) await store.revokeToken(t.id);
    const { token: adminToken } = await store.createToken(STARTUP_TOKEN, 'admin');

    let mqttUser = 'shopfloor';
    let mqttPassword = o.mqttPassword ?? randomBytes(12).toString('base64url');
    let mqttUrl: string;
    if (o.mqttUrl) {
      mqttUser = o.mqttUser ?? '';
      mqttPassword = o.mqttPassword ?? '';
      const ext = await connectExternalBroker(core, {
        url: o.mqttUrl,
        ...(o.mqttUser ? { username: o.mqttUser } : {}),
        ...(o.mqttPassword ? { password: o.mqttPassword } : {}),
        ...(o.mqttShareGroup ? { sharedGroup: o.mqttShareGroup } : {}),
      });
      closers.push(() => ext.close());
      mqttUrl = o.mqttUrl;
    } else {
      const broker = await startBroker(core, { port: o.mqttPort ?? 1883, host, users: { [mqttUser]: mqttPassword } });
      closers.push(() => broker.close());
      mqttUrl = `mqtt://${host}:${broker.port}`;
    }

    const app = await createApp(core, { version: '0.1.0' });
    await app.listen({ host, port: o.port ?? 8080 });
    closers.push(() => app.close());
    const addr = app.server.address();
    const url = `http://${host}:${typeof addr === 'object' && addr ? addr.port : o.port}`;

    if (o.retentionDays && o.retentionDays > 0) {
      const days = o.retentionDays;
      const prune = (): void => void store.deleteReadingsBefore(Date.now() - days * 86_400_000).then((n) => n && log(`retention: deleted ${n} readings older than ${days} days`));
      const t = setInterval(prune, 3_600_000);
      t.unref();
      timers.push(t);
    }

    let opcua: OpcuaIngestion | null = null;
    if (o.opcua && opcuaMapping) {
      // Loaded only when used: node-opcua is a slow import (and prints a PKCS#1 notice on Node 20).
      const { startOpcuaIngestion } = await import('./opcua/client.js');
      opcua = await startOpcuaIngestion(core, { ...o.opcua, mapping: opcuaMapping, log });
      closers.push(() => (opcua as OpcuaIngestion).close());
    }

    if (o.demo && demoModelDir) {
      const stop = await startDemoFleet(core.store, demoModelDir, { brokerUrl: mqttUrl, user: mqttUser, password: mqttPassword, machines: o.demoMachines ?? 3, intervalMs: o.demoIntervalMs ?? 1000 });
      closers.push(stop);
    }
    return {
      url,
      mqttUrl,
      mqttUser,
      mqttPassword,
      adminToken,
      core,
      opcua,
      close: async (beforeStoreClose) => {
        for (const t of timers) clearInterval(t);
        for (const c of closers.reverse()) await c();
        try {
          await beforeStoreClose?.(store);
        } finally {
          await store.close();
        }
      },
    };
  } catch (e) {
    for (const t of timers) clearInterval(t);
    for (const c of closers.reverse()) await c().catch(() => undefined);
    await store.close();
    throw e;
  }
}

/** Register the demo assets, model and deployments (idempotent), then stream the fleet over MQTT. */
async function startDemoFleet(
  store: ReadingStore,
  modelDir: string,
  o: { brokerUrl: string; user: string; password: string; machines: number; intervalMs: number },
): Promise<() => Promise<void>> {
  if (o.machines < 1 || o.machines > 100) throw new ConfigError(`--demo-machines: expected 1..100; got ${o.machines}.`);
  const site = 'demo-plant';
  let model = (await store.listModels()).find((m) => m.name === 'demo-failure' && m.dir === modelDir);
  if (!model) {
    const manifest = JSON.parse(readFileSync(path.join(modelDir, MANIFEST_FILE), 'utf8')) as Record<string, unknown>;
    model = await store.registerModel({ name: 'demo-failure', kind: String(manifest.kind), dir: modelDir, manifest });
  }
  const rows = 2000;
  const samples = demoFleetSamples({ machines: o.machines, rows, startMs: Date.now(), intervalMs: o.intervalMs });
  for (let m = 1; m <= o.machines; m++) {
    const id = `mill-${m}`;
    await store.upsertAsset({ id, site, type: 'milling', name: `Milling machine ${m}` });
    for (const s of DEMO_SENSORS) await store.upsertSensor({ assetId: id, id: s.id, unit: s.unit, description: s.column });
    if (!(await store.currentDeployment(id))) await store.deploy(id, model.id, 'demo');
  }
  const client = await mqtt.connectAsync(o.brokerUrl, { username: o.user, password: o.password, reconnectPeriod: 1000 });
  let i = 0;
  let busy = false;
  const tick = async (): Promise<void> => {
    if (busy) return; // back-pressure: never queue more than one round
    busy = true;
    try {
      const now = Date.now();
      for (let m = 0; m < o.machines; m++) {
        const s = samples[(i % rows) * o.machines + m];
        if (s) await client.publishAsync(`shopfloor/${site}/${s.assetId}`, JSON.stringify({ t: now, ...s.values }), { qos: 1 });
      }
      i++;
    } catch {
      /* broker restarting: the next tick tries again */
    } finally {
      busy = false;
    }
  };
  const timer = setInterval(() => void tick(), o.intervalMs);
  return async () => {
    clearInterval(timer);
    await client.endAsync(true);
  };
}
