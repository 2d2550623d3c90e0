/**
 * `shopfloor simulate`: write seeded, documented machine data as CSV (docs/simulator.md), so every
 * capability runs without a download.
 *
 * - `--kind milling` → one file (AI4I 2020 layout): `--out data.csv`, or `--out DIR` → `DIR/milling.csv`;
 * - `--kind rul` → `DIR/train.csv`, `DIR/test.csv`, `DIR/test_rul.csv` (C-MAPSS layout);
 * - `--kind anomaly` → `DIR/streams.csv`, `DIR/labels.csv` (and `DIR/clean.csv` with `--clean`).
 *
 * Every file is written atomically (temp file + rename).
 */
import path from 'node:path';
import { ConfigError } from '../../core/errors.js';
import type { Table } from '../../core/table.js';
import { writeCsv } from '../../io/csv-write.js';
import { simulateAnomalyStreams, simulateMilling, simulateRunToFailure } from '../../sim/index.js';
import { bool, num, str } from '../args.js';
import type { CommandSpec, OptionValues } from '../command.js';

/** The simulators `--kind` selects. */
export const SIMULATE_KINDS = ['milling', 'rul', 'anomaly'] as const;
type SimulateKind = (typeof SIMULATE_KINDS)[number];

/** Which kind each kind-specific option belongs to (an option given for another kind is an error). */
const KIND_OPTIONS: Readonly<Record<string, SimulateKind>> = {
  rows: 'milling',
  units: 'rul',
  'test-units': 'rul',
  sensors: 'rul',
  conditions: 'rul',
  machines: 'anomaly',
  samples: 'anomaly',
  anomalies: 'anomaly',
  clean: 'anomaly',
};

interface Written {
  readonly path: string;
  readonly rows: number;
  readonly columns: number;
}

function checkKindOptions(kind: SimulateKind, opts: OptionValues): void {
  for (const [name, owner] of Object.entries(KIND_OPTIONS)) {
    if (opts[name] !== undefined && owner !== kind) {
      throw new ConfigError(`--${name}: applies to --kind ${owner} only; got --kind ${kind}. Remove --${name}.`, {
        option: name,
        kind,
        appliesTo: owner,
      });
    }
  }
}

/** Library option name → CLI flag, so errors from the simulators name the flag the user typed. */
const FLAG_OF: Readonly<Record<string, string>> = {
  rows: 'rows',
  units: 'units',
  testUnits: 'test-units',
  sensors: 'sensors',
  conditions: 'conditions',
  machines: 'machines',
  samples: 'samples',
  anomaliesPerSensor: 'anomalies',
};

/** Re-word a simulator ConfigError (`anomaliesPerSensor: …`) with the CLI flag (`--anomalies: …`). */
function asFlagError(e: unknown): unknown {
  if (!(e instanceof ConfigError)) return e;
  const option = e.details.option;
  const flag = typeof option === 'string' ? FLAG_OF[option] : undefined;
  if (flag === undefined) return e;
  const colon = e.message.indexOf(': ');
  return new ConfigError(`--${flag}: ${e.message.slice(colon + 2)}`, { ...e.details, option: flag });
}

interface Generated {
  readonly files: [string, Table][];
  readonly summary: Record<string, unknown>;
}

function generate(kind: SimulateKind, out: string, isFile: boolean, opts: OptionValues, seed: number): Generated {
  if (kind === 'milling') {
    const r = simulateMilling({ seed, rows: num(opts, 'rows') });
    return { files: [[isFile ? out : path.join(out, 'milling.csv'), r.table]], summary: { failures: r.counts } };
  }
  if (kind === 'rul') {
    const r = simulateRunToFailure({
      seed,
      units: num(opts, 'units'),
      testUnits: num(opts, 'test-units'),
      sensors: num(opts, 'sensors'),
      conditions: num(opts, 'conditions'),
    });
    return {
      files: [
        [path.join(out, 'train.csv'), r.train],
        [path.join(out, 'test.csv'), r.test],
        [path.join(out, 'test_rul.csv'), r.testRul],
      ],
      summary: {
        units: r.options.units,
        testUnits: r.options.testUnits,
        conditions: r.options.conditions,
        sensorRoles: Object.fromEntries(r.sensors.map((s) => [s.name, s.role])),
      },
    };
  }
  const r = simulateAnomalyStreams({
    seed,
    machines: num(opts, 'machines'),
    samples: num(opts, 'samples'),
    anomaliesPerSensor: num(opts, 'anomalies'),
  });
  const files: [string, Table][] = [
    [path.join(out, 'streams.csv'), r.table],
    [path.join(out, 'labels.csv'), r.labels],
  ];
  if (bool(opts, 'clean')) files.push([path.join(out, 'clean.csv'), r.clean]);
  return { files, summary: { machines: r.options.machines, samples: r.options.samples, anomalies: r.labels.nRows } };
}

