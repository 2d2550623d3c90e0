/**
 * Option parsing from a CommandSpec: `--name value`, `--name=value`, `--flag`, `--no-flag`, repeated
 * options for `multiple`. Every problem is a ConfigError that names the option and says what is
 * allowed (the closest known option for typos; the allowed values for choices).
 */
import { ConfigError } from '../core/errors.js';
import { closest } from '../core/text.js';
import type { OptionSpec, OptionValues } from './command.js';

/** Key under which parseArgs records the option names the user actually typed (not defaults). */
export const GIVEN = '__given';

/** Option names the user typed. */
export function givenOptions(opts: OptionValues): string[] {
  const g = opts[GIVEN];
  return Array.isArray(g) ? g : [];
}

/**
 * Reject options that belong to another mode of the command (e.g. `--detector` with `--task failure`):
 * silently ignoring them would train something the user did not ask for.
 */
export function assertOptionsFor(opts: OptionValues, allowed: readonly OptionSpec[], mode: string): void {
  const ok = new Set([...GLOBAL_OPTIONS.map((o) => o.name), ...allowed.map((o) => o.name), 'seed']);
  const bad = givenOptions(opts).filter((n) => !ok.has(n));
  if (bad.length) {
    throw new ConfigError(`${bad.map((b) => `--${b}`).join(', ')} ${bad.length > 1 ? 'do' : 'does'} not apply to ${mode}.`, { options: bad, mode });
  }
}

/** Options every command accepts. */
export const GLOBAL_OPTIONS: readonly OptionSpec[] = [
  { name: 'json', type: 'boolean', description: 'Print one machine-readable JSON document on stdout.', default: false },
  { name: 'quiet', type: 'boolean', description: 'No progress or info lines (warnings still go to stderr).', default: false },
  { name: 'debug', type: 'boolean', description: 'Show stack traces for errors.', default: false },
  { name: 'help', type: 'boolean', description: 'Show this help.', default: false },
];

export const SEED_OPTION: OptionSpec = {
  name: 'seed',
  type: 'integer',
  description: 'Seed for every random choice (same seed, same result).',
  default: 42,
  min: 0,
  max: 2 ** 31 - 1,
};

function parseValue(spec: OptionSpec, raw: string): string | number | boolean {
  const flag = `--${spec.name}`;
  switch (spec.type) {
    case 'boolean': {
      if (['true', '1', 'yes'].includes(raw)) return true;
      if (['false', '0', 'no'].includes(raw)) return false;
      throw new ConfigError(`${flag}: expected true or false; got '${raw}'.`, { option: spec.name, value: raw });
    }
    case 'number':
    case 'integer': {
      const v = raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(v) || (spec.type === 'integer' && !Number.isInteger(v))) {
        throw new ConfigError(`${flag}: expected ${spec.type === 'integer' ? 'an integer' : 'a number'}; got '${raw}'.`, {
          option: spec.name,
          value: raw,
        });
      }
      if ((spec.min !== undefined && v < spec.min) || (spec.max !== undefined && v > spec.max)) {
        throw new ConfigError(`${flag}: expected a value in [${spec.min ?? '-∞'}, ${spec.max ?? '∞'}]; got ${v}.`, {
          option: spec.name,
          value: v,
          min: spec.min,
          max: spec.max,
        });
      }
      return v;
    }
    case 'string': {
      if (spec.choices && !spec.choices.includes(raw)) {
        // Choices may also be prefixes with a parameter, written 'group:COL' in the list as 'group:'.
        const prefixed = spec.choices.filter((c) => c.endsWith(':')).find((c) => raw.startsWith(c) && raw.length > c.length);
        if (!prefixed) {
          throw new ConfigError(
            `${flag}: expected one of ${spec.choices.map((c) => (c.endsWith(':') ? `${c}COLUMN` : c)).join(', ')}; got '${raw}'.`,
            { option: spec.name, value: raw, allowed: [...spec.choices] },
          );
        }
      }
      return raw;
    }
  }
}

