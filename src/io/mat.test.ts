import { deflateSync } from 'node:zlib';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { MI, formatMat, parseMat, readMat } from './mat.js';
import { DataError, NotFoundError } from '../core/errors.js';

// ---- a tiny Level-5 writer for hand-built buffers ----------------------------------------------

function concat(parts: Uint8Array[]): Uint8Array {
  const n = parts.reduce((a, p) => a + p.length, 0);
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

function u32(v: number, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  new DataView(b.buffer).setUint32(0, v, le);
  return b;
}

/** A normal data element: tag + data padded to 8 bytes (unpadded for miCOMPRESSED). */
function element(type: number, data: Uint8Array, le: boolean): Uint8Array {
  const pad = type === MI.COMPRESSED ? 0 : (8 - (data.length % 8)) % 8;
  return concat([u32(type, le), u32(data.length, le), data, new Uint8Array(pad)]);
}

/** A small data element (≤ 4 bytes of data packed with the tag). */
function small(type: number, data: Uint8Array, le: boolean): Uint8Array {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, (data.length << 16) | type, le);
  b.set(data, 4);
  return b;
}

function typed(type: number, values: number[], le: boolean): Uint8Array {
  const size = { [MI.INT8]: 1, [MI.UINT8]: 1, [MI.INT16]: 2, [MI.UINT16]: 2, [MI.INT32]: 4, [MI.UINT32]: 4, [MI.SINGLE]: 4, [MI.DOUBLE]: 8, [MI.INT64]: 8, [MI.UINT64]: 8 }[type] as number;
  const b = new Uint8Array(values.length * size);
  const v = new DataView(b.buffer);
  values.forEach((x, i) => {
    const o = i * size;
    if (type === MI.DOUBLE) v.setFloat64(o, x, le);
    else if (type === MI.SINGLE) v.setFloat32(o, x, le);
    else if (type === MI.INT8) v.setInt8(o, x);
    else if (type === MI.UINT8) v.setUint8(o, x);
    else if (type === MI.INT16) v.setInt16(o, x, le);
    else if (type === MI.UINT16) v.setUint16(o, x, le);
    else if (type === MI.INT32) v.setInt32(o, x, le);
    else if (type === MI.UINT32) v.setUint32(o, x, le);
    else if (type === MI.INT64) v.setBigInt64(o, BigInt(x), le);
    else v.setBigUint64(o, BigInt(x), le);
  });
  return b;
}

function el(type: number, data: Uint8Array, le: boolean): Uint8Array {
  return data.length <= 4 && data.length > 0 ? small(type, data, le) : element(type, data, le);
}

interface MatrixSpec {
  name: string;
  classId: number;
  dims: number[];
  type?: number;
  values?: number[];
  imag?: number[];
  logical?: boolean;
}

function matrix(s: MatrixSpec, le: boolean): Uint8Array {
  const flags = s.classId | (s.imag ? 0x0800 : 0) | (s.logical ? 0x0200 : 0);
  const parts = [
    element(MI.UINT32, concat([u32(flags, le), u32(0, le)]), le),
    element(MI.INT32, typed(MI.INT32, s.dims, le), le),
    el(MI.INT8, new TextEncoder().encode(s.name), le),
  ];
  if (s.values) parts.push(el(s.type ?? MI.DOUBLE, typed(s.type ?? MI.DOUBLE, s.values, le), le));
  if (s.imag) parts.push(el(s.type ?? MI.DOUBLE, typed(s.type ?? MI.DOUBLE, s.imag, le), le));
  return element(MI.MATRIX, concat(parts), le);
}

function header(le: boolean, text = 'MATLAB 5.0 MAT-file, Platform: test, Created on: now'): Uint8Array {
  const h = new Uint8Array(128).fill(0x20);
  h.set(new TextEncoder().encode(text));
  h.fill(0, 116, 124);
  new DataView(h.buffer).setUint16(124, 0x0100, le);
  h.set(new TextEncoder().encode(le ? 'IM' : 'MI'), 126);
  return h;
}

