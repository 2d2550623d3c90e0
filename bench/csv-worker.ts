/**
 * One measurement of the CSV reader in a fresh process (so peak RSS is this read's alone).
 * Usage: tsx bench/csv-worker.ts whole|stream FILE [batchRows]
 * Prints one JSON line: {mode, seconds, rows, cols, peakRssMb}.
 */
import { readCsv, streamCsv } from '../src/io/csv/index.js';

const [mode, file, batch] = process.argv.slice(2) as [string, string, string | undefined];
const t0 = performance.now();
let rows = 0;
let cols = 0;
let checksum = 0;
if (mode === 'whole') {
  const t = await readCsv(file);
  rows = t.nRows;
  cols = t.columns.length;
  const c = t.columns[cols - 1];
  if (c && c.kind === 'numeric') for (const v of c.values) checksum += v;
} else {
  for await (const t of streamCsv(file, { batchRows: Number(batch ?? 65536) })) {
    rows += t.nRows;
    cols = t.columns.length;
    const c = t.columns[cols - 1];
    if (c && c.kind === 'numeric') for (const v of c.values) checksum += v;
  }
}
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ mode, seconds, rows, cols, checksum, peakRssMb: process.resourceUsage().maxRSS / 1024 }));
