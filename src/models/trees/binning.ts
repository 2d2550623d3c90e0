/**
 * Quantile binning of features for histogram gradient boosting.
 *
 * Each feature is cut into at most `maxBins` bins at quantiles of its training values (Ke et al. 2017,
 * "LightGBM", section 2.1 / the histogram algorithm; Chen & Guestrin 2016, "XGBoost", section 3.3
 * "approximate algorithm"). Missing values (NaN) get their own extra bin, the last one of the feature,
 * so that every split can learn on which side missing values go (XGBoost's "sparsity-aware split
 * finding", Chen & Guestrin 2016, Algorithm 3).
 *
 * Bin rule: with ascending edges `e[0] < e[1] < …`, a value `v` falls in bin `#{k : e[k] < v}`. Hence
 * `bin(v) <= b  ⇔  v <= e[b]`: a split "bin ≤ b" is exactly the raw-value split "v ≤ e[b]", and trees
 * can predict on raw floats without re-binning.
 */
import { Rng } from '../../core/random.js';

/** Largest number of non-missing bins per feature: one more (the missing bin) still fits a Uint8. */
export const MAX_BINS = 255;

/** Rows used to find bin edges; above it a seeded subsample is used (as LightGBM's `bin_construct_sample_cnt`). */
const BINNING_SAMPLE = 200_000;

/** Learned bin edges of every feature. */
export interface BinMapper {
  /** Number of features. */
  readonly nFeatures: number;
  /** Per feature: ascending cut points; the feature has `edges[f].length + 1` non-missing bins. */
  readonly edges: readonly Float64Array[];
  /** Per feature: index of its missing-value bin (= number of non-missing bins). */
  readonly missingBin: Uint8Array;
}

/**
 * Find quantile bin edges for every column of a row-major `n × d` matrix.
 *
 * When a feature has at most `maxBins` distinct values every distinct value gets its own bin (edges at
 * the midpoints between neighbours, as scikit-learn's `_BinMapper`); otherwise edges sit at the
 * `k / maxBins` quantiles, again at midpoints between distinct neighbouring values.
 */
export function fitBinMapper(x: Float32Array, n: number, d: number, maxBins: number, rng: Rng): BinMapper {
  let rows: Int32Array | null = null;
  if (n > BINNING_SAMPLE) {
    rows = rng.permutation(n).subarray(0, BINNING_SAMPLE);
    rows.sort();
  }
  const m = rows ? rows.length : n;
  const buf = new Float64Array(m);
  const edges: Float64Array[] = [];
  const missingBin = new Uint8Array(d);
  for (let f = 0; f < d; f++) {
    let k = 0;
    for (let i = 0; i < m; i++) {
      const r = rows ? (rows[i] as number) : i;
      const v = x[r * d + f] as number;
      if (v === v) buf[k++] = v;
    }
    const vals = buf.subarray(0, k).sort();
    const e = featureEdges(vals, maxBins);
    edges.push(e);
    missingBin[f] = e.length + 1;
  }
  return { nFeatures: d, edges, missingBin };
}

function featureEdges(sorted: Float64Array, maxBins: number): Float64Array {
  const m = sorted.length;
  if (m === 0) return new Float64Array(0);
  // distinct values
  let distinct = 1;
  for (let i = 1; i < m; i++) if ((sorted[i] as number) !== (sorted[i - 1] as number)) distinct++;
  if (distinct <= maxBins) {
    const e = new Float64Array(distinct - 1);
    let k = 0;
    for (let i = 1; i < m; i++) {
      const a = sorted[i - 1] as number;
      const b = sorted[i] as number;
      if (a !== b) e[k++] = midpoint(a, b);
    }
    return e;
  }
  const out: number[] = [];
  let last = -Infinity;
  for (let q = 1; q < maxBins; q++) {
    // First position at or after the q-th quantile where the value changes.
    let pos = Math.floor((q * m) / maxBins);
    if (pos < 1) pos = 1;
    while (pos < m && (sorted[pos] as number) === (sorted[pos - 1] as number)) pos++;
    if (pos >= m) break;
    const cut = midpoint(sorted[pos - 1] as number, sorted[pos] as number);
    if (cut > last) {
      out.push(cut);
      last = cut;
    }
  }
  return Float64Array.from(out);
}

/** Midpoint that is guaranteed to satisfy a <= mid < b (float rounding can land on b). */
function midpoint(a: number, b: number): number {
  const mid = a + (b - a) / 2;
  return mid < b ? mid : a;
}

/** Bin of one raw value (NaN → the feature's missing bin). Binary search over the edges. */
export function binValue(edges: Float64Array, missingBin: number, v: number): number {
  if (v !== v) return missingBin;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((edges[mid] as number) < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Bin a row-major `n × d` matrix into a row-major Uint8Array (`out[i * d + f]`), the layout the
 * row-wise histogram builder reads.
 */
export function binMatrix(mapper: BinMapper, x: Float32Array, n: number): Uint8Array {
  const d = mapper.nFeatures;
  const out = new Uint8Array(n * d);
  for (let f = 0; f < d; f++) {
    const e = mapper.edges[f] as Float64Array;
    const mb = mapper.missingBin[f] as number;
    for (let i = 0; i < n; i++) out[i * d + f] = binValue(e, mb, x[i * d + f] as number);
  }
  return out;
}
