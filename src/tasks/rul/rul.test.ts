import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, ModelFormatError, NotFoundError } from '../../core/errors.js';
import { writeCsv } from '../../io/write.js';
import { rmse } from '../../evaluation/metrics.js';
import { simulateRunToFailure } from '../../sim/run-to-failure.js';
import { evaluateRul, isRulModelDir, loadRulModel, trainRul } from './rul.js';

const dir = mkdtempSync(path.join(tmpdir(), 'rul-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// A small multi-regime fleet (as C-MAPSS FD002/FD004), written as a CSV with a unit and a time column.
const sim = simulateRunToFailure({ seed: 5, units: 30, testUnits: 20, sensors: 9, conditions: 3 });
const trainCsv = path.join(dir, 'train.csv');
const testCsv = path.join(dir, 'test.csv');
const rulFile = path.join(dir, 'rul.txt');
writeCsv(trainCsv, sim.train.drop(['timestamp', 'condition', 'health_index', 'rul']));
writeCsv(testCsv, sim.test.drop(['timestamp', 'condition']));
const truth = sim.testRul.numeric('rul');
writeFileSync(rulFile, Array.from(truth, (v) => `${v} `).join('\n') + '\n');
const csv = { format: 'csv' as const, unit: 'unit', time: 'cycle', settings: ['op_setting_1', 'op_setting_2', 'op_setting_3'] };

describe('trainRul / evaluateRul (gbdt on window features, simulated multi-regime data)', () => {
  const out = path.join(dir, 'model');
  it('writes a complete model directory atomically and beats the constant predictor on test units', async () => {
    const r = await trainRul({ ...csv, data: trainCsv, out, model: 'gbdt', window: 15, cap: 125, seed: 1, settingsOverride: { epochs: 150, patience: 20 } });
    expect(r.manifest.preprocessor.nRegimes).toBe(3);
    expect(r.manifest.members.map((m) => m.name)).toEqual(['gbdt']);
    // Default: history channels in the preprocessor, gbdt refit on all units for the early-stopped rounds.
    expect(r.manifest.preprocessor.history).toEqual({ alphas: [0.1, 0.3], baseline: 10, cycle: true });
    const g = r.manifest.members[0];
    expect(g?.options.nEstimators).toBe((g?.bestEpoch as number) + 1);
    expect(g?.options.earlyStoppingRounds).toBeUndefined();
    // Test-like validation of the held-out units is recorded.
    expect(r.manifest.validation.cuts?.nAll).toBeGreaterThan(0);
    expect(r.manifest.validation.cuts?.rmse).toBeGreaterThan(0);
    for (const f of ['shopfloor-model.json', 'metrics.json', 'report.html']) expect(existsSync(path.join(out, f))).toBe(true);
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
    expect(isRulModelDir(out)).toBe(true);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html).toContain('Predicted vs true RUL');
    expect(html).toContain('<svg');

    const e = await evaluateRul({ model: out, data: testCsv, format: 'csv', rul: rulFile, report: path.join(dir, 'eval.html') });
    expect(e.units).toBe(20);
    // The simulator's test units can have far more than `cap` cycles left; score against the capped
    // truth (what the model can know) and compare with the best constant prediction.
    const capped = Array.from(truth, (v) => Math.min(125, v));
    const mean = capped.reduce((a, b) => a + b, 0) / capped.length;
    const baseline = rmse(capped, new Array(capped.length).fill(mean));
    expect(e.rmse).not.toBeNull();
    expect(rmse(capped, e.predictions.map((p) => p.predicted))).toBeLessThan(0.8 * baseline);
    expect(e.score as number).toBeGreaterThan(0);
    expect(e.predictions.every((p) => p.predicted >= 0 && p.predicted <= 125)).toBe(true);
    expect(readFileSync(path.join(dir, 'eval.html'), 'utf8')).toContain('RUL trajectories');
  });

  it('loads back and predicts identically; predictions only without a truth file', async () => {
    const a = await evaluateRul({ model: out, data: testCsv, format: 'csv' });
    const b = await evaluateRul({ model: out, data: testCsv, format: 'csv' });
    expect(a.rmse).toBeNull();
    expect(a.predictions).toEqual(b.predictions);
    const m = await loadRulModel(out);
    expect(m.manifest.window).toBe(15);
  });

  it('refuses a truth file with the wrong number of units', async () => {
    const bad = path.join(dir, 'bad-rul.txt');
    writeFileSync(bad, '10\n20\n');
    await expect(evaluateRul({ model: out, data: testCsv, format: 'csv', rul: bad })).rejects.toThrow(/2 true RUL values but .* 20 units/);
  });
});

describe('trainRul options and errors', () => {
  it('says when setting-like columns are read as sensors (no --settings)', async () => {
    const lines: string[] = [];
    await trainRul({ format: 'csv', unit: 'unit', time: 'cycle', data: trainCsv, out: path.join(dir, 'nosettings'), model: 'gbdt', window: 15, seed: 1, settingsOverride: { epochs: 5 }, onInfo: (m) => lines.push(m) });
    expect(lines.filter((l) => l.startsWith('note:'))).toEqual([
      'note: op_setting_1, op_setting_2, op_setting_3 look like operating settings and are read as sensors; --settings op_setting_1,op_setting_2,op_setting_3 normalises each sensor within its operating regime instead (C-MAPSS FD002/FD004-style data needs it)',
    ]);
    const quiet: string[] = [];
    await trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'withsettings'), model: 'gbdt', window: 15, seed: 1, settingsOverride: { epochs: 5 }, onInfo: (m) => quiet.push(m) });
    expect(quiet.some((l) => l.startsWith('note:'))).toBe(false);
  });

  it('needs the unit and time columns of a CSV', async () => {
    await expect(trainRul({ data: trainCsv, format: 'csv', out: path.join(dir, 'x') })).rejects.toThrow(ConfigError);
  });
  it('rejects an unknown model and a bad window', async () => {
    await expect(trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'x'), model: 'svm' as never })).rejects.toThrow(/expected one of/);
    await expect(trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'x'), window: 0 })).rejects.toThrow(/--window/);
    expect(existsSync(path.join(dir, 'x'))).toBe(false);
  });
  it('rejects a directory that is not a RUL model', async () => {
    await expect(loadRulModel(path.join(dir, 'nope'))).rejects.toThrow(NotFoundError);
    const other = path.join(dir, 'other');
    rmSync(other, { recursive: true, force: true });
    writeFileSync(path.join(dir, 'dummy'), '');
    await import('node:fs').then((fs) => fs.mkdirSync(other));
    writeFileSync(path.join(other, 'shopfloor-model.json'), JSON.stringify({ formatVersion: 1, task: 'failure' }));
    await expect(loadRulModel(other)).rejects.toThrow(ModelFormatError);
    expect(isRulModelDir(other)).toBe(false);
  });
});

