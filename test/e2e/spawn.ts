/** Run the CLI as an asynchronous child process (so a server in the test process keeps answering). */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { REPO, type CliResult } from './run.js';

const MAIN = fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url));

/** A running CLI child: its output so far, a way to wait for a line, and its exit. */
export interface CliChild {
  readonly proc: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolve with the first stdout line matching `re` (rejects after `ms` or if the process exits first). */
  waitForLine(re: RegExp, ms: number): Promise<string>;
  /** Resolve when the process exits (rejects after `ms`, killing it). */
  exit(ms: number): Promise<CliResult>;
}

export function spawnCli(args: readonly string[], opts: { cwd?: string } = {}): CliChild {
  const proc = spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { cwd: opts.cwd ?? REPO, env: { ...process.env, TZ: 'UTC', FORCE_COLOR: '0' } });
  let out = '';
  let err = '';
  let code: number | null = null;
  const exited = new Promise<number>((resolve) => proc.once('exit', (c, sig) => resolve((code = c ?? (sig ? 128 : -1)))));
  proc.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  proc.stderr?.setEncoding('utf8').on('data', (d: string) => (err += d));
  return {
    proc,
    stdout: () => out,
    stderr: () => err,
    waitForLine: async (re, ms) => {
      const end = Date.now() + ms;
      for (;;) {
        const line = out.split('\n').find((l) => re.test(l));
        if (line !== undefined) return line;
        if (code !== null || Date.now() > end) throw new Error(`no line matching ${re} (exit ${code})\nstdout:\n${out}\nstderr:\n${err}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    exit: async (ms) => {
      let timer: NodeJS.Timeout | undefined;
      const c = await Promise.race([
        exited,
        new Promise<number>((_, reject) => {
          timer = setTimeout(() => {
            proc.kill('SIGKILL');
            reject(new Error(`CLI did not exit within ${ms} ms\nstdout:\n${out}\nstderr:\n${err}`));
          }, ms);
        }),
      ]).finally(() => clearTimeout(timer));
      return { code: c, stdout: out, stderr: err };
    },
  };
}
