/**
 * Alert rules of the live service and where alerts go.
 *
 * Rules (evaluated per asset as readings and scores arrive):
 * - `threshold`: a sensor above `above` (or below `below`);
 * - `rate`: a sensor changing faster than `maxRatePerS` (units per second, absolute);
 * - `score`: the deployed model's failure score above `above`.
 * Each has hysteresis (`clear`: the condition ends only when the value is back past this level),
 * a minimum duration (`forMs`: the condition must hold this long before the alert fires) and
 * de-duplication (one unresolved alert per rule and asset: the store counts re-occurrences).
 *
 * Sinks: the store (API), the event hub (SSE), an MQTT topic and a webhook with exponential back-off.
 */
import { ConfigError } from '../core/errors.js';
import type { Alert, AlertSeverity, ReadingStore } from '../storage/store.js';
import type { EventHub } from './events.js';

/** One alert rule. `assetId` omitted or '*' = every asset. */
export type AlertRule =
  | { readonly id: string; readonly kind: 'threshold'; readonly sensorId: string; readonly above?: number; readonly below?: number; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string }
  | { readonly id: string; readonly kind: 'rate'; readonly sensorId: string; readonly maxRatePerS: number; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string }
  | { readonly id: string; readonly kind: 'score'; readonly above: number; readonly clear?: number; readonly forMs?: number; readonly severity?: AlertSeverity; readonly assetId?: string };

/** Something that receives every newly raised alert (not re-occurrences). */
export type AlertSink = (alert: Alert) => void | Promise<void>;

interface RuleState {
  active: boolean;
  since: number | null;
  lastV: number | null;
  lastT: number | null;
}

/** Check a rule's options; throws ConfigError naming the rule. */
export function validateRule(r: AlertRule): AlertRule {
  const bad = (msg: string): never => {
    throw new ConfigError(`alert rule '${r.id}': ${msg}`, { rule: r.id });
  };
  if (r.kind === 'threshold' && r.above === undefined && r.below === undefined) bad('a threshold rule needs above or below.');
  if (r.kind === 'threshold' && r.above !== undefined && r.below !== undefined) bad('give above or below, not both (use two rules).');
  if (r.kind === 'rate' && !(r.maxRatePerS > 0)) bad('maxRatePerS must be > 0.');
  if (r.forMs !== undefined && !(r.forMs >= 0)) bad('forMs must be >= 0.');
  if (r.clear !== undefined) {
    const trig = r.kind === 'rate' ? r.maxRatePerS : r.kind === 'score' ? r.above : (r.above ?? r.below);
    const isBelow = r.kind === 'threshold' && r.below !== undefined;
    if (trig !== undefined && (isBelow ? r.clear < trig : r.clear > trig)) bad(`clear (${r.clear}) must be on the safe side of the trigger (${trig}) for hysteresis.`);
  }
  return r;
}

/** Evaluates rules on values as they arrive and raises alerts through the store and sinks. */
export class AlertEngine {
  private readonly state = new Map<string, RuleState>();
  private readonly sinks: AlertSink[] = [];
  readonly rules: readonly AlertRule[];

  constructor(
    private readonly store: ReadingStore,
    private readonly hub: EventHub,
    rules: readonly AlertRule[],
  ) {
    this.rules = rules.map(validateRule);
  }
  /** Add a sink for newly raised alerts (MQTT topic, webhook). */
  addSink(s: AlertSink): void {
    this.sinks.push(s);
  }

  /** Feed one sensor value (threshold and rate rules). */
  async onValue(assetId: string, sensorId: string, t: number, v: number): Promise<void> {
    for (const r of this.rules) {
      if (r.kind === 'score' || r.sensorId !== sensorId || !applies(r, assetId)) continue;
      await this.feedValue(r, assetId, this.stateOf(r, assetId), t, v, false);
    }
  }
  /** Feed one model score (score rules). */
  async onScore(assetId: string, t: number, score: number): Promise<void> {
    for (const r of this.rules) {
      if (r.kind !== 'score' || !applies(r, assetId)) continue;
      await this.step(r, assetId, this.stateOf(r, assetId), t, score, false);
    }
  }

  /**
   * Rebuild the rule state after a restart from what the store kept, so a restart neither repeats nor
   * forgets an alert:
   * - a rule is *active* (its alert raised, waiting for the value to come back past `clear`) when the
   *   asset has an unresolved (open or acknowledged) alert of that rule;
   * - then the stored history of the last `forMs + marginMs` (default margin 10 min) before `now` —
   *   good and uncertain readings for threshold and rate rules, stored scores for score rules — is
   *   replayed through the rules without raising anything: that restores a pending minimum-duration
   *   timer (the condition started before the restart), the last value of rate rules, and clears an
   *   active rule whose value already came back.
   * A condition that reaches its minimum duration during the replay becomes active without a new
   * alert (as it would have been live). Call once, before ingestion starts.
   */
  async restore(now: number, o: { marginMs?: number } = {}): Promise<{ active: number; pending: number; replayed: number }> {
    const margin = o.marginMs ?? 600_000;
    const unresolved = [...(await this.store.listAlerts({ status: 'open', limit: 100_000 })), ...(await this.store.listAlerts({ status: 'acknowledged', limit: 100_000 }))];
    const raised = new Set(unresolved.map((a) => a.dedupKey));
    const assets = await this.store.listAssets();
    let replayed = 0;
    let active = 0;
    let pending = 0;
    for (const r of this.rules) {
      for (const a of assets) {
        if (!applies(r, a.id)) continue;
        const st = this.stateOf(r, a.id);
        st.active = raised.has(dedupKey(a.id, r));
        const from = now - (r.forMs ?? 0) - margin;
        const to = now + 86_400_000;
        if (r.kind === 'score') {
          const preds = (await this.store.listPredictions(a.id, 100_000)).filter((p) => p.t >= from && p.t < to).reverse();
          for (const p of preds) await this.step(r, a.id, st, p.t, p.score, true);
          replayed += preds.length;
        } else {
          const rs = await this.store.queryReadings({ assetId: a.id, sensorId: r.sensorId, from, to, limit: 100_000 }).catch(() => []);
          for (const x of rs) if (x.q !== 'bad' && x.v !== null) await this.feedValue(r, a.id, st, x.t, x.v, true);
          replayed += rs.length;
        }
        if (st.active) active++;
        else if (st.since !== null) pending++;
      }
    }
    return { active, pending, replayed };
  }

