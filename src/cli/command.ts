/**
 * The shape of a CLI subcommand. Each subcommand lives in `src/cli/commands/<name>.ts`, exports one
 * `CommandSpec`, and is listed in `src/cli/commands/index.ts`. The runner (`src/cli/main.ts`) parses
 * and validates options from the spec, so every command gets the same conventions:
 * `--help`, `--json`, `--seed`, `--quiet`, `--debug`, clear errors for unknown or invalid options
 * (with the allowed values), exit code 2 for user errors and no stack trace unless `--debug`.
 */
import type { Progress } from './progress.js';

export type OptionType = 'string' | 'number' | 'integer' | 'boolean';

export interface OptionSpec {
  /** Long name without dashes, e.g. `time-limit`. Parsed value is stored under this key. */
  readonly name: string;
  readonly type: OptionType;
  /** One line for --help. Say the unit where a number is ambiguous. */
  readonly description: string;
  /** Default value, shown in --help. Omit for "no default". */
  readonly default?: string | number | boolean;
  /** Allowed values for string options (checked, listed in errors and --help). */
  readonly choices?: readonly string[];
  /** A required option: missing → error naming it. */
  readonly required?: boolean;
  /** May be given several times (values collected into an array of strings). */
  readonly multiple?: boolean;
  /** Inclusive range for numeric options. */
  readonly min?: number;
  readonly max?: number;
}

/** Parsed options: option name → value. Use the typed getters in `Args`. */
export type OptionValues = Record<string, string | number | boolean | string[] | undefined>;

export interface CommandContext {
  /** --json given: print exactly one JSON document on stdout, nothing else there. */
  readonly json: boolean;
  /** --quiet given: no progress, no info lines (warnings still go to stderr). */
  readonly quiet: boolean;
  /** --seed (default 42). */
  readonly seed: number;
  /** Human-readable line on stdout (suppressed with --json or --quiet). */
  info(message: string): void;
  /** A warning on stderr (`warning: ...`), always shown. */
  warn(message: string): void;
  /** The final result: printed as JSON with --json, otherwise via `text` (or key: value lines). */
  result(value: unknown, text?: string): void;
  /** A progress reporter: a bar on a TTY, plain lines otherwise, nothing with --quiet/--json. */
  progress(label: string, total: number): Progress;
}

export interface CommandSpec {
  readonly name: string;
  /** One line for the command list. */
  readonly summary: string;
  /** Longer help text shown under `shopfloor <name> --help` (usage examples). */
  readonly help?: string;
  readonly options: readonly OptionSpec[];
  /** Whether this command uses --seed (shown in help). */
  readonly seeded?: boolean;
  run(opts: OptionValues, ctx: CommandContext): Promise<void>;
}
