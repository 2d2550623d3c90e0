import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../cli/args.js';
import type { CommandContext } from '../../cli/command.js';
import { silentProgress } from '../../cli/progress.js';
import { writeCsv } from '../../io/write.js';
import { simulateRunToFailure } from '../../sim/run-to-failure.js';
import { RUL_EVALUATE_OPTIONS, RUL_TRAIN_OPTIONS, runEvaluateRul, runTrainRul } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rul-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeCtx(): CommandContext & { results: unknown[]; infos: string[]; warnings: string[] } {
  const results: unknown[] = [];
  const infos: string[] = [];
  const warnings: string[] = [];
  return {
    json: true,
    quiet: true,
    seed: 7,
    results,
    infos,
    warnings,
    info: (m) => infos.push(m),
    warn: (m) => warnings.push(m),
    result: (v) => results.push(v),
    progress: () => silentProgress,
  };
}

/** A small simulated run-to-failure CSV (written once) and the train arguments that write model `name`. */
let smallCsv: string | undefined;
function smallTrainArgs(name: string): { out: string; base: string[] } {
  if (!smallCsv) {
    const sim = simulateRunToFailure({ seed: 9, units: 12, testUnits: 4, sensors: 4, conditions: 1 });
    smallCsv = path.join(dir, 'train-small.csv');
    writeCsv(smallCsv, sim.train.drop(['timestamp', 'condition', 'health_index', 'rul', 'op_setting_1', 'op_setting_2', 'op_setting_3']));
  }
  const out = path.join(dir, name);
  return { out, base: ['--data', smallCsv, '--format', 'csv', '--unit', 'unit', '--time', 'cycle', '--out', out, '--window', '10'] };
}

