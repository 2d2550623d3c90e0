/**
 * Scheduling quality benchmark (DATASETS.md §5–6 protocol): gap to best-known makespan per family,
 * mean and max, and time to reach a 1 % gap, at a fixed wall-clock limit per instance. Optionally runs
 * MiniZinc + Gecode on the standard job-shop model (bench/jobshop.mzn) with the same limit, side by side.
 *
 *   npx tsx bench/schedule.bench.ts [--time-limit 10] [--families la,ft,abz,orb,swv,yn,flowshop]
 *     [--instances la01,la02] [--flowshop 1-60] [--workers 2] [--seed 1] [--minizinc] [--out FILE]
 *
 * Results go to bench/results/schedule-<limit>s-<date>.json with the machine facts (rewritten after
 * every instance, so an interrupted run keeps what it measured).
 *
 *   npx tsx bench/schedule.bench.ts --report
 *     prints the per-family table at every time limit from all bench/results/schedule-*.json (for an
 *     instance run several times at one limit, the latest run counts; `schedule-recheck-*` files, spot
 *     checks of later code, are left out) — the table in bench/README.md.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, mkdtempSync, renameSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { readInstanceFile, readKnownBounds, type SchedulingInstance } from '../src/io/instances/index.js';
import { problemFromInstance, solve } from '../src/tasks/scheduling/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const DATA = process.env.SHOPFLOOR_DATA ?? path.resolve(here, '../../shared/data');

function arg(name: string, def?: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return def;
  const v = process.argv[i + 1];
  return v === undefined || v.startsWith('--') ? 'true' : v;
}

const timeLimitS = Number(arg('time-limit', '10'));
const families = (arg('families', 'ft,la,abz,orb,swv,yn,flowshop') as string).split(',');
const only = arg('instances')?.split(',');
const fsRange = (arg('flowshop', '1-60') as string).split('-').map(Number) as [number, number];
const workers = Number(arg('workers', '2'));
const seed = Number(arg('seed', '1'));
const useMinizinc = arg('minizinc') === 'true';
const outFile = arg('out') ?? path.join(here, 'results', `schedule-${timeLimitS}s-${new Date().toISOString().slice(0, 16).replace(/[:T]/g, '')}.json`);

interface Row {
  instance: string;
  family: string;
  size: string;
  bks: number;
  bksClosed: boolean;
  objective: number | null;
  gapPct: number | null;
  lowerBound: number | null;
  status: string;
  timeTo1PctS: number | null;
  timeToBestS: number | null;
  iterations: number;
  /** CPU seconds this process (all threads) used during the solve: with a shared machine, far below limit × workers. */
  cpuS?: number;
  minizinc?: { objective: number | null; gapPct: number | null; optimal: boolean } | null;
}

/** Family for the summary: the JSPLIB name prefix, or `ta-<n>x<m>` (Taillard size class) for flow-shop files. */
function familyOf(name: string): string {
  if (name.startsWith('tfs')) {
    const k = Math.floor((Number(name.slice(3)) - 1) / 10);
    const sizes = ['20x5', '20x10', '20x20', '50x5', '50x10', '50x20', '100x5', '100x10', '100x20', '200x10', '200x20', '500x20'];
    return `ta-${sizes[k] ?? '?'}`;
  }
  return /^[a-z]+/.exec(name)?.[0] ?? name;
}

/** `uptime` output (load average as the shell shows it), recorded in the results. */
function uptimeText(): string {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `loadavg ${os.loadavg().map((x) => x.toFixed(2)).join(', ')}`;
  }
}