describe('ensemble', () => {
  it('averages its members (gbdt on multi-scale statistics + a tiny cnn1d) and saves both', async () => {
    const out = path.join(dir, 'ens');
    const r = await trainRul({ ...csv, data: trainCsv, out, model: 'ensemble', members: ['gbdt', 'cnn1d'], gbdtFeatures: 'stats', window: 20, minHistory: 5, seed: 2, settingsOverride: { epochs: 1, patience: 1 } });
    expect(r.manifest.members.map((m) => m.name)).toEqual(['gbdt', 'cnn1d']);
    expect(r.manifest.members.map((m) => m.input)).toEqual(['window-stats', 'windows']);
    expect(r.manifest.members.map((m) => m.window)).toEqual([20, 20]);
    expect(r.manifest.minHistory).toBe(5);
    const m = await loadRulModel(out);
    const e = await evaluateRul({ model: out, data: testCsv, format: 'csv', rul: rulFile });
    // The mean of the members' clamped predictions, recomputed here from each member.
    const { finalWindows } = await import('./data.js');
    const { memberInput } = await import('./models.js');
    const { readCsv } = await import('../../io/csv/index.js');
    const series = m.preprocessor.transform(await readCsv(testCsv, { schema: { unit: 'categorical' } }));
    // Sensor channels first, then the unit-history channels (gbdt reads their last values; the CNN reads all by default).
    const nSensors = m.manifest.preprocessor.sensors.length;
    expect(series.nFeatures).toBeGreaterThan(nSensors);
    const p0 = await (m.members[0]?.estimator.predict(memberInput('window-stats', finalWindows(series, 20).samples, undefined, nSensors)) as Promise<Float64Array>);
    expect(m.members[1]?.info.channels).toBe('all'); // cnn1d's default (docs/rul.md)
    const p1 = await (m.members[1]?.estimator.predict(memberInput('windows', finalWindows(series, 20).samples, undefined, nSensors, 'all')) as Promise<Float64Array>);
    const c = (v: number): number => Math.min(125, Math.max(0, v));
    e.predictions.forEach((p, i) => expect(p.predicted).toBeCloseTo((c(p0[i] as number) + c(p1[i] as number)) / 2, 4));
  }, 60_000);
});

