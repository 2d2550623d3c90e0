/**
 * Reading saved transformer state back (tfjs-layers style: every saved object carries `kind` and
 * `formatVersion`). Saved state is untrusted input, so every field is checked and a bad one is a
 * ModelFormatError that names it.
 */
import { ModelFormatError } from '../core/errors.js';

/** A JSON object. */
export type JsonObject = Record<string, unknown>;

/**
 * Check `json` is an object of the given `kind` and a supported `formatVersion`; return it.
 * @throws ModelFormatError naming what was expected and what was found.
 */
export function readHeader(json: unknown, kind: string, version: number): JsonObject {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ModelFormatError(`Saved ${kind}: expected a JSON object, got ${json === null ? 'null' : typeof json}.`, { kind });
  }
  const o = json as JsonObject;
  if (o.kind !== kind) {
    throw new ModelFormatError(`Saved state: expected kind '${kind}', got '${String(o.kind)}'.`, { expected: kind, got: o.kind });
  }
  if (o.formatVersion !== version) {
    throw new ModelFormatError(
      `Saved ${kind}: formatVersion ${String(o.formatVersion)} is not supported (this version reads ${version}).`,
      { kind, expected: version, got: o.formatVersion },
    );
  }
  return o;
}

function bad(kind: string, field: string, expected: string, got: unknown): ModelFormatError {
  const shown = typeof got === 'object' ? JSON.stringify(got)?.slice(0, 60) : String(got);
  return new ModelFormatError(`Saved ${kind}: field '${field}' should be ${expected}, got ${shown}.`, { kind, field });
}

/** A nested object field. */
export function objField(o: JsonObject, field: string, kind: string): JsonObject {
  const v = o[field];
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw bad(kind, field, 'an object', v);
  return v as JsonObject;
}

/** A finite number field. */
export function numField(o: JsonObject, field: string, kind: string): number {
  const v = o[field];
  if (typeof v !== 'number' || !Number.isFinite(v)) throw bad(kind, field, 'a finite number', v);
  return v;
}

/** A string field. */
export function strField(o: JsonObject, field: string, kind: string): string {
  const v = o[field];
  if (typeof v !== 'string') throw bad(kind, field, 'a string', v);
  return v;
}

/** A boolean field. */
export function boolField(o: JsonObject, field: string, kind: string): boolean {
  const v = o[field];
  if (typeof v !== 'boolean') throw bad(kind, field, 'a boolean', v);
  return v;
}

/** An array of finite numbers, optionally of a fixed length. */
export function numArray(o: JsonObject, field: string, kind: string, length?: number): number[] {
  const v = o[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'number' || !Number.isFinite(x))) {
    throw bad(kind, field, 'an array of finite numbers', v);
  }
  if (length !== undefined && v.length !== length) throw bad(kind, field, `an array of length ${length}`, `length ${v.length}`);
  return v as number[];
}

/** An array of strings, optionally of a fixed length. */
export function strArray(o: JsonObject, field: string, kind: string, length?: number): string[] {
  const v = o[field];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw bad(kind, field, 'an array of strings', v);
  if (length !== undefined && v.length !== length) throw bad(kind, field, `an array of length ${length}`, `length ${v.length}`);
  return v as string[];
}

/** An array of strings or null (a transformer fitted on a matrix has no column names). */
export function namesField(o: JsonObject, field: string, kind: string): string[] | null {
  return o[field] === null ? null : strArray(o, field, kind);
}

/** One of a set of string literals. */
export function enumField<T extends string>(o: JsonObject, field: string, kind: string, allowed: readonly T[]): T {
  const v = o[field];
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) throw bad(kind, field, `one of ${allowed.join(', ')}`, v);
  return v as T;
}
