/**
 * A reader for MATLAB Level-5 MAT-files (MATLAB 5.0 – 7.x `save -v6` / `-v7`), after "MATLAB
 * MAT-File Format" (The MathWorks, R2018b, chapter 1):
 *
 * - a 128-byte header: 116 bytes of text, 8 bytes subsystem offset, version (0x0100) and the endian
 *   indicator `IM` (little-endian writer) or `MI` (big-endian writer);
 * - then data elements, each a tag (type, byte count) and data padded to 8 bytes, or a "small data
 *   element" (byte count and type packed into the first 4 bytes, up to 4 bytes of data in the next 4);
 * - `miCOMPRESSED` elements hold one zlib-deflated element (MATLAB 7 default), inflated here with
 *   node:zlib;
 * - `miMATRIX` elements hold array flags (class, complex, logical), dimensions, the name and the real
 *   (and imaginary) parts, each of any numeric storage type (CWRU stores its RPM as a small `miUINT16`
 *   inside a `double` array).
 *
 * Numeric classes (double, single, int8…uint64) and logical arrays become a `Float64Array` in MATLAB's
 * column-major order. Cell, struct, object, sparse, char, function and opaque (string, table…) arrays are skipped and listed in
 * `skipped` (or refused with `strict: true`). MAT v7.3 files are HDF5 containers and are refused with
 * a message that says how to convert them; MAT v4 files (no text header) are refused too.
 *
 * @example
 * const mat = await readMat('../shared/data/cwru/normal_0_97.mat');
 * const de = mat.get('X097_DE_time').data; // Float64Array(243938)
 */
import { readFile } from 'node:fs/promises';
import { inflateSync } from 'node:zlib';
import { ConfigError, DataError, NotFoundError } from '../core/errors.js';

/** MATLAB array classes (mxClassID). */
export type MatClass =
  | 'cell'
  | 'struct'
  | 'object'
  | 'char'
  | 'sparse'
  | 'double'
  | 'single'
  | 'int8'
  | 'uint8'
  | 'int16'
  | 'uint16'
  | 'int32'
  | 'uint32'
  | 'int64'
  | 'uint64'
  | 'function'
  | 'opaque';

const CLASS_NAMES: Record<number, MatClass> = {
  1: 'cell',
  2: 'struct',
  3: 'object',
  4: 'char',
  5: 'sparse',
  6: 'double',
  7: 'single',
  8: 'int8',
  9: 'uint8',
  10: 'int16',
  11: 'uint16',
  12: 'int32',
  13: 'uint32',
  14: 'int64',
  15: 'uint64',
  16: 'function',
  17: 'opaque',
};

