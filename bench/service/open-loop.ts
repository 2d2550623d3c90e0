/**
 * An open-loop, constant-rate HTTP load generator (the method of wrk2): request k is due at
 * start + k / rate, whether or not earlier ones have been answered, and its latency is measured from
 * that due time to the end of its response. A server that stalls therefore shows the stall in every
 * request that was due during it (no coordinated omission), and the load is spread evenly over each
 * second.
 *
 * Why next to autocannon: autocannon's rate limit (`overallRate`) is a per-second quota per
 * connection (lib/httpClient.js: `reqsMadeThisSecond < rate`, reset by a 1 s interval). Each
 * connection sends back-to-back requests until its quota is used, then idles until the next second,
 * so "1,000 req/s over 10 connections" is a burst of 1,000 requests at concurrency 10 at the start of
 * every second, and each request waits behind up to 9 others. Both numbers are reported.
 *
 * Requests go over `connections` keep-alive sockets (node:http Agent); when all are busy a due request
 * waits for one, and that wait counts in its latency.
 */
import http from 'node:http';

export interface OpenLoopResult {
  /** Requests sent (due during the run). */
  requests: number;
  /** Responses with a 2xx status. */
  ok: number;
  non2xx: number;
  errors: number;
  seconds: number;
  achievedRps: number;
  /** Latency from each request's due time to the end of its response, ms (2xx only). */
  latencies: Float64Array;
  /** How late the generator itself sent requests (send time − due time), p99 and max, ms. */
  sendLagMs: { p99: number; max: number };
}

/**
 * Send `POST url` with `body` at `rate` requests/s for `seconds`.
 * @param headers request headers (content-type, authorization)
 */
export function openLoop(url: string, body: string, headers: Record<string, string>, rate: number, seconds: number, connections: number): Promise<OpenLoopResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const u = new URL(url);
  const payload = Buffer.from(body);
  const total = Math.round(rate * seconds);
  const interval = 1000 / rate;
  const lat: number[] = [];
  const lags: number[] = [];
  let sent = 0;
  let done = 0;
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  return new Promise((resolve) => {
    const start = performance.now();
    const finish = (): void => {
      if (done < total) return;
      agent.destroy();
      const secs = (performance.now() - start) / 1000;
      const sl = Float64Array.from(lags).sort();
      resolve({
        requests: total,
        ok,
        non2xx,
        errors,
        seconds: secs,
        achievedRps: Math.round(ok / secs),
        latencies: Float64Array.from(lat),
        sendLagMs: { p99: sl[Math.max(0, Math.ceil(0.99 * sl.length) - 1)] ?? NaN, max: sl[sl.length - 1] ?? NaN },
      });
    };
    const fire = (due: number): void => {
      lags.push(performance.now() - due);
      const req = http.request(
        { agent, host: u.hostname, port: u.port, path: u.pathname, method: 'POST', headers: { ...headers, 'content-length': String(payload.length) } },
        (res) => {
          res.on('data', () => {});
          res.on('end', () => {
            const code = res.statusCode ?? 0;
            if (code >= 200 && code < 300) {
              ok++;
              lat.push(performance.now() - due);
            } else non2xx++;
            done++;
            finish();
          });
        },
      );
      req.on('error', () => {
        errors++;
        done++;
        finish();
      });
      req.end(payload);
    };
    // Every timer tick sends every request that is due by now (a late tick catches up; the lateness is
    // in those requests' latency, as it would be for a real client whose requests queue).
    const tick = (): void => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) fire(start + sent++ * interval);
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    tick();
  });
}
