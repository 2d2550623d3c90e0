import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CommandContext, OptionValues } from '../command.js';
import { silentProgress } from '../progress.js';
import { scheduleCommand } from './schedule.js';

const fx = (name: string): string => fileURLToPath(new URL(`../../../test/fixtures/scheduling/${name}`, import.meta.url));

function fakeContext(): { ctx: CommandContext; results: unknown[]; texts: string[]; warnings: string[] } {
  const results: unknown[] = [];
  const texts: string[] = [];
  const warnings: string[] = [];
  const ctx: CommandContext = {
    json: false,
    quiet: true,
    seed: 7,
    info: () => {},
    warn: (m) => warnings.push(m),
    result: (v, t) => {
      results.push(v);
      if (t) texts.push(t);
    },
    progress: () => silentProgress,
  };
  return { ctx, results, texts, warnings };
}

const run = async (opts: OptionValues) => {
  const f = fakeContext();
  await scheduleCommand.run({ 'time-limit': 1, solver: 'auto', workers: 1, ...opts }, f.ctx);
  return f;
};

describe('schedule command', () => {
  it('solves a .fjs file and writes schedule.json, schedule.csv and gantt.html atomically', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sched-'));
    const { results, texts } = await run({ instance: fx('tiny.fjs'), out });
    const r = results[0] as { status: string; objective: number; lowerBound: number; verified: boolean; files: string[] };
    expect(r.verified).toBe(true);
    expect(['optimal', 'feasible']).toContain(r.status);
    expect(r.objective).toBeGreaterThanOrEqual(r.lowerBound);
    expect(readdirSync(out).sort()).toEqual(['gantt.html', 'schedule.csv', 'schedule.json']);
    const json = JSON.parse(readFileSync(path.join(out, 'schedule.json'), 'utf8')) as { makespan: number; operations: unknown[] };
    expect(json.makespan).toBe(r.objective);
    expect(json.operations).toHaveLength(7);
    expect(readFileSync(path.join(out, 'schedule.csv'), 'utf8').trim().split('\n')).toHaveLength(8);
    expect(texts[0]).toMatch(/makespan\s+\d+/);
    expect(texts[0]).toMatch(/verified\s+yes/);
  });

  it('honours --objective and reads JSON features', async () => {
    const { results } = await run({ instance: fx('features.json'), objective: 'weighted-tardiness' });
    const r = results[0] as { objectiveKind: string; verified: boolean; knownBound: unknown; objective: number; lowerBound: number; gapToLowerBoundPct: number | null };
    expect(r.objectiveKind).toBe('weighted-tardiness');
    // Job A cannot meet its due date (setup 2 after the pinned C, then the mill window [6, 8)): TWT >= 4.
    expect(r.objective).toBeGreaterThanOrEqual(4);
    // The tardiness bound is 0 here, so there is no finite relative gap.
    expect(r.lowerBound).toBe(0);
    expect(r.gapToLowerBoundPct).toBeNull();
    expect(r.verified).toBe(true);
    expect(r.knownBound).toBeNull();
  });

  it('reads cross-job precedences with lags from JSON (assembly waits for both wheels)', async () => {
    const out = mkdtempSync(path.join(tmpdir(), 'sched-asm-'));
    const { results } = await run({ instance: fx('assembly.json'), out });
    const r = results[0] as { objective: number; lowerBound: number; status: string; verified: boolean; stopReason: string };
    expect(r.verified).toBe(true);
    // Lathe bound: both wheels' lathe work (10) after the first saw cut (2), then lag 1 + assembly 3.
    expect(r.lowerBound).toBe(16);
    expect(r.objective).toBe(16);
    expect(r.status).toBe('optimal');
    expect(r.stopReason).toBe('optimal');
    const ops = (JSON.parse(readFileSync(path.join(out, 'schedule.json'), 'utf8')) as { operations: { job: number; index: number; start: number; end: number }[] }).operations;
    const at = (job: number, index: number) => ops.find((o) => o.job === job && o.index === index)!;
    expect(at(0, 1).start).toBeGreaterThanOrEqual(Math.max(at(1, 1).end, at(2, 1).end) + 1);
  });

  it('reports the gap to a known bound from --bks', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bks-'));
    const bks = path.join(dir, 'bks.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(bks, JSON.stringify([{ instance: 'tiny-jsplib', lower_bound: 11, upper_bound: 11 }]));
    const { results, texts } = await run({ instance: fx('tiny-jsplib.txt'), bks });
    const r = results[0] as { objective: number; knownBound: { upper: number }; gapToKnownPct: number };
    expect(r.knownBound.upper).toBe(11);
    expect(r.gapToKnownPct).toBeCloseTo((100 * (r.objective - 11)) / 11, 10);
    expect(texts[0]).toMatch(/best known\s+11 \(optimal\)/);
  });

  it('a malformed file is a DataError naming file:line', async () => {
    await expect(run({ instance: fx('bad-machine.fjs') })).rejects.toMatchObject({ code: 'SF_INSTANCE', message: expect.stringMatching(/bad-machine\.fjs:3/) });
  });
});
