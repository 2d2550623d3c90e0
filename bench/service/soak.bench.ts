/**
 * Soak: memory of the service over a long run with everything going at once (issue 6, item 8).
 *
 * Run: `npx tsx bench/service/soak.bench.ts [--minutes 10] [--rate 2000] [--http-rps 20]`
 * Writes bench/results/service-soak.json (runs shorter than 10 minutes write service-soak-short.json).
 *
 * The service (soak-server.ts: SQLite file, embedded broker, HTTP API, the demo gbdt failure model
 * deployed to 20 assets, score/threshold/rate alert rules) takes, for `--minutes`:
 * - continuous MQTT ingestion from a publisher process at `--rate` readings/s (one JSON message per
 *   asset with the 5 demo sensors, QoS 1), every batch scored and fed to the alert rules;
 * - HTTP queries from this process at `--http-rps`: single predictions (explicit features and latest
 *   streamed values), bucketed range queries, alert lists, stored predictions, /metrics.
 * Every 10 s the server samples process.memoryUsage(). Slopes of RSS and of used heap are fitted by
 * least squares, in MB/min, over the second half of the run (the warm-up is the first half: SQLite's
 * page cache, 32 MiB of native memory, fills during the first minutes at 2,000 readings/s and RSS
 * rises with it until the cap — the first 10-minute run showed the plateau from minute 5; the slope
 * after only the first 20 % is reported too). Criterion for "flat": RSS slope ≤ 1 MB/min and heap-used
 * slope ≤ 0.5 MB/min over the second half, with no HTTP errors and every acknowledged reading stored.
 * `--analyse FILE` recomputes the summary of a saved run from its samples (nothing is re-measured).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { trainDemoModel, DEMO_SENSORS } from '../../src/serve/demo.js';
import { exited, flags, machineLoad, nextMessage, round, tsChild, writeResult } from './common.js';

const f = flags(process.argv.slice(2));
const MINUTES = Number(f.minutes ?? 10);
const RATE = Number(f.rate ?? 2000);
const HTTP_RPS = Number(f['http-rps'] ?? 20);
const SAMPLE_MS = Number(f['sample-ms'] ?? 10_000);
const ASSETS = Array.from({ length: 20 }, (_, i) => `mill-${i + 1}`);
const SITE = 'soak';
const T0 = Date.UTC(2026, 0, 1);

interface Sample {
  s: number;
  rssMb: number;
  heapUsedMb: number;
  heapTotalMb: number;
  externalMb: number;
  arrayBuffersMb: number;
  readings: number;
  predictions: number;
  scoringErrors: number;
}

/** Least-squares slope of y over x. */
function slope(xs: number[], ys: number[]): number {
  const n = xs.length;
  const mx = xs.reduce((s, x) => s + x, 0) / n;
  const my = ys.reduce((s, y) => s + y, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += ((xs[i] as number) - mx) * ((ys[i] as number) - my);
    den += ((xs[i] as number) - mx) ** 2;
  }
  return den === 0 ? 0 : num / den;
}

