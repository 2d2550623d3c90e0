/**
 * The MQTT topic scheme and payloads of `shopfloor serve`.
 *
 * - `shopfloor/<site>/<asset>/<sensor>` — one reading. Payload: a JSON number (`41.2`) or an object
 *   `{"v": 41.2, "t": 1767225600000 | "2026-01-01T00:00:00Z", "q": "good"|"uncertain"|"bad"}`
 *   (`t` defaults to the time of receipt, `q` to good; `v` may be null only when q is bad).
 * - `shopfloor/<site>/<asset>` — many sensors at once: a JSON object whose keys are sensor ids
 *   (values a number or a `{v, q}` object), plus optional `t` and `q` for all of them:
 *   `{"t": 1767225600000, "torque": 41.2, "tool_wear": {"v": 10, "q": "uncertain"}}`.
 * - `shopfloor/<site>/errors` — published by the service: why a message was rejected.
 * - `shopfloor/<site>/alerts` — published by the service: each newly raised alert.
 */
import { DataError } from '../../core/errors.js';
import { isValidId, type Reading } from '../../storage/store.js';
import { parseQuality, parseTimestamp, parseValue } from '../ingest.js';

/** Topic root. */
export const TOPIC_ROOT = 'shopfloor';
/** Asset names that are service topics, not assets. */
export const RESERVED = new Set(['errors', 'alerts']);

/** A parsed ingestion topic. */
export interface ParsedTopic {
  readonly site: string;
  readonly assetId: string;
  readonly sensorId: string | null;
}

/** Parse an ingestion topic; null when the topic is not one (service topics, other roots). */
export function parseTopic(topic: string): ParsedTopic | null {
  const p = topic.split('/');
  if (p[0] !== TOPIC_ROOT || p.length < 3 || p.length > 4) return null;
  const [, site, assetId, sensorId] = p as [string, string, string, string | undefined];
  if (RESERVED.has(assetId)) return null;
  for (const [what, x] of [
    ['site', site],
    ['asset', assetId],
    ['sensor', sensorId],
  ] as const) {
    if (x !== undefined && !isValidId(x)) throw new DataError('SF_DATA_PARSE', `Topic '${topic}': ${what} '${x}' is not a valid id (letters, digits, _ . -, at most 64).`, { topic });
  }
  return { site, assetId, sensorId: sensorId ?? null };
}

function parseJson(payload: Buffer, topic: string): unknown {
  const text = payload.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new DataError('SF_DATA_PARSE', `Topic '${topic}': payload is not JSON (got ${JSON.stringify(text.slice(0, 80))}); send a number or a JSON object.`, { topic });
  }
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The readings in one MQTT message. Throws DataError with the reason for a bad message. */
export function parseMessage(t: ParsedTopic, topic: string, payload: Buffer, receivedAt: number): Reading[] {
  const body = parseJson(payload, topic);
  if (t.sensorId !== null) {
    const o = isObject(body) ? body : { v: body };
    for (const k of Object.keys(o)) if (!['v', 't', 'q'].includes(k)) throw new DataError('SF_DATA_PARSE', `Topic '${topic}': unknown field '${k}' (expected v, t, q).`, { topic });
    const q = parseQuality(o.q, topic);
    return [{ assetId: t.assetId, sensorId: t.sensorId, t: o.t === undefined ? receivedAt : parseTimestamp(o.t, topic), v: parseValue(o.v, q, topic), q }];
  }
  if (!isObject(body)) throw new DataError('SF_DATA_PARSE', `Topic '${topic}': expected a JSON object of sensor values, e.g. {"t": 1767225600000, "torque": 41.2}.`, { topic });
  const at = body.t === undefined ? receivedAt : parseTimestamp(body.t, topic);
  const q0 = parseQuality(body.q, topic);
  const out: Reading[] = [];
  for (const [sensorId, x] of Object.entries(body)) {
    if (sensorId === 't' || sensorId === 'q') continue;
    const where = `${topic} '${sensorId}'`;
    if (!isValidId(sensorId)) throw new DataError('SF_DATA_PARSE', `${where}: not a valid sensor id.`, { topic });
    const o = isObject(x) ? x : { v: x };
    const q = o.q === undefined ? q0 : parseQuality(o.q, where);
    out.push({ assetId: t.assetId, sensorId, t: at, v: parseValue(o.v, q, where), q });
  }
  if (out.length === 0) throw new DataError('SF_DATA_EMPTY', `Topic '${topic}': the message holds no sensor values.`, { topic });
  return out;
}
