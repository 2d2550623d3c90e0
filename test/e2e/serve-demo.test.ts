/**
 * `serve --demo` in-process: trains the demo model on first start, streams a simulated fleet through
 * the embedded broker, scores it, and the failure-risk alert fires on simulated failures. A second
 * start on the same database reuses the model and revokes the first start's admin token.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startService, type RunningService } from '../../src/serve/server.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-demo-'));
let svc: RunningService | null = null;
afterAll(async () => {
  await svc?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function waitFor<T>(f: () => Promise<T | null>, ms: number): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (v) return v;
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('serve --demo', () => {
  it('trains, deploys, streams, scores and raises failure alerts; restarts cleanly', async () => {
    const db = path.join(dir, 'demo.db');
    svc = await startService({ port: 0, mqttPort: 0, dbFile: db, demo: true, demoMachines: 3, demoIntervalMs: 10 });
    expect(existsSync(path.join(dir, 'shopfloor-demo-model', 'shopfloor-model.json'))).toBe(true);
    const h = { authorization: `Bearer ${svc.adminToken}` };
    const health = await fetch(`${svc.url}/health`);
    expect(health.status).toBe(200);
    const assets = (await (await fetch(`${svc.url}/assets`, { headers: h })).json()) as { id: string }[];
    expect(assets.map((a) => a.id)).toEqual(['mill-1', 'mill-2', 'mill-3']);
    const alert = await waitFor(async () => {
      const list = (await (await fetch(`${svc!.url}/alerts?rule=failure-risk`, { headers: h })).json()) as { assetId: string; severity: string }[];
      return list[0] ?? null;
    }, 20_000);
    expect(alert.severity).toBe('critical');
    const preds = (await (await fetch(`${svc.url}/assets/mill-1/predictions?limit=5`, { headers: h })).json()) as { score: number }[];
    expect(preds.length).toBeGreaterThan(0);
    const oldToken = svc.adminToken;
    await svc.close();

    svc = await startService({ port: 0, mqttPort: 0, dbFile: db, demo: true, demoIntervalMs: 1000 });
    expect((await fetch(`${svc.url}/assets`, { headers: { authorization: `Bearer ${oldToken}` } })).status).toBe(401);
    const models = (await (await fetch(`${svc.url}/models`, { headers: { authorization: `Bearer ${svc.adminToken}` } })).json()) as unknown[];
    expect(models.length).toBe(1); // reused, not registered again
  }, 50_000);
});
