import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { hashToken } from '../../src/storage/tokens.js';
import { describeStoreContract } from './store.contract.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;

describeStoreContract('sqlite (memory)', async () => new SqliteStore());
describeStoreContract('sqlite (file, WAL)', async () => new SqliteStore({ file: path.join(dir, `s${n++}.db`) }));

describe('SqliteStore specifics', () => {
  it('uses WAL with synchronous=FULL and keeps data across reopen', async () => {
    const file = path.join(dir, 'reopen.db');
    const a = new SqliteStore({ file });
    expect(a.database.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(a.database.pragma('synchronous', { simple: true })).toBe(2); // FULL
    await a.upsertAsset({ id: 'm', site: 's', type: 't', name: 'n' });
    await a.upsertSensor({ assetId: 'm', id: 'x', unit: null, description: '' });
    await a.insertReadings([{ assetId: 'm', sensorId: 'x', t: 1, v: 1, q: 'good' }]);
    await a.close();
    const b = new SqliteStore({ file });
    expect(await b.countReadings()).toBe(1);
    await b.close();
  });
  it('stores only the sha256 of a token, never the plaintext', async () => {
    const s = new SqliteStore();
    const { token } = await s.createToken('t', 'admin');
    const rows = s.database.prepare('SELECT * FROM tokens').all();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).toContain(hashToken(token));
    await s.close();
  });
});