function matFile(le: boolean, elements: Uint8Array[]): Uint8Array {
  return concat([header(le), ...elements]);
}

function compressed(inner: Uint8Array, le: boolean): Uint8Array {
  return element(MI.COMPRESSED, new Uint8Array(deflateSync(inner)), le);
}

// ---- tests ---------------------------------------------------------------------------------------

describe('parseMat', () => {
  for (const le of [true, false]) {
    const label = le ? 'little-endian (IM)' : 'big-endian (MI)';
    it(`reads numeric classes and dims, ${label}`, () => {
      const bytes = matFile(le, [
        matrix({ name: 'x_time', classId: 6, dims: [3, 1], values: [1.5, -2.25, 1e-300] }, le),
        matrix({ name: 'rpm', classId: 6, dims: [1, 1], type: MI.UINT16, values: [1797] }, le), // small element, as CWRU
        matrix({ name: 's', classId: 7, dims: [1, 2], type: MI.SINGLE, values: [0.5, -3] }, le),
        matrix({ name: 'i8', classId: 8, dims: [2, 2], type: MI.INT8, values: [-128, 127, 0, -1] }, le),
        matrix({ name: 'u32', classId: 13, dims: [1, 3], type: MI.UINT32, values: [4294967295, 0, 7] }, le),
        matrix({ name: 'i16', classId: 10, dims: [1, 3], type: MI.INT16, values: [-32768, 5, 32767] }, le),
        matrix({ name: 'i64', classId: 14, dims: [1, 2], type: MI.INT64, values: [-(2 ** 40), 3] }, le),
        matrix({ name: 'mask', classId: 9, dims: [1, 3], type: MI.UINT8, values: [1, 0, 1], logical: true }, le),
        matrix({ name: 'z', classId: 6, dims: [1, 2], values: [1, 2], imag: [-1, 0.5] }, le),
      ]);
      const m = parseMat(bytes, 'hand.mat');
      expect(m.littleEndian).toBe(le);
      expect(m.header).toBe('MATLAB 5.0 MAT-file, Platform: test, Created on: now');
      expect(m.variables.map((v) => v.name)).toEqual(['x_time', 'rpm', 's', 'i8', 'u32', 'i16', 'i64', 'mask', 'z']);
      expect([...m.get('x_time').data]).toEqual([1.5, -2.25, 1e-300]);
      expect(m.get('x_time').dims).toEqual([3, 1]);
      expect(m.get('rpm').class).toBe('double');
      expect([...m.get('rpm').data]).toEqual([1797]);
      expect([...m.get('s').data]).toEqual([0.5, -3]);
      expect(m.get('s').class).toBe('single');
      expect([...m.get('i8').data]).toEqual([-128, 127, 0, -1]);
      expect(m.get('i8').dims).toEqual([2, 2]);
      expect([...m.get('u32').data]).toEqual([4294967295, 0, 7]);
      expect([...m.get('i16').data]).toEqual([-32768, 5, 32767]);
      expect([...m.get('i64').data]).toEqual([-(2 ** 40), 3]);
      expect(m.get('mask').logical).toBe(true);
      expect([...m.get('mask').data]).toEqual([1, 0, 1]);
      expect([...(m.get('z').imag as Float64Array)]).toEqual([-1, 0.5]);
      expect(m.get('x_time').compressed).toBe(false);
    });

    it(`inflates miCOMPRESSED elements, ${label}`, () => {
      const values = Array.from({ length: 1000 }, (_, i) => Math.sin(i / 7));
      const bytes = matFile(le, [
        compressed(matrix({ name: 'sig', classId: 6, dims: [1000, 1], values }, le), le),
        matrix({ name: 'plain', classId: 6, dims: [1, 1], values: [42] }, le),
        compressed(matrix({ name: 'n', classId: 6, dims: [1, 1], type: MI.UINT8, values: [9] }, le), le),
      ]);
      const m = parseMat(bytes, 'c.mat');
      expect(m.variables.map((v) => v.name)).toEqual(['sig', 'plain', 'n']);
      expect([...m.get('sig').data]).toEqual(values);
      expect(m.get('sig').compressed).toBe(true);
      expect(m.get('plain').data[0]).toBe(42);
      expect(m.get('n').data[0]).toBe(9);
    });
  }

  it('skips cell, struct, sparse and char arrays with a note, or refuses them with strict', () => {
    const le = true;
    const bytes = matFile(le, [
      matrix({ name: 'c', classId: 1, dims: [1, 1] }, le),
      matrix({ name: 'st', classId: 2, dims: [1, 1] }, le),
      matrix({ name: 'sp', classId: 5, dims: [3, 3] }, le),
      matrix({ name: 'txt', classId: 4, dims: [1, 2], type: MI.UINT16, values: [104, 105] }, le),
      matrix({ name: 'ok', classId: 6, dims: [1, 1], values: [1] }, le),
    ]);
    // An opaque object (e.g. a MATLAB string): flags, name, class name, then content; no dims.
    const opaque = element(
      MI.MATRIX,
      concat([
        element(MI.UINT32, concat([u32(17, le), u32(0, le)]), le),
        element(MI.INT8, new TextEncoder().encode('str'), le),
        element(MI.INT8, new TextEncoder().encode('MCOS'), le),
        element(MI.INT8, new TextEncoder().encode('string'), le),
        matrix({ name: '', classId: 13, dims: [1, 2], type: MI.UINT32, values: [1, 2] }, le),
      ]),
      le,
    );
    const withOpaque = concat([bytes, opaque, matrix({ name: 'after', classId: 6, dims: [1, 1], values: [2] }, le)]);
    const mo = parseMat(withOpaque, 'o.mat');
    expect(mo.variables.map((v) => v.name)).toEqual(['ok', 'after']);
    expect(mo.skipped.at(-1)).toMatchObject({ name: 'str', class: 'opaque' });
    const m = parseMat(bytes, 's.mat');
    expect(m.variables.map((v) => v.name)).toEqual(['ok']);
    expect(m.skipped.map((s) => [s.name, s.class])).toEqual([
      ['c', 'cell'],
      ['st', 'struct'],
      ['sp', 'sparse'],
      ['txt', 'char'],
    ]);
    expect(m.skipped[2]?.reason).toMatch(/full\(\)/);
    expect(() => parseMat(bytes, 's.mat', { strict: true })).toThrow(/variable 'c'.*cell array/);
    try {
      parseMat(bytes, 's.mat', { strict: true });
    } catch (e) {
      expect((e as DataError).code).toBe('SF_DATA_SCHEMA');
    }
  });

  it('get() names the variables present when one is missing', () => {
    const m = parseMat(matFile(true, [matrix({ name: 'a', classId: 6, dims: [1, 1], values: [1] }, true)]), 'g.mat');
    expect(() => m.get('b')).toThrow(NotFoundError);
    expect(() => m.get('b')).toThrow(/variables: a/);
    expect(m.find('b')).toBeUndefined();
  });

  it('refuses a file that is not a MAT-file', () => {
    const e = catchError(() => parseMat(new TextEncoder().encode('a,b\n1,2\n'), 'data.csv'));
    expect(e).toBeInstanceOf(DataError);
    expect(e.code).toBe('SF_DATA_PARSE');
    expect(e.message).toMatch(/data\.csv is not a Level-5 MAT-file/);
  });

  it('refuses a header with a bad endian indicator', () => {
    const h = header(true);
    h.set([0x58, 0x58], 126);
    expect(() => parseMat(h, 'bad.mat')).toThrow(/endian indicator/);
  });

  it('refuses MAT v7.3 (HDF5) and says how to convert', () => {
    const b = new Uint8Array(1024).fill(0x20);
    b.set(new TextEncoder().encode('MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: x HDF5 schema 1.00 .'));
    b.set([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a], 512);
    const e = catchError(() => parseMat(b, 'big.mat'));
    expect(e.message).toMatch(/big\.mat is a MAT v7\.3 file/);
    expect(e.message).toMatch(/save\('f_v7\.mat', '-v7'\)/);
    expect(e.details.format).toBe('mat-v7.3');
  });

  it('names the file and byte offset of a truncated file', () => {
    const full = matFile(true, [
      matrix({ name: 'a', classId: 6, dims: [1, 1], values: [1] }, true),
      matrix({ name: 'sig', classId: 6, dims: [100, 1], values: Array.from({ length: 100 }, (_, i) => i) }, true),
    ]);
    const cut = full.subarray(0, full.length - 50);
    const e = catchError(() => parseMat(cut, 'cut.mat'));
    expect(e.code).toBe('SF_DATA_PARSE');
    expect(e.message).toMatch(/cut\.mat: truncated MAT-file at byte \d+/);
    // The second element starts after the header and the first matrix.
    const second = 128 + matrix({ name: 'a', classId: 6, dims: [1, 1], values: [1] }, true).length;
    expect(e.details.offset).toBe(second + 8);
    // Cut inside a tag, and inside the header.
    expect(catchError(() => parseMat(full.subarray(0, 130), 'cut.mat')).message).toMatch(/at byte 128/);
    expect(catchError(() => parseMat(full.subarray(0, 100), 'cut.mat')).message).toMatch(/truncated.*128-byte header/);
  });

  it('reports a truncated compressed element', () => {
    const inner = matrix({ name: 'sig', classId: 6, dims: [200, 1], values: Array.from({ length: 200 }, (_, i) => Math.cos(i)) }, true);
    const z = new Uint8Array(deflateSync(inner));
    // A tag that claims the full stream, followed by half of it: truncated at the tag level.
    const cutTag = concat([header(true), u32(MI.COMPRESSED, true), u32(z.length, true), z.subarray(0, z.length >> 1)]);
    expect(catchError(() => parseMat(cutTag, 'z.mat')).message).toMatch(/z\.mat: truncated MAT-file at byte 136/);
    // A consistent tag over a broken stream: zlib fails.
    const broken = concat([header(true), element(MI.COMPRESSED, z.subarray(0, z.length >> 1), true)]);
    expect(catchError(() => parseMat(broken, 'z.mat')).message).toMatch(/compressed element at byte 128 cannot be inflated/);
  });

  it('readMat reads from disk and reports a missing file', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'mat-'));
    const f = path.join(dir, 'x.mat');
    writeFileSync(f, matFile(false, [matrix({ name: 'v', classId: 6, dims: [1, 2], values: [3, 4] }, false)]));
    const m = await readMat(f);
    expect([...m.get('v').data]).toEqual([3, 4]);
    await expect(readMat(path.join(dir, 'nope.mat'))).rejects.toThrow(NotFoundError);
  });
});

function catchError(f: () => unknown): DataError {
  try {
    f();
  } catch (e) {
    return e as DataError;
  }
  throw new Error('expected an error');
}

describe('formatMat', () => {
  it('round-trips through parseMat', () => {
    const a = Float64Array.from({ length: 37 }, (_, i) => Math.sin(i) * 1e3);
    const bytes = formatMat([
      { name: 'X001_DE_time', data: a },
      { name: 'X001RPM', data: [1797], dims: [1, 1] },
      { name: 'm', data: [1, 2, 3, 4, 5, 6], dims: [2, 3] },
    ]);
    const m = parseMat(bytes, 'rt.mat');
    expect(m.littleEndian).toBe(true);
    expect([...m.get('X001_DE_time').data]).toEqual([...a]);
    expect(m.get('X001_DE_time').dims).toEqual([37, 1]);
    expect(m.get('X001RPM').data[0]).toBe(1797);
    expect(m.get('m').dims).toEqual([2, 3]);
  });
  it('rejects dims that do not match the data', () => {
    expect(() => formatMat([{ name: 'x', data: [1, 2], dims: [3, 1] }])).toThrow(/2 values but dims \[3, 1\]/);
  });
});
