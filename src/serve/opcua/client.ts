/**
 * OPC UA ingestion of the live service: a node-opcua client that connects to one endpoint, checks the
 * mapped variables, subscribes to them (monitored items with a sampling interval) and stores every
 * data change as a reading of the mapped asset sensor. The OPC UA status code becomes the reading's
 * quality (Good / Uncertain / Bad); `t` is the source timestamp (or the server timestamp).
 *
 * Reconnection: node-opcua's connection strategy retries forever (back-off 0.5 s → 10 s); after a server
 * restart it opens a new session and re-creates the subscription and its monitored items, so ingestion
 * resumes by itself. Values re-sent after a reconnect carry their old source timestamp and are stored
 * once (duplicates are idempotent).
 *
 * Delivery: OPC UA subscriptions have no "acknowledge after store" — the client acknowledges a
 * notification on receipt. Readings wait at most `flushMs` (100 ms) in memory before they are committed;
 * a crash in that window loses them (unlike MQTT QoS 1, where the PUBACK follows the commit).
 */
import path from 'node:path';
import { format } from 'node:util';
import {
  AttributeIds,
  BrowseDirection,
  ClientSubscription,
  DataType,
  MessageSecurityMode,
  NodeClass,
  NodeClassMask,
  OPCUACertificateManager,
  OPCUAClient,
  SecurityPolicy,
  setErrorLogger,
  setWarningLogger,
  StatusCodes,
  TimestampsToReturn,
  UserTokenType,
  type ClientMonitoredItemGroup,
  type ClientSession,
  type DataValue,
  type NodeId,
  type UserIdentityInfo,
} from 'node-opcua';
import { ConfigError, ShopfloorError } from '../../core/errors.js';
import type { Reading } from '../../storage/store.js';
import type { ServiceCore } from '../core.js';
import { checkEndpoint, DEFAULT_PKI_DIR, OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES, type OpcuaConnectOptions } from './options.js';
import { idFromBrowseName, numericValue, qualityOf, readingTime, type NodeMapping, type OpcuaMapping } from './mapping.js';

/** Options of `startOpcuaIngestion`. */
export interface OpcuaIngestOptions extends OpcuaConnectOptions {
  readonly mapping: OpcuaMapping;
  /** Create mapped assets and sensors that do not exist yet (default true; existing ones are kept). */
  readonly createMissing?: boolean;
  /** Unknown or non-numeric mapped nodes: 'fail' the start (default) or 'skip' them with a log line. */
  readonly onBadNode?: 'fail' | 'skip';
  /** Commit buffered readings at least this often (default 100 ms). */
  readonly flushMs?: number;
  /** At most this many readings wait for the store; beyond, the oldest are dropped and counted (default 100,000). */
  readonly maxPending?: number;
  /** Log a line (default: nothing). */
  readonly log?: (line: string) => void;
}

/** Counters of a running OPC UA ingestion. */
export interface OpcuaStats {
  readonly connected: boolean;
  /** Data change notifications received. */
  readonly notifications: number;
  /** Readings stored (duplicates not counted). */
  readonly stored: number;
  readonly duplicates: number;
  /** Values that could not become readings (non-numeric) or whose batch the store refused. */
  readonly rejected: number;
  /** Reconnections after a lost connection. */
  readonly reconnects: number;
  /** Readings waiting for the store. */
  readonly pending: number;
  /** Monitored nodes. */
  readonly nodes: number;
}

/** A running OPC UA ingestion. */
export interface OpcuaIngestion {
  readonly endpoint: string;
  /** The mapped nodes actually monitored (bad ones skipped with onBadNode 'skip'). */
  readonly nodes: readonly NodeMapping[];
  stats(): OpcuaStats;
  /** Commit what is buffered now (tests). */
  flush(): Promise<void>;
  close(): Promise<void>;
}

