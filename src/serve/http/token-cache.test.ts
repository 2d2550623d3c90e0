import { afterAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { SqliteStore } from '../../storage/sqlite-store.js';
import { createServiceCore } from '../core.js';
import { createApp } from './app.js';

const apps: FastifyInstance[] = [];
afterAll(async () => {
  for (const a of apps) await a.close();
});

async function setup(tokenCacheMs?: number) {
  const store = new SqliteStore();
  const app = await createApp(createServiceCore(store), { rateLimitPerMinute: 0, ...(tokenCacheMs !== undefined ? { tokenCacheMs } : {}) });
  apps.push(app);
  const { token, record } = await store.createToken('t', 'viewer');
  const get = async (tok: string) => (await app.inject({ method: 'GET', url: '/assets', headers: { authorization: `Bearer ${tok}` } })).statusCode;
  return { store, token, record, get };
}

describe('token verification cache', () => {
  it('reuses a verified token for tokenCacheMs: a revoked token works until then, then 401', async () => {
    const { store, token, record, get } = await setup(200);
    expect(await get(token)).toBe(200);
    await store.revokeToken(record.id);
    expect(await get(token)).toBe(200); // cached
    await new Promise((r) => setTimeout(r, 250));
    expect(await get(token)).toBe(401);
  });
  it('tokenCacheMs 0 asks the store on every request; unknown tokens are never cached', async () => {
    const { store, token, record, get } = await setup(0);
    expect(await get(token)).toBe(200);
    await store.revokeToken(record.id);
    expect(await get(token)).toBe(401);
    const other = await setup();
    expect(await other.get('sf_not-a-token')).toBe(401);
    expect(await other.get(other.token)).toBe(200);
  });
});
