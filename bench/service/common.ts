/**
 * Helpers shared by the service benchmarks (bench/service/*.bench.ts): child processes run under tsx
 * with an IPC channel, a throw-away mosquitto on an ephemeral loopback port, /proc memory readings and
 * the machine load that goes next to every number (the machine is shared: ratios are what count).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '../..');
export const RESULTS = path.join(ROOT, 'bench/results');

/** A free TCP port on 127.0.0.1 (closed again; a tiny race is acceptable in a benchmark). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
    s.on('error', reject);
  });
}

/** Wait until something listens on 127.0.0.1:port. */
export async function waitPort(port: number, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    const ok = await new Promise<boolean>((r) => {
      const c = net.connect(port, '127.0.0.1', () => (c.end(), r(true)));
      c.on('error', () => r(false));
    });
    if (ok) return;
    if (Date.now() > end) throw new Error(`nothing listens on ${port}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** mosquitto binary from Debian, or null. */
export const MOSQUITTO = ['/usr/sbin/mosquitto', '/usr/bin/mosquitto'].find((p) => existsSync(p)) ?? null;

/**
 * Start mosquitto on an ephemeral loopback port with a temporary config: anonymous, no persistence,
 * no per-client queue limit (a bench must not let the broker drop QoS 1 messages) and an in-flight
 * window of `inflight` messages per client (default 20 is mosquitto's; it bounds what a subscriber that
 * acknowledges after storing can commit together).
 */
export async function startMosquitto(dir: string, inflight = 1000): Promise<{ url: string; proc: ChildProcess; stop(): Promise<void> }> {
  if (!MOSQUITTO) throw new Error('mosquitto not installed (apt-get install -y mosquitto)');
  mkdirSync(dir, { recursive: true });
  chmodSync(dir, 0o755);
  const port = await freePort();
  const conf = path.join(dir, 'mosquitto.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 0\nmax_inflight_messages ${inflight}\n`);
  chmodSync(conf, 0o644);
  const proc = spawn(MOSQUITTO, ['-c', conf], { stdio: 'ignore' });
  await waitPort(port);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    proc,
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill('SIGTERM');
      }),
  };
}

/** Start a TypeScript child under tsx with IPC; `arg` goes as JSON in argv[2]. */
export function tsChild(file: string, arg: unknown, extraNodeArgs: string[] = []): ChildProcess {
  return spawn(process.execPath, [...extraNodeArgs, '--import', 'tsx', path.join(HERE, file), JSON.stringify(arg)], {
    cwd: ROOT,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}

/** The next IPC message of `child` that satisfies `pred`. Rejects when the child exits first. */
export function nextMessage<T>(child: ChildProcess, pred: (m: T) => boolean, timeoutMs = 120_000, what = 'message'): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`no ${what} from child ${child.pid} after ${timeoutMs} ms`)), timeoutMs);
    const onMsg = (m: unknown): void => {
      if (pred(m as T)) done(null, m as T);
    };
    const onExit = (c: number | null): void => done(new Error(`child ${child.pid} exited (${c}) before the ${what}`));
    function done(e: Error | null, m?: T): void {
      clearTimeout(timer);
      child.off('message', onMsg);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(m as T);
    }
    child.on('message', onMsg);
    child.once('exit', onExit);
  });
}

/** Wait for a child to exit. */
export function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => (child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (c) => resolve(c))));
}

/** Current and peak resident set size of a process, MB (Linux /proc; peak = VmHWM). */
export function procMemory(pid: number): { rssMb: number; peakRssMb: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string): number => Number(new RegExp(`^${k}:\\s+(\\d+)`, 'm').exec(s)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** What ingest.bench.ts passes to its store process (ingest-server.ts or ingest-baseline.ts) in argv[2]. */
export interface IngestChildArgs {
  db: string;
  /** External broker URL (mosquitto); ingest-server.ts runs its embedded broker without it. */
  mqttUrl?: string;
  site: string;
  assets: string[];
  sensors: string[];
}

/**
 * The store process's side of ingest.bench.ts's IPC: send `ready` (with `ready`'s fields), then
 * `progress` with `counts()` every 100 ms; on `stop`, take peak RSS and the CPU seconds since `ready`,
 * run `close`, send `stopped` with the final counts and disconnect. Resolves after that.
 */
export function ingestChildIpc(ready: Record<string, unknown>, counts: () => { ingested: number; rejected: number }, close: () => Promise<void>): Promise<void> {
  const send = (m: unknown): void => void process.send?.(m);
  const cpu0 = process.cpuUsage();
  send({ type: 'ready', ...ready, pid: process.pid });
  const timer = setInterval(() => send({ type: 'progress', ...counts() }), 100);
  return new Promise((resolve) => {
    process.on('message', (m: { type: string }) => {
      if (m.type !== 'stop') return;
      clearInterval(timer);
      const mem = procMemory(process.pid);
      const cpu = process.cpuUsage(cpu0);
      const cpuSeconds = (cpu.user + cpu.system) / 1e6;
      void close().then(() => {
        send({ type: 'stopped', ...counts(), peakRssMb: mem?.peakRssMb ?? null, cpuSeconds });
        process.disconnect?.();
        resolve();
      });
    });
  });
}

/** The machine's load as `uptime` prints it, plus cores: saved next to every number. */
export function machineLoad(): { loadavg: number[]; cpus: number; cpuModel: string; node: string } {
  return { loadavg: os.loadavg().map((x) => Math.round(x * 100) / 100), cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? '?', node: process.version };
}

/** Write a JSON result atomically into bench/results. */
export function writeResult(name: string, data: unknown): string {
  mkdirSync(RESULTS, { recursive: true });
  const file = path.join(RESULTS, name);
  writeFileSync(`${file}.tmp`, `${JSON.stringify(data, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return file;
}

/** Parse `--name value` flags into a record (flags without a value are 'true'). */
export function flags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) continue;
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      out[a.slice(2)] = next;
      i++;
    } else out[a.slice(2)] = 'true';
  }
  return out;
}

export const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;
