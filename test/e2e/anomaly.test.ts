// Anomaly detection end to end, as a user runs it (issue 5 §4): train on normal readings, detect on
// streams with labelled anomalies.
//
// Until `detect` and `train --task anomaly` are registered in src/cli/commands/index.ts / train.ts,
// the CLI is run through a small wrapper (written below) that adds them to the same runner
// (`runCli`); once registered, the wrapper passes the arguments straight through.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { writeCsv } from '../../src/io/write.js';
import { simulateAnomalyStreams } from '../../src/sim/index.js';
import { REPO, type CliResult } from './run.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-anomaly-'));
const normal = path.join(dir, 'normal.csv');
const streams = path.join(dir, 'streams.csv');
const labels = path.join(dir, 'labels.csv');
const wrapper = path.join(dir, 'shopfloor.mts');
const src = (p: string): string => JSON.stringify(path.join(REPO, p));

function cli(args: readonly string[]): CliResult {
  const r = spawnSync(process.execPath, ['--import', 'tsx', wrapper, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    timeout: 120_000,
    env: { ...process.env, TZ: 'UTC', FORCE_COLOR: '0' },
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  writeCsv(normal, simulateAnomalyStreams({ seed: 5, machines: 2, samples: 4000 }).clean);
  const s = simulateAnomalyStreams({ seed: 6, machines: 2, samples: 3000, anomaliesPerSensor: 5, kinds: ['spike', 'level_shift', 'noise_burst', 'stuck'] });
  writeCsv(streams, s.table);
  writeCsv(labels, s.labels);
  writeFileSync(
    wrapper,
    `import { COMMANDS } from ${src('src/cli/commands/index.ts')};
import { runCli } from ${src('src/cli/main.ts')};
import { detectCommand } from ${src('src/cli/commands/detect.ts')};
import { ANOMALY_TRAIN_OPTIONS, trainAnomalyCommandRun } from ${src('src/tasks/anomaly/cli.ts')};
const list = COMMANDS as unknown as { name: string; options: { name: string }[] }[];
if (!list.some((c) => c.name === 'detect')) list.push(detectCommand as never);
const trainHasTask = list.find((c) => c.name === 'train')?.options.some((o) => o.name === 'task') ?? false;
list.push({ name: 'train-anomaly', summary: 'train --task anomaly', seeded: true,
  options: [...ANOMALY_TRAIN_OPTIONS, { name: 'task', type: 'string', description: 'task' }],
  run: async (o: never, c: never) => { await trainAnomalyCommandRun(o, c); } } as never);
let argv = process.argv.slice(2);
if (!trainHasTask && argv[0] === 'train' && argv[argv.indexOf('--task') + 1] === 'anomaly') argv = ['train-anomaly', ...argv.slice(1)];
process.exitCode = await runCli(argv);
`,
  );
});

describe('train --task anomaly → detect', () => {
  const model = path.join(dir, 'model');
  it('trains on normal data, calibrates the threshold, evaluates on labelled streams, writes the model directory', () => {
    const r = cli(['train', '--task', 'anomaly', '--data', normal, '--detector', 'robust-z', '--false-alarm-rate', '0.001', '--eval-data', streams, '--labels', labels, '--out', model, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.sensors).toEqual(['temperature', 'vibration', 'current', 'pressure']);
    expect(out.machines).toBe(2);
    // The (1 − rate) quantile of n calibration scores leaves at most ⌈n · rate⌉ above it.
    expect(out.calibration.alarmRate).toBeLessThanOrEqual(Math.ceil(out.calibration.samples * 0.001) / out.calibration.samples);
    const kinds = out.evaluation.byKind.map((k: { kind: string }) => k.kind);
    expect(kinds).toEqual(['level_shift', 'noise_burst', 'spike', 'stuck']);
    expect(out.evaluation.overall.labels).toBe(40);
    expect(out.evaluation.overall.recall).toBeGreaterThan(0.6);
    for (const f of ['shopfloor-model.json', 'detector.json', 'metrics.json', 'report.html']) expect(existsSync(path.join(model, f)), f).toBe(true);
    const manifest = JSON.parse(readFileSync(path.join(model, 'shopfloor-model.json'), 'utf8'));
    expect(manifest).toMatchObject({ formatVersion: 1, task: 'anomaly', detector: 'robust-z', unit: 'machine', time: 'timestamp' });
    const det = JSON.parse(readFileSync(path.join(model, 'detector.json'), 'utf8'));
    expect(det.threshold).toBe(out.threshold);
    const html = readFileSync(path.join(model, 'report.html'), 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Event-wise evaluation');
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it('detect scores every row and reproduces the training evaluation', () => {
    const alarms = path.join(dir, 'alarms.csv');
    const r = cli(['detect', '--model', model, '--data', streams, '--labels', labels, '--out', alarms, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    const trained = JSON.parse(readFileSync(path.join(model, 'metrics.json'), 'utf8'));
    expect(out.evaluation).toEqual(trained.evaluation);
    const lines = readFileSync(alarms, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,machine,timestamp,score,alarm,top_sensor');
    expect(lines.length).toBe(6001);
    expect(lines.slice(1).filter((l) => l.split(',')[4] === '1').length).toBe(out.alarms);
    expect(out.events.length).toBe(out.evaluation.alarmEvents);
  });
  // Bad input (unknown columns, missing model, damaged detector.json) and a hand-edited threshold are
  // tested in-process in src/tasks/anomaly/cli.test.ts: each CLI spawn costs seconds on the shared machine.
});