// node-opcua prints its warnings (e.g. the PKCS#1 notice on Node 20) with console.log; send them to
// stderr so stdout stays the command's output (`--json`, `--opcua-suggest > map.json`).
const toStderr = (...a: unknown[]): void => {
  const ctx = a[0] as { filename?: unknown } | undefined;
  const rest = typeof ctx === 'object' && ctx !== null && 'filename' in ctx ? a.slice(1) : a; // node-opcua's caller info
  process.stderr.write(`node-opcua: ${format(...rest)}\n`);
};
setWarningLogger(toStderr);
setErrorLogger(toStderr);

/** Built-in data types whose values are numbers (Boolean as 0/1); ns=0 ids. */
const NUMERIC_TYPES = new Set<number>([
  DataType.Boolean, DataType.SByte, DataType.Byte, DataType.Int16, DataType.UInt16, DataType.Int32, DataType.UInt32,
  DataType.Int64, DataType.UInt64, DataType.Float, DataType.Double,
  26, 27, 28, 29, 290, // Number, Integer, UInteger, Enumeration, Duration
]);
/** Built-in data types that are certainly not numbers. */
const NON_NUMERIC_TYPES = new Set<number>([
  DataType.String, DataType.DateTime, DataType.Guid, DataType.ByteString, DataType.XmlElement, DataType.NodeId, DataType.ExpandedNodeId,
  DataType.StatusCode, DataType.QualifiedName, DataType.LocalizedText, DataType.ExtensionObject, DataType.DataValue, DataType.DiagnosticInfo,
]);

function dataTypeName(id: NodeId): string {
  return id.namespace === 0 && typeof id.value === 'number' && DataType[id.value] ? (DataType[id.value] as string) : id.toString();
}

/** Connect a client and open a session; throws ShopfloorError SF_OPCUA when the server is not reachable in time. */
async function openSession(o: OpcuaConnectOptions, log: (l: string) => void): Promise<{ client: OPCUAClient; session: ClientSession }> {
  checkEndpoint(o.endpoint);
  const mode = o.securityMode ?? 'None';
  const policy = o.securityPolicy ?? (mode === 'None' ? 'None' : 'Basic256Sha256');
  if (!OPCUA_SECURITY_MODES.includes(mode)) throw new ConfigError(`--opcua-security-mode: expected one of ${OPCUA_SECURITY_MODES.join(', ')}; got '${mode}'.`);
  if (!OPCUA_SECURITY_POLICIES.includes(policy)) throw new ConfigError(`--opcua-security-policy: expected one of ${OPCUA_SECURITY_POLICIES.join(', ')}; got '${policy}'.`);
  if ((mode === 'None') !== (policy === 'None')) throw new ConfigError(`OPC UA security mode ${mode} does not go with policy ${policy}: use None with None, a real policy with Sign/SignAndEncrypt.`);
  if ((o.username === undefined) !== (o.password === undefined)) throw new ConfigError('--opcua-user and --opcua-password go together.');
  const client = OPCUAClient.create({
    applicationName: 'shopfloor',
    applicationUri: 'urn:shopfloor:serve',
    securityMode: MessageSecurityMode[mode],
    securityPolicy: SecurityPolicy[policy],
    endpointMustExist: false,
    keepSessionAlive: true,
    requestedSessionTimeout: 60_000,
    connectionStrategy: { initialDelay: 500, maxDelay: 10_000, maxRetry: -1 },
    clientCertificateManager: new OPCUACertificateManager({ rootFolder: o.pkiDir ?? DEFAULT_PKI_DIR, automaticallyAcceptUnknownCertificate: o.trustServerCertificate ?? false }),
  });
  const timeoutMs = o.connectTimeoutMs ?? 15_000;
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(o.endpoint),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new ShopfloorError('SF_OPCUA', `OPC UA: cannot connect to ${o.endpoint} within ${timeoutMs} ms (is the server running, and does it offer security mode ${mode}?).`, { endpoint: o.endpoint })), timeoutMs);
      }),
    ]);
    const identity: UserIdentityInfo = o.username !== undefined ? { type: UserTokenType.UserName, userName: o.username, password: o.password ?? '' } : { type: UserTokenType.Anonymous };
    const session = await client.createSession(identity).catch((e: Error) => {
      throw new ShopfloorError('SF_OPCUA', `OPC UA: ${o.endpoint} refused the session: ${e.message}`, { endpoint: o.endpoint });
    });
    log(`OPC UA: connected to ${o.endpoint} (security ${mode}${mode === 'None' ? '' : `/${policy}`}${o.username ? `, user ${o.username}` : ', anonymous'})`);
    return { client, session };
  } catch (e) {
    await client.disconnect().catch(() => undefined);
    if (e instanceof ShopfloorError) throw e;
    const msg = (e as Error).message;
    const pki = o.pkiDir ?? DEFAULT_PKI_DIR;
    const hint = /BadCertificateUntrusted/.test(msg)
      ? ` The server's certificate is not trusted: move it from ${path.join(pki, 'rejected')} to ${path.join(pki, 'trusted', 'certs')} (or pass --opcua-trust-server).`
      : '';
    throw new ShopfloorError('SF_OPCUA', `OPC UA: cannot connect to ${o.endpoint}: ${msg}.${hint}`, { endpoint: o.endpoint, pkiDir: pki });
  } finally {
    clearTimeout(timer);
  }
}

