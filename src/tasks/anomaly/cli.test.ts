import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandContext, OptionValues } from '../../cli/command.js';
import { silentProgress } from '../../cli/progress.js';
import { ConfigError, DataError, ModelFormatError, NotFoundError } from '../../core/errors.js';
import { writeCsv } from '../../io/write.js';
import { simulateAnomalyStreams } from '../../sim/index.js';
import { detectAnomaliesRun, trainAnomalyCommandRun } from './cli.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-anomaly-cli-'));
const normal = path.join(dir, 'normal.csv');
const streams = path.join(dir, 'streams.csv');
const labels = path.join(dir, 'labels.csv');
const model = path.join(dir, 'model');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(): CommandContext & { text: string; value: Record<string, unknown>; warnings: string[] } {
  const c = {
    json: false,
    quiet: true,
    seed: 42,
    text: '',
    value: {} as Record<string, unknown>,
    warnings: [] as string[],
    info() {},
    warn(m: string) {
      c.warnings.push(m);
    },
    result(v: unknown, t?: string) {
      c.value = v as Record<string, unknown>;
      c.text = t ?? '';
    },
    progress: () => silentProgress,
  };
  return c;
}

const base = (o: OptionValues): OptionValues => ({ delimiter: 'auto', 'date-order': 'auto', decimal: 'auto', ...o });

beforeAll(async () => {
  writeCsv(normal, simulateAnomalyStreams({ seed: 8, machines: 1, samples: 2500, sensorsPerMachine: 2 }).clean);
  const s = simulateAnomalyStreams({ seed: 9, machines: 1, samples: 2000, sensorsPerMachine: 2, kinds: ['spike', 'noise_burst'] });
  writeCsv(streams, s.table);
  writeCsv(labels, s.labels);
  await trainAnomalyCommandRun(base({ data: normal, out: model, detector: 'ewma' }), ctx());
});

describe('train --task anomaly (in-process)', () => {
  it('finds the machine and time columns on its own and says what it wrote', async () => {
    const manifest = JSON.parse(readFileSync(path.join(model, 'shopfloor-model.json'), 'utf8'));
    expect(manifest).toMatchObject({ task: 'anomaly', detector: 'ewma', unit: 'machine', time: 'timestamp', sensors: ['temperature', 'vibration'] });
    const c = ctx();
    const out = path.join(dir, 'm2');
    await trainAnomalyCommandRun(base({ data: normal, out, 'eval-data': streams, labels, tolerance: 10 }), c);
    expect(c.text).toMatch(/threshold \d+\.\d+ for a false-alarm rate of 0.001/);
    expect(c.text).toMatch(/spike\s+\d+\/\d+\s+recall/);
    expect(c.text).toContain("edit 'threshold' in detector.json");
  });
  it('an unknown column: DataError with the closest name and the columns; nothing written', async () => {
    const out = path.join(dir, 'never');
    const err = await trainAnomalyCommandRun(base({ data: normal, out, columns: ['temperatur'] }), ctx()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DataError);
    expect((err as DataError).message).toMatch(/Column 'temperatur' not found in .*normal.csv\. Did you mean 'temperature'\? Columns: 'timestamp', 'machine', 'temperature', 'vibration'/);
    expect(existsSync(out)).toBe(false);
    await expect(trainAnomalyCommandRun(base({ data: normal, out, unit: 'mashine' }), ctx())).rejects.toThrow(/Did you mean 'machine'/);
    await expect(trainAnomalyCommandRun(base({ data: normal, out, columns: ['machine'] }), ctx())).rejects.toThrow(/sensor column must be numeric/);
  });
  it('rejects --eval-data without --labels and an unknown detector', async () => {
    await expect(trainAnomalyCommandRun(base({ data: normal, out: path.join(dir, 'x'), 'eval-data': streams }), ctx())).rejects.toThrow(ConfigError);
    await expect(trainAnomalyCommandRun(base({ data: normal, out: path.join(dir, 'x'), detector: 'lof' }), ctx())).rejects.toThrow(/--detector: expected one of robust-z/);
  });
});

