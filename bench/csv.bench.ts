/**
 * CSV parse throughput (MB/s) and peak memory, ours vs pandas.read_csv, same files, same script
 * (issue 2 §9). Each read runs in a fresh process so its peak RSS is its own.
 *
 *   npx tsx bench/csv.bench.ts [--mb 1024] [--skip-generated]
 *
 * Files: a generated numeric CSV (default 1 GiB: an id column and 20 float columns with 4 decimals,
 * seeded) in the OS temp dir — never in the repo — and the real files in ../shared/data.
 * Writes bench/results/csv.json.
 */
import { execFileSync } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Rng } from '../src/core/random.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const mb = Number(args[args.indexOf('--mb') + 1] ?? 1024) || 1024;
const skipGenerated = args.includes('--skip-generated');
const shared = path.resolve(here, '../../shared/data');

async function generate(file: string, bytes: number): Promise<void> {
  if (existsSync(file) && statSync(file).size >= bytes) return;
  const rng = new Rng(7);
  const out = createWriteStream(file);
  const header = ['id', ...Array.from({ length: 20 }, (_, j) => `x${j}`)].join(',') + '\n';
  out.write(header);
  let written = header.length;
  let id = 0;
  while (written < bytes) {
    const lines: string[] = [];
    for (let r = 0; r < 10000; r++) {
      const cells = [String(id++)];
      for (let j = 0; j < 20; j++) cells.push((rng.normal() * 100).toFixed(4));
      lines.push(cells.join(','));
    }
    const chunk = lines.join('\n') + '\n';
    written += chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((r) => out.end(r));
}

interface Run {
  mode: string;
  seconds: number;
  rows: number;
  cols: number;
  checksum: number;
  peakRssMb: number;
}

function ours(mode: string, file: string): Run {
  const out = execFileSync(process.execPath, ['--import', 'tsx', path.join(here, 'csv-worker.ts'), mode, file], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').pop() as string) as Run;
}

function pandas(mode: string, file: string, whitespace: boolean): Run {
  const out = execFileSync('/usr/bin/python3', [path.join(here, 'csv_pandas.py'), mode, file, ...(whitespace ? ['whitespace'] : [])], {
    encoding: 'utf8',
  });
  return JSON.parse(out.trim()) as Run;
}

const files: { name: string; file: string; whitespace: boolean }[] = [];
if (!skipGenerated) {
  const gen = path.join(os.tmpdir(), `shopfloor-bench-${mb}mb.csv`);
  console.error(`generating ${mb} MiB numeric CSV at ${gen} ...`);
  await generate(gen, mb * 1024 * 1024);
  files.push({ name: `generated-${mb}MiB`, file: gen, whitespace: false });
}
for (const [name, rel, ws] of [
  ['ai4i2020', 'ai4i2020/ai4i2020.csv', false],
  ['cmapss-train-FD001', 'cmapss/train_FD001.txt', true],
  ['steel-energy', 'steel_energy/Steel_industry_data.csv', false],
  ['secom', 'secom/uci-secom.csv', false],
] as const) {
  const f = path.join(shared, rel);
  if (existsSync(f)) files.push({ name, file: f, whitespace: ws });
}

const results: unknown[] = [];
for (const f of files) {
  const sizeMb = statSync(f.file).size / 1e6;
  const modes = f.name.startsWith('generated') ? ['whole', 'stream'] : ['whole'];
  for (const mode of modes) {
    // Small files: best of 3 to dampen start-up noise; the big file once.
    const reps = sizeMb < 50 ? 3 : 1;
    let best: { o: Run; p: Run } | undefined;
    for (let r = 0; r < reps; r++) {
      const o = ours(mode, f.file);
      const p = pandas(mode, f.file, f.whitespace);
      if (!best || o.seconds < best.o.seconds) best = { o, p: best && best.p.seconds < p.seconds ? best.p : p };
      else if (p.seconds < best.p.seconds) best.p = p;
    }
    const { o, p } = best as { o: Run; p: Run };
    if (o.rows !== p.rows) throw new Error(`${f.name}: row count differs: ours ${o.rows}, pandas ${p.rows}`);
    const row = {
      file: f.name,
      mode,
      sizeMb: +sizeMb.toFixed(1),
      rows: o.rows,
      oursMBps: +(sizeMb / o.seconds).toFixed(1),
      pandasMBps: +(sizeMb / p.seconds).toFixed(1),
      ratio: +(p.seconds / o.seconds).toFixed(2),
      oursPeakRssMb: +o.peakRssMb.toFixed(0),
      pandasPeakRssMb: +p.peakRssMb.toFixed(0),
    };
    results.push(row);
    console.log(JSON.stringify(row));
  }
}
mkdirSync(path.join(here, 'results'), { recursive: true });
writeFileSync(
  path.join(here, 'results', 'csv.json'),
  JSON.stringify({ date: new Date().toISOString(), machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model, node: process.version }, note: 'ratio = pandas seconds / ours seconds (>1 means ours is faster)', results }, null, 2) + '\n',
);