/** What is wrong with a mapped node, or null when it is a numeric variable. Also returns its data type name. */
async function checkNodes(session: ClientSession, nodes: readonly NodeMapping[]): Promise<{ problem: string | null; dataType: string }[]> {
  const reads = nodes.flatMap((n) => [
    { nodeId: n.nodeId, attributeId: AttributeIds.NodeClass },
    { nodeId: n.nodeId, attributeId: AttributeIds.DataType },
  ]);
  const dvs = await session.read(reads);
  return nodes.map((n, i) => {
    const cls = dvs[2 * i] as DataValue;
    const dt = dvs[2 * i + 1] as DataValue;
    if (cls.statusCode.isNotGood()) {
      const why = cls.statusCode.equals(StatusCodes.BadNodeIdUnknown) ? 'no such node on the server' : cls.statusCode.name;
      return { problem: `${n.nodeId} (→ ${n.asset}/${n.sensor}): ${why}`, dataType: '?' };
    }
    if (cls.value.value !== NodeClass.Variable) return { problem: `${n.nodeId} (→ ${n.asset}/${n.sensor}): a ${NodeClass[cls.value.value as number] ?? 'non-variable'} node, not a Variable`, dataType: '?' };
    const id = dt.value.value as NodeId | null;
    if (!id) return { problem: null, dataType: '?' };
    const name = dataTypeName(id);
    const builtin = id.namespace === 0 && typeof id.value === 'number' ? id.value : -1;
    if (NON_NUMERIC_TYPES.has(builtin)) return { problem: `${n.nodeId} (→ ${n.asset}/${n.sensor}): data type ${name} is not numeric`, dataType: name };
    return { problem: null, dataType: NUMERIC_TYPES.has(builtin) ? name : `${name} (not a built-in numeric type: non-numeric values will be rejected)` };
  });
}

/**
 * Start OPC UA ingestion into `core`: connect, create missing assets/sensors, check the mapped nodes,
 * subscribe. Throws ConfigError (bad options), ShopfloorError SF_OPCUA (server unreachable; unknown,
 * non-variable or non-numeric nodes — all listed — unless onBadNode is 'skip').
 */