  private async feedValue(r: Exclude<AlertRule, { kind: 'score' }>, assetId: string, st: RuleState, t: number, v: number, dry: boolean): Promise<void> {
    let x: number | null = v;
    if (r.kind === 'rate') {
      x = st.lastT !== null && st.lastV !== null && t > st.lastT ? Math.abs(v - st.lastV) / ((t - st.lastT) / 1000) : null;
      if (t >= (st.lastT ?? -Infinity)) {
        st.lastT = t;
        st.lastV = v;
      }
      if (x === null) return;
    }
    await this.step(r, assetId, st, t, x, dry);
  }

  private stateOf(r: AlertRule, assetId: string): RuleState {
    const k = `${r.id}\u0000${assetId}`;
    let st = this.state.get(k);
    if (!st) {
      st = { active: false, since: null, lastV: null, lastT: null };
      this.state.set(k, st);
    }
    return st;
  }

  /** Advance one rule's state by one value; `dry` (replay on restore) changes state but raises nothing. */
  private async step(r: AlertRule, assetId: string, st: RuleState, t: number, x: number, dry: boolean): Promise<void> {
    const below = r.kind === 'threshold' && r.below !== undefined;
    const trig = r.kind === 'rate' ? r.maxRatePerS : r.kind === 'score' ? r.above : ((r.above ?? r.below) as number);
    const clear = r.clear ?? trig;
    const triggered = below ? x < trig : x > trig;
    const cleared = below ? x >= clear : x <= clear;
    if (st.active) {
      if (cleared) {
        st.active = false;
        st.since = null;
      }
      return;
    }
    // Hysteresis also holds a pending condition: it ends only at the clear level, so noise around the
    // trigger does not restart the minimum-duration timer.
    if (st.since === null) {
      if (!triggered) return;
      st.since = t;
    } else if (cleared) {
      st.since = null;
      return;
    }
    if (t - st.since < (r.forMs ?? 0)) return;
    st.active = true;
    if (dry) return;
    const what = r.kind === 'score' ? 'failure score' : r.kind === 'rate' ? `${r.sensorId} rate of change` : r.sensorId;
    const cmp = below ? 'below' : 'above';
    const { alert, created } = await this.store.raiseAlert({
      assetId,
      rule: r.id,
      severity: r.severity ?? 'warning',
      message: `${assetId}: ${what} ${+x.toPrecision(4)} ${cmp} ${+trig.toPrecision(4)}${r.forMs ? ` for ${r.forMs} ms` : ''}.`,
      value: x,
      dedupKey: dedupKey(assetId, r),
      t,
    });
    this.hub.publish({ type: 'alert', alert, created });
    if (created) for (const s of this.sinks) void Promise.resolve(s(alert)).catch(() => undefined);
  }
}

/** One unresolved alert per rule and asset. */
function dedupKey(assetId: string, r: AlertRule): string {
  return `${assetId}/${r.id}`;
}

function applies(r: AlertRule, assetId: string): boolean {
  return r.assetId === undefined || r.assetId === '*' || r.assetId === assetId;
}

/** Options of `webhookSink`. */
export interface WebhookOptions {
  readonly url: string;
  /** Attempts in all (default 5). */
  readonly maxAttempts?: number;
  /** First retry delay; doubles each attempt (default 250 ms). */
  readonly baseDelayMs?: number;
  /** Per-attempt timeout (default 5000 ms). */
  readonly timeoutMs?: number;
  /** Called when all attempts failed (default: ignore). */
  readonly onGiveUp?: (alert: Alert, reason: string) => void;
}

/**
 * A sink that POSTs each alert as JSON to a webhook, retrying network errors, 429 and 5xx with
 * exponential back-off (baseDelayMs · 2^attempt). 4xx other than 429 is not retried.
 */
export function webhookSink(o: WebhookOptions): AlertSink {
  const max = o.maxAttempts ?? 5;
  const base = o.baseDelayMs ?? 250;
  return async (alert) => {
    let reason = '';
    for (let attempt = 0; attempt < max; attempt++) {
      if (attempt > 0) await new Promise((res) => setTimeout(res, base * 2 ** (attempt - 1)));
      try {
        const res = await fetch(o.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ alert }),
          signal: AbortSignal.timeout(o.timeoutMs ?? 5000),
        });
        if (res.ok) return;
        reason = `HTTP ${res.status}`;
        if (res.status < 500 && res.status !== 429) break;
      } catch (e) {
        reason = (e as Error).message;
      }
    }
    o.onGiveUp?.(alert, reason);
  };
}