function minizincAvailable(): boolean {
  try {
    execFileSync('minizinc', ['--solvers'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

function runMinizinc(inst: SchedulingInstance): { objective: number | null; optimal: boolean } {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mzn-'));
  const n = inst.jobs.length;
  const m = inst.numMachines;
  const row = (f: (o: { machine: number; duration: number }) => number): string =>
    inst.jobs.map((j) => j.operations.map((o) => f(o.modes[0] as { machine: number; duration: number })).join(',')).join('|');
  const dzn = `n = ${n};\nm = ${m};\nmach = [|${row((o) => o.machine)}|];\ndur = [|${row((o) => o.duration)}|];\n`;
  writeFileSync(path.join(dir, 'd.dzn'), dzn);
  const r = spawnSync('minizinc', ['--solver', 'gecode', '-p', String(workers), '--time-limit', String(timeLimitS * 1000), path.join(here, 'jobshop.mzn'), path.join(dir, 'd.dzn')], {
    encoding: 'utf8',
    timeout: timeLimitS * 1000 + 60_000,
  });
  const out = r.stdout ?? '';
  const all = [...out.matchAll(/makespan = (\d+)/g)].map((x) => Number(x[1]));
  return { objective: all.length ? (all[all.length - 1] as number) : null, optimal: out.includes('==========') };
}

interface ResultDoc {
  date: string;
  timeLimitS: number;
  machine: { loadavg: number[]; uptimeAtStart?: string; uptimeNow?: string };
  rows: Row[];
}

/** Family label of the combined table (flow-shop size classes merge into one `ta001–ta060` family). */
function reportFamily(r: Row): string {
  if (r.instance.startsWith('tfs')) return 'flow-shop ta001–ta060';
  return { ft: 'ft06/10/20', la: 'la01–la40', abz: 'abz5–9', orb: 'orb01–10', swv: 'swv01–20', yn: 'yn1–4' }[r.family] ?? r.family;
}

function report(): void {
  const dir = path.join(here, 'results');
  const docs = readdirSync(dir)
    .filter((f) => /^schedule-.*\.json$/.test(f) && !f.startsWith('schedule-recheck-'))
    .map((f) => ({ file: f, doc: JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as ResultDoc }))
    .sort((a, b) => a.doc.date.localeCompare(b.doc.date));
  const latest = new Map<string, { row: Row; limit: number; file: string }>();
  for (const { file, doc } of docs) for (const row of doc.rows) latest.set(`${doc.timeLimitS}/${row.instance}`, { row, limit: doc.timeLimitS, file });
  const order = ['ft06/10/20', 'la01–la40', 'abz5–9', 'orb01–10', 'swv01–20', 'yn1–4', 'flow-shop ta001–ta060'];
  const limits = [...new Set([...latest.values()].map((x) => x.limit))].sort((a, b) => a - b);
  const f2 = (x: number): string => x.toFixed(2);
  // Search effort actually received: iterations relative to the run of the same instance at the
  // shortest limit (instances not proved optimal in either run). On a shared machine a longer limit
  // may buy far less than limit-ratio more search.
  const effort = (limit: number, rs: Row[]): string => {
    if (limit === limits[0]) return '1×';
    const ratios = rs
      .map((r) => ({ r, base: latest.get(`${limits[0]}/${r.instance}`)?.row }))
      .filter((x): x is { r: Row; base: Row } => x.base !== undefined && x.r.status !== 'optimal' && x.base.status !== 'optimal' && x.base.iterations > 0)
      .map((x) => x.r.iterations / x.base.iterations)
      .sort((a, b) => a - b);
    return ratios.length ? `${(ratios[Math.floor(ratios.length / 2)] as number).toFixed(1)}×` : '–';
  };
  console.log('| family | limit | n run | mean gap % | max gap % | at BKS | ≤ 1 % | mean time to 1 % (s) | iterations vs 10 s (median) | Gecode mean / max gap % (n) |');
  console.log('|---|---|---|---|---|---|---|---|---|---|');
  for (const fam of order) {
    for (const limit of limits) {
      const rs = [...latest.values()].filter((x) => x.limit === limit && reportFamily(x.row) === fam).map((x) => x.row);
      if (!rs.length) continue;
      const gaps = rs.map((r) => r.gapPct ?? Infinity);
      const t1 = rs.map((r) => r.timeTo1PctS).filter((t): t is number => t !== null);
      const mz = rs.map((r) => r.minizinc?.gapPct).filter((g): g is number => typeof g === 'number');
      console.log(
        `| ${fam} | ${limit} s | ${rs.length} | ${f2(gaps.reduce((a, b) => a + b, 0) / gaps.length)} | ${f2(Math.max(...gaps))} | ${rs.filter((r) => (r.gapPct ?? 1) <= 0).length} | ${t1.length} | ${t1.length ? (t1.reduce((a, b) => a + b, 0) / t1.length).toFixed(1) : '–'} | ${effort(limit, rs)} | ` +
          `${mz.length ? `${f2(mz.reduce((a, b) => a + b, 0) / mz.length)} / ${f2(Math.max(...mz))} (${mz.length})` : '–'} |`,
      );
    }
  }
  console.log('\nFiles (load average when each run ended):');
  for (const { file, doc } of docs) console.log(`- ${file}: ${doc.timeLimitS} s, ${doc.rows.length} instances, load ${doc.machine.loadavg.map((x) => x.toFixed(1)).join(' / ')}`);
}

async function main(): Promise<void> {
  if (arg('report') === 'true') {
    report();
    return;
  }
  const bks = readKnownBounds(path.join(DATA, 'jsplib/bks_scheduleopt.json'));
  const fsBks = JSON.parse(readFileSync(path.join(here, 'flowshop-bks.json'), 'utf8')) as { upper: Record<string, number> };
  const mzn = useMinizinc && minizincAvailable();
  if (useMinizinc && !mzn) console.error('minizinc not found: reference column skipped');
  const jobs: { name: string; file: string; format: 'jsplib' | 'taillard'; bks: number; closed: boolean }[] = [];
  const jsFamilies = families.filter((f) => f !== 'flowshop');
  // Flow-shop rows count as family 'flowshop' for selection, and by Taillard size class in the summary.
  for (const name of readdirSync(path.join(DATA, 'jsplib/instances')).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))) {
    if (!jsFamilies.includes(familyOf(name)) || (only && !only.includes(name))) continue;
    const k = bks.get(name);
    if (!k) continue;
    jobs.push({ name, file: path.join(DATA, 'jsplib/instances', name), format: 'jsplib', bks: k.upper, closed: k.closed });
  }
  if (families.includes('flowshop')) {
    for (let i = fsRange[0]; i <= fsRange[1]; i++) {
      const name = `tfs${String(i).padStart(3, '0')}`;
      const ub = fsBks.upper[name];
      if (ub === undefined || (only && !only.includes(name))) continue;
      jobs.push({ name, file: path.join(DATA, 'flowshop/taillard1993', `${name}.txt`), format: 'taillard', bks: ub, closed: false });
    }
  }
  console.error(`${jobs.length} instances × ${timeLimitS} s, ${workers} workers${mzn ? ', + minizinc/gecode' : ''}`);
  const rows: Row[] = [];
  const loadStart = os.loadavg();
  const uptimeStart = uptimeText();
  const build = (done: boolean) => {
  const fams = [...new Set(rows.map((r) => r.family))];
  const summary = fams.map((f) => {
    const rs = rows.filter((r) => r.family === f);
    const gaps = rs.map((r) => r.gapPct ?? Infinity);
    const mz = rs.filter((r) => r.minizinc).map((r) => r.minizinc?.gapPct ?? Infinity);
    const t1 = rs.map((r) => r.timeTo1PctS);
    return {
      family: f,
      instances: rs.length,
      meanGapPct: gaps.reduce((a, b) => a + b, 0) / gaps.length,
      maxGapPct: Math.max(...gaps),
      atBks: rs.filter((r) => r.gapPct !== null && r.gapPct <= 0).length,
      reached1Pct: t1.filter((t) => t !== null).length,
      meanTimeTo1PctS: t1.filter((t): t is number => t !== null).reduce((a, b) => a + b, 0) / Math.max(1, t1.filter((t) => t !== null).length),
      ...(mz.length ? { minizincMeanGapPct: mz.reduce((a, b) => a + b, 0) / mz.length, minizincMaxGapPct: Math.max(...mz) } : {}),
    };
  });
  // la01-la40 as one line (the issue's target).
  const la = rows.filter((r) => r.family === 'la');
  const doc = {
    benchmark: 'schedule',
    date: new Date().toISOString(),
    timeLimitS,
    workers,
    seed,
    complete: done,
    plannedInstances: jobs.map((x) => x.name),
    machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, node: process.version, platform: `${os.platform()} ${os.release()}`, loadavg: os.loadavg(), loadavgAtStart: loadStart, uptimeAtStart: uptimeStart, uptimeNow: uptimeText() },
    note: 'Shared 2-core machine (8 sessions), other jobs running: wall-clock limits make the numbers noisy and pessimistic for an idle machine.',
    reference: mzn ? 'MiniZinc + Gecode, bench/jobshop.mzn, same time limit and thread count' : null,
    summary,
    laAll: la.length ? { instances: la.length, meanGapPct: la.reduce((a, r) => a + (r.gapPct ?? 0), 0) / la.length } : null,
    rows,
  };
  mkdirSync(path.dirname(outFile), { recursive: true });
  writeFileSync(`${outFile}.tmp`, JSON.stringify(doc, null, 2) + '\n');
  renameSync(`${outFile}.tmp`, outFile);
  return summary;
  };
  for (const j of jobs) {
    const inst = readInstanceFile(j.file, j.format);
    const p = problemFromInstance(inst);
    let t1: number | null = null;
    let tBest = 0;
    const cpu0 = process.cpuUsage();
    const res = await solve(p, {
      timeLimitMs: timeLimitS * 1000,
      workers,
      seed,
      onProgress: (e) => {
        tBest = e.elapsedMs / 1000;
        if (t1 === null && e.objective <= j.bks * 1.01) t1 = e.elapsedMs / 1000;
      },
    });
    const cpu = process.cpuUsage(cpu0);
    if (!res.check?.feasible) throw new Error(`${j.name}: unverified schedule`);
    const gap = res.objective === null ? null : (100 * (res.objective - j.bks)) / j.bks;
    const row: Row = {
      instance: j.name,
      family: familyOf(j.name),
      size: `${p.jobs.length}x${p.numMachines}`,
      bks: j.bks,
      bksClosed: j.closed,
      objective: res.objective,
      gapPct: gap,
      lowerBound: res.lowerBound,
      status: res.status,
      timeTo1PctS: t1,
      timeToBestS: tBest,
      iterations: res.iterations,
      cpuS: (cpu.user + cpu.system) / 1e6,
    };
    if (mzn && j.format === 'jsplib') {
      const m = runMinizinc(inst);
      row.minizinc = { objective: m.objective, optimal: m.optimal, gapPct: m.objective === null ? null : (100 * (m.objective - j.bks)) / j.bks };
    }
    rows.push(row);
    build(false);
    console.error(
      `${j.name.padEnd(7)} ${row.size.padEnd(6)} bks ${String(j.bks).padStart(5)}  ours ${String(res.objective).padStart(5)} (${(gap ?? NaN).toFixed(2)} %)` +
        (row.minizinc ? `  gecode ${String(row.minizinc.objective).padStart(5)} (${(row.minizinc.gapPct ?? NaN).toFixed(2)} %)` : ''),
    );
  }
  const summary = build(true);
  console.log(`\n| family | n | mean gap % | max gap % | at BKS | reached 1 % | mean t(1 %) s |${mzn ? ' gecode mean % | gecode max % |' : ''}`);
  console.log(`|---|---|---|---|---|---|---|${mzn ? '---|---|' : ''}`);
  for (const s of summary) {
    console.log(
      `| ${s.family} | ${s.instances} | ${s.meanGapPct.toFixed(2)} | ${s.maxGapPct.toFixed(2)} | ${s.atBks} | ${s.reached1Pct} | ${s.reached1Pct ? s.meanTimeTo1PctS.toFixed(1) : '–'} |` +
        (mzn ? ` ${(s.minizincMeanGapPct ?? NaN).toFixed(2)} | ${(s.minizincMaxGapPct ?? NaN).toFixed(2)} |` : ''),
    );
  }
  console.log(`\nwrote ${outFile}`);
}

void main();
