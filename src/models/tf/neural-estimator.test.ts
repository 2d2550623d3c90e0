import { mkdtemp, rm, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, DataError, ModelFormatError, NotFittedError } from '../../core/errors.js';
import { estimatorLoader } from '../estimator.js';
import { backendName, initBackend, tf } from './backend.js';
import { CNN1D, GRU, LSTM, LogisticRegression, MLP, type NeuralEstimator } from './index.js';
import { linear, trendWindows, type Dataset } from './testing/synthetic.js';

let dir = '';
beforeAll(async () => {
  await initBackend();
  dir = await mkdtemp(join(tmpdir(), 'sf-neural-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const tab = linear(40, 4, 1);
const win = trendWindows(24, 5, 2, 2);

const kinds: [string, (o: Record<string, unknown>) => NeuralEstimator, Dataset][] = [
  ['logreg', (o) => new LogisticRegression(o), tab],
  ['mlp', (o) => new MLP({ hiddenUnits: [8], ...o }), tab],
  ['cnn1d', (o) => new CNN1D({ filters: 4, denseUnits: [4], ...o }), win],
  ['lstm', (o) => new LSTM({ units: [4], ...o }), win],
  ['gru', (o) => new GRU({ units: [4], ...o }), win],
];

describe.each(kinds)('%s on the shared engine', (kind, make, data) => {
  const quick = { epochs: 2, batchSize: 16, seed: 5 };

  it('runs on the wasm backend by default', () => {
    expect(backendName()).toBe('wasm');
  });

  it('throws NotFittedError before fit and ConfigError on bad options', async () => {
    await expect(make({}).predict(data.x)).rejects.toBeInstanceOf(NotFittedError);
    expect(() => make({ epochs: 0 })).toThrow(/epochs: expected an integer in \[1, 100000\]; got 0/);
    expect(() => make({ learningRate: -1 })).toThrow(ConfigError);
    expect(() => make({ classWeight: [1] })).toThrow(/classWeight/);
  });

  it('fit resolves to itself, fills history and calls onEpoch once per epoch', async () => {
    const m = make({ ...quick, patience: 0 });
    const seen: number[] = [];
    expect(await m.fit(data.x, data.y, { onEpoch: (e) => seen.push(e.epoch) })).toBe(m);
    expect(seen).toEqual([0, 1]);
    expect(m.history.loss).toHaveLength(2);
    expect(m.history.loss.every(Number.isFinite)).toBe(true);
    expect(m.task).toBe('binary');
    expect(m.nClasses).toBe(2);
    const p = await m.predictProba(data.x);
    expect(p).toHaveLength(data.x.n * 2);
    for (let i = 0; i < data.x.n; i++) expect((p[2 * i] as number) + (p[2 * i + 1] as number)).toBeCloseTo(1, 6);
    m.dispose();
  });

  it('is deterministic: two fits with one seed give identical predictions; another seed differs', async () => {
    const a = await make(quick).fit(data.x, data.y);
    const b = await make(quick).fit(data.x, data.y);
    const c = await make({ ...quick, seed: 6 }).fit(data.x, data.y);
    const pa = await a.predictProba(data.x);
    expect(await b.predictProba(data.x)).toEqual(pa);
    expect(await c.predictProba(data.x)).not.toEqual(pa);
    expect(b.history).toEqual(a.history);
    [a, b, c].forEach((m) => m.dispose());
  });

  it('does not mutate its inputs', async () => {
    const x0 = data.x.x.slice();
    const y0 = data.y.slice();
    const m = await make(quick).fit(data.x, data.y);
    await m.predict(data.x);
    expect(data.x.x).toEqual(x0);
    expect(data.y).toEqual(y0);
    m.dispose();
  });

  it('leaks no tensors across fit + predict + dispose', async () => {
    const before = tf.memory().numTensors;
    const m = await make(quick).fit(data.x, data.y, { validation: { x: data.x, y: data.y } });
    await m.predictProba(data.x);
    await m.predict(data.x);
    await m.fit(data.x, data.y); // refit replaces the network
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('save → load (via the registry) predicts identically', async () => {
    const m = await make(quick).fit(data.x, data.y);
    const d = join(dir, kind);
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    await m.save(d);
    const loader = estimatorLoader(kind);
    expect(loader).toBeDefined();
    const back = (await loader?.(d)) as NeuralEstimator;
    expect(back.kind).toBe(kind);
    expect(back.nClasses).toBe(2);
    expect(await back.predictProba(data.x)).toEqual(await m.predictProba(data.x));
    expect(back.history).toEqual(m.history);
    const meta = JSON.parse(await readFile(join(d, 'model.json'), 'utf8')) as { formatVersion: number };
    expect(meta.formatVersion).toBe(1);
    m.dispose();
    back.dispose();
  });

  it('rejects a model.json of another version or kind', async () => {
    const m = await make(quick).fit(data.x, data.y);
    const d = join(dir, `${kind}-bad`);
    await import('node:fs/promises').then((fs) => fs.mkdir(d, { recursive: true }));
    await m.save(d);
    m.dispose();
    const meta = JSON.parse(await readFile(join(d, 'model.json'), 'utf8')) as Record<string, unknown>;
    await writeFile(join(d, 'model.json'), JSON.stringify({ ...meta, formatVersion: 99 }));
    await expect(estimatorLoader(kind)?.(d)).rejects.toBeInstanceOf(ModelFormatError);
    await writeFile(join(d, 'model.json'), JSON.stringify({ ...meta, kind: kind === 'mlp' ? 'gru' : 'mlp' }));
    await expect(estimatorLoader(kind)?.(d)).rejects.toThrow(/expected '/);
  });

  it('rejects samples of another shape at predict', async () => {
    const m = await make(quick).fit(data.x, data.y);
    const wrong = { x: new Float32Array(data.x.n * 3), n: data.x.n, shape: [3] };
    await expect(m.predict(wrong)).rejects.toBeInstanceOf(DataError);
    m.dispose();
  });
});

describe('engine behaviour', () => {
  it('early stopping keeps the weights of the best validation epoch', async () => {
    // Noisy labels and a big network: validation loss turns up after a few epochs.
    const noisy = linear(120, 6, 3, 2, 0.3);
    const val = linear(60, 6, 4, 2, 0.3);
    const m = new MLP({ hiddenUnits: [64, 64], epochs: 60, patience: 4, learningRate: 0.03, batchSize: 16, seed: 1 });
    await m.fit(noisy.x, noisy.y, { validation: val });
    const h = m.history;
    expect(h.valLoss.length).toBe(h.loss.length);
    expect(h.loss.length).toBeLessThan(60);
    const best = Math.min(...h.valLoss);
    expect(h.valLoss[h.bestEpoch]).toBe(best);
    expect(h.bestEpoch).toBeLessThan(h.loss.length - 1);
    expect(h.loss.length).toBe(h.bestEpoch + 4 + 1);
    // The kept network is the best epoch's: its validation log-loss is valLoss[bestEpoch], not the last.
    const p = await m.predictProba(val.x);
    let ll = 0;
    for (let i = 0; i < val.x.n; i++) ll -= Math.log(Math.max(1e-12, p[2 * i + (val.y[i] as number)] as number)) / val.x.n;
    expect(ll).toBeCloseTo(best, 4);
    expect(Math.abs(ll - (h.valLoss.at(-1) as number))).toBeGreaterThan(1e-3);
    m.dispose();
  });

  it('without early stopping the last epoch is kept and reported', async () => {
    const val = linear(30, 4, 8);
    const m = await new MLP({ hiddenUnits: [4], epochs: 4, patience: 0 }).fit(tab.x, tab.y, { validation: val });
    expect(m.history.valLoss).toHaveLength(4);
    expect(m.history.bestEpoch).toBe(3);
    m.dispose();
  });

  it('multiclass: softmax output, k columns of probabilities', async () => {
    const d3 = linear(150, 3, 4, 3);
    const m = await new MLP({ hiddenUnits: [16], epochs: 40, learningRate: 0.03, patience: 0 }).fit(d3.x, d3.y);
    expect(m.task).toBe('multiclass');
    expect(m.nClasses).toBe(3);
    const p = await m.predictProba(d3.x);
    expect(p).toHaveLength(450);
    const pred = await m.predict(d3.x);
    let ok = 0;
    for (let i = 0; i < 150; i++) if (pred[i] === d3.y[i]) ok++;
    expect(ok / 150).toBeGreaterThan(0.8);
    m.dispose();
  });

  it('class weights raise recall of a rare class', async () => {
    // 8 % positives, overlapping classes.
    const n = 400;
    const base = linear(n, 3, 9, 2, 0);
    const x = base.x.x.slice();
    const y = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = (x[i * 3] as number) - 0.5 * ((x[i * 3 + 1] as number) / 2) + 0.3 * ((x[i * 3 + 2] as number) / 3);
      y[i] = s > 1.4 ? 1 : 0;
      x[i * 3] = (x[i * 3] as number) + (((i * 7919) % 13) / 13 - 0.5) * 1.5; // blur the boundary
    }
    const xs = { x, n, shape: [3] };
    const recall = async (cw: 'none' | 'balanced'): Promise<number> => {
      const m = await new LogisticRegression({ classWeight: cw, epochs: 60, patience: 0, seed: 2 }).fit(xs, y);
      const p = await m.predict(xs);
      m.dispose();
      let tp = 0;
      let pos = 0;
      for (let i = 0; i < n; i++) if (y[i] === 1) { pos++; if (p[i] === 1) tp++; }
      return tp / pos;
    };
    const none = await recall('none');
    const bal = await recall('balanced');
    expect(bal).toBeGreaterThan(none + 0.1);
  });

  it('sample weights of zero make samples irrelevant', async () => {
    const d = linear(80, 2, 12);
    const flipped = d.y.map((v, i) => (i < 40 ? 1 - v : v));
    const w = Float64Array.from({ length: 80 }, (_, i) => (i < 40 ? 0 : 1));
    const m = await new LogisticRegression({ epochs: 80, patience: 0 }).fit(d.x, flipped, { sampleWeight: w });
    const pred = await m.predict(d.x);
    let ok = 0;
    for (let i = 0; i < 80; i++) if (pred[i] === d.y[i]) ok++;
    expect(ok / 80).toBeGreaterThan(0.9);
    m.dispose();
  });

  it('rejects bad targets', async () => {
    await expect(new MLP().fit(tab.x, tab.y.slice(1))).rejects.toBeInstanceOf(DataError);
    const bad = tab.y.slice();
    bad[3] = 0.5;
    await expect(new MLP().fit(tab.x, bad)).rejects.toThrow(/class indices/);
    await expect(new MLP().predictProba(tab.x)).rejects.toBeInstanceOf(NotFittedError);
    const reg = await new MLP({ task: 'regression', epochs: 1, hiddenUnits: [2] }).fit(tab.x, tab.y);
    await expect(reg.predictProba(tab.x)).rejects.toBeInstanceOf(ConfigError);
    reg.dispose();
  });

  it('rejects unknown option names (typos)', () => {
    expect(() => new MLP({ epoch: 5 } as never)).toThrow(/mlp: unknown option 'epoch'/);
    expect(() => new LogisticRegression({ hiddenUnits: [3] } as never)).toThrow(ConfigError);
  });
});
