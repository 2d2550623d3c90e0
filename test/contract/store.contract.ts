/**
 * The contract every `ReadingStore` passes (../shared/GUIDE.md: one suite, every implementation).
 * Call `describeStoreContract(name, open)` from a `*.contract.test.ts` file; `open` returns a fresh,
 * empty store (and is called once per test).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ShopfloorError } from '../../src/core/errors.js';
import type { Reading, ReadingStore } from '../../src/storage/store.js';

/** Run the store contract against the stores `open` returns. */
export function describeStoreContract(name: string, open: () => Promise<ReadingStore>): void {
  describe(`ReadingStore contract: ${name}`, () => {
    let store: ReadingStore | null = null;
    afterEach(async () => {
      await store?.close();
      store = null;
    });
    async function fresh(): Promise<ReadingStore> {
      store = await open();
      await store.upsertAsset({ id: 'm1', site: 's', type: 'milling', name: 'Mill 1' });
      await store.upsertSensor({ assetId: 'm1', id: 'temp', unit: 'K', description: 'temperature' });
      await store.upsertSensor({ assetId: 'm1', id: 'rpm', unit: 'rpm', description: '' });
      return store;
    }
    const r = (t: number, v: number | null, q: Reading['q'] = 'good', sensorId = 'temp'): Reading => ({ assetId: 'm1', sensorId, t, v, q });

    it('upserts assets and sensors', async () => {
      const s = await fresh();
      await s.upsertAsset({ id: 'm1', site: 's2', type: 'milling', name: 'renamed' });
      expect((await s.getAsset('m1'))?.name).toBe('renamed');
      expect(await s.getAsset('nope')).toBeNull();
      expect((await s.listAssets()).map((a) => a.id)).toEqual(['m1']);
      expect((await s.listSensors('m1')).map((x) => x.id)).toEqual(['rpm', 'temp']);
      await expect(s.upsertSensor({ assetId: 'nope', id: 'x', unit: null, description: '' })).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
    });

    it('stores out-of-order readings and returns them ascending, with quality', async () => {
      const s = await fresh();
      const res = await s.insertReadings([r(300, 3), r(100, 1, 'uncertain'), r(200, null, 'bad')]);
      expect(res).toEqual({ inserted: 3, duplicates: 0, duplicateIndexes: [] });
      const got = await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 1000 });
      expect(got.map((x) => [x.t, x.v, x.q])).toEqual([
        [100, 1, 'uncertain'],
        [200, null, 'bad'],
        [300, 3, 'good'],
      ]);
      // [from, to) bounds
      expect((await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 100, to: 300 })).map((x) => x.t)).toEqual([100, 200]);
      // first or last `limit` of the range, ascending either way
      expect((await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 1000, limit: 2 })).map((x) => x.t)).toEqual([100, 200]);
      expect((await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 1000, limit: 2, latest: true })).map((x) => x.t)).toEqual([200, 300]);
      expect((await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 300, limit: 1, latest: true })).map((x) => x.t)).toEqual([200]);
    });

    it('treats duplicate (asset, sensor, t) as idempotent: first write wins, counted', async () => {
      const s = await fresh();
      await s.insertReadings([r(100, 1)]);
      const res = await s.insertReadings([r(100, 99), r(101, 2), r(101, 3)]);
      expect(res).toEqual({ inserted: 1, duplicates: 2, duplicateIndexes: [0, 2] });
      const got = await s.queryReadings({ assetId: 'm1', sensorId: 'temp', from: 0, to: 1000 });
      expect(got.map((x) => x.v)).toEqual([1, 2]);
      // the same t on another sensor is not a duplicate
      expect(await s.insertReadings([r(100, 5, 'good', 'rpm')])).toEqual({ inserted: 1, duplicates: 0, duplicateIndexes: [] });
    });

    it('rejects a batch naming an unknown sensor and stores none of it (one transaction)', async () => {
      const s = await fresh();
      const err = await s.insertReadings([r(1, 1), r(2, 2), { assetId: 'm1', sensorId: 'ghost', t: 3, v: 3, q: 'good' }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ShopfloorError);
      expect((err as ShopfloorError).code).toBe('SF_NOT_FOUND');
      expect((err as ShopfloorError).details).toMatchObject({ index: 2, sensorId: 'ghost' });
      expect(await s.countReadings()).toBe(0);
    });

    it('downsamples into min/max/avg buckets, skipping bad samples', async () => {
      const s = await fresh();
      await s.insertReadings([r(0, 1), r(5, 3), r(9, 1000, 'bad'), r(10, 10), r(12, 20, 'uncertain'), r(25, null, 'bad')]);
      const b = await s.queryBuckets({ assetId: 'm1', sensorId: 'temp', from: 0, to: 30, bucketMs: 10 });
      expect(b).toEqual([
        { t: 0, min: 1, max: 3, avg: 2, count: 3, q: 'uncertain' },
        { t: 10, min: 10, max: 20, avg: 15, count: 2, q: 'uncertain' },
        { t: 20, min: null, max: null, avg: null, count: 1, q: 'uncertain' },
      ]);
      const good = await s.queryBuckets({ assetId: 'm1', sensorId: 'temp', from: 0, to: 9, bucketMs: 100 });
      expect(good).toEqual([{ t: 0, min: 1, max: 3, avg: 2, count: 2, q: 'good' }]);
    });

    it('deletes readings older than the retention cut-off', async () => {
      const s = await fresh();
      await s.insertReadings([r(1, 1), r(2, 2), r(3, 3)]);
      expect(await s.deleteReadingsBefore(3)).toBe(2);
      expect(await s.countReadings('m1')).toBe(1);
    });

    it('stores and lists predictions newest first', async () => {
      const s = await fresh();
      await s.insertPrediction({ assetId: 'm1', modelId: 1, t: 10, score: 0.1, label: '0' });
      await s.insertPrediction({ assetId: 'm1', modelId: 1, t: 20, score: 0.9, label: '1' });
      const p = await s.listPredictions('m1');
      expect(p.map((x) => x.score)).toEqual([0.9, 0.1]);
      expect((await s.listPredictions('m1', 1)).length).toBe(1);
    });

    it('de-duplicates alerts by key until resolved; filters; acknowledges and resolves', async () => {
      const s = await fresh();
      const base = { assetId: 'm1', rule: 'temp-high', severity: 'warning' as const, message: 'hot', value: 1, dedupKey: 'm1/temp-high' };
      const a = await s.raiseAlert({ ...base, t: 1 });
      expect(a.created).toBe(true);
      const b = await s.raiseAlert({ ...base, t: 2, value: 2 });
      expect(b).toMatchObject({ created: false, alert: { id: a.alert.id, occurrences: 2, value: 2 } });
      const ack = await s.setAlertStatus(a.alert.id, 'acknowledged', 'alice', 3);
      expect(ack).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'alice' });
      expect((await s.raiseAlert({ ...base, t: 4 })).created).toBe(false);
      await s.setAlertStatus(a.alert.id, 'resolved', 'alice', 5);
      const c = await s.raiseAlert({ ...base, t: 6 });
      expect(c.created).toBe(true);
      await s.raiseAlert({ ...base, rule: 'other', severity: 'critical', dedupKey: 'k2', t: 7 });
      expect((await s.listAlerts({ status: 'open' })).map((x) => x.rule)).toEqual(['other', 'temp-high']);
      expect((await s.listAlerts({ severity: 'critical' })).length).toBe(1);
      expect((await s.listAlerts({ status: 'resolved' })).map((x) => x.id)).toEqual([a.alert.id]);
      expect((await s.listAlerts({ limit: 1 })).length).toBe(1);
      await expect(s.setAlertStatus(9999, 'resolved', 'x', 1)).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
    });

    it('versions models, deploys per asset and rolls back to the previous deployment', async () => {
      const s = await fresh();
      const m1 = await s.registerModel({ name: 'fail', kind: 'gbdt', dir: '/a', manifest: { threshold: 0.5 } });
      const m2 = await s.registerModel({ name: 'fail', kind: 'gbdt', dir: '/b', manifest: {} });
      expect([m1.version, m2.version]).toEqual([1, 2]);
      expect((await s.getModel(m1.id))?.manifest).toEqual({ threshold: 0.5 });
      expect(await s.currentDeployment('m1')).toBeNull();
      await s.deploy('m1', m1.id, 'admin');
      await s.deploy('m1', m2.id, 'admin');
      expect((await s.currentDeployment('m1'))?.modelId).toBe(m2.id);
      const back = await s.rollback('m1');
      expect(back?.modelId).toBe(m1.id);
      expect((await s.deploymentHistory('m1')).map((d) => [d.modelId, d.rolledBack])).toEqual([
        [m2.id, true],
        [m1.id, false],
      ]);
      expect(await s.rollback('m1')).toBeNull();
      await expect(s.rollback('m1')).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
      await expect(s.deploy('m1', 999, 'x')).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
      await expect(s.deploy('ghost', m1.id, 'x')).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
    });

    it('records maintenance per asset, lists it newest first and finds the latest renewal', async () => {
      const s = await fresh();
      expect(await s.listMaintenance('m1')).toEqual([]);
      expect(await s.lastRenewal('m1')).toBeNull();
      const a = await s.recordMaintenance({ assetId: 'm1', t: 1000, kind: 'renewal', note: 'spindle replaced', by: 'ops' });
      expect(a).toMatchObject({ assetId: 'm1', t: 1000, kind: 'renewal', note: 'spindle replaced', recordedBy: 'ops' });
      expect(a.recordedAt).toBeGreaterThan(0);
      await s.recordMaintenance({ assetId: 'm1', t: 3000, kind: 'inspection', note: null, by: 'ops' });
      await s.recordMaintenance({ assetId: 'm1', t: 2000, kind: 'renewal', note: null, by: 'ops' }); // recorded late, done earlier
      expect((await s.listMaintenance('m1')).map((e) => [e.t, e.kind, e.note])).toEqual([
        [3000, 'inspection', null],
        [2000, 'renewal', null],
        [1000, 'renewal', 'spindle replaced'],
      ]);
      expect((await s.listMaintenance('m1', 1)).map((e) => e.t)).toEqual([3000]);
      expect(await s.lastRenewal('m1')).toBe(2000); // an inspection is not a new life
      expect(await s.lastRenewal('m1', 1999)).toBe(1000);
      expect(await s.lastRenewal('m1', 999)).toBeNull();
      await s.upsertAsset({ id: 'm2', site: 's', type: 'milling', name: 'Mill 2' });
      expect(await s.lastRenewal('m2')).toBeNull();
      await expect(s.recordMaintenance({ assetId: 'ghost', t: 1, kind: 'repair', note: null, by: 'x' })).rejects.toMatchObject({ code: 'SF_NOT_FOUND' });
    });

    it('verifies tokens by hash and honours revocation', async () => {
      const s = await fresh();
      const { token, record } = await s.createToken('ops', 'operator');
      expect(token).toMatch(/^sf_[A-Za-z0-9_-]{40,}$/);
      expect((await s.verifyToken(token))?.role).toBe('operator');
      expect(await s.verifyToken(token + 'x')).toBeNull();
      await s.revokeToken(record.id);
      expect(await s.verifyToken(token)).toBeNull();
      expect((await s.listTokens())[0]?.revoked).toBe(true);
    });
  });
}
