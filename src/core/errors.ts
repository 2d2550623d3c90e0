/**
 * One error type for everything a user can cause (../shared/GUIDE.md, "Errors and bad input").
 *
 * A message says what was wrong, where (file:line:column, option name), what was expected, what was
 * found, and how to fix it. The CLI prints `error[CODE]: message` and exits 2 for these; anything that
 * is not a ShopfloorError is a bug and exits 1. `docs/errors.md` explains each code.
 */

/** Every error code the toolkit raises. Keep `docs/errors.md` in step. */
export type ErrorCode =
  | 'SF_DATA_PARSE'
  | 'SF_DATA_EMPTY'
  | 'SF_DATA_RAGGED'
  | 'SF_DATA_TYPE'
  | 'SF_DATA_COLUMN'
  | 'SF_DATA_DUPLICATE_COLUMN'
  | 'SF_DATA_TARGET'
  | 'SF_DATA_SCHEMA'
  | 'SF_NOT_FOUND'
  | 'SF_CONFIG'
  | 'SF_NOT_FITTED'
  | 'SF_MODEL_FORMAT'
  | 'SF_BACKEND'
  | 'SF_INSTANCE'
  // Raised by the live service (`shopfloor serve`): HTTP API answers and OPC UA ingestion.
  | 'SF_UNAUTHORIZED'
  | 'SF_FORBIDDEN'
  | 'SF_VALIDATION'
  | 'SF_BAD_JSON'
  | 'SF_BAD_REQUEST'
  | 'SF_MEDIA_TYPE'
  | 'SF_PAYLOAD_TOO_LARGE'
  | 'SF_RATE_LIMIT'
  | 'SF_INTERNAL'
  | 'SF_OPCUA';

/** Base class of every error a user can cause. `details` is machine-readable context (JSON-safe). */
export class ShopfloorError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.details = details;
  }
  toJSON(): { code: ErrorCode; message: string; details: Record<string, unknown> } {
    return { code: this.code, message: this.message, details: this.details };
  }
}

/** Bad input data: unparsable cells, ragged rows, missing columns, unusable targets. */
export class DataError extends ShopfloorError {}
/** An invalid option or argument (CLI flag, constructor option). */
export class ConfigError extends ShopfloorError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SF_CONFIG', message, details);
  }
}
/** predict/transform called before fit. */
export class NotFittedError extends ShopfloorError {
  constructor(what: string) {
    super('SF_NOT_FITTED', `${what} is not fitted yet: call fit() first.`, { what });
  }
}
/** A saved model or state file that cannot be read (wrong version, corrupt, wrong kind). */
export class ModelFormatError extends ShopfloorError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SF_MODEL_FORMAT', message, details);
  }
}
/** A file, directory, column or resource that does not exist. */
export class NotFoundError extends ShopfloorError {
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('SF_NOT_FOUND', message, details);
  }
}

/** True when `e` is an error a user caused (exit 2), as opposed to a bug (exit 1). */
export function isShopfloorError(e: unknown): e is ShopfloorError {
  return e instanceof ShopfloorError;
}

/**
 * Throw a ConfigError unless `value` is one of `allowed`. The message lists the allowed values.
 * @example assertOneOf('--model', opts.model, ['gbdt', 'mlp'] as const)
 */
export function assertOneOf<T extends string>(option: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(`${option}: expected one of ${allowed.join(', ')}; got '${value}'.`, {
    option,
    value,
    allowed: [...allowed],
  });
}

/** Throw a ConfigError unless `value` is a finite number within [min, max]. */
export function assertNumberInRange(option: string, value: number, min: number, max: number): number {
  if (!Number.isFinite(value) || value < min || value > max) {
    throw new ConfigError(`${option}: expected a number in [${min}, ${max}]; got ${String(value)}.`, {
      option,
      value,
      min,
      max,
    });
  }
  return value;
}