/** Memory statistics and slopes of a sample series (`flat` covers memory only). */
function analyse(samples: readonly Sample[], seconds: number) {
  const fit = (fromS: number, k: 'rssMb' | 'heapUsedMb'): number => {
    const xs = samples.filter((x) => x.s >= fromS);
    return xs.length >= 3 ? round(slope(xs.map((x) => x.s / 60), xs.map((x) => x[k])), 3) : NaN;
  };
  const stat = (k: 'rssMb' | 'heapUsedMb', fromS: number) => ({
    start: round((samples[0] as Sample)[k]),
    end: round((samples[samples.length - 1] as Sample)[k]),
    max: round(Math.max(...samples.map((x) => x[k]))),
    secondHalfStart: round((samples.find((x) => x.s >= fromS) ?? (samples[0] as Sample))[k]),
  });
  const half = Math.max(60, seconds / 2);
  const early = Math.max(60, seconds * 0.2);
  const rssSlope = fit(half, 'rssMb');
  const heapSlope = fit(half, 'heapUsedMb');
  return {
    rssMb: stat('rssMb', half),
    heapUsedMb: stat('heapUsedMb', half),
    warmUpSeconds: round(half),
    rssSlopeMbPerMin: rssSlope,
    heapUsedSlopeMbPerMin: heapSlope,
    after20PercentSeconds: round(early),
    rssSlopeAfter20PercentMbPerMin: fit(early, 'rssMb'),
    heapUsedSlopeAfter20PercentMbPerMin: fit(early, 'heapUsedMb'),
    criterion: 'flat = RSS slope <= 1 MB/min and heap-used slope <= 0.5 MB/min over the second half of the run, no HTTP errors, every acknowledged reading stored',
    flat: rssSlope <= 1 && heapSlope <= 0.5,
  };
}