export async function startOpcuaIngestion(core: ServiceCore, o: OpcuaIngestOptions): Promise<OpcuaIngestion> {
  const log = o.log ?? (() => undefined);
  const { mapping } = o;
  checkEndpoint(o.endpoint);
  const store = core.store;
  // Assets and sensors first: the store refuses readings of unknown ones.
  const missing: string[] = [];
  for (const n of mapping.nodes) {
    if (!(await store.getAsset(n.asset))) {
      if (o.createMissing === false) missing.push(`asset ${n.asset}`);
      else await store.upsertAsset({ id: n.asset, site: mapping.site, type: 'opcua', name: n.asset });
    }
    if (!(await store.listSensors(n.asset).catch(() => [])).some((s) => s.id === n.sensor)) {
      if (o.createMissing === false) missing.push(`sensor ${n.asset}/${n.sensor}`);
      else await store.upsertSensor({ assetId: n.asset, id: n.sensor, unit: n.unit ?? null, description: n.description ?? `OPC UA ${n.nodeId}` });
    }
  }
  if (missing.length) throw new ConfigError(`OPC UA mapping names ${missing.length} unknown asset(s)/sensor(s): ${missing.join(', ')}. Create them (PUT /assets/…) or allow creation.`, { missing });

  const { client, session } = await openSession(o, log);
  try {
    const checks = await checkNodes(session, mapping.nodes);
    const problems = checks.map((c) => c.problem).filter((p): p is string => p !== null);
    if (problems.length && o.onBadNode !== 'skip') {
      throw new ShopfloorError('SF_OPCUA', `OPC UA: ${problems.length} of ${mapping.nodes.length} mapped node(s) cannot be used:\n  - ${problems.join('\n  - ')}\nFix the mapping (suggest one with --opcua-suggest) or start with --opcua-skip-bad-nodes.`, { problems });
    }
    for (const p of problems) log(`OPC UA: skipping ${p}`);
    const nodes = mapping.nodes.filter((_, i) => checks[i]?.problem === null);
    if (nodes.length === 0) throw new ShopfloorError('SF_OPCUA', 'OPC UA: no usable node left in the mapping.', { problems });
    checks.forEach((c, i) => c.problem === null && c.dataType.includes('not a built-in') && log(`OPC UA: ${mapping.nodes[i]?.nodeId}: data type ${c.dataType}`));
    return await subscribe(core, client, session, nodes, o, log);
  } catch (e) {
    await session.close().catch(() => undefined);
    await client.disconnect().catch(() => undefined);
    throw e;
  }
}