const NUMERIC_CLASSES: ReadonlySet<MatClass> = new Set(['double', 'single', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

/** Data types of data elements (miXXX). */
export const MI = {
  INT8: 1,
  UINT8: 2,
  INT16: 3,
  UINT16: 4,
  INT32: 5,
  UINT32: 6,
  SINGLE: 7,
  DOUBLE: 9,
  INT64: 12,
  UINT64: 13,
  MATRIX: 14,
  COMPRESSED: 15,
  UTF8: 16,
  UTF16: 17,
  UTF32: 18,
} as const;

const TYPE_SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 2, 5: 4, 6: 4, 7: 4, 9: 8, 12: 8, 13: 8, 16: 1, 17: 2, 18: 4 };

/** One numeric (or logical) variable. */
export interface MatVariable {
  readonly name: string;
  /** MATLAB class of the array (the storage type may be smaller, e.g. uint16 inside a double). */
  readonly class: MatClass;
  /** Dimensions, e.g. [243938, 1] for a column vector. */
  readonly dims: readonly number[];
  /** Real part, column-major, converted to float64. */
  readonly data: Float64Array;
  /** Imaginary part of a complex array, else undefined. */
  readonly imag?: Float64Array;
  /** True for a logical array. */
  readonly logical: boolean;
  /** True when the variable was stored in an `miCOMPRESSED` element. */
  readonly compressed: boolean;
}

/** A variable the reader did not decode, and why. */
export interface MatSkipped {
  readonly name: string;
  readonly class: MatClass | string;
  readonly reason: string;
}

/** A parsed MAT-file. */
export interface MatFile {
  /** File name (or the label given to parseMat), for messages. */
  readonly source: string;
  /** The header text (trailing spaces removed), e.g. "MATLAB 5.0 MAT-file, Platform: PCWIN, …". */
  readonly header: string;
  readonly littleEndian: boolean;
  /** Numeric/logical variables in file order. */
  readonly variables: readonly MatVariable[];
  /** Variables of unsupported classes that were skipped. */
  readonly skipped: readonly MatSkipped[];
  /** The variable called `name`. @throws NotFoundError listing the names in the file. */
  get(name: string): MatVariable;
  /** The variable called `name`, or undefined. */
  find(name: string): MatVariable | undefined;
}

/** Options of {@link parseMat} / {@link readMat}. */
export interface MatReadOptions {
  /** Refuse (DataError) variables of unsupported classes instead of skipping them [false]. */
  readonly strict?: boolean;
}

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

const V73_HELP =
  'MAT v7.3 files are HDF5 containers, which this reader does not read. Re-save the file as a Level-5 MAT-file: ' +
  "in MATLAB or Octave `load('f.mat'); save('f_v7.mat', '-v7')` (or '-v6' for uncompressed), or in Python read it with h5py " +
  'and write it with scipy.io.savemat.';

class Reader {
  readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly le: boolean,
    readonly source: string,
    /** Offset of `bytes[0]` in the file (for messages about inflated data: the compressed element's offset). */
    readonly base: number,
    readonly where: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  need(offset: number, n: number, what: string): void {
    if (offset + n > this.bytes.length) {
      throw truncated(this.source, this.base + offset, what, this.where, n, this.bytes.length - offset);
    }
  }
  u32(o: number): number {
    return this.view.getUint32(o, this.le);
  }
  i32(o: number): number {
    return this.view.getInt32(o, this.le);
  }
}

function truncated(source: string, offset: number, what: string, where: string, needed: number, left: number): DataError {
  return new DataError(
    'SF_DATA_PARSE',
    `${source}: truncated MAT-file at byte ${offset}${where}: ${what} needs ${needed} bytes but only ${Math.max(0, left)} remain. Copy or download the file again.`,
    { file: source, offset, needed, remaining: Math.max(0, left) },
  );
}

interface Element {
  type: number;
  /** Offset of the data (relative to the reader's bytes). */
  dataOffset: number;
  nbytes: number;
  /** Offset of the next element. */
  next: number;
}

function readTag(r: Reader, offset: number, what: string): Element {
  r.need(offset, 4, `the tag of ${what}`);
  const first = r.u32(offset);
  const small = first >>> 16;
  if (small !== 0) {
    // Small data element: [type (16 bits) | nbytes (16 bits)] then up to 4 data bytes.
    const type = first & 0xffff;
    if (small > 4) {
      throw new DataError('SF_DATA_PARSE', `${r.source}: corrupt MAT-file at byte ${r.base + offset}${r.where}: a small data element claims ${small} bytes (at most 4).`, {
        file: r.source,
        offset: r.base + offset,
      });
    }
    r.need(offset, 8, `the small data element of ${what}`);
    return { type, dataOffset: offset + 4, nbytes: small, next: offset + 8 };
  }
  r.need(offset, 8, `the tag of ${what}`);
  const type = first;
  const nbytes = r.u32(offset + 4);
  const dataOffset = offset + 8;
  r.need(dataOffset, nbytes, `${what} (type ${type})`);
  // Elements are padded to 8 bytes, except miCOMPRESSED (MATLAB writes the zlib stream unpadded).
  const padded = type === MI.COMPRESSED ? nbytes : Math.ceil(nbytes / 8) * 8;
  return { type, dataOffset, nbytes, next: Math.min(dataOffset + padded, r.bytes.length) };
}

/** Decode a numeric data element into float64 values. */
function readNumbers(r: Reader, el: Element, what: string): Float64Array {
  const size = TYPE_SIZES[el.type];
  if (size === undefined || el.type === MI.UTF8 || el.type === MI.UTF16 || el.type === MI.UTF32) {
    throw new DataError('SF_DATA_PARSE', `${r.source}: ${what} at byte ${r.base + el.dataOffset}${r.where} has data type ${el.type}, which is not numeric.`, {
      file: r.source,
      offset: r.base + el.dataOffset,
      type: el.type,
    });
  }
  if (el.nbytes % size !== 0) {
    throw new DataError('SF_DATA_PARSE', `${r.source}: ${what} at byte ${r.base + el.dataOffset}${r.where}: ${el.nbytes} bytes is not a whole number of ${size}-byte values.`, {
      file: r.source,
      offset: r.base + el.dataOffset,
    });
  }
  const n = el.nbytes / size;
  const out = new Float64Array(n);
  const v = r.view;
  const o = el.dataOffset;
  const le = r.le;
  switch (el.type) {
    case MI.DOUBLE:
      if (le && (r.bytes.byteOffset + o) % 8 === 0) {
        out.set(new Float64Array(r.bytes.buffer, r.bytes.byteOffset + o, n));
      } else {
        for (let i = 0; i < n; i++) out[i] = v.getFloat64(o + i * 8, le);
      }
      break;
    case MI.SINGLE:
      for (let i = 0; i < n; i++) out[i] = v.getFloat32(o + i * 4, le);
      break;
    case MI.INT8:
      for (let i = 0; i < n; i++) out[i] = v.getInt8(o + i);
      break;
    case MI.UINT8:
      for (let i = 0; i < n; i++) out[i] = v.getUint8(o + i);
      break;
    case MI.INT16:
      for (let i = 0; i < n; i++) out[i] = v.getInt16(o + i * 2, le);
      break;
    case MI.UINT16:
      for (let i = 0; i < n; i++) out[i] = v.getUint16(o + i * 2, le);
      break;
    case MI.INT32:
      for (let i = 0; i < n; i++) out[i] = v.getInt32(o + i * 4, le);
      break;
    case MI.UINT32:
      for (let i = 0; i < n; i++) out[i] = v.getUint32(o + i * 4, le);
      break;
    case MI.INT64:
      for (let i = 0; i < n; i++) out[i] = Number(v.getBigInt64(o + i * 8, le));
      break;
    case MI.UINT64:
      for (let i = 0; i < n; i++) out[i] = Number(v.getBigUint64(o + i * 8, le));
      break;
  }
  return out;
}

function readName(r: Reader, el: Element): string {
  return new TextDecoder('latin1').decode(r.bytes.subarray(el.dataOffset, el.dataOffset + el.nbytes)).replace(/\0+$/, '');
}

type Decoded = { kind: 'var'; v: MatVariable } | { kind: 'skip'; s: MatSkipped } | { kind: 'none' };

/** Decode the body of an miMATRIX element (its data spans [el.dataOffset, el.dataOffset + el.nbytes)). */
function readMatrix(r: Reader, el: Element, compressed: boolean, strict: boolean): Decoded {
  if (el.nbytes === 0) return { kind: 'none' }; // an empty array placeholder (used inside cells)
  const end = el.dataOffset + el.nbytes;
  const sub = new Reader(r.bytes.subarray(0, end), r.le, r.source, r.base, r.where);
  const flagsEl = readTag(sub, el.dataOffset, 'the array flags');
  if (flagsEl.type !== MI.UINT32 || flagsEl.nbytes !== 8) {
    throw new DataError('SF_DATA_PARSE', `${r.source}: corrupt miMATRIX at byte ${r.base + el.dataOffset}${r.where}: expected array flags (miUINT32, 8 bytes), got type ${flagsEl.type} with ${flagsEl.nbytes} bytes.`, {
      file: r.source,
      offset: r.base + el.dataOffset,
    });
  }
  const flags = sub.u32(flagsEl.dataOffset);
  const classId = flags & 0xff;
  const complex = (flags & 0x0800) !== 0;
  const logical = (flags & 0x0200) !== 0;
  const cls: MatClass | string = CLASS_NAMES[classId] ?? `class ${classId}`;
  if (cls === 'opaque') {
    // MATLAB objects (string, table, datetime…): flags, name, then class-specific content; no dims.
    const nameEl = readTag(sub, flagsEl.next, 'the array name');
    const name = nameEl.type === MI.INT8 ? readName(sub, nameEl) : '';
    const reason = 'MATLAB objects (string, table, datetime, …) are not supported (convert them to numeric arrays before saving)';
    if (strict) {
      throw new DataError('SF_DATA_SCHEMA', `${r.source}: variable '${name}' at byte ${r.base + el.dataOffset - 8}${r.where} is an opaque MATLAB object: ${reason}.`, {
        file: r.source,
        variable: name,
        class: cls,
      });
    }
    return { kind: 'skip', s: { name, class: cls, reason } };
  }
  const dimsEl = readTag(sub, flagsEl.next, 'the dimensions');
  if (dimsEl.type !== MI.INT32 || dimsEl.nbytes % 4 !== 0) {
    throw new DataError('SF_DATA_PARSE', `${r.source}: corrupt miMATRIX at byte ${r.base + flagsEl.next}${r.where}: expected dimensions as miINT32, got type ${dimsEl.type}.`, {
      file: r.source,
      offset: r.base + flagsEl.next,
    });
  }
  const dims: number[] = [];
  for (let i = 0; i < dimsEl.nbytes / 4; i++) dims.push(sub.i32(dimsEl.dataOffset + i * 4));
  const nameEl = readTag(sub, dimsEl.next, 'the array name');
  const name = readName(sub, nameEl);
  if (!NUMERIC_CLASSES.has(cls as MatClass)) {
    const reason =
      cls === 'sparse'
        ? 'sparse arrays are not supported (convert with full() before saving)'
        : cls === 'char'
          ? 'character arrays are not read (numeric and logical arrays only)'
          : `${cls} arrays are not supported (numeric and logical arrays only; save the fields as separate numeric variables)`;
    if (strict) {
      throw new DataError('SF_DATA_SCHEMA', `${r.source}: variable '${name}' at byte ${r.base + el.dataOffset - 8}${r.where} is a ${cls} array: ${reason}.`, {
        file: r.source,
        variable: name,
        class: cls,
      });
    }
    return { kind: 'skip', s: { name, class: cls, reason } };
  }
  const count = dims.reduce((a, b) => a * b, 1);
  const realEl = readTag(sub, nameEl.next, `the real part of '${name}'`);
  const data = readNumbers(sub, realEl, `the real part of '${name}'`);
  if (data.length !== count) {
    throw new DataError('SF_DATA_PARSE', `${r.source}: variable '${name}'${r.where}: dimensions [${dims.join('×')}] need ${count} values but the real part holds ${data.length}.`, {
      file: r.source,
      variable: name,
      dims,
      values: data.length,
    });
  }
  let imag: Float64Array | undefined;
  if (complex) {
    const imEl = readTag(sub, realEl.next, `the imaginary part of '${name}'`);
    imag = readNumbers(sub, imEl, `the imaginary part of '${name}'`);
    if (imag.length !== count) {
      throw new DataError('SF_DATA_PARSE', `${r.source}: variable '${name}'${r.where}: the imaginary part holds ${imag.length} values, expected ${count}.`, { file: r.source, variable: name });
    }
  }
  return {
    kind: 'var',
    v: { name, class: cls as MatClass, dims, data, ...(imag ? { imag } : {}), logical, compressed },
  };
}

function decodeElements(r: Reader, strict: boolean, compressed: boolean, vars: MatVariable[], skipped: MatSkipped[]): void {
  let offset = 0;
  while (offset < r.bytes.length) {
    // Trailing zero padding (some writers pad the end) is not an element.
    if (r.bytes.length - offset < 8 && r.bytes.subarray(offset).every((b) => b === 0)) break;
    const el = readTag(r, offset, `the data element at byte ${r.base + offset}`);
    if (el.type === MI.MATRIX) {
      const d = readMatrix(r, el, compressed, strict);
      if (d.kind === 'var') vars.push(d.v);
      else if (d.kind === 'skip') skipped.push(d.s);
    } else if (el.type === MI.COMPRESSED) {
      let inflated: Buffer;
      try {
        inflated = inflateSync(r.bytes.subarray(el.dataOffset, el.dataOffset + el.nbytes));
      } catch (e) {
        throw new DataError(
          'SF_DATA_PARSE',
          `${r.source}: the compressed element at byte ${r.base + offset} cannot be inflated (${(e as Error).message}); the file is truncated or corrupt.`,
          { file: r.source, offset: r.base + offset },
        );
      }
      const inner = new Reader(new Uint8Array(inflated.buffer, inflated.byteOffset, inflated.byteLength), r.le, r.source, 0, ` (inside the compressed element at byte ${r.base + offset}, inflated offset)`);
      decodeElements(inner, strict, true, vars, skipped);
    } else {
      throw new DataError(
        'SF_DATA_PARSE',
        `${r.source}: unexpected top-level data element of type ${el.type} at byte ${r.base + offset}${r.where} (expected miMATRIX 14 or miCOMPRESSED 15).`,
        { file: r.source, offset: r.base + offset, type: el.type },
      );
    }
    offset = el.next;
  }
}

/**
 * Parse a Level-5 MAT-file from memory.
 * @param source file name or label used in messages
 * @throws DataError `SF_DATA_PARSE` for a file that is not a Level-5 MAT-file (v4, HDF5 v7.3 with how
 *   to convert it, other files), a truncated file (naming the byte offset) or a corrupt element;
 *   `SF_DATA_SCHEMA` for an unsupported class with `strict: true`.
 */
export function parseMat(bytes: Uint8Array, source = '<buffer>', options: MatReadOptions = {}): MatFile {
  const strict = options.strict ?? false;
  const head = new TextDecoder('latin1').decode(bytes.subarray(0, Math.min(116, bytes.length)));
  const isHdf5 = bytes.length >= 520 && HDF5_SIGNATURE.every((b, i) => bytes[512 + i] === b);
  if (head.startsWith('MATLAB 7.3') || isHdf5 || (bytes.length >= 8 && HDF5_SIGNATURE.every((b, i) => bytes[i] === b))) {
    throw new DataError('SF_DATA_PARSE', `${source} is a MAT v7.3 file. ${V73_HELP}`, { file: source, format: 'mat-v7.3' });
  }
  if (!head.startsWith('MATLAB')) {
    throw new DataError(
      'SF_DATA_PARSE',
      `${source} is not a Level-5 MAT-file: it does not start with the text header 'MATLAB 5.0 MAT-file' (got ${JSON.stringify(head.slice(0, 16))}). ` +
        "MAT v4 files have no text header; re-save them with MATLAB/Octave `save('-v6')`.",
      { file: source },
    );
  }
  if (bytes.length < 128) {
    throw truncated(source, bytes.length, 'the 128-byte header', '', 128, bytes.length);
  }
  const ind = String.fromCharCode(bytes[126] as number, bytes[127] as number);
  if (ind !== 'IM' && ind !== 'MI') {
    throw new DataError('SF_DATA_PARSE', `${source}: bytes 126–127 of the header hold ${JSON.stringify(ind)}, not the endian indicator 'IM' or 'MI': not a Level-5 MAT-file.`, {
      file: source,
    });
  }
  const le = ind === 'IM';
  const version = new DataView(bytes.buffer, bytes.byteOffset + 124, 2).getUint16(0, le);
  if (version !== 0x0100 && version !== 0x0200) {
    throw new DataError('SF_DATA_PARSE', `${source}: MAT-file version 0x${version.toString(16)} is not supported (expected 0x0100, Level 5).`, { file: source, version });
  }
  const header = head.replace(/[\s\0]+$/, '');
  const vars: MatVariable[] = [];
  const skipped: MatSkipped[] = [];
  decodeElements(new Reader(bytes.subarray(128), le, source, 128, ''), strict, false, vars, skipped);
  const byName = new Map(vars.map((v) => [v.name, v]));
  return {
    source,
    header,
    littleEndian: le,
    variables: vars,
    skipped,
    find: (name) => byName.get(name),
    get(name) {
      const v = byName.get(name);
      if (!v) {
        throw new NotFoundError(`${source}: no numeric variable '${name}' (variables: ${vars.map((x) => x.name).join(', ') || 'none'}).`, {
          file: source,
          variable: name,
          variables: vars.map((x) => x.name),
        });
      }
      return v;
    },
  };
}

/**
 * Read a Level-5 MAT-file from disk. See {@link parseMat}.
 * @throws NotFoundError when the file does not exist; DataError as parseMat.
 */
export async function readMat(file: string, options: MatReadOptions = {}): Promise<MatFile> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(`MAT-file not found: ${file}`, { file });
    throw e;
  }
  return parseMat(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), file, options);
}