if (f.analyse) {
  const saved = JSON.parse(readFileSync(f.analyse, 'utf8')) as { summary: Record<string, unknown>; samples: Sample[] };
  const old = saved.summary as Record<string, unknown> & { seconds: number; http: { failed: number }; readingsAcked: number; readingsStored: number; publisherFailed?: number };
  const a = analyse(saved.samples, old.seconds);
  const keep = Object.fromEntries(Object.entries(old).filter(([k]) => !/slope|MbPerMin|^rssMb$|^heapUsedMb$|warmUp|criterion|^flat$/i.test(k)));
  saved.summary = { ...keep, ...a, flat: a.flat && old.http.failed === 0 && (old.publisherFailed ?? 0) === 0 && old.readingsStored === old.readingsAcked, reanalysedAt: new Date().toISOString() };
  writeResult(path.basename(f.analyse), saved);
  console.log(JSON.stringify(saved.summary, null, 2));
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sf-bench-soak-'));
const loadBefore = machineLoad();
console.log(`soak: ${MINUTES} min, MQTT ${RATE} readings/s over ${ASSETS.length} assets, HTTP ${HTTP_RPS} req/s; load ${loadBefore.loadavg.join(' ')}`);
const modelDir = path.join(dir, 'model');
await trainDemoModel(modelDir);
const server = tsChild('soak-server.ts', { db: path.join(dir, 'soak.db'), modelDir, site: SITE, assets: ASSETS, sampleMs: SAMPLE_MS });
const samples: Sample[] = [];
server.on('message', (m: { type: string } & Sample) => {
  if (m.type !== 'sample') return;
  const { type: _t, ...x } = m;
  samples.push(x);
  console.log(`${String(Math.round(x.s)).padStart(5)} s  RSS ${x.rssMb.toFixed(1)} MB  heap ${x.heapUsedMb.toFixed(1)}/${x.heapTotalMb.toFixed(1)} MB  readings ${x.readings}  predictions ${x.predictions}`);
});
try {
  const ready = await nextMessage<{ url: string; mqttUrl: string; user: string; password: string; token: string }>(server, (m) => (m as unknown as { type: string }).type === 'ready', 120_000, 'server ready');
  const readings = Math.round(RATE * MINUTES * 60);
  const pub = tsChild('ingest-publisher.ts', {
    url: ready.mqttUrl,
    username: ready.user,
    password: ready.password,
    style: 'asset',
    site: SITE,
    assets: ASSETS,
    sensors: DEMO_SENSORS.map((s) => s.id),
    readings,
    window: 200,
    t0: T0,
    rate: RATE,
  });
  await nextMessage(pub, (m) => (m as { type: string }).type === 'ready', 120_000, 'publisher ready');
  const pubDone = nextMessage<{ acked: number; failed: number }>(pub, (m) => (m as unknown as { type: string }).type === 'done', (MINUTES * 60 + 600) * 1000, 'publisher done');
  pub.send({ type: 'go' });
  const started = Date.now();

  // HTTP load: a mix of queries at HTTP_RPS until the publisher is done.
  const http = { ok: 0, failed: 0, byStatus: {} as Record<string, number> };
  let stopHttp = false;
  const headers = { authorization: `Bearer ${ready.token}`, 'content-type': 'application/json' };
  const features = { air_temperature: 300.1, process_temperature: 310.2, rotational_speed: 1500, torque: 42.5, tool_wear: 120 };
  const requests: (() => Promise<Response>)[] = [
    () => fetch(`${ready.url}/assets/mill-1/predict`, { method: 'POST', headers, body: JSON.stringify({ features }) }),
    () => fetch(`${ready.url}/assets/mill-2/predict`, { method: 'POST', headers, body: '{}' }),
    () => fetch(`${ready.url}/assets/mill-3/sensors/torque/readings?from=${T0}&to=${T0 + 86_400_000}&bucketMs=60000&limit=500`, { headers }),
    () => fetch(`${ready.url}/alerts?limit=20`, { headers }),
    () => fetch(`${ready.url}/assets/mill-4/predictions?limit=10`, { headers }),
    () => fetch(`${ready.url}/metrics`, { headers }),
  ];
  const httpLoop = (async () => {
    for (let i = 0; !stopHttp; i++) {
      const due = started + (i * 1000) / HTTP_RPS;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      try {
        const res = await (requests[i % requests.length] as () => Promise<Response>)();
        await res.arrayBuffer();
        http.byStatus[res.status] = (http.byStatus[res.status] ?? 0) + 1;
        if (res.ok) http.ok++;
        else http.failed++;
      } catch {
        http.failed++;
      }
    }
  })();
  const done = await pubDone;
  stopHttp = true;
  await httpLoop;
  const seconds = (Date.now() - started) / 1000;
  const alerts = (await (await fetch(`${ready.url}/alerts?limit=1000`, { headers })).json()) as { rule: string; occurrences: number }[];
  const stopped = nextMessage(server, (m) => (m as { type: string }).type === 'stopped', 60_000, 'server stopped');
  server.send({ type: 'stop' });
  await stopped;
  await exited(server);

  const last = samples[samples.length - 1] as Sample;
  const summary = {
    seconds: round(seconds),
    readingsAcked: done.acked,
    readingsStored: last.readings,
    readingsPerS: Math.round(done.acked / seconds),
    predictions: last.predictions,
    scoringErrors: last.scoringErrors,
    alerts: alerts.length,
    alertOccurrences: alerts.reduce((s, a) => s + a.occurrences, 0),
    http,
    publisherFailed: done.failed,
    ...analyse(samples, seconds),
  };
  summary.flat = summary.flat && http.failed === 0 && done.failed === 0 && last.readings === done.acked;
  console.log(JSON.stringify(summary, null, 2));
  const file = writeResult(MINUTES >= 10 ? 'service-soak.json' : 'service-soak-short.json', {
    bench: 'service-soak',
    at: new Date().toISOString(),
    machine: { ...loadBefore, loadavgBefore: loadBefore.loadavg, loadavgAfter: machineLoad().loadavg, note: 'shared 2-core machine loaded by other sessions' },
    config: { minutes: MINUTES, mqttReadingsPerS: RATE, httpRps: HTTP_RPS, assets: ASSETS.length, sensorsPerAsset: DEMO_SENSORS.length, sampleMs: SAMPLE_MS },
    summary,
    samples: samples.map((x) => ({ ...x, rssMb: round(x.rssMb, 2), heapUsedMb: round(x.heapUsedMb, 2), heapTotalMb: round(x.heapTotalMb, 2), externalMb: round(x.externalMb, 2), arrayBuffersMb: round(x.arrayBuffersMb, 2) })),
  });
  console.log(`wrote ${file}`);
} finally {
  if (server.exitCode === null) server.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
