/**
 * Sustained MQTT ingestion into SQLite with zero loss (issue 6, item 8; target ≥ 50,000 readings/s).
 *
 * Run: `npx tsx bench/service/ingest.bench.ts [--readings 1000000] [--publishers 2] [--runs a,b,…]`
 * Writes bench/results/service-ingest.json.
 *
 * Each run: a server process, `--publishers` publisher processes (mqtt.js, QoS 1, a window of messages
 * in flight, disjoint assets) and, for the external-broker runs, Debian's mosquitto on an ephemeral
 * loopback port with a temporary config. Payload styles: `topic` (one reading per message on
 * `shopfloor/<site>/<asset>/<sensor>`) and `asset` (one JSON message per asset with 10 sensors).
 * - `ours-aedes-*`: `startService` with the embedded broker. A PUBACK means "committed" (synchronous =
 *   FULL), so the rate is readings acknowledged / time from the first publish to the last PUBACK.
 * - `ours-mosquitto-*`: publishers → mosquitto → the service subscribed as an external client (PUBACK
 *   to mosquitto after commit). Rate = readings / time until the last one was stored.
 * - `baseline-mosquitto-*`: publishers → mosquitto → a minimal mqtt.js subscriber writing the same rows
 *   with a prepared statement in batched transactions (ingest-baseline.ts; acknowledges on receipt).
 * Zero loss: after the run the rows in the database are counted and must equal the readings the
 * publishers got acknowledged (every timestamp is unique, so every acknowledged reading is one row).
 * Peak RSS is VmHWM of the server (or baseline subscriber) process.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { exited, flags, machineLoad, MOSQUITTO, nextMessage, procMemory, round, startMosquitto, tsChild, writeResult } from './common.js';

const f = flags(process.argv.slice(2));
const READINGS = Number(f.readings ?? 1_000_000);
const PUBLISHERS = Number(f.publishers ?? 2);
const ASSETS = Number(f.assets ?? 100);
const SENSORS = 10;
const T0 = Date.UTC(2026, 0, 1);
const ALL_RUNS = ['ours-aedes-topic', 'ours-aedes-asset', 'baseline-mosquitto-topic', 'ours-mosquitto-topic', 'baseline-mosquitto-asset', 'ours-mosquitto-asset'];
const RUNS = f.runs ? f.runs.split(',') : ALL_RUNS;

interface Progress {
  type: string;
  ingested?: number;
  rejected?: number;
  acked?: number;
  failed?: number;
  startedAt?: number;
  endedAt?: number;
  peakRssMb?: number | null;
  cpuSeconds?: number;
  mqttUrl?: string;
  user?: string;
  password?: string;
  pid?: number;
}

interface RunResult {
  run: string;
  style: 'topic' | 'asset';
  broker: 'aedes' | 'mosquitto';
  subscriber: 'ours' | 'baseline';
  readingsAcked: number;
  readingsFailed: number;
  rowsAfter: number;
  zeroLoss: boolean;
  seconds: number;
  readingsPerS: number;
  messagesPerS: number;
  serverPeakRssMb: number | null;
  /** CPU seconds of the server (or baseline subscriber) process from ready to stop, and per reading. */
  serverCpuSeconds: number | null;
  serverCpuUsPerReading: number | null;
  publishersCpuSeconds: number;
  mosquittoPeakRssMb: number | null;
  loadavgAfter: number[];
}

