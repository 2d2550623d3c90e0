/**
 * Ctrl-C during `shopfloor schedule`: the CLI (a child process, as a user runs it) stops the search,
 * writes the best schedule found so far and exits 0.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readInstanceFile } from '../../src/io/instances/index.js';
import { checkSchedule, problemFromInstance } from '../../src/tasks/scheduling/index.js';
import { REPO } from './run.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A 15×15 job shop in OR-Library format (deterministic LCG): hard enough that 120 s never runs out early. */
function jsplib15(): string {
  let x = 12345;
  const rnd = (k: number): number => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x % k;
  };
  const lines = ['15 15'];
  for (let j = 0; j < 15; j++) {
    const ms = Array.from({ length: 15 }, (_, i) => i);
    for (let i = 14; i > 0; i--) {
      const k = rnd(i + 1);
      [ms[i], ms[k]] = [ms[k] as number, ms[i] as number];
    }
    lines.push(ms.map((m) => `${m} ${1 + rnd(99)}`).join(' '));
  }
  return lines.join('\n') + '\n';
}

describe('shopfloor schedule: SIGINT keeps the best schedule so far', () => {
  it('writes schedule.json / gantt.html with stopReason "cancelled" and exits 0', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'sched-sigint-'));
    const inst = path.join(dir, 'rand15');
    writeFileSync(inst, jsplib15());
    const out = path.join(dir, 'out');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'schedule', '--instance', inst, '--format', 'jsplib', '--time-limit', '120', '--workers', '2', '--out', out], {
      cwd: REPO,
      env: { ...process.env, TZ: 'UTC', FORCE_COLOR: '0' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
    // Wait until the search has started, give it a moment, then press Ctrl-C.
    const t0 = Date.now();
    while (!stdout.includes('solving') && Date.now() - t0 < 60_000) await new Promise((r) => setTimeout(r, 100));
    expect(stdout).toContain('Ctrl-C stops');
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await exited;
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('SIGINT received');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stdout).toMatch(/stopped: cancelled/);
    const doc = JSON.parse(readFileSync(path.join(out, 'schedule.json'), 'utf8')) as {
      stopReason: string;
      status: string;
      makespan: number;
      runtimeMs: number;
      operations: { job: number; index: number; machine: number; start: number; end: number }[];
    };
    expect(doc.stopReason).toBe('cancelled');
    expect(doc.status).toBe('feasible');
    expect(doc.runtimeMs).toBeLessThan(100_000);
    // Re-verify the written schedule independently.
    const p = problemFromInstance(readInstanceFile(inst, 'jsplib'));
    const check = checkSchedule(p, { operations: doc.operations, makespan: doc.makespan, weightedTardiness: 0 });
    expect(check.violations).toEqual([]);
    expect(readFileSync(path.join(out, 'gantt.html'), 'utf8')).toContain('<svg');
  }, 150_000);
});
