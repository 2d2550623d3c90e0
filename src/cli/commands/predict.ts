/** `shopfloor predict`: probability and label for every row of a CSV, written atomically. */
import { numericColumn, categoricalColumn, Table, type Column } from '../../core/table.js';
import { readCsv } from '../../io/csv/index.js';
import { writeCsv } from '../../io/write.js';
import { checkSchema, loadModelDir, schemaOverrides, scoreTable } from '../../tasks/maintenance/artifact.js';
import { str } from '../args.js';
import type { CommandSpec } from '../command.js';
import { CSV_OPTIONS, csvOptionsFrom } from '../data-options.js';

export const predictCommand: CommandSpec = {
  name: 'predict',
  summary: 'Score new rows with a saved model: probability and label per row, to a CSV.',
  help: 'Example: shopfloor predict --model m --data new.csv --out preds.csv',
  options: [
    { name: 'model', type: 'string', required: true, description: 'Model directory written by shopfloor train.' },
    { name: 'data', type: 'string', required: true, description: 'CSV with the model\'s feature columns (the target may be absent).' },
    { name: 'out', type: 'string', required: true, description: 'Predictions CSV to write (atomically).' },
    ...CSV_OPTIONS,
  ],
  async run(opts, ctx) {
    const dir = str(opts, 'model') as string;
    const file = str(opts, 'data') as string;
    const out = str(opts, 'out') as string;
    const model = await loadModelDir(dir);
    const m = model.manifest;
    const csv = csvOptionsFrom(opts, ctx);
    const table = await readCsv(file, { ...csv, schema: { ...schemaOverrides(m), ...csv.schema }, strictSchema: false });
    for (const w of checkSchema(m, table, file)) ctx.warn(w);
    const { prob, labels } = await scoreTable(model, table);
    const k = m.target.classes.length;
    const cols: Column[] = [numericColumn('row', Float64Array.from({ length: table.nRows }, (_, i) => i + 1))];
    // Keep identifying columns so predictions can be joined back.
    for (const c of table.columns) if (c.kind === 'id' || c.kind === 'timestamp') cols.push(c);
    if (k === 2) {
      cols.push(numericColumn(`probability_${m.target.classes[1]}`, Float64Array.from({ length: table.nRows }, (_, i) => prob[i * 2 + 1] as number)));
    } else {
      for (let c = 0; c < k; c++) cols.push(numericColumn(`probability_${m.target.classes[c]}`, Float64Array.from({ length: table.nRows }, (_, i) => prob[i * k + c] as number)));
    }
    cols.push(categoricalColumn('label', Array.from(labels, (l) => m.target.classes[l] as string)));
    const outTable = new Table(cols.filter((c, i, a) => a.findIndex((d) => d.name === c.name) === i));
    writeCsv(out, outTable);
    const counts: Record<string, number> = {};
    for (const l of labels) counts[m.target.classes[l] as string] = (counts[m.target.classes[l] as string] ?? 0) + 1;
    ctx.result({ model: dir, data: file, out, rows: table.nRows, predicted: counts }, `wrote ${out}: ${table.nRows} rows; predicted ${Object.entries(counts).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  },
};