/** `shopfloor simulate` (registered in ./index.ts). */
export const simulateCommand: CommandSpec = {
  name: 'simulate',
  summary: 'Write seeded simulated machine data (milling failures, run-to-failure, anomaly streams) as CSV.',
  help: [
    'Examples:',
    '  shopfloor simulate --kind milling --out data/milling.csv --rows 10000',
    '  shopfloor simulate --kind rul --out data/rul --units 100 --conditions 6',
    '  shopfloor simulate --kind anomaly --out data/streams --machines 3 --samples 10080',
    'Columns, units, failure mechanisms and measured rates: docs/simulator.md.',
  ].join('\n'),
  seeded: true,
  options: [
    { name: 'kind', type: 'string', choices: SIMULATE_KINDS, default: 'milling', description: 'What to simulate.' },
    {
      name: 'out',
      type: 'string',
      required: true,
      description: 'Output directory; for --kind milling also a file ending in .csv.',
    },
    { name: 'rows', type: 'integer', min: 1, max: 5_000_000, description: 'milling: rows (parts); default 10000.' },
    { name: 'units', type: 'integer', min: 1, max: 10_000, description: 'rul: training units run to failure; default 100.' },
    { name: 'test-units', type: 'integer', min: 0, max: 10_000, description: 'rul: truncated test units; default 100.' },
    { name: 'sensors', type: 'integer', min: 3, max: 100, description: 'rul: sensors s1..sN; default 21.' },
    { name: 'conditions', type: 'integer', min: 1, max: 20, description: 'rul: operating conditions; default 6.' },
    { name: 'machines', type: 'integer', min: 1, max: 1000, description: 'anomaly: machines; default 3.' },
    { name: 'samples', type: 'integer', min: 16, max: 10_000_000, description: 'anomaly: samples per machine, one a minute; default 10080.' },
    { name: 'anomalies', type: 'integer', min: 0, description: 'anomaly: anomalies per sensor per machine; default 4.' },
    { name: 'clean', type: 'boolean', description: 'anomaly: also write clean.csv (readings without anomalies); default false.' },
  ],
  async run(opts, ctx) {
    const kind = (str(opts, 'kind') ?? 'milling') as SimulateKind;
    const out = str(opts, 'out') as string;
    checkKindOptions(kind, opts);
    const isFile = out.toLowerCase().endsWith('.csv');
    if (isFile && kind !== 'milling') {
      throw new ConfigError(`--out: --kind ${kind} writes several files, so expected a directory; got '${out}'.`, {
        option: 'out',
        value: out,
      });
    }
    let generated: Generated;
    try {
      generated = generate(kind, out, isFile, opts, ctx.seed);
    } catch (e) {
      throw asFlagError(e);
    }
    const { files, summary } = generated;
    const progress = ctx.progress('writing', files.length);
    const written: Written[] = [];
    for (const [file, table] of files) {
      writeCsv(file, table);
      written.push({ path: file, rows: table.nRows, columns: table.columns.length });
      progress.update(written.length, path.basename(file));
    }
    progress.done();
    const text = [
      `simulated ${kind} (seed ${ctx.seed}):`,
      ...written.map((w) => `  wrote ${w.path}: ${w.rows} rows × ${w.columns} columns`),
      ...(kind === 'milling' ? [`  failures: ${JSON.stringify(summary.failures)}`] : []),
    ].join('\n');
    ctx.result({ kind, seed: ctx.seed, files: written, ...summary }, text);
  },
};
