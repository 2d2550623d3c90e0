import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ShopfloorError } from '../../core/errors.js';
import { idFromBrowseName, loadMapping, numericValue, parseMapping, qualityOf, readingTime } from './mapping.js';

const errorOf = (f: () => unknown): ShopfloorError => {
  try {
    f();
  } catch (e) {
    if (e instanceof ShopfloorError) return e;
    throw e;
  }
  throw new Error('did not throw');
};

describe('OPC UA mapping', () => {
  it('accepts the object and the array form with defaults', () => {
    const a = parseMapping({ nodes: { 'ns=2;s=M1.T': { asset: 'm1', sensor: 't', unit: 'C' } } });
    expect(a).toEqual({ site: 'opcua', samplingIntervalMs: 500, publishingIntervalMs: 1000, timestamp: 'source', nodes: [{ nodeId: 'ns=2;s=M1.T', asset: 'm1', sensor: 't', unit: 'C' }] });
    const b = parseMapping({ site: 'p', samplingIntervalMs: 100, timestamp: 'server', nodes: [{ nodeId: 'ns=3;i=1001', asset: 'm1', sensor: 't', samplingIntervalMs: 50 }] });
    expect(b.nodes[0]).toEqual({ nodeId: 'ns=3;i=1001', asset: 'm1', sensor: 't', samplingIntervalMs: 50 });
    expect(b.timestamp).toBe('server');
  });

  it('lists every problem at once: bad node ids, ids, unknown fields, duplicates', () => {
    const e = errorOf(() =>
      parseMapping(
        {
          sampling: 5,
          nodes: [
            { nodeId: 'Machine1.T', asset: 'm1', sensor: 't' },
            { nodeId: 'ns=2;s=A', asset: 'm 1', sensor: 't' },
            { nodeId: 'ns=2;s=B', asset: 'm1', sensor: 'x', color: 'red' },
            { nodeId: 'ns=2;s=C', asset: 'm1', sensor: 'y' },
            { nodeId: 'ns=2;s=C', asset: 'm1', sensor: 'z' },
            { nodeId: 'ns=2;s=D', asset: 'm1', sensor: 'y' },
          ],
        },
        'plant.json',
      ),
    );
    expect(e.code).toBe('SF_CONFIG');
    expect(e.message).toContain('plant.json: 6 problems');
    expect(e.message).toContain('unknown field "sampling"');
    expect(e.message).toContain('nodes[0]: nodeId "Machine1.T" is not an OPC UA node id');
    expect(e.message).toContain('nodes[1]: asset "m 1" must be an id');
    expect(e.message).toContain('nodes[2]: unknown field "color"');
    expect(e.message).toContain('nodes[4]: node ns=2;s=C is mapped twice');
    expect(e.message).toContain('nodes[5]: m1/y is already fed by ns=2;s=C');
  });

  it('refuses a mapping without nodes, and files that are missing or not JSON', () => {
    expect(errorOf(() => parseMapping({})).message).toContain('nodes: expected an object');
    expect(errorOf(() => parseMapping({ nodes: {} })).message).toContain('nodes: empty');
    expect(errorOf(() => parseMapping([])).message).toContain('got an array');
    const dir = mkdtempSync(path.join(tmpdir(), 'sf-map-'));
    try {
      expect(errorOf(() => loadMapping(path.join(dir, 'none.json'))).code).toBe('SF_NOT_FOUND');
      writeFileSync(path.join(dir, 'bad.json'), '{"nodes": ');
      expect(errorOf(() => loadMapping(path.join(dir, 'bad.json'))).message).toMatch(/bad\.json: not valid JSON/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('maps status code families to quality', () => {
    expect(qualityOf(0)).toBe('good');
    expect(qualityOf(0x00a20000)).toBe('good'); // GoodLocalOverride-style sub-code
    expect(qualityOf(0x408f0000)).toBe('uncertain'); // UncertainLastUsableValue
    expect(qualityOf(0x80320000)).toBe('bad'); // BadSensorFailure
    expect(qualityOf(0x80340000)).toBe('bad'); // BadNodeIdUnknown
  });

  it('converts variant values to numbers', () => {
    expect(numericValue(1.5, 'Double')).toBe(1.5);
    expect(numericValue(true, 'Boolean')).toBe(1);
    expect(numericValue([0, 5], 'UInt64')).toBe(5);
    expect(numericValue([1, 0], 'UInt64')).toBe(2 ** 32);
    expect(numericValue([0xffffffff, 0xffffffff], 'Int64')).toBe(-1);
    expect(numericValue('SN-1', 'String')).toBeUndefined();
    expect(numericValue(Number.NaN, 'Double')).toBeUndefined();
    expect(numericValue(null, 'Null')).toBeUndefined();
  });

  it('picks the source timestamp, falling back to the server time, then to now', () => {
    const src = new Date(Date.UTC(2026, 0, 1));
    const srv = new Date(Date.UTC(2026, 0, 2));
    expect(readingTime(src, srv, 'source', 5)).toBe(src.getTime());
    expect(readingTime(src, srv, 'server', 5)).toBe(srv.getTime());
    expect(readingTime(null, srv, 'source', 5)).toBe(srv.getTime());
    expect(readingTime(new Date(Date.UTC(1601, 0, 1)), null, 'source', Date.UTC(2026, 5, 1))).toBe(Date.UTC(2026, 5, 1)); // OPC UA "min date"
  });

  it('derives sensor ids from browse names', () => {
    expect(idFromBrowseName('SpindleSpeed')).toBe('spindle_speed');
    expect(idFromBrowseName('Temperature [°C]')).toBe('temperature');
    expect(idFromBrowseName('Machine1')).toBe('machine1');
  });
});
