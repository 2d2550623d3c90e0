/**
 * Reading CSV files: whole (`readCsv`), streamed in bounded memory (`streamCsv`), or from text
 * (`parseCsv`). Gzip input is detected by its magic bytes, whatever the file is called.
 *
 * @example
 * const table = await readCsv('ai4i2020.csv');            // BOM, units in headers, types inferred
 * for await (const batch of streamCsv('huge.csv.gz', { batchRows: 100_000 })) { ... }
 */
import { createReadStream, existsSync, statSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import { NotFoundError } from '../../core/errors.js';
import type { Table } from '../../core/table.js';
import { concatTables, CsvReader, type CsvDialect, type ColumnSchema, type CsvOptions } from './reader.js';

export { CsvReader, concatTables, DEFAULT_MISSING } from './reader.js';
export type { CsvOptions, CsvDialect, ColumnSchema } from './reader.js';
export type { Delimiter } from './tokenizer.js';

/** A table plus what the reader decided about the file. */
export interface CsvReadResult {
  readonly table: Table;
  readonly dialect: CsvDialect;
  readonly schema: readonly ColumnSchema[];
}

export interface StreamCsvOptions extends CsvOptions {
  /** Rows per yielded table (default 65,536). */
  readonly batchRows?: number;
  /** Bytes per read from disk (default 1 MiB). Affects only speed, never the result. */
  readonly chunkBytes?: number;
}

/** @throws NotFoundError when the path does not exist or is a directory. */
export function assertReadableFile(file: string, what = 'File'): void {
  if (!existsSync(file)) {
    throw new NotFoundError(`${what} not found: ${file}. Check the path (relative paths start from ${process.cwd()}).`, {
      file,
    });
  }
  if (statSync(file).isDirectory()) {
    throw new NotFoundError(`${what} ${file} is a directory, expected a file.`, { file });
  }
}

async function isGzip(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const b = Buffer.alloc(2);
    const { bytesRead } = await fh.read(b, 0, 2, 0);
    return bytesRead === 2 && b[0] === 0x1f && b[1] === 0x8b;
  } finally {
    await fh.close();
  }
}

async function* fileChunks(file: string, chunkBytes: number): AsyncGenerator<Uint8Array> {
  const raw = createReadStream(file, { highWaterMark: chunkBytes });
  const stream = (await isGzip(file)) ? raw.pipe(createGunzip({ chunkSize: chunkBytes })) : raw;
  for await (const chunk of stream) yield chunk as Uint8Array;
}

/**
 * Stream a CSV file as Tables of at most `batchRows` rows. Memory stays bounded by the batch size
 * (plus the schema-inference sample), whatever the file size. Concatenating the batches gives exactly
 * the table `readCsv` returns.
 */
export async function* streamCsv(file: string, opts: StreamCsvOptions = {}): AsyncGenerator<Table, CsvDialect | null> {
  assertReadableFile(file);
  const reader = new CsvReader({ ...opts, source: opts.source ?? file });
  const batchRows = opts.batchRows ?? 65536;
  for await (const chunk of fileChunks(file, opts.chunkBytes ?? 1 << 20)) {
    reader.push(chunk);
    while (reader.schema && reader.pendingRows >= batchRows) {
      yield reader.takeBatch();
    }
  }
  reader.end();
  if (reader.pendingRows > 0) yield reader.takeBatch();
  return reader.dialect;
}

/**
 * Read a whole CSV file (plain or gzip) into one Table, with the dialect and schema it inferred.
 * @throws NotFoundError for a missing file; DataError for empty files, header-only files, ragged
 * rows, cells that contradict their column's type, duplicate header names.
 */
export async function readCsvWithInfo(file: string, opts: StreamCsvOptions = {}): Promise<CsvReadResult> {
  assertReadableFile(file);
  const reader = new CsvReader({ ...opts, source: opts.source ?? file });
  for await (const chunk of fileChunks(file, opts.chunkBytes ?? 1 << 22)) reader.push(chunk);
  reader.end();
  return { table: reader.takeBatch(), dialect: reader.dialect as CsvDialect, schema: reader.schema ?? [] };
}

/** Read a whole CSV file into one Table. See `readCsvWithInfo`. */
export async function readCsv(file: string, opts: StreamCsvOptions = {}): Promise<Table> {
  return (await readCsvWithInfo(file, opts)).table;
}

/** Parse CSV text or bytes already in memory. */
export function parseCsv(input: string | Uint8Array, opts: CsvOptions = {}): Table {
  const reader = new CsvReader(opts);
  reader.push(typeof input === 'string' ? Buffer.from(input, 'utf8') : input);
  reader.end();
  return reader.takeBatch();
}

/** Read every batch of a stream into one table (for tests and small files). */
export async function collectStream(file: string, opts: StreamCsvOptions = {}): Promise<Table> {
  const parts: Table[] = [];
  for await (const t of streamCsv(file, opts)) parts.push(t);
  return concatTables(parts);
}
