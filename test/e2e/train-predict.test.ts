// The failure-prediction commands end to end, as a user runs them (issue 3 §3; issue 2 §4).
import { existsSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../../src/io/write.js';
import { simulateMilling } from '../../src/sim/index.js';
import { cli, expectUserError } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-train-'));
const data = path.join(dir, 'mill.csv');

beforeAll(() => {
  writeCsv(data, simulateMilling({ rows: 3000, seed: 3 }).table);
});

describe('train → predict → evaluate', () => {
  const model = path.join(dir, 'model');
  it('trains, writes a complete model directory and honest metrics', { timeout: 180_000 }, () => {
    const r = cli(['train', '--data', data, '--target', 'Machine failure', '--model', 'gbdt', '--cv-folds', '3', '--out', model, '--json', '--seed', '7']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.model).toBe('gbdt');
    expect(out.test.failureF1).toBeGreaterThan(0.5);
    expect(out.test.rocAuc).toBeGreaterThan(0.9);
    expect(out.cv.folds).toBe(3);
    expect(out.leakage.map((l: { column: string }) => l.column).sort()).toEqual(['HDF', 'OSF', 'PWF', 'RNF', 'TWF']);
    expect(r.stderr).toContain('leakage guard: excluded');
    for (const f of ['shopfloor-model.json', 'preprocess.json', 'metrics.json', 'report.html', 'model/model.json']) {
      expect(existsSync(path.join(model, f)), f).toBe(true);
    }
    const manifest = JSON.parse(readFileSync(path.join(model, 'shopfloor-model.json'), 'utf8'));
    expect(manifest.formatVersion).toBe(1);
    expect(manifest.data.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(manifest.versions['@tensorflow/tfjs']).toBe('4.22.0');
    expect(manifest.features.map((f: { name: string }) => f.name)).not.toContain('UDI');
    const metrics = JSON.parse(readFileSync(path.join(model, 'metrics.json'), 'utf8'));
    expect(metrics.test.failureF1).toBe(out.test.failureF1);
    // The default gbdt is a 5-fold cross-fit: one learning curve per booster, each early-stopped on its fold.
    expect(metrics.foldHistories).toHaveLength(5);
    for (const h of metrics.foldHistories) {
      expect(h.valLoss.length).toBeGreaterThan(0);
      expect(h.bestEpoch).toBeGreaterThanOrEqual(0);
      expect(h.bestEpoch).toBeLessThan(h.valLoss.length);
    }
    expect(metrics.history).toEqual(metrics.foldHistories[0]);
    const html = readFileSync(path.join(model, 'report.html'), 'utf8');
    expect(html).toContain(`Cross-fit: 5 boosters (kept rounds ${metrics.foldHistories.map((h: { bestEpoch: number }) => h.bestEpoch + 1).join(', ')})`);
    expect(html).toContain('<svg');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/); // opens offline
    // Same seed, same result.
    const again = JSON.parse(cli(['train', '--data', data, '--target', 'Machine failure', '--model', 'gbdt', '--cv-folds', '3', '--out', path.join(dir, 'model2'), '--json', '--seed', '7']).stdout);
    expect(again.test).toEqual(out.test);
  });
  it('predicts every row and evaluates the same numbers the model reports', () => {
    const preds = path.join(dir, 'preds.csv');
    const r = cli(['predict', '--model', model, '--data', data, '--out', preds, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const lines = readFileSync(preds, 'utf8').trim().split('\n');
    expect(lines.length).toBe(3001);
    expect(lines[0]).toBe('row,UDI,Product ID,timestamp,probability_1,label');
    const ev = cli(['evaluate', '--model', model, '--data', data, '--json']);
    expect(ev.code, ev.stderr).toBe(0);
    const e = JSON.parse(ev.stdout);
    expect(e.rows).toBe(3000);
    const positives = lines.slice(1).filter((l) => l.endsWith(',1')).length;
    expect(e.confusion.counts[1] + e.confusion.counts[3]).toBe(positives);
  });
  it('refuses a CSV whose columns do not match the schema, naming the differences', () => {
    const bad = path.join(dir, 'bad.csv');
    writeFileSync(bad, 'Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torq [Nm],Tool wear [min]\nL,300,310,1500,40,100\n');
    const msg = expectUserError(cli(['predict', '--model', model, '--data', bad, '--out', path.join(dir, 'x.csv')]), 'SF_DATA_SCHEMA');
    expect(msg).toContain("missing column 'Torque' (closest: 'Torq')");
    const units = path.join(dir, 'units.csv');
    writeFileSync(units, 'Type,Air temperature [C],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min]\nL,27,310,1500,40,100\n');
    expect(expectUserError(cli(['predict', '--model', model, '--data', units, '--out', path.join(dir, 'y.csv')]), 'SF_DATA_SCHEMA')).toContain("column 'Air temperature' is in [C], the model was trained on [K]");
  });
});

describe('train bad input: exit 2, clear message, nothing half-written', () => {
  it('missing target column lists the columns and suggests the closest', () => {
    const out = path.join(dir, 'never1');
    const msg = expectUserError(cli(['train', '--data', data, '--target', 'Machine failur', '--out', out]), 'SF_DATA_COLUMN');
    expect(msg).toContain("Column 'Machine failur' not found");
    expect(msg).toContain("Did you mean 'Machine failure'?");
    expect(msg).toContain("'Torque'");
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.includes('never1'))).toEqual([]);
  });
  it('missing feature column in --drop', () => {
    expect(expectUserError(cli(['train', '--data', data, '--target', 'Machine failure', '--drop', 'Torqe', '--out', path.join(dir, 'never2')]), 'SF_DATA_COLUMN')).toContain("Did you mean 'Torque'?");
  });
  it('a target with a single class', () => {
    const one = path.join(dir, 'one.csv');
    writeFileSync(one, 'a,b,y\n' + Array.from({ length: 20 }, (_, i) => `${i},${i * 2},0`).join('\n') + '\n');
    expect(expectUserError(cli(['train', '--data', one, '--target', 'y', '--out', path.join(dir, 'never3')]), 'SF_DATA_TARGET')).toContain("Target 'y' in " + one + ' has a single class (0 in all 20 rows)');
  });
  it('invalid options list the allowed values', () => {
    expect(expectUserError(cli(['train', '--data', data, '--target', 'Machine failure', '--model', 'xgboost', '--out', path.join(dir, 'never4')]), 'SF_CONFIG')).toContain('expected one of auto, gbdt, mlp, cnn1d, lstm, gru, logreg');
    expect(expectUserError(cli(['train', '--data', data, '--target', 'Machine failure', '--split', 'random', '--out', path.join(dir, 'never5')]), 'SF_CONFIG')).toContain('stratified, group:COLUMN, time:COLUMN');
    expect(expectUserError(cli(['train', '--data', data, '--target', 'Machine failure', '--test-fraction', '0.9', '--out', path.join(dir, 'never6')]), 'SF_CONFIG')).toContain('--test-fraction: expected a value in [0.05, 0.5]; got 0.9');
  });
  it('a constant column is dropped with a warning that names it', () => {
    const c = path.join(dir, 'const.csv');
    const rows = ['a,k,e,y'];
    for (let i = 0; i < 60; i++) rows.push(`${i},5,,${i % 3 === 0 ? 1 : 0}`);
    writeFileSync(c, rows.join('\n') + '\n');
    const r = cli(['train', '--data', c, '--target', 'y', '--model', 'gbdt', '--cv-folds', '0', '--out', path.join(dir, 'constm')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("dropped 2 uninformative column(s) (all missing: 'e'; constant: 'k')");
  });
});
