/** CSV reading options shared by every command that reads a data file. */
import { ConfigError } from '../core/errors.js';
import type { ColumnKind } from '../core/table.js';
import type { CsvOptions } from '../io/csv/index.js';
import { list, str } from './args.js';
import type { CommandContext, OptionSpec, OptionValues } from './command.js';

export const CSV_OPTIONS: readonly OptionSpec[] = [
  { name: 'delimiter', type: 'string', description: 'Field separator of the CSV.', default: 'auto', choices: ['auto', 'comma', 'semicolon', 'tab', 'pipe', 'whitespace'] },
  { name: 'schema', type: 'string', multiple: true, description: "Override a column's type: 'NAME=numeric|categorical|id|timestamp'." },
  { name: 'missing', type: 'string', multiple: true, description: 'Extra cell text meaning "missing" (besides empty, NA, NaN, null, ...).' },
  { name: 'date-order', type: 'string', description: 'Order of numeric dates like 01/02/2018.', default: 'auto', choices: ['auto', 'dmy', 'mdy'] },
  { name: 'decimal', type: 'string', description: 'Decimal separator.', default: 'auto', choices: ['auto', '.', ','] },
];

const KINDS: readonly ColumnKind[] = ['numeric', 'categorical', 'id', 'timestamp'];
const DELIMS = { auto: 'auto', comma: ',', semicolon: ';', tab: '\t', pipe: '|', whitespace: 'whitespace' } as const;

/** Turn the parsed CLI options into CsvOptions. */
export function csvOptionsFrom(opts: OptionValues, ctx: CommandContext): CsvOptions {
  const schema: Record<string, ColumnKind> = {};
  const raw = opts.schema;
  for (const item of Array.isArray(raw) ? raw : []) {
    const eq = item.lastIndexOf('=');
    const name = item.slice(0, eq).trim();
    const kind = item.slice(eq + 1).trim();
    if (eq <= 0 || !(KINDS as readonly string[]).includes(kind)) {
      throw new ConfigError(`--schema: expected NAME=${KINDS.join('|')}; got '${item}'.`, { option: 'schema', value: item });
    }
    schema[name] = kind as ColumnKind;
  }
  const extraMissing = list(opts, 'missing');
  const delimiter = DELIMS[(str(opts, 'delimiter') ?? 'auto') as keyof typeof DELIMS];
  const out: CsvOptions = {
    delimiter,
    schema,
    dateOrder: (str(opts, 'date-order') ?? 'auto') as 'auto' | 'dmy' | 'mdy',
    decimal: (str(opts, 'decimal') ?? 'auto') as 'auto' | '.' | ',',
    onWarning: (m) => ctx.warn(m),
  };
  if (extraMissing.length > 0) {
    return { ...out, missing: ['NA', 'N/A', 'NaN', 'nan', 'NAN', 'null', 'NULL', 'None', '#N/A', '-', '?', ...extraMissing] };
  }
  return out;
}
