/**
 * `shopfloor serve --opcua-*` from the command line: bad options exit 2 with a clear error before
 * anything is opened; `--opcua-suggest` prints a usable mapping; `--opcua-endpoint --opcua-map` ingests
 * from a simulated machine server until `--duration` ends.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMachineServer, type MachineServer } from '../../src/serve/opcua/machine-server.js';
import { SqliteStore } from '../../src/storage/sqlite-store.js';
import { cli, expectUserError } from './run.js';
import { parseArgs } from '../../src/cli/args.js';
import type { CommandContext } from '../../src/cli/command.js';
import { serveCommand } from '../../src/cli/commands/serve.js';
import { spawnCli } from './spawn.js';

const dir = mkdtempSync(path.join(tmpdir(), 'sf-opcua-cli-'));
const db = path.join(dir, 'x.db');
const pki = ['--opcua-pki', path.join(tmpdir(), 'shopfloor-opcua-test-client-pki')];
let machine: MachineServer;
const quietCtx: CommandContext = {
  json: true,
  quiet: true,
  seed: 1,
  info: () => undefined,
  warn: () => undefined,
  result: () => undefined,
  progress: () => ({ update: () => undefined, done: () => undefined }),
};
beforeAll(async () => {
  machine = await startMachineServer({ machines: 1, intervalMs: 100 });
}, 60_000);
afterAll(async () => {
  await machine?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('serve --opcua-* options', () => {
  it('refuses bad OPC UA options with exit 2 and opens nothing', async () => {
    const base = ['serve', '--port', '0', '--mqtt-port', '0', '--db', db];
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ nodes: { 'Machine1.Temperature': { asset: 'm1', sensor: 'temp' }, 'ns=1;s=X': { asset: 'm1' } } }));
    // As a user runs it (exit code, one error line, no stack): two cases; the rest in-process below.
    expect(expectUserError(cli([...base, '--opcua-endpoint', 'http://127.0.0.1:4840']), 'SF_CONFIG')).toContain("expected opc.tcp://host:port[/path]; got 'http://127.0.0.1:4840'");
    const msg = expectUserError(cli([...base, '--opcua-endpoint', 'opc.tcp://127.0.0.1:4840', '--opcua-map', bad]), 'SF_CONFIG');
    expect(msg).toContain('2 problems in the OPC UA mapping');
    expect(msg).toContain('nodeId "Machine1.Temperature" is not an OPC UA node id');
    expect(msg).toContain('ns=1;s=X: sensor undefined must be an id');

    const run = async (args: string[]): Promise<{ code: string; message: string }> => {
      const opts = parseArgs([...base, ...args].slice(1), serveCommand.options, 'serve');
      try {
        await serveCommand.run(opts, quietCtx);
      } catch (e) {
        return e as { code: string; message: string };
      }
      throw new Error('serve did not refuse the options');
    };
    expect((await run(['--opcua-map', 'm.json'])).message).toContain('--opcua-map needs --opcua-endpoint');
    expect((await run(['--opcua-endpoint', 'opc.tcp://127.0.0.1:4840'])).message).toContain('needs --opcua-map FILE');
    const missing = await run(['--opcua-endpoint', 'opc.tcp://127.0.0.1:4840', '--opcua-map', path.join(dir, 'none.json')]);
    expect([missing.code, missing.message]).toEqual(['SF_NOT_FOUND', `--opcua-map: cannot read '${path.join(dir, 'none.json')}'.`]);
    const user = await run(['--opcua-endpoint', 'opc.tcp://127.0.0.1:4840', '--opcua-map', bad, '--opcua-user', 'op']);
    expect(user.message).toContain('2 problems'); // the mapping is checked first
    expect(() => parseArgs(['--opcua-security-mode', 'Secure'], serveCommand.options, 'serve')).toThrow(/None, Sign, SignAndEncrypt/);
    const noUser = await run(['--mqtt-url', 'mqtt://127.0.0.1:1', '--mqtt-password', 'p']);
    expect([noUser.code, noUser.message]).toEqual(['SF_CONFIG', '--mqtt-password on an external broker needs --mqtt-user (MQTT does not allow a password without a user name).']);
    expect(existsSync(db)).toBe(false); // validated before the store was opened
  }, 120_000);

  it('--opcua-suggest prints a mapping; serving it stores readings with their quality', async () => {
    const suggest = spawnCli(['serve', '--opcua-endpoint', machine.endpoint, '--opcua-suggest', '--json', ...pki]);
    const s = await suggest.exit(90_000);
    expect(s.code, s.stderr).toBe(0);
    const mapping = JSON.parse(s.stdout) as { nodes: Record<string, { asset: string; sensor: string }> };
    expect(mapping.nodes[machine.nodeIds['Machine1.Vibration'] as string]).toEqual({ asset: 'machine1', sensor: 'vibration' });
    expect(s.stderr).toContain('not numeric, left out: Machine1/SerialNumber');

    const mapFile = path.join(dir, 'map.json');
    writeFileSync(mapFile, JSON.stringify({ ...mapping, samplingIntervalMs: 100, publishingIntervalMs: 200 }));
    const run = spawnCli(['serve', '--port', '0', '--mqtt-port', '0', '--db', db, '--opcua-endpoint', machine.endpoint, '--opcua-map', mapFile, '--duration', '6', ...pki]);
    const r = await run.exit(120_000);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^OPC UA: monitoring 5 node\(s\), sampling 100 ms, publishing every 200 ms$/m);
    expect(r.stdout).toMatch(/^OPC UA: {10}opc\.tcp:\/\/127\.0\.0\.1:\d+\/UA\/Machine {2}\(5 node\(s\)\)$/m);
    const store = new SqliteStore({ file: db });
    try {
      const vib = await store.queryReadings({ assetId: 'machine1', sensorId: 'vibration', from: 0, to: Date.UTC(2099, 0, 1) });
      expect(vib.length).toBeGreaterThan(5);
      expect(vib.some((x) => x.q === 'bad' && x.v === null)).toBe(true);
      expect(vib.some((x) => x.q === 'good' && typeof x.v === 'number')).toBe(true);
    } finally {
      await store.close();
    }
  }, 240_000);
});
