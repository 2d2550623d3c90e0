/** Counters and gauges of the live service, rendered in the Prometheus text exposition format 0.0.4. */

/** A tiny metrics registry: counters with optional labels, gauges read at scrape time. */
export class Metrics {
  private readonly counters = new Map<string, { help: string; values: Map<string, number> }>();
  private readonly gauges = new Map<string, { help: string; read: () => number }>();

  /** Declare a counter (idempotent). */
  counter(name: string, help: string): void {
    if (!this.counters.has(name)) this.counters.set(name, { help, values: new Map() });
  }
  /** Add `by` (default 1) to a counter, optionally with labels. */
  inc(name: string, labels: Record<string, string> = {}, by = 1): void {
    this.incKey(name, Metrics.labelKey(labels), by);
  }
  /** The rendered label set of `inc` (escaped), to precompute for a hot path's `incKey`. */
  static labelKey(labels: Record<string, string>): string {
    return Object.entries(labels)
      .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
      .join(',');
  }
  /** `inc` with a label key from `labelKey`. */
  incKey(name: string, key: string, by = 1): void {
    const c = this.counters.get(name);
    if (!c) throw new Error(`metrics: counter '${name}' not declared`);
    c.values.set(key, (c.values.get(key) ?? 0) + by);
  }
  /** Current value of a counter with exactly these labels (tests). */
  value(name: string, labels: Record<string, string> = {}): number {
    const key = Object.entries(labels)
      .map(([k, v]) => `${k}="${v}"`)
      .join(',');
    return this.counters.get(name)?.values.get(key) ?? 0;
  }
  /** Declare a gauge read when scraped. */
  gauge(name: string, help: string, read: () => number): void {
    this.gauges.set(name, { help, read });
  }
  /** The text exposition. */
  render(): string {
    const out: string[] = [];
    for (const [name, c] of this.counters) {
      out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
      if (c.values.size === 0) out.push(`${name} 0`);
      for (const [k, v] of c.values) out.push(`${name}${k ? `{${k}}` : ''} ${v}`);
    }
    for (const [name, g] of this.gauges) out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
    return `${out.join('\n')}\n`;
  }
}