describe('runTrainRul / runEvaluateRul (as the CLI calls them)', () => {
  it('parses the documented options, trains, evaluates and returns the JSON document', async () => {
    const sim = simulateRunToFailure({ seed: 8, units: 24, testUnits: 12, sensors: 6, conditions: 1 });
    const train = path.join(dir, 'train.csv');
    const test = path.join(dir, 'test.csv');
    const rul = path.join(dir, 'rul.txt');
    writeCsv(train, sim.train.drop(['timestamp', 'condition', 'health_index', 'rul']).drop(['op_setting_1', 'op_setting_2', 'op_setting_3']));
    writeCsv(test, sim.test.drop(['timestamp', 'condition', 'op_setting_1', 'op_setting_2', 'op_setting_3']));
    writeFileSync(rul, Array.from(sim.testRul.numeric('rul'), String).join('\n') + '\n');
    const out = path.join(dir, 'm');
    const targs = parseArgs(['--data', train, '--format', 'csv', '--unit', 'unit', '--time', 'cycle', '--out', out, '--model', 'gbdt', '--window', '12', '--cap', '100', '--epochs', '80'], RUL_TRAIN_OPTIONS, 'train');
    const ctx = fakeCtx();
    const t = await runTrainRul(targs, ctx);
    expect(t.model).toBe('gbdt');
    expect(t.window).toBe(12);
    expect(t.cap).toBe(100);
    expect(t.regimes).toBe(1);
    expect(ctx.results).toHaveLength(1);

    const eargs = parseArgs(['--model', out, '--data', test, '--format', 'csv', '--rul', rul], RUL_EVALUATE_OPTIONS, 'evaluate');
    const ctx2 = fakeCtx();
    const e = await runEvaluateRul(eargs, ctx2);
    expect(e.units).toBe(12);
    expect(typeof e.rmse).toBe('number');
    expect(typeof e.score).toBe('number');
    expect(ctx2.warnings).toEqual([]);

    // --history none / --refit no: sensors only, the early-stopped model is kept.
    const out2 = path.join(dir, 'm2');
    const a2 = parseArgs(['--data', train, '--format', 'csv', '--unit', 'unit', '--time', 'cycle', '--out', out2, '--window', '12', '--epochs', '40', '--history', 'none', '--refit', 'no'], RUL_TRAIN_OPTIONS, 'train');
    await runTrainRul(a2, fakeCtx());
    const { loadRulModel } = await import('./rul.js');
    const m2 = (await loadRulModel(out2)).manifest;
    expect(m2.preprocessor.history).toBeUndefined();
    expect(m2.members[0]?.options.nEstimators).toBe(40);
  }, 60_000);

  it('rejects a bad --history value before reading any data', async () => {
    const a = parseArgs(['--data', 'missing.csv', '--out', path.join(dir, 'x'), '--history', '0.1,abc'], RUL_TRAIN_OPTIONS, 'train');
    await expect(runTrainRul(a, fakeCtx())).rejects.toThrow(/--history/);
  });

  it('--init: recorded in the member options of a net; rejected for a model without a net', async () => {
    const { out, base } = smallTrainArgs('m-init');
    await runTrainRul(parseArgs([...base, '--model', 'cnn1d', '--epochs', '1', '--init', 'torch'], RUL_TRAIN_OPTIONS, 'train'), fakeCtx());
    const { loadRulModel } = await import('./rul.js');
    expect((await loadRulModel(out)).manifest.members[0]?.options.init).toBe('torch');
    await expect(runTrainRul(parseArgs([...base, '--model', 'gbdt', '--init', 'torch'], RUL_TRAIN_OPTIONS, 'train'), fakeCtx())).rejects.toThrow(/--init applies to cnn1d, lstm, gru only/);
    expect(() => parseArgs([...base, '--init', 'xavier'], RUL_TRAIN_OPTIONS, 'train')).toThrow(/expected one of/);
  }, 60_000);

  it('--net-inputs: recorded per network member; rejected for gbdt alone and for unknown values', async () => {
    const { out, base } = smallTrainArgs('m-ni');
    await runTrainRul(parseArgs([...base, '--model', 'cnn1d', '--epochs', '1', '--net-inputs', 'all'], RUL_TRAIN_OPTIONS, 'train'), fakeCtx());
    const { loadRulModel } = await import('./rul.js');
    expect((await loadRulModel(out)).manifest.members[0]?.channels).toBe('all');
    await expect(runTrainRul(parseArgs([...base, '--model', 'gbdt', '--net-inputs', 'all'], RUL_TRAIN_OPTIONS, 'train'), fakeCtx())).rejects.toThrow(/--net-inputs applies to the networks/);
    expect(() => parseArgs([...base, '--net-inputs', 'history'], RUL_TRAIN_OPTIONS, 'train')).toThrow(/expected one of/);
  }, 60_000);

  it('--copy-holdout: same keeps every copy on the usual units, rotate (default) moves them; unknown values rejected', async () => {
    const { loadRulModel } = await import('./rul.js');
    for (const [mode, blocks] of [
      ['same', [undefined, undefined]],
      ['rotate', [undefined, 1]],
    ] as const) {
      const { out, base } = smallTrainArgs(`m-ch-${mode}`);
      await runTrainRul(parseArgs([...base, '--model', 'ensemble', '--members', 'cnn1d,cnn1d', '--epochs', '1', '--copy-holdout', mode], RUL_TRAIN_OPTIONS, 'train'), fakeCtx());
      expect((await loadRulModel(out)).manifest.members.map((m) => m.holdoutBlock)).toEqual(blocks);
    }
    expect(() => parseArgs(['--data', 'x', '--out', 'y', '--copy-holdout', 'sideways'], RUL_TRAIN_OPTIONS, 'train')).toThrow(/expected one of/);
  }, 60_000);

  it('rejects an unknown model name at parse time', () => {
    expect(() => parseArgs(['--data', 'x', '--out', 'y', '--model', 'svm'], RUL_TRAIN_OPTIONS, 'train')).toThrow(/expected one of/);
  });
});
