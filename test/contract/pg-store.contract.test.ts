/**
 * The store contract against PostgreSQL. Uses SHOPFLOOR_PG_URL when set; otherwise starts a throw-away
 * cluster on 127.0.0.1 (Debian's postgresql package: initdb + pg_ctl, as user postgres when run as
 * root). Without PostgreSQL the suite is skipped locally and fails in CI (CI=true).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { PgStore } from '../../src/storage/pg-store.js';
import { describeStoreContract } from './store.contract.js';

function pgBin(): string | null {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a))[0];
  return v && existsSync(path.join(base, v, 'bin', 'initdb')) ? path.join(base, v, 'bin') : null;
}
const freePort = (): Promise<number> =>
  new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });

const bin = pgBin();
const external = process.env.SHOPFLOOR_PG_URL;
const available = Boolean(external || bin);
let url = external ?? '';
let dataDir = '';
let pgCtl: ((...args: string[]) => void) | null = null;

if (!available && process.env.CI === 'true') {
  describe('PostgreSQL store', () => {
    it('needs PostgreSQL in CI (apt-get install -y postgresql, or set SHOPFLOOR_PG_URL)', () => {
      throw new Error('PostgreSQL not found: install Debian postgresql or set SHOPFLOOR_PG_URL');
    });
  });
} else if (available) {
  beforeAll(async () => {
    if (external || !bin) return;
    dataDir = mkdtempSync(path.join(tmpdir(), 'sf-pg-'));
    chmodSync(dataDir, 0o700);
    const root = process.getuid?.() === 0;
    const asPg = (cmd: string, args: string[]): void => {
      execFileSync(root ? 'runuser' : cmd, root ? ['-u', 'postgres', '--', cmd, ...args] : args, { stdio: 'pipe' });
    };
    if (root) execFileSync('chown', ['-R', 'postgres:postgres', dataDir]);
    else chownSync(dataDir, process.getuid?.() ?? 0, process.getgid?.() ?? 0);
    asPg(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8']);
    const port = await freePort();
    pgCtl = (...args: string[]) => asPg(path.join(bin, 'pg_ctl'), ['-D', dataDir, ...args]);
    pgCtl('-o', `-p ${port} -k ${dataDir} -c listen_addresses=127.0.0.1 -c fsync=off`, '-l', path.join(dataDir, 'log'), '-w', 'start');
    url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  }, 60_000);
  afterAll(() => {
    if (pgCtl) pgCtl('-m', 'immediate', '-w', 'stop');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });
  let n = 0;
  const run = `r${process.pid}`;
  describeStoreContract('postgresql', async () => PgStore.open({ connectionString: url, schema: `${run}_${n++}`, max: 4 }));
} else {
  describe.skip('PostgreSQL store (no PostgreSQL here: apt-get install -y postgresql, or set SHOPFLOOR_PG_URL)', () => {
    it('skipped', () => undefined);
  });
}
