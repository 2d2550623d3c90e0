/**
 * The OPC UA → asset-sensor mapping of `shopfloor serve --opcua-map FILE`, and the pure conversions of
 * OPC UA data values into readings (status code → quality, Variant → number, timestamps).
 *
 * Mapping file (JSON):
 * ```json
 * {
 *   "site": "plant-1",
 *   "samplingIntervalMs": 500,
 *   "publishingIntervalMs": 1000,
 *   "timestamp": "source",
 *   "nodes": {
 *     "ns=1;s=Machine1.Temperature": { "asset": "mill-1", "sensor": "temperature", "unit": "C" },
 *     "ns=1;s=Machine1.SpindleSpeed": { "asset": "mill-1", "sensor": "rpm", "samplingIntervalMs": 100 }
 *   }
 * }
 * ```
 * `nodes` may also be an array of `{nodeId, asset, sensor, …}`.
 */
import { readFileSync } from 'node:fs';
import { ConfigError, NotFoundError } from '../../core/errors.js';
import { MAX_T, MIN_T } from '../ingest.js';
import { isValidId, type Quality } from '../../storage/store.js';

/** One mapped OPC UA variable. */
export interface NodeMapping {
  readonly nodeId: string;
  readonly asset: string;
  readonly sensor: string;
  readonly unit?: string;
  readonly description?: string;
  /** Server-side sampling interval for this node (default: the mapping's). */
  readonly samplingIntervalMs?: number;
}

/** A whole mapping: where the readings go and how to subscribe. */
export interface OpcuaMapping {
  /** Site of assets created from the mapping (default 'opcua'). */
  readonly site: string;
  /** Default sampling interval of the monitored items (default 500 ms). */
  readonly samplingIntervalMs: number;
  /** Publishing interval of the subscription (default 1000 ms). */
  readonly publishingIntervalMs: number;
  /** Which timestamp becomes the reading's `t` (falls back to the other, then to the time of receipt). */
  readonly timestamp: 'source' | 'server';
  readonly nodes: readonly NodeMapping[];
}

const TOP_KEYS = new Set(['site', 'samplingIntervalMs', 'publishingIntervalMs', 'timestamp', 'nodes']);
const NODE_KEYS = new Set(['nodeId', 'asset', 'sensor', 'unit', 'description', 'samplingIntervalMs']);
/** OPC UA node id in string form: `ns=<n>;(i|s|g|b)=…` or `i=<n>` (namespace 0), or `nsu=<uri>;…`. */
const NODE_ID_RE = /^(?:(?:ns=\d+|nsu=[^;]+);)?(?:i=\d+|s=.+|g=[0-9A-Fa-f-]{36}|b=[A-Za-z0-9+/=]+)$/;

/**
 * Validate a parsed mapping; every problem is collected and thrown as one ConfigError naming the
 * file, the node and the field. `where` is the file name for messages.
 */
