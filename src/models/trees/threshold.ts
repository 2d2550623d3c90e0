/**
 * Decision-threshold tuning for a binary classifier. Tune on validation data, never on the test set.
 * (Kept beside the trees for now; it belongs to evaluation/ and will move there.)
 */

/** The chosen threshold and the F1 it reaches on the data it was tuned on. */
export interface ThresholdResult {
  /** Predict class 1 when P(class 1) ≥ threshold. */
  readonly threshold: number;
  /** F1 of class 1 at that threshold on the tuning data. */
  readonly f1: number;
}

/**
 * The threshold on `scores` that maximises the F1 of class 1 on (`y`, `scores`).
 *
 * Scans every distinct score in one pass after sorting (O(n log n)). Among thresholds with the same
 * F1 it returns the midpoint between the chosen score and the next lower distinct score, so that
 * slightly different scores on new data are classified the same way. With no positive in `y` it
 * returns `{ threshold: 0.5, f1: 0 }`.
 *
 * @param y      true labels, 0 or 1
 * @param scores P(class 1) per row (any monotone score works)
 * @throws RangeError when the lengths differ
 * @example const { threshold } = bestF1Threshold(yVal, pVal); const label = p >= threshold ? 1 : 0;
 */
export function bestF1Threshold(y: ArrayLike<number>, scores: ArrayLike<number>): ThresholdResult {
  const n = y.length;
  if (scores.length !== n) throw new RangeError(`bestF1Threshold: ${n} labels but ${scores.length} scores`);
  let pos = 0;
  for (let i = 0; i < n; i++) if (y[i] === 1) pos++;
  if (pos === 0) return { threshold: 0.5, f1: 0 };
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let tp = 0;
  let fp = 0;
  let bestF1 = -1;
  let bestIdx = 0;
  for (let j = 0; j < n; j++) {
    const i = order[j] as number;
    if (y[i] === 1) tp++;
    else fp++;
    const s = scores[i] as number;
    const next = j + 1 < n ? (scores[order[j + 1] as number] as number) : -Infinity;
    if (next === s) continue; // only between distinct scores
    const f1 = (2 * tp) / (2 * tp + fp + (pos - tp));
    if (f1 > bestF1) {
      bestF1 = f1;
      bestIdx = j;
    }
  }
  const s = scores[order[bestIdx] as number] as number;
  const next = bestIdx + 1 < n ? (scores[order[bestIdx + 1] as number] as number) : -Infinity;
  const threshold = next === -Infinity ? s : (s + next) / 2;
  return { threshold, f1: bestF1 };
}