/** A numeric variable to write with {@link formatMat}. */
export interface MatWriteVariable {
  readonly name: string;
  readonly data: ArrayLike<number>;
  /** Dimensions [data.length, 1] (a column vector) by default. */
  readonly dims?: readonly number[];
}

/**
 * Format double variables as an uncompressed little-endian Level-5 MAT-file (what `save -v6` writes),
 * for tests and exports; `parseMat(formatMat(v))` gives the variables back.
 * @throws ConfigError when dims do not match the data length or a name is not 1–63 ASCII characters.
 */
export function formatMat(variables: readonly MatWriteVariable[], headerText = 'MATLAB 5.0 MAT-file, written by shopfloor'): Uint8Array {
  const parts: Uint8Array[] = [];
  const head = new Uint8Array(128).fill(0x20);
  head.set(new TextEncoder().encode(headerText.slice(0, 116)));
  head.fill(0, 116, 124);
  head[124] = 0x00;
  head[125] = 0x01;
  head[126] = 0x49; // 'I'
  head[127] = 0x4d; // 'M'
  parts.push(head);
  for (const v of variables) {
    const dims = v.dims ? [...v.dims] : [v.data.length, 1];
    if (dims.reduce((a, b) => a * b, 1) !== v.data.length) {
      throw new ConfigError(`formatMat: '${v.name}' has ${v.data.length} values but dims [${dims.join(', ')}].`, { variable: v.name });
    }
    if (!/^[\x20-\x7e]{1,63}$/.test(v.name)) throw new ConfigError(`formatMat: variable name '${v.name}' must be 1–63 ASCII characters.`, { variable: v.name });
    const pad8 = (n: number): number => Math.ceil(n / 8) * 8;
    const nameLen = v.name.length;
    const body = 16 + (8 + pad8(dims.length * 4)) + (8 + pad8(nameLen)) + (8 + v.data.length * 8);
    const buf = new Uint8Array(8 + body);
    const dv = new DataView(buf.buffer);
    let o = 0;
    const tag = (type: number, n: number): void => {
      dv.setUint32(o, type, true);
      dv.setUint32(o + 4, n, true);
      o += 8;
    };
    tag(MI.MATRIX, body);
    tag(MI.UINT32, 8);
    dv.setUint32(o, 6, true); // class double
    o += 8;
    tag(MI.INT32, dims.length * 4);
    dims.forEach((d, i) => dv.setInt32(o + i * 4, d, true));
    o += pad8(dims.length * 4);
    tag(MI.INT8, nameLen);
    buf.set(new TextEncoder().encode(v.name), o);
    o += pad8(nameLen);
    tag(MI.DOUBLE, v.data.length * 8);
    for (let i = 0; i < v.data.length; i++) dv.setFloat64(o + i * 8, v.data[i] as number, true);
    parts.push(buf);
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(total);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}