async function subscribe(core: ServiceCore, client: OPCUAClient, session: ClientSession, nodes: readonly NodeMapping[], o: OpcuaIngestOptions, log: (l: string) => void): Promise<OpcuaIngestion> {
  const { mapping } = o;
  const m = core.metrics;
  m.counter('shopfloor_opcua_values_total', 'OPC UA data changes received, by quality.');
  let connected = true;
  let notifications = 0;
  let stored = 0;
  let duplicates = 0;
  let rejected = 0;
  let reconnects = 0;
  m.gauge('shopfloor_opcua_connected', '1 while the OPC UA client is connected.', () => (connected ? 1 : 0));

  client.on('connection_lost', () => {
    connected = false;
    log(`OPC UA: connection to ${o.endpoint} lost; reconnecting…`);
  });
  client.on('connection_reestablished', () => {
    connected = true;
    reconnects++;
    log(`OPC UA: reconnected to ${o.endpoint}; subscription restored`);
  });

  const sub = ClientSubscription.create(session, {
    requestedPublishingInterval: mapping.publishingIntervalMs,
    requestedLifetimeCount: 600,
    requestedMaxKeepAliveCount: 20,
    maxNotificationsPerPublish: 10_000,
    publishingEnabled: true,
    priority: 10,
  });
  sub.on('error', (e: Error) => log(`OPC UA: subscription error: ${e.message}`));

  let pending: Reading[] = [];
  const maxPending = o.maxPending ?? 100_000;
  let overflowLogged = false;
  const warned = new Set<string>();
  const onChange = (n: NodeMapping, dv: DataValue): void => {
    notifications++;
    const q = qualityOf(dv.statusCode.value);
    m.inc('shopfloor_opcua_values_total', { quality: q });
    const v = numericValue(dv.value.value, DataType[dv.value.dataType] ?? '');
    const t = readingTime(dv.sourceTimestamp, dv.serverTimestamp, mapping.timestamp, Date.now());
    if (v === undefined && q !== 'bad') {
      rejected++;
      core.ingestor.rejected('opcua');
      if (!warned.has(n.nodeId)) {
        warned.add(n.nodeId);
        log(`OPC UA: ${n.nodeId} (→ ${n.asset}/${n.sensor}) sent a non-numeric ${DataType[dv.value.dataType] ?? '?'} value; such values are not stored`);
      }
      return;
    }
    if (pending.length >= maxPending) {
      // The store cannot keep up: bounded memory rather than an unbounded buffer; drop the oldest.
      pending.shift();
      rejected++;
      core.ingestor.rejected('opcua');
      if (!overflowLogged) log(`OPC UA: more than ${maxPending} readings waiting for the store; dropping the oldest`);
      overflowLogged = true;
    }
    pending.push({ assetId: n.asset, sensorId: n.sensor, t, v: v ?? null, q });
  };

  // One monitored-item group per sampling interval; the queue holds a publishing interval's samples.
  const groups: ClientMonitoredItemGroup[] = [];
  const items: { mi: ClientMonitoredItemGroup['monitoredItems'][number]; n: NodeMapping; reported: string }[] = [];
  // node-opcua re-creates the monitored items after a reconnect without an event for the result: watch
  // their status, so a node gone from the server (e.g. a changed PLC program) is reported, and its
  // return too. The other nodes go on either way.
  const checkItems = (): void => {
    for (const it of items) {
      const name = it.mi.statusCode?.name ?? 'Good';
      if (name === it.reported || name === 'BadDataUnavailable') continue; // BadDataUnavailable: not created yet
      it.reported = name;
      log(`OPC UA: monitored item ${it.n.nodeId} (→ ${it.n.asset}/${it.n.sensor}) ${name === 'Good' ? 'is back' : `failed: ${name}`}`);
    }
  };
  const byInterval = new Map<number, NodeMapping[]>();
  for (const n of nodes) {
    const si = n.samplingIntervalMs ?? mapping.samplingIntervalMs;
    byInterval.set(si, [...(byInterval.get(si) ?? []), n]);
  }
  for (const [si, list] of byInterval) {
    const queueSize = Math.min(1000, Math.max(1, Math.ceil((2 * mapping.publishingIntervalMs) / Math.max(si, 1))));
    const group = await sub.monitorItems(
      list.map((n) => ({ nodeId: n.nodeId, attributeId: AttributeIds.Value })),
      { samplingInterval: si, discardOldest: true, queueSize },
      TimestampsToReturn.Both,
    );
    group.on('changed', (_item, dv, index) => {
      const n = list[index];
      if (n) onChange(n, dv);
    });
    group.monitoredItems.forEach((mi, i) => items.push({ mi, n: list[i] as NodeMapping, reported: 'Good' }));
    groups.push(group);
  }
  checkItems();
  const itemTimer = setInterval(checkItems, 1000);
  log(`OPC UA: monitoring ${nodes.length} node(s), sampling ${[...byInterval.keys()].join('/')} ms, publishing every ${mapping.publishingIntervalMs} ms`);

  let flushing: Promise<void> = Promise.resolve();
  const flushNow = async (): Promise<void> => {
    if (pending.length === 0) return;
    const batch = pending;
    pending = [];
    try {
      const r = await core.ingestor.ingest(batch, 'opcua');
      stored += r.inserted;
      duplicates += r.duplicates;
    } catch (e) {
      rejected += batch.length;
      log(`OPC UA: ${batch.length} reading(s) not stored: ${(e as Error).message}`);
    }
  };
  const flush = (): Promise<void> => (flushing = flushing.then(flushNow));
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return; // one flush at a time; the next tick takes everything that arrived meanwhile
    busy = true;
    void flush().finally(() => (busy = false));
  }, o.flushMs ?? 100);

  return {
    endpoint: o.endpoint,
    nodes,
    stats: () => ({ connected, notifications, stored, duplicates, rejected, reconnects, pending: pending.length, nodes: nodes.length }),
    flush,
    close: async () => {
      clearInterval(timer);
      clearInterval(itemTimer);
      await sub.terminate().catch(() => undefined);
      await session.close().catch(() => undefined);
      await client.disconnect().catch(() => undefined);
      await flush();
    },
  };
}

/** One variable found by `browseVariables`. */
export interface BrowsedVariable {
  readonly nodeId: string;
  /** Browse names from the Objects folder down, e.g. ['Machine1', 'Temperature']. */
  readonly path: readonly string[];
  readonly dataType: string;
  readonly numeric: boolean;
}