describe("networks reading the unit-history channels (--net-inputs all)", () => {
  it('trains a cnn1d on sensor + history windows, records the choice and evaluates with the same channels', async () => {
    const out = path.join(dir, 'net-all');
    const r = await trainRul({ ...csv, data: trainCsv, out, model: 'ensemble', members: ['gbdt', 'cnn1d'], netInputs: 'all', window: 12, seed: 4, settingsOverride: { epochs: 1, patience: 1 } });
    // gbdt records no channels (it reads sensor statistics + last history values), the CNN records 'all'.
    expect(r.manifest.members.map((m) => m.channels)).toEqual([undefined, 'all']);
    const saved = JSON.parse(readFileSync(path.join(out, 'shopfloor-model.json'), 'utf8')) as { members: { channels?: string }[] };
    expect(saved.members[1]?.channels).toBe('all');
    const m = await loadRulModel(out);
    expect(m.members[1]?.info.channels).toBe('all');
    const series = m.preprocessor.transform((await import('../../io/csv/index.js').then((c) => c.readCsv(testCsv, { schema: { unit: 'categorical' } }))));
    const nSensors = m.manifest.preprocessor.sensors.length;
    const { finalWindows } = await import('./data.js');
    const { memberInput } = await import('./models.js');
    const last = finalWindows(series, 12).samples;
    const xAll = memberInput('windows', last, 12, nSensors, 'all');
    expect(xAll.shape).toEqual([12, series.nFeatures]);
    expect(series.nFeatures).toBe(nSensors * 3 + 1); // sensors, drift EWMA α 0.1 and 0.3, cycle count
    const p0 = await (m.members[0]?.estimator.predict(memberInput('window-features', last, 12, nSensors)) as Promise<Float64Array>);
    const p1 = await (m.members[1]?.estimator.predict(xAll) as Promise<Float64Array>);
    // The CNN was built for the wider input: the sensor channels alone do not fit it.
    await expect(m.members[1]?.estimator.predict(memberInput('windows', last, 12, nSensors)) as Promise<Float64Array>).rejects.toThrow();
    const e = await evaluateRul({ model: out, data: testCsv, format: 'csv' });
    const c = (v: number): number => Math.min(125, Math.max(0, v));
    e.predictions.forEach((p, i) => expect(p.predicted).toBeCloseTo((c(p0[i] as number) + c(p1[i] as number)) / 2, 4));
  }, 60_000);

  it('old manifests (no channels field) read the sensors; bad or inconsistent channels are refused', async () => {
    const out = path.join(dir, 'net-all');
    const mf = path.join(out, 'shopfloor-model.json');
    const orig = readFileSync(mf, 'utf8');
    try {
      const j = JSON.parse(orig) as { members: { channels?: string }[]; preprocessor: { history?: unknown } };
      j.members[1] = { ...j.members[1], channels: 'everything' };
      writeFileSync(mf, JSON.stringify(j));
      await expect(loadRulModel(out)).rejects.toThrow(/unknown channels 'everything'/);
      j.members[1] = { ...j.members[1], channels: 'all' };
      delete j.preprocessor.history;
      writeFileSync(mf, JSON.stringify(j));
      await expect(loadRulModel(out)).rejects.toThrow(ModelFormatError);
    } finally {
      writeFileSync(mf, orig);
    }
    // A sensors-only network records 'sensors'; its manifest without the field (an older model) loads and evaluates alike.
    const out2 = path.join(dir, 'net-sensors');
    await trainRul({ ...csv, data: trainCsv, out: out2, model: 'cnn1d', netInputs: 'sensors', window: 12, seed: 4, settingsOverride: { epochs: 1, patience: 1 } });
    const mf2 = path.join(out2, 'shopfloor-model.json');
    const j2 = JSON.parse(readFileSync(mf2, 'utf8')) as { members: { channels?: string }[] };
    expect(j2.members[0]?.channels).toBe('sensors');
    const before = await evaluateRul({ model: out2, data: testCsv, format: 'csv' });
    delete j2.members[0]?.channels;
    writeFileSync(mf2, JSON.stringify(j2));
    const after = await evaluateRul({ model: out2, data: testCsv, format: 'csv' });
    expect(after.predictions).toEqual(before.predictions);
  }, 60_000);

  it('an ensemble member may carry its channels (cnn1d:sensors next to cnn1d:all); without history every net reads the sensors', async () => {
    const r = await trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'mixed'), model: 'ensemble', members: ['gbdt', 'cnn1d:sensors', 'cnn1d:all'], window: 12, seed: 4, settingsOverride: { epochs: 1, patience: 1 } });
    expect(r.manifest.members.map((m) => [m.name, m.channels])).toEqual([['gbdt', undefined], ['cnn1d', 'sensors'], ['cnn1d', 'all']]);
    // The k-th copy of a model gets seed + 1000·k whatever its channels.
    expect(r.manifest.members.map((m) => m.options.seed)).toEqual([4, 4, 1004]);
    const e = await evaluateRul({ model: path.join(dir, 'mixed'), data: testCsv, format: 'csv', rul: rulFile });
    expect(e.members).toEqual(['gbdt', 'cnn1d', 'cnn1d']);
    const n = await trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'nohist'), model: 'cnn1d', history: null, window: 12, seed: 4, settingsOverride: { epochs: 1, patience: 1 } });
    expect(n.manifest.members[0]?.channels).toBe('sensors');
    await expect(trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'x'), model: 'ensemble', members: ['gbdt', 'cnn1d:all'], history: null })).rejects.toThrow(/--history is 'none'/);
  }, 60_000);

  it('rotating hold-out (default): copy k of a repeated net early-stops on block k; copy 0 and the validation stay as with the same hold-out', async () => {
    const base = { ...csv, data: trainCsv, model: 'ensemble' as const, members: ['gbdt', 'cnn1d', 'cnn1d', 'cnn1d'], window: 12, seed: 4, settingsOverride: { epochs: 2, patience: 1 } };
    const same = await trainRul({ ...base, out: path.join(dir, 'same'), copyHoldout: 'same' });
    const rot = await trainRul({ ...base, out: path.join(dir, 'rot') }); // the default
    expect(same.manifest.members.map((m) => m.holdoutBlock)).toEqual([undefined, undefined, undefined, undefined]);
    expect(rot.manifest.members.map((m) => m.holdoutBlock)).toEqual([undefined, undefined, 1, 2]);
    // 30 units, 6 held out: five blocks; the sixth and seventh copies are blocks 0 (the usual units) and 1 again
    const many = await trainRul({ ...base, out: path.join(dir, 'rot7'), members: Array.from({ length: 7 }, () => 'cnn1d'), settingsOverride: { epochs: 1, patience: 1 } });
    expect(many.manifest.members.map((m) => m.holdoutBlock)).toEqual([undefined, 1, 2, 3, 4, undefined, 1]);
    expect(many.manifest.validation.members).toBe(2);
    // gbdt and copy 0 train on the same units as before: same members, same validation RMSE.
    expect(rot.manifest.members.slice(0, 2).map((m) => m.valRmse)).toEqual(same.manifest.members.slice(0, 2).map((m) => m.valRmse));
    expect(rot.manifest.members[2]?.valRmse).not.toBe(same.manifest.members[2]?.valRmse);
    // The ensemble's validation averages only the members that held the usual units out.
    expect(same.manifest.validation.members).toBeUndefined();
    expect(rot.manifest.validation.members).toBe(2);
    expect(rot.manifest.validation.units).toBe(same.manifest.validation.units);
    expect(readFileSync(path.join(dir, 'rot', 'report.html'), 'utf8')).toContain('block 2');
    const e = await evaluateRul({ model: path.join(dir, 'rot'), data: testCsv, format: 'csv', rul: rulFile });
    expect(e.members).toEqual(['gbdt', 'cnn1d', 'cnn1d', 'cnn1d']);
    await expect(trainRul({ ...base, out: path.join(dir, 'x'), copyHoldout: 'sideways' as never })).rejects.toThrow("--copy-holdout: expected one of same, rotate; got 'sideways'.");
  }, 120_000);

  it("refuses --net-inputs all without history channels", async () => {
    await expect(trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'x'), model: 'cnn1d', netInputs: 'all', history: null })).rejects.toThrow(/--history is 'none'/);
    await expect(trainRul({ ...csv, data: trainCsv, out: path.join(dir, 'x'), model: 'cnn1d', netInputs: 'some' as never })).rejects.toThrow(/--net-inputs/);
  });
});

