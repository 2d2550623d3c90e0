/**
 * Test-set predictions of a saved RUL model's members and of their mean (the ensemble), at the last
 * cycle of each test unit, clamped to [0, cap] as the model predicts. Reads the test files: for
 * reporting after a choice (members-test.ts, test-seeds.ts), never for making one.
 */
import { loadCmapss, loadCmapssRul } from '../../src/io/datasets/cmapss.js';
import { initBackend } from '../../src/models/tf/index.js';
import { finalWindows } from '../../src/tasks/rul/data.js';
import { memberInput } from '../../src/tasks/rul/models.js';
import { loadRulModel } from '../../src/tasks/rul/rul.js';

export interface MemberPredictions {
  /** `K-NAME[:CHANNELS]`, K the member's position. */
  readonly label: string;
  readonly seed: unknown;
  readonly pred: number[];
}

export async function testPredictions(dir: string, testFile: string, rulFile: string): Promise<{ truth: number[]; ensemble: number[]; members: MemberPredictions[] }> {
  await initBackend();
  const model = await loadRulModel(dir);
  const m = model.manifest;
  const series = model.preprocessor.transform(await loadCmapss(testFile));
  const last = finalWindows(series, m.window).samples;
  const truth = Array.from(await loadCmapssRul(rulFile));
  const nS = m.preprocessor.sensors.length;
  const members: MemberPredictions[] = [];
  for (const [k, mem] of model.members.entries()) {
    const p = await mem.estimator.predict(memberInput(mem.info.input, last, mem.info.window, nS, mem.info.channels ?? 'sensors'));
    members.push({
      label: `${k}-${mem.info.name}${mem.info.channels ? ':' + mem.info.channels : ''}`,
      seed: mem.info.options.seed,
      pred: Array.from(p, (v) => Math.min(m.cap, Math.max(0, v))),
    });
  }
  const ensemble = truth.map((_, i) => members.reduce((s, mp) => s + (mp.pred[i] as number), 0) / members.length);
  return { truth, ensemble, members };
}