async function oneRun(name: string): Promise<RunResult> {
  const [who, broker, style] = name.split('-') as ['ours' | 'baseline', 'aedes' | 'mosquitto', 'topic' | 'asset'];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'sf-bench-ingest-'));
  const db = path.join(dir, 'bench.db');
  const site = 'bench';
  const assets = Array.from({ length: ASSETS }, (_, i) => `a${i}`);
  const sensors = Array.from({ length: SENSORS }, (_, i) => `s${i}`);
  const mosq = broker === 'mosquitto' ? await startMosquitto(path.join(dir, 'mosq')) : null;
  const children: ChildProcess[] = [];
  try {
    const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
    const server = tsChild(who === 'ours' ? 'ingest-server.ts' : 'ingest-baseline.ts', { db, site, assets, sensors, ...(mosq ? { mqttUrl: mosq.url } : {}) }, prof);
    children.push(server);
    let ingested = 0;
    let reachedAt = 0;
    let target = Infinity;
    server.on('message', (m: Progress) => {
      if (m.type === 'progress' && m.ingested !== undefined) {
        ingested = m.ingested;
        if (ingested >= target && !reachedAt) reachedAt = Date.now();
      }
    });
    const ready = await nextMessage<Progress>(server, (m) => m.type === 'ready', 120_000, 'server ready');
    const perPub = Math.ceil(READINGS / PUBLISHERS);
    const pubs = Array.from({ length: PUBLISHERS }, (_, p) =>
      tsChild('ingest-publisher.ts', {
        url: ready.mqttUrl,
        ...(broker === 'aedes' ? { username: ready.user, password: ready.password } : {}),
        style,
        site,
        assets: assets.filter((_, i) => i % PUBLISHERS === p),
        sensors,
        readings: perPub,
        window: style === 'topic' ? 2000 : 200,
        t0: T0,
      }),
    );
    children.push(...pubs);
    await Promise.all(pubs.map((c) => nextMessage<Progress>(c, (m) => m.type === 'ready', 120_000, 'publisher ready')));
    const dones = pubs.map((c) => nextMessage<Progress>(c, (m) => m.type === 'done', 600_000, 'publisher done'));
    const t0 = Date.now();
    for (const c of pubs) c.send({ type: 'go' });
    const results = await Promise.all(dones);
    const acked = results.reduce((s, r) => s + (r.acked ?? 0), 0);
    const failed = results.reduce((s, r) => s + (r.failed ?? 0), 0);
    const startedAt = Math.min(...results.map((r) => r.startedAt ?? t0));
    const pubEnd = Math.max(...results.map((r) => r.endedAt ?? 0));
    target = acked;
    if (ingested >= target && !reachedAt) reachedAt = Date.now();
    // Embedded broker: PUBACK = committed, so the last PUBACK ends the run. External: wait for the store.
    const deadline = Date.now() + 120_000;
    while (ingested < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const end = broker === 'aedes' ? pubEnd : reachedAt || Date.now();
    const mosqMem = mosq?.proc.pid ? procMemory(mosq.proc.pid) : null;
    const stopped = nextMessage<Progress>(server, (m) => m.type === 'stopped', 60_000, 'server stopped');
    server.send({ type: 'stop' });
    const st = await stopped;
    await exited(server);
    const check = new Database(db, { readonly: true });
    const rows = Number(check.prepare('SELECT COUNT(*) FROM readings').pluck().get());
    check.close();
    const seconds = (end - startedAt) / 1000;
    const perMsg = style === 'topic' ? 1 : SENSORS;
    const r: RunResult = {
      run: name,
      style,
      broker,
      subscriber: who,
      readingsAcked: acked,
      readingsFailed: failed,
      rowsAfter: rows,
      zeroLoss: rows === acked && failed === 0,
      seconds: round(seconds, 2),
      readingsPerS: Math.round(acked / seconds),
      messagesPerS: Math.round(acked / perMsg / seconds),
      serverPeakRssMb: st.peakRssMb === null || st.peakRssMb === undefined ? null : round(st.peakRssMb),
      mosquittoPeakRssMb: mosqMem ? round(mosqMem.peakRssMb) : null,
      serverCpuSeconds: st.cpuSeconds === undefined ? null : round(st.cpuSeconds, 2),
      serverCpuUsPerReading: st.cpuSeconds === undefined ? null : round((st.cpuSeconds * 1e6) / acked, 2),
      publishersCpuSeconds: round(results.reduce((s, x) => s + (x.cpuSeconds ?? 0), 0), 2),
      loadavgAfter: machineLoad().loadavg,
    };
    console.log(
      `${name.padEnd(26)} ${String(r.readingsPerS).padStart(7)} readings/s  ${String(r.messagesPerS).padStart(7)} msg/s  ${r.seconds}s  rows ${rows}/${acked} acked ${r.zeroLoss ? 'zero loss' : 'LOSS'}  server CPU ${r.serverCpuUsPerReading} µs/reading  peak RSS ${r.serverPeakRssMb} MB  load ${r.loadavgAfter.join(' ')}`,
    );
    return r;
  } finally {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await mosq?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const loadBefore = machineLoad();
console.log(`ingestion bench: ${READINGS} readings per run, ${PUBLISHERS} publisher processes, ${ASSETS} assets × ${SENSORS} sensors; load ${loadBefore.loadavg.join(' ')} on ${loadBefore.cpus} cores`);
const runs: RunResult[] = [];
for (const name of RUNS) {
  if (name.includes('mosquitto') && !MOSQUITTO) {
    console.log(`${name}: skipped (no mosquitto)`);
    continue;
  }
  runs.push(await oneRun(name));
}
const rate = (n: string): number | null => runs.find((r) => r.run === n)?.readingsPerS ?? null;
const ratio = (a: string, b: string): number | null => {
  const x = rate(a);
  const y = rate(b);
  return x !== null && y !== null ? round(x / y, 2) : null;
};
const ratios = {
  'ours-mosquitto-topic / baseline-mosquitto-topic': ratio('ours-mosquitto-topic', 'baseline-mosquitto-topic'),
  'ours-mosquitto-asset / baseline-mosquitto-asset': ratio('ours-mosquitto-asset', 'baseline-mosquitto-asset'),
  'ours-aedes-topic / baseline-mosquitto-topic': ratio('ours-aedes-topic', 'baseline-mosquitto-topic'),
  'ours-aedes-asset / baseline-mosquitto-asset': ratio('ours-aedes-asset', 'baseline-mosquitto-asset'),
};
for (const [k, v] of Object.entries(ratios)) if (v !== null) console.log(`ratio ${k}: ${v}`);
const file = writeResult('service-ingest.json', {
  bench: 'service-ingest',
  at: new Date().toISOString(),
  machine: { ...loadBefore, loadavgBefore: loadBefore.loadavg, note: 'shared 2-core machine loaded by other sessions: absolute rates are noisy, the ratios in one run are what count' },
  config: { readingsPerRun: READINGS, publishers: PUBLISHERS, assets: ASSETS, sensorsPerAsset: SENSORS, qos: 1, sqlite: 'WAL, synchronous=FULL', target: '>= 50,000 readings/s' },
  runs,
  ratios,
});
console.log(`wrote ${file}`);
