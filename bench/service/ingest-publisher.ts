/**
 * A publisher process of the ingestion benchmark: mqtt.js, QoS 1, a window of messages in flight.
 * Styles: `topic` — one reading per message on `shopfloor/<site>/<asset>/<sensor>` as `{"v","t"}`;
 * `asset` — one message per asset on `shopfloor/<site>/<asset>` with every sensor and one `t`.
 * Timestamps are unique per (asset, sensor), so every reading is a new row. IPC: sends `ready`,
 * waits for `go`, then `progress` every 250 ms and `done` with the readings acknowledged (PUBACK).
 */
import mqtt from 'mqtt';

interface Args {
  url: string;
  username?: string;
  password?: string;
  style: 'topic' | 'asset';
  site: string;
  assets: string[];
  sensors: string[];
  /** Readings to send (rounded up to whole messages). */
  readings: number;
  /** Messages in flight (sent, not yet acknowledged). */
  window: number;
  t0: number;
  /** Optional pace: readings per second (0 = as fast as acknowledgements allow). */
  rate?: number;
}

const a = JSON.parse(process.argv[2] as string) as Args;
const send = (m: unknown): void => void process.send?.(m);

const client = await mqtt.connectAsync(a.url, {
  ...(a.username !== undefined ? { username: a.username, password: a.password } : {}),
  reconnectPeriod: 0,
  clean: true,
});
client.on('error', (e) => send({ type: 'error', message: String(e) }));

const perMsg = a.style === 'topic' ? 1 : a.sensors.length;
const messages = Math.ceil(a.readings / perMsg);
const nA = a.assets.length;
const nS = a.sensors.length;
const topics =
  a.style === 'topic' ? a.assets.flatMap((as) => a.sensors.map((s) => `shopfloor/${a.site}/${as}/${s}`)) : a.assets.map((as) => `shopfloor/${a.site}/${as}`);

function message(i: number): [string, string] {
  if (a.style === 'topic') {
    const p = i % (nA * nS);
    const t = a.t0 + Math.floor(i / (nA * nS)) * 10;
    return [topics[p] as string, `{"v":${(i % 1000) / 10},"t":${t}}`];
  }
  const t = a.t0 + Math.floor(i / nA) * 10;
  let body = `{"t":${t}`;
  for (let k = 0; k < nS; k++) body += `,"${a.sensors[k]}":${((i + k) % 1000) / 10}`;
  return [topics[i % nA] as string, `${body}}`];
}

let sent = 0;
let acked = 0;
let failed = 0;
let started = 0;

await new Promise<void>((resolve) => {
  process.on('message', (m: { type: string }) => {
    if (m.type === 'go') resolve();
  });
  send({ type: 'ready' });
});
started = Date.now();
const cpu0 = process.cpuUsage();
const progress = setInterval(() => send({ type: 'progress', acked: acked * perMsg }), 250);

await new Promise<void>((resolve) => {
  const pump = (): void => {
    const allowed = a.rate ? Math.min(messages, Math.floor(((Date.now() - started) / 1000) * (a.rate / perMsg)) + 1) : messages;
    while (sent < allowed && sent - acked - failed < a.window) {
      const [topic, payload] = message(sent++);
      client.publish(topic, payload, { qos: 1 }, (err) => {
        if (err) failed++;
        else acked++;
        if (acked + failed === messages) resolve();
        else if (sent - acked - failed < a.window / 2 || a.rate) setImmediate(pump);
      });
    }
    if (a.rate && sent < messages && sent - acked - failed < a.window) setTimeout(pump, 5);
  };
  pump();
});
const ended = Date.now();
const cpu = process.cpuUsage(cpu0);
clearInterval(progress);
send({ type: 'done', acked: acked * perMsg, failed: failed * perMsg, messages, startedAt: started, endedAt: ended, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
await client.endAsync();
process.disconnect?.();
