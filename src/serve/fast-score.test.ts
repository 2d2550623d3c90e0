import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTrain } from '../cli/commands/train.js';
import { Rng } from '../core/random.js';
import { Table, categoricalColumn, numericColumn } from '../core/table.js';
import { writeCsv } from '../io/write.js';
import { simulateMilling } from '../sim/milling.js';
import { loadModelDir, type LoadedModel } from '../tasks/maintenance/artifact.js';
import { DEMO_DROPPED_COLUMNS, trainDemoModel } from './demo.js';
import { compileOneRow } from './fast-score.js';
import { scoreRows, type FeatureRow } from './models.js';

let dir: string;
let crossed: LoadedModel;
let categorical: LoadedModel;
let rows: FeatureRow[];

const quiet = { json: true, quiet: true, seed: 3, info() {}, warn() {}, result() {}, progress: () => ({ update() {}, done() {} }) };

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'sf-fast-score-'));
  // The demo model: 5 numeric inputs with pairwise crosses, standard scaling, mean imputation.
  crossed = await loadModelDir(await trainDemoModel(path.join(dir, 'demo'), { rows: 1200, seed: 5 }));
  // A model with a categorical input (Type, one-hot) as well.
  const csv = path.join(dir, 'mill.csv');
  writeCsv(csv, simulateMilling({ rows: 1200, seed: 6 }).table);
  const out = path.join(dir, 'typed');
  await runTrain({ data: csv, target: 'Machine failure', model: 'gbdt', 'cv-folds': 0, drop: DEMO_DROPPED_COLUMNS.filter((c) => c !== 'Type'), out }, quiet as never);
  categorical = await loadModelDir(out);
  // Rows from a different simulation, some values missing (null), some categories unseen or missing.
  const t = simulateMilling({ rows: 300, seed: 7 }).table;
  const type = t.column('Type') as unknown as { categories: readonly string[]; codes: Int32Array };
  const rng = new Rng(11);
  rows = Array.from({ length: t.nRows }, (_, i) => {
    const r: FeatureRow = {};
    for (const c of ['Air temperature', 'Process temperature', 'Rotational speed', 'Torque', 'Tool wear']) r[c] = rng.uniform(0, 1) < 0.05 ? null : (t.numeric(c)[i] as number);
    const u = rng.uniform(0, 1);
    r.Type = u < 0.05 ? null : u < 0.1 ? 'X' : (type.categories[type.codes[i] as number] as string);
    return r;
  });
}, 120_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The batch path's model input of the rows (Table → crosses → pipeline). */
function batchInput(m: LoadedModel, rs: readonly FeatureRow[]): Float32Array {
  const cols = m.manifest.features.map((f) =>
    f.kind === 'numeric' ? numericColumn(f.name, rs.map((r) => (r[f.name] === null ? NaN : (r[f.name] as number)))) : categoricalColumn(f.name, rs.map((r) => (r[f.name] === null ? null : String(r[f.name])))),
  );
  const t = new Table(cols);
  return m.pipeline.transform(m.crosses ? m.crosses.apply(t) : t).x as Float32Array;
}

describe('compileOneRow: bit-identical to the batch path', () => {
  for (const name of ['crossed', 'categorical'] as const) {
    it(`${name} model: same Float32 input and same probability bits, row by row, as scoreRows on the whole batch`, async () => {
      const m = name === 'crossed' ? crossed : categorical;
      if (name === 'crossed') expect(m.crosses).not.toBeNull();
      else expect(m.manifest.features.some((f) => f.kind === 'categorical')).toBe(true);
      const one = compileOneRow(m);
      expect(one.compiled).toBe(true);
      const width = m.pipeline.featureNames.length;
      const batch = batchInput(m, rows);
      const batchScores = await scoreRows(m, rows);
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i] as FeatureRow;
        expect(one.encode(row)).toEqual(batch.subarray(i * width, (i + 1) * width));
        const s = await one.score(row);
        expect(Object.is(s.score, (batchScores[i] as { score: number }).score)).toBe(true);
        expect(s.label).toBe((batchScores[i] as { label: string }).label);
      }
    });
  }
  it('names a missing feature and a wrong type as scoreRows does', async () => {
    const one = compileOneRow(crossed);
    await expect(one.score({ 'Air temperature': 300 })).rejects.toThrow(/feature 'Process temperature' \(sensor 'process_temperature'\) is missing/);
    await expect(one.score({ air_temperature: 'hot', process_temperature: 1, rotational_speed: 1, torque: 1, tool_wear: 1 })).rejects.toThrow(/must be a number/);
  });
});
