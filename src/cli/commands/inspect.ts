/** `shopfloor inspect`: what the reader makes of a file — dialect, columns, types, units, missing. */
import { isCategorical } from '../../core/table.js';
import { readCsvWithInfo } from '../../io/csv/index.js';
import { distinctValues } from '../../io/validate.js';
import { str } from '../args.js';
import type { CommandSpec } from '../command.js';
import { CSV_OPTIONS, csvOptionsFrom } from '../data-options.js';

export const inspectCommand: CommandSpec = {
  name: 'inspect',
  summary: 'Show how a CSV is read: delimiter, header, column types, units, missing values.',
  help: 'Example: shopfloor inspect --data ai4i2020.csv',
  options: [{ name: 'data', type: 'string', required: true, description: 'CSV file (plain or gzip).' }, ...CSV_OPTIONS],
  async run(opts, ctx) {
    const file = str(opts, 'data') as string;
    const { table, dialect, schema } = await readCsvWithInfo(file, csvOptionsFrom(opts, ctx));
    const columns = schema.map((s) => {
      const c = table.column(s.name);
      let missing = 0;
      let min: number | undefined;
      let max: number | undefined;
      if (isCategorical(c)) {
        for (const code of c.codes) if (code < 0) missing++;
      } else {
        for (const v of c.values) {
          if (Number.isNaN(v)) missing++;
          else {
            if (min === undefined || v < min) min = v;
            if (max === undefined || v > max) max = v;
          }
        }
      }
      const distinct = distinctValues(c).length;
      return { name: s.name, unit: s.unit ?? null, kind: s.kind, missing, distinct, min: min ?? null, max: max ?? null };
    });
    const result = {
      file,
      rows: table.nRows,
      delimiter: dialect.delimiter,
      header: dialect.header,
      decimal: dialect.decimal,
      dateOrder: dialect.dateOrder,
      columns,
    };
    const lines = [
      `${file}: ${table.nRows} rows, ${columns.length} columns; delimiter ${JSON.stringify(dialect.delimiter)}, ${dialect.header ? 'header' : 'no header'}, decimal '${dialect.decimal}'`,
      ...columns.map(
        (c) =>
          `  ${c.name}${c.unit ? ` [${c.unit}]` : ''}: ${c.kind}, ${c.distinct} distinct, ${c.missing} missing${c.min !== null ? `, ${c.min} … ${c.max}` : ''}`,
      ),
    ];
    ctx.result(result, lines.join('\n'));
  },
};
