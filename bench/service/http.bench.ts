/**
 * HTTP single-prediction latency under load (issue 6, item 8; target p99 ≤ 5 ms at 1,000 requests/s).
 *
 * Run: `npx tsx bench/service/http.bench.ts [--seconds 20] [--rate 1000] [--connections 10] [--max-seconds 10]`
 * Writes bench/results/service-http.json.
 *
 * A gradient-boosted-trees failure model is trained on the milling simulator (`trainDemoModel`, the
 * model `serve --demo` deploys) and deployed to one asset. autocannon 9 (programmatic API, in this
 * process) then sends `POST /assets/m1/predict {"features": {...}}` with a viewer token:
 * - at a fixed rate (`--rate` requests/s over `--connections` keep-alive connections) for `--seconds`
 *   after a 3 s warm-up: p50/p90/p99/p99.9/max latency and achieved requests/s;
 * - unthrottled for `--max-seconds`: the most requests/s the server answers.
 * The baseline is a bare Fastify route in its own process that parses the same body and returns a
 * constant, under the same load in the same run. Latency percentiles are computed exactly from every
 * response time autocannon reports (its own histogram has 1 ms resolution; both are saved). Peak RSS is
 * VmHWM of each server process. BENCH_CPU_PROF=dir profiles the servers (node --cpu-prof).
 *
 * - open loop at the same rate (./open-loop.ts, the method of wrk2): requests due evenly every
 *   1/rate s and timed from their due time. autocannon's `overallRate` is a per-second quota per
 *   connection, i.e. a burst of `rate` requests at concurrency `connections` at the start of each
 *   second (see open-loop.ts); both are reported, the open-loop one is the steady 1,000 req/s.
 *
 * - wrk (Debian's `wrk`, a C client; `apt-get install wrk`; skipped when absent): `--connections`
 *   keep-alive connections, each waiting `connections·1000/rate − 1` ms after every response before
 *   its next request (a Lua `delay()`), so about `rate` requests/s spread over the second; wrk's own
 *   latency histogram (send → response; like any closed-loop client it does not add the time a
 *   stalled server keeps requests from being sent — the open-loop phase does).
 *   The Node.js clients (autocannon, open loop) share the cores with the servers and add their own
 *   event-loop and GC pauses to every latency; the C client adds far less.
 *
 * Processes: autocannon runs in this process, each server in its own child process (so the load
 * generator and the server are separate processes, but on this 2-core machine they still share the
 * cores). Besides the client-side times the server reports its own: `reply.elapsedTime` of every
 * response (routing → response handed to the socket; http-server.ts) and the event-loop delay, so
 * the difference client − server is time in the client, the kernel and the server's queue.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon, { type Result } from 'autocannon';
import { trainDemoModel } from '../../src/serve/demo.js';
import { exited, flags, machineLoad, nextMessage, procMemory, round, tsChild, writeResult } from './common.js';
import { openLoop } from './open-loop.js';

const f = flags(process.argv.slice(2));
const SECONDS = Number(f.seconds ?? 20);
const RATE = Number(f.rate ?? 1000);
const CONNECTIONS = Number(f.connections ?? 10);
const MAX_SECONDS = Number(f['max-seconds'] ?? 10);
const BODY = JSON.stringify({ features: { air_temperature: 300.1, process_temperature: 310.2, rotational_speed: 1500, torque: 42.5, tool_wear: 120 } });

interface ServerSide {
  requests: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  loopDelayMs: { p50: number; p99: number; max: number; mean: number };
}

interface Phase {
  server?: ServerSide;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  seconds: number;
  achievedRps: number;
  latencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number; mean: number };
  autocannonLatencyMs: { p50: number; p90: number; p99: number; p99_9: number; max: number };
  /** Open loop only: how late the generator sent requests after their due time. */
  sendLagMs?: { p99: number; max: number };
}

function summary(times: ArrayLike<number>): ServerSide['latencyMs'] {
  const sorted = Float64Array.from(times).sort();
  let sum = 0;
  for (const x of sorted) sum += x;
  return {
    p50: round(percentile(sorted, 50), 3),
    p90: round(percentile(sorted, 90), 3),
    p99: round(percentile(sorted, 99), 3),
    p99_9: round(percentile(sorted, 99.9), 3),
    max: round(sorted[sorted.length - 1] ?? NaN, 3),
    mean: round(sum / Math.max(1, sorted.length), 3),
  };
}