export function parseMapping(raw: unknown, where = 'mapping'): OpcuaMapping {
  const problems: string[] = [];
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ConfigError(`${where}: expected a JSON object with "nodes"; got ${Array.isArray(raw) ? 'an array' : typeof raw}.`, { file: where });
  const o = raw as Record<string, unknown>;
  for (const k of Object.keys(o)) if (!TOP_KEYS.has(k)) problems.push(`unknown field "${k}" (allowed: ${[...TOP_KEYS].join(', ')})`);
  const interval = (v: unknown, name: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || v > 3_600_000) problems.push(`${name}: expected a number of ms in [0, 3600000]; got ${JSON.stringify(v)}`);
    return typeof v === 'number' ? v : dflt;
  };
  const site = o.site === undefined ? 'opcua' : o.site;
  if (typeof site !== 'string' || !isValidId(site)) problems.push(`site: expected an id of letters, digits, _ . - (1-64); got ${JSON.stringify(site)}`);
  const timestamp = o.timestamp === undefined ? 'source' : o.timestamp;
  if (timestamp !== 'source' && timestamp !== 'server') problems.push(`timestamp: expected "source" or "server"; got ${JSON.stringify(timestamp)}`);
  const samplingIntervalMs = interval(o.samplingIntervalMs, 'samplingIntervalMs', 500);
  const publishingIntervalMs = interval(o.publishingIntervalMs, 'publishingIntervalMs', 1000);

  let entries: [string, unknown][] = [];
  if (Array.isArray(o.nodes)) entries = o.nodes.map((n, i) => [`nodes[${i}]`, n]);
  else if (typeof o.nodes === 'object' && o.nodes !== null) entries = Object.entries(o.nodes).map(([id, n]) => [id, typeof n === 'object' && n !== null ? { nodeId: id, ...n } : n]);
  else problems.push('nodes: expected an object {nodeId: {asset, sensor}} or an array of {nodeId, asset, sensor}');
  if (entries.length === 0 && o.nodes !== undefined) problems.push('nodes: empty — map at least one variable');

  const nodes: NodeMapping[] = [];
  const seenNode = new Set<string>();
  const seenTarget = new Map<string, string>();
  for (const [at, n] of entries) {
    if (typeof n !== 'object' || n === null || Array.isArray(n)) {
      problems.push(`${at}: expected {asset, sensor}; got ${JSON.stringify(n)}`);
      continue;
    }
    const e = n as Record<string, unknown>;
    const before = problems.length;
    for (const k of Object.keys(e)) if (!NODE_KEYS.has(k)) problems.push(`${at}: unknown field "${k}" (allowed: ${[...NODE_KEYS].join(', ')})`);
    if (typeof e.nodeId !== 'string' || !NODE_ID_RE.test(e.nodeId)) problems.push(`${at}: nodeId ${JSON.stringify(e.nodeId)} is not an OPC UA node id such as "ns=2;s=Machine1.Temperature" or "ns=3;i=1001"`);
    for (const f of ['asset', 'sensor'] as const) {
      if (typeof e[f] !== 'string' || !isValidId(e[f])) problems.push(`${at}: ${f} ${JSON.stringify(e[f])} must be an id of letters, digits, _ . - (1-64)`);
    }
    for (const f of ['unit', 'description'] as const) if (e[f] !== undefined && typeof e[f] !== 'string') problems.push(`${at}: ${f} must be a string`);
    const si = e.samplingIntervalMs === undefined ? undefined : interval(e.samplingIntervalMs, `${at}: samplingIntervalMs`, samplingIntervalMs);
    if (problems.length > before) continue;
    const nodeId = e.nodeId as string;
    const target = `${e.asset as string}/${e.sensor as string}`;
    if (seenNode.has(nodeId)) problems.push(`${at}: node ${nodeId} is mapped twice`);
    const other = seenTarget.get(target);
    if (other) problems.push(`${at}: ${target} is already fed by ${other}; one sensor takes one node`);
    seenNode.add(nodeId);
    seenTarget.set(target, nodeId);
    nodes.push({
      nodeId,
      asset: e.asset as string,
      sensor: e.sensor as string,
      ...(typeof e.unit === 'string' ? { unit: e.unit } : {}),
      ...(typeof e.description === 'string' ? { description: e.description } : {}),
      ...(si !== undefined ? { samplingIntervalMs: si } : {}),
    });
  }
  if (problems.length) {
    throw new ConfigError(`${where}: ${problems.length} problem${problems.length > 1 ? 's' : ''} in the OPC UA mapping:\n  - ${problems.join('\n  - ')}`, { file: where, problems });
  }
  return { site: site as string, samplingIntervalMs, publishingIntervalMs, timestamp: timestamp as 'source' | 'server', nodes };
}

/** Read and validate a mapping file. Throws NotFoundError, ConfigError (bad JSON or content). */
export function loadMapping(file: string): OpcuaMapping {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new NotFoundError(`--opcua-map: cannot read '${file}'.`, { file });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`${file}: not valid JSON: ${(e as Error).message}`, { file });
  }
  return parseMapping(raw, file);
}

/**
 * Quality of an OPC UA status code: the two severity bits (30-31) are Good (00), Uncertain (01) or
 * Bad (10, 11). Sub-codes (e.g. BadSensorFailure, UncertainLastUsableValue) keep their family.
 * @example qualityOf(0x80320000) // 'bad' (BadSensorFailure)
 */
export function qualityOf(statusCode: number): Quality {
  const sev = statusCode >>> 30;
  return sev === 0 ? 'good' : sev === 1 ? 'uncertain' : 'bad';
}

/**
 * A Variant value as a reading value: numbers as they are, booleans as 0/1, 64-bit integers
 * (node-opcua `[high, low]` pairs, or bigint) as numbers. Anything else (strings, arrays, structures,
 * null) is `undefined`: not a scalar measurement.
 */
export function numericValue(value: unknown, dataTypeName: string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if ((dataTypeName === 'Int64' || dataTypeName === 'UInt64') && Array.isArray(value) && value.length === 2 && value.every((x) => typeof x === 'number')) {
    const [hi, lo] = value as [number, number];
    return dataTypeName === 'Int64' && hi >= 0x80000000 ? (hi - 0x100000000) * 0x100000000 + lo : hi * 0x100000000 + lo;
  }
  return undefined;
}

/** Pick the reading time: the preferred timestamp, else the other, else `now`; only 2000..2100. */
export function readingTime(source: Date | null | undefined, server: Date | null | undefined, prefer: 'source' | 'server', now: number): number {
  const ok = (d: Date | null | undefined): number | null => {
    const t = d ? d.getTime() : NaN;
    return Number.isInteger(t) && t >= MIN_T && t < MAX_T ? t : null;
  };
  const [a, b] = prefer === 'source' ? [source, server] : [server, source];
  return ok(a) ?? ok(b) ?? now;
}

/**
 * An asset or sensor id from an OPC UA browse name: camel case split, lower case, a bracketed unit
 * dropped, other characters `_` (`SpindleSpeed` → `spindle_speed`, `Temperature [°C]` → `temperature`).
 */
export function idFromBrowseName(name: string): string {
  const s = name
    .replace(/\s*[[(][^\])]*[\])]/g, '')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase()
    .replace(/[^a-z0-9_.-]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return (s || 'x').slice(0, 64);
}
