import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { silentProgress } from '../progress.js';
import type { CommandContext, OptionValues } from '../command.js';
import { loadAi4i } from '../../io/datasets/ai4i.js';
import { readCsv } from '../../io/csv/index.js';
import { simulateAnomalyStreams, simulateMilling } from '../../sim/index.js';
import { simulateCommand } from './simulate.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-simulate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(opts: OptionValues, seed = 42): Promise<Record<string, unknown>> {
  let result: unknown;
  const ctx: CommandContext = {
    json: true,
    quiet: true,
    seed,
    info() {},
    warn() {},
    result(v) {
      result = v;
    },
    progress: () => silentProgress,
  };
  await simulateCommand.run({ kind: 'milling', ...opts }, ctx);
  return result as Record<string, unknown>;
}

describe('shopfloor simulate', () => {
  it('milling to a .csv file: AI4I header, readable by loadAi4i, same values as the library', async () => {
    const file = path.join(dir, 'm.csv');
    const r = await run({ out: file, rows: 500 }, 7);
    expect(r.files).toEqual([{ path: file, rows: 500, columns: 15 }]);
    const header = readFileSync(file, 'utf8').split('\n', 1)[0];
    expect(header).toBe(
      'UDI,Product ID,Type,Air temperature [K],Process temperature [K],Rotational speed [rpm],Torque [Nm],Tool wear [min],Machine failure,TWF,HDF,PWF,OSF,RNF,timestamp',
    );
    const t = await loadAi4i(file);
    const lib = simulateMilling({ seed: 7, rows: 500 }).table;
    expect(Array.from(t.numeric('Torque'))).toEqual(Array.from(lib.numeric('Torque')));
    expect(Array.from(t.numeric('HDF'))).toEqual(Array.from(lib.numeric('HDF')));
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('rul and anomaly write their files into a directory', async () => {
    const rul = await run({ kind: 'rul', out: path.join(dir, 'rul'), units: 3, 'test-units': 2, conditions: 2 });
    expect((rul.files as { path: string }[]).map((f) => path.basename(f.path))).toEqual(['train.csv', 'test.csv', 'test_rul.csv']);
    expect(readFileSync(path.join(dir, 'rul', 'test_rul.csv'), 'utf8').trim().split('\n')).toHaveLength(3);
    const an = await run({ kind: 'anomaly', out: path.join(dir, 'an'), machines: 1, samples: 200, anomalies: 2, clean: true });
    expect((an.files as { path: string }[]).map((f) => path.basename(f.path))).toEqual(['streams.csv', 'labels.csv', 'clean.csv']);
    expect(an.anomalies).toBe(8);
    expect(readFileSync(path.join(dir, 'an', 'labels.csv'), 'utf8').split('\n', 1)[0]).toBe('machine,sensor,kind,start,end,samples');
    // read back: units from the header, timestamps and values as generated
    const lib = simulateAnomalyStreams({ seed: 42, machines: 1, samples: 200, anomaliesPerSensor: 2 });
    const back = await readCsv(path.join(dir, 'an', 'streams.csv'));
    expect(back.column('temperature').unit).toBe('°C');
    expect(Array.from(back.numeric('timestamp'))).toEqual(Array.from(lib.table.numeric('timestamp')));
    expect(Array.from(back.numeric('pressure'))).toEqual(Array.from(lib.table.numeric('pressure')));
    const labels = await readCsv(path.join(dir, 'an', 'labels.csv'));
    expect(Array.from(labels.numeric('end'))).toEqual(Array.from(lib.labels.numeric('end')));
  });

  it('rejects options for another kind, a .csv --out for several files, and names the CLI flag', async () => {
    await expect(run({ out: dir, units: 5 })).rejects.toThrow(/^--units: applies to --kind rul only/);
    await expect(run({ kind: 'rul', out: path.join(dir, 'x.csv') })).rejects.toThrow(/^--out: --kind rul writes several files/);
    await expect(run({ kind: 'anomaly', out: dir, samples: 100, anomalies: 50 })).rejects.toThrow(/^--anomalies: expected an integer in \[0, 6\]/);
    await expect(run({ out: dir, units: 5 })).rejects.toBeInstanceOf(ConfigError);
  });
});