describe('detect (in-process)', () => {
  it('reports events and, with labels, the per-kind table', async () => {
    const c = ctx();
    await detectAnomaliesRun(base({ model, data: streams, labels, tolerance: 10 }), c);
    expect(c.value.rows).toBe(2000);
    expect(c.text).toMatch(/event-wise evaluation \(tolerance 10 samples/);
    const ev = c.value.evaluation as { byKind: { kind: string }[] };
    expect(ev.byKind.map((k) => k.kind)).toEqual(['noise_burst', 'spike']);
  });
  it('bad model directories and data say what is wrong', async () => {
    await expect(detectAnomaliesRun(base({ model: path.join(dir, 'nope'), data: streams }), ctx())).rejects.toThrow(NotFoundError);
    const failure = path.join(dir, 'failure-model');
    mkdirSync(failure, { recursive: true });
    writeFileSync(path.join(failure, 'shopfloor-model.json'), JSON.stringify({ formatVersion: 1, task: 'failure' }));
    await expect(detectAnomaliesRun(base({ model: failure, data: streams }), ctx())).rejects.toThrow(/holds a 'failure' model, not an anomaly detector/);
    const damaged = path.join(dir, 'damaged');
    mkdirSync(damaged);
    writeFileSync(path.join(damaged, 'shopfloor-model.json'), readFileSync(path.join(model, 'shopfloor-model.json')));
    const det = JSON.parse(readFileSync(path.join(model, 'detector.json'), 'utf8'));
    writeFileSync(path.join(damaged, 'detector.json'), JSON.stringify({ ...det, threshold: '3' }));
    await expect(detectAnomaliesRun(base({ model: damaged, data: streams }), ctx())).rejects.toThrow(ModelFormatError);
    const narrow = path.join(dir, 'narrow.csv');
    writeCsv(narrow, simulateAnomalyStreams({ seed: 9, machines: 1, samples: 100, sensorsPerMachine: 1 }).table);
    await expect(detectAnomaliesRun(base({ model, data: narrow }), ctx())).rejects.toThrow(/Column 'vibration' not found/);
  });
});

describe('--detector transformer (in-process)', () => {
  it('trains the forecaster, saves it with the model, and detect reproduces the training evaluation', async () => {
    const out = path.join(dir, 'transformer');
    const c = ctx();
    await trainAnomalyCommandRun(base({ data: normal, out, detector: 'transformer', epochs: 1, 'eval-data': streams, labels, tolerance: 10 }), c);
    const manifest = JSON.parse(readFileSync(path.join(out, 'shopfloor-model.json'), 'utf8'));
    expect(manifest).toMatchObject({ detector: 'transformer', backend: expect.any(String) });
    const saved = JSON.parse(readFileSync(path.join(out, 'detector.json'), 'utf8'));
    expect(saved.scorer).toMatchObject({ kind: 'transformer', options: { window: 32, dModel: 16, epochs: 1, seed: 42 } });
    const d = ctx();
    await detectAnomaliesRun(base({ model: out, data: streams, labels, tolerance: 10 }), d);
    expect(d.value.evaluation).toEqual(c.value.evaluation);
    expect((c.value.evaluation as { overall: { detected: number } }).overall.detected).toBeGreaterThan(0);
  }, 180_000);
});

describe('detector.json', () => {
  it('is valid JSON with the threshold on its own line near the top, easy to edit', () => {
    const text = readFileSync(path.join(model, 'detector.json'), 'utf8');
    const lines = text.split('\n');
    expect(lines.findIndex((l) => /^ {2}"threshold": -?\d/.test(l))).toBe(4);
    expect(JSON.parse(text).threshold).toBeTypeOf('number');
  });
  it('a hand-edited threshold is what detect uses', async () => {
    const edited = path.join(dir, 'edited');
    mkdirSync(edited);
    writeFileSync(path.join(edited, 'shopfloor-model.json'), readFileSync(path.join(model, 'shopfloor-model.json')));
    const text = readFileSync(path.join(model, 'detector.json'), 'utf8');
    const before = ctx();
    await detectAnomaliesRun(base({ model, data: streams }), before);
    expect(before.value.alarms).toBeGreaterThan(0);
    writeFileSync(path.join(edited, 'detector.json'), text.replace(/^ {2}"threshold": .*,$/m, '  "threshold": 1e9,'));
    const after = ctx();
    await detectAnomaliesRun(base({ model: edited, data: streams }), after);
    expect(after.value).toMatchObject({ alarms: 0, events: [], threshold: 1e9 });
  });
});
