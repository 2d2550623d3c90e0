import { beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../core/errors.js';
import { initBackend, tf } from '../../models/tf/backend.js';
import { simulateAnomalyStreams } from '../../sim/index.js';
import { AutoencoderScorer, type AutoencoderKind } from './autoencoder.js';
import { machinesFromTable } from './data.js';

const SENSORS = ['temperature'];
const ROLES = { unit: 'machine', time: 'timestamp' };
const train = machinesFromTable(simulateAnomalyStreams({ seed: 31, machines: 1, samples: 1500 }).clean, ROLES, SENSORS, 'train').map((m) => m.series);
const clean = machinesFromTable(simulateAnomalyStreams({ seed: 32, machines: 1, samples: 500 }).clean, ROLES, SENSORS, 'test')[0]!.series;
const spiked = clean.map((c) => c.slice());
spiked[0]![300] = spiked[0]![300]! + 3; // 10 noise sds on temperature

beforeAll(async () => {
  await initBackend();
});

// Tiny networks and few steps: these test the plumbing (seeding, scoring, saving), not accuracy,
// which docs/anomaly.md measures on the full simulator stream.
const small = { epochs: 2, maxSamples: 256, batchSize: 64, window: 8, units: 4, seed: 5 };

describe('autoencoder scorers', () => {
  for (const kind of ['autoencoder', 'window-autoencoder', 'lstm-autoencoder'] as AutoencoderKind[]) {
    it(`${kind}: seeded, scores the spike above every clean sample, save → load identical, no leaked tensors`, async () => {
      const before = tf.memory().numTensors;
      // The LSTM's recurrent steps are slow on the CPU: fewer steps, and its seeding is the same code
      // path the dense kinds check twice.
      const o = kind === 'lstm-autoencoder' ? { ...small, epochs: 1, maxSamples: 128 } : small;
      const a = await new AutoencoderScorer(kind, o).fit(train);
      const sa = a.score(spiked)[0]!;
      const b = kind === 'lstm-autoencoder' ? null : await new AutoencoderScorer(kind, o).fit(train);
      if (b) expect(Array.from(b.score(spiked)[0]!)).toEqual(Array.from(sa));
      const normal = a.score(clean)[0]!;
      const stride = kind === 'lstm-autoencoder' ? 4 : 1;
      expect(Math.max(...sa.subarray(300, 300 + 8 + stride))).toBeGreaterThan(Math.max(...normal.subarray(20)));
      const re = AutoencoderScorer.fromJSON(JSON.parse(JSON.stringify(a.toJSON())));
      expect(Array.from(re.score(spiked)[0]!)).toEqual(Array.from(sa));
      for (const s of [a, b, re]) s?.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }
  it('rejects invalid options', () => {
    expect(() => new AutoencoderScorer('window-autoencoder', { window: 2 })).toThrow(ConfigError);
    expect(() => new AutoencoderScorer('lstm-autoencoder', { window: 8, stride: 9 })).toThrow(/stride: expected an integer in \[1, 8\]/);
  });
});