/** Run `phase` with the server's own timing reset before and read after. */
async function withServerTiming(child: ChildProcess, phase: () => Promise<Phase>): Promise<Phase> {
  const reset = nextMessage(child, (x) => (x as unknown as { type: string }).type === 'reset-done');
  child.send({ type: 'reset' });
  await reset;
  const p = await phase();
  const stats = nextMessage<{ times: number[]; loopDelayMs: ServerSide['loopDelayMs'] }>(child, (x) => (x as unknown as { type: string }).type === 'stats');
  child.send({ type: 'stats' });
  const s = await stats;
  const r = (o: ServerSide['loopDelayMs']): ServerSide['loopDelayMs'] => ({ p50: round(o.p50, 3), p99: round(o.p99, 3), max: round(o.max, 3), mean: round(o.mean, 3) });
  return { ...p, server: { requests: s.times.length, latencyMs: summary(s.times), loopDelayMs: r(s.loopDelayMs) } };
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

/** The open-loop constant-rate phase, in the Phase shape. */
async function steady(url: string, token: string, seconds: number, rate: number): Promise<Phase> {
  const r = await openLoop(`${url}/assets/m1/predict`, BODY, { 'content-type': 'application/json', authorization: `Bearer ${token}` }, rate, seconds, CONNECTIONS);
  const l = summary(r.latencies);
  return {
    requests: r.requests,
    non2xx: r.non2xx,
    errors: r.errors,
    timeouts: 0,
    seconds: round(r.seconds, 2),
    achievedRps: r.achievedRps,
    latencyMs: l,
    autocannonLatencyMs: { p50: NaN, p90: NaN, p99: NaN, p99_9: NaN, max: NaN },
    sendLagMs: { p99: round(r.sendLagMs.p99, 3), max: round(r.sendLagMs.max, 3) },
  };
}

/** The wrk phase (null when wrk is not installed). Percentiles from wrk's --latency table. */
const HAVE_WRK = !spawnSync('wrk', ['--version']).error;
function wrkPhase(dir: string, url: string, token: string, seconds: number, rate: number): Phase | null {
  if (!HAVE_WRK) return null;
  const lua = path.join(dir, 'predict.lua');
  const delay = Math.max(0, Math.round((CONNECTIONS * 1000) / rate) - 1);
  writeFileSync(lua, `wrk.method = "POST"\nwrk.body = ${JSON.stringify(BODY)}\nwrk.headers["content-type"] = "application/json"\nwrk.headers["authorization"] = "Bearer ${token}"\nfunction delay() return ${delay} end\n`);
  const args = ['-t1', `-c${CONNECTIONS}`, '--latency', '-s', lua, `${url}/assets/m1/predict`];
  spawnSync('wrk', [...args.slice(0, 2), '-d3s', ...args.slice(2)]); // warm-up
  const r = spawnSync('wrk', [...args.slice(0, 2), `-d${seconds}s`, ...args.slice(2)], { encoding: 'utf8' });
  const out = r.stdout ?? '';
  const ms = (v: string, unit: string): number => Number(v) * (unit === 'us' ? 0.001 : unit === 's' ? 1000 : 1);
  const pct = (p: string): number => {
    const m = new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(out);
    return m ? round(ms(m[1] as string, m[2] as string), 3) : NaN;
  };
  const lat = /Latency\s+([\d.]+)(us|ms|s)\s+[\d.]+(?:us|ms|s)\s+([\d.]+)(us|ms|s)/.exec(out);
  const reqs = /(\d+) requests in ([\d.]+)s/.exec(out);
  const non2xx = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const errs = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const n = reqs ? Number(reqs[1]) : 0;
  const secs = reqs ? Number(reqs[2]) : seconds;
  return {
    requests: n,
    non2xx: non2xx ? Number(non2xx[1]) : 0,
    errors: errs ? Number(errs[1]) + Number(errs[2]) + Number(errs[3]) : 0,
    timeouts: errs ? Number(errs[4]) : 0,
    seconds: secs,
    achievedRps: Math.round(n / secs),
    latencyMs: { p50: pct('50'), p90: pct('90'), p99: pct('99'), p99_9: NaN, max: lat ? round(ms(lat[3] as string, lat[4] as string), 3) : NaN, mean: lat ? round(ms(lat[1] as string, lat[2] as string), 3) : NaN },
    autocannonLatencyMs: { p50: NaN, p90: NaN, p99: NaN, p99_9: NaN, max: NaN },
  };
}

function load(url: string, token: string, seconds: number, rate?: number): Promise<Phase> {
  return new Promise((resolve, reject) => {
    const times: number[] = [];
    const inst = autocannon(
      {
        url: `${url}/assets/m1/predict`,
        method: 'POST',
        connections: CONNECTIONS,
        duration: seconds,
        ...(rate ? { overallRate: rate } : {}),
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: BODY,
        timeout: 10,
      },
      (err: Error | null, r: Result) => {
        if (err) return reject(err);
        const sorted = Float64Array.from(times).sort();
        const mean = times.reduce((s, x) => s + x, 0) / Math.max(1, times.length);
        resolve({
          requests: times.length,
          non2xx: r.non2xx,
          errors: r.errors,
          timeouts: r.timeouts,
          seconds: r.duration,
          achievedRps: Math.round(r['2xx'] / r.duration),
          latencyMs: {
            p50: round(percentile(sorted, 50), 3),
            p90: round(percentile(sorted, 90), 3),
            p99: round(percentile(sorted, 99), 3),
            p99_9: round(percentile(sorted, 99.9), 3),
            max: round(sorted[sorted.length - 1] ?? NaN, 3),
            mean: round(mean, 3),
          },
          autocannonLatencyMs: { p50: r.latency.p50, p90: r.latency.p90, p99: r.latency.p99, p99_9: r.latency.p99_9, max: r.latency.max },
        });
      },
    );
    inst.on('response', (_client: unknown, status: number, _bytes: number, ms: number) => {
      if (status >= 200 && status < 300) times.push(ms);
    });
  });
}

async function server(kind: 'ours' | 'baseline', dir: string, modelDir: string): Promise<{ child: ChildProcess; url: string; token: string; pid: number }> {
  const prof = process.env.BENCH_CPU_PROF ? ['--cpu-prof', '--cpu-prof-dir', process.env.BENCH_CPU_PROF] : [];
  const child = tsChild('http-server.ts', { kind, db: path.join(dir, `${kind}.db`), modelDir }, prof);
  const m = await nextMessage<{ url: string; token: string; pid: number }>(child, (x) => (x as unknown as { type: string }).type === 'ready');
  // Check the route answers 200 before loading it.
  const res = await fetch(`${m.url}/assets/m1/predict`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${m.token}` }, body: BODY });
  if (!res.ok) throw new Error(`${kind}: predict answered ${res.status}: ${await res.text()}`);
  return { child, ...m };
}

async function stop(child: ChildProcess): Promise<void> {
  child.send({ type: 'stop' });
  await exited(child);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'sf-bench-http-'));
try {
  const loadBefore = machineLoad();
  console.log(`HTTP bench: ${RATE} req/s for ${SECONDS} s over ${CONNECTIONS} connections, then unthrottled ${MAX_SECONDS} s; load ${loadBefore.loadavg.join(' ')}`);
  const modelDir = path.join(dir, 'model');
  const t0 = Date.now();
  await trainDemoModel(modelDir);
  console.log(`trained the demo gbdt failure model in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const results: Record<string, { fixed: Phase; steady: Phase; wrk: Phase | null; max: Phase; peakRssMb: number | null; loadavgAfter: number[] }> = {};
  for (const kind of ['ours', 'baseline'] as const) {
    const s = await server(kind, dir, modelDir);
    await load(s.url, s.token, 3, RATE); // warm-up (JIT, model load, caches)
    const fixed = await withServerTiming(s.child, () => load(s.url, s.token, SECONDS, RATE));
    const steadyPhase = await withServerTiming(s.child, () => steady(s.url, s.token, SECONDS, RATE));
    const wrk = HAVE_WRK ? await withServerTiming(s.child, async () => wrkPhase(dir, s.url, s.token, SECONDS, RATE) as Phase) : null;
    const max = await withServerTiming(s.child, () => load(s.url, s.token, MAX_SECONDS));
    const mem = procMemory(s.pid);
    await stop(s.child);
    results[kind] = { fixed, steady: steadyPhase, wrk, max, peakRssMb: mem ? round(mem.peakRssMb) : null, loadavgAfter: machineLoad().loadavg };
    const l = fixed.latencyMs;
    const sv = fixed.server as ServerSide;
    console.log(
      `${kind.padEnd(8)} server side at ${RATE}/s: p50 ${sv.latencyMs.p50} ms, p90 ${sv.latencyMs.p90} ms, p99 ${sv.latencyMs.p99} ms, p99.9 ${sv.latencyMs.p99_9} ms, max ${sv.latencyMs.max} ms; event-loop delay p50 ${sv.loopDelayMs.p50} ms, p99 ${sv.loopDelayMs.p99} ms, max ${sv.loopDelayMs.max} ms`,
    );
    console.log(
      `${kind.padEnd(8)} open loop at ${RATE}/s: achieved ${steadyPhase.achievedRps}/s, p50 ${steadyPhase.latencyMs.p50} ms, p90 ${steadyPhase.latencyMs.p90} ms, p99 ${steadyPhase.latencyMs.p99} ms, p99.9 ${steadyPhase.latencyMs.p99_9} ms, max ${steadyPhase.latencyMs.max} ms, non-2xx ${steadyPhase.non2xx}, errors ${steadyPhase.errors}; server-side p99 ${(steadyPhase.server as ServerSide).latencyMs.p99} ms`,
    );
    if (wrk) {
      console.log(
        `${kind.padEnd(8)} wrk at ~${RATE}/s: achieved ${wrk.achievedRps}/s, p50 ${wrk.latencyMs.p50} ms, p90 ${wrk.latencyMs.p90} ms, p99 ${wrk.latencyMs.p99} ms, max ${wrk.latencyMs.max} ms, non-2xx ${wrk.non2xx}, errors ${wrk.errors}; server-side p99 ${(wrk.server as ServerSide).latencyMs.p99} ms`,
      );
    } else console.log(`${kind.padEnd(8)} wrk: not installed (apt-get install wrk), phase skipped`);
    console.log(
      `${kind.padEnd(8)} autocannon at ${RATE}/s: achieved ${fixed.achievedRps}/s, p50 ${l.p50} ms, p90 ${l.p90} ms, p99 ${l.p99} ms, p99.9 ${l.p99_9} ms, max ${l.max} ms, non-2xx ${fixed.non2xx}, errors ${fixed.errors}; unthrottled ${max.achievedRps}/s (p99 ${max.latencyMs.p99} ms); peak RSS ${results[kind].peakRssMb} MB; load ${results[kind].loadavgAfter.join(' ')}`,
    );
  }
  const o = results.ours as (typeof results)['ours'];
  const b = results.baseline as (typeof results)['baseline'];
  const ratios = {
    'p50 ours / baseline': round(o.fixed.latencyMs.p50 / b.fixed.latencyMs.p50, 2),
    'p99 ours / baseline': round(o.fixed.latencyMs.p99 / b.fixed.latencyMs.p99, 2),
    'open-loop p99 ours / baseline': round(o.steady.latencyMs.p99 / b.steady.latencyMs.p99, 2),
    ...(o.wrk && b.wrk ? { 'wrk p99 ours / baseline': round(o.wrk.latencyMs.p99 / b.wrk.latencyMs.p99, 2) } : {}),
    'server-side p99 ours / baseline': round((o.fixed.server as ServerSide).latencyMs.p99 / (b.fixed.server as ServerSide).latencyMs.p99, 2),
    'max throughput ours / baseline': round(o.max.achievedRps / b.max.achievedRps, 2),
  };
  for (const [k, v] of Object.entries(ratios)) console.log(`ratio ${k}: ${v}`);
  const meets = (p: Phase): boolean => p.latencyMs.p99 <= 5 && p.achievedRps >= RATE * 0.98 && p.non2xx === 0 && p.errors === 0;
  const target = { p99MsAtRate: 5, rate: RATE, metWrk: o.wrk ? meets(o.wrk) : null, metOpenLoop: meets(o.steady), metAutocannonBursts: meets(o.fixed) };
  const word = (m: boolean | null): string => (m === null ? 'not run' : m ? 'met' : 'MISSED');
  console.log(`target p99 <= 5 ms at ${RATE}/s: wrk ${word(target.metWrk)}; Node open loop ${word(target.metOpenLoop)}; autocannon (per-second bursts) ${word(target.metAutocannonBursts)}`);
  const file = writeResult('service-http.json', {
    bench: 'service-http',
    at: new Date().toISOString(),
    machine: { ...loadBefore, loadavgBefore: loadBefore.loadavg, note: 'shared 2-core machine loaded by other sessions: absolute numbers are noisy, the ratios in one run are what count' },
    config: { rate: RATE, seconds: SECONDS, connections: CONNECTIONS, maxSeconds: MAX_SECONDS, route: 'POST /assets/m1/predict', model: 'demo gbdt failure model (trainDemoModel)', body: JSON.parse(BODY) as unknown },
    results,
    ratios,
    target,
  });
  console.log(`wrote ${file}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