/** Browse the Objects folder (namespace 0 nodes such as Server are skipped) for variables. */
async function browseVariables(session: ClientSession, o: { maxDepth?: number; maxNodes?: number } = {}): Promise<BrowsedVariable[]> {
  const maxDepth = o.maxDepth ?? 6;
  const maxNodes = o.maxNodes ?? 5000;
  const found: { nodeId: NodeId; path: string[] }[] = [];
  const seen = new Set<string>();
  let frontier: { nodeId: NodeId | string; path: string[] }[] = [{ nodeId: 'ns=0;i=85', path: [] }];
  for (let depth = 0; depth < maxDepth && frontier.length && found.length < maxNodes; depth++) {
    const results = await session.browse(
      frontier.map((f) => ({
        nodeId: f.nodeId,
        referenceTypeId: 'HierarchicalReferences',
        includeSubtypes: true,
        browseDirection: BrowseDirection.Forward,
        nodeClassMask: NodeClassMask.Object | NodeClassMask.Variable,
        resultMask: 63,
      })),
    );
    const next: typeof frontier = [];
    results.forEach((r, i) => {
      const parent = frontier[i] as (typeof frontier)[number];
      for (const ref of r.references ?? []) {
        const id = ref.nodeId.toString();
        if (ref.nodeId.namespace === 0 || seen.has(id)) continue;
        if (ref.referenceTypeId.namespace === 0 && ref.referenceTypeId.value === 46) continue; // HasProperty: metadata, not a measurement
        seen.add(id);
        const p = [...parent.path, String(ref.browseName.name)];
        if (ref.nodeClass === NodeClass.Variable) found.push({ nodeId: ref.nodeId, path: p });
        next.push({ nodeId: ref.nodeId, path: p });
      }
    });
    frontier = next;
  }
  const vars = found.slice(0, maxNodes);
  const dts = vars.length ? await session.read(vars.map((v) => ({ nodeId: v.nodeId, attributeId: AttributeIds.DataType }))) : [];
  return vars.map((v, i) => {
    const id = dts[i]?.value.value as NodeId | null;
    const builtin = id && id.namespace === 0 && typeof id.value === 'number' ? id.value : -1;
    return { nodeId: v.nodeId.toString(), path: v.path, dataType: id ? dataTypeName(id) : '?', numeric: NUMERIC_TYPES.has(builtin) };
  });
}

/**
 * Browse a server and suggest a mapping file: every numeric variable under Objects, asset = the id of
 * its parent object's browse name, sensor = the id of its own (`Machine1/SpindleSpeed` →
 * `machine1`/`spindle_speed`). Returns the mapping as JSON-ready data plus the non-numeric variables
 * that were left out. Edit the result before use.
 */
export async function suggestOpcuaMapping(o: OpcuaConnectOptions & { site?: string; log?: (l: string) => void }): Promise<{ mapping: Record<string, unknown>; skipped: BrowsedVariable[] }> {
  const { client, session } = await openSession(o, o.log ?? (() => undefined));
  try {
    const vars = await browseVariables(session);
    const nodes: Record<string, { asset: string; sensor: string }> = {};
    const used = new Set<string>();
    for (const v of vars.filter((x) => x.numeric)) {
      const asset = idFromBrowseName(v.path.length > 1 ? (v.path[v.path.length - 2] as string) : 'asset');
      let sensor = idFromBrowseName(v.path[v.path.length - 1] as string);
      for (let k = 2; used.has(`${asset}/${sensor}`); k++) sensor = `${idFromBrowseName(v.path[v.path.length - 1] as string)}_${k}`;
      used.add(`${asset}/${sensor}`);
      nodes[v.nodeId] = { asset, sensor };
    }
    return { mapping: { site: o.site ?? 'opcua', samplingIntervalMs: 500, publishingIntervalMs: 1000, timestamp: 'source', nodes }, skipped: vars.filter((x) => !x.numeric) };
  } finally {
    await session.close().catch(() => undefined);
    await client.disconnect().catch(() => undefined);
  }
}

export { checkEndpoint, DEFAULT_PKI_DIR, OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES, type OpcuaConnectOptions } from './options.js';
export type { OpcuaSecurityMode, OpcuaSecurityPolicy } from './options.js';
