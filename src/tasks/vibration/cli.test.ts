import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import type { CommandContext } from '../../cli/command.js';
import { silentProgress } from '../../cli/progress.js';
import { trainCommand } from '../../cli/commands/train.js';
import { evaluateCommand } from '../../cli/commands/evaluate.js';
import { writeSyntheticCwru } from './test-signals.js';

const dir = mkdtempSync(path.join(tmpdir(), 'vib-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeCtx(): CommandContext & { results: unknown[] } {
  const results: unknown[] = [];
  return {
    json: true,
    quiet: true,
    seed: 7,
    results,
    info: () => {},
    warn: () => {},
    result: (v) => results.push(v),
    progress: () => silentProgress,
  };
}

describe('shopfloor train --task vibration / evaluate (through the command specs)', () => {
  it('trains on a directory of CWRU-named MAT-files and evaluates the held-out blocks', async () => {
    const data = path.join(dir, 'data');
    rmSync(data, { recursive: true, force: true });
    mkdirSync(data);
    writeSyntheticCwru(data, 30000);
    const out = path.join(dir, 'model');
    const ctx = fakeCtx();
    const argv = ['--task', 'vibration', '--data', data, '--out', out, '--window-size', '1024', '--hop', '512', '--epochs', '30', '--test-fraction', '0.25'];
    await trainCommand.run(parseArgs(argv, trainCommand.options, 'train'), ctx);
    const tr = ctx.results[0] as { task: string; window: number; windows: { test: number }; test: { accuracy: number } };
    expect(tr.task).toBe('vibration');
    expect(tr.window).toBe(1024);
    // 25 % of 30000 samples = 7500 → 7 non-overlapping windows of 1024 per recording.
    expect(tr.windows.test).toBe(28);
    expect(tr.test.accuracy).toBeGreaterThan(0.9);
    const ctx2 = fakeCtx();
    await evaluateCommand.run(parseArgs(['--model', out, '--data', data], evaluateCommand.options, 'evaluate'), ctx2);
    const ev = ctx2.results[0] as { accuracy: number; macroF1: number; perClass: unknown[]; confusion: { labels: string[]; counts: number[][] }; windows: number };
    expect(ev.windows).toBe(28);
    expect(ev.accuracy).toBe(tr.test.accuracy);
    expect(ev.perClass).toHaveLength(4);
    expect(ev.confusion.labels).toEqual(['normal', 'inner_race', 'ball', 'outer_race']);
    // Options of other tasks are refused.
    await expect(trainCommand.run(parseArgs([...argv, '--cap', '100'], trainCommand.options, 'train'), fakeCtx())).rejects.toThrow(/--cap does not apply to --task vibration/);
    await expect(evaluateCommand.run(parseArgs(['--model', out, '--data', data, '--rul', 'x'], evaluateCommand.options, 'evaluate'), fakeCtx())).rejects.toThrow(/--rul does not apply/);
  }, 120_000);
});
