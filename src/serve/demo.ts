/**
 * The demo of `shopfloor serve --demo`: a failure model trained on simulated milling data, and a
 * simulated fleet of milling machines streaming their sensors into the service over MQTT.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { runTrain } from '../cli/commands/train.js';
import type { CommandContext } from '../cli/command.js';
import { writeCsv } from '../io/write.js';
import { simulateMilling } from '../sim/milling.js';
import { featureSensorId } from './models.js';

/** Columns of the simulator that are not sensor inputs of the demo model. */
export const DEMO_DROPPED_COLUMNS = ['UDI', 'Product ID', 'Type', 'timestamp', 'TWF', 'HDF', 'PWF', 'OSF', 'RNF'];

/** The streamed sensors of a demo machine (sensor id, unit, simulator column). */
export const DEMO_SENSORS: readonly { id: string; unit: string; column: string }[] = [
  { column: 'Air temperature', unit: 'K' },
  { column: 'Process temperature', unit: 'K' },
  { column: 'Rotational speed', unit: 'rpm' },
  { column: 'Torque', unit: 'Nm' },
  { column: 'Tool wear', unit: 'min' },
].map((s) => ({ ...s, id: featureSensorId(s.column) }));

const quietCtx = (seed: number): CommandContext => ({
  json: true,
  quiet: true,
  seed,
  info: () => undefined,
  warn: () => undefined,
  result: () => undefined,
  progress: () => ({ update: () => undefined, done: () => undefined }),
});

/**
 * Train the demo failure model (gradient-boosted trees on `rows` simulated milling rows, no CV) into
 * `out` (written atomically). Returns `out`.
 */
export async function trainDemoModel(out: string, opts: { rows?: number; seed?: number } = {}): Promise<string> {
  const seed = opts.seed ?? 42;
  const tmp = mkdtempSync(path.join(tmpdir(), 'sf-demo-'));
  try {
    const csv = path.join(tmp, 'milling.csv');
    writeCsv(csv, simulateMilling({ rows: opts.rows ?? 3000, seed }).table);
    await runTrain({ data: csv, target: 'Machine failure', model: 'gbdt', 'cv-folds': 0, drop: DEMO_DROPPED_COLUMNS, out }, quietCtx(seed));
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return out;
}

/** One message of the demo fleet: an asset and its sensor values at time t. */
export interface DemoSample {
  readonly assetId: string;
  readonly t: number;
  readonly values: Record<string, number>;
  /** The simulator's ground truth for this row (1 = the part failed). */
  readonly failure: number;
}

/**
 * Samples of a simulated fleet: `machines` milling machines, each its own seeded simulator stream,
 * interleaved in time order (one row per machine per `intervalMs`).
 */
export function demoFleetSamples(opts: { machines: number; rows: number; startMs: number; intervalMs: number; seed?: number }): DemoSample[] {
  const out: DemoSample[] = [];
  const tables = Array.from({ length: opts.machines }, (_, m) => simulateMilling({ rows: opts.rows, seed: (opts.seed ?? 7) + m, startMs: opts.startMs, intervalMs: opts.intervalMs }).table);
  for (let i = 0; i < opts.rows; i++) {
    tables.forEach((tab, m) => {
      const values: Record<string, number> = {};
      for (const s of DEMO_SENSORS) values[s.id] = numberAt(tab.column(s.column), i);
      out.push({ assetId: `mill-${m + 1}`, t: opts.startMs + i * opts.intervalMs, values, failure: numberAt(tab.column('Machine failure'), i) });
    });
  }
  return out;
}

function numberAt(c: ReturnType<import('../core/table.js').Table['column']>, i: number): number {
  if (c.kind === 'numeric' || c.kind === 'timestamp') return c.values[i] as number;
  return Number(c.categories[c.codes[i] as number]);
}
