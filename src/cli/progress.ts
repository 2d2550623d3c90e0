/**
 * Progress reporting for long CLI work: a redrawn bar on a terminal, plain throttled lines when stderr
 * is not a TTY (CI logs, pipes), and nothing at all when quiet. Always on stderr so stdout stays clean
 * for results and --json.
 */
export interface Progress {
  /** Set the number of completed units (0..total) and an optional note (e.g. "loss 0.123"). */
  update(done: number, note?: string): void;
  /** Finish the bar (prints a final line). */
  done(note?: string): void;
}

export const silentProgress: Progress = { update() {}, done() {} };

export function createProgress(
  label: string,
  total: number,
  opts: { quiet: boolean; stream?: NodeJS.WriteStream; minIntervalMs?: number } = { quiet: false },
): Progress {
  if (opts.quiet) return silentProgress;
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const start = Date.now();
  let last = 0;
  let lastPct = -1;
  const minInterval = opts.minIntervalMs ?? (tty ? 100 : 2000);
  const render = (done: number, note?: string, final = false): void => {
    const frac = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (Date.now() - start) / 1000;
    const eta = frac > 0 && !final ? (elapsed * (1 - frac)) / frac : 0;
    const tail = `${done}/${total} ${elapsed.toFixed(1)}s${final ? '' : ` eta ${eta.toFixed(0)}s`}${note ? ` ${note}` : ''}`;
    if (tty) {
      const width = 24;
      const filled = Math.round(frac * width);
      stream.write(`\r${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${tail}\x1b[K${final ? '\n' : ''}`);
    } else {
      stream.write(`${label}: ${Math.round(frac * 100)}% ${tail}\n`);
    }
  };
  return {
    update(done, note) {
      const now = Date.now();
      const pct = Math.floor((done / Math.max(1, total)) * 100);
      // Nothing for work that finishes within a second; then throttle.
      if (now - start < 1000 || now - last < minInterval || (!tty && pct === lastPct)) return;
      last = now;
      lastPct = pct;
      render(done, note);
    },
    done(note) {
      if (Date.now() - start < 1000 && !tty) return;
      render(total, note, true);
    },
  };
}