/** Parse argv (after the command name) against the command's options plus the global ones. */
export function parseArgs(argv: readonly string[], options: readonly OptionSpec[], command: string): OptionValues {
  const specs = new Map<string, OptionSpec>();
  for (const o of [...GLOBAL_OPTIONS, ...options]) specs.set(o.name, o);
  const out: OptionValues = {};
  const given: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('--')) {
      throw new ConfigError(
        `shopfloor ${command}: unexpected argument '${arg}'. Options are written --name value; see 'shopfloor ${command} --help'.`,
        { argument: arg },
      );
    }
    let name = arg.slice(2);
    let inline: string | undefined;
    const eq = name.indexOf('=');
    if (eq >= 0) {
      inline = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    let spec = specs.get(name);
    let negated = false;
    if (!spec && name.startsWith('no-')) {
      const s = specs.get(name.slice(3));
      if (s && s.type === 'boolean') {
        spec = s;
        negated = true;
      }
    }
    if (!spec) {
      const near = closest(name, [...specs.keys()]);
      throw new ConfigError(
        `shopfloor ${command}: unknown option --${name}.${near ? ` Did you mean --${near}?` : ''} Options: ${[...specs.keys()].map((k) => `--${k}`).join(', ')}.`,
        { option: name, suggestion: near },
      );
    }
    let value: string | number | boolean;
    if (spec.type === 'boolean') {
      value = negated ? false : inline === undefined ? true : parseValue(spec, inline);
    } else {
      let raw = inline;
      if (raw === undefined) {
        const next = argv[i + 1];
        if (next === undefined || (next.startsWith('--') && next.length > 2)) {
          throw new ConfigError(`--${spec.name}: a value is required (${spec.description})`, { option: spec.name });
        }
        raw = next;
        i++;
      }
      value = parseValue(spec, raw);
    }
    given.push(spec.name);
    if (spec.multiple) {
      const prev = out[spec.name];
      out[spec.name] = [...(Array.isArray(prev) ? prev : []), String(value)];
    } else {
      out[spec.name] = value;
    }
  }
  for (const o of [...GLOBAL_OPTIONS, ...options]) {
    if (out[o.name] === undefined && o.default !== undefined) out[o.name] = o.multiple ? [String(o.default)] : o.default;
  }
  out[GIVEN] = given;
  if (!out.help) {
    for (const o of options) {
      if (o.required && out[o.name] === undefined) {
        throw new ConfigError(`shopfloor ${command}: --${o.name} is required (${o.description})`, { option: o.name });
      }
    }
  }
  return out;
}

/** Help text for a command. */
export function formatHelp(name: string, summary: string, help: string | undefined, options: readonly OptionSpec[]): string {
  const all = [...options, ...GLOBAL_OPTIONS];
  const lines = [`shopfloor ${name} — ${summary}`, ''];
  if (help) lines.push(help.trim(), '');
  lines.push('Options:');
  const width = Math.max(...all.map((o) => optionLabel(o).length)) + 2;
  for (const o of all) {
    const extra: string[] = [];
    if (o.choices) extra.push(`one of: ${o.choices.map((c) => (c.endsWith(':') ? `${c}COLUMN` : c)).join(', ')}`);
    if (o.required) extra.push('required');
    if (o.default !== undefined && o.type !== 'boolean') extra.push(`default: ${String(o.default)}`);
    if (o.multiple) extra.push('may be repeated');
    lines.push(`  ${optionLabel(o).padEnd(width)}${o.description}${extra.length ? ` (${extra.join('; ')})` : ''}`);
  }
  return lines.join('\n');
}

function optionLabel(o: OptionSpec): string {
  if (o.type === 'boolean') return `--${o.name}`;
  const v = o.type === 'string' ? (o.choices ? 'CHOICE' : 'VALUE') : o.type === 'integer' ? 'N' : 'X';
  return `--${o.name} ${v}`;
}

/** Typed getters for parsed options. */
export function str(opts: OptionValues, name: string): string | undefined {
  const v = opts[name];
  return v === undefined ? undefined : Array.isArray(v) ? v.join(',') : String(v);
}
export function num(opts: OptionValues, name: string): number | undefined {
  const v = opts[name];
  return typeof v === 'number' ? v : undefined;
}
export function bool(opts: OptionValues, name: string): boolean {
  return opts[name] === true;
}
/** A list option: repeated values and comma-separated values are both accepted. */
export function list(opts: OptionValues, name: string): string[] {
  const v = opts[name];
  if (v === undefined) return [];
  const parts = Array.isArray(v) ? v : [String(v)];
  return parts.flatMap((p) => p.split(',')).map((s) => s.trim()).filter((s) => s.length > 0);
}
