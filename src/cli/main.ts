#!/usr/bin/env node
/**
 * The `shopfloor` CLI. One of the two places (with serve/server.ts) that touches the process: exit
 * codes, stdout/stderr. User errors print `error[CODE]: message` and exit 2; bugs print
 * "internal error" and exit 1; stack traces only with --debug.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isShopfloorError, ShopfloorError } from '../core/errors.js';
import { formatHelp, parseArgs, SEED_OPTION } from './args.js';
import type { CommandContext, CommandSpec, OptionValues } from './command.js';
import { COMMANDS } from './commands/index.js';
import { createProgress, silentProgress } from './progress.js';

function version(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return 'unknown';
  }
}

function topHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length)) + 2;
  return [
    `shopfloor ${version()} — AI on the factory floor`,
    '',
    'Usage: shopfloor <command> [options]      (shopfloor <command> --help for its options)',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --json, --quiet, --debug and --help. Exit codes: 0 ok, 2 bad input or options, 1 internal error.',
  ].join('\n');
}

function makeContext(opts: OptionValues): CommandContext {
  const json = opts.json === true;
  const quiet = opts.quiet === true;
  const seed = typeof opts.seed === 'number' ? opts.seed : 42;
  return {
    json,
    quiet,
    seed,
    info(message) {
      if (!json && !quiet) process.stdout.write(message + '\n');
    },
    warn(message) {
      process.stderr.write(`warning: ${message}\n`);
    },
    result(value, text) {
      if (json) process.stdout.write(JSON.stringify(value, null, 2) + '\n');
      else if (text !== undefined) process.stdout.write(text.endsWith('\n') ? text : text + '\n');
      else if (value && typeof value === 'object') {
        for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
          process.stdout.write(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
        }
      } else process.stdout.write(String(value) + '\n');
    },
    progress(label, total) {
      return json || quiet ? silentProgress : createProgress(label, total, { quiet: false });
    },
  };
}

/** Run the CLI with `argv` (without node and script). Resolves to the exit code. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const json = argv.includes('--json');
  try {
    const [name, ...rest] = argv;
    if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
      process.stdout.write(topHelp() + '\n');
      return 0;
    }
    if (name === '--version' || name === '-v') {
      process.stdout.write(version() + '\n');
      return 0;
    }
    const cmd: CommandSpec | undefined = COMMANDS.find((c) => c.name === name);
    if (!cmd) {
      const { closest } = await import('../core/text.js');
      const near = closest(name, COMMANDS.map((c) => c.name));
      throw new ShopfloorError(
        'SF_CONFIG',
        `unknown command '${name}'.${near ? ` Did you mean '${near}'?` : ''} Commands: ${COMMANDS.map((c) => c.name).join(', ')}.`,
        { command: name },
      );
    }
    const specs = cmd.seeded ? [...cmd.options, SEED_OPTION] : cmd.options;
    const opts = parseArgs(rest, specs, cmd.name);
    if (opts.help === true) {
      process.stdout.write(formatHelp(cmd.name, cmd.summary, cmd.help, specs) + '\n');
      return 0;
    }
    await cmd.run(opts, makeContext(opts));
    return 0;
  } catch (e) {
    if (isShopfloorError(e)) {
      process.stderr.write(`error[${e.code}]: ${e.message}\n`);
      if (json) process.stdout.write(JSON.stringify({ error: e.toJSON() }) + '\n');
      if (debug && e.stack) process.stderr.write(e.stack + '\n');
      return 2;
    }
    const err = e as Error;
    process.stderr.write(`internal error: ${err?.message ?? String(e)}${debug ? '' : ' (run with --debug for the stack trace)'}\n`);
    if (debug && err?.stack) process.stderr.write(err.stack + '\n');
    return 1;
  }
}

function invokedDirectly(): boolean {
  const arg = process.argv[1];
  if (arg === undefined) return false;
  try {
    return realpathSync(arg) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

const isMain = invokedDirectly();
if (isMain) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.exitCode = 1;
    },
  );
}