describe('C-MAPSS layout, gzipped, FD002-style names (6 regimes)', () => {
  it('trains and evaluates with the default options from train_FD002.txt.gz / test_FD002.txt.gz', async () => {
    const { gzipSync } = await import('node:zlib');
    const s = simulateRunToFailure({ seed: 11, units: 24, testUnits: 10, sensors: 21, conditions: 6 });
    const cols = ['unit', 'cycle', 'op_setting_1', 'op_setting_2', 'op_setting_3', ...Array.from({ length: 21 }, (_, i) => `s${i + 1}`)];
    const nasa = (t: typeof s.train): string => {
      const c = cols.map((n) => t.numeric(n));
      const lines: string[] = [];
      for (let i = 0; i < t.nRows; i++) lines.push(c.map((v) => String(v[i])).join(' ') + '  ');
      return lines.join('\n') + '\n';
    };
    const tr = path.join(dir, 'train_FD002.txt.gz');
    const te = path.join(dir, 'test_FD002.txt.gz');
    const rf = path.join(dir, 'RUL_FD002.txt');
    writeFileSync(tr, gzipSync(nasa(s.train)));
    writeFileSync(te, gzipSync(nasa(s.test)));
    writeFileSync(rf, Array.from(s.testRul.numeric('rul'), (v) => `${v} `).join('\n') + '\n');
    const out = path.join(dir, 'fd002');
    const r = await trainRul({ data: tr, out, seed: 3, settingsOverride: { epochs: 60, patience: 10 } });
    expect(r.manifest.format).toBe('cmapss');
    expect(r.manifest.preprocessor.nRegimes).toBe(6);
    const e = await evaluateRul({ model: out, data: te, rul: rf });
    expect(e.units).toBe(10);
    expect(typeof e.rmse).toBe('number');
  }, 60_000);
});
