import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { averagePrecision, bestF1Threshold, classificationReport, confusionMatrix, perClass, phmScore, rmse, rocAuc } from './metrics.js';

describe('metrics', () => {
  it('matches hand-computed values (sklearn doc examples)', () => {
    // sklearn roc_auc_score doc: y=[0,0,1,1], s=[0.1,0.4,0.35,0.8] → 0.75
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.75, 12);
    // sklearn average_precision_score doc: → 0.8333...
    expect(averagePrecision([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBeCloseTo(0.8333333333, 9);
    const cm = confusionMatrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], 2);
    expect(cm.counts).toEqual([1, 1, 1, 2]);
    const pc = perClass(cm);
    expect(pc[1]!.precision).toBeCloseTo(2 / 3);
    expect(pc[1]!.recall).toBeCloseTo(2 / 3);
  });
  it('ROC-AUC equals the Mann–Whitney probability (property, ties count 1/2)', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 1 }), fc.integer({ min: 0, max: 5 })), { minLength: 2, maxLength: 40 }), (rows) => {
        const y = rows.map((r) => r[0]);
        const s = rows.map((r) => r[1]);
        const pos = rows.filter((r) => r[0] === 1);
        const neg = rows.filter((r) => r[0] === 0);
        if (pos.length === 0 || neg.length === 0) return;
        let w = 0;
        for (const p of pos) for (const q of neg) w += p[1] > q[1] ? 1 : p[1] === q[1] ? 0.5 : 0;
        expect(rocAuc(y, s)).toBeCloseTo(w / (pos.length * neg.length), 10);
      }),
    );
  });
  it('best F1 threshold reproduces its F1 when applied', () => {
    const y = [0, 0, 0, 1, 0, 1, 1, 0, 1, 1];
    const s = [0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6, 0.65, 0.7, 0.9];
    const { threshold, f1 } = bestF1Threshold(y, s);
    const pred = s.map((v) => (v >= threshold ? 1 : 0));
    const pc = perClass(confusionMatrix(y, pred, 2));
    expect(pc[1]!.f1).toBeCloseTo(f1, 12);
    expect(f1).toBeCloseTo(10 / 12, 12); // predict ≥0.35 → tp 5, fp 2, fn 0
    // Cut between distinct scores: at 0.25 → tp 3, fp 1 → F1 6/7 beats 0.6 (F1 0.8).
    const r = bestF1Threshold([0, 0, 1, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.8, 0.9]);
    expect(r.f1).toBeCloseTo(6 / 7, 12);
    expect(r.threshold).toBeCloseTo(0.25, 12);
    expect(bestF1Threshold([0, 0], [0.1, 0.2])).toEqual({ threshold: 0.5, f1: 0 });
    expect(() => bestF1Threshold([0, 1], [0.1])).toThrow(RangeError);
  });
  it('report: macro-F1, accuracy, RMSE, PHM score', () => {
    const r = classificationReport([0, 1, 2, 2], [0, 1, 2, 1], [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0], ['a', 'b', 'c']);
    expect(r.accuracy).toBe(0.75);
    expect(r.macroF1).toBeCloseTo((1 + 2 / 3 + 2 / 3) / 3, 12);
    expect(rmse([1, 2], [1, 4])).toBeCloseTo(Math.sqrt(2));
    expect(phmScore([10, 10], [0, 20])).toBeCloseTo(Math.exp(10 / 13) - 1 + Math.exp(1) - 1, 12);
  });
});
